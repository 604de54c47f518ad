/*
 * paging_matrix.c - paging rights, error codes, CR2 and A/D bits for every
 * combination the SDM's rules distinguish (vol. 3, 4.6 access rights, 4.7
 * #PF error code, 4.8 A/D bits, 4.10.4 invalidation), in both formats:
 *
 * 32-bit paging: CPL (0, 3) x U/S and R/W of the PDE and the PTE (or of a
 *   4M PDE with CR4.PSE) x CR0.WP x CR4.PGE with G set x access (read,
 *   write, execute). Each access either works (A set in the entries used,
 *   D in the leaf for a write) or raises #PF with error P|W|U and CR2 = the
 *   address and leaves the leaf unchanged.
 * PAE paging: the same matrix with 4K and 2M pages (EFER.NXE = 1, so a
 *   faulting fetch also has I/D), then NX: XD in the PDE or the PTE with
 *   NXE = 1 (fetches fault with P|I/D, data accesses work) and NXE = 0
 *   (XD is a reserved bit: every access faults with RSVD, no I/D).
 * Staleness: after INVLPG or a CR3 load that drops it, a changed entry is
 *   always seen: for data and for code (the translated-code caches), for
 *   a global entry (INVLPG and a CR4.PGE toggle drop it), and for a
 *   4M page (INVLPG of any address inside drops all of it). That a global
 *   entry survives a CR3 load is not architectural (a TLB may drop any
 *   entry, and QEMU does): tests/unit/test_paging.c checks it.
 *
 * Memory: PD 0x10000, PT 0x11000 (identity map of 0-4M, user, writable),
 * PT for the test page 0x12000; PAE: PDPT 0x13000, PD 0x14000, PT 0x15000.
 * The test address is 0x800000: a 4K page onto 0x40000 or a 4M/2M page
 * onto 0x400000; offset 0x10 holds UD2 (execute), 0x20 is written, 0x30
 * read. Ring 3 runs with CS 0x2b, SS 0x33, its stack at 0x70000.
 */
#include <stdbool.h>

#include "guest.h"

#define PD ((volatile uint32_t *)0x10000)
#define PT0 ((volatile uint32_t *)0x11000)
#define PTT ((volatile uint32_t *)0x12000)
#define PDPT ((volatile uint64_t *)0x13000)
#define PDP ((volatile uint64_t *)0x14000)
#define PTP ((volatile uint64_t *)0x15000)
#define X 0x800000u
#define FRAME4K 0x40000u
#define FRAME_BIG 0x400000u

#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_PSE 0x10u
#define CR4_PAE 0x20u
#define CR4_PGE 0x80u
#define P 1u
#define RW 2u
#define US 4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define G 0x100u
#define XD (1ull << 63)
#define ERR_P 1u
#define ERR_W 2u
#define ERR_U 4u
#define ERR_RSVD 8u
#define ERR_ID 0x10u

enum { ACC_R, ACC_W, ACC_X };
static const char *const acc_name[] = {"read", "write", "exec"};

volatile uint32_t f_vec, f_err, f_cr2, f_eip, saved_esp;
static uint32_t tss[26];

/* run_access(cpl3, stub, addr): run stub (at CPL 3 if cpl3) with EBX =
 * addr; returns the vector that ended it: 6 (its UD2: the access worked)
 * or 14 (#PF: f_err, f_cr2). The handlers come back on the saved stack. */
