/*
 * f80_conv.c - 80-bit conversions (integers, float32, float64) and the
 * x87 operations that take a value apart: FSCALE, FXTRACT, FPREM, FPREM1.
 * SDM vol. 2 for each instruction's special-operand table.
 */
#include "cpu/f80_impl.h"

F80 f80_from_int(int64_t v)
{
    if (v == 0)
        return f80_make(0, 0, 0);
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int lz = clz64(m);
    return f80_make(v < 0, F80_EXP_BIAS + 63 - lz, m << lz);
}

int64_t f80_to_int(F80Ctx *ctx, F80 a, int bits, bool truncate)
{
    /* The integer indefinite is the most negative value (SDM vol. 1 4.8.3.7). */
    const int64_t indefinite = (int64_t)((uint64_t)-1 << (bits - 1));
    F80Parts p = f80_unpack(a);
    if (p.cls == F80_CLS_ZERO)
        return 0;
    if (p.cls != F80_CLS_FINITE || p.exp > F80_EXP_BIAS + 63) {
        ctx->flags |= F80_IE;
        return indefinite;
    }
    U128 v = u128_shr_jam(u128(p.sig, 0), F80_EXP_BIAS + 63 - p.exp);
    int rc = truncate ? F80_RC_ZERO : ctx->rc;
    bool inc = false;
    switch (rc) {
    case F80_RC_NEAREST:
        inc = v.lo > (1ull << 63) || (v.lo == (1ull << 63) && (v.hi & 1));
        break;
    case F80_RC_DOWN:
        inc = p.sign && v.lo;
        break;
    case F80_RC_UP:
        inc = !p.sign && v.lo;
        break;
    }
    uint64_t n = v.hi + inc;
    uint64_t limit = (1ull << (bits - 1)) - !p.sign;
    if ((inc && n == 0) || n > limit) {
        ctx->flags |= F80_IE;
        return indefinite;
    }
    if (v.lo)
        ctx->flags |= F80_PE | (inc ? F80_C1 : 0);
    return p.sign ? (int64_t)(0 - n) : (int64_t)n;
}

F80 f80_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    F80 r = f80_from_int((int64_t)v);
    if (bcd[9] & 0x80)
        r = f80_neg(r); /* including -0 */
    return r;
}

void f80_to_bcd(F80Ctx *ctx, F80 a, uint8_t bcd[10])
{
    F80Ctx t = *ctx;
    t.flags = 0;
    int64_t v = f80_to_int(&t, a, 64, false);
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if ((t.flags & F80_IE) || m > 999999999999999999ull) {
        static const uint8_t indefinite[10] = {0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff};
        ctx->flags |= F80_IE;
        for (int i = 0; i < 10; i++)
            bcd[i] = indefinite[i];
        return;
    }
    ctx->flags |= t.flags;
    for (int i = 0; i < 9; i++) {
        bcd[i] = (uint8_t)((m % 10) | (m / 10 % 10) << 4);
        m /= 100;
    }
    bcd[9] = f80_sign(a) ? 0x80 : 0; /* a value rounding to zero keeps its sign */
}

/* Load a binary32/binary64 with `fbits` fraction bits and exponent bias
 * `bias`: exact, an SNaN is quieted with IE, a denormal raises DE. */
static inline F80 from_float(F80Ctx *ctx, uint64_t v, int fbits, int ebits)
{
    int sign = (v >> (fbits + ebits)) & 1;
    int emax = (1 << ebits) - 1, bias = emax >> 1;
    int e = (v >> fbits) & emax;
    uint64_t f = v & ((1ull << fbits) - 1);
    if (e == 0) {
        if (f == 0)
            return f80_make(sign, 0, 0);
        ctx->flags |= F80_DE;
        int lz = clz64(f);
        return f80_make(sign, F80_EXP_BIAS - bias + 1 + 63 - fbits - lz, f << lz);
    }
    uint64_t sig = F80_INT_BIT | (f << (63 - fbits));
    if (e == emax) {
        if (f && !(sig & F80_QUIET_BIT)) {
            ctx->flags |= F80_IE;
            sig |= F80_QUIET_BIT;
        }
        return f80_make(sign, F80_EXP_MAX, sig);
    }
    return f80_make(sign, e - bias + F80_EXP_BIAS, sig);
}

F80 f80_from_f32(F80Ctx *ctx, uint32_t v)
{
    return from_float(ctx, v, 23, 8);
}
F80 f80_from_f64(F80Ctx *ctx, uint64_t v)
{
    return from_float(ctx, v, 52, 11);
}

