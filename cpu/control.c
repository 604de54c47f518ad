/*
 * control.c - control transfers: Jcc, JMP, CALL, RET, LOOP/JCXZ, INT n,
 * INT3, INTO, INT1, IRET, BOUND and HLT (SDM vol. 2; vol. 3 chapters 5
 * and 6 for the protected-mode checks).
 *
 * Near targets are truncated to 16 bits under a 16-bit operand size and
 * checked against the CS limit before anything changes, so a bad target
 * faults at the branch, as on the CPU, not at the fetch that follows.
 * Far transfers go through cpu_load_cs (segment.c) for code segments; RETF
 * and IRET check their own return descriptors, since their rules differ
 * (RPL >= CPL, and a return may go to an outer privilege level).
 *
 * Protected-mode far JMP/CALL also go through call gates (to the same or,
 * for CALL, a more privileged level with the stack switch) and task gates
 * and TSS descriptors (task.c); IRET with NT set returns to the previous
 * task, and IRET at CPL 0 with VM in the image enters virtual-8086 mode.
 */
#include "cpu/access.h"
#include "cpu/handlers.h"
#include "cpu/segment.h"
#include "cpu/task.h"

/* An OPV row's two entry points over one width-generic body NAME_w. */
#define DEFINE_OPV(h)                                                          \
    void op_##h##_16(Cpu *c, const Insn *in) { h##_w(c, in, 16); }           \
    void op_##h##_32(Cpu *c, const Insn *in) { h##_w(c, in, 32); }

#define IOPL(c) (((c)->eflags >> 12) & 3)

/* ---- helpers ---------------------------------------------------------- */

/* A near target: truncated by operand size, #GP(0) past the CS limit. */
static inline uint32_t near_target(Cpu *c, int w, uint32_t t)
{
    if (w == 16)
        t &= 0xffff;
    if (unlikely(t > c->seg[SEG_CS].limit))
        cpu_raise(c, X86_TRAP_GP, 0);
    return t;
}

static inline void push_w(Cpu *c, int w, uint32_t v)
{
    if (w == 32)
        cpu_push32(c, v);
    else
        cpu_push16(c, (uint16_t)v);
}

static inline uint32_t peek_w(Cpu *c, int w, uint32_t delta)
{
    return w == 32 ? stack_peek32(c, delta) : stack_peek16(c, delta);
}

/* The offset of the second part of a memory operand (far pointer's
 * selector, BOUND's upper limit): wraps at 64K with 16-bit addressing. */
static inline uint32_t ea_next(const Insn *in, uint32_t ea, uint32_t delta)
{
    ea += delta;
    return (in->flags & INSN_ADDR32) ? ea : (ea & 0xffff);
}

/* cpu_load_cs for far RET and IRET, and JMP/CALL to a code segment. In
 * real and virtual-8086 mode the new IP is checked first, so a fault leaves CS as it was. */
static void far_jump(Cpu *c, uint16_t sel, uint32_t eip)
{
    if (!cpu_protected(c)) {
        uint32_t limit = (c->eflags & X86_EFLAGS_VM) ? 0xffff : c->seg[SEG_CS].limit;
        if (eip > limit)
            cpu_raise(c, X86_TRAP_GP, 0);
    }
    cpu_load_cs(c, sel, eip);
}

/* m16:16 or m16:32: the offset, then the selector. */
static void read_far_ptr(Cpu *c, const Insn *in, int w, uint16_t *sel, uint32_t *off)
{
    uint32_t ea = insn_ea(c, in);
    *off = w == 32 ? cpu_rd32(c, in->seg, ea) : cpu_rd16(c, in->seg, ea);
    *sel = cpu_rd16(c, in->seg, ea_next(in, ea, (uint32_t)w / 8));
}

/* ---- Jcc, JMP, CALL near ---------------------------------------------- */

static inline void jcc_w(Cpu *c, const Insn *in, int w)
{
    if (cpu_cond(c, in->op & 0xf))
        c->eip = near_target(c, w, c->eip + in->imm);
}
DEFINE_OPV(jcc)

static inline void jmp_Jz_w(Cpu *c, const Insn *in, int w)
{
    c->eip = near_target(c, w, c->eip + in->imm);
}
DEFINE_OPV(jmp_Jz)

