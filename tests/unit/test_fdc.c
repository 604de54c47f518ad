/*
 * test_fdc.c - the 82077AA alone on a local bus, clock and DMA pair, with
 * temporary raw images: reset and its four polling interrupts, seek and
 * recalibrate with SENSE INTERRUPT STATUS, READ DATA through DMA channel 2
 * (single, multi-sector, multi-track, end of track, wrong cylinder), WRITE
 * DATA and write protect, FORMAT TRACK, READ ID and the data-rate check,
 * the disk-change line, non-DMA (PIO) reads and writes, VERSION,
 * CONFIGURE, LOCK, DUMPREG and invalid commands, and geometry detection.
 */
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
#include "hw/dma.h"
#include "hw/fdc.h"
#include "mmu/mem.h"

#define SIZE_144 1474560u
#define BUF_ADDR 0x10000u /* DMA target: page 1, address 0 */

typedef struct Rig {
    IoBus bus;
    Clock clock;
    uint64_t icount;
    PhysMem *mem;
    Dma dma;
    Fdc fdc;
    int irq_level, irq_edges;
    char path[64];
    BlockDev *blk;
} Rig;

static void irq_set_cb(void *opaque, int n, int level)
{
    Rig *r = opaque;
    (void)n;
    if (level && !r->irq_level)
        r->irq_edges++;
    r->irq_level = level;
}

/* Byte i of sector lba (0-based): the lba in the first two bytes, then a
 * pattern, so any misplaced sector shows. */
static uint8_t pattern(uint32_t lba, uint32_t i)
{
    if (i == 0)
        return (uint8_t)lba;
    if (i == 1)
        return (uint8_t)(lba >> 8);
    return (uint8_t)(lba * 7 + i);
}

static void make_image(Rig *r, uint32_t size)
{
    strcpy(r->path, "/tmp/ringside-fdc-XXXXXX");
    int fd = mkstemp(r->path);
    assert_true(fd >= 0);
    uint8_t *data = malloc(size);
    for (uint32_t i = 0; i < size; i++)
        data[i] = pattern(i / 512, i % 512);
    assert_int_equal(write(fd, data, size), (ssize_t)size);
    free(data);
    close(fd);
}

static void open_image(Rig *r, bool read_only, bool wp)
{
    const char *err = NULL;
    r->blk = block_open(r->path, read_only, false, &err);
    assert_non_null(r->blk);
    assert_true(fdc_attach(&r->fdc, 0, r->blk, wp, &err));
}

static int setup_common(void **state, bool wp)
{
    Rig *r = calloc(1, sizeof(*r));
    const char *err = NULL;
    bus_init(&r->bus);
    clock_init(&r->clock, &r->icount, 1000); /* 1 ns per instruction */
    r->mem = mem_create(1u << 20, &err);
    assert_non_null(r->mem);
    dma_init(&r->dma, &r->bus, r->mem);
    fdc_init(&r->fdc, &r->bus, &r->clock, &r->dma, irq_line(irq_set_cb, r, 6));
    make_image(r, SIZE_144);
    open_image(r, false, wp);
    *state = r;
    return 0;
}

static int setup(void **state)
{
    return setup_common(state, false);
}

static int setup_wp(void **state)
{
    return setup_common(state, true);
}

static int teardown(void **state)
{
    Rig *r = *state;
    block_close(r->blk);
    unlink(r->path);
    mem_destroy(r->mem);
    free(r);
    return 0;
}

static void outb(Rig *r, uint16_t port, uint8_t v)
{
    bus_out(&r->bus, port, v, 1);
}

static uint8_t inb(Rig *r, uint16_t port)
{
    return (uint8_t)bus_in(&r->bus, port, 1);
}

static void run_ns(Rig *r, uint64_t ns)
{
    r->icount += ns;
    clock_run_due(&r->clock);
}

