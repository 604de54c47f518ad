/*
 * x64_ops.c - the x86-64 backend's building blocks (docs/jit.md): handler
 * calls and memory stubs, guest registers held in host registers, the
 * effective address and the inline memory fast path of cpu/access.h, and
 * the guest's arithmetic flags taken from the host's (LAHF/SETO into R8D,
 * merged into c->eflags once, SAHF to rebuild them for a Jcc).
 */
#include <cpuid.h>
#include <stddef.h>
#include <string.h>

#include "translate/x64_jit.h"

void xj_to_exit(Jit *j, uint8_t *rel)
{
    if (rel && j->nexits < (int)(sizeof(j->exits) / sizeof(j->exits[0])))
        j->exits[j->nexits++] = rel;
    else if (rel)
        j->e.overflow = true; /* cannot happen; fail the compile safely */
}

void xj_flush_pending(Jit *j)
{
    em_add32_mem_imm(&j->e, OFF(eip), (int32_t)j->eip_pend);
    em_add64_mem_imm(&j->e, OFF(icount), (int32_t)j->ic_pend);
    j->eip_pend = j->ic_pend = 0;
}

/* The threaded loop's step for one instruction, with lags eip_pend and
 * ic_pend at its start: afterwards EIP and icount are exact. */
void xj_emit_call(Jit *j, const Insn *in, uint32_t eip_pend, uint32_t ic_pend, bool check_exit)
{
    Emit *e = &j->e;
    em_mov32_load(e, HR_AX, OFF(eip));
    if (eip_pend)
        em_alu32_imm(e, 0, HR_AX, eip_pend);
    em_mov32_store(e, HR_AX, OFF(insn_eip));
    em_alu32_imm(e, 0, HR_AX, in->len);
    em_mov32_store(e, HR_AX, OFF(eip));
    em_add64_mem_imm(e, OFF(icount), (int32_t)ic_pend);
    em_op_rr(e, 0, 0x48, 0x89, HR_BX, HR_DI);           /* mov rdi, rbx */
    em_mov64_imm(e, HR_SI, (uint64_t)(uintptr_t)in);
    em_call_abs(e, (const void *)in->fn);
    em_op_mem(e, 0, 0x48, 0xff, 0, OFF(icount));         /* inc qword [icount] */
    if (check_exit) {
        em_op_mem(e, 0, 0, 0x83, 7, OFF(exit_req));       /* cmp dword [exit_req], 0 */
        em8(e, 0);
        xj_to_exit(j, em_jcc32(e, HCC_NE));
    }
}

Stub *xj_new_stub(Jit *j, const Insn *in)
{
    if (j->nstubs == (int)(sizeof(j->stubs) / sizeof(j->stubs[0]))) {
        j->e.overflow = true; /* cannot happen; fail the compile safely */
        j->nstubs--;
    }
    Stub *s = &j->stubs[j->nstubs++];
    s->nfrom = 0;
    s->in = in;
    s->fuse_cc = j->fuse_cc;
    s->fuse_host = j->fuse_host;
    s->fl_have = j->fl_have;
    s->join_have = 0;
    s->rdirty = j->rdirty;
    s->rjoin = 0;
    s->rest = false;
    s->eip_pend = j->eip_pend;
    s->ic_pend = j->ic_pend;
    s->join = NULL;
    return s;
}

void xj_stub_join(Jit *j, Stub *s)
{
    s->join = j->e.p;
    s->join_have = j->fl_have;
    s->rjoin = j->rloaded;
}

void xj_stub_from(Jit *j, Stub *s, uint8_t *rel)
{
    if (!rel)
        return;
    if (s->nfrom < (int)(sizeof(s->from) / sizeof(s->from[0])))
        s->from[s->nfrom++] = rel;
    else
        j->e.overflow = true;
}

/* Right after a flag-setting host instruction: DL = the fused Jcc's
 * condition (SETcc changes no flags), or nothing when the host's flags
 * survive up to the Jcc (fuse_host: compile_pass knows the code between
 * changes no flags), which then tests them directly. */
