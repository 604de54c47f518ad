/*
 * stack.c - PUSH and POP in every form (registers, immediates, memory,
 * segment registers), PUSHA/POPA, PUSHF/POPF, ENTER and LEAVE (SDM vol. 2).
 *
 * The operand size (w) says how much is pushed or popped; the stack size
 * (SS.B, c->stack32) says whether ESP or SP moves, which access.h handles.
 * Check, then commit: instructions that touch several stack slots read or
 * check all of them before ESP or any register changes, so a fault leaves
 * the instruction undone.
 *
 * P6 choices where the SDM leaves room:
 *   - PUSH Sreg with a 32-bit operand size writes the selector with a
 *     16-bit move and moves ESP by 4; the slot's upper half is unchanged.
 *   - POP Sreg with a 32-bit operand size reads 4 bytes and uses the low 2.
 */
#include "cpu/alu.h"

#define IOPL(c) (((c)->eflags >> 12) & 3)

static inline void push_w(Cpu *c, int w, uint32_t v)
{
    if (w == 32)
        cpu_push32(c, v);
    else
        cpu_push16(c, (uint16_t)v);
}

static inline uint32_t pop_w(Cpu *c, int w)
{
    return w == 32 ? cpu_pop32(c) : cpu_pop16(c);
}

static inline uint32_t peek_w(Cpu *c, int w, uint32_t delta)
{
    return w == 32 ? stack_peek32(c, delta) : stack_peek16(c, delta);
}

/* The whole ESP after moving the stack pointer by delta: SP wraps within
 * 64K on a 16-bit stack and ESP's upper half stays. */
static inline uint32_t esp_moved(const Cpu *c, uint32_t delta)
{
    uint32_t esp = c->r[R_ESP];
    if (c->stack32)
        return esp + delta;
    return (esp & 0xffff0000u) | ((esp + delta) & 0xffff);
}

/* ---- PUSH, POP: registers, immediates, memory --------------------------- */

/* PUSH ESP pushes the value ESP had before the push. */
static inline void push_Zv_w(Cpu *c, const Insn *in, int w)
{
    push_w(c, w, reg_get(c, in->reg, w));
}
ALU_DEFINE_OPV(push_Zv)

/* POP ESP: ESP is incremented, then loaded with the value popped. */
static inline void pop_Zv_w(Cpu *c, const Insn *in, int w)
{
    uint32_t v = pop_w(c, w);
    reg_set(c, in->reg, w, v);
}
ALU_DEFINE_OPV(pop_Zv)

/* 68 (Iz) and 6A (Ibs, sign-extended by the decoder). */
static inline void push_Iz_w(Cpu *c, const Insn *in, int w)
{
    push_w(c, w, in->imm);
}
ALU_DEFINE_OPV(push_Iz)

/* The operand's address is computed with ESP as it was before the push. */
static inline void push_Ev_w(Cpu *c, const Insn *in, int w)
{
    push_w(c, w, rd_E(c, in, w));
}
ALU_DEFINE_OPV(push_Ev)

/* POP Ev: a memory operand based on ESP is addressed with ESP as it is
 * after the pop (SDM POP). The value is read, the destination written with
 * that ESP in the address, and only then does ESP move. In 16-bit
 * addressing SP is never a base, and no SIB index is ESP. */
static inline void pop_Ev_w(Cpu *c, const Insn *in, int w)
{
    uint32_t v = peek_w(c, w, 0);
    uint32_t esp = esp_moved(c, (uint32_t)w / 8);
    if (in->mod == 3) {
        c->r[R_ESP] = esp;
        reg_set(c, in->rm, w, v);
        return;
    }
    uint32_t base = in->base == R_ESP ? esp : c->r[in->base];
    uint32_t ea = base + (c->r[in->index] << in->scale) + in->disp;
    if (!(in->flags & INSN_ADDR32))
        ea &= 0xffff;
    mem_set(c, in->seg, ea, w, v);
    c->r[R_ESP] = esp;
}
ALU_DEFINE_OPV(pop_Ev)

/* ---- segment registers -------------------------------------------------- */

static inline void push_seg(Cpu *c, int w, int s)
{
    uint16_t sel = c->seg[s].sel;
    if (w == 16) {
        cpu_push16(c, sel);
        return;
    }
    uint32_t sp = stack_addr(c, stack_ptr(c) - 4);
    cpu_wr16(c, SEG_SS, sp, sel);
    stack_set_ptr(c, sp);
}

/* The slot is read, the segment register loaded (which may fault), and then
 * ESP moves, by the stack size that was in force before the load. POP SS
 * inhibits interrupts for one instruction, like MOV SS. */
static inline void pop_seg(Cpu *c, int w, int s)
{
    uint16_t sel = (uint16_t)peek_w(c, w, 0);
    uint32_t esp = esp_moved(c, (uint32_t)w / 8);
    cpu_load_seg(c, s, sel);
    c->r[R_ESP] = esp;
    if (s == SEG_SS)
        c->irq_shadow = true;
}

