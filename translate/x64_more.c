/*
 * x64_more.c - more instructions the x86-64 backend runs inline
 * (docs/jit.md, "Inline instructions"): PUSH imm and r/m, POP r/m and
 * LEAVE on a 32-bit stack, BT/BTS/BTR/BTC on a register or with an
 * immediate offset, XADD and CMPXCHG. As in x64_insn.c, each changes no
 * guest state before its last branch to the stub, so a fault (or any
 * miss: MMIO, a page crossing, a code page, a 16-bit stack) runs the
 * whole instruction through its handler.
 */
#include <stddef.h>

#include "translate/x64_jit.h"

/* A 16-bit stack (SS.B clear) takes the stub: ESP's upper half and the
 * 64K wrap are the handler's business. */
static void need_stack32(Jit *j, Stub *s)
{
    Emit *e = &j->e;
    em_op_mem(e, 0, 0, 0x80, 7, OFF(stack32));           /* cmp byte [stack32], 0 */
    em8(e, 0);
    xj_stub_from(j, s, em_jcc32(e, HCC_E));
}

/* The w-bit value in EDI pushed: ESP - w/8 checked for a write through
 * stub s, the store, then ESP. */
static void push_edi(Jit *j, Stub *s, int w)
{
    xj_ld_reg(j, 32, R_ESP, HR_AX);
    em_alu32_imm(&j->e, 5, HR_AX, (uint32_t)w / 8);      /* sub eax, w/8 */
    xj_emit_fast(j, s, SEG_SS, w / 8, true);
    xj_st_mem(j, w, HR_DI);
    xj_st_reg(j, 32, R_ESP, HR_AX);
}

/* PUSH imm (68, 6A: the decoder sign-extends Ib) and PUSH r/m (FF /6).
 * The operand is read (with ESP as it was) before the push, as
 * cpu/stack.c does; two stubs, made before anything changes, keep each
 * memory access's branches within a stub's limit. */
void xj_emit_push_op(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    Stub *s = xj_new_stub(j, in);
    Stub *s2 = (in->flags & INSN_MEM) ? xj_new_stub(j, in) : s;
    need_stack32(j, s);
    if (in->op != 0xff) {
        em_mov32_imm(e, HR_DI, in->imm);
    } else if (in->mod == 3) {
        xj_ld_reg(j, w, in->rm, HR_DI);
    } else {
        xj_emit_ea(j, in);
        xj_emit_fast(j, s2, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_DI);
    }
    push_edi(j, s, w);
    xj_stub_join(j, s);
    if (s2 != s)
        xj_stub_join(j, s2);
}

/* POP r/m (8F /0): the value is read at ESP, the destination written with
 * ESP as it is after the pop in its address, then ESP moves (cpu/stack.c);
 * a register destination is written after ESP (POP ESP keeps the value). */
void xj_emit_pop_op(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    Stub *s = xj_new_stub(j, in);
    Stub *s2 = in->mod != 3 ? xj_new_stub(j, in) : s;
    need_stack32(j, s);
    xj_ld_reg(j, 32, R_ESP, HR_AX);
    xj_emit_fast(j, s, SEG_SS, w / 8, false);
    xj_ld_mem(j, w, HR_DI);
    if (in->mod == 3) {
        em_alu32_imm(e, 0, HR_AX, (uint32_t)w / 8);      /* add eax, w/8 */
        xj_st_reg(j, 32, R_ESP, HR_AX);
        xj_st_reg(j, w, in->rm, HR_DI);
        xj_stub_join(j, s);
        return;
    }
    Insn t = *in;
    if (t.base == R_ESP)
        t.disp += (uint32_t)w / 8; /* only 32-bit addressing has an ESP base */
    xj_emit_ea(j, &t);
    xj_emit_fast(j, s2, in->seg, w / 8, true);
    xj_st_mem(j, w, HR_DI);
    xj_ld_reg(j, 32, R_ESP, HR_AX);
    em_alu32_imm(e, 0, HR_AX, (uint32_t)w / 8);
    xj_st_reg(j, 32, R_ESP, HR_AX);
    xj_stub_join(j, s);
    xj_stub_join(j, s2);
}

/* LEAVE (C9) on a 32-bit stack: ESP = EBP, then POP (E)BP. */
void xj_emit_leave(Jit *j, const Insn *in, const Plan *p)
{
    int w = p->w;
    Stub *s = xj_new_stub(j, in);
    need_stack32(j, s);
    xj_ld_reg(j, 32, R_EBP, HR_AX);
    xj_emit_fast(j, s, SEG_SS, w / 8, false);
    xj_ld_mem(j, w, HR_DI);
    em_alu32_imm(&j->e, 0, HR_AX, (uint32_t)w / 8);      /* add eax, w/8 */
    xj_st_reg(j, 32, R_ESP, HR_AX);
    xj_st_reg(j, w, R_EBP, HR_DI);
    xj_stub_join(j, s);
}

