/*
 * fpu.c - the x87 FPU's handlers (SDM vol. 1 chapter 8, vol. 2 F*): the
 * eight escape bytes D8-DF, decoded here by ModRM (memory forms by reg,
 * register forms by reg and rm), arithmetic, compares, stack and control
 * instructions, and WAIT. Loads, stores and the environment images are in
 * fpu_ldst.c; the 80-bit arithmetic itself in f80.c.
 *
 * Every escape first checks CR0.EM and CR0.TS (#NM), then, unless it is one
 * of the non-waiting FN* control instructions, a pending unmasked exception
 * (#MF). An operation's exceptions are recorded by fpu_commit(): masked,
 * the x87's default result is delivered; unmasked, the status word gets ES
 * and B and the #MF comes with the next waiting instruction (SDM vol. 1
 * 8.6, "deferred" exception reporting).
 */
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/fpu_impl.h"
#include "cpu/handlers.h"

void fpu_reset(Cpu *c)
{
    Fpu *f = &c->fpu;
    f->cw = FCW_DEFAULT;
    f->sw = 0;
    f->top = 0;
    f->empty = 0xff;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = f->fop = 0;
    /* The registers keep their contents (FNINIT only tags them empty). */
}

/* The full tag word, by physical register (SDM vol. 1 8.1.7). */
uint16_t fpu_tag_word(const Fpu *f)
{
    uint16_t tw = 0;
    for (int p = 0; p < 8; p++) {
        int t = ((f->empty >> p) & 1) ? 3 : f80_tag(f->st[p]);
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

/* A pending unmasked exception meets a waiting instruction. */
static void fpu_pending(Cpu *c)
{
    if (c->cr0 & X86_CR0_NE)
        cpu_raise(c, X86_TRAP_MF, 0);
    /* CR0.NE = 0: the PC-compatible route (SDM vol. 1, 8.7 and D.2.1).
     * FERR# goes to the board, which raises IRQ 13; the board's IGNNE#
     * logic lets the instruction go on, as the AT's does once its
     * latch is set, and the IRQ 13 handler clears the latch through port
     * 0xF0 and the exception flags with FNCLEX. */
    if (c->ferr)
        c->ferr(c->ferr_opaque);
}

/* Instructions that neither wait for pending exceptions nor record the
 * instruction pointers: FNSTENV, FNSTCW, FNSAVE, FNSTSW, FNCLEX, FNINIT
 * (and the 8087/287 leftovers FENI, FDISI, FSETPM, which do nothing). */
static inline bool fpu_nowait(int esc, const Insn *in)
{
    if (in->mod != 3)
        return (esc == 0xd9 && in->reg >= 6) || (esc == 0xdd && in->reg >= 6);
    if (esc == 0xdb)
        return in->reg == 4 && in->rm <= 4;
    return esc == 0xdf && in->reg == 4 && in->rm == 0;
}

/* Control instructions that wait but leave FIP/FDP/FOP alone: FLDENV,
 * FLDCW, FRSTOR. */
static inline bool fpu_control_waiting(int esc, const Insn *in)
{
    return in->mod != 3 && ((esc == 0xd9 && (in->reg == 4 || in->reg == 5)) ||
                            (esc == 0xdd && in->reg == 4));
}

/* Inlined into each escape byte's handler, where esc is a constant that
 * folds the control-instruction checks away for D8, DA, DC and DE. Returns
 * the memory operand's offset (0 for a register form), which the handlers
 * then use rather than working it out again. */
static inline __attribute__((always_inline)) uint32_t fpu_enter(Cpu *c, const Insn *in, int esc)
{
    if (c->cr0 & (X86_CR0_EM | X86_CR0_TS))
        cpu_raise(c, X86_TRAP_NM, 0);
    uint32_t ea = in->mod != 3 ? insn_ea(c, in) : 0;
    if (fpu_nowait(esc, in))
        return ea;
    if (c->fpu.sw & FSW_ES)
        fpu_pending(c);
    if (fpu_control_waiting(esc, in))
        return ea;
    Fpu *f = &c->fpu;
    f->fip = c->insn_eip;
    f->fcs = c->seg[SEG_CS].sel;
    f->fop = (uint16_t)(((esc & 7) << 8) | (in->mod << 6) | (in->reg << 3) | in->rm);
    f->fdp = ea;
    f->fds = in->mod != 3 ? c->seg[in->seg].sel : 0;
    return ea;
}

void op_wait(Cpu *c, const Insn *in)
{
    (void)in;
    if ((c->cr0 & (X86_CR0_MP | X86_CR0_TS)) == (X86_CR0_MP | X86_CR0_TS))
        cpu_raise(c, X86_TRAP_NM, 0);
    if (c->fpu.sw & FSW_ES)
        fpu_pending(c);
}

/* ---- arithmetic ------------------------------------------------------- */

/* ModRM.reg of D8/DC/DA/DE: 0 add, 1 mul, 2 com, 3 comp, 4 sub (a - b),
 * 5 subr (b - a), 6 div (a / b), 7 divr (b / a). */
static F80 arith(F80Ctx *x, int op, F80 a, F80 b)
{
    switch (op) {
    case 0: return f80_add(x, a, b);
    case 1: return f80_mul(x, a, b);
    case 4: return f80_sub(x, a, b);
    case 5: return f80_sub(x, b, a);
    case 6: return f80_div(x, a, b);
    default: return f80_div(x, b, a);
    }
}

/* ST(d) = ST(d) op b, popping after when asked; a missing operand is a
 * stack underflow whose masked result is the real indefinite. */
static void arith_to(Cpu *c, F80Ctx *x, int op, int d, bool b_empty, F80 b, bool pop)
{
    Fpu *f = &c->fpu;
    F80 r;
    if (fpu_empty(f, d) || b_empty) {
        x->flags |= FPU_UNDERFLOW;
        r = f80_indefinite();
    } else {
        r = arith(x, op, fpu_st(f, d), b);
    }
    if (!fpu_commit(c, x->flags))
        return;
    fpu_set(f, d, r);
    if (pop)
        fpu_pop(f);
}

/* Compare a with b into C3:C2:C0 (C1 cleared); a missing operand is a
 * stack underflow, unordered when masked. Returns whether it committed
 * (it did not when IE or DE is unmasked and raised). */
static bool compare(Cpu *c, F80Ctx *x, bool missing, F80 a, F80 b, bool quiet, uint16_t *cc)
{
    Fpu *f = &c->fpu;
    if (missing) {
        x->flags |= FPU_UNDERFLOW;
        *cc = F80_C3 | F80_C2 | F80_C0;
    } else {
        *cc = f80_compare(x, a, b, quiet) & (F80_C3 | F80_C2 | F80_C0);
    }
    if (!fpu_commit(c, x->flags & (FSW_EXC | FSW_SF)))
        return false;
    f->sw = (uint16_t)((f->sw & ~F80_CC_MASK) | *cc);
    return true;
}

static void fcom(Cpu *c, F80Ctx *x, bool b_empty, F80 b, bool quiet, int pops)
{
    Fpu *f = &c->fpu;
    uint16_t cc;
    if (compare(c, x, fpu_empty(f, 0) || b_empty, fpu_st(f, 0), b, quiet, &cc))
        while (pops--)
            fpu_pop(f);
}

/* FCOMI/FUCOMI(P): the result in ZF:PF:CF, OF/SF/AF cleared. */
static void fcomi(Cpu *c, int i, bool quiet, bool pop)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    uint16_t cc;
    bool missing = fpu_empty(f, 0) || fpu_empty(f, i);
    if (missing)
        x.flags |= FPU_UNDERFLOW, cc = F80_C3 | F80_C2 | F80_C0;
    else
        cc = f80_compare(&x, fpu_st(f, 0), fpu_st(f, i), quiet);
    if (!fpu_commit(c, x.flags & (FSW_EXC | FSW_SF)))
        return;
    uint32_t fl = ((cc & F80_C3) ? X86_EFLAGS_ZF : 0) | ((cc & F80_C2) ? X86_EFLAGS_PF : 0) |
                  ((cc & F80_C0) ? X86_EFLAGS_CF : 0);
    c->eflags = (c->eflags & ~X86_EFLAGS_ARITH) | fl;
    if (pop)
        fpu_pop(f);
}

/* D8, DC, DA, DE memory forms: ST(0) op m32fp / m64fp / m32int / m16int. */
static void arith_mem(Cpu *c, const Insn *in, int esc, uint32_t ea)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 b;
    F80Ctx conv = x;
    switch (esc) {
    case 0xd8: b = f80_from_f32(&conv, cpu_rd32(c, in->seg, ea)); break;
    case 0xdc: b = f80_from_f64(&conv, fpu_rd64(c, in->seg, ea)); break;
    case 0xda: b = f80_from_int((int32_t)cpu_rd32(c, in->seg, ea)); break;
    default: b = f80_from_int((int16_t)cpu_rd16(c, in->seg, ea)); break;
    }
    /* The conversion's flags are the operation's, with the operation's
     * precedence (SDM vol. 1 4.9.2; found by tests/fpudiff): an SNaN
     * operand stays signaling, so that a QNaN in ST(0) is the result (SDM
     * vol. 1 table 4-7) and the operation raises the IE itself; a denormal
     * operand's DE does not count beside a NaN, an unsupported or a
     * missing ST(0). */
    if (conv.flags & F80_IE)
        b.sig &= ~F80_QUIET_BIT;
    if ((conv.flags & F80_DE) && !fpu_empty(f, 0) && !f80_is_nan(fpu_st(f, 0)) &&
        !f80_is_unsupported(fpu_st(f, 0)) &&
        !(in->reg == 7 && f80_tag(fpu_st(f, 0)) == 1)) /* denormal / 0: ZE only */
        x.flags |= F80_DE;
    if (in->reg == 2 || in->reg == 3)
        fcom(c, &x, false, b, false, in->reg - 2);
    else
        arith_to(c, &x, in->reg, 0, false, b, false);
}

