/*
 * x64_jit.h - the x86-64 backend's compile state, shared by the block
 * compiler (x64.c), the operand, register, flag and memory helpers
 * (x64_ops.c) and the inline instruction emitters (x64_insn.c). Internal
 * to translate/; docs/jit.md describes the design.
 */
#ifndef RINGSIDE_X64_JIT_H
#define RINGSIDE_X64_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/decode.h"
#include "translate/x64.h"
#include "translate/x64emit.h"

/* ---- compile state ---------------------------------------------------- */

#define OFF(f) ((int32_t)offsetof(Cpu, f))
#define OFF_R(n) (OFF(r) + 4 * (int32_t)(n))
#define OFF_SEG(s, f) ((int32_t)(offsetof(Cpu, seg) + (size_t)(s) * sizeof(SegReg) + offsetof(SegReg, f)))

/* The flat-segment test compares base and limit as one 64-bit value. */
_Static_assert(offsetof(SegReg, limit) == offsetof(SegReg, base) + 4, "SegReg: limit follows base");
/* A chained exit tests exit_req, exit_reason and chain_stop with one
 * 64-bit compare. */
_Static_assert(offsetof(Cpu, exit_reason) == offsetof(Cpu, exit_req) + 4 && sizeof(int) == 4 &&
               offsetof(Cpu, chain_stop) == offsetof(Cpu, exit_req) + 6 &&
               offsetof(Cpu, exit_pad) == offsetof(Cpu, exit_req) + 7,
               "exit_req, exit_reason and chain_stop share a 64-bit word");

/* Jit.seg_ok: the segment was checked to be flat (base 0, limit 4 GiB) */
#define SEG_OK_FLAT 0x80

#define FL_ARITH X86_EFLAGS_ARITH
#define FL_NOCF (X86_EFLAGS_ARITH & ~X86_EFLAGS_CF)

/* An out-of-line slow path: run the instruction through its handler. */
typedef struct Stub {
    uint8_t *from[10]; /* rel32s that branch here (REP MOVS's checks: 9) */
    int nfrom;
    const Insn *in;
    int fuse_cc;       /* >= 0: DL must hold this condition at the join */
    bool fuse_host;    /* the host's flags instead of DL (Jit.fuse_host) */
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
    uint32_t fl_have; /* arithmetic flags held in R8D (raw layout), newer than c->eflags */
    uint8_t rloaded, rdirty; /* guest registers held in host ones; newer than c->r[] */
    /* Set by compile_pass around emit_call_ret, whose handler-free main
     * line keeps the host registers valid (it writes ESP to both c->r[]
     * and R13): its sync drops nothing. rstale: registers whose host copy
     * is stale, which chained exits reload (the PIC-thunk fold's REG,
     * known only at run time: all). */
    bool rkeep;
    uint8_t rstale;
    uint8_t seg_ok[6]; /* SEG_ACC_* and SEG_OK_FLAT tested already (since the last handler) */
    bool flat_segs;    /* 32-bit protected-mode code: DS, ES and SS expected flat */
    bool fused;     /* DL holds that condition, set right after the host op */
    bool fuse_host; /* no DL: the host's flags hold it up to the Jcc (compile_pass) */
    const Block *b;
    uint32_t eip_pend, ic_pend;
    Stub stubs[BLOCK_MAX_INSNS * 2]; /* per instruction: its stub and an access-bits one */
    int nstubs;
    uint8_t *exits[BLOCK_MAX_INSNS * 4 + 32]; /* rel32s to the epilogue */
    int nexits;
    bool last;
    /* A block whose branch jumps back to its own start (a self-loop) is
     * compiled twice: the first pass notes which guest registers are
     * dirty and which flags R8D holds at that branch; the second starts
     * the loop (self_head_f, self_head) with those registers dirty and
     * jumps back there with everything still in host registers. */
    uint8_t self_pass;   /* 0 off, 1 noting, 2 emitting the loop */
    bool self_seen;      /* pass 1: the block branches to its start */
    uint8_t self_regs;   /* guest registers dirty at the branch (and at the head) */
    uint32_t self_have;  /* flags R8D holds at the branch (and at the head) */
    uint8_t self_seg[6]; /* seg_ok at the branch: tested once, before the head */
    uint8_t *self_head_f, *self_head; /* reload R8D, then the loop's first instruction */
} Jit;

enum {
    K_NONE, K_ALU, K_MOV, K_MOVI, K_LEA, K_EXT, K_INCDEC, K_PUSH, K_POP, K_JCC, K_JMP, K_SHIFT,
    K_CALL, K_RET, K_IMUL, K_SHCL, K_CMOV, K_SETCC, K_UNARY, K_CONV, K_XCHG, K_MUL,
    K_CALLI, K_JMPI, /* CALL and JMP r/m32 */
    K_PUSHOP, K_POPOP, K_LEAVE, K_BT, K_XADD, K_CMPXCHG, K_STR, K_PUSHF, K_DIV,
    K_SHXD, K_CMPXCHG8B,
};

