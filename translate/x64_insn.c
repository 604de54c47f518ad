/*
 * x64_insn.c - the instructions the x86-64 backend runs inline
 * (docs/jit.md, "Inline instructions"): MOV, the group-1 ALU operations
 * (ADC/SBB too) and TEST, INC/DEC, NOT/NEG, shifts and rotates by an
 * immediate or CL, IMUL, MUL, DIV, CMOVcc, SETcc, XCHG, CBW-CDQ, LEA,
 * MOVZX/MOVSX, PUSH/POP. Each computes the guest's result (and flags)
 * with the host's instruction, on the host registers that hold the
 * guest's, and changes nothing before its last branch to the stub.
 */
#include <stddef.h>

#include "translate/x64_jit.h"

/* ---- inline code -------------------------------------------------------- */

static uint8_t alu_opc(const Plan *p)
{
    uint8_t base = p->aluop == 8 ? 0x84 : (uint8_t)(p->aluop * 8);
    return (uint8_t)(base + (p->w == 8 ? 0 : 1));
}

void xj_emit_alu(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    bool writes = p->aluop != 7 && p->aluop != 8;
    uint32_t take = (p->aluop == 1 || p->aluop == 4 || p->aluop == 6 || p->aluop == 8)
                        ? (FL_ARITH & ~X86_EFLAGS_AF) : FL_ARITH;
    bool mem = p->form != 3 && in->mod != 3;
    bool cf_in = p->aluop == 2 || p->aluop == 3; /* ADC, SBB */
    if (w == 32 && !mem) {
        /* straight on the host registers that hold the guest's */
        int dst = p->form == 3 ? R_EAX : p->form == 1 ? in->reg : in->rm;
        int hd = xj_greg(j, dst);
        int hs = p->form >= 2 ? -1 : xj_greg(j, p->form == 1 ? in->rm : in->reg);
        if (cf_in)
            xj_emit_cf_in(j);
        if (p->form >= 2)
            xj_em_alu_imm_any(e, p->aluop, hd, in->imm);
        else
            xj_em_rrx(e, 0, false, false, alu_opc(p), hs, hd);
        xj_emit_fuse(j);
        if (writes)
            j->rdirty |= (uint8_t)(1u << dst);
    } else if (p->form == 3) {
        xj_ld_reg(j, w, R_EAX, HR_AX);
        em_mov32_imm(e, HR_CX, in->imm);
        if (cf_in)
            xj_emit_cf_in(j);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        xj_emit_fuse(j);
        if (writes)
            xj_st_reg(j, w, R_EAX, HR_AX);
    } else if (!mem) {
        int dst = p->form == 1 ? in->reg : in->rm;
        xj_ld_reg(j, w, dst, HR_AX);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            xj_ld_reg(j, w, p->form == 1 ? in->rm : in->reg, HR_CX);
        if (cf_in)
            xj_emit_cf_in(j);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        xj_emit_fuse(j);
        if (writes)
            xj_st_reg(j, w, dst, HR_AX);
    } else if (p->form == 1) {
        /* G op= [mem] */
        Stub *s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_CX);
        xj_ld_reg(j, w, in->reg, HR_AX);
        if (cf_in)
            xj_emit_cf_in(j);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        xj_emit_fuse(j);
        if (writes)
            xj_st_reg(j, w, in->reg, HR_AX);
        if (flags_live)
            xj_emit_flags(j, take, FL_ARITH);
        xj_stub_join(j, s);
        return;
    } else {
        /* [mem] op= G or imm, straight on the host's copy */
        Stub *s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, writes);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            xj_ld_reg(j, w, in->reg, HR_CX);
        if (cf_in)
            xj_emit_cf_in(j);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, alu_opc(p));
        em_bi(e, HR_CX, HR_SI, HR_DX);
        xj_emit_fuse(j);
        if (flags_live)
            xj_emit_flags(j, take, FL_ARITH);
        xj_stub_join(j, s);
        return;
    }
    if (flags_live)
        xj_emit_flags(j, take, FL_ARITH);
}