static inline void jmp_Ev_w(Cpu *c, const Insn *in, int w)
{
    c->eip = near_target(c, w, w == 32 ? rd_Ed(c, in) : rd_Ew(c, in));
}
DEFINE_OPV(jmp_Ev)

/* The target is read and checked before the push, so a fault leaves ESP. */
static inline void call_near(Cpu *c, int w, uint32_t target)
{
    target = near_target(c, w, target);
    push_w(c, w, c->eip);
    c->eip = target;
}

static inline void call_Jz_w(Cpu *c, const Insn *in, int w)
{
    call_near(c, w, c->eip + in->imm);
}
DEFINE_OPV(call_Jz)

static inline void call_Ev_w(Cpu *c, const Insn *in, int w)
{
    call_near(c, w, w == 32 ? rd_Ed(c, in) : rd_Ew(c, in));
}
DEFINE_OPV(call_Ev)

/* ---- JMP, CALL far ---------------------------------------------------- */

/* A far CALL to a code segment: check that both return slots are
 * writable, load CS (which checks everything before it commits), then
 * push; the pushes cannot fault after the checks. XXX: when paging lands,
 * cpu_check_write must also probe the stack pages for this to stay
 * precise. The stack check comes before the descriptor checks, so when
 * both would fault we report #SS where the SDM's order gives the
 * descriptor's fault. */
static void call_far_code(Cpu *c, int w, uint16_t sel, uint32_t off)
{
    uint32_t n = (uint32_t)w / 8, sp = stack_ptr(c);
    cpu_check_write(c, SEG_SS, stack_addr(c, sp - n), n);
    cpu_check_write(c, SEG_SS, stack_addr(c, sp - 2 * n), n);
    uint16_t cs = c->seg[SEG_CS].sel;
    uint32_t ret = c->eip;
    far_jump(c, sel, off);
    push_w(c, w, cs);
    push_w(c, w, ret);
}

/* JMP or CALL through a call gate (SDM vol. 3, 5.8.4-5.8.6, and CALL's
 * "CALL-GATE" pseudo-code). The gate's size, not the operand size, sets
 * the width of the pushes and of the offset. */
