/*
 * f80.c - 80-bit extended-precision arithmetic: unpacking, the rounding
 * routine every operation ends in, NaN propagation, and the arithmetic
 * operations (add, sub, mul, div, sqrt, FRNDINT, compares, FXAM).
 *
 * The shape follows IEEE 754 with the x87 specifics of SDM vol. 1 ch. 8:
 * precision control rounds the significand to 24/53/64 bits but keeps the
 * 15-bit exponent; pseudo-denormals are accepted as operands; pseudo-NaN,
 * pseudo-infinity and unnormals are invalid operands (8.2.2); the default
 * NaN is the negative "real indefinite"; tininess is detected after
 * rounding, as on all x86 FPUs.
 *
 * add, sub, mul and div here are the general paths (f80_ref_*); the public
 * f80_add etc. in f80_fast.c take a shortcut for the common operands and
 * come here for the rest, and the unit tests hold the two equal.
 */
#include "cpu/f80_impl.h"

F80Parts f80_unpack(F80 a)
{
    F80Parts p = {.sign = f80_sign(a), .exp = f80_exp(a), .sig = a.sig};
    if (p.exp == 0) {
        if (a.sig == 0) {
            p.cls = F80_CLS_ZERO;
            return p;
        }
        /* A pseudo-denormal (J = 1) weighs as if its exponent were 1,
         * like a true denormal; both raise DE (SDM vol. 1 8.2.2). */
        p.cls = F80_CLS_FINITE;
        p.denormal = true;
        int lz = clz64(a.sig);
        p.sig = a.sig << lz;
        p.exp = 1 - lz;
        return p;
    }
    if (!(a.sig & F80_INT_BIT)) {
        p.cls = F80_CLS_UNSUPPORTED; /* unnormal, pseudo-infinity, pseudo-NaN */
        return p;
    }
    if (p.exp == F80_EXP_MAX) {
        if ((a.sig << 1) == 0)
            p.cls = F80_CLS_INF;
        else
            p.cls = (a.sig & F80_QUIET_BIT) ? F80_CLS_QNAN : F80_CLS_SNAN;
        return p;
    }
    p.cls = F80_CLS_FINITE;
    return p;
}

bool f80_is_nan(F80 a)
{
    int c = f80_unpack(a).cls;
    return c == F80_CLS_QNAN || c == F80_CLS_SNAN;
}
bool f80_is_snan(F80 a)
{
    return f80_unpack(a).cls == F80_CLS_SNAN;
}
bool f80_is_unsupported(F80 a)
{
    return f80_unpack(a).cls == F80_CLS_UNSUPPORTED;
}
bool f80_is_denormal(F80 a)
{
    return f80_exp(a) == 0 && a.sig != 0;
}

/*
 * Round the top `bits` bits of sig under rc. Returns the kept bits (in
 * place, the rest cleared) and sets *carry when rounding overflowed 2^64.
 */
static uint64_t round_sig(U128 sig, int bits, int rc, int sign, bool *inexact, bool *inc, bool *carry)
{
    uint64_t lsb = bits == 64 ? 1 : 1ull << (64 - bits);
    U128 rem = u128(sig.hi & (lsb - 1), sig.lo);
    U128 half = bits == 64 ? u128(0, 1ull << 63) : u128(lsb >> 1, 0);
    uint64_t hi = sig.hi & ~(lsb - 1);
    *inexact = !u128_zero(rem);
    switch (rc) {
    case F80_RC_NEAREST:
        *inc = u128_ge(rem, half) && (!u128_ge(half, rem) /* rem > half */ || (hi & lsb));
        break;
    case F80_RC_DOWN:
        *inc = sign && *inexact;
        break;
    case F80_RC_UP:
        *inc = !sign && *inexact;
        break;
    default:
        *inc = false;
        break;
    }
    *carry = false;
    if (*inc) {
        hi += lsb;
        *carry = hi == 0;
    }
    return hi;
}

