/*
 * pae_task.c - PDPTE loads with PAE paging outside MOV to CR0/CR4 (SDM
 * vol. 3, 4.4.1 and 7.3):
 *
 * - MOV to CR3 with a present PDPTE that has a reserved bit is #GP(0) and
 *   leaves CR3 (and the PDPTEs in use) unchanged.
 * - A task switch that changes CR3 loads the PDPTEs from the new CR3: the
 *   new task sees a 1 GiB slot that the old PDPTEs left not present.
 * - A task switch (JMP) to a TSS whose CR3 names a PDPT with a reserved bit
 *   in a present entry: the CR3 load is step 14 of the switch, after the
 *   commit point (step 13), so the switch completes (TR = the new TSS, the
 *   old task's state saved and its busy bit cleared, the new one busy) and
 *   #GP(0) is raised in the new task's context before its first
 *   instruction. The #GP vector is a task gate here, so the handler task
 *   sees the back link (the new TSS), the error code, and the EIP saved in
 *   the new TSS (its entry point: nothing of it ran). A task gate keeps the
 *   check independent of the descriptor caches, which the SDM leaves
 *   undefined after such a fault ("may corrupt architectural state").
 *
 * Memory: good PDPT 0x13000 (slot 0 -> PD 0x14000, identity 0-4M in 2M
 * pages), PDPT2 0x13020 (slot 0 the same, slot 1 -> PD 0x15000 mapping
 * 0x40000000 to 0x200000), bad PDPT 0x13040 (slot 0 the same, slot 1
 * present with reserved bit 1). Stacks: task T 0x60000, handler 0x68000.
 */
#include "guest.h"

#define PDPT_GOOD 0x13000u
#define PDPT_2 0x13020u
#define PDPT_BAD 0x13040u
#define PD0 ((volatile uint64_t *)0x14000)
#define PD1 ((volatile uint64_t *)0x15000)
#define MARK_PHYS 0x200000u
#define MARK_LIN 0x40000000u
#define MARK 0x600dc0deu

#define SEL_MAIN 0x28
#define SEL_T 0x30
#define SEL_H 0x38
#define ATTR_TSS32 0x89u /* present, DPL 0, available 32-bit TSS */

#define TSS_CR3 7
#define TSS_EIP 8
#define TSS_EFLAGS 9
#define TSS_EAX 10
#define TSS_ESP 14
#define TSS_ES 18

uint32_t tss_main[26] __attribute__((aligned(16)));
uint32_t tss_t[26] __attribute__((aligned(16)));
uint32_t tss_h[26] __attribute__((aligned(16)));
volatile uint32_t t_ran, t_val, t_eax, h_count, h_err, h_link, h_tr, h_main_type, h_t_type;

void t_good(void);
void t_bad(void);
void h_gp(void);
void do_mov_cr3_bad(void);
/* The tasks end with a JMP back to the main task, which resumes after its
 * own JMP with the registers saved in its TSS. */
__asm__(".text\n"
        ".globl t_good, t_bad, h_gp, do_mov_cr3_bad\n"
        "t_good:\n"
        "  movl %eax, t_eax\n"
        "  movl 0x40000000, %eax\n  movl %eax, t_val\n"
        "  ljmp $0x28, $0\n"
        "t_bad:\n"
        "  movl $1, t_ran\n"
        "  ljmp $0x28, $0\n"
        "h_gp:\n"
        "  incl h_count\n"
        "  popl h_err\n"
        "  movzwl tss_h, %eax\n  movl %eax, h_link\n"
        "  str %ax\n  movzwl %ax, %eax\n  movl %eax, h_tr\n"
        "  movzbl gdt32_ram + 0x28 + 5, %eax\n  movl %eax, h_main_type\n"
        "  movzbl gdt32_ram + 0x30 + 5, %eax\n  movl %eax, h_t_type\n"
        "  ljmp $0x28, $0\n"
        "do_mov_cr3_bad:\n"
        "  movl $0x13040, %eax\n  movl %eax, %cr3\n  ret\n");

static uint32_t rd_cr3(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr3, %0" : "=r"(v));
    return v;
}

static void jmp_task(void)
{
    __asm__ volatile("ljmp $0x30, $0" : : : "memory", "cc");
}

