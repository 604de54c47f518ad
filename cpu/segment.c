/*
 * segment.c - loading segment registers in real and protected mode.
 *
 * Real mode loads only the selector and base (selector << 4); the limit and
 * attributes stay as the hidden cache holds them, which is what makes
 * "unreal mode" work. Protected mode loads the whole descriptor with the
 * checks of SDM vol. 3, 5.5-5.8 for same-privilege transfers. Call gates
 * and task switches (control.c, task.c) and inter-privilege interrupts
 * (interrupt.c) use the helpers here: the TSS stack for an inner level and
 * the checks of its SS.
 */
#include "cpu/segment.h"

#include "cpu/access.h"

static uint8_t seg_access(const Cpu *c, const SegReg *r)
{
    if (!(c->cr0 & X86_CR0_PE) || (c->eflags & X86_EFLAGS_VM)) {
        /* data breakpoints or #AC armed (debug.c): every access checked */
        return c->mem_checks ? 0 : SEG_ACC_RD | SEG_ACC_WR;
    }
    if (!(r->attr & SEG_ATTR_P) || !(r->attr & SEG_ATTR_S) || c->mem_checks)
        return 0;
    uint16_t type = r->attr & SEG_ATTR_TYPE;
    if (type & 0x08) /* code */
        return (type & 0x02) ? SEG_ACC_RD : 0;
    if (!(type & 0x04)) /* expand-up data */
        return SEG_ACC_RD | ((type & 0x02) ? SEG_ACC_WR : 0);
    return 0;
}

void seg_update_access(Cpu *c, int s)
{
    c->seg[s].acc = seg_access(c, &c->seg[s]);
    seg_update_flat(c);
}

/* The x64 backend's blocks made while Cpu.flat holds skip the segment
 * checks of DS, ES and SS, the CS limit and the 32-bit stack test (SS.B
 * is part of it: BLOCK_MODE_FLAT); chained
 * exits reach only blocks of the same mode, so a change must end the
 * running block right after the instruction that made it (a handler's:
 * the inline code changes no segment). */
void seg_update_flat(Cpu *c)
{
    static const int segs[] = { SEG_DS, SEG_ES, SEG_SS, SEG_CS };
    bool flat = true;
    for (int i = 0; i < 4; i++) {
        const SegReg *r = &c->seg[segs[i]];
        if (r->base != 0 || r->limit != 0xffffffffu ||
            (segs[i] != SEG_CS && (r->acc & (SEG_ACC_RD | SEG_ACC_WR)) != (SEG_ACC_RD | SEG_ACC_WR)) ||
            (segs[i] == SEG_SS && !(r->attr & SEG_ATTR_DB)))
            flat = false;
    }
    if (flat != c->flat) {
        c->flat = flat;
        c->exit_req = 1;
    }
}

bool seg_fetch_desc(Cpu *c, uint16_t sel, Descriptor *d)
{
    uint32_t base, limit;
    if (sel & 4) {
        base = c->ldtr.base;
        limit = c->ldtr.limit;
        if ((c->ldtr.sel & ~3u) == 0)
            return false;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    uint32_t off = sel & 0xfff8u;
    if (off + 7 > limit)
        return false;
    d->lo = cpu_lin_rd32(c, base + off);
    d->hi = cpu_lin_rd32(c, base + off + 4);
    return true;
}

Descriptor seg_read_desc(Cpu *c, uint16_t sel)
{
    Descriptor d;
    if (!seg_fetch_desc(c, sel, &d))
        cpu_raise(c, X86_TRAP_GP, sel & 0xfffc);
    return d;
}

void seg_set_accessed(Cpu *c, uint16_t sel, Descriptor *d)
{
    if (d->hi & 0x100)
        return;
    d->hi |= 0x100;
    uint32_t base = (sel & 4) ? c->ldtr.base : c->gdtr.base;
    cpu_lin_wr8(c, base + (sel & 0xfff8u) + 5, (uint8_t)(d->hi >> 8));
}

void seg_load_cache(Cpu *c, int s, uint16_t sel, Descriptor d)
{
    c->seg[s] = (SegReg){ .sel = sel, .attr = desc_attr(d), .base = desc_base(d), .limit = desc_limit(d) };
    seg_update_access(c, s);
}

void seg_tss_stack(Cpu *c, int dpl, uint32_t ext, uint16_t *ss, uint32_t *esp)
{
    /* TSS types 9/11 are 32-bit (ESPn at 4 + 8n), 1/3 16-bit (SPn at 2 + 4n).
     * The limit check covers the pointer and the selector (SDM INT,
     * "INTER-PRIVILEGE-LEVEL-INTERRUPT": TSSstackAddress + 5, or + 3). */
    bool t32 = (c->tr.attr & 0x08) != 0;
    uint32_t off = t32 ? 4u + 8u * (uint32_t)dpl : 2u + 4u * (uint32_t)dpl;
    if (off + (t32 ? 5u : 3u) > c->tr.limit)
        cpu_raise(c, X86_TRAP_TS, (c->tr.sel & 0xfffcu) | ext);
    if (t32) {
        *esp = cpu_lin_rd32(c, c->tr.base + off);
        *ss = cpu_lin_rd16(c, c->tr.base + off + 4);
    } else {
        *esp = cpu_lin_rd16(c, c->tr.base + off);
        *ss = cpu_lin_rd16(c, c->tr.base + off + 2);
    }
}

Descriptor seg_check_inner_ss(Cpu *c, uint16_t ss, int dpl, uint32_t ext)
{
    uint32_t err = (ss & 0xfffcu) | ext;
    Descriptor d;
    if ((ss & ~3u) == 0)
        cpu_raise(c, X86_TRAP_TS, ext);
    if (!seg_fetch_desc(c, ss, &d))
        cpu_raise(c, X86_TRAP_TS, err);
    uint16_t attr = desc_attr(d);
    if ((ss & 3) != dpl || (int)((attr >> 5) & 3) != dpl)
        cpu_raise(c, X86_TRAP_TS, err);
    if (!(attr & SEG_ATTR_S) || (attr & 0x08) || !(attr & 0x02))
        cpu_raise(c, X86_TRAP_TS, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_SS, err);
    return d;
}

bool seg_stack_fits(uint16_t attr, uint32_t limit, uint32_t sp, uint32_t n)
{
    /* Byte by byte: the pushes of a privilege change are few (at most a
     * call gate's 31 parameters), and this covers the 16-bit wrap-around
     * and expand-down segments without special cases. */
    bool big = (attr & SEG_ATTR_DB) != 0;
    uint32_t top = big ? 0xffffffffu : 0xffffu;
    bool down = (attr & 0x0c) == 0x04;
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t a = (sp - i) & top;
        if (down ? a <= limit : a > limit)
            return false;
    }
    return true;
}

