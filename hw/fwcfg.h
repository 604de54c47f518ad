/*
 * fwcfg.h - QEMU's firmware configuration interface (docs/specs/fw_cfg.rst
 * in QEMU), the channel through which SeaBIOS learns the RAM size, the
 * e820 map, the boot order and gets option ROMs and the -kernel blobs.
 *
 * Ports: 0x510 selector (16-bit write), 0x511 data (8-bit read, auto-
 * increment, zero past the end), 0x514-0x51b DMA address (big-endian;
 * writing the low half at 0x518 starts the transfer; reads "QEMU CFG").
 *
 * Every item's data is copied: the caller may free its buffer after the
 * add call. Numbered items are little-endian as in QEMU (fwcfg_add_i32
 * etc.); the file directory is big-endian as the spec says.
 */
#ifndef RINGSIDE_FWCFG_H
#define RINGSIDE_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "mmu/mem.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MACHINE_ID 0x06
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_NUMA 0x0d
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL 0x8000
/* x86 arch-local items (QEMU hw/i386/fw_cfg.h) */
#define FW_CFG_ACPI_TABLES (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET (FW_CFG_ARCH_LOCAL + 4)

/* FW_CFG_ID bits */
#define FW_CFG_VERSION 0x01
#define FW_CFG_VERSION_DMA 0x02

/* FWCfgDmaAccess.control bits */
#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10

/* e820 types */
#define E820_RAM 1
#define E820_RESERVED 2

#define FWCFG_MAX_FILES 64
#define FWCFG_ARCH_ITEMS 16
#define FWCFG_FILE_NAME 56

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgFile {
    char name[FWCFG_FILE_NAME];
    FwCfgItem item;
} FwCfgFile;

typedef struct FwCfg {
    IoBus *bus;
    PhysMem *mem;
    FwCfgItem items[FW_CFG_FILE_FIRST];  /* numbered items 0x00-0x1f */
    FwCfgItem arch[FWCFG_ARCH_ITEMS];    /* 0x8000-0x800f */
    FwCfgFile files[FWCFG_MAX_FILES];    /* sorted by name; selector 0x20 + index */
    int nfiles;
    uint8_t *e820;
    uint32_t e820_len;

    uint16_t select;
    uint32_t offset;
    uint8_t dma_addr[8]; /* big-endian, as the guest wrote it byte by byte */
    uint64_t dma_count;  /* transfers started (for tests and stats) */
} FwCfg;

/* Registers the ports and sets the signature, ID (with DMA), a zero UUID,
 * a zero-node NUMA table, one CPU (NB_CPUS, MAX_CPUS) and BOOT_MENU 0. */
void fwcfg_init(FwCfg *f, IoBus *bus, PhysMem *mem);
void fwcfg_reset(FwCfg *f);
void fwcfg_free(FwCfg *f);

/* Numbered items (key < 0x20 or an arch-local key 0x8000-0x800f); false
 * for another key or out of memory. Replaces an existing item. */
bool fwcfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len);
bool fwcfg_add_i16(FwCfg *f, uint16_t key, uint16_t v);
bool fwcfg_add_i32(FwCfg *f, uint16_t key, uint32_t v);
bool fwcfg_add_i64(FwCfg *f, uint16_t key, uint64_t v);
/* A named file; a file of the same name is replaced. Selectors follow the
 * sorted name order from 0x20, so adding a file renumbers the ones after
 * it (firmware reads the directory, never a fixed selector). */
bool fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len);
/* Appends an entry to "etc/e820" ({u64 addr, u64 len, u32 type} LE). */
bool fwcfg_add_e820(FwCfg *f, uint64_t addr, uint64_t len, uint32_t type);
/* The selector of a file, or -1. */
int fwcfg_file_select(const FwCfg *f, const char *name);

#endif
