/*
 * f80_fast.c - the x87's hot operations (FADD, FSUB, FMUL, FDIV, FST m64)
 * on the operands programs actually use: finite, normal, with a result that
 * is neither tiny nor overflowing. Those need none of the general path's
 * classification, special-operand tables or unmasked responses, and with
 * the host's 128-bit integers the significand arithmetic is a few
 * instructions (the general path's U128 helpers are portable to hosts
 * without them; its division is a 67-step loop).
 *
 * Every other operand goes to the general path in f80.c / f80_conv.c
 * (f80_ref_*), which stays the reference: tests/unit/test_f80_fast.c
 * compares the two over random operands (boundaries, cancellation, results
 * at the edges of the exponent range) in every rounding and precision
 * control, and test_f80 compares both with the host's x87.
 */
#include "cpu/f80_impl.h"

#ifdef __SIZEOF_INT128__

typedef unsigned __int128 Wide;

/* Exponent 1..0x7ffe and J set: a normal number (not zero, denormal,
 * pseudo-denormal, unnormal, infinity or NaN). */
static inline bool normal(F80 a)
{
    return (uint16_t)(f80_exp(a) - 1) < 0x7ffe && (a.sig >> 63);
}

/* Whether rounding away the bits in rw (the discarded part, its top bit
 * weighing half an ulp; nonzero: inexact) increments the kept part, whose
 * lowest bit is `odd`. */
static inline bool round_up(int rc, int sign, uint64_t rw, bool odd)
{
    switch (rc) {
    case F80_RC_NEAREST: return rw > F80_INT_BIT || (rw == F80_INT_BIT && odd);
    case F80_RC_DOWN: return sign && rw;
    case F80_RC_UP: return !sign && rw;
    default: return false;
    }
}

/*
 * Round m * 2^(exp - 16383 - 127) (bit 127 of m set) to ctx->pc bits for a
 * register, as f80_round_pack does; when 1 <= exp <= 0x7ffd the result can
 * be neither tiny nor (even after rounding up) overflow, so that is all
 * there is to it. Otherwise f80_round_pack.
 */
static inline F80 round_reg(F80Ctx *ctx, int sign, int32_t exp, Wide m)
{
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    int bits = ctx->pc;
    if (exp < 1 || exp > 0x7ffd)
        return f80_round_pack(ctx, sign, exp, u128(hi, lo), bits, 1, 0x7ffe);
    uint64_t lsb = 1ull << (64 - bits);
    /* The discarded bits, top-aligned; below 64 bits, lo only matters as
     * a sticky bit (bit 0, which cannot move rw across the half). */
    uint64_t rw = bits == 64 ? lo : (hi << bits) | (lo != 0);
    uint64_t kept = hi & ~(lsb - 1);
    if (rw) {
        bool inc = round_up(ctx->rc, sign, rw, (kept & lsb) != 0);
        ctx->flags |= F80_PE | (inc ? F80_C1 : 0);
        if (inc) {
            kept += lsb;
            if (kept == 0) {
                kept = F80_INT_BIT;
                exp++;
            }
        }
    }
    return f80_make(sign, exp, kept);
}

static inline int clz128(Wide m)
{
    uint64_t hi = (uint64_t)(m >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)m); /* m != 0 */
}

/* a + b with b's sign sb (flipped for a subtraction). */
static F80 add_normal(F80Ctx *ctx, F80 a, F80 b, int sb)
{
    int sa = f80_sign(a);
    int32_t ea = f80_exp(a), eb = f80_exp(b);
    if (ea < eb || (ea == eb && a.sig < b.sig)) {
        F80 t = a;
        a = b;
        b = t;
        int ts = sa;
        sa = sb;
        sb = ts;
        int32_t te = ea;
        ea = eb;
        eb = te;
    }
    /* Integer bits at 126 (room for the carry); the smaller operand's
     * bits shifted out are jammed into bit 0, as f80.c's u128_shr_jam. */
    Wide ma = (Wide)a.sig << 63, mb = (Wide)b.sig << 63;
    int32_t d = ea - eb;
    if (d >= 128)
        mb = 1;
    else if (d > 0)
        mb = (mb >> d) | ((mb << (128 - d)) != 0);
    Wide m = sa == sb ? ma + mb : ma - mb;
    if (m == 0)
        return f80_make(ctx->rc == F80_RC_DOWN, 0, 0); /* x - x */
    int lz = clz128(m);
    return round_reg(ctx, sa, ea + 1 - lz, m << lz);
}