F80 f80_round_pack(F80Ctx *ctx, int sign, int32_t exp, U128 sig, int bits, int32_t exp_min, int32_t exp_max)
{
    bool inexact, inc, carry, tiny = false;
    if (u128_zero(sig))
        return f80_make(sign, 0, 0);
    /* The unmasked responses apply to a register destination only (exp_min
     * 1); a store to memory with OE/UE unmasked writes nothing, so there
     * the result is the masked one and only the flags matter. */
    bool reg = exp_min == 1;
    bool ue_trap = (ctx->unmasked & F80_UE) != 0, oe_trap = (ctx->unmasked & F80_OE) != 0;
    if (exp < exp_min) {
        /* Tininess after rounding: tiny unless rounding the value with an
         * unbounded exponent reaches 2^exp_min. */
        tiny = true;
        if (exp == exp_min - 1) {
            round_sig(sig, bits, ctx->rc, sign, &inexact, &inc, &carry);
            tiny = !carry;
        }
        if (tiny && ue_trap) {
            /* Unmasked underflow (SDM vol. 1 4.9.1.5): UE even when exact,
             * and a register gets the result scaled by 2^24576. */
            ctx->flags |= F80_UE;
            if (!reg)
                return f80_make(sign, 0, 0); /* UE alone: no PE, no C1 */
            exp += F80_UNMASKED_BIAS;
            tiny = false;
            if (exp < exp_min) {
                /* Still tiny after the bias (only FSCALE gets here): zero,
                 * whatever the rounding mode, as measured on the host. */
                ctx->flags |= F80_PE;
                return f80_make(sign, 0, 0);
            }
        }
        if (exp < exp_min) {
            sig = u128_shr_jam(sig, exp_min - exp);
            exp = exp_min;
        }
    }
    uint64_t hi = round_sig(sig, bits, ctx->rc, sign, &inexact, &inc, &carry);
    if (carry) {
        hi = F80_INT_BIT;
        exp++;
    }
    if (exp > exp_max && oe_trap) {
        /* Unmasked overflow (SDM vol. 1 4.9.1.4): OE, and a register gets
         * the rounded result scaled by 2^-24576. */
        ctx->flags |= F80_OE;
        if (!reg)
            return f80_make(sign, F80_EXP_MAX, F80_INT_BIT); /* OE alone */
        exp -= F80_UNMASKED_BIAS;
        if (exp > exp_max) {
            /* Still too large after the bias (only FSCALE gets here):
             * infinity whatever the rounding mode, as measured on the host. */
            ctx->flags |= F80_PE | F80_C1;
            return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
        }
    }
    if (exp > exp_max) {
        /* Masked overflow (SDM vol. 1 4.9.1.4): infinity when rounding
         * goes that way, else the largest finite value of the precision. */
        bool to_inf =
            ctx->rc == F80_RC_NEAREST || (ctx->rc == F80_RC_UP && !sign) || (ctx->rc == F80_RC_DOWN && sign);
        ctx->flags |= F80_OE | F80_PE;
        if (to_inf) {
            ctx->flags |= F80_C1;
            return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
        }
        return f80_make(sign, exp_max, ~0ull << (64 - bits));
    }
    if (inexact) {
        ctx->flags |= F80_PE | (tiny ? F80_UE : 0);
        if (inc)
            ctx->flags |= F80_C1;
    }
    if (!(hi & F80_INT_BIT) && reg)
        exp = 0; /* still a denormal (or zero) in the 80-bit layout */
    return f80_make(sign, exp, hi);
}

static F80 quiet(F80 a)
{
    a.sig |= F80_QUIET_BIT;
    return a;
}

F80 f80_propagate_nan(F80Ctx *ctx, F80 a, F80 b, bool two)
{
    F80Parts pa = f80_unpack(a), pb = two ? f80_unpack(b) : (F80Parts){0};
    bool na = pa.cls == F80_CLS_QNAN || pa.cls == F80_CLS_SNAN;
    bool nb = two && (pb.cls == F80_CLS_QNAN || pb.cls == F80_CLS_SNAN);
    if (pa.cls == F80_CLS_SNAN || pb.cls == F80_CLS_SNAN)
        ctx->flags |= F80_IE;
    if (!nb)
        return quiet(a);
    if (!na)
        return quiet(b);
    /* Both NaNs (SDM vol. 1 table 4-7): a QNaN wins over an SNaN, else the
     * larger significand; on a tie the positive one (measured on an AMD
     * EPYC host; XXX: not yet checked on Intel), else the first operand. */
    if (pa.cls != pb.cls)
        return pa.cls == F80_CLS_QNAN ? a : b;
    if ((a.sig << 1) != (b.sig << 1))
        return quiet((a.sig << 1) > (b.sig << 1) ? a : b);
    return quiet(f80_sign(a) && !f80_sign(b) ? b : a);
}

