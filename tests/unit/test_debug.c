/*
 * test_debug.c - events the dispatcher takes between instructions, on a
 * tiny real-mode machine (as test_smc.c): NMI (not masked by IF, blocked
 * until the handler's IRET, wakes HLT), INTR waking HLT, and the interrupt
 * shadow after STI and MOV SS (an INTR pending during the shadow is taken
 * after the next instruction exactly), single-step, and I/O breakpoints.
 */
#include "rig.h"

#define NMI_HANDLER 0x2000
#define INTR_HANDLER 0x3000
#define INTR_VECTOR 0x20

static int ack(void *opaque)
{
    Rig *r = opaque;
    r->acks++;
    r->cpu.intr = false;
    return INTR_VECTOR;
}

static void set_ivt(Rig *r, int vector, uint16_t ip)
{
    uint8_t *e = r->mem->ram + vector * 4;
    e[0] = (uint8_t)ip;
    e[1] = (uint8_t)(ip >> 8);
    e[2] = e[3] = 0; /* CS = 0 */
}

static int rig_setup(void **state)
{
    static Rig rig;
    rig_init(&rig);
    rig.cpu.irq_ack = ack;
    rig.cpu.irq_opaque = &rig;
    /* both handlers: inc bx; iret */
    static const uint8_t handler[] = { 0x43, 0xcf };
    memcpy(rig.mem->ram + NMI_HANDLER, handler, sizeof(handler));
    memcpy(rig.mem->ram + INTR_HANDLER, handler, sizeof(handler));
    set_ivt(&rig, X86_TRAP_NMI, NMI_HANDLER);
    set_ivt(&rig, INTR_VECTOR, INTR_HANDLER);
    *state = &rig;
    return 0;
}

static int rig_teardown(void **state)
{
    rig_free(*state);
    return 0;
}


static uint16_t stack_word(Rig *r, int i)
{
    uint32_t sp = (r->cpu.r[R_ESP] & 0xffff) + 2u * (uint32_t)i;
    return (uint16_t)(r->mem->ram[sp] | (r->mem->ram[sp + 1] << 8));
}

static const uint8_t nops[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };

/* IF = 0 does not mask NMI; a second NMI waits for the handler's IRET. */
static void nmi_blocked_until_iret(void **state)
{
    Rig *r = *state;
    rig_load(r, 0x1000, nops, sizeof(nops));
    r->cpu.eflags &= ~X86_EFLAGS_IF;
    cpu_raise_nmi(&r->cpu);
    rig_run(r, 1); /* NMI delivered, then the handler's inc bx */
    assert_int_equal(r->cpu.r[R_EBX], 1);
    assert_int_equal(r->cpu.eip, NMI_HANDLER + 1);
    assert_int_equal(stack_word(r, 0), 0x1000); /* return IP */
    assert_true(r->cpu.nmi_blocked);
    cpu_raise_nmi(&r->cpu);
    rig_run(r, 1); /* the IRET: the second NMI is still blocked */
    assert_int_equal(r->cpu.eip, 0x1000);
    assert_false(r->cpu.nmi_blocked);
    assert_int_equal(r->cpu.r[R_EBX], 1);
    rig_run(r, 1); /* now it is taken, before any instruction at 0x1000 */
    assert_int_equal(r->cpu.r[R_EBX], 2);
    assert_int_equal(r->cpu.eip, NMI_HANDLER + 1);
}

/* HLT with IF = 0 wakes on NMI. */
static void nmi_wakes_hlt(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = { 0xf4, 0x90 }; /* hlt; nop */
    rig_load(r, 0x1000, code, sizeof(code));
    r->cpu.eflags &= ~X86_EFLAGS_IF;
    r->cpu.deadline = r->cpu.icount + 100;
    assert_int_equal(cpu_exec(&r->cpu), EXIT_HALT);
    assert_true(r->cpu.halted);
    cpu_raise_nmi(&r->cpu);
    rig_run(r, 1);
    assert_false(r->cpu.halted);
    assert_int_equal(r->cpu.r[R_EBX], 1);
    assert_int_equal(stack_word(r, 0), 0x1001); /* after the HLT */
}

/* HLT with IF = 1 wakes on INTR. */
static void intr_wakes_hlt(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = { 0xf4, 0x90 };
    rig_load(r, 0x1000, code, sizeof(code));
    r->cpu.eflags |= X86_EFLAGS_IF;
    r->cpu.deadline = r->cpu.icount + 100;
    assert_int_equal(cpu_exec(&r->cpu), EXIT_HALT);
    r->cpu.intr = true;
    rig_run(r, 1);
    assert_int_equal(r->acks, 1);
    assert_false(r->cpu.halted);
    assert_int_equal(r->cpu.r[R_EBX], 1);
    assert_int_equal(stack_word(r, 0), 0x1001);
}

