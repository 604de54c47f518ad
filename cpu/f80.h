/*
 * f80.h - 80-bit extended-precision arithmetic in software, the core of the
 * x87 FPU (SDM vol. 1 chapters 4 and 8).
 *
 * Every result is computed with integer arithmetic only, so it is the same
 * bit for bit on every host; the host's `long double` is never used.
 *
 *   79  78        64 63 62                          0
 *  +---+------------+--+-----------------------------+
 *  | S |  exponent  |J |          fraction           |
 *  +---+------------+--+-----------------------------+
 *  F80.se = S:exponent, F80.sig = J:fraction (the integer bit J is explicit)
 *
 * Operations take an F80Ctx: rounding control (RC, 0-3 as in the control
 * word), precision control (24, 53 or 64 significand bits; it applies only
 * where the SDM says so: add, sub, mul, div, sqrt) and the flags they raise,
 * which are ORed into ctx->flags in status-word bit positions. The flags are
 * the *masked* response: results are what the x87 delivers when the
 * exception is masked, and UE is raised only for a tiny result that is also
 * inexact (SDM vol. 1 4.9.1.5).
 *
 * Unmasked responses: with F80_OE/F80_UE in ctx->unmasked, an overflowing
 * or tiny result bound for a register is delivered rounded with its
 * exponent biased by -/+ 24576 (0x6000), and UE is raised for any tiny
 * result, exact or not (SDM vol. 1 4.9.1.4, 4.9.1.5, 8.5.4, 8.5.5). For a
 * float32/float64 store the x87 writes nothing to memory then, so those
 * conversions return the masked value and only the flags differ. The other
 * unmasked responses are the handlers' job: with IE, ZE or DE unmasked
 * (and raised) the destination is left unchanged and #MF follows; PE
 * unmasked still delivers the result.
 *
 * C1 follows the x87's "rounded up" convention: an operation that rounds a
 * result away from zero (in magnitude) ORs F80_C1 into flags; the handler
 * clears C1 before the operation. f80_prem and f80_compare/f80_examine
 * report condition codes in the same status-word positions.
 */
#ifndef RINGSIDE_F80_H
#define RINGSIDE_F80_H

#include <stdbool.h>
#include <stdint.h>

typedef struct F80 {
    uint64_t sig; /* J:fraction, integer bit explicit */
    uint16_t se;  /* sign (bit 15) and biased exponent (bits 14-0) */
} F80;

typedef struct F80Ctx {
    int rc;         /* F80_RC_* */
    int pc;         /* significand bits: 24, 53 or 64 */
    uint16_t flags; /* F80_IE ... F80_C3, ORed in by each operation */
    /*
     * F80_OE and/or F80_UE when unmasked in the control word (0: all
     * masked). They change the result: see "Unmasked responses" above.
     */
    uint16_t unmasked;
} F80Ctx;

/* Rounding control, as in control-word bits 11-10. */
enum { F80_RC_NEAREST = 0, F80_RC_DOWN = 1, F80_RC_UP = 2, F80_RC_ZERO = 3 };

/* Status-word bits. */
#define F80_IE 0x0001u /* invalid operation */
#define F80_DE 0x0002u /* denormal operand */
#define F80_ZE 0x0004u /* zero divide */
#define F80_OE 0x0008u /* overflow */
#define F80_UE 0x0010u /* underflow */
#define F80_PE 0x0020u /* precision (inexact) */
#define F80_C0 0x0100u
#define F80_C1 0x0200u
#define F80_C2 0x0400u
#define F80_C3 0x4000u
#define F80_CC_MASK (F80_C0 | F80_C1 | F80_C2 | F80_C3)

#define F80_EXP_BIAS 16383
#define F80_EXP_MAX 0x7fff
#define F80_UNMASKED_BIAS 24576 /* 0x6000, SDM vol. 1 4.9.1.4 */
#define F80_INT_BIT 0x8000000000000000ull
#define F80_QUIET_BIT 0x4000000000000000ull

/* The x87 default NaN ("real indefinite"): -QNaN 0xFFFF C000000000000000. */
static inline F80 f80_indefinite(void)
{
    return (F80){0xc000000000000000ull, 0xffff};
}
static inline F80 f80_make(int sign, int exp, uint64_t sig)
{
    return (F80){sig, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff))};
}
static inline int f80_sign(F80 a)
{
    return a.se >> 15;
}
static inline int f80_exp(F80 a)
{
    return a.se & 0x7fff;
}
static inline F80 f80_neg(F80 a)
{
    a.se ^= 0x8000;
    return a;
}
static inline F80 f80_abs(F80 a)
{
    a.se &= 0x7fff;
    return a;
}

/* Arithmetic, rounded under ctx->rc to ctx->pc bits. */
F80 f80_add(F80Ctx *ctx, F80 a, F80 b);
F80 f80_sub(F80Ctx *ctx, F80 a, F80 b); /* a - b */
F80 f80_mul(F80Ctx *ctx, F80 a, F80 b);
F80 f80_div(F80Ctx *ctx, F80 a, F80 b); /* a / b */
F80 f80_sqrt(F80Ctx *ctx, F80 a);

