/*
 * paging.c - the 32-bit page walker (SDM vol. 3, 4.3: 2-level tables with
 * 4 KiB pages, 4 MiB pages when CR4.PSE and PDE.PS; 4.6: access rights).
 *
 * The walker is only called on a fast-path miss, so it reads the entries
 * with ordinary physical reads and writes A/D back the same way (the write
 * goes through mem_phys_write so it reaches code-page tracking like any
 * other store).
 */
#include "mmu/paging.h"

#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_US 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PDE_PS 0x080u
/* Without PSE-36 (not advertised), bits 21:13 of a 4 MiB PDE are reserved
 * (SDM vol. 3, 4.3, table 4-5). */
#define PDE4M_RSVD 0x003fe000u

#define CR0_WP 0x00010000u
#define CR4_PSE 0x00000010u

bool paging_walk(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user, uint32_t *phys,
                 uint32_t *err)
{
    bool write = access == PG_ACC_WRITE;
    uint32_t code = (write ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);
    uint32_t pde_addr = ((r->cr3 & ~PAGE_MASK) | ((lin >> 22) << 2)) & m->a20_mask;
    uint32_t pde = mem_phys_read(m, pde_addr, 4);
    if (!(pde & PTE_P)) {
        *err = code;
        return false;
    }
    bool large = (r->cr4 & CR4_PSE) && (pde & PDE_PS);
    if (large && (pde & PDE4M_RSVD)) {
        *err = code | PF_ERR_P | PF_ERR_RSVD;
        return false;
    }
    uint32_t pte_addr = 0, pte = 0, rights;
    if (large) {
        rights = pde;
    } else {
        pte_addr = ((pde & ~PAGE_MASK) | (((lin >> PAGE_SHIFT) & 0x3ffu) << 2)) & m->a20_mask;
        pte = mem_phys_read(m, pte_addr, 4);
        if (!(pte & PTE_P)) {
            *err = code;
            return false;
        }
        /* The combined rights are the stricter of the two levels (4.6). */
        rights = pde & pte;
    }
    bool ok;
    if (user)
        ok = (rights & PTE_US) && (!write || (rights & PTE_RW));
    else
        ok = !write || (rights & PTE_RW) || !(r->cr0 & CR0_WP);
    if (!ok) {
        *err = code | PF_ERR_P;
        return false;
    }
    /* Allowed: now the CPU sets A in each entry it used and D in the one
     * that maps the page, on a write (4.8). */
    if (!(pde & PTE_A) || (large && write && !(pde & PTE_D)))
        mem_phys_write(m, pde_addr, pde | PTE_A | (large && write ? PTE_D : 0), 4);
    if (large) {
        *phys = ((pde & 0xffc00000u) | (lin & 0x003fffffu)) & m->a20_mask;
        return true;
    }
    if (!(pte & PTE_A) || (write && !(pte & PTE_D)))
        mem_phys_write(m, pte_addr, pte | PTE_A | (write ? PTE_D : 0), 4);
    *phys = ((pte & ~PAGE_MASK) | (lin & PAGE_MASK)) & m->a20_mask;
    return true;
}
