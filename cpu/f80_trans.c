/*
 * f80_trans.c - the x87 transcendental instructions in software: F2XM1,
 * FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS, FPTAN (SDM vol. 2 pages).
 *
 * Internal precision: an unpacked float with a 128-bit significand (Xf
 * below), integer arithmetic only, every operation truncating with a
 * sticky ("jam") bit. The series and reductions keep the error to a few
 * units of 2^-125 relative, so the final rounding to 64 bits (f80_round_pack,
 * current RC, precision control ignored as for every transcendental: SDM
 * vol. 1 8.1.5.2 lists only FADD..FSQRT) is correct except when the exact
 * result lies within that error of a rounding boundary (probability about
 * 2^-60 per random operand). Results the SDM makes exact (zeros, 2^+-1 - 1,
 * log2 of a power of two) are produced exactly, without PE.
 *
 * Small results are built as "main term + small tail" (sin r = r + tail,
 * cos r = 1 + tail, tan r = r + tail) so a tail far below 2^-128 of the main
 * term still pulls the rounding the right way in the directed modes.
 *
 * Argument reduction for FSIN/FCOS/FSINCOS/FPTAN subtracts multiples of
 * pi/2 taken to 66 bits (SDM vol. 1 8.3.10: the x87 reduces with a 66-bit
 * approximation of pi), exactly, in 128-bit fixed point: results for large
 * arguments are those of the hardware, not the mathematically exact ones
 * (tests/unit/test_f80_trans.c finds them identical to the host's).
 *
 * Choices the SDM leaves open, measured on the host (an AMD EPYC):
 * FSINCOS's C1 reports the sine's rounding; FYL2X of a power of two other
 * than 1 reports PE (and UE when tiny) even though y * e is exact; the
 * two-operand instructions report DE only when the result is not IE or ZE;
 * FPTAN of a NaN pushes the NaN rather than 1.0. One choice differs: F2XM1
 * of +-1 gives the exact 1 or -0.5 without PE (the host raises PE and,
 * rounding down, gives 1 - ulp for +1).
 */
#include "cpu/f80_impl.h"

/* value = (-1)^sign * m * 2^(e - 127); m normalized (bit 127 set) or 0. */
typedef struct Xf {
    int sign;
    int32_t e;
    U128 m;
} Xf;

static const Xf XF_ZERO = {0, 0, {0, 0}};
static const Xf XF_ONE = {0, 0, {F80_INT_BIT, 0}};
/* pi, ln 2, log2(e), rounded to 128 bits. */
static const Xf XF_PI = {0, 1, {0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull}};
static const Xf XF_LN2 = {0, -1, {0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull}};
static const Xf XF_LOG2E = {0, 0, {0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e89ull}};
/* atan(j/16), j = 1..16, for the atan reduction. */
static const Xf XF_ATAN16[16] = {
    {0, -5, {0xffaaddb967ef4e36ull, 0xcb2792dc0e2e0d51ull}},
    {0, -4, {0xfeadd4d5617b6e32ull, 0xc897989f3e888ef8ull}},
    {0, -3, {0xbdcbda5e72d81134ull, 0x7b0b4f881c9c7488ull}},
    {0, -3, {0xfadbafc96406eb15ull, 0x6dc79ef5f7a217e6ull}},
    {0, -2, {0x9b13b9b83f5e5e69ull, 0xc5abb498d27af328ull}},
    {0, -2, {0xb7b0ca0f26f78473ull, 0x8aa32122dcfe4483ull}},
    {0, -2, {0xd327761e611fe5b6ull, 0x427c95e9001e7136ull}},
    {0, -2, {0xed63382b0dda7b45ull, 0x6fe445ecbc3a8d03ull}},
    {0, -1, {0x832bf4a6d9867e2aull, 0x4b6a09cb61a515c1ull}},
    {0, -1, {0x8f005d5ef7f59f9bull, 0x5c835e1665c43748ull}},
    {0, -1, {0x9a2f80e671bdda20ull, 0x4226f8e2204ff3bdull}},
    {0, -1, {0xa4bc7d1934f70924ull, 0x19a87f2a457dac9full}},
    {0, -1, {0xaeac4c38b4d8c080ull, 0x14725e2f3e52070aull}},
    {0, -1, {0xb8053e2bc2319e73ull, 0xcb2da55210a4443dull}},
    {0, -1, {0xc0ce85b8ac526640ull, 0x89dd62c46e92fa25ull}},
    {0, -1, {0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull}},
};
/* pi/2 to 66 bits (truncated, which is also the nearest), in units of
 * 2^-65: the x87's reduction constant. */
