/*
 * x64.c - the x86-64 host-code backend's block compiler (docs/jit.md;
 * the code buffer and chaining are in x64buf.c, the register, flag and
 * memory helpers in x64_ops.c, the inline instructions in x64_insn.c).
 *
 * A block becomes one host function `void f(Cpu *c)` with RBX = c. Every
 * instruction either runs inline (moves, the flag-setting ALU operations,
 * INC/DEC, LEA, MOVZX/MOVSX, PUSH/POP, Jcc/JMP) or through its reference
 * handler with exactly the bookkeeping of the threaded loop (insn_eip,
 * EIP, icount, then the exit_req check).
 *
 * Between handler calls EIP and icount are not stored per instruction:
 * the compiler keeps how far they lag (eip_pend, ic_pend) and adds it
 * before anything that can look at them (a handler call, a slow path, the
 * block's end). Guest registers live in host registers within a block
 * and are written back before any handler runs (see "guest registers in
 * host registers" below), so a fault's longjmp from a handler loses
 * nothing (the JIT frame is simply dropped: cpu_exec's setjmp restores the
 * host's callee-saved registers).
 *
 * An inline memory access takes the same fast path as cpu/access.h
 * (segment access bits and limit, page crossing, the tlb table, a host
 * load or store); any miss jumps to an out-of-line stub that runs the
 * whole instruction through its handler, which is the reference for
 * faults, MMIO and writes to code pages, and then rejoins the block.
 *
 * Arithmetic flags are computed by the host instruction itself and stored
 * into c->eflags only when a later reader may see them: a backward pass
 * over the block finds flags that the next instructions overwrite before
 * anything (a handler, a possible fault, a branch, the block's end) could
 * read them.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mem.h"
#include "translate/x64_jit.h"

/* ---- indirect exits ------------------------------------------------------ */

static bool indirect_exit(const Insn *in)
{
    switch (in->op) {
    case 0xc2: case 0xc3: case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe8:
        return true;
    case 0xff:
        return in->reg == 2 || in->reg == 4;
    default:
        return false;
    }
}

#define OFF_TC(f) ((int32_t)offsetof(TCache, f))
#define OFF_B(f) ((int32_t)offsetof(Block, f))

/* The prologue's register loads use disp8 (CHAIN_ENTRY counts on it). */
_Static_assert(offsetof(Cpu, r) + 7 * 4 <= 127, "Cpu.r within disp8 of RBX");

/* After a near RET, CALL, indirect JMP or LOOP (EIP and icount exact, the
 * registers and flags in the Cpu): jump straight to the code of the block
 * at the new EIP, found the way tc_find's jump cache finds it, if the
 * dispatcher would run it whole right away; otherwise leave the block.
 * These instructions change neither CS nor the mode, so the key is (lin,
 * cs_base, this block's mode). The same checks as a chained exit, then
 * the jump-cache probe (tc_jc_index, both ways), all inline. */
static void emit_indirect_exit_x(Jit *j, bool ecx_eip)
{
    Emit *e = &j->e;
    uint8_t *miss[8];
    int nm = 0;
    xj_writeback_regs(j, j->rdirty); /* (the callers synced: none) */
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(chain_limit));      /* 64 left before the deadline? */
    xj_to_exit(j, em_jcc32(e, HCC_A));
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req));  /* and exit_reason, chain_stop */
    em8(e, 0);
    xj_to_exit(j, em_jcc32(e, HCC_NE));
    if (!ecx_eip) {
        em_mov32_load(e, HR_CX, OFF(eip));
        if (!(j->b->mode & BLOCK_MODE_FLAT)) { /* flat: the CS limit is 4 GiB */
            em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
            xj_to_exit(j, em_jcc32(e, HCC_A));
        }
    }
    /* the jump cache is valid for the current mappings only */
    em_mov64_load(e, HR_SI, OFF(tcache));
    em_mov64_load(e, HR_DX, OFF(mem));
    em8(e, 0x48); em8(e, 0x8b); em_base_disp(e, HR_AX, HR_SI, OFF_TC(jc_gen));
    em8(e, 0x48); em8(e, 0x3b); em_base_disp(e, HR_AX, HR_DX, (int32_t)offsetof(PhysMem, tlb_flushes));
    miss[nm++] = em_jcc32(e, HCC_NE);
    bool flat = (j->b->mode & BLOCK_MODE_FLAT) != 0; /* CS base 0 here and in the target */
    if (!flat)
        em_op_mem(e, 0, 0, 0x03, HR_CX, OFF_SEG(SEG_CS, base)); /* ecx = lin */
    em_op_rr(e, 0, 0, 0x89, HR_CX, HR_AX);                      /* eax = tc_jc_index(lin) */
    em_op_rr(e, 0, 0, 0xc1, 5, HR_AX);
    em8(e, TC_JC_BITS);
    em_op_rr(e, 0, 0, 0x31, HR_CX, HR_AX);
    em_alu32_imm(e, 4, HR_AX, (1u << TC_JC_BITS) - 1);
    /* Two ways (cache.c's JC_WAY2): the slot, then its pair's other one,
     * which holds the second most recent block of the pair. */
    uint8_t *found = NULL;
    for (int way = 0; way < 2; way++) {
        if (way)
            em_alu32_imm(e, 6, HR_AX, 1);                      /* xor eax, 1 */
        /* mov rdi, [rsi + jc + rax*8] */
        em8(e, 0x48); em8(e, 0x8b); em8(e, 0xbc); em8(e, 0xc6); em32(e, (uint32_t)OFF_TC(jc));
        em_op_rr(e, 0, 0x48, 0x85, HR_DI, HR_DI);               /* test rdi, rdi */
        uint8_t *empty = em_jcc32(e, HCC_E);
        em8(e, 0x3b); em_base_disp(e, HR_CX, HR_DI, OFF_B(lin)); /* cmp ecx, [rdi+lin] */
        if (way) {
            miss[nm++] = empty;
            miss[nm++] = em_jcc32(e, HCC_NE);
            em_patch(found, e->p);
        } else {
            found = em_jcc32(e, HCC_E);
            em_patch(empty, e->p);
        }
    }
    if (!flat) {
        em_mov32_load(e, HR_AX, OFF_SEG(SEG_CS, base));
        em8(e, 0x3b); em_base_disp(e, HR_AX, HR_DI, OFF_B(cs_base));
        miss[nm++] = em_jcc32(e, HCC_NE);
    }
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(mode));      /* cmp dword [rdi+mode], imm */
    em32(e, j->b->mode);
    miss[nm++] = em_jcc32(e, HCC_NE);
    em8(e, 0x80); em_base_disp(e, 7, HR_DI, OFF_B(valid));     /* cmp byte [rdi+valid], 0 */
    em8(e, 0);
    miss[nm++] = em_jcc32(e, HCC_E);
    em8(e, 0x48); em8(e, 0x8b); em_base_disp(e, HR_AX, HR_DI, OFF_B(code));
    em_op_rr(e, 0, 0x48, 0x85, HR_AX, HR_AX);                   /* test rax, rax */
    miss[nm++] = em_jcc32(e, HCC_E);
    xj_chain_regs(j);                   /* (R9-R15, RBP: the probe's are free) */
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);                       /* add rax, CHAIN_ENTRY */
    em8(e, CHAIN_ENTRY);
    em8(e, 0xff);
    em8(e, 0xe0);                                               /* jmp rax */
    /* a miss: to the dispatcher, counted for --stats */
    for (int k = 0; k < nm; k++)
        em_patch(miss[k], e->p);
    em_op_mem(e, 0, 0x48, 0xff, 0, OFF(jc_misses));           /* inc qword [jc_misses] */
    xj_to_exit(j, em_jmp32(e));
}