/* Store to a binary format: round in the 80-bit layout with the format's
 * exponent range, then re-encode. */
static uint64_t to_float(F80Ctx *ctx, F80 a, int fbits, int ebits)
{
    F80Parts p = f80_unpack(a);
    int emax = (1 << ebits) - 1, bias = emax >> 1;
    uint64_t sign = (uint64_t)p.sign << (fbits + ebits);
    uint64_t inf = sign | ((uint64_t)emax << fbits);
    switch (p.cls) {
    case F80_CLS_ZERO:
        return sign;
    case F80_CLS_INF:
        return inf;
    case F80_CLS_UNSUPPORTED:
        ctx->flags |= F80_IE;
        return inf | (1ull << (fbits + ebits)) | (1ull << (fbits - 1)); /* indefinite */
    case F80_CLS_SNAN:
        ctx->flags |= F80_IE;
        /* fallthrough */
    case F80_CLS_QNAN:
        return inf | (1ull << (fbits - 1)) | ((p.sig >> (63 - fbits)) & ((1ull << fbits) - 1));
    }
    /* No DE here: the x87 reports it only for arithmetic on an operand. */
    int32_t exp_min = F80_EXP_BIAS - bias + 1, exp_max = F80_EXP_BIAS + bias;
    F80 r = f80_round_pack(ctx, p.sign, p.exp, u128(p.sig, 0), fbits + 1, exp_min, exp_max);
    if (f80_exp(r) == F80_EXP_MAX)
        return inf;
    uint64_t frac = (r.sig >> (63 - fbits)) & ((1ull << fbits) - 1);
    if (!(r.sig & F80_INT_BIT))
        return sign | frac; /* denormal or zero */
    return sign | ((uint64_t)(f80_exp(r) - F80_EXP_BIAS + bias) << fbits) | frac;
}

uint32_t f80_to_f32(F80Ctx *ctx, F80 a)
{
    return (uint32_t)to_float(ctx, a, 23, 8);
}
uint64_t f80_ref_to_f64(F80Ctx *ctx, F80 a)
{
    return to_float(ctx, a, 52, 11);
}