/* A TSS for a flat ring-0 task starting at eip with the given CR3. */
static void init_tss(uint32_t *t, uint32_t cr3, void (*eip)(void), uint32_t esp)
{
    memset(t, 0, 104);
    t[TSS_CR3] = cr3;
    t[TSS_EIP] = (uint32_t)eip;
    t[TSS_EFLAGS] = 0x2;
    t[TSS_ESP] = esp;
    for (int s = 0; s < 6; s++)
        t[TSS_ES + s] = s == 1 ? 0x08 : 0x10; /* ES CS SS DS FS GS */
    t[25] = 104u << 16;                       /* I/O map base: none */
}

static void pdpt(uint32_t at, uint64_t slot1)
{
    volatile uint64_t *p = (volatile uint64_t *)at;
    p[0] = 0x14000u | 1u;
    p[1] = slot1;
    p[2] = p[3] = 0;
}

void guest_main(void)
{
    print("pae_task: PDPTE loads by MOV to CR3 and by task switches\n");
    for (int i = 0; i < 512; i++)
        PD0[i] = PD1[i] = 0;
    PD0[0] = 0x000000u | 0x83u; /* 2M page, RW, P */
    PD0[1] = 0x200000u | 0x83u;
    PD1[0] = MARK_PHYS | 0x83u;
    pdpt(PDPT_GOOD, 0);
    pdpt(PDPT_2, 0x15000u | 1u);
    pdpt(PDPT_BAD, 0x15000u | 1u | 2u); /* bit 1 is reserved in a PDPTE */
    *(volatile uint32_t *)MARK_PHYS = MARK; /* identity mapped in 0-4M too */

    __asm__ volatile("movl %0, %%cr3\n"
                     "movl %%cr4, %%eax\n orl $0x20, %%eax\n movl %%eax, %%cr4\n"
                     "movl %%cr0, %%eax\n orl $0x80000000, %%eax\n movl %%eax, %%cr0\n"
                     :
                     : "r"(PDPT_GOOD)
                     : "eax", "memory");

    /* MOV to CR3: #GP(0), nothing loaded. */
    CHECK("mov cr3, bad PDPT: vector", rt_trap_call(do_mov_cr3_bad), 13);
    CHECK("mov cr3, bad PDPT: error code", trap_err, 0);
    CHECK("mov cr3, bad PDPT: CR3 unchanged", rd_cr3(), PDPT_GOOD);

    /* The tasks. */
    init_tss(tss_main, PDPT_GOOD, 0, 0);
    rt_set_desc(SEL_MAIN, (uint32_t)tss_main, 0x67, ATTR_TSS32);
    rt_set_desc(SEL_T, (uint32_t)tss_t, 0x67, ATTR_TSS32);
    rt_set_desc(SEL_H, (uint32_t)tss_h, 0x67, ATTR_TSS32);
    __asm__ volatile("ltr %w0" : : "r"(SEL_MAIN));

    /* A switch that changes CR3 loads the new PDPTEs. */
    init_tss(tss_t, PDPT_2, t_good, 0x60000);
    tss_t[TSS_EAX] = 0x1234abcd;
    jmp_task();
    CHECK("switch to CR3 with slot 1: EAX from the TSS", t_eax, 0x1234abcd);
    CHECK("switch to CR3 with slot 1: the new PDPTE is used", t_val, MARK);
    CHECK("back in the main task: CR3", rd_cr3(), PDPT_GOOD);

    /* A switch to a CR3 with a bad PDPTE: #GP(0) in the new task. */
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint32_t *gate = (volatile uint32_t *)(idtr.base + 13 * 8);
    gate[0] = (uint32_t)SEL_H << 16;
    gate[1] = 0x8500; /* present, DPL 0, task gate */
    init_tss(tss_h, PDPT_GOOD, h_gp, 0x68000);
    init_tss(tss_t, PDPT_BAD, t_bad, 0x60000);
    t_ran = 0;
    jmp_task();
    CHECK("bad PDPTE switch: the #GP handler ran once", h_count, 1);
    CHECK("bad PDPTE switch: the new task did not run", t_ran, 0);
    CHECK("bad PDPTE switch: #GP error code", h_err, 0);
    CHECK("bad PDPTE switch: handler's back link is the new TSS", h_link, SEL_T);
    CHECK("bad PDPTE switch: handler's TR", h_tr, SEL_H);
    CHECK("bad PDPTE switch: the old TSS is available (JMP)", h_main_type, 0x89);
    CHECK("bad PDPTE switch: the new TSS is busy", h_t_type, 0x8b);
    CHECK("bad PDPTE switch: EIP saved in the new TSS is its entry", tss_t[TSS_EIP], (uint32_t)t_bad);
    CHECK("bad PDPTE switch: CR3 back in the main task", rd_cr3(), PDPT_GOOD);
    print("pae_task: ok\n");
}
