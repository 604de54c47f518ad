/*
 * control.S - flat 32-bit protected-mode control transfer and segment
 * loads: PUSH/POP of segment registers (null selectors included), far
 * CALL/RET/JMP through the GDT (9a, ca, cb, ea, ff /3, ff /5), into and out
 * of a 16-bit code segment, LDS LES LFS LGS LSS, ENTER with nesting levels
 * 1 and 3 at 32 bits, LOOPcc/JCXZ with a 16-bit address size (67: CX),
 * INT n / INT3 / INTO and IRETD through the IDT (interrupt gates clear IF
 * and TF), IRET to a 16-bit segment.
 */
#include "rt32.inc"
#include "cases.inc"

    BSS
    .balign 4
fc_scratch: .space 16
fc_frame:   .space 32
int_count:  .long 0
int_vector: .long 0
int_eip:    .long 0
int_cs:     .long 0
int_eflags: .long 0
int_eflags_in: .long 0
r16_result: .long 0

    TEXT
    .globl guest_main
guest_main:
    PRINT "control: push/pop of segment registers\n"
    pushl %cs                           /* 0e */
    popl %eax
    CHKW %ax, SEL_CODE32, "push cs"
    pushl %ds                           /* 1e */
    popl %es                            /* 07 */
    movw %es, %ax
    CHKW %ax, SEL_DATA32, "push ds, pop es"
    pushl $SEL_DATA16
    popl %fs                            /* 0f a1 */
    pushl %fs                           /* 0f a0 */
    popl %eax
    CHKW %ax, SEL_DATA16, "pop fs, push fs"
    pushl $0
    popl %gs                            /* 0f a9: a null selector loads */
    pushl %gs                           /* 0f a8 */
    popl %eax
    CHKW %ax, 0, "pop gs (null), push gs"
    pushl %ss                           /* 16 */
    popl %ss                            /* 17 */
    pushl %es                           /* 06 */
    popl %ds                            /* 1f */
    pushw %ds                           /* 16-bit push: 2 bytes */
    movl %esp, %eax
    popw %fs
    subl %esp, %eax
    CHKD %eax, -2, "push ds (16-bit): 2 bytes"
    movw %fs, %ax
    CHKW %ax, SEL_DATA32, "pop fs (16-bit)"
    movw $SEL_DATA32, %ax
    movw %ax, %gs

    PRINT "control: far call, ret, jmp through the GDT\n"
    movl %esp, %ebp
    xorl %ebx, %ebx
    lcall $SEL_CODE32, $far_sub         /* 9a */
far_ret1:
    CHKD %ebx, 1, "lcall: the subroutine ran"
    CHKD %esi, far_ret1, "lcall: the pushed EIP"
    CHKW %di, SEL_CODE32, "lcall: the pushed CS"
    CHKDV %esp, %ebp, "lcall, lret: esp"
    pushl $0x7777
    lcall $SEL_CODE32, $far_sub_ret4
    CHKDV %esp, %ebp, "lret 4 (ca): esp"
    movl $far_sub, fc_scratch
    movw $SEL_CODE32, fc_scratch + 4
    lcall *fc_scratch                   /* ff /3: m16:32 */
    CHKD %ebx, 2, "lcall m16:32"
    ljmp $SEL_CODE32, $1f               /* ea */
    EXIT 1
1:  movl $2f, fc_scratch
    ljmp *fc_scratch                    /* ff /5 */
    EXIT 1
2:  ljmp $SEL_CODE16, $code16_part      /* to 16-bit code, base 0xf0000 */
    EXIT 1
back32:
    movw %cs, %ax
    CHKW %ax, SEL_CODE32, "back from 16-bit code: cs"
    CHKD r16_result, 0x00182468, "16-bit code ran (16-bit operands, cs)"
    lcall $SEL_CODE16, $sub16           /* a 32-bit far call into 16-bit code */
    CHKD r16_result, 0x0018abcd, "lcall to a 16-bit segment, lretl back"
    CHKDV %esp, %ebp, "lcall to 16-bit code: esp"
    jmp control_more

