/*
 * test_x64.c - the x86-64 backend against the threaded one (DESIGN.md
 * section 3, invariant 1): random straight-line blocks of the
 * instructions the backend runs inline (and some it does not), run from
 * the same state on two machines, must leave the same registers, flags,
 * EIP, instruction count and memory.
 */
#include "x64_rig.h"
#include "cpu/decode.h"
#include "translate/x64emit.h"

#define DATA 0x4000u
#define CODE 0x1000u

static uint32_t rng = 12345;
/* Generate and run 32-bit protected-mode code (flat or not) instead of
 * real-mode code. */
static bool pm32;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* A register that may be a destination: not SP (the stack) nor BX (the
 * data pointer); for byte registers, not BL or BH. */
static int dst16(void)
{
    static const int ok[] = { 0, 1, 2, 5, 6, 7 };
    return ok[rnd() % 6];
}

static int dst8(void)
{
    static const int ok[] = { 0, 1, 2, 4, 5, 6 };
    return ok[rnd() % 6];
}

/* A memory operand (ModRM and displacement) at p for DATA + disp: 16-bit
 * [bx+disp8], or with a32 (the instruction has a 0x67 prefix) one of the
 * 32-bit forms [ebx+disp8], [ebx*2+disp32], [ebx+ebx+disp32] (the x64
 * backend computes those with one LEA). Returns its length. */
static int mem_op(uint8_t *p, int reg, int disp, bool a32)
{
    int n = 0;
    if (!a32) {
        p[n++] = (uint8_t)(0x47 | (reg << 3));
        p[n++] = (uint8_t)disp;
        return n;
    }
    int32_t d32 = disp - (int32_t)DATA; /* EBX = DATA: 2 * EBX = DATA + DATA */
    switch (rnd() % 3) {
    case 0:
        p[n++] = (uint8_t)(0x43 | (reg << 3));
        p[n++] = (uint8_t)disp;
        break;
    case 1:
        p[n++] = (uint8_t)(0x04 | (reg << 3));
        p[n++] = 0x5d; /* ebx*2, no base */
        memcpy(p + n, &d32, 4);
        n += 4;
        break;
    default:
        p[n++] = (uint8_t)(0x84 | (reg << 3));
        p[n++] = 0x1b; /* ebx + ebx */
        memcpy(p + n, &d32, 4);
        n += 4;
        break;
    }
    return n;
}

