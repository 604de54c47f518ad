/*
 * x64_lockstep.c - run every block with both backends from one state and
 * compare (DESIGN.md section 3, invariant 1; docs/jit.md).
 *
 * For each whole block: save the Cpu, run the host code, note the RAM
 * pages it dirtied and keep their contents, put RAM and the Cpu back,
 * run the threaded loop (the reference, whose result the machine keeps),
 * then compare registers, flags, segments, control state, the FPU, the
 * instruction count and every page either run wrote. The first
 * difference prints both states and the block disassembled and ends the
 * program with status 70.
 *
 * RAM is compared through the memory map's dirty tracking (all of RAM is
 * tracked) against a shadow copy of RAM as it was at the block's start.
 * Side effects outside the Cpu and RAM must not happen twice: while the
 * host code runs, port I/O, MMIO and the FERR# callback are trapped; a block that reaches one
 * is put back and run by the threaded loop alone (counted as skipped).
 * Blocks whose first run invalidated translated code (self-modifying
 * code) keep the host code's result and are not compared: a second run
 * would no longer see its write hit a code page.
 */
#include <capstone/capstone.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/decode.h"
#include "translate/x64.h"

struct Lockstep {
    Cpu *c;
    PhysMem *m;
    uint32_t npages;
    uint8_t *shadow; /* RAM at the start of the block */
    uint8_t *res;    /* the host code's copy of the pages it wrote */
    uint32_t *list1, *list2;
    /* The fast-path TLB as it was before the host code ran: the second run
     * must walk the page tables (and set their A/D bits) as the first did. */
    uint32_t tlb_n, tlb_nlarge;
    uint32_t *tlb_pages;
    uint8_t **tlb_ent; /* 4 per page: tlb[u][w] */
    uint8_t *tlb_attr;
    uint64_t blocks, compared, skipped_partial, skipped_io, skipped_smc, skipped_async, faults;
};

static jmp_buf *trap_jb; /* where a trapped I/O or MMIO access goes */
static const MmioOps *saved_ops[MEM_MAX_MMIO];
static Lockstep *ls_atexit;

static uint32_t trap_in(void *opaque, uint16_t port, int size)
{
    (void)opaque; (void)port; (void)size;
    longjmp(*trap_jb, 2);
}

static void trap_out(void *opaque, uint16_t port, uint32_t val, int size)
{
    (void)opaque; (void)port; (void)val; (void)size;
    longjmp(*trap_jb, 2);
}

static void trap_ferr(void *opaque)
{
    (void)opaque;
    longjmp(*trap_jb, 2);
}

static uint32_t trap_mmio_rd(void *opaque, uint32_t off, int size)
{
    (void)opaque; (void)off; (void)size;
    longjmp(*trap_jb, 2);
}

static void trap_mmio_wr(void *opaque, uint32_t off, uint32_t val, int size)
{
    (void)opaque; (void)off; (void)val; (void)size;
    longjmp(*trap_jb, 2);
}

static const MmioOps trap_ops = { trap_mmio_rd, trap_mmio_wr };

static void print_at_exit(void)
{
    if (ls_atexit)
        lockstep_print_stats(ls_atexit, stderr);
}