static const U128 PIO2_66 = {0x3ull, 0x243f6a8885a308d3ull};

/* ---- the 128-bit arithmetic ---------------------------------------- */

static Xf xf_norm(int sign, int32_t e, U128 m)
{
    if (u128_zero(m))
        return (Xf){sign, 0, m};
    int lz = u128_clz(m);
    return (Xf){sign, e - lz, u128_shl(m, lz)};
}

static bool xf_is_zero(Xf a)
{
    return u128_zero(a.m);
}

static Xf xf_from_parts(const F80Parts *p)
{
    return (Xf){p->sign, p->exp - F80_EXP_BIAS, u128(p->sig, 0)};
}

static Xf xf_from_int(int64_t v)
{
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return xf_norm(v < 0, 127, u128(0, u));
}

static Xf xf_neg(Xf a)
{
    a.sign ^= 1;
    return a;
}

/* |a| < |b| */
static bool xf_mag_lt(Xf a, Xf b)
{
    if (xf_is_zero(a) || xf_is_zero(b))
        return !xf_is_zero(b) && xf_is_zero(a);
    if (a.e != b.e)
        return a.e < b.e;
    return !u128_ge(a.m, b.m);
}

static Xf xf_mul(Xf a, Xf b)
{
    if (xf_is_zero(a) || xf_is_zero(b))
        return (Xf){a.sign ^ b.sign, 0, u128(0, 0)};
    U128 hh = u128_mul64(a.m.hi, b.m.hi), hl = u128_mul64(a.m.hi, b.m.lo);
    U128 lh = u128_mul64(a.m.lo, b.m.hi), ll = u128_mul64(a.m.lo, b.m.lo);
    /* 256-bit sum: hh:0 + hl<<64 + lh<<64 + ll */
    U128 mid = u128_add(u128(0, hl.lo), u128(0, lh.lo));
    mid = u128_add(mid, u128(0, ll.hi));
    uint64_t w0 = ll.lo, w1 = mid.lo;
    U128 top = u128_add(hh, u128(0, hl.hi));
    top = u128_add(top, u128(0, lh.hi));
    top = u128_add(top, u128(0, mid.hi));
    bool sticky = (w0 | w1) != 0;
    int32_t e = a.e + b.e;
    if (!(top.hi & F80_INT_BIT)) {
        top = u128_shl(top, 1);
        top.lo |= w1 >> 63;
        sticky = (w0 | (w1 << 1)) != 0;
    } else {
        e += 1;
    }
    top.lo |= sticky;
    return (Xf){a.sign ^ b.sign, e, top};
}

static Xf xf_add(Xf a, Xf b)
{
    if (xf_is_zero(a))
        return b;
    if (xf_is_zero(b))
        return a;
    if (xf_mag_lt(a, b)) {
        Xf t = a;
        a = b;
        b = t;
    }
    U128 bm = u128_shr_jam(b.m, a.e - b.e);
    if (a.sign == b.sign) {
        U128 s = u128_add(a.m, bm);
        if (!u128_ge(s, a.m)) { /* carry out of bit 127 */
            s = u128_shr_jam(s, 1);
            s.hi |= F80_INT_BIT;
            return (Xf){a.sign, a.e + 1, s};
        }
        return (Xf){a.sign, a.e, s};
    }
    return xf_norm(a.sign, a.e, u128_sub(a.m, bm));
}

static Xf xf_sub(Xf a, Xf b)
{
    return xf_add(a, xf_neg(b));
}

/* a / b, b nonzero: restoring division, 128 quotient bits, sticky. */
static Xf xf_div(Xf a, Xf b)
{
    if (xf_is_zero(a))
        return (Xf){a.sign ^ b.sign, 0, a.m};
    U128 rem = a.m, q = u128(0, 0);
    int32_t e = a.e - b.e;
    int steps = 127;
    if (!u128_ge(rem, b.m))
        e -= 1, steps = 128;
    else
        rem = u128_sub(rem, b.m), q.lo = 1;
    /* rem < b.m now; each step doubles it (the bit shifted out of 128 is
     * the carry that forces a subtraction). */
    for (int i = 0; i < steps; i++) {
        bool carry = rem.hi >> 63;
        rem = u128_shl(rem, 1);
        q = u128_shl(q, 1);
        if (carry || u128_ge(rem, b.m)) {
            rem = u128_sub(rem, b.m);
            q.lo |= 1;
        }
    }
    q.lo |= !u128_zero(rem);
    return (Xf){a.sign ^ b.sign, e, q};
}

