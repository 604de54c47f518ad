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
    xj_need_stack32(j, s);
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
    xj_need_stack32(j, s);
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
    xj_need_stack32(j, s);
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

/* A check's branch to the handler. */
static void rep_fail(Jit *j, Stub *s, int cc)
{
    xj_stub_from(j, s, em_jcc32(&j->e, cc));
}

/* host pointer of guest linear page [EAX] + offset into hr (RDI or RSI)
 * through tlb table `tab`, when the `bytes` (ECX * n) from EAX stay in
 * the page; else to the stub. EAX is kept, RDX clobbered. */
static void rep_page(Jit *j, Stub *s, int hr, int32_t tab, int n)
{
    Emit *e = &j->e;
    em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);               /* mov edx, eax */
    em_alu32_imm(e, 4, HR_DX, PAGE_MASK);                /* and edx, 0xfff */
    em8(e, 0x8d);                                        /* lea edx, [rdx + rcx*n] */
    em8(e, 0x14);
    em8(e, (uint8_t)((n == 4 ? 2 : 0) << 6 | HR_CX << 3 | HR_DX));
    em_alu32_imm(e, 7, HR_DX, PAGE_SIZE);                /* cmp edx, 4096 */
    rep_fail(j, s, HCC_A);
    em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);               /* mov edx, eax */
    em_op_rr(e, 0, 0, 0xc1, 5, HR_DX);                   /* shr edx, 12 */
    em8(e, PAGE_SHIFT);
    em_mov64_load(e, hr, tab);                           /* mov hr, [tlb] */
    em8(e, 0x48); em8(e, 0x8b);                          /* mov hr, [hr + rdx*8] */
    em8(e, (uint8_t)(hr << 3 | 4));
    em8(e, (uint8_t)(3 << 6 | HR_DX << 3 | hr));
    em_op_rr(e, 0, 0x48, 0x85, hr, hr);                  /* test hr, hr */
    rep_fail(j, s, HCC_E);
    em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);               /* mov edx, eax */
    em_alu32_imm(e, 4, HR_DX, PAGE_MASK);
    em_op_rr(e, 0, 0x48, 0x01, HR_DX, hr);               /* add hr, rdx */
}

/*
 * REP MOVS and REP STOS, byte and dword, 32-bit addresses, in a flat
 * block (plan_insn picks them): host `rep movs/stos` when cpu/string.c's
 * handler would do the whole count in one str_fast chunk and then not
 * ask for an exit, so that icount, registers, memory and exits are the
 * handler's: DF clear, 0 < ECX, ES:EDI (and DS:ESI) + ECX * n within one
 * page each and in the write (read) table, no overlap of a destination
 * starting inside the source (str_fast's test, on the host pointers), and
 * icount + ECX + 64 <= deadline (the handler's budget, and the rest of
 * any block still fits, so it sets no exit_req). Anything else, ECX 0
 * included, runs the handler in the stub. The count retires ECX
 * instructions: ECX - 1 go straight to c->icount, the last one lags as
 * any inline instruction's does.
 */
