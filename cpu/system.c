/*
 * system.c - system instructions: CLI/STI, port I/O, CPUID, RDTSC, RDPMC,
 * RDMSR/WRMSR, SYSENTER/SYSEXIT, the descriptor-table registers, control
 * and debug registers, the x87 escapes of a CPU without an FPU, and the
 * protected-mode-only segment instructions (SLDT, STR, LLDT, LTR, VERR,
 * VERW, LAR, LSL, ARPL). SDM vol. 2 for each instruction; vol. 3 for the
 * privilege rules.
 *
 * Privileged instructions check c->cpl, which is 0 in real mode and 3 in
 * virtual-8086 mode, so one test covers "CPL 0 or real mode".
 * XXX: DR7.GD and the breakpoints themselves come with later issues.
 */
#include "cpu/access.h"
#include "cpu/handlers.h"
#include "cpu/segment.h"

#define DEFINE_OPV(h)                                                          \
    void op_##h##_16(Cpu *c, const Insn *in) { h##_w(c, in, 16); }           \
    void op_##h##_32(Cpu *c, const Insn *in) { h##_w(c, in, 32); }

#define IOPL(c) (((c)->eflags >> 12) & 3)

static inline void require_cpl0(Cpu *c)
{
    if (c->cpl != 0)
        cpu_raise(c, X86_TRAP_GP, 0);
}

/* Rows flagged F_PM: #UD in real and virtual-8086 mode. */
static inline void require_protected(Cpu *c)
{
    if (!cpu_protected(c))
        cpu_raise(c, X86_TRAP_UD, 0);
}

static inline void set_zf(Cpu *c, bool z)
{
    c->eflags = (c->eflags & ~X86_EFLAGS_ZF) | (z ? X86_EFLAGS_ZF : 0);
}

/* ---- CLI, STI --------------------------------------------------------- */

/* IF is IOPL-sensitive in protected mode, and in virtual-8086 mode (where
 * CPL is 3, so the same test reads IOPL < 3). Where it would fault, CR4.VME
 * (virtual-8086 mode) and CR4.PVI (CPL 3) make CLI and STI change VIF
 * instead (SDM vol. 3, 20.3 and 20.4). Returns true if VIF is the flag. */
static bool check_iopl(Cpu *c)
{
    if (!(c->cr0 & X86_CR0_PE) || c->cpl <= IOPL(c))
        return false;
    if ((c->eflags & X86_EFLAGS_VM) ? (c->cr4 & X86_CR4_VME) : (c->cpl == 3 && (c->cr4 & X86_CR4_PVI)))
        return true;
    cpu_raise(c, X86_TRAP_GP, 0);
}

void op_cli(Cpu *c, const Insn *in)
{
    (void)in;
    if (check_iopl(c)) {
        c->eflags &= ~X86_EFLAGS_VIF;
        return;
    }
    /* nothing to look at: clearing IF only masks interrupts (the block
     * goes on, translate/cache.c) */
    c->eflags &= ~X86_EFLAGS_IF;
}

/* STI delays interrupts by one instruction when it sets IF, so that
 * "STI; HLT" and "STI; RET" cannot be interrupted in between. */
void op_sti(Cpu *c, const Insn *in)
{
    (void)in;
    if (check_iopl(c)) {
        /* a pending virtual interrupt must go to the monitor first */
        if (c->eflags & X86_EFLAGS_VIP)
            cpu_raise(c, X86_TRAP_GP, 0);
        c->eflags |= X86_EFLAGS_VIF;
        return;
    }
    if (!(c->eflags & X86_EFLAGS_IF)) {
        c->eflags |= X86_EFLAGS_IF;
        c->irq_shadow = true;
        c->exit_req = 1;
    }
}

/* ---- port I/O --------------------------------------------------------- */

/*
 * I/O permission (SDM vol. 1, 18.5.1-18.5.2): in protected mode with
 * CPL > IOPL, and always in virtual-8086 mode, each port the access touches
 * must have a clear bit in the I/O permission bit map of the current
 * 32-bit TSS, found at the 16-bit offset stored at TSS+0x66. The CPU reads
 * two bytes of the map, so both must lie within the TSS limit.
 * Not static: INS and OUTS need the same check.
 */
