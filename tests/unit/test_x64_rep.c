/*
 * test_x64_rep.c - the x64 backend's inline REP STOS/MOVS (byte and
 * dword, flat blocks: translate/x64_more.c's emit_rep_string) against the
 * threaded backend, slice by slice: counts 0, 1, small, up to a page's
 * end and across it, DF set, overlapping copies, a destination on a code
 * page (the handler's SMC path) or on a not-present page (#PF), and
 * deadlines landing inside and right after each REP.
 */
#include "x64_rig.h"

#define CODE 0x1000
#define GDT 0x500
#define IDT 0x600
#define TABLE 0x5000    /* 64 cases x 4 operations x (ECX, EDI, EAX/ESI, EFLAGS) */
#define FAULTS 0x6000   /* the #PF handler's count */
#define CODE2 0x7000    /* a second code page (a RET the loop calls) */
#define BUF 0x20000     /* 0x20000-0x27fff, 0x24000 not present */
#define BUF_END 0x28000
#define HOLE 0x24000

/* nasm, bits 32, org 0x1000: each round (EBP) picks case EBP & 63 and runs
 * REP STOSB, REP STOSD, REP MOVSB, REP MOVSD with ECX, EDI, EAX or ESI and
 * EFLAGS (POPFD: DF) from the table. */
static const uint8_t prog[] = {
    0x45,                               /* top: inc ebp */
    0x89, 0xeb,                         /* mov ebx, ebp */
    0x83, 0xe3, 0x3f,                   /* and ebx, 63 */
    0xc1, 0xe3, 0x06,                   /* shl ebx, 6 */
    0xe8, 0xf2, 0x5f, 0x00, 0x00,       /* call 0x7000 */
    0xff, 0xb3, 0x0c, 0x50, 0x00, 0x00, /* push dword [ebx+0x500c] */
    0x9d,                               /* popfd */
    0x8b, 0x8b, 0x00, 0x50, 0x00, 0x00, /* mov ecx, [ebx+0x5000] */
    0x8b, 0xbb, 0x04, 0x50, 0x00, 0x00, /* mov edi, [ebx+0x5004] */
    0x8b, 0x83, 0x08, 0x50, 0x00, 0x00, /* mov eax, [ebx+0x5008] */
    0xf3, 0xaa,                         /* rep stosb */
    0xff, 0xb3, 0x1c, 0x50, 0x00, 0x00, /* push dword [ebx+0x501c] */
    0x9d,                               /* popfd */
    0x8b, 0x8b, 0x10, 0x50, 0x00, 0x00, /* mov ecx, [ebx+0x5010] */
    0x8b, 0xbb, 0x14, 0x50, 0x00, 0x00, /* mov edi, [ebx+0x5014] */
    0x8b, 0x83, 0x18, 0x50, 0x00, 0x00, /* mov eax, [ebx+0x5018] */
    0xf3, 0xab,                         /* rep stosd */
    0xff, 0xb3, 0x2c, 0x50, 0x00, 0x00, /* push dword [ebx+0x502c] */
    0x9d,                               /* popfd */
    0x8b, 0x8b, 0x20, 0x50, 0x00, 0x00, /* mov ecx, [ebx+0x5020] */
    0x8b, 0xbb, 0x24, 0x50, 0x00, 0x00, /* mov edi, [ebx+0x5024] */
    0x8b, 0xb3, 0x28, 0x50, 0x00, 0x00, /* mov esi, [ebx+0x5028] */
    0xf3, 0xa4,                         /* rep movsb */
    0xff, 0xb3, 0x3c, 0x50, 0x00, 0x00, /* push dword [ebx+0x503c] */
    0x9d,                               /* popfd */
    0x8b, 0x8b, 0x30, 0x50, 0x00, 0x00, /* mov ecx, [ebx+0x5030] */
    0x8b, 0xbb, 0x34, 0x50, 0x00, 0x00, /* mov edi, [ebx+0x5034] */
    0x8b, 0xb3, 0x38, 0x50, 0x00, 0x00, /* mov esi, [ebx+0x5038] */
    0x42,                               /* inc edx */
    0xf3, 0xa5,                         /* rep movsd */
    0x01, 0xca,                         /* add edx, ecx */
    0xeb, 0x81,                         /* jmp top */
};