/* Send a command: each byte only when MSR shows RQM with DIO clear. */
static void send(Rig *r, const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(inb(r, 0x3f4) & 0xc0, 0x80);
        outb(r, 0x3f5, bytes[i]);
    }
}

/* Read n result bytes (RQM and DIO set for each), then the controller is
 * ready for a command again. */
static void result(Rig *r, uint8_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(inb(r, 0x3f4) & 0xd0, 0xd0);
        out[i] = inb(r, 0x3f5);
    }
    assert_int_equal(inb(r, 0x3f4) & 0xd0, 0x80);
}

#define SEND(r, ...)                                      \
    do {                                                  \
        const uint8_t b_[] = { __VA_ARGS__ };             \
        send(r, b_, (int)sizeof(b_));                     \
    } while (0)

/* Reset through DOR and clear the four polling interrupts. */
static void reset_fdc(Rig *r, uint8_t dor)
{
    outb(r, 0x3f2, 0x00);
    outb(r, 0x3f2, dor);
    run_ns(r, 1000000);
    for (int i = 0; i < 4; i++) {
        uint8_t res[2];
        SEND(r, 0x08);
        result(r, res, 2);
    }
}

static void seek(Rig *r, int drive, int head, int cyl)
{
    uint8_t res[2];
    SEND(r, 0x0f, (uint8_t)(head << 2 | drive), (uint8_t)cyl);
    run_ns(r, 1000000);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[1], cyl);
}

/* Channel 2, single mode, write (device -> memory) or read. */
static void dma_setup(Rig *r, uint32_t addr, uint32_t bytes, bool to_memory)
{
    outb(r, 0x0a, 4 | 2);
    outb(r, 0x0c, 0);
    outb(r, 0x0b, (uint8_t)((to_memory ? 0x44 : 0x48) | 2));
    outb(r, 0x04, (uint8_t)addr);
    outb(r, 0x04, (uint8_t)(addr >> 8));
    outb(r, 0x81, (uint8_t)(addr >> 16));
    outb(r, 0x05, (uint8_t)(bytes - 1));
    outb(r, 0x05, (uint8_t)((bytes - 1) >> 8));
    outb(r, 0x0a, 2);
}

static void check_sector(Rig *r, uint32_t addr, uint32_t lba)
{
    for (uint32_t i = 0; i < 512; i++)
        if (r->mem->ram[addr + i] != pattern(lba, i))
            fail_msg("byte %u of lba %u at %#x: %#x", i, lba, addr + i, r->mem->ram[addr + i]);
}

static uint32_t lba_of(int c, int h, int s)
{
    return (uint32_t)((c * 2 + h) * 18 + s - 1);
}

/* Datasheet: after a reset with polling enabled, INT rises and four SENSE
 * INTERRUPT STATUS return ST0 = 0xc0 | drive; a fifth is invalid (0x80).
 * INT is gated by DOR's DMA gate bit. */
static void reset_sense_interrupts(void **state)
{
    Rig *r = *state;
    assert_int_equal(inb(r, 0x3f4), 0x00); /* held in reset after power-on */
    outb(r, 0x3f2, 0x0c);
    assert_int_equal(r->irq_level, 0);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
    assert_int_equal(inb(r, 0x3f4), 0x80);
    for (int i = 0; i < 4; i++) {
        uint8_t res[2];
        SEND(r, 0x08);
        assert_int_equal(r->irq_level, 0);
        result(r, res, 2);
        assert_int_equal(res[0], 0xc0 | i);
        assert_int_equal(res[1], 0);
    }
    uint8_t st0;
    SEND(r, 0x08);
    result(r, &st0, 1);
    assert_int_equal(st0, 0x80);

    /* DMA gate off: the interrupt is held back until the gate opens. */
    outb(r, 0x3f2, 0x00);
    outb(r, 0x3f2, 0x04);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 0);
    outb(r, 0x3f2, 0x0c);
    assert_int_equal(r->irq_level, 1);

    /* DSR bit 7: self-clearing software reset, same interrupt. */
    reset_fdc(r, 0x0c);
    outb(r, 0x3f4, 0x80);
    assert_int_equal(r->irq_level, 0);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
}