/* D8 (ST(0) = ST(0) op ST(i)), DC and DE (ST(i) = ST(i) op ST(0), DE
 * popping). In DC/DE the SUB/SUBR and DIV/DIVR encodings swap: DC E8+i is
 * FSUB ST(i), ST(0), i.e. ST(i) - ST(0) (SDM vol. 2, FSUB opcode table).
 * DC D0/D8 and DE D0 are the undocumented FCOM/FCOMP aliases. */
static void arith_reg(Cpu *c, const Insn *in, int esc)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    int i = in->rm, op = in->reg;
    if (op == 2 || op == 3) {
        if (esc == 0xde && op == 3) {
            if (i != 1)
                cpu_raise(c, X86_TRAP_UD, 0);
            fcom(c, &x, fpu_empty(f, 1), fpu_st(f, 1), false, 2); /* FCOMPP */
            return;
        }
        fcom(c, &x, fpu_empty(f, i), fpu_st(f, i), false, esc == 0xde ? 1 : op - 2);
        return;
    }
    if (esc == 0xd8)
        arith_to(c, &x, op, 0, fpu_empty(f, i), fpu_st(f, i), false);
    else
        arith_to(c, &x, op >= 4 ? op ^ 1 : op, i, fpu_empty(f, 0), fpu_st(f, 0), esc == 0xde);
}