/* At 0x1100, #PF: count it, ECX = 0 (the REP ends there), IRETD. */
static const uint8_t pf_handler[] = {
    0x83, 0xc4, 0x04,                   /* add esp, 4 (the error code) */
    0xff, 0x05, 0x00, 0x60, 0x00, 0x00, /* inc dword [0x6000] */
    0x31, 0xc9,                         /* xor ecx, ecx */
    0xcf,                               /* iretd */
};

static uint32_t rng = 2718281;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

static void wr32(Rig *r, uint32_t a, uint32_t v)
{
    memcpy(r->mem->ram + a, &v, 4);
}

/* One operation's count, destination and source (n: the element size). */
static void gen_op(uint32_t *t, int n, bool movs)
{
    bool df = rnd(7) == 0;
    uint32_t dst, count;
    int where = (int)rnd(10);
    if (where == 0)
        dst = CODE2 + 0x400 + rnd(0x300);          /* the code page */
    else if (where == 1)
        dst = HOLE - 1 - rnd(64);                  /* runs into the hole */
    else
        dst = BUF + rnd(BUF_END - BUF - 0x40);
    uint32_t room = 0x1000 - (dst & 0xfff);
    switch (rnd(6)) {
    case 0: count = rnd(2); break;                 /* 0 or 1 */
    case 1: count = 2 + rnd(30); break;
    case 2: count = room / (uint32_t)n; break;      /* up to the page's end */
    case 3: count = room / (uint32_t)n + 1 + rnd(8); break; /* across it */
    case 4: count = rnd(0x1000 / (uint32_t)n + 1); break;
    default: count = 100 + rnd(3000); break;
    }
    /* stay inside the buffer (or below the stack for the code page) */
    uint32_t lo = where == 0 ? CODE2 + 0x400 : BUF, hi = where == 0 ? 0x8800 : BUF_END;
    if (df) {
        if (dst - lo < count * (uint32_t)n)
            count = (dst - lo) / (uint32_t)n;
    } else if (hi - dst < count * (uint32_t)n + 4) {
        count = (hi - dst - 4) / (uint32_t)n;
    }
    uint32_t src;
    if (!movs)
        src = rng;                                 /* the fill value */
    else if (rnd(4) == 0)
        src = dst + rnd(9) - 4;                    /* overlapping */
    else
        src = BUF + rnd(BUF_END - BUF - 0x40);
    t[0] = count;
    t[1] = dst;
    t[2] = src;
    t[3] = 0x2 | (df ? X86_EFLAGS_DF : 0) | (rnd(2) ? X86_EFLAGS_CF : 0);
}

static void setup(Rig *r, const uint32_t *table)
{
    Cpu *c = &r->cpu;
    rig_set_pm32(r, true);
    rig_load(r, CODE, prog, sizeof(prog));
    memcpy(r->mem->ram + 0x1100, pf_handler, sizeof(pf_handler));
    r->mem->ram[CODE2] = 0xc3; /* ret */
    memcpy(r->mem->ram + TABLE, table, 64 * 64);
    for (uint32_t a = BUF; a < BUF_END; a += 4)
        wr32(r, a, a * 0x9e3779b9u);
    /* identity paging of 2 MiB, the hole not present */
    wr32(r, 0x10000, 0x11000 | 3);
    for (uint32_t i = 0; i < 512; i++)
        wr32(r, 0x11000 + 4 * i, (i << 12) | 3);
    wr32(r, 0x11000 + 4 * (HOLE >> 12), 0);
    static const uint32_t gdt[] = { 0, 0, 0x0000ffff, 0x00cf9b00, 0x0000ffff, 0x00cf9300 };
    memcpy(r->mem->ram + GDT, gdt, sizeof(gdt));
    c->gdtr.base = GDT;
    c->gdtr.limit = sizeof(gdt) - 1;
    wr32(r, IDT + 8 * 14, (0x08u << 16) | 0x1100);
    wr32(r, IDT + 8 * 14 + 4, 0x8e00);
    c->idtr.base = IDT;
    c->idtr.limit = 8 * 15 - 1;
    cpu_set_cr3(c, 0x10000);
    cpu_set_cr0(c, c->cr0 | X86_CR0_PG);
    c->r[R_ESP] = 0x9000;
    c->r[R_EBP] = c->r[R_EDX] = 0;
}