void xj_emit_fuse(Jit *j)
{
    if (j->fuse_cc < 0)
        return;
    if (!j->fuse_host) {
        em8(&j->e, 0x0f);
        em8(&j->e, (uint8_t)(0x90 + j->fuse_cc));
        em8(&j->e, 0xc0 | HR_DX);
    }
    j->fused = true;
}

/* ---- guest registers in host registers ----------------------------------
 *
 * Guest register n lives in host register xj_hreg[n]. A block starts with
 * all 8 loaded and clean: the prologue loads them, and a chained jump (to
 * CHAIN_ENTRY, past the prologue) arrives with them so. A register is
 * written back to c->r[] (if rdirty) before anything that may look at
 * c->r[]: a handler call (which may also clobber R9-R11 or change any
 * register, so every register is dropped and reloaded on its next use,
 * rloaded), a stub (which stores the registers dirty when the instruction
 * started, runs the handler and reloads what the main line holds at the
 * join), a branch and the block's end. A chained exit (a linked jump, the
 * jump cache's hit, the self-loop) also loads the registers not held
 * (xj_chain_regs), so the next block finds them in host registers: a
 * guest dependency crossing blocks does not go through memory. The main
 * line changes a register only after its instruction's last possible
 * branch to the stub, so a fault never sees a half-done instruction.
 * Scratch: RAX RCX RDX RSI RDI; R8D holds flags. */
const uint8_t xj_hreg[8] = { 9, 10, 11, 12, 13, 14, 15, HR_BP };

/* opcode bytes (1 or 2, 0x0f first) with register-direct ModRM, any of
 * the 16 registers; rexw: 64-bit; byte8: a byte register operand (REX
 * forced so that 4-7 mean SPL-DIL). */
