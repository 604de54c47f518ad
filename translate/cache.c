/*
 * cache.c - the block builder and the code cache.
 *
 * Blocks are found by hashing their key. Each block is also on a list per
 * physical page its bytes touch; a write that lands on a code page (the
 * memory map calls tc_code_write) invalidates exactly the blocks whose
 * bytes overlap the write, and asks the CPU to leave the running block
 * after the current instruction, so a write to the very next instruction
 * takes effect (DESIGN.md invariant 3). Invalidated blocks are freed only
 * between blocks, since the running one may be among them.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "translate/translate.h"
#include "translate/x64.h"

/* ---- code bytes and hot chunks (issue 4: no thrash on written code pages)
 *
 * A write to a page holding code takes the slow path. Three things keep
 * such a page from thrashing:
 *   - a bitmap per code page of the bytes that translated blocks cover, so
 *     a write to data next to code costs a few bit tests, not a walk of the
 *     page's blocks. Bits are set when a block is linked; a walk that
 *     leaves no block over the written bytes clears theirs, so a stale bit
 *     costs one walk, not one per write;
 *   - each block keeps the bytes it was translated from, and a write that
 *     leaves them as they were drops nothing (GRUB's real-mode trampoline
 *     stores the same segment values into its own MOV immediates on every
 *     BIOS call);
 *   - a count of writes that did change code, per 64-byte chunk, over the
 *     last two epochs of 2^SMC_EPOCH_SHIFT instructions: once it reaches
 *     SMC_HOT_WRITES the chunk is hot, blocks that start there hold one
 *     instruction and blocks from elsewhere end before it, so a loop that
 *     patches itself retranslates the patched instruction rather than the
 *     whole loop, and the rest of the page keeps its long blocks. A chunk
 *     that stops being rewritten for two epochs cools down again. */
#define SMC_HOT_WRITES 16
#define SMC_EPOCH_SHIFT 22
#define SMC_CHUNK_SHIFT 6
#define SMC_CHUNKS (PAGE_SIZE >> SMC_CHUNK_SHIFT)

struct TcChunkHeat {
    uint32_t epoch;  /* of the last code-changing write */
    uint16_t writes; /* code-changing writes in this and the last epoch */
};

/* Per page that holds code: which bytes, and the blocks by the chunk where
 * their bytes on this page start, so a write looks only at blocks that can
 * reach it (a page of one-instruction blocks may hold hundreds). Allocated
 * with the page's first block, freed with its last. */
struct TcCodeMap {
    uint64_t bits[PAGE_SIZE / 64];
    Block *head[SMC_CHUNKS];
    uint32_t nblocks;
    uint32_t span;  /* the most bytes any of them has on this page */
    bool walking;   /* tc_code_write is on it: freed when it is done */
};

struct TcPageInfo {
    struct TcCodeMap *map;
    struct TcChunkHeat *heat; /* SMC_CHUNKS, allocated with the first code change */
};

/* The bytes b was translated from, stored after its instructions. */
static const uint8_t *block_src(const Block *b)
{
    return (const uint8_t *)&b->insn[b->ninsn];
}

static void code_bits_clear(struct TcCodeMap *map, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = lo; i < hi; i++) {
        if (!(i % 64) && i + 64 <= hi) {
            map->bits[i / 64] = 0;
            i += 63;
        } else {
            map->bits[i / 64] &= ~(1ull << (i % 64));
        }
    }
}

/* Does [lo, hi) touch a byte some block was translated from? */
static bool code_bits_hit(const struct TcCodeMap *map, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = lo; i < hi; i++) {
        if (!(i % 64) && i + 64 <= hi) {
            if (map->bits[i / 64])
                return true;
            i += 63;
        } else if (map->bits[i / 64] & (1ull << (i % 64))) {
            return true;
        }
    }
    return false;
}

static uint32_t smc_epoch(const TCache *tc)
{
    return (uint32_t)(tc->cpu->icount >> SMC_EPOCH_SHIFT);
}

/* Code in [lo, hi) of page was changed: warm its chunks. */
static void smc_note(TCache *tc, uint32_t page, uint32_t lo, uint32_t hi)
{
    struct TcPageInfo *p = &tc->pinfo[page];
    if (!p->heat) {
        p->heat = calloc(SMC_CHUNKS, sizeof(*p->heat));
        if (!p->heat)
            abort();
    }
    uint32_t now = smc_epoch(tc);
    for (uint32_t ch = lo >> SMC_CHUNK_SHIFT; ch <= (hi - 1) >> SMC_CHUNK_SHIFT; ch++) {
        struct TcChunkHeat *h = &p->heat[ch];
        if (now - h->epoch > 1)
            h->writes = 0;
        h->epoch = now;
        if (h->writes < UINT16_MAX)
            h->writes++;
    }
}

