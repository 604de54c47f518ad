/*
 * x64.c - the x86-64 host-code backend's block compiler (docs/jit.md;
 * the code buffer and chaining are in x64buf.c).
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
#include <cpuid.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "mmu/mem.h"
#include "translate/x64.h"
#include "translate/x64emit.h"

/* ---- compile state ---------------------------------------------------- */

#define OFF(f) ((int32_t)offsetof(Cpu, f))
#define OFF_R(n) (OFF(r) + 4 * (int32_t)(n))
#define OFF_SEG(s, f) ((int32_t)(offsetof(Cpu, seg) + (size_t)(s) * sizeof(SegReg) + offsetof(SegReg, f)))

/* The flat-segment test compares base and limit as one 64-bit value. */
_Static_assert(offsetof(SegReg, limit) == offsetof(SegReg, base) + 4, "SegReg: limit follows base");
/* A chained exit tests exit_req and exit_reason with one 64-bit compare. */
_Static_assert(offsetof(Cpu, exit_reason) == offsetof(Cpu, exit_req) + 4 && sizeof(int) == 4,
               "exit_req and exit_reason are adjacent");

#define FL_ARITH X86_EFLAGS_ARITH
#define FL_NOCF (X86_EFLAGS_ARITH & ~X86_EFLAGS_CF)

/* An out-of-line slow path: run the instruction through its handler. */
typedef struct Stub {
    uint8_t *from[6];  /* rel32s that branch here */
    int nfrom;
    const Insn *in;
    int fuse_cc;       /* >= 0: DL must hold this condition at the join */
    uint32_t fl_have, join_have; /* Jit.fl_have at the start and at the join */
    uint8_t rdirty, rjoin; /* guest registers dirty at the start, loaded at the join */
    bool rest;         /* run this and the rest of the block threaded, then leave */
    uint32_t eip_pend, ic_pend; /* lag at the instruction's start */
    uint8_t *join;     /* where the main line continues */
} Stub;

typedef struct Jit {
    Emit e;
    X64Buf *xb;
    uint32_t start_delta; /* bytes from the block's start to where eip_pend counts from */
    int fuse_cc;    /* >= 0: the next instruction is a Jcc on this condition */
    uint32_t fl_have; /* arithmetic flags held in R8D, newer than c->eflags */
    uint8_t rloaded, rdirty; /* guest registers held in host ones; newer than c->r[] */
    uint8_t seg_ok[6]; /* SEG_ACC_* and SEG_OK_FLAT tested already (since the last handler) */
    bool flat_segs;    /* 32-bit protected-mode code: DS, ES and SS expected flat */
    bool fused;     /* DL holds that condition, set right after the host op */
    const Block *b;
    uint32_t eip_pend, ic_pend;
    Stub stubs[BLOCK_MAX_INSNS * 2]; /* per instruction: its stub and an access-bits one */
    int nstubs;
    uint8_t *exits[BLOCK_MAX_INSNS * 4 + 32]; /* rel32s to the epilogue */
    int nexits;
    bool last;
} Jit;

static void to_exit(Jit *j, uint8_t *rel)
{
    if (rel && j->nexits < (int)(sizeof(j->exits) / sizeof(j->exits[0])))
        j->exits[j->nexits++] = rel;
    else if (rel)
        j->e.overflow = true; /* cannot happen; fail the compile safely */
}

static void flush_pending(Jit *j)
{
    em_add32_mem_imm(&j->e, OFF(eip), (int32_t)j->eip_pend);
    em_add64_mem_imm(&j->e, OFF(icount), (int32_t)j->ic_pend);
    j->eip_pend = j->ic_pend = 0;
}

/* The threaded loop's step for one instruction, with lags eip_pend and
 * ic_pend at its start: afterwards EIP and icount are exact. */
static void emit_call(Jit *j, const Insn *in, uint32_t eip_pend, uint32_t ic_pend, bool check_exit)
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
        to_exit(j, em_jcc32(e, HCC_NE));
    }
}

