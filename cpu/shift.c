/*
 * shift.c - the group-2 shifts and rotates (ROL, ROR, RCL, RCR, SHL/SAL,
 * SHR, SAR) and the double shifts SHLD and SHRD (SDM vol. 2 "RCL/RCR/ROL/
 * ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
 *
 * The count is masked to 5 bits. RCL/RCR then rotate modulo 9 (8-bit) or
 * 17 (16-bit) through CF; ROL/ROR rotate modulo the width, but still set CF
 * (and OF) when the masked count is a non-zero multiple of it. A masked
 * count of 0 changes nothing: a memory operand is read (and may fault) but
 * not written, and no flag changes.
 *
 * Undefined flags (docs/undefined-flags.md) follow one rule, "the last
 * one-bit step": OF is what the count-1 rule gives for the final single
 * bit step, i.e. MSB(result) XOR CF for the left shifts and rotates, and
 * MSB(result) XOR MSB-1(result) for the right ones (0 for SHR and SAR when
 * the count is above 1); AF is cleared; CF of an 8- or 16-bit SHL/SHR by
 * the width or more is the last bit shifted out (0 past the width).
 * SHLD/SHRD of a 16-bit operand by 17-31 shift the 48-bit value
 * dest:src:dest, as P6-family parts do (the model Bochs documents).
 */
#include "cpu/alu.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

#define MSB(v, w) (((v) >> ((w)-1)) & 1)

/* a OP n at width w for a masked count n in 1..31. Returns the result and
 * sets *fmask to the flags it changes and *fbits to their new values. */
static inline uint32_t shift_calc(int op, uint32_t a, unsigned n, uint32_t cf_in, int w,
                                  uint32_t *fmask, uint32_t *fbits)
{
    const uint32_t m = WIDTH_MASK(w);
    uint32_t r, cf, of;
    unsigned k;
    switch (op) {
    case SH_ROL:
        k = n & (unsigned)(w - 1);
        r = k ? ((a << k) | (a >> (w - k))) & m : a;
        cf = r & 1;
        of = MSB(r, w) ^ cf;
        *fmask = X86_EFLAGS_CF | X86_EFLAGS_OF;
        break;
    case SH_ROR:
        k = n & (unsigned)(w - 1);
        r = k ? ((a >> k) | (a << (w - k))) & m : a;
        cf = MSB(r, w);
        of = cf ^ MSB(r, w - 1);
        *fmask = X86_EFLAGS_CF | X86_EFLAGS_OF;
        break;
    case SH_RCL:
    case SH_RCR: {
        /* rotate the (w+1)-bit value CF:a */
        k = w == 8 ? n % 9 : w == 16 ? n % 17 : n;
        if (k == 0) { /* no step at all: CF and OF stay */
            *fmask = 0;
            *fbits = 0;
            return a;
        }
        const uint64_t m1 = ((uint64_t)1 << (w + 1)) - 1;
        uint64_t v = ((uint64_t)cf_in << w) | a;
        if (op == SH_RCL)
            v = ((v << k) | (v >> (w + 1 - k))) & m1;
        else
            v = ((v >> k) | (v << (w + 1 - k))) & m1;
        r = (uint32_t)v & m;
        cf = (uint32_t)(v >> w) & 1;
        of = op == SH_RCL ? MSB(r, w) ^ cf : MSB(r, w) ^ MSB(r, w - 1);
        *fmask = X86_EFLAGS_CF | X86_EFLAGS_OF;
        break;
    }
    case SH_SHL: {
        uint64_t t = (uint64_t)a << n;
        r = (uint32_t)t & m;
        cf = (uint32_t)(t >> w) & 1;
        of = MSB(r, w) ^ cf;
        *fmask = X86_EFLAGS_ARITH;
        break;
    }
    case SH_SHR:
        r = a >> n;
        cf = (a >> (n - 1)) & 1;
        of = MSB(r, w) ^ MSB(r, w - 1); /* count 1: MSB of the operand */
        *fmask = X86_EFLAGS_ARITH;
        break;
    default: { /* SAR */
        int32_t s = sext(a, w);
        r = (uint32_t)(s >> n) & m;
        cf = (uint32_t)(s >> (n - 1)) & 1;
        of = 0;
        *fmask = X86_EFLAGS_ARITH;
        break;
    }
    }
    *fbits = (cf ? X86_EFLAGS_CF : 0) | (of ? X86_EFLAGS_OF : 0);
    if (*fmask == X86_EFLAGS_ARITH)
        *fbits |= flags_szp(r, w); /* AF = 0 */
    return r;
}

/* Memory operand: out of line, one copy per operation and width. */
static inline void shift_E_mem(Cpu *c, const Insn *in, int op, int w, unsigned n)
{
    uint32_t ea = insn_ea(c, in);
    if (n == 0) {
        (void)mem_get(c, in->seg, ea, w); /* the read may fault; no write */
        return;
    }
    Rmw m;
    uint32_t fm, fb;
    uint32_t a = rmw_read(c, &m, in->seg, ea, w);
    uint32_t r = shift_calc(op, a, n, c->eflags & X86_EFLAGS_CF, w, &fm, &fb);
    rmw_write(c, &m, w, r);
    flags_store(c, fm, fb);
}

typedef void ShiftMemFn(Cpu *c, const Insn *in, unsigned n);

static inline void shift_E(Cpu *c, const Insn *in, int op, int w, unsigned n, ShiftMemFn *mem)
{
    n &= 0x1f;
    if (unlikely(in->mod != 3)) {
        mem(c, in, n);
        return;
    }
    if (n == 0)
        return;
    uint32_t fm, fb;
    uint32_t r = shift_calc(op, reg_get(c, in->rm, w), n, c->eflags & X86_EFLAGS_CF, w, &fm, &fb);
    reg_set(c, in->rm, w, r);
    flags_store(c, fm, fb);
}

