/*
 * access.h - what instruction handlers use to reach operands: registers by
 * width, the effective address, the ModRM E and G operands, memory through
 * segments with an inline fast path, and the stack.
 */
#ifndef RINGSIDE_ACCESS_H
#define RINGSIDE_ACCESS_H

#include <string.h>

#include "cpu/cpu.h"

/* ---- registers ------------------------------------------------------- */

/* 8-bit register n: AL CL DL BL are the low bytes of EAX..EBX, AH CH DH BH
 * the second bytes. */
static inline uint8_t get_reg8(const Cpu *c, int n)
{
    return n < 4 ? (uint8_t)c->r[n] : (uint8_t)(c->r[n - 4] >> 8);
}

static inline void set_reg8(Cpu *c, int n, uint8_t v)
{
    if (n < 4)
        c->r[n] = (c->r[n] & 0xffffff00u) | v;
    else
        c->r[n - 4] = (c->r[n - 4] & 0xffff00ffu) | ((uint32_t)v << 8);
}

static inline uint16_t get_reg16(const Cpu *c, int n)
{
    return (uint16_t)c->r[n];
}

static inline void set_reg16(Cpu *c, int n, uint16_t v)
{
    c->r[n] = (c->r[n] & 0xffff0000u) | v;
}

static inline uint32_t get_reg32(const Cpu *c, int n)
{
    return c->r[n];
}

static inline void set_reg32(Cpu *c, int n, uint32_t v)
{
    c->r[n] = v;
}

/* ---- effective address ----------------------------------------------- */

static inline uint32_t insn_ea(const Cpu *c, const Insn *in)
{
    uint32_t ea = c->r[in->base] + (c->r[in->index] << in->scale) + in->disp;
    return (in->flags & INSN_ADDR32) ? ea : (ea & 0xffff);
}

/* ---- memory through a segment ---------------------------------------- */

static inline uint8_t *seg_fast(Cpu *c, int seg, uint32_t off, uint32_t size, int acc)
{
    const SegReg *s = &c->seg[seg];
    if (unlikely(!(s->acc & acc)) || unlikely((uint64_t)off + size - 1 > s->limit))
        return NULL;
    uint32_t lin = s->base + off;
    if (unlikely((lin & PAGE_MASK) > PAGE_SIZE - size))
        return NULL;
    uint8_t *page = (acc == SEG_ACC_WR ? c->tlb_wr : c->tlb_rd)[lin >> PAGE_SHIFT];
    return page ? page + (lin & PAGE_MASK) : NULL;
}

#define DEFINE_MEM_ACCESS(W, T)                                              \
    static inline T cpu_rd##W(Cpu *c, int seg, uint32_t off)                 \
    {                                                                        \
        uint8_t *p = seg_fast(c, seg, off, sizeof(T), SEG_ACC_RD);           \
        if (likely(p != NULL)) {                                             \
            T v;                                                             \
            memcpy(&v, p, sizeof(T));                                        \
            return v;                                                        \
        }                                                                    \
        return (T)cpu_mem_read_slow(c, seg, off, sizeof(T));                 \
    }                                                                        \
    static inline void cpu_wr##W(Cpu *c, int seg, uint32_t off, T v)         \
    {                                                                        \
        uint8_t *p = seg_fast(c, seg, off, sizeof(T), SEG_ACC_WR);           \
        if (likely(p != NULL))                                               \
            memcpy(p, &v, sizeof(T));                                        \
        else                                                                 \
            cpu_mem_write_slow(c, seg, off, v, sizeof(T));                   \
    }

DEFINE_MEM_ACCESS(8, uint8_t)
DEFINE_MEM_ACCESS(16, uint16_t)
DEFINE_MEM_ACCESS(32, uint32_t)

/* ---- ModRM operands: E is reg-or-memory, G is ModRM.reg --------------- */