static Stub *new_stub(Jit *j, const Insn *in)
{
    if (j->nstubs == (int)(sizeof(j->stubs) / sizeof(j->stubs[0]))) {
        j->e.overflow = true; /* cannot happen; fail the compile safely */
        j->nstubs--;
    }
    Stub *s = &j->stubs[j->nstubs++];
    s->nfrom = 0;
    s->in = in;
    s->fuse_cc = j->fuse_cc;
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

static void stub_join(Jit *j, Stub *s)
{
    s->join = j->e.p;
    s->join_have = j->fl_have;
    s->rjoin = j->rloaded;
}

static void stub_from(Jit *j, Stub *s, uint8_t *rel)
{
    if (!rel)
        return;
    if (s->nfrom < 6)
        s->from[s->nfrom++] = rel;
    else
        j->e.overflow = true;
}

/* Right after a flag-setting host instruction: DL = the fused Jcc's
 * condition (SETcc changes no flags). */
static void emit_fuse(Jit *j)
{
    if (j->fuse_cc < 0)
        return;
    em8(&j->e, 0x0f);
    em8(&j->e, (uint8_t)(0x90 + j->fuse_cc));
    em8(&j->e, 0xc0 | HR_DX);
    j->fused = true;
}

/* ---- guest registers in host registers ----------------------------------
 *
 * Within a block guest register n lives in host register HREG[n] from its
 * first use (rloaded) and is written back to c->r[] (if rdirty) before
 * anything that may look at c->r[]: a handler call (which may also clobber
 * R9-R11, so every register is dropped), a stub (which stores the
 * registers dirty when the instruction started, runs the handler and
 * reloads what the main line holds at the join), a branch and the block's
 * end. The main line changes a register only after its instruction's last
 * possible branch to the stub, so a fault never sees a half-done
 * instruction. Scratch: RAX RCX RDX RSI RDI; R8D holds flags. */
static const uint8_t HREG[8] = { 9, 10, 11, 12, 13, 14, 15, HR_BP };

/* opcode bytes (1 or 2, 0x0f first) with register-direct ModRM, any of
 * the 16 registers; rexw: 64-bit; byte8: a byte register operand (REX
 * forced so that 4-7 mean SPL-DIL). */
static void em_rrx(Emit *e, int pfx, bool rexw, bool byte8, int opc, int reg, int rm)
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
static int greg(Jit *j, int n)
{
    if (!(j->rloaded & (1u << n))) {
        em_ld_any(&j->e, HREG[n], OFF_R(n));
        j->rloaded |= (uint8_t)(1u << n);
    }
    return HREG[n];
}

static void writeback_regs(Jit *j, uint8_t dirty)
{
    for (int n = 0; n < 8; n++)
        if (dirty & (1u << n))
            em_st_any(&j->e, HREG[n], OFF_R(n));
}

/* c->r[] up to date; with drop, nothing held any more. */
static void sync_regs(Jit *j, bool drop)
{
    writeback_regs(j, j->rdirty);
    j->rdirty = 0;
    if (drop)
        j->rloaded = 0;
}

static void reload_regs(Jit *j, uint8_t loaded)
{
    for (int n = 0; n < 8; n++)
        if (loaded & (1u << n))
            em_ld_any(&j->e, HREG[n], OFF_R(n));
}

/* ALU op (group-1 number, 8 = TEST) r32, imm32 for any register */
static void em_alu_imm_any(Emit *e, int op, int r, uint32_t v)
{
    if (op == 8) {
        em_rrx(e, 0, false, false, 0xf7, 0, r);
        em32(e, v);
    } else if ((int32_t)v >= -128 && (int32_t)v <= 127) {
        em_rrx(e, 0, false, false, 0x83, op, r);
        em8(e, (uint8_t)v);
    } else {
        em_rrx(e, 0, false, false, 0x81, op, r);
        em32(e, v);
    }
}

/* host register hr (RAX-RDI) = guest register n of width w, zero-extended */
static void ld_reg(Jit *j, int w, int n, int hr)
{
    Emit *e = &j->e;
    if (w == 32) {
        em_rrx(e, 0, false, false, 0x8b, hr, greg(j, n));          /* mov hr, r */
    } else if (w == 16) {
        em_rrx(e, 0, false, false, 0x0fb7, hr, greg(j, n));        /* movzx hr, r16 */
    } else if (n < 4) {
        em_rrx(e, 0, false, true, 0x0fb6, hr, greg(j, n));         /* movzx hr, r8 */
    } else {
        em_rrx(e, 0, false, false, 0x8b, hr, greg(j, n - 4));
        em_rrx(e, 0, false, false, 0x0fb7, hr, hr);               /* movzx hr, hr16 */
        em_rrx(e, 0, false, false, 0x0fb6, hr, hr + 4);           /* movzx hr, h8 (AH...) */
    }
}

/* guest register n (width w) = host register hr; changes no flags */
static void st_reg(Jit *j, int w, int n, int hr)
{
    Emit *e = &j->e;
    if (w == 8 && n >= 4) {
        /* AH-BH: through memory (no host encoding reaches bits 8-15 of
         * R9-R15 without a flag-changing shift) */
        int g = n - 4;
        if (j->rdirty & (1u << g))
            em_st_any(e, HREG[g], OFF_R(g));
        j->rdirty &= (uint8_t)~(1u << g);
        em_op_mem(e, 0, 0, 0x88, hr, OFF_R(g) + 1);
        j->rloaded &= (uint8_t)~(1u << g);
        return;
    }
    int r = w == 32 ? HREG[n] : greg(j, n);
    if (w == 32)
        j->rloaded |= (uint8_t)(1u << n);
    if (w == 32)
        em_rrx(e, 0, false, false, 0x89, hr, r);                   /* mov r, hr */
    else if (w == 16)
        em_rrx(e, 0x66, false, false, 0x89, hr, r);
    else
        em_rrx(e, 0, false, true, 0x88, hr, r);
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

static void emit_ea(Jit *j, const Insn *in)
{
    Emit *e = &j->e;
    if ((in->flags & INSN_ADDR32) && (in->base != R_NONE || in->index != R_NONE)) {
        int base = in->base != R_NONE ? greg(j, in->base) : -1;
        int index = in->index != R_NONE ? greg(j, in->index) : -1;
        em_lea32(e, base, index, in->scale, (int32_t)in->disp);
        return;
    }
    if (in->base != R_NONE) {
        ld_reg(j, 32, in->base, HR_AX);
        if (in->disp)
            em_alu32_imm(e, 0, HR_AX, in->disp);
    } else {
        em_mov32_imm(e, HR_AX, in->disp);
    }
    if (in->index != R_NONE) {
        ld_reg(j, 32, in->index, HR_CX);
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
/* Jit.seg_ok: the segment was checked to be flat (base 0, limit 4 GiB) */
#define SEG_OK_FLAT 0x80

static void emit_fast_x(Jit *j, Stub *s, int seg, int size, bool write, bool once)
{
    Emit *e = &j->e;
    uint8_t bit = write ? SEG_ACC_WR : SEG_ACC_RD;
    /* In 32-bit protected-mode code DS, ES and SS are expected flat: the
     * block checks that once (with the access bits) and then skips the
     * limit test and the base. A flat segment's offset is the linear
     * address, and an access that wraps past 4 GiB crosses a page, which
     * the page test sends to the stub. */
    bool flat = once && j->flat_segs && (seg == SEG_DS || seg == SEG_ES || seg == SEG_SS);
    uint8_t need = (uint8_t)(bit | (flat ? SEG_OK_FLAT : 0));
    if (!once) {
        em_op_mem(e, 0, 0, 0xf6, 0, OFF_SEG(seg, acc)); /* test byte [acc], bit */
        em8(e, bit);
        stub_from(j, s, em_jcc32(e, HCC_E));
    } else if ((j->seg_ok[seg] & need) != need) {
        /* Only handlers change the access bits and the segments, so one
         * test per segment and direction holds until the next handler
         * call; a miss runs this and the rest of the block through the
         * handlers, exactly as the threaded loop would (the later
         * accesses skip the test). */
        Stub *x = new_stub(j, s->in);
        x->rest = true;
        x->eip_pend = s->eip_pend;
        x->ic_pend = s->ic_pend;
        x->fl_have = s->fl_have;
        x->rdirty = s->rdirty;
        x->fuse_cc = -1;
        if (!(j->seg_ok[seg] & bit)) {
            em_op_mem(e, 0, 0, 0xf6, 0, OFF_SEG(seg, acc));
            em8(e, bit);
            stub_from(j, x, em_jcc32(e, HCC_E));
        }
        if (flat && !(j->seg_ok[seg] & SEG_OK_FLAT)) {
            /* base 0 and limit 4 GiB: one 64-bit compare of both */
            em_mov64_imm(e, HR_CX, 0xffffffff00000000ull);
            em_op_mem(e, 0, 0x48, 0x39, HR_CX, OFF_SEG(seg, base)); /* cmp [base], rcx */
            stub_from(j, x, em_jcc32(e, HCC_NE));
        }
        j->seg_ok[seg] |= need;
    }
    if (flat) {
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);             /* mov edx, eax: linear */
    } else {
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
        stub_from(j, s, em_jcc32(e, HCC_A));
        em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DX);             /* mov edx, eax */
        em_op_mem(e, 0, 0, 0x03, HR_DX, OFF_SEG(seg, base)); /* add edx, [base] */
    }
    em_op_rr(e, 0, 0, 0x89, HR_DX, HR_CX);
    em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);                     /* shr ecx, 12 */
    em8(e, PAGE_SHIFT);
    em_mov64_load(e, HR_SI, write ? OFF(tlb_wr) : OFF(tlb_rd));
    em8(e, 0x48); em8(e, 0x8b); em8(e, 0x34); em8(e, 0xce); /* mov rsi, [rsi+rcx*8] */
    em_op_rr(e, 0, 0x48, 0x85, HR_SI, HR_SI);              /* test rsi, rsi */
    stub_from(j, s, em_jcc32(e, HCC_E));
    em_alu32_imm(e, 4, HR_DX, PAGE_MASK);
    if (size > 1) {
        /* crossing into the next page: the slow path */
        em_alu32_imm(e, 7, HR_DX, PAGE_SIZE - (uint32_t)size);
        stub_from(j, s, em_jcc32(e, HCC_A));
    }
}

static void emit_fast(Jit *j, Stub *s, int seg, int size, bool write)
{
    emit_fast_x(j, s, seg, size, write, true);
}

/* hr = zero-extended w-bit value at [rsi+rdx] */
static void ld_mem(Jit *j, int w, int hr)
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

static void st_mem(Jit *j, int w, int hr)
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

/* R8D's flags in mask = EDI's (EDI holds nothing outside mask). */
static void merge_flags(Jit *j, uint32_t mask)
{
    Emit *e = &j->e;
    if (j->fl_have & ~mask) {
        em_op_rr(e, 0, 0x41, 0x81, 4, 0);              /* and r8d, ~mask */
        em32(e, ~mask);
        em_op_rr(e, 0, 0x41, 0x09, HR_DI, 0);          /* or r8d, edi */
    } else {
        em_op_rr(e, 0, 0x41, 0x89, HR_DI, 0);          /* mov r8d, edi */
    }
    j->fl_have |= mask;
}

/* After a flag-setting host instruction: the host's flags become the
 * guest's in R8D (take: bits taken from the host; mask: bits replaced, the
 * rest of mask is cleared). c->eflags is updated only by store_flags, so
 * a block keeps its flags in a register instead of a chain of
 * read-modify-writes in memory. Clobbers EAX (AH), ECX and EDI; DL (a
 * fused condition) is kept. */
static void emit_flags(Jit *j, uint32_t take, uint32_t mask)
{
    Emit *e = &j->e;
    if (have_lahf()) {
        em8(e, 0x9f);                                  /* lahf */
        if (take & X86_EFLAGS_OF) {
            em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc1);  /* seto cl */
        }
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);      /* movzx edi, ah */
        /* AH is the low byte of EFLAGS with its fixed bits (1 is set, as
         * in the guest's, 3 and 5 clear): mask only to drop flags */
        if ((take & 0xff) != (FL_ARITH & 0xff))
            em_alu32_imm(e, 4, HR_DI, take & 0xff);
        if (take & X86_EFLAGS_OF) {
            em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xc9);  /* movzx ecx, cl */
            em_op_rr(e, 0, 0, 0xc1, 4, HR_CX);         /* shl ecx, 11 */
            em8(e, 11);
            em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);     /* or edi, ecx */
        }
    } else {
        em8(e, 0x9c);                                  /* pushfq */
        em8(e, 0x58 + HR_DI);                          /* pop rdi */
        em_alu32_imm(e, 4, HR_DI, take);
    }
    merge_flags(j, mask);
}