/* Common prologue of the two-operand operations: unsupported encodings and
 * NaNs decide the result on their own. Returns true when *r is final. */
static bool special_pair(F80Ctx *ctx, F80 a, F80 b, const F80Parts *pa, const F80Parts *pb, F80 *r,
                         bool denormal_check)
{
    if (pa->cls == F80_CLS_UNSUPPORTED || pb->cls == F80_CLS_UNSUPPORTED) {
        ctx->flags |= F80_IE;
        *r = f80_indefinite();
        return true;
    }
    if (pa->cls >= F80_CLS_QNAN || pb->cls >= F80_CLS_QNAN) {
        *r = f80_propagate_nan(ctx, a, b, true);
        return true;
    }
    if (denormal_check && (pa->denormal || pb->denormal))
        ctx->flags |= F80_DE;
    return false;
}

static F80 invalid(F80Ctx *ctx)
{
    ctx->flags |= F80_IE;
    return f80_indefinite();
}

static F80 add_sub(F80Ctx *ctx, F80 a, F80 b, bool subtract)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    F80 r;
    if (special_pair(ctx, a, b, &pa, &pb, &r, true))
        return r;
    pb.sign ^= subtract;
    if (pa.cls == F80_CLS_INF || pb.cls == F80_CLS_INF) {
        if (pa.cls == F80_CLS_INF && pb.cls == F80_CLS_INF && pa.sign != pb.sign)
            return invalid(ctx);
        return f80_make(pa.cls == F80_CLS_INF ? pa.sign : pb.sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (pa.cls == F80_CLS_ZERO && pb.cls == F80_CLS_ZERO) {
        int sign = pa.sign == pb.sign ? pa.sign : ctx->rc == F80_RC_DOWN;
        return f80_make(sign, 0, 0);
    }
    /* Zero + x still rounds x to the precision control. */
    if (pa.cls == F80_CLS_ZERO)
        pa = pb, pb.cls = F80_CLS_ZERO;
    if (pb.cls == F80_CLS_ZERO)
        return f80_round_pack(ctx, pa.sign, pa.exp, u128(pa.sig, 0), ctx->pc, 1, 0x7ffe);

    if (pa.exp < pb.exp || (pa.exp == pb.exp && pa.sig < pb.sig)) {
        F80Parts t = pa;
        pa = pb;
        pb = t;
    }
    /* Magnitudes with the integer bit at 126, leaving room for a carry. */
    U128 ma = u128(pa.sig >> 1, pa.sig << 63);
    U128 mb = u128_shr_jam(u128(pb.sig >> 1, pb.sig << 63), pa.exp - pb.exp);
    U128 m = pa.sign == pb.sign ? u128_add(ma, mb) : u128_sub(ma, mb);
    if (u128_zero(m))
        return f80_make(ctx->rc == F80_RC_DOWN, 0, 0);
    int lz = u128_clz(m);
    return f80_round_pack(ctx, pa.sign, pa.exp + 1 - lz, u128_shl(m, lz), ctx->pc, 1, 0x7ffe);
}

F80 f80_ref_add(F80Ctx *ctx, F80 a, F80 b)
{
    return add_sub(ctx, a, b, false);
}
F80 f80_ref_sub(F80Ctx *ctx, F80 a, F80 b)
{
    return add_sub(ctx, a, b, true);
}

F80 f80_ref_mul(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    F80 r;
    if (special_pair(ctx, a, b, &pa, &pb, &r, true))
        return r;
    int sign = pa.sign ^ pb.sign;
    if (pa.cls == F80_CLS_INF || pb.cls == F80_CLS_INF) {
        if (pa.cls == F80_CLS_ZERO || pb.cls == F80_CLS_ZERO)
            return invalid(ctx);
        return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (pa.cls == F80_CLS_ZERO || pb.cls == F80_CLS_ZERO)
        return f80_make(sign, 0, 0);
    U128 m = u128_mul64(pa.sig, pb.sig);
    int lz = u128_clz(m); /* 0 or 1 */
    return f80_round_pack(ctx, sign, pa.exp + pb.exp - F80_EXP_BIAS + 1 - lz, u128_shl(m, lz), ctx->pc, 1,
                          0x7ffe);
}

F80 f80_ref_div(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    F80 r;
    /* A zero divisor takes precedence over DE: denormal / 0 raises ZE only. */
    if (special_pair(ctx, a, b, &pa, &pb, &r, pb.cls != F80_CLS_ZERO))
        return r;
    int sign = pa.sign ^ pb.sign;
    if (pa.cls == F80_CLS_INF) {
        if (pb.cls == F80_CLS_INF)
            return invalid(ctx);
        return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (pb.cls == F80_CLS_INF)
        return f80_make(sign, 0, 0);
    if (pb.cls == F80_CLS_ZERO) {
        if (pa.cls == F80_CLS_ZERO)
            return invalid(ctx);
        ctx->flags |= F80_ZE;
        return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (pa.cls == F80_CLS_ZERO)
        return f80_make(sign, 0, 0);
    /* Restoring division, 67 quotient bits (66 significant at least) and
     * the remainder as a sticky bit. */
    U128 q = u128(0, 0);
    uint64_t rem = pa.sig;
    bool carry = false;
    for (int i = 0; i < 67; i++) {
        bool bit = carry || rem >= pb.sig;
        if (bit)
            rem -= pb.sig;
        q = u128_shl(q, 1);
        q.lo |= bit;
        carry = rem >> 63;
        rem <<= 1;
    }
    q.lo |= rem != 0 || carry;
    int lz = u128_clz(q);
    return f80_round_pack(ctx, sign, pa.exp - pb.exp + F80_EXP_BIAS + 61 - lz, u128_shl(q, lz), ctx->pc, 1,
                          0x7ffe);
}

F80 f80_sqrt(F80Ctx *ctx, F80 a)
{
    F80Parts p = f80_unpack(a);
    if (p.cls == F80_CLS_UNSUPPORTED)
        return invalid(ctx);
    if (p.cls >= F80_CLS_QNAN)
        return f80_propagate_nan(ctx, a, a, false);
    if (p.cls == F80_CLS_ZERO)
        return a;
    if (p.sign)
        return invalid(ctx); /* before DE: a negative denormal raises IE only */
    if (p.denormal)
        ctx->flags |= F80_DE;
    if (p.cls == F80_CLS_INF)
        return a;
    /* x = base * 2^t with t even; the root of N = base * 2^70 is taken
     * digit by digit (two bits of N per root bit), 67-68 root bits. */
    int32_t t = p.exp - F80_EXP_BIAS - 63;
    U128 base = u128(0, p.sig);
    if (t & 1) {
        base = u128_shl(base, 1);
        t--;
    }
    U128 root = u128(0, 0), rem = u128(0, 0);
    for (int g = 67; g >= 0; g--) {
        uint64_t two = 0;
        for (int k = 1; k >= 0; k--) {
            int pos = 2 * g + k - 70;
            uint64_t bit = 0;
            if (pos >= 0)
                bit = pos < 64 ? (base.lo >> pos) & 1 : (base.hi >> (pos - 64)) & 1;
            two = (two << 1) | bit;
        }
        rem = u128_shl(rem, 2);
        rem.lo |= two;
        U128 trial = u128_shl(root, 2);
        trial.lo |= 1;
        root = u128_shl(root, 1);
        if (u128_ge(rem, trial)) {
            rem = u128_sub(rem, trial);
            root.lo |= 1;
        }
    }
    int lz = u128_clz(root);
    U128 m = u128_shl(root, lz);
    m.lo |= !u128_zero(rem);
    return f80_round_pack(ctx, 0, F80_EXP_BIAS + 127 + (t - 70) / 2 - lz, m, ctx->pc, 1, 0x7ffe);
}

F80 f80_round_int(F80Ctx *ctx, F80 a)
{
    F80Parts p = f80_unpack(a);
    if (p.cls == F80_CLS_UNSUPPORTED)
        return invalid(ctx);
    if (p.cls >= F80_CLS_QNAN)
        return f80_propagate_nan(ctx, a, a, false);
    if (p.denormal)
        ctx->flags |= F80_DE;
    if (p.cls != F80_CLS_FINITE || p.exp >= F80_EXP_BIAS + 63)
        return a;
    /* Integer part in hi, fraction (jammed) in lo. */
    U128 v = u128_shr_jam(u128(p.sig, 0), F80_EXP_BIAS + 63 - p.exp);
    bool inc = false;
    switch (ctx->rc) {
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
    if (v.lo)
        ctx->flags |= F80_PE | (inc ? F80_C1 : 0);
    uint64_t n = v.hi + inc;
    if (n == 0)
        return f80_make(p.sign, 0, 0);
    int lz = clz64(n);
    return f80_make(p.sign, F80_EXP_BIAS + 63 - lz, n << lz);
}

uint16_t f80_compare(F80Ctx *ctx, F80 a, F80 b, bool quiet)
{
    F80Parts pa = f80_unpack(a), pb = f80_unpack(b);
    const uint16_t unordered = F80_C3 | F80_C2 | F80_C0;
    if (pa.cls == F80_CLS_UNSUPPORTED || pb.cls == F80_CLS_UNSUPPORTED) {
        ctx->flags |= F80_IE;
        return unordered;
    }
    if (pa.cls >= F80_CLS_QNAN || pb.cls >= F80_CLS_QNAN) {
        if (!quiet || pa.cls == F80_CLS_SNAN || pb.cls == F80_CLS_SNAN)
            ctx->flags |= F80_IE;
        return unordered;
    }
    if (pa.denormal || pb.denormal)
        ctx->flags |= F80_DE;
    if (pa.cls == F80_CLS_ZERO && pb.cls == F80_CLS_ZERO)
        return F80_C3;
    /* Order magnitudes as (class, exponent, significand), then apply signs. */
    int ka = pa.cls == F80_CLS_ZERO ? 0 : pa.cls == F80_CLS_INF ? 2 : 1;
    int kb = pb.cls == F80_CLS_ZERO ? 0 : pb.cls == F80_CLS_INF ? 2 : 1;
    int sa = ka ? (pa.sign ? -1 : 1) : 0, sb = kb ? (pb.sign ? -1 : 1) : 0;
    int cmp;
    if (sa != sb)
        cmp = sa < sb ? -1 : 1;
    else {
        int mag;
        if (ka != kb)
            mag = ka < kb ? -1 : 1;
        else if (ka != 1 || (pa.exp == pb.exp && pa.sig == pb.sig))
            mag = 0;
        else if (pa.exp != pb.exp)
            mag = pa.exp < pb.exp ? -1 : 1;
        else
            mag = pa.sig < pb.sig ? -1 : 1;
        cmp = sa < 0 ? -mag : mag;
    }
    return cmp < 0 ? F80_C0 : cmp == 0 ? F80_C3 : 0;
}

int f80_tag(F80 a)
{
    int e = f80_exp(a);
    if (e == 0)
        return a.sig == 0 ? 1 : 2;
    if (e == F80_EXP_MAX || !(a.sig & F80_INT_BIT))
        return 2;
    return 0;
}

uint16_t f80_examine(F80 a, bool empty)
{
    uint16_t c1 = f80_sign(a) ? F80_C1 : 0;
    if (empty)
        return c1 | F80_C3 | F80_C0;
    int e = f80_exp(a);
    if (e == 0)
        return c1 | (a.sig == 0 ? F80_C3 : F80_C3 | F80_C2);
    if (!(a.sig & F80_INT_BIT))
        return c1; /* unsupported */
    if (e == F80_EXP_MAX)
        return c1 | ((a.sig << 1) == 0 ? F80_C2 | F80_C0 : F80_C0);
    return c1 | F80_C2;
}
