/*
 * smc_loop.c - a loop that rewrites its own code every iteration (issue 7,
 * "Done means" 5: a guest that patches a loop every iteration runs
 * correctly under the x64 backend and no slower than the threaded one).
 * Each iteration stores the counter into the immediate of an ADD a few
 * instructions further on, in the same block, and the ADD must see it:
 * the write into the running block ends it, the patched instruction is
 * translated again. The loop runs from RAM (.ramcode) with its data on
 * another page. Checksum: the sum of the patched immediates and of the
 * loop's other arithmetic.
 */
#include "bench.h"

#ifndef SMC_ITERS
#define SMC_ITERS 2000000
#endif

uint32_t smc_loop(uint32_t iters);
__asm__(".section .ramcode, \"awx\"\n"
        ".balign 4096\n"
        ".globl smc_loop\n"
        "smc_loop:\n"
        "    pushl %ebx\n"
        "    pushl %esi\n"
        "    movl 12(%esp), %ecx\n"
        "    xorl %ebx, %ebx\n"
        "    xorl %esi, %esi\n"
        "1:  movl %ecx, 2f + 2\n"       /* patch the ADD's imm32 below */
        "    movl %ecx, %eax\n"
        "    andl $255, %eax\n"
        "    addl %eax, %esi\n"
        "    leal 3(%esi,%eax,2), %esi\n"
        "2:  .byte 0x81, 0xc3\n"        /* addl $imm32, %ebx */
        "    .long 0\n"
        "    xorl %eax, %esi\n"
        "    decl %ecx\n"
        "    jnz 1b\n"
        "    leal (%ebx,%esi), %eax\n"
        "    popl %esi\n"
        "    popl %ebx\n"
        "    ret\n"
        ".text\n");

void guest_main(void)
{
    uint32_t got = smc_loop(SMC_ITERS);
    /* The same arithmetic in C: EBX adds every patched counter value. */
    uint32_t ebx = 0, esi = 0;
    for (uint32_t n = SMC_ITERS; n; n--) {
        uint32_t a = n & 255;
        esi += a;
        esi += 3 + 2 * a;
        ebx += n;
        esi ^= a;
    }
    CHECK("smc_loop result", got, ebx + esi);
    print("smc-loop: ");
    print_dec(SMC_ITERS);
    print(" iterations patching the loop's own code");
    bench_checksum(got);
}
