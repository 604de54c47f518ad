/*
 * test_x64_ctrl.c - the x86-64 backend's indirect control flow against
 * the threaded backend (docs/jit.md, "Exits, the deadline and chaining"):
 * CALL and JMP through registers and memory, returns through the jump
 * cache, a return to another address than the one pushed, code rewritten
 * between a CALL and its RET, deep recursion, and the faults these
 * instructions raise, which must leave the state as it was.
 */
#include "x64_rig.h"

/* rig_set_pm32 with no IDT: a fault ends in a shutdown with the
 * registers as the faulting instruction found them. */
static void set_pm32_noidt(Rig *r, bool flat)
{
    rig_set_pm32(r, flat);
    r->cpu.idtr.limit = 0;
}

static void same_state(const Rig *a, const Rig *b)
{
    rig_pair_same_cpu(a, b);
    assert_memory_equal(a->mem->ram, b->mem->ram, 0x10000);
}

/* nasm -f bin, org 0x1000 (bits 32):
 *   start:  mov esi, table; mov ecx, 300; mov ebx, 1; xor edx, edx
 *   top:    call [esi]; mov eax, f2; call eax; call [esi+ebx*4]; jmp [esi+8]
 *   cont1:  mov edi, cont2; jmp edi
 *   cont2:  call f3; jmp short bad        ; f3 returns past the JMP
 *           call f4                       ; f4 rewrites the ADD's imm8
 *   patchpt: add edx, 1; push ecx; mov ecx, 40; call rec; pop ecx
 *           dec ecx; jnz top; hlt
 *   bad:    hlt
 *   f1: add edx, 3; ret       f2: add edx, 5; ret
 *   f3: add dword [esp], 2; ret
 *   f4: inc byte [patchpt+2]; ret
 *   rec: dec ecx; jz .done; call rec; add edx, ecx; .done: ret
 *   table: dd f1, f2, cont1 */
static const uint8_t calls_prog[] = {
    0xbe, 0x68, 0x10, 0x00, 0x00, 0xb9, 0x2c, 0x01, 0x00, 0x00, 0xbb, 0x01,
    0x00, 0x00, 0x00, 0x31, 0xd2, 0xff, 0x16, 0xb8, 0x4b, 0x10, 0x00, 0x00,
    0xff, 0xd0, 0xff, 0x14, 0x9e, 0xff, 0x66, 0x08, 0xbf, 0x27, 0x10, 0x00,
    0x00, 0xff, 0xe7, 0xe8, 0x23, 0x00, 0x00, 0x00, 0xeb, 0x18, 0xe8, 0x21,
    0x00, 0x00, 0x00, 0x83, 0xc2, 0x01, 0x51, 0xb9, 0x28, 0x00, 0x00, 0x00,
    0xe8, 0x1a, 0x00, 0x00, 0x00, 0x59, 0x49, 0x75, 0xcc, 0xf4, 0xf4, 0x83,
    0xc2, 0x03, 0xc3, 0x83, 0xc2, 0x05, 0xc3, 0x83, 0x04, 0x24, 0x02, 0xc3,
    0xfe, 0x05, 0x35, 0x10, 0x00, 0x00, 0xc3, 0x49, 0x74, 0x07, 0xe8, 0xf8,
    0xff, 0xff, 0xff, 0x01, 0xca, 0xc3, 0x90, 0x90, 0x47, 0x10, 0x00, 0x00,
    0x4b, 0x10, 0x00, 0x00, 0x20, 0x10, 0x00, 0x00,
};
#define F4 0x1054u /* f4's INC: a RET there leaves the code alone */

/* The program above in slices of 97 instructions (deadlines land
 * everywhere), with and without the rewrite, flat segments or not (then
 * f4 writes data, not code): both backends agree after every slice. */