/* FRNDINT: round to an integral value under ctx->rc (ctx->pc ignored). */
F80 f80_round_int(F80Ctx *ctx, F80 a);

/*
 * FCOM (quiet = false: any NaN is invalid) and FUCOM (quiet = true: only
 * SNaN is). Returns C3:C2:C0 in status-word positions: 000 a > b, C0 a < b,
 * C3 a = b, all three unordered. The same bits map onto ZF:PF:CF for FCOMI.
 */
uint16_t f80_compare(F80Ctx *ctx, F80 a, F80 b, bool quiet);

/* FXAM: C3:C2:C0 class and C1 = sign, in status-word positions. */
uint16_t f80_examine(F80 a, bool empty);

/* FILD: exact. */
F80 f80_from_int(int64_t v);
/*
 * FIST/FISTP (truncate = false, rounds under ctx->rc) and FISTTP (truncate
 * = true) to a signed integer of `bits` (16, 32, 64). Out of range, NaN,
 * infinity or unsupported: IE and the integer indefinite (the most negative
 * value). The result is sign-extended to int64_t.
 */
int64_t f80_to_int(F80Ctx *ctx, F80 a, int bits, bool truncate);

/* FLD m32/m64: exact; SNaN -> IE and quieted; denormal -> DE. */
F80 f80_from_f32(F80Ctx *ctx, uint32_t v);
F80 f80_from_f64(F80Ctx *ctx, uint64_t v);
/* FST m32/m64: rounded under ctx->rc to the format (ctx->pc ignored). */
uint32_t f80_to_f32(F80Ctx *ctx, F80 a);
uint64_t f80_to_f64(F80Ctx *ctx, F80 a);

/*
 * FBLD/FBSTP: 18-digit packed BCD, bcd[0] the two lowest digits, bcd[9]
 * bit 7 the sign. Loading is exact (digits above 9 give an undefined result
 * on the x87; here they just weigh 10-15). Storing rounds under ctx->rc; a
 * NaN, infinity, unsupported value or |a| >= 10^18 is IE and stores the
 * BCD indefinite (FF FF C0 00 .. 00, bcd[9] first).
 */
F80 f80_from_bcd(const uint8_t bcd[10]);
void f80_to_bcd(F80Ctx *ctx, F80 a, uint8_t bcd[10]);

/* FSCALE: a * 2^trunc(b). */
F80 f80_scale(F80Ctx *ctx, F80 a, F80 b);
/* FXTRACT: a = *sig * 2^*exp; *exp goes to ST1 after the push, *sig to ST0. */
void f80_xtract(F80Ctx *ctx, F80 a, F80 *exp, F80 *sig);
/*
 * FPREM (ieee = false, quotient truncated) and FPREM1 (ieee = true, rounded
 * to nearest): partial remainder of a / b. Sets C2 when the reduction is
 * incomplete (exponent difference >= 64), else C0:C3:C1 = Q2:Q1:Q0.
 */
F80 f80_prem(F80Ctx *ctx, F80 a, F80 b, bool ieee);

/*
 * Transcendentals (f80_trans.c): rounded under ctx->rc to 64 bits always
 * (precision control does not apply), within 1 ulp, PE on every inexact
 * result. a = ST(0), b = ST(1) for the two-operand ones, whose result
 * replaces ST(1). FSIN/FCOS/FSINCOS/FPTAN with |a| >= 2^63 set F80_C2 in
 * ctx->flags and return a unchanged (the handler then leaves the stack
 * alone); their arguments are reduced by a 66-bit pi/2 as on the x87.
 */
F80 f80_f2xm1(F80Ctx *ctx, F80 a);          /* 2^a - 1 */
F80 f80_fyl2x(F80Ctx *ctx, F80 a, F80 b);   /* b * log2(a) */
F80 f80_fyl2xp1(F80Ctx *ctx, F80 a, F80 b); /* b * log2(a + 1) */
F80 f80_fpatan(F80Ctx *ctx, F80 a, F80 b);  /* atan2(b, a) */
F80 f80_fsin(F80Ctx *ctx, F80 a);
F80 f80_fcos(F80Ctx *ctx, F80 a);
F80 f80_fptan(F80Ctx *ctx, F80 a); /* tan only; FPTAN pushes 1.0 */
void f80_fsincos(F80Ctx *ctx, F80 a, F80 *sin, F80 *cos);

/* Tag-word class of a register's contents (SDM vol. 1 8.1.7): 0 valid,
 * 1 zero, 2 special (NaN, infinity, denormal, pseudo-denormal,
 * unsupported); 3, empty, is the handlers' to track. */
int f80_tag(F80 a);

/* Classes for handlers that need them (tag word, operand checks). */
bool f80_is_nan(F80 a);
bool f80_is_snan(F80 a);
bool f80_is_unsupported(F80 a);
bool f80_is_denormal(F80 a); /* exponent 0, significand nonzero (incl. pseudo) */

#endif
