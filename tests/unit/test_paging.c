/*
 * test_paging.c - the page walkers (mmu/paging.c) against SDM vol. 3,
 * chapter 4: 32-bit and PAE formats, 4K/4M/2M pages, rights, A/D bits,
 * RSVD and I/D error-code bits, NX, PDPTE loads (#GP on MOV CR3), and
 * global entries surviving a CR3 load (which a guest cannot check, since
 * a TLB may always drop an entry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/cpu.h"

#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_PSE 0x10u
#define CR4_PAE 0x20u
#define CR4_PGE 0x80u

static PhysMem *m;
static uint64_t pdpte[4];

static void w32(uint32_t a, uint32_t v)
{
    mem_phys_write(m, a, v, 4);
}
static uint32_t r32(uint32_t a)
{
    return mem_phys_read(m, a, 4);
}
static void w64(uint32_t a, uint64_t v)
{
    w32(a, (uint32_t)v);
    w32(a + 4, (uint32_t)(v >> 32));
}

static int setup(void **state)
{
    (void)state;
    const char *err;
    m = mem_create(8u << 20, &err);
    return m ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mem_destroy(m);
    return 0;
}

/* Walk; returns the error code or ~0u on success with *phys set. */
static uint32_t walk(uint32_t cr0, uint32_t cr4, bool nxe, uint32_t lin, int acc, bool user, uint32_t *phys,
                     unsigned *attr)
{
    PagingRegs r = {cr0 | CR0_PG, 0x100000, cr4, nxe, pdpte};
    uint32_t err;
    if (!paging_walk_attr(m, &r, lin, acc, user, phys, &err, attr))
        return err;
    return ~0u;
}

static void test_32bit(void **state)
{
    (void)state;
    memset(m->ram, 0, 8u << 20);
    /* PD at 1M; PT at 1M+4K mapping 0x00400000.. */
    w32(0x100000 + 4 * 1, 0x101000 | 7);
    w32(0x101000 + 4 * 0, 0x200000 | 0x105);  /* user, read-only, global */
    w32(0x101000 + 4 * 1, 0x201000 | 0x003);  /* supervisor, writable */
    w32(0x100000 + 4 * 2, 0x400000 | 0x187);  /* 4M page, global */
    w32(0x100000 + 4 * 3, 0x400000 | 0x2087); /* 4M page with a reserved bit */
    uint32_t phys;
    unsigned attr;
    assert_int_equal(walk(0, CR4_PGE, false, 0x400010, PG_ACC_READ, true, &phys, &attr), ~0u);
    assert_int_equal(phys, 0x200010);
    assert_int_equal(attr, TLBA_GLOBAL);
    assert_int_equal(r32(0x101000) & 0x60, 0x20); /* A, not D */
    assert_int_equal(r32(0x100004) & 0x20, 0x20);
    /* User write to read-only: P|W|U, no D set. */
    assert_int_equal(walk(0, 0, false, 0x400010, PG_ACC_WRITE, true, &phys, &attr), 7u);
    assert_int_equal(r32(0x101000) & 0x40, 0);
    /* Supervisor write to read-only: allowed without WP, faults with. */
    assert_int_equal(walk(0, 0, false, 0x400010, PG_ACC_WRITE, false, &phys, &attr), ~0u);
    assert_int_equal(r32(0x101000) & 0x40, 0x40);
    assert_int_equal(walk(CR0_WP, 0, false, 0x400010, PG_ACC_WRITE, false, &phys, &attr), 3u);
    /* User access to a supervisor page: P|U; not present: just U. */
    assert_int_equal(walk(0, 0, false, 0x401000, PG_ACC_READ, true, &phys, &attr), 5u);
    assert_int_equal(r32(0x101004) & 0x20, 0); /* no A on a fault */
    assert_int_equal(walk(0, 0, false, 0x402000, PG_ACC_FETCH, true, &phys, &attr), 4u);
    /* No I/D bit without PAE+NXE. */
    assert_int_equal(walk(0, 0, true, 0x402000, PG_ACC_FETCH, false, &phys, &attr), 0u);
    /* 4M page: needs PSE. Without it, bit 7 is ignored and the PDE points
     * at a page table at 0x400000 (all zero: not present). */
    assert_int_equal(walk(0, CR4_PSE | CR4_PGE, false, 0x812345, PG_ACC_WRITE, true, &phys, &attr), ~0u);
    assert_int_equal(phys, 0x412345);
    assert_int_equal(attr, TLBA_GLOBAL | TLBA_LARGE);
    assert_int_equal(r32(0x100008) & 0x60, 0x60);
    assert_int_equal(walk(0, 0, false, 0x812345, PG_ACC_READ, false, &phys, &attr), 0u);
    /* G without CR4.PGE is not global. */
    assert_int_equal(walk(0, CR4_PSE, false, 0x812345, PG_ACC_READ, false, &phys, &attr), ~0u);
    assert_int_equal(attr, TLBA_LARGE);
    /* Reserved bit in a 4M PDE: P|RSVD (+W). */
    assert_int_equal(walk(0, CR4_PSE, false, 0xc00000, PG_ACC_WRITE, false, &phys, &attr), 0xbu);
}