/* One random instruction at p; returns its length. */
static int gen_insn(uint8_t *p)
{
    int n = 0;
    bool o32 = rnd() & 1;      /* a 0x66 prefix */
    bool op32 = o32 != pm32;   /* the operand size it gives */
    static const int alu[] = { 0, 1, 2, 3, 4, 5, 6, 7 }; /* ADC/SBB too: handlers */
    int kind = (int)(rnd() % 26);
    bool mem = kind == 25 || (rnd() % 3) == 0; /* CMPXCHG8B: memory only */
    int disp = (int)(rnd() % 120);
    if (kind == 13 || (kind == 24 && (rnd() & 1))) {
        /* a shift by CL: the count first, 0..33 (masked to 5 bits); for
         * SHLD/SHRD 0..40 (0, 1, 16, 17-31 on a 16-bit operand, 32) */
        p[n++] = 0xb1;
        p[n++] = (uint8_t)(rnd() % (kind == 13 ? 34 : 41));
    }
    if (o32 && kind != 11)
        p[n++] = 0x66;
    /* 32-bit addressing for the forms that take mem_op (in 32-bit code
     * always, without a prefix) */
    bool a32 = mem && (kind <= 7 || kind >= 12) && (pm32 || (kind != 6 && (rnd() & 1)));
    if (a32 && !pm32)
        p[n++] = 0x67;
    switch (kind) {
    case 0: case 1: { /* ALU E,G / G,E in all widths */
        int g = alu[rnd() % 8];
        int form = (int)(rnd() % 4);
        bool byte = !(form & 1);
        p[n++] = (uint8_t)(g * 8 + form);
        int reg = (form & 2) ? (byte ? dst8() : dst16()) : (int)(rnd() % 8);
        if (mem) {
            n += mem_op(p + n, reg, disp, a32);
        } else {
            int rm = (form & 2) ? (int)(rnd() % 8) : (byte ? dst8() : dst16());
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | rm);
        }
        break;
    }
    case 2: { /* group 1 with an immediate */
        int op = (int[]){ 0x80, 0x81, 0x83 }[rnd() % 3];
        p[n++] = (uint8_t)op;
        int g = (int)(rnd() % 8);
        if (mem) {
            n += mem_op(p + n, g, disp, a32);
        } else {
            p[n++] = (uint8_t)(0xc0 | (g << 3) | (op == 0x80 ? dst8() : dst16()));
        }
        int ib = op == 0x81 ? (op32 ? 4 : 2) : 1;
        for (int i = 0; i < ib; i++)
            p[n++] = (uint8_t)rnd();
        break;
    }
    case 3: /* INC/DEC */
        if (rnd() & 1) {
            p[n++] = (uint8_t)(0x40 + (rnd() & 8) + dst16());
        } else {
            bool byte = rnd() & 1;
            p[n++] = byte ? 0xfe : 0xff;
            int g = (int)(rnd() % 2);
            if (mem) {
                n += mem_op(p + n, g, disp, a32);
            } else {
                p[n++] = (uint8_t)(0xc0 | (g << 3) | (byte ? dst8() : dst16()));
            }
        }
        break;
    case 4: { /* shifts by an immediate or 1 */
        int op = (int)(0xc0 + (rnd() % 2) + ((rnd() & 1) ? 0x10 : 0));
        int g = (int[]){ 4, 5, 7, 0, 1 }[rnd() % 5];
        p[n++] = (uint8_t)op;
        p[n++] = (uint8_t)(0xc0 | (g << 3) | ((op & 1) ? dst16() : dst8()));
        if (op < 0xd0)
            p[n++] = (uint8_t)(rnd() % 34);
        break;
    }
    case 5: { /* MOV forms */
        int op = 0x88 + (int)(rnd() % 4);
        bool byte = !(op & 1);
        p[n++] = (uint8_t)op;
        int reg = (op & 2) ? (byte ? dst8() : dst16()) : (int)(rnd() % 8);
        if (mem) {
            n += mem_op(p + n, reg, disp, a32);
        } else {
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | ((op & 2) ? (int)(rnd() % 8) : (byte ? dst8() : dst16())));
        }
        break;
    }
    case 6: { /* MOV r, imm and MOV [m], imm */
        if (rnd() & 1) {
            bool byte = rnd() & 1;
            p[n++] = (uint8_t)((byte ? 0xb0 : 0xb8) + (byte ? dst8() : dst16()));
            int ib = byte ? 1 : (op32 ? 4 : 2);
            for (int i = 0; i < ib; i++)
                p[n++] = (uint8_t)rnd();
        } else {
            bool byte = rnd() & 1;
            p[n++] = byte ? 0xc6 : 0xc7;
            if (pm32)
                n += mem_op(p + n, 0, disp, true);
            else {
                p[n++] = 0x47;
                p[n++] = (uint8_t)disp;
            }
            int ib = byte ? 1 : (op32 ? 4 : 2);
            for (int i = 0; i < ib; i++)
                p[n++] = (uint8_t)rnd();
        }
        break;
    }
    case 7: /* MOVZX/MOVSX */
        p[n++] = 0x0f;
        p[n++] = (uint8_t)((int[]){ 0xb6, 0xb7, 0xbe, 0xbf }[rnd() % 4]);
        if (mem) {
            n += mem_op(p + n, dst16(), disp, a32);
        } else {
            p[n++] = (uint8_t)(0xc0 | (dst16() << 3) | (int)(rnd() % 8));
        }
        break;
    case 8: { /* LEA (in 32-bit code no SIB form: rm 4 becomes EBX) */
        int rm = (int)(rnd() % 8);
        if (pm32 && rm == 4)
            rm = 3;
        p[n++] = 0x8d;
        p[n++] = (uint8_t)(0x40 | (dst16() << 3) | rm);
        p[n++] = (uint8_t)rnd();
        break;
    }
    case 9: /* TEST */
        if (rnd() & 1) {
            p[n++] = (uint8_t)(0x84 + (rnd() % 2));
            p[n++] = (uint8_t)(0xc0 | (int)(rnd() % 64));
        } else {
            p[n++] = 0xa9;
            p[n++] = (uint8_t)rnd();
            p[n++] = (uint8_t)rnd();
            if (op32) {
                p[n++] = (uint8_t)rnd();
                p[n++] = (uint8_t)rnd();
            }
        }
        break;
    case 10: /* PUSH r; POP r (a 16-bit stack: the stub path) */
        p[n++] = (uint8_t)(0x50 + (rnd() % 8));
        if (o32)
            p[n++] = 0x66;
        p[n++] = (uint8_t)(0x58 + dst16());
        break;
    case 12: { /* IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B) */
        int op = (int[]){ 0xaf, 0x69, 0x6b }[rnd() % 3];
        if (op == 0xaf)
            p[n++] = 0x0f;
        p[n++] = (uint8_t)op;
        int reg = dst16();
        if (mem)
            n += mem_op(p + n, reg, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | (int)(rnd() % 8));
        int ib = op == 0x6b ? 1 : op == 0x69 ? (op32 ? 4 : 2) : 0;
        for (int i = 0; i < ib; i++)
            p[n++] = (uint8_t)rnd();
        break;
    }
    case 13: { /* shifts and rotates by CL in all widths */
        bool byte = rnd() & 1;
        int g = (int)(rnd() % 8);
        if (g == 6)
            g = 4;
        p[n++] = byte ? 0xd2 : 0xd3;
        if (mem)
            n += mem_op(p + n, g, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (g << 3) | (byte ? dst8() : dst16()));
        break;
    }
    case 14: { /* CMOVcc r, r/m */
        p[n++] = 0x0f;
        p[n++] = (uint8_t)(0x40 + rnd() % 16);
        int reg = dst16();
        if (mem)
            n += mem_op(p + n, reg, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | (int)(rnd() % 8));
        break;
    }
    case 15: /* SETcc r/m8 */
        p[n++] = 0x0f;
        p[n++] = (uint8_t)(0x90 + rnd() % 16);
        if (mem)
            n += mem_op(p + n, 0, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | dst8());
        break;
    case 16: { /* NOT, NEG, MUL, IMUL r/m */
        bool byte = rnd() & 1;
        int g = 2 + (int)(rnd() % 4);
        p[n++] = byte ? 0xf6 : 0xf7;
        if (mem)
            n += mem_op(p + n, g, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (g << 3) | (byte ? dst8() : dst16()));
        break;
    }
    case 17: { /* XCHG r/m, r and XCHG eAX, r */
        if (rnd() % 3 == 0) {
            p[n++] = (uint8_t)(0x90 + dst16());
            break;
        }
        bool byte = rnd() & 1;
        int reg = byte ? dst8() : dst16();
        p[n++] = byte ? 0x86 : 0x87;
        if (mem)
            n += mem_op(p + n, reg, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | (byte ? dst8() : dst16()));
        break;
    }
    case 18: { /* MOV AL/eAX, moffs (A0, A1) and back (A2, A3) into the data */
        p[n++] = (uint8_t)(0xa0 + rnd() % 4);
        uint32_t off = DATA + (uint32_t)disp;
        int ob = (a32 || pm32) ? 4 : 2;
        for (int i = 0; i < ob; i++)
            p[n++] = (uint8_t)(off >> (8 * i));
        break;
    }
    case 19: /* PUSH imm, PUSH r/m, POP r/m (also [esp-16]), PUSHF, LEAVE */
        switch (rnd() % 6) {
        case 0:
            p[n++] = 0x6a;
            p[n++] = (uint8_t)rnd();
            break;
        case 1:
            p[n++] = 0x68;
            for (int i = 0; i < (op32 ? 4 : 2); i++)
                p[n++] = (uint8_t)rnd();
            break;
        case 2:
            p[n++] = 0xff;
            if (mem)
                n += mem_op(p + n, 6, disp, a32);
            else
                p[n++] = (uint8_t)(0xf0 | (rnd() % 8));
            break;
        case 3:
            p[n++] = 0x8f;
            if (mem && a32 && (rnd() & 1)) {
                p[n++] = 0x44; /* [esp-16]: addressed with ESP after the pop */
                p[n++] = 0x24;
                p[n++] = 0xf0;
            } else if (mem) {
                n += mem_op(p + n, 0, disp, a32);
            } else {
                p[n++] = (uint8_t)(0xc0 | dst16());
            }
            break;
        case 4:
            p[n++] = 0x9c;
            break;
        default: /* MOV EBP, ESP; LEAVE (a 0x66 prefix makes the first a NOP:
                  * a 16-bit MOV in 32-bit code would leave EBP's random
                  * upper half, beyond the stack segment) */
            if (o32)
                p[n++] = 0x90;
            p[n++] = 0x89;
            p[n++] = 0xe5;
            if (o32)
                p[n++] = 0x66;
            p[n++] = 0xc9;
            break;
        }
        break;
    case 20: { /* BT/BTS/BTR/BTC r, r; r/m, imm8; [m], r (a bit string) */
        if (mem && (rnd() & 1)) {
            /* mov (e)cx, -64..299 (the offset), then bt* [m], (e)cx */
            uint32_t off = (uint32_t)((int)(rnd() % 364) - 64);
            p[n++] = 0xb9;
            for (int i = 0; i < (op32 ? 4 : 2); i++)
                p[n++] = (uint8_t)(off >> (8 * i));
            if (o32)
                p[n++] = 0x66;
            if (a32 && !pm32)
                p[n++] = 0x67;
            p[n++] = 0x0f;
            p[n++] = (uint8_t)(0xa3 + 8 * (rnd() % 4));
            n += mem_op(p + n, R_ECX, disp, a32);
            break;
        }
        p[n++] = 0x0f;
        if (mem || (rnd() & 1)) {
            p[n++] = 0xba;
            int g = 4 + (int)(rnd() % 4);
            if (mem)
                n += mem_op(p + n, g, disp, a32);
            else
                p[n++] = (uint8_t)(0xc0 | (g << 3) | dst16());
            p[n++] = (uint8_t)rnd();
        } else {
            p[n++] = (uint8_t)(0xa3 + 8 * (rnd() % 4));
            p[n++] = (uint8_t)(0xc0 | ((rnd() % 8) << 3) | dst16());
        }
        break;
    }
    case 21: { /* XADD, CMPXCHG r/m, r in all widths (LOCK on memory) */
        bool byte = rnd() & 1;
        int reg = byte ? dst8() : dst16();
        if (mem && (rnd() & 1)) {
            memmove(p + 1, p, (size_t)n); /* LOCK before the other prefixes */
            p[0] = 0xf0;
            n++;
        }
        p[n++] = 0x0f;
        p[n++] = (uint8_t)((rnd() & 1 ? 0xc0 : 0xb0) + (byte ? 0 : 1));
        if (mem)
            n += mem_op(p + n, reg, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | (byte ? dst8() : dst16()));
        break;
    }
    case 22: { /* MOV eSI, imm; MOV eDI, imm; maybe STD; MOVS/STOS/LODS */
        /* 32-bit addressing takes ESI and EDI only when they were loaded
         * whole; 16-bit addressing the low halves (the upper ones random) */
        bool s32 = op32 && (rnd() & 1);
        for (int r = 6; r <= 7; r++) {
            if (r == 7 && o32)
                p[n++] = 0x66;
            p[n++] = (uint8_t)(0xb8 + r);
            uint32_t v = DATA + rnd() % 100 + (s32 ? 0 : (rnd() & 0xffff0000u));
            for (int i = 0; i < (op32 ? 4 : 2); i++)
                p[n++] = (uint8_t)(v >> (8 * i));
        }
        if (rnd() % 4 == 0)
            p[n++] = 0xfd; /* STD: the block's later steps go down */
        if (s32 != pm32)
            p[n++] = 0x67;
        if (rnd() & 1)
            p[n++] = 0x66;
        p[n++] = (uint8_t)((int[]){ 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad }[rnd() % 6]);
        break;
    }
    case 23: { /* DIV r/m: a divisor made odd (OR 1), the dividend's high half 0 */
        bool byte = rnd() & 1;
        p[n++] = 0x80; /* or byte [m] / cl, 1 */
        if (mem)
            n += mem_op(p + n, 1, disp, a32);
        else
            p[n++] = 0xc9;
        p[n++] = 1;
        if (byte) {
            p[n++] = 0xb4; /* mov ah, 0 */
            p[n++] = 0;
        } else {
            p[n++] = 0x31; /* xor (e)dx, (e)dx */
            p[n++] = 0xd2;
        }
        if (o32)
            p[n++] = 0x66;
        if (a32 && !pm32)
            p[n++] = 0x67;
        p[n++] = byte ? 0xf6 : 0xf7;
        if (mem)
            n += mem_op(p + n, 6, disp, a32);
        else
            p[n++] = 0xf1; /* div cl/cx/ecx */
        break;
    }
    case 24: { /* SHLD/SHRD r/m, r, imm8 (0..40) or CL (set above, or as it is) */
        bool by_cl = rnd() & 1;
        p[n++] = 0x0f;
        p[n++] = (uint8_t)((rnd() & 1 ? 0xa4 : 0xac) + by_cl);
        int reg = (int)(rnd() % 8);
        if (mem)
            n += mem_op(p + n, reg, disp, a32);
        else
            p[n++] = (uint8_t)(0xc0 | (reg << 3) | dst16());
        if (!by_cl)
            p[n++] = (uint8_t)(rnd() % 41);
        break;
    }
    case 25: { /* CMPXCHG8B [m] (LOCK or not): half the time EDX:EAX loaded
                * from the operand first (equal when the loads are 32-bit) */
        bool load = rnd() & 1;
        if (load) {
            p[n++] = 0x8b; /* mov eAX, [m] (with the prefixes above) */
            n += mem_op(p + n, R_EAX, disp, a32);
            if (o32)
                p[n++] = 0x66;
            if (a32 && !pm32)
                p[n++] = 0x67;
            p[n++] = 0x8b; /* mov eDX, [m + 4] */
            n += mem_op(p + n, R_EDX, disp + 4, a32);
            if (rnd() & 1)
                p[n++] = 0x66;
            if (a32 && !pm32)
                p[n++] = 0x67;
        }
        if (rnd() & 1)
            p[n++] = 0xf0;
        p[n++] = 0x0f;
        p[n++] = 0xc7;
        n += mem_op(p + n, 1, disp, a32);
        break;
    }
    default: /* a handler-only instruction between inline ones */
        p[n++] = (uint8_t)((int[]){ 0xf5, 0xf8, 0xf9, 0x98, 0x99 }[rnd() % 5]); /* CMC CLC STC CBW CWD */
        break;
    }
    return n;
}

