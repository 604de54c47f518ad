/*
 * ide_rig.h - a local bus and clock holding one Ide, with images in
 * temporary files, for test_ide.c and test_atapi.c. The IRQ lines record
 * their level and count rising edges (what the edge-triggered 8259 sees).
 */
#ifndef RINGSIDE_IDE_RIG_H
#define RINGSIDE_IDE_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw/block.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/ide.h"

typedef struct IdeRig {
    IoBus bus;
    Clock clock;
    uint64_t icount;
    Ide ide;
    int level[2], edges[2];
    char paths[4][64];
    BlockDev *bd[4];
    int nimages;
} IdeRig;

static inline void rig_irq(void *opaque, int n, int level)
{
    IdeRig *r = opaque;
    if (level && !r->level[n])
        r->edges[n]++;
    r->level[n] = level;
}

static inline IdeRig *rig_new(void)
{
    IdeRig *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    bus_init(&r->bus);
    clock_init(&r->clock, &r->icount, 1000);
    ide_init(&r->ide, &r->bus, &r->clock, irq_line(rig_irq, r, 0), irq_line(rig_irq, r, 1));
    return r;
}

static inline void rig_free(IdeRig *r)
{
    for (int i = 0; i < r->nimages; i++) {
        block_close(r->bd[i]);
        unlink(r->paths[i]);
    }
    free(r);
}

/* The test pattern: byte j of sector s (of secsize bytes). */
static inline uint8_t pattern(uint64_t s, uint32_t j)
{
    return (uint8_t)(s * 13 + j * 3 + (s >> 8) + (s >> 24));
}

/* A temporary image of size bytes (sparse), with the pattern written into
 * sectors [0, npat) of secsize bytes. */
static inline BlockDev *rig_image(IdeRig *r, uint64_t size, uint32_t secsize, uint64_t npat, bool read_only)
{
    int i = r->nimages++;
    strcpy(r->paths[i], "/tmp/ringside-ide-XXXXXX");
    int fd = mkstemp(r->paths[i]);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    uint8_t *sec = malloc(secsize);
    for (uint64_t s = 0; s < npat && (s + 1) * secsize <= size; s++) {
        for (uint32_t j = 0; j < secsize; j++)
            sec[j] = pattern(s, j);
        assert_int_equal(pwrite(fd, sec, secsize, (off_t)(s * secsize)), (ssize_t)secsize);
    }
    free(sec);
    close(fd);
    const char *err = NULL;
    r->bd[i] = block_open(r->paths[i], read_only, false, &err);
    assert_non_null(r->bd[i]);
    return r->bd[i];
}

/* Write the pattern into one sector of an image already made. */
static inline void rig_pattern_sector(BlockDev *b, uint64_t s, uint32_t secsize)
{
    uint8_t sec[2048];
    for (uint32_t j = 0; j < secsize; j++)
        sec[j] = pattern(s, j);
    assert_true(block_write(b, s * secsize, sec, secsize));
}

static inline void out8(IdeRig *r, uint16_t port, uint8_t v)
{
    bus_out(&r->bus, port, v, 1);
}

static inline uint8_t in8(IdeRig *r, uint16_t port)
{
    return (uint8_t)bus_in(&r->bus, port, 1);
}

static inline uint16_t in16(IdeRig *r, uint16_t port)
{
    return (uint16_t)bus_in(&r->bus, port, 2);
}

static inline void out16(IdeRig *r, uint16_t port, uint16_t v)
{
    bus_out(&r->bus, port, v, 2);
}

/* Read n bytes of data from the primary channel's data port. */
static inline void rig_read_data(IdeRig *r, uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 2) {
        uint16_t w = in16(r, 0x1f0);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
}

#endif
