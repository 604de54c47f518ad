/*
 * prot_vme.S - virtual-8086 mode extensions (CR4.VME, SDM vol. 3, 20.3)
 * and protected-mode virtual interrupts (CR4.PVI, 20.4): with IOPL 0 in
 * virtual-8086 mode, CLI and STI change VIF; a 16-bit PUSHF shows VIF as
 * IF and IOPL as 3; POPF and IRET load IF's bit into VIF; INT n whose bit
 * is clear in the TSS's interrupt redirection bitmap goes through the
 * 8086 IVT, and one whose bit is set raises #GP(0); STI with VIP set, and
 * a 32-bit PUSHF, raise #GP(0); at CPL 3 with PVI, CLI and STI change VIF.
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
tss:        .space 0x90
saved_esp:  .long 0
f_esp:      .long 0
f_frame:    .space 40
f_seg:      .space 16
f_vec:      .long 0
f_err:      .long 0
f_eip:      .long 0
v86_flags:  .long 0
f_eflags:   .long 0

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

h_bp:                               /* INT3: record EFLAGS, leave */
    movl $3, %ss:f_vec
    movl %ss:8(%esp), %eax
    movl %eax, %ss:f_eflags
    jmp leave_v86
h_gp:                               /* #GP: error, EIP, CS, EFLAGS, ... */
    movl $13, %ss:f_vec
    popl %ss:f_err
    popl %ss:f_eip
    jmp leave_v86

/* ---- 8086 code (CS = 0xF000) ----------------------------------------- */
    .code16
v86_vme:
    sti                             /* VIF = 1 */
    pushf
    popw %bx
    cli                             /* VIF = 0 */
    pushf
    popw %cx
    movw $0x0200, %ax
    pushw %ax
    popf                            /* VIF = 1 */
    pushf
    popw %dx
    int $0x40                       /* redirected to the 8086 IVT */
    int3
v86_h40:
    movw %sp, %bp
    movw 4(%bp), %si                /* the FLAGS image */
    pushf
    popw %di                        /* IF here is VIF: cleared */
    iret
v86_sti: sti
    int3
v86_pushfd: pushfl
    int3
v86_int41: int $0x41
    int3
    .code32

/* enter_r3: r3_pvi at CPL 3 with VIF set, IOPL 0, until its int3 */
enter_r3:
    movl %esp, saved_esp
    pushl $0x3b
    pushl $0x70000
    pushl $VIF | 0x0002
    pushl $0x33
    pushl $r3_pvi
    iretl

/* ring-3 code for PVI: CLI, then STI, with the EFLAGS of each */
r3_pvi:
    cli
    pushfl
    popl %ebx
    sti
    pushfl
    popl %ecx
    int3

    .macro GATE vec, handler, access
    movl $\handler, %eax
    movw %ax, idt32 + \vec * 8
    movw $SEL_CODE32, idt32 + \vec * 8 + 2
    movw $(\access << 8), idt32 + \vec * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + \vec * 8 + 6
    .endm

    .macro GP_AT label, name
    movl $0, f_vec
    movl $\label, %ebp
    call enter_v86
    CHKD f_vec, 13, "\name: #GP"
    CHKD f_err, 0, "\name: error code"
    CHKD f_eip, \label-ROMB, "\name: saved IP"
    .endm

    .set VIF, 0x80000
    .set VIP, 0x100000

    .globl guest_main
guest_main:
    PRINT "prot_vme: TSS with a redirection bitmap, IDT, CR4.VME\n"
    SET_DESC SEL_TSS, tss, 0x8f, 0x0089
    movl $R0_STACK, tss + 4
    movl $SEL_DATA32, tss + 8
    movw $0x88, tss + 0x66          /* redirection bitmap at 0x68-0x87 */
    movb $0x02, tss + 0x68 + 0x41 / 8   /* bit 0x41 set, 0x40 clear */
    movw $SEL_TSS, %ax
    ltr %ax
    GATE 3, h_bp, 0xee
    GATE 13, h_gp, 0x8e
    movl $v86_h40 - ROMB, %eax       /* 8086 IVT entry 0x40: F000:v86_h40 */
    movw %ax, 0x40 * 4
    movw $0xf000, 0x40 * 4 + 2
    movl %cr4, %eax
    orl $1, %eax
    movl %eax, %cr4

    PRINT "prot_vme: CLI, STI, PUSHF, POPF, INT n, IRET with IOPL 0\n"
    movl $0, v86_flags
    movl $v86_vme, %ebp
    call enter_v86
    CHKD f_vec, 3, "left by int3"
    CHKM %bx, 0x3200, 0x3200, "STI then PUSHF: IF (= VIF) 1, IOPL 3"
    CHKM %cx, 0x3200, 0x3000, "CLI then PUSHF: IF (= VIF) 0, IOPL 3"
    CHKM %dx, 0x0200, 0x0200, "POPF with IF 1: VIF 1"
    CHKM %si, 0x3200, 0x3200, "redirected INT 0x40: FLAGS image IF (= VIF) 1, IOPL 3"
    CHKM %di, 0x0200, 0, "in the 8086 handler: VIF 0"
    movl f_eflags, %eax
    andl $VIF | IF | 0x20000, %eax
    CHKD %eax, VIF | 0x20000, "after IRET from the 8086 handler: VIF 1, IF 0"

    PRINT "prot_vme: #GP for STI with VIP, PUSHFD, a redirection bit set\n"
    movl $VIP, v86_flags
    GP_AT v86_sti, "sti with VIP set"
    movl $0, v86_flags
    GP_AT v86_pushfd, "pushfd"
    GP_AT v86_int41, "int 0x41 (bit set)"

    PRINT "prot_vme: CR4.PVI: CLI and STI at CPL 3\n"
    movl %cr4, %eax
    orl $2, %eax
    movl %eax, %cr4
    SET_DESC 0x30, 0, 0xfffff, ATTR_G | ATTR_D | 0x00fb
    SET_DESC 0x38, 0, 0xfffff, ATTR_G | ATTR_D | 0x00f3
    call enter_r3
    CHKD f_vec, 3, "PVI: left by int3"
    movl %ebx, %eax
    andl $VIF | IF, %eax
    CHKD %eax, 0, "CLI at CPL 3 with PVI: VIF 0, IF 0"
    movl %ecx, %eax
    andl $VIF | IF, %eax
    CHKD %eax, VIF, "STI at CPL 3 with PVI: VIF 1, IF 0"
    movl %cr4, %eax
    andl $~3, %eax
    movl %eax, %cr4
    RESTORE_IDT 3
    RESTORE_IDT 13
    ret
