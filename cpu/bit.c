/*
 * bit.c - bit test and modify (BT, BTS, BTR, BTC), bit scans (BSF, BSR) and
 * BSWAP (SDM vol. 2, one page each).
 *
 * BT* with a register bit offset and a memory operand address a bit string:
 * the offset is signed and selects the word or dword at
 * EA + 2 * (offset >> 4) (16-bit) or EA + 4 * (offset >> 5) (32-bit), then
 * bit offset & 15 or & 31 in it (SDM "BT", and vol. 1, 3.7.5 "bit field").
 * The address wraps at 64K with 16-bit addressing. With an immediate offset,
 * or a register operand, the offset is taken modulo the width.
 *
 * Undefined results and flags (docs/undefined-flags.md):
 *   BT*        OF, SF, AF, PF unchanged (ZF is defined as unchanged)
 *   BSF/BSR    source 0: ZF = 1 and the destination unchanged, as real CPUs
 *              do (and AMD documents); CF, OF, SF, AF, PF unchanged.
 *              Source non-zero: CF = OF = SF = AF = 0, PF from the index.
 *   BSWAP r16  clears the low 16 bits, as Intel parts do.
 */
#include "cpu/alu.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static inline uint32_t bt_calc(int op, uint32_t a, unsigned bit)
{
    switch (op) {
    case BT_SET: return a | (1u << bit);
    case BT_RESET: return a & ~(1u << bit);
    case BT_COMPLEMENT: return a ^ (1u << bit);
    default: return a;
    }
}

static inline void bt_set_cf(Cpu *c, uint32_t a, unsigned bit)
{
    flags_store(c, X86_EFLAGS_CF, (a >> bit) & 1);
}

/* The bit `bit` (< w) of the operand at seg:ea. */
static inline void bt_mem(Cpu *c, const Insn *in, int op, int w, uint32_t ea, unsigned bit)
{
    if (op == BT_TEST) {
        bt_set_cf(c, mem_get(c, in->seg, ea, w), bit);
        return;
    }
    Rmw m;
    uint32_t a = rmw_read(c, &m, in->seg, ea, w);
    rmw_write(c, &m, w, bt_calc(op, a, bit));
    bt_set_cf(c, a, bit);
}

static inline void bt_reg(Cpu *c, const Insn *in, int op, int w, unsigned bit)
{
    uint32_t a = reg_get(c, in->rm, w);
    if (op != BT_TEST)
        reg_set(c, in->rm, w, bt_calc(op, a, bit));
    bt_set_cf(c, a, bit);
}

/* Ev,Gv: the offset comes from a register. */
static inline void bt_Gv(Cpu *c, const Insn *in, int op, int w)
{
    uint32_t off = reg_get(c, in->reg, w);
    unsigned bit = off & (unsigned)(w - 1);
    if (in->mod == 3) {
        bt_reg(c, in, op, w, bit);
        return;
    }
    int32_t word = sext(off, w) >> (w == 16 ? 4 : 5); /* arithmetic shift */
    uint32_t ea = insn_ea(c, in) + (uint32_t)word * (uint32_t)(w / 8);
    if (!(in->flags & INSN_ADDR32))
        ea &= 0xffff;
    bt_mem(c, in, op, w, ea, bit);
}

/* Ev,Ib: the offset is the immediate modulo the width. */
static inline void bt_Ib(Cpu *c, const Insn *in, int op, int w)
{
    unsigned bit = in->imm & (unsigned)(w - 1);
    if (in->mod == 3)
        bt_reg(c, in, op, w, bit);
    else
        bt_mem(c, in, op, w, insn_ea(c, in), bit);
}

#define BT_FORMS(name, OP)                                                     \
    void op_##name##_Ev_Gv_16(Cpu *c, const Insn *in) { bt_Gv(c, in, OP, 16); }   \
    void op_##name##_Ev_Gv_32(Cpu *c, const Insn *in) { bt_Gv(c, in, OP, 32); }   \
    void op_##name##_Ev_Ib_16(Cpu *c, const Insn *in) { bt_Ib(c, in, OP, 16); }   \
    void op_##name##_Ev_Ib_32(Cpu *c, const Insn *in) { bt_Ib(c, in, OP, 32); }

BT_FORMS(bt, BT_TEST)
BT_FORMS(bts, BT_SET)
BT_FORMS(btr, BT_RESET)
BT_FORMS(btc, BT_COMPLEMENT)

/* ---- BSF, BSR ---------------------------------------------------------- */

static inline void bit_scan(Cpu *c, const Insn *in, bool forward, int w)
{
    uint32_t s = rd_E(c, in, w);
    if (s == 0) {
        c->eflags |= X86_EFLAGS_ZF;
        return;
    }
    uint32_t idx = forward ? (uint32_t)__builtin_ctz(s) : 31u - (uint32_t)__builtin_clz(s);
    reg_set(c, in->reg, w, idx);
    flags_store(c, X86_EFLAGS_ARITH, parity_table[idx]);
}

static inline void bsf_w(Cpu *c, const Insn *in, int w) { bit_scan(c, in, true, w); }
static inline void bsr_w(Cpu *c, const Insn *in, int w) { bit_scan(c, in, false, w); }
ALU_DEFINE_OPV(bsf)
ALU_DEFINE_OPV(bsr)

/* ---- BSWAP ------------------------------------------------------------- */

void op_bswap_32(Cpu *c, const Insn *in)
{
    c->r[in->reg] = __builtin_bswap32(c->r[in->reg]);
}

/* Undefined in the SDM; Intel CPUs leave 0 in the low word. */
void op_bswap_16(Cpu *c, const Insn *in)
{
    c->r[in->reg] &= 0xffff0000u;
}
