/*
 * mmx.c - the MMX instructions (SDM vol. 1 chapter 9, vol. 2) and
 * FXSAVE/FXRSTOR, the Pentium II's whole 64-bit integer SIMD set.
 *
 * MMX state is the x87's (SDM vol. 1 9.5): MM0-MM7 are the significands of
 * the physical registers R0-R7 (not stack-relative). Every MMX instruction
 * but EMMS sets TOP to 0 and tags all registers valid; a write to MMn also
 * sets bits 64-79 of Rn (sign and exponent) to ones, so the x87 sees a NaN
 * (FNSTENV then reports its tag as special, 10). EMMS tags them all empty.
 * FIP, FDP, FOP and the control and status words are left alone.
 *
 * Checks, in the SDM's order: a 66, F2 or F3 prefix selects an SSE/SSE2
 * form of the opcode (xmm registers), which this CPU lacks: #UD; CR0.EM:
 * #UD; CR0.TS: #NM; an unmasked x87 exception pending: #MF (with CR0.NE;
 * without it the FERR# route is not modelled, as in cpu/fpu.c).
 */
#include "cpu/access.h"
#include "cpu/cpu.h"
#include "cpu/handlers.h"

/* ---- state ------------------------------------------------------------ */

static inline uint64_t mm_get(const Cpu *c, int n)
{
    return c->fpu.st[n].sig;
}

static inline void mm_set(Cpu *c, int n, uint64_t v)
{
    c->fpu.st[n].sig = v;
    c->fpu.st[n].se = 0xffff;
}

/* A 66 prefix (the operand size differs from the code segment's) or
 * F2/F3. */
static bool sse_prefix(const Cpu *c, const Insn *in)
{
    bool op32 = (in->flags & INSN_OP32) != 0;
    return op32 != c->code32 || (in->flags & (INSN_REP | INSN_REPNE));
}

static void mmx_check(Cpu *c, const Insn *in)
{
    if (sse_prefix(c, in) || (c->cr0 & X86_CR0_EM))
        cpu_raise(c, X86_TRAP_UD, 0);
    if (c->cr0 & X86_CR0_TS)
        cpu_raise(c, X86_TRAP_NM, 0);
    if (c->fpu.sw & FSW_ES) {
        if (c->cr0 & X86_CR0_NE)
            cpu_raise(c, X86_TRAP_MF, 0);
        if (c->ferr)
            c->ferr(c->ferr_opaque); /* FERR# -> IRQ 13, as in fpu.c */
    }
}

/* The x87 side effect of every MMX instruction but EMMS; called once the
 * instruction can no longer fault. */
static void mmx_enter(Cpu *c)
{
    c->fpu.top = 0;
    c->fpu.empty = 0;
}

static uint64_t rd_m64(Cpu *c, int seg, uint32_t off)
{
    uint32_t lo = cpu_rd32(c, seg, off);
    return lo | (uint64_t)cpu_rd32(c, seg, off + 4) << 32;
}

/* Qq: MMX register or 64-bit memory. Qd: register or 32-bit memory (the
 * PUNPCKL forms use only the low half either way). */
static uint64_t rd_Qq(Cpu *c, const Insn *in)
{
    if (in->mod == 3)
        return mm_get(c, in->rm);
    return rd_m64(c, in->seg, insn_ea(c, in));
}

static uint64_t rd_Qd(Cpu *c, const Insn *in)
{
    if (in->mod == 3)
        return (uint32_t)mm_get(c, in->rm);
    return cpu_rd32(c, in->seg, insn_ea(c, in));
}

/* ---- lane arithmetic ---------------------------------------------------- */

enum { L_ADD, L_ADDS, L_ADDUS, L_SUB, L_SUBS, L_SUBUS, L_CMPEQ, L_CMPGT, L_MULL, L_MULH };

static inline uint64_t lane_mask(int w)
{
    return w == 64 ? ~0ull : (1ull << w) - 1;
}