static void indirect_calls(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        bool smc = v & 1, flat = v & 2;
        Rig a, b;
        rig_pair_init(&a, &b);
        Rig *rs[2] = { &a, &b };
        for (int k = 0; k < 2; k++) {
            set_pm32_noidt(rs[k], flat);
            rig_load(rs[k], 0x1000, calls_prog, sizeof(calls_prog));
            if (!smc)
                rs[k]->mem->ram[F4] = 0xc3;
            if (!flat) /* the table where DS (base 0x40) finds it */
                memcpy(rs[k]->mem->ram + 0x1068 + 0x40, calls_prog + 0x68, 12);
            rs[k]->cpu.r[R_ESP] = 0x8000;
        }
        for (int step = 0; step < 400; step++) {
            rig_run(&a, 97);
            rig_run(&b, 97);
            same_state(&a, &b);
        }
        /* still in the loop, well into it */
        assert_true(b.cpu.eip >= 0x1000 && b.cpu.eip < 0x1068 && b.cpu.eip != 0x1045 && b.cpu.eip != 0x1046);
        assert_true(b.cpu.r[R_EDX] > 1400); /* 100 rounds (14 a round) or more */
        if (smc && flat)
            assert_true(b.mem->ram[0x1035] != 0x01); /* the ADD was rewritten */
        assert_true(b.tc->xbuf->bytes_emitted > 0);
        rig_pair_free(&a, &b);
    }
}

/* Run n instructions that end in a fault nobody handles: a shutdown. */
static void run_to_shutdown(Rig *r, uint64_t n)
{
    r->cpu.deadline = r->cpu.icount + n;
    assert_int_equal(cpu_exec(&r->cpu), EXIT_SHUTDOWN);
}

/* Each faulting CALL or JMP r/m32, alone in its block after a MOV: the
 * fault is the branch's, nothing it would write is written (ESP, the
 * stack, EIP), under both backends. */
static void indirect_faults(void **state)
{
    (void)state;
    static const struct {
        uint8_t code[8];
        uint8_t len;
        bool flat;
        uint32_t eax, esp, cs_limit;
    } cases[] = {
        /* call [0xffffe]: the read crosses DS's limit (#GP) */
        { { 0xff, 0x15, 0xfe, 0xff, 0x0f, 0x00 }, 6, false, 0, 0x8000, 0xffffffffu },
        /* jmp [0xffffe] */
        { { 0xff, 0x25, 0xfe, 0xff, 0x0f, 0x00 }, 6, false, 0, 0x8000, 0xffffffffu },
        /* call eax with ESP = 2: the push wraps past SS's limit (#SS) */
        { { 0xff, 0xd0 }, 2, false, 0x1000, 2, 0xffffffffu },
        /* call eax, jmp eax beyond the CS limit (#GP at the branch) */
        { { 0xff, 0xd0 }, 2, true, 0x200000, 0x8000, 0xfffff },
        { { 0xff, 0xe0 }, 2, true, 0x200000, 0x8000, 0xfffff },
        /* call [eax], jmp [eax]: the target read is fine, the target is not */
        { { 0xff, 0x10 }, 2, true, 0x3000, 0x8000, 0xfffff },
        { { 0xff, 0x20 }, 2, true, 0x3000, 0x8000, 0xfffff },
    };
    for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
        Rig a, b;
        rig_pair_init(&a, &b);
        Rig *rs[2] = { &a, &b };
        for (int k = 0; k < 2; k++) {
            Rig *r = rs[k];
            set_pm32_noidt(r, cases[t].flat);
            r->cpu.seg[SEG_CS].limit = cases[t].cs_limit;
            seg_update_access(&r->cpu, SEG_CS);
            uint8_t code[16] = { 0x89, 0xc9 }; /* mov ecx, ecx */
            memcpy(code + 2, cases[t].code, cases[t].len);
            rig_load(r, 0x1000, code, 2u + cases[t].len);
            r->cpu.r[R_EAX] = cases[t].eax;
            r->cpu.r[R_ESP] = cases[t].esp;
            uint32_t far = 0x00300000;
            memcpy(r->mem->ram + 0x3000, &far, 4);
            /* run it a few times: the block is compiled on the first */
            for (int round = 0; round < 3; round++) {
                r->cpu.eip = 0x1000;
                r->cpu.r[R_ESP] = cases[t].esp;
                r->cpu.exit_reason = EXIT_NONE;
                r->cpu.exit_req = 0;
                r->cpu.fault_depth = 0;
                run_to_shutdown(r, 10);
                assert_int_equal(r->cpu.r[R_ESP], cases[t].esp);
                assert_int_equal(r->cpu.insn_eip, 0x1002);
            }
        }
        same_state(&a, &b);
        rig_pair_free(&a, &b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indirect_calls),
        cmocka_unit_test(indirect_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