static void emit_rep_string(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int n = p->w / 8;
    bool movs = p->aluop == 0;
    Stub *s = xj_new_stub(j, in);
    em8(e, 0x0f); em8(e, 0xba); em_rbx_disp(e, 4, OFF(eflags)); /* bt [eflags], 10 */
    em8(e, 10);
    rep_fail(j, s, HCC_B);
    xj_ld_reg(j, 32, R_ECX, HR_CX);
    em_op_rr(e, 0, 0, 0x85, HR_CX, HR_CX);               /* test ecx, ecx */
    rep_fail(j, s, HCC_E);
    em_alu32_imm(e, 7, HR_CX, PAGE_SIZE / (uint32_t)n);  /* cmp ecx, 4096/n */
    rep_fail(j, s, HCC_A);
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_rr(e, 0, 0x48, 0x01, HR_CX, HR_AX);            /* add rax, rcx */
    em_op_rr(e, 0, 0x48, 0x81, 0, HR_AX);                /* add rax, ic_pend + 64 */
    em32(e, j->ic_pend + BLOCK_MAX_INSNS);
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(deadline));   /* cmp rax, [deadline] */
    rep_fail(j, s, HCC_A);
    xj_ld_reg(j, 32, R_EDI, HR_AX);
    rep_page(j, s, HR_DI, OFF(tlb_wr), n);
    if (movs) {
        xj_ld_reg(j, 32, R_ESI, HR_AX);
        rep_page(j, s, HR_SI, OFF(tlb_rd), n);
        /* dst - src - 1 < bytes - 1: the destination starts inside */
        em_op_rr(e, 0, 0x48, 0x89, HR_DI, HR_AX);        /* mov rax, rdi */
        em_op_rr(e, 0, 0x48, 0x29, HR_SI, HR_AX);        /* sub rax, rsi */
        em8(e, 0x48); em8(e, 0x8d); em8(e, 0x14);        /* lea rdx, [rcx*n - 1] */
        em8(e, (uint8_t)((n == 4 ? 2 : 0) << 6 | HR_CX << 3 | 5));
        em32(e, 0xffffffffu);
        em_op_rr(e, 0, 0x48, 0x83, 5, HR_AX);            /* sub rax, 1 */
        em8(e, 1);
        em_op_rr(e, 0, 0x48, 0x39, HR_DX, HR_AX);        /* cmp rax, rdx */
        rep_fail(j, s, HCC_B);
    } else {
        xj_ld_reg(j, p->w, R_EAX, HR_AX);
    }
    /* committed: nothing below can fail */
    em8(e, 0x48); em8(e, 0x8d); em8(e, 0x51); em8(e, 0xff); /* lea rdx, [rcx - 1] */
    em_op_mem(e, 0, 0x48, 0x01, HR_DX, OFF(icount));     /* add [icount], rdx */
    em_op_rr(e, 0, 0, 0x89, HR_CX, HR_DX);               /* mov edx, ecx */
    if (n == 4) {
        em_op_rr(e, 0, 0, 0xc1, 4, HR_DX);               /* shl edx, 2 */
        em8(e, 2);
    }
    em8(e, 0xf3);
    em8(e, (uint8_t)((movs ? 0xa4 : 0xaa) + (n == 4)));  /* rep movs/stos */
    xj_ld_reg(j, 32, R_EDI, HR_AX);
    em_op_rr(e, 0, 0, 0x01, HR_DX, HR_AX);               /* add eax, edx */
    xj_st_reg(j, 32, R_EDI, HR_AX);
    if (movs) {
        xj_ld_reg(j, 32, R_ESI, HR_AX);
        em_op_rr(e, 0, 0, 0x01, HR_DX, HR_AX);
        xj_st_reg(j, 32, R_ESI, HR_AX);
    }
    em_op_rr(e, 0, 0, 0x31, HR_AX, HR_AX);               /* xor eax, eax */
    xj_st_reg(j, 32, R_ECX, HR_AX);
    xj_stub_join(j, s);
}

/* MOVS, STOS, LODS without a repeat prefix (A4/A5, AA/AB, AC/AD), or
 * REP MOVS/STOS (form 1: emit_rep_string). Without REP, one
 * step of cpu/string.c's str_step, the source at seg:(E)SI, the
 * destination at ES:(E)DI, both read or checked before anything changes. */