#define PUSH_POP_SEG(S)                                                        \
    static inline void push_##S##_w(Cpu *c, const Insn *in, int w)           \
    {                                                                          \
        (void)in;                                                              \
        push_seg(c, w, SEG_##S);                                               \
    }                                                                          \
    ALU_DEFINE_OPV(push_##S)
#define POP_SEG(S)                                                             \
    static inline void pop_##S##_w(Cpu *c, const Insn *in, int w)            \
    {                                                                          \
        (void)in;                                                              \
        pop_seg(c, w, SEG_##S);                                                \
    }                                                                          \
    ALU_DEFINE_OPV(pop_##S)

PUSH_POP_SEG(ES)
PUSH_POP_SEG(CS)
PUSH_POP_SEG(SS)
PUSH_POP_SEG(DS)
PUSH_POP_SEG(FS)
PUSH_POP_SEG(GS)
POP_SEG(ES)
POP_SEG(SS)
POP_SEG(DS)
POP_SEG(FS)
POP_SEG(GS)

/* ---- PUSHA, POPA -------------------------------------------------------- */

/* Fault unless the `slots` slots of n bytes below stack offset sp are all
 * writable. One range check when they do not wrap, else one per slot. */
static void stack_check_slots(Cpu *c, uint32_t sp, uint32_t n, uint32_t slots)
{
    uint32_t low = stack_addr(c, sp - slots * n);
    if ((uint64_t)low + slots * n == sp) {
        cpu_check_write(c, SEG_SS, low, slots * n);
        return;
    }
    for (uint32_t i = 1; i <= slots; i++)
        cpu_check_write(c, SEG_SS, stack_addr(c, sp - i * n), n);
}

/* Pushes EAX, ECX, EDX, EBX, the original ESP, EBP, ESI, EDI: register
 * order, so slot i holds register i. */
static inline void pusha_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    uint32_t n = (uint32_t)w / 8, sp = stack_ptr(c);
    stack_check_slots(c, sp, n, 8);
    for (uint32_t i = 0; i < 8; i++)
        mem_set(c, SEG_SS, stack_addr(c, sp - (i + 1) * n), w, c->r[i]);
    stack_set_ptr(c, sp - 8 * n);
}
ALU_DEFINE_OPV(pusha)

/* Pops EDI first; the slot of ESP is skipped. */
static inline void popa_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    uint32_t n = (uint32_t)w / 8, v[8];
    for (uint32_t i = 0; i < 8; i++)
        v[7 - i] = peek_w(c, w, i * n);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            reg_set(c, r, w, v[r]);
    stack_set_ptr(c, stack_ptr(c) + 8 * n);
}
ALU_DEFINE_OPV(popa)

/* ---- PUSHF, POPF -------------------------------------------------------- */

/* In virtual-8086 mode with IOPL < 3, PUSHF and POPF raise #GP(0), except
 * that with CR4.VME a 16-bit PUSHF/POPF works on a virtual IF: the pushed
 * image has IF = VIF and IOPL = 3, and POPF loads IF's bit into VIF (SDM
 * vol. 3, 20.3.1). */
static inline bool vme_16(const Cpu *c, int w)
{
    return w == 16 && (c->cr4 & X86_CR4_VME);
}

static inline void pushf_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    if ((c->eflags & X86_EFLAGS_VM) && IOPL(c) < 3) {
        if (!vme_16(c, w))
            cpu_raise(c, X86_TRAP_GP, 0);
        uint32_t f = cpu_get_eflags(c) & 0xffffu & ~X86_EFLAGS_IF;
        if (c->eflags & X86_EFLAGS_VIF)
            f |= X86_EFLAGS_IF;
        cpu_push16(c, (uint16_t)(f | X86_EFLAGS_IOPL));
        return;
    }
    /* VM and RF read as 0 in the pushed image (SDM PUSHF) */
    push_w(c, w, cpu_get_eflags(c) & ~(X86_EFLAGS_VM | X86_EFLAGS_RF));
}
ALU_DEFINE_OPV(pushf)

/*
 * Which flags POPF may change (SDM POPF, "Operation"):
 *   - VM, VIP and VIF never change, and a 32-bit POPF clears RF;
 *   - IOPL only at CPL 0 (real mode counts as CPL 0);
 *   - IF only when CPL <= IOPL;
 *   - in virtual-8086 mode (IOPL 3, else #GP) IOPL stays;
 *   - a 16-bit POPF changes only bits 0-15.
 * cpu_set_eflags drops the reserved bits.
 */
static inline void popf_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    uint32_t mask = w == 32 ? 0xffffffffu : 0xffffu;
    mask &= ~(X86_EFLAGS_VM | X86_EFLAGS_RF | X86_EFLAGS_VIP | X86_EFLAGS_VIF);
    if (c->eflags & X86_EFLAGS_VM) {
        if (IOPL(c) < 3) {
            if (!vme_16(c, w))
                cpu_raise(c, X86_TRAP_GP, 0);
            /* VME: TF set, or IF set with a virtual interrupt pending,
             * goes to the monitor; else IF's bit becomes VIF */
            uint32_t v = stack_peek16(c, 0);
            if ((v & X86_EFLAGS_TF) || ((v & X86_EFLAGS_IF) && (c->eflags & X86_EFLAGS_VIP)))
                cpu_raise(c, X86_TRAP_GP, 0);
            cpu_pop16(c);
            cpu_set_eflags(c, v, mask & ~(X86_EFLAGS_IOPL | X86_EFLAGS_IF));
            c->eflags = (c->eflags & ~X86_EFLAGS_VIF) | ((v & X86_EFLAGS_IF) ? X86_EFLAGS_VIF : 0);
            return;
        }
        mask &= ~X86_EFLAGS_IOPL;
    } else if (c->cpl > 0) {
        mask &= ~X86_EFLAGS_IOPL;
        if (c->cpl > IOPL(c))
            mask &= ~X86_EFLAGS_IF;
    }
    uint32_t v = pop_w(c, w);
    uint32_t old = c->eflags;
    cpu_set_eflags(c, v, mask);
    if (w == 32)
        c->eflags &= ~X86_EFLAGS_RF;
    /* IF set lets a pending interrupt in (a later one sets exit_req as
     * the line rises); TF or RF set, cpu_set_eflags ends the block
     * itself. Otherwise the block goes on (Linux's irq-restore POPF
     * ended one on every system call). */
    if ((c->eflags & ~old & X86_EFLAGS_IF) && c->intr)
        c->exit_req = 1;
}
ALU_DEFINE_OPV(popf)