static void emit_indirect_exit(Jit *j)
{
    emit_indirect_exit_x(j, false);
}

/* ---- which instructions run inline -------------------------------------- */

static bool handler_is_row(const Insn *in)
{
    const OpRow *r = decode_row(in);
    return r && (in->fn == r->fn16 || in->fn == r->fn32);
}

static Plan plan_insn(const Insn *in, uint32_t mode)
{
    Plan p = { 0 };
    /* LOCK: the handlers give it no meaning beyond the plain operation
     * (one CPU), and a LOCK the instruction does not allow decodes to #UD,
     * which is no row's handler. REP MOVS/STOS, byte or dword, 32-bit
     * addresses, DS/ES/SS source, in a flat block: K_STR form 1
     * (xj_emit_string's fast path). */
    if (in->flags & (INSN_REP | INSN_REPNE)) {
        bool a32 = (in->flags & INSN_ADDR32) != 0, d32 = (in->flags & INSN_OP32) != 0;
        int op = in->op;
        if ((in->flags & INSN_REPNE) || !a32 || !(mode & BLOCK_MODE_FLAT) ||
            !((op == 0xa4 || op == 0xaa) || ((op == 0xa5 || op == 0xab) && d32)) ||
            (op < 0xaa && in->seg != SEG_DS && in->seg != SEG_ES && in->seg != SEG_SS) ||
            !handler_is_row(in))
            return p;
        p.kind = K_STR; p.w = (uint8_t)((op & 1) ? 32 : 8);
        p.aluop = (uint8_t)(op < 0xaa ? 0 : 2);
        p.form = 1;
        return p;
    }
    if (!handler_is_row(in))
        return p;
    int op = in->op;
    int wv = (in->flags & INSN_OP32) ? 32 : 16;
    if (op < 0x40 && (op & 7) < 6) {
        int g = op >> 3;
        p.kind = K_ALU;
        p.aluop = (uint8_t)g;
        p.w = (uint8_t)((op & 1) ? wv : 8);
        static const uint8_t forms[6] = { 0, 0, 1, 1, 3, 3 };
        p.form = forms[op & 7];
        return p;
    }
    switch (op) {
    case 0x80: case 0x81: case 0x83:
        p.kind = K_ALU; p.aluop = in->reg; p.w = (uint8_t)(op == 0x80 ? 8 : wv); p.form = 2;
        return p;
    case 0x84: case 0x85:
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0x84 ? 8 : wv); p.form = 0;
        return p;
    case 0xa8: case 0xa9:
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0xa8 ? 8 : wv); p.form = 3;
        return p;
    case 0xf6: case 0xf7:
        if (in->reg == 2 || in->reg == 3) {
            p.kind = K_UNARY; p.aluop = in->reg; p.w = (uint8_t)(op == 0xf6 ? 8 : wv);
            return p;
        }
        if (in->reg == 4 || in->reg == 5 || in->reg == 6) {
            p.kind = in->reg == 6 ? K_DIV : K_MUL; p.w = (uint8_t)(op == 0xf6 ? 8 : wv);
            return p;
        }
        if (in->reg != 0)
            return p;
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0xf6 ? 8 : wv); p.form = 2;
        return p;
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        p.kind = K_MOV; p.w = (uint8_t)((op & 1) ? wv : 8); p.form = (op & 2) ? 1 : 0;
        return p;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        /* MOV AL/eAX, moffs and back: the offset in disp, no base or index */
        if (in->reg != R_EAX || in->mod != 0)
            return p;
        p.kind = K_MOV; p.w = (uint8_t)((op & 1) ? wv : 8); p.form = (op & 2) ? 0 : 1;
        return p;
    case 0xc6: case 0xc7:
        if (in->reg != 0)
            return p;
        p.kind = K_MOV; p.w = (uint8_t)(op == 0xc6 ? 8 : wv); p.form = 2;
        return p;
    case 0x8d:
        if (in->mod == 3)
            return p;
        p.kind = K_LEA; p.w = (uint8_t)wv;
        return p;
    case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf:
        p.kind = K_EXT; p.w = (uint8_t)wv; p.sext = op >= 0x1be; p.srcw = (op & 1) ? 16 : 8;
        return p;
    case 0x68: case 0x6a:
        p.kind = K_PUSHOP; p.w = (uint8_t)wv;
        return p;
    case 0x8f:
        p.kind = K_POPOP; p.w = (uint8_t)wv;
        return p;
    case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
        /* MOVS, STOS, LODS (REP was turned away above); aluop: 0 MOVS,
         * 2 STOS, 3 LODS */
        p.kind = K_STR; p.w = (uint8_t)((op & 1) ? wv : 8);
        p.aluop = (uint8_t)(op < 0xaa ? 0 : op < 0xac ? 2 : 3);
        return p;
    case 0x9c:
        p.kind = K_PUSHF; p.w = (uint8_t)wv;
        return p;
    case 0xc9:
        p.kind = K_LEAVE; p.w = (uint8_t)wv;
        return p;
    case 0x1a3: case 0x1ab: case 0x1b3: case 0x1bb:
        p.kind = K_BT; p.w = (uint8_t)wv; p.aluop = (uint8_t)(4 + ((op - 0x1a3) >> 3));
        return p;
    case 0x1ba:
        if (in->reg < 4)
            return p;
        p.kind = K_BT; p.w = (uint8_t)wv; p.aluop = in->reg;
        return p;
    case 0x1c0: case 0x1c1:
        p.kind = K_XADD; p.w = (uint8_t)(op == 0x1c0 ? 8 : wv);
        return p;
    case 0x1b0: case 0x1b1:
        p.kind = K_CMPXCHG; p.w = (uint8_t)(op == 0x1b0 ? 8 : wv);
        return p;
    case 0x1a4: case 0x1a5: case 0x1ac: case 0x1ad:
        /* SHLD, SHRD by imm8 (a count of 0 is the handler's) or CL */
        p.kind = K_SHXD; p.w = (uint8_t)wv; p.aluop = op >= 0x1ac;
        p.count = (op & 1) ? 0 : (uint8_t)(in->imm & 31);
        if (!(op & 1) && p.count == 0)
            p.kind = K_NONE;
        return p;
    case 0x1c7:
        if (in->reg != 1 || in->mod == 3)
            return p;
        p.kind = K_CMPXCHG8B;
        return p;
    case 0xfe: case 0xff:
        if (op == 0xff && (in->reg == 2 || in->reg == 4) && wv == 32) {
            p.kind = in->reg == 2 ? K_CALLI : K_JMPI; p.w = 32;
            return p;
        }
        if (op == 0xff && in->reg == 6) {
            p.kind = K_PUSHOP; p.w = (uint8_t)wv;
            return p;
        }
        if (in->reg > 1)
            return p;
        p.kind = K_INCDEC; p.w = (uint8_t)(op == 0xfe ? 8 : wv); p.dec = in->reg; p.incform = 1;
        return p;
    case 0x70 ... 0x7f: case 0x180 ... 0x18f:
        p.kind = K_JCC; p.w = (uint8_t)wv;
        return p;
    case 0xeb: case 0xe9:
        p.kind = K_JMP; p.w = (uint8_t)wv;
        return p;
    case 0x1af: case 0x69: case 0x6b:
        if (wv != 32)
            return p;
        p.kind = K_IMUL; p.w = 32;
        return p;
    case 0xe8: case 0xc3:
        if (wv != 32)
            return p;
        p.kind = op == 0xe8 ? K_CALL : K_RET; p.w = 32;
        return p;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: {
        /* SHL by 1, SHR and SAR by 1..w-1 on a register: the host's flags
         * are the handler's (cpu/shift.c: OF is 0 for SHR/SAR by more
         * than 1, AF is 0). */
        int w = (op & 1) ? wv : 8;
        unsigned n = op >= 0xd0 ? 1 : (in->imm & 31);
        if (in->mod != 3 || n == 0 || n >= (unsigned)w)
            return p;
        /* SHL by more than 1 too (OF computed as the handler's "last
         * step" rule); ROL and ROR on 32-bit registers (CF and OF only) */
        if (!(in->reg == 4 || in->reg == 5 || in->reg == 7 || (w == 32 && in->reg <= 1)))
            return p;
        p.kind = K_SHIFT; p.w = (uint8_t)w; p.aluop = in->reg; p.count = (uint8_t)n;
        return p;
    }
    case 0xd3:
        /* SHL, SHR, SAR, ROL, ROR r/m32, CL */
        if (wv != 32 || !(in->reg <= 1 || in->reg == 4 || in->reg == 5 || in->reg == 7))
            return p;
        p.kind = K_SHCL; p.w = 32; p.aluop = in->reg;
        return p;
    case 0x140 ... 0x14f:
        p.kind = K_CMOV; p.w = (uint8_t)wv;
        return p;
    case 0x190 ... 0x19f:
        p.kind = K_SETCC; p.w = 8;
        return p;
    case 0x98: case 0x99:
        p.kind = K_CONV; p.w = (uint8_t)wv;
        return p;
    case 0x86: case 0x87:
        p.kind = K_XCHG; p.w = (uint8_t)(op == 0x86 ? 8 : wv);
        return p;
    case 0x91 ... 0x97:
        p.kind = K_XCHG; p.w = (uint8_t)wv; p.form = 3;
        return p;
    default:
        break;
    }
    if (op >= 0xb0 && op <= 0xbf) {
        p.kind = K_MOVI; p.w = (uint8_t)(op < 0xb8 ? 8 : wv); p.form = 3;
        return p;
    }
    if (op >= 0x40 && op <= 0x4f) {
        p.kind = K_INCDEC; p.w = (uint8_t)wv; p.dec = op >= 0x48;
        return p;
    }
    if (op >= 0x50 && op <= 0x57) {
        p.kind = K_PUSH; p.w = (uint8_t)wv;
        return p;
    }
    if (op >= 0x58 && op <= 0x5f) {
        p.kind = K_POP; p.w = (uint8_t)wv;
        return p;
    }
    return p;
}