/* SEEK and RECALIBRATE: the drive-busy bit in MSR until the sense, INT at
 * completion, SENSE INTERRUPT STATUS gives ST0 (SE, head, drive) and PCN;
 * recalibrating a drive with nothing cabled gives an equipment check. */
static void recalibrate_seek(void **state)
{
    Rig *r = *state;
    uint8_t res[2];
    reset_fdc(r, 0x1c);
    SEND(r, 0x0f, 0x00, 10);
    assert_int_equal(inb(r, 0x3f4), 0x81); /* RQM, drive 0 busy */
    assert_int_equal(r->irq_level, 0);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[0], 0x20);
    assert_int_equal(res[1], 10);
    assert_int_equal(inb(r, 0x3f4), 0x80);

    SEND(r, 0x0f, 0x04, 20); /* head 1 */
    run_ns(r, 1000000);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[0], 0x24);
    assert_int_equal(res[1], 20);

    SEND(r, 0x8f, 0x00, 5); /* relative seek outward by 5 */
    run_ns(r, 1000000);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[1], 15);

    SEND(r, 0x07, 0x00);
    run_ns(r, 1000000);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[0], 0x20);
    assert_int_equal(res[1], 0);

    SEND(r, 0x07, 0x02); /* drive 2: not cabled */
    run_ns(r, 1000000);
    SEND(r, 0x08);
    result(r, res, 2);
    assert_int_equal(res[0], 0x72);

    /* SENSE DRIVE STATUS: ST3 ready, two-sided, track 0. */
    SEND(r, 0x04, 0x00);
    result(r, res, 1);
    assert_int_equal(res[0], 0x38);
}

/* READ DATA of sector 1 through DMA: bytes land in guest memory, result
 * ST0-ST2 = 0 and C/H/R/N point at the next sector; the IRQ rises only
 * once the result is ready. */
static void read_sector_dma(void **state)
{
    Rig *r = *state;
    uint8_t res[7];
    reset_fdc(r, 0x1c);
    outb(r, 0x3f7, 0x00); /* 500 kb/s */
    seek(r, 0, 0, 0);
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff);
    assert_int_equal(inb(r, 0x3f4) & 0xd0, 0x10); /* busy, no RQM */
    assert_int_equal(r->irq_level, 0);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
    result(r, res, 7);
    assert_int_equal(r->irq_level, 0);
    assert_int_equal(res[0], 0x00);
    assert_int_equal(res[1], 0x00);
    assert_int_equal(res[2], 0x00);
    assert_int_equal(res[3], 0);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], 2);
    assert_int_equal(res[6], 2);
    check_sector(r, BUF_ADDR, 0);
    assert_int_equal(inb(r, 0x08) & 0x04, 0x04); /* channel 2 TC */

    /* A cylinder other than the head's: no data, wrong cylinder. */
    seek(r, 0, 0, 3);
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x00, 2, 0, 1, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x04);
    assert_int_equal(res[2], 0x10);

    /* Sector 19 does not exist on an 18-sector track. */
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x00, 3, 0, 19, 2, 19, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x04);

    /* Channel masked: nobody answers DRQ, overrun. */
    outb(r, 0x0a, 4 | 2);
    SEND(r, 0xe6, 0x00, 3, 0, 1, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x10);
}

/* Multi-sector and multi-track reads: TC ends the command normally; with
 * MT the read continues from head 0's EOT to head 1 sector 1; without TC
 * at EOT the command ends abnormally with EN, C+1, R=1. */