F80 f80_add(F80Ctx *ctx, F80 a, F80 b)
{
    if (normal(a) && normal(b))
        return add_normal(ctx, a, b, f80_sign(b));
    return f80_ref_add(ctx, a, b);
}

F80 f80_sub(F80Ctx *ctx, F80 a, F80 b)
{
    if (normal(a) && normal(b))
        return add_normal(ctx, a, b, !f80_sign(b));
    return f80_ref_sub(ctx, a, b);
}

F80 f80_mul(F80Ctx *ctx, F80 a, F80 b)
{
    if (!normal(a) || !normal(b))
        return f80_ref_mul(ctx, a, b);
    Wide m = (Wide)a.sig * b.sig; /* in [2^126, 2^128) */
    int lz = !(m >> 127);
    return round_reg(ctx, f80_sign(a) ^ f80_sign(b), f80_exp(a) + f80_exp(b) - F80_EXP_BIAS + 1 - lz,
                     m << lz);
}

F80 f80_div(F80Ctx *ctx, F80 a, F80 b)
{
    if (!normal(a) || !normal(b))
        return f80_ref_div(ctx, a, b);
    /* The 67-bit quotient floor(a.sig * 2^66 / b.sig) of f80_ref_div, the
     * remainder as a sticky bit: 64 bits by one 128/64 division (a.sig *
     * 2^63 / b.sig < 2^64 as a.sig < 2^64 <= 2 * b.sig), 3 more by
     * restoring steps. */
    uint64_t q1, r;
#if defined(__x86_64__)
    __asm__("divq %4" : "=a"(q1), "=d"(r) : "0"(a.sig << 63), "1"(a.sig >> 1), "rm"(b.sig) : "cc");
#else
    Wide n = (Wide)a.sig << 63;
    q1 = (uint64_t)(n / b.sig);
    r = (uint64_t)(n % b.sig);
#endif
    uint64_t q2 = 0;
    for (int i = 0; i < 3; i++) {
        bool carry = r >> 63; /* r < b.sig, so r * 2 - b.sig fits */
        r <<= 1;
        bool bit = carry || r >= b.sig;
        if (bit)
            r -= b.sig;
        q2 = q2 << 1 | bit;
    }
    Wide q = ((Wide)q1 << 3) | q2 | (r != 0);
    int lz = clz128(q);
    return round_reg(ctx, f80_sign(a) ^ f80_sign(b), f80_exp(a) - f80_exp(b) + F80_EXP_BIAS + 61 - lz, q << lz);
}

/* FST m64 of a value whose binary64 result is normal whatever the
 * rounding (exponent 2^-1022 .. 2^1023 before rounding, and a carry out of
 * 2^1023 * (2 - 2^-52) is the general path's overflow). */
uint64_t f80_to_f64(F80Ctx *ctx, F80 a)
{
    int32_t e = f80_exp(a);
    if (e < F80_EXP_BIAS - 1022 || e > F80_EXP_BIAS + 1023 || !(a.sig >> 63))
        return f80_ref_to_f64(ctx, a);
    int sign = f80_sign(a);
    uint64_t kept = a.sig & ~0x7ffull, rw = a.sig << 53;
    if (rw) {
        bool inc = round_up(ctx->rc, sign, rw, (kept & 0x800) != 0);
        if (inc) {
            kept += 0x800;
            if (kept == 0) {
                if (e == F80_EXP_BIAS + 1023)
                    return f80_ref_to_f64(ctx, a); /* overflow */
                kept = F80_INT_BIT;
                e++;
            }
        }
        ctx->flags |= F80_PE | (inc ? F80_C1 : 0);
    }
    return (uint64_t)sign << 63 | (uint64_t)(e - F80_EXP_BIAS + 1023) << 52 | ((kept >> 11) & ~(1ull << 52));
}

#else /* no 128-bit integers: the general paths only */

F80 f80_add(F80Ctx *ctx, F80 a, F80 b)
{
    return f80_ref_add(ctx, a, b);
}
F80 f80_sub(F80Ctx *ctx, F80 a, F80 b)
{
    return f80_ref_sub(ctx, a, b);
}
F80 f80_mul(F80Ctx *ctx, F80 a, F80 b)
{
    return f80_ref_mul(ctx, a, b);
}
F80 f80_div(F80Ctx *ctx, F80 a, F80 b)
{
    return f80_ref_div(ctx, a, b);
}
uint64_t f80_to_f64(F80Ctx *ctx, F80 a)
{
    return f80_ref_to_f64(ctx, a);
}

#endif