/* The hot chunks of a page, one bit each. */
static uint64_t smc_hot_mask(const TCache *tc, uint32_t page)
{
    if (page >= tc->npages || !tc->pinfo[page].heat)
        return 0;
    const struct TcChunkHeat *heat = tc->pinfo[page].heat;
    uint32_t now = smc_epoch(tc);
    uint64_t mask = 0;
    for (uint32_t ch = 0; ch < SMC_CHUNKS; ch++)
        if (heat[ch].writes >= SMC_HOT_WRITES && now - heat[ch].epoch <= 1)
            mask |= 1ull << ch;
    return mask;
}

/* Do the page offsets [lo, hi) touch a hot chunk? (hi may pass the page
 * end for a first instruction that straddles; the next page's chunks do
 * not count.) */
static bool smc_range_hot(uint64_t mask, uint32_t lo, uint32_t hi)
{
    if (hi > PAGE_SIZE)
        hi = PAGE_SIZE;
    for (uint32_t ch = lo >> SMC_CHUNK_SHIFT; ch <= (hi - 1) >> SMC_CHUNK_SHIFT; ch++)
        if (mask & (1ull << ch))
            return true;
    return false;
}

static uint32_t tc_hash(uint32_t phys, uint32_t cs_base, uint32_t mode)
{
    uint32_t h = phys * 0x9e3779b1u ^ cs_base * 0x85ebca6bu ^ mode;
    return (h ^ (h >> 16)) & ((1u << TC_HASH_BITS) - 1);
}

static void tc_code_write(void *opaque, uint32_t paddr, uint32_t len);
static void tc_lin_flush(void *opaque, uint32_t lin, uint32_t len);

/* A linear page's blocks all land in one aligned run of PAGE_SIZE slots
 * (the XOR with lin >> TC_JC_BITS does not depend on the page offset), so
 * forgetting a page's blocks scans that run, not the whole table. The
 * cache is two-way: a block is in its first slot tc_jc_index(lin) or in the
 * pair's other one, JC_WAY2 (in the same run, and the same host cache
 * line); the x64 backend's probe (x64.c, emit_indirect_exit_x) looks in
 * both, in that order. */
_Static_assert(TC_JC_BITS >= PAGE_SHIFT && TC_JC_BITS <= 16, "jc runs per page; jc_used holds 16-bit slots");

#define JC_WAY2(i) ((i) ^ 1u)

/* Bit page of a page filter of 2^bits bits. */
static void jc_page_set(uint8_t *filter, uint32_t bits, uint32_t page)
{
    page &= (uint32_t)((1ull << bits) - 1);
    filter[page >> 3] |= (uint8_t)(1u << (page & 7));
}

static bool jc_page_test(const uint8_t *filter, uint32_t bits, uint32_t page)
{
    page &= (uint32_t)((1ull << bits) - 1);
    return filter[page >> 3] & (1u << (page & 7));
}

static bool jc_is_global(const TCache *tc, uint32_t slot)
{
    return tc->jc_global[slot >> 3] & (1u << (slot & 7));
}

static void jc_set_global(TCache *tc, uint32_t slot, bool global)
{
    uint8_t bit = (uint8_t)(1u << (slot & 7));
    tc->jc_global[slot >> 3] = (uint8_t)(global ? tc->jc_global[slot >> 3] | bit : tc->jc_global[slot >> 3] & ~bit);
}

/* Slot i now holds b (or nothing), found through a translation that was
 * global or not. A slot given a non-global block goes on the list of
 * slots the next flush clears: one that holds a non-global block is on
 * it already (every flush empties such slots), unless the list
 * overflowed. */
static void jc_slot_set(TCache *tc, uint32_t i, Block *b, bool global)
{
    if (b && !global && (!tc->jc[i] || jc_is_global(tc, i)) && tc->njc_used <= TC_JC_USED) {
        if (tc->njc_used < TC_JC_USED)
            tc->jc_used[tc->njc_used] = (uint16_t)i;
        tc->njc_used++; /* one past TC_JC_USED: the next clear scans */
    }
    jc_set_global(tc, i, b && global);
    tc->jc[i] = b;
}

