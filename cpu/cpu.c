/*
 * cpu.c - CPU reset, EFLAGS and CR0 writes, and memory access through
 * segments (the slow paths behind access.h).
 */
#include "cpu/cpu.h"

#include <string.h>

#include "cpu/access.h"
#include "cpu/decode.h"
#include "cpu/flags.h"
#include "cpu/segment.h"

/* PF for each byte value: set when the number of one bits is even. */
const uint8_t parity_table[256] = {
#define P2(n) n, n ^ 4, n ^ 4, n
#define P4(n) P2(n), P2(n ^ 4), P2(n ^ 4), P2(n)
#define P6(n) P4(n), P4(n ^ 4), P4(n ^ 4), P4(n)
    P6(4), P6(0), P6(0), P6(4)
#undef P2
#undef P4
#undef P6
};

void cpu_init(Cpu *c, PhysMem *mem)
{
    memset(c, 0, sizeof(*c));
    c->mem = mem;
    decode_init();
    cpu_reset(c);
}

/* Processor state after RESET (SDM vol. 3, 9.1.1, table 9-1). */
void cpu_reset(Cpu *c)
{
    memset(c->r, 0, sizeof(c->r));
    c->r[R_EDX] = CPU_SIGNATURE;
    c->eip = 0xfff0;
    c->eflags = X86_EFLAGS_FIXED;
    c->cr0 = X86_CR0_ET | X86_CR0_NW | X86_CR0_CD;
    c->cr2 = c->cr3 = c->cr4 = 0;
    c->efer = 0;
    memset(c->pdpte, 0, sizeof(c->pdpte));
    memset(c->dr, 0, sizeof(c->dr));
    c->dr[6] = 0xffff0ff0u;
    c->dr[7] = 0x00000400u;
    for (int s = 0; s < SEG_COUNT; s++)
        c->seg[s] = (SegReg){ .sel = 0, .attr = 0x93, .base = 0, .limit = 0xffff };
    c->seg[SEG_CS] = (SegReg){ .sel = 0xf000, .attr = 0x9b, .base = 0xffff0000u, .limit = 0xffff };
    c->gdtr = c->idtr = (DescTable){ 0, 0xffff };
    c->ldtr = (SegReg){ .attr = 0x82, .limit = 0xffff };
    c->tr = (SegReg){ .attr = 0x8b, .limit = 0xffff };
    c->halted = false;
    c->irq_shadow = false;
    c->fault_depth = 0;
    c->msr_sysenter_cs = c->msr_sysenter_esp = c->msr_sysenter_eip = 0;
    c->mtrr_deftype = 0; /* RESET disables the MTRRs (SDM vol. 3, 11.11.5) */
    c->msr_pat = 0x0007040600070406ull; /* power-on PAT (SDM vol. 3, table 11-12) */
    /* The BSP flag, the default base; EN clear because this CPU has no
     * local APIC (CPUID.1:EDX.APIC = 0). */
    c->msr_apic_base = 0xfee00100ull;
    c->nmi_pending = c->nmi_blocked = false;
    fpu_reset(c); /* FNINIT state (SDM vol. 3, table 9-1) */
    c->dbg_pending = 0;
    c->dbg_hold = c->dbg_insn_bp = c->mem_checks = false;
    for (int s = 0; s < SEG_COUNT; s++)
        seg_update_access(c, s);
    cpu_update_mode(c);
    if (c->mem)
        mem_tlb_flush(c->mem);
}

bool cpu_protected(const Cpu *c)
{
    return (c->cr0 & X86_CR0_PE) && !(c->eflags & X86_EFLAGS_VM);
}

void cpu_update_mode(Cpu *c)
{
    int old_cpl = c->cpl;
    c->code32 = (c->seg[SEG_CS].attr & SEG_ATTR_DB) != 0;
    c->stack32 = (c->seg[SEG_SS].attr & SEG_ATTR_DB) != 0;
    seg_update_flat(c); /* a caller may have written the caches directly */
    if (!(c->cr0 & X86_CR0_PE))
        c->cpl = 0;
    else if (c->eflags & X86_EFLAGS_VM)
        c->cpl = 3;
    else
        c->cpl = c->seg[SEG_CS].sel & 3;
    debug_update(c); /* #AC depends on CPL */
    if (c->mem) {
        bool user = c->cpl == 3 && (c->cr0 & X86_CR0_PG);
        c->tlb_rd = c->mem->tlb[user][0];
        c->tlb_wr = c->mem->tlb[user][1];
    }
    if (c->cpl != old_cpl && c->trace.cpl_change)
        c->trace.cpl_change(c->trace.opaque, c, old_cpl);
}

uint32_t cpu_get_eflags(Cpu *c)
{
    return c->eflags;
}