static void same_state(const Rig *a, const Rig *b)
{
    rig_pair_same_cpu(a, b);
    assert_memory_equal(a->mem->ram + BUF, b->mem->ram + BUF, BUF_END - BUF);
    assert_memory_equal(a->mem->ram + CODE2, b->mem->ram + CODE2, 0x1800);
}

/* Slices of 1..97 instructions, so deadlines land everywhere in and
 * around the REPs; everything compared after each. */
static void rep_cases(void **state)
{
    (void)state;
    static uint32_t table[64 * 16];
    for (int i = 0; i < 64; i++)
        for (int k = 0; k < 4; k++)
            gen_op(&table[i * 16 + k * 4], (k & 1) ? 4 : 1, k >= 2);
    Rig a, b;
    rig_pair_init(&a, &b);
    setup(&a, table);
    setup(&b, table);
    for (int i = 0; i < 3000; i++) {
        uint64_t n = 1 + (uint64_t)(i * 37 % 97);
        rig_run(&a, n);
        rig_run(&b, n);
        same_state(&a, &b);
    }
    /* long slices: whole blocks and chains */
    for (int i = 0; i < 200; i++) {
        rig_run(&a, 5000);
        rig_run(&b, 5000);
        same_state(&a, &b);
    }
    uint32_t faults;
    memcpy(&faults, b.mem->ram + FAULTS, 4);
    assert_true(faults > 10);
    assert_int_equal(memcmp(a.mem->ram + FAULTS, b.mem->ram + FAULTS, 4), 0);
    assert_true(b.cpu.r[R_EBP] > 64 * 4); /* every case ran several times */
    rig_pair_free(&a, &b);
}

/* A block that loops on itself with REPs in it (not a self loop: each REP
 * retires ECX instructions, which the loop's budget does not see). */
static void rep_in_loop(void **state)
{
    (void)state;
    static const uint8_t loop[] = {
        0xb9, 0x25, 0x00, 0x00, 0x00, /* top: mov ecx, 37 */
        0xbf, 0x00, 0x00, 0x02, 0x00, /* mov edi, 0x20000 */
        0xf3, 0xaa,                   /* rep stosb */
        0x83, 0xc0, 0x01,             /* add eax, 1 */
        0xb9, 0x01, 0x00, 0x00, 0x00, /* mov ecx, 1 */
        0xbe, 0x00, 0x10, 0x02, 0x00, /* mov esi, 0x21000 */
        0xf3, 0xa5,                   /* rep movsd */
        0xeb, 0xe3,                   /* jmp top */
    };
    Rig a, b;
    Rig *rs[2];
    rig_pair_pm32(&a, &b, rs, true, CODE, loop, sizeof(loop));
    for (int i = 0; i < 400; i++) {
        uint64_t n = 1 + (uint64_t)(i * 53 % 97) + (i % 3 ? 0 : 1000);
        rig_run(&a, n);
        rig_run(&b, n);
        rig_pair_same_cpu(&a, &b);
        assert_memory_equal(a.mem->ram + BUF, b.mem->ram + BUF, 0x2000);
    }
    rig_pair_free(&a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rep_cases),
        cmocka_unit_test(rep_in_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
