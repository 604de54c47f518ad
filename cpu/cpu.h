/*
 * cpu.h - the x86 CPU's architectural state and the contract every
 * instruction handler follows.
 *
 * A handler is `void op_NAME(Cpu *c, const Insn *in)`. When it runs:
 *   - c->eip already points past the instruction (the "next EIP"), so a
 *     relative jump adds in->imm to it and CALL pushes it;
 *   - c->insn_eip is the instruction's own EIP, which cpu_raise() restores so
 *     that every fault is precise (DESIGN.md invariant 2);
 *   - the handler does every check that can fault before it changes
 *     architectural state ("check, then commit").
 * Handlers that change control flow or CPU mode are flagged in the opcode
 * table so the block builder ends the block after them.
 */
#ifndef RINGSIDE_CPU_H
#define RINGSIDE_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu.h"
#include "mmu/mem.h"
#include "mmu/paging.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* CPUID.1:EAX and EDX after reset: family 6, model 5, stepping 2 (a
 * Pentium II "Deschutes"). */
#define CPU_SIGNATURE 0x00000652u

/* General registers, in the encoding order of ModRM.reg. Slot 8 is a
 * constant zero so that effective-address arithmetic needs no branches
 * ("no base" and "no index" both name it). Nothing may write it. */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI, R_NONE };

/* Segment registers in the encoding order of Sreg. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* EFLAGS bits (SDM vol. 1, 3.4.3). */
#define X86_EFLAGS_CF 0x00000001u
#define X86_EFLAGS_FIXED 0x00000002u /* bit 1 always reads 1 */
#define X86_EFLAGS_PF 0x00000004u
#define X86_EFLAGS_AF 0x00000010u
#define X86_EFLAGS_ZF 0x00000040u
#define X86_EFLAGS_SF 0x00000080u
#define X86_EFLAGS_TF 0x00000100u
#define X86_EFLAGS_IF 0x00000200u
#define X86_EFLAGS_DF 0x00000400u
#define X86_EFLAGS_OF 0x00000800u
#define X86_EFLAGS_IOPL 0x00003000u
#define X86_EFLAGS_NT 0x00004000u
#define X86_EFLAGS_RF 0x00010000u
#define X86_EFLAGS_VM 0x00020000u
#define X86_EFLAGS_AC 0x00040000u
#define X86_EFLAGS_VIF 0x00080000u
#define X86_EFLAGS_VIP 0x00100000u
#define X86_EFLAGS_ID 0x00200000u
#define X86_EFLAGS_ARITH                                                    \
    (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF |        \
     X86_EFLAGS_SF | X86_EFLAGS_OF)

/* Control register bits. */
#define X86_CR0_PE 0x00000001u
#define X86_CR0_MP 0x00000002u
#define X86_CR0_EM 0x00000004u
#define X86_CR0_TS 0x00000008u
#define X86_CR0_ET 0x00000010u
#define X86_CR0_NE 0x00000020u
#define X86_CR0_WP 0x00010000u
#define X86_CR0_AM 0x00040000u
#define X86_CR0_NW 0x20000000u
#define X86_CR0_CD 0x40000000u
#define X86_CR0_PG 0x80000000u

#define X86_CR4_VME 0x0001u
#define X86_CR4_PVI 0x0002u
#define X86_CR4_TSD 0x0004u
#define X86_CR4_DE 0x0008u
#define X86_CR4_PSE 0x0010u
#define X86_CR4_PAE 0x0020u
#define X86_CR4_MCE 0x0040u
#define X86_CR4_PGE 0x0080u
#define X86_CR4_PCE 0x0100u
#define X86_CR4_OSFXSR 0x0200u

/* Exception vectors (SDM vol. 3, table 6-1). */
enum {
    X86_TRAP_DE = 0,
    X86_TRAP_DB = 1,
    X86_TRAP_NMI = 2,
    X86_TRAP_BP = 3,
    X86_TRAP_OF = 4,
    X86_TRAP_BR = 5,
    X86_TRAP_UD = 6,
    X86_TRAP_NM = 7,
    X86_TRAP_DF = 8,
    X86_TRAP_TS = 10,
    X86_TRAP_NP = 11,
    X86_TRAP_SS = 12,
    X86_TRAP_GP = 13,
    X86_TRAP_PF = 14,
    X86_TRAP_MF = 16,
    X86_TRAP_AC = 17,
    X86_TRAP_MC = 18,
};

/*
 * Hidden part of a segment register (the "descriptor cache").
 * `attr` holds bits 8-23 of a descriptor's high dword, shifted down by 8:
 *
 *   15 14  13 12 11..8   7  6 5  4  3..0
 *   G  D/B L  AVL lim    P  DPL  S  type
 *
 * (bits 11..8 are the limit's top nibble and are ignored here).
 */
