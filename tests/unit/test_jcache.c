/*
 * test_jcache.c - the code cache's jump cache across TLB flushes
 * (translate/cache.c, jc_sync): a CR3 load with CR4.PGE keeps the blocks
 * found through global translations and forgets the others (and the x64
 * backend keeps its cross-page links into the global ones, until a flush
 * of global translations), INVLPG and a
 * full flush forget global ones too, and code remapped behind a flush
 * runs as mapped now; two addresses with one index both stay in the
 * two-way cache, through INVLPGs and CR3 loads. Each case runs under the threaded and the x64
 * backend, which must end in the same state.
 */
#include <stdio.h>
#include <stdlib.h>

#include "x64_rig.h"

#define PD 0x10000u
#define PT 0x11000u
#define PTE_G 0x100u

static void wr32(Rig *r, uint32_t a, uint32_t v)
{
    memcpy(r->mem->ram + a, &v, 4);
}

/* inc reg (0x40 + reg); jmp target: 6 bytes at physical address a, to
 * run at linear address lin. */
static void put_inc_jmp(Rig *r, uint32_t a, uint32_t lin, int reg, uint32_t target)
{
    r->mem->ram[a] = (uint8_t)(0x40 + reg);
    r->mem->ram[a + 1] = 0xe9;
    wr32(r, a + 2, target - (lin + 6));
}

/* Flat 32-bit protected mode with paging and CR4.PGE: the first 2 MiB
 * mapped to themselves, pages [glo, ghi) global. */
static void setup(Rig *r, bool x64, uint32_t glo, uint32_t ghi)
{
    rig_init(r);
    if (x64)
        assert_true(tc_set_backend(r->tc, BACKEND_X64, false));
    Cpu *c = &r->cpu;
    c->cr0 |= X86_CR0_PE;
    for (int s = 0; s < 6; s++) {
        SegReg *sr = &c->seg[s];
        sr->sel = s == SEG_CS ? 0x08 : 0x10;
        sr->base = 0;
        sr->limit = 0xffffffffu;
        sr->attr = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G | (s == SEG_CS ? 0xbu : 0x3u);
        seg_update_access(c, s);
    }
    cpu_update_mode(c);
    wr32(r, PD, PT | 3);
    for (uint32_t i = 0; i < 512; i++)
        wr32(r, PT + 4 * i, (i << 12) | 3 | (i >= glo && i < ghi ? PTE_G : 0));
    cpu_set_cr3(c, PD);
    cpu_set_cr4(c, c->cr4 | X86_CR4_PGE);
    cpu_set_cr0(c, c->cr0 | X86_CR0_PG);
    for (int i = 0; i < 8; i++)
        c->r[i] = 0;
    c->r[R_ESP] = 0x8000;
}

/* A global page 0x1000 (inc eax; jmp 0x5000) and a non-global 0x5000
 * (inc ebx; jmp 0x1000); phys 0x6000 holds inc edx; jmp 0x1000 and phys
 * 0x7000 inc esi; jmp 0x5000 for remapping. */
