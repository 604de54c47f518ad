/*
 * test_fpu.c - the x87 handlers (cpu/fpu.c, cpu/fpu_ldst.c) on what the
 * guest tests cannot check under QEMU or in flat mode: the real-mode and
 * 16-bit FNSTENV/FNSAVE layouts (SDM vol. 1 figs 8-9..8-12), unmasked
 * exceptions (destination and stack left unchanged, ES/B, #MF only with
 * CR0.NE), the #UD of the transcendentals not yet written, reserved
 * encodings. Expected values are worked by hand from the SDM.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "cpu/access.h"
#include "cpu/decode.h"
#include "cpu/segment.h"

static PhysMem *mem;
static Cpu cpu, *c = &cpu;
static int fails, checks;
#define EQ(a, b)                                                                                   \
    do {                                                                                           \
        checks++;                                                                                  \
        unsigned long long _a = (a), _b = (b);                                                     \
        if (_a != _b) {                                                                            \
            fails++;                                                                               \
            printf("FAIL %s:%d: %s = %#llx, want %#llx\n", __FILE__, __LINE__, #a, _a, _b);        \
        }                                                                                          \
    } while (0)

/* Run one instruction from its bytes at CS:EIP; the fault vector or -1. */
static int step(const char *hex)
{
    uint8_t b[16];
    int n = 0;
    for (const char *p = hex; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        unsigned v;
        sscanf(p, "%2x", &v);
        b[n++] = (uint8_t)v;
        p += 2;
    }
    memcpy(mem->ram + c->seg[SEG_CS].base + c->eip, b, n);
    Insn in;
    int len = x86_decode(b, n, c->code32, &in);
    if (len != n) {
        printf("decode len %d != %d for %s\n", len, n, hex);
        fails++;
    }
    jmp_buf jb;
    c->fault_jmp = &jb;
    if (setjmp(jb))
        return c->exc_vector;
    c->insn_eip = c->eip;
    c->eip += in.len;
    in.fn(c, &in);
    return -1;
}

static uint16_t rd16(uint32_t a)
{
    uint16_t v;
    memcpy(&v, mem->ram + a, 2);
    return v;
}
static uint32_t rd32(uint32_t a)
{
    uint32_t v;
    memcpy(&v, mem->ram + a, 4);
    return v;
}
static void wr16(uint32_t a, uint16_t v) { memcpy(mem->ram + a, &v, 2); }
static void wr64(uint32_t a, uint64_t v) { memcpy(mem->ram + a, &v, 8); }

static void real_mode(void)
{
    cpu_reset(c);
    c->seg[SEG_CS].sel = 0x100;
    c->seg[SEG_CS].base = 0x1000;
    c->eip = 0x200;
    cpu_load_seg(c, SEG_SS, 0x2000);
    c->r[R_ESP] = 0x1000;
    cpu_load_seg(c, SEG_DS, 0x3000);
    cpu_update_mode(c);
}

static uint16_t sw(void)
{
    return (uint16_t)((c->fpu.sw & ~0x3800u) | c->fpu.top << 11);
}

static void test_env_real(void)
{
    real_mode();
    wr64(0x30010, 0x4000000000000000ull); /* 2.0 */
    EQ(step("d9 e8"), -1);                /* fld1 at 0100:0200 */
    EQ(step("dd 06 10 00"), -1);          /* fld qword [0x10] at 0100:0202 */
    EQ(step("d9 36 00 01"), -1);          /* fnstenv [0x100], 16-bit */
    EQ(rd16(0x30100), 0x037f);
    EQ(rd16(0x30102), 0x3000);               /* TOP 6 */
    EQ(rd16(0x30104), 0x0fff);               /* R7, R6 valid */
    EQ(rd16(0x30106), 0x1202);               /* FIP = 0x1000 + 0x202, low 16 */
    EQ(rd16(0x30108), 0x0506);               /* FIP[19:16] = 0, FOP dd 06 */
    EQ(rd16(0x3010a), 0x0010);               /* FDP = 0x30010, low 16 */
    EQ(rd16(0x3010c), 0x3000);               /* FDP[19:16] << 12 */
    EQ(step("66 d9 36 00 02"), -1);          /* fnstenv [0x200], 32-bit */
    EQ(rd32(0x3020c), 0x1202);
    EQ(rd32(0x30210), 0x0506);
    EQ(rd32(0x30214), 0x0010);
    EQ(rd32(0x30218), 0x3000);
    /* FLDENV: TOP 7 and R6 marked empty; FIP/FDP come back as stored. */
    wr16(0x30102, 0x3800);
    wr16(0x30104, 0x3fff);
    EQ(step("d9 26 00 01"), -1);
    EQ(c->fpu.top, 7);
    EQ(c->fpu.empty, 0x7f);
    EQ(step("d9 36 00 03"), -1);
    EQ(rd16(0x30306), 0x1202);
    EQ(rd16(0x3030c), 0x3000);
    /* FNSAVE (16-bit, 94 bytes) re-initializes; FRSTOR puts it back. */
    EQ(step("dd 36 00 04"), -1);
    EQ(rd16(0x30400 + 14 + 8), 0x3fff); /* ST0 = R7 = 1.0 */
    EQ(c->fpu.empty, 0xff);
    EQ(c->fpu.top, 0);
    EQ(step("dd 26 00 04"), -1);
    EQ(c->fpu.top, 7);
    EQ(c->fpu.empty, 0x7f);
    EQ(c->fpu.st[7].se, 0x3fff);
}