void xj_emit_mov(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    if (p->kind == K_MOVI) {
        em_mov32_imm(e, HR_AX, in->imm);
        xj_st_reg(j, w, in->reg, HR_AX);
        return;
    }
    if (in->mod == 3) {
        if (p->form == 2)
            em_mov32_imm(e, HR_AX, in->imm);
        else
            xj_ld_reg(j, w, p->form == 1 ? in->rm : in->reg, HR_AX);
        xj_st_reg(j, w, p->form == 1 ? in->reg : in->rm, HR_AX);
        return;
    }
    Stub *s = xj_new_stub(j, in);
    xj_emit_ea(j, in);
    if (p->form == 1) {
        xj_emit_fast(j, s, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_AX);
        xj_st_reg(j, w, in->reg, HR_AX);
    } else {
        xj_emit_fast(j, s, in->seg, w / 8, true);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            xj_ld_reg(j, w, in->reg, HR_CX);
        xj_st_mem(j, w, HR_CX);
    }
    xj_stub_join(j, s);
}

void xj_emit_lea(Jit *j, const Insn *in, const Plan *p)
{
    xj_emit_ea(j, in);
    xj_st_reg(j, p->w, in->reg, HR_AX);
}

void xj_emit_ext(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    Stub *s = NULL;
    if (in->mod == 3) {
        xj_ld_reg(j, p->srcw, in->rm, HR_AX);
    } else {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, p->srcw / 8, false);
        xj_ld_mem(j, p->srcw, HR_AX);
    }
    if (p->sext) {
        em8(e, 0x0f);
        em8(e, p->srcw == 8 ? 0xbe : 0xbf);
        em8(e, 0xc0); /* movsx eax, al/ax */
    }
    xj_st_reg(j, p->w, in->reg, HR_AX);
    if (s)
        xj_stub_join(j, s);
}

void xj_emit_incdec(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    uint8_t opc = w == 8 ? 0xfe : 0xff;
    Stub *s = NULL;
    bool full = false; /* host CF = the guest's: capture every flag */
    if (p->incform && in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, true);
        full = flags_live && xj_emit_keep_cf(j);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, opc);
        em_bi(e, p->dec, HR_SI, HR_DX);
        xj_emit_fuse(j);
    } else {
        int n = p->incform ? in->rm : in->reg;
        if (w == 32) {
            int hr = xj_greg(j, n);
            full = flags_live && xj_emit_keep_cf(j);
            xj_em_rrx(e, 0, false, false, opc, p->dec, hr);
            xj_emit_fuse(j);
            j->rdirty |= (uint8_t)(1u << n);
        } else {
            xj_ld_reg(j, w, n, HR_AX);
            full = flags_live && xj_emit_keep_cf(j);
            em_op_rr(e, pfx, 0, opc, p->dec, HR_AX);
            xj_emit_fuse(j);
            xj_st_reg(j, w, n, HR_AX);
        }
    }
    if (full)
        xj_emit_flags(j, FL_ARITH, FL_ARITH);
    else if (flags_live)
        xj_emit_flags(j, FL_NOCF, FL_NOCF);
    if (s)
        xj_stub_join(j, s);
}

/* After ROL/ROR by 1..31 whose result is in host register hd: CF and OF
 * as cpu/shift.c computes them (ROL: CF = bit 0, OF = bit 31 ^ CF; ROR:
 * CF = bit 31, OF = bit 31 ^ bit 30); SF ZF AF PF stay. Clobbers EAX, ECX
 * and EDI (hd must be none of them). */
