/*
 * debug_gd.S - DR7.GD, general detect (SDM vol. 3, 17.2.4): with GD set,
 * a MOV to or from a debug register is a #DB fault with DR6.BD, and the
 * processor clears GD on the way to the handler so that the handler may
 * use the debug registers (here the MOV then runs again and succeeds).
 */
#include "rt32.inc"

    .set DR6_BD, 0x2000

    BSS
    .balign 4
db_count:   .space 4
db_eip:     .space 4
db_dr6:     .space 4
db_dr7:     .space 4

    TEXT
db_handler:
    pushl %eax
    incl db_count
    movl 4(%esp), %eax
    movl %eax, db_eip
    movl %dr6, %eax
    andl $0xe00f, %eax
    movl %eax, db_dr6
    movl %dr7, %eax
    movl %eax, db_dr7
    xorl %eax, %eax
    movl %eax, %dr6
    popl %eax
    iret

    .globl guest_main
guest_main:
    SET_IDT 1, db_handler
    xorl %eax, %eax
    movl %eax, %dr6
    movl $0, db_count
    PRINT "debug: DR7.GD\n"
    movl $0x00002400, %eax      /* GD */
    movl %eax, %dr7
g1: movl %dr0, %eax             /* #DB fault; GD clear in the handler, so it reruns */
    CHKD db_count, 1, "GD: one #DB"
    CHKD db_eip, g1, "GD: fault at the MOV DR"
    CHKD db_dr6, DR6_BD, "GD: DR6.BD"
    CHKD db_dr7, 0x400, "GD: DR7.GD clear in the handler"

    movl $0x5a5a5a5a, %eax
    movl %eax, %dr0
    CHKD db_count, 1, "GD: no #DB once the handler cleared GD"
    movl %dr0, %eax
    CHKD %eax, 0x5a5a5a5a, "GD: DR0 written after GD cleared"
    RESTORE_IDT 1
    ret