/* Write the bits of `mask` in EFLAGS. Bit 1 always reads 1; bits 3, 5, 15
 * and 22-31 always read 0. */
void cpu_set_eflags(Cpu *c, uint32_t val, uint32_t mask)
{
    const uint32_t writable = 0x003f7fd5u;
    mask &= writable;
    c->eflags = ((c->eflags & ~mask) | (val & mask) | X86_EFLAGS_FIXED) & (writable | X86_EFLAGS_FIXED);
    if (mask & X86_EFLAGS_AC)
        debug_update(c);
    if ((c->eflags & (X86_EFLAGS_TF | X86_EFLAGS_RF)) && !(c->dbg_slow & DBG_SLOW_EFLAGS)) {
        c->dbg_slow |= DBG_SLOW_EFLAGS; /* the dispatcher's one test */
        c->exit_req = 1;                /* a chained x64 exit tests this one */
    }
}

void cpu_set_cr0(Cpu *c, uint32_t val)
{
    /* ET is hard-wired to 1 on the P6 family; reserved bits read 0. */
    val = (val | X86_CR0_ET) & 0xe005003fu;
    if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
        cpu_raise(c, X86_TRAP_GP, 0);
    if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
        cpu_raise(c, X86_TRAP_GP, 0);
    uint32_t changed = c->cr0 ^ val;
    /* Turning on PAE paging, or changing CD/NW/PG under it, loads the
     * PDPTEs; a reserved bit in one is #GP(0) and nothing changes (SDM
     * vol. 3, 4.4.1). */
    if ((val & X86_CR0_PG) && (c->cr4 & X86_CR4_PAE) && (changed & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW))) {
        uint64_t pd[4];
        if (!paging_load_pdptes(c->mem, c->cr3, pd))
            cpu_raise(c, X86_TRAP_GP, 0);
        memcpy(c->pdpte, pd, sizeof(pd));
    }
    c->cr0 = val;
    if (changed & (X86_CR0_PE | X86_CR0_PG | X86_CR0_WP)) {
        for (int s = 0; s < SEG_COUNT; s++)
            seg_update_access(c, s);
        cpu_update_mode(c);
        mem_tlb_flush(c->mem);
    }
    debug_update(c); /* CR0.AM */
    c->exit_req = 1;
}

void cpu_set_cr3(Cpu *c, uint32_t val)
{
    if ((c->cr0 & X86_CR0_PG) && (c->cr4 & X86_CR4_PAE)) {
        uint64_t pd[4];
        if (!paging_load_pdptes(c->mem, val, pd))
            cpu_raise(c, X86_TRAP_GP, 0);
        memcpy(c->pdpte, pd, sizeof(pd));
    }
    c->cr3 = val;
    mem_tlb_flush_nonglobal(c->mem); /* G entries stay with CR4.PGE (4.10.4.1) */
    c->exit_req = 1;
}

/* Callers have checked the reserved bits. */
void cpu_set_cr4(Cpu *c, uint32_t val)
{
    uint32_t changed = c->cr4 ^ val;
    const uint32_t paging_bits = X86_CR4_PSE | X86_CR4_PGE | X86_CR4_PAE;
    if ((c->cr0 & X86_CR0_PG) && (val & X86_CR4_PAE) && (changed & paging_bits)) {
        uint64_t pd[4];
        if (!paging_load_pdptes(c->mem, c->cr3, pd))
            cpu_raise(c, X86_TRAP_GP, 0);
        memcpy(c->pdpte, pd, sizeof(pd));
    }
    c->cr4 = val;
    if (changed & paging_bits)
        mem_tlb_flush(c->mem); /* translations change, globals too (4.10.4.1) */
    c->exit_req = 1;
}

/* ---- faults ----------------------------------------------------------- */

static bool vector_has_error(int v)
{
    return v == X86_TRAP_DF || (v >= X86_TRAP_TS && v <= X86_TRAP_PF) || v == X86_TRAP_AC;
}

_Noreturn void cpu_raise(Cpu *c, int vector, uint32_t error)
{
    c->exc_vector = vector;
    c->exc_error = error;
    c->exc_has_error = vector_has_error(vector);
    c->eip = c->insn_eip;
    longjmp(*c->fault_jmp, 1);
}

_Noreturn void cpu_raise_noerr(Cpu *c, int vector)
{
    cpu_raise(c, vector, 0);
}

/* ---- memory slow paths ------------------------------------------------ */

static _Noreturn void seg_fault(Cpu *c, int seg)
{
    cpu_raise(c, seg == SEG_SS ? X86_TRAP_SS : X86_TRAP_GP, 0);
}