/* c->eflags = the flags held in R8D (those in `have`). Clobbers ECX. */
static void store_flags_of(Jit *j, uint32_t have)
{
    Emit *e = &j->e;
    if (!have)
        return;
    em_mov32_load(e, HR_CX, OFF(eflags));
    em_alu32_imm(e, 4, HR_CX, ~have);
    em_op_rr(e, 0, 0x44, 0x09, 0, HR_CX);              /* or ecx, r8d */
    em_mov32_store(e, HR_CX, OFF(eflags));
}

static void store_flags(Jit *j)
{
    store_flags_of(j, j->fl_have);
    j->fl_have = 0;
}

/* Host flags = the guest's arithmetic flags from c->eflags, as far as
 * condition cc reads them (SF ZF AF PF CF through SAHF; OF too when cc
 * needs it). Clobbers EAX and ECX. */
static void load_host_flags(Jit *j, int cc)
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

/* ModRM for [base + disp] with base one of RAX-RDI but RSP/RBP. */
static void em_base_disp(Emit *e, int reg, int base, int32_t disp)
{
    if (disp >= -128 && disp <= 127) {
        em8(e, (uint8_t)(0x40 | (reg << 3) | base));
        em8(e, (uint8_t)disp);
    } else {
        em8(e, (uint8_t)(0x80 | (reg << 3) | base));
        em32(e, (uint32_t)disp);
    }
}

#define OFF_TC(f) ((int32_t)offsetof(TCache, f))
#define OFF_B(f) ((int32_t)offsetof(Block, f))

/* After a near RET, CALL, indirect JMP or LOOP (EIP and icount exact, the
 * registers and flags in the Cpu): jump straight to the code of the block
 * at the new EIP, found the way tc_find's jump cache finds it, if the
 * dispatcher would run it whole right away; otherwise leave the block.
 * These instructions change neither CS nor the mode, so the key is (lin,
 * cs_base, this block's mode). The same checks as a chained exit, then
 * the jump-cache probe (cache.c's jc_index), all inline. */
