/*
 * limits.S - the #GP and #SS a real-mode access beyond offset 0xffff
 * raises (SDM vol. 3, 21.1.1 and table 21-2; the segment limit is 0xffff
 * in real mode, and a word or dword that does not fit below it faults
 * rather than wrapping on the 80286 and later): #SS for accesses through
 * SS (BP/EBP/ESP based, PUSH/POP), #GP for the others. The faults are
 * precise: registers and SP are as before the instruction.
 *
 * Known QEMU difference: QEMU's TCG does not check real-mode segment
 * limits, so this test fails there (tests/scripts/guest-qemu.sh lists it).
 */
#include "rt16.inc"
#include "cases.inc"

    TEXT
    .globl test_main
test_main:
    PRINT "limits: #GP for DS accesses beyond 0xffff\n"
    movw $0xffff, %bx
    movb (%bx), %al                     /* a byte at 0xffff fits */
    EXPECT_FAULT 13, "word at ds:ffff", movw (%bx), %ax
    movw $0xfffd, %bx
    EXPECT_FAULT 13, "dword at ds:fffd", movl (%bx), %eax
    movw $0xfffc, %bx
    movl (%bx), %eax                    /* a dword at 0xfffc fits */
    EXPECT_FAULT 13, "byte at ds:10000 (a32 moffs)", .byte 0x67, 0xa0, 0x00, 0x00, 0x01, 0x00
    movl $0x0000fff0, %ebx
    movl $0x12345678, %eax
    EXPECT_FAULT 13, "write at ds:ebx+0x10 (a32)", addr32 movb %al, 0x10(%ebx)
    CHKD %eax, 0x12345678, "a32 write: eax kept"
    movl $0x00010000, %esi
    EXPECT_FAULT 13, "addr32 lodsb at esi=0x10000", addr32 lodsb
    CHKD %esi, 0x00010000, "addr32 lodsb: esi kept"
    movw $0xffff, %si
    movw $0x1000, %di
    EXPECT_FAULT 13, "movsw from ds:ffff", movsw
    CHKW %si, 0xffff, "movsw: si kept"
    CHKW %di, 0x1000, "movsw: di kept"
    movw $0xffff, %di
    EXPECT_FAULT 13, "stosw at es:ffff", stosw

    PRINT "limits: #SS for stack accesses beyond 0xffff\n"
    movw $0xffff, %bp
    EXPECT_FAULT 12, "word at ss:ffff (bp)", movw (%bp), %ax
    movl $0x0000ffff, %ebp
    EXPECT_FAULT 12, "word at ss:ffff (a32 ebp)", addr32 movw (%ebp), %ax
    EXPECT_FAULT 13, "ds: override on bp", movw %ds:(%bp), %ax
    movw %sp, %di
    movw $0xffff, %sp
    TRAP_EXPECT 1f
2:  popw %ax                            /* a word at ss:ffff */
    movw $0, %ss:trap_resume
1:  movw %sp, %cx
    movw %di, %sp
    CHKW %ss:trap_vector, 12, "pop at sp=0xffff: #SS"
    CHKW %ss:trap_ip, 2b, "pop at sp=0xffff: saved IP"
    CHKW %cx, 0xffff, "pop at sp=0xffff: sp kept"
    ret