static void read_multi(void **state)
{
    Rig *r = *state;
    uint8_t res[7];
    reset_fdc(r, 0x1c);
    seek(r, 0, 0, 5);

    dma_setup(r, BUF_ADDR, 3 * 512, true);
    SEND(r, 0x66, 0x00, 5, 0, 4, 2, 18, 0x1b, 0xff); /* no MT: sectors 4-6 */
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
    assert_int_equal(res[5], 7);
    for (int i = 0; i < 3; i++)
        check_sector(r, BUF_ADDR + 512u * (uint32_t)i, lba_of(5, 0, 4 + i));

    dma_setup(r, BUF_ADDR, 3 * 512, true);
    SEND(r, 0xe6, 0x00, 5, 0, 17, 2, 18, 0x1b, 0xff); /* MT: 17, 18, then head 1 */
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x04); /* ended on head 1 */
    assert_int_equal(res[1], 0);
    assert_int_equal(res[3], 5);
    assert_int_equal(res[4], 1);
    assert_int_equal(res[5], 2);
    check_sector(r, BUF_ADDR, lba_of(5, 0, 17));
    check_sector(r, BUF_ADDR + 512, lba_of(5, 0, 18));
    check_sector(r, BUF_ADDR + 1024, lba_of(5, 1, 1));

    /* MT, TC exactly at head 1's EOT: C+1, H complemented, R=1. */
    dma_setup(r, BUF_ADDR, 2 * 512, true);
    SEND(r, 0xe6, 0x04, 5, 1, 17, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x04);
    assert_int_equal(res[3], 6);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], 1);
    check_sector(r, BUF_ADDR + 512, lba_of(5, 1, 18));

    /* No MT, count larger than the track: EOT without TC. */
    dma_setup(r, BUF_ADDR, 4 * 512, true);
    SEND(r, 0x46, 0x00, 5, 0, 17, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x80);
    assert_int_equal(res[3], 6);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], 1);

    /* TC in the middle of a sector still ends normally. */
    dma_setup(r, BUF_ADDR, 100, true);
    SEND(r, 0x46, 0x00, 5, 0, 9, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
    assert_int_equal(res[5], 10);
}

/* WRITE DATA from guest memory changes the image; FORMAT TRACK fills a
 * track's sectors with the filler byte. */
static void write_and_format(void **state)
{
    Rig *r = *state;
    uint8_t res[7], sec[512];
    reset_fdc(r, 0x1c);
    seek(r, 0, 1, 1);
    for (int i = 0; i < 1024; i++)
        r->mem->ram[BUF_ADDR + (uint32_t)i] = (uint8_t)(i * 3 + 1);
    dma_setup(r, BUF_ADDR, 1024, false);
    SEND(r, 0xc5, 0x04, 1, 1, 5, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x04);
    assert_int_equal(res[1], 0);
    assert_int_equal(res[5], 7);
    assert_true(block_read(r->blk, lba_of(1, 1, 5) * 512ull, sec, 512));
    for (int i = 0; i < 512; i++)
        assert_int_equal(sec[i], (uint8_t)(i * 3 + 1));
    assert_true(block_read(r->blk, lba_of(1, 1, 6) * 512ull, sec, 512));
    assert_int_equal(sec[0], (uint8_t)(512 * 3 + 1));
    assert_true(block_read(r->blk, lba_of(1, 1, 7) * 512ull, sec, 512));
    assert_int_equal(sec[0], pattern(lba_of(1, 1, 7), 0));

    /* FORMAT cylinder 1 head 0: 18 IDs from memory, filler 0xe5. */
    for (int s = 0; s < 18; s++) {
        uint8_t *id = r->mem->ram + BUF_ADDR + 4 * s;
        id[0] = 1;
        id[1] = 0;
        id[2] = (uint8_t)(s + 1);
        id[3] = 2;
    }
    dma_setup(r, BUF_ADDR, 18 * 4, false);
    SEND(r, 0x4d, 0x00, 2, 18, 0x6c, 0xe5);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
    for (int s = 1; s <= 18; s++) {
        assert_true(block_read(r->blk, lba_of(1, 0, s) * 512ull, sec, 512));
        assert_int_equal(sec[0], 0xe5);
        assert_int_equal(sec[511], 0xe5);
    }
    assert_true(block_read(r->blk, lba_of(1, 1, 1) * 512ull, sec, 512));
    assert_int_equal(sec[2], pattern(lba_of(1, 1, 1), 2));
}

