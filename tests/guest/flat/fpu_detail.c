/*
 * fpu_detail.c - x87 details QEMU 7.2 does not model, so that fpu_basic.c
 * can pass under it: the FOP field of FNSTENV (SDM vol. 1 8.1.9) and stack
 * faults (SDM vol. 1 8.5.1.1): a push onto a full
 * stack and an operand from an empty register raise IE with SF, C1 telling
 * overflow (1) from underflow (0); masked, the result is the real
 * indefinite (FFFF C000000000000000).
 *
 * Known QEMU 7.2 difference (tests/scripts/guest-qemu.sh): its x87 does
 * not detect stack faults at all, and stores FOP as 0.
 */
#include "guest.h"

typedef struct {
    uint64_t sig;
    uint16_t se;
} __attribute__((packed)) f80;

static uint16_t fnstsw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw));
    return sw;
}

static void check80(const char *name, f80 v, uint16_t se, uint64_t sig)
{
    rt_puts(name);
    rt_puts("\n");
    CHECK("  sign/exponent", v.se, se);
    CHECK("  significand high", (uint32_t)(v.sig >> 32), (uint32_t)(sig >> 32));
    CHECK("  significand low", (uint32_t)v.sig, (uint32_t)sig);
}

static f80 fstpt(void)
{
    f80 r;
    __asm__ volatile("fstpt %0" : "=m"(r));
    return r;
}

static void test_stack_faults(void)
{
    uint16_t sw;
    __asm__ volatile("fninit");
    for (int i = 0; i < 8; i++)
        __asm__ volatile("fld1");
    CHECK("8 pushes: no fault", fnstsw(), 0x0000);
    __asm__ volatile("fldz");
    sw = fnstsw();
    CHECK("9th push: IE SF C1, TOP 7", sw, 0x3800 | 0x0241);
    check80("9th push: real indefinite in ST0", fstpt(), 0xffff, 0xc000000000000000ull);
    __asm__ volatile("fninit\n\tfadd %st(1), %st");
    CHECK("fadd on an empty stack: IE SF, C1 clear", fnstsw(), 0x0041);
    __asm__ volatile("fninit\n\tfld1\n\tfadd %st(1), %st");
    CHECK("fadd st(1) empty: IE SF", fnstsw(), 0x3841);
    check80("fadd st(1) empty: indefinite", fstpt(), 0xffff, 0xc000000000000000ull);
}

static void test_fop(void)
{
    static const uint64_t val = 0x4000000000000000ull; /* 2.0 */
    uint32_t env[7];
    __asm__ volatile("fninit\n\tfldl %1\n\tfnstenv %0" : "=m"(env) : "m"(val));
    CHECK("fnstenv: fop of fldl m64 (dd 05)", (env[4] >> 16) & 0x7ff, 0x505);
    __asm__ volatile("fninit\n\tfld1\n\tfsqrt\n\tfnstcw %1\n\tfnstenv %0" : "=m"(env), "=m"(env[6]));
    CHECK("fnstenv: fop of fsqrt (d9 fa), not of the control insns", (env[4] >> 16) & 0x7ff, 0x1fa);
}

void guest_main(void)
{
    print("fpu_detail: FOP, stack overflow and underflow, masked\n");
    test_fop();
    test_stack_faults();
    guest_exit(0);
}