void cpu_check_io(Cpu *c, uint16_t port, int size)
{
    if (!(c->cr0 & X86_CR0_PE))
        return;
    if (!(c->eflags & X86_EFLAGS_VM) && c->cpl <= IOPL(c))
        return;
    const SegReg *tr = &c->tr;
    uint16_t type = tr->attr & (SEG_ATTR_S | SEG_ATTR_TYPE);
    if ((type != 0x09 && type != 0x0b) || tr->limit < 0x67)
        cpu_raise(c, X86_TRAP_GP, 0);
    uint32_t off = cpu_lin_rd16(c, tr->base + 0x66) + (uint32_t)(port >> 3);
    if (off + 1 > tr->limit)
        cpu_raise(c, X86_TRAP_GP, 0);
    uint32_t map = cpu_lin_rd16(c, tr->base + off);
    if ((map >> (port & 7)) & ((1u << size) - 1))
        cpu_raise(c, X86_TRAP_GP, 0);
}

static inline uint32_t port_in(Cpu *c, uint16_t port, int size)
{
    cpu_check_io(c, port, size);
    return cpu_in(c, port, size);
}

static inline void port_out(Cpu *c, uint16_t port, uint32_t v, int size)
{
    cpu_check_io(c, port, size);
    cpu_out(c, port, v, size);
}

/* eAX by operand size. */
static inline void in_eax(Cpu *c, uint16_t port, int w)
{
    uint32_t v = port_in(c, port, w / 8);
    if (w == 32)
        c->r[R_EAX] = v;
    else
        set_reg16(c, R_EAX, (uint16_t)v);
}

static inline void out_eax(Cpu *c, uint16_t port, int w)
{
    port_out(c, port, w == 32 ? c->r[R_EAX] : (c->r[R_EAX] & 0xffff), w / 8);
}

void op_in_AL_Ib(Cpu *c, const Insn *in)
{
    set_reg8(c, R_EAX, (uint8_t)port_in(c, in->imm & 0xff, 1));
}

void op_in_AL_DX(Cpu *c, const Insn *in)
{
    (void)in;
    set_reg8(c, R_EAX, (uint8_t)port_in(c, get_reg16(c, R_EDX), 1));
}

void op_out_Ib_AL(Cpu *c, const Insn *in)
{
    port_out(c, in->imm & 0xff, get_reg8(c, R_EAX), 1);
}

void op_out_DX_AL(Cpu *c, const Insn *in)
{
    (void)in;
    port_out(c, get_reg16(c, R_EDX), get_reg8(c, R_EAX), 1);
}

static inline void in_eAX_Ib_w(Cpu *c, const Insn *in, int w) { in_eax(c, in->imm & 0xff, w); }
static inline void in_eAX_DX_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    in_eax(c, get_reg16(c, R_EDX), w);
}
static inline void out_Ib_eAX_w(Cpu *c, const Insn *in, int w) { out_eax(c, in->imm & 0xff, w); }
static inline void out_DX_eAX_w(Cpu *c, const Insn *in, int w)
{
    (void)in;
    out_eax(c, get_reg16(c, R_EDX), w);
}
DEFINE_OPV(in_eAX_Ib)
DEFINE_OPV(in_eAX_DX)
DEFINE_OPV(out_Ib_eAX)
DEFINE_OPV(out_DX_eAX)

/* ---- CPUID, RDTSC, RDPMC ---------------------------------------------- */

#define CPUID_MAX_LEAF 2
#define CPUID_EXT_BASE 0x80000000u

/* CPUID.1:EDX: only what is implemented. DE: CR4.DE gives I/O breakpoints
 * and makes DR4/DR5 #UD (cpu/debug.c, mov_Dd_Rd). PAE: mmu/paging.c.
 * XXX: MTRR with its issue. */
#define CPUID_FEATURES_EDX                                                     \
    ((1u << 0) /* FPU */ | (1u << 1) /* VME */ | (1u << 2) /* DE */ | (1u << 3) /* PSE */ | (1u << 4) /* TSC */ | (1u << 5) /* MSR */ |       \
     (1u << 6) /* PAE */ |                                                                     \
     (1u << 8) /* CX8 */ | (1u << 11) /* SEP */ | (1u << 13) /* PGE */ | (1u << 15) /* CMOV */ |                        \
     (1u << 23) /* MMX */ | (1u << 24) /* FXSR */)