static void test_env_prot16(void)
{
    real_mode();
    c->cr0 |= X86_CR0_PE; /* CPL 0, real-mode segments kept: enough here */
    EQ(step("d9 e8"), -1);
    EQ(step("dd 06 10 00"), -1);
    EQ(step("d9 36 00 01"), -1);
    EQ(rd16(0x30106), 0x0202); /* FIP offset */
    EQ(rd16(0x30108), 0x0100); /* FCS */
    EQ(rd16(0x3010a), 0x0010); /* FDP offset */
    EQ(rd16(0x3010c), 0x3000); /* FDS */
    EQ(step("66 d9 36 00 02"), -1);
    EQ(rd32(0x30210), 0x05060100u); /* FOP:FCS */
    EQ(rd32(0x30218) & 0xffff, 0x3000);
}

static void test_unmasked(void)
{
    real_mode();
    c->cr0 |= X86_CR0_NE;
    wr16(0x30000, 0x037e); /* IM clear */
    EQ(step("d9 2e 00 00"), -1);
    EQ(step("d9 e8"), -1); /* fld1 */
    EQ(step("d9 e0"), -1); /* fchs: -1 */
    EQ(step("d9 fa"), -1); /* fsqrt(-1): IE unmasked */
    EQ(c->fpu.st[7].se, 0xbfff); /* unchanged */
    EQ(sw() & 0x80ff, 0x8081);
    EQ(step("d9 e8"), 16); /* the next waiting instruction: #MF */
    EQ(c->fpu.top, 7);
    EQ(step("9b"), 16);
    EQ(step("df e0"), -1); /* fnstsw ax does not wait */
    EQ(c->r[R_EAX] & 0xffff, 0xb881);
    c->cr0 &= ~X86_CR0_NE; /* XXX FERR#: no IRQ 13 yet, the insn proceeds */
    EQ(step("d9 e8"), -1);
    EQ(c->fpu.top, 6);
    EQ(step("db e2"), -1); /* fnclex */
    EQ(sw() & 0x80ff, 0);
    /* Stack overflow unmasked: nothing pushed. */
    for (int i = 0; i < 6; i++)
        EQ(step("d9 ee"), -1);
    EQ(c->fpu.top, 0);
    EQ(step("d9 ee"), -1);
    EQ(c->fpu.top, 0);
    EQ(sw() & 0x82ff, 0x82c1); /* B, C1, ES, SF, IE */
    EQ(step("db e3"), -1);      /* fninit */
    EQ(c->fpu.cw, 0x037f);
    /* ZE unmasked: ST0 keeps 1.0. */
    wr16(0x30000, 0x037b);
    EQ(step("d9 2e 00 00"), -1);
    EQ(step("d9 ee"), -1);      /* fldz */
    EQ(step("d9 e8"), -1);      /* fld1 */
    EQ(step("d8 f1"), -1);      /* fdiv st0, st1 */
    EQ(c->fpu.st[6].se, 0x3fff);
    EQ(sw() & 0x80ff, 0x8084);
    /* FST m32 with OE unmasked writes nothing. */
    real_mode();
    wr16(0x30000, 0x0377);
    EQ(step("d9 2e 00 00"), -1);
    wr64(0x30020, 0x8000000000000000ull); /* 2^16383 */
    wr16(0x30028, 0x7ffe);
    EQ(step("db 2e 20 00"), -1); /* fld tword [0x20] */
    memset(mem->ram + 0x30040, 0x5a, 4);
    EQ(step("d9 16 40 00"), -1); /* fst dword [0x40] */
    EQ(rd32(0x30040), 0x5a5a5a5au);
    EQ(sw() & 0x80ff, 0x8088); /* OE ES B (f80.c: no PE then) */
}

static void test_misc(void)
{
    real_mode();
    /* Transcendentals (f80_trans.c, cross-checked by test_f80_trans): the
     * stack effects. */
    EQ(step("d9 e8"), -1); /* fld1 */
    EQ(step("d9 f0"), -1); /* F2XM1: 2^1 - 1 = 1, exact */
    EQ(c->fpu.st[c->fpu.top].se, 0x3fff);
    EQ(c->fpu.st[c->fpu.top].sig, 0x8000000000000000ull);
    EQ(step("d9 f2"), -1); /* FPTAN: tan 1, then push 1.0 */
    EQ(c->fpu.top, 6);
    EQ(step("d9 f3"), -1); /* FPATAN: atan2(tan 1, 1) ~ 1, pops */
    EQ(c->fpu.top, 7);
    EQ(c->fpu.st[7].se == 0x3fff || c->fpu.st[7].se == 0x3ffe, 1);
    EQ(step("d9 fb"), -1); /* FSINCOS: sin in ST(1), cos pushed */
    EQ(c->fpu.top, 6);
    EQ(step("d9 fe"), -1); /* FSIN */
    EQ(step("dd d8"), -1); /* fstp st0 */
    EQ(step("dd d8"), -1);
    EQ(c->fpu.top, 0);
    EQ(step("d9 d1"), 6); /* reserved */
    EQ(step("dd 0e 00 00"), 6); /* FISTTP m64: SSE3 */
    EQ(step("de d8"), 6);
    EQ(step("d9 d0"), -1); /* fnop */
    c->cr0 |= X86_CR0_EM;
    EQ(step("d9 e8"), 7);
    EQ(step("9b"), -1);
    c->cr0 = (c->cr0 & ~X86_CR0_EM) | X86_CR0_TS;
    EQ(step("db e3"), 7);
    EQ(step("9b"), -1);
    c->cr0 |= X86_CR0_MP;
    EQ(step("9b"), 7);
}

int main(void)
{
    const char *err;
    mem = mem_create(8u << 20, &err);
    cpu_init(c, mem);
    test_env_real();
    test_env_prot16();
    test_unmasked();
    test_misc();
    printf("%d checks, %d failures\n", checks, fails);
    return fails != 0;
}
