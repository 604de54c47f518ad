/*
 * interrupt.c - delivering interrupts and exceptions, and escalating a
 * fault during delivery to #DF and then to a triple fault (shutdown).
 *
 * Real mode goes through the IVT (SDM vol. 3, 20.1.4). Protected mode goes
 * through 16- and 32-bit interrupt and trap gates to a code segment of the
 * same privilege. XXX: task gates, inter-privilege gates and virtual-8086
 * mode come with the system-architecture issue; they raise #GP for now.
 */
#include "cpu/access.h"
#include "cpu/segment.h"

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

static void interrupt_protected(Cpu *c, int vector, int soft, bool has_err, uint32_t err)
{
    uint32_t ent = (uint32_t)vector * 8;
    uint32_t ext = soft ? 0 : 1;
    uint32_t gate_err = ent | 2 | ext;
    if (ent + 7 > c->idtr.limit)
        cpu_raise(c, X86_TRAP_GP, gate_err);
    uint32_t lo = cpu_lin_rd32(c, c->idtr.base + ent);
    uint32_t hi = cpu_lin_rd32(c, c->idtr.base + ent + 4);
    int type = (hi >> 8) & 0x1f;
    int gdpl = (hi >> 13) & 3;
    if (type != 0x06 && type != 0x07 && type != 0x0e && type != 0x0f)
        cpu_raise(c, X86_TRAP_GP, gate_err); /* XXX: task gates */
    if (soft && gdpl < c->cpl)
        cpu_raise(c, X86_TRAP_GP, gate_err);
    if (!(hi & 0x8000))
        cpu_raise(c, X86_TRAP_NP, gate_err);
    uint16_t sel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xffff) | (hi & 0xffff0000u);
    bool gate32 = (type & 0x08) != 0;
    if (!gate32)
        off &= 0xffff;
    if ((sel & ~3u) == 0)
        cpu_raise(c, X86_TRAP_GP, ext);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3;
    if (!(attr & SEG_ATTR_S) || !(attr & 0x08) || dpl > c->cpl)
        cpu_raise(c, X86_TRAP_GP, (sel & 0xfffc) | ext);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, (sel & 0xfffc) | ext);
    if (dpl < c->cpl && !(attr & 0x04))
        cpu_raise(c, X86_TRAP_GP, (sel & 0xfffc) | ext); /* XXX: stack switch */
    if (off > desc_limit(d))
        cpu_raise(c, X86_TRAP_GP, ext);

    uint32_t w = gate32 ? 4u : 2u, n = (has_err ? 4u : 3u) * w;
    for (uint32_t slot = w; slot <= n; slot += w)
        cpu_check_write(c, SEG_SS, stack_addr(c, stack_ptr(c) - slot), w);
    uint32_t flags = c->eflags;
    if (gate32) {
        cpu_push32(c, flags);
        cpu_push32(c, c->seg[SEG_CS].sel);
        cpu_push32(c, c->eip);
        if (has_err)
            cpu_push32(c, err);
    } else {
        cpu_push16(c, (uint16_t)flags);
        cpu_push16(c, c->seg[SEG_CS].sel);
        cpu_push16(c, (uint16_t)c->eip);
        if (has_err)
            cpu_push16(c, (uint16_t)err);
    }
    seg_set_accessed(c, sel, &d);
    uint8_t cpl = c->cpl;
    c->seg[SEG_CS] = (SegReg){ .sel = (uint16_t)((sel & ~3u) | cpl), .attr = attr,
                               .base = desc_base(d), .limit = desc_limit(d) };
    seg_update_access(c, SEG_CS);
    c->eip = off;
    c->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM);
    if (!(type & 1))
        c->eflags &= ~X86_EFLAGS_IF;
    cpu_update_mode(c);
}

void cpu_interrupt(Cpu *c, int vector, int soft, bool has_err, uint32_t err)
{
    if (c->trace_exc)
        c->trace_exc(c, vector, err, has_err);
    if (c->cr0 & X86_CR0_PE)
        interrupt_protected(c, vector, soft, has_err, err);
    else
        interrupt_real(c, vector);
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