static void rot_flags(Jit *j, int op, int hd)
{
    Emit *e = &j->e;
    if (op == 0) {
        em8(e, 0x0f); em8(e, 0x92); em8(e, 0xc0);          /* setc al */
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xf8);          /* movzx edi, al */
        xj_em_rrx(e, 0, false, false, 0x8b, HR_CX, hd);    /* mov ecx, r */
        em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);                 /* shr ecx, 31 */
        em8(e, 31);
        em_op_rr(e, 0, 0, 0x31, HR_DI, HR_CX);             /* xor ecx, edi */
    } else {
        xj_em_rrx(e, 0, false, false, 0x8b, HR_DI, hd);    /* mov edi, r */
        em_op_rr(e, 0, 0, 0xc1, 5, HR_DI);                 /* shr edi, 30: b31:b30 */
        em8(e, 30);
        em_op_rr(e, 0, 0, 0x89, HR_DI, HR_CX);             /* mov ecx, edi */
        em_op_rr(e, 0, 0, 0xd1, 5, HR_CX);                 /* shr ecx, 1: b31 */
        em_op_rr(e, 0, 0, 0x31, HR_DI, HR_CX);             /* xor ecx, edi */
        em_op_rr(e, 0, 0, 0x83, 4, HR_CX);                 /* and ecx, 1: OF */
        em8(e, 1);
        em_op_rr(e, 0, 0, 0xd1, 5, HR_DI);                 /* shr edi, 1: CF */
    }
    em_op_rr(e, 0, 0, 0xc1, 4, HR_CX);                     /* shl ecx, 11 */
    em8(e, 11);
    em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);                 /* or edi, ecx */
    xj_merge_flags(j, X86_EFLAGS_CF | X86_EFLAGS_OF);
}

/* After SHL by 1..31: SF ZF PF CF from the host, AF = 0, OF = SF ^ CF
 * (the handlers' "last one-bit step"). Clobbers EAX, ECX, EDI. */
static void shl_flags(Jit *j)
{
    Emit *e = &j->e;
    em8(e, 0x9f);                                          /* lahf */
    em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);              /* movzx edi, ah */
    em_op_rr(e, 0, 0, 0x89, HR_DI, HR_CX);                 /* mov ecx, edi */
    em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);                     /* shr ecx, 7 */
    em8(e, 7);
    em_op_rr(e, 0, 0, 0x31, HR_DI, HR_CX);                 /* xor ecx, edi */
    em_op_rr(e, 0, 0, 0x83, 4, HR_CX);                     /* and ecx, 1 */
    em8(e, 1);
    em_op_rr(e, 0, 0, 0xc1, 4, HR_CX);                     /* shl ecx, 11 */
    em8(e, 11);
    em_alu32_imm(e, 4, HR_DI, 0xc5);                       /* SF ZF PF CF; AF = 0 */
    em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);
    xj_merge_flags(j, FL_ARITH);
}

void xj_emit_shift(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    if (w == 32) {
        xj_em_rrx(e, 0, false, false, 0xc1, p->aluop, xj_greg(j, in->rm));
        em8(e, p->count);
        xj_emit_fuse(j);
        j->rdirty |= (uint8_t)(1u << in->rm);
    } else {
        xj_ld_reg(j, w, in->rm, HR_AX);
        em_op_rr(e, w == 16 ? 0x66 : 0, 0, w == 8 ? 0xc0 : 0xc1, p->aluop, HR_AX);
        em8(e, p->count);
        xj_emit_fuse(j);
        xj_st_reg(j, w, in->rm, HR_AX);
    }
    if (!flags_live)
        return;
    if (p->aluop <= 1) {
        rot_flags(j, p->aluop, xj_hreg[in->rm]);
        return;
    }
    if (p->aluop == 4 && p->count > 1) {
        shl_flags(j);
        return;
    }
    uint32_t take = FL_ARITH & ~X86_EFLAGS_AF;
    if (p->count > 1)
        take &= ~X86_EFLAGS_OF;
    xj_emit_flags(j, take, FL_ARITH);
}

/* The flags after MUL and IMUL: CF = OF = the byte a SETO left in the
 * low byte of host register of_reg (AL or CL), SF ZF PF from the TEST of
 * the result just emitted, AF = 0 (cpu/muldiv.c). Clobbers ECX, EDI. */
