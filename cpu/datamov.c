/*
 * datamov.c - data movement: MOV in every form (registers, memory, moffs,
 * immediates, segment registers), LEA, MOVZX/MOVSX, XCHG, NOP, CBW/CWD,
 * LAHF/SAHF, XLAT, CMOVcc, SETcc, XADD, CMPXCHG, CMPXCHG8B and the far
 * pointer loads LES/LDS/LSS/LFS/LGS (SDM vol. 2, one page each).
 *
 * Width-generic bodies NAME_w(c, in, w) take w = 8, 16 or 32 as a constant;
 * ALU_DEFINE_OPV (alu.h) stamps out the _16/_32 entry points of OPV rows.
 * Check, then commit: every memory read, and the write of a read-modify-
 * write, happens before a register or a flag changes.
 *
 * P6 choices where the SDM leaves room:
 *   - MOV r32, Sreg zero-extends the selector into the register (Pentium
 *     Pro and later); MOV m16, Sreg always writes 16 bits.
 *   - CMOVcc reads its source (and may fault) whatever the condition; a
 *     false condition leaves the destination unchanged, at either width.
 *   - CMPXCHG and CMPXCHG8B always write the destination: the new value on
 *     success, the old one on failure (SDM CMPXCHG, "Operation").
 */
#include "cpu/alu.h"

/* The E operand as a pure destination. */
static inline void store_E(Cpu *c, const Insn *in, int w, uint32_t v)
{
    if (in->mod == 3)
        reg_set(c, in->rm, w, v);
    else
        mem_set(c, in->seg, insn_ea(c, in), w, v);
}

/* The offset of a far pointer's selector: wraps at 64K with 16-bit
 * addressing, as control.c does for JMP/CALL m16:xx. */
static inline uint32_t ea_plus(const Insn *in, uint32_t ea, uint32_t delta)
{
    ea += delta;
    return (in->flags & INSN_ADDR32) ? ea : (ea & 0xffff);
}

/* ---- MOV ---------------------------------------------------------------- */

static inline void mov_Ev_Gv_w(Cpu *c, const Insn *in, int w)
{
    store_E(c, in, w, reg_get(c, in->reg, w));
}
ALU_DEFINE_OPV(mov_Ev_Gv)
void op_mov_Eb_Gb(Cpu *c, const Insn *in) { mov_Ev_Gv_w(c, in, 8); }

static inline void mov_Gv_Ev_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, rd_E(c, in, w));
}
ALU_DEFINE_OPV(mov_Gv_Ev)
void op_mov_Gb_Eb(Cpu *c, const Insn *in) { mov_Gv_Ev_w(c, in, 8); }

static inline void mov_Ev_Iz_w(Cpu *c, const Insn *in, int w)
{
    store_E(c, in, w, in->imm);
}
ALU_DEFINE_OPV(mov_Ev_Iz)
void op_mov_Eb_Ib(Cpu *c, const Insn *in) { mov_Ev_Iz_w(c, in, 8); }

/* B0-B7 and B8-BF: the register is in the opcode's low bits. */
static inline void mov_Zv_Iv_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, in->imm);
}
ALU_DEFINE_OPV(mov_Zv_Iv)
void op_mov_Zb_Ib(Cpu *c, const Insn *in) { mov_Zv_Iv_w(c, in, 8); }

/* A0-A3: the offset (moffs) is in->disp, already sized by the address
 * size; in->seg is DS or the override. */
static inline void mov_eAX_Ov_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, R_EAX, w, mem_get(c, in->seg, in->disp, w));
}
ALU_DEFINE_OPV(mov_eAX_Ov)
void op_mov_AL_Ob(Cpu *c, const Insn *in) { mov_eAX_Ov_w(c, in, 8); }

static inline void mov_Ov_eAX_w(Cpu *c, const Insn *in, int w)
{
    mem_set(c, in->seg, in->disp, w, reg_get(c, R_EAX, w));
}
ALU_DEFINE_OPV(mov_Ov_eAX)
void op_mov_Ob_AL(Cpu *c, const Insn *in) { mov_Ov_eAX_w(c, in, 8); }

/* MOV Ev, Sreg. Sreg 6 and 7 do not exist: #UD. */
static inline void mov_Ev_Sw_w(Cpu *c, const Insn *in, int w)
{
    if (in->reg >= SEG_COUNT)
        cpu_raise(c, X86_TRAP_UD, 0);
    uint16_t sel = c->seg[in->reg].sel;
    if (in->mod == 3)
        reg_set(c, in->rm, w, sel); /* 32-bit: zero-extended */
    else
        cpu_wr16(c, in->seg, insn_ea(c, in), sel);
}
ALU_DEFINE_OPV(mov_Ev_Sw)