void xj_em_rrx(Emit *e, int pfx, bool rexw, bool byte8, int opc, int reg, int rm)
{
    if (pfx)
        em8(e, (uint8_t)pfx);
    int rex = (rexw ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
    if (rex || (byte8 && (rm >= 4 || reg >= 4)))
        em8(e, (uint8_t)(0x40 | rex));
    if (opc > 0xff)
        em8(e, (uint8_t)(opc >> 8));
    em8(e, (uint8_t)opc);
    em8(e, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

/* mov [rbx+disp], r32 / mov r32, [rbx+disp] for any register */
static void em_st_any(Emit *e, int r, int32_t disp)
{
    if (r >= 8)
        em8(e, 0x44);
    em8(e, 0x89);
    em_rbx_disp(e, r & 7, disp);
}

static void em_ld_any(Emit *e, int r, int32_t disp)
{
    if (r >= 8)
        em8(e, 0x44);
    em8(e, 0x8b);
    em_rbx_disp(e, r & 7, disp);
}

/* The host register of guest register n, loaded if it is not yet. */
int xj_greg(Jit *j, int n)
{
    if (!(j->rloaded & (1u << n))) {
        em_ld_any(&j->e, xj_hreg[n], OFF_R(n));
        j->rloaded |= (uint8_t)(1u << n);
    }
    return xj_hreg[n];
}

void xj_writeback_regs(Jit *j, uint8_t dirty)
{
    for (int n = 0; n < 8; n++)
        if (dirty & (1u << n))
            em_st_any(&j->e, xj_hreg[n], OFF_R(n));
}

/* c->r[] up to date; with drop, nothing held any more (unless rkeep). */
void xj_sync_regs(Jit *j, bool drop)
{
    xj_writeback_regs(j, j->rdirty);
    j->rdirty = 0;
    if (drop && !j->rkeep)
        j->rloaded = 0;
}

void xj_reload_regs(Jit *j, uint8_t loaded)
{
    for (int n = 0; n < 8; n++)
        if (loaded & (1u << n))
            em_ld_any(&j->e, xj_hreg[n], OFF_R(n));
}

/* On the way into another block's CHAIN_ENTRY (c->r[] up to date): load
 * the guest registers not held or stale, without changing the compile
 * state (the code is one path of several). */
void xj_chain_regs(Jit *j)
{
    xj_reload_regs(j, (uint8_t)(~j->rloaded | j->rstale));
}

/* ALU op (group-1 number, 8 = TEST) r32, imm32 for any register */
void xj_em_alu_imm_any(Emit *e, int op, int r, uint32_t v)
{
    if (op == 8) {
        xj_em_rrx(e, 0, false, false, 0xf7, 0, r);
        em32(e, v);
    } else if ((int32_t)v >= -128 && (int32_t)v <= 127) {
        xj_em_rrx(e, 0, false, false, 0x83, op, r);
        em8(e, (uint8_t)v);
    } else {
        xj_em_rrx(e, 0, false, false, 0x81, op, r);
        em32(e, v);
    }
}

/* host register hr (RAX-RDI) = guest register n of width w, zero-extended */
void xj_ld_reg(Jit *j, int w, int n, int hr)
{
    Emit *e = &j->e;
    if (w == 32) {
        xj_em_rrx(e, 0, false, false, 0x8b, hr, xj_greg(j, n));          /* mov hr, r */
    } else if (w == 16) {
        xj_em_rrx(e, 0, false, false, 0x0fb7, hr, xj_greg(j, n));        /* movzx hr, r16 */
    } else if (n < 4) {
        xj_em_rrx(e, 0, false, true, 0x0fb6, hr, xj_greg(j, n));         /* movzx hr, r8 */
    } else {
        xj_em_rrx(e, 0, false, false, 0x8b, hr, xj_greg(j, n - 4));
        xj_em_rrx(e, 0, false, false, 0x0fb7, hr, hr);               /* movzx hr, hr16 */
        xj_em_rrx(e, 0, false, false, 0x0fb6, hr, hr + 4);           /* movzx hr, h8 (AH...) */
    }
}

/* guest register n (width w) = host register hr; changes no flags */
void xj_st_reg(Jit *j, int w, int n, int hr)
{
    Emit *e = &j->e;
    if (w == 8 && n >= 4) {
        /* AH-BH: through memory (no host encoding reaches bits 8-15 of
         * R9-R15 without a flag-changing shift) */
        int g = n - 4;
        if (j->rdirty & (1u << g))
            em_st_any(e, xj_hreg[g], OFF_R(g));
        j->rdirty &= (uint8_t)~(1u << g);
        em_op_mem(e, 0, 0, 0x88, hr, OFF_R(g) + 1);
        j->rloaded &= (uint8_t)~(1u << g);
        return;
    }
    int r = w == 32 ? xj_hreg[n] : xj_greg(j, n);
    if (w == 32)
        j->rloaded |= (uint8_t)(1u << n);
    if (w == 32)
        xj_em_rrx(e, 0, false, false, 0x89, hr, r);                   /* mov r, hr */
    else if (w == 16)
        xj_em_rrx(e, 0x66, false, false, 0x89, hr, r);
    else
        xj_em_rrx(e, 0, false, true, 0x88, hr, r);
    j->rdirty |= (uint8_t)(1u << n);
}

/* EAX = the effective address (the same sum as insn_ea). */
/* lea eax, [base + index << scale + disp] with a 32-bit address size (the
 * sum wraps as the guest's does); base/index are host registers or -1. */
static void em_lea32(Emit *e, int base, int index, int scale, int32_t disp)
{
    em8(e, 0x67);
    int rex = (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0);
    if (rex)
        em8(e, (uint8_t)(0x40 | rex));
    em8(e, 0x8d);
    if (base < 0) {
        /* [index*s + disp32] */
        em8(e, 0x04);
        em8(e, (uint8_t)((scale << 6) | ((index & 7) << 3) | 5));
        em32(e, (uint32_t)disp);
        return;
    }
    int mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    if (index >= 0 || (base & 7) == 4) {
        em8(e, (uint8_t)((mod << 6) | 4));
        int idx = index >= 0 ? (index & 7) : 4; /* 4 without REX.X: none */
        em8(e, (uint8_t)(((index >= 0 ? scale : 0) << 6) | (idx << 3) | (base & 7)));
    } else {
        em8(e, (uint8_t)((mod << 6) | (base & 7)));
    }
    if (mod == 1)
        em8(e, (uint8_t)disp);
    else if (mod == 2)
        em32(e, (uint32_t)disp);
}

void xj_emit_ea(Jit *j, const Insn *in)
{
    Emit *e = &j->e;
    if ((in->flags & INSN_ADDR32) && (in->base != R_NONE || in->index != R_NONE)) {
        int base = in->base != R_NONE ? xj_greg(j, in->base) : -1;
        int index = in->index != R_NONE ? xj_greg(j, in->index) : -1;
        if (index < 0 && in->disp == 0)
            xj_em_rrx(e, 0, false, false, 0x8b, HR_AX, base); /* mov eax, r: no add needed */
        else
            em_lea32(e, base, index, in->scale, (int32_t)in->disp);
        return;
    }
    if (in->base != R_NONE) {
        xj_ld_reg(j, 32, in->base, HR_AX);
        if (in->disp)
            em_alu32_imm(e, 0, HR_AX, in->disp);
    } else {
        em_mov32_imm(e, HR_AX, in->disp);
    }
    if (in->index != R_NONE) {
        xj_ld_reg(j, 32, in->index, HR_CX);
        if (in->scale) {
            em_op_rr(e, 0, 0, 0xc1, 4, HR_CX); /* shl ecx, scale */
            em8(e, in->scale);
        }
        em_op_rr(e, 0, 0, 0x01, HR_CX, HR_AX); /* add eax, ecx */
    }
    if (!(in->flags & INSN_ADDR32)) {
        em8(e, 0x0f);
        em8(e, 0xb7);
        em8(e, 0xc0); /* movzx eax, ax */
    }
}

/* The inline fast path of cpu/access.h for offset EAX in segment seg:
 * on a hit RSI + RDX address the bytes (EAX is kept), on a miss it
 * branches to the stub. */

void xj_emit_fast_x(Jit *j, Stub *s, int seg, int size, bool write, bool once)
{
    Emit *e = &j->e;
    uint8_t bit = write ? SEG_ACC_WR : SEG_ACC_RD;
    bool data = seg == SEG_DS || seg == SEG_ES || seg == SEG_SS;
    /* A BLOCK_MODE_FLAT block runs only while DS, ES and SS are flat and
     * readable and writable (translate.h): no test at all. */
    bool mode_flat = data && (j->b->mode & BLOCK_MODE_FLAT);
    /* Other 32-bit protected-mode code expects them flat too: the block
     * checks that once (with the access bits) and then skips the limit
     * test and the base. A flat segment's offset is the linear address,
     * and an access that wraps past 4 GiB crosses a page, which the page
     * test sends to the stub. */
    bool flat = mode_flat || (once && j->flat_segs && data);
    uint8_t need = (uint8_t)(bit | (flat ? SEG_OK_FLAT : 0));
    if (mode_flat) {
    } else if (!once) {
        em_op_mem(e, 0, 0, 0xf6, 0, OFF_SEG(seg, acc)); /* test byte [acc], bit */
        em8(e, bit);
        xj_stub_from(j, s, em_jcc32(e, HCC_E));
    } else if ((j->seg_ok[seg] & need) != need) {
        /* Only handlers change the access bits and the segments, so one
         * test per segment and direction holds until the next handler
         * call; a miss runs this and the rest of the block through the
         * handlers, exactly as the threaded loop would (the later
         * accesses skip the test). */
        Stub *x = xj_new_stub(j, s->in);
        x->rest = true;
        x->eip_pend = s->eip_pend;
        x->ic_pend = s->ic_pend;
        x->fl_have = s->fl_have;
        x->rdirty = s->rdirty;
        x->fuse_cc = -1;
        if (!(j->seg_ok[seg] & bit)) {
            em_op_mem(e, 0, 0, 0xf6, 0, OFF_SEG(seg, acc));
            em8(e, bit);
            xj_stub_from(j, x, em_jcc32(e, HCC_E));
        }
        if (flat && !(j->seg_ok[seg] & SEG_OK_FLAT)) {
            /* base 0 and limit 4 GiB: one 64-bit compare of both */
            em_mov64_imm(e, HR_CX, 0xffffffff00000000ull);
            em_op_mem(e, 0, 0x48, 0x39, HR_CX, OFF_SEG(seg, base)); /* cmp [base], rcx */
            xj_stub_from(j, x, em_jcc32(e, HCC_NE));
        }
        j->seg_ok[seg] |= need;
    }
    /* lin: the linear address, EAX itself for a flat segment */
    int lin = HR_AX;
    if (!flat) {
        /* limit and base */
        if (size == 1) {
            em_op_mem(e, 0, 0, 0x3b, HR_AX, OFF_SEG(seg, limit)); /* cmp eax, [limit] */
        } else {
            /* lea rcx, [rax + size-1]: the upper half of RAX is clear
             * (every EA ends with a 32-bit write), so no wrap past 2^32 */
            em8(e, 0x48); em8(e, 0x8d); em8(e, 0x48); em8(e, (uint8_t)(size - 1));
            em_mov32_load(e, HR_DX, OFF_SEG(seg, limit));
            em_op_rr(e, 0, 0x48, 0x39, HR_DX, HR_CX);      /* cmp rcx, rdx */
        }
        xj_stub_from(j, s, em_jcc32(e, HCC_A));
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);             /* mov edx, eax */
        em_op_mem(e, 0, 0, 0x03, HR_DX, OFF_SEG(seg, base)); /* add edx, [base] */
        lin = HR_DX;
    }
    em_op_rr(e, 0, 0, 0x89, lin, HR_CX);                   /* mov ecx, lin */
    em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);                     /* shr ecx, 12 */
    em8(e, PAGE_SHIFT);
    em_mov64_load(e, HR_SI, write ? OFF(tlb_wr) : OFF(tlb_rd));
    em8(e, 0x48); em8(e, 0x8b); em8(e, 0x34); em8(e, 0xce); /* mov rsi, [rsi+rcx*8] */
    em_op_rr(e, 0, 0x48, 0x85, HR_SI, HR_SI);              /* test rsi, rsi */
    xj_stub_from(j, s, em_jcc32(e, HCC_E));
    if (lin != HR_DX)
        em_op_rr(e, 0, 0, 0x89, lin, HR_DX);               /* mov edx, lin */
    em_alu32_imm(e, 4, HR_DX, PAGE_MASK);                  /* edx = offset in the page */
    if (size > 1) {
        /* crossing into the next page: the slow path */
        em_alu32_imm(e, 7, HR_DX, PAGE_SIZE - (uint32_t)size);
        xj_stub_from(j, s, em_jcc32(e, HCC_A));
    }
}

void xj_emit_fast(Jit *j, Stub *s, int seg, int size, bool write)
{
    xj_emit_fast_x(j, s, seg, size, write, true);
}

/* hr = zero-extended w-bit value at [rsi+rdx] */
/* A 16-bit stack (SS.B clear) takes the stub: ESP's upper half and the
 * 64K wrap are the handler's business. A flat block's SS is 32-bit
 * (seg_update_flat), so it tests nothing. */
void xj_need_stack32(Jit *j, Stub *s)
{
    Emit *e = &j->e;
    if (j->b->mode & BLOCK_MODE_FLAT)
        return;
    em_op_mem(e, 0, 0, 0x80, 7, OFF(stack32));           /* cmp byte [stack32], 0 */
    em8(e, 0);
    xj_stub_from(j, s, em_jcc32(e, HCC_E));
}

void xj_ld_mem(Jit *j, int w, int hr)
{
    Emit *e = &j->e;
    if (w == 32) {
        em8(e, 0x8b);
    } else {
        em8(e, 0x0f);
        em8(e, w == 16 ? 0xb7 : 0xb6);
    }
    em_bi(e, hr, HR_SI, HR_DX);
}

void xj_st_mem(Jit *j, int w, int hr)
{
    Emit *e = &j->e;
    if (w == 16)
        em8(e, 0x66);
    em8(e, w == 8 ? 0x88 : 0x89);
    em_bi(e, hr, HR_SI, HR_DX);
}

/* LAHF/SAHF in 64-bit mode (CPUID 8000_0001h ECX bit 0; every AMD64 host
 * but the first steppings): much cheaper than PUSHF/POPF, which are
 * microcoded (POPF also writes IF and TF). */
static bool have_lahf(void)
{
    static int known = -1;
    if (known < 0) {
        unsigned a, b, c = 0, d;
        known = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & 1);
    }
    return known;
}

