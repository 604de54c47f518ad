/*
 * mem.c - physical memory map, PAM shadowing, host regions, open bus,
 * dirty tracking, DMA copies, and the linear fast-path tables.
 * See mem.h for the map.
 */
#include "mmu/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROM_LOW_END 0x100000u
#define ROM_LOW_MAX 0x20000u
#define HOLE_START 0xa0000u
#define PHYS_PAGES (1u << 20)
/* RAM stops below the PCI hole (0xe0000000), where the chipset puts BARs
 * such as the VGA linear framebuffer; 1 MiB is what real mode needs. */
#define RAM_MIN (MEM_RAM_MIN_MB << 20)
#define RAM_MAX (MEM_RAM_MAX_MB << 20)

static void update_plain(PhysMem *m);

PhysMem *mem_create(uint32_t ram_size, const char **err)
{
    if (ram_size < RAM_MIN || ram_size > RAM_MAX) {
        *err = "RAM size must be between 1 MiB and 3584 MiB (-m): the PCI hole starts at 3.5 GiB";
        return NULL;
    }
    if (ram_size & PAGE_MASK) {
        *err = "RAM size must be a multiple of 4 KiB";
        return NULL;
    }
    PhysMem *m = calloc(1, sizeof(*m));
    if (!m) {
        *err = "out of host memory";
        return NULL;
    }
    m->ram_size = ram_size;
    m->ram = calloc(1, ram_size);
    for (int u = 0; u < 2; u++)
        for (int w = 0; w < 2; w++)
            m->tlb[u][w] = calloc(LIN_PAGES, sizeof(uint8_t *));
    m->tlb_attr = calloc(LIN_PAGES, 1);
    m->page_flags = calloc(PHYS_PAGES, 1);
    m->filled = calloc(MEM_MAX_FILLED, sizeof(uint32_t));
    if (!m->ram || !m->tlb[0][0] || !m->tlb[0][1] || !m->tlb[1][0] || !m->tlb[1][1] ||
        !m->filled || !m->tlb_attr || !m->page_flags) {
        mem_destroy(m);
        *err = "cannot allocate guest RAM on the host (try a smaller -m)";
        return NULL;
    }
    m->a20_mask = 0xffffffffu;
    update_plain(m);
    return m;
}

void mem_destroy(PhysMem *m)
{
    if (!m)
        return;
    free(m->ram);
    free(m->rom);
    for (int u = 0; u < 2; u++)
        for (int w = 0; w < 2; w++)
            free(m->tlb[u][w]);
    free(m->tlb_attr);
    free(m->page_flags);
    free(m->filled);
    free(m);
}

/* Recompute plain_end: RAM from 1 MiB up to the first region above it. */
static void update_plain(PhysMem *m)
{
    uint32_t end = m->ram_size;
    for (int i = 0; i < m->nmmio; i++)
        if ((uint64_t)m->mmio[i].base + m->mmio[i].size > ROM_LOW_END && m->mmio[i].base < end)
            end = m->mmio[i].base;
    for (int i = 0; i < m->nhost; i++)
        if ((uint64_t)m->host[i].base + m->host[i].size > ROM_LOW_END && m->host[i].base < end)
            end = m->host[i].base;
    m->plain_end = end < ROM_LOW_END ? ROM_LOW_END : end;
}

/* The RAM for [paddr, paddr+n) if all of it is plain RAM, else NULL. */
static inline uint8_t *plain_ram(const PhysMem *m, uint32_t paddr, uint32_t n)
{
    if (paddr - ROM_LOW_END < m->plain_end - ROM_LOW_END && m->plain_end - paddr >= n)
        return m->ram + paddr;
    return NULL;
}

/* Translated code from [base, base+size) is stale after a map change. */
static void map_changed(PhysMem *m, uint32_t base, uint32_t size)
{
    update_plain(m);
    mem_tlb_flush(m);
    if (!m->code_write)
        return;
    for (uint32_t p = base & ~PAGE_MASK; p - base < size; p += PAGE_SIZE) {
        if (mem_is_code(m, p))
            m->code_write(m->code_opaque, p, PAGE_SIZE);
        if (p + PAGE_SIZE == 0)
            break;
    }
}