int run_access(int cpl3, void (*stub)(void), uint32_t addr);
void h_pf(void);
void h_ud(void);
void stub_read(void);
void stub_write(void);
void stub_exec(void);
__asm__(".text\n"
        ".globl run_access, h_pf, h_ud, stub_read, stub_write, stub_exec\n"
        "run_access:\n"
        "  pushl %ebp\n  pushl %ebx\n  pushl %esi\n  pushl %edi\n"
        "  movl %esp, saved_esp\n"
        "  movl $0xffffffff, f_vec\n"
        "  movl 24(%esp), %eax\n"
        "  movl 28(%esp), %ebx\n"
        "  cmpl $0, 20(%esp)\n"
        "  jne 1f\n"
        "  jmp *%eax\n"
        "1: pushl $0x33\n  pushl $0x70000\n  pushl $0x2\n  pushl $0x2b\n  pushl %eax\n  iretl\n"
        "h_pf:\n"
        "  movl $0x10, %eax\n  movw %ax, %ds\n  movw %ax, %es\n"
        "  popl f_err\n"
        "  movl %cr2, %eax\n  movl %eax, f_cr2\n"
        "  movl (%esp), %eax\n  movl %eax, f_eip\n"
        "  movl $14, f_vec\n  jmp 2f\n"
        "h_ud:\n"
        "  movl $0x10, %eax\n  movw %ax, %ds\n  movw %ax, %es\n"
        "  movl (%esp), %eax\n  movl %eax, f_eip\n"
        "  movl $6, f_vec\n"
        "2: movl $0x10, %eax\n  movw %ax, %ds\n  movw %ax, %es\n  movw %ax, %fs\n  movw %ax, %gs\n"
        "  movl saved_esp, %esp\n"
        "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n"
        "  movl f_vec, %eax\n  ret\n"
        "stub_read:  movl %ss:0x30(%ebx), %eax\n  ud2\n"
        "stub_write: movl %eax, %ss:0x20(%ebx)\n  ud2\n"
        "stub_exec:  leal 0x10(%ebx), %eax\n  jmp *%eax\n");

static void (*const stubs[])(void) = {stub_read, stub_write, stub_exec};
static const uint32_t acc_off[] = {0x30, 0x20, 0x10};

static uint32_t rd_cr0(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}
static void wr_cr0(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory");
}
static void wr_cr3(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}
static void wr_cr4(uint32_t v)
{
    __asm__ volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}