static inline int64_t sext(uint64_t v, int w)
{
    return w == 64 ? (int64_t)v : (int64_t)(v << (64 - w)) >> (64 - w);
}

static inline int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One operation on each w-bit lane of d and s (w = 8, 16 or 32). */
static uint64_t lanewise(uint64_t d, uint64_t s, int w, int op)
{
    uint64_t m = lane_mask(w), out = 0;
    int64_t smax = (int64_t)(m >> 1), smin = -smax - 1;
    for (int i = 0; i < 64; i += w) {
        uint64_t a = (d >> i) & m, b = (s >> i) & m;
        int64_t sa = sext(a, w), sb = sext(b, w), r;
        switch (op) {
        case L_ADD: r = (int64_t)(a + b); break;
        case L_ADDS: r = clamp(sa + sb, smin, smax); break;
        case L_ADDUS: r = clamp((int64_t)(a + b), 0, (int64_t)m); break;
        case L_SUB: r = (int64_t)(a - b); break;
        case L_SUBS: r = clamp(sa - sb, smin, smax); break;
        case L_SUBUS: r = clamp((int64_t)a - (int64_t)b, 0, (int64_t)m); break;
        case L_CMPEQ: r = a == b ? -1 : 0; break;
        case L_CMPGT: r = sa > sb ? -1 : 0; break;
        case L_MULL: r = sa * sb; break;
        default: r = (sa * sb) >> w; break; /* L_MULH */
        }
        out |= ((uint64_t)r & m) << i;
    }
    return out;
}

/* Signed w-bit lanes of d then s, each saturated to w/2 bits (signed, or
 * unsigned for PACKUSWB), packed into one register: d's go low. */
static uint64_t pack(uint64_t d, uint64_t s, int w, bool to_unsigned)
{
    int h = w / 2, n = 64 / w;
    uint64_t hm = lane_mask(h), out = 0;
    int64_t lo = to_unsigned ? 0 : -(int64_t)(hm >> 1) - 1;
    int64_t hi = to_unsigned ? (int64_t)hm : (int64_t)(hm >> 1);
    for (int i = 0; i < 2 * n; i++) {
        uint64_t src = i < n ? d : s;
        int64_t v = clamp(sext(src >> ((i % n) * w), w), lo, hi);
        out |= ((uint64_t)v & hm) << (i * h);
    }
    return out;
}

/* Interleave the w-bit lanes of the low (or high) halves of d and s:
 * d's lane k goes to lane 2k, s's to lane 2k + 1. */
static uint64_t unpack(uint64_t d, uint64_t s, int w, bool high)
{
    uint64_t m = lane_mask(w), out = 0;
    int base = high ? 32 : 0;
    for (int k = 0; k < 32 / w; k++) {
        out |= ((d >> (base + k * w)) & m) << (2 * k * w);
        out |= ((s >> (base + k * w)) & m) << ((2 * k + 1) * w);
    }
    return out;
}

enum { SH_LL, SH_RL, SH_RA };

/* Shift each w-bit lane by count (all 64 bits of it count): logical
 * shifts by w or more clear the lane, arithmetic ones fill it with its
 * sign (SDM PSLLW/PSRLW/PSRAW). */
static uint64_t shift(uint64_t d, uint64_t count, int w, int kind)
{
    uint64_t m = lane_mask(w), out = 0;
    if (count >= (uint64_t)w) {
        if (kind != SH_RA)
            return 0;
        count = (uint64_t)w - 1;
    }
    int n = (int)count;
    for (int i = 0; i < 64; i += w) {
        uint64_t a = (d >> i) & m, r;
        if (kind == SH_LL)
            r = n == 64 ? 0 : a << n;
        else if (kind == SH_RL)
            r = a >> n;
        else
            r = (uint64_t)(sext(a, w) >> n);
        out |= (r & m) << i;
    }
    return out;
}

/* ---- handlers: Pq, Qq ------------------------------------------------- */

typedef uint64_t (*MmxFn)(uint64_t d, uint64_t s);

