/*
 * mem.h - the guest's physical memory map and the linear-address fast path.
 *
 * Physical map (DESIGN.md section 4):
 *   0 .. ram_size            RAM, one host allocation
 *   0xa0000 .. 0xbffff       MMIO (VGA later); open bus when nothing claims it
 *   0x100000 - min(rom,128K) the last 128 KiB of the firmware image, read-only
 *   4G - rom_size .. 4G      the whole firmware image, read-only
 *   MMIO regions             callbacks with (opaque, offset, size)
 *   host regions             host memory mapped at a physical range (the
 *                            VGA linear framebuffer), fast path, dirty-tracked
 *   anything else            open bus: reads all ones, writes ignored
 *
 * Lookup order: MMIO, host regions, the ROM windows (or, in 0xc0000-0xfffff
 * once the chipset programs PAM, RAM or ROM per segment), then RAM.
 *
 * PAM (0xc0000-0xfffff, 16 granules of 16 KiB): until mem_set_pam touches a
 * granule it keeps the board's legacy map (0xc0000-0xdffff RAM, the low
 * firmware alias read-only above it). A programmed granule reads RAM or
 * what lies beneath (the low firmware alias, else open bus) and writes RAM
 * or discards. The chipset programs every segment at its reset to get the
 * i440FX power-on state (all reads ROM, writes discarded).
 *
 * Dirty tracking: one flag byte per physical page (4 GiB / 4 KiB). Pages in
 * a tracked range (mem_track_dirty; host regions are tracked when mapped)
 * get DIRTY on every write: slow-path writes set it, and a write entry of
 * the fast path is filled only for a write, which sets it first; clearing
 * it drops the write entries that reach the page. Untracked pages always
 * read as dirty (nothing is known about them).
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
#include <stdio.h>

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

typedef struct HostRegion {
    uint32_t base, size;
    uint8_t *host;
    bool read_only; /* a ROM BAR: writes are discarded */
} HostRegion;

#define MEM_MAX_MMIO 16
#define MEM_MAX_HOST 4
#define MEM_MAX_FILLED 8192
#define MEM_PAM_BASE 0xc0000u
#define MEM_PAM_GRANULE 0x4000u
#define MEM_PAM_COUNT 16

/* mem->pam[] bits; 0 means "legacy map" (never programmed). */
#define PAM_SET 0x1u
#define PAM_READ_RAM 0x2u
#define PAM_WRITE_RAM 0x4u

/* mem->page_flags[] bits (per physical page). */
#define PGF_TRACKED 0x1u
#define PGF_DIRTY 0x2u
/* Translated code came from the page: RAM or a host region (code run from
 * the linear framebuffer is tracked like code in RAM), or ROM, where it
 * only makes writes to the RAM under a PAM segment take the slow path. */
#define PGF_CODE 0x4u

/* mem->tlb_attr[] bits (per linear page, for the fast-path entries). */
#define TLBA_GLOBAL 0x1u /* filled from a global translation (G=1, CR4.PGE) */
#define TLBA_LARGE 0x2u  /* filled from a 4M/2M page: INVLPG drops the whole page */
#define TLBA_FILLED 0x4u /* on the filled list */
#define TLBA_PREFIX 0x8u /* in the list's first nglobal entries (see nglobal) */

typedef struct PhysMem {
    uint8_t *ram;
    uint32_t ram_size;
    uint8_t *rom;
    uint32_t rom_size;
    uint32_t a20_mask;

    MmioRegion mmio[MEM_MAX_MMIO];
    int nmmio;
    HostRegion host[MEM_MAX_HOST];
    int nhost;
    uint8_t pam[MEM_PAM_COUNT];
    uint8_t *page_flags; /* PGF_*, one per physical page (1 MiB) */
    /* [1 MiB, plain_end) is RAM that no MMIO or host region overlaps (no
     * ROM window or PAM segment lies there): the walker's reads and A/D
     * writes and the fills go straight to it. Kept by every map change. */
    uint32_t plain_end;

    /* Called after a write (CPU or DMA) lands on a code page (PGF_CODE). */
    void (*code_write)(void *opaque, uint32_t paddr, uint32_t len);
    void *code_opaque;

    /* Linear fast path: tlb[user][write]. */
    uint8_t **tlb[2][2];
    uint8_t *tlb_attr; /* TLBA_*, one per linear page */
    uint32_t *filled;  /* linear page numbers with TLBA_FILLED */
    uint32_t nfilled;
    uint32_t nlarge; /* filled pages with TLBA_LARGE */
    /* filled[0, nglobal) are the pages with TLBA_PREFIX: filled from a
     * global translation (or emptied by INVLPG since), so a CR3 load walks
     * only the rest. The bits, which the lockstep checker restores with
     * the list, let mem.c check nglobal before trusting it. */
    uint32_t nglobal;
    /* 4 MiB regions (bit per lin >> 22) that were ever filled from a large
     * page: INVLPG elsewhere needs no look for large entries. Never
     * cleared, so it stays a superset whatever restores the entries (the
     * lockstep checker saves and restores the filled list). */
    uint32_t large_regions[32];
    /* Called when one linear range stops translating as before (INVLPG):
     * the code cache drops what it keyed by those linear addresses. A full
     * flush bumps tlb_flushes instead, which the code cache polls, and
     * one that drops global translations too also tlb_flushes_global. */
    void (*lin_flush)(void *opaque, uint32_t lin, uint32_t len);
    void *lin_flush_opaque;

    /* Counters, printed by mem_print_stats. Hits on the inline fast path
     * are not counted (that would cost a store per access); tlb_slow_hits
     * counts accesses that took the slow path (alignment/breakpoint checks,
     * segment limits, page-crossing) and found an entry anyway. */
    uint64_t tlb_fills, tlb_flushes, tlb_misses, tlb_slow_hits, tlb_flushes_global;
    uint64_t tlb_flushes_nonglobal, tlb_invlpg, tlb_entries_flushed;
} PhysMem;

