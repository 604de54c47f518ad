/*
 * prot_v86.S - virtual-8086 mode (SDM vol. 3, chapter 20): entry by IRET
 * at CPL 0 with VM set in the image; 8086 segments there (CS:IP, SS:SP
 * from the image); INT n with IOPL 3 to a ring-0 handler through an
 * interrupt gate, with the stack switch and GS, FS, DS, ES pushed and
 * loaded null (SDM 6.12.1, 20.3.1.1); IRET from ring 0 back to the 8086
 * code; with IOPL 0 the IOPL-sensitive CLI, STI, PUSHF, POPF, INT n and
 * IRET raise #GP(0) (SDM 20.2.7), while INT3 does not.
 */
#include "rt32.inc"

    .set SEL_TSS, 0x28
    .set ROMB, 0xf0000
    .set R0_STACK, 0x80000
    .set V86_SS, 0x5000
    .set V86_SP, 0x1000
    .set VM, 0x20000
    .set IOPL3, 0x3000

    BSS
    .balign 16
tss:        .space 0x68
saved_esp:  .long 0
f_esp:      .long 0
f_frame:    .space 40
f_seg:      .space 16
f_vec:      .long 0
f_err:      .long 0
f_eip:      .long 0
v86_flags:  .long 0

    TEXT
/* enter_v86: run 8086 code at F000:(ebp - 0xF0000) with EFLAGS v86_flags
 * | VM, SS:SP 5000:1000, DS = ES = 0x6000, FS = GS = 0x7000, until a
 * handler below returns to the caller. Clobbers eax. */
enter_v86:
    movl %esp, saved_esp
    pushl $0x7000                   /* GS */
    pushl $0x7000                   /* FS */
    pushl $0x6000                   /* DS */
    pushl $0x6000                   /* ES */
    pushl $V86_SS
    pushl $V86_SP
    movl v86_flags, %eax
    orl $VM | 2, %eax
    pushl %eax
    pushl $0xf000
    leal -ROMB(%ebp), %eax
    pushl %eax
    iretl

/* back to enter_v86's caller with the ring-0 segments */
leave_v86:
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movl %ss:saved_esp, %esp
    ret

/* INT 0x80 from virtual-8086 mode: record the frame (9 dwords) and the
 * data segment registers as the handler finds them, IRET back. */
h_int80:
    movl %esp, %ss:f_esp
    movw %ds, %ss:f_seg
    movw %es, %ss:f_seg + 4
    movw %fs, %ss:f_seg + 8
    movw %gs, %ss:f_seg + 12
    pushl %esi
    movl $0, %esi
1:  movl %ss:4(%esp,%esi,4), %eax
    movl %eax, %ss:f_frame(,%esi,4)
    incl %esi
    cmpl $9, %esi
    jb 1b
    popl %esi
    iretl

h_exit:                             /* INT 0x81 */
    movl $0x81, %ss:f_vec
    jmp leave_v86
h_bp:                               /* INT3 */
    movl $3, %ss:f_vec
    jmp leave_v86
h_gp:                               /* #GP: error, EIP, CS, EFLAGS, ... */
    movl $13, %ss:f_vec
    popl %ss:f_err
    popl %ss:f_eip
    jmp leave_v86

/* ---- 8086 code (CS = 0xF000) ----------------------------------------- */
    .code16
v86_int80:
    movw $0x1234, %ax
    int $0x80
v86_after80:
    movw %ds, %bx                   /* IRET restored DS */
    movw %ss, %cx
    movw %sp, %dx
    int $0x81

v86_cli: cli
    int $0x81
v86_sti: sti
    int $0x81
v86_pushf: pushf
    int $0x81
v86_popf: popf
    int $0x81
v86_int: int $0x80
    int $0x81
v86_iret: iret
    int $0x81
v86_int3: int3
    int $0x81
    .code32

    .macro GATE vec, handler, access
    movl $\handler, %eax
    movw %ax, idt32 + \vec * 8
    movw $SEL_CODE32, idt32 + \vec * 8 + 2
    movw $(\access << 8), idt32 + \vec * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + \vec * 8 + 6
    .endm

/* GP_AT label, "name": with IOPL 0, the 8086 instruction at label faults */
    .macro GP_AT label, name
    movl $0, f_vec
    movl $\label, %ebp
    call enter_v86
    CHKD f_vec, 13, "\name with IOPL 0: #GP"
    CHKD f_err, 0, "\name with IOPL 0: error code"
    CHKD f_eip, \label-ROMB, "\name with IOPL 0: saved IP"
    .endm

    .globl guest_main
guest_main:
    PRINT "prot_v86: TSS, IDT\n"
    SET_DESC SEL_TSS, tss, 0x67, 0x0089
    movl $R0_STACK, tss + 4
    movl $SEL_DATA32, tss + 8
    movw $0x68, tss + 0x66
    movw $SEL_TSS, %ax
    ltr %ax
    GATE 0x80, h_int80, 0xee
    GATE 0x81, h_exit, 0xee
    GATE 3, h_bp, 0xee
    GATE 13, h_gp, 0x8e

    PRINT "prot_v86: IRET to virtual-8086 mode, INT n to ring 0 and back\n"
    movl $IOPL3, v86_flags
    movl $v86_int80, %ebp
    call enter_v86
    CHKD f_vec, 0x81, "left through int 0x81"
    CHKD f_esp, R0_STACK-36, "ring-0 ESP: 9 dwords pushed"
    CHKD f_frame, v86_after80-ROMB, "pushed EIP"
    CHKD f_frame+4, 0xf000, "pushed CS"
    CHKM f_frame+8, 0x3002, 0x3002, "pushed EFLAGS (low half)"
    CHKM f_frame+8+2, VM>>16, VM>>16, "pushed EFLAGS: VM (high half)"
    CHKD f_frame+12, V86_SP, "pushed ESP"
    CHKD f_frame+16, V86_SS, "pushed SS"
    CHKD f_frame+20, 0x6000, "pushed ES"
    CHKD f_frame+24, 0x6000, "pushed DS"
    CHKD f_frame+28, 0x7000, "pushed FS"
    CHKD f_frame+32, 0x7000, "pushed GS"
    CHKD f_seg, 0, "handler: DS null"
    CHKD f_seg+4, 0, "handler: ES null"
    CHKD f_seg+8, 0, "handler: FS null"
    CHKD f_seg+12, 0, "handler: GS null"
    CHKW %bx, 0x6000, "back in 8086 code: DS"
    CHKW %cx, V86_SS, "back in 8086 code: SS"
    CHKW %dx, V86_SP, "back in 8086 code: SP"

    PRINT "prot_v86: IOPL-sensitive instructions with IOPL 0\n"
    movl $0, v86_flags
    GP_AT v86_cli, "cli"
    GP_AT v86_sti, "sti"
    GP_AT v86_pushf, "pushf"
    GP_AT v86_popf, "popf"
    GP_AT v86_int, "int 0x80"
    GP_AT v86_iret, "iret"
    movl $0, f_vec
    movl $v86_int3, %ebp
    call enter_v86
    CHKD f_vec, 3, "int3 with IOPL 0: not IOPL-sensitive"
    RESTORE_IDT 3
    RESTORE_IDT 13
    ret