static void mmx_binop(Cpu *c, const Insn *in, MmxFn f, bool half)
{
    mmx_check(c, in);
    uint64_t s = half ? rd_Qd(c, in) : rd_Qq(c, in);
    uint64_t d = mm_get(c, in->reg);
    mmx_enter(c);
    mm_set(c, in->reg, f(d, s));
}

#define MMX_OP(name, half, expr)                                               \
    static uint64_t f_##name(uint64_t d, uint64_t s)                           \
    {                                                                          \
        (void)d;                                                               \
        (void)s;                                                               \
        return expr;                                                           \
    }                                                                          \
    void op_##name(Cpu *c, const Insn *in) { mmx_binop(c, in, f_##name, half); }

MMX_OP(punpcklbw, true, unpack(d, s, 8, false))
MMX_OP(punpcklwd, true, unpack(d, s, 16, false))
MMX_OP(punpckldq, true, unpack(d, s, 32, false))
MMX_OP(punpckhbw, false, unpack(d, s, 8, true))
MMX_OP(punpckhwd, false, unpack(d, s, 16, true))
MMX_OP(punpckhdq, false, unpack(d, s, 32, true))
MMX_OP(packsswb, false, pack(d, s, 16, false))
MMX_OP(packssdw, false, pack(d, s, 32, false))
MMX_OP(packuswb, false, pack(d, s, 16, true))
MMX_OP(pcmpgtb, false, lanewise(d, s, 8, L_CMPGT))
MMX_OP(pcmpgtw, false, lanewise(d, s, 16, L_CMPGT))
MMX_OP(pcmpgtd, false, lanewise(d, s, 32, L_CMPGT))
MMX_OP(pcmpeqb, false, lanewise(d, s, 8, L_CMPEQ))
MMX_OP(pcmpeqw, false, lanewise(d, s, 16, L_CMPEQ))
MMX_OP(pcmpeqd, false, lanewise(d, s, 32, L_CMPEQ))
MMX_OP(paddb, false, lanewise(d, s, 8, L_ADD))
MMX_OP(paddw, false, lanewise(d, s, 16, L_ADD))
MMX_OP(paddd, false, lanewise(d, s, 32, L_ADD))
MMX_OP(paddsb, false, lanewise(d, s, 8, L_ADDS))
MMX_OP(paddsw, false, lanewise(d, s, 16, L_ADDS))
MMX_OP(paddusb, false, lanewise(d, s, 8, L_ADDUS))
MMX_OP(paddusw, false, lanewise(d, s, 16, L_ADDUS))
MMX_OP(psubb, false, lanewise(d, s, 8, L_SUB))
MMX_OP(psubw, false, lanewise(d, s, 16, L_SUB))
MMX_OP(psubd, false, lanewise(d, s, 32, L_SUB))
MMX_OP(psubsb, false, lanewise(d, s, 8, L_SUBS))
MMX_OP(psubsw, false, lanewise(d, s, 16, L_SUBS))
MMX_OP(psubusb, false, lanewise(d, s, 8, L_SUBUS))
MMX_OP(psubusw, false, lanewise(d, s, 16, L_SUBUS))
MMX_OP(pmullw, false, lanewise(d, s, 16, L_MULL))
MMX_OP(pmulhw, false, lanewise(d, s, 16, L_MULH))
MMX_OP(pand, false, d & s)
MMX_OP(pandn, false, ~d & s)
MMX_OP(por, false, d | s)
MMX_OP(pxor, false, d ^ s)
MMX_OP(psllw, false, shift(d, s, 16, SH_LL))
MMX_OP(pslld, false, shift(d, s, 32, SH_LL))
MMX_OP(psllq, false, shift(d, s, 64, SH_LL))
MMX_OP(psrlw, false, shift(d, s, 16, SH_RL))
MMX_OP(psrld, false, shift(d, s, 32, SH_RL))
MMX_OP(psrlq, false, shift(d, s, 64, SH_RL))
MMX_OP(psraw, false, shift(d, s, 16, SH_RA))
MMX_OP(psrad, false, shift(d, s, 32, SH_RA))

