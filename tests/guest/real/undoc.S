/*
 * undoc.S - undocumented encodings a Pentium II runs: TEST's /1 aliases
 * (f6 /1, f7 /1; AMD documents them as TEST) and INT1/ICEBP (f1), which
 * raises #DB (vector 1) as a trap: the saved IP is the next instruction.
 * (SALC d6, the 82 alias of 80 and SAL's /6 alias are in alu/shift.)
 *
 * Known QEMU difference: QEMU 7.2 raises #UD for f6 /1, f7 /1 and f1, so
 * this test fails there (tests/scripts/guest-qemu.sh lists it).
 */
#include "rt16.inc"
#include "cases.inc"

    .set LOGIC, ARITH & ~AF

    TEXT
    .globl test_main
test_main:
    PRINT "undoc: test /1 aliases (f6 /1, f7 /1)\n"
    movb $0x03, %bl
    SETF CF|OF
    .byte 0xf6, 0xcb, 0x04              /* f6 /1: test bl, 4 */
    CHKF LOGIC, ZF|PF, "test bl,4 (f6 /1)"
    SETF 0
    .byte 0xf6, 0xcb, 0x82              /* test bl, 0x82 */
    CHKF LOGIC, 0, "test bl,0x82 (f6 /1)"
    movl $0x80008000, %ebx
    SETF 0
    .byte 0xf7, 0xcb                    /* f7 /1: test bx, 0x8000 */
    .word 0x8000
    CHKF LOGIC, SF|PF, "test bx,0x8000 (f7 /1)"
    SETF 0
    .byte 0x66, 0xf7, 0xcb              /* f7 /1: test ebx, 0x00008000 */
    .long 0x00008000
    CHKF LOGIC, PF, "test ebx,0x8000 (66 f7 /1)"
    CHKD %ebx, 0x80008000, "test /1: ebx kept"

    PRINT "undoc: int1 (f1) -> #DB, a trap\n"
    TRAP_EXPECT 1f
    .byte 0xf1
2:  movw $0, %ss:trap_resume
1:  CHKW %ss:trap_vector, 1, "int1: vector"
    CHKW %ss:trap_ip, 2b, "int1: saved IP (the next instruction)"
    ret
