/*
 * sieve.c - the sieve of Eratosthenes over a byte array in RAM, run
 * SIEVE_REPS times. Byte loads and stores, short counted loops, branches.
 * Checksum: the sum of all primes found (mod 2^32) in the last pass, mixed
 * with the count of every pass.
 */
#include "bench.h"

#ifndef SIEVE_N
#define SIEVE_N (4u << 20)
#endif
#ifndef SIEVE_REPS
#define SIEVE_REPS 48
#endif

static uint32_t sieve(uint8_t *flags, uint32_t n, uint32_t *sum)
{
    for (uint32_t i = 0; i < n; i++)
        flags[i] = 1;
    flags[0] = flags[1] = 0;
    for (uint32_t i = 2; i * i < n; i++)
        if (flags[i])
            for (uint32_t j = i * i; j < n; j += i)
                flags[j] = 0;
    uint32_t count = 0, s = 0;
    for (uint32_t i = 0; i < n; i++)
        if (flags[i]) {
            count++;
            s += i;
        }
    *sum = s;
    return count;
}

void guest_main(void)
{
    uint32_t check = 0, count = 0, sum = 0;
    for (uint32_t rep = 0; rep < SIEVE_REPS; rep++) {
        count = sieve(BENCH_RAM, SIEVE_N, &sum);
        check = check * 31 + count;
    }
    print("sieve: primes below ");
    print_dec(SIEVE_N);
    print(" = ");
    print_dec(count);
    bench_checksum(check ^ sum);
}
