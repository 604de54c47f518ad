/*
 * test_x64_ctrl.c - the x86-64 backend's indirect control flow against
 * the threaded backend (docs/jit.md, "Exits, the deadline and chaining"):
 * CALL and JMP through registers and memory, returns through the jump
 * cache, a return to another address than the one pushed, code rewritten
 * between a CALL and its RET, deep recursion, and the faults these
 * instructions raise, which must leave the state as it was; a CALL to an
 * i386 PIC thunk (`mov REG, [esp]; ret`), which the x64 backend folds.
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

/* ---- CALL to a PIC thunk (translate/x64_thunk.c) ----------------------- */

#define TH_CNT 0x3000u  /* the loop's counter */
#define TH_DATA 0x3100u /* what each thunk returned, by register */
#define TH_PD 0x10000u
#define TH_PT 0x11000u

static void th_wr32(Rig *r, uint32_t a, uint32_t v)
{
    memcpy(r->mem->ram + a, &v, 4);
}

/* The thunk of register reg: even ones on the loop's page, odd ones on
 * the next page but one (a cross-page CALL). */
static uint32_t th_addr(int reg)
{
    return (reg & 1 ? 0x2400u : 0x1800u) + 16u * (uint32_t)reg;
}

/* At 0x1000, TH_CNT rounds of: (rewrite: every 64th round, toggle EAX's
 * thunk between `mov eax, [esp]; ret` and `...; ret 4`, two instructions
 * too, ECX's between `...; ret` and `...; nop; ret`, and EBX's between
 * `mov ebx, [esp]` and `mov edx, [esp]`), then for each register but ESP
 * `call thunk; mov [TH_DATA + 4 * reg], reg; not reg` (so that a fold that
 * left a stale copy of REG in a host register stores the wrong value);
 * then hlt. */
static void th_load(Rig *r, bool rewrite, uint32_t rounds)
{
    uint8_t *m = r->mem->ram;
    uint32_t a = 0x1000;
#define B(v) (m[a++] = (uint8_t)(v))
#define D(v) (th_wr32(r, a, (uint32_t)(v)), a += 4)
    if (rewrite) {
        B(0xf6); B(0x05); D(TH_CNT); B(63);         /* test byte [cnt], 63 */
        B(0x75); B(21);                             /* jnz +21 */
        B(0x80); B(0x35); D(th_addr(0) + 3); B(0x01); /* ret <-> ret 4 */
        B(0x80); B(0x35); D(th_addr(1) + 3); B(0x53); /* ret <-> nop; ret */
        B(0x80); B(0x35); D(th_addr(3) + 1); B(0x08); /* ebx <-> edx */
    }
    for (int reg = 0; reg < 8; reg++) {
        if (reg == R_ESP)
            continue;
        B(0xe8); D(th_addr(reg) - (a + 4));
        B(0x89); B(reg << 3 | 5); D(TH_DATA + 4u * (uint32_t)reg);
        B(0xf7); B(0xd0 | reg);                     /* not reg: the next fold must change it */
    }
    B(0xff); B(0x0d); D(TH_CNT);                    /* dec dword [cnt] */
    B(0x0f); B(0x85); D(0x1000 - (a + 4));          /* jnz top */
    B(0xf4);
    for (int reg = 0; reg < 8; reg++) {
        a = th_addr(reg);
        B(0x8b); B(reg << 3 | 4); B(0x24); B(0xc3); B(reg ? 0xc3 : 0x04); B(0);
    }
#undef B
#undef D
    th_wr32(r, TH_CNT, rounds);
    r->cpu.eip = 0x1000;
}

/* Paging on, the first 2 MiB mapped to themselves. */
static void th_paging(Rig *r)
{
    Cpu *c = &r->cpu;
    th_wr32(r, TH_PD, TH_PT | 3);
    for (uint32_t i = 0; i < 512; i++)
        th_wr32(r, TH_PT + 4 * i, (i << 12) | 3);
    cpu_set_cr3(c, TH_PD);
    cpu_set_cr0(c, c->cr0 | X86_CR0_PG);
}

static void th_pair(Rig *a, Rig *b, bool paging, bool rewrite, uint32_t rounds)
{
    rig_pair_init(a, b);
    Rig *rs[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        set_pm32_noidt(rs[k], true);
        if (paging)
            th_paging(rs[k]);
        th_load(rs[k], rewrite, rounds);
    }
}

/* Each register's thunk, same-page and cross-page, with and without
 * paging, run in slices of 97 and then of 1 to 7 instructions (deadlines
 * before, inside and after the three instructions a fold does): both
 * backends agree after every slice, and every thunk returned its CALL's
 * return address. */