/* BT/BTS/BTR/BTC r/m, r (0F A3/AB/B3/BB) and r/m, imm8 (0F BA /4-/7).
 * On a register, and with an immediate, the host's instruction takes the
 * offset modulo the width as cpu/bit.c does. With a register offset a
 * memory operand is a bit string: the word or dword at EA + (offset >> 4
 * or 5, signed) * size, then bit offset & 15 or 31 in it. Only CF is the
 * guest's (the host leaves OF SF AF PF undefined). */
void xj_emit_bt(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    int op = p->aluop; /* 4 BT, 5 BTS, 6 BTR, 7 BTC */
    bool imm = in->op == 0x1ba;
    uint8_t bit = (uint8_t)(in->imm & (unsigned)(w - 1));
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        if (!imm) {
            xj_ld_reg(j, w, in->reg, HR_CX);
            if (w == 16) {
                em8(e, 0x0f); em8(e, 0xbf); em8(e, 0xc9);    /* movsx ecx, cx */
            }
            em_op_rr(e, 0, 0, 0xc1, 7, HR_CX);               /* sar ecx, 5 or 4 */
            em8(e, w == 16 ? 4 : 5);
            /* lea eax, [eax + ecx * size] (32-bit: wraps as the guest's) */
            em8(e, 0x67); em8(e, 0x8d); em8(e, 0x04); em8(e, w == 16 ? 0x48 : 0x88);
            if (!(in->flags & INSN_ADDR32)) {
                em8(e, 0x0f); em8(e, 0xb7); em8(e, 0xc0);    /* movzx eax, ax */
            }
        }
        xj_emit_fast(j, s, in->seg, w / 8, op != 4);
        if (imm) {
            if (pfx)
                em8(e, (uint8_t)pfx);
            em8(e, 0x0f); em8(e, 0xba);
            em_bi(e, op, HR_SI, HR_DX);                      /* btx [rsi+rdx], imm8 */
            em8(e, bit);
        } else {
            xj_ld_reg(j, w, in->reg, HR_CX);
            em_alu32_imm(e, 4, HR_CX, (uint32_t)(w - 1));   /* and ecx, w-1 */
            if (pfx)
                em8(e, (uint8_t)pfx);
            em8(e, 0x0f); em8(e, (uint8_t)(0xa3 + 8 * (op - 4)));
            em_bi(e, HR_CX, HR_SI, HR_DX);                   /* btx [rsi+rdx], ecx */
        }
    } else if (w == 32) {
        int hd = xj_greg(j, in->rm);
        if (imm) {
            xj_em_rrx(e, 0, false, false, 0x0fba, op, hd);
            em8(e, bit);
        } else {
            xj_em_rrx(e, 0, false, false, 0x0fa3 + 8 * (op - 4), xj_greg(j, in->reg), hd);
        }
        if (op != 4)
            j->rdirty |= (uint8_t)(1u << in->rm);
    } else {
        xj_ld_reg(j, 16, in->rm, HR_AX);
        if (imm) {
            xj_em_rrx(e, pfx, false, false, 0x0fba, op, HR_AX);
            em8(e, bit);
        } else {
            xj_ld_reg(j, 16, in->reg, HR_CX);
            xj_em_rrx(e, pfx, false, false, 0x0fa3 + 8 * (op - 4), HR_CX, HR_AX);
        }
        if (op != 4)
            xj_st_reg(j, 16, in->rm, HR_AX);
    }
    if (flags_live)
        xj_emit_flags(j, X86_EFLAGS_CF, X86_EFLAGS_CF);
    if (s)
        xj_stub_join(j, s);
}

/* XADD r/m, r (0F C0/C1): the host's XADD on copies in EAX (or memory)
 * and ECX, then r = the old r/m and r/m = the sum, written last as
 * cpu/datamov.c does (XADD r, r leaves the sum). Flags of the ADD. */
void xj_emit_xadd(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    int opc = w == 8 ? 0x0fc0 : 0x0fc1;
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, true);
        xj_ld_reg(j, w, in->reg, HR_CX);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, 0x0f); em8(e, (uint8_t)opc);
        em_bi(e, HR_CX, HR_SI, HR_DX);                       /* xadd [rsi+rdx], ecx */
        xj_st_reg(j, w, in->reg, HR_CX);
    } else {
        xj_ld_reg(j, w, in->rm, HR_AX);
        xj_ld_reg(j, w, in->reg, HR_CX);
        xj_em_rrx(e, pfx, false, false, opc, HR_CX, HR_AX);   /* xadd eax, ecx */
        xj_st_reg(j, w, in->reg, HR_CX);
        xj_st_reg(j, w, in->rm, HR_AX);
    }
    if (flags_live)
        xj_emit_flags(j, FL_ARITH, FL_ARITH);
    if (s)
        xj_stub_join(j, s);
}

/* CMPXCHG r/m, r (0F B0/B1): the host's CMPXCHG with the guest's
 * accumulator in EAX; the destination is written either way (memory: the
 * old value back, as the handler's read-modify-write does). EAX is
 * stored before a register destination, so CMPXCHG eAX, r (always equal)
 * leaves r in eAX. Flags of CMP eAX, r/m. */