/* RAM sizes the machine can have: real mode needs 1 MiB; RAM ends below
 * the PCI hole at 3.5 GiB (0xe0000000), where BARs such as the VGA linear
 * framebuffer go. Callers converting -m from MiB check against these
 * before multiplying (4096 MiB and up would wrap a uint32_t). */
#define MEM_RAM_MIN_MB 1u
#define MEM_RAM_MAX_MB 3584u

/* Returns NULL with *err set to a user-facing message on failure. */
PhysMem *mem_create(uint32_t ram_size, const char **err);
void mem_destroy(PhysMem *m);
/* Install a firmware image (64, 128 or 256 KiB); copies it. */
bool mem_set_rom(PhysMem *m, const uint8_t *data, uint32_t size, const char **err);
bool mem_add_mmio(PhysMem *m, uint32_t base, uint32_t size, const MmioOps *ops, void *opaque);
void mem_set_a20(PhysMem *m, bool enabled);

/* PAM shadowing of [base, base+size) inside 0xc0000-0xfffff, in 16 KiB
 * granules (the chipset passes 0xf0000/64K for its one 64K segment).
 * Returns false for a range outside that or not granule-aligned. Flushes
 * the fast path and the translated code of the range when it changes. */
bool mem_set_pam(PhysMem *m, uint32_t base, uint32_t size, bool read_ram, bool write_ram);

/* Bulk copies for DMA: per page, RAM and host regions by memcpy, ROM
 * ignored on write, MMIO by 4/1-byte callbacks, open bus reads 0xff.
 * Writes invalidate translated code once per page and mark dirty pages. */
void mem_dma_write(PhysMem *m, uint32_t paddr, const void *buf, uint32_t len);
void mem_dma_read(PhysMem *m, uint32_t paddr, void *buf, uint32_t len);

/* Host memory at [base, base+size) (page-aligned, no overlap with another
 * host region); dirty-tracked from the start with every page dirty. Move
 * it by unmap + map. Returns false when misaligned, overlapping, or full. */
bool mem_map_host(PhysMem *m, uint32_t base, uint32_t size, uint8_t *host);
/* The same for a read-only region (a PCI expansion ROM BAR): writes are
 * discarded, reads take the fast path; not dirty-tracked. */
bool mem_map_host_rom(PhysMem *m, uint32_t base, uint32_t size, const uint8_t *host);
void mem_unmap_host(PhysMem *m, uint32_t base);

/* Dirty tracking (see the header comment). */
void mem_track_dirty(PhysMem *m, uint32_t base, uint32_t size);
bool mem_test_and_clear_dirty(PhysMem *m, uint32_t paddr, uint32_t len);

/* Counters, for "-d tlb". */
void mem_print_stats(const PhysMem *m, FILE *f);

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
/* The same, saying whether the translation was global or a large page. */
uint8_t *mem_tlb_fill_attr(PhysMem *m, uint32_t lin, uint32_t phys, bool write, bool user, unsigned attr);
/* Drop every entry (map changes, CR0/CR4 paging bits). */
void mem_tlb_flush(PhysMem *m);
/* Drop every entry but the global ones (CR3 load with CR4.PGE). */
void mem_tlb_flush_nonglobal(PhysMem *m);
/* Drop the entries of the linear page holding lin, global or not, and the
 * whole 4M/2M page if it came from one (INVLPG). */
void mem_tlb_flush_page(PhysMem *m, uint32_t lin);

/* Code-page tracking for self-modifying code, for any physical page: a
 * marked page gets no write entries on the fast path, so every write to it
 * reaches code_write. */
void mem_mark_code(PhysMem *m, uint32_t paddr);
void mem_unmark_code(PhysMem *m, uint32_t paddr);
static inline bool mem_is_code(const PhysMem *m, uint32_t paddr)
{
    return (m->page_flags[paddr >> PAGE_SHIFT] & PGF_CODE) != 0;
}

#endif