void cpu_load_seg(Cpu *c, int s, uint16_t sel)
{
    if (!cpu_protected(c)) {
        c->seg[s].sel = sel;
        c->seg[s].base = (uint32_t)sel << 4;
        if (c->eflags & X86_EFLAGS_VM) {
            /* virtual-8086 mode: every load gives a 64K writable segment */
            c->seg[s].limit = 0xffff;
            c->seg[s].attr = (uint16_t)(s == SEG_CS ? 0xfb : 0xf3);
        }
        seg_update_access(c, s);
        if (s == SEG_SS)
            cpu_update_mode(c);
        return;
    }
    uint16_t err = sel & 0xfffc;
    if ((sel & ~3u) == 0) {
        if (s == SEG_SS)
            cpu_raise(c, X86_TRAP_GP, 0);
        /* a null selector loads fine into DS-GS; using it faults */
        c->seg[s].sel = sel;
        c->seg[s].attr = 0;
        c->seg[s].base = 0;
        c->seg[s].limit = 0;
        seg_update_access(c, s);
        return;
    }
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3, rpl = sel & 3;
    bool code = (attr & 0x08) != 0;
    if (!(attr & SEG_ATTR_S))
        cpu_raise(c, X86_TRAP_GP, err);
    if (s == SEG_SS) {
        if (code || !(attr & 0x02) || rpl != c->cpl || dpl != c->cpl)
            cpu_raise(c, X86_TRAP_GP, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_SS, err);
    } else {
        if (code && !(attr & 0x02))
            cpu_raise(c, X86_TRAP_GP, err);
        /* data and non-conforming code: DPL >= max(CPL, RPL) */
        if (!(code && (attr & 0x04)) && (dpl < c->cpl || dpl < rpl))
            cpu_raise(c, X86_TRAP_GP, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_NP, err);
    }
    seg_set_accessed(c, sel, &d);
    seg_load_cache(c, s, sel, d);
    if (s == SEG_SS)
        cpu_update_mode(c);
}

void cpu_load_cs(Cpu *c, uint16_t sel, uint32_t eip)
{
    if (!cpu_protected(c)) {
        bool vm = (c->eflags & X86_EFLAGS_VM) != 0;
        if (eip > (vm ? 0xffffu : c->seg[SEG_CS].limit))
            cpu_raise(c, X86_TRAP_GP, 0);
        c->seg[SEG_CS].sel = sel;
        c->seg[SEG_CS].base = (uint32_t)sel << 4;
        if (vm) {
            c->seg[SEG_CS].limit = 0xffff;
            c->seg[SEG_CS].attr = 0xfb;
        }
        c->eip = eip;
        seg_update_access(c, SEG_CS);
        cpu_update_mode(c);
        return;
    }
    uint16_t err = sel & 0xfffc;
    if ((sel & ~3u) == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3, rpl = sel & 3;
    /* gates and TSSs are sorted out by the caller (control.c) */
    if (!(attr & SEG_ATTR_S) || !(attr & 0x08))
        cpu_raise(c, X86_TRAP_GP, err);
    if (attr & 0x04) { /* conforming: DPL <= CPL */
        if (dpl > c->cpl)
            cpu_raise(c, X86_TRAP_GP, err);
    } else if (rpl > c->cpl || dpl != c->cpl) {
        cpu_raise(c, X86_TRAP_GP, err);
    }
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    if (eip > desc_limit(d))
        cpu_raise(c, X86_TRAP_GP, 0);
    seg_set_accessed(c, sel, &d);
    uint8_t cpl = c->cpl;
    seg_load_cache(c, SEG_CS, (uint16_t)((sel & ~3u) | cpl), d);
    c->eip = eip;
    cpu_update_mode(c);
}
