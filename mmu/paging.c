/*
 * paging.c - the page walkers (SDM vol. 3, 4.3: 32-bit paging with 4 KiB
 * pages and 4 MiB pages when CR4.PSE and PDE.PS; 4.4: PAE paging with 4 KiB
 * and 2 MiB pages and the XD bit under EFER.NXE; 4.6: access rights).
 *
 * The walker is only called on a fast-path miss, so it reads the entries
 * with ordinary physical reads and writes A/D back the same way (the write
 * goes through mem_phys_write so it reaches code-page tracking like any
 * other store). Rights are checked before any A/D update, so a faulting
 * access sets nothing.
 */
#include "mmu/paging.h"

#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_US 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PDE_PS 0x080u
#define PTE_G 0x100u
/* Without PSE-36 (not advertised), bits 21:13 of a 4 MiB PDE are reserved
 * (SDM vol. 3, 4.3, table 4-5). */
#define PDE4M_RSVD 0x003fe000u

/* PAE entries: MAXPHYADDR is 36 (no CPUID 0x80000008), so bits 62:36 are
 * reserved, and bit 63 (XD) too unless EFER.NXE (4.4.2, tables 4-8..4-11). */
#define PAE_XD (1ull << 63)
#define PAE_HIGH_RSVD 0x7ffffff000000000ull
#define PAE_ADDR 0x0000000ffffff000ull
#define PDE2M_RSVD 0x00000000001fe000ull /* bits 20:13 */
/* A PDPTE has no rights bits: 2:1 and 8:5 are reserved, and 63 (4.4.1). */
#define PDPTE_RSVD (0xfffffff000000000ull | 0x1e6ull)

#define CR0_WP 0x00010000u
#define CR4_PSE 0x00000010u
#define CR4_PAE 0x00000020u
#define CR4_PGE 0x00000080u

bool paging_load_pdptes(PhysMem *m, uint32_t cr3, uint64_t pdpte[4])
{
    uint64_t e[4];
    for (int i = 0; i < 4; i++) {
        uint32_t a = ((cr3 & ~0x1fu) + 8u * (uint32_t)i) & m->a20_mask;
        e[i] = mem_phys_read(m, a, 4) | (uint64_t)mem_phys_read(m, a + 4, 4) << 32;
        if ((e[i] & PTE_P) && (e[i] & PDPTE_RSVD))
            return false;
    }
    for (int i = 0; i < 4; i++)
        pdpte[i] = e[i];
    return true;
}

static uint64_t read64(PhysMem *m, uint32_t a)
{
    return mem_phys_read(m, a, 4) | (uint64_t)mem_phys_read(m, a + 4, 4) << 32;
}

/* The rights check shared by both formats: `rights` is the AND of the
 * levels' U/S and R/W bits. */
static bool rights_ok(const PagingRegs *r, uint32_t rights, bool write, bool user)
{
    if (user)
        return (rights & PTE_US) && (!write || (rights & PTE_RW));
    return !write || (rights & PTE_RW) || !(r->cr0 & CR0_WP);
}

static bool walk_pae(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user, uint32_t *phys,
                     uint32_t *err, unsigned *attr)
{
    bool write = access == PG_ACC_WRITE;
    uint32_t code =
        (write ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0) | (access == PG_ACC_FETCH && r->nxe ? PF_ERR_ID : 0);
    uint64_t rsvd = PAE_HIGH_RSVD | (r->nxe ? 0 : PAE_XD);
    uint64_t pdpte = r->pdpte[lin >> 30];
    if (!(pdpte & PTE_P)) {
        *err = code;
        return false;
    }
    uint32_t pde_addr = ((uint32_t)(pdpte & PAE_ADDR) | (((lin >> 21) & 0x1ffu) << 3)) & m->a20_mask;
    uint64_t pde = read64(m, pde_addr);
    if (!(pde & PTE_P)) {
        *err = code;
        return false;
    }
    bool large = (pde & PDE_PS) != 0;
    if (pde & (rsvd | (large ? PDE2M_RSVD : 0))) {
        *err = code | PF_ERR_P | PF_ERR_RSVD;
        return false;
    }
    uint32_t pte_addr = 0;
    uint64_t pte = 0, leaf = pde;
    uint32_t rights = (uint32_t)pde;
    bool xd = (pde & PAE_XD) != 0;
    if (!large) {
        pte_addr = ((uint32_t)(pde & PAE_ADDR) | (((lin >> PAGE_SHIFT) & 0x1ffu) << 3)) & m->a20_mask;
        pte = read64(m, pte_addr);
        if (!(pte & PTE_P)) {
            *err = code;
            return false;
        }
        if (pte & rsvd) {
            *err = code | PF_ERR_P | PF_ERR_RSVD;
            return false;
        }
        rights &= (uint32_t)pte;
        xd |= (pte & PAE_XD) != 0;
        leaf = pte;
    }
    if (!rights_ok(r, rights, write, user) || (access == PG_ACC_FETCH && r->nxe && xd)) {
        *err = code | PF_ERR_P;
        return false;
    }
    if (!(pde & PTE_A) || (large && write && !(pde & PTE_D)))
        mem_phys_write(m, pde_addr, (uint32_t)pde | PTE_A | (large && write ? PTE_D : 0), 4);
    if (!large && (!(pte & PTE_A) || (write && !(pte & PTE_D))))
        mem_phys_write(m, pte_addr, (uint32_t)pte | PTE_A | (write ? PTE_D : 0), 4);
    if (attr)
        *attr = (large ? TLBA_LARGE : 0) | ((r->cr4 & CR4_PGE) && (leaf & PTE_G) ? TLBA_GLOBAL : 0);
    /* XXX: physical addresses are 32 bits here; bits 35:32 of an entry
     * are dropped (RAM never reaches 4 GiB, so this only aliases what a
     * guest could not have used anyway). */
    if (large)
        *phys = ((uint32_t)(pde & 0xffe00000u) | (lin & 0x001fffffu)) & m->a20_mask;
    else
        *phys = ((uint32_t)(pte & PAE_ADDR) | (lin & PAGE_MASK)) & m->a20_mask;
    return true;
}

bool paging_walk_attr(PhysMem *m, const PagingRegs *r, uint32_t lin, int access, bool user, uint32_t *phys,
                      uint32_t *err, unsigned *attr)
{
    if (r->cr4 & CR4_PAE)
        return walk_pae(m, r, lin, access, user, phys, err, attr);
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
    if (!rights_ok(r, rights, write, user)) {
        *err = code | PF_ERR_P;
        return false;
    }
    /* Allowed: now the CPU sets A in each entry it used and D in the one
     * that maps the page, on a write (4.8). */
    if (!(pde & PTE_A) || (large && write && !(pde & PTE_D)))
        mem_phys_write(m, pde_addr, pde | PTE_A | (large && write ? PTE_D : 0), 4);
    if (attr)
        *attr = (large ? TLBA_LARGE : 0) |
                ((r->cr4 & CR4_PGE) && ((large ? pde : pte) & PTE_G) ? TLBA_GLOBAL : 0);
    if (large) {
        *phys = ((pde & 0xffc00000u) | (lin & 0x003fffffu)) & m->a20_mask;
        return true;
    }
    if (!(pte & PTE_A) || (write && !(pte & PTE_D)))
        mem_phys_write(m, pte_addr, pte | PTE_A | (write ? PTE_D : 0), 4);
    *phys = ((pte & ~PAGE_MASK) | (lin & PAGE_MASK)) & m->a20_mask;
    return true;
}