bool mem_set_rom(PhysMem *m, const uint8_t *data, uint32_t size, const char **err)
{
    if (size != 64 * 1024 && size != 128 * 1024 && size != 256 * 1024) {
        *err = "firmware image must be 64, 128 or 256 KiB";
        return false;
    }
    uint8_t *rom = malloc(size);
    if (!rom) {
        *err = "out of host memory";
        return false;
    }
    memcpy(rom, data, size);
    free(m->rom);
    m->rom = rom;
    m->rom_size = size;
    map_changed(m, ROM_LOW_END - ROM_LOW_MAX, ROM_LOW_MAX);
    return true;
}

bool mem_add_mmio(PhysMem *m, uint32_t base, uint32_t size, const MmioOps *ops, void *opaque)
{
    if (m->nmmio == MEM_MAX_MMIO || size == 0)
        return false;
    m->mmio[m->nmmio++] = (MmioRegion){base, size, ops, opaque};
    map_changed(m, base, size);
    return true;
}

void mem_set_a20(PhysMem *m, bool enabled)
{
    uint32_t mask = enabled ? 0xffffffffu : ~(1u << 20);
    if (mask != m->a20_mask) {
        m->a20_mask = mask;
        mem_tlb_flush(m);
    }
}

bool mem_set_pam(PhysMem *m, uint32_t base, uint32_t size, bool read_ram, bool write_ram)
{
    if (base < MEM_PAM_BASE || size == 0 || (base | size) & (MEM_PAM_GRANULE - 1) ||
        base + size > ROM_LOW_END)
        return false;
    uint8_t v = (uint8_t)(PAM_SET | (read_ram ? PAM_READ_RAM : 0) | (write_ram ? PAM_WRITE_RAM : 0));
    bool changed = false;
    for (uint32_t a = base; a < base + size; a += MEM_PAM_GRANULE) {
        uint8_t *g = &m->pam[(a - MEM_PAM_BASE) / MEM_PAM_GRANULE];
        changed |= *g != v;
        *g = v;
    }
    if (changed)
        map_changed(m, base, size);
    return true;
}

static uint32_t rom_low_size(const PhysMem *m)
{
    return m->rom_size < ROM_LOW_MAX ? m->rom_size : ROM_LOW_MAX;
}

static MmioRegion *find_mmio(PhysMem *m, uint32_t paddr)
{
    for (int i = 0; i < m->nmmio; i++)
        if (paddr - m->mmio[i].base < m->mmio[i].size)
            return &m->mmio[i];
    return NULL;
}

/* The firmware byte at paddr (low alias or top of 4G), or NULL. */
static uint8_t *rom_at(PhysMem *m, uint32_t paddr)
{
    if (!m->rom)
        return NULL;
    uint32_t low = rom_low_size(m);
    if (paddr >= ROM_LOW_END - low && paddr < ROM_LOW_END)
        return m->rom + (m->rom_size - low) + (paddr - (ROM_LOW_END - low));
    if (paddr >= (uint32_t)(0u - m->rom_size))
        return m->rom + (paddr - (uint32_t)(0u - m->rom_size));
    return NULL;
}

enum { K_NONE, K_RAM, K_ROM, K_HOST };

static uint8_t *phys_span(PhysMem *m, uint32_t paddr, uint32_t n, bool write, int *kind);

/* What an access of one kind reaches at paddr: a host pointer and its
 * kind (RAM, ROM: read-only, HOST: a host region), or NULL for MMIO, open
 * bus and discarded writes (*is_mmio says which). */
static uint8_t *phys_lookup(PhysMem *m, uint32_t paddr, bool write, int *kind)
{
    *kind = K_NONE;
    if (find_mmio(m, paddr))
        return NULL;
    for (int i = 0; i < m->nhost; i++)
        if (paddr - m->host[i].base < m->host[i].size) {
            if (m->host[i].read_only) {
                *kind = K_ROM;
                return write ? NULL : m->host[i].host + (paddr - m->host[i].base);
            }
            *kind = K_HOST;
            return m->host[i].host + (paddr - m->host[i].base);
        }
    if (paddr - MEM_PAM_BASE < ROM_LOW_END - MEM_PAM_BASE) {
        uint8_t pam = m->pam[(paddr - MEM_PAM_BASE) / MEM_PAM_GRANULE];
        if (pam & PAM_SET) {
            if (write ? (pam & PAM_WRITE_RAM) : (pam & PAM_READ_RAM)) {
                *kind = K_RAM;
                return m->ram + paddr;
            }
            if (write)
                return NULL;
            uint8_t *r = rom_at(m, paddr);
            if (r)
                *kind = K_ROM;
            return r;
        }
    }
    uint8_t *r = rom_at(m, paddr);
    if (r) {
        *kind = K_ROM;
        return write ? NULL : r;
    }
    if (paddr >= HOLE_START && paddr < 0xc0000u)
        return NULL;
    if (paddr < m->ram_size) {
        *kind = K_RAM;
        return m->ram + paddr;
    }
    return NULL;
}

