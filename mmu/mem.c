/*
 * mem.c - physical memory map, open bus, and the linear fast-path tables.
 * See mem.h for the map.
 */
#include "mmu/mem.h"

#include <stdlib.h>
#include <string.h>

#define ROM_LOW_END 0x100000u
#define ROM_LOW_MAX 0x20000u
#define HOLE_START 0xa0000u

PhysMem *mem_create(uint32_t ram_size, const char **err)
{
    if (ram_size < 1024 * 1024 || ram_size > 3584u * 1024 * 1024) {
        *err = "RAM size must be between 1 MiB and 3584 MiB (-m)";
        return NULL;
    }
    PhysMem *m = calloc(1, sizeof(*m));
    if (!m) {
        *err = "out of host memory";
        return NULL;
    }
    m->ram_size = ram_size;
    m->ram = calloc(1, ram_size);
    m->code_page = calloc(ram_size >> PAGE_SHIFT, 1);
    for (int u = 0; u < 2; u++)
        for (int w = 0; w < 2; w++)
            m->tlb[u][w] = calloc(LIN_PAGES, sizeof(uint8_t *));
    m->filled = calloc(MEM_MAX_FILLED, sizeof(uint32_t));
    if (!m->ram || !m->code_page || !m->tlb[0][0] || !m->tlb[0][1] || !m->tlb[1][0] || !m->tlb[1][1] || !m->filled) {
        mem_destroy(m);
        *err = "cannot allocate guest RAM on the host (try a smaller -m)";
        return NULL;
    }
    m->a20_mask = 0xffffffffu;
    return m;
}

void mem_destroy(PhysMem *m)
{
    if (!m)
        return;
    free(m->ram);
    free(m->rom);
    free(m->code_page);
    for (int u = 0; u < 2; u++)
        for (int w = 0; w < 2; w++)
            free(m->tlb[u][w]);
    free(m->filled);
    free(m);
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
    mem_tlb_flush(m);
    return true;
}

bool mem_add_mmio(PhysMem *m, uint32_t base, uint32_t size, const MmioOps *ops, void *opaque)
{
    if (m->nmmio == MEM_MAX_MMIO)
        return false;
    m->mmio[m->nmmio++] = (MmioRegion){ base, size, ops, opaque };
    mem_tlb_flush(m);
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

static uint32_t rom_low_size(const PhysMem *m)
{
    return m->rom_size < ROM_LOW_MAX ? m->rom_size : ROM_LOW_MAX;
}

/* Host pointer for reading the byte at paddr if it is RAM or ROM, else NULL.
 * Plain RAM is everything below ram_size except the legacy hole and the
 * low ROM window. */
static uint8_t *phys_host(PhysMem *m, uint32_t paddr, bool *is_rom)
{
    *is_rom = false;
    for (int i = 0; i < m->nmmio; i++)
        if (paddr - m->mmio[i].base < m->mmio[i].size)
            return NULL;
    if (m->rom) {
        uint32_t low = rom_low_size(m);
        if (paddr >= ROM_LOW_END - low && paddr < ROM_LOW_END) {
            *is_rom = true;
            return m->rom + (m->rom_size - low) + (paddr - (ROM_LOW_END - low));
        }
        if (paddr >= (uint32_t)(0u - m->rom_size)) {
            *is_rom = true;
            return m->rom + (paddr - (uint32_t)(0u - m->rom_size));
        }
    }
    if (paddr >= HOLE_START && paddr < 0xc0000u)
        return NULL;
    if (paddr < m->ram_size)
        return m->ram + paddr;
    return NULL;
}

const uint8_t *mem_phys_page(PhysMem *m, uint32_t paddr)
{
    bool rom;
    return phys_host(m, paddr & ~PAGE_MASK, &rom);
}

static MmioRegion *find_mmio(PhysMem *m, uint32_t paddr)
{
    for (int i = 0; i < m->nmmio; i++)
        if (paddr - m->mmio[i].base < m->mmio[i].size)
            return &m->mmio[i];
    return NULL;
}

static uint8_t phys_read8(PhysMem *m, uint32_t paddr)
{
    bool rom;
    uint8_t *p = phys_host(m, paddr, &rom);
    if (p)
        return *p;
    MmioRegion *r = find_mmio(m, paddr);
    if (r)
        return (uint8_t)r->ops->read(r->opaque, paddr - r->base, 1);
    return 0xff;
}

static void phys_write8(PhysMem *m, uint32_t paddr, uint8_t v)
{
    bool rom;
    uint8_t *p = phys_host(m, paddr, &rom);
    if (p) {
        if (!rom)
            *p = v;
        return;
    }
    MmioRegion *r = find_mmio(m, paddr);
    if (r)
        r->ops->write(r->opaque, paddr - r->base, v, 1);
}

uint32_t mem_phys_read(PhysMem *m, uint32_t paddr, int size)
{
    MmioRegion *r = find_mmio(m, paddr);
    /* A whole access inside one MMIO region goes to it at its size; any
     * other access is split into bytes, which is also right for an access
     * straddling two regions. */
    if (r && paddr - r->base + (uint32_t)size <= r->size)
        return r->ops->read(r->opaque, paddr - r->base, size);
    if (!r && (paddr & PAGE_MASK) + (uint32_t)size <= PAGE_SIZE) {
        bool rom;
        uint8_t *p = phys_host(m, paddr, &rom);
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

uint8_t *mem_tlb_fill(PhysMem *m, uint32_t lin, uint32_t phys, bool write, bool user)
{
    uint32_t page = lin >> PAGE_SHIFT;
    uint32_t paddr = phys & ~PAGE_MASK;
    bool rom;
    uint8_t *host = phys_host(m, paddr, &rom);
    if (!host)
        return NULL;
    /* The whole page must be the same kind of memory. */
    bool rom_end;
    if (phys_host(m, paddr + PAGE_MASK, &rom_end) != host + PAGE_MASK || rom_end != rom)
        return NULL;
    if (write && (rom || mem_is_code(m, paddr)))
        return NULL;
    if (m->nfilled == MEM_MAX_FILLED)
        mem_tlb_flush(m);
    if (!m->tlb[0][0][page] && !m->tlb[0][1][page] && !m->tlb[1][0][page] && !m->tlb[1][1][page])
        m->filled[m->nfilled++] = page;
    m->tlb[user][write][page] = host;
    m->tlb_fills++;
    return host;
}

void mem_tlb_flush(PhysMem *m)
{
    for (uint32_t i = 0; i < m->nfilled; i++) {
        uint32_t p = m->filled[i];
        m->tlb[0][0][p] = m->tlb[0][1][p] = m->tlb[1][0][p] = m->tlb[1][1][p] = NULL;
    }
    m->nfilled = 0;
    m->tlb_flushes++;
}

void mem_mark_code(PhysMem *m, uint32_t paddr)
{
    if (paddr >= m->ram_size || m->code_page[paddr >> PAGE_SHIFT])
        return;
    m->code_page[paddr >> PAGE_SHIFT] = 1;
    /* Drop every write entry that reaches this page, so the next write
     * takes the slow path and invalidates the code. */
    uint8_t *host = m->ram + (paddr & ~PAGE_MASK);
    for (uint32_t i = 0; i < m->nfilled; i++)
        for (int u = 0; u < 2; u++)
            if (m->tlb[u][1][m->filled[i]] == host)
                m->tlb[u][1][m->filled[i]] = NULL;
}

void mem_unmark_code(PhysMem *m, uint32_t paddr)
{
    if (paddr < m->ram_size)
        m->code_page[paddr >> PAGE_SHIFT] = 0;
}