/* a / d for a small d (< 2^32), by 32-bit digits with two extra digits so
 * the normalized quotient keeps 128 bits. */
static Xf xf_div_small(Xf a, uint32_t d)
{
    uint32_t in[6] = {
        (uint32_t)(a.m.hi >> 32), (uint32_t)a.m.hi, (uint32_t)(a.m.lo >> 32), (uint32_t)a.m.lo, 0, 0};
    uint32_t qd[6];
    uint64_t rem = 0;
    for (int i = 0; i < 6; i++) {
        uint64_t cur = (rem << 32) | in[i];
        qd[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    /* The quotient is qd[0..5] * 2^(e - 127 - 64); find its top word. */
    int k = 0;
    while (k < 2 && qd[k] == 0)
        k++;
    U128 m = u128((uint64_t)qd[k] << 32 | qd[k + 1], (uint64_t)qd[k + 2] << 32 | qd[k + 3]);
    bool sticky = rem != 0;
    for (int i = k + 4; i < 6; i++)
        sticky |= qd[i] != 0;
    int lz = u128_clz(m);
    if (lz) {
        /* pull in the next digit's bits */
        uint64_t next = k + 4 < 6 ? (uint64_t)qd[k + 4] << 32 : 0;
        m = u128_shl(m, lz);
        m.lo |= next >> (64 - lz);
    }
    m.lo |= sticky;
    return (Xf){a.sign, a.e - 32 * k - lz, m};
}

/* Round to the 64-bit significand under ctx->rc; `inexact` forces the
 * sticky bit (every transcendental result that reaches here is irrational). */
static F80 xf_round(F80Ctx *ctx, Xf v, bool inexact)
{
    if (xf_is_zero(v))
        return f80_make(v.sign, 0, 0);
    if (inexact)
        v.m.lo |= 1;
    return f80_round_pack(ctx, v.sign, v.e + F80_EXP_BIAS, v.m, 64, 1, 0x7ffe);
}

/* A value just below |a| in magnitude (by less than 2^-126 relative),
 * sticky: for an exact main term whose neglected tail is of the other sign. */
static Xf xf_below(Xf a)
{
    if (xf_is_zero(a))
        return a;
    a.m = u128_sub(a.m, u128(0, 1));
    if (!(a.m.hi & F80_INT_BIT)) { /* a was a power of two */
        a.m = u128_shl(a.m, 1);
        a.e -= 1;
    }
    a.m.lo |= 1;
    return a;
}

/* A term is negligible once it is 2^-132 below the sum. */
static bool negligible(Xf term, Xf sum)
{
    return xf_is_zero(term) || term.e < sum.e - 132;
}

/* ---- the series ------------------------------------------------------ */

/* ln((1 + s) / (1 - s)) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| < 0.18 */
static Xf ln_ratio(Xf s)
{
    Xf s2 = xf_mul(s, s), term = s, sum = s;
    for (uint32_t k = 3; k < 200; k += 2) {
        term = xf_mul(term, s2);
        Xf t = xf_div_small(term, k);
        if (negligible(t, sum))
            break;
        sum = xf_add(sum, t);
    }
    if (!xf_is_zero(sum))
        sum.e += 1;
    return sum;
}

/* log2 of a finite positive x (not a power of two, or the result loses
 * its exactness: see FYL2X). */
static Xf log2_xf(Xf x)
{
    int32_t e = x.e;
    Xf m = {0, 0, x.m};
    if (x.m.hi >= 0xb504f333f9de6484ull) { /* m >= sqrt(2): use m/2 */
        m.e = -1;
        e += 1;
    }
    Xf s = xf_div(xf_sub(m, XF_ONE), xf_add(m, XF_ONE));
    return xf_add(xf_from_int(e), xf_mul(ln_ratio(s), XF_LOG2E));
}

/* e^u - 1 for |u| <= 1 or so: halve until tiny, series, then double back
 * with e^2u - 1 = E (E + 2), which keeps the relative error. */
static Xf expm1_xf(Xf u)
{
    int k = u.e + 9 > 0 ? u.e + 9 : 0;
    u.e -= k;
    Xf term = u, sum = u;
    for (uint32_t n = 2; n < 100; n++) {
        term = xf_div_small(xf_mul(term, u), n);
        if (negligible(term, sum))
            break;
        sum = xf_add(sum, term);
    }
    Xf two = {0, 1, {F80_INT_BIT, 0}};
    while (k--)
        sum = xf_mul(sum, xf_add(sum, two));
    return sum;
}

/* atan(r) for 0 < r <= 1: atan(r) = atan(c) + atan((r - c) / (1 + r c)),
 * c = j/16 the nearest sixteenth, leaving |d| <= 1/32 for the series. */
static Xf atan_xf(Xf r)
{
    int j = 0;
    if (r.e >= -5) {
        uint64_t v = r.m.hi >> (63 - 5 - r.e); /* floor(r * 32) */
        j = (int)((v + 1) >> 1);
    }
    Xf d = r, base = XF_ZERO;
    if (j > 0) {
        Xf cst = xf_from_int(j);
        cst.e -= 4;
        d = xf_div(xf_sub(r, cst), xf_add(XF_ONE, xf_mul(r, cst)));
        base = XF_ATAN16[j - 1];
    }
    if (xf_is_zero(d))
        return base;
    Xf d2 = xf_mul(d, d), term = d, sum = d;
    for (uint32_t k = 3; k < 200; k += 2) {
        term = xf_mul(term, d2);
        Xf t = xf_div_small(term, k);
        if (negligible(t, sum)) {
            /* |atan d| < |d|: when even d^3/3 is negligible, d may be exact
             * (FPATAN of y and a power of two x), and the sticky bit the
             * final rounding forces would put the result above |d|; step
             * just below it instead, so the directed modes round down. */
            if (k == 3 && j == 0)
                sum = xf_below(sum);
            break;
        }
        sum = xf_add(sum, (k & 2) ? xf_neg(t) : t);
    }
    return xf_add(base, sum);
}

/* sin r - r and cos r - 1 for |r| <= pi/4. */
static void sincos_tails(Xf r, Xf *st, Xf *ct)
{
    Xf r2 = xf_mul(r, r);
    Xf term = r, sum = XF_ZERO;
    for (uint32_t n = 2; n < 100; n += 2) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), n * (n + 1)));
        if (!xf_is_zero(sum) && negligible(term, sum))
            break;
        sum = xf_add(sum, term);
    }
    *st = sum;
    term = XF_ONE, sum = XF_ZERO;
    for (uint32_t n = 1; n < 100; n += 2) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), n * (n + 1)));
        if (!xf_is_zero(sum) && negligible(term, sum))
            break;
        sum = xf_add(sum, term);
    }
    *ct = sum;
}