const uint8_t *mem_phys_page(PhysMem *m, uint32_t paddr)
{
    int kind;
    return phys_lookup(m, paddr & ~PAGE_MASK, false, &kind);
}

static inline void note_write(PhysMem *m, uint32_t paddr)
{
    uint8_t *f = &m->page_flags[paddr >> PAGE_SHIFT];
    if (*f & PGF_TRACKED)
        *f |= PGF_DIRTY;
}

static uint8_t phys_read8(PhysMem *m, uint32_t paddr)
{
    int kind;
    uint8_t *p = phys_lookup(m, paddr, false, &kind);
    if (p)
        return *p;
    MmioRegion *r = find_mmio(m, paddr);
    if (r)
        return (uint8_t)r->ops->read(r->opaque, paddr - r->base, 1);
    return 0xff;
}

static void phys_write8(PhysMem *m, uint32_t paddr, uint8_t v)
{
    int kind;
    uint8_t *p = phys_lookup(m, paddr, true, &kind);
    if (p) {
        *p = v;
        note_write(m, paddr);
        return;
    }
    MmioRegion *r = find_mmio(m, paddr);
    if (r)
        r->ops->write(r->opaque, paddr - r->base, v, 1);
}

uint32_t mem_phys_read(PhysMem *m, uint32_t paddr, int size)
{
    uint8_t *plain = plain_ram(m, paddr, (uint32_t)size);
    if (plain) {
        uint32_t v = 0;
        memcpy(&v, plain, (size_t)size);
        return v;
    }
    MmioRegion *r = find_mmio(m, paddr);
    /* A whole access inside one MMIO region goes to it at its size; any
     * other access that is not inside one page of host memory is split
     * into bytes, each going where it lands (two regions, RAM and MMIO,
     * or two pages of different kinds). */
    if (r && paddr - r->base + (uint32_t)size <= r->size) {
        /* a device may leave junk above the access size */
        uint32_t v = r->ops->read(r->opaque, paddr - r->base, size);
        return size == 4 ? v : v & ((1u << (8 * size)) - 1);
    }
    if (!r && (paddr & PAGE_MASK) + (uint32_t)size <= PAGE_SIZE) {
        int kind;
        uint8_t *p = phys_span(m, paddr, (uint32_t)size, false, &kind);
        if (p) {
            uint32_t v = 0;
            memcpy(&v, p, (size_t)size);
            return v;
        }
    }
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)phys_read8(m, paddr + (uint32_t)i) << (8 * i);
    return v;
}

void mem_phys_write(PhysMem *m, uint32_t paddr, uint32_t val, int size)
{
    uint8_t *plain = plain_ram(m, paddr, (uint32_t)size);
    if (plain) {
        memcpy(plain, &val, (size_t)size);
        note_write(m, paddr);
        note_write(m, paddr + (uint32_t)size - 1);
        if (m->code_write && (mem_is_code(m, paddr) || mem_is_code(m, paddr + (uint32_t)size - 1)))
            m->code_write(m->code_opaque, paddr, (uint32_t)size);
        return;
    }
    MmioRegion *r = find_mmio(m, paddr);
    if (r && paddr - r->base + (uint32_t)size <= r->size) {
        r->ops->write(r->opaque, paddr - r->base, val, size);
        return;
    }
    for (int i = 0; i < size; i++)
        phys_write8(m, paddr + (uint32_t)i, (uint8_t)(val >> (8 * i)));
    uint32_t first = paddr, last = paddr + (uint32_t)size - 1;
    if (m->code_write && (mem_is_code(m, first) || mem_is_code(m, last)))
        m->code_write(m->code_opaque, paddr, (uint32_t)size);
}

