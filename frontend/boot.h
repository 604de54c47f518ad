/*
 * boot.h - what the firmware boots: finding SeaBIOS and SeaVGABIOS, and
 * preparing a Linux kernel given with -kernel for our linuxboot option
 * ROM (bios/linuxboot.S) through the firmware-config interface.
 */
#ifndef RINGSIDE_BOOT_H
#define RINGSIDE_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/fwcfg.h"

#define SEABIOS_PATH "/usr/share/seabios/bios-256k.bin"
#define SEAVGABIOS_PATH "/usr/share/seabios/vgabios-stdvga.bin"

/* Little-endian fields of the images and tables the loaders build. */
static inline uint16_t boot_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t boot_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void boot_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void boot_wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Read a whole file (at most max bytes). NULL with *err on failure. */
uint8_t *boot_read_file(const char *path, size_t max, size_t *size, const char **err);

/* Load a bzImage (boot protocol 2.00 or later), an optional initrd and a
 * command line into fw_cfg for the linuxboot ROM, and add the ROM and a
 * bootorder that boots it first. Returns false with a message in err
 * (err_len bytes) naming the file and the problem. */
bool boot_linux(FwCfg *fw, uint32_t ram_size, const char *kernel, const char *initrd, const char *append,
                char *err, size_t err_len);

#endif