static void cr3_keeps_global(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup(r, k == 1, 1, 2);
        put_inc_jmp(r, 0x1000, 0x1000, R_EAX, 0x5000);
        put_inc_jmp(r, 0x5000, 0x5000, R_EBX, 0x1000);
        put_inc_jmp(r, 0x6000, 0x5000, R_EDX, 0x1000);
        put_inc_jmp(r, 0x7000, 0x1000, R_ESI, 0x5000);
        r->cpu.eip = 0x1000;
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 100);
        assert_int_equal(r->cpu.r[R_EBX], 100);

        /* A CR3 load: the global block A stays a jump-cache hit, B is
         * looked up again, and x64 keeps the cross-page link into A, so
         * the run relinks no more than one without a CR3 load (exits
         * near the deadline relink; the link out of A is redone at the
         * start of each run, which stops between A and B). */
        rig_run(r, 2);
        uint64_t links = k ? r->tc->xbuf->links : 0;
        rig_run(r, 400);
        uint64_t deadline_links = k ? r->tc->xbuf->links - links : 0;
        uint64_t misses = r->tc->jc_misses;
        links = k ? r->tc->xbuf->links : 0;
        cpu_set_cr3(&r->cpu, PD);
        rig_run(r, 400);
        assert_int_equal(r->tc->jc_misses - misses, 1);
        if (k)
            assert_int_equal(r->tc->xbuf->links - links, deadline_links);
        rig_run(r, 2);
        assert_int_equal(r->cpu.r[R_EAX], 301);
        assert_int_equal(r->cpu.r[R_EBX], 301);

        /* A remapped non-global page runs its new code after a CR3 load. */
        wr32(r, PT + 4 * 5, 0x6000 | 3);
        misses = r->tc->jc_misses;
        cpu_set_cr3(&r->cpu, PD);
        rig_run(r, 400);
        assert_int_equal(r->tc->jc_misses - misses, 1);
        assert_int_equal(r->cpu.r[R_EAX], 401);
        assert_int_equal(r->cpu.r[R_EBX], 301);
        assert_int_equal(r->cpu.r[R_EDX], 100);

        /* INVLPG of the global page: it runs what it maps now. */
        wr32(r, PT + 4 * 5, 0x5000 | 3);
        wr32(r, PT + 4 * 1, 0x7000 | 3 | PTE_G);
        cpu_set_cr3(&r->cpu, PD);
        mem_tlb_flush_page(r->mem, 0x1000);
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 401);
        assert_int_equal(r->cpu.r[R_ESI], 100);
        assert_int_equal(r->cpu.r[R_EBX], 401);

        /* Clearing CR4.PGE drops the global translations: both blocks are
         * looked up again. */
        wr32(r, PT + 4 * 1, 0x1000 | 3 | PTE_G);
        misses = r->tc->jc_misses;
        cpu_set_cr4(&r->cpu, r->cpu.cr4 & ~X86_CR4_PGE);
        rig_run(r, 400);
        assert_int_equal(r->tc->jc_misses - misses, 2);
        assert_int_equal(r->cpu.r[R_EAX], 501);
        assert_int_equal(r->cpu.r[R_EBX], 501);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* The x64 backend's link into a global block checks the count of flushes
 * that drop global translations: a CR3 load keeps it (page 1 remapped
 * without INVLPG still runs its old code, as the TLB may keep a global
 * translation), a flush of global translations (CR4.PGE cleared) must
 * not, so the new code runs. The same layout as cr3_keeps_global. */
static void global_link_full_flush(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup(r, k == 1, 1, 2);
        put_inc_jmp(r, 0x1000, 0x1000, R_EAX, 0x5000);
        put_inc_jmp(r, 0x5000, 0x5000, R_EBX, 0x1000);
        put_inc_jmp(r, 0x7000, 0x1000, R_ESI, 0x5000);
        r->cpu.eip = 0x1000;
        rig_run(r, 400);
        wr32(r, PT + 4 * 1, 0x7000 | 3 | PTE_G);
        cpu_set_cr3(&r->cpu, PD);
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 200);
        assert_int_equal(r->cpu.r[R_ESI], 0);
        cpu_set_cr4(&r->cpu, r->cpu.cr4 & ~X86_CR4_PGE);
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 200);
        assert_int_equal(r->cpu.r[R_ESI], 100);
        assert_int_equal(r->cpu.r[R_EBX], 300);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* More non-global blocks than the jump cache's list of filled slots holds
 * (TC_JC_USED): the clear after a CR3 load scans every slot instead, and
 * still keeps the global ones, twice in a row; a full flush (CR4.PGE
 * cleared) forgets them too. NCHAIN blocks of 8 bytes from 0x1000, those
 * on pages 1 and 2 global. */
#define NCHAIN (TC_JC_USED + 1252)
#define NGLOBAL (2 * PAGE_SIZE / 8)

