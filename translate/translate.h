/*
 * translate.h - blocks, the code cache and the dispatcher (DESIGN.md
 * section 3).
 *
 * A block is a run of decoded instructions that starts at a (physical
 * address, CS base, mode) key and ends at a control transfer, an
 * instruction that may change mode or interrupt state, the end of its page
 * (an instruction may straddle into the next page only as a block's first
 * instruction), or a length cap. The threaded backend runs a block by
 * calling each instruction's handler in turn.
 */
#ifndef RINGSIDE_TRANSLATE_H
#define RINGSIDE_TRANSLATE_H

#include <stdio.h>

#include "cpu/cpu.h"

#define BLOCK_MAX_INSNS 64
#define TC_HASH_BITS 18
#define TC_JC_BITS 16 /* 12 to 16: cache.c's jc_run and jc_used */

/* The jump cache's first slot for linear address lin (cache.c; the x64
 * backend's probes compute it too). */
static inline uint32_t tc_jc_index(uint32_t lin)
{
    return (lin ^ (lin >> TC_JC_BITS)) & ((1u << TC_JC_BITS) - 1);
}
#define TC_JC_PAGE_BITS 12
#define TC_JC_USED 2048

typedef struct Block Block;

/* Where a block's bytes lie: one range per physical page it touches. */
typedef struct BlockPage {
    uint32_t page;   /* physical page number */
    uint16_t start;  /* offset of the first byte in the page */
    uint16_t end;    /* offset one past the last byte (1..4096) */
    Block *next;     /* next block on the same page (cache.c: and chunk) */
} BlockPage;

struct Block {
    uint32_t phys;    /* key: physical address of the first byte */
    uint32_t cs_base; /* key */
    uint32_t mode;    /* key: BLOCK_MODE_* */
    uint32_t lin;     /* linear address it was translated at (for traces) */
    /* What a hash-chain step and a jump-cache hit read sits in the first
     * 32 bytes, one host cache line (blocks are 64-byte aligned): a chain
     * step loaded two (hash_next was 64 bytes in), and those misses were
     * most of tc_find's time in fork-exec. */
    Block *hash_next;
    void *code;       /* x64 backend: host code for the whole block, or NULL */
    uint16_t ninsn;
    uint16_t bytes;
    uint8_t npages;
    bool valid;
    BlockPage pages[2];
    Block *zombie_next;
    Insn insn[];
};

#define BLOCK_MODE_CODE32 0x1
#define BLOCK_MODE_PE 0x2
#define BLOCK_MODE_VM 0x4
#define BLOCK_MODE_USER 0x8 /* CPL 3 with paging: the fetch was checked for a user */
/* 32-bit protected mode (not VM86) with Cpu.flat: CS, DS, ES and SS have
 * base 0 and limit 4 GiB, DS, ES and SS are readable and writable. The
 * x64 backend's code skips their checks (and the CS limit's); a change of
 * Cpu.flat sets exit_req, and chained exits reach blocks of the same mode
 * only. The threaded backend ignores it. */
#define BLOCK_MODE_FLAT 0x10

typedef struct TCache TCache;

/* Trace hooks (frontend's -d in_asm / -d exec); any may be NULL. */
typedef struct TraceHooks {
    void *opaque;
    void (*translated)(void *opaque, Cpu *c, const Block *b, const uint8_t *bytes);
    void (*executing)(void *opaque, Cpu *c, const Block *b);
} TraceHooks;

struct TCache {
    Cpu *cpu;
    Block *hash[1u << TC_HASH_BITS];
    /* Jump cache: the block last run at a linear address, checked against
     * the block's own key; cleared whenever linear-to-physical mappings
     * may have changed (jc_gen tracks the memory map's flush count), but
     * for the blocks found through global translations if no flush since
     * dropped those (jc_gen_global tracks tlb_flushes_global): a CR3 load
     * keeps the kernel's code. */
    Block *jc[1u << TC_JC_BITS];
    uint64_t jc_gen, jc_gen_global;
    /* Which jc slots hold a block whose pages were mapped global. */
    uint8_t jc_global[(1u << TC_JC_BITS) / 8];
    bool jc_any_global;
    /* Which linear pages may have a non-global block in jc (by their low
     * TC_JC_PAGE_BITS page-number bits, cleared on every flush) and a
     * global one (every page: the kernel's code must not make INVLPGs of
     * user pages scan): an INVLPG of a page without one skips the scan
     * of jc. Set when a block enters jc, cleared with its kind. */
    uint8_t jc_pages[(1u << TC_JC_PAGE_BITS) / 8];
    uint8_t jc_pages_global[(1u << (32 - PAGE_SHIFT)) / 8];
    /* The jc slots given a non-global block since the last clear, so a
     * clear (every CR3 load) costs what was filled; past TC_JC_USED it is
     * a scan. */
    uint16_t jc_used[TC_JC_USED];
    uint32_t njc_used;
    uint32_t npages;
    Block *zombies;       /* invalidated blocks, freed between blocks */
    int max_insns;        /* BLOCK_MAX_INSNS, or 1 when single-stepping */
    TraceHooks trace;
    uint8_t *coverage;    /* if set: 0x200 x 9 bytes, marked per executed row */
    uint64_t blocks_translated, blocks_invalidated;
    uint64_t jc_misses; /* tc_find lookups the jump cache did not answer */
    /* Code pages that are also written (cache.c, "code bytes and hot
     * chunks"): per physical page, its blocks, which bytes hold translated
     * code and how often code there was changed lately. */
    struct TcPageInfo *pinfo;
    uint64_t insns_translated; /* instructions decoded into blocks */
    uint64_t hot_blocks;       /* blocks cut to one instruction in a hot chunk */
    int backend;               /* BACKEND_* (translate/x64.h) */
    struct X64Buf *xbuf;       /* x64 backend's code buffer */
    size_t xbuf_size;          /* its size (set before tc_set_backend); 0: X64_BUF_SIZE */
    struct Lockstep *lockstep; /* --lockstep: compare the backends per block */
};

TCache *tc_create(Cpu *c);
void tc_destroy(TCache *tc);
/* Drop every block (mode changes that the key does not capture, reset). */
void tc_flush(TCache *tc);
/* Whether b, which tc_find just returned for linear address lin, was
 * found through global translations (it stays in the jump cache across
 * CR3 loads). */
bool tc_found_global(const TCache *tc, const Block *b, uint32_t lin);
/* Choose the backend (BACKEND_*) and lockstep; false if the host code
 * buffer cannot be made. Call before running. */
bool tc_set_backend(TCache *tc, int backend, bool lockstep);

/* Run the CPU until c->icount reaches c->deadline or something stops it.
 * Returns EXIT_NONE when the deadline was reached, otherwise EXIT_*. */
int cpu_exec(Cpu *c);

/* RINGSIDE_PERF_MAP=1 (perfmap.c): name a block's host code, from code to
 * end, in /tmp/perf-PID.map for perf(1). */
void perf_map_add(const uint8_t *code, const uint8_t *end, uint32_t cs_base, uint32_t eip, uint32_t phys);

#endif