bool xj_lahf(void)
{
    return have_lahf();
}

/* R8D keeps the flags it holds in a raw layout that is cheap to capture:
 * bits 8-15 are EFLAGS' low byte (SF ZF AF PF CF, as LAHF leaves it in
 * AH), bit 0 is OF (as SETO leaves it in AL), every other bit is clear.
 * A 16-bit rotate by 8 and a 3-bit shift of the low byte convert between
 * it and EFLAGS' layout. */
uint32_t xj_fl_raw(uint32_t m)
{
    return ((m & 0xff) << 8) | ((m >> 11) & 1);
}

static int rex_b(int hr, bool byte)
{
    return hr >= 8 ? 0x41 : byte && hr >= 4 ? 0x40 : 0;
}

/* hr (holding only bits of FL_ARITH and bit 1) in the raw layout */
static void em_eflags_to_raw(Emit *e, int hr)
{
    em_op_rr(e, 0x66, rex_b(hr, false), 0xc1, 0, hr & 7); /* rol hr16, 8 */
    em8(e, 8);
    em_op_rr(e, 0, rex_b(hr, true), 0xc0, 5, hr & 7);     /* shr hr8, 3: OF */
    em8(e, 3);
}

/* hr (raw layout) in EFLAGS' layout; of: the raw bit 0 may be set */
static void em_raw_to_eflags(Emit *e, int hr, bool of)
{
    if (of) {
        em_op_rr(e, 0, rex_b(hr, true), 0xc0, 4, hr & 7); /* shl hr8, 3: OF */
        em8(e, 3);
    }
    em_op_rr(e, 0x66, rex_b(hr, false), 0xc1, 0, hr & 7); /* rol hr16, 8 */
    em8(e, 8);
}