/* Flags the instruction writes (inline kinds only). */
static uint32_t plan_writes(const Plan *p)
{
    if (p->kind == K_ALU)
        return FL_ARITH;
    if (p->kind == K_INCDEC)
        return FL_NOCF;
    if (p->kind == K_SHIFT)
        return p->aluop <= 1 ? X86_EFLAGS_CF | X86_EFLAGS_OF : FL_ARITH;
    if (p->kind == K_IMUL || p->kind == K_MUL || p->kind == K_XADD || p->kind == K_CMPXCHG)
        return FL_ARITH;
    if (p->kind == K_BT)
        return X86_EFLAGS_CF;
    if (p->kind == K_SHXD)
        return FL_ARITH;
    if (p->kind == K_CMPXCHG8B)
        return X86_EFLAGS_ZF;
    if (p->kind == K_SHCL)
        return p->aluop <= 1 ? X86_EFLAGS_CF | X86_EFLAGS_OF : FL_ARITH;
    if (p->kind == K_UNARY)
        return p->aluop == 3 ? FL_ARITH : 0;
    return 0;
}

/* Flags the instruction always overwrites (a shift by CL of 0 keeps them) */
static uint32_t plan_kills(const Plan *p)
{
    return p->kind == K_SHCL || (p->kind == K_SHXD && p->count == 0) ? 0 : plan_writes(p);
}

/* Flags the instruction reads (inline kinds only) */
static uint32_t plan_reads(const Plan *p)
{
    if (p->kind == K_ALU && (p->aluop == 2 || p->aluop == 3))
        return X86_EFLAGS_CF;
    if (p->kind == K_CMOV || p->kind == K_SETCC)
        return FL_ARITH;
    return 0;
}

/* Can the inline code leave through a stub (fault, MMIO, SMC)? */
static bool plan_may_exit(const Plan *p, const Insn *in)
{
    switch (p->kind) {
    case K_NONE: case K_PUSH: case K_POP: case K_JCC: case K_JMP: case K_CALL: case K_RET:
    case K_CALLI: case K_JMPI:
    case K_PUSHOP: case K_POPOP: case K_LEAVE: case K_STR: case K_PUSHF: case K_DIV:
        return true;
    case K_LEA: case K_MOVI: case K_SHIFT:
        return false;
    default:
        return (in->flags & INSN_MEM) != 0;
    }
}

/* Merge the flags R8D holds (`have`) into c->eflags through ESI (ECX may
 * hold the EIP a chained exit still checks). */
static void store_flags_si(Emit *e, uint32_t have)
{
    xj_store_flags_via(e, have, HR_SI);
}