/* Write-protected media: SENSE DRIVE STATUS shows WP; WRITE DATA and
 * FORMAT end with ST0 abnormal and ST1 NW, the image unchanged. */
static void write_protect(void **state)
{
    Rig *r = *state;
    uint8_t res[7], sec[512];
    reset_fdc(r, 0x1c);
    seek(r, 0, 0, 0);
    SEND(r, 0x04, 0x00);
    result(r, res, 1);
    assert_int_equal(res[0] & 0x40, 0x40);
    memset(r->mem->ram + BUF_ADDR, 0x77, 512);
    dma_setup(r, BUF_ADDR, 512, false);
    SEND(r, 0xc5, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x02);
    assert_int_equal(res[3], 0);
    assert_int_equal(res[5], 1);
    assert_true(block_read(r->blk, 0, sec, 512));
    assert_int_equal(sec[2], pattern(0, 2));
    SEND(r, 0x4d, 0x00, 2, 18, 0x6c, 0xe5);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x02);
}

/* READ ID returns the ID fields passing under the head in turn; at a data
 * rate the media cannot be read at, no address mark is found. */
static void read_id_and_rate(void **state)
{
    Rig *r = *state;
    uint8_t res[7];
    reset_fdc(r, 0x1c);
    seek(r, 0, 1, 2);
    SEND(r, 0x4a, 0x04);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
    result(r, res, 7);
    assert_int_equal(res[0], 0x04);
    assert_int_equal(res[3], 2);
    assert_int_equal(res[4], 1);
    assert_int_equal(res[5], 1);
    assert_int_equal(res[6], 2);
    SEND(r, 0x4a, 0x04);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[5], 2);

    outb(r, 0x3f7, 0x02); /* 250 kb/s: a 1.44M disk reads nothing */
    SEND(r, 0x4a, 0x00);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x01);
    outb(r, 0x3f4, 0x00); /* DSR sets the rate too */
    SEND(r, 0x4a, 0x00);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
}

/* DIR bit 7 (DSKCHG) is set by a media change and cleared by a seek that
 * steps with the motor on and a disk in. */
static void disk_change(void **state)
{
    Rig *r = *state;
    const char *err = NULL;
    reset_fdc(r, 0x0c); /* motor off */
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80);
    seek(r, 0, 0, 1);
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80); /* no motor: latch stays */
    outb(r, 0x3f2, 0x1c);
    seek(r, 0, 0, 1); /* no step */
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80);
    seek(r, 0, 0, 0);
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x00);
    /* Eject: DSKCHG again, and no step clears it without a disk. */
    assert_true(fdc_attach(&r->fdc, 0, NULL, false, &err));
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80);
    seek(r, 0, 0, 1);
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80);
    uint8_t res[7];
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x00, 1, 0, 1, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x01);
    /* Insert again. */
    assert_true(fdc_attach(&r->fdc, 0, r->blk, false, &err));
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x80);
    seek(r, 0, 0, 2);
    assert_int_equal(inb(r, 0x3f7) & 0x80, 0x00);
}

/* Non-DMA mode (SPECIFY ND): the sector comes through the FIFO with MSR
 * RQM|DIO|NDMA|CB, INT asserted during execution, then the result. */