void op_cpuid(Cpu *c, const Insn *in)
{
    (void)in;
    uint32_t leaf = c->r[R_EAX], a = 0, b = 0, cx = 0, d = 0;
    /* Intel CPUs answer a leaf above the maximum with the highest basic
     * leaf's values (SDM CPUID, "invalid input"). The extended leaves
     * exist for NX only (0x80000001 EDX bit 20; mmu/paging.c). */
    if (leaf == CPUID_EXT_BASE || leaf == CPUID_EXT_BASE + 1) {
        c->r[R_EAX] = leaf == CPUID_EXT_BASE ? CPUID_EXT_BASE + 1 : 0;
        c->r[R_EBX] = c->r[R_ECX] = 0;
        c->r[R_EDX] = leaf == CPUID_EXT_BASE ? 0 : (1u << 20) /* NX */;
        return;
    }
    if (leaf > CPUID_MAX_LEAF)
        leaf = CPUID_MAX_LEAF;
    switch (leaf) {
    case 0:
        a = CPUID_MAX_LEAF;
        b = 0x756e6547u;  /* "Genu" */
        d = 0x49656e69u;  /* "ineI" */
        cx = 0x6c65746eu; /* "ntel" */
        break;
    case 1:
        a = CPU_SIGNATURE;
        d = CPUID_FEATURES_EDX;
        break;
    default:
        /* A Pentium II's cache and TLB descriptors (SDM CPUID, table of
         * leaf 2 descriptors): AL=1 (one call); 01h, 02h, 03h, 04h: the
         * instruction and data TLBs; 08h, 0Ch: 16 KB L1 I and D caches;
         * 43h: 512 KB unified L2. */
        a = 0x03020101u;
        d = 0x0c040843u;
        break;
    }
    c->r[R_EAX] = a;
    c->r[R_EBX] = b;
    c->r[R_ECX] = cx;
    c->r[R_EDX] = d;
}

static inline uint64_t cpu_tsc(const Cpu *c)
{
    return c->icount + c->tsc_offset;
}

static inline void set_edx_eax(Cpu *c, uint64_t v)
{
    c->r[R_EAX] = (uint32_t)v;
    c->r[R_EDX] = (uint32_t)(v >> 32);
}

void op_rdtsc(Cpu *c, const Insn *in)
{
    (void)in;
    if ((c->cr4 & X86_CR4_TSD) && c->cpl != 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    set_edx_eax(c, cpu_tsc(c));
}

/* The P6's two performance counters (ECX 0 and 1); nothing is counted. */
void op_rdpmc(Cpu *c, const Insn *in)
{
    (void)in;
    if ((!(c->cr4 & X86_CR4_PCE) && c->cpl != 0) || c->r[R_ECX] > 1)
        cpu_raise(c, X86_TRAP_GP, 0);
    set_edx_eax(c, 0);
}

/* ---- model-specific registers ----------------------------------------- */

/*
 * The MSRs of a family-6 CPU that Linux and Windows touch (SDM vol. 4,
 * "MSRs in the P6 family"). Everything else raises #GP(0), as an MSR the
 * CPU does not have does. IA32_APIC_BASE and PAT are stored registers: the
 * local APIC does not exist yet (EN reads back but enables nothing) and
 * memory types change nothing in an emulator.
 */
enum {
    MSR_IA32_TSC = 0x10,
    MSR_IA32_PLATFORM_ID = 0x17,
    MSR_IA32_BIOS_SIGN_ID = 0x8b,
    MSR_MTRRCAP = 0xfe,
    MSR_IA32_SYSENTER_CS = 0x174,
    MSR_IA32_SYSENTER_ESP = 0x175,
    MSR_IA32_SYSENTER_EIP = 0x176,
    MSR_IA32_APIC_BASE = 0x1b,
    MSR_IA32_PAT = 0x277,
    MSR_MTRR_PHYSBASE0 = 0x200, /* .. 0x20f, base/mask pairs */
    MSR_MTRR_FIX64K_00000 = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268, /* .. 0x26f */
    MSR_MTRR_DEF_TYPE = 0x2ff,
};

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining; no SMRR. */
#define MTRRCAP_VALUE 0x508u

/* Physical addresses are 36 bits wide on the P6 family. */
#define MTRR_PHYSBASE_BITS 0x0000000ffffff0ffull /* base 35:12, type 7:0 */
#define MTRR_PHYSMASK_BITS 0x0000000ffffff800ull /* mask 35:12, valid 11 */
#define MTRR_DEFTYPE_BITS 0x0000000000000cffull  /* E 11, FE 10, type 7:0 */

static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K_00000)
        return 0;
    if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
        return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_C0000 + 7)
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    return -1;
}