static void test_pae(void **state)
{
    (void)state;
    memset(m->ram, 0, 8u << 20);
    pdpte[0] = 0x102000 | 1;
    pdpte[1] = 0;
    pdpte[2] = pdpte[3] = 0;
    /* PD at 0x102000: entry 0 -> PT at 0x103000; entry 1: 2M page at 4M; entry 2: 2M NX. */
    w64(0x102000 + 8 * 0, 0x103000 | 7);
    w64(0x102000 + 8 * 1, 0x400000 | 0x187);
    w64(0x102000 + 8 * 2, 0x400000 | 0x87 | (1ull << 63));
    w64(0x102000 + 8 * 3, 0x400000 | 0x87 | (1ull << 40)); /* reserved above MAXPHYADDR */
    w64(0x102000 + 8 * 4, 0x400000 | 0x87 | 0x2000);       /* bit 13: reserved in a 2M PDE */
    w64(0x103000 + 8 * 5, 0x205000 | 7 | (1ull << 63));    /* NX 4K page */
    w64(0x103000 + 8 * 6, 0x206000 | 5);
    uint32_t phys;
    unsigned attr;
    assert_int_equal(walk(0, CR4_PAE | CR4_PGE, true, 0x6123, PG_ACC_READ, true, &phys, &attr), ~0u);
    assert_int_equal(phys, 0x206123);
    assert_int_equal(attr, 0);
    assert_int_equal(r32(0x103030) & 0x60, 0x20);
    assert_int_equal(walk(0, CR4_PAE, true, 0x6123, PG_ACC_WRITE, true, &phys, &attr), 7u);
    /* 2M page, global; PSE not needed. */
    assert_int_equal(walk(0, CR4_PAE | CR4_PGE, true, 0x3fffff, PG_ACC_WRITE, false, &phys, &attr), ~0u);
    assert_int_equal(phys, 0x5fffff);
    assert_int_equal(attr, TLBA_GLOBAL | TLBA_LARGE);
    assert_int_equal(r32(0x102008) & 0x60, 0x60);
    /* NX: fetch faults with P|I/D (+U); reads are fine. */
    assert_int_equal(walk(0, CR4_PAE, true, 0x400000, PG_ACC_FETCH, false, &phys, &attr), 0x11u);
    assert_int_equal(walk(0, CR4_PAE, true, 0x5000, PG_ACC_FETCH, true, &phys, &attr), 0x15u);
    assert_int_equal(walk(0, CR4_PAE, true, 0x5000, PG_ACC_READ, true, &phys, &attr), ~0u);
    /* XD set with NXE clear: reserved, P|RSVD; a fetch has no I/D then. */
    assert_int_equal(walk(0, CR4_PAE, false, 0x400000, PG_ACC_READ, false, &phys, &attr), 0x9u);
    assert_int_equal(walk(0, CR4_PAE, false, 0x5000, PG_ACC_FETCH, false, &phys, &attr), 0x9u);
    /* Not present with NXE: a fetch still has I/D. */
    assert_int_equal(walk(0, CR4_PAE, true, 0x7000, PG_ACC_FETCH, false, &phys, &attr), 0x10u);
    /* Not-present PDPTE. */
    assert_int_equal(walk(0, CR4_PAE, true, 0x40000000, PG_ACC_WRITE, true, &phys, &attr), 6u);
    /* Reserved bits. */
    assert_int_equal(walk(0, CR4_PAE, true, 0x600000, PG_ACC_READ, false, &phys, &attr), 0x9u);
    assert_int_equal(walk(0, CR4_PAE, true, 0x800000, PG_ACC_READ, false, &phys, &attr), 0x9u);
    /* PDPTE loads. */
    uint64_t pd[4] = {0};
    w64(0x100000, 0x102001);
    w64(0x100008, 0);
    w64(0x100010, 0x1e6); /* not present: reserved bits ignored */
    w64(0x100018, 0x103001);
    assert_true(paging_load_pdptes(m, 0x100000, pd));
    assert_int_equal(pd[0], 0x102001);
    assert_int_equal(pd[3], 0x103001);
    w64(0x100008, 0x104003); /* bit 1: reserved in a PDPTE */
    assert_false(paging_load_pdptes(m, 0x100000, pd));
    w64(0x100008, 0x104001 | (1ull << 63));
    assert_false(paging_load_pdptes(m, 0x100000, pd));
}