static void invlpg(uint32_t a)
{
    __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
}
static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static uint32_t peek(uint32_t a)
{
    return *(volatile uint32_t *)a;
}
static void poke(uint32_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

static uint32_t ncase, nfault;
static char name[96];

/* name = "<fmt> cpl=N <acc> pde=.. pte=.." for the failure messages. */
static char *put(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}
static char *put_hex(char *p, uint32_t v)
{
    for (int i = 28; i >= 0; i -= 4)
        *p++ = "0123456789abcdef"[(v >> i) & 15];
    return p;
}
static void set_name(const char *fmt, int cpl3, int acc, uint64_t pde, uint64_t pte, uint32_t extra)
{
    char *p = put(name, fmt);
    p = put(p, cpl3 ? " cpl3 " : " cpl0 ");
    p = put(p, acc_name[acc]);
    p = put(p, " pde=");
    p = put_hex(p, (uint32_t)(pde >> 32));
    p = put_hex(p, (uint32_t)pde);
    p = put(p, " pte=");
    p = put_hex(p, (uint32_t)(pte >> 32));
    p = put_hex(p, (uint32_t)pte);
    p = put(p, " x=");
    p = put_hex(p, extra);
    *p = 0;
}

/* One access and its checks. rights_ok: the SDM's verdict; err: the error
 * code if not; leaf/leaf_after: the leaf entry's low dword and pointer. */
static void one_access(int cpl3, int acc, bool ok, uint32_t err, uint32_t err_mask, volatile uint32_t *leaf,
                       volatile uint32_t *upper)
{
    uint32_t before = *leaf;
    uint32_t addr = X + acc_off[acc];
    int v = run_access(cpl3, stubs[acc], X);
    ncase++;
    if (ok) {
        CHECK(name, v, 6);
        if (acc == ACC_X)
            CHECK(name, f_eip, addr);
        CHECK(name, *leaf, before | A | (acc == ACC_W ? D : 0));
        if (upper)
            CHECK_MASK(name, *upper, A, A);
    } else {
        nfault++;
        CHECK(name, v, 14);
        CHECK_MASK(name, f_err, err_mask, err);
        CHECK(name, f_cr2, addr);
        CHECK(name, *leaf, before);
    }
}

static bool rights(int cpl3, int acc, bool us, bool rw, bool wp)
{
    bool write = acc == ACC_W;
    if (cpl3)
        return us && (!write || rw);
    return !write || rw || !wp;
}

static uint32_t pf_code(int cpl3, int acc, bool nxe_pae)
{
    return ERR_P | (acc == ACC_W ? ERR_W : 0) | (cpl3 ? ERR_U : 0) | (acc == ACC_X && nxe_pae ? ERR_ID : 0);
}

/* ---- 32-bit paging ------------------------------------------------------ */

static void matrix32(void)
{
    uint32_t cr0 = rd_cr0();
    int n = 0;
    for (int pse = 0; pse < 2; pse++)
        for (int pge = 0; pge < 2; pge++) {
            wr_cr4((pse ? CR4_PSE : 0) | (pge ? CR4_PGE : 0));
            for (int wp = 0; wp < 2; wp++) {
                wr_cr0(wp ? cr0 | CR0_WP : cr0 & ~CR0_WP);
                for (int bits = 0; bits < 16; bits++) {
                    bool pde_us = bits & 1, pde_rw = bits & 2, pte_us = bits & 4, pte_rw = bits & 8;
                    if (pse && (!pte_us || !pte_rw))
                        continue; /* one level */
                    for (int cpl3 = 0; cpl3 < 2; cpl3++)
                        for (int acc = 0; acc < 3; acc++) {
                            uint32_t pde, pte = 0;
                            uint32_t g = pge ? G : 0;
                            if (pse) {
                                pde = FRAME_BIG | P | PS | g | (pde_us ? US : 0) | (pde_rw ? RW : 0);
                            } else {
                                pde = 0x12000 | P | (pde_us ? US : 0) | (pde_rw ? RW : 0);
                                pte = FRAME4K | P | g | (pte_us ? US : 0) | (pte_rw ? RW : 0);
                                PTT[0] = pte;
                            }
                            PD[2] = pde;
                            invlpg(X + acc_off[acc]);
                            set_name("32-bit", cpl3, acc, pde, pte, (uint32_t)(pse | pge << 1 | wp << 2));
                            bool ok = rights(cpl3, acc, pse ? pde_us : pde_us && pte_us,
                                             pse ? pde_rw : pde_rw && pte_rw, wp);
                            one_access(cpl3, acc, ok, pf_code(cpl3, acc, false), 0xffffffffu,
                                       pse ? &PD[2] : &PTT[0], pse ? NULL : &PD[2]);
                            n++;
                        }
                }
            }
        }
    wr_cr0(cr0);
    wr_cr4(0);
    print("paging_matrix: 32-bit: ");
    print_dec((uint32_t)n);
    print(" accesses\n");
}

typedef int (*fn_t)(void);

static void stale32(void)
{
    print("paging_matrix: 32-bit INVLPG and CR3 staleness\n");
    poke(0x40030, 0x1111);
    poke(0x41030, 0x2222);
    PD[2] = 0x12000 | 7;
    PTT[0] = FRAME4K | 7;
    invlpg(X);
    CHECK("4K: first mapping", peek(X + 0x30), 0x1111);
    PTT[0] = 0x41000 | 7;
    invlpg(X);
    CHECK("4K: after INVLPG", peek(X + 0x30), 0x2222);
    PTT[0] = FRAME4K | 7;
    wr_cr3(0x10000);
    CHECK("4K: after a CR3 load", peek(X + 0x30), 0x1111);
    PTT[0] = 0;
    invlpg(X);
    CHECK("not present after INVLPG", run_access(0, stub_read, X), 14);
    CHECK("not present after INVLPG: error", f_err, 0);

    /* Global entries: INVLPG and CR4.PGE changes drop them. */
    wr_cr4(CR4_PGE);
    PTT[0] = FRAME4K | 7 | G;
    invlpg(X);
    CHECK("global: first mapping", peek(X + 0x30), 0x1111);
    PTT[0] = 0x41000 | 7 | G;
    invlpg(X);
    CHECK("global: after INVLPG", peek(X + 0x30), 0x2222);
    PTT[0] = FRAME4K | 7 | G;
    wr_cr3(0x10000); /* may or may not drop it */
    wr_cr4(0);
    wr_cr4(CR4_PGE);
    CHECK("global: after a CR4.PGE toggle", peek(X + 0x30), 0x1111);

    /* Code: the translated-code caches find blocks by linear address. */
    static const uint8_t ret1[] = {0xb8, 1, 0, 0, 0, 0xc3}, ret2[] = {0xb8, 2, 0, 0, 0, 0xc3};
    memcpy((void *)0x42000, ret1, sizeof(ret1));
    memcpy((void *)0x43000, ret2, sizeof(ret2));
    fn_t f = (fn_t)(X + 0x1000);
    for (int g = 0; g < 2; g++) {
        uint32_t gb = g ? G : 0;
        PTT[1] = 0x42000 | 7 | gb;
        invlpg(X + 0x1000);
        CHECK(g ? "global code: first mapping" : "code: first mapping", f(), 1);
        CHECK(g ? "global code: again" : "code: again", f(), 1);
        PTT[1] = 0x43000 | 7 | gb;
        invlpg(X + 0x1000);
        CHECK(g ? "global code: after INVLPG" : "code: after INVLPG", f(), 2);
        PTT[1] = 0x42000 | 7 | gb;
        if (g) {
            wr_cr4(0);
            wr_cr4(CR4_PGE);
        } else {
            wr_cr3(0x10000);
        }
        CHECK(g ? "global code: after a CR4.PGE toggle" : "code: after a CR3 load", f(), 1);
    }
    wr_cr4(0);

    /* A 4M page is dropped whole by INVLPG of any address in it. */
    wr_cr4(CR4_PSE);
    PD[2] = FRAME_BIG | 7 | PS;
    invlpg(X);
    CHECK("4M: first mapping", peek(X + 0x1030), 0x3333);
    PD[2] = 0x800000 | 7 | PS;
    invlpg(X + 0x3ff000);
    CHECK("4M: after INVLPG elsewhere in the page", peek(X + 0x1030), 0x4444);
    PD[2] = FRAME_BIG | 7 | PS;
    wr_cr3(0x10000);
    CHECK("4M: after a CR3 load", peek(X + 0x1030), 0x3333);
    wr_cr4(0);
}

/* ---- PAE paging --------------------------------------------------------- */

static bool has_nx(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u));
    if (a < 0x80000001u || a > 0x8000ffffu)
        return false;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u));
    return (d >> 20) & 1;
}