static void cr3_keeps_many(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup(r, k == 1, 1, 3);
        for (uint32_t i = 0; i < NCHAIN; i++) {
            uint32_t a = 0x1000 + 8 * i;
            put_inc_jmp(r, a, a, R_EAX, i + 1 < NCHAIN ? a + 8 : 0x1000);
        }
        r->cpu.eip = 0x1000;
        rig_run(r, 2 * NCHAIN);
        assert_int_equal(r->tc->njc_used, TC_JC_USED + 1);
        for (int round = 0; round < 2; round++) {
            uint64_t misses = r->tc->jc_misses;
            cpu_set_cr3(&r->cpu, PD);
            rig_run(r, 2 * NCHAIN);
            if (k == 0)
                assert_int_equal(r->tc->jc_misses - misses, NCHAIN - NGLOBAL);
        }
        uint64_t misses = r->tc->jc_misses;
        cpu_set_cr4(&r->cpu, r->cpu.cr4 & ~X86_CR4_PGE);
        rig_run(r, 2 * NCHAIN);
        if (k == 0)
            assert_int_equal(r->tc->jc_misses - misses, NCHAIN); /* every block */
        assert_int_equal(r->cpu.r[R_EAX], 4 * NCHAIN);
    }
    /* x64 chains same-page jumps past the dispatcher: only the state is
     * compared. */
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* A block whose one instruction runs from global page 2 onto global page
 * 3 (mov ecx, imm32 at 0x2ffd; page 3 then holds inc edx; jmp 0x2ffd): an INVLPG
 * of page 3 alone must drop it from the jump cache (it sits in page 2's
 * slots), so after remapping page 3 the new immediate bytes load. */