/* ---- one-operand and stack instructions (D9 register forms) --------- */

/* ST(0) = fn(ST(0)): FCHS, FABS, FSQRT, FRNDINT. */
static void unary(Cpu *c, int which)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 a = fpu_st(f, 0), r;
    if (fpu_empty(f, 0)) {
        x.flags |= FPU_UNDERFLOW;
        r = f80_indefinite();
    } else {
        switch (which) {
        case 0: r = f80_neg(a); break;
        case 1: r = f80_abs(a); break;
        case 2: r = f80_sqrt(&x, a); break;
        default: r = f80_round_int(&x, a); break;
        }
    }
    if (fpu_commit(c, x.flags))
        fpu_set(f, 0, r);
}

/* FSCALE (which 0), FPREM (1), FPREM1 (2): ST(0) = fn(ST(0), ST(1)).
 * FPREM's C0, C2, C3 (and C1, through fpu_commit) come from f80_prem;
 * FSCALE leaves C0, C2, C3 alone. */
static void binary01(Cpu *c, int which)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 r;
    if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
        x.flags |= FPU_UNDERFLOW;
        r = f80_indefinite();
    } else if (which == 0) {
        r = f80_scale(&x, fpu_st(f, 0), fpu_st(f, 1));
    } else {
        r = f80_prem(&x, fpu_st(f, 0), fpu_st(f, 1), which == 2);
    }
    if (!fpu_commit(c, x.flags))
        return;
    /* No reduction (a NaN result: an invalid or NaN operand, a stack
     * underflow) leaves C0 and C3 as they were and clears C2 (and C1,
     * through fpu_commit): the SDM leaves the codes of that case open; the
     * host x87 (tests/fpudiff, AMD EPYC) and Bochs's Intel model agree. */
    if (which != 0 && !f80_is_nan(r))
        f->sw = (uint16_t)((f->sw & ~(F80_C0 | F80_C2 | F80_C3)) |
                           (x.flags & (F80_C0 | F80_C2 | F80_C3)));
    else if (which != 0)
        f->sw &= (uint16_t)~F80_C2;
    fpu_set(f, 0, r);
}

