/*
 * test_x64_chainregs.c - the x86-64 backend keeps the guest registers in
 * host registers across chained exits (docs/jit.md, "Guest registers
 * across chained exits"): a chained jump enters the next block past its
 * prologue's loads, so every exit that may be chained must arrive with
 * all 8 registers in their host registers and equal to c->r[]. Chains of
 * short blocks pass registers through direct links, the jump cache
 * (RET, CALL [mem], JMP [mem], RET imm16 through its handler), a handler
 * call (BSWAP: writes c->r[] and clobbers R9-R11), an AH store (through
 * c->r[]), a page-crossing load (a stub that rejoins) and a CLI that
 * leaves to the dispatcher mid-chain; the state must match the threaded
 * backend's at every cut.
 */
#include "x64_rig.h"

/* nasm -f bin, org 0x1000 (bits 32); each line a block:
 *   A:  add eax, ecx; xor ebx, eax; lea ebp, [ebp+ebx*2+1]; jmp B
 *   B:  bswap ebx; jmp C                    ; a handler writes EBX
 *   C:  add edx, ecx; adc ebp, edx; xor ebp, ebx; mov ah, [esi]; call F
 *   D:  add edx, eax; push G; call [esp]    ; ESP in the EA, then written
 *   E:  add ecx, [esp-4]; imul ebx, ecx     ; ESP after RET imm16's handler
 *       mov edx, [esi+0xffe]                ; across a page: the stub rejoins
 *       add ecx, edx; dec edi; jz done; test edi, 15; jnz A2
 *       cli                                 ; to the dispatcher
 *       jmp A
 *   A2: jmp [table]
 *   F:  lea ebp, [ebp+ecx*4]; sub ebx, ebp; add ebp, eax; ret  ; EAX after AH
 *   G:  xor eax, [esp+4]; xor eax, edx; ret 4
 *   done: hlt
 *   table: dd A (at 0x105c)
 * Each block uses registers the exit into it had to load first. */
static const uint8_t prog[] = {
    0x01, 0xc8, 0x31, 0xc3, 0x8d, 0x6c, 0x5d, 0x01, 0xeb, 0x00, 0x0f, 0xcb,
    0xeb, 0x00, 0x01, 0xca, 0x11, 0xd5, 0x31, 0xdd, 0x8a, 0x26, 0xe8, 0x2d,
    0x00, 0x00, 0x00, 0x01, 0xc2, 0x68, 0x51, 0x10, 0x00, 0x00, 0xff, 0x14,
    0x24, 0x03, 0x4c, 0x24, 0xfc, 0x0f, 0xaf, 0xd9, 0x8b, 0x96, 0xfe, 0x0f,
    0x00, 0x00, 0x01, 0xd1, 0x4f, 0x74, 0x23, 0xf7, 0xc7, 0x0f, 0x00, 0x00,
    0x00, 0x75, 0x03, 0xfa, 0xeb, 0xbe, 0xff, 0x25, 0x5c, 0x10, 0x00, 0x00,
    0x8d, 0x6c, 0x8d, 0x00, 0x29, 0xeb, 0x01, 0xc5, 0xc3, 0x33, 0x44, 0x24,
    0x04, 0x31, 0xd0, 0xc2, 0x04, 0x00, 0xf4, 0x90, 0x00, 0x10, 0x00, 0x00,
};
#define TABLE 0x105cu
#define DATA 0x3000u /* linear: AH's byte; DATA + 0xffe: a dword across a page */

static void same_state(const Rig *a, const Rig *b)
{
    rig_pair_same_cpu(a, b);
    assert_memory_equal(a->mem->ram + 0x7000, b->mem->ram + 0x7000, 0x1000); /* the stack */
}

/* The program in slices of `slice` instructions, flat segments or not
 * (base 0x40: ESI and the table's copy allow for it). */
static void chain_case(bool flat, int slice, int slices)
{
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, flat, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        memcpy(r->mem->ram + TABLE + 0x40, prog + (TABLE - 0x1000), 4); /* DS:TABLE, not flat */
        for (uint32_t i = 0; i < 0x1010; i++)
            r->mem->ram[DATA + i] = (uint8_t)(i * 37 + 11);
        Cpu *c = &r->cpu;
        c->eip = 0x1000;
        c->r[R_EAX] = 0x12345678u;
        c->r[R_EBX] = 0x9abcdef0u;
        c->r[R_ECX] = 0x9e3779b9u;
        c->r[R_EDX] = 7;
        c->r[R_ESI] = flat ? DATA : DATA - 0x40;
        c->r[R_EDI] = 1100; /* rounds */
        c->r[R_EBP] = 0x55;
        c->r[R_ESP] = 0x8000;
    }
    for (int step = 0; step < slices; step++) {
        rig_run(&a, (uint64_t)slice);
        rig_run(&b, (uint64_t)slice);
        same_state(&a, &b);
    }
    assert_true(b.cpu.r[R_EDI] > 0 && b.cpu.r[R_EDI] < 300); /* still looping, most rounds run */
    assert_true(b.tc->xbuf->links >= 3);                     /* the direct exits were chained */
    assert_true(b.tc->jc_misses < 50);                       /* the indirect ones mostly hit */
    rig_pair_free(&a, &b);
}

/* Cut every 97 instructions: the deadline lands everywhere in the round
 * (about 32 instructions), so chained and unchained exits alternate. */
static void chain_regs_cut(void **state)
{
    (void)state;
    chain_case(true, 97, 300);
    chain_case(false, 97, 300);
}

/* Long slices: the chain runs for thousands of blocks between visits to
 * the dispatcher (which the CLI block still makes every 16 rounds). */
static void chain_regs_long(void **state)
{
    (void)state;
    chain_case(true, 2900, 10);
    chain_case(false, 2900, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_regs_cut),
        cmocka_unit_test(chain_regs_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