typedef struct SegReg {
    uint16_t sel;
    uint16_t attr;
    uint32_t base;
    uint32_t limit; /* byte granular, already expanded */
    uint8_t acc;    /* SEG_ACC_*: what the fast path may do without checks */
} SegReg;

#define SEG_ACC_RD 0x01 /* readable, expand-up, usable */
#define SEG_ACC_WR 0x02 /* writable, expand-up, usable */

#define SEG_ATTR_TYPE 0x000fu
#define SEG_ATTR_S 0x0010u
#define SEG_ATTR_DPL 0x0060u
#define SEG_ATTR_P 0x0080u
#define SEG_ATTR_DB 0x4000u
#define SEG_ATTR_G 0x8000u

typedef struct DescTable {
    uint32_t base;
    uint16_t limit;
} DescTable;

/* Hooks a tracer sets to watch interrupts and privilege changes. */
typedef struct Cpu Cpu;
typedef struct CpuTrace {
    void *opaque;
    /* Before an interrupt or exception is delivered (soft: INT n/INT3/INTO). */
    void (*interrupt)(void *opaque, Cpu *c, int vector, int soft, bool has_err, uint32_t err);
    /* After it was delivered: CS:EIP and CPL are the handler's. */
    void (*delivered)(void *opaque, Cpu *c);
    /* CPL changed by anything else (far transfers, IRET, SYSENTER...). */
    void (*cpl_change)(void *opaque, Cpu *c, int old_cpl);
} CpuTrace;

/* Decoded instruction (DESIGN.md section 3): 32 bytes. */
typedef struct Insn Insn;
typedef void (*InsnFn)(Cpu *c, const Insn *in);

struct Insn {
    InsnFn fn;
    uint32_t disp;   /* memory displacement, or moffs for A0-A3 */
    uint32_t imm;    /* first immediate; Jb/Jz: sign-extended rel; Ap: offset */
    uint16_t imm2;   /* ENTER's Ib; Ap's selector */
    uint16_t op;     /* table index: 0x000-0x0ff one byte, 0x100-0x1ff 0F xx */
    uint8_t len;     /* bytes, prefixes included */
    uint8_t mod;     /* ModRM.mod (3 = register form) */
    uint8_t reg;     /* ModRM.reg, or the register in the opcode's low bits */
    uint8_t rm;      /* ModRM.rm */
    uint8_t base;    /* EA base register, R_NONE if none */
    uint8_t index;   /* EA index register, R_NONE if none */
    uint8_t scale;   /* EA index shift, 0-3 */
    uint8_t seg;     /* segment of the memory operand, after overrides */
    uint8_t flags;   /* INSN_* */
    uint8_t sub;     /* table row's sub-index (group member), for tools */
    uint8_t pad[2];
};

#define INSN_OP32 0x01   /* 32-bit operand size */
#define INSN_ADDR32 0x02 /* 32-bit address size */
#define INSN_REP 0x04    /* F3 prefix (last of F2/F3) */
#define INSN_REPNE 0x08  /* F2 prefix (last of F2/F3) */
#define INSN_LOCK 0x10
#define INSN_MEM 0x20    /* has a memory operand (ModRM mod != 3, or moffs) */
#define INSN_SEGOVR 0x40 /* a segment override prefix was present */

/* Reasons the CPU loop stops (Cpu.exit_reason). */
enum {
    EXIT_NONE = 0,
    EXIT_HALT,     /* HLT with interrupts off, or nothing can wake it */
    EXIT_SHUTDOWN, /* triple fault */
    EXIT_REQUEST,  /* a device or the frontend asked to stop */
};

typedef struct CpuIo {
    void *opaque;
    uint32_t (*in)(void *opaque, uint16_t port, int size);
    void (*out)(void *opaque, uint16_t port, uint32_t val, int size);
} CpuIo;

struct Cpu {
    uint32_t r[9]; /* EAX..EDI, then the constant zero R_NONE */
    uint32_t eip;
    uint32_t eflags;
    uint32_t insn_eip; /* EIP of the instruction being executed */
    SegReg seg[SEG_COUNT];
    DescTable gdtr, idtr;
    SegReg ldtr, tr;
    uint32_t cr0, cr2, cr3, cr4;
    uint64_t efer;     /* IA32_EFER: only NXE */
    uint64_t pdpte[4]; /* PAE PDPTEs, loaded with CR3 (SDM vol. 3, 4.4.1) */
    uint32_t dr[8];

    /* Cached mode bits, updated whenever CS, SS or CR0 change. */
    bool code32;  /* CS.D */
    bool stack32; /* SS.B */
    uint8_t cpl;
    /* CS, DS, ES and SS have base 0 and limit 4 GiB, and DS, ES and SS
     * may be read and written on the fast path (SegReg.acc): kept by
     * seg_update_flat, which sets exit_req when it changes (the x64
     * backend compiles blocks without segment checks in this state). */
    bool flat;

