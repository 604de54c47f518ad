/*
 * mem.h - the guest's physical memory map and the linear-address fast path.
 *
 * Physical map (DESIGN.md section 4):
 *   0 .. ram_size            RAM, one host allocation
 *   0xa0000 .. 0xbffff       MMIO (VGA later); open bus when nothing claims it
 *   0x100000 - min(rom,128K) the last 128 KiB of the firmware image, read-only
 *   4G - rom_size .. 4G      the whole firmware image, read-only
 *   MMIO regions             callbacks with (opaque, offset, size)
 *   anything else            open bus: reads all ones, writes ignored
 *
 * The fast path: flat tables indexed by linear page number, one for reads
 * and one for writes at supervisor level and the same pair at user level
 * (a user access may only use what the walker allowed a user), whose
 * entries are host pointers to the page or NULL for "take the slow path".
 * The CPU points at the pair for its CPL. A write entry is filled only
 * after a write walk, which has set the dirty bit. Entries filled are
 * remembered so a flush costs what was filled, not 2^20.
 */
#ifndef RINGSIDE_MEM_H
#define RINGSIDE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096u
#define PAGE_MASK 0xfffu
#define LIN_PAGES (1u << 20)

typedef struct MmioOps {
    uint32_t (*read)(void *opaque, uint32_t off, int size);
    void (*write)(void *opaque, uint32_t off, uint32_t val, int size);
} MmioOps;

typedef struct MmioRegion {
    uint32_t base, size;
    const MmioOps *ops;
    void *opaque;
} MmioRegion;

#define MEM_MAX_MMIO 16
#define MEM_MAX_FILLED 8192

typedef struct PhysMem {
    uint8_t *ram;
    uint32_t ram_size;
    uint8_t *rom;
    uint32_t rom_size;
    uint32_t a20_mask;

    MmioRegion mmio[MEM_MAX_MMIO];
    int nmmio;

    /* One byte per RAM page: non-zero when translated code came from it. */
    uint8_t *code_page;
    /* Called after a write (CPU or DMA) lands on a code page. */
    void (*code_write)(void *opaque, uint32_t paddr, uint32_t len);
    void *code_opaque;

    /* Linear fast path: tlb[user][write]. */
    uint8_t **tlb[2][2];
    uint32_t *filled; /* linear page numbers with a non-NULL entry */
    uint32_t nfilled;

    /* Counters (printed by an option later). */
    uint64_t tlb_fills, tlb_flushes;
} PhysMem;

/* Returns NULL with *err set to a user-facing message on failure. */
PhysMem *mem_create(uint32_t ram_size, const char **err);
void mem_destroy(PhysMem *m);
/* Install a firmware image (64, 128 or 256 KiB); copies it. */
bool mem_set_rom(PhysMem *m, const uint8_t *data, uint32_t size, const char **err);
bool mem_add_mmio(PhysMem *m, uint32_t base, uint32_t size, const MmioOps *ops, void *opaque);
void mem_set_a20(PhysMem *m, bool enabled);

/* Physical accesses; never fault. Writes to code pages call code_write. */
uint32_t mem_phys_read(PhysMem *m, uint32_t paddr, int size);
void mem_phys_write(PhysMem *m, uint32_t paddr, uint32_t val, int size);
/* Host pointer to a RAM or ROM page for reading, or NULL. */
const uint8_t *mem_phys_page(PhysMem *m, uint32_t paddr);

/* Linear -> physical without paging (A20 only); the CPU walks the page
 * tables itself when CR0.PG is set (cpu.c, paging.c). */
static inline uint32_t mem_lin_to_phys(const PhysMem *m, uint32_t lin)
{
    return lin & m->a20_mask;
}

/* Fill the fast-path entry for the linear page of lin, which the walker
 * (or A20 alone) resolved to physical address phys, for this kind of
 * access and privilege; returns the host page or NULL if the page must
 * stay on the slow path. */
uint8_t *mem_tlb_fill(PhysMem *m, uint32_t lin, uint32_t phys, bool write, bool user);
void mem_tlb_flush(PhysMem *m);

/* Code-page tracking for self-modifying code. */
void mem_mark_code(PhysMem *m, uint32_t paddr);
void mem_unmark_code(PhysMem *m, uint32_t paddr);
static inline bool mem_is_code(const PhysMem *m, uint32_t paddr)
{
    return paddr < m->ram_size && m->code_page[paddr >> PAGE_SHIFT];
}

#endif