/* Put b, found at lin, in its first way, slot i = tc_jc_index(lin); what
 * was there moves to the pair's other slot, whose block is dropped: the
 * two most recent of the pair stay, so two hot addresses with one index
 * (a system call's return into the kernel and back to user code) both
 * hit. */
static void jc_put(TCache *tc, uint32_t i, Block *b, uint32_t lin, bool global)
{
    uint32_t page = lin >> PAGE_SHIFT;
    if (global) {
        tc->jc_any_global = true;
        jc_page_set(tc->jc_pages_global, 32 - PAGE_SHIFT, page);
        if (b->npages > 1)
            jc_page_set(tc->jc_pages_global, 32 - PAGE_SHIFT, page + 1);
    } else {
        jc_page_set(tc->jc_pages, TC_JC_PAGE_BITS, page);
        if (b->npages > 1)
            jc_page_set(tc->jc_pages, TC_JC_PAGE_BITS, page + 1);
    }
    if (tc->jc[i])
        jc_slot_set(tc, JC_WAY2(i), tc->jc[i], jc_is_global(tc, i));
    jc_slot_set(tc, i, b, global);
}

/* A hit in the second way of slot i: swap the pair, so that the first
 * way (which the x64 probe reads first) holds the most recent and a put
 * drops the least recent. */
static void jc_promote(TCache *tc, uint32_t i)
{
    Block *b1 = tc->jc[i], *b2 = tc->jc[JC_WAY2(i)];
    bool g1 = jc_is_global(tc, i), g2 = jc_is_global(tc, JC_WAY2(i));
    jc_slot_set(tc, i, b2, g2);
    jc_slot_set(tc, JC_WAY2(i), b1, g1);
}

/* Empty the slots that hold non-global blocks: those on the list, or
 * once it overflowed, every one. */
static void jc_clear_nonglobal(TCache *tc)
{
    if (tc->njc_used <= TC_JC_USED) {
        for (uint32_t k = 0; k < tc->njc_used; k++)
            if (!jc_is_global(tc, tc->jc_used[k]))
                tc->jc[tc->jc_used[k]] = NULL;
    } else {
        for (uint32_t i = 0; i < (1u << TC_JC_BITS); i++)
            if (!jc_is_global(tc, i))
                tc->jc[i] = NULL;
    }
}

/* The memory map was flushed since jc was last current: forget what may
 * map elsewhere now. A flush that kept the global translations (a CR3
 * load with CR4.PGE: a process switch) keeps the blocks found through
 * them, which the TLB would still hold too (SDM vol. 3, 4.10.4.1), so
 * the kernel's code stays a jc hit across process switches, and so do
 * the x64 backend's cross-page links into it. */
static void jc_sync(TCache *tc, const PhysMem *m)
{
    bool keep = tc->jc_gen_global == m->tlb_flushes_global;
    if (!keep && tc->jc_any_global) {
        memset(tc->jc, 0, sizeof(tc->jc));
        memset(tc->jc_global, 0, sizeof(tc->jc_global));
        memset(tc->jc_pages_global, 0, sizeof(tc->jc_pages_global));
        tc->jc_any_global = false;
    } else {
        jc_clear_nonglobal(tc); /* all of them if no block is global */
    }
    memset(tc->jc_pages, 0, sizeof(tc->jc_pages));
    tc->njc_used = 0;
    tc->jc_gen = m->tlb_flushes;
    tc->jc_gen_global = m->tlb_flushes_global;
}

bool tc_found_global(const TCache *tc, const Block *b, uint32_t lin)
{
    uint32_t i = tc_jc_index(lin);
    if (tc->jc[i] != b)
        i = JC_WAY2(i);
    return tc->jc[i] == b && b->lin == lin && jc_is_global(tc, i);
}

TCache *tc_create(Cpu *c)
{
    TCache *tc = calloc(1, sizeof(*tc));
    if (!tc)
        return NULL;
    tc->cpu = c;
    /* Every physical page, not just RAM: code runs from host regions (the
     * linear framebuffer) too, and writes there must find its blocks. The
     * arrays are calloc'ed, so untouched pages cost no host memory. */
    tc->npages = 1u << (32 - PAGE_SHIFT);
    tc->pinfo = calloc(tc->npages, sizeof(*tc->pinfo));
    if (!tc->pinfo) {
        free(tc);
        return NULL;
    }
    tc->max_insns = BLOCK_MAX_INSNS;
    c->tcache = tc;
    c->mem->code_write = tc_code_write;
    c->mem->code_opaque = tc;
    c->mem->lin_flush = tc_lin_flush;
    c->mem->lin_flush_opaque = tc;
    return tc;
}

