/*
 * test_f80_fast.c - cpu/f80_fast.c's fast paths against the general paths
 * they shortcut (f80_ref_add, _sub, _mul, _div, _to_f64 in f80.c and
 * f80_conv.c), bit for bit: result and every flag (IE..PE, C1).
 *
 * Random operands concentrate where a shortcut could go wrong: significands
 * with their low bits at a rounding boundary of each precision (exactly
 * half an ulp, just below, just above, all ones so rounding carries),
 * near-equal operands (cancellation), exponent differences around 0, 64
 * and 128 and far beyond, exponents at both ends of the range (results that
 * become tiny or overflow, where the fast path must hand over), the binary64
 * range edges, plus a share of zeros, denormals, pseudo-denormals,
 * infinities, NaNs and unsupported encodings to check the dispatch. Every
 * operation runs under each rounding control and precision control, with
 * OE/UE masked and unmasked. Unlike test_f80 it needs no host x87, so it
 * runs everywhere (without 128-bit integers the two paths are one).
 *
 * Usage: test_f80_fast [operations-per-mode [seed]]
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/f80_impl.h"
#include "xorshift.h"


/* A significand (J set) whose bits below a precision's or format's ulp
 * form a rounding-boundary pattern, or a random one. */
static uint64_t rand_sig(void)
{
    static const int cut[] = {40, 11, 1, 2, 39, 41, 10, 12, 63};
    if (rndn(3) == 0)
        return rnd() | F80_INT_BIT;
    int k = cut[rndn(9)];
    uint64_t low = 1ull << (k - 1), m = (1ull << k) - 1;
    uint64_t s = rnd() | F80_INT_BIT;
    switch (rndn(7)) {
    case 0: return (s & ~m) | low;       /* exactly half */
    case 1: return (s & ~m) | (low - 1); /* just below */
    case 2: return (s & ~m) | (low + 1); /* just above */
    case 3: return s & ~m;               /* exact */
    case 4: return s | m;                /* all ones: carries */
    case 5: return ~0ull << rndn(64);
    default: return F80_INT_BIT | (rnd() >> rndn(64) >> 1);
    }
}

/* An exponent: anywhere, near 1.0, near either end of the range. */
static int rand_exp(void)
{
    switch (rndn(6)) {
    case 0: return 1 + rndn(0x7ffe);
    case 1: return 1 + rndn(140); /* bottom: tiny results */
    case 2: return 0x7ffe - rndn(140); /* top: overflow */
    case 3: { /* the binary64 range edges, for FST m64 */
        static const int edge[] = {1022, 1023, 1074, 1075};
        int e = edge[rndn(4)] + rndn(5) - 2;
        return F80_EXP_BIAS + (rndn(2) ? e : -e);
    }
    default: return F80_EXP_BIAS - 70 + rndn(140);
    }
}

static F80 rand_operand(void)
{
    int sign = rndn(2);
    switch (rndn(40)) {
    case 0: return f80_make(sign, 0, 0);
    case 1: return f80_make(sign, 0, rnd() >> rndn(64) >> 1); /* denormal */
    case 2: return f80_make(sign, 0, rnd() | F80_INT_BIT);    /* pseudo-denormal */
    case 3: return f80_make(sign, 0x7fff, F80_INT_BIT);       /* infinity */
    case 4: return f80_make(sign, 0x7fff, rnd() | F80_INT_BIT); /* NaN */
    case 5: return f80_make(sign, rndn(0x8000), rnd() & ~F80_INT_BIT); /* unsupported */
    default: return f80_make(sign, rand_exp(), rand_sig());
    }
}

/* b relative to a: near-equal (cancellation), a chosen exponent
 * difference, or independent. */
