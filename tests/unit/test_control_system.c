/*
 * test_control_system.c - control-flow and system instructions run one at a
 * time on a bare CPU: near and far transfers with 16-bit truncation and
 * limit faults that leave nothing changed, LOOP by address size, INT/IRET in
 * real mode, protected-mode IRET and RETF to ring 3, SYSENTER/SYSEXIT, the
 * descriptor-table instructions, the I/O permission bitmap, MSRs, CPUID,
 * SGDT with a 16-bit operand size, moves to and from CR/DR, WAIT and the
 * x87 escape without an FPU.
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
#define CHECK(cond) do { checks++; if (!(cond)) { fails++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define EQ(a, b) do { checks++; unsigned long long _a = (a), _b = (b); if (_a != _b) { fails++; printf("FAIL %s:%d: %s = %#llx, want %#llx\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)

static uint32_t last_port, last_val; static int last_size;
static uint32_t io_in(void *o, uint16_t port, int size) { (void)o; last_port = port; last_size = size; return 0x12345678u & (0xffffffffu >> (32 - 8*size)); }
static void io_out(void *o, uint16_t port, uint32_t v, int size) { (void)o; last_port = port; last_val = v; last_size = size; }

/* run one instruction from bytes at CS:EIP (written into memory); returns fault vector or -1 */
static int step(const char *hex)
{
    uint8_t b[16]; int n = 0;
    for (const char *p = hex; *p; ) { while (*p == ' ') p++; if (!*p) break; unsigned v; sscanf(p, "%2x", &v); b[n++] = v; p += 2; }
    uint32_t lin = c->seg[SEG_CS].base + c->eip;
    memcpy(mem->ram + lin, b, n);
    Insn in;
    int len = x86_decode(b, n, c->code32, &in);
    if (len != n) { printf("decode len %d != %d for %s\n", len, n, hex); fails++; }
    jmp_buf jb; c->fault_jmp = &jb;
    c->exit_req = 0;
    if (setjmp(jb)) return c->exc_vector;
    c->insn_eip = c->eip; c->eip += in.len; in.fn(c, &in); c->icount++;
    return -1;
}

static void real_mode(void)
{
    cpu_reset(c);
    c->seg[SEG_CS].sel = 0x100; c->seg[SEG_CS].base = 0x1000;
    c->eip = 0x100;
    cpu_load_seg(c, SEG_SS, 0x2000); c->r[R_ESP] = 0x1000;
    cpu_load_seg(c, SEG_DS, 0x3000);
    cpu_update_mode(c);
}

static void set_desc(uint32_t gdt, int idx, uint32_t base, uint32_t limit, uint16_t attr /* cpu.h attr incl G/DB */)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000) | ((uint32_t)attr << 8);
    memcpy(mem->ram + gdt + idx * 8, &lo, 4); memcpy(mem->ram + gdt + idx * 8 + 4, &hi, 4);
}
static uint32_t rd32(uint32_t a) { uint32_t v; memcpy(&v, mem->ram + a, 4); return v; }
static uint16_t rd16(uint32_t a) { uint16_t v; memcpy(&v, mem->ram + a, 2); return v; }
static void wr32(uint32_t a, uint32_t v) { memcpy(mem->ram + a, &v, 4); }
static void wr16(uint32_t a, uint16_t v) { memcpy(mem->ram + a, &v, 2); }

#define GDT 0x80000
static void prot_mode(int cpl)
{
    cpu_reset(c);
    memset(mem->ram + GDT, 0, 0x100);
    set_desc(GDT, 1, 0, 0xfffff, 0xc09b); /* 0x08 code32 dpl0 */
    set_desc(GDT, 2, 0, 0xfffff, 0xc093); /* 0x10 data dpl0 */
    set_desc(GDT, 3, 0, 0xfffff, 0xc0fb); /* 0x1b code32 dpl3 */
    set_desc(GDT, 4, 0, 0xfffff, 0xc0f3); /* 0x23 data dpl3 */
    set_desc(GDT, 5, 0x90000, 0x2067, 0x0089); /* 0x28 tss32 avail */
    set_desc(GDT, 6, 0x91000, 0x17, 0x0082); /* 0x30 ldt */
    set_desc(GDT, 7, 0x10000, 0xffff, 0x009b); /* 0x38 code16 dpl0 */
    set_desc(GDT, 8, 0, 0xfffff, 0xc09f); /* 0x40 conforming code dpl0 */
    set_desc(GDT, 9, 0, 0xfff, 0x0091); /* 0x48 ro data dpl0 */
    set_desc(GDT, 10, 0, 0xffff, 0x0093); /* 0x50 data16 dpl0 (B=0) */
    set_desc(GDT, 11, 0, 0xfffff, 0xc073); /* 0x5b data dpl3 not present */
    c->gdtr.base = GDT; c->gdtr.limit = 12 * 8 - 1;
    c->cr0 |= X86_CR0_PE;
    if (cpl == 0) {
        cpu_load_cs(c, 0x08, 0x100000);
        cpu_load_seg(c, SEG_SS, 0x10); cpu_load_seg(c, SEG_DS, 0x10); cpu_load_seg(c, SEG_ES, 0x10);
    } else {
        c->seg[SEG_CS] = (SegReg){ 0x1b, 0xc0fb, 0, 0xffffffff, 0 };
        c->seg[SEG_SS] = (SegReg){ 0x23, 0xc0f3, 0, 0xffffffff, 0 };
        c->seg[SEG_DS] = (SegReg){ 0x23, 0xc0f3, 0, 0xffffffff, 0 };
        for (int s = 0; s < 6; s++) seg_update_access(c, s);
        cpu_update_mode(c);
        c->eip = 0x100000;
    }
    c->r[R_ESP] = 0x70000;
}