static void free_zombies(TCache *tc)
{
    while (tc->zombies) {
        Block *b = tc->zombies;
        tc->zombies = b->zombie_next;
        free(b);
    }
}

/* Which of b's pages is the one on chunk list ch of page: the pair tells
 * them apart even if both linear pages map to one physical page (a
 * second-page range starts at 0, and a first-page range that starts in
 * chunk 0 cannot reach the next page). */
static int page_index(const Block *b, uint32_t page, uint32_t ch)
{
    return b->pages[0].page == page && b->pages[0].start >> SMC_CHUNK_SHIFT == ch ? 0 : 1;
}

static void unlink_page(TCache *tc, Block *b, int i)
{
    uint32_t page = b->pages[i].page;
    if (page >= tc->npages)
        return;
    struct TcCodeMap *map = tc->pinfo[page].map;
    uint32_t ch = b->pages[i].start >> SMC_CHUNK_SHIFT;
    Block **pp = &map->head[ch];
    while (*pp) {
        Block *cur = *pp;
        int ci = page_index(cur, page, ch);
        if (cur == b) {
            *pp = cur->pages[ci].next;
            break;
        }
        pp = &cur->pages[ci].next;
    }
    if (!--map->nblocks) {
        mem_unmark_code(tc->cpu->mem, page << PAGE_SHIFT);
        if (!map->walking) {
            free(map);
            tc->pinfo[page].map = NULL;
        }
    }
}

static void invalidate(TCache *tc, Block *b)
{
    Block **pp = &tc->hash[tc_hash(b->phys, b->cs_base, b->mode)];
    while (*pp != b)
        pp = &(*pp)->hash_next;
    *pp = b->hash_next;
    uint32_t i = tc_jc_index(b->lin);
    if (tc->jc[i] == b)
        tc->jc[i] = NULL;
    if (tc->jc[JC_WAY2(i)] == b)
        tc->jc[JC_WAY2(i)] = NULL;
    for (int i = 0; i < b->npages; i++)
        unlink_page(tc, b, i);
    b->valid = false;
    if (tc->xbuf && tc->xbuf->nlinked)
        x64_unlink_all(tc->xbuf); /* no chained jump may reach b */
    b->zombie_next = tc->zombies;
    tc->zombies = b;
    tc->blocks_invalidated++;
}

void tc_flush(TCache *tc)
{
    for (uint32_t h = 0; h < (1u << TC_HASH_BITS); h++)
        while (tc->hash[h])
            invalidate(tc, tc->hash[h]);
    tc->cpu->exit_req = 1;
}

void tc_destroy(TCache *tc)
{
    if (!tc)
        return;
    tc_flush(tc);
    free_zombies(tc);
    for (uint32_t p = 0; p < tc->npages; p++)
        free(tc->pinfo[p].heat); /* the maps went with the blocks */
    free(tc->pinfo);
    if (tc->lockstep)
        lockstep_destroy(tc->lockstep);
    if (tc->xbuf) {
        x64_buf_free(tc->xbuf);
        free(tc->xbuf);
    }
    free(tc);
}