/* R8D's flags in mask = EDI's, raw (EDI holds nothing outside
 * xj_fl_raw(mask) but bit 9, EFLAGS' fixed bit 1). */
static void merge_raw(Jit *j, uint32_t mask)
{
    Emit *e = &j->e;
    if (j->fl_have & ~mask) {
        em_op_rr(e, 0, 0x41, 0x81, 4, 0);              /* and r8d, ~raw */
        em32(e, ~xj_fl_raw(mask));
        em_op_rr(e, 0, 0x41, 0x09, HR_DI, 0);          /* or r8d, edi */
    } else {
        em_op_rr(e, 0, 0x41, 0x89, HR_DI, 0);          /* mov r8d, edi */
    }
    j->fl_have |= mask;
}

/* R8D's flags in mask = EDI's, in EFLAGS' layout (EDI holds nothing
 * outside mask but bit 1). Clobbers EDI. */
void xj_merge_flags(Jit *j, uint32_t mask)
{
    em_eflags_to_raw(&j->e, HR_DI);
    merge_raw(j, mask);
}

/* After a flag-setting host instruction: the host's flags become the
 * guest's in R8D (take: bits taken from the host; mask: bits replaced, the
 * rest of mask is cleared). c->eflags is updated only by store_flags, so
 * a block keeps its flags in a register instead of a chain of
 * read-modify-writes in memory: LAHF, SETO AL and a MOVZX of AX are the
 * raw layout. Clobbers EAX and EDI; DL (a fused condition) is kept. */