static void emit_indirect_exit_x(Jit *j, bool ecx_eip)
{
    Emit *e = &j->e;
    em_mov64_imm(e, HR_SI, (uint64_t)(uintptr_t)&j->xb->chaining);
    em8(e, 0x80); em8(e, 0x3e); em8(e, 0);                     /* cmp byte [rsi], 0 */
    to_exit(j, em_jcc32(e, HCC_E));
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);                       /* add rax, 64 */
    em8(e, BLOCK_MAX_INSNS);
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(deadline));
    to_exit(j, em_jcc32(e, HCC_A));
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req));              /* and exit_reason */
    em8(e, 0);
    to_exit(j, em_jcc32(e, HCC_NE));
    em_op_mem(e, 0, 0, 0x80, 7, OFF(dbg_slow));
    em8(e, 0);
    to_exit(j, em_jcc32(e, HCC_NE));
    em_op_mem(e, 0, 0, 0x80, 7, OFF(intr));
    em8(e, 0);
    to_exit(j, em_jcc32(e, HCC_NE));
    if (!ecx_eip) {
        em_mov32_load(e, HR_CX, OFF(eip));
        em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
        to_exit(j, em_jcc32(e, HCC_A));
    }
    /* the jump cache is valid for the current mappings only */
    em_mov64_load(e, HR_SI, OFF(tcache));
    em_mov64_load(e, HR_DX, OFF(mem));
    em8(e, 0x48); em8(e, 0x8b); em_base_disp(e, HR_AX, HR_SI, OFF_TC(jc_gen));
    em8(e, 0x48); em8(e, 0x3b); em_base_disp(e, HR_AX, HR_DX, (int32_t)offsetof(PhysMem, tlb_flushes));
    to_exit(j, em_jcc32(e, HCC_NE));
    em_op_mem(e, 0, 0, 0x03, HR_CX, OFF_SEG(SEG_CS, base));    /* ecx = lin */
    em_op_rr(e, 0, 0, 0x89, HR_CX, HR_AX);                      /* eax = jc_index(lin) */
    em_op_rr(e, 0, 0, 0xc1, 5, HR_AX);
    em8(e, TC_JC_BITS);
    em_op_rr(e, 0, 0, 0x31, HR_CX, HR_AX);
    em_alu32_imm(e, 4, HR_AX, (1u << TC_JC_BITS) - 1);
    /* mov rdi, [rsi + jc + rax*8] */
    em8(e, 0x48); em8(e, 0x8b); em8(e, 0xbc); em8(e, 0xc6); em32(e, (uint32_t)OFF_TC(jc));
    em_op_rr(e, 0, 0x48, 0x85, HR_DI, HR_DI);                   /* test rdi, rdi */
    to_exit(j, em_jcc32(e, HCC_E));
    em8(e, 0x3b); em_base_disp(e, HR_CX, HR_DI, OFF_B(lin));   /* cmp ecx, [rdi+lin] */
    to_exit(j, em_jcc32(e, HCC_NE));
    em_mov32_load(e, HR_AX, OFF_SEG(SEG_CS, base));
    em8(e, 0x3b); em_base_disp(e, HR_AX, HR_DI, OFF_B(cs_base));
    to_exit(j, em_jcc32(e, HCC_NE));
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(mode));      /* cmp dword [rdi+mode], imm */
    em32(e, j->b->mode);
    to_exit(j, em_jcc32(e, HCC_NE));
    em8(e, 0x80); em_base_disp(e, 7, HR_DI, OFF_B(valid));     /* cmp byte [rdi+valid], 0 */
    em8(e, 0);
    to_exit(j, em_jcc32(e, HCC_E));
    em8(e, 0x48); em8(e, 0x8b); em_base_disp(e, HR_AX, HR_DI, OFF_B(code));
    em_op_rr(e, 0, 0x48, 0x85, HR_AX, HR_AX);                   /* test rax, rax */
    to_exit(j, em_jcc32(e, HCC_E));
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);                       /* add rax, CHAIN_ENTRY */
    em8(e, CHAIN_ENTRY);
    em8(e, 0xff);
    em8(e, 0xe0);                                               /* jmp rax */
}

static void emit_indirect_exit(Jit *j)
{
    emit_indirect_exit_x(j, false);
}

/* ---- which instructions run inline -------------------------------------- */

enum {
    K_NONE, K_ALU, K_MOV, K_MOVI, K_LEA, K_EXT, K_INCDEC, K_PUSH, K_POP, K_JCC, K_JMP, K_SHIFT,
    K_CALL, K_RET, K_IMUL,
};

typedef struct Plan {
    uint8_t kind;
    uint8_t w;        /* operand width 8/16/32 */
    uint8_t aluop;    /* K_ALU: group-1 number (0 add 1 or 4 and 5 sub 6 xor 7 cmp), 8 test */
    uint8_t form;     /* K_ALU/K_MOV: 0 E<-G, 1 G<-E, 2 E<-imm, 3 reg(in->reg)<-imm */
    uint8_t sext;     /* K_EXT: sign-extend; src width in srcw */
    uint8_t srcw;
    uint8_t dec;      /* K_INCDEC */
    uint8_t incform;  /* K_INCDEC: 1 = E operand, 0 = Zv */
    uint8_t count;    /* K_SHIFT: 1..w-1; aluop holds the group-2 number */
} Plan;

static bool handler_is_row(const Insn *in)
{
    const OpRow *r = decode_row(in);
    return r && (in->fn == r->fn16 || in->fn == r->fn32);
}

static Plan plan_insn(const Insn *in)
{
    Plan p = { 0 };
    if (in->flags & (INSN_LOCK | INSN_REP | INSN_REPNE))
        return p;
    if (!handler_is_row(in))
        return p;
    int op = in->op;
    int wv = (in->flags & INSN_OP32) ? 32 : 16;
    if (op < 0x40 && (op & 7) < 6) {
        int g = op >> 3;
        if (g == 2 || g == 3) /* ADC, SBB: need CF in */
            return p;
        p.kind = K_ALU;
        p.aluop = (uint8_t)g;
        p.w = (uint8_t)((op & 1) ? wv : 8);
        static const uint8_t forms[6] = { 0, 0, 1, 1, 3, 3 };
        p.form = forms[op & 7];
        return p;
    }
    switch (op) {
    case 0x80: case 0x81: case 0x83:
        if (in->reg == 2 || in->reg == 3)
            return p;
        p.kind = K_ALU; p.aluop = in->reg; p.w = (uint8_t)(op == 0x80 ? 8 : wv); p.form = 2;
        return p;
    case 0x84: case 0x85:
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0x84 ? 8 : wv); p.form = 0;
        return p;
    case 0xa8: case 0xa9:
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0xa8 ? 8 : wv); p.form = 3;
        return p;
    case 0xf6: case 0xf7:
        if (in->reg != 0)
            return p;
        p.kind = K_ALU; p.aluop = 8; p.w = (uint8_t)(op == 0xf6 ? 8 : wv); p.form = 2;
        return p;
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        p.kind = K_MOV; p.w = (uint8_t)((op & 1) ? wv : 8); p.form = (op & 2) ? 1 : 0;
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
    case 0xfe: case 0xff:
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
    if (p->kind == K_IMUL)
        return FL_ARITH;
    return 0;
}