static void mul_flags(Jit *j, int of_reg)
{
    Emit *e = &j->e;
    em8(e, 0x9f);                                          /* lahf */
    em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);              /* movzx edi, ah */
    em_alu32_imm(e, 4, HR_DI, 0xc4);                       /* SF ZF PF */
    em8(e, 0x0f); em8(e, 0xb6); em8(e, (uint8_t)(0xc8 | of_reg)); /* movzx ecx, al/cl */
    em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);                 /* CF */
    em_op_rr(e, 0, 0, 0xc1, 4, HR_CX);                     /* shl ecx, 11 */
    em8(e, 11);
    em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);                 /* OF */
    xj_merge_flags(j, FL_ARITH);
}

/* IMUL r32, r/m32 (0F AF) and IMUL r32, r/m32, imm (69, 6B): CF = OF =
 * the product did not fit, SF ZF PF from the low half, AF = 0
 * (cpu/muldiv.c); the host gives CF/OF, a TEST the rest. */
void xj_emit_imul(Jit *j, const Insn *in, bool flags_live)
{
    Emit *e = &j->e;
    Stub *s = NULL;
    int hs;
    if (in->mod == 3) {
        hs = xj_greg(j, in->rm);
    } else {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, 4, false);
        xj_ld_mem(j, 32, HR_CX);
        hs = HR_CX;
    }
    int hd;
    if (in->op == 0x1af) {
        hd = xj_greg(j, in->reg);
        xj_em_rrx(e, 0, false, false, 0x0faf, hd, hs);            /* imul r, src */
    } else {
        hd = xj_hreg[in->reg];
        j->rloaded |= (uint8_t)(1u << in->reg);
        xj_em_rrx(e, 0, false, false, 0x69, hd, hs);              /* imul r, src, imm32 */
        em32(e, in->imm);
    }
    j->rdirty |= (uint8_t)(1u << in->reg);
    if (flags_live) {
        em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc0);              /* seto al */
        xj_em_rrx(e, 0, false, false, 0x85, hd, hd);              /* test r, r */
        mul_flags(j, HR_AX);
    }
    if (s)
        xj_stub_join(j, s);
}

/* PUSH/POP r with a 32-bit stack (SS.B); a 16-bit stack takes the stub. */
void xj_emit_stack(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    Stub *s = xj_new_stub(j, in);
    xj_need_stack32(j, s);
    xj_ld_reg(j, 32, R_ESP, HR_AX);
    if (p->kind == K_PUSH) {
        em_alu32_imm(e, 5, HR_AX, (uint32_t)w / 8);
        xj_emit_fast(j, s, SEG_SS, w / 8, true);
        xj_ld_reg(j, w, in->reg, HR_CX);
        xj_st_mem(j, w, HR_CX);
        xj_st_reg(j, 32, R_ESP, HR_AX);
    } else {
        xj_emit_fast(j, s, SEG_SS, w / 8, false);
        xj_ld_mem(j, w, HR_CX);
        em_alu32_imm(e, 0, HR_AX, (uint32_t)w / 8);
        xj_st_reg(j, 32, R_ESP, HR_AX);
        xj_st_reg(j, w, in->reg, HR_CX);
    }
    xj_stub_join(j, s);
}


/* R8D holds every arithmetic flag (fl_have = all): the ones it lacks come
 * from c->eflags. For an instruction that may leave the flags as they
 * were (a shift by CL of 0) on one path and set them on the other. */
void xj_flags_all_in_r8(Jit *j)
{
    Emit *e = &j->e;
    if (j->fl_have == FL_ARITH)
        return;
    xj_load_raw_flags(e, FL_ARITH & ~j->fl_have, HR_CX);
    if (j->fl_have) {
        em_op_rr(e, 0, 0x41, 0x09, HR_CX, 0);              /* or r8d, ecx */
    } else {
        em_op_rr(e, 0, 0x41, 0x89, HR_CX, 0);              /* mov r8d, ecx */
    }
    j->fl_have = FL_ARITH;
}

/* Host flags = the guest's, as far as condition cc reads them: c->eflags
 * is brought up to date (R8D keeps its flags), then SAHF and, for OF, an
 * ADD. Clobbers EAX and ECX. */