/*
 * Reduce |x| (finite, nonzero, < 2^63) to r in [-pi/4, pi/4] (by the 66-bit
 * pi/2) and the quadrant q mod 4, so |x| = q * pi66/2 + r.
 */
static Xf reduce(const F80Parts *p, int *q)
{
    int32_t e = p->exp - F80_EXP_BIAS;
    *q = 0;
    if (e < -1) /* |x| < 0.5 < pi/4 */
        return (Xf){0, e, u128(p->sig, 0)};
    /* |x| in units of 2^-65: sig << (e + 2), at most 128 bits for e <= 62 */
    U128 rem = u128_shl(u128(0, p->sig), e + 2);
    uint64_t k = 0;
    for (int i = 62; i >= 0; i--) {
        U128 d = u128_shl(PIO2_66, i);
        if (u128_ge(rem, d)) {
            rem = u128_sub(rem, d);
            k |= 1ull << i;
        }
    }
    int sign = 0;
    U128 other = u128_sub(PIO2_66, rem);
    if (!u128_ge(other, rem)) { /* rem > pi66/4: take the next quadrant */
        rem = other;
        sign = 1;
        k++;
    }
    *q = (int)(k & 3);
    return xf_norm(sign, 127 - 65, rem);
}

/* ---- the instructions ----------------------------------------------- */

static F80 invalid(F80Ctx *ctx)
{
    ctx->flags |= F80_IE;
    return f80_indefinite();
}