typedef struct Prog {
    uint8_t code[64 * 16];
    int len;
} Prog;

static void gen_prog(Prog *pr)
{
    int k = 1 + (int)(rnd() % 40);
    pr->len = 0;
    for (int i = 0; i < k; i++)
        pr->len += gen_insn(pr->code + pr->len);
    /* the branch: Jcc rel8 over two NOPs, so taken and not taken differ */
    pr->code[pr->len++] = (uint8_t)(0x70 + (rnd() % 16));
    pr->code[pr->len++] = 2;
    pr->code[pr->len++] = 0x90;
    pr->code[pr->len++] = 0x90;
}

static void setup_state(Rig *r, const uint32_t *regs, uint32_t flags, const uint8_t *data, bool cold_tlb)
{
    /* a cold TLB sends the block's first memory access through its stub */
    if (cold_tlb)
        mem_tlb_flush(r->mem);
    for (int i = 0; i < 8; i++)
        r->cpu.r[i] = regs[i];
    r->cpu.r[R_ESP] = 0x8000;
    r->cpu.r[R_EBX] = DATA;
    r->cpu.eflags = X86_EFLAGS_FIXED | (flags & X86_EFLAGS_ARITH);
    memcpy(r->mem->ram + DATA, data, 256);
}

/* How many instructions the program holds: decode it. */
static int count_insns(Rig *r, const Prog *pr)
{
    int n = 0, pos = 0;
    while (pos < pr->len - 2) {
        Insn in;
        int l = x86_decode(pr->code + pos, pr->len - pos, pm32, &in);
        assert_true(l > 0);
        pos += l;
        n++;
    }
    (void)r;
    return n;
}

/* Run `runs` random programs threaded (a) and x64 (b). With spread, each
 * program gets its own code segment (nothing is flushed, so the code
 * buffer fills up); otherwise all share a few addresses and the cache is
 * flushed before each. */