#define SHIFT_MEM(name, OP, w)                                                 \
    static __attribute__((noinline)) void shift_mem_##name##_##w(Cpu *c, const Insn *in, unsigned n) \
    {                                                                          \
        shift_E_mem(c, in, OP, w, n);                                          \
    }
/* Ib and "1" forms take the count from in->imm, CL forms from CL. */
#define SHIFT_FORMS(name, OP)                                                  \
    SHIFT_MEM(name, OP, 8) SHIFT_MEM(name, OP, 16) SHIFT_MEM(name, OP, 32)     \
    void op_##name##_Eb_Ib(Cpu *c, const Insn *in)                             \
    {                                                                          \
        shift_E(c, in, OP, 8, in->imm, shift_mem_##name##_8);                  \
    }                                                                          \
    void op_##name##_Ev_Ib_16(Cpu *c, const Insn *in)                          \
    {                                                                          \
        shift_E(c, in, OP, 16, in->imm, shift_mem_##name##_16);                \
    }                                                                          \
    void op_##name##_Ev_Ib_32(Cpu *c, const Insn *in)                          \
    {                                                                          \
        shift_E(c, in, OP, 32, in->imm, shift_mem_##name##_32);                \
    }                                                                          \
    void op_##name##_Eb_CL(Cpu *c, const Insn *in)                             \
    {                                                                          \
        shift_E(c, in, OP, 8, c->r[R_ECX], shift_mem_##name##_8);              \
    }                                                                          \
    void op_##name##_Ev_CL_16(Cpu *c, const Insn *in)                          \
    {                                                                          \
        shift_E(c, in, OP, 16, c->r[R_ECX], shift_mem_##name##_16);            \
    }                                                                          \
    void op_##name##_Ev_CL_32(Cpu *c, const Insn *in)                          \
    {                                                                          \
        shift_E(c, in, OP, 32, c->r[R_ECX], shift_mem_##name##_32);            \
    }

SHIFT_FORMS(rol, SH_ROL)
SHIFT_FORMS(ror, SH_ROR)
SHIFT_FORMS(rcl, SH_RCL)
SHIFT_FORMS(rcr, SH_RCR)
SHIFT_FORMS(shl, SH_SHL)
SHIFT_FORMS(shr, SH_SHR)
SHIFT_FORMS(sar, SH_SAR)

/* ---- SHLD, SHRD -------------------------------------------------------- */

/*
 * dest = dest shifted by n (1..31), filled from src. Both directions shift
 * one wide value and take w bits of it:
 *
 *   32-bit SHLD  t = dest:src (64 bits)        result = t >> (32 - n)
 *   32-bit SHRD  t = src:dest (64 bits)        result = t >> n
 *   16-bit both  t = dest:src:dest (48 bits)   result = t >> (32 - n) or >> n
 *
 * For 16-bit counts up to 16 the third copy of dest never reaches the
 * result, so this is the SDM's operation; for 17-31 (undefined) it is the
 * P6 behaviour. CF is the last bit shifted out of t.
 */
static inline uint32_t shxd_calc(bool left, uint32_t d, uint32_t s, unsigned n, int w, uint32_t *fbits)
{
    uint64_t t;
    uint32_t r, cf, of;
    if (w == 16)
        t = (uint64_t)d << 32 | (uint64_t)s << 16 | d;
    else
        t = left ? ((uint64_t)d << 32 | s) : ((uint64_t)s << 32 | d);
    if (left) {
        r = (uint32_t)(t >> (32 - n)) & WIDTH_MASK(w);
        cf = (uint32_t)(t >> ((w == 16 ? 48 : 64) - n)) & 1;
        of = MSB(r, w) ^ cf;
    } else {
        r = (uint32_t)(t >> n) & WIDTH_MASK(w);
        cf = (uint32_t)(t >> (n - 1)) & 1;
        of = MSB(r, w) ^ MSB(r, w - 1);
    }
    *fbits = flags_szp(r, w) | (cf ? X86_EFLAGS_CF : 0) | (of ? X86_EFLAGS_OF : 0);
    return r;
}

static inline void shxd_w(Cpu *c, const Insn *in, bool left, unsigned n, int w)
{
    n &= 0x1f;
    uint32_t s = reg_get(c, in->reg, w), fb, r;
    if (in->mod == 3) {
        if (n == 0)
            return;
        r = shxd_calc(left, reg_get(c, in->rm, w), s, n, w, &fb);
        reg_set(c, in->rm, w, r);
    } else {
        uint32_t ea = insn_ea(c, in);
        if (n == 0) {
            (void)mem_get(c, in->seg, ea, w);
            return;
        }
        Rmw m;
        r = shxd_calc(left, rmw_read(c, &m, in->seg, ea, w), s, n, w, &fb);
        rmw_write(c, &m, w, r);
    }
    flags_store(c, X86_EFLAGS_ARITH, fb);
}

static inline void shld_Ib_w(Cpu *c, const Insn *in, int w) { shxd_w(c, in, true, in->imm, w); }
static inline void shld_CL_w(Cpu *c, const Insn *in, int w) { shxd_w(c, in, true, c->r[R_ECX], w); }
static inline void shrd_Ib_w(Cpu *c, const Insn *in, int w) { shxd_w(c, in, false, in->imm, w); }
static inline void shrd_CL_w(Cpu *c, const Insn *in, int w) { shxd_w(c, in, false, c->r[R_ECX], w); }
ALU_DEFINE_OPV(shld_Ib)
ALU_DEFINE_OPV(shld_CL)
ALU_DEFINE_OPV(shrd_Ib)
ALU_DEFINE_OPV(shrd_CL)