static void tc_code_write(void *opaque, uint32_t paddr, uint32_t len)
{
    TCache *tc = opaque;
    uint32_t last = paddr + len - 1;
    for (uint32_t page = paddr >> PAGE_SHIFT; page <= last >> PAGE_SHIFT && page < tc->npages; page++) {
        uint32_t lo = page == paddr >> PAGE_SHIFT ? (paddr & PAGE_MASK) : 0;
        uint32_t hi = page == last >> PAGE_SHIFT ? (last & PAGE_MASK) + 1 : PAGE_SIZE;
        struct TcCodeMap *map = tc->pinfo[page].map;
        if (!map || !code_bits_hit(map, lo, hi))
            continue; /* data next to code: nothing to drop */
        /* The bytes a fetch would see now (NULL: not plain memory). */
        const uint8_t *now = mem_phys_page(tc->cpu->mem, page << PAGE_SHIFT);
        bool changed = false, kept = false;
        map->walking = true;
        /* Blocks that reach lo start at most map->span bytes before it. */
        uint32_t first_ch = lo > map->span ? (lo - map->span) >> SMC_CHUNK_SHIFT : 0;
        for (uint32_t ch = first_ch; ch <= (hi - 1) >> SMC_CHUNK_SHIFT; ch++) {
            Block *b = map->head[ch];
            while (b) {
                int i = page_index(b, page, ch);
                Block *next = b->pages[i].next;
                uint32_t s = b->pages[i].start > lo ? b->pages[i].start : lo;
                uint32_t e = b->pages[i].end < hi ? b->pages[i].end : hi;
                if (s < e && b->valid) {
                    /* Offset in the block of page offset s. */
                    uint32_t boff = i == 0 ? s - b->pages[0].start : PAGE_SIZE - b->pages[0].start + s;
                    if (now && !memcmp(now + s, block_src(b) + boff, e - s)) {
                        kept = true; /* the same bytes written back */
                    } else {
                        invalidate(tc, b);
                        tc->cpu->exit_req = 1;
                        changed = true;
                    }
                }
                b = next;
            }
        }
        if (changed)
            smc_note(tc, page, lo, hi);
        map->walking = false;
        if (!map->nblocks) {
            free(map);
            tc->pinfo[page].map = NULL;
        } else if (!kept) {
            code_bits_clear(map, lo, hi); /* no block is left there */
        }
    }
}

/* The jump cache's slots of the blocks starting on linear page `page`:
 * tc_jc_index keeps an address's offset in the page (xor a constant of the
 * page), so they are one aligned run of PAGE_SIZE slots, from here; the
 * second way (JC_WAY2 flips bit 0) stays in the run. */
static uint32_t jc_run(uint32_t page)
{
    return tc_jc_index(page << PAGE_SHIFT) & ~(uint32_t)PAGE_MASK;
}

/* Forget the jump cache's blocks in slots [from, from+n) that start or
 * end in [lin, lin+len). */
static void jc_forget(TCache *tc, uint32_t lin, uint32_t len, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < from + n; i++) {
        Block *b = tc->jc[i];
        if (!b)
            continue;
        uint32_t first = b->lin & ~PAGE_MASK;
        uint32_t last = b->npages > 1 ? first + PAGE_SIZE : first;
        if (first - lin < len || last - lin < len)
            tc->jc[i] = NULL;
    }
}

/* INVLPG dropped the translation of [lin, lin+len): the jump cache finds
 * blocks by linear address without a walk, so forget those that start or
 * end there (the blocks themselves are keyed by physical address and
 * stay valid). */
static void tc_lin_flush(void *opaque, uint32_t lin, uint32_t len)
{
    TCache *tc = opaque;
    tc->cpu->exit_req = 1;
    if (tc->xbuf)
        x64_lin_flush(tc->xbuf, lin, len);
    /* Most INVLPGs are of data pages: skip the scan unless a page of the
     * range may have a block in jc (a range of more pages than the filters
     * have bits covers all of them). */
    uint32_t first_page = lin >> PAGE_SHIFT;
    uint32_t pages = (((lin & PAGE_MASK) + len + PAGE_MASK) >> PAGE_SHIFT);
    bool any = pages >= (1u << TC_JC_PAGE_BITS);
    for (uint32_t k = 0; !any && k < pages; k++)
        any = jc_page_test(tc->jc_pages, TC_JC_PAGE_BITS, first_page + k) ||
              jc_page_test(tc->jc_pages_global, 32 - PAGE_SHIFT, first_page + k);
    if (!any)
        return;
    /* A block starting on page P has its slot in P's run of the table
     * (jc_run); one ending on P may start on P - 1. A longer range: all. */
    if (pages > 1) {
        jc_forget(tc, lin, len, 0, 1u << TC_JC_BITS);
        return;
    }
    jc_forget(tc, lin, len, jc_run(first_page), PAGE_SIZE);
    if (jc_page_test(tc->jc_pages, TC_JC_PAGE_BITS, first_page - 1) ||
        jc_page_test(tc->jc_pages_global, 32 - PAGE_SHIFT, first_page - 1))
        jc_forget(tc, lin, len, jc_run(first_page - 1), PAGE_SIZE);
}

static bool block_user(const Cpu *c)
{
    return c->cpl == 3 && (c->cr0 & X86_CR0_PG);
}

/* F_END instructions that need not end the block after all: MOV to DS,
 * ES, FS or GS (only MOV SS holds interrupts off, and no segment but CS
 * is part of the block's key), CLI (clearing IF only masks interrupts)
 * and POPF (its handler sets exit_req when it lets a pending interrupt
 * in, cpu_set_eflags when TF or RF appears). The Linux guest's
 * system-call path loads DS and ES, and runs CLI and POPF, on every
 * call; ending the block at each sent every call back through the
 * dispatcher several times more. */