static void run_random(Rig *a, Rig *b, int runs, bool spread)
{
    for (int t = 0; t < runs; t++) {
        Prog pr;
        gen_prog(&pr);
        uint32_t regs[8], flags = rnd();
        uint8_t data[256];
        for (int i = 0; i < 8; i++)
            regs[i] = (rnd() & 1) ? rnd() : (rnd() & 0xff);
        for (int i = 0; i < 256; i++)
            data[i] = (uint8_t)rnd();
        int n = count_insns(a, &pr);
        bool cold = rnd() & 1;
        bool flat = rnd() & 1;
        Rig *rs[2] = { a, b };
        for (int k = 0; k < 2; k++) {
            Rig *r = rs[k];
            setup_state(r, regs, flags, data, cold);
            if (pm32)
                rig_set_pm32(r, flat);
            if (spread) {
                uint16_t sel = (uint16_t)(0x1000 + t * 0x10);
                r->cpu.seg[SEG_CS].sel = sel;
                r->cpu.seg[SEG_CS].base = (uint32_t)sel << 4;
                memcpy(r->mem->ram + ((uint32_t)sel << 4), pr.code, (size_t)pr.len);
                r->cpu.eip = 0;
            } else {
                tc_flush(r->tc); /* fresh code each time */
                rig_load(r, CODE + (uint32_t)(t % 8) * 0x200, pr.code, (size_t)pr.len);
            }
            rig_run(r, (uint64_t)n);
        }
        bool same = memcmp(a->cpu.r, b->cpu.r, sizeof(a->cpu.r)) == 0 && a->cpu.eip == b->cpu.eip &&
                    a->cpu.eflags == b->cpu.eflags && a->cpu.icount == b->cpu.icount &&
                    memcmp(a->mem->ram + DATA, b->mem->ram + DATA, 256) == 0 &&
                    memcmp(a->mem->ram + 0x7f00, b->mem->ram + 0x7f00, 0x100) == 0;
        if (!same) {
            fprintf(stderr, "program %d differs (%d instructions):", t, n);
            for (int i = 0; i < pr.len; i++)
                fprintf(stderr, " %02x", pr.code[i]);
            fprintf(stderr, "\n");
            for (int i = 0; i < 8; i++)
                fprintf(stderr, "  r%d threaded %08x x64 %08x\n", i, a->cpu.r[i], b->cpu.r[i]);
            fprintf(stderr, "  eip %08x %08x eflags %08x %08x icount %llu %llu\n", a->cpu.eip, b->cpu.eip,
                    a->cpu.eflags, b->cpu.eflags, (unsigned long long)a->cpu.icount,
                    (unsigned long long)b->cpu.icount);
            fail();
        }
    }
}

static void random_blocks(void **state)
{
    (void)state;
    Rig a, b;
    rig_pair_init(&a, &b);
    run_random(&a, &b, 3000, false);
    printf("3000 random blocks: threaded and x64 agree\n");
    rig_pair_free(&a, &b);
}

/* The same in 32-bit protected mode: the 32-bit stack's inline PUSH/POP,
 * 32-bit addressing without a prefix, and DS/ES/SS flat (the fast path
 * without limit and base) or not (the block's one flat test fails and the
 * rest of it runs through the handlers). */
static void random_blocks_pm32(void **state)
{
    (void)state;
    Rig a, b;
    rig_pair_init(&a, &b);
    pm32 = true;
    run_random(&a, &b, 3000, false);
    pm32 = false;
    printf("3000 random 32-bit protected-mode blocks: threaded and x64 agree\n");
    rig_pair_free(&a, &b);
}

/* A code buffer far smaller than the code run: it is emptied (with the
 * whole cache) whenever it fills, and every block still runs right. */
static void small_buffer(void **state)
{
    (void)state;
    Rig a, b;
    rig_pair_init(&a, &b);
    X64Buf *xb = b.tc->xbuf;
    x64_buf_free(xb);
    assert_true(x64_buf_init(xb, 16u << 10));
    tc_flush(b.tc);
    run_random(&a, &b, 500, true);
    printf("500 blocks through a 16 KiB buffer: %llu resets, %llu bytes emitted\n",
           (unsigned long long)xb->resets, (unsigned long long)xb->bytes_emitted);
    assert_true(xb->resets > 5);
    assert_true(xb->used <= xb->size);
    rig_pair_free(&a, &b);
}

/* A taken branch beyond the CS limit is #GP at the branch (precise: the
 * pushed IP is the branch's), under both backends. */
/* DIV's #DE (a zero divisor, a quotient too wide) is raised by the
 * handler in the stub, at the DIV, with nothing changed: in every width. */
static void divide_error(void **state)
{
    (void)state;
    for (int t = 0; t < 6; t++) {
        int w = (int[]){ 8, 16, 32 }[t % 3];
        uint8_t code[32];
        int n = 0;
        uint8_t divisor = t < 3 ? 0 : 3;
        /* mov eax, 0x0507; mov edx, 5; mov ecx, divisor (o32 each) */
        static const uint8_t mov_ad[] = { 0x66, 0xb8, 0x07, 0x05, 0, 0, 0x66, 0xba, 5, 0, 0, 0 };
        memcpy(code, mov_ad, sizeof(mov_ad));
        n += (int)sizeof(mov_ad);
        code[n++] = 0x66;
        code[n++] = 0xb9;
        code[n++] = divisor;
        code[n++] = 0; code[n++] = 0; code[n++] = 0;
        int div_at = n;
        if (w == 32)
            code[n++] = 0x66;
        code[n++] = w == 8 ? 0xf6 : 0xf7;
        code[n++] = 0xf1; /* div cl/cx/ecx */
        Rig a, b;
        rig_pair_init(&a, &b);
        Rig *rs[2] = { &a, &b };
        for (int k = 0; k < 2; k++) {
            /* #DE's IVT entry: 0:0500, a NOP and a HLT */
            rs[k]->mem->ram[0] = 0x00;
            rs[k]->mem->ram[1] = 0x05;
            rs[k]->mem->ram[0x500] = 0x90;
            rs[k]->mem->ram[0x501] = 0xf4;
            rig_load(rs[k], CODE, code, (size_t)n);
            rig_run(rs[k], 4); /* three MOVs, the DIV faults, the NOP */
            assert_int_equal(rs[k]->cpu.eip, 0x501);
            uint16_t ip;
            memcpy(&ip, rs[k]->mem->ram + rs[k]->cpu.r[R_ESP], 2);
            assert_int_equal(ip, CODE + (uint32_t)div_at);
            assert_int_equal(rs[k]->cpu.r[R_EAX], 0x0507);
            assert_int_equal(rs[k]->cpu.r[R_EDX], 5);
        }
        assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
        assert_int_equal(a.cpu.eflags, b.cpu.eflags);
        assert_int_equal(a.cpu.icount, b.cpu.icount);
        rig_pair_free(&a, &b);
    }
}

/* CMPXCHG8B whose operand runs past DS's limit (offset 0xfffc, real
 * mode): #GP at the instruction with nothing changed, under both backends
 * (the x64 fast path's limit test sends it to the handler), after an
 * inline CMPXCHG8B that succeeded and one that failed. */
