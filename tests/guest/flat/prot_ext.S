/*
 * prot_ext.S - the EXT bit (bit 0) of error codes (SDM vol. 3, 6.13): set
 * when the fault happened while delivering an event the program did not
 * cause by INT n, INT3 or INTO - here #UD from UD2 through a bad gate -
 * and clear for the same gate reached by INT 6: a not-present gate
 * (#NP(6 * 8 + 2 + EXT)), a not-present handler segment (#NP(selector +
 * EXT)), a handler selector beyond the GDT (#GP(selector + EXT)) and a
 * null one (#GP(EXT)).
 */
#include "rt32.inc"

    .set SEL_NP, 0x28               /* flat code, not present */

    .macro UD_GATE sel, access
    movl $exc_stubs32 + 6 * 16, %eax
    movw %ax, idt32 + 6 * 8
    movw $\sel, idt32 + 6 * 8 + 2
    movw $(\access << 8), idt32 + 6 * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + 6 * 8 + 6
    .endm

/* BOTH vector, error without EXT, "name": UD2 gives error | 1, INT 6
 * gives error. */
    .macro BOTH vec, err, name
    EXPECT_FAULT \vec, "\name: ud2", ud2
    CHKD trap_err, \err | 1, "\name: ud2: error code with EXT"
    EXPECT_FAULT \vec, "\name: int 6", int $6
    CHKD trap_err, \err, "\name: int 6: error code without EXT"
    .endm

    TEXT
    .globl guest_main
guest_main:
    PRINT "prot_ext: EXT in error codes\n"
    SET_DESC SEL_NP, 0, 0xfffff, ATTR_G | ATTR_D | 0x001b
    UD_GATE SEL_CODE32, 0x0e        /* not present */
    BOTH 11, 6*8+2, "gate not present"
    UD_GATE SEL_NP, 0x8e
    BOTH 11, SEL_NP, "handler segment not present"
    UD_GATE 0x1f8, 0x8e
    BOTH 13, 0x1f8, "handler selector beyond the GDT"
    UD_GATE 0, 0x8e
    BOTH 13, 0, "null handler selector"
    RESTORE_IDT 6
    ret
