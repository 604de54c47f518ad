/*
 * smc_alias.c - self-modifying code through two linear mappings of one
 * physical page (issue 4, "Done means" 2). With paging on, linear pages
 * ALIAS_A and ALIAS_B both map the physical page `code`: code written
 * through one and run through the other must be the new code, in both
 * orders, and after the routine has run (and been cached) through both.
 * The stores are plain data writes; the SDM (vol. 3, 11.6) has a store to
 * a physical address holding code seen by later fetches through any
 * linear address, so no serializing instruction is needed between them.
 */
#include "guest.h"

#define ALIAS_A 0x400000u
#define ALIAS_B 0x401000u
#define ALIAS_C 0x403000u /* a third, read-only alias: never written through */

#define PTE_P 0x001u
#define PTE_W 0x002u
#define CR0_PG 0x80000000u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt_low[1024] __attribute__((aligned(4096)));
static uint32_t pt_alias[1024] __attribute__((aligned(4096)));
static uint8_t code[4096] __attribute__((aligned(4096)));

typedef uint32_t (*fn_t)(void);

/* "mov $v, %eax; ret" at offset off of the page seen at linear base. */
static void emit(uint32_t base, uint32_t off, uint32_t v)
{
    volatile uint8_t *p = (volatile uint8_t *)(base + off);
    p[0] = 0xb8;
    p[1] = (uint8_t)v;
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)(v >> 16);
    p[4] = (uint8_t)(v >> 24);
    p[5] = 0xc3;
}

/* Patch only the immediate's low byte (a one-byte store into old code). */
static void patch_low(uint32_t base, uint32_t off, uint8_t v)
{
    *(volatile uint8_t *)(base + off + 1) = v;
}

static uint32_t run(uint32_t base, uint32_t off)
{
    return ((fn_t)(base + off))();
}

static uint32_t rd_cr0(void)
{
    uint32_t v;
    __asm__ volatile("movl %%cr0, %0" : "=r"(v));
    return v;
}

static void wr_cr0(uint32_t v) { __asm__ volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }
static void wr_cr3(uint32_t v) { __asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }

void guest_main(void)
{
    print("smc_alias: code written through one linear alias, run through another\n");
    /* Identity-map the first 4 MiB (ROM alias, stack, .data/.bss); alias
     * the code page at A, B and (read-only) C. */
    for (uint32_t i = 0; i < 1024; i++)
        pt_low[i] = (i << 12) | PTE_P | PTE_W;
    pt_alias[0] = (uint32_t)code | PTE_P | PTE_W;
    pt_alias[1] = (uint32_t)code | PTE_P | PTE_W;
    pt_alias[3] = (uint32_t)code | PTE_P;
    pd[0] = (uint32_t)pt_low | PTE_P | PTE_W;
    pd[1] = (uint32_t)pt_alias | PTE_P | PTE_W;
    wr_cr3((uint32_t)pd);
    uint32_t cr0 = rd_cr0();
    wr_cr0(cr0 | CR0_PG);

    /* Write through A, run through B; then the reverse. */
    emit(ALIAS_A, 0x100, 0x1111);
    CHECK("written via A, run via B", run(ALIAS_B, 0x100), 0x1111);
    emit(ALIAS_A, 0x100, 0x2222);
    CHECK("rewritten via A, run via B (B cached)", run(ALIAS_B, 0x100), 0x2222);
    emit(ALIAS_B, 0x200, 0x3333);
    CHECK("written via B, run via A", run(ALIAS_A, 0x200), 0x3333);
    emit(ALIAS_B, 0x200, 0x4444);
    CHECK("rewritten via B, run via A (A cached)", run(ALIAS_A, 0x200), 0x4444);

    /* The routine has run through both aliases (and C): a write through
     * either is seen through all three. */
    emit(ALIAS_A, 0x300, 0x5555);
    CHECK("run via A", run(ALIAS_A, 0x300), 0x5555);
    CHECK("run via B", run(ALIAS_B, 0x300), 0x5555);
    CHECK("run via C", run(ALIAS_C, 0x300), 0x5555);
    patch_low(ALIAS_A, 0x300, 0x66);
    CHECK("patched via A: run via B", run(ALIAS_B, 0x300), 0x5566);
    CHECK("patched via A: run via A", run(ALIAS_A, 0x300), 0x5566);
    CHECK("patched via A: run via C", run(ALIAS_C, 0x300), 0x5566);
    patch_low(ALIAS_B, 0x300, 0x77);
    CHECK("patched via B: run via A", run(ALIAS_A, 0x300), 0x5577);
    CHECK("patched via B: run via C", run(ALIAS_C, 0x300), 0x5577);
    CHECK("patched via B: run via B", run(ALIAS_B, 0x300), 0x5577);
    /* Through the identity mapping of the physical page as well. */
    patch_low((uint32_t)code, 0x300, 0x88);
    CHECK("patched via the identity map: run via A", run(ALIAS_A, 0x300), 0x5588);
    CHECK("patched via the identity map: run via B", run(ALIAS_B, 0x300), 0x5588);

    /* A loop alternating the two aliases: write via one, run via the other. */
    uint32_t sum = 0;
    for (uint32_t i = 1; i <= 200; i++) {
        emit((i & 1) ? ALIAS_A : ALIAS_B, 0x400, i);
        sum += run((i & 1) ? ALIAS_B : ALIAS_A, 0x400);
    }
    CHECK("200 alternating write/run pairs: sum 1..200", sum, 20100);

    wr_cr0(cr0);
}