/* Through the CPU: MOV CR3's #GP, global entries across CR3 loads. */
static void test_cpu_cr3(void **state)
{
    (void)state;
    memset(m->ram, 0, 8u << 20);
    Cpu *c = calloc(1, sizeof(Cpu));
    cpu_init(c, m);
    jmp_buf jb;
    c->fault_jmp = &jb;
    w64(0x100000, 0x102001);
    w64(0x102000 + 8 * 2, 0x400000 | 0x187); /* 2M global at 4M */
    w64(0x102000 + 8 * 3, 0x600000 | 0x087); /* 2M non-global at 6M */
    c->cr0 = X86_CR0_PE | X86_CR0_ET;
    if (setjmp(jb) == 0) {
        cpu_set_cr3(c, 0x100000);
        cpu_set_cr4(c, X86_CR4_PAE | X86_CR4_PGE);
        cpu_set_cr0(c, c->cr0 | X86_CR0_PG);
    } else {
        fail_msg("fault %d", c->exc_vector);
    }
    assert_int_equal(c->pdpte[0], 0x102001);
    assert_int_equal(cpu_lin_rd32(c, 0x400000), 0);
    assert_int_equal(cpu_lin_rd32(c, 0x600000), 0);
    assert_non_null(m->tlb[0][0][0x400]);
    assert_non_null(m->tlb[0][0][0x600]);
    cpu_set_cr3(c, 0x100000);
    assert_non_null(m->tlb[0][0][0x400]); /* global survives */
    assert_null(m->tlb[0][0][0x600]);
    /* Bad PDPTE: #GP(0), CR3 unchanged. */
    w64(0x110008, 0x104003);
    if (setjmp(jb) == 0) {
        cpu_set_cr3(c, 0x110000);
        fail_msg("no #GP");
    }
    assert_int_equal(c->exc_vector, X86_TRAP_GP);
    assert_int_equal(c->cr3, 0x100000);
    /* Clearing PGE drops the globals. */
    cpu_set_cr4(c, X86_CR4_PAE);
    assert_null(m->tlb[0][0][0x400]);
    free(c);
}

/* A dword at the end of an MMIO page whose next page is another region
 * (or not present): both pages are translated first, so a fault reads
 * nothing; otherwise each byte reaches its own region. */
static int mmio_reads;
static uint32_t mmio_read(void *o, uint32_t off, int size)
{
    (void)size;
    mmio_reads++;
    return (uint32_t)(uintptr_t)o + off;
}
static void mmio_write(void *o, uint32_t off, uint32_t val, int size)
{
    (void)o, (void)off, (void)val, (void)size;
}
static const MmioOps mmio_ops = {mmio_read, mmio_write};

static void test_cpu_mmio_straddle(void **state)
{
    (void)state;
    memset(m->ram, 0, 8u << 20);
    assert_true(mem_add_mmio(m, 0xfe000000, 0x1000, &mmio_ops, (void *)0x10));
    assert_true(mem_add_mmio(m, 0xfe001000, 0x1000, &mmio_ops, (void *)0x80));
    Cpu *c = calloc(1, sizeof(Cpu));
    cpu_init(c, m);
    jmp_buf jb;
    c->fault_jmp = &jb;
    w32(0x100000 + 4 * 1, 0x101000 | 3);
    w32(0x101000 + 4 * 0x3ff, 0xfe000000 | 3);
    c->cr0 = X86_CR0_PE | X86_CR0_ET;
    c->cr3 = 0x100000;
    cpu_set_cr0(c, c->cr0 | X86_CR0_PG);
    mmio_reads = 0;
    if (setjmp(jb) == 0) {
        cpu_lin_rd32(c, 0x7ffffe);
        fail_msg("no #PF");
    }
    assert_int_equal(c->exc_vector, X86_TRAP_PF);
    assert_int_equal(c->cr2, 0x800000);
    assert_int_equal(mmio_reads, 0);
    w32(0x100000 + 4 * 2, 0x102000 | 3);
    w32(0x102000, 0xfe001000 | 3);
    if (setjmp(jb) == 0) {
        /* bytes: 0x10+0xffe, 0x10+0xfff, 0x80+0, 0x80+1 (low bytes) */
        assert_int_equal(cpu_lin_rd32(c, 0x7ffffe), 0x81800f0eu);
    } else {
        fail_msg("fault %d", c->exc_vector);
    }
    assert_int_equal(mmio_reads, 4);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_32bit),
        cmocka_unit_test(test_pae),
        cmocka_unit_test(test_cpu_cr3),
        cmocka_unit_test(test_cpu_mmio_straddle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
