/*
 * test_smc_chunks.c - the code cache's finer tracking inside a code page
 * (issue 4: "a page that is written often while it holds code does not
 * thrash"), without giving up exactness (DESIGN.md invariant 3):
 *   - a write that stores the bytes a block already holds drops nothing,
 *     one that changes them drops the block and the new bytes run;
 *   - of two overlapping blocks a write drops those it touches, also after
 *     an earlier write cleared part of the page's code bits;
 *   - the second page of a straddling instruction is tracked the same way;
 *   - code that is patched often makes only its 64-byte chunk "hot": the
 *     rest of the page keeps long blocks.
 * Runs the real dispatcher on the real-mode rig (CS = 0).
 */
#include "rig.h"


/* GRUB's trampoline pattern: code stores into the immediate of an
 * instruction it runs, with the value that is already there. */
static void same_value_keeps_block(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xb8, 0x34, 0x12, /* 1000: mov ax, 0x1234 */
        0xa3, 0x01, 0x10, /* 1003: mov [0x1001], ax */
        0xeb, 0xf8,       /* 1006: jmp 1000 */
    };
    rig_load(r, 0x1000, code, sizeof(code));
    rig_run(r, 3 * 100);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 0x1234);
    assert_int_equal(r->tc->blocks_invalidated, 0);
    assert_int_equal(r->tc->blocks_translated, 1);
}

/* The same loop storing a new value each time: every store drops the
 * block, and every iteration sees the value stored by the last. */
static void changed_value_drops_block(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xb8, 0x00, 0x00, /* 1000: mov ax, 0 (patched) */
        0x40,             /* 1003: inc ax */
        0xa3, 0x01, 0x10, /* 1004: mov [0x1001], ax */
        0xeb, 0xf7,       /* 1007: jmp 1000 */
    };
    rig_load(r, 0x1000, code, sizeof(code));
    rig_run(r, 4 * 100);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 100);
    assert_true(r->tc->blocks_invalidated >= 99);
}

/* Blocks A (from 2000) and B (from 2003, inside A). A write to A's first
 * instruction drops A only; a later write to bytes both cover must still
 * drop B, though the first write cleared some of the page's code bits. */
static void overlapping_blocks(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xb3, 0x01, /* 2000: mov bl, 1 */
        0x90,       /* 2002: nop */
        0xb1, 0x02, /* 2003: mov cl, 2 */
        0xeb, 0xfe, /* 2005: jmp $ */
    };
    rig_load(r, 0x2000, code, sizeof(code));
    rig_run(r, 4); /* block A: mov, nop, mov, jmp */
    r->cpu.eip = 0x2003;
    rig_run(r, 2); /* block B: mov, jmp */
    assert_int_equal(r->tc->blocks_translated, 2);

    mem_phys_write(r->mem, 0x2001, 5, 1);
    assert_int_equal(r->tc->blocks_invalidated, 1); /* A */
    mem_phys_write(r->mem, 0x2001, 6, 1);
    assert_int_equal(r->tc->blocks_invalidated, 1); /* nothing left there */
    mem_phys_write(r->mem, 0x2004, 7, 1);
    assert_int_equal(r->tc->blocks_invalidated, 2); /* B */

    r->cpu.eip = 0x2003;
    rig_run(r, 1);
    assert_int_equal(r->cpu.r[R_ECX] & 0xff, 7);
    r->cpu.eip = 0x2000;
    rig_run(r, 3);
    assert_int_equal(r->cpu.r[R_EBX] & 0xff, 6);
    assert_int_equal(r->cpu.r[R_ECX] & 0xff, 7);
}

/* An instruction straddling 2fff/3000: its bytes on the second page are
 * compared too. */
static void straddling_instruction(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xb8, 0x34, 0x12, /* 2ffe: mov ax, 0x1234 */
        0xeb, 0xfe,       /* 3001: jmp $ */
    };
    rig_load(r, 0x2ffe, code, sizeof(code));
    rig_run(r, 2);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 0x1234);
    uint64_t before = r->tc->blocks_invalidated;
    mem_phys_write(r->mem, 0x3000, 0x12, 1);
    assert_int_equal(r->tc->blocks_invalidated, before);
    mem_phys_write(r->mem, 0x3000, 0x56, 1);
    assert_int_equal(r->tc->blocks_invalidated, before + 1);
    r->cpu.eip = 0x2ffe;
    rig_run(r, 1);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 0x5634);
}

/* A loop at 4000 patches the immediate of MOV BX at 4100 (another 64-byte
 * chunk of the same page) on every iteration. Once that chunk is hot, the
 * loop's own code is still translated as one long block. */
static void hot_chunk_only(void **state)
{
    Rig *r = *state;
    uint8_t code[0x106];
    memset(code, 0x90, sizeof(code));
    code[0x00] = 0x41; /* 4000: inc cx, then 10 nops */
    const uint8_t patch[] = { 0x89, 0x0e, 0x01, 0x41 }; /* 400b: mov [0x4101], cx */
    memcpy(code + 0x0b, patch, sizeof(patch));
    const uint8_t jmp_fwd[] = { 0xe9, 0xee, 0x00 }; /* 400f: jmp 4100 */
    memcpy(code + 0x0f, jmp_fwd, sizeof(jmp_fwd));
    const uint8_t target[] = { 0xbb, 0x00, 0x00, 0xe9, 0xfa, 0xfe }; /* 4100: mov bx, imm; jmp 4000 */
    memcpy(code + 0x100, target, sizeof(target));
    rig_load(r, 0x4000, code, sizeof(code));
    r->cpu.r[R_ECX] = 0;
    enum { PER_ITER = 15 };
    rig_run(r, PER_ITER * 200);
    assert_int_equal(r->cpu.r[R_EBX] & 0xffff, 200);
    assert_true(r->tc->hot_blocks > 0);

    tc_flush(r->tc);
    uint64_t blocks = r->tc->blocks_translated, insns = r->tc->insns_translated;
    uint64_t hot = r->tc->hot_blocks;
    rig_run(r, PER_ITER);
    assert_int_equal(r->cpu.r[R_EBX] & 0xffff, 201);
    /* The loop (13 instructions) in one block; MOV BX and its JMP alone. */
    assert_int_equal(r->tc->blocks_translated - blocks, 3);
    assert_int_equal(r->tc->insns_translated - insns, PER_ITER);
    assert_int_equal(r->tc->hot_blocks - hot, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_value_keeps_block, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(changed_value_drops_block, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(overlapping_blocks, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(straddling_instruction, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(hot_chunk_only, rig_fixture_setup, rig_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
