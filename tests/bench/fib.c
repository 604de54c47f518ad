/*
 * fib.c - naive doubly recursive Fibonacci: calls, returns, pushes and pops
 * on a stack in RAM. Built with -fno-optimize-sibling-calls and noipa so
 * GCC keeps both recursive calls (it would otherwise turn one into a loop).
 * Checksum: fib(FIB_N) mod 2^32, mixed with the number of calls made.
 */
#include "bench.h"

#ifndef FIB_N
#define FIB_N 38
#endif

static uint32_t calls;

__attribute__((noipa)) static uint32_t fib(uint32_t n)
{
    calls++;
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

void guest_main(void)
{
    uint32_t r = fib(FIB_N);
    print("fib: fib(");
    print_dec(FIB_N);
    print(") = ");
    print_dec(r);
    print(", ");
    print_dec(calls);
    print(" calls");
    bench_checksum(r ^ calls);
}