/* MOV Sreg, Ew. CS cannot be loaded this way (#UD). Loading SS inhibits
 * interrupts until after the next instruction, so that "MOV SS; MOV ESP"
 * cannot be interrupted with a half-switched stack (SDM MOV). */
void op_mov_Sw_Ew(Cpu *c, const Insn *in)
{
    if (in->reg == SEG_CS || in->reg >= SEG_COUNT)
        cpu_raise(c, X86_TRAP_UD, 0);
    uint16_t sel = rd_Ew(c, in);
    cpu_load_seg(c, in->reg, sel);
    if (in->reg == SEG_SS)
        c->irq_shadow = true;
}

/* ---- LEA, MOVZX, MOVSX -------------------------------------------------- */

/* The address is computed at the address size, then truncated or
 * zero-extended to the operand size. */
static inline void lea_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, insn_ea(c, in));
}
ALU_DEFINE_OPV(lea)

static inline void movzx_Gv_Eb_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, rd_E(c, in, 8));
}
ALU_DEFINE_OPV(movzx_Gv_Eb)

static inline void movzx_Gv_Ew_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, rd_E(c, in, 16));
}
ALU_DEFINE_OPV(movzx_Gv_Ew)

static inline void movsx_Gv_Eb_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, (uint32_t)sext(rd_E(c, in, 8), 8));
}
ALU_DEFINE_OPV(movsx_Gv_Eb)

static inline void movsx_Gv_Ew_w(Cpu *c, const Insn *in, int w)
{
    reg_set(c, in->reg, w, (uint32_t)sext(rd_E(c, in, 16), 16));
}
ALU_DEFINE_OPV(movsx_Gv_Ew)

/* ---- XCHG, NOP ---------------------------------------------------------- */

/* The memory write comes first: if it faults, the register is unchanged. */
static inline void xchg_Ev_Gv_w(Cpu *c, const Insn *in, int w)
{
    Rmw m;
    uint32_t e = rmw_read_E(c, in, &m, w);
    uint32_t g = reg_get(c, in->reg, w);
    rmw_write_E(c, in, &m, w, g);
    reg_set(c, in->reg, w, e);
}
ALU_DEFINE_OPV(xchg_Ev_Gv)
void op_xchg_Eb_Gb(Cpu *c, const Insn *in) { xchg_Ev_Gv_w(c, in, 8); }

static inline void xchg_eAX_Zv_w(Cpu *c, const Insn *in, int w)
{
    uint32_t a = reg_get(c, R_EAX, w);
    reg_set(c, R_EAX, w, reg_get(c, in->reg, w));
    reg_set(c, in->reg, w, a);
}
ALU_DEFINE_OPV(xchg_eAX_Zv)

void op_nop(Cpu *c, const Insn *in)
{
    (void)c;
    (void)in;
}

/* 0F 18-1F with ModRM: hints and multi-byte NOPs; the operand is never
 * accessed, so it cannot fault. */
static inline void nop_Ev_w(Cpu *c, const Insn *in, int w)
{
    (void)c;
    (void)in;
    (void)w;
}
ALU_DEFINE_OPV(nop_Ev)

/* ---- CBW/CWDE, CWD/CDQ -------------------------------------------------- */

static inline void cbw_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    reg_set(c, R_EAX, w, (uint32_t)sext(reg_get(c, R_EAX, w / 2), w / 2));
}
ALU_DEFINE_OPV(cbw)

static inline void cwd_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    reg_set(c, R_EDX, w, sext(reg_get(c, R_EAX, w), w) < 0 ? 0xffffffffu : 0);
}
ALU_DEFINE_OPV(cwd)

/* ---- LAHF, SAHF, XLAT --------------------------------------------------- */

/* AH <-> SF:ZF:0:AF:0:PF:1:CF, the low byte of EFLAGS. */
#define SAHF_MASK (X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF)

void op_lahf(Cpu *c, const Insn *in)
{
    (void)in;
    set_reg8(c, 4, (uint8_t)((c->eflags & SAHF_MASK) | X86_EFLAGS_FIXED));
}

void op_sahf(Cpu *c, const Insn *in)
{
    (void)in;
    flags_store(c, SAHF_MASK, get_reg8(c, 4) & SAHF_MASK);
}

/* AL = [seg:(E)BX + AL], with DS or the override (decode.c sets in->seg
 * for D7 as for the string instructions). */
void op_xlat(Cpu *c, const Insn *in)
{
    uint32_t ea = c->r[R_EBX] + get_reg8(c, 0);
    if (!(in->flags & INSN_ADDR32))
        ea &= 0xffff;
    set_reg8(c, 0, cpu_rd8(c, in->seg, ea));
}

/* ---- CMOVcc, SETcc ------------------------------------------------------ */

