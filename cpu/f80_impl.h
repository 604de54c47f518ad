/*
 * f80_impl.h - internals shared by f80.c and f80_conv.c: a portable 128-bit
 * unsigned type (no __int128, so 32-bit hosts build the same code), the
 * unpacked operand form and the one rounding routine.
 */
#ifndef RINGSIDE_F80_IMPL_H
#define RINGSIDE_F80_IMPL_H

#include "cpu/f80.h"

typedef struct U128 {
    uint64_t hi, lo;
} U128;

static inline U128 u128(uint64_t hi, uint64_t lo)
{
    return (U128){hi, lo};
}
static inline bool u128_ge(U128 a, U128 b)
{
    return a.hi != b.hi ? a.hi > b.hi : a.lo >= b.lo;
}
static inline bool u128_zero(U128 a)
{
    return (a.hi | a.lo) == 0;
}
static inline U128 u128_sub(U128 a, U128 b)
{
    return u128(a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo);
}
static inline U128 u128_add(U128 a, U128 b)
{
    uint64_t lo = a.lo + b.lo;
    return u128(a.hi + b.hi + (lo < a.lo), lo);
}
static inline U128 u128_shl(U128 a, int n)
{
    if (n == 0)
        return a;
    if (n >= 128)
        return u128(0, 0);
    if (n >= 64)
        return u128(a.lo << (n - 64), 0);
    return u128((a.hi << n) | (a.lo >> (64 - n)), a.lo << n);
}
/* Shift right, ORing every bit shifted out into bit 0 ("jamming"), so a
 * later rounding still sees that the value was inexact. */
static inline U128 u128_shr_jam(U128 a, int n)
{
    if (n <= 0)
        return a;
    if (n >= 128)
        return u128(0, !u128_zero(a));
    if (n >= 64) {
        uint64_t lost = a.lo | (n > 64 ? a.hi << (128 - n) : 0);
        return u128(0, (n == 64 ? a.hi : a.hi >> (n - 64)) | (lost != 0));
    }
    uint64_t lost = a.lo << (64 - n);
    return u128(a.hi >> n, ((a.hi << (64 - n)) | (a.lo >> n)) | (lost != 0));
}
static inline int clz64(uint64_t x)
{
    return x ? __builtin_clzll(x) : 64;
}
static inline int u128_clz(U128 a)
{
    return a.hi ? clz64(a.hi) : 64 + clz64(a.lo);
}
static inline U128 u128_mul64(uint64_t a, uint64_t b)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    return u128(hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (uint32_t)ll);
}

/* Operand classes after unpacking. */
enum {
    F80_CLS_ZERO,
    F80_CLS_FINITE, /* normal, denormal or pseudo-denormal, normalized */
    F80_CLS_INF,
    F80_CLS_QNAN,
    F80_CLS_SNAN,
    F80_CLS_UNSUPPORTED, /* pseudo-NaN, pseudo-infinity, unnormal */
};

/*
 * An unpacked value. For F80_CLS_FINITE, sig has bit 63 set and exp is the
 * biased exponent without bounds (a denormal's is below 1), so the value is
 * sig * 2^(exp - 16383 - 63).
 */
typedef struct F80Parts {
    int cls;
    int sign;
    bool denormal; /* the operand was a denormal or pseudo-denormal: DE */
    int32_t exp;
    uint64_t sig;
} F80Parts;

F80Parts f80_unpack(F80 a);

/*
 * Round the exact value sig * 2^(exp - 16383 - 127) (sig normalized: bit
 * 127 set, or zero) to `bits` significand bits under ctx->rc, in the 15-bit
 * exponent range (exp_min/exp_max give a narrower range for float32/64
 * stores, whose rounding happens on the F80 layout first), raising PE, UE,
 * OE and C1. Returns the packed F80 (an F80 with the narrower exponent is
 * re-encoded by the caller).
 */
F80 f80_round_pack(F80Ctx *ctx, int sign, int32_t exp, U128 sig, int bits, int32_t exp_min, int32_t exp_max);

/* NaN result of an operation with at least one NaN operand (SDM vol. 1
 * table 4-7), raising IE for an SNaN. */
F80 f80_propagate_nan(F80Ctx *ctx, F80 a, F80 b, bool two);

/* The general paths behind f80_add, f80_sub, f80_mul, f80_div and
 * f80_to_f64, which take them for everything their fast paths (f80_fast.c)
 * do not cover; the unit tests compare the two over random operands. */
F80 f80_ref_add(F80Ctx *ctx, F80 a, F80 b);
F80 f80_ref_sub(F80Ctx *ctx, F80 a, F80 b);
F80 f80_ref_mul(F80Ctx *ctx, F80 a, F80 b);
F80 f80_ref_div(F80Ctx *ctx, F80 a, F80 b);
uint64_t f80_ref_to_f64(F80Ctx *ctx, F80 a);

#endif
