/*
 * exec.c - the dispatcher and the portable threaded backend.
 *
 * The dispatcher takes interrupts between blocks, finds the block for
 * CS:EIP and runs it. A block runs at most up to c->deadline, so that an
 * interrupt or a clock event lands at an exact instruction count whatever
 * the block shapes (DESIGN.md invariant 4). Faults leave handlers through
 * cpu_raise's longjmp to the one setjmp here, which delivers the exception
 * and carries on.
 *
 * Debugging (SDM vol. 3, chapter 17) and NMI cost the normal path one test
 * per block, of Cpu.dbg_slow: while EFLAGS.TF or RF is set or debug.c arms
 * something, the dispatcher steps one instruction at a time through
 * step_debug, which checks instruction breakpoints before the instruction
 * and delivers single-step and data-breakpoint traps after it. Every way
 * TF or RF can become set (POPF, IRET, task switch) ends the block.
 */
#include "cpu/decode.h"
#include "translate/translate.h"
#include "translate/x64.h"

Block *tc_find(TCache *tc, Cpu *c);

/* The plain loop: nothing but the handlers. */
static void run_block(Cpu *c, const Block *b, uint32_t n)
{
    const Insn *in = b->insn, *end = b->insn + n;
    for (; in < end; in++) {
        c->insn_eip = c->eip;
        c->eip += in->len;
        in->fn(c, in);
        c->icount++;
        if (unlikely(c->exit_req))
            break;
    }
}

/* The same loop for the lockstep runner (a second caller here would stop
 * run_block being inlined in the hot loop). */
void tc_run_threaded(Cpu *c, const Block *b, uint32_t n)
{
    const Insn *in = b->insn, *end = b->insn + n;
    for (; in < end; in++) {
        c->insn_eip = c->eip;
        c->eip += in->len;
        in->fn(c, in);
        c->icount++;
        if (unlikely(c->exit_req))
            break;
    }
}

/* The instrumented loop, for coverage. */
static void run_block_cov(Cpu *c, const Block *b, uint32_t n, uint8_t *cov)
{
    const Insn *in = b->insn, *end = b->insn + n;
    for (; in < end; in++) {
        bool grp = decode_table_row(in->op, -1)->flags & F_GRP;
        cov[in->op * 9 + (grp ? in->sub : 8)] = 1;
        c->insn_eip = c->eip;
        c->eip += in->len;
        in->fn(c, in);
        c->icount++;
        if (unlikely(c->exit_req))
            break;
    }
}

/* Deliver the pending #DB trap: EIP is the next instruction's. */
static __attribute__((noinline, cold)) void deliver_db_trap(Cpu *c)
{
    c->dr[6] |= c->dbg_pending;
    c->dr[7] &= ~X86_DR7_GD;
    c->dbg_pending = 0;
    c->dbg_hold = false;
    debug_update(c);
    c->insn_eip = c->eip;
    c->exc_vector = X86_TRAP_DB;
    c->exc_error = 0;
    c->exc_has_error = false;
    cpu_deliver_exception(c);
}

/* INT n, INT3, INTO and INT1 clear TF on the way to their handler, and no
 * single-step trap follows them (SDM 17.3.1.4); INTO not taken is an
 * ordinary instruction, told apart by the TF it leaves set. */
static bool soft_int(const Insn *in)
{
    return in->op == 0xcc || in->op == 0xcd || in->op == 0xce || in->op == 0xf1;
}

/* MOV SS and POP SS hold debug traps, like interrupts, until after the
 * next instruction (SDM 6.8.3). */
static bool loads_ss(const Insn *in)
{
    return in->op == 0x17 || (in->op == 0x8e && in->reg == SEG_SS);
}

/* One instruction under the debug machinery. Out of line and cold, so
 * that the common loop keeps its shape. */
static __attribute__((noinline, cold)) void step_debug(Cpu *c, TCache *tc)
{
    bool hold = c->dbg_hold;
    c->dbg_hold = false;
    /* An instruction breakpoint is a fault before the instruction, unless
     * RF is set (SDM 17.3.1.1); its handler sees RF = 0 in the image. */
    if ((c->dbg_slow & DBG_SLOW_DR7) && !(c->eflags & X86_EFLAGS_RF) && !hold) {
        uint32_t hit = debug_match_exec(c, c->seg[SEG_CS].base + c->eip);
        if (hit) {
            c->dr[6] |= hit;
            c->dr[7] &= ~X86_DR7_GD;
            c->insn_eip = c->eip;
            c->dbg_insn_bp = true;
            cpu_raise(c, X86_TRAP_DB, 0);
        }
    }
    Block *b = tc_find(tc, c);
    const Insn *in = &b->insn[0];
    bool tf = (c->eflags & X86_EFLAGS_TF) != 0;
    /* RF clears at the start of each instruction, after the breakpoint
     * check; an IRET may load it again. */
    c->eflags &= ~X86_EFLAGS_RF;
    c->cur_block = b;
    if (tc->trace.executing)
        tc->trace.executing(tc->trace.opaque, c, b);
    if (tc->coverage) {
        run_block_cov(c, b, 1, tc->coverage);
    } else {
        /* not run_block: a second caller would stop it being inlined in
         * the hot loop */
        c->insn_eip = c->eip;
        c->eip += in->len;
        in->fn(c, in);
        c->icount++;
    }
    /* The instruction completed (a fault would have left by longjmp). */
    if (tf && (!soft_int(in) || (c->eflags & X86_EFLAGS_TF)))
        debug_trap(c, X86_DR6_BS);
    if (c->dbg_pending) {
        if (loads_ss(in))
            c->dbg_hold = true;
        else
            deliver_db_trap(c);
    }
}