/* Leave the block after a direct branch whose target is `delta` bytes
 * from the block's first instruction (EIP and icount are exact here).
 * A target on the same page gets a patchable jump, taken only when the
 * dispatcher would run the next block whole without looking at anything
 * first: enough instructions before the deadline for a whole block, no
 * exit request, no pending interrupt or debug event (exit_req, exit_reason
 * and chain_stop: one 64-bit compare), EIP within CS. */
static void emit_chain_exit(Jit *j, int32_t delta, bool op32, uint32_t ic, bool eip_in_ecx,
                            uint32_t have)
{
    Emit *e = &j->e;
    X64Buf *xb = j->xb;
    int64_t off = (int64_t)(j->b->phys & PAGE_MASK) + delta;
    if (xb->nsites >= xb->cap_sites) {
        store_flags_si(e, have);
        em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
        emit_indirect_exit(j);
        return;
    }
    /* Another page or 16-bit code (whose EIP wraps at 64 KiB): a cross
     * site, keyed at run time by EIP and the map's generation. */
    bool cross = !op32 || off < 0 || off >= PAGE_SIZE;
    uint8_t *unl[8];
    int nu = 0;
    xj_writeback_regs(j, j->rdirty); /* (the callers synced: none) */
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);          /* add rax, ic */
    em8(e, (uint8_t)ic);
    em_op_mem(e, 0, 0x48, 0x89, HR_AX, OFF(icount)); /* mov [icount], rax */
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(chain_limit)); /* 64 left before the deadline? */
    unl[nu++] = em_jcc32(e, HCC_A);
    /* cmp qword [exit_req], 0: and exit_reason, chain_stop (dbg_slow,
     * INTR, chaining off) */
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req));
    em8(e, 0);
    unl[nu++] = em_jcc32(e, HCC_NE);
    if (eip_in_ecx && !(j->b->mode & BLOCK_MODE_FLAT)) {
        /* a fall-through EIP not checked yet (a taken branch's was; a
         * flat block's CS limit is 4 GiB) */
        em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
        unl[nu++] = em_jcc32(e, HCC_A);
    }
    X64Site *s = &xb->sites[xb->nsites];
    if (cross) {
        /* the link holds while the EIP and the linear-to-physical map are
         * those it was made for (an INVLPG of the target unlinks it) */
        em_mov64_imm(e, HR_DX, (uint64_t)(uintptr_t)s);
        em8(e, 0x48); em8(e, 0x8b);
        em_base_disp(e, HR_AX, HR_DX, (int32_t)offsetof(X64Site, genp)); /* mov rax, [rdx+genp] */
        em8(e, 0x48); em8(e, 0x8b);
        em_base_disp(e, HR_AX, HR_AX, 0);                                /* mov rax, [rax] */
        em8(e, 0x48); em8(e, 0x3b);
        em_base_disp(e, HR_AX, HR_DX, (int32_t)offsetof(X64Site, gen)); /* cmp rax, [rdx+gen] */
        unl[nu++] = em_jcc32(e, HCC_NE);
        em_mov32_load(e, HR_CX, OFF(eip));
        em8(e, 0x3b);
        em_base_disp(e, HR_CX, HR_DX, (int32_t)offsetof(X64Site, eip)); /* cmp ecx, [rdx+eip] */
        unl[nu++] = em_jcc32(e, HCC_NE);
    }
    /* Linked straight to the target when it overwrites the flags R8D
     * holds before anything can see them, else to the flags store and a
     * second patched jump (x64_link chooses). Either way the target
     * finds every guest register in its host register. */
    xj_chain_regs(j);
    uint8_t *rel = em_jmp32(e);
    uint8_t *rel2 = NULL;
    if (have) {
        store_flags_si(e, have);
        rel2 = em_jmp32(e);
    }
    uint8_t *unlinked = e->p;
    store_flags_si(e, have);
    for (int k = 0; k < nu; k++)
        em_patch(unl[k], unlinked);
    em_patch(rel, unlinked);
    if (rel2)
        em_patch(rel2, unlinked);
    if (e->overflow || !rel)
        return;
    xb->nsites++;
    s->rel = rel;
    s->rel2 = rel2;
    s->have = have;
    s->unlinked = unlinked;
    s->target_phys = cross ? 0 : (j->b->phys & ~PAGE_MASK) + (uint32_t)off;
    s->cs_base = j->b->cs_base;
    s->mode = j->b->mode;
    s->linked = false;
    s->cross = cross;
    s->gen = UINT64_MAX;
    s->genp = &x64_gen_unlinked;
    s->eip = 0;
    em_mov64_imm(e, HR_AX, (uint64_t)(uintptr_t)s);
    em_mov64_imm(e, HR_CX, (uint64_t)(uintptr_t)&xb->chain_from);
    em8(e, 0x48); em8(e, 0x89); em8(e, 0x01);      /* mov [rcx], rax */
    xj_to_exit(j, em_jmp32(e));
}

/* A taken branch back to the block's own start (EIP and icount exact in
 * the Cpu but for ic): the chained exit's checks, then straight back to
 * the head with the guest registers and flags still in host registers
 * (EIP is the block's start already: without handler calls nothing
 * moved it). The head holds all 8 registers, c->r[] current but for
 * self_regs. When a check fails, the block leaves to the dispatcher with
 * the state stored. */
static void emit_self_loop(Jit *j, uint32_t ic)
{
    Emit *e = &j->e;
    uint8_t *leave[5];
    int nl = 0;
    /* the head's budget in [rsp]: a round that leaves fewer than 64
     * instructions before the deadline leaves */
    em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
    em8(e, 0x48); em8(e, 0x83); em8(e, 0x2c); em8(e, 0x24); /* sub qword [rsp], ic */
    em8(e, (uint8_t)ic);
    leave[nl++] = em_jcc32(e, HCC_B);
    /* and exit_reason, chain_stop (dbg_slow, INTR, chaining off: traces
     * and lockstep run one round per dispatch) */
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req));
    em8(e, 0);
    leave[nl++] = em_jcc32(e, HCC_NE);
    /* a register dirty here but not at the head goes to c->r[]; one not
     * held (an AH-BH store dropped it) comes back from there */
    xj_writeback_regs(j, j->rdirty & ~j->self_regs);
    xj_chain_regs(j);
    uint32_t have = j->fl_have;
    if (have == j->self_have) {
        em_patch(em_jmp32(e), j->self_head);
    } else {
        xj_store_flags_of(j, have);
        em_patch(em_jmp32(e), j->self_head_f);
    }
    for (int k = 0; k < nl; k++)
        em_patch(leave[k], e->p);
    xj_store_flags_of(j, have);
    xj_writeback_regs(j, j->rdirty);
    xj_to_exit(j, em_jmp32(e));
}

/* The block's last instruction, a relative jump: EIP = next + imm when
 * taken, truncated to 16 bits under a 16-bit operand size. */