/* PMADDWD: each dword is the sum of two signed word products. Only
 * 0x8000 * 0x8000 twice overflows, and wraps to 0x80000000 (SDM). */
static uint64_t f_pmaddwd(uint64_t d, uint64_t s)
{
    uint64_t out = 0;
    for (int i = 0; i < 2; i++) {
        int64_t p0 = sext(d >> (32 * i), 16) * sext(s >> (32 * i), 16);
        int64_t p1 = sext(d >> (32 * i + 16), 16) * sext(s >> (32 * i + 16), 16);
        out |= ((uint64_t)(p0 + p1) & 0xffffffffu) << (32 * i);
    }
    return out;
}
void op_pmaddwd(Cpu *c, const Insn *in) { mmx_binop(c, in, f_pmaddwd, false); }

/* ---- shifts by an immediate (0F 71/72/73, register only) --------------- */

static void shift_imm(Cpu *c, const Insn *in, int w, int kind)
{
    if (in->mod != 3)
        cpu_raise(c, X86_TRAP_UD, 0);
    mmx_check(c, in);
    uint64_t d = mm_get(c, in->rm);
    mmx_enter(c);
    mm_set(c, in->rm, shift(d, in->imm & 0xff, w, kind));
}

void op_psrlw_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 16, SH_RL); }
void op_psraw_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 16, SH_RA); }
void op_psllw_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 16, SH_LL); }
void op_psrld_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 32, SH_RL); }
void op_psrad_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 32, SH_RA); }
void op_pslld_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 32, SH_LL); }
void op_psrlq_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 64, SH_RL); }
void op_psllq_Ib(Cpu *c, const Insn *in) { shift_imm(c, in, 64, SH_LL); }

/* ---- moves and EMMS ---------------------------------------------------- */

void op_movd_P_E(Cpu *c, const Insn *in)
{
    mmx_check(c, in);
    uint32_t v = rd_Ed(c, in);
    mmx_enter(c);
    mm_set(c, in->reg, v);
}

/* The stores write memory first (it may fault), then touch the x87. */
void op_movd_E_P(Cpu *c, const Insn *in)
{
    mmx_check(c, in);
    wr_Ed(c, in, (uint32_t)mm_get(c, in->reg));
    mmx_enter(c);
}

void op_movq_P_Q(Cpu *c, const Insn *in)
{
    mmx_check(c, in);
    uint64_t v = rd_Qq(c, in);
    mmx_enter(c);
    mm_set(c, in->reg, v);
}

void op_movq_Q_P(Cpu *c, const Insn *in)
{
    mmx_check(c, in);
    uint64_t v = mm_get(c, in->reg);
    if (in->mod == 3) {
        mmx_enter(c);
        mm_set(c, in->rm, v);
        return;
    }
    uint32_t off = insn_ea(c, in);
    cpu_check_write(c, in->seg, off, 8);
    cpu_wr32(c, in->seg, off, (uint32_t)v);
    cpu_wr32(c, in->seg, off + 4, (uint32_t)(v >> 32));
    mmx_enter(c);
}

/* EMMS: every register empty; TOP is 0 after it too (SDM vol. 1, table
 * 9-1, "Effects of MMX instructions on x87 FPU state"). */
void op_emms(Cpu *c, const Insn *in)
{
    mmx_check(c, in);
    c->fpu.top = 0;
    c->fpu.empty = 0xff;
}

/* ---- FXSAVE / FXRSTOR ------------------------------------------------- */