static void thunk_each_reg(void **state)
{
    (void)state;
    for (int paging = 0; paging < 2; paging++) {
        Rig a, b;
        th_pair(&a, &b, paging, false, 400);
        for (int step = 0; step < 60; step++) {
            rig_run(&a, 97);
            rig_run(&b, 97);
            same_state(&a, &b);
        }
        for (int step = 0; step < 700; step++) {
            rig_run(&a, 1u + (uint32_t)step % 7);
            rig_run(&b, 1u + (uint32_t)step % 7);
            same_state(&a, &b);
        }
        uint32_t ret = 0x1005;
        for (int reg = 0; reg < 8; reg++) {
            if (reg == R_ESP)
                continue;
            uint32_t v;
            memcpy(&v, b.mem->ram + TH_DATA + 4 * reg, 4);
            assert_int_equal(v, ret);
            ret += 13; /* call 5, mov 6, not 2 */
        }
        rig_pair_free(&a, &b);
    }
}

/* The program rewrites three thunks every 64 rounds (EAX's and ECX's stop
 * being one, EBX's becomes EDX's): a CALL that folded before must run the
 * new code. */
static void thunk_rewritten(void **state)
{
    (void)state;
    for (int paging = 0; paging < 2; paging++) {
        Rig a, b;
        th_pair(&a, &b, paging, true, 1000);
        for (int step = 0; step < 300; step++) {
            rig_run(&a, 97);
            rig_run(&b, 97);
            same_state(&a, &b);
        }
        uint32_t v;
        memcpy(&v, b.mem->ram + TH_CNT, 4);
        assert_true(v < 1000 - 128); /* the thunks were rewritten twice at least */
        rig_pair_free(&a, &b);
    }
}

/* With paging, after the CALLs have run (and folded) a while, the page of
 * the odd registers' thunks (or the stack's) becomes not present, through
 * an INVLPG or a CR3 load: the next CALL to one raises #PF, on the fetch
 * of the thunk (CR2 and EIP the thunk's, the return address pushed) or on
 * the push (CR2 ESP - 4, EIP the CALL's, nothing pushed). */
static void thunk_page_faults(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        bool stack = v & 1, invlpg = v & 2;
        uint32_t page = stack ? 0x7000u : 0x2000u;
        Rig a, b;
        th_pair(&a, &b, true, false, 100000);
        Rig *rs[2] = { &a, &b };
        for (int k = 0; k < 2; k++) {
            Rig *r = rs[k];
            rig_run(r, 3000 + 7 * (uint64_t)v);
            while (r->mem->ram[r->cpu.eip] != 0xe8) /* at a CALL */
                rig_run(r, 1);
            th_wr32(r, TH_PT + 4 * (page >> 12), stack ? 0 : page | 2); /* unmapped, not present */
            if (invlpg)
                mem_tlb_flush_page(r->mem, page);
            else
                cpu_set_cr3(&r->cpu, TH_PD);
            r->cpu.exit_reason = EXIT_NONE;
            run_to_shutdown(r, 1000);
            if (stack) {
                assert_int_equal(r->cpu.cr2, 0x7ffcu);
                assert_int_equal(r->cpu.r[R_ESP], 0x8000u);
                assert_int_equal(r->mem->ram[r->cpu.insn_eip], 0xe8);
            } else {
                assert_int_equal(r->cpu.cr2 & ~0xfffu, 0x2000u);
                assert_int_equal(r->cpu.insn_eip, r->cpu.cr2);
                assert_int_equal(r->cpu.r[R_ESP], 0x7ffcu);
            }
        }
        same_state(&a, &b);
        assert_int_equal(a.cpu.cr2, b.cpu.cr2);
        assert_int_equal(a.cpu.insn_eip, b.cpu.insn_eip);
        rig_pair_free(&a, &b);
    }
}

/* `mov esp, [esp]; ret` (ModRM 24) has the thunk's shape with ESP, which
 * is no thunk: ESP becomes the return address and RET pops what is
 * there. The CALL at 0x100a first calls `mov ebp, [esp]; ret` 20 times
 * (returning to the bytes eb 0e: a jump to the loop's counter), then the
 * program rewrites it into that (which returns to 0xeeb: those bytes as
 * an address; it notes ESP and jumps back). The CALL at 0x1005 calls
 * `mov esi, [esp]; nop; ret`, no thunk either. */