void xj_emit_string(Jit *j, const Insn *in, const Plan *p)
{
    int w = p->w, n = w / 8;
    bool a32 = (in->flags & INSN_ADDR32) != 0;
    int kind = p->aluop;
    if (p->form) {
        emit_rep_string(j, in, p);
        return;
    }
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
    xj_need_stack32(j, s);
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

/* ---- SHLD, SHRD ------------------------------------------------------- */

/*
 * SHLD/SHRD r/m, r, imm8 or CL (0F A4/A5, AC/AD) as cpu/shift.c's
 * shxd_calc: one wide value shifted in a 64-bit host register, so that
 * 16-bit counts of 17-31 give the handler's (P6) result, where the host's
 * own 16-bit SHLD is undefined:
 *   32-bit SHLD  t = dest:src << n, result t >> 32
 *   32-bit SHRD  t = src:dest >> n, result the low half
 *   16-bit       t = dest:src:dest (48 bits): SHLD (t << 16) << n, result
 *                bits 48-63; SHRD t >> n, result the low 16 bits
 * CF is the host's (the last bit shifted out of t). SF, ZF and PF are
 * the result's, AF is 0, OF is MSB ^ CF for SHLD and the result's two
 * top bits' XOR for SHRD, whatever the count (the handler's choice for
 * the undefined cases). A count of 0 (CL) changes nothing; the memory
 * form then still goes through the write check, as SHL by CL does.
 */
void xj_emit_shxd(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    bool left = p->aluop == 0;
    bool by_cl = p->count == 0;
    if (by_cl && flags_live)
        xj_flags_all_in_r8(j); /* both paths end with every flag in R8D */
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, true);
    }
    /* every guest register this reads is loaded before the count test,
     * so both paths agree on what the host registers hold */
    xj_ld_reg(j, w, in->reg, HR_DI);                      /* edi = src */
    if (!s)
        xj_ld_reg(j, w, in->rm, HR_AX);                   /* eax = dest */
    uint8_t *skip = NULL;
    if (by_cl) {
        xj_ld_reg(j, 32, R_ECX, HR_CX);
        em_alu32_imm(e, 4, HR_CX, 31);                    /* and ecx, 31 */
        skip = em_jcc32(e, HCC_E);
    }
    if (s)
        xj_ld_mem(j, w, HR_AX);
    if (w == 16) {
        em_op_rr(e, 0, 0, 0xc1, 4, HR_DI);                /* shl edi, 16 */
        em8(e, 16);
        em_op_rr(e, 0, 0, 0x09, HR_AX, HR_DI);            /* or edi, eax: src:dest */
        em_op_rr(e, 0, 0x48, 0xc1, 4, HR_AX);             /* shl rax, 32 */
        em8(e, 32);
        em_op_rr(e, 0, 0x48, 0x09, HR_DI, HR_AX);         /* or rax, rdi: dest:src:dest */
        if (left) {
            em_op_rr(e, 0, 0x48, 0xc1, 4, HR_AX);         /* shl rax, 16 */
            em8(e, 16);
        }
    } else if (left) {
        em_op_rr(e, 0, 0x48, 0xc1, 4, HR_AX);             /* shl rax, 32 */
        em8(e, 32);
        em_op_rr(e, 0, 0x48, 0x09, HR_DI, HR_AX);         /* or rax, rdi: dest:src */
    } else {
        em_op_rr(e, 0, 0x48, 0xc1, 4, HR_DI);             /* shl rdi, 32 */
        em8(e, 32);
        em_op_rr(e, 0, 0x48, 0x09, HR_DI, HR_AX);         /* or rax, rdi: src:dest */
    }
    int sh = left ? 4 : 5;
    if (by_cl) {
        em_op_rr(e, 0, 0x48, 0xd3, sh, HR_AX);            /* shl/shr rax, cl */
    } else {
        em_op_rr(e, 0, 0x48, 0xc1, sh, HR_AX);            /* shl/shr rax, n */
        em8(e, p->count);
    }
    em8(e, 0x0f); em8(e, 0x92); em8(e, 0xc1);             /* setc cl */
    if (left) {
        em_op_rr(e, 0, 0x48, 0xc1, 5, HR_AX);             /* shr rax, 64 - w */
        em8(e, (uint8_t)(64 - w));
    }
    if (s)
        xj_st_mem(j, w, HR_AX);
    else
        xj_st_reg(j, w, in->rm, HR_AX);
    if (flags_live) {
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_SI);            /* mov esi, eax (LAHF writes AH) */
        xj_em_rrx(e, w == 16 ? 0x66 : 0, false, false, 0x85, HR_AX, HR_AX); /* test r, r */
        em8(e, 0x9f);                                     /* lahf */
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);         /* movzx edi, ah */
        em_alu32_imm(e, 4, HR_DI, 0xc4);                  /* SF ZF PF; AF = 0 */
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xc9);         /* movzx ecx, cl */
        em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);            /* or edi, ecx: CF */
        /* OF: bit w-1 ^ CF (SHLD), bit w-1 ^ bit w-2 (SHRD) */
        em_op_rr(e, 0, 0, 0xc1, 5, HR_SI);                /* shr esi, w-2 */
        em8(e, (uint8_t)(w - 2));
        if (left) {
            em_op_rr(e, 0, 0, 0xd1, 5, HR_SI);            /* shr esi, 1: bit w-1 */
            em_op_rr(e, 0, 0, 0x31, HR_CX, HR_SI);        /* xor esi, ecx */
        } else {
            em_op_rr(e, 0, 0, 0x89, HR_SI, HR_CX);        /* mov ecx, esi */
            em_op_rr(e, 0, 0, 0xd1, 5, HR_CX);            /* shr ecx, 1 */
            em_op_rr(e, 0, 0, 0x31, HR_CX, HR_SI);        /* xor esi, ecx */
        }
        em_alu32_imm(e, 4, HR_SI, 1);
        em_op_rr(e, 0, 0, 0xc1, 4, HR_SI);                /* shl esi, 11: OF */
        em8(e, 11);
        em_op_rr(e, 0, 0, 0x09, HR_SI, HR_DI);            /* or edi, esi */
        xj_merge_flags(j, FL_ARITH);
    }
    if (skip)
        em_patch(skip, e->p);
    if (s)
        xj_stub_join(j, s);
}