/* Unsupported and NaN operands of the one-operand instructions; DE. */
static bool special_one(F80Ctx *ctx, F80 a, const F80Parts *p, F80 *r)
{
    if (p->cls == F80_CLS_UNSUPPORTED) {
        *r = invalid(ctx);
        return true;
    }
    if (p->cls == F80_CLS_QNAN || p->cls == F80_CLS_SNAN) {
        *r = f80_propagate_nan(ctx, a, a, false);
        return true;
    }
    if (p->denormal)
        ctx->flags |= F80_DE;
    return false;
}

/* The same for two operands, a = ST(0), b = ST(1). */
static bool special_two(F80Ctx *ctx, F80 a, F80 b, const F80Parts *pa, const F80Parts *pb, F80 *r)
{
    if (pa->cls == F80_CLS_UNSUPPORTED || pb->cls == F80_CLS_UNSUPPORTED) {
        *r = invalid(ctx);
        return true;
    }
    if (pa->cls >= F80_CLS_QNAN || pb->cls >= F80_CLS_QNAN) {
        *r = f80_propagate_nan(ctx, a, b, true);
        return true;
    }
    if (pa->denormal || pb->denormal)
        ctx->flags |= F80_DE;
    return false;
}

F80 f80_f2xm1(F80Ctx *ctx, F80 a)
{
    F80Parts p = f80_unpack(a);
    F80 r;
    if (special_one(ctx, a, &p, &r))
        return r;
    switch (p.cls) {
    case F80_CLS_ZERO:
        return a;
    case F80_CLS_INF:
        return p.sign ? f80_make(1, F80_EXP_BIAS, F80_INT_BIT) : a;
    default:
        break;
    }
    /* 2^+-1 - 1 is exact: 1 and -0.5. */
    if (p.exp == F80_EXP_BIAS && p.sig == F80_INT_BIT)
        return p.sign ? f80_make(1, F80_EXP_BIAS - 1, F80_INT_BIT) : a;
    /* Outside -1..1 the result is undefined (SDM); the host returns the
     * operand unchanged with PE. */
    if (p.exp >= F80_EXP_BIAS) {
        ctx->flags |= F80_PE;
        return a;
    }
    return xf_round(ctx, expm1_xf(xf_mul(xf_from_parts(&p), XF_LN2)), true);
}

/*
 * y * log2(2^e) = y * e, one rounding at 64 bits. The host reports even
 * this exact product as inexact (and a tiny one as underflow) for every
 * power of two but 1: it goes through the general logarithm. Matched here.
 */
static F80 log_pow2(F80Ctx *ctx, F80 y, int32_t e)
{
    F80Ctx c64 = *ctx;
    c64.pc = 64;
    F80 r = f80_mul(&c64, y, f80_from_int(e));
    ctx->flags = c64.flags;
    if (e != 0) {
        ctx->flags |= F80_PE;
        if (f80_exp(r) == 0 && r.sig != 0)
            ctx->flags |= F80_UE;
    }
    return r;
}

/* y * log2(x): a = x = ST(0), b = y = ST(1). */
static F80 fyl2x_inner(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts px = f80_unpack(a), py = f80_unpack(b);
    F80 r;
    if (special_two(ctx, a, b, &px, &py, &r))
        return r;
    if (px.sign && px.cls != F80_CLS_ZERO)
        return invalid(ctx); /* log of a negative number */
    if (px.cls == F80_CLS_ZERO) {
        if (py.cls == F80_CLS_ZERO)
            return invalid(ctx);
        if (py.cls != F80_CLS_INF)
            ctx->flags |= F80_ZE;
        return f80_make(!py.sign, F80_EXP_MAX, F80_INT_BIT);
    }
    if (px.cls == F80_CLS_INF) {
        if (py.cls == F80_CLS_ZERO)
            return invalid(ctx);
        return f80_make(py.sign, F80_EXP_MAX, F80_INT_BIT);
    }
    int below_one = px.exp < F80_EXP_BIAS;
    bool one = px.exp == F80_EXP_BIAS && px.sig == F80_INT_BIT;
    if (py.cls == F80_CLS_INF) {
        if (one)
            return invalid(ctx);
        return f80_make(py.sign ^ below_one, F80_EXP_MAX, F80_INT_BIT);
    }
    if (py.cls == F80_CLS_ZERO)
        return f80_make(py.sign ^ below_one, 0, 0);
    if (px.sig == F80_INT_BIT)
        return log_pow2(ctx, b, px.exp - F80_EXP_BIAS);
    return xf_round(ctx, xf_mul(xf_from_parts(&py), log2_xf(xf_from_parts(&px))), true);
}