static void cmpxchg8b_fault(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x66, 0xb8, 0x11, 0x22, 0x33, 0x44,       /* mov eax, 0x44332211 */
        0x66, 0xba, 0x55, 0x66, 0x77, 0x88,       /* mov edx, 0x88776655 */
        0x66, 0xb9, 0x01, 0x02, 0x03, 0x04,       /* mov ecx, 0x04030201 */
        0x0f, 0xc7, 0x0f,                         /* cmpxchg8b [bx]: equal */
        0x0f, 0xc7, 0x0f,                         /* cmpxchg8b [bx]: not equal now */
        0xbe, 0xfc, 0xff,                         /* mov si, 0xfffc */
        0x0f, 0xc7, 0x0c,                         /* cmpxchg8b [si]: #GP */
    };
    Rig a, b;
    rig_pair_init(&a, &b);
    Rig *rs[2] = { &a, &b };
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->mem->ram[13 * 4 + 0] = 0x00; /* #GP's IVT entry: 0:0500, a NOP and a HLT */
        r->mem->ram[13 * 4 + 1] = 0x05;
        r->mem->ram[0x500] = 0x90;
        r->mem->ram[0x501] = 0xf4;
        r->cpu.r[R_EBX] = DATA;
        r->cpu.r[R_ESP] = 0x8000;
        static const uint32_t q[2] = { 0x44332211, 0x88776655 };
        memcpy(r->mem->ram + DATA, q, 8);
        r->cpu.eflags = X86_EFLAGS_FIXED;
        rig_load(r, CODE, code, sizeof(code));
        rig_run(r, 7); /* three MOVs, two CMPXCHG8B, a MOV, the fault, the NOP */
        assert_int_equal(r->cpu.eip, 0x501);
        uint16_t ip;
        memcpy(&ip, r->mem->ram + r->cpu.r[R_ESP], 2);
        assert_int_equal(ip, CODE + sizeof(code) - 3);
        /* the first stored ECX:EBX, the second loaded it into EDX:EAX */
        uint32_t lo, hi;
        memcpy(&lo, r->mem->ram + DATA, 4);
        memcpy(&hi, r->mem->ram + DATA + 4, 4);
        assert_int_equal(lo, DATA);
        assert_int_equal(hi, 0x04030201);
        assert_int_equal(r->cpu.r[R_EAX], DATA);
        assert_int_equal(r->cpu.r[R_EDX], 0x04030201);
        uint16_t fl;
        memcpy(&fl, r->mem->ram + r->cpu.r[R_ESP] + 4, 2);
        assert_int_equal(fl & X86_EFLAGS_ZF, 0); /* the failed compare's ZF */
    }
    assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
    assert_int_equal(a.cpu.eflags, b.cpu.eflags);
    assert_int_equal(a.cpu.icount, b.cpu.icount);
    rig_pair_free(&a, &b);
}

static void branch_beyond_limit(void **state)
{
    (void)state;
    static const uint8_t jmp32[] = { 0x66, 0xe9, 0x00, 0x01, 0x00, 0x00 };            /* jmp +0x100 (o32) */
    static const uint8_t jcc32[] = { 0xf9, 0x66, 0x0f, 0x82, 0x00, 0x01, 0x00, 0x00 }; /* stc; jc +0x100 */
    const uint8_t *codes[2] = { jmp32, jcc32 };
    size_t lens[2] = { sizeof(jmp32), sizeof(jcc32) };
    for (int t = 0; t < 2; t++) {
        Rig a, b;
        rig_pair_init(&a, &b);
        Rig *rs[2] = { &a, &b };
        for (int k = 0; k < 2; k++) {
            /* #GP's IVT entry: 0:0500, a NOP and a HLT */
            rs[k]->mem->ram[13 * 4 + 0] = 0x00;
            rs[k]->mem->ram[13 * 4 + 1] = 0x05;
            rs[k]->mem->ram[0x500] = 0x90; /* NOP */
            rs[k]->mem->ram[0x501] = 0xf4;
            uint32_t at = 0xfff0u - (uint32_t)lens[t];
            rig_load(rs[k], at, codes[t], lens[t]);
            rig_run(rs[k], (uint64_t)t + 1); /* (STC,) the branch faults, the NOP */
            assert_int_equal(rs[k]->cpu.eip, 0x501);
            /* the pushed IP is the branch's own */
            uint16_t ip;
            memcpy(&ip, rs[k]->mem->ram + rs[k]->cpu.r[R_ESP], 2);
            assert_int_equal(ip, at + (t ? 1 : 0));
        }
        assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
        assert_int_equal(a.cpu.eflags, b.cpu.eflags);
        assert_int_equal(a.cpu.icount, b.cpu.icount);
        rig_pair_free(&a, &b);
    }
}

/* Chaining across pages under paging: a loop of two blocks on two linear
 * pages, chained by the x64 backend, while the test remaps the second
 * page to other code, once with an INVLPG (mem_tlb_flush_page) and once
 * with a CR3 reload: every round must run the code the page maps to now,
 * exactly as the threaded backend does. */
static void wr32(Rig *r, uint32_t a, uint32_t v)
{
    memcpy(r->mem->ram + a, &v, 4);
}

static void chain_across_pages(void **state)
{
    (void)state;
    Rig a, b;
    rig_pair_init(&a, &b);
    Rig *rs[2] = { &a, &b };
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        rig_set_pm32(r, true);
        wr32(r, 0x10000, 0x11000 | 3);
        for (uint32_t i = 0; i < 512; i++)
            wr32(r, 0x11000 + 4 * i, (i << 12) | 3);
        /* 0x1000: inc eax; jmp 0x5000. 0x5000 (phys 0x5000): inc ebx; jmp
         * 0x1000. phys 0x6000 (when mapped at 0x5000): inc edx; jmp 0x1000. */
        static const uint8_t pa[] = { 0x40, 0xe9, 0, 0, 0, 0 };
        static const uint8_t pb[] = { 0x43, 0xe9, 0, 0, 0, 0 };
        static const uint8_t pc[] = { 0x42, 0xe9, 0, 0, 0, 0 };
        memcpy(r->mem->ram + 0x1000, pa, 6);
        wr32(r, 0x1002, 0x5000 - 0x1006);
        memcpy(r->mem->ram + 0x5000, pb, 6);
        wr32(r, 0x5002, 0x1000 - 0x5006);
        memcpy(r->mem->ram + 0x6000, pc, 6);
        wr32(r, 0x6002, 0x1000 - 0x5006);
        cpu_set_cr3(&r->cpu, 0x10000);
        cpu_set_cr0(&r->cpu, r->cpu.cr0 | X86_CR0_PG);
        r->cpu.eip = 0x1000;
        r->cpu.r[R_EDX] = 0; /* not the reset signature */
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 100);
        assert_int_equal(r->cpu.r[R_EBX], 100);
        wr32(r, 0x11000 + 4 * 5, 0x6000 | 3);
        mem_tlb_flush_page(r->mem, 0x5000); /* INVLPG */
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EBX], 100);
        assert_int_equal(r->cpu.r[R_EDX], 100);
        wr32(r, 0x11000 + 4 * 5, 0x5000 | 3);
        cpu_set_cr3(&r->cpu, 0x10000); /* a CR3 reload flushes the TLB */
        rig_run(r, 400);
        assert_int_equal(r->cpu.r[R_EAX], 300);
        assert_int_equal(r->cpu.r[R_EBX], 200);
        assert_int_equal(r->cpu.r[R_EDX], 100);
    }
    assert_true(b.tc->xbuf->links >= 3); /* the cross-page exits were chained */
    printf("chain across pages: %llu links, %llu unlinks\n", (unsigned long long)b.tc->xbuf->links,
           (unsigned long long)b.tc->xbuf->unlinks);
    assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
    assert_int_equal(a.cpu.eip, b.cpu.eip);
    rig_pair_free(&a, &b);
}

