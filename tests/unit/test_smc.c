/*
 * test_smc.c - self-modifying code through the code cache (DESIGN.md
 * invariant 3): a write to the next instruction of the running block, to a
 * later instruction of the running block, a loop that patches its own
 * immediate on every iteration, and a write to a block translated earlier
 * but not running. Each runs the real dispatcher on a tiny real-mode
 * machine with a flat code segment at 0.
 */
#include "rig.h"



/* mov byte [0x1006], 5 patches the immediate of the very next
 * instruction, mov al, 1, which is in the same block. */
static void next_instruction(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xc6, 0x06, 0x06, 0x10, 0x05, /* 1000: mov byte [0x1006], 5 */
        0xb0, 0x01,                   /* 1005: mov al, 1 */
        0x90,                         /* 1007: nop */
    };
    rig_load(r, 0x1000, code, sizeof(code));
    r->cpu.r[R_EAX] = 0;
    rig_run(r, 2);
    assert_int_equal(r->cpu.r[R_EAX] & 0xff, 5);
    assert_int_equal(r->cpu.eip, 0x1007);
}

/* A write three instructions ahead in the running block. */
static void later_in_block(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xc6, 0x06, 0x0a, 0x20, 0x07, /* 2000: mov byte [0x200a], 7 */
        0x90,                         /* 2005: nop */
        0x90,                         /* 2006: nop */
        0x90,                         /* 2007: nop */
        0x90,                         /* 2008: nop */
        0xb3, 0x02,                   /* 2009: mov bl, 2 */
    };
    rig_load(r, 0x2000, code, sizeof(code));
    r->cpu.r[R_EBX] = 0;
    rig_run(r, 6);
    assert_int_equal(r->cpu.r[R_EBX] & 0xff, 7);
}

/* A loop that increments its own immediate every iteration:
 *   3000: mov al, 0        ; the immediate at 3001 is patched
 *   3002: inc byte [0x3001]
 *   3006: add bl, al       ; accumulate
 *   3008: loop 3000
 * With CX = 5, AL takes 0, 1, 2, 3, 4 and BL sums to 10. */
static void patch_own_immediate(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xb0, 0x00,             /* mov al, 0 */
        0xfe, 0x06, 0x01, 0x30, /* inc byte [0x3001] */
        0x00, 0xc3,             /* add bl, al */
        0xe2, 0xf6,             /* loop 3000 */
    };
    rig_load(r, 0x3000, code, sizeof(code));
    r->cpu.r[R_EBX] = 0;
    r->cpu.r[R_ECX] = 5;
    rig_run(r, 5 * 4);
    assert_int_equal(r->cpu.r[R_EBX] & 0xff, 10);
    assert_int_equal(r->cpu.r[R_ECX] & 0xffff, 0);
    assert_int_equal(r->mem->ram[0x3001], 5);
}

/* Translate a block, leave it, overwrite it from other code, run it again. */
static void earlier_block(void **state)
{
    Rig *r = *state;
    static const uint8_t target[] = {
        0xb1, 0x11, /* 4000: mov cl, 0x11 */
        0xc3,       /* 4002: ret */
    };
    static const uint8_t caller[] = {
        0xe8, 0xfd, 0xef,             /* 5000: call 4000 */
        0xc6, 0x06, 0x01, 0x40, 0x22, /* 5003: mov byte [0x4001], 0x22 */
        0xe8, 0xf5, 0xef,             /* 5008: call 4000 */
    };
    memcpy(r->mem->ram + 0x4000, target, sizeof(target));
    rig_load(r, 0x5000, caller, sizeof(caller));
    r->cpu.seg[SEG_SS].base = 0;
    r->cpu.r[R_ESP] = 0x8000;
    rig_run(r, 3);
    assert_int_equal(r->cpu.r[R_ECX] & 0xff, 0x11);
    rig_run(r, 4);
    assert_int_equal(r->cpu.r[R_ECX] & 0xff, 0x22);
    assert_int_equal(r->cpu.eip, 0x500b);
}

/* A write to the code page that misses every block leaves them alone. */
static void write_beside_code(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = {
        0xc6, 0x06, 0x00, 0x61, 0x99, /* 6000: mov byte [0x6100], 0x99 */
        0xeb, 0xf9,                   /* 6005: jmp 6000 */
    };
    rig_load(r, 0x6000, code, sizeof(code));
    uint64_t before = r->tc->blocks_invalidated;
    rig_run(r, 10);
    assert_int_equal(r->mem->ram[0x6100], 0x99);
    assert_int_equal(r->tc->blocks_invalidated, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(next_instruction, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(later_in_block, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(patch_own_immediate, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(earlier_block, rig_fixture_setup, rig_fixture_teardown),
        cmocka_unit_test_setup_teardown(write_beside_code, rig_fixture_setup, rig_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
