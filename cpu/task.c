/*
 * task.c - hardware task switching (SDM vol. 3, chapter 7): JMP and CALL
 * to a TSS descriptor or a task gate, interrupts and exceptions through a
 * task gate, and IRET with NT set back to the previous task; 16- and
 * 32-bit TSSs.
 *
 * The switch follows SDM 7.3: check the new TSS, save the current state
 * in the old TSS, update the busy bits, the back link and NT (table 7-2),
 * load TR, set CR0.TS, then load the new task's registers. The segment
 * descriptors are checked last, in the order of table 7-1 (LDT, CS, SS,
 * then DS, ES, FS, GS); a fault there is taken in the new task's context,
 * as on the CPU, so the selectors are loaded before any check.
 *
 * TSS layouts (SDM vol. 3, 7.2.1 and 7.6):
 *   32-bit: 0 link, 4-0x1b ESP0..SS2, 0x1c CR3, 0x20 EIP, 0x24 EFLAGS,
 *           0x28-0x47 EAX..EDI, 0x48-0x5f ES CS SS DS FS GS (dwords),
 *           0x60 LDT, 0x64 T bit, 0x66 I/O map base. Minimum limit 0x67.
 *   16-bit: 0 link, 2-0x0d SP0..SS2, 0x0e IP, 0x10 FLAGS, 0x12-0x21
 *           AX..DI, 0x22-0x29 ES CS SS DS, 0x2a LDT. Minimum limit 0x2b.
 */
#include "cpu/task.h"

#include "cpu/access.h"

#define TSS_BUSY 0x0200u /* in a descriptor's high dword: type 1/9 -> 3/11 */

static const int tss16_segs[4] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS };

static void set_busy(Cpu *c, uint16_t sel, bool busy)
{
    uint32_t a = c->gdtr.base + (sel & 0xfff8u) + 5;
    uint8_t b = cpu_lin_rd8(c, a);
    cpu_lin_wr8(c, a, (uint8_t)(busy ? (b | 0x02) : (b & ~0x02)));
}

/* A TSS selector named by a task gate or a back link: in the GDT, inside
 * its limit. `busy` says which of available/busy the descriptor must be.
 * Faults with vector `vec` and the selector (| ext) as error code. */