static void emit_branch(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    uint32_t next = j->eip_pend + in->len;
    uint32_t ic = j->ic_pend + 1;
    uint8_t *taken = NULL;
    /* The flags R8D holds are stored at the exits (a chained one may skip
     * the store), unless the Jcc takes its condition from c->eflags. */
    bool defer = p->kind == K_JMP || j->fused;
    if (!defer)
        xj_store_flags(j);
    if (p->w == 32 && j->start_delta + next + in->imm == 0 && j->self_pass) {
        if (j->self_pass == 1) {
            j->self_seen = true;
            j->self_regs = j->rdirty;
            j->self_have = j->fl_have;
            memcpy(j->self_seg, j->seg_ok, sizeof(j->self_seg));
        } else if (p->kind == K_JMP) {
            emit_self_loop(j, ic);
            j->fl_have = 0;
            j->rdirty = j->rloaded = 0;
            j->eip_pend = j->ic_pend = 0;
            return;
        } else {
            uint8_t *fall;
            if (j->fused && j->fuse_host) {
                fall = em_jcc32(e, (in->op & 0xf) ^ 1);
            } else if (j->fused) {
                em_op_rr(e, 0, 0, 0x84, HR_DX, HR_DX); /* test dl, dl */
                fall = em_jcc32(e, HCC_E);
            } else {
                xj_load_host_flags(j, in->op & 0xf);
                fall = em_jcc32(e, (in->op & 0xf) ^ 1);
            }
            uint32_t have = j->fl_have;
            uint8_t rdirty = j->rdirty;
            emit_self_loop(j, ic);
            j->fl_have = have;
            j->rdirty = rdirty;
            em_patch(fall, e->p);
            /* not taken: the fall-through's chained exit, as below */
            xj_sync_regs(j, false);
            have = j->fl_have;
            j->fl_have = 0;
            em_mov32_load(e, HR_CX, OFF(eip));
            em_alu32_imm(e, 0, HR_CX, next);
            em_mov32_store(e, HR_CX, OFF(eip));
            emit_chain_exit(j, (int32_t)(j->start_delta + next), true, ic, true, have);
            j->eip_pend = j->ic_pend = 0;
            return;
        }
    }
    xj_sync_regs(j, false); /* the chained exits keep them */
    /* A target beyond the CS limit is the handler's #GP at the branch. */
    Stub *s = xj_new_stub(j, in);
    uint32_t have = j->fl_have;
    j->fl_have = 0;
    if (p->kind == K_JCC) {
        if (j->fused && j->fuse_host) {
            taken = em_jcc32(e, in->op & 0xf);
        } else if (j->fused) {
            em_op_rr(e, 0, 0, 0x84, HR_DX, HR_DX); /* test dl, dl */
            taken = em_jcc32(e, HCC_NE);
        } else {
            xj_load_host_flags(j, in->op & 0xf);
            taken = em_jcc32(e, in->op & 0xf);
        }
        em_mov32_load(e, HR_CX, OFF(eip));
        em_alu32_imm(e, 0, HR_CX, next);
        em_mov32_store(e, HR_CX, OFF(eip));
        emit_chain_exit(j, (int32_t)(j->start_delta + next), p->w == 32, ic, true, have);
        em_patch(taken, e->p);
    }
    em_mov32_load(e, HR_AX, OFF(eip));
    if (next + in->imm)
        em_alu32_imm(e, 0, HR_AX, next + in->imm);
    if (p->w == 16) {
        em8(e, 0x0f); em8(e, 0xb7); em8(e, 0xc0); /* movzx eax, ax */
    }
    if (!(j->b->mode & BLOCK_MODE_FLAT)) {
        em_op_mem(e, 0, 0, 0x3b, HR_AX, OFF_SEG(SEG_CS, limit)); /* cmp eax, [cs.limit] */
        xj_stub_from(j, s, em_jcc32(e, HCC_A));
    }
    em_mov32_store(e, HR_AX, OFF(eip));
    emit_chain_exit(j, (int32_t)(j->start_delta + next + in->imm), p->w == 32, ic, false, have);
    j->eip_pend = j->ic_pend = 0;
}

/* EAX = the 32-bit operand of JMP/CALL r/m32 (a register, or memory
 * through the fast path: a miss runs the handler, which ends the block). */
static void emit_target_Ed(Jit *j, const Insn *in, Stub *s)
{
    if (in->mod == 3) {
        xj_ld_reg(j, 32, in->rm, HR_AX);
        return;
    }
    xj_emit_ea(j, in);
    xj_emit_fast(j, s, in->seg, 4, false);
    xj_ld_mem(j, 32, HR_AX);
}

/* Near CALL rel32 and r/m32, JMP r/m32 and RET with a 32-bit operand
 * (and stack for CALL and RET): the operand read, the limit check and
 * the push or pop through the fast path, then on to the next block
 * (chained for a direct CALL on the same page, else through the jump
 * cache). Anything unusual (16-bit stack, a miss, a target beyond the CS
 * limit) runs the handler from the instruction's start, which ends the
 * block: nothing is written before the last check. */