static void pio_read_write(void **state)
{
    Rig *r = *state;
    uint8_t res[7], sec[512];
    reset_fdc(r, 0x1c);
    SEND(r, 0x03, 0xaf, 0x03); /* ND = 1 */
    seek(r, 0, 0, 4);
    SEND(r, 0x46, 0x00, 4, 0, 17, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    assert_int_equal(r->irq_level, 1);
    for (int s = 17; s <= 18; s++) {
        for (int i = 0; i < 512; i++) {
            assert_int_equal(inb(r, 0x3f4), 0xf0);
            assert_int_equal(inb(r, 0x3f5), pattern(lba_of(4, 0, s), (uint32_t)i));
        }
    }
    /* Past EOT without TC: abnormal with EN, as pseudo-DMA drivers expect. */
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x80);
    assert_int_equal(res[3], 5);
    assert_int_equal(res[5], 1);

    SEND(r, 0x45, 0x00, 4, 0, 18, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    for (int i = 0; i < 512; i++) {
        assert_int_equal(inb(r, 0x3f4), 0xb0);
        outb(r, 0x3f5, (uint8_t)(0xff - i));
    }
    result(r, res, 7);
    assert_int_equal(res[1], 0x80);
    assert_true(block_read(r->blk, lba_of(4, 0, 18) * 512ull, sec, 512));
    assert_int_equal(sec[0], 0xff);
    assert_int_equal(sec[511], 0x00);
}

/* VERSION 0x90; CONFIGURE and PERPENDICULAR show in DUMPREG; LOCK keeps
 * CONFIGURE over a software reset, UNLOCK does not; invalid commands
 * answer one byte 0x80 without an interrupt. */
static void version_configure_lock(void **state)
{
    Rig *r = *state;
    uint8_t res[10];
    reset_fdc(r, 0x1c);
    SEND(r, 0x10);
    result(r, res, 1);
    assert_int_equal(res[0], 0x90);

    SEND(r, 0x13, 0x00, 0x57, 0x05);
    SEND(r, 0x03, 0xaf, 0x02);
    SEND(r, 0x12, 0x80 | 0x08 | 0x02);
    seek(r, 0, 0, 7);
    SEND(r, 0x0e);
    result(r, res, 10);
    assert_int_equal(res[0], 7);
    assert_int_equal(res[4], 0xaf);
    assert_int_equal(res[5], 0x02);
    assert_int_equal(res[7], 0x0a);
    assert_int_equal(res[8], 0x57);
    assert_int_equal(res[9], 0x05);

    SEND(r, 0x94);
    result(r, res, 1);
    assert_int_equal(res[0], 0x10);
    outb(r, 0x3f2, 0x18);
    outb(r, 0x3f2, 0x1c);
    run_ns(r, 1000000);
    SEND(r, 0x0e);
    result(r, res, 10);
    assert_int_equal(res[7] & 0x80, 0x80);
    assert_int_equal(res[8] & 0x60, 0x40); /* EIS and EFIFO kept */
    assert_int_equal(res[9], 0x05);

    SEND(r, 0x14);
    result(r, res, 1);
    assert_int_equal(res[0], 0x00);
    reset_fdc(r, 0x1c);
    SEND(r, 0x0e);
    result(r, res, 10);
    assert_int_equal(res[8], 0x20);
    assert_int_equal(res[9], 0x00);

    int edges = r->irq_edges;
    SEND(r, 0x18); /* PARTID: an 82078 command, invalid here */
    result(r, res, 1);
    assert_int_equal(res[0], 0x80);
    SEND(r, 0x1f);
    result(r, res, 1);
    assert_int_equal(res[0], 0x80);
    assert_int_equal(r->irq_edges, edges);
}

/* Implied seek (CONFIGURE EIS) moves the head to the command's C. */
static void implied_seek(void **state)
{
    Rig *r = *state;
    uint8_t res[7];
    reset_fdc(r, 0x1c);
    SEND(r, 0x13, 0x00, 0x60, 0x00);
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x00, 9, 0, 3, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
    check_sector(r, BUF_ADDR, lba_of(9, 0, 3));
    uint8_t regs[10];
    SEND(r, 0x0e);
    result(r, regs, 10);
    assert_int_equal(regs[0], 9); /* PCN of drive 0 */
}

/* Geometry from the image size and the CMOS drive type. */
static void geometry_and_cmos(void **state)
{
    Rig *r = *state;
    static const struct {
        uint32_t size;
        int type;
    } cases[] = {
        { 163840, 1 }, { 184320, 1 }, { 327680, 1 }, { 368640, 1 }, { 737280, 3 },
        { 1228800, 2 }, { 1474560, 4 }, { 1720320, 4 }, { 2949120, 5 },
    };
    const char *err = NULL;
    assert_int_equal(fdc_cmos_type(&r->fdc, 0), 4);
    assert_int_equal(fdc_cmos_type(&r->fdc, 1), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Fdc f;
        IoBus bus;
        bus_init(&bus);
        fdc_init(&f, &bus, &r->clock, &r->dma, irq_line(NULL, NULL, 6));
        BlockDev b = { 0 };
        b.size = cases[i].size;
        assert_true(fdc_attach(&f, 1, &b, false, &err));
        assert_int_equal(fdc_cmos_type(&f, 1), cases[i].type);
    }
    /* Other multiples of 512 are padded: 1296384 (GRUB's rescue floppy)
     * becomes a 1.44M disk, 400K a 720K one. */
    static const struct {
        uint32_t size;
        int type;
    } padded[] = { { 1296384, 4 }, { 409600, 3 }, { 2048, 1 }, { 2097152, 5 } };
    for (size_t i = 0; i < sizeof(padded) / sizeof(padded[0]); i++) {
        Fdc f;
        IoBus bus;
        bus_init(&bus);
        fdc_init(&f, &bus, &r->clock, &r->dma, irq_line(NULL, NULL, 6));
        BlockDev b = { 0 };
        b.size = padded[i].size;
        assert_true(fdc_attach(&f, 0, &b, false, &err));
        assert_int_equal(fdc_cmos_type(&f, 0), padded[i].type);
    }
    Fdc f;
    IoBus bus;
    bus_init(&bus);
    fdc_init(&f, &bus, &r->clock, &r->dma, irq_line(NULL, NULL, 6));
    BlockDev b = { 0 };
    b.size = 3000000;
    assert_false(fdc_attach(&f, 0, &b, false, &err));
    b.size = 1000000;
    err = NULL;
    assert_false(fdc_attach(&f, 0, &b, false, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "1.44M"));
    assert_int_equal(fdc_cmos_type(&f, 0), 0);
    assert_true(fdc_attach(&f, 0, NULL, false, &err));
    assert_int_equal(fdc_cmos_type(&f, 0), 4);
}

/* A 360K image: 40 cylinders, 9 sectors, readable at 250 or 300 kb/s. */
static void read_360k(void **state)
{
    Rig *r = *state;
    const char *err = NULL;
    block_close(r->blk);
    unlink(r->path);
    make_image(r, 368640);
    r->blk = block_open(r->path, true, false, &err);
    assert_non_null(r->blk);
    Fdc *f = &r->fdc;
    f->drive[0].type = 0;
    assert_true(fdc_attach(f, 0, r->blk, false, &err));
    assert_int_equal(fdc_cmos_type(f, 0), 1);
    reset_fdc(r, 0x1c);
    outb(r, 0x3f7, 0x01);
    seek(r, 0, 1, 39);
    uint8_t res[7];
    dma_setup(r, BUF_ADDR, 512, true);
    SEND(r, 0xe6, 0x04, 39, 1, 9, 2, 9, 0x2a, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x04);
    assert_int_equal(res[3], 40);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], 1);
    for (uint32_t i = 0; i < 512; i++)
        assert_int_equal(r->mem->ram[BUF_ADDR + i], pattern(719, i));
    /* Read-only image: writes are refused as write-protected. */
    dma_setup(r, BUF_ADDR, 512, false);
    SEND(r, 0xc5, 0x04, 39, 1, 9, 2, 9, 0x2a, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[1], 0x02);
}