/* UC, WC, WT, WP, WB (SDM vol. 3, table 11-8); 2, 3 and 7+ are reserved. */
static bool mtrr_type_ok(uint64_t t)
{
    t &= 0xff;
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool msr_read(Cpu *c, uint32_t msr, uint64_t *v)
{
    int fix = mtrr_fixed_index(msr);
    if (fix >= 0) {
        *v = c->mtrr_fixed[fix];
        return true;
    }
    if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 16) {
        *v = c->mtrr_var[msr - MSR_MTRR_PHYSBASE0];
        return true;
    }
    switch (msr) {
    case MSR_IA32_TSC: *v = cpu_tsc(c); return true;
    case MSR_IA32_PLATFORM_ID: *v = 0; return true;  /* platform 0 */
    case MSR_IA32_BIOS_SIGN_ID: *v = 0; return true; /* no microcode loaded */
    case MSR_MTRRCAP: *v = MTRRCAP_VALUE; return true;
    case MSR_IA32_SYSENTER_CS: *v = c->msr_sysenter_cs; return true;
    case MSR_IA32_SYSENTER_ESP: *v = c->msr_sysenter_esp; return true;
    case MSR_IA32_SYSENTER_EIP: *v = c->msr_sysenter_eip; return true;
    case MSR_MTRR_DEF_TYPE: *v = c->mtrr_deftype; return true;
    case MSR_IA32_APIC_BASE: *v = c->msr_apic_base; return true;
    case MSR_IA32_PAT: *v = c->msr_pat; return true;
    case MSR_EFER: *v = c->efer; return true;
    }
    return false;
}

/* Returns false for a write the CPU refuses with #GP(0): an unknown or
 * read-only MSR, reserved bits, an invalid memory type. */
static bool msr_write(Cpu *c, uint32_t msr, uint64_t v)
{
    int fix = mtrr_fixed_index(msr);
    if (fix >= 0) {
        for (int i = 0; i < 64; i += 8)
            if (!mtrr_type_ok(v >> i))
                return false;
        c->mtrr_fixed[fix] = v;
        mem_tlb_flush(c->mem); /* SDM WRMSR: an MTRR write flushes the TLBs */
        return true;
    }
    if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 16) {
        bool mask = msr & 1;
        if (v & ~(mask ? MTRR_PHYSMASK_BITS : MTRR_PHYSBASE_BITS))
            return false;
        if (!mask && !mtrr_type_ok(v))
            return false;
        c->mtrr_var[msr - MSR_MTRR_PHYSBASE0] = v;
        mem_tlb_flush(c->mem);
        return true;
    }
    switch (msr) {
    case MSR_IA32_TSC:
        /* P6: only the low 32 bits are written; the high 32 are cleared
         * (SDM vol. 3, "Time-Stamp Counter"). */
        c->tsc_offset = (uint64_t)(uint32_t)v - c->icount;
        return true;
    case MSR_IA32_BIOS_SIGN_ID:
        return true; /* software writes 0 before CPUID to read the revision */
    case MSR_IA32_SYSENTER_CS:
        c->msr_sysenter_cs = (uint32_t)v;
        return true;
    case MSR_IA32_SYSENTER_ESP:
        c->msr_sysenter_esp = (uint32_t)v;
        return true;
    case MSR_IA32_SYSENTER_EIP:
        c->msr_sysenter_eip = (uint32_t)v;
        return true;
    case MSR_EFER:
        /* Only NXE: no SYSCALL, no long mode on this CPU. */
        if (v & ~(uint64_t)EFER_NXE)
            return false;
        if ((c->efer ^ v) & EFER_NXE)
            mem_tlb_flush(c->mem); /* what may be fetched changes */
        c->efer = v;
        return true;
    case MSR_IA32_APIC_BASE:
        /* BSP (bit 8) is read-only; base 35:12 and EN (11) are stored.
         * Bits 7:0, 9, 10 and 63:36 are reserved (SDM vol. 3, 10.4.4). */
        if ((v & ~0x0000000ffffff900ull) || ((v ^ c->msr_apic_base) & 0x100))
            return false;
        c->msr_apic_base = v;
        return true;
    case MSR_IA32_PAT:
        /* Eight entries; each must name a valid memory type (0, 1, 4-7)
         * with bits 7:3 clear (SDM vol. 3, 11.12.2); 7 is UC-. */
        for (int i = 0; i < 64; i += 8)
            if (((v >> i) & 0xf8) || ((v >> i) & 7) == 2 || ((v >> i) & 7) == 3)
                return false;
        c->msr_pat = v;
        return true;
    case MSR_MTRR_DEF_TYPE:
        if ((v & ~MTRR_DEFTYPE_BITS) || !mtrr_type_ok(v))
            return false;
        c->mtrr_deftype = v;
        mem_tlb_flush(c->mem);
        return true;
    }
    return false; /* unknown, or read-only (MTRRcap, PLATFORM_ID) */
}

