/*
 * smc_same.S - code that stores into its own instructions the bytes they
 * already hold (issue 4: "a page that is written often while it holds code
 * does not thrash"). GRUB's real-mode BIOS-call trampoline does this: it
 * keeps the segment values of each call in the immediates of the MOVs that
 * load them, and writes them back after every call. The routine below
 * stores its own immediate back on every call (mostly the same value),
 * next to data on its page; only the last call changes it, and that
 * change must take effect (DESIGN.md invariant 3). The ctest
 * guest_smc_same_stats runs it with --stats and bounds the blocks
 * invalidated (tests/guest/smc-same-stats.sh).
 */
#include "rt32.inc"
#include "cases.inc"

#define ITERS 20000

    .section .ramcode, "awx"
    .balign 4096
/* same_call: EAX = the immediate as it was, then store EDX over it. */
same_call:
1:  movl $0x1234, %eax            /* the immediate GRUB-style code keeps */
    incl same_count               /* data on this page */
    movl %edx, 1b + 1             /* store EDX over the immediate above */
    ret
    .balign 64
same_count:
    .long 0

    TEXT
    .globl guest_main
guest_main:
    PRINT "smc_same: code storing its own bytes back, beside data\n"
    movl $ITERS, %ecx
    movl $0x1234, %edx
    xorl %ebx, %ebx
2:  call same_call
    addl %eax, %ebx
    decl %ecx
    jnz 2b
    CHKD %ebx, ITERS*0x1234, "the immediate, stored back unchanged"
    movl $0x5678, %edx
    call same_call                /* stores 0x5678: a real change */
    CHKD %eax, 0x1234, "the call that changes it still ran the old value"
    call same_call
    CHKD %eax, 0x5678, "the changed immediate takes effect"
    movl same_count, %eax
    CHKD %eax, ITERS+2, "the data counter on the code page"
    ret