void xj_emit_flags(Jit *j, uint32_t take, uint32_t mask)
{
    Emit *e = &j->e;
    if (have_lahf()) {
        em8(e, 0x9f);                                  /* lahf */
        if (take & X86_EFLAGS_OF) {
            em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc0);  /* seto al */
        }
        /* AH is the low byte of EFLAGS with its fixed bits (1 is set, as
         * in the guest's, 3 and 5 clear): mask only to drop flags (and
         * AL when it holds no OF) */
        if (take == FL_ARITH && !(j->fl_have & ~mask)) {
            em8(e, 0x44); em8(e, 0x0f); em8(e, 0xb7); em8(e, 0xc0); /* movzx r8d, ax */
            j->fl_have |= mask;
            return;
        }
        em8(e, 0x0f); em8(e, 0xb7); em8(e, 0xf8);      /* movzx edi, ax */
        if (take != FL_ARITH)
            em_alu32_imm(e, 4, HR_DI, xj_fl_raw(take));
        merge_raw(j, mask);
    } else {
        em8(e, 0x9c);                                  /* pushfq */
        em8(e, 0x58 + HR_DI);                          /* pop rdi */
        em_alu32_imm(e, 4, HR_DI, take);
        xj_merge_flags(j, mask);
    }
}

/* Right before an INC or DEC (which leave CF as it is): host CF = the
 * guest's (BT of R8D, or of c->eflags when R8D does not hold CF), so that
 * xj_emit_flags(FL_ARITH, FL_ARITH) after it captures every flag with a
 * MOVZX, without masking and merging the five it writes (two BTs cost
 * less than AND, AND, OR). False (nothing emitted) without LAHF: take
 * FL_NOCF then. */