/* Segment checks for an access of len bytes at off (SDM vol. 3, 5.3 and
 * 5.4). Returns the linear address. */
static uint32_t seg_check(Cpu *c, int seg, uint32_t off, uint32_t len, bool write)
{
    const SegReg *s = &c->seg[seg];
    if (cpu_protected(c)) {
        /* A null selector loaded in protected mode clears the cached P bit
         * (segment.c); one loaded in real mode before CR0.PE was set keeps
         * its usable real-mode cache (SDM vol. 3, 9.9.1). */
        if (!(s->attr & SEG_ATTR_P))
            seg_fault(c, seg);
        bool code = (s->attr & 0x08) != 0;
        if (write && (code || !(s->attr & 0x02)))
            seg_fault(c, seg);
        if (!write && code && !(s->attr & 0x02))
            seg_fault(c, seg);
        if (!code && (s->attr & 0x04)) {
            /* expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff */
            uint32_t top = (s->attr & SEG_ATTR_DB) ? 0xffffffffu : 0xffffu;
            if (off <= s->limit || (uint64_t)off + len - 1 > top)
                seg_fault(c, seg);
            return s->base + off;
        }
    }
    if ((uint64_t)off + len - 1 > s->limit)
        seg_fault(c, seg);
    return s->base + off;
}

/* Check a whole destination before an instruction writes any of it: the
 * segment, and with paging every page it touches, so that ENTER, PUSHA,
 * far calls and interrupt pushes fault before they change anything.
 * XXX: the walk sets the accessed and dirty bits of those pages, also of
 * a page ENTER only probes (its final ESP) and never writes. */
void cpu_check_write(Cpu *c, int seg, uint32_t off, uint32_t len)
{
    uint32_t lin = seg_check(c, seg, off, len, true);
    if (!(c->cr0 & X86_CR0_PG) || len == 0)
        return;
    uint32_t last = lin + len - 1;
    for (uint32_t page = lin & ~PAGE_MASK;; page += PAGE_SIZE) {
        cpu_translate(c, page < lin ? lin : page, PG_ACC_WRITE, c->cpl == 3);
        if (page == (last & ~PAGE_MASK))
            break;
    }
}

void cpu_check_read(Cpu *c, int seg, uint32_t off, uint32_t len)
{
    seg_check(c, seg, off, len, false);
}

/* Linear -> physical for one access: A20 alone without paging, else the
 * page walk, whose failure is #PF with CR2 = the linear address. */
static uint32_t translate_attr(Cpu *c, uint32_t lin, int access, bool user, unsigned *attr)
{
    *attr = 0;
    if (!(c->cr0 & X86_CR0_PG))
        return mem_lin_to_phys(c->mem, lin);
    PagingRegs r = cpu_paging_regs(c);
    uint32_t phys, err;
    if (!paging_walk_attr(c->mem, &r, lin, access, user, &phys, &err, attr)) {
        c->cr2 = lin;
        cpu_raise(c, X86_TRAP_PF, err);
    }
    return phys;
}

uint32_t cpu_translate(Cpu *c, uint32_t lin, int access, bool user)
{
    unsigned attr;
    return translate_attr(c, lin, access, user, &attr);
}

static uint32_t lin_read(Cpu *c, uint32_t lin, int size, bool user)
{
    PhysMem *m = c->mem;
    if ((lin & PAGE_MASK) + (uint32_t)size > PAGE_SIZE) {
        /* Both pages are translated (and may fault) before any byte is
         * read, so a faulting split read has no MMIO side effects; then
         * each byte goes where it lands. */
        uint32_t first = PAGE_SIZE - (lin & PAGE_MASK);
        uint32_t p1 = cpu_translate(c, lin, PG_ACC_READ, user);
        uint32_t p2 = cpu_translate(c, lin + first, PG_ACC_READ, user);
        uint32_t v = 0;
        for (uint32_t i = 0; i < (uint32_t)size; i++)
            v |= mem_phys_read(m, i < first ? p1 + i : p2 + (i - first), 1) << (8 * i);
        return v;
    }
    uint8_t *page = m->tlb[user][0][lin >> PAGE_SHIFT];
    uint32_t phys = 0;
    if (!page) {
        unsigned attr;
        m->tlb_misses++;
        phys = translate_attr(c, lin, PG_ACC_READ, user, &attr);
        page = mem_tlb_fill_attr(m, lin, phys, false, user, attr);
    } else {
        m->tlb_slow_hits++;
    }
    if (page) {
        uint32_t v = 0;
        memcpy(&v, page + (lin & PAGE_MASK), (size_t)size);
        return v;
    }
    return mem_phys_read(m, phys, size);
}