static void host_cond(Jit *j, int cc)
{
    xj_store_flags_of(j, j->fl_have);
    xj_load_host_flags(j, cc);
}

/* SHL, SHR, SAR, ROL, ROR r/m32, CL (D3 /4 /5 /7 /0 /1). The count is
 * masked to 5 bits; a count of 0 changes nothing (a memory operand is
 * only read: the fast path for a write may miss where a read would not,
 * and then the handler decides). Flags as cpu/shift.c: AF = 0, OF by the
 * last one-bit step. */
void xj_emit_shift_cl(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int op = p->aluop;
    if (flags_live)
        xj_flags_all_in_r8(j); /* both paths end with every flag in R8D */
    Stub *s = NULL;
    int hv;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, 4, true);
        hv = HR_AX;
    } else {
        hv = xj_greg(j, in->rm);
    }
    xj_ld_reg(j, 32, R_ECX, HR_CX);
    em_alu32_imm(e, 4, HR_CX, 31);                         /* and ecx, 31 */
    uint8_t *skip = em_jcc32(e, HCC_E);
    if (s)
        xj_ld_mem(j, 32, HR_AX);
    xj_em_rrx(e, 0, false, false, 0xd3, op, hv);           /* shift r, cl */
    if (s) {
        xj_st_mem(j, 32, HR_AX);
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);             /* mov edx, eax: the result */
        hv = HR_DX;
    }
    if (flags_live) {
        if (op <= 1) {
            rot_flags(j, op, hv);
        } else if (op == 4) {
            shl_flags(j);
        } else {
            /* SHR: OF = bit 31 ^ bit 30 of the result = bit 30 (bit 31
             * is 0 after a shift by at least 1); SAR: OF = 0 */
            if (op == 5)
                xj_em_rrx(e, 0, false, false, 0x8b, HR_SI, hv); /* mov esi, r */
            em8(e, 0x9f);                                  /* lahf */
            em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);      /* movzx edi, ah */
            em_alu32_imm(e, 4, HR_DI, 0xc5);               /* SF ZF PF CF; AF = 0 */
            if (op == 5) {
                em_op_rr(e, 0, 0, 0xc1, 5, HR_SI);         /* shr esi, 19 */
                em8(e, 19);
                em_alu32_imm(e, 4, HR_SI, X86_EFLAGS_OF);
                em_op_rr(e, 0, 0, 0x09, HR_SI, HR_DI);     /* or edi, esi */
            }
            xj_merge_flags(j, FL_ARITH);
        }
    }
    em_patch(skip, e->p);
    if (s)
        xj_stub_join(j, s);
    else
        j->rdirty |= (uint8_t)(1u << in->rm);
}

/* ADC/SBB: host CF = the guest's, right before the host instruction */
void xj_emit_cf_in(Jit *j)
{
    Emit *e = &j->e;
    if (j->fl_have & X86_EFLAGS_CF) {
        em8(e, 0x41); em8(e, 0x0f); em8(e, 0xba); em8(e, 0xe0); /* bt r8d, 8 */
        em8(e, 8);
    } else {
        em8(e, 0x0f); em8(e, 0xba); em_rbx_disp(e, 4, OFF(eflags)); /* bt [eflags], 0 */
        em8(e, 0);
    }
}

/* CMOVcc r, r/m (0F 40-4F): the source is read (and may fault) whatever
 * the condition. */
void xj_emit_cmov(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    int cc = in->op & 0xf;
    Stub *s = NULL;
    int hs;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_DI);
        hs = HR_DI;
    } else {
        hs = xj_greg(j, in->rm);
    }
    int hd = xj_greg(j, in->reg);
    host_cond(j, cc);
    xj_em_rrx(e, w == 16 ? 0x66 : 0, false, false, 0x0f40 + cc, hd, hs); /* cmovcc r, src */
    j->rdirty |= (uint8_t)(1u << in->reg);
    if (s)
        xj_stub_join(j, s);
}