static void thunk_not_thunks(void **state)
{
    (void)state;
    static const uint8_t prog[] = {
        0xbc, 0x00, 0x80, 0x00, 0x00,       /* 1000: mov esp, 0x8000 */
        0xe8, 0x0b, 0x00, 0x00, 0x00,       /* 1005: call 1015 */
        0xe8, 0xf6, 0x07, 0x00, 0x00,       /* 100a: call 1805 */
        0xeb, 0x0e, 0x00, 0x00,             /* 100f: jmp short 101f; as an address 0xeeb */
        0xf4, 0xf4,                         /* 1013 */
        0x8b, 0x34, 0x24, 0x90, 0xc3,       /* 1015: mov esi, [esp]; nop; ret */
        0xf4, 0xf4, 0xf4, 0xf4, 0xf4,       /* 101a */
        0xff, 0x0d, 0x00, 0x30, 0x00, 0x00, /* 101f: dec dword [0x3000] */
        0x0f, 0x85, 0xd5, 0xff, 0xff, 0xff, /* 1025: jnz 1000 */
        0xc6, 0x05, 0x06, 0x18, 0x00, 0x00, 0x24, /* 102b: mov byte [1806], 0x24 */
        0xe9, 0xc9, 0xff, 0xff, 0xff,       /* 1032: jmp 1000 */
    };
    Rig a, b;
    rig_pair_init(&a, &b);
    Rig *rs[2] = { &a, &b };
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        set_pm32_noidt(r, true);
        rig_load(r, 0x1000, prog, sizeof(prog));
        static const uint8_t t[] = { 0x8b, 0x2c, 0x24, 0xc3 }; /* 1805: mov ebp, [esp]; ret */
        memcpy(r->mem->ram + 0x1805, t, sizeof(t));
        static const uint8_t back[] = { 0x89, 0xe7, 0xe9 }; /* 0eeb: mov edi, esp; jmp 1000 */
        memcpy(r->mem->ram + 0x0eeb, back, sizeof(back));
        th_wr32(r, 0x0eee, 0x1000 - 0x0ef2);
        th_wr32(r, 0x3000, 20);
        r->cpu.eip = 0x1000;
    }
    for (int step = 0; step < 300; step++) {
        rig_run(&a, 97);
        rig_run(&b, 97);
        same_state(&a, &b);
    }
    assert_int_equal(b.mem->ram[0x1806], 0x24);
    assert_int_equal(b.cpu.r[R_EBP], 0x100f);
    assert_int_equal(b.cpu.r[R_ESI], 0x100a);
    assert_int_equal(b.cpu.r[R_EDI], 0x1013); /* ESP after the RET, at 0xeeb */
    rig_pair_free(&a, &b);
}

/* A CALL whose last byte is CS's last: the thunk's RET returns beyond the
 * limit, a #GP at the RET (EIP 0xf03, EBX and the stack written). The
 * site folded before CS's limit was cut (0x1000: call 0xf00; jmp 0x1000;
 * 0xf00: mov ebx, [esp]; ret). */
static void thunk_cs_limit(void **state)
{
    (void)state;
    static const uint8_t prog[] = { 0xe8, 0xfb, 0xfe, 0xff, 0xff, 0xeb, 0xf9 };
    static const uint8_t thunk[] = { 0x8b, 0x1c, 0x24, 0xc3 };
    Rig a, b;
    rig_pair_init(&a, &b);
    Rig *rs[2] = { &a, &b };
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        set_pm32_noidt(r, true);
        rig_load(r, 0x1000, prog, sizeof(prog));
        memcpy(r->mem->ram + 0xf00, thunk, sizeof(thunk));
        r->cpu.eip = 0x1000;
        rig_run(r, 990);
        while (r->cpu.eip != 0x1000)
            rig_run(r, 1);
        assert_int_equal(r->cpu.r[R_EBX], 0x1005);
        r->cpu.r[R_EBX] = 0;
        r->cpu.seg[SEG_CS].limit = 0x1004;
        seg_update_access(&r->cpu, SEG_CS);
        run_to_shutdown(r, 1000);
        assert_int_equal(r->cpu.insn_eip, 0xf03);
        assert_int_equal(r->cpu.r[R_EBX], 0x1005);
        assert_int_equal(r->cpu.r[R_ESP], 0x7ffc);
    }
    same_state(&a, &b);
    rig_pair_free(&a, &b);
}

static int th_traced[2];

static void th_count(void *opaque, Cpu *c, const Block *blk)
{
    (void)c;
    if (blk->lin >= 0x1800 && blk->lin < 0x2500) /* a thunk's */
        th_traced[*(int *)opaque]++;
}

/* A block trace turned on after the CALLs folded a while (chaining goes
 * off): every thunk's block runs and is traced, as with the threaded
 * backend. */
static void thunk_traced(void **state)
{
    (void)state;
    static int ids[2] = { 0, 1 };
    Rig a, b;
    th_pair(&a, &b, false, false, 400);
    Rig *rs[2] = { &a, &b };
    th_traced[0] = th_traced[1] = 0;
    for (int step = 0; step < 120; step++) {
        if (step == 40) {
            for (int k = 0; k < 2; k++) {
                rs[k]->tc->trace.opaque = &ids[k];
                rs[k]->tc->trace.executing = th_count;
            }
            assert_true(tc_set_backend(b.tc, BACKEND_X64, false));
        }
        rig_run(&a, 97);
        rig_run(&b, 97);
        same_state(&a, &b);
        assert_int_equal(th_traced[0], th_traced[1]);
    }
    assert_true(th_traced[1] > 1000);
    rig_pair_free(&a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indirect_calls),
        cmocka_unit_test(indirect_faults),
        cmocka_unit_test(thunk_each_reg),
        cmocka_unit_test(thunk_rewritten),
        cmocka_unit_test(thunk_page_faults),
        cmocka_unit_test(thunk_not_thunks),
        cmocka_unit_test(thunk_traced),
        cmocka_unit_test(thunk_cs_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
