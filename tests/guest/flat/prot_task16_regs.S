/*
 * prot_task16_regs.S - a task switch into a 16-bit TSS (issue 3, part
 * B.2) loads AX..DI from the TSS and sets the upper halves of EAX..EDI to
 * 0xFFFF, and makes FS and GS null. The SDM says only that the upper
 * halves "are modified and not maintained" (vol. 3, 7.6); Bochs and
 * test386.asm (whose 16-bit TSS checks expect 0xFFFFxxxx) use 0xFFFF.
 * QEMU since 6.1 keeps the old upper halves instead (a known difference,
 * listed in tests/scripts/guest-qemu.sh).
 */
#include "rt32.inc"

    .set SEL_TSSA, 0x30         /* 32-bit TSS of the main task */
    .set SEL_TSSC, 0x38         /* 16-bit TSS of task C */
    .set SEL_CODER, 0x40        /* 32-bit code, base 0xF0000 */
    .set ROMB, 0xf0000

    BSS
    .balign 16
tss_a:  .space 0x68
tss_c:  .space 0x2c
    .balign 4
c_regs: .space 32               /* EAX..EDI as task C found them */
c_fs:   .long 0
c_gs:   .long 0

    TEXT
/* Task C (16-bit TSS) runs in CS 0x40 (base 0xF0000) so that its IP fits
 * in 16 bits. It stores the registers before anything uses the stack (ESP
 * is 0xFFFFxxxx here), then returns by IRET with NT set. */
task_c:
    movl %eax, c_regs
    movl %ecx, c_regs + 4
    movl %edx, c_regs + 8
    movl %ebx, c_regs + 12
    movl %esp, c_regs + 16
    movl %ebp, c_regs + 20
    movl %esi, c_regs + 24
    movl %edi, c_regs + 28
    movw %fs, c_fs
    movw %gs, c_gs
    iretl
    jmp task_c

    .globl guest_main
guest_main:
    PRINT "prot_task16_regs: CALL to a 16-bit TSS: upper register halves\n"
    SET_DESC SEL_TSSA, tss_a, 0x67, 0x0089
    SET_DESC SEL_TSSC, tss_c, 0x2b, 0x0081
    SET_DESC SEL_CODER, ROMB, 0xffff, ATTR_D | 0x009b
    movw $0x68, tss_a + 0x66
    movw $SEL_TSSA, %ax
    ltr %ax
    movl $task_c - ROMB, %eax
    movw %ax, tss_c + 0x0e                  /* IP */
    movw $0x0002, tss_c + 0x10              /* FLAGS */
    movw $0x1111, tss_c + 0x12              /* AX */
    movw $0x2222, tss_c + 0x14              /* CX */
    movw $0x3333, tss_c + 0x16              /* DX */
    movw $0x4444, tss_c + 0x18              /* BX */
    movw $0xf000, tss_c + 0x1a              /* SP */
    movw $0x6666, tss_c + 0x1c              /* BP */
    movw $0x7777, tss_c + 0x1e              /* SI */
    movw $0x8888, tss_c + 0x20              /* DI */
    movw $SEL_DATA32, tss_c + 0x22          /* ES */
    movw $SEL_CODER, tss_c + 0x24           /* CS */
    movw $SEL_DATA32, tss_c + 0x26          /* SS */
    movw $SEL_DATA32, tss_c + 0x28          /* DS */
    movl $SEL_DATA32, %eax
    movw %ax, %fs
    movw %ax, %gs
    pushal
    movl $0x5a5a0000, %eax                  /* upper halves a task could keep */
    movl $0x5a5a0000, %ecx
    movl $0x5a5a0000, %edx
    movl $0x5a5a0000, %ebx
    movl $0x5a5a0000, %ebp
    movl $0x5a5a0000, %esi
    movl $0x5a5a0000, %edi
    lcall $SEL_TSSC, $0
    popal
    CHKD c_regs, 0xffff1111, "16-bit TSS: EAX"
    CHKD c_regs+4, 0xffff2222, "16-bit TSS: ECX"
    CHKD c_regs+8, 0xffff3333, "16-bit TSS: EDX"
    CHKD c_regs+12, 0xffff4444, "16-bit TSS: EBX"
    CHKD c_regs+16, 0xfffff000, "16-bit TSS: ESP"
    CHKD c_regs+20, 0xffff6666, "16-bit TSS: EBP"
    CHKD c_regs+24, 0xffff7777, "16-bit TSS: ESI"
    CHKD c_regs+28, 0xffff8888, "16-bit TSS: EDI"
    CHKD c_fs, 0, "16-bit TSS: FS null"
    CHKD c_gs, 0, "16-bit TSS: GS null"
    movl $SEL_DATA32, %eax
    movw %ax, %fs
    movw %ax, %gs
    ret