/* SETcc r/m8 (0F 90-9F) */
void xj_emit_setcc(Jit *j, const Insn *in)
{
    Emit *e = &j->e;
    int cc = in->op & 0xf;
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, 1, true);
    }
    host_cond(j, cc);
    em8(e, 0x0f); em8(e, (uint8_t)(0x90 + cc)); em8(e, 0xc0); /* setcc al */
    if (s) {
        xj_st_mem(j, 8, HR_AX);
        xj_stub_join(j, s);
    } else {
        xj_st_reg(j, 8, in->rm, HR_AX);
    }
}

/* NOT (no flags) and NEG (the flags of 0 - x, the host's) r/m */
void xj_emit_unary(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    uint8_t opc = w == 8 ? 0xf6 : 0xf7;
    Stub *s = NULL;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, true);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, opc);
        em_bi(e, p->aluop, HR_SI, HR_DX);
        xj_emit_fuse(j);
    } else if (w == 32) {
        xj_em_rrx(e, 0, false, false, opc, p->aluop, xj_greg(j, in->rm));
        xj_emit_fuse(j);
        j->rdirty |= (uint8_t)(1u << in->rm);
    } else {
        xj_ld_reg(j, w, in->rm, HR_AX);
        em_op_rr(e, pfx, 0, opc, p->aluop, HR_AX);
        xj_emit_fuse(j);
        xj_st_reg(j, w, in->rm, HR_AX);
    }
    if (flags_live && p->aluop == 3)
        xj_emit_flags(j, FL_ARITH, FL_ARITH);
    if (s)
        xj_stub_join(j, s);
}

/* CBW/CWDE (98) and CWD/CDQ (99) */
void xj_emit_conv(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    if (p->w == 32) {
        int ha = xj_greg(j, R_EAX);
        if (in->op == 0x98) {
            xj_em_rrx(e, 0, false, false, 0x0fbf, ha, ha);          /* movsx eax, ax */
            j->rdirty |= 1u << R_EAX;
        } else {
            int hd = xj_hreg[R_EDX];
            xj_em_rrx(e, 0, false, false, 0x8b, hd, ha);            /* mov edx, eax */
            xj_em_rrx(e, 0, false, false, 0xc1, 7, hd);             /* sar edx, 31 */
            em8(e, 31);
            j->rloaded |= 1u << R_EDX;
            j->rdirty |= 1u << R_EDX;
        }
        return;
    }
    if (in->op == 0x98) {
        xj_ld_reg(j, 8, R_EAX, HR_AX);
        em8(e, 0x0f); em8(e, 0xbe); em8(e, 0xc0);                   /* movsx eax, al */
        xj_st_reg(j, 16, R_EAX, HR_AX);
    } else {
        xj_ld_reg(j, 16, R_EAX, HR_AX);
        em8(e, 0x0f); em8(e, 0xbf); em8(e, 0xc0);                   /* movsx eax, ax */
        em_op_rr(e, 0, 0, 0xc1, 7, HR_AX);                          /* sar eax, 31 */
        em8(e, 31);
        xj_st_reg(j, 16, R_EDX, HR_AX);
    }
}

/* XCHG r/m, r (86, 87) and XCHG eAX, r (91-97). With memory: the write
 * first (cpu/datamov.c), so a fault leaves the register. */
void xj_emit_xchg(Jit *j, const Insn *in, const Plan *p)
{
    int w = p->w;
    if (p->form == 3 || in->mod == 3) {
        int a = p->form == 3 ? R_EAX : in->rm;
        xj_ld_reg(j, w, a, HR_AX);
        xj_ld_reg(j, w, in->reg, HR_CX);
        xj_st_reg(j, w, a, HR_CX);
        xj_st_reg(j, w, in->reg, HR_AX);
        return;
    }
    Stub *s = xj_new_stub(j, in);
    xj_emit_ea(j, in);
    xj_emit_fast(j, s, in->seg, w / 8, true);
    xj_ld_mem(j, w, HR_CX);
    xj_ld_reg(j, w, in->reg, HR_AX);
    xj_st_mem(j, w, HR_AX);
    xj_st_reg(j, w, in->reg, HR_CX);
    xj_stub_join(j, s);
}