/* An external interrupt, if one is deliverable now. */
static inline bool take_intr(Cpu *c, bool shadow)
{
    if (!shadow && c->intr && (c->eflags & X86_EFLAGS_IF) && c->irq_ack) {
        int vector = c->irq_ack(c->irq_opaque);
        c->insn_eip = c->eip;
        c->halted = false;
        cpu_interrupt(c, vector, 0, false, 0);
        return true;
    }
    return false;
}

enum { RARE_NONE = -1, RARE_NEXT = -2 };

/*
 * The dispatcher's slow step, for the events that are rare, in priority
 * order (SDM vol. 3, 6.9): a pending #DB trap, NMI, INTR, then one
 * instruction under the debug machinery. Returns RARE_NEXT when it did
 * something (the loop starts over), RARE_NONE when the block should run as
 * usual, or an exit reason.
 */
static __attribute__((noinline, cold)) int exec_rare(Cpu *c, TCache *tc, bool shadow)
{
    /* A #DB trap left pending by interrupt delivery or a task switch. */
    if ((c->dbg_slow & DBG_SLOW_PENDING) && !c->dbg_hold) {
        deliver_db_trap(c);
        return RARE_NEXT;
    }
    /* NMI: IF does not mask it; it stays blocked until the handler's IRET
     * (SDM 6.7.1). */
    if (c->nmi_pending && !shadow && !c->nmi_blocked) {
        c->nmi_pending = false;
        c->nmi_blocked = true;
        debug_update(c);
        c->insn_eip = c->eip;
        c->halted = false;
        cpu_interrupt(c, X86_TRAP_NMI, 0, false, 0);
        return RARE_NEXT;
    }
    if (take_intr(c, shadow))
        return RARE_NEXT;
    if (c->halted)
        return EXIT_HALT;
    if ((c->eflags & (X86_EFLAGS_TF | X86_EFLAGS_RF)) | (c->dbg_slow & (DBG_SLOW_DR7 | DBG_SLOW_PENDING))) {
        step_debug(c, tc);
        return RARE_NEXT;
    }
    debug_update(c); /* a stale DBG_SLOW_EFLAGS: TF and RF are clear now */
    return RARE_NONE;
}

static int exec_loop(Cpu *c, TCache *tc)
{
    for (;;) {
        if (c->exit_reason) {
            int r = c->exit_reason;
            c->exit_reason = EXIT_NONE;
            return r;
        }
        if (c->icount >= c->deadline)
            return EXIT_NONE;
        c->exit_req = 0;
        bool shadow = c->irq_shadow;
        c->irq_shadow = false;
        /* The one test for rare events: single-step, RF, breakpoints,
         * pending #DB traps and NMI. */
        if (unlikely(c->dbg_slow)) {
            int r = exec_rare(c, tc, shadow);
            if (r == RARE_NEXT)
                continue;
            if (r != RARE_NONE)
                return r;
        }
        if (take_intr(c, shadow))
            continue;
        if (c->halted)
            return EXIT_HALT;
        Block *b = tc_find(tc, c);
        uint64_t left = c->deadline - c->icount;
        uint32_t n = b->ninsn;
        if (shadow || tc->max_insns == 1)
            n = 1;
        if (left < n)
            n = (uint32_t)left;
        c->cur_block = b;
        if (tc->trace.executing)
            tc->trace.executing(tc->trace.opaque, c, b);
        if (tc->coverage)
            run_block_cov(c, b, n, tc->coverage);
        else if (unlikely(tc->lockstep != NULL))
            lockstep_block(tc->lockstep, c, b, n);
        /* Host code runs whole blocks only; a block the deadline cuts
         * short, or one asked to stop already, runs threaded. */
        else if (tc->backend == BACKEND_X64 && b->code && n == b->ninsn && !c->exit_req) {
            uint32_t lin = c->seg[SEG_CS].base + c->eip;
            x64_link(tc->xbuf, b, c->eip, lin, c->mem,
                     tc->xbuf->chain_from && tc_found_global(tc, b, lin)); /* chain the exit that led here */
            /* what a chained exit would otherwise test one by one; a
             * change while the code runs sets exit_req */
            c->chain_stop = c->dbg_slow | c->intr | !tc->xbuf->chaining;
            c->chain_limit = c->deadline >= BLOCK_MAX_INSNS ? c->deadline - BLOCK_MAX_INSNS : 0;
            ((X64Code)b->code)(c);
            X64Buf *xb = tc->xbuf;
            xb->returns[c->exit_req || c->exit_reason ? X64_RET_REQ
                        : c->icount > c->chain_limit ? X64_RET_DEADLINE
                        : xb->chain_from ? X64_RET_SITE : X64_RET_OTHER]++;
        }
        else
            run_block(c, b, n);
    }
}

int cpu_exec(Cpu *c)
{
    TCache *tc = c->tcache;
    jmp_buf jb;
    jmp_buf *saved = c->fault_jmp;
    c->fault_jmp = &jb;
    if (setjmp(jb)) {
        /* A handler faulted: registers and EIP are as at the start of the
         * faulting instruction. Delivery may fault again and come back
         * here with fault_depth raised. A fault pushes RF = 1 so that the
         * handler's IRET does not stop at an instruction breakpoint again,
         * except an instruction breakpoint's own #DB (SDM 17.3.1.1). */
        if (c->exc_vector != X86_TRAP_DF && !c->dbg_insn_bp) {
            c->eflags |= X86_EFLAGS_RF;
            c->dbg_slow |= DBG_SLOW_EFLAGS;
        }
        c->dbg_insn_bp = false;
        cpu_deliver_exception(c);
    }
    int r = exec_loop(c, tc);
    c->fault_jmp = saved;
    return r;
}