    uint64_t icount;   /* instructions retired */
    uint64_t deadline; /* stop once icount reaches this */
    /* deadline - 64, 0 below 64: set by the dispatcher before it runs x64
     * host code (the deadline only moves with an exit request), so a
     * chained exit compares icount with it without adding 64 */
    uint64_t chain_limit;
    uint64_t tsc_offset;
    uint64_t msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip;
    /* MTRRs (SDM vol. 3, 11.11), kept as registers only: memory types
     * change nothing in an emulator. Zero after power-on (disabled). */
    uint64_t mtrr_var[16];   /* MSRs 0x200-0x20f: PHYSBASE0, PHYSMASK0, ... */
    uint64_t mtrr_fixed[11]; /* 0x250, 0x258, 0x259, 0x268-0x26f */
    uint64_t mtrr_deftype;   /* 0x2ff */
    uint64_t msr_pat;        /* 0x277: page attribute table (stored; types change nothing) */
    uint64_t msr_apic_base;  /* 0x1b: no local APIC exists, so EN stays as written, unused */

    Fpu fpu; /* the x87 (cpu/fpu.c) */

    /* Set by a handler or the memory slow path to end the running block
     * after the current instruction (a write hit translated code, a mode
     * changed, an interrupt became deliverable). */
    volatile int exit_req;
    int16_t exit_reason;
    /* Non-zero: a chained exit of the x64 backend leaves to the dispatcher
     * (which sets it before running host code: dbg_slow or INTR pending,
     * or chaining off). It shares a 64-bit word with exit_req and
     * exit_reason, so the exit tests all three with one compare; what
     * makes dbg_slow or intr non-zero while host code runs also sets
     * exit_req (cpu_set_eflags, debug_update, the INTR line). */
    uint8_t chain_stop;
    uint8_t exit_pad;
    bool halted;
    bool irq_shadow; /* interrupts inhibited for one instruction (MOV SS, STI) */
    bool a20_enabled;

    /* External interrupt line, as the PIC drives it. */
    int (*irq_ack)(void *opaque); /* returns the vector */
    void *irq_opaque;
    bool intr;
    bool nmi_pending; /* set through cpu_raise_nmi() */
    bool nmi_blocked; /* an NMI handler runs: no NMI until the next IRET */
    /* FERR#: with CR0.NE = 0 a pending unmasked x87 exception is reported
     * the PC-compatible way, on this output (the board routes it to IRQ 13)
     * instead of as #MF. NULL: not connected. */
    void (*ferr)(void *opaque);
    void *ferr_opaque;

    /* Debug machinery (cpu/debug.c, SDM vol. 3, chapter 17). */
    uint8_t dbg_slow;      /* DBG_SLOW_*: non-zero sends the dispatcher to its slow step */
    bool mem_checks;       /* data breakpoints or #AC armed: segments stay off the fast path */
    bool dbg_hold;         /* pending #DB held one instruction (after MOV SS / POP SS) */
    bool dbg_insn_bp;      /* the fault being raised is an instruction breakpoint */
    uint32_t dbg_pending;  /* DR6 bits of a #DB trap due after the current instruction */

    /* Fault unwinding: cpu_raise() longjmps here. */
    jmp_buf *fault_jmp;
    int exc_vector;
    uint32_t exc_error;
    bool exc_has_error;
    int fault_depth;  /* 0 normal, 1 delivering an exception, 2 delivering #DF */
    int exc_prev;     /* vector being delivered when fault_depth > 0 */

    CpuIo io;
    PhysMem *mem;
    /* The fast-path tables for the current privilege (mem->tlb[user][..]),
     * set by cpu_update_mode: user ones only at CPL 3 with paging. */
    uint8_t **tlb_rd, **tlb_wr;
    void *tcache; /* translate/'s code cache, opaque to cpu/ */
    uint64_t jc_misses; /* x64 backend: indirect exits that missed the jump cache (--stats) */
    const void *cur_block; /* the block running now (for traces), opaque */

    /* Trace hooks for frontend/ (-d int,cpl); any may be NULL. */
    CpuTrace trace;
};

#define DBG_SLOW_DR7 0x01     /* DR7 enables a breakpoint */
#define DBG_SLOW_PENDING 0x02 /* a #DB trap is pending */
#define DBG_SLOW_NMI 0x04     /* an NMI is pending */
#define DBG_SLOW_EFLAGS 0x08  /* EFLAGS.TF or RF may be set: cpu_set_eflags
                               * sets it; whoever else sets TF or RF must
                               * call debug_update */
#define DBG_SLOW_STEP (DBG_SLOW_DR7 | DBG_SLOW_PENDING | DBG_SLOW_EFLAGS)

