/*
 * interrupt.c - delivering interrupts and exceptions, and escalating a
 * fault during delivery to #DF and then to a triple fault (shutdown).
 *
 * Real mode goes through the IVT (SDM vol. 3, 20.1.4). Protected mode goes
 * through 16- and 32-bit interrupt and trap gates (SDM vol. 3, 6.12), to
 * the same privilege or, with the stack switch from the TSS, to a more
 * privileged one, also from virtual-8086 mode; and through task gates to a
 * task switch (task.c). EXT (bit 0 of an error code) is set for events
 * not caused by INT n, INT3 or INTO.
 */
#include "cpu/access.h"
#include "cpu/segment.h"
#include "cpu/task.h"

static void interrupt_real(Cpu *c, int vector)
{
    uint32_t ent = (uint32_t)vector * 4;
    if (ent + 3 > c->idtr.limit)
        cpu_raise(c, X86_TRAP_GP, 0);
    uint16_t ip = cpu_lin_rd16(c, c->idtr.base + ent);
    uint16_t cs = cpu_lin_rd16(c, c->idtr.base + ent + 2);
    /* push FLAGS, CS, IP; check the stack for all three first */
    uint32_t sp = stack_ptr(c);
    for (uint32_t slot = 2; slot <= 6; slot += 2) /* each slot: SP may wrap */
        cpu_check_write(c, SEG_SS, stack_addr(c, sp - slot), 2);
    cpu_push16(c, (uint16_t)c->eflags);
    cpu_push16(c, c->seg[SEG_CS].sel);
    cpu_push16(c, (uint16_t)c->eip);
    c->eflags &= ~(X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_AC | X86_EFLAGS_RF);
    cpu_load_cs(c, cs, ip);
}

/* Push one value of the gate's width on the (already switched) stack. */
static void push_gate(Cpu *c, bool gate32, uint32_t v)
{
    if (gate32)
        cpu_push32(c, v);
    else
        cpu_push16(c, (uint16_t)v);
}

