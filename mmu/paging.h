/*
 * paging.h - the page walker: linear -> physical through the guest's
 * tables, with the access checks and the accessed/dirty updates of SDM
 * vol. 3, 4.3 (32-bit paging), 4.4 (PAE paging), 4.6 (access rights) and
 * 4.8 (A/D bits).
 */
#ifndef RINGSIDE_PAGING_H
#define RINGSIDE_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mem.h"

/* The control-register state the walker needs. With CR4.PAE the four
 * PDPTEs are the ones loaded at the last CR3 load (4.4.1), not memory. */
typedef struct PagingRegs {
    uint32_t cr0, cr3, cr4;
    bool nxe;              /* IA32_EFER.NXE */
    const uint64_t *pdpte; /* [4], used with CR4.PAE */
} PagingRegs;

enum { PG_ACC_READ = 0, PG_ACC_WRITE = 1, PG_ACC_FETCH = 2 };

/* #PF error code bits (SDM vol. 3, 4.7). */
#define PF_ERR_P 0x1u
#define PF_ERR_W 0x2u
#define PF_ERR_U 0x4u
#define PF_ERR_RSVD 0x8u
#define PF_ERR_ID 0x10u

/* IA32_EFER (MSR 0xc0000080): only NXE exists on this CPU. */
#define MSR_EFER 0xc0000080u
#define EFER_NXE 0x800u

/* Translate lin for one access. On success returns true with *phys set
 * (A20 applied), *attr the TLBA_GLOBAL/TLBA_LARGE bits of the translation
 * (may be NULL), and the A (and for a write D) bits set in the entries; on
 * a page fault returns false with *err the #PF error code and changes
 * nothing in memory. Callers check CR0.PG first. */
bool paging_walk_attr(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user, uint32_t *phys,
                      uint32_t *err, unsigned *attr);
static inline bool paging_walk(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user,
                               uint32_t *phys, uint32_t *err)
{
    return paging_walk_attr(m, r, lin, access, user, phys, err, NULL);
}

/* Read the four PDPTEs for PAE paging from cr3 (4.4.1). Returns false if a
 * present one has a reserved bit set: the MOV that loads them is #GP(0). */
bool paging_load_pdptes(PhysMem *m, uint32_t cr3, uint64_t pdpte[4]);

#endif