/* A chained exit skips storing the flags R8D holds when the target block
 * overwrites them before anything can see them (x64_link reads the
 * target's header). A: add eax, ecx; jmp B. B: adc edx, 0 (reads CF: the
 * exit into B must store the flags); sub ebx, 1; jnz D. D: xor edi, eax;
 * jmp A (D and A overwrite every flag first: those exits skip the store).
 * The run is cut every 101 instructions (chained jumps need 64 left before
 * the deadline), at every point of the 7-instruction round, so the flags
 * the dispatcher sees are compared with the threaded backend's. */
static void chain_flags(void **state)
{
    (void)state;
    static const uint8_t prog[] = {
        0x01, 0xc8, 0xe9, 0x09, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x1000 */
        0x83, 0xd2, 0x00, 0x83, 0xeb, 0x01, 0x0f, 0x85, 0x14, 0x00, 0x00, 0x00, /* 0x1010 */
        0xf4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,           /* 0x101c: hlt (not reached) */
        0x31, 0xc7, 0xe9, 0xc9, 0xff, 0xff, 0xff,                               /* 0x1030 */
    };
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, true, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->cpu.r[R_EAX] = 0x7ffff000u;
        r->cpu.r[R_EBX] = 3000;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
        r->cpu.r[R_EDX] = 0;
    }
    for (int step = 0; step < 198; step++) { /* 19998 instructions: 2856 rounds */
        rig_run(&a, 101);
        rig_run(&b, 101);
        rig_pair_same_cpu(&a, &b);
    }
    assert_int_equal(b.cpu.r[R_EBX], 3000 - 2857); /* the 2857th round's SUB ran */
    assert_true(b.cpu.r[R_EDX] > 0 && b.cpu.r[R_EDX] < 2857); /* some carries, not all */
    assert_true(b.tc->xbuf->links >= 3);
    rig_pair_free(&a, &b);
}

/* Blocks that branch back to their own start keep the guest's registers
 * and flags in host registers around the loop (a Jcc and a JMP loop; CF
 * carried from one round into the next one's ADC, AH written through the
 * Cpu, a load and a store): cut every 97 instructions, so the deadline
 * lands at every point of the loops, the state matches the threaded
 * backend's at every cut. */
static void self_loop_case(bool flat)
{
    static const uint8_t prog[] = {
        0x8a, 0x26,       /* 0x1000: mov ah, [esi] */
        0x11, 0xc2,       /* adc edx, eax */
        0x01, 0xc8,       /* add eax, ecx */
        0x88, 0x06,       /* mov [esi], al */
        0x4b,             /* dec ebx */
        0x75, 0xf5,       /* jnz 0x1000 */
        0x11, 0xcf,       /* 0x100b: adc edi, ecx */
        0xeb, 0xfc,       /* jmp 0x100b */
    };
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, flat, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->cpu.r[R_EAX] = 0x12345678u;
        r->cpu.r[R_EBX] = 2000;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
        r->cpu.r[R_ESI] = 0x3000;
    }
    for (int step = 0; step < 300; step++) { /* 12000 in the first loop, the rest in the second */
        rig_run(&a, 97);
        rig_run(&b, 97);
        rig_pair_same_cpu(&a, &b);
        assert_int_equal(a.mem->ram[0x3000], b.mem->ram[0x3000]);
        assert_int_equal(a.mem->ram[0x3040], b.mem->ram[0x3040]);
    }
    assert_int_equal(b.cpu.r[R_EBX], 0);
    assert_true(b.cpu.eip == 0x100b || b.cpu.eip == 0x100d); /* in the second loop */
    rig_pair_free(&a, &b);
}

/* busybox strlen's loop with a compare whose CF varies: `inc eax; cmp
 * byte [eax], 0x80; jne` loops on itself; the INC leaves the CMP's CF in
 * the flags it captures (the x64 backend sets host CF from R8D before it),
 * which a cut right after the INC stores. Its loads cross pages (the stub,
 * then the fast path). Cut every 97 instructions: every point of the loop
 * matches the threaded backend. */
static void self_loop_inc_case(bool flat)
{
    uint32_t base = flat ? 0 : 0x40; /* rig_set_pm32's DS */
    static const uint8_t prog[] = {
        0x40,             /* 0x1000: inc eax */
        0x80, 0x38, 0x80, /* cmp byte [eax], 0x80 */
        0x75, 0xfa,       /* jne 0x1000 */
        0x4b,             /* dec ebx */
        0xeb, 0xfd,       /* jmp 0x1006 */
    };
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, flat, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        uint32_t x = 7;
        for (uint32_t i = 0; i < 0x2800; i++) {
            x = x * 1103515245u + 12345u;
            uint8_t v = (uint8_t)(x >> 16);
            r->mem->ram[0x3000 + i] = v == 0x80 ? 0x81 : v;
        }
        r->mem->ram[0x3000 + 0x2800] = 0x80;
        r->cpu.eip = 0x1000;
        r->cpu.r[R_EAX] = 0x2fff - base;
        r->cpu.eflags |= X86_EFLAGS_CF;
    }
    for (int step = 0; step < 320; step++) { /* 30720 in the loop, the rest in the second */
        rig_run(&a, 97);
        rig_run(&b, 97);
        rig_pair_same_cpu(&a, &b);
    }
    assert_int_equal(b.cpu.r[R_EAX], 0x3000 + 0x2800 - base);
    assert_true(b.cpu.eip == 0x1006 || b.cpu.eip == 0x1007); /* in the second loop */
    rig_pair_free(&a, &b);
}

static void self_loops(void **state)
{
    (void)state;
    self_loop_case(true);
    self_loop_case(false);
    self_loop_inc_case(true);
    self_loop_inc_case(false);
}

/* A chained jump into a long block needs room for the whole block
 * before the deadline (chain_limit: the deadline less 64): A is 40 ADDs
 * and a JMP to B, B decrements and loops back; cut every 97 instructions,
 * each run must stop on the deadline exactly (rig_run checks) with the
 * threaded backend's state. */