static bool end_ok_inside(const Insn *in)
{
    return (in->op == 0x8e && in->reg != SEG_SS && in->reg != SEG_CS) || in->op == 0xfa ||
           in->op == 0x9d;
}

static uint32_t block_mode(const Cpu *c)
{
    uint32_t m = (c->code32 ? BLOCK_MODE_CODE32 : 0) | ((c->cr0 & X86_CR0_PE) ? BLOCK_MODE_PE : 0) |
                 ((c->eflags & X86_EFLAGS_VM) ? BLOCK_MODE_VM : 0) |
                 (c->cpl == 3 && (c->cr0 & X86_CR0_PG) ? BLOCK_MODE_USER : 0);
    if (c->flat && (m & (BLOCK_MODE_CODE32 | BLOCK_MODE_PE | BLOCK_MODE_VM)) == (BLOCK_MODE_CODE32 | BLOCK_MODE_PE))
        m |= BLOCK_MODE_FLAT;
    return m;
}

/* Copy up to `want` code bytes starting at linear address lin into buf,
 * stopping at the CS limit. Returns how many bytes could be read. */
static int fetch_code(Cpu *c, uint32_t eip, uint8_t *buf, int want, uint32_t *pf_lin, uint32_t *pf_err)
{
    const SegReg *cs = &c->seg[SEG_CS];
    bool user = c->cpl == 3 && (c->cr0 & X86_CR0_PG);
    int n = 0;
    while (n < want) {
        uint32_t off = eip + (uint32_t)n;
        if (off < eip || off > cs->limit)
            break;
        uint32_t lin = cs->base + off;
        uint32_t phys;
        if (n == 0) {
            phys = cpu_translate(c, lin, PG_ACC_FETCH, user);
        } else {
            /* Bytes past the first page are fetched only if that page is
             * mapped; a fault there belongs to the first instruction only
             * if it needs those bytes (translate() raises it then). */
            PagingRegs r = cpu_paging_regs(c);
            uint32_t err;
            if ((c->cr0 & X86_CR0_PG) && !paging_walk(c->mem, &r, lin, PG_ACC_FETCH, user, &phys, &err)) {
                *pf_lin = lin;
                *pf_err = err;
                break;
            }
            if (!(c->cr0 & X86_CR0_PG))
                phys = mem_lin_to_phys(c->mem, lin);
        }
        const uint8_t *page = mem_phys_page(c->mem, phys);
        int chunk = (int)(PAGE_SIZE - (phys & PAGE_MASK));
        if (chunk > want - n)
            chunk = want - n;
        if ((uint64_t)off + (uint32_t)chunk - 1 > cs->limit)
            chunk = (int)(cs->limit - off + 1);
        if (page) {
            memcpy(buf + n, page + (phys & PAGE_MASK), (size_t)chunk);
        } else {
            for (int i = 0; i < chunk; i++)
                buf[n + i] = (uint8_t)mem_phys_read(c->mem, phys + (uint32_t)i, 1);
        }
        n += chunk;
    }
    return n;
}

static void link_pages(TCache *tc, Block *b)
{
    for (int i = 0; i < b->npages; i++) {
        uint32_t page = b->pages[i].page;
        if (page >= tc->npages)
            continue;
        struct TcCodeMap *map = tc->pinfo[page].map;
        if (!map) {
            map = calloc(1, sizeof(*map));
            if (!map)
                abort();
            tc->pinfo[page].map = map;
        }
        uint32_t start = b->pages[i].start, end = b->pages[i].end;
        b->pages[i].next = map->head[start >> SMC_CHUNK_SHIFT];
        map->head[start >> SMC_CHUNK_SHIFT] = b;
        map->nblocks++;
        if (end - start > map->span)
            map->span = end - start;
        for (uint32_t j = start; j < end; j++)
            map->bits[j / 64] |= 1ull << (j % 64);
        mem_mark_code(tc->cpu->mem, page << PAGE_SHIFT);
    }
}