/* ---- DMA ---------------------------------------------------------------- */

/* Bytes from paddr to the end of its page, at most len. */
static uint32_t page_chunk(uint32_t paddr, uint32_t len)
{
    uint32_t n = PAGE_SIZE - (paddr & PAGE_MASK);
    return n < len ? n : len;
}

/* The host pointer for n bytes (within one page) at paddr if they all
 * reach the same kind of host memory contiguously, else NULL. Host
 * regions, PAM granules and ROM windows are whole pages, so checking the
 * ends suffices for them; an MMIO region may sit anywhere inside. */
static uint8_t *phys_span(PhysMem *m, uint32_t paddr, uint32_t n, bool write, int *kind)
{
    for (int i = 0; i < m->nmmio; i++)
        if (m->mmio[i].base - paddr < n || paddr - m->mmio[i].base < m->mmio[i].size)
            return NULL;
    uint8_t *p = phys_lookup(m, paddr, write, kind);
    int k2;
    if (p && phys_lookup(m, paddr + n - 1, write, &k2) == p + n - 1 && k2 == *kind)
        return p;
    return NULL;
}

void mem_dma_write(PhysMem *m, uint32_t paddr, const void *buf, uint32_t len)
{
    const uint8_t *src = buf;
    while (len) {
        uint32_t n = page_chunk(paddr, len);
        int kind;
        uint8_t *p = phys_span(m, paddr, n, true, &kind);
        if (p) {
            memcpy(p, src, n);
            note_write(m, paddr);
            if (m->code_write && mem_is_code(m, paddr))
                m->code_write(m->code_opaque, paddr, n);
        } else {
            /* MMIO, ROM, open bus, or a page of mixed kinds: dwords where
             * aligned, bytes elsewhere; each lands where it belongs. */
            uint32_t i = 0;
            while (i < n) {
                uint32_t a = paddr + i;
                if (!(a & 3) && n - i >= 4) {
                    uint32_t v;
                    memcpy(&v, src + i, 4);
                    MmioRegion *r = find_mmio(m, a);
                    if (r && a - r->base + 4 <= r->size) {
                        r->ops->write(r->opaque, a - r->base, v, 4);
                        i += 4;
                        continue;
                    }
                }
                phys_write8(m, a, src[i]);
                i++;
            }
            if (m->code_write && mem_is_code(m, paddr))
                m->code_write(m->code_opaque, paddr, n);
        }
        src += n;
        paddr += n;
        len -= n;
    }
}

void mem_dma_read(PhysMem *m, uint32_t paddr, void *buf, uint32_t len)
{
    uint8_t *dst = buf;
    while (len) {
        uint32_t n = page_chunk(paddr, len);
        int kind;
        uint8_t *p = phys_span(m, paddr, n, false, &kind);
        if (p) {
            memcpy(dst, p, n);
        } else {
            uint32_t i = 0;
            while (i < n) {
                uint32_t a = paddr + i;
                if (!(a & 3) && n - i >= 4) {
                    MmioRegion *r = find_mmio(m, a);
                    if (r && a - r->base + 4 <= r->size) {
                        uint32_t v = r->ops->read(r->opaque, a - r->base, 4);
                        memcpy(dst + i, &v, 4);
                        i += 4;
                        continue;
                    }
                }
                dst[i] = phys_read8(m, a);
                i++;
            }
        }
        dst += n;
        paddr += n;
        len -= n;
    }
}

/* ---- host regions and dirty tracking ----------------------------------- */

static void set_tracked(PhysMem *m, uint32_t base, uint32_t size, bool on)
{
    if (!size)
        return;
    uint32_t last = (base + size - 1) >> PAGE_SHIFT;
    for (uint32_t p = base >> PAGE_SHIFT; p <= last; p++)
        m->page_flags[p] = (uint8_t)((m->page_flags[p] & PGF_CODE) | (on ? PGF_TRACKED | PGF_DIRTY : 0));
}

static bool map_host(PhysMem *m, uint32_t base, uint32_t size, uint8_t *host, bool read_only)
{
    if (m->nhost == MEM_MAX_HOST || !host || size == 0 || ((base | size) & PAGE_MASK) ||
        (uint64_t)base + size > 0x100000000ull)
        return false;
    for (int i = 0; i < m->nhost; i++)
        if ((uint64_t)base < (uint64_t)m->host[i].base + m->host[i].size &&
            (uint64_t)m->host[i].base < (uint64_t)base + size)
            return false;
    m->host[m->nhost++] = (HostRegion){base, size, host, read_only};
    if (!read_only)
        set_tracked(m, base, size, true);
    map_changed(m, base, size);
    return true;
}