void xj_emit_cmpxchg(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    int opc = w == 8 ? 0x0fb0 : 0x0fb1;
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, true);
        xj_ld_reg(j, w, R_EAX, HR_AX);
        xj_ld_reg(j, w, in->reg, HR_CX);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, 0x0f); em8(e, (uint8_t)opc);
        em_bi(e, HR_CX, HR_SI, HR_DX);                       /* cmpxchg [rsi+rdx], ecx */
        xj_st_reg(j, w, R_EAX, HR_AX);
    } else {
        xj_ld_reg(j, w, in->rm, HR_DX);
        xj_ld_reg(j, w, R_EAX, HR_AX);
        xj_ld_reg(j, w, in->reg, HR_CX);
        xj_em_rrx(e, pfx, false, false, opc, HR_CX, HR_DX);   /* cmpxchg edx, ecx */
        xj_st_reg(j, w, R_EAX, HR_AX);
        xj_st_reg(j, w, in->rm, HR_DX);
    }
    if (flags_live)
        xj_emit_flags(j, FL_ARITH, FL_ARITH);
    if (s)
        xj_stub_join(j, s);
}

/* ECX = the string step: +n, or -n with DF (c->eflags: only handlers
 * change DF). */
static void str_delta(Jit *j, int n)
{
    Emit *e = &j->e;
    em8(e, 0x0f); em8(e, 0xba); em_rbx_disp(e, 4, OFF(eflags)); /* bt [eflags], 10 */
    em8(e, 10);
    em_op_rr(e, 0, 0, 0x19, HR_CX, HR_CX);               /* sbb ecx, ecx */
    em_alu32_imm(e, 4, HR_CX, (uint32_t)(-2 * n));       /* and ecx, -2n */
    em_alu32_imm(e, 0, HR_CX, (uint32_t)n);              /* add ecx, n */
}

/* index register r (ESI or EDI, by the address size) += ECX */
static void str_advance(Jit *j, int r, bool a32)
{
    xj_ld_reg(j, a32 ? 32 : 16, r, HR_AX);
    em_op_rr(&j->e, 0, 0, 0x01, HR_CX, HR_AX);           /* add eax, ecx */
    xj_st_reg(j, a32 ? 32 : 16, r, HR_AX);
}

/* MOVS, STOS, LODS without a repeat prefix (A4/A5, AA/AB, AC/AD): one
 * step of cpu/string.c's str_step, the source at seg:(E)SI, the
 * destination at ES:(E)DI, both read or checked before anything changes. */
void xj_emit_string(Jit *j, const Insn *in, const Plan *p)
{
    int w = p->w, n = w / 8;
    bool a32 = (in->flags & INSN_ADDR32) != 0;
    int kind = p->aluop;
    Stub *s = xj_new_stub(j, in);
    Stub *s2 = kind == 0 ? xj_new_stub(j, in) : s;
    if (kind != 2) {
        xj_ld_reg(j, a32 ? 32 : 16, R_ESI, HR_AX);
        xj_emit_fast(j, s, in->seg, n, false);
        xj_ld_mem(j, w, HR_DI);
    } else {
        xj_ld_reg(j, w, R_EAX, HR_DI);
    }
    if (kind != 3) {
        xj_ld_reg(j, a32 ? 32 : 16, R_EDI, HR_AX);
        xj_emit_fast(j, s2, SEG_ES, n, true);
        if (w == 8)
            em8(&j->e, 0x40); /* REX: DIL, not BH */
        xj_st_mem(j, w, HR_DI);
    } else {
        xj_st_reg(j, w, R_EAX, HR_DI);
    }
    str_delta(j, n);
    if (kind != 2)
        str_advance(j, R_ESI, a32);
    if (kind != 3)
        str_advance(j, R_EDI, a32);
    xj_stub_join(j, s);
    if (s2 != s)
        xj_stub_join(j, s2);
}

/* PUSHF (9C) outside virtual-8086 mode (there the handler decides: #GP or
 * VME): the flags with R8D's merged in, VM and RF read as 0. */
void xj_emit_pushf(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    Stub *s = xj_new_stub(j, in);
    need_stack32(j, s);
    em_op_mem(e, 0, 0, 0xf7, 0, OFF(eflags));            /* test dword [eflags], VM */
    em32(e, X86_EFLAGS_VM);
    xj_stub_from(j, s, em_jcc32(e, HCC_NE));
    em_mov32_load(e, HR_DI, OFF(eflags));
    em_alu32_imm(e, 4, HR_DI, ~(j->fl_have | X86_EFLAGS_VM | X86_EFLAGS_RF));
    if (j->fl_have) {
        xj_flags_to(e, j->fl_have, HR_CX);
        em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);           /* or edi, ecx */
    }
    push_edi(j, s, p->w);
    xj_stub_join(j, s);
}