static void interrupt_protected(Cpu *c, int vector, int soft, bool has_err, uint32_t err)
{
    uint32_t ent = (uint32_t)vector * 8;
    uint32_t ext = soft ? 0 : 1;
    uint32_t gate_err = ent | 2 | ext;
    bool vm = (c->eflags & X86_EFLAGS_VM) != 0;
    if (ent + 7 > c->idtr.limit)
        cpu_raise(c, X86_TRAP_GP, gate_err);
    uint32_t lo = cpu_lin_rd32(c, c->idtr.base + ent);
    uint32_t hi = cpu_lin_rd32(c, c->idtr.base + ent + 4);
    int type = (hi >> 8) & 0x1f;
    int gdpl = (hi >> 13) & 3;
    if (type != 0x05 && type != 0x06 && type != 0x07 && type != 0x0e && type != 0x0f)
        cpu_raise(c, X86_TRAP_GP, gate_err);
    /* Only INT n, INT3 and INTO check the gate's DPL (SDM vol. 3, 6.12.1.1). */
    if (soft && gdpl < c->cpl)
        cpu_raise(c, X86_TRAP_GP, gate_err);
    if (!(hi & 0x8000))
        cpu_raise(c, X86_TRAP_NP, gate_err);
    if (type == 0x05) {
        task_gate_interrupt(c, (uint16_t)(lo >> 16), ext, has_err, err);
        return;
    }
    uint16_t sel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xffff) | (hi & 0xffff0000u);
    bool gate32 = (type & 0x08) != 0;
    if (!gate32)
        off &= 0xffff;
    uint32_t cs_err = (sel & 0xfffcu) | ext;
    if ((sel & ~3u) == 0)
        cpu_raise(c, X86_TRAP_GP, ext);
    Descriptor d;
    if (!seg_fetch_desc(c, sel, &d))
        cpu_raise(c, X86_TRAP_GP, cs_err);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3;
    bool conforming = (attr & 0x04) != 0;
    if (!(attr & SEG_ATTR_S) || !(attr & 0x08) || dpl > c->cpl)
        cpu_raise(c, X86_TRAP_GP, cs_err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, cs_err);
    bool inner = !conforming && dpl < c->cpl;
    /* From virtual-8086 mode the handler must be a ring-0, non-conforming
     * code segment (SDM INT, "INTERRUPT-FROM-VIRTUAL-8086-MODE"). */
    if (vm && !(inner && dpl == 0))
        cpu_raise(c, X86_TRAP_GP, cs_err);

    uint32_t w = gate32 ? 4u : 2u;
    uint32_t n = (has_err ? 4u : 3u) * w;
    uint16_t new_ss = 0;
    uint32_t new_esp = 0;
    Descriptor sd = { 0, 0 };
    if (inner) {
        seg_tss_stack(c, dpl, ext, &new_ss, &new_esp);
        sd = seg_check_inner_ss(c, new_ss, dpl, ext);
        n += 2 * w + (vm ? 4 * w : 0); /* SS, ESP; and GS, FS, DS, ES */
        uint16_t sattr = desc_attr(sd);
        if (!(sattr & SEG_ATTR_DB))
            new_esp &= 0xffff;
        if (!seg_stack_fits(sattr, desc_limit(sd), new_esp, n))
            cpu_raise(c, X86_TRAP_SS, (new_ss & 0xfffcu) | ext);
    } else {
        for (uint32_t slot = w; slot <= n; slot += w)
            cpu_check_write(c, SEG_SS, stack_addr(c, stack_ptr(c) - slot), w);
    }
    if (off > desc_limit(d))
        cpu_raise(c, X86_TRAP_GP, ext);

    /* Commit. */
    uint32_t flags = c->eflags;
    uint16_t old_cs = c->seg[SEG_CS].sel, old_ss = c->seg[SEG_SS].sel;
    uint32_t old_esp = c->r[R_ESP];
    seg_set_accessed(c, sel, &d);
    if (inner) {
        seg_set_accessed(c, new_ss, &sd);
        c->eflags &= ~X86_EFLAGS_VM; /* segment loads below are protected */
        seg_load_cache(c, SEG_SS, new_ss, sd);
        c->r[R_ESP] = new_esp;
        /* CS first, so CPL is the handler's: the pushes onto the inner
         * stack are supervisor accesses under paging (SDM vol. 3, 4.6). */
        seg_load_cache(c, SEG_CS, (uint16_t)((sel & ~3u) | (unsigned)dpl), d);
        cpu_update_mode(c);
        if (vm) {
            push_gate(c, gate32, c->seg[SEG_GS].sel);
            push_gate(c, gate32, c->seg[SEG_FS].sel);
            push_gate(c, gate32, c->seg[SEG_DS].sel);
            push_gate(c, gate32, c->seg[SEG_ES].sel);
            static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
            for (int i = 0; i < 4; i++) {
                c->seg[data[i]] = (SegReg){ 0 };
                seg_update_access(c, data[i]);
            }
        }
        push_gate(c, gate32, old_ss);
        push_gate(c, gate32, old_esp);
    }
    push_gate(c, gate32, flags);
    push_gate(c, gate32, old_cs);
    push_gate(c, gate32, c->eip);
    if (has_err)
        push_gate(c, gate32, err);
    int cpl = inner ? dpl : c->cpl;
    seg_load_cache(c, SEG_CS, (uint16_t)((sel & ~3u) | (unsigned)cpl), d);
    c->eip = off;
    c->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM);
    if (!(type & 1))
        c->eflags &= ~X86_EFLAGS_IF;
    for (int s = 0; s < SEG_COUNT; s++)
        seg_update_access(c, s); /* VM may have changed */
    cpu_update_mode(c);
}

void cpu_interrupt(Cpu *c, int vector, int soft, bool has_err, uint32_t err)
{
    if (c->trace.interrupt)
        c->trace.interrupt(c->trace.opaque, c, vector, soft, has_err, err);
    if (c->cr0 & X86_CR0_PE)
        interrupt_protected(c, vector, soft, has_err, err);
    else
        interrupt_real(c, vector);
    if (c->trace.delivered)
        c->trace.delivered(c->trace.opaque, c);
    c->halted = false;
    c->exit_req = 1;
}

/* Exception classes for the double-fault rules (SDM vol. 3, table 6-5). */
static bool contributory(int v)
{
    return v == X86_TRAP_DE || (v >= X86_TRAP_TS && v <= X86_TRAP_GP);
}

void cpu_deliver_exception(Cpu *c)
{
    int v = c->exc_vector;
    bool has_err = c->exc_has_error;
    uint32_t err = c->exc_error;
    if (c->fault_depth > 0) {
        int prev = c->exc_prev;
        if (prev == X86_TRAP_DF) {
            c->exit_reason = EXIT_SHUTDOWN;
            c->exit_req = 1;
            c->fault_depth = 0;
            return;
        }
        if ((contributory(prev) && contributory(v)) ||
            (prev == X86_TRAP_PF && (contributory(v) || v == X86_TRAP_PF))) {
            v = X86_TRAP_DF;
            has_err = true;
            err = 0;
        }
    }
    /* In real mode no exception pushes an error code. */
    if (!(c->cr0 & X86_CR0_PE))
        has_err = false;
    c->fault_depth++;
    c->exc_prev = v;
    cpu_interrupt(c, v, 0, has_err, err);
    c->fault_depth = 0;
}
