/*
 * test_prot.c - protection transfers on a bare CPU, for the SDM rules the
 * guest tests cannot show under QEMU (see tests/scripts/guest-qemu.sh):
 * #SS(new SS | EXT) for a not-present or too small inner stack, EXT in
 * #TS error codes, check-then-commit (a fault leaves CPL, CS, SS and ESP
 * as they were), a 16-bit TSS's ring-0 stack, a call gate whose parameters
 * do not fit, the virtual-8086 handler rules, and task switches that fault
 * before (nothing changed) or after (in the new task) the commit point.
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
#define EQ(a, b) do { checks++; unsigned long long a_ = (a), b_ = (b); if (a_ != b_) { fails++; \
    printf("FAIL %s:%d: %s = %#llx, want %#llx\n", __FILE__, __LINE__, #a, a_, b_); } } while (0)

#define GDT 0x80000u
#define IDT 0x81000u
#define TSS 0x90000u
#define CODE 0x100000u

static void wr32(uint32_t a, uint32_t v) { memcpy(mem->ram + a, &v, 4); }
static void wr16(uint32_t a, uint16_t v) { memcpy(mem->ram + a, &v, 2); }
static uint8_t rd8(uint32_t a) { return mem->ram[a]; }

/* attr: access byte | flags << 12, as the guest tests' SET_DESC */
static void desc(int sel, uint32_t base, uint32_t limit, uint32_t attr)
{
    wr32(GDT + sel, (limit & 0xffff) | (base << 16));
    wr32(GDT + sel + 4, ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000) |
                        ((attr & 0xff) << 8) | ((attr & 0xf000) << 8));
}

static void gate(uint32_t addr, uint16_t sel, uint32_t off, uint8_t access, uint8_t count)
{
    wr32(addr, (off & 0xffff) | ((uint32_t)sel << 16));
    wr32(addr + 4, (off & 0xffff0000u) | ((uint32_t)access << 8) | count);
}

/* Run one instruction at CS:EIP; the fault vector, or -1. */
static int step(const uint8_t *b, int n)
{
    memcpy(mem->ram + c->seg[SEG_CS].base + c->eip, b, (size_t)n);
    Insn in;
    x86_decode(b, n, c->code32, &in);
    jmp_buf jb;
    c->fault_jmp = &jb;
    if (setjmp(jb))
        return c->exc_vector;
    c->insn_eip = c->eip;
    c->eip += in.len;
    in.fn(c, &in);
    return -1;
}
#define STEP(...) step((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* An external event (EXT = 1) through the IDT; the fault vector, or -1. */
static int external(int vector)
{
    jmp_buf jb;
    c->fault_jmp = &jb;
    if (setjmp(jb))
        return c->exc_vector;
    c->insn_eip = c->eip;
    cpu_interrupt(c, vector, 0, false, 0);
    return -1;
}

static void machine(int cpl)
{
    cpu_reset(c);
    memset(mem->ram + GDT, 0, 0x100);
    desc(0x08, 0, 0xfffff, 0xc09b);      /* code, DPL 0 */
    desc(0x10, 0, 0xfffff, 0xc093);      /* data, DPL 0 */
    desc(0x18, 0, 0xfffff, 0xc0fb);      /* code, DPL 3 */
    desc(0x20, 0, 0xfffff, 0xc0f3);      /* data, DPL 3 */
    desc(0x28, TSS, 0x67, 0x008b);       /* current TSS, busy */
    desc(0x30, 0, 0xfffff, 0xc013);      /* data, DPL 0, not present */
    desc(0x38, 0, 0xfff, 0x4093);        /* data, DPL 0, limit 0xfff */
    desc(0x40, 0, 0xfff, 0x4097);        /* expand-down data, limit 0xfff */
    desc(0x48, TSS + 0x1000, 0x67, 0x0089); /* TSS B */
    desc(0x50, TSS + 0x2000, 0x2b, 0x0081); /* 16-bit TSS */
    gate(GDT + 0x58, 0x08, 0x3000, 0xec, 5); /* call gate, DPL 3, 5 dwords */
    desc(0x60, TSS + 0x3000, 0x60, 0x0089); /* TSS too short */
    c->gdtr = (DescTable){ GDT, 0xff };
    c->idtr = (DescTable){ IDT, 0x7ff };
    gate(IDT + 0x20 * 8, 0x08, 0x2000, 0xee, 0);
    c->tr = (SegReg){ .sel = 0x28, .attr = 0x8b, .base = TSS, .limit = 0x67 };
    memset(mem->ram + TSS, 0, 0x4000);
    wr32(TSS + 4, 0x80000 - 0x100);      /* ESP0 */
    wr16(TSS + 8, 0x10);                 /* SS0 */
    c->cr0 |= X86_CR0_PE;
    int cs = cpl ? 0x1b : 0x08, ds = cpl ? 0x23 : 0x10;
    c->seg[SEG_CS] = (SegReg){ .sel = (uint16_t)cs, .attr = cpl ? 0xc0fb : 0xc09b, .limit = 0xffffffff };
    c->seg[SEG_SS] = (SegReg){ .sel = (uint16_t)ds, .attr = cpl ? 0xc0f3 : 0xc093, .limit = 0xffffffff };
    c->seg[SEG_DS] = c->seg[SEG_ES] = c->seg[SEG_SS];
    for (int s = 0; s < SEG_COUNT; s++)
        seg_update_access(c, s);
    cpu_update_mode(c);
    c->eip = CODE;
    c->r[R_ESP] = 0x70000;
}