/* Can the inline code leave through a stub (fault, MMIO, SMC)? */
static bool plan_may_exit(const Plan *p, const Insn *in)
{
    switch (p->kind) {
    case K_NONE: case K_PUSH: case K_POP: case K_JCC: case K_JMP: case K_CALL: case K_RET:
        return true;
    case K_LEA: case K_MOVI: case K_SHIFT:
        return false;
    default:
        return (in->flags & INSN_MEM) != 0;
    }
}

/* ---- inline code -------------------------------------------------------- */

static uint8_t alu_opc(const Plan *p)
{
    uint8_t base = p->aluop == 8 ? 0x84 : (uint8_t)(p->aluop * 8);
    return (uint8_t)(base + (p->w == 8 ? 0 : 1));
}

static void emit_alu(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    bool writes = p->aluop != 7 && p->aluop != 8;
    uint32_t take = (p->aluop == 1 || p->aluop == 4 || p->aluop == 6 || p->aluop == 8)
                        ? (FL_ARITH & ~X86_EFLAGS_AF) : FL_ARITH;
    bool mem = p->form != 3 && in->mod != 3;
    if (w == 32 && !mem) {
        /* straight on the host registers that hold the guest's */
        int dst = p->form == 3 ? R_EAX : p->form == 1 ? in->reg : in->rm;
        int hd = greg(j, dst);
        if (p->form >= 2)
            em_alu_imm_any(e, p->aluop, hd, in->imm);
        else
            em_rrx(e, 0, false, false, alu_opc(p), greg(j, p->form == 1 ? in->rm : in->reg), hd);
        emit_fuse(j);
        if (writes)
            j->rdirty |= (uint8_t)(1u << dst);
    } else if (p->form == 3) {
        ld_reg(j, w, R_EAX, HR_AX);
        em_mov32_imm(e, HR_CX, in->imm);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        emit_fuse(j);
        if (writes)
            st_reg(j, w, R_EAX, HR_AX);
    } else if (!mem) {
        int dst = p->form == 1 ? in->reg : in->rm;
        ld_reg(j, w, dst, HR_AX);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            ld_reg(j, w, p->form == 1 ? in->rm : in->reg, HR_CX);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        emit_fuse(j);
        if (writes)
            st_reg(j, w, dst, HR_AX);
    } else if (p->form == 1) {
        /* G op= [mem] */
        Stub *s = new_stub(j, in);
        emit_ea(j, in);
        emit_fast(j, s, in->seg, w / 8, false);
        ld_mem(j, w, HR_CX);
        ld_reg(j, w, in->reg, HR_AX);
        em_op_rr(e, pfx, 0, alu_opc(p), HR_CX, HR_AX);
        emit_fuse(j);
        if (writes)
            st_reg(j, w, in->reg, HR_AX);
        if (flags_live)
            emit_flags(j, take, FL_ARITH);
        stub_join(j, s);
        return;
    } else {
        /* [mem] op= G or imm, straight on the host's copy */
        Stub *s = new_stub(j, in);
        emit_ea(j, in);
        emit_fast(j, s, in->seg, w / 8, writes);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            ld_reg(j, w, in->reg, HR_CX);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, alu_opc(p));
        em_bi(e, HR_CX, HR_SI, HR_DX);
        emit_fuse(j);
        if (flags_live)
            emit_flags(j, take, FL_ARITH);
        stub_join(j, s);
        return;
    }
    if (flags_live)
        emit_flags(j, take, FL_ARITH);
}

static void emit_mov(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    if (p->kind == K_MOVI) {
        em_mov32_imm(e, HR_AX, in->imm);
        st_reg(j, w, in->reg, HR_AX);
        return;
    }
    if (in->mod == 3) {
        if (p->form == 2)
            em_mov32_imm(e, HR_AX, in->imm);
        else
            ld_reg(j, w, p->form == 1 ? in->rm : in->reg, HR_AX);
        st_reg(j, w, p->form == 1 ? in->reg : in->rm, HR_AX);
        return;
    }
    Stub *s = new_stub(j, in);
    emit_ea(j, in);
    if (p->form == 1) {
        emit_fast(j, s, in->seg, w / 8, false);
        ld_mem(j, w, HR_AX);
        st_reg(j, w, in->reg, HR_AX);
    } else {
        emit_fast(j, s, in->seg, w / 8, true);
        if (p->form == 2)
            em_mov32_imm(e, HR_CX, in->imm);
        else
            ld_reg(j, w, in->reg, HR_CX);
        st_mem(j, w, HR_CX);
    }
    stub_join(j, s);
}

static void emit_lea(Jit *j, const Insn *in, const Plan *p)
{
    emit_ea(j, in);
    st_reg(j, p->w, in->reg, HR_AX);
}

static void emit_ext(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    Stub *s = NULL;
    if (in->mod == 3) {
        ld_reg(j, p->srcw, in->rm, HR_AX);
    } else {
        s = new_stub(j, in);
        emit_ea(j, in);
        emit_fast(j, s, in->seg, p->srcw / 8, false);
        ld_mem(j, p->srcw, HR_AX);
    }
    if (p->sext) {
        em8(e, 0x0f);
        em8(e, p->srcw == 8 ? 0xbe : 0xbf);
        em8(e, 0xc0); /* movsx eax, al/ax */
    }
    st_reg(j, p->w, in->reg, HR_AX);
    if (s)
        stub_join(j, s);
}

static void emit_incdec(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    int pfx = w == 16 ? 0x66 : 0;
    uint8_t opc = w == 8 ? 0xfe : 0xff;
    Stub *s = NULL;
    if (p->incform && in->mod != 3) {
        s = new_stub(j, in);
        emit_ea(j, in);
        emit_fast(j, s, in->seg, w / 8, true);
        if (pfx)
            em8(e, (uint8_t)pfx);
        em8(e, opc);
        em_bi(e, p->dec, HR_SI, HR_DX);
        emit_fuse(j);
    } else {
        int n = p->incform ? in->rm : in->reg;
        if (w == 32) {
            em_rrx(e, 0, false, false, opc, p->dec, greg(j, n));
            emit_fuse(j);
            j->rdirty |= (uint8_t)(1u << n);
        } else {
            ld_reg(j, w, n, HR_AX);
            em_op_rr(e, pfx, 0, opc, p->dec, HR_AX);
            emit_fuse(j);
            st_reg(j, w, n, HR_AX);
        }
    }
    if (flags_live)
        emit_flags(j, FL_NOCF, FL_NOCF);
    if (s)
        stub_join(j, s);
}

