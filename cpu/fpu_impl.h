/*
 * fpu_impl.h - helpers shared by the x87 handlers (cpu/fpu.c, the
 * arithmetic and control instructions, and cpu/fpu_ldst.c, the loads and
 * stores). Not for use outside those two files.
 */
#ifndef RINGSIDE_FPU_IMPL_H
#define RINGSIDE_FPU_IMPL_H

#include <string.h>

#include "cpu/access.h"
#include "cpu/cpu.h"
#include "cpu/fpu.h"

/* Stack faults (SDM vol. 1 8.5.1.1): IE with SF; C1 = 1 for overflow. */
#define FPU_UNDERFLOW (F80_IE | FSW_SF)
#define FPU_OVERFLOW (F80_IE | FSW_SF | F80_C1)

static inline int fpu_phys(const Fpu *f, int i)
{
    return (f->top + i) & 7;
}
static inline bool fpu_empty(const Fpu *f, int i)
{
    return (f->empty >> fpu_phys(f, i)) & 1;
}
static inline F80 fpu_st(const Fpu *f, int i)
{
    return f->st[fpu_phys(f, i)];
}
static inline void fpu_set(Fpu *f, int i, F80 v)
{
    int p = fpu_phys(f, i);
    f->st[p] = v;
    f->empty &= (uint8_t)~(1u << p);
}
static inline void fpu_pop(Fpu *f)
{
    f->empty |= (uint8_t)(1u << f->top);
    f->top = (f->top + 1) & 7;
}
static inline void fpu_push(Fpu *f, F80 v)
{
    f->top = (f->top - 1) & 7;
    fpu_set(f, 0, v);
}

/* The arithmetic context the control word selects. Precision control 01
 * is reserved; it is taken as 64 bits. */
static inline F80Ctx fpu_ctx(const Fpu *f)
{
    static const int pc_bits[4] = { 24, 64, 53, 64 };
    return (F80Ctx){ .rc = (f->cw >> 10) & 3,
                     .pc = pc_bits[(f->cw >> 8) & 3],
                     .flags = 0,
                     .unmasked = (uint16_t)(~f->cw & (F80_OE | F80_UE)) };
}

/* Exceptions whose unmasked response leaves the destination unchanged. */
static inline bool fpu_blocked(const Fpu *f, uint16_t flags)
{
    return (flags & ~f->cw & (F80_IE | F80_DE | F80_ZE)) != 0;
}

/*
 * Record an operation's flags in the status word: sticky exception bits
 * (and SF), C1 as the operation left it, ES and B when one of them is
 * unmasked (#MF then comes with the next waiting instruction). Returns
 * whether the result may be delivered: not when IE, DE or ZE is raised
 * unmasked (SDM vol. 1 8.5).
 */
static inline bool fpu_commit(Cpu *c, uint16_t flags)
{
    Fpu *f = &c->fpu;
    uint16_t exc = flags & (FSW_EXC | FSW_SF);
    f->sw = (uint16_t)((f->sw & ~F80_C1) | (flags & F80_C1) | exc);
    if (exc & ~f->cw & FSW_EXC)
        f->sw |= FSW_ES | FSW_B;
    return !fpu_blocked(f, flags);
}

/* Push v (its conversion flags in x), or fault the stack when ST(7) is
 * full: masked, the real indefinite is pushed instead. */
static inline void fpu_push_checked(Cpu *c, F80Ctx *x, F80 v)
{
    Fpu *f = &c->fpu;
    if (!fpu_empty(f, 7)) {
        x->flags |= FPU_OVERFLOW;
        v = f80_indefinite();
    }
    if (fpu_commit(c, x->flags))
        fpu_push(f, v);
}

/* 64- and 80-bit memory operands, as little-endian pieces; one host load
 * when cpu/access.h's fast path covers all 8 bytes. */
static inline uint64_t fpu_rd64(Cpu *c, int seg, uint32_t off)
{
    const uint8_t *p = seg_fast(c, seg, off, 8, SEG_ACC_RD);
    if (likely(p != NULL)) {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    uint32_t lo = cpu_rd32(c, seg, off);
    return lo | (uint64_t)cpu_rd32(c, seg, off + 4) << 32;
}
static inline void fpu_wr64(Cpu *c, int seg, uint32_t off, uint64_t v)
{
    cpu_wr32(c, seg, off, (uint32_t)v);
    cpu_wr32(c, seg, off + 4, (uint32_t)(v >> 32));
}
static inline F80 fpu_rd80(Cpu *c, int seg, uint32_t off)
{
    uint64_t sig = fpu_rd64(c, seg, off);
    return (F80){ sig, cpu_rd16(c, seg, off + 8) };
}
static inline void fpu_wr80(Cpu *c, int seg, uint32_t off, F80 v)
{
    fpu_wr64(c, seg, off, v.sig);
    cpu_wr16(c, seg, off + 8, v.se);
}

static inline uint16_t fpu_status(const Fpu *f)
{
    return (uint16_t)((f->sw & ~0x3800u) | (f->top << 11));
}
uint16_t fpu_tag_word(const Fpu *f);

/* fpu_ldst.c: memory forms of D9, DB, DD, DF; register forms of D9 that
 * load constants. */
void fpu_ldst_mem(Cpu *c, const Insn *in, int esc, uint32_t ea); /* ea: insn_ea's */
void fpu_load_const(Cpu *c, int which);

#endif