/* A fault left ring 3 as it was. */
static void unchanged3(int line)
{
    if (c->cpl != 3 || c->seg[SEG_CS].sel != 0x1b || c->seg[SEG_SS].sel != 0x23 ||
        c->r[R_ESP] != 0x70000 || c->eip != CODE) {
        fails++;
        printf("FAIL %s:%d: state changed by a fault (cpl %d, cs %#x, ss %#x, esp %#x)\n",
               __FILE__, line, c->cpl, c->seg[SEG_CS].sel, c->seg[SEG_SS].sel, c->r[R_ESP]);
    }
    checks++;
}

int main(void)
{
    const char *err;
    mem = mem_create(8u << 20, &err);
    cpu_init(c, mem);

    /* ring 3 -> 0, the working case */
    machine(3);
    EQ(STEP(0xcd, 0x20), -1);
    EQ(c->cpl, 0); EQ(c->r[R_ESP], 0x80000 - 0x100 - 20); EQ(c->eip, 0x2000);

    /* SS0 not present: #SS(SS0 | EXT) (SDM INT, "INTER-PRIVILEGE-LEVEL-
     * INTERRUPT"); QEMU raises #TS here */
    machine(3); wr16(TSS + 8, 0x30);
    EQ(STEP(0xcd, 0x20), X86_TRAP_SS); EQ(c->exc_error, 0x30); unchanged3(__LINE__);
    EQ(external(0x20), X86_TRAP_SS); EQ(c->exc_error, 0x31); unchanged3(__LINE__);
    /* #TS with EXT for a hardware event */
    wr16(TSS + 8, 0x23);
    EQ(external(0x20), X86_TRAP_TS); EQ(c->exc_error, 0x21); unchanged3(__LINE__);

    /* the new stack has no room: #SS(SS0), nothing pushed */
    machine(3); wr16(TSS + 8, 0x38); wr32(TSS + 4, 0x10);
    EQ(STEP(0xcd, 0x20), X86_TRAP_SS); EQ(c->exc_error, 0x38); unchanged3(__LINE__);
    wr32(TSS + 4, 0x1000);               /* 20 bytes below 0x1000 fit */
    EQ(STEP(0xcd, 0x20), -1); EQ(c->r[R_ESP], 0x1000 - 20);
    /* expand-down: offsets above the limit only */
    machine(3); wr16(TSS + 8, 0x40); wr32(TSS + 4, 0x1010);
    EQ(STEP(0xcd, 0x20), X86_TRAP_SS); EQ(c->exc_error, 0x40); unchanged3(__LINE__);
    wr32(TSS + 4, 0x1014);
    EQ(STEP(0xcd, 0x20), -1); EQ(c->r[R_ESP], 0x1000);

    /* a 16-bit TSS: SP0 at 2, SS0 at 4; a 32-bit gate pushes dwords */
    machine(3);
    c->tr = (SegReg){ .sel = 0x50, .attr = 0x83, .base = TSS + 0x2000, .limit = 0x2b };
    wr16(TSS + 0x2000 + 2, 0x6000); wr16(TSS + 0x2000 + 4, 0x10);
    EQ(STEP(0xcd, 0x20), -1); EQ(c->r[R_ESP], 0x6000 - 20); EQ(c->seg[SEG_SS].sel, 0x10);

    /* from virtual-8086 mode the handler must be ring 0: #GP(CS selector) */
    machine(0);
    c->eflags |= X86_EFLAGS_VM | X86_EFLAGS_IOPL;
    for (int s = 0; s < SEG_COUNT; s++)
        cpu_load_seg(c, s, 0x1000);
    cpu_update_mode(c);
    c->eip = 0;
    gate(IDT + 0x21 * 8, 0x1b, 0x2000, 0xee, 0);
    EQ(STEP(0xcd, 0x21), X86_TRAP_GP); EQ(c->exc_error, 0x18);
    EQ(STEP(0xcd, 0x20), -1); EQ(c->cpl, 0); EQ(c->seg[SEG_DS].sel, 0); EQ(c->r[R_ESP], 0x80000 - 0x100 - 36);

    /* a call gate whose 5 parameters do not fit: #SS(SS0), nothing changed */
    machine(3); wr16(TSS + 8, 0x38); wr32(TSS + 4, 0x20);
    EQ(STEP(0x9a, 0, 0, 0, 0, 0x5b, 0), X86_TRAP_SS); EQ(c->exc_error, 0x38); unchanged3(__LINE__);
    wr32(TSS + 4, 0x24);                 /* 4 + 5 dwords = 36 bytes */
    EQ(STEP(0x9a, 0, 0, 0, 0, 0x5b, 0), -1); EQ(c->r[R_ESP], 0); EQ(c->cpl, 0);

    /* JMP through a call gate to a more privileged non-conforming
     * segment: #GP(code selector) */
    machine(3);
    EQ(STEP(0xea, 0, 0, 0, 0, 0x5b, 0), X86_TRAP_GP); EQ(c->exc_error, 0x08); unchanged3(__LINE__);

    /* task switch to a TSS below the minimum limit: #TS, nothing changed */
    machine(0);
    EQ(STEP(0xea, 0, 0, 0, 0, 0x60, 0), X86_TRAP_TS); EQ(c->exc_error, 0x60);
    EQ(c->tr.sel, 0x28); EQ(rd8(GDT + 0x28 + 5), 0x8b); EQ(rd8(GDT + 0x60 + 5), 0x89);

    /* a fault after the commit point is taken in the new task: TR, busy
     * bits and EIP are the new task's, the old state is saved */
    machine(0);
    uint32_t nb = TSS + 0x1000;
    wr32(nb + 0x20, 0x4444); wr32(nb + 0x24, 2);
    wr32(nb + 0x4c, 0x10);               /* CS: a data segment */
    wr32(nb + 0x50, 0x10);
    c->r[R_EAX] = 0xabcd;
    EQ(STEP(0xea, 0, 0, 0, 0, 0x48, 0), X86_TRAP_TS); EQ(c->exc_error, 0x10);
    EQ(c->tr.sel, 0x48); EQ(c->eip, 0x4444);
    EQ(rd8(GDT + 0x28 + 5), 0x89); EQ(rd8(GDT + 0x48 + 5), 0x8b);
    EQ(mem->ram[TSS + 0x28], 0xcd); EQ(c->cr0 & X86_CR0_TS, X86_CR0_TS);
    /* LDT selector in the new TSS naming a non-LDT: #TS(LDT selector) */
    machine(0);
    wr32(nb + 0x20, 0x4444); wr32(nb + 0x24, 2);
    wr32(nb + 0x4c, 0x08); wr32(nb + 0x50, 0x10); wr16(nb + 0x60, 0x10);
    EQ(STEP(0xea, 0, 0, 0, 0, 0x48, 0), X86_TRAP_TS); EQ(c->exc_error, 0x10);
    wr16(nb + 0x60, 0);
    /* CALL: link, NT; IRET back */
    machine(0); desc(0x48, nb, 0x67, 0x0089);
    wr32(nb + 0x20, 0x4444); wr32(nb + 0x24, 2);
    wr32(nb + 0x4c, 0x08); wr32(nb + 0x50, 0x10);
    EQ(STEP(0x9a, 0, 0, 0, 0, 0x48, 0), -1);
    EQ(c->eip, 0x4444); EQ(c->eflags & X86_EFLAGS_NT, X86_EFLAGS_NT);
    EQ(mem->ram[nb], 0x28); EQ(rd8(GDT + 0x28 + 5), 0x8b); EQ(rd8(GDT + 0x48 + 5), 0x8b);
    EQ(STEP(0xcf), -1);
    EQ(c->tr.sel, 0x28); EQ(c->eip, CODE + 7); EQ(rd8(GDT + 0x48 + 5), 0x89);

    printf("%d checks, %d failures\n", checks, fails);
    return fails != 0;
}
