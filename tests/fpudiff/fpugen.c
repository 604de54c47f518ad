/*
 * fpugen.c - the x87 differential test's core, shared by both sides (see
 * fpugen.h and run-fpudiff.sh).
 *
 * Every operation: set up the x87 (FNINIT, a random TOP, a random control
 * word with every RC and PC value and all exceptions masked, 0-8 registers
 * loaded with FLD m80 - which takes any bit pattern without an exception),
 * or, one time in four, continue from the previous operation's FNSAVE
 * image through FRSTOR (so sticky flags, condition codes and odd stack
 * states carry over) with a new control word; fill the operand buffer;
 * execute one instruction from ops.def; then FNSAVE. Compared (hashed per
 * batch): the control, status and tag words from the FNSAVE image, every
 * register whose tag is not empty (the contents of empty registers are
 * whatever an earlier operation left, so they are not part of this one's
 * result), the operand buffer afterwards, EAX (FNSTSW AX) and, for FCOMI
 * and friends, EFLAGS. The FNSAVE instruction and data pointers and the
 * opcode are left out: they hold addresses that differ between the sides.
 *
 * The compiler must never use the x87 itself between the asm statements:
 * both builds use -mno-80387, so the x87 state is the test's alone.
 */
#include "fpugen.h"

enum {
    M_NONE, M_JUNK, M_F32, M_F64, M_F80, M_I16, M_I32, M_I64, M_BCD, M_CW,
    M_MASK = 0xf,
    K_FL = 0x10,
    K_ENV = 0x20,
    K_T = 0x40,
    K_C1 = 0x80, /* C1 differs from the host's by design (classify.py) */
};

enum {
#define OP(name, b0, b1, kind) OP_##name,
#include "ops.def"
#undef OP
    NOPS
};

static const char *const op_name[NOPS] = {
#define OP(name, b0, b1, kind) #name,
#include "ops.def"
#undef OP
};

static const uint16_t op_kind[NOPS] = {
#define OP(name, b0, b1, kind) kind,
#include "ops.def"
#undef OP
};

/* What the asm statements see through ESI: the operand buffer first (the
 * memory operand is [ESI]), then EAX and EFLAGS in and out. */
typedef struct Frame {
    uint8_t mem[32];
    uint32_t eax;
    uint32_t efl;
} Frame;

#define FL_ARITH 0x8d5u /* OF SF ZF AF PF CF */

/* xoshiro128** - 32-bit arithmetic only, cheap on an i386 guest. */
typedef struct Rng {
    uint32_t s[4];
} Rng;

static uint32_t rotl(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

static uint32_t rnd(Rng *r)
{
    uint32_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return res;
}

/* A value in [0, n), n small: the bias of the modulo does not matter. */
static uint32_t below(Rng *r, uint32_t n)
{
    return rnd(r) % n;
}

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Each batch has its own stream, so any batch can be re-run alone. */
static void rng_init(Rng *r, uint32_t seed, uint32_t batch)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = mix(seed * 0x9e3779b9u + batch * 0x85ebca6bu + (uint32_t)i * 0xc2b2ae35u + 1);
}

static uint64_t rnd64(Rng *r)
{
    uint64_t hi = rnd(r);
    return (hi << 32) | rnd(r);
}

/* A random mantissa pattern of `bits` bits: random, all ones, one bit,
 * a random run, or random with the low part cleared or set. */
static uint64_t mant_bits(Rng *r, int bits)
{
    uint64_t all = bits >= 64 ? ~0ull : (1ull << bits) - 1, m;
    switch (below(r, 8)) {
    case 0: m = all; break;
    case 1: m = 1ull << below(r, (uint32_t)bits); break;
    case 2: m = 0; break;
    case 3: m = rnd64(r) >> below(r, 64); break;
    case 4: m = rnd64(r) & ~(all >> below(r, (uint32_t)bits)); break;
    case 5: m = rnd64(r) | (all >> below(r, (uint32_t)bits)); break;
    default: m = rnd64(r); break;
    }
    return m & all;
}

/* An 80-bit value (sign and exponent in hi, 64-bit significand in lo)
 * biased to the special and the boundary cases. */
typedef struct F80v {
    uint64_t m;
    uint16_t se;
} F80v;