void op_rdmsr(Cpu *c, const Insn *in)
{
    (void)in;
    uint64_t v;
    require_cpl0(c);
    if (!msr_read(c, c->r[R_ECX], &v))
        cpu_raise(c, X86_TRAP_GP, 0);
    set_edx_eax(c, v);
}

void op_wrmsr(Cpu *c, const Insn *in)
{
    (void)in;
    require_cpl0(c);
    uint64_t v = ((uint64_t)c->r[R_EDX] << 32) | c->r[R_EAX];
    if (!msr_write(c, c->r[R_ECX], v))
        cpu_raise(c, X86_TRAP_GP, 0);
    c->exit_req = 1;
}

/* ---- SYSENTER, SYSEXIT ------------------------------------------------ */

/* Flat 4 GiB segments of SYSENTER/SYSEXIT: the descriptors in the GDT are
 * neither read nor checked (SDM SYSENTER). attr per cpu.h's layout. */
#define ATTR_FLAT_CODE(dpl) (0xc09bu | ((dpl) << 5)) /* G D P S, exec/read, accessed */
#define ATTR_FLAT_DATA(dpl) (0xc093u | ((dpl) << 5)) /* G B P S, read/write, accessed */

static void seg_set_flat(Cpu *c, int s, uint16_t sel, uint16_t attr)
{
    c->seg[s] = (SegReg){ .sel = sel, .attr = attr, .base = 0, .limit = 0xffffffffu };
    seg_update_access(c, s);
}