/* ---- ENTER, LEAVE ------------------------------------------------------- */

/*
 * ENTER Iw, Ib (SDM ENTER, "Operation"), with n = operand size in bytes:
 *   push (E)BP; FrameTemp = ESP (32-bit operand) or SP (16-bit operand)
 *   for i in 1 .. level-1: push the n bytes at SS:[(E)BP - i*n]
 *   if level > 0: push FrameTemp
 *   EBP = FrameTemp (32-bit operand) or BP = FrameTemp (16-bit operand);
 *   (E)SP -= Iw
 * The frame pointers are read, and (E)SP moved, by the stack size; what
 * FrameTemp holds and which part of EBP it replaces follow the operand size,
 * so a 32-bit ENTER on a 16-bit stack pushes and loads the whole ESP, upper
 * half included (the SDM's OperandSize = 32 branch). Everything that
 * can fault comes first: the pushed slots are checked writable, the copied
 * frame pointers read, and the new stack top checked (#SS if outside the
 * stack segment, as the SDM lists); only then is anything written.
 */
#define ENTER_MAX_LEVEL 32

static inline void enter_w(Cpu *c, const Insn *in, int w)
{
    uint32_t n = (uint32_t)w / 8;
    uint32_t level = in->imm2 & 31, alloc = in->imm & 0xffff;
    uint32_t sp = stack_ptr(c), bp = stack_addr(c, c->r[R_EBP]);
    uint32_t pushes = 1 + level; /* EBP, then level-1 copies and FrameTemp */
    uint32_t frame = stack_addr(c, sp - n);
    uint32_t top = stack_addr(c, sp - pushes * n);
    uint32_t new_sp = stack_addr(c, top - alloc);

    stack_check_slots(c, sp, n, pushes);
    uint32_t copies[ENTER_MAX_LEVEL];
    for (uint32_t i = 1; i < level; i++)
        copies[i] = mem_get(c, SEG_SS, stack_addr(c, bp - i * n), w);
    cpu_check_write(c, SEG_SS, new_sp, n);

    /* ESP after the push of (E)BP: on a 16-bit stack only SP moved. */
    uint32_t frame_temp = esp_moved(c, (uint32_t)-n);
    mem_set(c, SEG_SS, frame, w, c->r[R_EBP]);
    for (uint32_t i = 1; i < level; i++)
        mem_set(c, SEG_SS, stack_addr(c, sp - (i + 1) * n), w, copies[i]);
    if (level > 0)
        mem_set(c, SEG_SS, top, w, frame_temp);
    stack_set_ptr(c, new_sp);
    reg_set(c, R_EBP, w, frame_temp);
}
ALU_DEFINE_OPV(enter)

/* (E)SP = (E)BP by the stack size, then pop (E)BP by the operand size. */
static inline void leave_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    uint32_t sp = stack_addr(c, c->r[R_EBP]);
    uint32_t v = mem_get(c, SEG_SS, sp, w);
    stack_set_ptr(c, sp + (uint32_t)w / 8);
    reg_set(c, R_EBP, w, v);
}
ALU_DEFINE_OPV(leave)