/* A short image padded to 1.44M: the last real sector reads back, the
 * padding reads as zeros, and a write into the padding fails. */
static void short_image_padding(void **state)
{
    Rig *r = *state;
    const char *err = NULL;
    block_close(r->blk);
    unlink(r->path);
    make_image(r, 1296384); /* 2532 sectors: the last is C70 H0 S12 */
    r->blk = block_open(r->path, false, false, &err);
    assert_non_null(r->blk);
    assert_true(fdc_attach(&r->fdc, 0, r->blk, false, &err));
    reset_fdc(r, 0x1c);
    seek(r, 0, 0, 70);
    uint8_t res[7];
    dma_setup(r, BUF_ADDR, 1024, true);
    SEND(r, 0x46, 0x00, 70, 0, 12, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x00);
    assert_int_equal(res[5], 14);
    check_sector(r, BUF_ADDR, 2531);
    for (uint32_t i = 0; i < 512; i++)
        assert_int_equal(r->mem->ram[BUF_ADDR + 512 + i], 0);
    dma_setup(r, BUF_ADDR, 512, false);
    SEND(r, 0x45, 0x00, 70, 0, 13, 2, 18, 0x1b, 0xff);
    run_ns(r, 1000000);
    result(r, res, 7);
    assert_int_equal(res[0], 0x40);
    assert_int_equal(res[1], 0x02);
    assert_int_equal(r->blk->size, 1296384u);
}