static inline void cmovcc_w(Cpu *c, const Insn *in, int w)
{
    uint32_t v = rd_E(c, in, w); /* read, and maybe fault, in any case */
    if (cpu_cond(c, in->op & 0xf))
        reg_set(c, in->reg, w, v);
}
ALU_DEFINE_OPV(cmovcc)

void op_setcc(Cpu *c, const Insn *in)
{
    store_E(c, in, 8, cpu_cond(c, in->op & 0xf) ? 1 : 0);
}

/* ---- XADD, CMPXCHG, CMPXCHG8B ------------------------------------------- */

/* TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. With the same register as
 * both operands the sum wins, as DEST is written last. */
static inline void xadd_Ev_Gv_w(Cpu *c, const Insn *in, int w)
{
    Rmw m;
    uint32_t d = rmw_read_E(c, in, &m, w);
    uint32_t s = reg_get(c, in->reg, w);
    uint32_t r = (d + s) & WIDTH_MASK(w);
    if (in->mod == 3) {
        reg_set(c, in->reg, w, d);
        reg_set(c, in->rm, w, r);
    } else {
        rmw_write(c, &m, w, r);
        reg_set(c, in->reg, w, d);
    }
    flags_add(c, d, s, 0, r, w);
}
ALU_DEFINE_OPV(xadd_Ev_Gv)
void op_xadd_Eb_Gb(Cpu *c, const Insn *in) { xadd_Ev_Gv_w(c, in, 8); }

/* Flags as CMP accumulator, DEST. */
static inline void cmpxchg_Ev_Gv_w(Cpu *c, const Insn *in, int w)
{
    Rmw m;
    uint32_t d = rmw_read_E(c, in, &m, w);
    uint32_t a = reg_get(c, R_EAX, w);
    bool eq = a == d;
    rmw_write_E(c, in, &m, w, eq ? reg_get(c, in->reg, w) : d);
    if (!eq)
        reg_set(c, R_EAX, w, d);
    flags_sub(c, a, d, 0, (a - d) & WIDTH_MASK(w), w);
}
ALU_DEFINE_OPV(cmpxchg_Ev_Gv)
void op_cmpxchg_Eb_Gb(Cpu *c, const Insn *in) { cmpxchg_Ev_Gv_w(c, in, 8); }

/* EDX:EAX against m64; ECX:EBX goes in on a match. Only ZF changes. The
 * m64 is one operand: its high dword is not wrapped at 64K, and the whole
 * qword is checked writable before either half is written. */
void op_cmpxchg8b(Cpu *c, const Insn *in)
{
    uint32_t ea = insn_ea(c, in);
    uint32_t lo = cpu_rd32(c, in->seg, ea);
    uint32_t hi = cpu_rd32(c, in->seg, ea + 4);
    bool eq = lo == c->r[R_EAX] && hi == c->r[R_EDX];
    /* The operand is a quadword: with alignment checking armed it must be
     * 8-aligned (SDM vol. 3, 6.15 #AC, table 6-7), not just 4-aligned as
     * the two dword reads checked. Faults before anything is written. */
    if (unlikely(c->mem_checks))
        debug_align_check(c, c->seg[in->seg].base + ea, 8);
    cpu_check_write(c, in->seg, ea, 8);
    cpu_wr32(c, in->seg, ea, eq ? c->r[R_EBX] : lo);
    cpu_wr32(c, in->seg, ea + 4, eq ? c->r[R_ECX] : hi);
    if (!eq) {
        c->r[R_EAX] = lo;
        c->r[R_EDX] = hi;
    }
    flags_store(c, X86_EFLAGS_ZF, eq ? X86_EFLAGS_ZF : 0);
}

/* ---- LES, LDS, LSS, LFS, LGS -------------------------------------------- */

/* Read the offset and the selector, load the segment register (which may
 * fault), and only then write the general register. LSS does not inhibit
 * interrupts (only MOV SS and POP SS do); it ends the block (F_END) since
 * the stack size may change. */
static inline void load_far_w(Cpu *c, const Insn *in, int w, int seg)
{
    uint32_t ea = insn_ea(c, in);
    uint32_t off = mem_get(c, in->seg, ea, w);
    uint16_t sel = cpu_rd16(c, in->seg, ea_plus(in, ea, (uint32_t)w / 8));
    cpu_load_seg(c, seg, sel);
    reg_set(c, in->reg, w, off);
}

#define LOAD_FAR(name, seg)                                                    \
    static inline void name##_w(Cpu *c, const Insn *in, int w) { load_far_w(c, in, w, seg); } \
    ALU_DEFINE_OPV(name)

LOAD_FAR(les, SEG_ES)
LOAD_FAR(lds, SEG_DS)
LOAD_FAR(lss, SEG_SS)
LOAD_FAR(lfs, SEG_FS)
LOAD_FAR(lgs, SEG_GS)