static void lin_write(Cpu *c, uint32_t lin, uint32_t v, int size, bool user)
{
    PhysMem *m = c->mem;
    if ((lin & PAGE_MASK) + (uint32_t)size > PAGE_SIZE) {
        /* Both pages are translated (and may fault) before any byte is
         * written, so a faulting split write changes nothing. */
        uint32_t first = PAGE_SIZE - (lin & PAGE_MASK);
        uint32_t p1 = cpu_translate(c, lin, PG_ACC_WRITE, user);
        uint32_t p2 = cpu_translate(c, lin + first, PG_ACC_WRITE, user);
        for (int i = 0; i < size; i++)
            mem_phys_write(m, (uint32_t)i < first ? p1 + (uint32_t)i : p2 + ((uint32_t)i - first),
                           (v >> (8 * i)) & 0xff, 1);
        return;
    }
    uint8_t *page = m->tlb[user][1][lin >> PAGE_SHIFT];
    uint32_t phys = 0;
    if (!page) {
        unsigned attr;
        m->tlb_misses++;
        phys = translate_attr(c, lin, PG_ACC_WRITE, user, &attr);
        page = mem_tlb_fill_attr(m, lin, phys, true, user, attr);
    } else {
        m->tlb_slow_hits++;
    }
    if (page) {
        memcpy(page + (lin & PAGE_MASK), &v, (size_t)size);
        return;
    }
    mem_phys_write(m, phys, v, size);
}

/* A segment access is a user access at CPL 3 with paging on; descriptor
 * table and TSS accesses (cpu_lin_*) are supervisor ones (SDM vol. 3,
 * 4.6). */
static inline bool cpu_user(const Cpu *c)
{
    return c->cpl == 3 && (c->cr0 & X86_CR0_PG);
}

/* With data breakpoints or alignment checking armed, every access through
 * a segment comes here (debug.c): #AC is a fault, checked before the
 * access; a data breakpoint is a trap, noted after it. */
uint32_t cpu_mem_read_slow(Cpu *c, int seg, uint32_t off, int size)
{
    uint32_t lin = seg_check(c, seg, off, (uint32_t)size, false);
    if (unlikely(c->mem_checks)) {
        debug_align_check(c, lin, size);
        uint32_t v = lin_read(c, lin, size, cpu_user(c));
        debug_mem_access(c, lin, size, false);
        return v;
    }
    return lin_read(c, lin, size, cpu_user(c));
}

void cpu_mem_write_slow(Cpu *c, int seg, uint32_t off, uint32_t v, int size)
{
    uint32_t lin = seg_check(c, seg, off, (uint32_t)size, true);
    if (unlikely(c->mem_checks)) {
        debug_align_check(c, lin, size);
        lin_write(c, lin, v, size, cpu_user(c));
        debug_mem_access(c, lin, size, true);
        return;
    }
    lin_write(c, lin, v, size, cpu_user(c));
}

uint8_t cpu_lin_rd8(Cpu *c, uint32_t lin) { return (uint8_t)lin_read(c, lin, 1, false); }
uint16_t cpu_lin_rd16(Cpu *c, uint32_t lin) { return (uint16_t)lin_read(c, lin, 2, false); }
uint32_t cpu_lin_rd32(Cpu *c, uint32_t lin) { return lin_read(c, lin, 4, false); }
void cpu_lin_wr8(Cpu *c, uint32_t lin, uint8_t v) { lin_write(c, lin, v, 1, false); }
void cpu_lin_wr16(Cpu *c, uint32_t lin, uint16_t v) { lin_write(c, lin, v, 2, false); }
void cpu_lin_wr32(Cpu *c, uint32_t lin, uint32_t v) { lin_write(c, lin, v, 4, false); }

/* ---- ports ------------------------------------------------------------ */

uint32_t cpu_in(Cpu *c, uint16_t port, int size)
{
    if (unlikely(c->dbg_slow & DBG_SLOW_DR7))
        debug_io_access(c, port, size);
    if (!c->io.in)
        return 0xffffffffu >> (32 - 8 * size);
    return c->io.in(c->io.opaque, port, size);
}

void cpu_out(Cpu *c, uint16_t port, uint32_t val, int size)
{
    if (unlikely(c->dbg_slow & DBG_SLOW_DR7))
        debug_io_access(c, port, size);
    if (c->io.out)
        c->io.out(c->io.opaque, port, val, size);
}

/* ---- handlers the decoder substitutes --------------------------------- */

void op_ud(Cpu *c, const Insn *in)
{
    (void)in;
    cpu_raise(c, X86_TRAP_UD, 0);
}

void op_gp_toolong(Cpu *c, const Insn *in)
{
    (void)in;
    cpu_raise(c, X86_TRAP_GP, 0);
}