static void emit_shift(Jit *j, const Insn *in, const Plan *p, bool flags_live)
{
    Emit *e = &j->e;
    int w = p->w;
    if (w == 32) {
        em_rrx(e, 0, false, false, 0xc1, p->aluop, greg(j, in->rm));
        em8(e, p->count);
        emit_fuse(j);
        j->rdirty |= (uint8_t)(1u << in->rm);
    } else {
        ld_reg(j, w, in->rm, HR_AX);
        em_op_rr(e, w == 16 ? 0x66 : 0, 0, w == 8 ? 0xc0 : 0xc1, p->aluop, HR_AX);
        em8(e, p->count);
        emit_fuse(j);
        st_reg(j, w, in->rm, HR_AX);
    }
    if (!flags_live)
        return;
    if (p->aluop <= 1) {
        /* ROL: CF = bit 0, OF = bit 31 ^ CF; ROR: CF = bit 31, OF = bit
         * 31 ^ bit 30 (cpu/shift.c); SF ZF AF PF stay */
        int hd = HREG[in->rm];
        if (p->aluop == 0) {
            em8(e, 0x0f); em8(e, 0x92); em8(e, 0xc0);          /* setc al */
            em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xf8);          /* movzx edi, al */
            em_rrx(e, 0, false, false, 0x8b, HR_CX, hd);       /* mov ecx, r */
            em_op_rr(e, 0, 0, 0xc1, 5, HR_CX);                 /* shr ecx, 31 */
            em8(e, 31);
            em_op_rr(e, 0, 0, 0x31, HR_DI, HR_CX);             /* xor ecx, edi */
        } else {
            em_rrx(e, 0, false, false, 0x8b, HR_DI, hd);       /* mov edi, r */
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
        merge_flags(j, X86_EFLAGS_CF | X86_EFLAGS_OF);
        return;
    }
    if (p->aluop == 4 && p->count > 1) {
        /* SHL: OF = SF ^ CF (the last one-bit step) */
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
        merge_flags(j, FL_ARITH);
        return;
    }
    uint32_t take = FL_ARITH & ~X86_EFLAGS_AF;
    if (p->count > 1)
        take &= ~X86_EFLAGS_OF;
    emit_flags(j, take, FL_ARITH);
}

/* IMUL r32, r/m32 (0F AF) and IMUL r32, r/m32, imm (69, 6B): CF = OF =
 * the product did not fit, SF ZF PF from the low half, AF = 0
 * (cpu/muldiv.c); the host gives CF/OF, a TEST the rest. */
static void emit_imul(Jit *j, const Insn *in, bool flags_live)
{
    Emit *e = &j->e;
    Stub *s = NULL;
    int hs;
    if (in->mod == 3) {
        hs = greg(j, in->rm);
    } else {
        s = new_stub(j, in);
        emit_ea(j, in);
        emit_fast(j, s, in->seg, 4, false);
        ld_mem(j, 32, HR_CX);
        hs = HR_CX;
    }
    int hd;
    if (in->op == 0x1af) {
        hd = greg(j, in->reg);
        em_rrx(e, 0, false, false, 0x0faf, hd, hs);            /* imul r, src */
    } else {
        hd = HREG[in->reg];
        j->rloaded |= (uint8_t)(1u << in->reg);
        em_rrx(e, 0, false, false, 0x69, hd, hs);              /* imul r, src, imm32 */
        em32(e, in->imm);
    }
    j->rdirty |= (uint8_t)(1u << in->reg);
    if (flags_live) {
        em8(e, 0x0f); em8(e, 0x90); em8(e, 0xc0);              /* seto al */
        em_rrx(e, 0, false, false, 0x85, hd, hd);              /* test r, r */
        em8(e, 0x9f);                                          /* lahf */
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xfc);              /* movzx edi, ah */
        em_alu32_imm(e, 4, HR_DI, 0xc4);                       /* SF ZF PF */
        em8(e, 0x0f); em8(e, 0xb6); em8(e, 0xc8);              /* movzx ecx, al */
        em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);                 /* CF */
        em_op_rr(e, 0, 0, 0xc1, 4, HR_CX);                     /* shl ecx, 11 */
        em8(e, 11);
        em_op_rr(e, 0, 0, 0x09, HR_CX, HR_DI);                 /* OF */
        merge_flags(j, FL_ARITH);
    }
    if (s)
        stub_join(j, s);
}

/* PUSH/POP r with a 32-bit stack (SS.B); a 16-bit stack takes the stub. */
static void emit_stack(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    int w = p->w;
    Stub *s = new_stub(j, in);
    em_op_mem(e, 0, 0, 0x80, 7, OFF(stack32)); /* cmp byte [stack32], 0 */
    em8(e, 0);
    stub_from(j, s, em_jcc32(e, HCC_E));
    ld_reg(j, 32, R_ESP, HR_AX);
    if (p->kind == K_PUSH) {
        em_alu32_imm(e, 5, HR_AX, (uint32_t)w / 8);
        emit_fast(j, s, SEG_SS, w / 8, true);
        ld_reg(j, w, in->reg, HR_CX);
        st_mem(j, w, HR_CX);
        st_reg(j, 32, R_ESP, HR_AX);
    } else {
        emit_fast(j, s, SEG_SS, w / 8, false);
        ld_mem(j, w, HR_CX);
        em_alu32_imm(e, 0, HR_AX, (uint32_t)w / 8);
        st_reg(j, 32, R_ESP, HR_AX);
        st_reg(j, w, in->reg, HR_CX);
    }
    stub_join(j, s);
}

/* Leave the block after a direct branch whose target is `delta` bytes
 * from the block's first instruction (EIP and icount are exact here).
 * A target on the same page gets a patchable jump, taken only when the
 * dispatcher would run the next block whole without looking at anything
 * first: enough instructions before the deadline for a whole block, no
 * exit request, no pending interrupt or debug event, EIP within CS. */
