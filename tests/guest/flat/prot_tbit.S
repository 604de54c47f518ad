/*
 * prot_tbit.S - the T bit of a 32-bit TSS (SDM vol. 3, 7.2.1 and
 * 17.3.1.5): a task switch to it raises a #DB trap, with DR6.BT set,
 * before the new task's first instruction.
 */
#include "rt32.inc"

    .set SEL_TSSA, 0x28
    .set SEL_TSSB, 0x30

    BSS
    .balign 16
tss_a:  .space 0x68
tss_b:  .space 0x68

    TEXT
task_b:
    EXIT 1                          /* the #DB must come first */

    .globl guest_main
guest_main:
    PRINT "prot_tbit: JMP to a TSS with the T bit\n"
    SET_DESC SEL_TSSA, tss_a, 0x67, 0x0089
    SET_DESC SEL_TSSB, tss_b, 0x67, 0x0089
    movw $0x68, tss_a + 0x66
    movw $0x68, tss_b + 0x66
    movl $task_b, tss_b + 0x20
    movl $0x0002, tss_b + 0x24
    movl $0x60000, tss_b + 0x28 + 4 * 4
    movl $SEL_CODE32, tss_b + 0x4c
    movl $SEL_DATA32, tss_b + 0x48
    movl $SEL_DATA32, tss_b + 0x50
    movl $SEL_DATA32, tss_b + 0x54
    movl $SEL_DATA32, tss_b + 0x58
    movl $SEL_DATA32, tss_b + 0x5c
    movw $1, tss_b + 0x64           /* T */
    movw $SEL_TSSA, %ax
    ltr %ax
    xorl %eax, %eax
    movl %eax, %dr6
    TRAP_EXPECT 1f
    ljmp $SEL_TSSB, $0
    jmp 2f                          /* task A resumes here */
1:  /* in task B, from the #DB handler */
    CHKD trap_vector, 1, "T bit: #DB"
    CHKD trap_eip, task_b, "T bit: before task B's first instruction"
    movl %dr6, %eax
    andl $0x8000, %eax
    CHKD %eax, 0x8000, "T bit: DR6.BT"
    str %ax
    CHKW %ax, SEL_TSSB, "T bit: TR"
    ljmp $SEL_TSSA, $0              /* back to task A */
2:  clts
    ret