/* y * log2(x + 1): a = x = ST(0), b = y = ST(1). */
static F80 fyl2xp1_inner(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts px = f80_unpack(a), py = f80_unpack(b);
    F80 r;
    if (special_two(ctx, a, b, &px, &py, &r))
        return r;
    if (px.cls == F80_CLS_INF) {
        if (px.sign || py.cls == F80_CLS_ZERO)
            return invalid(ctx);
        return f80_make(py.sign, F80_EXP_MAX, F80_INT_BIT);
    }
    int sign = py.sign ^ px.sign;
    if (px.cls == F80_CLS_ZERO) {
        if (py.cls == F80_CLS_INF)
            return invalid(ctx);
        return f80_make(sign, 0, 0);
    }
    if (py.cls == F80_CLS_INF)
        return f80_make(sign, F80_EXP_MAX, F80_INT_BIT);
    if (py.cls == F80_CLS_ZERO)
        return f80_make(sign, 0, 0);
    Xf x = xf_from_parts(&px);
    if (px.sign && px.exp >= F80_EXP_BIAS) {
        /* x <= -1, far outside the defined range: the host returns the
         * operand unchanged with PE. */
        ctx->flags |= F80_PE;
        return a;
    }
    Xf two = {0, 1, {F80_INT_BIT, 0}}, l;
    if (px.exp < F80_EXP_BIAS - 1) /* |x| < 0.5: x / (2 + x) keeps every bit of x */
        l = xf_mul(ln_ratio(xf_div(x, xf_add(two, x))), XF_LOG2E);
    else { /* beyond the defined range, where 1 + x loses little */
        Xf sum = xf_add(XF_ONE, x);
        if (sum.m.hi == F80_INT_BIT && sum.m.lo == 0) /* 1 + x = 2^e exactly */
            return log_pow2(ctx, b, sum.e);
        l = log2_xf(sum);
    }
    return xf_round(ctx, xf_mul(xf_from_parts(&py), l), true);
}

/* atan2(y, x): a = x = ST(0), b = y = ST(1) (SDM vol. 2 FPATAN table). */
static F80 fpatan_inner(F80Ctx *ctx, F80 a, F80 b)
{
    F80Parts px = f80_unpack(a), py = f80_unpack(b);
    F80 r;
    if (special_two(ctx, a, b, &px, &py, &r))
        return r;
    Xf pio2 = XF_PI, v;
    pio2.e -= 1;
    if (py.cls == F80_CLS_ZERO) {
        if (!px.sign)
            return b; /* +-0 */
        v = XF_PI;
    } else if (px.cls == F80_CLS_ZERO) {
        v = pio2;
    } else if (py.cls == F80_CLS_INF) {
        if (px.cls == F80_CLS_INF) {
            Xf pio4 = XF_PI;
            pio4.e -= 2;
            v = px.sign ? xf_sub(XF_PI, pio4) : pio4;
        } else {
            v = pio2;
        }
    } else if (px.cls == F80_CLS_INF) {
        if (!px.sign)
            return f80_make(py.sign, 0, 0);
        v = XF_PI;
    } else {
        Xf x = xf_from_parts(&px), y = xf_from_parts(&py);
        x.sign = y.sign = 0;
        bool swap = xf_mag_lt(x, y);
        v = swap ? atan_xf(xf_div(x, y)) : atan_xf(xf_div(y, x));
        if (swap)
            v = xf_sub(pio2, v);
        if (px.sign)
            v = xf_sub(XF_PI, v);
    }
    v.sign = py.sign;
    return xf_round(ctx, v, true);
}

/*
 * The common front of FSIN, FCOS, FSINCOS, FPTAN. Returns 1 when *r is
 * final (special operand), 2 when out of range (C2 set, operand
 * unchanged), 0 when *red and *q hold the reduced argument of |a| and
 * *sign the operand's sign.
 */
static int trig_front(F80Ctx *ctx, F80 a, F80 *r, Xf *red, int *q, int *sign)
{
    F80Parts p = f80_unpack(a);
    if (special_one(ctx, a, &p, r))
        return 1;
    if (p.cls == F80_CLS_INF) {
        *r = invalid(ctx);
        return 1;
    }
    if (p.cls == F80_CLS_ZERO) {
        *r = a;
        return 1;
    }
    if (p.exp >= F80_EXP_BIAS + 63) {
        ctx->flags |= F80_C2;
        *r = a;
        return 2;
    }
    *sign = p.sign;
    *red = reduce(&p, q);
    return 0;
}