static void *big_alloc(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

Lockstep *lockstep_create(Cpu *c)
{
    Lockstep *ls = calloc(1, sizeof(*ls));
    if (!ls)
        return NULL;
    ls->c = c;
    ls->m = c->mem;
    ls->npages = c->mem->ram_size >> PAGE_SHIFT;
    size_t bytes = (size_t)ls->npages << PAGE_SHIFT;
    ls->shadow = big_alloc(bytes);
    ls->res = big_alloc(bytes);
    ls->list1 = calloc(ls->npages, sizeof(uint32_t));
    ls->list2 = calloc(ls->npages, sizeof(uint32_t));
    ls->tlb_pages = calloc(MEM_MAX_FILLED, sizeof(uint32_t));
    ls->tlb_ent = calloc(MEM_MAX_FILLED * 4, sizeof(uint8_t *));
    ls->tlb_attr = calloc(MEM_MAX_FILLED, 1);
    if (!ls->shadow || !ls->res || !ls->list1 || !ls->list2 || !ls->tlb_pages || !ls->tlb_ent || !ls->tlb_attr) {
        lockstep_destroy(ls);
        return NULL;
    }
    memcpy(ls->shadow, ls->m->ram, bytes);
    mem_track_dirty(ls->m, 0, ls->m->ram_size);
    mem_test_and_clear_dirty(ls->m, 0, ls->m->ram_size);
    if (!ls_atexit) {
        ls_atexit = ls;
        atexit(print_at_exit);
    }
    return ls;
}

void lockstep_destroy(Lockstep *ls)
{
    if (!ls)
        return;
    if (ls_atexit == ls) {
        lockstep_print_stats(ls, stderr);
        ls_atexit = NULL;
    }
    size_t bytes = (size_t)ls->npages << PAGE_SHIFT;
    if (ls->shadow)
        munmap(ls->shadow, bytes);
    if (ls->res)
        munmap(ls->res, bytes);
    free(ls->list1);
    free(ls->list2);
    free(ls->tlb_pages);
    free(ls->tlb_ent);
    free(ls->tlb_attr);
    free(ls);
}

void lockstep_print_stats(const Lockstep *ls, FILE *f)
{
    fprintf(f, "lockstep: %llu blocks, %llu compared equal, %llu with a fault, skipped: %llu partial, "
               "%llu I/O or MMIO, %llu self-modifying, %llu stop signal\n",
            (unsigned long long)ls->blocks, (unsigned long long)ls->compared, (unsigned long long)ls->faults,
            (unsigned long long)ls->skipped_partial, (unsigned long long)ls->skipped_io,
            (unsigned long long)ls->skipped_smc, (unsigned long long)ls->skipped_async);
}

/* Dirty RAM pages into list; clears them (one pass over the TLB). */
static uint32_t take_dirty(Lockstep *ls, uint32_t *list)
{
    const uint8_t *f = ls->m->page_flags;
    uint32_t n = 0;
    /* Three scans per block: 64 pages' flags at a time, ORed (page_flags
     * covers all PHYS_PAGES, so reading past npages stays inside it). */
    const uint64_t dirty8 = 0x0101010101010101ull * PGF_DIRTY;
    for (uint32_t p = 0; p < ls->npages; p += 64) {
        uint64_t w[8], any = 0;
        memcpy(w, f + p, sizeof(w));
        for (int k = 0; k < 8; k++)
            any |= w[k];
        if (!(any & dirty8))
            continue;
        for (uint32_t q = p; q < p + 64 && q < ls->npages; q++)
            if (f[q] & PGF_DIRTY)
                list[n++] = q;
    }
    if (n)
        mem_test_and_clear_dirty(ls->m, list[0] << PAGE_SHIFT, (list[n - 1] - list[0] + 1) << PAGE_SHIFT);
    return n;
}

/* Saving and restoring the fast-path TLB costs a few cache misses per
 * filled page, for every block: with a paging guest's thousands of filled
 * pages that was most of lockstep's time (0.4 M instructions a second on
 * the Linux boot). Past this many, the TLB is emptied before the block
 * instead, as a hardware TLB may evict entries at any time; both runs
 * then start from the same small TLB and still hit entries that earlier
 * blocks filled. */
#define LS_TLB_MAX 64

static void tlb_save(Lockstep *ls)
{
    PhysMem *m = ls->m;
    if (m->nfilled > LS_TLB_MAX)
        mem_tlb_flush(m);
    ls->tlb_n = m->nfilled;
    ls->tlb_nlarge = m->nlarge;
    for (uint32_t i = 0; i < m->nfilled; i++) {
        uint32_t p = m->filled[i];
        ls->tlb_pages[i] = p;
        ls->tlb_attr[i] = m->tlb_attr[p];
        for (int k = 0; k < 4; k++)
            ls->tlb_ent[i * 4 + k] = m->tlb[k >> 1][k & 1][p];
    }
}

static void tlb_restore(Lockstep *ls)
{
    PhysMem *m = ls->m;
    for (uint32_t i = 0; i < m->nfilled; i++) {
        uint32_t p = m->filled[i];
        m->tlb_attr[p] = 0;
        for (int k = 0; k < 4; k++)
            m->tlb[k >> 1][k & 1][p] = NULL;
    }
    for (uint32_t i = 0; i < ls->tlb_n; i++) {
        uint32_t p = ls->tlb_pages[i];
        m->filled[i] = p;
        m->tlb_attr[p] = ls->tlb_attr[i];
        for (int k = 0; k < 4; k++)
            m->tlb[k >> 1][k & 1][p] = ls->tlb_ent[i * 4 + k];
    }
    m->nfilled = ls->tlb_n;
    m->nlarge = ls->tlb_nlarge;
}

static uint8_t *page(uint8_t *base, uint32_t p)
{
    return base + ((size_t)p << PAGE_SHIFT);
}

static void print_state(FILE *f, const char *name, const Cpu *c)
{
    static const char *rn[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    fprintf(f, "%s:", name);
    for (int i = 0; i < 8; i++)
        fprintf(f, " %s=%08x", rn[i], c->r[i]);
    fprintf(f, "\n  eip=%08x eflags=%08x icount=%llu cpl=%d halted=%d exc=%d/%x",
            c->eip, c->eflags, (unsigned long long)c->icount, c->cpl, c->halted, c->exc_vector, c->exc_error);
    fprintf(f, " cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n ", c->cr0, c->cr2, c->cr3, c->cr4);
    for (int s = 0; s < SEG_COUNT; s++)
        fprintf(f, " seg%d=%04x/%08x/%08x/%04x", s, c->seg[s].sel, c->seg[s].base, c->seg[s].limit,
                c->seg[s].attr);
    fprintf(f, "\n");
}

static void print_block(FILE *f, Lockstep *ls, const Block *b)
{
    uint8_t bytes[BLOCK_MAX_INSNS * 15 + 16];
    uint32_t nb = b->bytes < sizeof(bytes) ? b->bytes : (uint32_t)sizeof(bytes);
    /* the block's bytes from its page(s) */
    uint32_t first = b->pages[0].end - b->pages[0].start;
    for (uint32_t i = 0; i < nb; i++) {
        uint32_t pa = i < first ? b->phys + i : ((uint32_t)b->pages[1].page << PAGE_SHIFT) + (i - first);
        bytes[i] = (uint8_t)mem_phys_read(ls->m, pa, 1);
    }
    fprintf(f, "block phys=%08x lin=%08x cs_base=%08x mode=%x, %u instructions:\n", b->phys, b->lin,
            b->cs_base, b->mode, b->ninsn);
    csh h;
    bool code32 = (b->mode & BLOCK_MODE_CODE32) != 0;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK)
        return;
    cs_insn *ci;
    size_t n = cs_disasm(h, bytes, nb, b->lin - b->cs_base, 0, &ci);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %08llx  %-8s %s\n", (unsigned long long)ci[i].address, ci[i].mnemonic, ci[i].op_str);
    if (n)
        cs_free(ci, n);
    cs_close(&h);
}

/* The state both runs must agree on. */
static int compare_cpu(FILE *f, const Cpu *a, const Cpu *b, bool faulted)
{
    int d = 0;
#define CMP(field)                                                  \
    if (memcmp(&a->field, &b->field, sizeof(a->field))) {          \
        fprintf(f, "  differs: %s\n", #field);                     \
        d++;                                                        \
    }
    for (int i = 0; i < 8; i++)
        if (a->r[i] != b->r[i]) {
            fprintf(f, "  differs: r[%d]\n", i);
            d++;
        }
    CMP(eip) CMP(eflags) CMP(icount) CMP(cr0) CMP(cr2) CMP(cr3) CMP(cr4) CMP(efer) CMP(dr)
    CMP(code32) CMP(stack32) CMP(cpl) CMP(halted) CMP(irq_shadow) CMP(exit_reason) CMP(gdtr.base)
    CMP(gdtr.limit) CMP(idtr.base) CMP(idtr.limit) CMP(dbg_pending) CMP(nmi_blocked)
    for (int s = 0; s < SEG_COUNT; s++) {
        CMP(seg[s].sel) CMP(seg[s].base) CMP(seg[s].limit) CMP(seg[s].attr) CMP(seg[s].acc)
    }
    CMP(ldtr.sel) CMP(tr.sel) CMP(tr.base)
    /* field by field: F80 has padding that handlers may leave as garbage */
    for (int i = 0; i < 8; i++) {
        CMP(fpu.st[i].sig) CMP(fpu.st[i].se)
    }
    CMP(fpu.cw) CMP(fpu.sw) CMP(fpu.top) CMP(fpu.empty) CMP(fpu.fip) CMP(fpu.fdp) CMP(fpu.fcs)
    CMP(fpu.fds) CMP(fpu.fop)
    if (faulted) {
        CMP(exc_vector) CMP(exc_error) CMP(exc_has_error) CMP(insn_eip)
    }
#undef CMP
    return d;
}

static _Noreturn void fail(Lockstep *ls, const Block *b, const Cpu *x, const Cpu *t, const char *why)
{
    fprintf(stderr, "lockstep: the backends differ (%s) after block %llu\n", why,
            (unsigned long long)ls->blocks);
    print_block(stderr, ls, b);
    print_state(stderr, "x64", x);
    print_state(stderr, "threaded", t);
    compare_cpu(stderr, x, t, true);
    lockstep_print_stats(ls, stderr);
    fflush(stderr);
    ls_atexit = NULL;
    exit(70);
}

void lockstep_block(Lockstep *ls, Cpu *c, Block *b, uint32_t n)
{
    TCache *tc = c->tcache;
    ls->blocks++;
    if (!b->code || n != b->ninsn || c->exit_req) {
        ls->skipped_partial++;
        tc_run_threaded(c, b, n);
        return;
    }
    /* RAM changed since the last block (devices, skipped blocks). */
    uint32_t n0 = take_dirty(ls, ls->list1);
    for (uint32_t i = 0; i < n0; i++)
        memcpy(page(ls->shadow, ls->list1[i]), page(ls->m->ram, ls->list1[i]), PAGE_SIZE);

    static Cpu s0, s1;
    s0 = *c;
    tlb_save(ls);
    jmp_buf jb;
    jmp_buf *outer = c->fault_jmp;
    uint64_t inval = tc->blocks_invalidated;
    volatile int r1;

    /* Run 1: the host code, with I/O and MMIO trapped. */
    trap_jb = &jb;
    c->io.in = trap_in;
    c->io.out = trap_out;
    if (c->ferr)
        c->ferr = trap_ferr; /* FERR# to the interrupt controller */
    for (int i = 0; i < ls->m->nmmio; i++) {
        saved_ops[i] = ls->m->mmio[i].ops;
        ls->m->mmio[i].ops = &trap_ops;
    }
    c->fault_jmp = &jb;
    r1 = setjmp(jb);
    if (r1 == 0) {
        c->chain_stop = 1; /* one block, even a self-loop: one round */
        c->chain_limit = 0;
        ((X64Code)b->code)(c);
    }
    for (int i = 0; i < ls->m->nmmio; i++)
        ls->m->mmio[i].ops = saved_ops[i];
    s1 = *c;
    s1.io = s0.io;
    s1.ferr = s0.ferr;
    bool smc = tc->blocks_invalidated != inval;
    uint32_t n1 = take_dirty(ls, ls->list1);
    if (smc && r1 != 2) {
        /* The block wrote translated code, which is now invalidated: a
         * second run would not stop after the write as this one did and
         * would run stale instructions. Keep the host code's result. */
        c->io = s0.io;
        c->ferr = s0.ferr;
        c->fault_jmp = outer;
        for (uint32_t i = 0; i < n1; i++)
            memcpy(page(ls->shadow, ls->list1[i]), page(ls->m->ram, ls->list1[i]), PAGE_SIZE);
        ls->skipped_smc++;
        if (r1)
            longjmp(*outer, 1);
        return;
    }
    for (uint32_t i = 0; i < n1; i++) {
        uint32_t p = ls->list1[i];
        memcpy(page(ls->res, p), page(ls->m->ram, p), PAGE_SIZE);
        memcpy(page(ls->m->ram, p), page(ls->shadow, p), PAGE_SIZE);
    }
    tlb_restore(ls);
    /* Keep a stop request a signal handler made since s1 was taken (the
     * copy below would drop it); a few instructions of window remain. */
    int stop = c->exit_reason;
    *c = s0;
    if (stop && !c->exit_reason) {
        c->exit_reason = stop;
        c->exit_req = 1;
    }
    bool stopped1 = stop != s0.exit_reason;

    /* Run 2: the reference; its result stands. */
    volatile int r2;
    c->fault_jmp = &jb;
    r2 = setjmp(jb);
    if (r2 == 0)
        tc_run_threaded(c, b, n);
    c->fault_jmp = outer;
    uint32_t n2 = take_dirty(ls, ls->list2);

    /* A stop request from a signal handler (SIGINT, SIGTERM) lands in one
     * run only: keep it, and compare nothing (non-I/O blocks set
     * exit_reason no other way). */
    bool async = stopped1 || c->exit_reason != s0.exit_reason;
    if (async)
        c->exit_req = 1;
    bool compare = r1 != 2 && !smc && !async;
    if (r1 == 2)
        ls->skipped_io++;
    else if (smc)
        ls->skipped_smc++;
    else if (async)
        ls->skipped_async++;
    if (compare) {
        if ((r1 != 0) != (r2 != 0))
            fail(ls, b, &s1, c, r1 ? "only the host code faulted" : "only the threaded run faulted");
        if (compare_cpu(stderr, &s1, c, r2 != 0) > 0)
            fail(ls, b, &s1, c, "state");
        /* Pages either run wrote: the host code's copy (or, if it did not
         * write the page, the old contents) against the threaded run's. */
        for (int k = 0; k < 2; k++) {
            uint32_t cnt = k ? n2 : n1;
            const uint32_t *l = k ? ls->list2 : ls->list1;
            for (uint32_t i = 0; i < cnt; i++) {
                uint32_t p = l[i];
                bool in1 = false;
                for (uint32_t q = 0; q < n1 && !in1; q++)
                    in1 = ls->list1[q] == p;
                const uint8_t *x = in1 ? page(ls->res, p) : page(ls->shadow, p);
                if (memcmp(x, page(ls->m->ram, p), PAGE_SIZE)) {
                    uint32_t o = 0;
                    while (x[o] == page(ls->m->ram, p)[o])
                        o++;
                    fprintf(stderr, "lockstep: memory differs at %08x: x64 %02x, threaded %02x\n",
                            (p << PAGE_SHIFT) + o, x[o], page(ls->m->ram, p)[o]);
                    fail(ls, b, &s1, c, "memory");
                }
            }
        }
        ls->compared++;
        if (r2)
            ls->faults++;
    }
    for (uint32_t i = 0; i < n2; i++)
        memcpy(page(ls->shadow, ls->list2[i]), page(ls->m->ram, ls->list2[i]), PAGE_SIZE);
    if (r2)
        longjmp(*outer, 1); /* deliver the reference run's fault */
}