static const int16_t range_edges[] = {
    0, 1, 126, 127, 128, -125, -126, -127, -149, -150, -151,
    1022, 1023, 1024, -1021, -1022, -1023, -1074, -1075, -1076,
    15, 16, 31, 32, 62, 63, 64, 65, -16382, -16383, -16444, -16445, 16383,
};

static F80v gen_f80(Rng *r)
{
    F80v v;
    uint16_t sign = (uint16_t)(below(r, 2) << 15);
    uint32_t e;
    switch (below(r, 20)) {
    case 0: /* zero */
        v.m = 0;
        e = 0;
        break;
    case 1: /* denormal */
        v.m = (mant_bits(r, 63) >> below(r, 63)) | 1;
        e = 0;
        break;
    case 2: /* pseudo-denormal: exponent 0 with the integer bit set */
        v.m = (1ull << 63) | mant_bits(r, 63);
        e = 0;
        break;
    case 3: /* infinity */
        v.m = 1ull << 63;
        e = 0x7fff;
        break;
    case 4: /* QNaN, sometimes the real indefinite */
        v.m = below(r, 4) ? (3ull << 62) | mant_bits(r, 62) : 3ull << 62;
        e = 0x7fff;
        break;
    case 5: /* SNaN */
        v.m = (1ull << 63) | mant_bits(r, 62) | (1ull << below(r, 62));
        e = 0x7fff;
        break;
    case 6: /* unsupported: pseudo-NaN, pseudo-infinity, unnormal */
        v.m = mant_bits(r, 63);
        e = below(r, 2) ? 0x7fff : 1 + below(r, 0x7ffe);
        break;
    case 7: /* exponent extremes */
        v.m = (1ull << 63) | mant_bits(r, 63);
        e = (uint32_t[]){ 1, 2, 3, 0x7ffe, 0x7ffd, 0x7ffc }[below(r, 6)];
        break;
    case 8: case 9: /* the float, double and integer range edges */
        v.m = (1ull << 63) | mant_bits(r, 63);
        e = (uint32_t)(0x3fff + range_edges[below(r, sizeof range_edges / sizeof range_edges[0])]
                       + (int32_t)below(r, 5) - 2);
        break;
    case 10: case 11: { /* small integers: FSCALE, FPREM, FRNDINT operands */
        uint32_t k = below(r, 3) ? below(r, 70) : rnd(r);
        if (!k)
            k = 1;
        int b = 31;
        while (!(k >> b))
            b--;
        v.m = (uint64_t)k << (63 - b);
        e = 0x3fff + (uint32_t)b;
        break;
    }
    case 12: case 13: case 14: { /* rounding boundaries: a cut at bit n of
        the significand (24 and 53 bits: precision control and m32/m64
        stores; any: FRNDINT and integer stores) sits at half, just above
        or just below it, or is all zeros or all ones */
        static const uint8_t cuts[] = { 40, 11, 0 };
        int cut = cuts[below(r, 3)];
        e = 0x3fff + below(r, 70) - 4;
        if (!cut) {
            int ebits = (int)e - 0x3fff;
            cut = ebits >= 0 && ebits < 63 ? 63 - ebits : (int)below(r, 63) + 1;
        }
        uint64_t half = 1ull << (cut - 1), low;
        switch (below(r, 6)) {
        case 0: low = half; break;
        case 1: low = half + 1; break;
        case 2: low = half - 1; break;
        case 3: low = 0; break;
        case 4: low = (half << 1) - 1; break;
        default: low = rnd64(r) & ((half << 1) - 1); break;
        }
        v.m = (1ull << 63) | (rnd64(r) & ~((half << 1) - 1)) | low;
        if (below(r, 2))
            e = 0x3fff + below(r, 8); /* 1.0 to 256: FRNDINT, FIST */
        break;
    }
    default: /* ordinary normals, mostly of moderate size */
        v.m = (1ull << 63) | rnd64(r);
        e = below(r, 4) ? 0x3fff + below(r, 160) - 80 : 1 + below(r, 0x7ffe);
        break;
    }
    v.se = (uint16_t)(sign | (e & 0x7fff));
    return v;
}

