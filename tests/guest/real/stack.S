/* stack.S - cases/stack.inc in real mode, and ENTER on a 16-bit stack. */
#include "rt16.inc"
#include "cases.inc"
    BSS
    .balign 4
enter_saved_ebp: .long 0
enter_slot:      .long 0
    TEXT
    .globl test_main
test_main:
#include "../cases/stack.inc"

    /* ENTER with a 32-bit operand on a 16-bit stack (SDM ENTER, the
     * OperandSize = 32 branch): FrameTemp is the whole ESP after the push of
     * EBP, upper half included, and it is pushed and loaded into all of EBP;
     * only SP moves. (test386.asm's POST 1A checks the same.) */
    PRINT "stack: enterl on a 16-bit stack keeps esp's upper half in the frame\n"
    movl %ebp, enter_saved_ebp
    movl %esp, %edi                     /* SP0 in DI, ESP restored below */
    movzwl %di, %ebx
    orl $0x00050000, %esp               /* the 16-bit stack ignores it */
    movl $0x00090000, %ebp
    movw %di, %bp                       /* EBP = 0x0009:SP0 */
    enterl $4, $1
    movl %esp, %ecx
    movl %ebp, %eax
    movl -4(%bx), %esi                  /* read before the checks push */
    movl -8(%bx), %edx
    movl %edi, %esp
    movl enter_saved_ebp, %ebp
    movl %edx, enter_slot
    leal -4(%ebx), %edx
    orl $0x00050000, %edx               /* FrameTemp = 0x0005:(SP0-4) */
    CHKDV %eax, %edx, "enterl 4,1 on a 16-bit stack: ebp = frametemp"
    CHKDV enter_slot, %edx, "enterl 4,1 on a 16-bit stack: frametemp pushed"
    movl $0x00090000, %edx
    movw %di, %dx
    CHKDV %esi, %edx, "enterl 4,1 on a 16-bit stack: old ebp pushed"
    leal -12(%ebx), %edx
    orl $0x00050000, %edx
    CHKDV %ecx, %edx, "enterl 4,1 on a 16-bit stack: esp"
    ret