static void chain_long_block(void **state)
{
    (void)state;
    uint8_t prog[0x100];
    memset(prog, 0x90, sizeof(prog));
    for (int k = 0; k < 40; k++) {
        prog[2 * k] = 0x01;
        prog[2 * k + 1] = 0xc8;                   /* add eax, ecx */
    }
    static const uint8_t tail[] = {
        0xe9, 0x1b, 0x00, 0x00, 0x00,             /* 0x1050: jmp 0x1070 */
    };
    static const uint8_t loop[] = {
        0x4b, 0x0f, 0x85, 0x89, 0xff, 0xff, 0xff, /* 0x1070: dec ebx; jnz 0x1000 */
        0xf4,
    };
    memcpy(prog + 0x50, tail, sizeof(tail));
    memcpy(prog + 0x70, loop, sizeof(loop));
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, true, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->cpu.r[R_EBX] = 1000;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
    }
    for (int step = 0; step < 400; step++) { /* 38800 instructions: 900 rounds */
        rig_run(&a, 97);
        rig_run(&b, 97);
        assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
        assert_int_equal(a.cpu.eip, b.cpu.eip);
    }
    assert_true(b.tc->xbuf->links >= 2);
    rig_pair_free(&a, &b);
}

/* A block that ends at its page's end without a branch leaves through a
 * chain site: a loop of such a block (0x1ff0-0x1fff) and one on the next
 * page (dec; jnz back) runs its 1000 rounds chained, not back through the
 * dispatcher at every page end (1000 returns before the site existed). */
static void chain_page_end(void **state)
{
    (void)state;
    uint8_t prog[0x20];
    for (int k = 0; k < 8; k++) {
        prog[2 * k] = 0x01;
        prog[2 * k + 1] = 0xc8;                   /* 0x1ff0: add eax, ecx (8 times) */
    }
    static const uint8_t loop[] = {
        0x4b, 0x0f, 0x85, 0xe9, 0xff, 0xff, 0xff, /* 0x2000: dec ebx; jnz 0x1ff0 */
        0xf4,
    };
    memcpy(prog + 0x10, loop, sizeof(loop));
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, true, 0x1ff0, prog, 0x10 + sizeof(loop));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->cpu.r[R_EBX] = 1000;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
        rig_run(r, 10 * 1000 - 1); /* every round but the last's JNZ */
    }
    assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
    assert_int_equal(a.cpu.eip, b.cpu.eip);
    assert_int_equal(a.cpu.eip, 0x2001);
    const uint64_t *ret = b.tc->xbuf->returns;
    uint64_t n = ret[X64_RET_REQ] + ret[X64_RET_DEADLINE] + ret[X64_RET_SITE] + ret[X64_RET_OTHER];
    printf("chain at a page end: %llu returns to the dispatcher\n", (unsigned long long)n);
    assert_true(n < 100);
    rig_pair_free(&a, &b);
}

/* REP MOVSB and PUSHF; CLI; POPF (IF set again, no interrupt pending)
 * far from the deadline neither end their block nor ask it to stop: a
 * loop of them runs its 500 rounds chained (each of the three sent every
 * round back through the dispatcher before), ending where the threaded
 * backend does. */
static void chain_rep_cli_popf(void **state)
{
    (void)state;
    static const uint8_t prog[] = {
        0xbe, 0x00, 0x30, 0x00, 0x00,             /* 0x1000: mov esi, 0x3000 */
        0xbf, 0x00, 0x31, 0x00, 0x00,             /* mov edi, 0x3100 */
        0xb9, 0x04, 0x00, 0x00, 0x00,             /* mov ecx, 4 */
        0xf3, 0xa4,                               /* rep movsb */
        0x9c, 0xfa, 0x9d,                         /* pushf; cli; popf */
        0x4b, 0x0f, 0x85, 0xe5, 0xff, 0xff, 0xff, /* dec ebx; jnz 0x1000 */
        0xf4,
    };
    Rig a, b, *rs[2];
    rig_pair_pm32(&a, &b, rs, true, 0x1000, prog, sizeof(prog));
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        r->cpu.r[R_EBX] = 500;
        r->cpu.eflags |= X86_EFLAGS_IF;
        memcpy(r->mem->ram + 0x3000, "ring", 4);
        rig_run(r, 12 * 500); /* 3 MOVs, 4 MOVSB, PUSHF, CLI, POPF, DEC, JNZ */
    }
    assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
    assert_int_equal(a.cpu.eip, b.cpu.eip);
    assert_int_equal(a.cpu.eip, 0x1000 + sizeof(prog) - 1);
    assert_memory_equal(b.mem->ram + 0x3100, "ring", 4);
    assert_true(b.cpu.eflags & X86_EFLAGS_IF);
    const uint64_t *ret = b.tc->xbuf->returns;
    uint64_t n = ret[X64_RET_REQ] + ret[X64_RET_DEADLINE] + ret[X64_RET_SITE] + ret[X64_RET_OTHER];
    printf("REP, CLI, POPF in a loop: %llu returns to the dispatcher\n", (unsigned long long)n);
    assert_true(n < 100);
    rig_pair_free(&a, &b);
}

/* A rig whose OUT raises INTR every fifth time (as the PIC's line does:
 * intr and exit_req) and whose acknowledgements record the instruction
 * count they came at. */
typedef struct IntrRig {
    Rig r;
    int nout, nack;
    uint64_t at[8192];
} IntrRig;

static void intr_out(void *opaque, uint16_t port, uint32_t val, int size)
{
    IntrRig *ir = opaque;
    (void)port; (void)val; (void)size;
    if (++ir->nout % 5 == 0) {
        ir->r.cpu.intr = true;
        ir->r.cpu.exit_req = 1;
    }
}

static int intr_ack(void *opaque)
{
    IntrRig *ir = opaque;
    if (ir->nack < (int)(sizeof(ir->at) / sizeof(ir->at[0])))
        ir->at[ir->nack] = ir->r.cpu.icount;
    ir->nack++;
    ir->r.cpu.intr = false;
    return 0x20;
}

/* Flat 32-bit descriptors at 0x500 and an interrupt gate for vector 0x20
 * (handler at 0x2000: inc ebp; iret). */
static void set_intr_tables(Rig *r)
{
    static const uint8_t handler[] = { 0x45, 0xcf };
    wr32(r, 0x508, 0x0000ffffu); wr32(r, 0x50c, 0x00cf9b00u);
    wr32(r, 0x510, 0x0000ffffu); wr32(r, 0x514, 0x00cf9300u);
    r->cpu.gdtr.base = 0x500; r->cpu.gdtr.limit = 0x17;
    wr32(r, 0x600 + 0x20 * 8, 0x00082000u); wr32(r, 0x604 + 0x20 * 8, 0x00008e00u);
    r->cpu.idtr.base = 0x600; r->cpu.idtr.limit = 0x7ff;
    memcpy(r->mem->ram + 0x2000, handler, sizeof(handler));
}

/* Interrupts raised while a chained loop spins (by an OUT in either
 * block, one of them in a CLI/STI window, and at the deadline as the
 * timer does) are taken at the same instruction counts as with the
 * threaded backend: the chained exit's one test of exit_req, exit_reason
 * and chain_stop stands for the dispatcher's checks. A: add eax, ecx;
 * out 0x80, al; jmp B. B: cli; dec ebx; out 0x80, al; sti; nop; jnz A. */
