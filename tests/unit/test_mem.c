/*
 * test_mem.c - the physical memory map (mmu/mem.c): PAM shadowing, host
 * regions, dirty tracking, DMA copies, MMIO split at region and page
 * boundaries, -m limits, and the fast-path flushes (global entries, one
 * page, large pages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmu/mem.h"

static PhysMem *mk(void)
{
    const char *err;
    PhysMem *m = mem_create(4u << 20, &err);
    assert_non_null(m);
    return m;
}

static uint8_t rom[128 * 1024];

static PhysMem *mk_rom(void)
{
    PhysMem *m = mk();
    const char *err;
    for (unsigned i = 0; i < sizeof(rom); i++)
        rom[i] = (uint8_t)(i * 7 + 3);
    assert_true(mem_set_rom(m, rom, sizeof(rom), &err));
    return m;
}

/* A recording MMIO device: 16 registers of 4 bytes. */
typedef struct Dev {
    uint32_t reg[16];
    int nread, nwrite;
    uint32_t last_off;
    int last_size;
} Dev;

static uint32_t dev_read(void *o, uint32_t off, int size)
{
    Dev *d = o;
    d->nread++;
    d->last_off = off;
    d->last_size = size;
    uint32_t v;
    memcpy(&v, (uint8_t *)d->reg + off, 4);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void dev_write(void *o, uint32_t off, uint32_t val, int size)
{
    Dev *d = o;
    d->nwrite++;
    d->last_off = off;
    d->last_size = size;
    memcpy((uint8_t *)d->reg + off, &val, (size_t)size);
}

static const MmioOps dev_ops = {dev_read, dev_write};

/* Code-write recorder (what the code cache would get). */
static int code_writes;
static uint32_t code_last;
static void on_code_write(void *o, uint32_t paddr, uint32_t len)
{
    (void)o;
    (void)len;
    code_writes++;
    code_last = paddr;
}

static void test_ram_limits(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_null(mem_create(512 * 1024, &err));
    assert_non_null(err);
    err = NULL;
    assert_null(mem_create(3584u * 1024 * 1024 + 4096, &err));
    assert_non_null(err);
    err = NULL;
    assert_null(mem_create((1u << 20) + 100, &err)); /* not a page multiple */
    assert_non_null(err);
}

/* Legacy map until PAM is programmed: 0xc0000 RAM, 0xe0000 ROM alias. */
static void test_pam_legacy_and_shadow(void **state)
{
    (void)state;
    PhysMem *m = mk_rom();
    mem_phys_write(m, 0xc0000, 0x12345678, 4);
    assert_int_equal(mem_phys_read(m, 0xc0000, 4), 0x12345678);
    assert_int_equal(mem_phys_read(m, 0xe0000, 1), rom[0]);
    mem_phys_write(m, 0xe0000, 0xaa, 1); /* discarded */
    assert_int_equal(mem_phys_read(m, 0xe0000, 1), rom[0]);

    /* Reset state: read ROM (open bus at 0xc0000: nothing beneath), write nothing. */
    assert_true(mem_set_pam(m, 0xc0000, 0x40000, false, false));
    assert_int_equal(mem_phys_read(m, 0xc0000, 4), 0xffffffffu);
    mem_phys_write(m, 0xc0000, 0x11, 1);
    assert_int_equal(m->ram[0xc0000], 0x78); /* RAM kept its old byte */
    /* Shadow copy: read ROM, write RAM; the copy lands in RAM. */
    assert_true(mem_set_pam(m, 0xf0000, 0x10000, false, true));
    uint32_t v = mem_phys_read(m, 0xf0010, 4);
    mem_phys_write(m, 0xf0010, v ^ 0xffffffffu, 4);
    assert_int_equal(mem_phys_read(m, 0xf0010, 4), v); /* still ROM */
    assert_true(mem_set_pam(m, 0xf0000, 0x10000, true, false));
    assert_int_equal(mem_phys_read(m, 0xf0010, 4), v ^ 0xffffffffu); /* RAM now */
    mem_phys_write(m, 0xf0010, 0, 4);                                /* write-protected shadow */
    assert_int_equal(mem_phys_read(m, 0xf0010, 4), v ^ 0xffffffffu);
    /* A fast-path entry never outlives a PAM change. */
    assert_true(mem_set_pam(m, 0xf0000, 0x10000, true, true));
    assert_non_null(mem_tlb_fill(m, 0xf0000, 0xf0000, true, false));
    assert_true(mem_set_pam(m, 0xf0000, 0x10000, false, false));
    assert_null(m->tlb[0][1][0xf0]);
    assert_null(mem_tlb_fill(m, 0xf0000, 0xf0000, true, false)); /* writes discarded: slow */
    uint8_t *rp = mem_tlb_fill(m, 0xf0000, 0xf0000, false, false);
    assert_non_null(rp);
    assert_int_equal(rp[0x10], (uint8_t)v);
    /* Bad ranges. */
    assert_false(mem_set_pam(m, 0xb0000, 0x4000, true, true));
    assert_false(mem_set_pam(m, 0xc1000, 0x4000, true, true));
    assert_false(mem_set_pam(m, 0xfc000, 0x8000, true, true));
    mem_destroy(m);
}

static void test_pam_invalidates_code(void **state)
{
    (void)state;
    PhysMem *m = mk_rom();
    m->code_write = on_code_write;
    code_writes = 0;
    assert_true(mem_set_pam(m, 0xc8000, 0x4000, true, true));
    mem_mark_code(m, 0xc9000);
    assert_true(mem_set_pam(m, 0xc8000, 0x4000, false, true));
    assert_int_equal(code_writes, 1);
    assert_int_equal(code_last, 0xc9000);
    /* No change, no flush. */
    uint64_t f = m->tlb_flushes;
    assert_true(mem_set_pam(m, 0xc8000, 0x4000, false, true));
    assert_int_equal(m->tlb_flushes, f);
    mem_destroy(m);
}

static void test_host_region_and_dirty(void **state)
{
    (void)state;
    PhysMem *m = mk();
    uint8_t *fb = calloc(1, 0x10000);
    assert_false(mem_map_host(m, 0xe0000800, 0x10000, fb)); /* misaligned */
    assert_true(mem_map_host(m, 0xe0000000, 0x10000, fb));
    assert_false(mem_map_host(m, 0xe0008000, 0x1000, fb)); /* overlaps */
    /* Fresh mapping: everything dirty once. */
    assert_true(mem_test_and_clear_dirty(m, 0xe0000000, 0x10000));
    assert_false(mem_test_and_clear_dirty(m, 0xe0000000, 0x10000));
    /* Slow-path write. */
    mem_phys_write(m, 0xe0001004, 0xdeadbeef, 4);
    assert_int_equal(fb[0x1004], 0xef);
    assert_false(mem_test_and_clear_dirty(m, 0xe0000000, 0x1000));
    assert_true(mem_test_and_clear_dirty(m, 0xe0001000, 0x1000));
    assert_false(mem_test_and_clear_dirty(m, 0xe0001000, 0x1000));
    /* Fast path: a read entry is fine, a write entry marks the page and is
     * dropped by the clear, so the next write is seen again. */
    uint8_t *rp = mem_tlb_fill(m, 0x400000, 0xe0002000, false, false);
    assert_ptr_equal(rp, fb + 0x2000);
    assert_false(mem_test_and_clear_dirty(m, 0xe0002000, 0x1000));
    uint8_t *wp = mem_tlb_fill(m, 0x400000, 0xe0002000, true, false);
    assert_ptr_equal(wp, fb + 0x2000);
    wp[5] = 1;
    assert_true(mem_test_and_clear_dirty(m, 0xe0002000, 0x1000));
    assert_null(m->tlb[0][1][0x400]);
    assert_non_null(m->tlb[0][0][0x400]); /* reads keep their entry */
    /* Moving the BAR: old address is open bus, new one is the memory. */
    mem_unmap_host(m, 0xe0000000);
    assert_null(m->tlb[0][0][0x400]);
    assert_int_equal(mem_phys_read(m, 0xe0001004, 4), 0xffffffffu);
    assert_true(mem_map_host(m, 0xf0000000, 0x10000, fb));
    assert_int_equal(mem_phys_read(m, 0xf0001004, 4), 0xdeadbeef);
    /* A ROM BAR: reads fast, writes discarded (also by DMA). */
    static const uint8_t opt[0x2000] = {0x55, 0xaa, 4};
    assert_true(mem_map_host_rom(m, 0xfd000000, 0x2000, opt));
    assert_int_equal(mem_phys_read(m, 0xfd000000, 2), 0xaa55);
    mem_phys_write(m, 0xfd000000, 0, 2);
    mem_dma_write(m, 0xfd000000, fb, 16);
    assert_int_equal(opt[0], 0x55);
    assert_ptr_equal(mem_tlb_fill(m, 0x500000, 0xfd001000, false, false), opt + 0x1000);
    assert_null(mem_tlb_fill(m, 0x500000, 0xfd001000, true, false));
    mem_unmap_host(m, 0xfd000000);
    assert_int_equal(mem_phys_read(m, 0xfd000000, 2), 0xffff);
    free(fb);
    mem_destroy(m);
}

static void test_dirty_ram(void **state)
{
    (void)state;
    PhysMem *m = mk();
    /* Untracked RAM reports dirty (unknown) and keeps its fast path. */
    assert_true(mem_test_and_clear_dirty(m, 0x100000, 0x1000));
    mem_track_dirty(m, 0x200000, 0x3000);
    assert_true(mem_test_and_clear_dirty(m, 0x200000, 0x3000));
    assert_false(mem_test_and_clear_dirty(m, 0x200000, 0x3000));
    uint8_t out[3] = {1, 2, 3};
    mem_dma_write(m, 0x201ffe, out, 3); /* spans pages 1 and 2 */
    assert_false(mem_test_and_clear_dirty(m, 0x200000, 0x1000));
    assert_true(mem_test_and_clear_dirty(m, 0x201000, 0x1000));
    assert_true(mem_test_and_clear_dirty(m, 0x202000, 0x1000));
    mem_destroy(m);
}

static void test_dma(void **state)
{
    (void)state;
    PhysMem *m = mk_rom();
    Dev d = {0};
    assert_true(mem_add_mmio(m, 0xfe000000, 0x40, &dev_ops, &d));
    m->code_write = on_code_write;
    code_writes = 0;
    mem_mark_code(m, 0x3000);
    mem_mark_code(m, 0x4000);
    uint8_t buf[0x3000];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    mem_dma_write(m, 0x2800, buf, 0x3000); /* pages 2,3,4,5 */
    assert_memory_equal(m->ram + 0x2800, buf, 0x3000);
    assert_int_equal(code_writes, 2); /* once per code page */
    uint8_t back[0x3000];
    mem_dma_read(m, 0x2800, back, 0x3000);
    assert_memory_equal(back, buf, 0x3000);
    /* ROM: read as ROM, writes ignored; open bus reads ff. */
    mem_dma_write(m, 0xe0000, buf, 16);
    mem_dma_read(m, 0xe0000, back, 16);
    assert_memory_equal(back, rom, 16);
    mem_dma_read(m, 0xd0000000, back, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(back[i], 0xff);
    /* MMIO: dwords where aligned. */
    mem_dma_write(m, 0xfe000000, buf, 8);
    assert_int_equal(d.nwrite, 2);
    assert_int_equal(d.last_size, 4);
    assert_int_equal(d.reg[1], 0x07060504);
    mem_dma_read(m, 0xfe000000, back, 8);
    assert_memory_equal(back, buf, 8);
    /* Into the last bytes of RAM and beyond: the rest is dropped. */
    mem_dma_write(m, (4u << 20) - 2, buf, 4);
    assert_int_equal(m->ram[(4u << 20) - 1], 1);
    mem_destroy(m);
}

/* Code in a host region (the LFB) is tracked like code in RAM: marking
 * drops the write entries that reach it, no new one is filled, and CPU and
 * DMA writes reach code_write; dirty tracking keeps working beside it. */
static void test_host_region_code(void **state)
{
    (void)state;
    PhysMem *m = mk();
    uint8_t *fb = calloc(1, 0x4000);
    assert_true(mem_map_host(m, 0xe0000000, 0x4000, fb));
    m->code_write = on_code_write;
    code_writes = 0;
    assert_ptr_equal(mem_tlb_fill(m, 0x10000000, 0xe0001000, true, false), fb + 0x1000);
    mem_mark_code(m, 0xe0001000);
    assert_true(mem_is_code(m, 0xe0001234));
    assert_false(mem_is_code(m, 0xe0002000));
    assert_null(m->tlb[0][1][0x10000]);
    assert_null(mem_tlb_fill(m, 0x10000000, 0xe0001000, true, false));
    assert_non_null(mem_tlb_fill(m, 0x10000000, 0xe0001000, false, false)); /* reads stay fast */
    mem_phys_write(m, 0xe0001010, 0x90909090, 4);
    assert_int_equal(code_writes, 1);
    assert_int_equal(code_last, 0xe0001010);
    assert_int_equal(fb[0x1010], 0x90);
    uint8_t buf[16] = {0};
    mem_dma_write(m, 0xe0001ff8, buf, 16); /* code page, then the next one */
    assert_int_equal(code_writes, 2);
    mem_phys_write(m, 0xe0002000, 1, 4); /* not code */
    assert_int_equal(code_writes, 2);
    /* Dirty tracking clears its own bits only. */
    assert_true(mem_test_and_clear_dirty(m, 0xe0000000, 0x4000));
    assert_true(mem_is_code(m, 0xe0001000));
    mem_unmark_code(m, 0xe0001000);
    assert_false(mem_is_code(m, 0xe0001000));
    assert_non_null(mem_tlb_fill(m, 0x10000000, 0xe0001000, true, false));
    mem_destroy(m);
    free(fb);
}

static void test_mmio_straddle(void **state)
{
    (void)state;
    PhysMem *m = mk();
    Dev a = {0}, b = {0};
    /* Two regions back to back across a page boundary. */
    assert_true(mem_add_mmio(m, 0xfebffff0, 0x10, &dev_ops, &a));
    assert_true(mem_add_mmio(m, 0xfec00000, 0x10, &dev_ops, &b));
    mem_phys_write(m, 0xfebffffe, 0x44332211, 4);
    assert_int_equal(a.nwrite, 2);
    assert_int_equal(b.nwrite, 2);
    assert_int_equal(a.reg[3] >> 16, 0x2211);
    assert_int_equal(b.reg[0] & 0xffff, 0x4433);
    assert_int_equal(mem_phys_read(m, 0xfebffffe, 4), 0x44332211);
    /* Whole access inside one region: one call at its size. */
    a.nwrite = 0;
    mem_phys_write(m, 0xfebffff4, 0xcafe, 2);
    assert_int_equal(a.nwrite, 1);
    assert_int_equal(a.last_size, 2);
    /* RAM then MMIO inside one page. */
    Dev c = {0};
    assert_true(mem_add_mmio(m, 0x300800, 0x10, &dev_ops, &c));
    mem_phys_write(m, 0x3007fe, 0xddccbbaa, 4);
    assert_int_equal(m->ram[0x3007fe], 0xaa);
    assert_int_equal(m->ram[0x3007ff], 0xbb);
    assert_int_equal(c.reg[0] & 0xffff, 0xddcc);
    assert_int_equal(mem_phys_read(m, 0x3007fe, 4), 0xddccbbaa);
    /* That page is not a fast-path page. */
    assert_null(mem_tlb_fill(m, 0x300000, 0x300000, false, false));
    mem_destroy(m);
}

static void test_flush_global_page_large(void **state)
{
    (void)state;
    PhysMem *m = mk();
    mem_tlb_fill_attr(m, 0x1000, 0x1000, false, false, 0);
    mem_tlb_fill_attr(m, 0x2000, 0x2000, false, false, TLBA_GLOBAL);
    mem_tlb_fill_attr(m, 0x400000, 0x100000, false, true, TLBA_LARGE);
    mem_tlb_fill_attr(m, 0x401000, 0x101000, true, true, TLBA_LARGE);
    assert_int_equal(m->nfilled, 4);
    mem_tlb_flush_nonglobal(m);
    assert_null(m->tlb[0][0][1]);
    assert_non_null(m->tlb[0][0][2]);
    assert_null(m->tlb[1][0][0x400]);
    assert_int_equal(m->nfilled, 1); /* the flush cost what was filled */
    /* INVLPG drops globals too, one page only. */
    mem_tlb_fill_attr(m, 0x3000, 0x3000, false, false, TLBA_GLOBAL);
    mem_tlb_flush_page(m, 0x2abc);
    assert_null(m->tlb[0][0][2]);
    assert_non_null(m->tlb[0][0][3]);
    /* A large page goes whole. */
    mem_tlb_fill_attr(m, 0x400000, 0x100000, false, true, TLBA_LARGE);
    mem_tlb_fill_attr(m, 0x7ff000, 0x1ff000, false, true, TLBA_LARGE);
    mem_tlb_fill_attr(m, 0x800000, 0x200000, false, true, 0);
    mem_tlb_flush_page(m, 0x400123);
    assert_null(m->tlb[1][0][0x400]);
    assert_null(m->tlb[1][0][0x7ff]);
    assert_non_null(m->tlb[1][0][0x800]);
    assert_non_null(m->tlb[0][0][3]);
    /* Refilling an invalidated page reuses its slot. */
    uint32_t n = m->nfilled;
    mem_tlb_fill_attr(m, 0x400000, 0x100000, false, true, 0);
    assert_int_equal(m->nfilled, n);
    mem_tlb_flush(m);
    assert_int_equal(m->nfilled, 0);
    assert_null(m->tlb[0][0][3]);
    mem_destroy(m);
}

/* A CR3 load walks only the filled pages past the prefix of global ones;
 * a page whose translation stops being global leaves the prefix, and a
 * list restored with a stale prefix length (as the lockstep checker does)
 * is walked whole. */
static void test_flush_global_prefix(void **state)
{
    (void)state;
    PhysMem *m = mk();
    mem_tlb_fill_attr(m, 0x1000, 0x1000, false, false, TLBA_GLOBAL);
    mem_tlb_fill_attr(m, 0x2000, 0x2000, false, false, 0);
    mem_tlb_fill_attr(m, 0x3000, 0x3000, false, false, TLBA_GLOBAL);
    assert_int_equal(m->nglobal, 2);
    mem_tlb_flush_nonglobal(m);
    assert_non_null(m->tlb[0][0][1]);
    assert_null(m->tlb[0][0][2]);
    assert_non_null(m->tlb[0][0][3]);
    assert_int_equal(m->nfilled, 2);
    /* 0x1000 refilled from a non-global translation: the next CR3 load
     * drops it. */
    mem_tlb_fill_attr(m, 0x1000, 0x1000, true, false, 0);
    assert_int_equal(m->nglobal, 1);
    mem_tlb_flush_nonglobal(m);
    assert_null(m->tlb[0][0][1]);
    assert_null(m->tlb[0][1][1]);
    assert_non_null(m->tlb[0][0][3]);
    /* A global large page: kept by a CR3 load, dropped by INVLPG. */
    mem_tlb_fill_attr(m, 0x800000, 0x200000, false, false, TLBA_GLOBAL | TLBA_LARGE);
    mem_tlb_flush_nonglobal(m);
    assert_non_null(m->tlb[0][0][0x800]);
    assert_int_equal(m->nlarge, 1);
    mem_tlb_flush_page(m, 0x9ff000);
    assert_null(m->tlb[0][0][0x800]);
    assert_int_equal(m->nlarge, 0);

    /* Save a list (global 0x1000 and 0x3000, non-global 0x2000) the way
     * the lockstep checker does, change the TLB, and restore it. */
    mem_tlb_flush(m);
    mem_tlb_fill_attr(m, 0x1000, 0x1000, false, false, TLBA_GLOBAL);
    mem_tlb_fill_attr(m, 0x2000, 0x2000, false, false, 0);
    mem_tlb_fill_attr(m, 0x3000, 0x3000, false, false, TLBA_GLOBAL);
    uint32_t n = m->nfilled, pages[8];
    uint8_t attrs[8];
    uint8_t *ent[8];
    for (uint32_t i = 0; i < n; i++) {
        pages[i] = m->filled[i];
        attrs[i] = m->tlb_attr[pages[i]];
        ent[i] = m->tlb[0][0][pages[i]];
    }
    for (int round = 0; round < 2; round++) {
        mem_tlb_flush(m);
        /* Round 0 leaves a longer prefix than saved, round 1 a shorter. */
        mem_tlb_fill_attr(m, 0x5000, 0x5000, false, false, TLBA_GLOBAL);
        if (round == 0) {
            mem_tlb_fill_attr(m, 0x6000, 0x6000, false, false, TLBA_GLOBAL);
            mem_tlb_fill_attr(m, 0x7000, 0x7000, false, false, TLBA_GLOBAL);
        }
        for (uint32_t i = 0; i < m->nfilled; i++) {
            m->tlb_attr[m->filled[i]] = 0;
            m->tlb[0][0][m->filled[i]] = NULL;
        }
        for (uint32_t i = 0; i < n; i++) {
            m->filled[i] = pages[i];
            m->tlb_attr[pages[i]] = attrs[i];
            m->tlb[0][0][pages[i]] = ent[i];
        }
        m->nfilled = n;
        m->nlarge = 0;
        mem_tlb_flush_nonglobal(m);
        assert_non_null(m->tlb[0][0][1]);
        assert_null(m->tlb[0][0][2]);
        assert_non_null(m->tlb[0][0][3]);
        assert_int_equal(m->nfilled, 2);
        assert_int_equal(m->nglobal, 2);
    }
    mem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_limits),
        cmocka_unit_test(test_pam_legacy_and_shadow),
        cmocka_unit_test(test_pam_invalidates_code),
        cmocka_unit_test(test_host_region_and_dirty),
        cmocka_unit_test(test_dirty_ram),
        cmocka_unit_test(test_dma),
        cmocka_unit_test(test_host_region_code),
        cmocka_unit_test(test_mmio_straddle),
        cmocka_unit_test(test_flush_global_page_large),
        cmocka_unit_test(test_flush_global_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