/*
 * The 512-byte image (SDM vol. 2, FXSAVE, the table for non-64-bit modes):
 *    0 FCW   2 FSW   4 abridged FTW (bit n: Rn not empty)   5 reserved
 *    6 FOP   8 FIP  12 FCS  14 reserved  16 FDP  20 FDS  22 reserved
 *   24 MXCSR  28 MXCSR_MASK   32 + 16 * i: ST(i), 10 bytes of 16
 *  160 XMM0-XMM7, then reserved/available to 511.
 * This CPU has no SSE, so no MXCSR or XMM registers: as the SDM allows for
 * CR4.OSFXSR = 0 (their saving is implementation dependent; this CPU has
 * no OSFXSR bit), FXSAVE leaves bytes 24-31 and 160-511 unwritten and
 * FXRSTOR ignores them. Bytes 10-15 of each ST slot are reserved and left
 * alone too. The reserved bytes 5, 14-15 and 22-23 are written as zero.
 * FIP and FDP are stored as the offsets (and FCS, FDS the selectors) that
 * the x87 kept, in every mode. Neither instruction waits: no #MF.
 */
#define FX_ST 32

static uint32_t fx_check(Cpu *c, const Insn *in)
{
    if (c->cr0 & (X86_CR0_EM | X86_CR0_TS))
        cpu_raise(c, X86_TRAP_NM, 0);
    uint32_t off = insn_ea(c, in);
    if ((c->seg[in->seg].base + off) & 15)
        cpu_raise(c, X86_TRAP_GP, 0);
    return off;
}

void op_fxsave(Cpu *c, const Insn *in)
{
    uint32_t off = fx_check(c, in);
    int seg = in->seg;
    cpu_check_write(c, seg, off, FX_ST + 8 * 16);
    const Fpu *f = &c->fpu;
    uint16_t fsw = (uint16_t)((f->sw & ~0x3800u) | (f->top << 11));
    cpu_wr16(c, seg, off + 0, f->cw);
    cpu_wr16(c, seg, off + 2, fsw);
    cpu_wr16(c, seg, off + 4, (uint8_t)~f->empty);
    cpu_wr16(c, seg, off + 6, f->fop & 0x7ff);
    cpu_wr32(c, seg, off + 8, f->fip);
    cpu_wr32(c, seg, off + 12, f->fcs);
    cpu_wr32(c, seg, off + 16, f->fdp);
    cpu_wr32(c, seg, off + 20, f->fds);
    for (int i = 0; i < 8; i++) {
        F80 v = f->st[(f->top + i) & 7];
        uint32_t a = off + FX_ST + 16 * (uint32_t)i;
        cpu_wr32(c, seg, a, (uint32_t)v.sig);
        cpu_wr32(c, seg, a + 4, (uint32_t)(v.sig >> 32));
        cpu_wr16(c, seg, a + 8, v.se);
    }
}

void op_fxrstor(Cpu *c, const Insn *in)
{
    uint32_t off = fx_check(c, in);
    int seg = in->seg;
    /* Read everything before changing anything. */
    uint16_t fcw = cpu_rd16(c, seg, off + 0), fsw = cpu_rd16(c, seg, off + 2);
    uint8_t ftw = cpu_rd8(c, seg, off + 4);
    uint16_t fop = cpu_rd16(c, seg, off + 6);
    uint32_t fip = cpu_rd32(c, seg, off + 8), fdp = cpu_rd32(c, seg, off + 16);
    uint16_t fcs = cpu_rd16(c, seg, off + 12), fds = cpu_rd16(c, seg, off + 20);
    F80 st[8];
    for (int i = 0; i < 8; i++) {
        uint32_t a = off + FX_ST + 16 * (uint32_t)i;
        st[i].sig = rd_m64(c, seg, a);
        st[i].se = cpu_rd16(c, seg, a + 8);
    }
    Fpu *f = &c->fpu;
    f->cw = fcw;
    f->top = (fsw >> 11) & 7;
    f->sw = (uint16_t)(fsw & ~0x3800u);
    f->empty = (uint8_t)~ftw;
    f->fop = fop & 0x7ff;
    f->fip = fip;
    f->fcs = fcs;
    f->fdp = fdp;
    f->fds = fds;
    for (int i = 0; i < 8; i++)
        f->st[(f->top + i) & 7] = st[i];
}
