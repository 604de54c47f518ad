/*
 * smc_hot.S - a page that is written often while it holds code (issue 4:
 * "a page that is written often while it holds code does not thrash").
 * The loop below lives in one RAM page together with the data it updates:
 *   - a counter and a table on the same page as the loop, stored to every
 *     iteration (data writes to a code page must not throw its code away),
 *   - one instruction of the loop whose immediate the loop patches every
 *     iteration (a real code write, which must invalidate, and should cost
 *     the retranslation of that one instruction rather than the whole loop).
 * The result is checked like any guest test (it also runs under QEMU); the
 * ctest smc_hot_stats runs it with --stats and -d in_asm and bounds the
 * blocks and instructions translated (tests/guest/smc-hot-stats.sh).
 */
#include "rt32.inc"
#include "cases.inc"

#define ITERS 20000

    .section .ramcode, "awx"
    .balign 4096
hot_loop:
    xorl %ebx, %ebx
    xorl %edi, %edi
    movl $ITERS, %ecx
1:  incl hot_count                 /* data on this page */
    movl %ecx, %eax
    andl $15, %eax
    movl %ecx, hot_table(,%eax,4)  /* more data on this page */
    addl %eax, %edi
    movl %ecx, 2f + 2              /* code on this page: the add below */
    xorl %edx, %edx
    addl %eax, %edx
    addl %edx, %edx
    subl %eax, %edx
    subl %eax, %edx
    addl %edx, %edi
    shll $1, %eax
    shrl $1, %eax
    subl %eax, %edi
    addl %eax, %edi
2:  .byte 0x81, 0xc3               /* addl $imm32, %ebx */
    .long 0
    leal 1(%edi), %edi
    decl %edi
    decl %ecx
    jnz 1b
    ret
    .balign 64
hot_count:
    .long 0
hot_table:
    .fill 16, 4, 0

    TEXT
    .globl guest_main
guest_main:
    PRINT "smc_hot: a loop patching itself on a page shared with its data\n"
    call hot_loop
    CHKD %ebx, ITERS*(ITERS+1)/2, "sum of the patched immediates"
    /* EDI: the sum of (n & 15) for n = 1..ITERS. 20000 = 1250 x 16, and
     * each run of 16 sums to 0+1+...+15 = 120. */
    CHKD %edi, 1250*120, "the loop's arithmetic"
    movl hot_count, %eax
    CHKD %eax, ITERS, "the data counter on the code page"
    movl hot_table+4, %eax
    CHKD %eax, 1, "the table on the code page: last n with n&15 = 1"
    ret