/* sin and/or cos of x = q * pi/2 + r. */
static void sincos_red(Xf r, int q, int sign, Xf *s, Xf *c)
{
    Xf st, ct;
    sincos_tails(r, &st, &ct);
    Xf sr = xf_add(r, st), cr = xf_add(XF_ONE, ct);
    Xf sv = (q & 1) ? cr : sr, cv = (q & 1) ? sr : cr;
    if (q == 2 || q == 3)
        sv = xf_neg(sv);
    if (q == 1 || q == 2)
        cv = xf_neg(cv);
    sv.sign ^= sign;
    *s = sv;
    *c = cv;
}

void f80_fsincos(F80Ctx *ctx, F80 a, F80 *sin, F80 *cos)
{
    Xf r, s, c;
    int q, sign;
    int st = trig_front(ctx, a, sin, &r, &q, &sign);
    if (st == 1 && f80_unpack(a).cls == F80_CLS_ZERO) {
        *cos = f80_make(0, F80_EXP_BIAS, F80_INT_BIT);
        return;
    }
    if (st) {
        *cos = *sin;
        return;
    }
    sincos_red(r, q, sign, &s, &c);
    /* C1 reports the sine's rounding (ST(1)), as measured on the host. */
    *cos = xf_round(ctx, c, true);
    ctx->flags &= (uint16_t)~F80_C1;
    *sin = xf_round(ctx, s, true);
}

F80 f80_fsin(F80Ctx *ctx, F80 a)
{
    F80 r;
    Xf red, s, c;
    int q, sign;
    if (trig_front(ctx, a, &r, &red, &q, &sign))
        return r;
    sincos_red(red, q, sign, &s, &c);
    return xf_round(ctx, s, true);
}

F80 f80_fcos(F80Ctx *ctx, F80 a)
{
    F80 r;
    Xf red, s, c;
    int q, sign;
    int st = trig_front(ctx, a, &r, &red, &q, &sign);
    if (st == 1 && f80_unpack(a).cls == F80_CLS_ZERO)
        return f80_make(0, F80_EXP_BIAS, F80_INT_BIT);
    if (st)
        return r;
    sincos_red(red, q, sign, &s, &c);
    return xf_round(ctx, c, true);
}

F80 f80_fptan(F80Ctx *ctx, F80 a)
{
    F80 r;
    Xf red, st, ct;
    int q, sign;
    if (trig_front(ctx, a, &r, &red, &q, &sign))
        return r;
    sincos_tails(red, &st, &ct);
    Xf v;
    if (q & 1) {
        /* -cot r = -cos r / sin r */
        v = xf_neg(xf_div(xf_add(XF_ONE, ct), xf_add(red, st)));
    } else {
        /* tan r = r + (sin r - r cos r) / cos r, the tail small */
        Xf tail = xf_div(xf_sub(st, xf_mul(red, ct)), xf_add(XF_ONE, ct));
        v = xf_add(red, tail);
    }
    v.sign ^= sign;
    return xf_round(ctx, v, true);
}

/*
 * The two-operand instructions raise DE for a denormal operand only when
 * the result is not an invalid operation or a zero divide (the host never
 * reports DE with IE or ZE from these, e.g. FYL2X of a denormal and -0).
 */
static F80 de_rule(F80Ctx *ctx, uint16_t old, F80 r)
{
    if ((ctx->flags & ~old) & (F80_IE | F80_ZE))
        ctx->flags = (uint16_t)((ctx->flags & ~F80_DE) | (old & F80_DE));
    return r;
}

F80 f80_fyl2x(F80Ctx *ctx, F80 a, F80 b)
{
    uint16_t old = ctx->flags;
    return de_rule(ctx, old, fyl2x_inner(ctx, a, b));
}

F80 f80_fyl2xp1(F80Ctx *ctx, F80 a, F80 b)
{
    uint16_t old = ctx->flags;
    return de_rule(ctx, old, fyl2xp1_inner(ctx, a, b));
}

F80 f80_fpatan(F80Ctx *ctx, F80 a, F80 b)
{
    uint16_t old = ctx->flags;
    return de_rule(ctx, old, fpatan_inner(ctx, a, b));
}
