/*
 * debug_rf.S - the RF flag in the EFLAGS image an event handler sees
 * (SDM vol. 3, 17.3.1.1): 1 for a fault-class exception (here #UD and
 * #GP), 0 for a software interrupt (INT n clears RF as it starts) and for
 * an instruction-breakpoint #DB. Instruction breakpoint suppression by RF
 * is in debug_step.S. The fault checks come last: QEMU pushes RF = 0 for
 * faults (listed in tests/scripts/guest-qemu.sh).
 */
#include "rt32.inc"

    .set RF, 0x10000

    BSS
    .balign 4
img:    .space 4

    TEXT
/* #UD and INT 0x41: record the EFLAGS image, step over a 2-byte instruction. */
ud_handler:
    pushl %eax
    movl 12(%esp), %eax
    movl %eax, img
    addl $2, 4(%esp)
    popl %eax
    iret
int_handler:
    pushl %eax
    movl 12(%esp), %eax
    movl %eax, img
    popl %eax
    iret
/* #GP with its error code: drop it, record, skip the 2-byte instruction. */
gp_handler:
    addl $4, %esp
    jmp ud_handler
/* #DB from an instruction breakpoint: record, then set RF to go on. */
db_handler:
    pushl %eax
    movl 12(%esp), %eax
    movl %eax, img
    orl $RF, 12(%esp)
    popl %eax
    iret

    .globl guest_main
guest_main:
    PRINT "debug: RF in the pushed EFLAGS\n"
    SET_IDT 6, ud_handler
    SET_IDT 13, gp_handler
    SET_IDT 0x41, int_handler
    SET_IDT 1, db_handler
    movl $-1, img
    int $0x41
    movl img, %eax
    shrl $16, %eax
    andl $1, %eax
    CHKD %eax, 0, "INT n pushes RF = 0"
    movl $bp, %eax
    movl %eax, %dr0
    movl $1, %eax
    movl %eax, %dr7
    movl $-1, img
bp: nop
    xorl %eax, %eax
    movl %eax, %dr7
    movl %eax, %dr6
    movl img, %eax
    shrl $16, %eax
    andl $1, %eax
    CHKD %eax, 0, "instruction breakpoint #DB pushes RF = 0"
    movl $0, img
    ud2
    movl img, %eax
    shrl $16, %eax
    andl $1, %eax
    CHKD %eax, 1, "#UD (a fault) pushes RF = 1"
    movl $0, img
    movw $0x0ff8, %ax           /* a selector past the GDT limit */
    movw %ax, %fs               /* #GP, 2 bytes */
    movl img, %eax
    shrl $16, %eax
    andl $1, %eax
    CHKD %eax, 1, "#GP (a fault) pushes RF = 1"
    RESTORE_IDT 6
    RESTORE_IDT 13
    RESTORE_IDT 0x41
    RESTORE_IDT 1
    ret