static void invlpg_second_page(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup(r, k == 1, 2, 4);
        static const uint8_t mov[] = { 0xb9, 0x11, 0x22 }; /* then 33 44 on page 3 */
        memcpy(r->mem->ram + 0x2ffd, mov, sizeof(mov));
        r->mem->ram[0x3000] = 0x33;
        r->mem->ram[0x3001] = 0x44;
        put_inc_jmp(r, 0x3002, 0x3002, R_EDX, 0x2ffd);
        r->mem->ram[0x8000] = 0x55; /* the other page 3 */
        r->mem->ram[0x8001] = 0x66;
        put_inc_jmp(r, 0x8002, 0x3002, R_EDX, 0x2ffd);
        r->cpu.eip = 0x2ffd;
        rig_run(r, 30);
        assert_int_equal(r->cpu.r[R_ECX], 0x44332211);
        wr32(r, PT + 4 * 3, 0x8000 | 3 | PTE_G);
        mem_tlb_flush_page(r->mem, 0x3000);
        rig_run(r, 30);
        assert_int_equal(r->cpu.r[R_ECX], 0x66552211);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* Two blocks whose linear addresses share a jump-cache index:
 * jc_index(0x2100) == jc_index(0x12101) == 0x2100, pages 2 and 0x12 in
 * one run of the table. Each is inc reg; push other; ret (3
 * instructions), so they alternate through RET, which the x64 backend
 * looks up with its inline probe. */
#define JA 0x2100u
#define JB 0x12101u

static void put_inc_ret(Rig *r, uint32_t a, int reg, uint32_t target)
{
    r->mem->ram[a] = (uint8_t)(0x40 + reg);
    r->mem->ram[a + 1] = 0x68; /* push imm32 */
    wr32(r, a + 2, target);
    r->mem->ram[a + 6] = 0xc3;
}

static void setup_pair(Rig *r, bool x64, uint32_t glo, uint32_t ghi)
{
    setup(r, x64, glo, ghi);
    put_inc_ret(r, JA, R_EAX, JB);
    put_inc_ret(r, JB, R_EBX, JA);
    r->cpu.eip = JA;
    rig_run(r, 60);
    /* both ways of the pair are in use */
    uint32_t i = JA & 0xfffeu;
    assert_non_null(r->tc->jc[i]);
    assert_non_null(r->tc->jc[i + 1]);
}

static uint64_t jc_all_misses(const Rig *r)
{
    return r->tc->jc_misses + r->cpu.jc_misses;
}

/* The two colliding blocks alternating: after the first lookups, both
 * are jump-cache hits (in tc_find and in the x64 probe). */
static void collide_alternating(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup_pair(r, k == 1, 0, 0);
        uint64_t misses = jc_all_misses(r);
        rig_run(r, 600);
        assert_int_equal(jc_all_misses(r) - misses, 0);
        assert_int_equal(r->cpu.r[R_EAX], 110);
        assert_int_equal(r->cpu.r[R_EBX], 110);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* INVLPG of one of the pair's pages forgets that page's block, in
 * whichever way it is, and keeps the other: page 0x12 remapped to phys
 * 0x13000 (inc edx), then page 2 to phys 0x14000 (inc esi). Each costs
 * one lookup in tc_find, the block now mapped there. */
static void invlpg_one_way(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup_pair(r, k == 1, 0, 0);
        put_inc_ret(r, 0x13000 + (JB & PAGE_MASK), R_EDX, JA);
        put_inc_ret(r, 0x14000 + (JA & PAGE_MASK), R_ESI, JB);
        wr32(r, PT + 4 * (JB >> PAGE_SHIFT), 0x13000 | 3);
        mem_tlb_flush_page(r->mem, JB);
        uint64_t misses = r->tc->jc_misses;
        rig_run(r, 600);
        assert_int_equal(r->tc->jc_misses - misses, 1);
        assert_int_equal(r->cpu.r[R_EAX], 110);
        assert_int_equal(r->cpu.r[R_EBX], 10);
        assert_int_equal(r->cpu.r[R_EDX], 100);

        wr32(r, PT + 4 * (JA >> PAGE_SHIFT), 0x14000 | 3);
        mem_tlb_flush_page(r->mem, JA);
        misses = r->tc->jc_misses;
        rig_run(r, 600);
        assert_int_equal(r->tc->jc_misses - misses, 1);
        assert_int_equal(r->cpu.r[R_EAX], 110);
        assert_int_equal(r->cpu.r[R_EDX], 200);
        assert_int_equal(r->cpu.r[R_ESI], 100);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

/* CR3 loads keep the pair's global blocks in either way and drop the
 * others: page 2 global (one lookup again per CR3 load, twice, so the
 * global block has been in both ways), then pages 2 to 0x12 (none). */
static void cr3_keeps_global_ways(void **state)
{
    (void)state;
    for (int both = 0; both < 2; both++) {
        Rig rigs[2];
        for (int k = 0; k < 2; k++) {
            Rig *r = &rigs[k];
            setup_pair(r, k == 1, 2, both ? 0x13 : 3);
            for (int round = 0; round < 3; round++) {
                uint64_t misses = r->tc->jc_misses;
                cpu_set_cr3(&r->cpu, PD);
                rig_run(r, 600);
                assert_int_equal(r->tc->jc_misses - misses, both ? 0 : 1);
            }
            assert_int_equal(r->cpu.r[R_EAX], 310);
            assert_int_equal(r->cpu.r[R_EBX], 310);
        }
        rig_pair_same_cpu(&rigs[0], &rigs[1]);
        rig_pair_free(&rigs[0], &rigs[1]);
    }
}

/* A write to the code of either block of the pair invalidates it, in
 * whichever way it is: the new instruction runs (inc ebx becomes inc
 * edx, then inc eax inc esi). */
static void code_write_either_way(void **state)
{
    (void)state;
    Rig rigs[2];
    for (int k = 0; k < 2; k++) {
        Rig *r = &rigs[k];
        setup_pair(r, k == 1, 0, 0);
        mem_phys_write(r->mem, JB, 0x40 + R_EDX, 1);
        rig_run(r, 600);
        mem_phys_write(r->mem, JA, 0x40 + R_ESI, 1);
        rig_run(r, 600);
        assert_int_equal(r->cpu.r[R_EAX], 110);
        assert_int_equal(r->cpu.r[R_EBX], 10);
        assert_int_equal(r->cpu.r[R_EDX], 200);
        assert_int_equal(r->cpu.r[R_ESI], 100);
    }
    rig_pair_same_cpu(&rigs[0], &rigs[1]);
    rig_pair_free(&rigs[0], &rigs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cr3_keeps_global),
        cmocka_unit_test(global_link_full_flush),
        cmocka_unit_test(cr3_keeps_many),
        cmocka_unit_test(invlpg_second_page),
        cmocka_unit_test(collide_alternating),
        cmocka_unit_test(invlpg_one_way),
        cmocka_unit_test(cr3_keeps_global_ways),
        cmocka_unit_test(code_write_either_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
