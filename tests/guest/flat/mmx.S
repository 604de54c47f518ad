/*
 * mmx.S - the MMX instructions and FXSAVE/FXRSTOR in flat protected mode.
 *
 * Every expected value is worked out by hand from the SDM (vol. 2, each
 * instruction's Operation section): wrap-around and saturation at both ends
 * of the signed and unsigned ranges, shift counts of the lane width and
 * more (logical: zero; arithmetic: the sign), 64-bit counts. The x87
 * aliasing (SDM vol. 1 9.5): MMn is the significand of physical register
 * Rn, every MMX instruction sets TOP to 0 and tags all registers valid,
 * EMMS tags them empty. (An MMX write also sets Rn's bits 64-79 to ones,
 * and a pending x87 exception makes an MMX instruction raise #MF: QEMU 7.2
 * does neither, nor faults EMMS for CR0.TS/EM, so flat/mmx_alias.S checks
 * those.) FXSAVE's image (SDM vol. 2, FXSAVE, the
 * non-64-bit layout): FCW, FSW, the abridged tag byte, ST0-ST7 in 16-byte
 * slots; MXCSR (bytes 24-31) is left unwritten on this CPU, which has no
 * SSE (QEMU does the same with CR4.OSFXSR clear). FIP, FDP and FOP are not
 * checked: QEMU 7.2 stores them differently. Faults: #GP for an image not
 * 16-byte aligned, #NM with CR0.TS, #UD with CR0.EM, #UD for the SSE forms
 * that a 66, F2 or F3 prefix selects.
 */
#include "rt32.inc"
#include "cases.inc"

    BSS
    .balign 16
qa:     .space 8
qb:     .space 8
qr:     .space 8
env:    .space 28
    .balign 16
fxbuf:  .space 512

    TEXT

/* MT insn, dhi, dlo, shi, slo, rhi, rlo, name: insn with MM1 = s, MM0 = d
 * (register form), then with s in memory and MM2 = d (memory form). */
    .macro MT insn, dhi, dlo, shi, slo, rhi, rlo, name
    movl $\dlo, qa
    movl $\dhi, qa+4
    movl $\slo, qb
    movl $\shi, qb+4
    movq qa, %mm0
    movq qb, %mm1
    \insn %mm1, %mm0
    movq %mm0, qr
    CHKD qr, \rlo, "\name: low"
    CHKD qr+4, \rhi, "\name: high"
    movq qa, %mm2
    \insn qb, %mm2
    movq %mm2, qr
    CHKD qr, \rlo, "\name [mem]: low"
    CHKD qr+4, \rhi, "\name [mem]: high"
    .endm

/* MI insn, count, dhi, dlo, rhi, rlo, name: a shift by an immediate, MM3. */
    .macro MI insn, count, dhi, dlo, rhi, rlo, name
    movl $\dlo, qa
    movl $\dhi, qa+4
    movq qa, %mm3
    \insn $\count, %mm3
    movq %mm3, qr
    CHKD qr, \rlo, "\name: low"
    CHKD qr+4, \rhi, "\name: high"
    .endm

/* CHKMM mm, hi, lo, name */
    .macro CHKMM mm, hi, lo, name
    movq \mm, qr
    CHKD qr, \lo, "\name: low"
    CHKD qr+4, \hi, "\name: high"
    .endm

    .globl guest_main