bool mem_map_host(PhysMem *m, uint32_t base, uint32_t size, uint8_t *host)
{
    return map_host(m, base, size, host, false);
}

/* The region is never written through (phys_lookup gives no write
 * pointer), so dropping const is safe. */
bool mem_map_host_rom(PhysMem *m, uint32_t base, uint32_t size, const uint8_t *host)
{
    return map_host(m, base, size, (uint8_t *)(uintptr_t)host, true);
}

void mem_unmap_host(PhysMem *m, uint32_t base)
{
    for (int i = 0; i < m->nhost; i++)
        if (m->host[i].base == base) {
            HostRegion h = m->host[i];
            m->host[i] = m->host[--m->nhost];
            if (!h.read_only)
                set_tracked(m, h.base, h.size, false);
            map_changed(m, h.base, h.size);
            return;
        }
}

void mem_track_dirty(PhysMem *m, uint32_t base, uint32_t size)
{
    set_tracked(m, base, size, true);
    /* Write entries filled before tracking would miss writes. */
    mem_tlb_flush(m);
}

/* The physical address a host pointer stands for, if it is RAM or a host
 * region; ~0u otherwise. */
static uint32_t host_to_phys(const PhysMem *m, const uint8_t *p)
{
    if (p >= m->ram && p < m->ram + m->ram_size)
        return (uint32_t)(p - m->ram);
    for (int i = 0; i < m->nhost; i++)
        if (p >= m->host[i].host && p < m->host[i].host + m->host[i].size)
            return m->host[i].base + (uint32_t)(p - m->host[i].host);
    return ~0u;
}

bool mem_test_and_clear_dirty(PhysMem *m, uint32_t paddr, uint32_t len)
{
    if (!len)
        return false;
    bool dirty = false, cleared = false;
    uint32_t first = paddr >> PAGE_SHIFT, last = (uint32_t)(((uint64_t)paddr + len - 1) >> PAGE_SHIFT);
    if (last >= PHYS_PAGES)
        last = PHYS_PAGES - 1;
    for (uint32_t p = first; p <= last; p++) {
        uint8_t *f = &m->page_flags[p];
        if (!(*f & PGF_TRACKED)) {
            dirty = true;
        } else if (*f & PGF_DIRTY) {
            dirty = cleared = true;
            *f &= (uint8_t)~PGF_DIRTY;
        }
    }
    if (!cleared)
        return dirty;
    /* One pass over the filled entries: a write entry that reaches a page
     * now clean is dropped, so the next write takes the slow path (which
     * marks the page dirty again). */
    for (uint32_t i = 0; i < m->nfilled; i++) {
        uint32_t lp = m->filled[i];
        for (int u = 0; u < 2; u++) {
            uint8_t *h = m->tlb[u][1][lp];
            if (!h)
                continue;
            uint32_t pp = host_to_phys(m, h);
            if (pp != ~0u && (pp >> PAGE_SHIFT) >= first && (pp >> PAGE_SHIFT) <= last &&
                !(m->page_flags[pp >> PAGE_SHIFT] & PGF_DIRTY))
                m->tlb[u][1][lp] = NULL;
        }
    }
    return dirty;
}

/* ---- the fast-path tables ---------------------------------------------- */

/* Whether nglobal matches the TLBA_PREFIX bits. They always mark a
 * prefix of the list (every change here keeps that, and a restore by the
 * lockstep checker brings back a list and bits saved together), so its
 * two ends say whether nglobal is that prefix's length. */
static bool prefix_valid(const PhysMem *m)
{
    uint32_t ng = m->nglobal;
    if (ng > m->nfilled)
        return false;
    if (ng && !(m->tlb_attr[m->filled[ng - 1]] & TLBA_PREFIX))
        return false;
    return ng == m->nfilled || !(m->tlb_attr[m->filled[ng]] & TLBA_PREFIX);
}

/* Make the prefix empty (after a restore left nglobal stale); the next
 * CR3 load gathers the global pages again. */
