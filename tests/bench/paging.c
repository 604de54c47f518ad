/*
 * paging.c - a paging-heavy guest (issue 4, "Done means" 3): many address
 * spaces, switched every few thousand instructions, with demand paging.
 *
 * NPROC page directories share a kernel page table (the first 4 MiB,
 * identity-mapped, and the frames at 16-32 MiB in 4 MiB pages, all global
 * with CR4.PGE like a kernel's) and each has its
 * own page table for a 1 MiB "user" window at USER_BASE, empty at first.
 * The scheduler loop runs NSLICES slices round robin: a slice loads the
 * process's CR3 and reads-modifies-writes 8 pages of its window. The first
 * touch of a page raises #PF; the handler (pf_stub -> pf_handle) takes a
 * frame from a free list above 16 MiB, clears it (REP STOSD, as Linux's
 * clear_page) and maps it. Between exits a process touches WORKING_SET of
 * its pages; every 32nd slice of a process is its "exit": it unmaps its
 * whole window with INVLPG per page and frees the frames, so demand faults
 * go on all run long.
 * Checksum: sum * 31 + value over every value read.
 */
#include "bench.h"

#define NPROC 16
#define USER_BASE 0x40000000u
#define USER_PAGES 256 /* 1 MiB per process */
#define NSLICES 100000
#define PAGES_PER_SLICE 8
#define WORDS_PER_PAGE 64
#define WORKING_SET 64 /* pages a process touches between exits */
#define NFRAMES (NPROC * USER_PAGES)

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_PS 0x080u
#define PTE_G 0x100u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u

static uint32_t kernel_pt[1024] __attribute__((aligned(4096)));
static uint32_t pds[NPROC][1024] __attribute__((aligned(4096)));
static uint32_t user_pts[NPROC][1024] __attribute__((aligned(4096)));
static uint32_t free_frames[NFRAMES];
static uint32_t nfree;
static uint32_t faults, unmaps;

static inline void wr_cr3(uint32_t v) { __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }
static inline void invlpg(uint32_t lin) { __asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory"); }
static inline uint32_t rd_cr3(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}

/* #PF: error code on the stack; CR2 to the C handler; back to the access. */
void pf_stub(void);
__asm__(".text\n"
        ".globl pf_stub\n"
        "pf_stub:\n"
        "    pushal\n"
        "    movl %cr2, %eax\n"
        "    pushl %eax\n"
        "    call pf_handle\n"
        "    addl $4, %esp\n"
        "    popal\n"
        "    addl $4, %esp\n"
        "    iretl\n");

void pf_handle(uint32_t cr2);
void pf_handle(uint32_t cr2)
{
    uint32_t page = (cr2 - USER_BASE) >> 12;
    uint32_t *pd = (uint32_t *)(rd_cr3() & ~0xfffu);
    uint32_t proc = (uint32_t)(pd - pds[0]) / 1024;
    if (cr2 - USER_BASE >= USER_PAGES * 4096u || proc >= NPROC || nfree == 0) {
        print("FAIL: unexpected page fault at ");
        print_hex(cr2);
        print("\n");
        guest_exit(2);
    }
    uint32_t frame = free_frames[--nfree];
    uint32_t *f = (uint32_t *)frame;
    uint32_t n = 1024, fill = proc ^ (page << 8);
    __asm__ volatile("rep stosl" : "+D"(f), "+c"(n) : "a"(fill) : "memory"); /* like clear_page */
    user_pts[proc][page] = frame | PTE_P | PTE_W;
    faults++;
}

static void unmap_all(uint32_t proc)
{
    for (uint32_t p = 0; p < USER_PAGES; p++) {
        uint32_t pte = user_pts[proc][p];
        if (pte & PTE_P) {
            free_frames[nfree++] = pte & ~0xfffu;
            user_pts[proc][p] = 0;
            invlpg(USER_BASE + p * 4096u);
            unmaps++;
        }
    }
}

void guest_main(void)
{
    for (uint32_t i = 0; i < 1024; i++)
        kernel_pt[i] = (i << 12) | PTE_P | PTE_W | PTE_G;
    for (uint32_t p = 0; p < NPROC; p++) {
        pds[p][0] = (uint32_t)kernel_pt | PTE_P | PTE_W;
        /* The frames (16-32 MiB) for the kernel: global 4 MiB pages. */
        for (uint32_t m = 4; m < 8; m++)
            pds[p][m] = (m << 22) | PTE_P | PTE_W | PTE_PS | PTE_G;
        pds[p][USER_BASE >> 22] = (uint32_t)user_pts[p] | PTE_P | PTE_W;
    }
    for (uint32_t i = 0; i < NFRAMES; i++)
        free_frames[i] = (uint32_t)BENCH_RAM + (NFRAMES - 1 - i) * 4096u;
    nfree = NFRAMES;
    rt_set_idt(14, pf_stub);

    uint32_t cr4;
    __asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("movl %0, %%cr4" : : "r"(cr4 | CR4_PGE | CR4_PSE));
    wr_cr3((uint32_t)pds[0]);
    uint32_t cr0;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");

    uint32_t sum = 0, switches = 0;
    for (uint32_t s = 0; s < NSLICES; s++) {
        uint32_t proc = s % NPROC, round = s / NPROC;
        wr_cr3((uint32_t)pds[proc]);
        switches++;
        if (round % 32 == 31) {
            unmap_all(proc);
            continue;
        }
        for (uint32_t j = 0; j < PAGES_PER_SLICE; j++) {
            uint32_t page = (round * 5u + j * 37u) % WORKING_SET;
            volatile uint32_t *w = (volatile uint32_t *)(USER_BASE + page * 4096u + (round % 60) * 64u);
            for (uint32_t k = 0; k < WORDS_PER_PAGE; k++) {
                uint32_t v = w[k];
                sum = sum * 31u + v;
                w[k] = v + s;
            }
        }
    }
    wr_cr3((uint32_t)pds[0]);
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0) : "memory");
    print("paging: ");
    print_dec(NPROC);
    print(" address spaces, ");
    print_dec(switches);
    print(" CR3 loads, ");
    print_dec(faults);
    print(" page faults, ");
    print_dec(unmaps);
    print(" pages unmapped");
    bench_checksum(sum);
}