/* STI; INC AX; INC AX with INTR pending throughout: the interrupt comes
 * after the first INC exactly. */
static void sti_shadow(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = { 0xfb, 0x40, 0x40, 0x90 };
    rig_load(r, 0x1000, code, sizeof(code));
    r->cpu.eflags &= ~X86_EFLAGS_IF;
    r->cpu.intr = true;
    rig_run(r, 1); /* sti */
    assert_int_equal(r->acks, 0);
    rig_run(r, 1); /* inc ax, in the shadow */
    assert_int_equal(r->acks, 0);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 1);
    rig_run(r, 1); /* the interrupt, then the handler's inc bx */
    assert_int_equal(r->acks, 1);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 1);
    assert_int_equal(r->cpu.r[R_EBX], 1);
    assert_int_equal(stack_word(r, 0), 0x1002);
}

/* MOV SS, AX holds a pending INTR (and NMI) for one instruction. */
static void mov_ss_shadow(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = { 0x8e, 0xd0, 0x40, 0x40, 0x90 }; /* mov ss, ax */
    rig_load(r, 0x1000, code, sizeof(code));
    r->cpu.r[R_EAX] = 0;
    r->cpu.eflags |= X86_EFLAGS_IF;
    rig_run(r, 1); /* mov ss, ax */
    r->cpu.intr = true;
    cpu_raise_nmi(&r->cpu);
    rig_run(r, 1); /* inc ax, in the shadow */
    assert_int_equal(r->acks, 0);
    assert_int_equal(r->cpu.r[R_EBX], 0);
    assert_int_equal(r->cpu.r[R_EAX] & 0xffff, 1);
    rig_run(r, 1); /* NMI first (it outranks INTR), then the handler's inc bx */
    assert_int_equal(r->cpu.r[R_EBX], 1);
    assert_int_equal(r->cpu.eip, NMI_HANDLER + 1);
    assert_int_equal(stack_word(r, 0), 0x1003);
}

/* A single-step trap after each instruction while TF is set; the
 * dispatcher steps one at a time. */
static void single_step(void **state)
{
    Rig *r = *state;
    rig_load(r, 0x1000, nops, sizeof(nops));
    set_ivt(r, X86_TRAP_DB, NMI_HANDLER);
    r->cpu.eflags |= X86_EFLAGS_TF;
    debug_update(&r->cpu); /* as cpu_set_eflags would */
    rig_run(r, 1); /* nop, then #DB */
    assert_int_equal(r->cpu.eip, NMI_HANDLER);
    assert_int_equal(stack_word(r, 0), 0x1001);
    assert_true(r->cpu.dr[6] & X86_DR6_BS);
    assert_false(r->cpu.eflags & X86_EFLAGS_TF);
    rig_run(r, 2); /* inc bx; iret (TF back on) */
    rig_run(r, 1); /* the next nop, then #DB again */
    assert_int_equal(stack_word(r, 0), 0x1002);
    assert_int_equal(r->cpu.r[R_EBX], 1);
}

/* An I/O breakpoint (DR7 R/W 10, with CR4.DE): a #DB trap after OUT to
 * the port, with B0; a port outside the breakpoint does not hit. QEMU has
 * no I/O breakpoints, so this is a unit test rather than a guest test. */
static void io_breakpoint(void **state)
{
    Rig *r = *state;
    static const uint8_t code[] = { 0xe6, 0x81, 0xe6, 0x80, 0x90 }; /* out 0x81, al; out 0x80, al */
    rig_load(r, 0x1000, code, sizeof(code));
    set_ivt(r, X86_TRAP_DB, NMI_HANDLER);
    r->cpu.cr4 |= X86_CR4_DE;
    r->cpu.dr[0] = 0x80;
    r->cpu.dr[7] = 0x400 | 0x1 | (2u << 16); /* L0, R/W0 = 10, LEN0 = 00 */
    debug_update(&r->cpu);
    rig_run(r, 1); /* out 0x81: no hit */
    assert_int_equal(r->cpu.eip, 0x1002);
    rig_run(r, 1); /* out 0x80, then #DB */
    assert_int_equal(r->cpu.eip, NMI_HANDLER);
    assert_int_equal(stack_word(r, 0), 0x1004);
    assert_int_equal(r->cpu.dr[6] & 0xf, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nmi_blocked_until_iret, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(nmi_wakes_hlt, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(intr_wakes_hlt, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(sti_shadow, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(mov_ss_shadow, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(single_step, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(io_breakpoint, rig_setup, rig_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