/* MUL and IMUL r/m (F6/F7 /4 /5): AX = AL * src (8-bit), DX:AX or
 * EDX:EAX = eAX * src; CF = OF = the high half is needed, SF ZF PF from
 * the low half, AF = 0 (cpu/muldiv.c). */
void xj_emit_mul(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int ext = in->reg; /* 4 MUL, 5 IMUL */
    Stub *s = NULL;
    int hs;
    if (in->mod != 3) {
        s = xj_new_stub(j, in);
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_CX);
        hs = HR_CX;
    } else if (w == 32) {
        hs = xj_greg(j, in->rm);
    } else {
        xj_ld_reg(j, w, in->rm, HR_CX);
        hs = HR_CX;
    }
    if (w == 32) {
        int ha = xj_greg(j, R_EAX);
        int hd = xj_hreg[R_EDX];
        xj_em_rrx(e, 0, false, false, 0x8b, HR_AX, ha);        /* mov eax, r */
        xj_em_rrx(e, 0, false, false, 0xf7, ext, hs);          /* mul/imul src */
        if (flags_live) {
            em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc1);          /* seto cl */
        }
        xj_em_rrx(e, 0, false, false, 0x89, HR_AX, ha);        /* mov r_eax, eax */
        xj_em_rrx(e, 0, false, false, 0x89, HR_DX, hd);        /* mov r_edx, edx */
        j->rloaded |= (uint8_t)(1u << R_EDX);
        j->rdirty |= (uint8_t)((1u << R_EAX) | (1u << R_EDX));
    } else {
        xj_ld_reg(j, w, R_EAX, HR_AX);
        xj_em_rrx(e, w == 16 ? 0x66 : 0, false, false, w == 8 ? 0xf6 : 0xf7, ext, HR_CX);
        if (flags_live) {
            em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc1);          /* seto cl */
        }
        xj_st_reg(j, 16, R_EAX, HR_AX);
        if (w == 16)
            xj_st_reg(j, 16, R_EDX, HR_DX);
    }
    if (flags_live) {
        /* test eax/ax/al, eax/ax/al: the low half */
        em_op_rr(e, w == 16 ? 0x66 : 0, 0, w == 8 ? 0x84 : 0x85, HR_AX, HR_AX);
        mul_flags(j, HR_CX);
    }
    if (s)
        xj_stub_join(j, s);
}

/* DIV r/m (F6/F7 /6): the high half of the dividend at least the divisor
 * (a zero divisor included) means #DE, which the stub's handler raises;
 * otherwise the host's DIV. The flags stay (cpu/muldiv.c). */
void xj_emit_div(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    Stub *s = xj_new_stub(j, in);
    if (in->mod != 3) {
        xj_emit_ea(j, in);
        xj_emit_fast(j, s, in->seg, w / 8, false);
        xj_ld_mem(j, w, HR_CX);
    } else {
        xj_ld_reg(j, w, in->rm, HR_CX);
    }
    if (w == 8) {
        xj_ld_reg(j, 16, R_EAX, HR_AX);
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);                 /* mov edx, eax */
        em_op_rr(e, 0, 0, 0xc1, 5, HR_DX);                     /* shr edx, 8: AH */
        em8(e, 8);
    } else {
        xj_ld_reg(j, w, R_EAX, HR_AX);
        xj_ld_reg(j, w, R_EDX, HR_DX);
    }
    em_op_rr(e, 0, 0, 0x39, HR_CX, HR_DX);                     /* cmp edx, ecx */
    xj_stub_from(j, s, em_jcc32(e, HCC_AE));
    em_op_rr(e, w == 16 ? 0x66 : 0, 0, w == 8 ? 0xf6 : 0xf7, 6, HR_CX); /* div cl/cx/ecx */
    if (w == 8) {
        xj_st_reg(j, 16, R_EAX, HR_AX);
    } else {
        xj_st_reg(j, w, R_EAX, HR_AX);
        xj_st_reg(j, w, R_EDX, HR_DX);
    }
    xj_stub_join(j, s);
}