guest_main:
    fninit
    PRINT "mmx: padd psub (wrap and saturation)\n"
    MT paddb, 0x01020304, 0x7f80ffff, 0x10203040, 0x01800101, 0x11223344, 0x80000000, paddb
    MT paddsb, 0x01020304, 0x7f80ffff, 0x10203040, 0x01800101, 0x11223344, 0x7f800000, paddsb
    MT paddusb, 0x01020304, 0x7f80ffff, 0x10203040, 0x01800101, 0x11223344, 0x80ffffff, paddusb
    MT psubb, 0, 0x807f05fb, 0, 0x01ff0a05, 0, 0x7f80fbf6, psubb
    MT psubsb, 0, 0x807f05fb, 0, 0x01ff0a05, 0, 0x807ffbf6, psubsb
    MT psubusb, 0, 0x807f05fb, 0, 0x01ff0a05, 0, 0x7f0000f6, psubusb
    MT paddw, 0x7fff8000, 0xffff0001, 0x00018000, 0x00010001, 0x80000000, 0x00000002, paddw
    MT paddsw, 0x7fff8000, 0xffff0001, 0x00018000, 0x00010001, 0x7fff8000, 0x00000002, paddsw
    MT paddusw, 0x7fff8000, 0xffff0001, 0x00018000, 0x00010001, 0x8000ffff, 0xffff0002, paddusw
    MT psubw, 0x7fff8000, 0xffff0001, 0x00018000, 0x00010001, 0x7ffe0000, 0xfffe0000, psubw
    MT psubsw, 0x80007fff, 0x00050000, 0x0001ffff, 0x000a0001, 0x80007fff, 0xfffbffff, psubsw
    MT psubusw, 0x80007fff, 0x00050000, 0x0001ffff, 0x000a0001, 0x7fff0000, 0x00000000, psubusw
    MT paddd, 0xffffffff, 0x7fffffff, 0x00000001, 0x00000001, 0x00000000, 0x80000000, paddd
    MT psubd, 0x00000000, 0x80000000, 0x00000001, 0x00000001, 0xffffffff, 0x7fffffff, psubd

    PRINT "mmx: pcmpeq pcmpgt\n"
    MT pcmpeqb, 0x01020304, 0x05060708, 0x01ff0304, 0x00060700, 0xff00ffff, 0x00ffff00, pcmpeqb
    MT pcmpeqw, 0x12345678, 0x9abcdef0, 0x12340000, 0x9abcdef0, 0xffff0000, 0xffffffff, pcmpeqw
    MT pcmpeqd, 0x12345678, 0x9abcdef0, 0x12345678, 0x9abcdef1, 0xffffffff, 0x00000000, pcmpeqd
    MT pcmpgtb, 0x7f80ff01, 0x00000000, 0x807f0001, 0xffffffff, 0xff000000, 0xffffffff, pcmpgtb
    MT pcmpgtw, 0x80007fff, 0x0001ffff, 0x7fff8000, 0x00000000, 0x0000ffff, 0xffff0000, pcmpgtw
    MT pcmpgtd, 0x80000000, 0x00000001, 0x7fffffff, 0xffffffff, 0x00000000, 0xffffffff, pcmpgtd

    PRINT "mmx: pmullw pmulhw pmaddwd\n"
    MT pmullw, 0x80007fff, 0xffff1234, 0x00027fff, 0xffff0010, 0x00000001, 0x00012340, pmullw
    MT pmulhw, 0x80007fff, 0xffff1234, 0x00027fff, 0xffff0010, 0xffff3fff, 0x00000001, pmulhw
    MT pmaddwd, 0x80008000, 0x00020003, 0x80008000, 0x0004ffff, 0x80000000, 0x00000005, pmaddwd

    PRINT "mmx: pand pandn por pxor\n"
    MT pand, 0xf0f0ff00, 0x12345678, 0xff00f0f0, 0x0f0f0f0f, 0xf000f000, 0x02040608, pand
    MT pandn, 0xf0f0ff00, 0x12345678, 0xff00f0f0, 0x0f0f0f0f, 0x0f0000f0, 0x0d0b0907, pandn
    MT por, 0xf0f0ff00, 0x12345678, 0xff00f0f0, 0x0f0f0f0f, 0xfff0fff0, 0x1f3f5f7f, por
    MT pxor, 0xf0f0ff00, 0x12345678, 0xff00f0f0, 0x0f0f0f0f, 0x0ff00ff0, 0x1d3b5977, pxor

    PRINT "mmx: punpck pack\n"
    MT punpcklbw, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb3a3b2a2, 0xb1a1b0a0, punpcklbw
    MT punpckhbw, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb7a7b6a6, 0xb5a5b4a4, punpckhbw
    MT punpcklwd, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb3b2a3a2, 0xb1b0a1a0, punpcklwd
    MT punpckhwd, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb7b6a7a6, 0xb5b4a5a4, punpckhwd
    MT punpckldq, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb3b2b1b0, 0xa3a2a1a0, punpckldq
    MT punpckhdq, 0xa7a6a5a4, 0xa3a2a1a0, 0xb7b6b5b4, 0xb3b2b1b0, 0xb7b6b5b4, 0xa7a6a5a4, punpckhdq
    MT packsswb, 0x7fff0080, 0xff7f0001, 0x8000ff80, 0x007fffff, 0x80807fff, 0x7f7f8001, packsswb
    MT packuswb, 0x7fff0080, 0xff7f0001, 0x8000ff80, 0x007fffff, 0x00007f00, 0xff800001, packuswb
    MT packssdw, 0x00008000, 0xffff7fff, 0x80000000, 0x00001234, 0x80001234, 0x7fff8000, packssdw

    PRINT "mmx: shifts by a register or memory count\n"
    MT psllw, 0x80014002, 0x0001ffff, 0, 1, 0x00028004, 0x0002fffe, psllw_1
    MT psllw, 0x80014002, 0x0001ffff, 0, 15, 0x80000000, 0x80008000, psllw_15
    MT psllw, 0x80014002, 0x0001ffff, 0, 16, 0, 0, psllw_16
    MT psrlw, 0x80014002, 0x0001ffff, 0, 1, 0x40002001, 0x00007fff, psrlw_1
    MT psrlw, 0x80014002, 0x0001ffff, 1, 0, 0, 0, psrlw_2^32
    MT psraw, 0x80014002, 0x0001ffff, 0, 1, 0xc0002001, 0x0000ffff, psraw_1
    MT psraw, 0x80014002, 0x0001ffff, 0, 100, 0xffff0000, 0x0000ffff, psraw_100
    MT psraw, 0x80014002, 0x0001ffff, 0x80000000, 0, 0xffff0000, 0x0000ffff, psraw_2^63
    MT pslld, 0x80000001, 0x00000003, 0, 4, 0x00000010, 0x00000030, pslld_4
    MT pslld, 0x80000001, 0x00000003, 0, 32, 0, 0, pslld_32
    MT psrld, 0x80000001, 0x00000003, 0, 4, 0x08000000, 0x00000000, psrld_4
    MT psrld, 0x80000001, 0x00000003, 0, 32, 0, 0, psrld_32
    MT psrad, 0x80000001, 0x00000003, 0, 4, 0xf8000000, 0x00000000, psrad_4
    MT psrad, 0x80000001, 0x00000003, 0, 32, 0xffffffff, 0, psrad_32
    MT psllq, 0x80000001, 0x00000003, 0, 4, 0x00000010, 0x00000030, psllq_4
    MT psllq, 0x80000001, 0x00000003, 0, 33, 0x00000006, 0, psllq_33
    MT psllq, 0x80000001, 0x00000003, 0, 64, 0, 0, psllq_64
    MT psrlq, 0x80000001, 0x00000003, 0, 4, 0x08000000, 0x10000000, psrlq_4
    MT psrlq, 0x80000001, 0x00000003, 0, 63, 0, 1, psrlq_63
    MT psrlq, 0x80000001, 0x00000003, 0, 64, 0, 0, psrlq_64

    PRINT "mmx: shifts by an immediate\n"
    MI psllw, 1, 0x80014002, 0x0001ffff, 0x00028004, 0x0002fffe, psllw_imm1
    MI psllw, 16, 0x80014002, 0x0001ffff, 0, 0, psllw_imm16
    MI psrlw, 1, 0x80014002, 0x0001ffff, 0x40002001, 0x00007fff, psrlw_imm1
    MI psrlw, 255, 0x80014002, 0x0001ffff, 0, 0, psrlw_imm255
    MI psraw, 1, 0x80014002, 0x0001ffff, 0xc0002001, 0x0000ffff, psraw_imm1
    MI psraw, 16, 0x80014002, 0x0001ffff, 0xffff0000, 0x0000ffff, psraw_imm16
    MI pslld, 4, 0x80000001, 0x00000003, 0x00000010, 0x00000030, pslld_imm4
    MI pslld, 32, 0x80000001, 0x00000003, 0, 0, pslld_imm32
    MI psrld, 4, 0x80000001, 0x00000003, 0x08000000, 0x00000000, psrld_imm4
    MI psrad, 4, 0x80000001, 0x00000003, 0xf8000000, 0x00000000, psrad_imm4
    MI psrad, 200, 0x80000001, 0x00000003, 0xffffffff, 0, psrad_imm200
    MI psllq, 4, 0x80000001, 0x00000003, 0x00000010, 0x00000030, psllq_imm4
    MI psllq, 63, 0x80000001, 0x00000003, 0x80000000, 0, psllq_imm63
    MI psrlq, 4, 0x80000001, 0x00000003, 0x08000000, 0x10000000, psrlq_imm4
    MI psrlq, 64, 0x80000001, 0x00000003, 0, 0, psrlq_imm64

    PRINT "mmx: movd movq\n"
    movl $0xdeadbeef, qa+4
    movl $0x12345678, %eax
    movd %eax, %mm4                     /* zero-extends */
    CHKMM %mm4, 0, 0x12345678, "movd mm,r32"
    movl $0x9abcdef0, qb
    movd qb, %mm5
    CHKMM %mm5, 0, 0x9abcdef0, "movd mm,m32"
    movd %mm5, %ebx
    CHKD %ebx, 0x9abcdef0, "movd r32,mm"
    movl $0, qr+4
    movd %mm4, qr+4
    CHKD qr+4, 0x12345678, "movd m32,mm"
    movl $0x11111111, qb
    movl $0x22222222, qb+4
    movq qb, %mm6
    movq %mm6, qr
    CHKD qr, 0x11111111, "movq m64,mm: low"
    CHKD qr+4, 0x22222222, "movq m64,mm: high"
    .byte 0x0f, 0x7f, 0xf7              /* movq %mm6, %mm7 (0F 7F, register form) */
    CHKMM %mm7, 0x22222222, 0x11111111, "movq mm,mm (0f 7f)"
    movq %mm4, %mm7                     /* 0F 6F register form */
    CHKMM %mm7, 0, 0x12345678, "movq mm,mm (0f 6f)"

    PRINT "mmx: x87 aliasing\n"
    fninit
    movq qb, %mm0                       /* write all eight: bits 64-79 become ones */
    movq qb, %mm1
    movq qb, %mm2
    movq qb, %mm3
    movq qb, %mm4
    movq qb, %mm5
    movq qb, %mm6
    movq qb, %mm7
    fnstenv env
    CHKW env+8, 0xaaaa, "fnstenv after mmx writes: tags all special"
    CHKM env+4, 0x3800, 0, "fnstenv after mmx writes: TOP 0"
    fxsave fxbuf
    CHKW fxbuf+4, 0x00ff, "fxsave after mmx: abridged tags all valid"
    CHKD fxbuf+32+3*16, 0x11111111, "fxsave: MM3 significand low"
    CHKD fxbuf+32+3*16+4, 0x22222222, "fxsave: MM3 significand high"
    emms
    fnstenv env
    CHKW env+8, 0xffff, "fnstenv after emms: all empty"
    CHKM env+4, 0x3800, 0, "fnstenv after emms: TOP 0"
    fninit
    fld1                                /* R7 = 1.0, TOP = 7 */
    movq %mm7, qr                       /* reads R7: TOP 0, all valid */
    CHKD qr, 0, "mm7 = R7 = 1.0: significand low"
    CHKD qr+4, 0x80000000, "mm7 = R7 = 1.0: significand high"
    fnstenv env
    CHKW env+8, 0x2aaa, "fnstenv after mmx read: R7 valid, R0-R6 special"
    CHKM env+4, 0x3800, 0, "fnstenv after mmx read: TOP 0"
    emms

    PRINT "fxsave fxrstor\n"
    movl $0x5a5a5a5a, fxbuf+24          /* MXCSR, MXCSR_MASK: not written */
    movl $0x5a5a5a5a, fxbuf+28
    fninit
    movw $0x027f, qa
    fldcw qa
    fld1
    fldz                                /* TOP 6: ST0 = R6 = 0, ST1 = R7 = 1 */
    fxsave fxbuf
    CHKW fxbuf, 0x027f, "fxsave: FCW"
    CHKW fxbuf+2, 0x3000, "fxsave: FSW (TOP 6)"
    CHKW fxbuf+4, 0x00c0, "fxsave: abridged FTW R6 R7"
    CHKD fxbuf+24, 0x5a5a5a5a, "fxsave: MXCSR left alone"
    CHKD fxbuf+28, 0x5a5a5a5a, "fxsave: MXCSR_MASK left alone"
    CHKD fxbuf+32, 0, "fxsave: ST0 significand low"
    CHKD fxbuf+32+4, 0, "fxsave: ST0 significand high"
    CHKW fxbuf+32+8, 0, "fxsave: ST0 exponent"
    CHKD fxbuf+48, 0, "fxsave: ST1 significand low"
    CHKD fxbuf+48+4, 0x80000000, "fxsave: ST1 significand high"
    CHKW fxbuf+48+8, 0x3fff, "fxsave: ST1 exponent"
    /* Restore an image with TOP 0 and only R0 valid, holding 2.0. */
    movw $0x037f, fxbuf
    movw $0x0000, fxbuf+2
    movw $0x0001, fxbuf+4
    movl $0, fxbuf+32
    movl $0x80000000, fxbuf+32+4
    movw $0x4000, fxbuf+32+8
    fninit
    fxrstor fxbuf
    fnstenv env
    CHKW env, 0x037f, "fxrstor: FCW"
    CHKW env+8, 0xfffc, "fxrstor: tags (R0 valid)"
    CHKM env+4, 0x3800, 0, "fxrstor: TOP 0"
    fistpl qr
    CHKD qr, 2, "fxrstor: ST0 = 2.0"

    PRINT "mmx, fxsave: faults\n"
    EXPECT_FAULT 13, "fxsave misaligned", fxsave fxbuf+8
    EXPECT_FAULT 13, "fxrstor misaligned", fxrstor fxbuf+4
    EXPECT_FAULT 6, "66 paddb (sse2)", .byte 0x66, 0x0f, 0xfc, 0xc1
    EXPECT_FAULT 6, "f3 paddb", .byte 0xf3, 0x0f, 0xfc, 0xc1
    EXPECT_FAULT 6, "f2 psubw", .byte 0xf2, 0x0f, 0xf9, 0xc1
    EXPECT_FAULT 6, "66 movd (sse2)", .byte 0x66, 0x0f, 0x6e, 0xc0
    EXPECT_FAULT 6, "f3 movq xmm (sse2)", .byte 0xf3, 0x0f, 0x7e, 0xc1
    movl %cr0, %esi
    movl %esi, %eax
    orl $0x0008, %eax                   /* TS */
    movl %eax, %cr0
    EXPECT_FAULT 7, "TS: paddb", paddb %mm1, %mm0
    EXPECT_FAULT 7, "TS: fxsave", fxsave fxbuf
    EXPECT_FAULT 7, "TS: fxrstor", fxrstor fxbuf
    movl %esi, %eax
    orl $0x0004, %eax                   /* EM */
    movl %eax, %cr0
    EXPECT_FAULT 6, "EM: movq", movq %mm0, %mm1
    EXPECT_FAULT 7, "EM: fxsave", fxsave fxbuf
    movl %esi, %cr0
    emms
    ret