static inline uint8_t rd_Eb(Cpu *c, const Insn *in)
{
    return in->mod == 3 ? get_reg8(c, in->rm) : cpu_rd8(c, in->seg, insn_ea(c, in));
}
static inline uint16_t rd_Ew(Cpu *c, const Insn *in)
{
    return in->mod == 3 ? get_reg16(c, in->rm) : cpu_rd16(c, in->seg, insn_ea(c, in));
}
static inline uint32_t rd_Ed(Cpu *c, const Insn *in)
{
    return in->mod == 3 ? get_reg32(c, in->rm) : cpu_rd32(c, in->seg, insn_ea(c, in));
}
static inline void wr_Eb(Cpu *c, const Insn *in, uint8_t v)
{
    if (in->mod == 3)
        set_reg8(c, in->rm, v);
    else
        cpu_wr8(c, in->seg, insn_ea(c, in), v);
}
static inline void wr_Ew(Cpu *c, const Insn *in, uint16_t v)
{
    if (in->mod == 3)
        set_reg16(c, in->rm, v);
    else
        cpu_wr16(c, in->seg, insn_ea(c, in), v);
}
static inline void wr_Ed(Cpu *c, const Insn *in, uint32_t v)
{
    if (in->mod == 3)
        set_reg32(c, in->rm, v);
    else
        cpu_wr32(c, in->seg, insn_ea(c, in), v);
}
static inline uint8_t rd_Gb(const Cpu *c, const Insn *in) { return get_reg8(c, in->reg); }
static inline uint16_t rd_Gw(const Cpu *c, const Insn *in) { return get_reg16(c, in->reg); }
static inline uint32_t rd_Gd(const Cpu *c, const Insn *in) { return get_reg32(c, in->reg); }
static inline void wr_Gb(Cpu *c, const Insn *in, uint8_t v) { set_reg8(c, in->reg, v); }
static inline void wr_Gw(Cpu *c, const Insn *in, uint16_t v) { set_reg16(c, in->reg, v); }
static inline void wr_Gd(Cpu *c, const Insn *in, uint32_t v) { set_reg32(c, in->reg, v); }

/* ---- stack ------------------------------------------------------------ */

/* ESP or SP by the stack segment's B bit. Each push writes first and moves
 * ESP only when the write succeeded, so a faulting push changes nothing. */
static inline uint32_t stack_ptr(const Cpu *c)
{
    return c->stack32 ? c->r[R_ESP] : (c->r[R_ESP] & 0xffff);
}

static inline void stack_set_ptr(Cpu *c, uint32_t sp)
{
    if (c->stack32)
        c->r[R_ESP] = sp;
    else
        set_reg16(c, R_ESP, (uint16_t)sp);
}

static inline uint32_t stack_addr(const Cpu *c, uint32_t sp)
{
    return c->stack32 ? sp : (sp & 0xffff);
}

static inline void cpu_push16(Cpu *c, uint16_t v)
{
    uint32_t sp = stack_addr(c, stack_ptr(c) - 2);
    cpu_wr16(c, SEG_SS, sp, v);
    stack_set_ptr(c, sp);
}

static inline void cpu_push32(Cpu *c, uint32_t v)
{
    uint32_t sp = stack_addr(c, stack_ptr(c) - 4);
    cpu_wr32(c, SEG_SS, sp, v);
    stack_set_ptr(c, sp);
}

static inline uint16_t cpu_pop16(Cpu *c)
{
    uint32_t sp = stack_ptr(c);
    uint16_t v = cpu_rd16(c, SEG_SS, sp);
    stack_set_ptr(c, sp + 2);
    return v;
}

static inline uint32_t cpu_pop32(Cpu *c)
{
    uint32_t sp = stack_ptr(c);
    uint32_t v = cpu_rd32(c, SEG_SS, sp);
    stack_set_ptr(c, sp + 4);
    return v;
}

/* Read the stack at ESP+delta without moving ESP (for multi-pop
 * instructions that must read everything before committing). */
static inline uint16_t stack_peek16(Cpu *c, uint32_t delta)
{
    return cpu_rd16(c, SEG_SS, stack_addr(c, stack_ptr(c) + delta));
}

static inline uint32_t stack_peek32(Cpu *c, uint32_t delta)
{
    return cpu_rd32(c, SEG_SS, stack_addr(c, stack_ptr(c) + delta));
}

/* ---- control flow ----------------------------------------------------- */

/* Near branch target, truncated to 16 bits under a 16-bit operand size. */
static inline void cpu_jump_near(Cpu *c, const Insn *in, uint32_t target)
{
    c->eip = (in->flags & INSN_OP32) ? target : (target & 0xffff);
}

/* Condition codes 0-15 in the order of Jcc/SETcc/CMOVcc (SDM vol. 1 B.1). */
static inline bool cpu_cond(const Cpu *c, int cc)
{
    uint32_t f = c->eflags;
    bool r;
    switch (cc >> 1) {
    case 0: r = f & X86_EFLAGS_OF; break;
    case 1: r = f & X86_EFLAGS_CF; break;
    case 2: r = f & X86_EFLAGS_ZF; break;
    case 3: r = f & (X86_EFLAGS_CF | X86_EFLAGS_ZF); break;
    case 4: r = f & X86_EFLAGS_SF; break;
    case 5: r = f & X86_EFLAGS_PF; break;
    case 6: r = !(f & X86_EFLAGS_SF) != !(f & X86_EFLAGS_OF); break;
    default:
        r = (f & X86_EFLAGS_ZF) || (!(f & X86_EFLAGS_SF) != !(f & X86_EFLAGS_OF));
        break;
    }
    return r ^ (cc & 1);
}

#endif