/* FXTRACT: ST(0) = exponent, then push the significand. */
static void fxtract(Cpu *c)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 e = f80_indefinite(), s = f80_indefinite();
    if (fpu_empty(f, 0))
        x.flags |= FPU_UNDERFLOW;
    else if (!fpu_empty(f, 7))
        x.flags |= FPU_OVERFLOW;
    else
        f80_xtract(&x, fpu_st(f, 0), &e, &s);
    if (!fpu_commit(c, x.flags))
        return;
    fpu_set(f, 0, e);
    fpu_push(f, s);
}

/* FXCH: masked underflow first replaces an empty operand with the real
 * indefinite (SDM vol. 2 FXCH). */
static void fxch(Cpu *c, int i)
{
    Fpu *f = &c->fpu;
    uint16_t flags = 0;
    F80 a = fpu_st(f, 0), b = fpu_st(f, i);
    if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        flags = FPU_UNDERFLOW;
        if (fpu_empty(f, 0))
            a = f80_indefinite();
        if (fpu_empty(f, i))
            b = f80_indefinite();
    }
    if (!fpu_commit(c, flags))
        return;
    fpu_set(f, 0, b);
    fpu_set(f, i, a);
}

/* FLD ST(i). */
static void fld_st(Cpu *c, int i)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 v = fpu_st(f, i);
    if (fpu_empty(f, i)) {
        x.flags |= FPU_UNDERFLOW;
        v = f80_indefinite();
    }
    fpu_push_checked(c, &x, v);
}

/* FST/FSTP ST(i). */
static void fst_st(Cpu *c, int i, bool pop)
{
    Fpu *f = &c->fpu;
    uint16_t flags = 0;
    F80 v = fpu_st(f, 0);
    if (fpu_empty(f, 0)) {
        flags = FPU_UNDERFLOW;
        v = f80_indefinite();
    }
    if (!fpu_commit(c, flags))
        return;
    fpu_set(f, i, v);
    if (pop)
        fpu_pop(f);
}

/* FCMOVcc ST(0), ST(i); cc is a Jcc condition number. */
static void fcmov(Cpu *c, int cc, int i)
{
    Fpu *f = &c->fpu;
    if (fpu_empty(f, 0) || fpu_empty(f, i)) {
        if (fpu_commit(c, FPU_UNDERFLOW))
            fpu_set(f, 0, f80_indefinite());
        return;
    }
    fpu_commit(c, 0);
    if (cpu_cond(c, cc))
        fpu_set(f, 0, fpu_st(f, i));
}

/* ---- transcendentals (the arithmetic in f80_trans.c) ----------------- */

/* Set C2 from the operation (FSIN, FCOS, FPTAN, FSINCOS: 1 = out of range). */
static void set_c2(Fpu *f, uint16_t flags)
{
    f->sw = (uint16_t)((f->sw & ~F80_C2) | (flags & F80_C2));
}

/* F2XM1 (which 0), FSIN (1), FCOS (2): ST(0) = fn(ST(0)). */
static void trans_unary(Cpu *c, int which)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 a = fpu_st(f, 0), r;
    if (fpu_empty(f, 0)) {
        x.flags |= FPU_UNDERFLOW;
        r = f80_indefinite();
    } else if (which == 0) {
        r = f80_f2xm1(&x, a);
    } else {
        r = which == 1 ? f80_fsin(&x, a) : f80_fcos(&x, a);
    }
    if (!fpu_commit(c, x.flags))
        return;
    if (which != 0)
        set_c2(f, x.flags);
    fpu_set(f, 0, r);
}