static F80 rand_second(F80 a)
{
    int ea = f80_exp(a);
    if (ea == 0 || ea == 0x7fff || rndn(3) == 0)
        return rand_operand();
    int sign = rndn(2);
    switch (rndn(4)) {
    case 0: { /* a +- a few ulps, or a with the low bits changed */
        uint64_t s = a.sig + (uint64_t)(rndn(9) - 4);
        if (rndn(2))
            s = (a.sig & ~((1ull << rndn(64)) - 1)) | (rnd() >> rndn(64));
        return f80_make(sign, ea, s | F80_INT_BIT);
    }
    case 1: { /* differences around 0, 64, 128 */
        static const int base[] = {0, 1, 24, 53, 63, 64, 65, 66, 127, 128, 129, 200};
        int e = ea + (rndn(2) ? 1 : -1) * (base[rndn(12)] + rndn(3) - 1);
        if (e >= 1 && e <= 0x7ffe)
            return f80_make(sign, e, rand_sig());
        return f80_make(sign, ea, rand_sig());
    }
    case 2: /* products and quotients at the range ends */
        return f80_make(sign, F80_EXP_BIAS + (rndn(2) ? 1 : -1) * (ea - F80_EXP_BIAS) + rndn(141) - 70,
                        rand_sig());
    default:
        return f80_make(sign, rand_exp(), rand_sig());
    }
}

static const char *const names[] = {"add", "sub", "mul", "div", "to_f64"};
static long mismatches;

static void check(int op, const F80Ctx *ctx, F80 a, F80 b, uint64_t fr, uint64_t fx, uint16_t ff, uint64_t rr,
                  uint64_t rx, uint16_t rf)
{
    if (fr == rr && fx == rx && ff == rf)
        return;
    if (mismatches++ < 20)
        printf("MISMATCH %s rc %d pc %d unmasked %#x: a %04x:%016llx b %04x:%016llx\n"
               "  fast %04llx:%016llx flags %04x, general %04llx:%016llx flags %04x\n",
               names[op], ctx->rc, ctx->pc, ctx->unmasked, a.se, (unsigned long long)a.sig, b.se,
               (unsigned long long)b.sig, (unsigned long long)fx, (unsigned long long)fr, ff,
               (unsigned long long)rx, (unsigned long long)rr, rf);
}

static void run_one(int op, F80Ctx base)
{
    F80 a = rand_operand(), b = rand_second(a);
    F80Ctx fc = base, rc = base;
    F80 f, r;
    switch (op) {
    case 0: f = f80_add(&fc, a, b), r = f80_ref_add(&rc, a, b); break;
    case 1: f = f80_sub(&fc, a, b), r = f80_ref_sub(&rc, a, b); break;
    case 2: f = f80_mul(&fc, a, b), r = f80_ref_mul(&rc, a, b); break;
    case 3: f = f80_div(&fc, a, b), r = f80_ref_div(&rc, a, b); break;
    default: {
        uint64_t fv = f80_to_f64(&fc, a), rv = f80_ref_to_f64(&rc, a);
        check(op, &base, a, b, fv, 0, fc.flags, rv, 0, rc.flags);
        return;
    }
    }
    check(op, &base, a, b, f.sig, f.se, fc.flags, r.sig, r.se, rc.flags);
}

int main(int argc, char **argv)
{
    long per_mode = argc > 1 ? atol(argv[1]) : 20000;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x243f6a8885a308d3ull;
    static const int pcs[] = {24, 53, 64};
    long total = 0;
    for (int op = 0; op < 5; op++)
        for (int rc = 0; rc < 4; rc++)
            for (int pc = 0; pc < 3; pc++)
                for (int um = 0; um < 2; um++) {
                    F80Ctx ctx = {.rc = rc, .pc = pcs[pc], .unmasked = um ? F80_OE | F80_UE : 0};
                    for (long i = 0; i < per_mode; i++)
                        run_one(op, ctx);
                    total += per_mode;
                }
    printf("%ld operations, %ld mismatches\n", total, mismatches);
    return mismatches ? 1 : 0;
}