void op_sysenter(Cpu *c, const Insn *in)
{
    (void)in;
    uint16_t cs = (uint16_t)c->msr_sysenter_cs & 0xfffc;
    if (!(c->cr0 & X86_CR0_PE) || cs == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    c->eflags &= ~(X86_EFLAGS_VM | X86_EFLAGS_IF | X86_EFLAGS_RF);
    seg_set_flat(c, SEG_CS, cs, ATTR_FLAT_CODE(0));
    seg_set_flat(c, SEG_SS, (uint16_t)(cs + 8), ATTR_FLAT_DATA(0));
    /* Leaving virtual-8086 mode changes what DS, ES, FS, GS allow. */
    for (int s = 0; s < SEG_COUNT; s++)
        seg_update_access(c, s);
    c->r[R_ESP] = (uint32_t)c->msr_sysenter_esp;
    c->eip = (uint32_t)c->msr_sysenter_eip;
    cpu_update_mode(c);
    c->exit_req = 1;
}

void op_sysexit(Cpu *c, const Insn *in)
{
    (void)in;
    uint16_t cs = (uint16_t)c->msr_sysenter_cs;
    if (!(c->cr0 & X86_CR0_PE) || (cs & 0xfffc) == 0 || c->cpl != 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    seg_set_flat(c, SEG_CS, (uint16_t)((cs + 16) | 3), ATTR_FLAT_CODE(3));
    seg_set_flat(c, SEG_SS, (uint16_t)((cs + 24) | 3), ATTR_FLAT_DATA(3));
    c->r[R_ESP] = c->r[R_ECX];
    c->eip = c->r[R_EDX];
    cpu_update_mode(c);
    c->exit_req = 1;
}

/* ---- GDTR, IDTR ------------------------------------------------------- */

static inline uint32_t ea_plus(const Insn *in, uint32_t ea, uint32_t delta)
{
    ea += delta;
    return (in->flags & INSN_ADDR32) ? ea : (ea & 0xffff);
}

/*
 * SGDT/SIDT store the 16-bit limit, then the base. With a 16-bit operand
 * size the P6 stores 24 bits of base and a zero sixth byte (SDM SGDT as of
 * the Pentium II: "the 24-bit base address is stored in the third, fourth,
 * and fifth byte, with the sixth byte filled with 0s"; the 286 wrote 1s
 * there). Both parts are checked before either is written.
 */
static void store_dtr(Cpu *c, const Insn *in, int w, const DescTable *t)
{
    uint32_t ea = insn_ea(c, in), ea2 = ea_plus(in, ea, 2);
    cpu_check_write(c, in->seg, ea, 2);
    cpu_check_write(c, in->seg, ea2, 4);
    cpu_wr16(c, in->seg, ea, t->limit);
    cpu_wr32(c, in->seg, ea2, w == 16 ? (t->base & 0x00ffffffu) : t->base);
}

/* LGDT/LIDT: a 16-bit operand size loads 24 bits of base. */
static void load_dtr(Cpu *c, const Insn *in, int w, DescTable *t)
{
    require_cpl0(c);
    uint32_t ea = insn_ea(c, in);
    uint16_t limit = cpu_rd16(c, in->seg, ea);
    uint32_t base = cpu_rd32(c, in->seg, ea_plus(in, ea, 2));
    t->limit = limit;
    t->base = w == 16 ? (base & 0x00ffffffu) : base;
    c->exit_req = 1;
}

static inline void sgdt_w(Cpu *c, const Insn *in, int w) { store_dtr(c, in, w, &c->gdtr); }
static inline void sidt_w(Cpu *c, const Insn *in, int w) { store_dtr(c, in, w, &c->idtr); }
static inline void lgdt_w(Cpu *c, const Insn *in, int w) { load_dtr(c, in, w, &c->gdtr); }
static inline void lidt_w(Cpu *c, const Insn *in, int w) { load_dtr(c, in, w, &c->idtr); }
DEFINE_OPV(sgdt)
DEFINE_OPV(sidt)
DEFINE_OPV(lgdt)
DEFINE_OPV(lidt)

/* ---- control registers ------------------------------------------------ */

/* SMSW to a register with a 32-bit operand size stores all of CR0, as P6
 * and later CPUs do (the SDM calls the upper half undefined); to memory it
 * always stores 16 bits. Not privileged. */
static inline void smsw_w(Cpu *c, const Insn *in, int w)
{
    if (in->mod == 3 && w == 32)
        set_reg32(c, in->rm, c->cr0);
    else
        wr_Ew(c, in, (uint16_t)c->cr0);
}
DEFINE_OPV(smsw)

/* LMSW writes PE, MP, EM, TS; it can set PE but not clear it. */
void op_lmsw(Cpu *c, const Insn *in)
{
    require_cpl0(c);
    uint16_t v = rd_Ew(c, in);
    cpu_set_cr0(c, (c->cr0 & ~0xeu) | (v & 0xfu));
}

/* CR4 bits we implement (VME and PVI: stack.c, control.c, CLI/STI above;
 * PSE, PAE, PGE: mmu/paging.c and cpu_set_cr3/cr4 in cpu.c). OSFXSR
 * exists wherever CPUID reports FXSR (SDM vol. 3, 2.5); without SSE it
 * changes nothing here (FXSAVE has no XMM state to save), but Linux sets it
 * and a #GP would kill the boot.
 * XXX: MCE with its issue; until then setting it is #GP(0), as for a
 * reserved bit. */
#define CR4_SUPPORTED                                                                              \
    (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | \
     X86_CR4_PCE | X86_CR4_OSFXSR)

/* CR0, CR2, CR3, CR4 exist; CR1 and CR5-CR7 are #UD (before the CPL
 * check, as an invalid encoding). MOV CR works in real mode. */
static void check_cr(Cpu *c, int cr)
{
    if (cr == 1 || cr > 4)
        cpu_raise(c, X86_TRAP_UD, 0);
    require_cpl0(c);
}

void op_mov_Rd_Cd(Cpu *c, const Insn *in)
{
    check_cr(c, in->reg);
    uint32_t v = in->reg == 0 ? c->cr0 : in->reg == 2 ? c->cr2 : in->reg == 3 ? c->cr3 : c->cr4;
    set_reg32(c, in->rm, v);
}

void op_mov_Cd_Rd(Cpu *c, const Insn *in)
{
    check_cr(c, in->reg);
    uint32_t v = get_reg32(c, in->rm);
    switch (in->reg) {
    case 0:
        cpu_set_cr0(c, v);
        break;
    case 2:
        c->cr2 = v;
        break;
    case 3:
        cpu_set_cr3(c, v);
        break;
    default:
        if (v & ~(uint32_t)CR4_SUPPORTED)
            cpu_raise(c, X86_TRAP_GP, 0);
        cpu_set_cr4(c, v);
        break;
    }
    c->exit_req = 1;
}

void op_clts(Cpu *c, const Insn *in)
{
    (void)in;
    require_cpl0(c);
    c->cr0 &= ~X86_CR0_TS;
}

/* No caches are modelled: INVD and WBINVD only check privilege. */
void op_invd(Cpu *c, const Insn *in)
{
    (void)in;
    require_cpl0(c);
}

void op_wbinvd(Cpu *c, const Insn *in)
{
    (void)in;
    require_cpl0(c);
}

/* INVLPG drops the entries of the page holding the linear address (all
 * of a 4M/2M page's 4K entries, global or not) and the code cache's jump
 * entries for it (mem_tlb_flush_page). The operand is only an address:
 * no segment checks, nothing read. */
void op_invlpg(Cpu *c, const Insn *in)
{
    require_cpl0(c);
    mem_tlb_flush_page(c->mem, c->seg[in->seg].base + insn_ea(c, in));
    c->exit_req = 1;
}

/* ---- debug registers -------------------------------------------------- */

/* DR4 and DR5 alias DR6 and DR7 unless CR4.DE makes them #UD. With
 * DR7.GD set, any MOV DR is a #DB fault with DR6.BD; the processor clears
 * GD on the way to the handler so that the handler may use the debug
 * registers (SDM 17.2.4). */
static int check_dr(Cpu *c, int n)
{
    require_cpl0(c);
    if (n == 4 || n == 5) {
        if (c->cr4 & X86_CR4_DE)
            cpu_raise(c, X86_TRAP_UD, 0);
        n += 2;
    }
    if (c->dr[7] & X86_DR7_GD) {
        c->dr[6] |= X86_DR6_BD;
        c->dr[7] &= ~X86_DR7_GD;
        cpu_raise(c, X86_TRAP_DB, 0);
    }
    return n;
}

void op_mov_Rd_Dd(Cpu *c, const Insn *in)
{
    set_reg32(c, in->rm, c->dr[check_dr(c, in->reg)]);
}

/* P6 DR6: B0-B3, BD, BS, BT writable; bits 4-11 and 16-31 read 1, 12 reads
 * 0. DR7: bit 10 reads 1; 11, 12, 14, 15 read 0. */
void op_mov_Dd_Rd(Cpu *c, const Insn *in)
{
    int n = check_dr(c, in->reg);
    uint32_t v = get_reg32(c, in->rm);
    if (n == 6)
        v = (v & 0x0000e00fu) | 0xffff0ff0u;
    else if (n == 7)
        v = (v & 0xffff23ffu) | 0x00000400u;
    c->dr[n] = v;
    debug_update(c); /* breakpoints armed or disarmed */
    c->exit_req = 1;
}

/* WAIT and the x87 escapes D8-DF: cpu/fpu.c. */

/* ---- LDTR, TR --------------------------------------------------------- */

/* SLDT and STR: memory takes 16 bits; a 32-bit register takes the selector
 * zero-extended (P6 and later). */
static void store_sel(Cpu *c, const Insn *in, int w, uint16_t sel)
{
    if (in->mod == 3 && w == 32)
        set_reg32(c, in->rm, sel);
    else
        wr_Ew(c, in, sel);
}

static inline void sldt_w(Cpu *c, const Insn *in, int w)
{
    require_protected(c);
    store_sel(c, in, w, c->ldtr.sel);
}
DEFINE_OPV(sldt)

static inline void str_w(Cpu *c, const Insn *in, int w)
{
    require_protected(c);
    store_sel(c, in, w, c->tr.sel);
}
DEFINE_OPV(str)

/* LLDT: a null selector leaves the LDTR unusable; otherwise the selector
 * must name a present LDT descriptor in the GDT. */
void op_lldt(Cpu *c, const Insn *in)
{
    require_protected(c);
    require_cpl0(c);
    uint16_t sel = rd_Ew(c, in), err = sel & 0xfffc;
    if (err == 0) {
        c->ldtr = (SegReg){ .sel = sel };
        return;
    }
    if (sel & 4)
        cpu_raise(c, X86_TRAP_GP, err);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t attr = desc_attr(d);
    if ((attr & (SEG_ATTR_S | SEG_ATTR_TYPE)) != 0x02)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(attr & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    c->ldtr = (SegReg){ .sel = sel, .attr = attr, .base = desc_base(d), .limit = desc_limit(d) };
    c->exit_req = 1;
}

/* LTR: an available 16- or 32-bit TSS in the GDT; marks it busy. */
void op_ltr(Cpu *c, const Insn *in)
{
    require_protected(c);
    require_cpl0(c);
    uint16_t sel = rd_Ew(c, in), err = sel & 0xfffc;
    if (err == 0)
        cpu_raise(c, X86_TRAP_GP, 0);
    if (sel & 4)
        cpu_raise(c, X86_TRAP_GP, err);
    Descriptor d = seg_read_desc(c, sel);
    uint16_t type = desc_attr(d) & (SEG_ATTR_S | SEG_ATTR_TYPE);
    if (type != 0x01 && type != 0x09)
        cpu_raise(c, X86_TRAP_GP, err);
    if (!(desc_attr(d) & SEG_ATTR_P))
        cpu_raise(c, X86_TRAP_NP, err);
    d.hi |= 0x200; /* type 1 -> 3, 9 -> 11: busy */
    cpu_lin_wr8(c, c->gdtr.base + (sel & 0xfff8u) + 5, (uint8_t)(d.hi >> 8));
    c->tr = (SegReg){ .sel = sel, .attr = desc_attr(d), .base = desc_base(d), .limit = desc_limit(d) };
    c->exit_req = 1;
}

/* ---- VERR, VERW, LAR, LSL, ARPL --------------------------------------- */

/* Fetch the descriptor a selector names, or return false where a segment
 * load would fault on the selector: these instructions only clear ZF. */
static bool desc_probe(Cpu *c, uint16_t sel, Descriptor *d)
{
    return (sel & 0xfffc) != 0 && seg_fetch_desc(c, sel, d);
}

/* The privilege rule the four share: DPL >= CPL and DPL >= RPL, except for
 * conforming code segments. */
static bool desc_visible(const Cpu *c, uint16_t sel, uint16_t attr)
{
    if ((attr & 0x1c) == 0x1c)
        return true;
    int dpl = (attr >> 5) & 3;
    return dpl >= c->cpl && dpl >= (sel & 3);
}

static void verify(Cpu *c, const Insn *in, bool write)
{
    require_protected(c);
    uint16_t sel = rd_Ew(c, in);
    Descriptor d;
    bool ok = desc_probe(c, sel, &d);
    if (ok) {
        uint16_t attr = desc_attr(d);
        bool code = (attr & 0x08) != 0;
        ok = (attr & SEG_ATTR_S) && desc_visible(c, sel, attr) &&
             (write ? !code && (attr & 0x02) : !code || (attr & 0x02));
    }
    set_zf(c, ok);
}

void op_verr(Cpu *c, const Insn *in) { verify(c, in, false); }
void op_verw(Cpu *c, const Insn *in) { verify(c, in, true); }

/* System descriptor types LAR accepts: TSSs (available and busy), LDT,
 * call gates and the task gate; LSL: those that have a limit. */
#define LAR_SYSTEM_TYPES ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | \
                          (1u << 9) | (1u << 11) | (1u << 12))
#define LSL_SYSTEM_TYPES ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 9) | (1u << 11))

static bool lar_lsl_probe(Cpu *c, const Insn *in, uint32_t system_types, Descriptor *d)
{
    require_protected(c);
    uint16_t sel = rd_Ew(c, in);
    if (!desc_probe(c, sel, d))
        return false;
    uint16_t attr = desc_attr(*d);
    if (!(attr & SEG_ATTR_S) && !((system_types >> (attr & SEG_ATTR_TYPE)) & 1))
        return false;
    return desc_visible(c, sel, attr);
}

/* LAR: the descriptor's second dword masked by 00F0FF00H (16-bit: FF00H);
 * the destination is unchanged when ZF is cleared. */
static inline void lar_w(Cpu *c, const Insn *in, int w)
{
    Descriptor d;
    bool ok = lar_lsl_probe(c, in, LAR_SYSTEM_TYPES, &d);
    if (ok) {
        if (w == 32)
            set_reg32(c, in->reg, d.hi & 0x00f0ff00u);
        else
            set_reg16(c, in->reg, (uint16_t)(d.hi & 0xff00u));
    }
    set_zf(c, ok);
}
DEFINE_OPV(lar)

/* LSL: the byte-granular limit (16-bit operand size: its low half). */
static inline void lsl_w(Cpu *c, const Insn *in, int w)
{
    Descriptor d;
    bool ok = lar_lsl_probe(c, in, LSL_SYSTEM_TYPES, &d);
    if (ok) {
        if (w == 32)
            set_reg32(c, in->reg, desc_limit(d));
        else
            set_reg16(c, in->reg, (uint16_t)desc_limit(d));
    }
    set_zf(c, ok);
}
DEFINE_OPV(lsl)

/* ARPL raises the destination selector's RPL to the source's. A memory
 * destination is written only when the RPL changes, and only then must it
 * be writable: the SDM's Operation section assigns DEST only in the raising
 * branch (its "#GP(0) if the destination is in a non-writable segment"
 * describes that write), and test386.asm, checked on a real 386, expects no
 * fault for an unchanged RPL in a read-only segment. Bochs checks the write
 * up front and faults; test386 documents that as a Bochs difference. QEMU
 * does not check data-segment rights at all, so it agrees here. */
void op_arpl(Cpu *c, const Insn *in)
{
    require_protected(c);
    uint16_t dst = rd_Ew(c, in), src = rd_Gw(c, in);
    bool raise = (dst & 3) < (src & 3);
    if (raise)
        wr_Ew(c, in, (uint16_t)((dst & ~3u) | (src & 3u)));
    set_zf(c, raise);
}