/* FYL2X (0), FYL2XP1 (1), FPATAN (2): ST(1) = fn(ST(0), ST(1)), pop. */
static void trans_binary(Cpu *c, int which)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 a = fpu_st(f, 0), b = fpu_st(f, 1), r;
    if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
        x.flags |= FPU_UNDERFLOW;
        r = f80_indefinite();
    } else if (which == 0) {
        r = f80_fyl2x(&x, a, b);
    } else if (which == 1) {
        r = f80_fyl2xp1(&x, a, b);
    } else {
        r = f80_fpatan(&x, a, b);
    }
    if (!fpu_commit(c, x.flags))
        return;
    fpu_set(f, 1, r);
    fpu_pop(f);
}

/* FPTAN (which 0: ST(0) = tan, push 1.0) and FSINCOS (1: ST(0) = sin, push
 * cos). Out of range (C2) leaves the stack alone; a full stack is a stack
 * overflow whose masked response fills both with the real indefinite. */
static void trans_push(Cpu *c, int which)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 a = fpu_st(f, 0), r0 = f80_indefinite(), r1 = f80_indefinite();
    if (fpu_empty(f, 0)) {
        x.flags |= FPU_UNDERFLOW;
    } else if (!fpu_empty(f, 7)) {
        x.flags |= FPU_OVERFLOW;
    } else if (which == 0) {
        r0 = f80_fptan(&x, a);
        r1 = f80_is_nan(r0) ? r0 : f80_make(0, F80_EXP_BIAS, F80_INT_BIT);
    } else {
        f80_fsincos(&x, a, &r0, &r1);
    }
    if (!fpu_commit(c, x.flags))
        return;
    set_c2(f, x.flags);
    if (x.flags & F80_C2)
        return;
    fpu_set(f, 0, r0);
    fpu_push(f, r1);
}

static void d9_reg(Cpu *c, const Insn *in)
{
    Fpu *f = &c->fpu;
    int i = in->rm;
    switch (in->reg) {
    case 0: fld_st(c, i); return;
    case 1: fxch(c, i); return;
    case 2:
        if (i != 0)
            cpu_raise(c, X86_TRAP_UD, 0);
        return; /* FNOP */
    case 3: fst_st(c, i, true); return; /* undocumented FSTP alias */
    case 4:
        switch (i) {
        case 0: unary(c, 0); return; /* FCHS */
        case 1: unary(c, 1); return; /* FABS */
        case 4: {                    /* FTST */
            F80Ctx x = fpu_ctx(f);
            fcom(c, &x, false, f80_make(0, 0, 0), false, 0);
            return;
        }
        case 5: /* FXAM: never faults, even on an empty register */
            f->sw = (uint16_t)((f->sw & ~F80_CC_MASK) |
                               f80_examine(fpu_st(f, 0), fpu_empty(f, 0)));
            return;
        default: cpu_raise(c, X86_TRAP_UD, 0);
        }
    case 5:
        if (i == 7)
            cpu_raise(c, X86_TRAP_UD, 0);
        fpu_load_const(c, i);
        return;
    case 6:
        switch (i) {
        case 4: fxtract(c); return;
        case 5: binary01(c, 2); return; /* FPREM1 */
        case 6:                         /* FDECSTP */
            f->top = (f->top - 1) & 7;
            f->sw &= ~F80_C1;
            return;
        case 7: /* FINCSTP */
            f->top = (f->top + 1) & 7;
            f->sw &= ~F80_C1;
            return;
        case 0: trans_unary(c, 0); return;  /* F2XM1 */
        case 1: trans_binary(c, 0); return; /* FYL2X */
        case 2: trans_push(c, 0); return;   /* FPTAN */
        default: trans_binary(c, 2); return; /* FPATAN */
        }
    default:
        switch (i) {
        case 0: binary01(c, 1); return; /* FPREM */
        case 2: unary(c, 2); return;    /* FSQRT */
        case 4: unary(c, 3); return;    /* FRNDINT */
        case 5: binary01(c, 0); return; /* FSCALE */
        case 1: trans_binary(c, 1); return; /* FYL2XP1 */
        case 3: trans_push(c, 1); return;   /* FSINCOS */
        case 6: trans_unary(c, 1); return;  /* FSIN */
        default: trans_unary(c, 2); return; /* FCOS */
        }
    }
}

/* ---- the escape bytes ------------------------------------------------ */

void op_fpu_d8(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xd8);
    if (in->mod != 3)
        arith_mem(c, in, 0xd8, ea);
    else
        arith_reg(c, in, 0xd8);
}

void op_fpu_d9(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xd9);
    if (in->mod != 3)
        fpu_ldst_mem(c, in, 0xd9, ea);
    else
        d9_reg(c, in);
}