F80 f80_scale(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    if (pa.cls == F80_CLS_UNSUPPORTED || pb.cls == F80_CLS_UNSUPPORTED) {
        ctx->flags |= F80_IE;
        return f80_indefinite();
    }
    if (pa.cls >= F80_CLS_QNAN || pb.cls >= F80_CLS_QNAN)
        return f80_propagate_nan(ctx, a, b, true);
    if (pa.denormal || pb.denormal)
        ctx->flags |= F80_DE;
    if (pb.cls == F80_CLS_INF) {
        /* SDM vol. 2 FSCALE table: 0 * 2^+inf and inf * 2^-inf are invalid. */
        if ((pa.cls == F80_CLS_ZERO && !pb.sign) || (pa.cls == F80_CLS_INF && pb.sign)) {
            ctx->flags |= F80_IE;
            return f80_indefinite();
        }
        if (pa.cls == F80_CLS_ZERO || pa.cls == F80_CLS_INF)
            return a;
        return pb.sign ? f80_make(pa.sign, 0, 0) : f80_make(pa.sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (pa.cls != F80_CLS_FINITE)
        return a;
    /* trunc(b), clamped well beyond any exponent that can still matter. */
    int32_t n = 0;
    if (pb.cls == F80_CLS_FINITE && pb.exp >= F80_EXP_BIAS) {
        n = pb.exp >= F80_EXP_BIAS + 20 ? 1 << 20 : (int32_t)(pb.sig >> (F80_EXP_BIAS + 63 - pb.exp));
        if (pb.sign)
            n = -n;
    }
    return f80_round_pack(ctx, pa.sign, pa.exp + n, u128(pa.sig, 0), 64, 1, 0x7ffe);
}

void f80_xtract(F80Ctx *ctx, F80 a, F80 *exp, F80 *sig)
{
    F80Parts p = f80_unpack(a);
    switch (p.cls) {
    case F80_CLS_UNSUPPORTED:
        ctx->flags |= F80_IE;
        *exp = *sig = f80_indefinite();
        return;
    case F80_CLS_QNAN:
    case F80_CLS_SNAN:
        *exp = *sig = f80_propagate_nan(ctx, a, a, false);
        return;
    case F80_CLS_ZERO:
        /* SDM vol. 2 FXTRACT: a zero raises ZE, exponent -inf. */
        ctx->flags |= F80_ZE;
        *exp = f80_make(1, F80_EXP_MAX, F80_INT_BIT);
        *sig = a;
        return;
    case F80_CLS_INF:
        *exp = f80_make(0, F80_EXP_MAX, F80_INT_BIT);
        *sig = a;
        return;
    }
    if (p.denormal)
        ctx->flags |= F80_DE;
    *exp = f80_from_int(p.exp - F80_EXP_BIAS);
    *sig = f80_make(p.sign, F80_EXP_BIAS, p.sig);
}

/* How far below the exponent difference a partial FPREM step stops (SDM
 * FPREM: "an implementation-dependent number between 32 and 63"):
 * 32 + (d mod 32), as AMD documents it and as measured bit for bit on an
 * AMD EPYC host (tests/unit/test_f80.c). XXX: not yet checked on Intel. */
static int prem_partial_bits(int32_t d)
{
    return 32 + (d & 31);
}

F80 f80_prem(F80Ctx *ctx, F80 a, F80 b, bool ieee)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    if (pa.cls == F80_CLS_UNSUPPORTED || pb.cls == F80_CLS_UNSUPPORTED) {
        ctx->flags |= F80_IE;
        return f80_indefinite();
    }
    if (pa.cls >= F80_CLS_QNAN || pb.cls >= F80_CLS_QNAN)
        return f80_propagate_nan(ctx, a, b, true);
    if (pa.cls == F80_CLS_INF || pb.cls == F80_CLS_ZERO) {
        ctx->flags |= F80_IE;
        return f80_indefinite();
    }
    if (pa.denormal || pb.denormal)
        ctx->flags |= F80_DE;
    if (pa.cls == F80_CLS_ZERO || pb.cls == F80_CLS_INF)
        return f80_round_pack(ctx, pa.sign, pa.exp, u128(pa.sig, 0), 64, 1, 0x7ffe);

    int32_t d = pa.exp - pb.exp;
    int sign = pa.sign;
    if (d >= 64) {
        /* Partial reduction: remainder of a / (b * 2^(d - n)), quotient
         * truncated in both FPREM and FPREM1, C2 = 1. */
        int n = prem_partial_bits(d);
        uint64_t rem = 0;
        for (int i = 63 + n; i >= 0; i--) {
            bool carry = rem >> 63;
            rem = (rem << 1) | (i >= n ? (pa.sig >> (i - n)) & 1 : 0);
            if (carry || rem >= pb.sig)
                rem -= pb.sig;
        }
        ctx->flags |= F80_C2;
        if (rem == 0)
            return f80_make(sign, 0, 0);
        int lz = clz64(rem);
        return f80_round_pack(ctx, sign, pb.exp + d - n - lz, u128(rem << lz, 0), 64, 1, 0x7ffe);
    }
    if (d < -1 || (d == -1 && !ieee))
        return f80_round_pack(ctx, pa.sign, pa.exp, u128(pa.sig, 0), 64, 1, 0x7ffe);

    /* rem = a / 2^(eb) as an integer multiple of b's ulp; the quotient's low
     * bits only are kept. d == -1 (FPREM1 only) has quotient 0. */
    uint64_t q = 0, rem = 0;
    int32_t rexp = pb.exp;
    if (d >= 0) {
        for (int i = 63 + d; i >= 0; i--) {
            bool carry = rem >> 63;
            rem = (rem << 1) | (i >= d ? (pa.sig >> (i - d)) & 1 : 0);
            q <<= 1;
            if (carry || rem >= pb.sig) {
                rem -= pb.sig;
                q |= 1;
            }
        }
    }
    U128 r = d >= 0 ? u128(0, rem) : u128(0, pa.sig);
    U128 div = d >= 0 ? u128(0, pb.sig) : u128(0, 0);
    if (d < 0) {
        /* units of b's ulp / 2 */
        div = u128_shl(u128(0, pb.sig), 1);
        rexp = pb.exp - 1;
    }
    if (ieee) {
        /* Round the quotient to nearest even: take b once more when the
         * remainder exceeds half of b. */
        U128 r2 = u128_shl(r, 1);
        if (u128_ge(r2, div) && (!u128_ge(div, r2) || (q & 1))) {
            r = u128_sub(div, r);
            q++;
            sign ^= 1;
        }
    }
    ctx->flags |= ((q & 4) ? F80_C0 : 0) | ((q & 2) ? F80_C3 : 0) | ((q & 1) ? F80_C1 : 0);
    if (u128_zero(r))
        return f80_make(pa.sign, 0, 0);
    int lz = u128_clz(r);
    return f80_round_pack(ctx, sign, rexp + 64 - lz, u128_shl(r, lz), 64, 1, 0x7ffe);
}