static void call_gate(Cpu *c, uint16_t gsel, Descriptor g, bool call)
{
    uint16_t gattr = desc_attr(g);
    int gdpl = (gattr >> 5) & 3;
    if (gdpl < c->cpl || gdpl < (gsel & 3))
        cpu_raise(c, X86_TRAP_GP, gsel & 0xfffc);
    if (!(gattr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, gsel & 0xfffc);
    bool gate32 = (gattr & 0x08) != 0;
    uint16_t sel = (uint16_t)(g.lo >> 16);
    uint32_t off = gate32 ? ((g.lo & 0xffff) | (g.hi & 0xffff0000u)) : (g.lo & 0xffff);
    uint32_t count = g.hi & 0x1f;
    uint16_t err = sel & 0xfffc;
    if (err == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3;
    bool conforming = (attr & 0x04) != 0;
    if (!(attr & SEG_ATTR_S) || !(attr & 0x08) || dpl > c->cpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!call && !conforming && dpl != c->cpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    int w = gate32 ? 32 : 16;
    uint32_t n = (uint32_t)w / 8;

    if (!call || conforming || dpl == c->cpl) {
        /* same privilege: like a direct transfer, CS.RPL = CPL */
        if (call)
            for (uint32_t slot = n; slot <= 2 * n; slot += n)
                cpu_check_write(c, SEG_SS, stack_addr(c, stack_ptr(c) - slot), n);
        if (off > desc_limit(d))
            cpu_raise(c, X86_TRAP_GP, 0);
        uint16_t old_cs = c->seg[SEG_CS].sel;
        uint32_t ret = c->eip;
        seg_set_accessed(c, sel, &d);
        seg_load_cache(c, SEG_CS, (uint16_t)((sel & ~3u) | c->cpl), d);
        c->eip = off;
        cpu_update_mode(c);
        if (call) {
            push_w(c, w, old_cs);
            push_w(c, w, ret);
        }
        return;
    }

    /* MORE-PRIVILEGE: the stack from the TSS, then old SS:ESP, the
     * parameters and CS:EIP on it. */
    uint16_t new_ss;
    uint32_t new_esp;
    seg_tss_stack(c, dpl, 0, &new_ss, &new_esp);
    Descriptor sd = seg_check_inner_ss(c, new_ss, dpl, 0);
    uint16_t sattr = desc_attr(sd);
    if (!(sattr & SEG_ATTR_DB))
        new_esp &= 0xffff;
    if (!seg_stack_fits(sattr, desc_limit(sd), new_esp, (4 + count) * n))
        cpu_raise(c, X86_TRAP_SS, new_ss & 0xfffc);
    if (off > desc_limit(d))
        cpu_raise(c, X86_TRAP_GP, 0);
    uint32_t params[31];
    for (uint32_t i = 0; i < count; i++) /* params[0] is at the old ESP */
        params[i] = peek_w(c, w, i * n);
    uint16_t old_ss = c->seg[SEG_SS].sel, old_cs = c->seg[SEG_CS].sel;
    uint32_t old_esp = c->r[R_ESP], ret = c->eip;

    seg_set_accessed(c, sel, &d);
    seg_set_accessed(c, new_ss, &sd);
    seg_load_cache(c, SEG_SS, new_ss, sd);
    c->r[R_ESP] = new_esp;
    seg_load_cache(c, SEG_CS, (uint16_t)((sel & ~3u) | (unsigned)dpl), d);
    cpu_update_mode(c);
    push_w(c, w, old_ss);
    push_w(c, w, old_esp);
    for (uint32_t i = count; i-- > 0;)
        push_w(c, w, params[i]);
    push_w(c, w, old_cs);
    push_w(c, w, ret);
    c->eip = off;
    c->exit_req = 1;
}

/* Far JMP/CALL: in protected mode the descriptor decides between a code
 * segment, a call gate, a task gate and a TSS. */
static void far_transfer(Cpu *c, int w, uint16_t sel, uint32_t off, bool call)
{
    if (cpu_protected(c) && (sel & ~3u) != 0) {
        Descriptor d = seg_read_desc(c, sel);
        uint16_t attr = desc_attr(d);
        if (!(attr & SEG_ATTR_S)) {
            switch (attr & SEG_ATTR_TYPE) {
            case 0x04:
            case 0x0c:
                call_gate(c, sel, d, call);
                return;
            case 0x01:
            case 0x05:
            case 0x09:
                task_far_transfer(c, sel, d, call ? TASK_CALL : TASK_JMP);
                return;
            default:
                cpu_raise(c, X86_TRAP_GP, sel & 0xfffc);
            }
        }
    }
    if (call)
        call_far_code(c, w, sel, off);
    else
        far_jump(c, sel, off);
}

static inline void jmp_Ap_w(Cpu *c, const Insn *in, int w)
{
    far_transfer(c, w, in->imm2, in->imm, false);
}
DEFINE_OPV(jmp_Ap)

static inline void jmp_Mp_w(Cpu *c, const Insn *in, int w)
{
    uint16_t sel;
    uint32_t off;
    read_far_ptr(c, in, w, &sel, &off);
    far_transfer(c, w, sel, off, false);
}
DEFINE_OPV(jmp_Mp)

static inline void call_Ap_w(Cpu *c, const Insn *in, int w)
{
    far_transfer(c, w, in->imm2, in->imm, true);
}
DEFINE_OPV(call_Ap)

static inline void call_Mp_w(Cpu *c, const Insn *in, int w)
{
    uint16_t sel;
    uint32_t off;
    read_far_ptr(c, in, w, &sel, &off);
    far_transfer(c, w, sel, off, true);
}
DEFINE_OPV(call_Mp)

/* ---- RET near --------------------------------------------------------- */

static inline void ret_near(Cpu *c, int w, uint32_t release)
{
    uint32_t eip = near_target(c, w, peek_w(c, w, 0));
    stack_set_ptr(c, stack_ptr(c) + (uint32_t)w / 8 + release);
    c->eip = eip;
}

static inline void ret_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    ret_near(c, w, 0);
}
DEFINE_OPV(ret)

static inline void ret_Iw_w(Cpu *c, const Insn *in, int w)
{
    ret_near(c, w, in->imm & 0xffff);
}
DEFINE_OPV(ret_Iw)

/* ---- protected-mode far returns (RETF, IRET) ------------------------- */

/* The return code segment's checks (SDM RET and IRET, "PROTECTED-MODE-
 * RETURN"): a present code segment, RPL >= CPL, and DPL == RPL (or, when
 * conforming, DPL <= RPL). */
static Descriptor ret_check_cs(Cpu *c, uint16_t sel)
{
    uint16_t err = sel & 0xfffc;
    if (err == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3, rpl = sel & 3;
    if (!(attr & SEG_ATTR_S) || !(attr & 0x08) || rpl < c->cpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if ((attr & 0x04) ? dpl > rpl : dpl != rpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    return d;
}

/* The stack segment an outer-level return loads: a present, writable data
 * segment with RPL and DPL equal to the new CPL. */
static Descriptor ret_check_ss(Cpu *c, uint16_t sel, int rpl)
{
    uint16_t err = sel & 0xfffc;
    if (err == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    int dpl = (attr >> 5) & 3;
    if ((sel & 3) != rpl || !(attr & SEG_ATTR_S) || (attr & 0x08) || !(attr & 0x02) || dpl != rpl)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_SS, err);
    return d;
}

/* After a return to an outer level, data segment registers the new CPL may
 * not use become null (SDM RET, IRET: data and non-conforming code
 * segments with DPL < CPL). */
static void null_inaccessible_segs(Cpu *c)
{
    static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++) {
        SegReg *r = &c->seg[segs[i]];
        bool conforming = (r->attr & 0x1c) == 0x1c;
        if (!conforming && (int)((r->attr >> 5) & 3) < c->cpl) {
            *r = (SegReg){ 0 };
            seg_update_access(c, segs[i]);
        }
    }
}

/* Far return to sel:eip in protected mode. `popped` bytes (EIP, CS and for
 * IRET EFLAGS) are at the top of the stack, then `release` bytes of
 * parameters (RETF imm16); an outer-level return finds ESP and SS after
 * them, and releases the same number of bytes from the outer stack. */
static void ret_far_protected(Cpu *c, int w, uint16_t sel, uint32_t eip, uint32_t popped,
                              uint32_t release)
{
    Descriptor d = ret_check_cs(c, sel);
    int rpl = sel & 3;
    if (rpl == c->cpl) {
        if (eip > desc_limit(d))
            cpu_raise(c, X86_TRAP_GP, 0);
        seg_set_accessed(c, sel, &d);
        seg_load_cache(c, SEG_CS, sel, d);
        c->eip = eip;
        cpu_update_mode(c); /* CS.D may differ */
        stack_set_ptr(c, stack_ptr(c) + popped + release);
        return;
    }
    /* RETURN-TO-OUTER-PRIVILEGE-LEVEL */
    uint32_t n = (uint32_t)w / 8;
    uint32_t esp = peek_w(c, w, popped + release);
    uint16_t ss = (uint16_t)peek_w(c, w, popped + release + n);
    Descriptor sd = ret_check_ss(c, ss, rpl);
    if (eip > desc_limit(d))
        cpu_raise(c, X86_TRAP_GP, 0);
    seg_set_accessed(c, sel, &d);
    seg_set_accessed(c, ss, &sd);
    seg_load_cache(c, SEG_CS, sel, d);
    seg_load_cache(c, SEG_SS, ss, sd);
    c->eip = eip;
    cpu_update_mode(c); /* CPL = RPL, and SS.B for the pointer below */
    /* A 16-bit SS takes only SP; ESP's upper half stays as it was, as on
     * the CPU (what Linux's espfix works around). */
    stack_set_ptr(c, esp + release);
    null_inaccessible_segs(c);
    c->exit_req = 1;
}

/* ---- RETF ------------------------------------------------------------- */

static void ret_far(Cpu *c, int w, uint32_t release)
{
    uint32_t n = (uint32_t)w / 8;
    uint32_t eip = peek_w(c, w, 0);
    uint16_t sel = (uint16_t)peek_w(c, w, n);
    if (cpu_protected(c)) {
        ret_far_protected(c, w, sel, eip, 2 * n, release);
        return;
    }
    far_jump(c, sel, eip);
    stack_set_ptr(c, stack_ptr(c) + 2 * n + release);
}

static inline void retf_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    ret_far(c, w, 0);
}
DEFINE_OPV(retf)

static inline void retf_Iw_w(Cpu *c, const Insn *in, int w)
{
    ret_far(c, w, in->imm & 0xffff);
}
DEFINE_OPV(retf_Iw)

/* ---- IRET ------------------------------------------------------------- */

/* EFLAGS bits a protected-mode IRET loads (SDM IRET, "RETURN-TO-SAME-
 * PRIVILEGE-LEVEL"), decided by the CPL before the return. */
static uint32_t iret_flags_mask(const Cpu *c, int w)
{
    uint32_t m = X86_EFLAGS_ARITH | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT;
    if (w == 32)
        m |= X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_ID;
    if (c->cpl <= IOPL(c))
        m |= X86_EFLAGS_IF;
    if (c->cpl == 0) {
        m |= X86_EFLAGS_IOPL;
        if (w == 32)
            m |= X86_EFLAGS_VIF | X86_EFLAGS_VIP;
    }
    return m;
}

/* Real mode, and virtual-8086 mode with IOPL 3: pop IP, CS, FLAGS. */
static void iret_real(Cpu *c, int w, uint32_t mask)
{
    uint32_t n = (uint32_t)w / 8;
    uint32_t eip = peek_w(c, w, 0);
    uint16_t sel = (uint16_t)peek_w(c, w, n);
    uint32_t flags = peek_w(c, w, 2 * n);
    far_jump(c, sel, eip);
    stack_set_ptr(c, stack_ptr(c) + 3 * n);
    cpu_set_eflags(c, flags, mask);
}

/* RETURN-TO-VIRTUAL-8086-MODE (SDM IRET): at CPL 0 with VM set in the
 * 32-bit image, pop EIP, CS, EFLAGS, then ESP, SS, ES, DS, FS, GS, and
 * load them all as 8086 segments; CPL becomes 3. */
static void iret_to_v86(Cpu *c, uint32_t eip, uint16_t cs, uint32_t flags)
{
    uint32_t esp = stack_peek32(c, 12);
    uint16_t sregs[4]; /* SS, ES, DS, FS, GS follow ESP */
    uint16_t ss = (uint16_t)stack_peek32(c, 16);
    for (int i = 0; i < 4; i++)
        sregs[i] = (uint16_t)stack_peek32(c, 20 + 4 * (uint32_t)i);
    if ((eip & 0xffff0000u) != 0)
        cpu_raise(c, X86_TRAP_GP, 0); /* beyond the 64K limit CS will have */
    c->eflags = X86_EFLAGS_FIXED;
    cpu_set_eflags(c, flags, 0xffffffffu);
    static const int order[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++)
        cpu_load_seg(c, order[i], sregs[i]);
    cpu_load_seg(c, SEG_SS, ss);
    cpu_load_seg(c, SEG_CS, cs);
    c->r[R_ESP] = esp;
    c->eip = eip;
    cpu_update_mode(c);
}

static inline void iret_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    uint32_t n = (uint32_t)w / 8;
    c->exit_req = 1; /* IF may now let an interrupt in */
    cpu_nmi_iret(c); /* debug.c: IRET ends NMI blocking */
    if (!(c->cr0 & X86_CR0_PE)) {
        /* SDM: EFLAGS = (tmp AND 257FD5H) OR (EFLAGS AND 1A0000H): every
         * flag but VM, VIF and VIP, RF included, with a 32-bit pop. */
        iret_real(c, w, w == 32 ? 0x257fd5u : 0xffffu);
        return;
    }
    if (c->eflags & X86_EFLAGS_VM) {
        /* IOPL < 3 traps to the monitor, except a 16-bit IRET with
         * CR4.VME, which loads IF's bit into VIF (SDM IRET, "RETURN-FROM-
         * VIRTUAL-8086-MODE"). VM, IOPL, VIF and VIP are not loaded. */
        if (IOPL(c) < 3) {
            if (w != 16 || !(c->cr4 & X86_CR4_VME))
                cpu_raise(c, X86_TRAP_GP, 0);
            uint32_t f = stack_peek16(c, 4);
            if ((f & X86_EFLAGS_TF) || ((f & X86_EFLAGS_IF) && (c->eflags & X86_EFLAGS_VIP)))
                cpu_raise(c, X86_TRAP_GP, 0);
            iret_real(c, 16, 0xffffu & ~(X86_EFLAGS_IOPL | X86_EFLAGS_IF));
            c->eflags = (c->eflags & ~X86_EFLAGS_VIF) | ((f & X86_EFLAGS_IF) ? X86_EFLAGS_VIF : 0);
            return;
        }
        iret_real(c, w, (w == 32 ? 0x3f7fd5u : 0xffffu) &
                            ~(X86_EFLAGS_VM | X86_EFLAGS_IOPL | X86_EFLAGS_VIF | X86_EFLAGS_VIP));
        return;
    }
    if (c->eflags & X86_EFLAGS_NT) {
        task_iret(c); /* TASK-RETURN: to the task in the back link */
        return;
    }
    uint32_t eip = peek_w(c, w, 0);
    uint16_t sel = (uint16_t)peek_w(c, w, n);
    uint32_t flags = peek_w(c, w, 2 * n);
    if ((flags & X86_EFLAGS_VM) && w == 32 && c->cpl == 0) {
        iret_to_v86(c, eip, sel, flags);
        return;
    }
    uint32_t mask = iret_flags_mask(c, w);
    ret_far_protected(c, w, sel, eip, 3 * n, 0);
    cpu_set_eflags(c, flags, mask);
}
DEFINE_OPV(iret)

/* ---- LOOP, LOOPE, LOOPNE, JCXZ ---------------------------------------- */

enum { LOOP_ANY, LOOP_E, LOOP_NE, LOOP_JCXZ };

/* The counter is CX or ECX by address size; the target is truncated by
 * operand size. The new count is written only once the target checked. */
static inline void loop_common(Cpu *c, const Insn *in, int w, int kind)
{
    bool a32 = (in->flags & INSN_ADDR32) != 0;
    uint32_t count = a32 ? c->r[R_ECX] : (c->r[R_ECX] & 0xffff);
    bool zf = (c->eflags & X86_EFLAGS_ZF) != 0;
    bool take;
    if (kind == LOOP_JCXZ) {
        take = count == 0;
    } else {
        count = a32 ? count - 1 : ((count - 1) & 0xffff);
        take = count != 0 && (kind == LOOP_ANY || (kind == LOOP_E) == zf);
    }
    uint32_t target = take ? near_target(c, w, c->eip + in->imm) : 0;
    if (kind != LOOP_JCXZ) {
        if (a32)
            c->r[R_ECX] = count;
        else
            set_reg16(c, R_ECX, (uint16_t)count);
    }
    if (take)
        c->eip = target;
}

static inline void loop_w(Cpu *c, const Insn *in, int w) { loop_common(c, in, w, LOOP_ANY); }
static inline void loope_w(Cpu *c, const Insn *in, int w) { loop_common(c, in, w, LOOP_E); }
static inline void loopne_w(Cpu *c, const Insn *in, int w) { loop_common(c, in, w, LOOP_NE); }
static inline void jcxz_w(Cpu *c, const Insn *in, int w) { loop_common(c, in, w, LOOP_JCXZ); }
DEFINE_OPV(loop)
DEFINE_OPV(loope)
DEFINE_OPV(loopne)
DEFINE_OPV(jcxz)

/* ---- software interrupts ---------------------------------------------- */

/* With CR4.VME, INT n in virtual-8086 mode whose bit is clear in the
 * interrupt redirection bitmap (the 32 bytes below the I/O permission
 * bitmap of the 32-bit TSS, SDM vol. 3, 20.3.3.5) goes through the 8086
 * IVT at linear address 0, as in real mode; a bit beyond the TSS limit
 * is #GP(0). */
static bool v86_redirected(Cpu *c, int n)
{
    if ((c->tr.attr & 0x0f) != 0x0b || c->tr.limit < 0x67)
        cpu_raise(c, X86_TRAP_GP, 0);
    uint32_t off = (uint32_t)cpu_lin_rd16(c, c->tr.base + 0x66) - 32 + (uint32_t)n / 8;
    if (off > c->tr.limit)
        cpu_raise(c, X86_TRAP_GP, 0);
    return !(cpu_lin_rd8(c, c->tr.base + off) & (1u << (n & 7)));
}

/* The 8086 interrupt inside virtual-8086 mode (SDM vol. 3, 20.3.3.5,
 * methods 5 and 6): with IOPL < 3 the pushed FLAGS show VIF as IF and
 * IOPL as 3, and VIF is cleared instead of IF. */
static void v86_int_redirect(Cpu *c, int n)
{
    uint16_t ip = cpu_lin_rd16(c, (uint32_t)n * 4);
    uint16_t cs = cpu_lin_rd16(c, (uint32_t)n * 4 + 2);
    uint32_t sp = stack_ptr(c);
    for (uint32_t slot = 2; slot <= 6; slot += 2)
        cpu_check_write(c, SEG_SS, stack_addr(c, sp - slot), 2);
    uint32_t f = c->eflags & 0xffffu;
    bool virt = IOPL(c) < 3;
    if (virt)
        f = (f & ~X86_EFLAGS_IF) | ((c->eflags & X86_EFLAGS_VIF) ? X86_EFLAGS_IF : 0) | X86_EFLAGS_IOPL;
    cpu_push16(c, (uint16_t)f);
    cpu_push16(c, c->seg[SEG_CS].sel);
    cpu_push16(c, (uint16_t)c->eip);
    c->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_RF | (virt ? X86_EFLAGS_VIF : X86_EFLAGS_IF));
    far_jump(c, cs, ip);
    c->exit_req = 1;
}

void op_int_Ib(Cpu *c, const Insn *in)
{
    /* INT n is IOPL-sensitive in virtual-8086 mode (SDM vol. 3, 20.3.3),
     * unless CR4.VME redirects it. INT3 and INTO are neither. */
    int n = in->imm & 0xff;
    if (c->eflags & X86_EFLAGS_VM) {
        if ((c->cr4 & X86_CR4_VME) && v86_redirected(c, n)) {
            v86_int_redirect(c, n);
            return;
        }
        if (IOPL(c) < 3)
            cpu_raise(c, X86_TRAP_GP, 0);
    }
    cpu_interrupt(c, n, 1, false, 0);
}

void op_int3(Cpu *c, const Insn *in)
{
    (void)in;
    cpu_interrupt(c, X86_TRAP_BP, 1, false, 0);
}

void op_into(Cpu *c, const Insn *in)
{
    (void)in;
    if (c->eflags & X86_EFLAGS_OF)
        cpu_interrupt(c, X86_TRAP_OF, 1, false, 0);
}

/* INT1 (ICEBP, F1): a #DB trap as the debug hardware would raise it, so no
 * gate DPL check and the EXT bit in any error code. */
void op_int1(Cpu *c, const Insn *in)
{
    (void)in;
    cpu_interrupt(c, X86_TRAP_DB, 0, false, 0);
}

/* ---- BOUND, HLT ------------------------------------------------------- */

static inline void bound_w(Cpu *c, const Insn *in, int w)
{
    uint32_t ea = insn_ea(c, in), ea2 = ea_next(in, ea, (uint32_t)w / 8);
    int32_t idx, lo, hi;
    if (w == 32) {
        idx = (int32_t)c->r[in->reg];
        lo = (int32_t)cpu_rd32(c, in->seg, ea);
        hi = (int32_t)cpu_rd32(c, in->seg, ea2);
    } else {
        idx = (int16_t)get_reg16(c, in->reg);
        lo = (int16_t)cpu_rd16(c, in->seg, ea);
        hi = (int16_t)cpu_rd16(c, in->seg, ea2);
    }
    if (idx < lo || idx > hi)
        cpu_raise(c, X86_TRAP_BR, 0);
}
DEFINE_OPV(bound)

void op_hlt(Cpu *c, const Insn *in)
{
    (void)in;
    if (c->cpl != 0) /* protected mode CPL > 0, and virtual-8086 mode */
        cpu_raise(c, X86_TRAP_GP, 0);
    c->halted = true;
    c->exit_req = 1;
}
