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
}

static void set_rel(uint8_t *rel, const uint8_t *target)
{
    int32_t d = (int32_t)(target - (rel + 4));
    memcpy(rel, &d, 4);
}

void x64_link(X64Buf *xb, const Block *b)
{
    X64Site *s = xb->chain_from;
    xb->chain_from = NULL;
    if (!s || s->linked || !xb->chaining || !b->valid || !b->code || b->npages != 1 ||
        b->phys != s->target_phys || b->cs_base != s->cs_base || b->mode != s->mode)
        return;
    if (!xb->linked) {
        xb->linked = malloc(xb->cap_sites * sizeof(uint32_t));
        if (!xb->linked)
            return;
    }
    set_rel(s->rel, xb->rw + ((const uint8_t *)b->code - xb->rx) + CHAIN_ENTRY);
    s->linked = true;
    xb->linked[xb->nlinked++] = (uint32_t)(s - xb->sites);
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
}

int x64_backend_by_name(const char *name)
{
    if (!strcmp(name, "threaded") || !strcmp(name, "tci"))
        return BACKEND_THREADED;
    if (!strcmp(name, "x64") || !strcmp(name, "jit"))
        return BACKEND_X64;
    return -1;
}
