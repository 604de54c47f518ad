/*
 * x64buf.c - the x86-64 backend's code buffer and block chaining
 * (docs/jit.md).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "translate/x64.h"

/* ---- the code buffer -------------------------------------------------- */

bool x64_buf_init(X64Buf *xb, size_t size)
{
    memset(xb, 0, sizeof(*xb));
    xb->size = size;
    /* W^X: the same pages mapped twice, writable and executable. */
    int fd = memfd_create("ringside-jit", MFD_CLOEXEC);
    if (fd >= 0 && ftruncate(fd, (off_t)size) == 0) {
        void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        void *rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
        if (rw != MAP_FAILED && rx != MAP_FAILED) {
            close(fd);
            xb->rw = rw;
            xb->rx = rx;
            xb->dual = true;
            goto sites;
        }
        if (rw != MAP_FAILED)
            munmap(rw, size);
        if (rx != MAP_FAILED)
            munmap(rx, size);
    }
    if (fd >= 0)
        close(fd);
    /* Fallback where memfd is unavailable: one RWX mapping. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    xb->rw = xb->rx = p;
sites:
    xb->cap_sites = (uint32_t)(size / 128);
    xb->sites = calloc(xb->cap_sites, sizeof(X64Site));
    return xb->sites != NULL;
}

void x64_buf_free(X64Buf *xb)
{
    free(xb->sites);
    free(xb->linked);
    free(xb->xpages);
    xb->xpages = NULL;
    xb->sites = NULL;
    xb->linked = NULL;
    if (!xb->rw)
        return;
    munmap(xb->rw, xb->size);
    if (xb->dual)
        munmap(xb->rx, xb->size);
    xb->rw = xb->rx = NULL;
}

void x64_buf_reset(X64Buf *xb)
{
    xb->used = 0;
    xb->resets++;
    xb->nsites = 0;
    xb->nlinked = 0;
    xb->chain_from = NULL;
    if (xb->any_cross)
        memset(xb->xpages, 0, (1u << X64_XPAGE_BITS) / 8);
    xb->any_cross = false;
}

const uint64_t x64_gen_unlinked = UINT64_MAX - 1; /* sites start at gen UINT64_MAX */

static void set_rel(uint8_t *rel, const uint8_t *target)
{
    int32_t d = (int32_t)(target - (rel + 4));
    memcpy(rel, &d, 4);
}

static void xpage_set(X64Buf *xb, uint32_t page)
{
    page &= (1u << X64_XPAGE_BITS) - 1;
    xb->xpages[page >> 3] |= (uint8_t)(1u << (page & 7));
}

void x64_link(X64Buf *xb, const Block *b, uint32_t eip, uint32_t lin, const PhysMem *m, bool global)
{
    X64Site *s = xb->chain_from;
    xb->chain_from = NULL;
    if (!s || !xb->chaining || !b->valid || !b->code || b->cs_base != s->cs_base || b->mode != s->mode)
        return;
    if (s->cross) {
        /* Keyed by the EIP and the map it was found under (which the
         * dispatcher just did for b): a relink after a map change only
         * repoints the jump. */
        if (!xb->xpages) {
            xb->xpages = calloc(1, (1u << X64_XPAGE_BITS) / 8);
            if (!xb->xpages)
                return;
        }
    } else if (s->linked || b->npages != 1 || b->phys != s->target_phys) {
        return;
    }
    if (!xb->linked) {
        xb->linked = malloc(xb->cap_sites * sizeof(uint32_t));
        if (!xb->linked)
            return;
    }
    if (s->cross) {
        /* A block found through global translations stays right while
         * those are cached, as a TLB keeps them across CR3 loads: such a
         * link checks the count of flushes that drop global translations,
         * so a process switch neither unlinks it nor costs a pass over
         * the links (an INVLPG of the target still does, x64_lin_flush).
         * Any other link holds until the next flush of any kind. */
        s->eip = eip;
        s->genp = global ? &m->tlb_flushes_global : &m->tlb_flushes;
        s->gen = *s->genp;
        xpage_set(xb, lin >> PAGE_SHIFT);
        if (b->npages > 1)
            xpage_set(xb, (lin >> PAGE_SHIFT) + 1);
        xb->any_cross = true;
    }
    /* The exit's flags store is skipped when the target overwrites those
     * flags before anything (a handler, a fault, an exit) can see them. */
    uint8_t *code = xb->rw + ((const uint8_t *)b->code - xb->rx);
    uint32_t live_in;
    memcpy(&live_in, code - X64_HDR, sizeof(live_in));
    if (s->have & live_in) {
        set_rel(s->rel2, code + CHAIN_ENTRY);
        set_rel(s->rel, s->rel + 4); /* on to the store right after the jump */
    } else {
        set_rel(s->rel, code + CHAIN_ENTRY);
    }
    if (!s->linked)
        xb->linked[xb->nlinked++] = (uint32_t)(s - xb->sites);
    s->linked = true;
    xb->links++;
}

void x64_unlink_all(X64Buf *xb)
{
    for (uint32_t i = 0; i < xb->nlinked; i++) {
        X64Site *s = &xb->sites[xb->linked[i]];
        set_rel(s->rel, s->unlinked);
        s->linked = false;
    }
    xb->unlinks += xb->nlinked;
    xb->nlinked = 0;
    xb->chain_from = NULL;
    if (xb->any_cross)
        memset(xb->xpages, 0, (1u << X64_XPAGE_BITS) / 8);
    xb->any_cross = false;
}

void x64_lin_flush(X64Buf *xb, uint32_t lin, uint32_t len)
{
    if (!xb->any_cross)
        return;
    uint32_t pages = ((lin & PAGE_MASK) + len + PAGE_MASK) >> PAGE_SHIFT;
    bool any = pages >= (1u << X64_XPAGE_BITS);
    for (uint32_t k = 0; !any && k < pages; k++) {
        uint32_t page = ((lin >> PAGE_SHIFT) + k) & ((1u << X64_XPAGE_BITS) - 1);
        any = xb->xpages[page >> 3] & (1u << (page & 7));
    }
    if (!any)
        return;
    /* Rare (an INVLPG of a page a direct branch crosses into): unlink
     * every cross site, keep the same-page ones. */
    uint32_t n = 0;
    for (uint32_t i = 0; i < xb->nlinked; i++) {
        X64Site *s = &xb->sites[xb->linked[i]];
        if (s->cross) {
            set_rel(s->rel, s->unlinked);
            s->linked = false;
            xb->unlinks++;
        } else {
            xb->linked[n++] = xb->linked[i];
        }
    }
    xb->nlinked = n;
    memset(xb->xpages, 0, (1u << X64_XPAGE_BITS) / 8);
    xb->any_cross = false;
}

int x64_backend_by_name(const char *name)
{
    if (!strcmp(name, "threaded") || !strcmp(name, "tci"))
        return BACKEND_THREADED;
    if (!strcmp(name, "x64") || !strcmp(name, "jit"))
        return BACKEND_X64;
    return -1;
}