static void emit_chain_exit(Jit *j, int32_t delta, bool op32, uint32_t ic, bool eip_in_ecx)
{
    Emit *e = &j->e;
    X64Buf *xb = j->xb;
    int64_t off = (int64_t)(j->b->phys & PAGE_MASK) + delta;
    if (!op32 || off < 0 || off >= PAGE_SIZE || xb->nsites >= xb->cap_sites) {
        em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
        emit_indirect_exit(j);
        return;
    }
    uint8_t *unl[8];
    int nu = 0;
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);          /* add rax, ic */
    em8(e, (uint8_t)ic);
    em_op_mem(e, 0, 0x48, 0x89, HR_AX, OFF(icount)); /* mov [icount], rax */
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);          /* add rax, 64 */
    em8(e, BLOCK_MAX_INSNS);
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(deadline)); /* cmp rax, [deadline] */
    unl[nu++] = em_jcc32(e, HCC_A);
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req)); /* cmp qword [exit_req], 0: and exit_reason */
    em8(e, 0);
    unl[nu++] = em_jcc32(e, HCC_NE);
    em_op_mem(e, 0, 0, 0x80, 7, OFF(dbg_slow));
    em8(e, 0);
    unl[nu++] = em_jcc32(e, HCC_NE);
    em_op_mem(e, 0, 0, 0x80, 7, OFF(intr));
    em8(e, 0);
    unl[nu++] = em_jcc32(e, HCC_NE);
    if (eip_in_ecx) {
        /* a fall-through EIP not checked yet (a taken branch's was) */
        em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
        unl[nu++] = em_jcc32(e, HCC_A);
    }
    uint8_t *rel = em_jmp32(e);
    uint8_t *unlinked = e->p;
    for (int k = 0; k < nu; k++)
        em_patch(unl[k], unlinked);
    em_patch(rel, unlinked);
    if (e->overflow || !rel)
        return;
    X64Site *s = &xb->sites[xb->nsites++];
    s->rel = rel;
    s->unlinked = unlinked;
    s->target_phys = (j->b->phys & ~PAGE_MASK) + (uint32_t)off;
    s->cs_base = j->b->cs_base;
    s->mode = j->b->mode;
    s->linked = false;
    em_mov64_imm(e, HR_AX, (uint64_t)(uintptr_t)s);
    em_mov64_imm(e, HR_CX, (uint64_t)(uintptr_t)&xb->chain_from);
    em8(e, 0x48); em8(e, 0x89); em8(e, 0x01);      /* mov [rcx], rax */
    to_exit(j, em_jmp32(e));
}

/* The block's last instruction, a relative jump: EIP = next + imm when
 * taken, truncated to 16 bits under a 16-bit operand size. */
static void emit_branch(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    uint32_t next = j->eip_pend + in->len;
    uint32_t ic = j->ic_pend + 1;
    uint8_t *taken = NULL;
    store_flags(j); /* DL holds a fused condition: the store keeps it */
    sync_regs(j, true);
    /* A target beyond the CS limit is the handler's #GP at the branch. */
    Stub *s = new_stub(j, in);
    if (p->kind == K_JCC) {
        if (j->fused) {
            em_op_rr(e, 0, 0, 0x84, HR_DX, HR_DX); /* test dl, dl */
            taken = em_jcc32(e, HCC_NE);
        } else {
            load_host_flags(j, in->op & 0xf);
            taken = em_jcc32(e, in->op & 0xf);
        }
        em_mov32_load(e, HR_CX, OFF(eip));
        em_alu32_imm(e, 0, HR_CX, next);
        em_mov32_store(e, HR_CX, OFF(eip));
        emit_chain_exit(j, (int32_t)(j->start_delta + next), p->w == 32, ic, true);
        em_patch(taken, e->p);
    }
    em_mov32_load(e, HR_AX, OFF(eip));
    if (next + in->imm)
        em_alu32_imm(e, 0, HR_AX, next + in->imm);
    if (p->w == 16) {
        em8(e, 0x0f); em8(e, 0xb7); em8(e, 0xc0); /* movzx eax, ax */
    }
    em_op_mem(e, 0, 0, 0x3b, HR_AX, OFF_SEG(SEG_CS, limit)); /* cmp eax, [cs.limit] */
    stub_from(j, s, em_jcc32(e, HCC_A));
    em_mov32_store(e, HR_AX, OFF(eip));
    emit_chain_exit(j, (int32_t)(j->start_delta + next + in->imm), p->w == 32, ic, false);
    j->eip_pend = j->ic_pend = 0;
}

/* Near CALL rel32 and RET with a 32-bit operand and stack: the push or
 * pop through the fast path, then on to the next block (chained when on
 * the same page, else through the jump cache). Anything unusual (16-bit
 * stack, a miss, a target beyond the CS limit) runs the handler, which
 * ends the block. */