/* DESIGN.md invariant 5: any sequence of port accesses from the guest
 * leaves the host safe. Deterministic pseudo-random traffic to the FDC and
 * DMA ports, with the clock advancing; then a reset must bring the
 * controller back to a working state. */
static void random_port_traffic(void **state)
{
    Rig *r = *state;
    static const uint16_t ports[] = { 0x3f0, 0x3f1, 0x3f2, 0x3f3, 0x3f4, 0x3f5, 0x3f5, 0x3f5,
                                      0x3f5, 0x3f7, 0x04, 0x05, 0x0a, 0x0b, 0x0c, 0x81 };
    uint32_t seed = 12345;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint16_t port = ports[(seed >> 16) & 15];
        uint8_t v = (uint8_t)(seed >> 8);
        if (port == 0x3f5 && (seed & 0x80000000u))
            v &= 0x1f; /* mostly valid command codes */
        if (port == 0x0a)
            v &= 0x03; /* keep channel 2 mostly unmasked */
        if (seed & 0x40000000u)
            (void)inb(r, port);
        else
            outb(r, port, v);
        if ((i & 63) == 0)
            run_ns(r, 200000);
    }
    run_ns(r, 1000000);
    reset_fdc(r, 0x1c);
    uint8_t res[1];
    SEND(r, 0x10);
    result(r, res, 1);
    assert_int_equal(res[0], 0x90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reset_sense_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(recalibrate_seek, setup, teardown),
        cmocka_unit_test_setup_teardown(read_sector_dma, setup, teardown),
        cmocka_unit_test_setup_teardown(read_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(write_and_format, setup, teardown),
        cmocka_unit_test_setup_teardown(write_protect, setup_wp, teardown),
        cmocka_unit_test_setup_teardown(read_id_and_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(disk_change, setup, teardown),
        cmocka_unit_test_setup_teardown(pio_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(version_configure_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(implied_seek, setup, teardown),
        cmocka_unit_test_setup_teardown(geometry_and_cmos, setup, teardown),
        cmocka_unit_test_setup_teardown(read_360k, setup, teardown),
        cmocka_unit_test_setup_teardown(short_image_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(random_port_traffic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