static void emit_call_ret(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    uint32_t next = j->eip_pend + in->len;
    uint32_t ic = j->ic_pend + 1;
    bool flat_cs = (j->b->mode & BLOCK_MODE_FLAT) != 0; /* the CS limit is 4 GiB */
    xj_store_flags(j);
    xj_sync_regs(j, true);
    Stub *s = xj_new_stub(j, in);
    if (p->kind != K_JMPI)
        xj_need_stack32(j, s);
    if (p->kind == K_JMPI) {
        emit_target_Ed(j, in, s);
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_CX);           /* mov ecx, eax */
        if (!flat_cs) {
            em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
            xj_stub_from(j, s, em_jcc32(e, HCC_A));
        }
        em_mov32_store(e, HR_CX, OFF(eip));
        em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
        emit_indirect_exit_x(j, true); /* ECX: the new EIP, checked against the limit */
    } else if (p->kind == K_CALL || p->kind == K_CALLI) {
        /* a CALL to a PIC thunk: its effect, then the fall-through */
        uint8_t *tn[12];
        int ntn = p->kind == K_CALL ? xj_emit_thunk_fold(j, in, next, ic, s, tn) : 0;
        if (ntn) {
            /* the fold wrote c->r[REG], REG known only at run time: the
             * chained exit loads every register again */
            uint8_t stale = j->rstale;
            j->rstale = 0xff;
            emit_chain_exit(j, (int32_t)(j->start_delta + next), true, ic + 2, false, 0);
            j->rstale = stale;
            for (int k = 0; k < ntn; k++)
                em_patch(tn[k], e->p);
        }
        if (p->kind == K_CALLI) {
            emit_target_Ed(j, in, s);                   /* eax = target */
        } else {
            em_mov32_load(e, HR_AX, OFF(eip));
            em_alu32_imm(e, 0, HR_AX, next + in->imm);   /* eax = target */
        }
        em_mov32_load(e, HR_DI, OFF(eip));
        em_alu32_imm(e, 0, HR_DI, next);                /* edi = return address */
        if (!flat_cs) {
            em_op_mem(e, 0, 0, 0x3b, HR_AX, OFF_SEG(SEG_CS, limit));
            xj_stub_from(j, s, em_jcc32(e, HCC_A));
        }
        em8(e, 0x50);                                   /* push rax (target) */
        em_mov32_load(e, HR_AX, OFF_R(R_ESP));
        em_alu32_imm(e, 5, HR_AX, 4);
        /* the stub must see the host stack as it was: pop first on a miss */
        Stub tmp = *s;
        tmp.nfrom = 0;
        xj_emit_fast_x(j, &tmp, SEG_SS, 4, true, false);
        em_op_rr(e, 0, 0, 0x89, HR_DI, HR_CX);          /* mov ecx, edi */
        xj_st_mem(j, 32, HR_CX);
        em_mov32_store(e, HR_AX, OFF_R(R_ESP));
        xj_em_rrx(e, 0, false, false, 0x89, HR_AX, xj_hreg[R_ESP]); /* and its host register */
        em8(e, 0x58);                                   /* pop rax (target) */
        em_mov32_store(e, HR_AX, OFF(eip));
        uint8_t *over = em_jmp32(e);
        /* a fast-path miss: drop the pushed target, then the handler */
        for (int k = 0; k < tmp.nfrom; k++)
            em_patch(tmp.from[k], e->p);
        em8(e, 0x58);                                   /* pop rax */
        xj_stub_from(j, s, em_jmp32(e));
        em_patch(over, e->p);
        if (p->kind == K_CALL) {
            emit_chain_exit(j, (int32_t)(j->start_delta + next + in->imm), true, ic, false, 0);
        } else {
            em_op_rr(e, 0, 0, 0x89, HR_AX, HR_CX);       /* mov ecx, eax */
            em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
            emit_indirect_exit_x(j, true);
        }
    } else {
        em_mov32_load(e, HR_AX, OFF_R(R_ESP));
        xj_emit_fast(j, s, SEG_SS, 4, false);
        xj_ld_mem(j, 32, HR_CX);                           /* ecx = return address */
        if (!flat_cs) {
            em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
            xj_stub_from(j, s, em_jcc32(e, HCC_A));
        }
        em_alu32_imm(e, 0, HR_AX, 4);
        em_mov32_store(e, HR_AX, OFF_R(R_ESP));
        xj_em_rrx(e, 0, false, false, 0x89, HR_AX, xj_hreg[R_ESP]); /* and its host register */
        em_mov32_store(e, HR_CX, OFF(eip));
        em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
        emit_indirect_exit_x(j, true); /* ECX: the new EIP, checked against the limit */
    }
    j->eip_pend = j->ic_pend = 0;
}

/* The condition a Jcc right after this instruction can take from the
 * host's flags, or -1: only conditions on flags the host computed exactly
 * as the guest. A memory form's stub sets DL from the handler's flags. */
static int fuse_cond(const Plan *p, int cc)
{
    bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3;
    bool uses_of = (cc >> 1) == 0 || (cc >> 1) == 6 || (cc >> 1) == 7;
    switch (p->kind) {
    case K_ALU:
        return cc;
    case K_INCDEC:
        return !uses_cf ? cc : -1;
    case K_UNARY:
        return p->aluop == 3 ? cc : -1;
    case K_SHIFT:
        return p->aluop <= 1 || (p->count > 1 && uses_of) ? -1 : cc;
    default:
        return -1;
    }
}

/* Can a fused Jcc test the host's flags themselves (no SETcc into DL and
 * TEST of it)? Only when nothing from the flag-setting host instruction to
 * the Jcc changes them: the flags capture is LAHF, SETO and one MOVZX
 * (every flag taken: not a logic operation's, which masks AF, nor an
 * INC/DEC's without LAHF, which merges), register stores are MOVs, the
 * stub's join sets them with SAHF, and the branch's register write-back
 * is MOVs. fl: the instruction's flags are captured. */
static bool fuse_host_ok(const Plan *p, bool fl)
{
    if (!xj_lahf())
        return false;
    switch (p->kind) {
    case K_ALU:
        return !fl || !(p->aluop == 1 || p->aluop == 4 || p->aluop == 6 || p->aluop == 8);
    case K_INCDEC:
        return true;
    case K_UNARY:
        return p->aluop == 3;
    default:
        return false;
    }
}

/* ---- the block ------------------------------------------------------------ */

/* The threaded loop (translate/exec.c's run_block) from instruction `in`
 * to the block's end, for a stub that cannot rejoin the host code. */
static void run_rest(Cpu *c, const Insn *in, const Insn *end)
{
    for (; in < end; in++) {
        c->insn_eip = c->eip;
        c->eip += in->len;
        in->fn(c, in);
        c->icount++;
        if (c->exit_req)
            break;
    }
}

/* Can the block loop on itself in host registers? Only without handler
 * calls (which may change EIP, CS or any register). */
static bool self_loop_ok(const Plan *plans, int n)
{
    for (int i = 0; i < n; i++)
        if (plans[i].kind == K_NONE || plans[i].kind == K_CALL || plans[i].kind == K_RET ||
            (plans[i].kind == K_STR && plans[i].form))
            return false; /* a REP retires a varying count: not in the round's budget */
    return true;
}

/* One compile of block b at xb->used (self_pass: see Jit). Returns the
 * code's start, or NULL when the buffer overflowed. */
