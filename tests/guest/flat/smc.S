/*
 * smc.S - self-modifying code (DESIGN.md invariant 3). On the P6 family a
 * store that hits an instruction already fetched or cached is seen by the
 * instructions that follow it (SDM vol. 3, 11.6), so: a store to the
 * immediate of the very next instruction, to the opcode of the next one,
 * REP STOSB writing over the code right after it, and code changed between
 * two runs of the same (cached) routine all execute the new bytes. The
 * routines live in .ramcode, which lib/rom.ld links into RAM with .data
 * and boot32 copies there, so they run at the addresses they are linked for.
 */
#include "rt32.inc"
#include "cases.inc"

    .section .ramcode, "awx"
/* smc_imm: patch the low byte of the next instruction's immediate with DL */
smc_imm:
    movb %dl, 1f + 1
1:  movl $0x33333333, %ecx
    ret
/* smc_op: turn the next instruction from inc eax (40) into dec eax (48) */
smc_op:
    movb $0x48, 1f
1:  incl %eax
    ret
/* smc_rep: rep stosb overwrites a ud2 that follows it with nops */
smc_rep:
    movl $smc_rep_ud2, %edi
    movb $0x90, %al
    movl $2, %ecx
    rep stosb
smc_rep_ud2:
    ud2
    ret
/* smc_far: a store into a later block of the same page, then a jump to it */
smc_far:
    movl $0x90909090, 2f
    jmp 1f
1:  nop
2:  ud2
    ud2
    movl $0x12345678, %eax
    ret

    TEXT
    .globl guest_main
guest_main:
    PRINT "smc: stores to the next instruction, rep stosb over code, reruns\n"
    movb $0x55, %dl
    call smc_imm
    CHKD %ecx, 0x33333355, "patch the next instruction's immediate"
    movb $0x66, %dl
    call smc_imm                        /* the same code, now cached */
    CHKD %ecx, 0x33333366, "patch it again on a rerun"
    movb $0x33, %dl
    call smc_imm
    CHKD %ecx, 0x33333333, "and back"
    movl $10, %eax
    call smc_op
    CHKD %eax, 9, "patch the next instruction's opcode (inc -> dec)"
    movb $0x40, smc_op + 7              /* put inc back from outside */
    movl $10, %eax
    movb $0x40, %cl
    call smc_op_check
    call smc_rep
    CHKD %edi, smc_rep_ud2+2, "rep stosb over the following ud2"
    call smc_far
    CHKD %eax, 0x12345678, "a store into a later block"
    ret

/* smc_op ran once already (as dec); the byte was reset to inc from outside,
 * and smc_op stores dec again before reaching it: still 9. */
smc_op_check:
    call smc_op
    CHKD %eax, 9, "rerun after an outside write"
    ret