static void pae_on(bool nxe)
{
    wr_cr0(rd_cr0() & ~CR0_PG);
    wrmsr(0xc0000080u, nxe ? 0x800 : 0);
    wr_cr4(CR4_PAE | CR4_PGE);
    wr_cr3(0x13000);
    wr_cr0(rd_cr0() | CR0_PG);
}

static void matrix_pae(bool nx)
{
    uint32_t cr0 = rd_cr0();
    int n = 0;
    for (int nxe = 0; nxe < 2; nxe++) {
        if (nxe && !nx)
            break;
        pae_on(nxe);
        for (int big = 0; big < 2; big++)
            for (int wp = 0; wp < 2; wp++) {
                wr_cr0(wp ? rd_cr0() | CR0_WP : rd_cr0() & ~CR0_WP);
                for (int bits = 0; bits < 16; bits++) {
                    bool pde_us = bits & 1, pde_rw = bits & 2, pte_us = bits & 4, pte_rw = bits & 8;
                    if (big && (!pte_us || !pte_rw))
                        continue;
                    for (int cpl3 = 0; cpl3 < 2; cpl3++)
                        for (int acc = 0; acc < 3; acc++) {
                            uint64_t pde, pte = 0;
                            if (big) {
                                pde = FRAME_BIG | P | PS | G | (pde_us ? US : 0) | (pde_rw ? RW : 0);
                            } else {
                                pde = 0x15000 | P | (pde_us ? US : 0) | (pde_rw ? RW : 0);
                                pte = FRAME4K | P | G | (pte_us ? US : 0) | (pte_rw ? RW : 0);
                                PTP[0] = pte;
                            }
                            PDP[4] = pde;
                            invlpg(X + acc_off[acc]);
                            set_name("PAE", cpl3, acc, pde, pte, (uint32_t)(big | wp << 2 | nxe << 3));
                            bool ok = rights(cpl3, acc, big ? pde_us : pde_us && pte_us,
                                             big ? pde_rw : pde_rw && pte_rw, wp);
                            one_access(cpl3, acc, ok, pf_code(cpl3, acc, nxe), 0xffffffffu,
                                       big ? (volatile uint32_t *)&PDP[4] : (volatile uint32_t *)&PTP[0],
                                       big ? NULL : (volatile uint32_t *)&PDP[4]);
                            n++;
                        }
                }
            }
        wr_cr0(cr0 | CR0_PG);
    }
    print("paging_matrix: PAE: ");
    print_dec((uint32_t)n);
    print(" accesses\n");
    if (!nx) {
        print("paging_matrix: CPUID says no NX: NX checks skipped\n");
        return;
    }
    /* NX: XD in the PDE or the PTE (or the 2M PDE). */
    n = 0;
    for (int nxe = 0; nxe < 2; nxe++) {
        pae_on(nxe);
        for (int where = 0; where < 3; where++) /* 0: 4K PDE, 1: 4K PTE, 2: 2M PDE */
            for (int cpl3 = 0; cpl3 < 2; cpl3++)
                for (int acc = 0; acc < 3; acc++) {
                    uint64_t pde, pte = 0;
                    if (where == 2) {
                        pde = FRAME_BIG | P | PS | US | RW | XD;
                    } else {
                        pde = 0x15000 | P | US | RW | (where == 0 ? XD : 0);
                        pte = FRAME4K | P | US | RW | (where == 1 ? XD : 0);
                        PTP[0] = pte;
                    }
                    PDP[4] = pde;
                    invlpg(X + acc_off[acc]);
                    set_name("NX", cpl3, acc, pde, pte, (uint32_t)(where | nxe << 3));
                    volatile uint32_t *leaf =
                        where == 2 ? (volatile uint32_t *)&PDP[4] : (volatile uint32_t *)&PTP[0];
                    if (nxe) {
                        one_access(cpl3, acc, acc != ACC_X, pf_code(cpl3, acc, true), 0xffffffffu, leaf,
                                   NULL);
                    } else {
                        /* Reserved bit: RSVD (P masked: QEMU 7.2 leaves it
                         * clear for reserved-bit faults, see paging.S). */
                        one_access(cpl3, acc, false,
                                   ERR_RSVD | (acc == ACC_W ? ERR_W : 0) | (cpl3 ? ERR_U : 0), ~ERR_P, leaf,
                                   NULL);
                    }
                    n++;
                }
    }
    print("paging_matrix: NX: ");
    print_dec((uint32_t)n);
    print(" accesses\n");

    /* PAE staleness: 4K and 2M with INVLPG and CR3 loads. */
    pae_on(true);
    PDP[4] = 0x15000 | 7;
    PTP[0] = FRAME4K | 7;
    invlpg(X);
    CHECK("PAE 4K: first mapping", peek(X + 0x30), 0x1111);
    PTP[0] = 0x41000 | 7;
    invlpg(X);
    CHECK("PAE 4K: after INVLPG", peek(X + 0x30), 0x2222);
    PTP[0] = FRAME4K | 7;
    wr_cr3(0x13000);
    CHECK("PAE 4K: after a CR3 load", peek(X + 0x30), 0x1111);
    PDP[4] = FRAME_BIG | 7 | PS | G;
    invlpg(X);
    CHECK("PAE 2M: first mapping", peek(X + 0x1030), 0x3333);
    PDP[4] = 0x800000 | 7 | PS | G;
    invlpg(X + 0x1ff000);
    CHECK("PAE 2M global: after INVLPG elsewhere in the page", peek(X + 0x1030), 0x4444);
    /* NX on code that ran before: a fetch after INVLPG faults. */
    PDP[4] = 0x15000 | 7;
    PTP[1] = 0x42000 | 7;
    invlpg(X + 0x1000);
    CHECK("PAE code: runs", ((fn_t)(X + 0x1000))(), 1);
    PTP[1] = 0x42000 | 7 | XD;
    invlpg(X + 0x1000);
    CHECK("PAE code: NX after INVLPG", run_access(0, stub_exec, X + 0x1000 - 0x10), 14);
    CHECK("PAE code: NX after INVLPG: error", f_err, ERR_P | ERR_ID);
    CHECK("PAE code: NX after INVLPG: CR2", f_cr2, X + 0x1000);
    wr_cr0(rd_cr0() & ~CR0_PG);
    wr_cr4(0);
    wrmsr(0xc0000080u, 0);
}

