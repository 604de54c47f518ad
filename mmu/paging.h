/*
 * paging.h - the 32-bit (non-PAE) page walker: linear -> physical through
 * the guest's page directory and page tables, with the access checks and
 * the accessed/dirty updates of SDM vol. 3, 4.3 and 4.6.
 */
#ifndef RINGSIDE_PAGING_H
#define RINGSIDE_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mem.h"

/* The control-register bits the walker needs (CR0.PG/WP, CR3, CR4.PSE). */
typedef struct PagingRegs {
    uint32_t cr0, cr3, cr4;
} PagingRegs;

enum { PG_ACC_READ = 0, PG_ACC_WRITE = 1, PG_ACC_FETCH = 2 };

/* #PF error code bits (SDM vol. 3, 4.7). */
#define PF_ERR_P 0x1u
#define PF_ERR_W 0x2u
#define PF_ERR_U 0x4u
#define PF_ERR_RSVD 0x8u

/* Translate lin for one access. On success returns true with *phys set
 * (A20 applied) and the A (and for a write D) bits set in the entries; on
 * a page fault returns false with *err the #PF error code and changes
 * nothing in memory. Callers check CR0.PG first: without it there is
 * nothing to walk. */
bool paging_walk(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user, uint32_t *phys,
                 uint32_t *err);

#endif
