/*
 * mmx_alias.S - the parts of MMX's x87 aliasing that QEMU 7.2 does not
 * model (a known QEMU difference in tests/scripts/guest-qemu.sh):
 *  - an MMX instruction that writes MMn sets bits 64-79 (sign and
 *    exponent) of physical register Rn to ones (SDM vol. 1, 9.5.1 and
 *    table 9-1), seen through FXSAVE and FSTP m80;
 *  - with an unmasked x87 exception pending and CR0.NE = 1 an MMX
 *    instruction raises #MF (SDM vol. 2, e.g. PADDB, "#MF If there is a
 *    pending FPU exception"), and changes nothing.
 *  - EMMS raises #NM with CR0.TS and #UD with CR0.EM (SDM vol. 2, EMMS).
 * The rest of MMX is in flat/mmx.S.
 */
#include "rt32.inc"
#include "cases.inc"

    BSS
    .balign 16
q:      .space 16
cw:     .space 4
env:    .space 28
    .balign 16
fxbuf:  .space 512

    TEXT
    .globl guest_main
guest_main:
    PRINT "mmx_alias: exponent bits of an MMX write\n"
    fninit
    movl $0x11111111, q
    movl $0x22222222, q+4
    movq q, %mm3                        /* R3 = ffff:2222222211111111 */
    movd q, %mm0                        /* R0 = ffff:0000000011111111 */
    fxsave fxbuf
    CHKD fxbuf+32+3*16, 0x11111111, "fxsave: MM3 significand low"
    CHKD fxbuf+32+3*16+4, 0x22222222, "fxsave: MM3 significand high"
    CHKW fxbuf+32+3*16+8, 0xffff, "fxsave: MM3 bits 64-79 all ones"
    CHKW fxbuf+32+8, 0xffff, "fxsave: MM0 (movd) bits 64-79 all ones"
    fstpt q                             /* ST0 = R0 after the MMX op (TOP 0) */
    CHKD q, 0x11111111, "fstp m80 of R0: significand low"
    CHKD q+4, 0, "fstp m80 of R0: significand high"
    CHKW q+8, 0xffff, "fstp m80 of R0: sign and exponent"
    emms

    PRINT "mmx_alias: #MF for a pending x87 exception\n"
    movl %cr0, %esi
    movl %esi, %eax
    orl $0x0020, %eax                   /* NE: native #MF */
    movl %eax, %cr0
    fninit
    movw $0x037b, cw                    /* ZE unmasked */
    fldcw cw
    fld1
    fldz
    fdivr %st(1), %st                   /* 1 / 0: ZE pends, ES set */
    EXPECT_FAULT 16, "paddb with ZE pending", paddb %mm0, %mm1
    EXPECT_FAULT 16, "emms with ZE pending", emms
    fnstenv env
    CHKM env+4, 0x3800, 0x3000, "after #MF: TOP still 6"
    fnclex
    emms
    movl %esi, %cr0

    PRINT "mmx_alias: emms with CR0.TS, CR0.EM\n"
    movl %esi, %eax
    orl $0x0008, %eax                   /* TS */
    movl %eax, %cr0
    EXPECT_FAULT 7, "TS: emms", emms
    movl %esi, %eax
    orl $0x0004, %eax                   /* EM */
    movl %eax, %cr0
    EXPECT_FAULT 6, "EM: emms", emms
    movl %esi, %cr0
    ret