static Descriptor check_tss_sel(Cpu *c, uint16_t sel, bool busy, int vec, uint32_t ext)
{
    uint32_t err = (sel & 0xfffcu) | ext;
    Descriptor d;
    if ((sel & 4) || (sel & ~3u) == 0 || !seg_fetch_desc(c, sel, &d))
        cpu_raise(c, vec, err);
    uint16_t type = desc_attr(d) & (SEG_ATTR_S | SEG_ATTR_TYPE);
    uint16_t want = busy ? 0x03 : 0x01;
    if ((type & ~0x08u) != want)
        cpu_raise(c, vec, err);
    if (!(desc_attr(d) & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    return d;
}

/* The new task's segment checks (SDM vol. 3, table 7-1, rows 6-17). */
static void load_task_seg(Cpu *c, int s, uint16_t sel, int cpl, uint32_t ext)
{
    uint32_t err = (sel & 0xfffcu) | ext;
    Descriptor d;
    if ((sel & ~3u) == 0) {
        if (s == SEG_CS || s == SEG_SS)
            cpu_raise(c, X86_TRAP_TS, err);
        c->seg[s] = (SegReg){ .sel = sel };
        seg_update_access(c, s);
        return;
    }
    if (!seg_fetch_desc(c, sel, &d))
        cpu_raise(c, X86_TRAP_TS, err);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3, rpl = sel & 3;
    bool code = (attr & 0x08) != 0, conforming = code && (attr & 0x04);
    if (!(attr & SEG_ATTR_S))
        cpu_raise(c, X86_TRAP_TS, err);
    if (s == SEG_CS) {
        if (!code || (conforming ? dpl > rpl : dpl != rpl))
            cpu_raise(c, X86_TRAP_TS, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_NP, err);
    } else if (s == SEG_SS) {
        if (code || !(attr & 0x02) || rpl != cpl || dpl != cpl)
            cpu_raise(c, X86_TRAP_TS, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_SS, err);
    } else {
        if (code && !(attr & 0x02))
            cpu_raise(c, X86_TRAP_TS, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_NP, err);
        if (!conforming && (dpl < cpl || dpl < rpl))
            cpu_raise(c, X86_TRAP_TS, err);
    }
    seg_set_accessed(c, sel, &d);
    seg_load_cache(c, s, sel, d);
}

static void load_task_ldt(Cpu *c, uint16_t sel, uint32_t ext)
{
    uint32_t err = (sel & 0xfffcu) | ext;
    Descriptor d;
    if ((sel & ~3u) == 0) {
        c->ldtr = (SegReg){ .sel = sel };
        return;
    }
    if ((sel & 4) || !seg_fetch_desc(c, sel, &d))
        cpu_raise(c, X86_TRAP_TS, err);
    uint16_t attr = desc_attr(d);
    if ((attr & (SEG_ATTR_S | SEG_ATTR_TYPE)) != 0x02 || !(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_TS, err);
    c->ldtr = (SegReg){ .sel = sel, .attr = attr, .base = desc_base(d), .limit = desc_limit(d) };
}

/* Switch to the task whose TSS is `sel` (descriptor nd, checked by the
 * caller for type and presence). */
static void task_switch(Cpu *c, uint16_t sel, Descriptor nd, int reason, uint32_t ext)
{
    uint16_t nattr = desc_attr(nd);
    bool n32 = (nattr & 0x08) != 0, o32 = (c->tr.attr & 0x08) != 0;
    uint32_t nb = desc_base(nd), nlim = desc_limit(nd);
    if (nlim < (n32 ? 0x67u : 0x2bu))
        cpu_raise(c, X86_TRAP_TS, (sel & 0xfffcu) | ext);
    /* The current TSS must hold the state we save (up to GS or DS). */
    if (c->tr.limit < (o32 ? 0x5fu : 0x29u))
        cpu_raise(c, X86_TRAP_TS, (c->tr.sel & 0xfffcu) | ext);

    /* Read the new state before writing anything. */
    uint32_t eip, flags, cr3 = 0, r[8];
    uint16_t segs[SEG_COUNT], ldt;
    bool tbit = false;
    if (n32) {
        cr3 = cpu_lin_rd32(c, nb + 0x1c);
        eip = cpu_lin_rd32(c, nb + 0x20);
        flags = cpu_lin_rd32(c, nb + 0x24);
        for (int i = 0; i < 8; i++)
            r[i] = cpu_lin_rd32(c, nb + 0x28 + 4 * (uint32_t)i);
        for (int s = 0; s < SEG_COUNT; s++)
            segs[s] = cpu_lin_rd16(c, nb + 0x48 + 4 * (uint32_t)s);
        ldt = cpu_lin_rd16(c, nb + 0x60);
        tbit = (cpu_lin_rd16(c, nb + 0x64) & 1) != 0;
    } else {
        eip = cpu_lin_rd16(c, nb + 0x0e);
        /* a 16-bit TSS holds FLAGS only; the upper half is kept */
        flags = (c->eflags & 0xffff0000u & ~X86_EFLAGS_VM) | cpu_lin_rd16(c, nb + 0x10);
        /* The SDM leaves the upper halves of the general registers
         * "modified and not maintained" (vol. 3, 7.6), so keeping them is
         * not required; Bochs (and QEMU before 6.1) set them to 0xFFFF, and
         * test386.asm's 16-bit TSS checks expect 0xFFFFxxxx. QEMU 6.1+
         * keeps them (tests/guest/flat/prot_task16_regs.S). */
        for (int i = 0; i < 8; i++)
            r[i] = 0xffff0000u | cpu_lin_rd16(c, nb + 0x12 + 2 * (uint32_t)i);
        for (int s = 0; s < SEG_COUNT; s++)
            segs[s] = 0;
        for (int i = 0; i < 4; i++)
            segs[tss16_segs[i]] = cpu_lin_rd16(c, nb + 0x22 + 2 * (uint32_t)i);
        ldt = cpu_lin_rd16(c, nb + 0x2a);
    }

    /* Save the current task. IRET clears NT in the image it leaves behind
     * (SDM vol. 3, table 7-2). */
    uint32_t ob = c->tr.base, oflags = cpu_get_eflags(c);
    if (reason == TASK_IRET)
        oflags &= ~X86_EFLAGS_NT;
    if (o32) {
        cpu_lin_wr32(c, ob + 0x20, c->eip);
        cpu_lin_wr32(c, ob + 0x24, oflags);
        for (int i = 0; i < 8; i++)
            cpu_lin_wr32(c, ob + 0x28 + 4 * (uint32_t)i, c->r[i]);
        for (int s = 0; s < SEG_COUNT; s++)
            cpu_lin_wr16(c, ob + 0x48 + 4 * (uint32_t)s, c->seg[s].sel);
    } else {
        cpu_lin_wr16(c, ob + 0x0e, (uint16_t)c->eip);
        cpu_lin_wr16(c, ob + 0x10, (uint16_t)oflags);
        for (int i = 0; i < 8; i++)
            cpu_lin_wr16(c, ob + 0x12 + 2 * (uint32_t)i, (uint16_t)c->r[i]);
        for (int i = 0; i < 4; i++)
            cpu_lin_wr16(c, ob + 0x22 + 2 * (uint32_t)i, c->seg[tss16_segs[i]].sel);
    }

    /* Busy bits, back link and NT. */
    if (reason == TASK_JMP || reason == TASK_IRET)
        set_busy(c, c->tr.sel, false);
    if (reason == TASK_CALL || reason == TASK_INT) {
        cpu_lin_wr16(c, nb, c->tr.sel);
        flags |= X86_EFLAGS_NT;
    }
    if (reason != TASK_IRET) {
        set_busy(c, sel, true);
        nd.hi |= TSS_BUSY;
    }
    c->tr = (SegReg){ .sel = sel, .attr = desc_attr(nd), .base = nb, .limit = nlim };
    c->cr0 |= X86_CR0_TS;

    /* Load the new task (step 14 of SDM vol. 3, 7.3). From here on a fault
     * belongs to the new task: it is raised after the switch, before the
     * new task's first instruction, with the registers already loaded. */
    c->eip = c->insn_eip = eip;
    for (int i = 0; i < 8; i++)
        c->r[i] = r[i];
    c->eflags = X86_EFLAGS_FIXED;
    cpu_set_eflags(c, flags, 0xffffffffu);
    c->exit_req = 1;
    if (n32 && (c->cr0 & X86_CR0_PG)) {
        /* With PAE paging, a switch that changes CR3 loads the PDPTEs from
         * the new CR3 (4.4.1); a present one with a reserved bit is #GP(0)
         * (as for MOV to CR3) and neither CR3 nor the PDPTEs change. The
         * selectors are named but no descriptor is loaded: the caches keep
         * the old task's, so an interrupt-gate handler can still run. */
        if ((c->cr4 & X86_CR4_PAE) && cr3 != c->cr3 && !paging_load_pdptes(c->mem, cr3, c->pdpte)) {
            for (int s = 0; s < SEG_COUNT; s++)
                c->seg[s].sel = segs[s];
            c->ldtr.sel = ldt;
            cpu_update_mode(c);
            cpu_raise(c, X86_TRAP_GP, ext);
        }
        c->cr3 = cr3;
        mem_tlb_flush_nonglobal(c->mem); /* global entries survive (4.10.4.1) */
    }
    if (c->eflags & X86_EFLAGS_VM) {
        /* virtual-8086 task: real-mode style loads, CPL 3 */
        c->ldtr = (SegReg){ .sel = ldt };
        load_task_ldt(c, ldt, ext);
        for (int s = 0; s < SEG_COUNT; s++)
            cpu_load_seg(c, s, segs[s]);
        cpu_update_mode(c);
    } else {
        for (int s = 0; s < SEG_COUNT; s++)
            c->seg[s] = (SegReg){ .sel = segs[s] };
        c->ldtr = (SegReg){ .sel = ldt };
        cpu_update_mode(c); /* CPL = the new CS's RPL */
        int cpl = segs[SEG_CS] & 3;
        load_task_ldt(c, ldt, ext);
        load_task_seg(c, SEG_CS, segs[SEG_CS], cpl, ext);
        load_task_seg(c, SEG_SS, segs[SEG_SS], cpl, ext);
        static const int data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
        for (int i = 0; i < 4; i++)
            load_task_seg(c, data[i], segs[data[i]], cpl, ext);
        cpu_update_mode(c);
    }
    if (c->eip > c->seg[SEG_CS].limit)
        cpu_raise(c, X86_TRAP_GP, ext);
    /* The T bit asks for a #DB trap (DR6.BT) before the new task's first
     * instruction (SDM vol. 3, 7.2.1, 17.3.1.5). */
    if (tbit)
        debug_trap(c, X86_DR6_BT);
}

void task_far_transfer(Cpu *c, uint16_t sel, Descriptor d, int reason)
{
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3, rpl = sel & 3;
    uint32_t err = sel & 0xfffcu;
    uint16_t type = attr & (SEG_ATTR_S | SEG_ATTR_TYPE);
    if (type == 0x05) { /* task gate */
        if (dpl < c->cpl || dpl < rpl)
            cpu_raise(c, X86_TRAP_GP, err);
        if (!(attr & SEG_ATTR_P))
            cpu_raise(c, X86_TRAP_NP, err);
        uint16_t tss = (uint16_t)(d.lo >> 16);
        Descriptor nd = check_tss_sel(c, tss, false, X86_TRAP_GP, 0);
        task_switch(c, tss, nd, reason, 0);
        return;
    }
    /* an available TSS (the caller sends only TSS types and task gates) */
    if ((sel & 4) || (type & ~0x08u) != 0x01 || dpl < c->cpl || dpl < rpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    task_switch(c, sel, d, reason, 0);
}

void task_gate_interrupt(Cpu *c, uint16_t tss_sel, uint32_t ext, bool has_err, uint32_t err)
{
    Descriptor nd = check_tss_sel(c, tss_sel, false, X86_TRAP_GP, ext);
    task_switch(c, tss_sel, nd, TASK_INT, ext);
    if (has_err) {
        if (c->tr.attr & 0x08)
            cpu_push32(c, err);
        else
            cpu_push16(c, (uint16_t)err);
    }
}

void task_iret(Cpu *c)
{
    uint16_t link = cpu_lin_rd16(c, c->tr.base);
    Descriptor nd = check_tss_sel(c, link, true, X86_TRAP_TS, 0);
    task_switch(c, link, nd, TASK_IRET, 0);
}