far_sub:
    incl %ebx
    movl (%esp), %esi
    movl 4(%esp), %edi
    lret                                /* cb */
far_sub_ret4:
    CHKD 8(%esp), 0x7777, "the argument of lcall; lret 4"
    lret $4                             /* ca */

    .section .text16, "ax"
    .code16
code16_part:
    movw $0x1234, %ax
    addw %ax, %ax
    movw %cs, %bx
    addr32 movw %ax, r16_result         /* DS is flat: a 32-bit address reaches .bss */
    addr32 movw %bx, r16_result + 2
    ljmpl $SEL_CODE32, $back32
sub16:
    addr32 movw $0xabcd, r16_result
    addr32 movw %cs, r16_result + 2
    lretl                               /* 66 cb: pops the 32-bit frame */
iret16_target:
    addr32 movw %cs, r16_result + 2
    addr32 movw $0x1616, r16_result
    ljmpl $SEL_CODE32, $iret16_back

    .section .text, "ax"
    .code32
control_more:
    PRINT "control: lds les lfs lgs lss\n"
    movl $0x12345678, fc_scratch
    movw $SEL_DATA16, fc_scratch + 4
    lfsl fc_scratch, %eax               /* 0f b4 */
    movw %fs, %bx
    CHKD %eax, 0x12345678, "lfs: offset"
    CHKW %bx, SEL_DATA16, "lfs: selector"
    lgsl fc_scratch, %ecx               /* 0f b5 */
    movw %gs, %bx
    CHKW %bx, SEL_DATA16, "lgs"
    movw $SEL_DATA32, fc_scratch + 4
    lesl fc_scratch, %edx               /* c4 */
    ldsl fc_scratch, %esi               /* c5 */
    movw %ds, %bx
    CHKW %bx, SEL_DATA32, "lds"
    movw $0x4321, fc_scratch
    movw $SEL_DATA16, fc_scratch + 2
    lfsw fc_scratch, %ax                /* m16:16 */
    movw %fs, %bx
    CHKW %ax, 0x4321, "lfs (16-bit): offset"
    CHKW %bx, SEL_DATA16, "lfs (16-bit): selector"
    movl %esp, fc_scratch
    movw %ss, fc_scratch + 4
    movl $0, %esp
    lssl fc_scratch, %esp               /* 0f b2 */
    CHKDV %esp, %ebp, "lss: esp"
    movw $SEL_DATA32, %ax
    movw %ax, %fs
    movw %ax, %gs

    PRINT "control: enter with nesting levels 1 and 3\n"
    movl $0x11111111, fc_frame + 12
    movl $0x22222222, fc_frame + 8
    movl %esp, %esi                     /* ESP0 */
    movl $fc_frame + 16, %ebp
    enterl $8, $3
    leal -4(%esi), %eax
    CHKDV %ebp, %eax, "enter 8,3: ebp = ESP0-4"
    leal -24(%esi), %eax
    CHKDV %esp, %eax, "enter 8,3: esp = ESP0-24"
    CHKD -4(%esi), fc_frame + 16, "enter 8,3: the old ebp"
    CHKD -8(%esi), 0x11111111, "enter 8,3: the first display entry"
    CHKD -12(%esi), 0x22222222, "enter 8,3: the second display entry"
    leal -4(%esi), %eax
    CHKDV -16(%esi), %eax, "enter 8,3: the frame pointer pushed last"
    leave
    CHKD %ebp, fc_frame + 16, "leave after enter 8,3: ebp"
    CHKDV %esp, %esi, "leave after enter 8,3: esp"
    enterl $4, $1
    leal -4(%esi), %eax
    CHKDV %ebp, %eax, "enter 4,1: ebp"
    CHKDV -8(%esi), %eax, "enter 4,1: the frame pointer pushed"
    leal -12(%esi), %eax
    CHKDV %esp, %eax, "enter 4,1: esp"
    leave
    CHKDV %esp, %esi, "leave after enter 4,1: esp"
    movl %esi, %ebp

    PRINT "control: loop loope loopne jcxz with a 16-bit address size\n"
    movl $0x00010001, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    addr16 loop 1b                      /* 67 e2: cx */
    CHKD %ebx, 1, "addr16 loop: iterations"
    CHKD %ecx, 0x00010000, "addr16 loop: upper half of ecx kept"
    movl $0x00010002, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    cmpl %eax, %eax
    addr16 loope 1b                     /* 67 e1 */
    CHKD %ebx, 2, "addr16 loope: iterations"
    movl $0x00010005, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    cmpl $3, %ebx
    addr16 loopne 1b                    /* 67 e0 */
    CHKD %ecx, 0x00010002, "addr16 loopne: ecx"
    movl $0x00010000, %ecx
    jecxz 1f                            /* e3: ecx != 0 */
    jcxz 2f                             /* 67 e3: cx = 0 */
