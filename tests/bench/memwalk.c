/*
 * memwalk.c - a plain memory-bound guest (issue 4, "Done means" 3): with
 * paging on (4 KiB pages identity-mapping the first 128 MiB), walks a
 * 64 MiB array (16384 pages) sequentially, reading and writing every
 * dword, and then hops across it a page at a time (a stride of 4097
 * dwords, so each access is on another page: more pages in use than any
 * small TLB holds). No CR3 loads, no faults: the cost is the accesses and
 * the fills of the translation cache. Checksum: a rotate-xor of the
 * values read.
 */
#include "bench.h"

#define WORDS (16u << 20) /* 64 MiB */
#define SEQ_PASSES 3
#define HOPS (24u << 20)
#define STRIDE 4097u

#define PTE_P 0x001u
#define PTE_W 0x002u
#define CR0_PG 0x80000000u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pts[32][1024] __attribute__((aligned(4096)));

void guest_main(void)
{
    for (uint32_t t = 0; t < 32; t++) {
        for (uint32_t i = 0; i < 1024; i++)
            pts[t][i] = ((t * 1024 + i) << 12) | PTE_P | PTE_W;
        pd[t] = (uint32_t)pts[t] | PTE_P | PTE_W;
    }
    __asm__ volatile("movl %0, %%cr3" : : "r"((uint32_t)pd) : "memory");
    uint32_t cr0;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");

    volatile uint32_t *a = (volatile uint32_t *)BENCH_RAM;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < WORDS; i++)
        a[i] = i * 2654435761u;
    for (uint32_t pass = 0; pass < SEQ_PASSES; pass++)
        for (uint32_t i = 0; i < WORDS; i++) {
            uint32_t v = a[i];
            sum = ((sum << 3) | (sum >> 29)) ^ v;
            a[i] = v + pass;
        }
    uint32_t idx = 0;
    for (uint32_t h = 0; h < HOPS; h++) {
        uint32_t v = a[idx];
        sum = ((sum << 3) | (sum >> 29)) ^ v;
        a[idx] = v ^ h;
        idx += STRIDE;
        if (idx >= WORDS)
            idx -= WORDS;
    }
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0) : "memory");
    print("memwalk: 64 MiB, ");
    print_dec(SEQ_PASSES);
    print(" passes and ");
    print_dec(HOPS);
    print(" page hops");
    bench_checksum(sum);
}
