/*
 * exec.c - the dispatcher and the portable threaded backend.
 *
 * The dispatcher takes interrupts between blocks, finds the block for
 * CS:EIP and runs it. A block runs at most up to c->deadline, so that an
 * interrupt or a clock event lands at an exact instruction count whatever
 * the block shapes (DESIGN.md invariant 4). Faults leave handlers through
 * cpu_raise's longjmp to the one setjmp here, which delivers the exception
 * and carries on.
 */
#include "cpu/decode.h"
#include "translate/translate.h"

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
        if (!shadow && c->intr && (c->eflags & X86_EFLAGS_IF) && c->irq_ack) {
            int vector = c->irq_ack(c->irq_opaque);
            c->insn_eip = c->eip;
            c->halted = false;
            cpu_interrupt(c, vector, 0, false, 0);
            continue;
        }
        if (c->halted)
            return EXIT_HALT;
        Block *b = tc_find(tc, c);
        uint64_t left = c->deadline - c->icount;
        uint32_t n = b->ninsn;
        if (shadow || tc->max_insns == 1)
            n = 1;
        if (left < n)
            n = (uint32_t)left;
        b->exec_count++;
        if (tc->trace.executing)
            tc->trace.executing(tc->trace.opaque, c, b);
        if (tc->coverage)
            run_block_cov(c, b, n, tc->coverage);
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
         * here with fault_depth raised. */
        cpu_deliver_exception(c);
    }
    int r = exec_loop(c, tc);
    c->fault_jmp = saved;
    return r;
}