int main(void)
{
    const char *err;
    mem = mem_create(8u << 20, &err);
    cpu_init(c, mem);
    c->io.in = io_in; c->io.out = io_out;

    /* ---- real mode jumps ---- */
    real_mode();
    c->eflags |= X86_EFLAGS_ZF;
    EQ(step("74 10"), -1); EQ(c->eip, 0x112);
    EQ(step("75 10"), -1); EQ(c->eip, 0x114);
    c->eip = 0xfff0; EQ(step("e9 20 00"), -1); EQ(c->eip, 0x13);
    /* 0x10016 > limit 0xffff: must fault #GP */
    real_mode(); c->eip = 0xfff0; EQ(step("66 e9 20 00 00 00"), 13); EQ(c->eip, 0xfff0);
    real_mode(); EQ(step("0f 84 00 10"), -1); EQ(c->eip, 0x104); /* ZF=0 -> not taken */
    /* call/ret 16 */
    real_mode(); EQ(step("e8 00 01"), -1); EQ(c->eip, 0x203); EQ(c->r[R_ESP], 0xffe); EQ(rd16(0x20000 + 0xffe), 0x103);
    EQ(step("c3"), -1); EQ(c->eip, 0x103); EQ(c->r[R_ESP], 0x1000);
    /* call 32 / ret 32 with imm */
    real_mode(); EQ(step("66 e8 00 01 00 00"), -1); EQ(c->eip, 0x206); EQ(c->r[R_ESP], 0xffc); EQ(rd32(0x20000 + 0xffc), 0x106);
    EQ(step("66 c2 04 00"), -1); EQ(c->eip, 0x106); EQ(c->r[R_ESP], 0x1004);
    /* call Ev: call [bx] */
    real_mode(); c->r[R_EBX] = 0x10; wr16(0x30010, 0x4444); EQ(step("ff 17"), -1); EQ(c->eip, 0x4444); EQ(rd16(0x20ffe), 0x102);
    /* jmp Ev reg */
    real_mode(); c->r[R_EAX] = 0x12345; EQ(step("ff e0"), -1); EQ(c->eip, 0x2345);
    /* far call Ap real, retf */
    real_mode(); EQ(step("9a 34 12 00 50"), -1); EQ(c->seg[SEG_CS].sel, 0x5000); EQ(c->seg[SEG_CS].base, 0x50000); EQ(c->eip, 0x1234);
    EQ(rd16(0x20ffe), 0x100); EQ(rd16(0x20ffc), 0x105); EQ(c->r[R_ESP], 0xffc);
    EQ(step("cb"), -1); EQ(c->seg[SEG_CS].sel, 0x100); EQ(c->eip, 0x105); EQ(c->r[R_ESP], 0x1000);
    /* far jmp Mp 32 */
    real_mode(); c->r[R_EBX] = 0x20; wr32(0x30020, 0x1111); wr16(0x30024, 0x6000);
    real_mode(); c->r[R_EBX] = 0x20; wr32(0x30020, 0x1111); wr16(0x30024, 0x6000);
    EQ(step("66 ff 2f"), -1); EQ(c->seg[SEG_CS].sel, 0x6000); EQ(c->eip, 0x1111);
    /* far jmp with IP beyond limit (32-bit offset) leaves CS */
    real_mode(); wr32(0x30020, 0x11111); wr16(0x30024, 0x6000); c->r[R_EBX] = 0x20;
    EQ(step("66 ff 2f"), 13); EQ(c->seg[SEG_CS].sel, 0x100); EQ(c->eip, 0x100);
    /* loop */
    real_mode(); c->r[R_ECX] = 0x10000; EQ(step("e2 10"), -1); EQ(c->r[R_ECX], 0x1ffff); EQ(c->eip, 0x112);
    real_mode(); c->r[R_ECX] = 0x10001; EQ(step("e2 10"), -1); EQ(c->r[R_ECX], 0x10000); EQ(c->eip, 0x102);
    real_mode(); c->r[R_ECX] = 0x10000; EQ(step("67 e2 10"), -1); EQ(c->r[R_ECX], 0xffff); EQ(c->eip, 0x113);
    real_mode(); c->r[R_ECX] = 5; c->eflags |= X86_EFLAGS_ZF; EQ(step("e0 10"), -1); EQ(c->r[R_ECX], 4); EQ(c->eip, 0x102);
    real_mode(); c->r[R_ECX] = 5; c->eflags |= X86_EFLAGS_ZF; EQ(step("e1 10"), -1); EQ(c->r[R_ECX], 4); EQ(c->eip, 0x112);
    real_mode(); c->r[R_ECX] = 0xffff0000; EQ(step("e3 10"), -1); EQ(c->eip, 0x112);
    real_mode(); c->r[R_ECX] = 0xffff0000; EQ(step("67 e3 10"), -1); EQ(c->eip, 0x103);
    /* loop fault leaves CX */
    real_mode(); c->eip = 0xfff0; c->r[R_ECX] = 3; EQ(step("66 e2 7f"), 13); EQ(c->r[R_ECX], 3); EQ(c->eip, 0xfff0);
    /* bound */
    real_mode(); wr16(0x30040, (uint16_t)-5); wr16(0x30042, 10); c->r[R_EAX] = 0xfffb;
    EQ(step("62 06 40 00"), -1);
    c->r[R_EAX] = 0xfffa; EQ(step("62 06 40 00"), 5); EQ(c->eip, 0x104);
    c->r[R_EAX] = 11; EQ(step("62 06 40 00"), 5);
    /* int / iret real mode */
    real_mode(); wr16(0x21 * 4, 0x0500); wr16(0x21 * 4 + 2, 0x0700);
    c->eflags = 0x3202 | X86_EFLAGS_CF | X86_EFLAGS_TF;
    EQ(step("cd 21"), -1); EQ(c->seg[SEG_CS].sel, 0x700); EQ(c->eip, 0x500); EQ(c->eflags & (X86_EFLAGS_IF | X86_EFLAGS_TF), 0);
    EQ(rd16(0x20ffa), 0x102); EQ(rd16(0x20ffc), 0x100); EQ(rd16(0x20ffe), 0x3303);
    EQ(step("cf"), -1); EQ(c->seg[SEG_CS].sel, 0x100); EQ(c->eip, 0x102); EQ(c->eflags, 0x3303); EQ(c->r[R_ESP], 0x1000);
    /* iretd real mode: RF, AC, ID loaded, VM/VIF/VIP not */
    real_mode(); c->r[R_ESP] = 0xff4; wr32(0x20ff4, 0x200); wr32(0x20ff8, 0x700); wr32(0x20ffc, 0x003f7fd7);
    EQ(step("66 cf"), -1); EQ(c->eflags, 0x00257fd7); EQ(c->r[R_ESP], 0x1000); EQ(c->eip, 0x200);
    /* into */
    real_mode(); wr16(4 * 4, 0x0600); wr16(4 * 4 + 2, 0); EQ(step("ce"), -1); EQ(c->eip, 0x101);
    c->eflags |= X86_EFLAGS_OF; EQ(step("ce"), -1); EQ(c->eip, 0x600); EQ(c->seg[SEG_CS].sel, 0);
    /* int1 */
    real_mode(); wr16(1 * 4, 0x0700); wr16(1 * 4 + 2, 0); EQ(step("f1"), -1); EQ(c->eip, 0x700); EQ(rd16(0x20ffa), 0x101);
    /* hlt */
    real_mode(); EQ(step("f4"), -1); CHECK(c->halted); EQ(c->eip, 0x101);

    /* ---- system, real mode ---- */
    real_mode();
    EQ(step("e4 60"), -1); EQ(last_port, 0x60); EQ(c->r[R_EAX] & 0xff, 0x78);
    c->r[R_EDX] = 0x3f8; c->r[R_EAX] = 0xaabbccdd; EQ(step("66 ef"), -1); EQ(last_port, 0x3f8); EQ(last_val, 0xaabbccdd); EQ(last_size, 4);
    EQ(step("ed"), -1); EQ(c->r[R_EAX], 0xaabb5678);
    c->r[R_EAX] = 0; EQ(step("0f a2"), -1); EQ(c->r[R_EAX], 2); EQ(c->r[R_EBX], 0x756e6547);
    c->r[R_EAX] = 1; EQ(step("0f a2"), -1); EQ(c->r[R_EAX], 0x652); EQ(c->r[R_EDX], 0x180a97f); /* FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV MMX FXSR */
    c->r[R_EAX] = 0x80000000; EQ(step("0f a2"), -1); EQ(c->r[R_EAX], 0x80000001);
    c->r[R_EAX] = 0x80000001; EQ(step("0f a2"), -1); EQ(c->r[R_EDX], 1u << 20); /* NX */
    c->r[R_EAX] = 0x80000002; EQ(step("0f a2"), -1); EQ(c->r[R_EAX], 0x03020101); /* above the max: leaf 2 */
    c->icount = 1000; c->tsc_offset = 0; EQ(step("0f 31"), -1); EQ(c->r[R_EAX], 1000);
    c->r[R_ECX] = 0x10; c->r[R_EDX] = 5; c->r[R_EAX] = 77; EQ(step("0f 30"), -1);
    EQ(step("0f 31"), -1); EQ(c->r[R_EAX], 78); EQ(c->r[R_EDX], 0);
    c->r[R_ECX] = 0xfe; EQ(step("0f 32"), -1); EQ(c->r[R_EAX], 0x508);
    c->r[R_ECX] = 0xfe; EQ(step("0f 30"), 13);
    c->r[R_ECX] = 0x2ff; c->r[R_EAX] = 0xc06; c->r[R_EDX] = 0; EQ(step("0f 30"), -1); EQ(c->mtrr_deftype, 0xc06);
    c->r[R_EAX] = 0xc02; EQ(step("0f 30"), 13); EQ(c->mtrr_deftype, 0xc06);
    c->r[R_ECX] = 0x201; c->r[R_EAX] = 0xfff00800; c->r[R_EDX] = 0xf; EQ(step("0f 30"), -1); EQ(c->mtrr_var[1], 0xffff00800ull);
    c->r[R_EDX] = 0x1f; EQ(step("0f 30"), 13);
    c->r[R_ECX] = 0x26f; c->r[R_EAX] = 0x06060606; c->r[R_EDX] = 0x05050505; EQ(step("0f 30"), -1); EQ(c->mtrr_fixed[10], 0x0505050506060606ull);
    c->r[R_ECX] = 0x26f; EQ(step("0f 32"), -1); EQ(c->r[R_EDX], 0x05050505);
    /* 0x1b (APIC base) exists now: see the MSR checks below */
    c->r[R_ECX] = 0; EQ(step("0f 33"), -1); c->r[R_ECX] = 2; EQ(step("0f 33"), 13);
    /* sgdt 16: top byte 0 */
    c->gdtr.base = 0xaabbccdd; c->gdtr.limit = 0x1234;
    EQ(step("0f 01 06 00 01"), -1); EQ(rd16(0x30100), 0x1234); EQ(rd32(0x30102), 0x00bbccdd);
    EQ(step("66 0f 01 06 00 01"), -1); EQ(rd32(0x30102), 0xaabbccdd);
    wr16(0x30200, 0x3ff); wr32(0x30202, 0x11223344);
    EQ(step("0f 01 1e 00 02"), -1); EQ(c->idtr.base, 0x223344); EQ(c->idtr.limit, 0x3ff);
    EQ(step("66 0f 01 1e 00 02"), -1); EQ(c->idtr.base, 0x11223344);
    c->idtr.base = 0; c->idtr.limit = 0x3ff;
    /* smsw */
    c->r[R_EAX] = 0xffffffff; EQ(step("0f 01 e0"), -1); EQ(c->r[R_EAX], 0xffff0000 | (c->cr0 & 0xffff));
    EQ(step("66 0f 01 e0"), -1); EQ(c->r[R_EAX], c->cr0);
    /* mov cr */
    c->r[R_EAX] = X86_CR4_MCE; EQ(step("0f 22 e0"), 13);
    c->r[R_EAX] = X86_CR4_TSD | X86_CR4_DE; EQ(step("0f 22 e0"), -1); EQ(c->cr4, 0xc);
    EQ(step("0f 20 e3"), -1); EQ(c->r[R_EBX], 0xc);
    EQ(step("0f 20 cb"), 6); EQ(step("0f 22 eb"), 6);
    EQ(step("0f 21 e3"), 6); /* DR4 with DE */
    c->cr4 = 0; EQ(step("0f 21 e3"), -1); EQ(c->r[R_EBX], 0xffff0ff0);
    c->r[R_EAX] = 0xffffffff; EQ(step("0f 23 f8"), -1); EQ(c->dr[7], 0xffff27ff);
    /* lmsw can't clear PE; sets PE */
    c->r[R_EAX] = 0x000e; EQ(step("0f 01 f0"), -1); EQ(c->cr0 & 0xf, 0xe);
    c->cr0 &= ~0xeu;
    /* fpu */
    EQ(step("db e3"), -1); c->cr0 |= X86_CR0_EM; EQ(step("db e3"), 7); EQ(step("9b"), -1);
    c->cr0 |= X86_CR0_MP | X86_CR0_TS; EQ(step("9b"), 7); EQ(step("0f 06"), -1); EQ(c->cr0 & X86_CR0_TS, 0);
    c->cr0 &= ~(X86_CR0_EM | X86_CR0_MP);
    /* pm-only in real mode */
    EQ(step("0f 00 c0"), 6); EQ(step("63 c0"), 6); EQ(step("0f 02 c0"), 6);
    /* cli/sti */
    c->eflags &= ~X86_EFLAGS_IF; EQ(step("fb"), -1); CHECK(c->irq_shadow); CHECK(c->eflags & X86_EFLAGS_IF);
    c->irq_shadow = false; EQ(step("fb"), -1); CHECK(!c->irq_shadow);
    EQ(step("fa"), -1); CHECK(!(c->eflags & X86_EFLAGS_IF));
    /* sysenter in real mode */
    c->msr_sysenter_cs = 0x08; EQ(step("0f 34"), 13);
    /* PAT (0x277): power-on value; valid types stored, 2, 3 and bits 7:3 #GP */
    c->r[R_ECX] = 0x277; EQ(step("0f 32"), -1); EQ(c->r[R_EAX], 0x00070406); EQ(c->r[R_EDX], 0x00070406);
    c->r[R_EAX] = 0x07050401; c->r[R_EDX] = 0x00060007; EQ(step("0f 30"), -1); EQ(c->msr_pat, 0x0006000707050401ull);
    c->r[R_EAX] = 0x02; EQ(step("0f 30"), 13); c->r[R_EAX] = 0x03; EQ(step("0f 30"), 13);
    c->r[R_EAX] = 0x08; EQ(step("0f 30"), 13); EQ(c->msr_pat, 0x0006000707050401ull);
    /* APIC base (0x1b): BSP set, EN clear (no local APIC); BSP read-only, reserved bits #GP */
    c->r[R_ECX] = 0x1b; EQ(step("0f 32"), -1); EQ(c->r[R_EAX], 0xfee00100); EQ(c->r[R_EDX], 0);
    c->r[R_EAX] = 0xfec00900; c->r[R_EDX] = 0; EQ(step("0f 30"), -1); EQ(c->msr_apic_base, 0xfec00900ull);
    c->r[R_EAX] = 0xfec00800; EQ(step("0f 30"), 13); /* clearing BSP */
    c->r[R_EAX] = 0xfec00101; EQ(step("0f 30"), 13); /* bit 0 reserved */
    c->r[R_EAX] = 0xfec00100; c->r[R_EDX] = 0x10; EQ(step("0f 30"), 13); /* bit 36 */

    /* ---- protected mode ---- */
    prot_mode(0);
    EQ(c->cpl, 0); CHECK(c->code32);
    /* iret to ring 3 */
    wr32(0x70000 - 20, 0x400000); wr32(0x70000 - 16, 0x1b); wr32(0x70000 - 12, 0x3202 | X86_EFLAGS_CF);
    wr32(0x70000 - 8, 0x60000); wr32(0x70000 - 4, 0x23);
    c->r[R_ESP] = 0x70000 - 20;
    EQ(step("cf"), -1); EQ(c->cpl, 3); EQ(c->seg[SEG_CS].sel, 0x1b); EQ(c->seg[SEG_SS].sel, 0x23); EQ(c->r[R_ESP], 0x60000);
    EQ(c->eip, 0x400000); EQ(c->seg[SEG_DS].sel, 0); EQ(c->eflags, 0x3203);
    /* cli at cpl3 with iopl 3 ok; iopl 0 -> gp */
    EQ(step("fa"), -1); c->eflags &= ~X86_EFLAGS_IOPL; EQ(step("fb"), 13);
    EQ(step("f4"), 13); EQ(step("0f 20 c0"), 13); EQ(step("0f 32"), 13); EQ(step("0f 01 15 00 00 00 00"), 13);
    /* sgdt at cpl3 fine */
    cpu_load_seg(c, SEG_DS, 0x23);
    EQ(step("0f 01 05 00 02 05 00"), -1); EQ(rd32(0x50202), GDT);

    /* LTR / STR / LLDT / SLDT */
    prot_mode(0);
    c->r[R_EAX] = 0x28; EQ(step("0f 00 d8"), -1); EQ(c->tr.sel, 0x28); EQ(c->tr.base, 0x90000); EQ(c->tr.attr & 0x1f, 0x0b);
    EQ((rd32(GDT + 0x28 + 4) >> 8) & 0xf, 0xb);
    EQ(step("0f 00 d8"), 13); /* busy now */
    c->r[R_EBX] = 0xffffffff; EQ(step("0f 00 cb"), -1); EQ(c->r[R_EBX], 0x28);
    c->r[R_EBX] = 0xffffffff; EQ(step("66 0f 00 cb"), -1); EQ(c->r[R_EBX], 0xffff0028);
    c->r[R_EAX] = 0x30; EQ(step("0f 00 d0"), -1); EQ(c->ldtr.base, 0x91000); EQ(c->ldtr.limit, 0x17);
    c->r[R_EAX] = 0x10; EQ(step("0f 00 d0"), 13); EQ(c->ldtr.sel, 0x30);
    c->r[R_EAX] = 0x34; EQ(step("0f 00 d0"), 13);
    EQ(step("0f 00 c1"), -1); EQ(c->r[R_ECX] & 0xffff, 0x30);
    /* LDT entry 0 = data dpl3 */
    set_desc(0x91000, 0, 0x5000, 0xfff, 0x00f3);
    c->r[R_EAX] = 0x07; EQ(step("0f 03 d8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF); EQ(c->r[R_EBX], 0xfff);
    c->r[R_EAX] = 0x0f; c->r[R_EBX] = 0x1111; EQ(step("0f 03 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF)); EQ(c->r[R_EBX], 0x1111); /* index 1 in LDT: limit 0x17 ok... entry 1 zeros -> S=0 type 0 invalid */
    c->r[R_EAX] = 0x1f; EQ(step("0f 03 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF)); /* beyond LDT limit */
    c->r[R_EAX] = 0x08; EQ(step("0f 02 d8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF); EQ(c->r[R_EBX], 0x00c09b00 | 0x100 /* accessed set by load */ );
    c->r[R_EAX] = 0x08; EQ(step("66 0f 02 d8"), -1); EQ(c->r[R_EBX] & 0xffff, 0x9b00);
    c->r[R_EAX] = 0x28; EQ(step("0f 02 d8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF); EQ(c->r[R_EBX], 0x8b00);
    c->r[R_EAX] = 0x28; EQ(step("0f 03 d8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF); EQ(c->r[R_EBX], 0x2067);
    c->r[R_EAX] = 0x08; EQ(step("0f 03 d8"), -1); EQ(c->r[R_EBX], 0xffffffff);
    c->r[R_EAX] = 0x0; EQ(step("0f 02 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    c->r[R_EAX] = 0xfff8; EQ(step("0f 02 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    /* VERR / VERW */
    c->r[R_EAX] = 0x08; EQ(step("0f 00 e0"), -1); CHECK(c->eflags & X86_EFLAGS_ZF);
    c->r[R_EAX] = 0x08; EQ(step("0f 00 e8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    c->r[R_EAX] = 0x10; EQ(step("0f 00 e8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF);
    c->r[R_EAX] = 0x48; EQ(step("0f 00 e8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    c->r[R_EAX] = 0x48; EQ(step("0f 00 e0"), -1); CHECK(c->eflags & X86_EFLAGS_ZF);
    c->r[R_EAX] = 0x28; EQ(step("0f 00 e0"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    /* ARPL */
    c->r[R_EAX] = 0x10; c->r[R_EBX] = 3; EQ(step("63 d8"), -1); EQ(c->r[R_EAX], 0x13); CHECK(c->eflags & X86_EFLAGS_ZF);
    EQ(step("63 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    /* CPL 3 visibility: LAR on dpl0 data fails, conforming code ok */
    c->seg[SEG_CS] = (SegReg){ 0x1b, 0xc0fb, 0, 0xffffffff, 0 }; cpu_update_mode(c);
    c->r[R_EAX] = 0x10; EQ(step("0f 02 d8"), -1); CHECK(!(c->eflags & X86_EFLAGS_ZF));
    c->r[R_EAX] = 0x40; EQ(step("0f 02 d8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF);
    c->r[R_EAX] = 0x23; EQ(step("0f 00 e8"), -1); CHECK(c->eflags & X86_EFLAGS_ZF);
    /* I/O bitmap at CPL 3, IOPL 0, TR = 0x28 base 0x90000 limit 0x2067 */
    memset(mem->ram + 0x90000, 0, 0x2068);
    wr16(0x90066, 0x68); memset(mem->ram + 0x90068, 0xff, 0x2000); mem->ram[0x90068 + 0x2000] = 0xff;
    mem->ram[0x90068 + 0x3f8 / 8] = 0x00; /* 0x3f8-0x3ff allowed */
    c->r[R_EDX] = 0x3f8; EQ(step("ec"), -1); EQ(last_port, 0x3f8);
    c->r[R_EDX] = 0x3fe; EQ(step("ed"), 13); /* 3fe,3ff ok? 0x3fe-0x3ff allowed, 0x400 bit set */
    EQ(step("ec"), -1);
    EQ(step("66 ed"), -1);
    c->r[R_EDX] = 0x3f7; EQ(step("ec"), 13);
    EQ(step("e4 60"), 13);
    c->eflags |= X86_EFLAGS_IOPL; EQ(step("e4 60"), -1);
    c->eflags &= ~X86_EFLAGS_IOPL;
    wr16(0x90066, 0x3000); c->r[R_EDX] = 0x3f8; EQ(step("ec"), 13); /* map beyond limit */

    /* far call / retf in protected mode */
    prot_mode(0);
    EQ(step("9a 00 00 00 00 38 00"), -1); EQ(c->seg[SEG_CS].sel, 0x38); CHECK(!c->code32); EQ(c->eip, 0);
    EQ(rd32(0x70000 - 4), 0x08); EQ(rd32(0x70000 - 8), 0x100007); EQ(c->r[R_ESP], 0x70000 - 8);
    EQ(step("66 cb"), -1); EQ(c->seg[SEG_CS].sel, 0x08); CHECK(c->code32); EQ(c->eip, 0x100007); EQ(c->r[R_ESP], 0x70000);
    /* far call to a data segment: #GP(sel), nothing pushed */
    EQ(step("9a 00 00 00 00 10 00"), 13); EQ(c->exc_error, 0x10); EQ(c->r[R_ESP], 0x70000); EQ(c->seg[SEG_CS].sel, 0x08);
    /* stack too small: SS=0x50 (16-bit, limit ffff), SP=2: call far 32 needs 8 bytes -> #SS */
    cpu_load_seg(c, SEG_SS, 0x50); c->r[R_ESP] = 0x2; CHECK(!c->stack32);
    EQ(step("9a 00 00 00 00 38 00"), 12); EQ(c->seg[SEG_CS].sel, 0x08); EQ(c->r[R_ESP], 2);
    /* 16-bit stack wraps for a 16-bit push: call far 16 at SP=2 in 16-bit code: pushes at 0 and 0xfffe */
    /* retf to outer ring (ring 3) */
    prot_mode(0);
    wr32(0x70000 - 16, 0x400000); wr32(0x70000 - 12, 0x1b); wr32(0x70000 - 8, 0x60000); wr32(0x70000 - 4, 0x23);
    c->r[R_ESP] = 0x70000 - 16;
    EQ(step("cb"), -1); /* 16-bit retf in 32-bit code? no: cb with code32 is 32-bit */
    EQ(c->cpl, 3); EQ(c->r[R_ESP], 0x60000); EQ(c->seg[SEG_SS].sel, 0x23); EQ(c->seg[SEG_DS].sel, 0); EQ(c->seg[SEG_ES].sel, 0);
    /* retf imm to outer */
    prot_mode(0);
    wr32(0x70000 - 24, 0x400000); wr32(0x70000 - 20, 0x1b); wr32(0x70000 - 8, 0x60000); wr32(0x70000 - 4, 0x23);
    c->r[R_ESP] = 0x70000 - 24;
    EQ(step("ca 08 00"), -1); EQ(c->r[R_ESP], 0x60008); EQ(c->cpl, 3);
    /* retf to outer with bad SS (dpl0 data) -> #GP(0x10), nothing changed */
    prot_mode(0);
    wr32(0x70000 - 16, 0x400000); wr32(0x70000 - 12, 0x1b); wr32(0x70000 - 8, 0x60000); wr32(0x70000 - 4, 0x13);
    c->r[R_ESP] = 0x70000 - 16;
    EQ(step("cb"), 13); EQ(c->exc_error, 0x10); EQ(c->cpl, 0); EQ(c->r[R_ESP], 0x70000 - 16); EQ(c->seg[SEG_CS].sel, 8);
    wr32(0x70000 - 4, 0x5b); EQ(step("cb"), 12); EQ(c->exc_error, 0x58);
    /* retf to inner ring from ring 3: #GP */
    prot_mode(3);
    wr32(0x70000 - 8, 0x400000); wr32(0x70000 - 4, 0x08); c->r[R_ESP] = 0x70000 - 8;
    EQ(step("cb"), 13); EQ(c->exc_error, 0x08);
    /* iret at ring 3 same level, IF not changed with IOPL 0 */
    prot_mode(3); c->eflags = 0x202;
    wr32(0x70000 - 12, 0x400000); wr32(0x70000 - 8, 0x1b); wr32(0x70000 - 4, 0x3000 | X86_EFLAGS_CF); c->r[R_ESP] = 0x70000 - 12;
    EQ(step("cf"), -1); EQ(c->eflags, 0x203); EQ(c->r[R_ESP], 0x70000);
    /* iret NT: a task return; a null back link in the TSS gives #TS(0) */
    prot_mode(0); c->eflags |= X86_EFLAGS_NT; wr32(c->tr.base, 0); EQ(step("cf"), 10); EQ(c->exc_error, 0);
    /* iret to vm86 at CPL 0: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS */
    prot_mode(0); wr32(0x70000 - 36, 0x1234); wr32(0x70000 - 32, 0x2000); wr32(0x70000 - 28, 0x20002);
    wr32(0x70000 - 24, 0xfff0); wr32(0x70000 - 20, 0x3000); wr32(0x70000 - 16, 0x4000);
    wr32(0x70000 - 12, 0x5000); wr32(0x70000 - 8, 0x6000); wr32(0x70000 - 4, 0x7000); c->r[R_ESP] = 0x70000 - 36;
    EQ(step("cf"), -1); EQ(c->cpl, 3); EQ(c->eip, 0x1234); EQ(c->seg[SEG_CS].base, 0x20000);
    EQ(c->r[R_ESP], 0xfff0); EQ(c->seg[SEG_SS].base, 0x30000); EQ(c->seg[SEG_GS].sel, 0x7000);
    EQ(c->eflags & X86_EFLAGS_VM, X86_EFLAGS_VM);
    /* iret to 16-bit SS outer level keeps ESP high half */
    prot_mode(0);
    set_desc(GDT, 11, 0, 0xffff, 0x00f3); /* 0x5b data16 dpl3 */
    wr32(0x70000 - 20, 0x400000); wr32(0x70000 - 16, 0x1b); wr32(0x70000 - 12, 0x202);
    wr32(0x70000 - 8, 0x1234); wr32(0x70000 - 4, 0x5b);
    c->r[R_ESP] = 0x70000 - 20;
    EQ(step("cf"), -1); EQ(c->r[R_ESP], 0x61234); CHECK(!c->stack32); EQ(c->cpl, 3);

    /* sysenter / sysexit */
    prot_mode(3);
    c->msr_sysenter_cs = 0; EQ(step("0f 34"), 13);
    c->msr_sysenter_cs = 0x08; c->msr_sysenter_esp = 0x7000; c->msr_sysenter_eip = 0x1234; c->eflags |= X86_EFLAGS_IF;
    EQ(step("0f 34"), -1); EQ(c->cpl, 0); EQ(c->seg[SEG_SS].sel, 0x10); EQ(c->r[R_ESP], 0x7000); EQ(c->eip, 0x1234);
    CHECK(!(c->eflags & X86_EFLAGS_IF)); CHECK(c->code32 && c->stack32);
    c->r[R_ECX] = 0x8000; c->r[R_EDX] = 0x5678;
    EQ(step("0f 35"), -1); EQ(c->cpl, 3); EQ(c->seg[SEG_CS].sel, 0x1b); EQ(c->seg[SEG_SS].sel, 0x23); EQ(c->eip, 0x5678); EQ(c->r[R_ESP], 0x8000);
    EQ(step("0f 35"), 13);
    /* rdtsc with TSD at cpl 3 */
    c->cr4 |= X86_CR4_TSD; EQ(step("0f 31"), 13); c->cr4 = X86_CR4_PCE; c->r[R_ECX] = 1; EQ(step("0f 33"), -1); c->cr4 = 0; EQ(step("0f 33"), 13);

    /* int from ring 0 in pm + iret */
    prot_mode(0);
    c->idtr.base = 0x81000; c->idtr.limit = 0x7ff;
    uint32_t gate_lo = (0x08 << 16) | 0x2000, gate_hi = 0x00108e00 | 0; /* 32-bit int gate, dpl0, off 0x102000 */
    wr32(0x81000 + 0x40 * 8, gate_lo); wr32(0x81000 + 0x40 * 8 + 4, gate_hi);
    c->eflags |= X86_EFLAGS_IF;
    EQ(step("cd 40"), -1); EQ(c->eip, 0x102000); CHECK(!(c->eflags & X86_EFLAGS_IF));
    EQ(step("cf"), -1); EQ(c->eip, 0x100002); CHECK(c->eflags & X86_EFLAGS_IF); EQ(c->r[R_ESP], 0x70000);

    /* VM86: iret with IOPL 3, int n with IOPL < 3 */
    prot_mode(0);
    c->eflags |= X86_EFLAGS_VM | X86_EFLAGS_IOPL;
    for (int s = 0; s < 6; s++) cpu_load_seg(c, s, 0x1000);
    c->seg[SEG_CS].sel = 0x1000; c->seg[SEG_CS].base = 0x10000; c->seg[SEG_CS].limit = 0xffff; c->seg[SEG_CS].attr = 0xfb;
    cpu_update_mode(c); EQ(c->cpl, 3); c->eip = 0x100; c->r[R_ESP] = 0x200;
    wr16(0x10200, 0x300); wr16(0x10202, 0x2000); wr16(0x10204, 0x0ed7);
    EQ(step("cf"), -1); EQ(c->seg[SEG_CS].sel, 0x2000); EQ(c->eip, 0x300); EQ(c->eflags, 0x23ed7 | 0x3000 | 0x0000);
    c->eflags &= ~X86_EFLAGS_IOPL; EQ(step("cd 21"), 13); EQ(step("cf"), 13); EQ(step("fa"), 13);
    EQ(step("0f 00 c0"), 6); EQ(step("f4"), 13);
    /* real mode: far call 16 with SP=2 wraps */
    real_mode(); c->r[R_ESP] = 2;
    EQ(step("9a 34 12 00 50"), -1); EQ(c->r[R_ESP], 0xfffe); EQ(rd16(0x20000), 0x100); EQ(rd16(0x2fffe), 0x105);
    /* real mode: near ret beyond limit with 32-bit pop */
    real_mode(); wr32(0x21000, 0x10000); EQ(step("66 c3"), 13); EQ(c->r[R_ESP], 0x1000);
    /* jcc 16 in 32-bit code truncates */
    prot_mode(0); c->eflags |= X86_EFLAGS_ZF; EQ(step("66 0f 84 00 10"), -1); EQ(c->eip, 0x1005);
    /* bound 32 */
    prot_mode(0); wr32(0x5000, 0x80000000); wr32(0x5004, 0x7fffffff); c->r[R_EBX] = 0x5000; c->r[R_ECX] = 0x80000000;
    EQ(step("62 0b"), -1); c->r[R_ECX] = 0x7fffffff; EQ(step("62 0b"), -1);
    wr32(0x5000, 0); EQ(step("62 0b"), -1); c->r[R_ECX] = 0xffffffff; EQ(step("62 0b"), 5);
    EQ(step("62 cb"), 6);
    printf("%d checks, %d failures\n", checks, fails);
    printf("%d passed, %d failed\n", checks - fails, fails);
    return fails != 0;
}