typedef struct Plan {
    uint8_t kind;
    uint8_t w;        /* operand width 8/16/32 */
    uint8_t aluop;    /* K_ALU: group-1 number (0 add 1 or 2 adc 3 sbb 4 and 5 sub 6 xor 7 cmp), 8 test;
                       * K_SHIFT/K_SHCL: group-2 number; K_UNARY: 2 NOT, 3 NEG;
                       * K_SHXD: 0 SHLD, 1 SHRD */
    uint8_t form;     /* K_ALU/K_MOV: 0 E<-G, 1 G<-E, 2 E<-imm, 3 reg(in->reg)<-imm */
    uint8_t sext;     /* K_EXT: sign-extend; src width in srcw */
    uint8_t srcw;
    uint8_t dec;      /* K_INCDEC */
    uint8_t incform;  /* K_INCDEC: 1 = E operand, 0 = Zv */
    uint8_t count;    /* K_SHIFT: 1..w-1; aluop holds the group-2 number;
                       * K_SHXD: 1..31, or 0 for CL */
} Plan;

/* Host register of each guest register within a block (x64_ops.c). */
extern const uint8_t xj_hreg[8];

/* x64_ops.c: exits, handler calls and stubs */
void xj_to_exit(Jit *j, uint8_t *rel);
void xj_flush_pending(Jit *j);
void xj_emit_call(Jit *j, const Insn *in, uint32_t eip_pend, uint32_t ic_pend, bool check_exit);
Stub *xj_new_stub(Jit *j, const Insn *in);
void xj_stub_join(Jit *j, Stub *s);
void xj_stub_from(Jit *j, Stub *s, uint8_t *rel);
void xj_emit_fuse(Jit *j);

/* x64_ops.c: guest registers in host registers */
void xj_em_rrx(Emit *e, int pfx, bool rexw, bool byte8, int opc, int reg, int rm);
int xj_greg(Jit *j, int n);
void xj_writeback_regs(Jit *j, uint8_t dirty);
void xj_sync_regs(Jit *j, bool drop);
void xj_reload_regs(Jit *j, uint8_t loaded);
void xj_chain_regs(Jit *j);
void xj_em_alu_imm_any(Emit *e, int op, int r, uint32_t v);
void xj_ld_reg(Jit *j, int w, int n, int hr);
void xj_st_reg(Jit *j, int w, int n, int hr);

/* x64_ops.c: effective addresses and the memory fast path */
void xj_emit_ea(Jit *j, const Insn *in);
void xj_emit_fast_x(Jit *j, Stub *s, int seg, int size, bool write, bool once);
void xj_emit_fast(Jit *j, Stub *s, int seg, int size, bool write);
void xj_ld_mem(Jit *j, int w, int hr);
void xj_need_stack32(Jit *j, Stub *s);
void xj_st_mem(Jit *j, int w, int hr);

/* x64_ops.c: flags */
uint32_t xj_fl_raw(uint32_t m);
void xj_merge_flags(Jit *j, uint32_t mask);
void xj_flags_to(Emit *e, uint32_t have, int hr);
void xj_store_flags_via(Emit *e, uint32_t have, int hr);
void xj_load_raw_flags(Emit *e, uint32_t mask, int hr);
void xj_emit_flags(Jit *j, uint32_t take, uint32_t mask);
bool xj_emit_keep_cf(Jit *j);
bool xj_lahf(void);
void xj_store_flags_of(Jit *j, uint32_t have);
void xj_store_flags(Jit *j);
void xj_load_host_flags(Jit *j, int cc);

/* x64_insn.c: the inline instructions */
void xj_emit_alu(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_mov(Jit *j, const Insn *in, const Plan *p);
void xj_emit_lea(Jit *j, const Insn *in, const Plan *p);
void xj_emit_ext(Jit *j, const Insn *in, const Plan *p);
void xj_emit_incdec(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_shift(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_imul(Jit *j, const Insn *in, bool flags_live);
void xj_emit_stack(Jit *j, const Insn *in, const Plan *p);
void xj_emit_shift_cl(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_cf_in(Jit *j);
void xj_flags_all_in_r8(Jit *j);
void xj_emit_cmov(Jit *j, const Insn *in, const Plan *p);
void xj_emit_setcc(Jit *j, const Insn *in);
void xj_emit_unary(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_conv(Jit *j, const Insn *in, const Plan *p);
void xj_emit_xchg(Jit *j, const Insn *in, const Plan *p);
void xj_emit_mul(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_div(Jit *j, const Insn *in, const Plan *p);

/* x64_more.c: stack, bit test, XADD, CMPXCHG, SHLD/SHRD, CMPXCHG8B */
void xj_emit_push_op(Jit *j, const Insn *in, const Plan *p);
void xj_emit_pop_op(Jit *j, const Insn *in, const Plan *p);
void xj_emit_leave(Jit *j, const Insn *in, const Plan *p);
void xj_emit_bt(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_xadd(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_cmpxchg(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_string(Jit *j, const Insn *in, const Plan *p);
void xj_emit_pushf(Jit *j, const Insn *in, const Plan *p);
void xj_emit_shxd(Jit *j, const Insn *in, const Plan *p, bool flags_live);
void xj_emit_cmpxchg8b(Jit *j, const Insn *in, bool flags_live);

/* x64_thunk.c: a CALL to an i386 PIC thunk done at once (tn: room for 12) */
int xj_emit_thunk_fold(Jit *j, const Insn *in, uint32_t next, uint32_t ic, Stub *s, uint8_t **tn);

#endif
