/*
 * prot_arpl_ro.S - ARPL with a memory destination in a read-only data
 * segment when the RPL is not raised (issue 3, part B.1): no fault, the
 * memory and ZF = 0 as they were. The SDM's Operation section writes DEST
 * only when it raises the RPL, and its "#GP(0) if the destination is in a
 * non-writable segment" describes that write; test386.asm, checked on a
 * real 386, expects no fault here (Bochs faults, which test386 lists as a
 * Bochs difference). A raised RPL in a read-only segment still faults on
 * ringside; QEMU checks no data-segment rights at all, so that case is
 * left out of this ROM rather than disagree with it.
 */
#include "rt32.inc"

    .set SEL_RO, 0x28           /* flat read-only data */

    BSS
    .balign 16
arpl_word:  .word 0
    .balign 4
arpl_flags: .long 0

    TEXT
    .globl guest_main
guest_main:
    PRINT "prot_arpl_ro: arpl [mem] in a read-only segment, RPL not raised\n"
    SET_DESC SEL_RO, 0, 0xfffff, ATTR_G | ATTR_D | ATTR_DATA_RO
    movw $0x0013, arpl_word
    movl $0x0001, %ebx
    movl $SEL_RO, %eax
    movw %ax, %ds
    SETF ZF
    arpl %bx, arpl_word         /* RPL 3 >= 1: nothing written, no #GP */
    pushfl
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    popl arpl_flags
    CHKW arpl_word, 0x0013, "arpl [ro mem] 0x13,1: memory unchanged"
    CHKM arpl_flags, ZF, 0, "arpl [ro mem] 0x13,1: ZF clear"
    movl $0x0003, %ebx
    movl $SEL_RO, %eax
    movw %ax, %ds
    arpl %bx, arpl_word         /* equal RPLs: not raised either */
    pushfl
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    popl arpl_flags
    CHKW arpl_word, 0x0013, "arpl [ro mem] 0x13,3: memory unchanged"
    CHKM arpl_flags, ZF, 0, "arpl [ro mem] 0x13,3: ZF clear"

    ret