1:  EXIT 1
2:

    PRINT "control: int n, int3, into, iretd through the IDT\n"
    SET_IDT 0x40, int_handler_40
    SET_IDT 3, int_handler_3
    SET_IDT 4, int_handler_4
    movl $0, int_count
    SETF ZF|PF
    int $0x40                           /* cd */
int_ret1:
    CHKF ARITH, ZF|PF|CF, "int 0x40: iretd restores EFLAGS (the handler set CF)"
    CHKD int_count, 1, "int 0x40: the handler ran"
    CHKD int_vector, 0x40, "int 0x40: vector"
    CHKD int_eip, int_ret1, "int 0x40: the pushed EIP"
    CHKW int_cs, SEL_CODE32, "int 0x40: the pushed CS"
    CHKM int_eflags, ARITH, ZF|PF, "int 0x40: the pushed EFLAGS"
    CHKM int_eflags_in, IF|TF, 0, "int 0x40: IF and TF clear in the handler"
    int3                                /* cc */
int_ret2:
    CHKD int_vector, 3, "int3: vector"
    CHKD int_eip, int_ret2, "int3: the pushed EIP (after the instruction)"
    int $3                              /* cd 03 */
int_ret3:
    CHKD int_eip, int_ret3, "int 3: the pushed EIP"
    movl $0, int_count
    SETF 0
    into                                /* ce, OF = 0 */
    CHKD int_count, 0, "into with OF = 0"
    SETF OF
    into
int_ret4:
    CHKD int_vector, 4, "into: vector"
    CHKD int_eip, int_ret4, "into: the pushed EIP"
    RESTORE_IDT 0x40
    RESTORE_IDT 3
    RESTORE_IDT 4
    pushl $CF|SF                        /* a hand-made frame */
    pushl $SEL_CODE32
    pushl $1f
    iretl                               /* cf */
    EXIT 1
1:  CHKF ARITH, CF|SF, "iretd: flags"
    pushw $OF|ZF                        /* a 16-bit frame, to 16-bit code */
    pushw $SEL_CODE16
    pushw $iret16_target
    iretw                               /* 66 cf */
    EXIT 1
iret16_back:
    CHKF ARITH, OF|ZF, "iret (16-bit): flags"
    CHKD r16_result, 0x00181616, "iret (16-bit) to a 16-bit segment"
    ret

int_handler_40:
    movl $0x40, int_vector
    jmp int_common
int_handler_3:
    movl $3, int_vector
    jmp int_common
int_handler_4:
    movl $4, int_vector
int_common:
    pushfl
    popl int_eflags_in
    incl int_count
    pushl %eax
    movl 4(%esp), %eax
    movl %eax, int_eip
    movl 8(%esp), %eax
    movl %eax, int_cs
    movl 12(%esp), %eax
    movl %eax, int_eflags
    orl $CF, 12(%esp)
    popl %eax
    iretl
