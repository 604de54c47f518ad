/*
 * x64.h - the x86-64 host-code backend (docs/jit.md).
 *
 * Each block gets host code in an executable buffer: the common
 * instructions inline, a call to the reference handler for the rest, with
 * the same bookkeeping run_block does (insn_eip, EIP, icount, exit_req).
 * The code runs only whole blocks; the dispatcher runs the threaded loop
 * when the deadline cuts a block short.
 */
#ifndef RINGSIDE_X64_H
#define RINGSIDE_X64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translate/translate.h"

typedef void (*X64Code)(Cpu *c);

/* A block exit that may be patched to jump straight into the next block.
 * A direct branch to the same page (32-bit code): the target block is
 * fixed by the source block's key (target_phys). Any other direct branch
 * (another page, 16-bit code) is a "cross" site: keyed by the EIP and the
 * memory map's generation (PhysMem.tlb_flushes) it was linked under, both
 * checked at run time (the code at that EIP is the linked block only while
 * the linear-to-physical map is the same: a link into a block found through
 * global translations compares PhysMem.tlb_flushes_global instead, as
 * those outlive CR3 loads), and unlinked by an INVLPG of the target's
 * pages (x64_lin_flush). */
typedef struct X64Site {
    uint64_t gen;         /* cross: *genp when linked */
    const uint64_t *genp; /* cross: the generation the link depends on (see x64_link) */
    uint32_t eip;         /* cross: the EIP linked for */
    uint8_t *rel;         /* writable address of the patchable rel32 */
    uint8_t *unlinked;    /* what it points to while unlinked */
    uint8_t *rel2;        /* NULL, or the rel32 after the flags store (see x64_link) */
    uint32_t have;        /* arithmetic flags the exit holds in R8D, not in c->eflags */
    uint32_t target_phys; /* the target block's key */
    uint32_t cs_base, mode;
    bool linked;
    bool cross;
} X64Site;

typedef struct X64Buf {
    uint8_t *rw;    /* writable view */
    uint8_t *rx;    /* executable view of the same pages */
    size_t size;
    size_t used;
    bool dual;      /* two mappings of one memfd (else one RWX mapping) */
    uint64_t resets; /* times the buffer was emptied */
    uint64_t bytes_emitted;
    X64Site *sites;      /* chain sites of the code in the buffer */
    uint32_t nsites, cap_sites;
    uint32_t *linked;    /* indexes of linked sites */
    uint32_t nlinked;
    X64Site *chain_from; /* set by a block's unlinked exit: link it to what runs next */
    bool chaining;       /* off for traces, coverage and lockstep */
    uint64_t links, unlinks;
    uint64_t returns[4]; /* host code's returns to the dispatcher, by X64_RET_* (--stats) */
    uint8_t *xpages;     /* filter of the linear pages cross sites are linked into */
    bool any_cross;      /* a cross site was linked since the filter was cleared */
} X64Buf;

/* Why host code returned to the dispatcher: an exit request (a handler's,
 * an interrupt line's, an exit reason), the deadline less than a block
 * away, a chain site not linked (yet) to what runs next, or anything else
 * (a jump-cache miss, an instruction that ends blocks, e.g. STI, SYSENTER,
 * IRET, a far branch). */
enum { X64_RET_REQ, X64_RET_DEADLINE, X64_RET_SITE, X64_RET_OTHER };

/* Bits of the cross sites' page filter (the linear page number hashed). */
#define X64_XPAGE_BITS 16

/* Default size of the code buffer; when it fills, every block is dropped
 * and the buffer starts over (the cache's memory use stays bounded). */
#define X64_BUF_SIZE (64u << 20)

bool x64_buf_init(X64Buf *xb, size_t size);
void x64_buf_free(X64Buf *xb);
/* Writable and executable addresses of the same byte. */
static inline uint8_t *x64_rx(const X64Buf *xb, const uint8_t *rw)
{
    return xb->rx + (rw - xb->rw);
}

/* Translate a block to host code; sets b->code. False if the buffer is
 * full (the caller flushes the cache, x64_buf_reset, and tries again). */
bool x64_compile(X64Buf *xb, Block *b);
void x64_buf_reset(X64Buf *xb);
/* Link the exit that last left host code to b if b is its target; b is
 * the block the dispatcher found at linear address lin (CS base + EIP) in
 * memory map m, through global translations or not. */
void x64_link(X64Buf *xb, const Block *b, uint32_t eip, uint32_t lin, const PhysMem *m, bool global);
/* What an unlinked cross site's generation check reads (never matches). */
extern const uint64_t x64_gen_unlinked;
/* The linear range's mappings changed (INVLPG): no cross site may jump
 * into a block of it any more. */
void x64_lin_flush(X64Buf *xb, uint32_t lin, uint32_t len);
/* A block was invalidated: every chain goes back through the dispatcher. */
void x64_unlink_all(X64Buf *xb);
/* The byte a chained jump enters a block at: past the prologue (push
 * rbx, rbp, r12-r15; sub rsp, 8; mov rbx, rdi: 17 bytes, the frame is
 * the same in every block; then the 8 guest registers loaded into their
 * host registers, 7 * 4 + 3 bytes). A chained jump arrives with all 8
 * guest registers in their host registers and equal to c->r[] (docs/jit.md,
 * "Guest registers across chained exits"). */
#define CHAIN_ENTRY 48
/* Bytes before a block's code: its flags read before written (uint32_t). */
#define X64_HDR 4

/* Which backend runs whole blocks (TCache.backend). */
enum { BACKEND_THREADED, BACKEND_X64 };
/* The x86-64 backend is the default where the host can run it; the
 * threaded one stays the portable backend and the reference. */
#if defined(__x86_64__)
#define BACKEND_DEFAULT BACKEND_X64
#else
#define BACKEND_DEFAULT BACKEND_THREADED
#endif
/* Parse "threaded" / "x64"; -1 if unknown. The RINGSIDE_ACCEL environment
 * variable overrides the default (for running the tests under x64). */
int x64_backend_by_name(const char *name);

/* Lockstep (x64_lockstep.c): run the block with both backends from one
 * state and compare; aborts the run with both states on a difference. */
typedef struct Lockstep Lockstep;
Lockstep *lockstep_create(Cpu *c);
void lockstep_destroy(Lockstep *ls);
void lockstep_block(Lockstep *ls, Cpu *c, Block *b, uint32_t n);
void lockstep_print_stats(const Lockstep *ls, FILE *f);

/* The threaded loop, for callers outside exec.c. */
void tc_run_threaded(Cpu *c, const Block *b, uint32_t n);

#endif