void op_fpu_da(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xda);
    if (in->mod != 3) {
        arith_mem(c, in, 0xda, ea);
        return;
    }
    static const uint8_t cond[4] = { 2, 4, 6, 10 }; /* B, E, BE, P */
    if (in->reg < 4) {
        fcmov(c, cond[in->reg], in->rm);
    } else if (in->reg == 5 && in->rm == 1) { /* FUCOMPP */
        F80Ctx x = fpu_ctx(&c->fpu);
        fcom(c, &x, fpu_empty(&c->fpu, 1), fpu_st(&c->fpu, 1), true, 2);
    } else {
        cpu_raise(c, X86_TRAP_UD, 0);
    }
}

void op_fpu_db(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xdb);
    if (in->mod != 3) {
        fpu_ldst_mem(c, in, 0xdb, ea);
        return;
    }
    static const uint8_t cond[4] = { 3, 5, 7, 11 }; /* NB, NE, NBE, NP */
    Fpu *f = &c->fpu;
    switch (in->reg) {
    case 4:
        switch (in->rm) {
        case 0: case 1: case 4: return; /* FENI, FDISI, FSETPM: no-ops since the 387 */
        case 2: /* FNCLEX */
            f->sw &= (uint16_t) ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
            return;
        case 3: /* FNINIT */
            fpu_reset(c);
            return;
        default: cpu_raise(c, X86_TRAP_UD, 0);
        }
    case 5: fcomi(c, in->rm, true, false); return;  /* FUCOMI */
    case 6: fcomi(c, in->rm, false, false); return; /* FCOMI */
    case 7: cpu_raise(c, X86_TRAP_UD, 0);
    default: fcmov(c, cond[in->reg], in->rm); return;
    }
}

void op_fpu_dc(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xdc);
    if (in->mod != 3)
        arith_mem(c, in, 0xdc, ea);
    else
        arith_reg(c, in, 0xdc);
}

void op_fpu_dd(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xdd);
    if (in->mod != 3) {
        fpu_ldst_mem(c, in, 0xdd, ea);
        return;
    }
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    int i = in->rm;
    switch (in->reg) {
    case 0: /* FFREE: C1 cleared (the SDM leaves C0-C3 undefined; the host
             * x87 clears C1, as Bochs's Intel model does) */
        f->empty |= (uint8_t)(1u << fpu_phys(f, i));
        f->sw &= (uint16_t)~F80_C1;
        return;
    case 1: fxch(c, i); return;                                 /* alias */
    case 2: fst_st(c, i, false); return;
    case 3: fst_st(c, i, true); return;
    case 4: fcom(c, &x, fpu_empty(f, i), fpu_st(f, i), true, 0); return; /* FUCOM */
    case 5: fcom(c, &x, fpu_empty(f, i), fpu_st(f, i), true, 1); return; /* FUCOMP */
    default: cpu_raise(c, X86_TRAP_UD, 0);
    }
}

void op_fpu_de(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xde);
    if (in->mod != 3)
        arith_mem(c, in, 0xde, ea);
    else
        arith_reg(c, in, 0xde);
}

void op_fpu_df(Cpu *c, const Insn *in)
{
    uint32_t ea = fpu_enter(c, in, 0xdf);
    if (in->mod != 3) {
        fpu_ldst_mem(c, in, 0xdf, ea);
        return;
    }
    Fpu *f = &c->fpu;
    int i = in->rm;
    switch (in->reg) {
    case 0: /* FFREEP (undocumented, on every x87 since the 287); C1 as FFREE */
        f->empty |= (uint8_t)(1u << fpu_phys(f, i));
        f->sw &= (uint16_t)~F80_C1;
        fpu_pop(f);
        return;
    case 1: fxch(c, i); return;                  /* alias */
    case 2: case 3: fst_st(c, i, true); return;  /* FSTP aliases */
    case 4:
        if (i != 0)
            cpu_raise(c, X86_TRAP_UD, 0);
        set_reg16(c, R_EAX, fpu_status(f)); /* FNSTSW AX */
        return;
    case 5: fcomi(c, i, true, true); return;  /* FUCOMIP */
    case 6: fcomi(c, i, false, true); return; /* FCOMIP */
    default: cpu_raise(c, X86_TRAP_UD, 0);
    }
}