static Block *translate(TCache *tc, Cpu *c, uint32_t phys, uint32_t mode)
{
    uint8_t buf[PAGE_SIZE + 16];
    uint32_t lin = c->seg[SEG_CS].base + c->eip;
    int in_page = (int)(PAGE_SIZE - (lin & PAGE_MASK));
    uint32_t pf_lin = 0, pf_err = ~0u; /* ~0u: no fault on the next page */
    int avail = fetch_code(c, c->eip, buf, in_page + 15, &pf_lin, &pf_err);
    bool pf = pf_err != ~0u;
    Insn insns[BLOCK_MAX_INSNS];
    int n = 0, pos = 0;
    bool code32 = (mode & BLOCK_MODE_CODE32) != 0;
    int max_insns = tc->max_insns;
    uint64_t hot_mask = max_insns > 1 ? smc_hot_mask(tc, phys >> PAGE_SHIFT) : 0;
    bool hot = false;

    while (n < max_insns && pos < in_page) {
        Insn *in = &insns[n];
        /* Only the first instruction may run on into the next page. */
        int limit = n == 0 ? avail - pos : (avail < in_page ? avail : in_page) - pos;
        int len = x86_decode(buf + pos, limit, code32, in);
        if (len == DECODE_NEED_MORE) {
            if (n > 0)
                break;
            /* The first instruction runs past the CS limit (or into memory
             * that cannot be fetched): #GP(0), precisely. */
            c->insn_eip = c->eip;
            if (pf) {
                c->cr2 = pf_lin;
                cpu_raise(c, X86_TRAP_PF, pf_err);
            }
            cpu_raise(c, X86_TRAP_GP, 0);
        }
        if (hot_mask && smc_range_hot(hot_mask, (phys & PAGE_MASK) + (uint32_t)pos,
                                      (phys & PAGE_MASK) + (uint32_t)(pos + len))) {
            /* Code that is rewritten often: its instructions get blocks of
             * their own, so a rewrite drops one instruction, not a loop. */
            if (n > 0)
                break;
            hot = true;
            max_insns = 1;
            tc->hot_blocks++;
        }
        pos += len;
        n++;
        const OpRow *row = decode_row(in);
        if ((row->flags & F_BR) || ((row->flags & F_END) && !end_ok_inside(in)))
            break;
    }

    size_t size = (sizeof(Block) + (size_t)n * sizeof(Insn) + (size_t)pos + 63) & ~(size_t)63;
    Block *b = aligned_alloc(64, size); /* its header in one cache line */
    if (!b)
        abort();
    memset(b, 0, sizeof(*b));
    b->phys = phys;
    b->cs_base = c->seg[SEG_CS].base;
    b->mode = mode;
    b->lin = lin;
    b->ninsn = (uint16_t)n;
    b->bytes = (uint16_t)pos;
    b->valid = true;
    memcpy(b->insn, insns, (size_t)n * sizeof(Insn));
    memcpy((uint8_t *)block_src(b), buf, (size_t)pos);
    /* Host code first, before the block is findable: a full buffer
     * drops every block and starts over (bounded memory). A one-instruction
     * block of a hot page runs threaded: it is likely rewritten before it
     * runs again, and compiling it would cost more than it saves (and fill
     * the buffer with dead code). */
    if (tc->xbuf && !hot && !x64_compile(tc->xbuf, b)) {
        tc_flush(tc);
        x64_buf_reset(tc->xbuf);
        if (!x64_compile(tc->xbuf, b))
            b->code = NULL; /* larger than the whole buffer: threaded */
    }
    if (b->code)
        perf_map_add((const uint8_t *)b->code, tc->xbuf->rx + tc->xbuf->used, b->cs_base,
                     b->lin - b->cs_base, b->phys);
    uint32_t first_end = (phys & PAGE_MASK) + (uint32_t)pos;
    b->pages[0] = (BlockPage){ phys >> PAGE_SHIFT, (uint16_t)(phys & PAGE_MASK),
                               (uint16_t)(first_end > PAGE_SIZE ? PAGE_SIZE : first_end), NULL };
    b->npages = 1;
    if (first_end > PAGE_SIZE) {
        uint32_t phys2 = cpu_translate(c, (lin & ~PAGE_MASK) + PAGE_SIZE, PG_ACC_FETCH, block_user(c));
        b->pages[1] = (BlockPage){ phys2 >> PAGE_SHIFT, 0, (uint16_t)(first_end - PAGE_SIZE), NULL };
        b->npages = 2;
    }
    uint32_t h = tc_hash(phys, b->cs_base, mode);
    b->hash_next = tc->hash[h];
    tc->hash[h] = b;
    link_pages(tc, b);
    tc->blocks_translated++;
    tc->insns_translated += (uint64_t)n;
    if (tc->trace.translated)
        tc->trace.translated(tc->trace.opaque, c, b, buf);
    return b;
}

