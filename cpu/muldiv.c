/*
 * muldiv.c - MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV
 * (SDM vol. 2: "MUL", "IMUL", "DIV", "IDIV").
 *
 * One-operand forms work on AL/AX (8-bit source), DX:AX (16) or EDX:EAX
 * (32). Division checks both #DE conditions (divisor zero, quotient out of
 * range, including IDIV's -2^(2w-1) / -1) before any register changes.
 *
 * Undefined flags (docs/undefined-flags.md): after MUL and IMUL, SF, ZF and
 * PF follow the low half of the product (the destination for the two- and
 * three-operand forms) and AF is cleared; DIV and IDIV leave all six
 * arithmetic flags unchanged.
 */
#include "cpu/alu.h"

/* CF = OF = `wide`; SF, ZF, PF from the low half; AF = 0. */
static inline void mul_flags(Cpu *c, uint32_t lo, bool wide, int w)
{
    uint32_t f = flags_szp(lo, w);
    if (wide)
        f |= X86_EFLAGS_CF | X86_EFLAGS_OF;
    flags_store(c, X86_EFLAGS_ARITH, f);
}

/* Store a 2w-bit product: AX for w = 8, DX:AX or EDX:EAX otherwise. */
static inline void mul_store(Cpu *c, uint64_t p, int w)
{
    if (w == 8) {
        set_reg16(c, R_EAX, (uint16_t)p);
    } else {
        reg_set(c, R_EAX, w, (uint32_t)p);
        reg_set(c, R_EDX, w, (uint32_t)(p >> w));
    }
}

static inline void mul_w(Cpu *c, const Insn *in, int w)
{
    uint32_t b = rd_E(c, in, w);
    uint64_t p = (uint64_t)reg_get(c, R_EAX, w) * b;
    mul_store(c, p, w);
    mul_flags(c, (uint32_t)p, (p >> w) != 0, w);
}

static inline void imul_w(Cpu *c, const Insn *in, int w)
{
    int32_t b = sext(rd_E(c, in, w), w);
    int64_t p = (int64_t)sext(reg_get(c, R_EAX, w), w) * b;
    uint32_t lo = (uint32_t)p & WIDTH_MASK(w);
    mul_store(c, (uint64_t)p, w);
    mul_flags(c, lo, p != sext(lo, w), w);
}

/* dest = trunc(a * b), signed; CF = OF = the product did not fit. */
static inline void imul_G(Cpu *c, const Insn *in, int32_t a, int32_t b, int w)
{
    int64_t p = (int64_t)a * b;
    uint32_t lo = (uint32_t)p & WIDTH_MASK(w);
    reg_set(c, in->reg, w, lo);
    mul_flags(c, lo, p != sext(lo, w), w);
}

static inline void imul_Gv_Ev_w(Cpu *c, const Insn *in, int w)
{
    int32_t b = sext(rd_E(c, in, w), w);
    imul_G(c, in, sext(reg_get(c, in->reg, w), w), b, w);
}

/* 69 (Iz) and 6B (Ibs, sign-extended by the decoder). A 16-bit Iz arrives
 * zero-extended, so take its low 16 bits as signed. */
static inline void imul_Gv_Ev_Iz_w(Cpu *c, const Insn *in, int w)
{
    imul_G(c, in, sext(rd_E(c, in, w), w), sext(in->imm, w), w);
}

void op_mul_Eb(Cpu *c, const Insn *in) { mul_w(c, in, 8); }
void op_imul_Eb(Cpu *c, const Insn *in) { imul_w(c, in, 8); }
#define mul_Ev_w mul_w
#define imul_Ev_w imul_w
ALU_DEFINE_OPV(mul_Ev)
ALU_DEFINE_OPV(imul_Ev)
ALU_DEFINE_OPV(imul_Gv_Ev)
ALU_DEFINE_OPV(imul_Gv_Ev_Iz)

/* ---- division -------------------------------------------------------- */

/* The 2w-bit dividend: AX, DX:AX or EDX:EAX. */
static inline uint64_t dividend(const Cpu *c, int w)
{
    if (w == 8)
        return c->r[R_EAX] & 0xffff;
    return ((uint64_t)reg_get(c, R_EDX, w) << w) | reg_get(c, R_EAX, w);
}

/* Quotient to AL/AX/EAX, remainder to AH/DX/EDX. */
static inline void div_store(Cpu *c, uint32_t q, uint32_t r, int w)
{
    if (w == 8) {
        set_reg16(c, R_EAX, (uint16_t)((r & 0xff) << 8 | (q & 0xff)));
    } else {
        reg_set(c, R_EAX, w, q);
        reg_set(c, R_EDX, w, r);
    }
}

static inline void div_w(Cpu *c, const Insn *in, int w)
{
    uint32_t d = rd_E(c, in, w);
    if (unlikely(d == 0))
        cpu_raise(c, X86_TRAP_DE, 0);
    uint64_t n = dividend(c, w);
    uint64_t q = n / d;
    if (unlikely(q > WIDTH_MASK(w)))
        cpu_raise(c, X86_TRAP_DE, 0);
    div_store(c, (uint32_t)q, (uint32_t)(n % d), w);
}

static inline void idiv_w(Cpu *c, const Insn *in, int w)
{
    int64_t d = sext(rd_E(c, in, w), w);
    if (unlikely(d == 0))
        cpu_raise(c, X86_TRAP_DE, 0);
    uint64_t u = dividend(c, w);
    /* sign-extend the 2w-bit dividend */
    int64_t n = w == 32 ? (int64_t)u : w == 16 ? (int64_t)(int32_t)u : (int64_t)(int16_t)u;
    /* INT64_MIN / -1 would trap on the host; its quotient is out of range
     * anyway. Smaller widths cannot overflow an int64. */
    if (unlikely(w == 32 && d == -1 && n == INT64_MIN))
        cpu_raise(c, X86_TRAP_DE, 0);
    int64_t q = n / d; /* C truncates toward zero, as IDIV does */
    int64_t r = n % d; /* and the remainder takes the dividend's sign */
    int64_t lim = (int64_t)1 << (w - 1);
    if (unlikely(q < -lim || q >= lim))
        cpu_raise(c, X86_TRAP_DE, 0);
    div_store(c, (uint32_t)q & WIDTH_MASK(w), (uint32_t)r & WIDTH_MASK(w), w);
}

void op_div_Eb(Cpu *c, const Insn *in) { div_w(c, in, 8); }
void op_idiv_Eb(Cpu *c, const Insn *in) { idiv_w(c, in, 8); }
#define div_Ev_w div_w
#define idiv_Ev_w idiv_w
ALU_DEFINE_OPV(div_Ev)
ALU_DEFINE_OPV(idiv_Ev)