/* debug.c */
void debug_update(Cpu *c);       /* after DR7, CR0.AM, EFLAGS.AC or CPL change */
void debug_trap(Cpu *c, uint32_t dr6_bits); /* a #DB trap after this instruction */
uint32_t debug_match_exec(const Cpu *c, uint32_t lin); /* DR6 B0-B3 bits */
void debug_align_check(Cpu *c, uint32_t lin, int size); /* #AC before the access */
void debug_mem_access(Cpu *c, uint32_t lin, int size, bool write); /* after it */
void debug_io_access(Cpu *c, uint16_t port, int size);
void cpu_raise_nmi(Cpu *c);      /* a device asserts NMI */
void cpu_nmi_iret(Cpu *c);       /* IRET ends NMI blocking */

#define X86_DR6_BD 0x2000u /* general detect */
#define X86_DR6_BS 0x4000u /* single step */
#define X86_DR6_BT 0x8000u /* task switch (T bit of the new TSS) */
#define X86_DR7_GD 0x2000u

/* cpu.c */
void cpu_init(Cpu *c, PhysMem *mem);
void cpu_reset(Cpu *c);
_Noreturn void cpu_raise(Cpu *c, int vector, uint32_t error);
_Noreturn void cpu_raise_noerr(Cpu *c, int vector);
/* Deliver an interrupt or exception through the IVT/IDT. `soft` is 1 for
 * INT n / INT3 / INTO (return to the next instruction), 0 for faults and
 * external interrupts. */
void cpu_interrupt(Cpu *c, int vector, int soft, bool has_err, uint32_t err);
/* Called by the dispatcher after a longjmp from cpu_raise. */
void cpu_deliver_exception(Cpu *c);
void cpu_update_mode(Cpu *c);
void cpu_load_seg(Cpu *c, int seg, uint16_t sel);  /* MOV Sreg, POP Sreg, LxS */
void cpu_load_cs(Cpu *c, uint16_t sel, uint32_t eip); /* far JMP/CALL/RET */
void cpu_set_eflags(Cpu *c, uint32_t val, uint32_t mask);
uint32_t cpu_get_eflags(Cpu *c);
void cpu_set_cr0(Cpu *c, uint32_t val);
/* MOV CR3 / CR4 (mmu): PDPTE loads with PAE (#GP on reserved bits), TLB
 * flushes (global entries survive a CR3 load). */
void cpu_set_cr3(Cpu *c, uint32_t val);
void cpu_set_cr4(Cpu *c, uint32_t val);
/* What the page walker needs from the CPU. */
static inline PagingRegs cpu_paging_regs(const Cpu *c)
{
    return (PagingRegs){ c->cr0, c->cr3, c->cr4, (c->efer & EFER_NXE) != 0, c->pdpte };
}
bool cpu_protected(const Cpu *c);

/* Memory access through segmentation (and, later, paging): the inline
 * fast paths cpu_rd8/16/32 and cpu_wr8/16/32 live in cpu/access.h; these
 * are their slow paths, which check everything and may fault. */
uint32_t cpu_mem_read_slow(Cpu *c, int seg, uint32_t off, int size);
void cpu_mem_write_slow(Cpu *c, int seg, uint32_t off, uint32_t v, int size);
/* Fault (as a write would) unless [off, off+len) is writable in seg. Used by
 * instructions that must check a whole destination before writing any of it. */
void cpu_check_write(Cpu *c, int seg, uint32_t off, uint32_t len);
void cpu_check_read(Cpu *c, int seg, uint32_t off, uint32_t len);
/* Linear-address access, no segmentation: descriptor tables, the IVT. */
/* Linear -> physical for an access (PG_ACC_*) at user or supervisor
 * level: the page walk when CR0.PG, raising #PF (CR2 set) on a fault. */
uint32_t cpu_translate(Cpu *c, uint32_t lin, int access, bool user);
uint8_t cpu_lin_rd8(Cpu *c, uint32_t lin);
uint16_t cpu_lin_rd16(Cpu *c, uint32_t lin);
uint32_t cpu_lin_rd32(Cpu *c, uint32_t lin);
void cpu_lin_wr8(Cpu *c, uint32_t lin, uint8_t v);
void cpu_lin_wr16(Cpu *c, uint32_t lin, uint16_t v);
void cpu_lin_wr32(Cpu *c, uint32_t lin, uint32_t v);

/* Port I/O (the board supplies c->io). cpu_check_io raises #GP(0) unless
 * the access is allowed at the current CPL/IOPL or by the TSS's I/O
 * permission bitmap (SDM vol. 1, 19.5). */
void cpu_check_io(Cpu *c, uint16_t port, int size);
uint32_t cpu_in(Cpu *c, uint16_t port, int size);
void cpu_out(Cpu *c, uint16_t port, uint32_t val, int size);

#endif