bool xj_emit_keep_cf(Jit *j)
{
    if (!have_lahf())
        return false;
    xj_emit_cf_in(j);
    return true;
}

/* hr = the flags R8D holds (`have`, not 0), in EFLAGS' layout. */
void xj_flags_to(Emit *e, uint32_t have, int hr)
{
    em_op_rr(e, 0, 0x44, 0x89, 0, hr);                 /* mov hr, r8d */
    em_raw_to_eflags(e, hr, have & X86_EFLAGS_OF);
}

/* c->eflags = the flags held in R8D (those in `have`), through host
 * register hr (ECX, or ESI where ECX holds an EIP a chained exit checks). */
void xj_store_flags_via(Emit *e, uint32_t have, int hr)
{
    if (!have)
        return;
    xj_flags_to(e, have, hr);
    em_op_mem(e, 0, 0, 0x81, 4, OFF(eflags));         /* and [eflags], ~have */
    em32(e, ~have);
    em_op_mem(e, 0, 0, 0x09, hr, OFF(eflags));        /* or [eflags], hr */
}

/* c->eflags = the flags held in R8D (those in `have`). Clobbers ECX. */
void xj_store_flags_of(Jit *j, uint32_t have)
{
    xj_store_flags_via(&j->e, have, HR_CX);
}

void xj_store_flags(Jit *j)
{
    xj_store_flags_of(j, j->fl_have);
    j->fl_have = 0;
}

/* hr = the flags of c->eflags in mask, raw. */
void xj_load_raw_flags(Emit *e, uint32_t mask, int hr)
{
    em_op_mem(e, 0, hr >= 8 ? 0x44 : 0, 0x8b, hr & 7, OFF(eflags)); /* mov hr, [eflags] */
    em_op_rr(e, 0, rex_b(hr, false), 0x81, 4, hr & 7);             /* and hr, mask */
    em32(e, mask);
    em_eflags_to_raw(e, hr);
}

/* Host flags = the guest's arithmetic flags from c->eflags, as far as
 * condition cc reads them (SF ZF AF PF CF through SAHF; OF too when cc
 * needs it). Clobbers EAX and ECX. */
void xj_load_host_flags(Jit *j, int cc)
{
    Emit *e = &j->e;
    if (!have_lahf()) {
        em_mov32_load(e, HR_AX, OFF(eflags));
        em_alu32_imm(e, 4, HR_AX, FL_ARITH);
        em8(e, 0x50); /* push rax */
        em8(e, 0x9d); /* popfq */
        return;
    }
    int k = cc >> 1;
    if (k == 0 || k == 6 || k == 7) {
        em_mov32_load(e, HR_AX, OFF(eflags));
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_CX);         /* mov ecx, eax */
        em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);             /* shr ecx, 11 */
        em8(e, 11);
        em_op_rr(e, 0, 0, 0x80, 4, HR_CX);             /* and cl, 1 */
        em8(e, 1);
        em_op_rr(e, 0, 0, 0x80, 0, HR_CX);             /* add cl, 0x7f: OF = guest OF */
        em8(e, 0x7f);
        em8(e, 0x88); em8(e, 0xc4);                    /* mov ah, al */
    } else {
        em_op_mem(e, 0, 0, 0x8a, 4, OFF(eflags));      /* mov ah, [eflags] */
    }
    em8(e, 0x9e);                                      /* sahf */
}

