/*
 * memcpy.c - copies a buffer of MEMCPY_LEN bytes back and forth between two
 * places in RAM, MEMCPY_REPS times, changing one word between copies so
 * every copy matters to the result. Built twice:
 *   MEMCPY_REP=1  each copy is one REP MOVSD;
 *   MEMCPY_REP=0  each copy is a plain loop of 32-bit loads and stores.
 * Checksum: a rotate-and-add over the final buffer.
 */
#include "bench.h"

#ifndef MEMCPY_LEN
#define MEMCPY_LEN (4u << 20)
#endif
#ifndef MEMCPY_REPS
#define MEMCPY_REPS 1024
#endif

static void copy(uint32_t *dst, const uint32_t *src, uint32_t words)
{
#if MEMCPY_REP
    __asm__ volatile("rep movsl"
                     : "+D"(dst), "+S"(src), "+c"(words)
                     :
                     : "memory");
#else
    for (uint32_t i = 0; i < words; i++)
        dst[i] = src[i];
#endif
}

void guest_main(void)
{
    const uint32_t words = MEMCPY_LEN / 4;
    uint32_t *a = (uint32_t *)BENCH_RAM;
    uint32_t *b = a + words + 1024; /* a gap, so the two do not share a page */
    uint32_t x = 1;
    for (uint32_t i = 0; i < words; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        a[i] = x;
    }
    for (uint32_t rep = 0; rep < MEMCPY_REPS; rep++) {
        uint32_t *src = (rep & 1) ? b : a, *dst = (rep & 1) ? a : b;
        copy(dst, src, words);
        dst[(rep * 7919u) % words] += rep;
    }
    uint32_t *last = (MEMCPY_REPS & 1) ? b : a;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < words; i++)
        sum = ((sum << 5) | (sum >> 27)) + last[i];
    print(MEMCPY_REP ? "memcpy-rep: " : "memcpy-loop: ");
    print_dec(MEMCPY_REPS);
    print(" x ");
    print_dec(MEMCPY_LEN);
    print(" bytes");
    bench_checksum(sum);
}