static void emit_call_ret(Jit *j, const Insn *in, const Plan *p)
{
    Emit *e = &j->e;
    uint32_t next = j->eip_pend + in->len;
    uint32_t ic = j->ic_pend + 1;
    store_flags(j);
    sync_regs(j, true);
    Stub *s = new_stub(j, in);
    em_op_mem(e, 0, 0, 0x80, 7, OFF(stack32)); /* cmp byte [stack32], 0 */
    em8(e, 0);
    stub_from(j, s, em_jcc32(e, HCC_E));
    if (p->kind == K_CALL) {
        em_mov32_load(e, HR_DI, OFF(eip));
        em_alu32_imm(e, 0, HR_DI, next);                /* edi = return address */
        em_mov32_load(e, HR_AX, OFF(eip));
        em_alu32_imm(e, 0, HR_AX, next + in->imm);       /* eax = target */
        em_op_mem(e, 0, 0, 0x3b, HR_AX, OFF_SEG(SEG_CS, limit));
        stub_from(j, s, em_jcc32(e, HCC_A));
        em8(e, 0x50);                                   /* push rax (target) */
        em_mov32_load(e, HR_AX, OFF_R(R_ESP));
        em_alu32_imm(e, 5, HR_AX, 4);
        /* the stub must see the host stack as it was: pop first on a miss */
        uint8_t *miss[4];
        int nm = 0;
        Stub tmp = *s;
        tmp.nfrom = 0;
        Jit *jj = j;
        {
            Stub *ts = &tmp;
            emit_fast_x(jj, ts, SEG_SS, 4, true, false);
            for (int k = 0; k < ts->nfrom; k++)
                miss[nm++] = ts->from[k];
        }
        em_op_rr(e, 0, 0, 0x89, HR_DI, HR_CX);          /* mov ecx, edi */
        st_mem(j, 32, HR_CX);
        em_mov32_store(e, HR_AX, OFF_R(R_ESP));
        em8(e, 0x58);                                   /* pop rax (target) */
        em_mov32_store(e, HR_AX, OFF(eip));
        uint8_t *over = em_jmp32(e);
        /* a fast-path miss: drop the pushed target, then the handler */
        for (int k = 0; k < nm; k++)
            em_patch(miss[k], e->p);
        em8(e, 0x58);                                   /* pop rax */
        stub_from(j, s, em_jmp32(e));
        em_patch(over, e->p);
        emit_chain_exit(j, (int32_t)(j->start_delta + next + in->imm), true, ic, false);
    } else {
        em_mov32_load(e, HR_AX, OFF_R(R_ESP));
        emit_fast(j, s, SEG_SS, 4, false);
        ld_mem(j, 32, HR_CX);                           /* ecx = return address */
        em_op_mem(e, 0, 0, 0x3b, HR_CX, OFF_SEG(SEG_CS, limit));
        stub_from(j, s, em_jcc32(e, HCC_A));
        em_alu32_imm(e, 0, HR_AX, 4);
        em_mov32_store(e, HR_AX, OFF_R(R_ESP));
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
    case K_SHIFT:
        return p->aluop <= 1 || (p->count > 1 && uses_of) ? -1 : cc;
    default:
        return -1;
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

bool x64_compile(X64Buf *xb, Block *b)
{
    static __thread Jit jit; /* large: keep it off the stack */
    Jit *j = &jit;
    memset(j, 0, offsetof(Jit, stubs));
    j->nstubs = 0;
    j->nexits = 0;
    j->b = b;
    j->flat_segs = (b->mode & (BLOCK_MODE_PE | BLOCK_MODE_CODE32 | BLOCK_MODE_VM)) ==
                   (BLOCK_MODE_PE | BLOCK_MODE_CODE32);
    uint8_t *start = xb->rw + xb->used;
    em_init(&j->e, start, xb->rw + xb->size);
    Emit *e = &j->e;

    int n = b->ninsn;
    Plan plans[BLOCK_MAX_INSNS];
    uint32_t live_after[BLOCK_MAX_INSNS];
    for (int i = 0; i < n; i++)
        plans[i] = plan_insn(&b->insn[i]);
    /* Flags a later reader may see, backwards from the block's end. */
    uint32_t live = FL_ARITH;
    for (int i = n - 1; i >= 0; i--) {
        live_after[i] = live;
        const Plan *p = &plans[i];
        if (plan_may_exit(p, &b->insn[i]))
            live = FL_ARITH;
        else
            live &= ~plan_writes(p);
    }

    uint32_t pos = 0; /* the instruction's offset from the block's start */
    j->xb = xb;
    /* push rbx, rbp, r12-r15 (guest registers live in the callee-saved
     * ones too); sub rsp, 8 keeps the stack 16-byte aligned for calls */
    static const uint8_t pushes[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    em_bytes(e, pushes, sizeof(pushes));
    em_op_rr(e, 0, 0x48, 0x83, 5, HR_SP);           /* sub rsp, 8 */
    em8(e, 8);
    em_op_rr(e, 0, 0x48, 0x89, HR_DI, HR_BX);      /* mov rbx, rdi */
    for (int i = 0; i < n; i++) {
        const Insn *in = &b->insn[i];
        const Plan *p = &plans[i];
        bool last = i == n - 1;
        bool fl = (live_after[i] & plan_writes(p)) != 0;
        j->fuse_cc = -1;
        if (p->kind != K_JCC)
            j->fused = false;
        if (i == n - 2 && plans[n - 1].kind == K_JCC)
            j->fuse_cc = fuse_cond(p, b->insn[n - 1].op & 0xf);
        switch (p->kind) {
        case K_SHIFT: emit_shift(j, in, p, fl); break;
        case K_IMUL: emit_imul(j, in, fl); break;
        case K_ALU: emit_alu(j, in, p, fl); break;
        case K_MOV: case K_MOVI: emit_mov(j, in, p); break;
        case K_LEA: emit_lea(j, in, p); break;
        case K_EXT: emit_ext(j, in, p); break;
        case K_INCDEC: emit_incdec(j, in, p, fl); break;
        case K_PUSH: case K_POP: emit_stack(j, in, p); break;
        case K_CALL: case K_RET:
            if (last) {
                j->start_delta = pos - j->eip_pend;
                emit_call_ret(j, in, p);
                continue;
            }
            store_flags(j);
            sync_regs(j, true);
            memset(j->seg_ok, 0, sizeof(j->seg_ok));
            emit_call(j, in, j->eip_pend, j->ic_pend, !last);
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
            store_flags(j);
            sync_regs(j, true);
            memset(j->seg_ok, 0, sizeof(j->seg_ok));
            emit_call(j, in, j->eip_pend, j->ic_pend, !last);
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
    store_flags(j);
    sync_regs(j, true);
    flush_pending(j);
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
        store_flags_of(j, s->fl_have);
        writeback_regs(j, s->rdirty);
        if (s->rest) {
            em_add32_mem_imm(e, OFF(eip), (int32_t)s->eip_pend);
            em_add64_mem_imm(e, OFF(icount), (int32_t)s->ic_pend);
            em_op_rr(e, 0, 0x48, 0x89, HR_BX, HR_DI);           /* mov rdi, rbx */
            em_mov64_imm(e, HR_SI, (uint64_t)(uintptr_t)s->in);
            em_mov64_imm(e, HR_DX, (uint64_t)(uintptr_t)(b->insn + b->ninsn));
            em_call_abs(e, (const void *)run_rest);
            to_exit(j, em_jmp32(e));
            continue;
        }
        if (!s->join) {
            /* a branch: the handler ends the block */
            emit_call(j, s->in, s->eip_pend, s->ic_pend, false);
            to_exit(j, em_jmp32(e));
            continue;
        }
        emit_call(j, s->in, s->eip_pend, s->ic_pend, true);
        em_add32_mem_imm(e, OFF(eip), -(int32_t)(s->eip_pend + s->in->len));
        em_add64_mem_imm(e, OFF(icount), -(int32_t)(s->ic_pend + 1));
        if (s->join_have)
            em_op_mem(e, 0, 0x44, 0x8b, 0, OFF(eflags)); /* mov r8d, [eflags] */
        reload_regs(j, s->rjoin);
        if (s->fuse_cc >= 0) {
            /* the fused Jcc tests DL: take it from the handler's flags */
            load_host_flags(j, s->fuse_cc);
            em8(e, 0x0f);
            em8(e, (uint8_t)(0x90 + s->fuse_cc));
            em8(e, 0xc0 | HR_DX);
        }
        uint8_t *rel = em_jmp32(e);
        em_patch(rel, s->join);
    }
    for (int i = 0; i < j->nexits; i++)
        em_patch(j->exits[i], epilogue);
    if (e->overflow)
        return false;
    b->code = x64_rx(xb, start);
    size_t len = (size_t)(e->p - start);
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
    xb->used += (len + 15) & ~(size_t)15;
    if (xb->used > xb->size)
        xb->used = xb->size;
    xb->bytes_emitted += len;
    return true;
}