/* An IEEE single or double (ebits exponent bits, mbits fraction bits). */
static uint64_t gen_ieee(Rng *r, int ebits, int mbits)
{
    uint64_t emax = (1ull << ebits) - 1, bias = emax >> 1, e, m;
    switch (below(r, 10)) {
    case 0: e = 0; m = 0; break;
    case 1: e = 0; m = mant_bits(r, mbits) | 1; break;
    case 2: e = emax; m = 0; break;
    case 3: e = emax; m = mant_bits(r, mbits) | (1ull << (mbits - 1 - (int)below(r, 2))); break;
    case 4: e = (uint64_t[]){ 1, 2, emax - 1, emax - 2 }[below(r, 4)]; m = mant_bits(r, mbits); break;
    case 5: e = bias + below(r, 64) - 2; m = mant_bits(r, mbits); break;
    default: e = bias + below(r, 40) - 20; m = rnd64(r) & ((1ull << mbits) - 1); break;
    }
    return ((uint64_t)below(r, 2) << (ebits + mbits)) | (e << mbits) | m;
}

static uint64_t gen_int(Rng *r, int bits)
{
    uint64_t all = bits == 64 ? ~0ull : (1ull << bits) - 1, min = 1ull << (bits - 1);
    switch (below(r, 8)) {
    case 0: return below(r, 3) - 1ull; /* -1, 0, 1 */
    case 1: return min;
    case 2: return min - 1;
    case 3: return min + 1;
    case 4: return (uint64_t)(int64_t)((int32_t)below(r, 2001) - 1000);
    case 5: return (rnd64(r) >> below(r, 64)) * (below(r, 2) ? 1 : ~0ull);
    default: return rnd64(r) & all;
    }
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_f80(uint8_t *p, F80v v)
{
    put_le(p, v.m, 8);
    put_le(p + 8, v.se, 2);
}

/* Packed BCD: 18 valid digits (FBLD of invalid digits is undefined, SDM
 * vol. 2 FBLD), some leading zeros, a sign byte of 0x00 or 0x80. */
static void gen_bcd(Rng *r, uint8_t *p)
{
    int digits = (int)below(r, 19);
    for (int i = 0; i < 9; i++) {
        int lo = 2 * i < digits ? (int)below(r, 10) : 0;
        int hi = 2 * i + 1 < digits ? (int)below(r, 10) : 0;
        if (below(r, 8) == 0 && 2 * i < digits)
            lo = hi = 9;
        p[i] = (uint8_t)(lo | hi << 4);
    }
    p[9] = (uint8_t)(below(r, 2) << 7);
}

/* A control word: all exceptions masked, every RC and PC (the reserved PC
 * value 01 too), random reserved bits and X (bit 12). */
static uint16_t gen_cw(Rng *r)
{
    return (uint16_t)(0x3f | (rnd(r) & 0xff40));
}

static void fill_mem(Rng *r, uint8_t *mem, int kind)
{
    for (int i = 0; i < 32; i += 4)
        put_le(mem + i, rnd(r), 4);
    switch (kind) {
    case M_F32: put_le(mem, gen_ieee(r, 8, 23), 4); break;
    case M_F64: put_le(mem, gen_ieee(r, 11, 52), 8); break;
    case M_F80: put_f80(mem, gen_f80(r)); break;
    case M_I16: put_le(mem, gen_int(r, 16), 2); break;
    case M_I32: put_le(mem, gen_int(r, 32), 4); break;
    case M_I64: put_le(mem, gen_int(r, 64), 8); break;
    case M_BCD: gen_bcd(r, mem); break;
    case M_CW: put_le(mem, gen_cw(r), 2); break;
    default: break;
    }
}

/* The one instruction, between a POPF of the chosen flags (FCMOVcc reads
 * them) and a PUSHF (FCOMI writes them); EAX starts at 0 (FNSTSW AX). */
#define OPASM(b0, b1)                                                      \
    __asm__ volatile("movl $0, %%eax\n\t"                                  \
                     "pushl 36(%%esi)\n\t"                                 \
                     "popfl\n\t"                                           \
                     ".byte " #b0 ", " #b1 "\n\t"                          \
                     "pushfl\n\t"                                          \
                     "popl 36(%%esi)\n\t"                                  \
                     "movl %%eax, 32(%%esi)"                               \
                     :                                                     \
                     : "S"(fr)                                             \
                     : "eax", "memory", "cc")

static void exec_op(int op, Frame *fr)
{
    switch (op) {
#define OP(name, b0, b1, kind) \
    case OP_##name:            \
        OPASM(b0, b1);         \
        break;
#include "ops.def"
#undef OP
    default: break;
    }
}

/* The FNSAVE image (32-bit protected-mode layout, SDM vol. 1 8.1.10). */
typedef struct Save {
    uint8_t b[108];
} Save;

static uint32_t fnv(uint32_t h, const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

char *fpu_put_str(char *o, const char *s)
{
    while (*s)
        *o++ = *s++;
    return o;
}

char *fpu_put_hex(char *o, uint32_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        *o++ = "0123456789abcdef"[(v >> (4 * i)) & 15];
    return o;
}

char *fpu_put_dec(char *o, uint32_t v)
{
    char t[12];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = t[--n];
    return o;
}

static char *put_bytes(char *o, const uint8_t *p, int n)
{
    for (int i = n - 1; i >= 0; i--) /* most significant first */
        o = fpu_put_hex(o, p[i], 2);
    return o;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The compared part of one operation's result, as bytes for the hash and
 * as text for the detail line. */
static uint32_t result(uint32_t h, int op, const Save *s, const Frame *fr, char **line)
{
    uint8_t rec[2 + 6 + 80 + 32 + 8];
    int n = 0;
    uint16_t sw = le16(s->b + 4), tw = le16(s->b + 8);
    int top = (sw >> 11) & 7;
    rec[n++] = (uint8_t)op;
    rec[n++] = (uint8_t)(op >> 8);
    for (int i = 0; i < 3; i++) { /* CW, SW, TW: the low halves of the first three dwords */
        rec[n++] = s->b[4 * i];
        rec[n++] = s->b[4 * i + 1];
    }
    char *o = *line;
    if (o) {
        o = fpu_put_str(o, " -> sw=");
        o = fpu_put_hex(o, sw, 4);
        o = fpu_put_str(o, " tw=");
        o = fpu_put_hex(o, tw, 4);
        o = fpu_put_str(o, " cw=");
        o = fpu_put_hex(o, le16(s->b), 4);
    }
    for (int i = 0; i < 8; i++) {
        int phys = (top + i) & 7;
        if (((tw >> (2 * phys)) & 3) == 3)
            continue;
        for (int k = 0; k < 10; k++)
            rec[n++] = s->b[28 + 10 * i + k];
        if (o) {
            o = fpu_put_str(o, " st");
            *o++ = (char)('0' + i);
            *o++ = '=';
            o = put_bytes(o, s->b + 28 + 10 * i, 10);
        }
    }
    uint8_t mem[32];
    for (int i = 0; i < 32; i++)
        mem[i] = fr->mem[i];
    if (op_kind[op] & K_ENV) /* keep CW, SW and TW of the image */
        for (int i = 0; i < 28; i++)
            if (!(i == 0 || i == 1 || i == 4 || i == 5 || i == 8 || i == 9))
                mem[i] = 0;
    for (int i = 0; i < 32; i++)
        rec[n++] = mem[i];
    uint32_t fl = op_kind[op] & K_FL ? fr->efl & FL_ARITH : 0;
    put_le(rec + n, fr->eax, 4);
    put_le(rec + n + 4, fl, 4);
    n += 8;
    if (o) {
        o = fpu_put_str(o, " mem=");
        o = put_bytes(o, mem, 16);
        o = fpu_put_str(o, " ax=");
        o = fpu_put_hex(o, fr->eax, 8);
        o = fpu_put_str(o, " fl=");
        o = fpu_put_hex(o, fl, 3);
        *line = o;
    }
    return fnv(h, rec, n);
}

static void run_batch(const FpuParams *p, uint32_t batch)
{
    Rng r;
    static Save save;
    static Frame fr;
    static uint8_t vals[8][10];
    static char line[600];
    uint32_t h = 2166136261u;
    int have_save = 0;
    rng_init(&r, p->seed, batch);
    for (int k = 0; k < FPU_BATCH; k++) {
        int op;
        do
            op = (int)below(&r, NOPS);
        while ((op_kind[op] & K_T) && !p->trans);
        uint16_t cw = gen_cw(&r);
        char *o = p->detail ? line : 0;
        if (o) {
            o = fpu_put_dec(o, batch);
            *o++ = '.';
            o = fpu_put_dec(o, (uint32_t)k);
            *o++ = ' ';
            o = fpu_put_str(o, op_name[op]);
            o = fpu_put_str(o, " cw=");
            o = fpu_put_hex(o, cw, 4);
        }
        if (have_save && below(&r, 4) == 0) {
            /* continue from the previous state, with the new control word */
            put_le(save.b, cw, 2);
            __asm__ volatile("frstor %0" : : "m"(save) : "memory");
            if (o)
                o = fpu_put_str(o, " (continued)");
        } else {
            /* 0-8 registers, mostly 2 or 3; TOP rotated first */
            static const uint8_t depth[16] = { 0, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5, 8, 8 };
            int n = depth[below(&r, 16)], rot = (int)below(&r, 8);
            for (int i = 0; i < n; i++) {
                F80v v = gen_f80(&r);
                if (i == 1 && below(&r, 5) == 0) {
                    /* ST(1) close to ST(0): equal, negated, a few ulps off */
                    F80v a;
                    a.m = (uint64_t)vals[0][0] | (uint64_t)vals[0][1] << 8 | (uint64_t)vals[0][2] << 16 |
                          (uint64_t)vals[0][3] << 24 | (uint64_t)vals[0][4] << 32 |
                          (uint64_t)vals[0][5] << 40 | (uint64_t)vals[0][6] << 48 |
                          (uint64_t)vals[0][7] << 56;
                    a.se = le16(vals[0] + 8);
                    v = a;
                    v.se ^= (uint16_t)(below(&r, 2) << 15);
                    v.m += (uint64_t)below(&r, 5) - 2;
                    if (below(&r, 3) == 0)
                        v.se = (uint16_t)(v.se + below(&r, 5) - 2);
                }
                put_f80(vals[i], v);
            }
            __asm__ volatile("fninit" : : : "memory");
            for (int i = 0; i < rot; i++)
                __asm__ volatile("fincstp" : : : "memory");
            __asm__ volatile("fldcw %0" : : "m"(cw) : "memory");
            for (int i = n - 1; i >= 0; i--) /* vals[0] ends in ST(0) */
                __asm__ volatile("fldt %0" : : "m"(vals[i]) : "memory");
            if (o) {
                o = fpu_put_str(o, " top=");
                *o++ = (char)('0' + ((rot - n) & 7));
                for (int i = 0; i < n; i++) {
                    o = fpu_put_str(o, " in");
                    *o++ = (char)('0' + i);
                    *o++ = '=';
                    o = put_bytes(o, vals[i], 10);
                }
            }
        }
        fill_mem(&r, fr.mem, op_kind[op] & M_MASK);
        fr.efl = 2 | (rnd(&r) & FL_ARITH);
        if (o && (op_kind[op] & M_MASK) > M_JUNK) {
            o = fpu_put_str(o, " op=");
            o = put_bytes(o, fr.mem, 10);
        }
        if (o) {
            o = fpu_put_str(o, " efl=");
            o = fpu_put_hex(o, fr.efl, 3);
        }
        exec_op(op, &fr);
        __asm__ volatile("fnsave %0" : "=m"(save) : : "memory");
        /* no continuing after an operation whose accepted differences
         * (classify.py: C1, a transcendental's last bit) would carry into
         * the next operation's inputs */
        have_save = !(op_kind[op] & (K_C1 | K_T));
        h = result(h, op, &save, &fr, &o);
        if (o) {
            *o++ = '\n';
            plat_write(line, (unsigned)(o - line));
        }
    }
    if (!p->detail) {
        char *o = fpu_put_dec(line, batch);
        o = fpu_put_str(o, " h=");
        o = fpu_put_hex(o, h, 8);
        *o++ = '\n';
        plat_write(line, (unsigned)(o - line));
    }
}

void fpu_run(const FpuParams *p)
{
    if (p->nlist)
        for (uint32_t i = 0; i < p->nlist; i++)
            run_batch(p, p->list[i]);
    else
        for (uint32_t b = 0; b < p->count; b++)
            run_batch(p, p->first + b);
    plat_write("end\n", 4);
}