static void prefix_reset(PhysMem *m)
{
    for (uint32_t i = 0; i < m->nfilled; i++)
        m->tlb_attr[m->filled[i]] &= (uint8_t)~TLBA_PREFIX;
    m->nglobal = 0;
}

/* A prefix page filled now from a non-global translation leaves the
 * prefix (rare: its G bit changed), so a CR3 load drops it. */
static void prefix_remove(PhysMem *m, uint32_t page)
{
    uint32_t last = m->nglobal - 1;
    for (uint32_t i = 0; i <= last; i++) {
        if (m->filled[i] == page) {
            m->filled[i] = m->filled[last];
            m->filled[last] = page;
            break;
        }
    }
    m->tlb_attr[page] &= (uint8_t)~TLBA_PREFIX;
    m->nglobal = last;
}

uint8_t *mem_tlb_fill_attr(PhysMem *m, uint32_t lin, uint32_t phys, bool write, bool user, unsigned attr)
{
    uint32_t page = lin >> PAGE_SHIFT;
    uint32_t paddr = phys & ~PAGE_MASK;
    int kind = K_RAM;
    /* The whole page must be one kind of host memory for this access. */
    uint8_t *host = plain_ram(m, paddr, PAGE_SIZE);
    if (!host)
        host = phys_span(m, paddr, PAGE_SIZE, write, &kind);
    if (!host)
        return NULL;
    if (write && (kind == K_ROM || mem_is_code(m, paddr)))
        return NULL;
    if (write)
        note_write(m, paddr); /* the write that follows makes the page dirty */
    if (m->nfilled == MEM_MAX_FILLED && !(m->tlb_attr[page] & TLBA_FILLED))
        mem_tlb_flush(m);
    uint8_t *a = &m->tlb_attr[page];
    if (!prefix_valid(m))
        prefix_reset(m);
    if (!(*a & TLBA_FILLED)) {
        m->filled[m->nfilled++] = page;
        *a = TLBA_FILLED;
        if (attr & TLBA_GLOBAL) {
            /* Into the prefix: swap with its first non-prefix page. */
            m->filled[m->nfilled - 1] = m->filled[m->nglobal];
            m->filled[m->nglobal++] = page;
            *a |= TLBA_PREFIX;
        }
    } else if ((*a & TLBA_PREFIX) && !(attr & TLBA_GLOBAL)) {
        prefix_remove(m, page);
    }
    if ((attr & TLBA_LARGE) && !(*a & TLBA_LARGE)) {
        m->nlarge++;
        m->large_regions[page >> 15] |= 1u << ((page >> 10) & 31);
    }
    /* A page's entries come from one translation: the latest says. */
    if (attr & TLBA_LARGE)
        *a |= TLBA_LARGE;
    *a = (uint8_t)((*a & ~TLBA_GLOBAL) | (attr & TLBA_GLOBAL));
    m->tlb[user][write][page] = host;
    m->tlb_fills++;
    return host;
}

uint8_t *mem_tlb_fill(PhysMem *m, uint32_t lin, uint32_t phys, bool write, bool user)
{
    return mem_tlb_fill_attr(m, lin, phys, write, user, 0);
}

static void drop_page(PhysMem *m, uint32_t p)
{
    m->tlb[0][0][p] = m->tlb[0][1][p] = m->tlb[1][0][p] = m->tlb[1][1][p] = NULL;
}

/* Drop the filled entries, or only the non-global ones. Costs the number
 * of filled pages, and for a CR3 load (keep_global) only those past the
 * prefix of global ones: a global page found there joins the prefix. */
static void flush_where(PhysMem *m, bool keep_global)
{
    /* Walking the whole list (every bit is rewritten) recounts nlarge;
     * walking past the prefix takes off what it drops. */
    bool skip = keep_global && prefix_valid(m);
    uint32_t start = skip ? m->nglobal : 0;
    if (!skip)
        m->nlarge = 0;
    uint32_t j = start;
    for (uint32_t i = start; i < m->nfilled; i++) {
        uint32_t p = m->filled[i];
        uint8_t *a = &m->tlb_attr[p];
        if (keep_global && (*a & TLBA_GLOBAL)) {
            m->filled[j++] = p;
            *a |= TLBA_PREFIX;
            if (!skip && (*a & TLBA_LARGE))
                m->nlarge++;
            continue;
        }
        if (skip && (*a & TLBA_LARGE))
            m->nlarge--;
        drop_page(m, p);
        *a = 0;
        m->tlb_entries_flushed++;
    }
    m->nfilled = j;
    m->nglobal = keep_global ? j : 0;
    /* The code cache's jump table is keyed by linear address: the
     * generation bump makes it start over (keeping the blocks it found
     * through global translations if only non-global ones went). */
    m->tlb_flushes++;
    if (!keep_global)
        m->tlb_flushes_global++;
}