static void chain_interrupts(void **state)
{
    (void)state;
    static const uint8_t prog[] = {
        0x01, 0xc8, 0xe6, 0x80, 0xe9, 0x07, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, /* 0x1000 */
        0xfa, 0x4b, 0xe6, 0x80, 0xfb, 0x90, 0x0f, 0x85, 0xe4, 0xff, 0xff, 0xff,   /* 0x1010 */
        0xf4,
    };
    static IntrRig a, b;
    IntrRig *rs[2] = { &a, &b };
    for (int k = 0; k < 2; k++) {
        IntrRig *ir = rs[k];
        Rig *r = &ir->r;
        memset(ir, 0, sizeof(*ir));
        rig_init(r);
        if (k)
            assert_true(tc_set_backend(r->tc, BACKEND_X64, false));
        rig_set_pm32(r, true);
        set_intr_tables(r);
        rig_load(r, 0x1000, prog, sizeof(prog));
        r->cpu.io.opaque = ir;
        r->cpu.io.out = intr_out;
        r->cpu.irq_ack = intr_ack;
        r->cpu.irq_opaque = ir;
        r->cpu.eflags |= X86_EFLAGS_IF;
        r->cpu.r[R_EBX] = 4000;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
    }
    for (int step = 0; step < 400; step++) { /* 38800 instructions */
        if (step % 3 == 0)
            a.r.cpu.intr = b.r.cpu.intr = true; /* the timer, at the deadline */
        rig_run(&a.r, 97);
        rig_run(&b.r, 97);
        assert_memory_equal(a.r.cpu.r, b.r.cpu.r, sizeof(a.r.cpu.r));
        assert_int_equal(a.r.cpu.eflags, b.r.cpu.eflags);
        assert_int_equal(a.r.cpu.eip, b.r.cpu.eip);
        assert_int_equal(a.nack, b.nack);
    }
    assert_true(b.nack > 1000 && b.nack <= 8192);
    assert_int_equal(b.r.cpu.r[R_EBP], b.nack); /* every one reached the handler */
    assert_memory_equal(a.at, b.at, sizeof(a.at[0]) * (size_t)b.nack);
    assert_true(b.r.tc->xbuf->links >= 2);
    rig_free(&a.r);
    rig_free(&b.r);
}

static int trace_blocks[2];

static void count_block(void *opaque, Cpu *c, const Block *blk)
{
    (void)c; (void)blk;
    trace_blocks[*(int *)opaque]++;
}

/* A trace of executed blocks turned on at run time turns chaining off:
 * from then on every block, every round of a self-loop and every block
 * reached through a RET or a linked jump goes back to the dispatcher and
 * is traced, as with the threaded backend (the dispatcher's chain_stop
 * stops what was linked before). 0x1000: mov esi, 20; 0x1005: add eax,
 * ecx; dec esi; jnz 0x1005 (a self-loop); call 0x1020; dec ebx; jnz
 * 0x1000. 0x1020: add edx, eax; ret. */
static void chain_off_traced(void **state)
{
    (void)state;
    static const uint8_t prog[] = {
        0xbe, 0x14, 0x00, 0x00, 0x00, 0x01, 0xc8, 0x4e, 0x75, 0xfb,      /* 0x1000 */
        0xe8, 0x11, 0x00, 0x00, 0x00, 0x4b, 0x0f, 0x85, 0xea, 0xff, 0xff, 0xff, /* 0x100a */
        0xf4, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x1016 */
        0x01, 0xc2, 0xc3,                                               /* 0x1020 */
    };
    static int ids[2] = { 0, 1 };
    Rig a, b;
    Rig *rs[2] = { &a, &b };
    trace_blocks[0] = trace_blocks[1] = 0;
    for (int k = 0; k < 2; k++) {
        Rig *r = rs[k];
        rig_init(r);
        if (k)
            assert_true(tc_set_backend(r->tc, BACKEND_X64, false));
        rig_set_pm32(r, true);
        rig_load(r, 0x1000, prog, sizeof(prog));
        r->cpu.r[R_EBX] = 600;
        r->cpu.r[R_ECX] = 0x9e3779b9u;
    }
    for (int step = 0; step < 400; step++) {
        if (step == 100) {
            assert_true(b.tc->xbuf->links >= 2);
            for (int k = 0; k < 2; k++) {
                rs[k]->tc->trace.opaque = &ids[k];
                rs[k]->tc->trace.executing = count_block;
            }
            assert_true(tc_set_backend(b.tc, BACKEND_X64, false));
            assert_false(b.tc->xbuf->chaining);
        }
        rig_run(&a, 97);
        rig_run(&b, 97);
        assert_memory_equal(a.cpu.r, b.cpu.r, sizeof(a.cpu.r));
        assert_int_equal(a.cpu.eip, b.cpu.eip);
        assert_int_equal(trace_blocks[0], trace_blocks[1]);
    }
    assert_true(trace_blocks[1] > 8000); /* one per self-loop round */
    rig_pair_free(&a, &b);
}

/* The emitter's encodings, checked by running them. */
static void emitter_runs(void **state)
{
    (void)state;
    X64Buf xb;
    assert_true(x64_buf_init(&xb, 1 << 16));
    Emit e;
    em_init(&e, xb.rw, xb.rw + xb.size);
    /* uint32_t f(uint32_t *p): eax = p[1] + 7; p[0] = eax; return eax */
    em8(&e, 0x53);                              /* push rbx */
    em_op_rr(&e, 0, 0x48, 0x89, HR_DI, HR_BX);  /* mov rbx, rdi */
    em_mov32_load(&e, HR_AX, 4);
    em_alu32_imm(&e, 0, HR_AX, 7);
    em_mov32_store(&e, HR_AX, 0);
    em_add32_mem_imm(&e, 8, 1000);
    em8(&e, 0x5b);
    em8(&e, 0xc3);
    assert_false(e.overflow);
    uint32_t (*f)(uint32_t *) = (uint32_t (*)(uint32_t *))(void *)x64_rx(&xb, xb.rw);
    uint32_t v[3] = { 0, 35, 5 };
    assert_int_equal(f(v), 42);
    assert_int_equal(v[0], 42);
    assert_int_equal(v[2], 1005);
    /* overflow is reported, never written past the end */
    em_init(&e, xb.rw, xb.rw + 3);
    em_mov32_imm(&e, HR_AX, 1);
    assert_true(e.overflow);
    x64_buf_free(&xb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(emitter_runs),
        cmocka_unit_test(random_blocks),
        cmocka_unit_test(random_blocks_pm32),
        cmocka_unit_test(cmpxchg8b_fault),
        cmocka_unit_test(chain_page_end),
        cmocka_unit_test(chain_rep_cli_popf),
        cmocka_unit_test(small_buffer),
        cmocka_unit_test(branch_beyond_limit),
        cmocka_unit_test(divide_error),
        cmocka_unit_test(chain_across_pages),
        cmocka_unit_test(chain_flags),
        cmocka_unit_test(self_loops),
        cmocka_unit_test(chain_long_block),
        cmocka_unit_test(chain_interrupts),
        cmocka_unit_test(chain_off_traced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