static uint8_t *compile_pass(Jit *j, X64Buf *xb, Block *b, int self_pass, uint8_t self_regs,
                             uint32_t self_have, const uint8_t *self_seg)
{
    memset(j, 0, offsetof(Jit, stubs));
    j->nstubs = 0;
    j->nexits = 0;
    j->self_pass = (uint8_t)self_pass;
    j->self_seen = false;
    j->self_regs = self_regs;
    j->self_have = self_have;
    j->b = b;
    j->flat_segs = (b->mode & (BLOCK_MODE_PE | BLOCK_MODE_CODE32 | BLOCK_MODE_VM)) ==
                   (BLOCK_MODE_PE | BLOCK_MODE_CODE32);
    uint8_t *hdr = xb->rw + xb->used;
    em_init(&j->e, hdr, xb->rw + xb->size);
    Emit *e = &j->e;

    int n = b->ninsn;
    Plan plans[BLOCK_MAX_INSNS];
    uint32_t live_after[BLOCK_MAX_INSNS];
    for (int i = 0; i < n; i++)
        plans[i] = plan_insn(&b->insn[i], b->mode);
    /* Flags a later reader may see, backwards from the block's end. */
    uint32_t live = FL_ARITH;
    for (int i = n - 1; i >= 0; i--) {
        live_after[i] = live;
        const Plan *p = &plans[i];
        if (plan_may_exit(p, &b->insn[i]))
            live = FL_ARITH;
        else
            live = (live & ~plan_kills(p)) | plan_reads(p);
    }

    /* The header: the flags a chained jump into this block must have
     * stored (x64_link reads it). */
    em32(e, live);
    uint8_t *start = e->p;
    uint32_t pos = 0; /* the instruction's offset from the block's start */
    j->xb = xb;
    /* push rbx, rbp, r12-r15 (guest registers live in the callee-saved
     * ones too); sub rsp, 8 keeps the stack 16-byte aligned for calls */
    static const uint8_t pushes[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    em_bytes(e, pushes, sizeof(pushes));
    em_op_rr(e, 0, 0x48, 0x83, 5, HR_SP);           /* sub rsp, 8 */
    em8(e, 8);
    em_op_rr(e, 0, 0x48, 0x89, HR_DI, HR_BX);      /* mov rbx, rdi */
    /* every guest register in its host register (disp8 each: a fixed
     * size), where a chained jump arrives with them too */
    xj_reload_regs(j, 0xff);
    if (e->p != start + CHAIN_ENTRY)
        e->overflow = true; /* cannot happen (the _Static_assert) */
    j->rloaded = 0xff;
    if (self_pass == 1 && !self_loop_ok(plans, n))
        j->self_pass = 0;
    if (self_pass == 2) {
        /* the loop's head (after CHAIN_ENTRY: every entry runs it) */
        /* [rsp] (the frame's padding) = instructions a round may still
         * start with: deadline - icount - 64, 0 when fewer are left (the
         * dispatcher or a chained exit let this block run whole, so
         * deadline >= icount; any later change of the deadline comes
         * with an exit request) */
        em_op_rr(e, 0, 0, 0x31, HR_CX, HR_CX);          /* xor ecx, ecx */
        em_mov64_load(e, HR_AX, OFF(deadline));
        em_op_mem(e, 0, 0x48, 0x2b, HR_AX, OFF(icount)); /* sub rax, [icount] */
        em_op_rr(e, 0, 0x48, 0x83, 5, HR_AX);           /* sub rax, 64 */
        em8(e, BLOCK_MAX_INSNS);
        em8(e, 0x48); em8(e, 0x0f); em8(e, 0x42); em8(e, 0xc1); /* cmovb rax, rcx */
        em8(e, 0x48); em8(e, 0x89); em8(e, 0x04); em8(e, 0x24); /* mov [rsp], rax */
        /* the segment tests the round made, once: a miss runs the whole
         * block through the handlers (as a miss inside it would) */
        Stub *x = NULL;
        for (int seg = 0; seg < 6; seg++) {
            uint8_t need = self_seg[seg];
            if (!need)
                continue;
            if (!x) {
                x = xj_new_stub(j, &b->insn[0]);
                x->rest = true;
                x->fuse_cc = -1;
            }
            for (uint8_t bit = SEG_ACC_RD; bit <= SEG_ACC_WR; bit <<= 1)
                if (need & bit) {
                    em_op_mem(e, 0, 0, 0xf6, 0, OFF_SEG(seg, acc)); /* test byte [acc], bit */
                    em8(e, bit);
                    xj_stub_from(j, x, em_jcc32(e, HCC_E));
                }
            if (need & SEG_OK_FLAT) {
                em_mov64_imm(e, HR_CX, 0xffffffff00000000ull);
                em_op_mem(e, 0, 0x48, 0x39, HR_CX, OFF_SEG(seg, base)); /* cmp [base], rcx */
                xj_stub_from(j, x, em_jcc32(e, HCC_NE));
            }
        }
        memcpy(j->seg_ok, self_seg, sizeof(j->seg_ok));
        j->rdirty = self_regs;
        j->self_head_f = e->p;
        if (self_have)
            xj_load_raw_flags(e, self_have, 8);          /* r8d */
        j->fl_have = self_have;
        j->self_head = e->p;
    }
    for (int i = 0; i < n; i++) {
        const Insn *in = &b->insn[i];
        const Plan *p = &plans[i];
        bool last = i == n - 1;
        bool fl = (live_after[i] & plan_writes(p)) != 0;
        j->fuse_cc = -1;
        if (p->kind != K_JCC)
            j->fused = j->fuse_host = false;
        if (i == n - 2 && plans[n - 1].kind == K_JCC) {
            j->fuse_cc = fuse_cond(p, b->insn[n - 1].op & 0xf);
            j->fuse_host = j->fuse_cc >= 0 && fuse_host_ok(p, fl);
        }
        switch (p->kind) {
        case K_SHIFT: xj_emit_shift(j, in, p, fl); break;
        case K_IMUL: xj_emit_imul(j, in, fl); break;
        case K_ALU: xj_emit_alu(j, in, p, fl); break;
        case K_MOV: case K_MOVI: xj_emit_mov(j, in, p); break;
        case K_LEA: xj_emit_lea(j, in, p); break;
        case K_EXT: xj_emit_ext(j, in, p); break;
        case K_INCDEC: xj_emit_incdec(j, in, p, fl); break;
        case K_PUSH: case K_POP: xj_emit_stack(j, in, p); break;
        case K_SHCL: xj_emit_shift_cl(j, in, p, fl); break;
        case K_CMOV: xj_emit_cmov(j, in, p); break;
        case K_SETCC: xj_emit_setcc(j, in); break;
        case K_UNARY: xj_emit_unary(j, in, p, fl); break;
        case K_CONV: xj_emit_conv(j, in, p); break;
        case K_XCHG: xj_emit_xchg(j, in, p); break;
        case K_MUL: xj_emit_mul(j, in, p, fl); break;
        case K_PUSHOP: xj_emit_push_op(j, in, p); break;
        case K_POPOP: xj_emit_pop_op(j, in, p); break;
        case K_LEAVE: xj_emit_leave(j, in, p); break;
        case K_BT: xj_emit_bt(j, in, p, fl); break;
        case K_XADD: xj_emit_xadd(j, in, p, fl); break;
        case K_CMPXCHG: xj_emit_cmpxchg(j, in, p, fl); break;
        case K_STR: xj_emit_string(j, in, p); break;
        case K_PUSHF: xj_emit_pushf(j, in, p); break;
        case K_DIV: xj_emit_div(j, in, p); break;
        case K_SHXD: xj_emit_shxd(j, in, p, fl); break;
        case K_CMPXCHG8B: xj_emit_cmpxchg8b(j, in, fl); break;
        case K_CALL: case K_RET: case K_CALLI: case K_JMPI:
            if (last) {
                j->start_delta = pos - j->eip_pend;
                /* no handler runs on its main line, which writes ESP to
                 * c->r[] and its host register alike */
                j->rkeep = true;
                emit_call_ret(j, in, p);
                j->rkeep = false;
                continue;
            }
            xj_store_flags(j);
            xj_sync_regs(j, true);
            memset(j->seg_ok, 0, sizeof(j->seg_ok));
            xj_emit_call(j, in, j->eip_pend, j->ic_pend, !last);
            j->eip_pend = j->ic_pend = 0;
            pos += in->len;
            continue;
        case K_JCC: case K_JMP:
            if (last) {
                j->start_delta = pos - j->eip_pend;
                emit_branch(j, in, p);
                continue;
            }
            __attribute__((fallthrough)); /* a branch is always last; be safe */
        default:
            xj_store_flags(j);
            xj_sync_regs(j, true);
            memset(j->seg_ok, 0, sizeof(j->seg_ok));
            xj_emit_call(j, in, j->eip_pend, j->ic_pend, !last);
            j->eip_pend = j->ic_pend = 0;
            pos += in->len;
            if (last && indirect_exit(in) && !(in->flags & (INSN_REP | INSN_REPNE)))
                emit_indirect_exit(j);
            continue;
        }
        j->eip_pend += in->len;
        j->ic_pend++;
        pos += in->len;
    }
    if (n > 0 && !(decode_row(&b->insn[n - 1])->flags & (F_BR | F_END))) {
        /* The block ended at its page's end, at BLOCK_MAX_INSNS or before
         * an often-rewritten instruction: on to the next one through a
         * chained exit, as a Jcc not taken (the same page or a cross
         * site) instead of back to the dispatcher every time. */
        xj_sync_regs(j, true);
        uint32_t have = j->fl_have;
        j->fl_have = 0;
        em_mov32_load(e, HR_CX, OFF(eip));
        em_alu32_imm(e, 0, HR_CX, j->eip_pend);
        em_mov32_store(e, HR_CX, OFF(eip));
        emit_chain_exit(j, (int32_t)pos, (b->mode & BLOCK_MODE_CODE32) != 0, j->ic_pend, true, have);
        j->eip_pend = j->ic_pend = 0;
    }
    xj_store_flags(j);
    xj_sync_regs(j, true);
    xj_flush_pending(j);
    uint8_t *epilogue = e->p;
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_SP);           /* add rsp, 8 */
    em8(e, 8);
    static const uint8_t pops[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    em_bytes(e, pops, sizeof(pops));                /* pop r15 ... rbp, rbx; ret */
    for (int i = 0; i < j->nexits; i++)
        em_patch(j->exits[i], epilogue);

    /* Stubs: the whole instruction through its handler, then rejoin with
     * EIP and icount lagging as the main line expects. */
    for (int i = 0; i < j->nstubs; i++) {
        Stub *s = &j->stubs[i];
        for (int k = 0; k < s->nfrom; k++)
            em_patch(s->from[k], e->p);
        xj_store_flags_of(j, s->fl_have);
        xj_writeback_regs(j, s->rdirty);
        if (s->rest) {
            em_add32_mem_imm(e, OFF(eip), (int32_t)s->eip_pend);
            em_add64_mem_imm(e, OFF(icount), (int32_t)s->ic_pend);
            em_op_rr(e, 0, 0x48, 0x89, HR_BX, HR_DI);           /* mov rdi, rbx */
            em_mov64_imm(e, HR_SI, (uint64_t)(uintptr_t)s->in);
            em_mov64_imm(e, HR_DX, (uint64_t)(uintptr_t)(b->insn + b->ninsn));
            em_call_abs(e, (const void *)run_rest);
            xj_to_exit(j, em_jmp32(e));
            continue;
        }
        if (!s->join) {
            /* a branch: the handler ends the block */
            xj_emit_call(j, s->in, s->eip_pend, s->ic_pend, false);
            xj_to_exit(j, em_jmp32(e));
            continue;
        }
        xj_emit_call(j, s->in, s->eip_pend, s->ic_pend, true);
        em_add32_mem_imm(e, OFF(eip), -(int32_t)(s->eip_pend + s->in->len));
        em_add64_mem_imm(e, OFF(icount), -(int32_t)(s->ic_pend + 1));
        if (s->join_have)
            xj_load_raw_flags(e, s->join_have, 8);       /* r8d */
        xj_reload_regs(j, s->rjoin);
        if (s->fuse_cc >= 0) {
            /* the fused Jcc tests DL or the host's flags: take them from
             * the handler's (SAHF, the last flag change before the join) */
            xj_load_host_flags(j, s->fuse_cc);
            if (!s->fuse_host) {
                em8(e, 0x0f);
                em8(e, (uint8_t)(0x90 + s->fuse_cc));
                em8(e, 0xc0 | HR_DX);
            }
        }
        uint8_t *rel = em_jmp32(e);
        em_patch(rel, s->join);
    }
    for (int i = 0; i < j->nexits; i++)
        em_patch(j->exits[i], epilogue);
    return e->overflow ? NULL : start;
}

bool x64_compile(X64Buf *xb, Block *b)
{
    static __thread Jit jit; /* large: keep it off the stack */
    Jit *j = &jit;
    uint32_t nsites = xb->nsites;
    uint8_t *hdr = xb->rw + xb->used;
    static const uint8_t no_segs[6];
    uint8_t *start = compile_pass(j, xb, b, 1, 0, 0, no_segs);
    if (start && j->self_seen) {
        /* again as a loop (a third time as before if it overflows) */
        uint8_t regs = j->self_regs;
        uint32_t have = j->self_have;
        uint8_t segs[6];
        memcpy(segs, j->self_seg, sizeof(segs));
        xb->nsites = nsites;
        start = compile_pass(j, xb, b, 2, regs, have, segs);
        if (!start) {
            xb->nsites = nsites;
            start = compile_pass(j, xb, b, 0, 0, 0, no_segs);
        }
    }
    if (!start)
        return false;
    Emit *e = &j->e;
    b->code = x64_rx(xb, start);
    size_t len = (size_t)(e->p - start);
    size_t total = (size_t)(e->p - hdr);
    /* RINGSIDE_JIT_DUMP=DIR: each block's host code in DIR/PHYS-OFFSET.bin
     * (objdump -D -b binary -m i386:x86-64), for profiles. */
    static const char *dump;
    static bool dump_checked;
    if (!dump_checked) {
        dump = getenv("RINGSIDE_JIT_DUMP");
        dump_checked = true;
    }
    if (dump) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%08x-%06zx.bin", dump, b->phys, xb->used);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(start, 1, len, f);
            fclose(f);
        }
    }
    xb->used += (total + 15) & ~(size_t)15;
    if (xb->used > xb->size)
        xb->used = xb->size;
    xb->bytes_emitted += len;
    return true;
}