/* The physical address of the code at lin, as cpu_translate finds it
 * (a #PF if it is not mapped), and whether the translation was global. */
static uint32_t fetch_translate(Cpu *c, uint32_t lin, bool *global)
{
    *global = false;
    if (!(c->cr0 & X86_CR0_PG))
        return mem_lin_to_phys(c->mem, lin);
    PagingRegs r = cpu_paging_regs(c);
    uint32_t phys, err;
    unsigned attr = 0;
    if (!paging_walk_attr(c->mem, &r, lin, PG_ACC_FETCH, block_user(c), &phys, &err, &attr)) {
        c->cr2 = lin;
        cpu_raise(c, X86_TRAP_PF, err);
    }
    *global = (attr & TLBA_GLOBAL) != 0;
    return phys;
}

/* A block that runs onto a second page matches only if that page is
 * still mapped to the same physical page (with paging it may not be);
 * *global is cleared unless that translation is global too. */
static bool second_page_ok(Cpu *c, const Block *b, uint32_t lin, bool *global)
{
    if (b->npages < 2 || !(c->cr0 & X86_CR0_PG))
        return true;
    PagingRegs r = cpu_paging_regs(c);
    uint32_t phys, err;
    unsigned attr = 0;
    bool ok = paging_walk_attr(c->mem, &r, (lin & ~PAGE_MASK) + PAGE_SIZE, PG_ACC_FETCH, block_user(c), &phys,
                               &err, &attr) &&
              phys >> PAGE_SHIFT == b->pages[1].page;
    if (ok && !(attr & TLBA_GLOBAL))
        *global = false;
    return ok;
}

/* The block for the CPU's current CS:EIP, translated if need be. May
 * raise a fault (a fetch beyond the CS limit). */
Block *tc_find(TCache *tc, Cpu *c);
Block *tc_find(TCache *tc, Cpu *c)
{
    free_zombies(tc);
    if (c->eip > c->seg[SEG_CS].limit) {
        c->insn_eip = c->eip;
        cpu_raise(c, X86_TRAP_GP, 0);
    }
    uint32_t cs_base = c->seg[SEG_CS].base;
    uint32_t lin = cs_base + c->eip;
    uint32_t mode = block_mode(c);
    if (unlikely(tc->jc_gen != c->mem->tlb_flushes))
        jc_sync(tc, c->mem);
    uint32_t i = tc_jc_index(lin);
    Block *b = tc->jc[i];
    if (likely(b && b->lin == lin && b->cs_base == cs_base && b->mode == mode))
        return b;
    b = tc->jc[JC_WAY2(i)];
    if (b && b->lin == lin && b->cs_base == cs_base && b->mode == mode) {
        jc_promote(tc, i);
        return b;
    }
    c->insn_eip = c->eip; /* a #PF on the fetch is the next instruction's */
    tc->jc_misses++;
    bool global;
    uint32_t phys = fetch_translate(c, lin, &global);
    for (b = tc->hash[tc_hash(phys, cs_base, mode)]; b; b = b->hash_next)
        if (b->phys == phys && b->cs_base == cs_base && b->mode == mode && second_page_ok(c, b, lin, &global))
            break;
    if (!b) {
        b = translate(tc, c, phys, mode);
        if (b->npages > 1)
            global = false; /* not known for its second page */
    }
    if (b->lin == lin)
        jc_put(tc, i, b, lin, global);
    return b;
}

bool tc_set_backend(TCache *tc, int backend, bool lockstep)
{
    if (backend == BACKEND_X64 || lockstep) {
        if (!tc->xbuf) {
            X64Buf *xb = calloc(1, sizeof(*xb));
            if (!xb || !x64_buf_init(xb, tc->xbuf_size ? tc->xbuf_size : X64_BUF_SIZE)) {
                free(xb);
                return false;
            }
            tc->xbuf = xb;
            tc_flush(tc); /* blocks made so far have no host code */
        }
    }
    if (lockstep && !tc->lockstep) {
        tc->lockstep = lockstep_create(tc->cpu);
        if (!tc->lockstep)
            return false;
    }
    tc->backend = backend;
    if (tc->xbuf)
        tc->xbuf->chaining = backend == BACKEND_X64 && !lockstep && !tc->trace.executing && !tc->coverage &&
                             tc->max_insns > 1;
    return true;
}
