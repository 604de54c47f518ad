/*
 * xorshift.h - the random source of the x87 unit tests: xorshift64*, small,
 * fast and the same on every host, so a seed printed by a failing run
 * reproduces it. Each test program includes it once and seeds rng_state
 * itself (never 0).
 */
#ifndef RINGSIDE_TEST_XORSHIFT_H
#define RINGSIDE_TEST_XORSHIFT_H

#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Uniform enough in [0, n) for test operands. */
static inline int rndn(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

#endif