void mem_tlb_flush(PhysMem *m)
{
    flush_where(m, false);
}

void mem_tlb_flush_nonglobal(PhysMem *m)
{
    flush_where(m, true);
    m->tlb_flushes_nonglobal++;
}

void mem_tlb_flush_page(PhysMem *m, uint32_t lin)
{
    uint32_t page = lin >> PAGE_SHIFT;
    m->tlb_invlpg++;
    /* Entries of a large page are kept per 4K page: drop every one in the
     * aligned 4 MiB around lin (which covers a 2 MiB PAE page too). The
     * per-page attributes say which are large, so look at the region's
     * 1024 of them, and only in a region that ever had one: an INVLPG of
     * a user page then costs O(1) however many kernel pages are filled. */
    uint32_t region = page >> 10;
    if (m->nlarge && (m->large_regions[region >> 5] & (1u << (region & 31)))) {
        bool dropped = false;
        uint8_t *attr = &m->tlb_attr[region << 10];
        for (uint32_t i = 0; i < 1024; i++) {
            if (attr[i] & TLBA_LARGE) {
                drop_page(m, (region << 10) + i);
                attr[i] &= (uint8_t) ~(TLBA_LARGE | TLBA_GLOBAL);
                m->nlarge--;
                dropped = true;
            }
        }
        /* The code cache forgets the whole region only if a translation
         * other than this page's went. */
        if (dropped && m->lin_flush)
            m->lin_flush(m->lin_flush_opaque, lin & 0xffc00000u, 0x400000u);
    }
    drop_page(m, page);
    /* The page stays on the filled list (TLBA_FILLED): a refill reuses
     * its slot. */
    m->tlb_attr[page] &= (uint8_t) ~(TLBA_LARGE | TLBA_GLOBAL);
    if (m->lin_flush) {
        m->lin_flush(m->lin_flush_opaque, lin & ~PAGE_MASK, PAGE_SIZE);
    } else {
        m->tlb_flushes++; /* no listener: the code cache starts over */
        m->tlb_flushes_global++;
    }
}

void mem_mark_code(PhysMem *m, uint32_t paddr)
{
    uint8_t *f = &m->page_flags[paddr >> PAGE_SHIFT];
    if (*f & PGF_CODE)
        return;
    *f |= PGF_CODE;
    /* Drop every write entry that reaches this page (RAM, or a host region
     * such as the LFB), so the next write takes the slow path and
     * invalidates the code. Entries match the current map: every map
     * change flushes them. */
    int kind;
    uint8_t *host = phys_lookup(m, paddr & ~PAGE_MASK, true, &kind);
    if (!host)
        return;
    for (uint32_t i = 0; i < m->nfilled; i++)
        for (int u = 0; u < 2; u++)
            if (m->tlb[u][1][m->filled[i]] == host)
                m->tlb[u][1][m->filled[i]] = NULL;
}

void mem_unmark_code(PhysMem *m, uint32_t paddr)
{
    m->page_flags[paddr >> PAGE_SHIFT] &= (uint8_t)~PGF_CODE;
}

void mem_print_stats(const PhysMem *m, FILE *f)
{
    fprintf(f,
            "tlb: %" PRIu64 " misses, %" PRIu64 " fills, %" PRIu64
            " slow-path hits (fast-path hits not counted)\n"
            "tlb: %" PRIu64 " flushes (%" PRIu64 " keeping global entries), %" PRIu64 " INVLPG, %" PRIu64
            " entries flushed, %u filled now\n",
            m->tlb_misses, m->tlb_fills, m->tlb_slow_hits, m->tlb_flushes, m->tlb_flushes_nonglobal,
            m->tlb_invlpg, m->tlb_entries_flushed, m->nfilled);
}