extern char exc_stubs32[];

void guest_main(void)
{
    /* Physical contents first, while paging is off. */
    *(volatile uint16_t *)(FRAME4K + 0x10) = 0x0b0f; /* ud2 */
    *(volatile uint16_t *)(FRAME_BIG + 0x10) = 0x0b0f;
    poke(FRAME_BIG + 0x1030, 0x3333);
    poke(0x800000 + 0x1030, 0x4444);
    for (uint32_t i = 0; i < 1024; i++) {
        PT0[i] = (i << 12) | 7;
        PD[i] = 0;
        PTT[i] = 0;
    }
    PD[0] = 0x11000 | 7;
    for (int i = 0; i < 4; i++)
        PDPT[i] = 0;
    PDPT[0] = 0x14000 | 1;
    for (int i = 0; i < 512; i++) {
        PDP[i] = 0;
        PTP[i] = 0;
    }
    PDP[0] = 0x000000 | 0x87; /* 2M pages: identity 0-4M, user, writable */
    PDP[1] = 0x200000 | 0x87;

    /* Ring 3: code and data segments, a TSS for the way back. */
    rt_set_desc(0x28, 0, 0xfffff, 0xc0fb);
    rt_set_desc(0x30, 0, 0xfffff, 0xc0f3);
    tss[1] = 0x90000;
    tss[2] = 0x10;
    rt_set_desc(0x38, (uint32_t)tss, 0x67, 0x89);
    __asm__ volatile("ltr %w0" : : "r"(0x38));
    rt_set_idt(14, h_pf);
    rt_set_idt(6, h_ud);

    wr_cr3(0x10000);
    wr_cr0(rd_cr0() | CR0_PG);
    matrix32();
    stale32();
    wr_cr0(rd_cr0() & ~CR0_PG);
    matrix_pae(has_nx());

    rt_set_idt(14, (void (*)(void))(exc_stubs32 + 16 * 14));
    rt_set_idt(6, (void (*)(void))(exc_stubs32 + 16 * 6));
    print("paging_matrix: ");
    print_dec(ncase);
    print(" checked accesses, ");
    print_dec(nfault);
    print(" page faults\n");
}
