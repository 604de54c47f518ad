/*
 * debug.c - the debug registers and alignment checking (SDM vol. 3,
 * chapter 17 and 6.15 "#AC"), and the NMI line.
 *
 * Nothing here runs while no debug feature is armed. The dispatcher
 * (translate/exec.c) tests Cpu.dbg_slow, and nothing else, once per block;
 * it steps one instruction at a time while TF, RF or DBG_SLOW_STEP is set, and checks instruction breakpoints
 * and single-step there. Data breakpoints and #AC need to see every data
 * access: while either is armed, Cpu.mem_checks makes seg_update_access
 * clear every segment's fast-path bits, so all accesses take the slow path
 * in cpu.c, which calls back here. The fast path itself tests nothing.
 */
#include "cpu/cpu.h"

#include "cpu/segment.h"

/* DR7 fields of breakpoint n: L/G enables, R/W and LEN. */
static bool bp_enabled(const Cpu *c, int n)
{
    return (c->dr[7] >> (2 * n)) & 3;
}

static unsigned bp_rw(const Cpu *c, int n)
{
    return (c->dr[7] >> (16 + 4 * n)) & 3;
}

/* LEN 00, 01, 11 are 1, 2, 4 bytes; 10 is 8 bytes on later processors and
 * undefined on the P6, so 8 is as good a reading as any. */
static uint32_t bp_len(const Cpu *c, int n)
{
    static const uint32_t len[4] = { 1, 2, 8, 4 };
    return len[(c->dr[7] >> (18 + 4 * n)) & 3];
}

static bool align_armed(const Cpu *c)
{
    return (c->cr0 & X86_CR0_AM) && (c->eflags & X86_EFLAGS_AC) && c->cpl == 3;
}

static bool data_bp_armed(const Cpu *c)
{
    for (int n = 0; n < 4; n++) {
        unsigned rw = bp_rw(c, n);
        if (bp_enabled(c, n) && (rw == 1 || rw == 3))
            return true;
    }
    return false;
}

void debug_update(Cpu *c)
{
    uint8_t slow = 0;
    if (c->dr[7] & 0xffu)
        slow |= DBG_SLOW_DR7;
    if (c->dbg_pending)
        slow |= DBG_SLOW_PENDING;
    if (c->nmi_pending)
        slow |= DBG_SLOW_NMI;
    if (c->eflags & (X86_EFLAGS_TF | X86_EFLAGS_RF))
        slow |= DBG_SLOW_EFLAGS;
    if (slow & ~c->dbg_slow)
        c->exit_req = 1; /* a chained x64 exit tests exit_req, not dbg_slow */
    c->dbg_slow = slow;
    bool mem = align_armed(c) || data_bp_armed(c);
    if (mem != c->mem_checks) {
        c->mem_checks = mem;
        for (int s = 0; s < SEG_COUNT; s++)
            seg_update_access(c, s);
        c->exit_req = 1;
    }
}

void debug_trap(Cpu *c, uint32_t dr6_bits)
{
    c->dbg_pending |= dr6_bits;
    c->dbg_slow |= DBG_SLOW_PENDING;
    c->exit_req = 1;
}

/* An execute breakpoint matches the linear address of the instruction's
 * first byte, prefixes included (SDM 17.2.5); LEN should be 00. */
uint32_t debug_match_exec(const Cpu *c, uint32_t lin)
{
    uint32_t hit = 0;
    for (int n = 0; n < 4; n++)
        if (bp_enabled(c, n) && bp_rw(c, n) == 0 && c->dr[n] == lin)
            hit |= 1u << n;
    return hit;
}

/* Alignment check, before the access (a fault). Every size the slow path
 * sees (1, 2, 4) must be naturally aligned. */
void debug_align_check(Cpu *c, uint32_t lin, int size)
{
    if ((lin & (uint32_t)(size - 1)) && align_armed(c))
        cpu_raise(c, X86_TRAP_AC, 0);
}

/* Data breakpoints, after the access (a trap): a write matches R/W 01 and
 * 11, a read only 11. The breakpoint covers LEN bytes at DRn with its low
 * bits ignored; any overlap with the access hits. */
void debug_mem_access(Cpu *c, uint32_t lin, int size, bool write)
{
    uint32_t hit = 0;
    for (int n = 0; n < 4; n++) {
        unsigned rw = bp_rw(c, n);
        if (!bp_enabled(c, n) || !(rw == 3 || (rw == 1 && write)))
            continue;
        uint32_t len = bp_len(c, n);
        uint64_t a = c->dr[n] & ~(len - 1);
        if ((uint64_t)lin < a + len && a < (uint64_t)lin + (uint32_t)size)
            hit |= 1u << n;
    }
    if (hit)
        debug_trap(c, hit);
}

/* I/O breakpoints: R/W 10 with CR4.DE set (without DE the encoding is
 * undefined; it never matches here). */
void debug_io_access(Cpu *c, uint16_t port, int size)
{
    if (!(c->cr4 & X86_CR4_DE))
        return;
    uint32_t hit = 0;
    for (int n = 0; n < 4; n++) {
        if (!bp_enabled(c, n) || bp_rw(c, n) != 2)
            continue;
        uint32_t len = bp_len(c, n);
        uint32_t a = (c->dr[n] & 0xffffu) & ~(len - 1);
        if ((uint32_t)port < a + len && a < (uint32_t)port + (uint32_t)size)
            hit |= 1u << n;
    }
    if (hit)
        debug_trap(c, hit);
}

/* ---- NMI --------------------------------------------------------------- */

/* The dispatcher takes a pending NMI between instructions, whatever IF
 * says, unless an NMI handler is still running (SDM 6.7.1). */
void cpu_raise_nmi(Cpu *c)
{
    c->nmi_pending = true;
    c->dbg_slow |= DBG_SLOW_NMI; /* the dispatcher's one test for rare events */
    c->exit_req = 1;
}

void cpu_nmi_iret(Cpu *c)
{
    c->nmi_blocked = false;
}