/* ---- CMPXCHG8B ---------------------------------------------------------- */

/*
 * CMPXCHG8B m64 (0F C7 /1) as cpu/datamov.c's handler, on one CPU: the
 * quadword through the fast path checked for a write (a miss, a page
 * crossing or a fault runs the handler, before anything changes), then
 * compared with EDX:EAX; equal, ECX:EBX is stored and ZF set; not equal,
 * EDX:EAX takes the quadword (the handler's write-back of the same value
 * changes nothing) and ZF is clear. No other flag changes.
 */
void xj_emit_cmpxchg8b(Jit *j, const Insn *in, bool flags_live)
{
    Emit *e = &j->e;
    Stub *s = xj_new_stub(j, in);
    xj_emit_ea(j, in);
    xj_emit_fast(j, s, in->seg, 8, true);
    int ha = xj_greg(j, R_EAX), hd = xj_greg(j, R_EDX);
    int hc = xj_greg(j, R_ECX), hb = xj_greg(j, R_EBX);
    em8(e, 0x48); em8(e, 0x8b); em_bi(e, HR_AX, HR_SI, HR_DX);  /* mov rax, [rsi+rdx] */
    xj_em_rrx(e, 0, false, false, 0x8b, HR_CX, hd);              /* ecx = EDX */
    em_op_rr(e, 0, 0x48, 0xc1, 4, HR_CX);                        /* shl rcx, 32 */
    em8(e, 32);
    xj_em_rrx(e, 0, false, false, 0x8b, HR_DI, ha);              /* edi = EAX */
    em_op_rr(e, 0, 0x48, 0x09, HR_DI, HR_CX);                    /* or rcx, rdi */
    em_op_rr(e, 0, 0x48, 0x39, HR_CX, HR_AX);                    /* cmp rax, rcx */
    uint8_t *ne = em_jcc32(e, HCC_NE);
    xj_em_rrx(e, 0, false, false, 0x8b, HR_CX, hc);              /* ecx = ECX */
    em_op_rr(e, 0, 0x48, 0xc1, 4, HR_CX);                        /* shl rcx, 32 */
    em8(e, 32);
    xj_em_rrx(e, 0, false, false, 0x8b, HR_DI, hb);              /* edi = EBX */
    em_op_rr(e, 0, 0x48, 0x09, HR_DI, HR_CX);                    /* or rcx, rdi */
    em8(e, 0x48); em8(e, 0x89); em_bi(e, HR_CX, HR_SI, HR_DX);  /* mov [rsi+rdx], rcx */
    em_op_rr(e, 0, 0, 0x31, HR_CX, HR_CX);                       /* xor ecx, ecx: ZF = 1 */
    uint8_t *done = em_jmp32(e);
    em_patch(ne, e->p);
    xj_em_rrx(e, 0, false, false, 0x8b, ha, HR_AX);              /* EAX = low half */
    em_op_rr(e, 0, 0x48, 0xc1, 5, HR_AX);                        /* shr rax, 32 */
    em8(e, 32);
    xj_em_rrx(e, 0, false, false, 0x8b, hd, HR_AX);              /* EDX = high half */
    em_op_rr(e, 0, 0, 0x83, 1, HR_CX);                           /* or ecx, 1: ZF = 0 */
    em8(e, 1);
    em_patch(done, e->p);
    j->rdirty |= (uint8_t)(1u << R_EAX | 1u << R_EDX);
    if (flags_live)
        xj_emit_flags(j, X86_EFLAGS_ZF, X86_EFLAGS_ZF);
    xj_stub_join(j, s);
}
