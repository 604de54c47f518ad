/*
 * control.S - real-mode control transfer and segment loads:
 * PUSH/POP of every segment register (06 07 0e 16 17 1e 1f, 0f a0 a1 a8
 * a9), far CALL/RET/JMP (9a, ca, cb, ea, ff /3, ff /5) with 16- and
 * 32-bit operands, a far jump to another segment:offset for the same code,
 * LES LDS LSS LFS LGS, ENTER with nesting levels 1 and 3, LOOPcc and JCXZ
 * with 16- and 32-bit address size (CX vs ECX), a 32-bit near Jcc and
 * CALL, INT n / INT3 / INTO / IRET and IRETD through the IVT, CLI/STI,
 * MOV to CS (#UD), WAIT, CPUID, RDTSC.
 */
#include "rt16.inc"
#include "cases.inc"

    BSS
    .balign 4
ctl_scratch: .space 16
ctl_frame:   .space 16
int_count:   .word 0
int_vector:  .word 0
int_ip:      .word 0
int_cs:      .word 0
int_flags:   .word 0
int_flags_in: .word 0
cpuid_vendor: .space 16
tsc1:        .space 8

    TEXT
    .globl test_main
test_main:
    PRINT "control: push/pop of segment registers\n"
    pushw %cs                           /* 0e */
    popw %ax
    CHKW %ax, 0xf000, "push cs"
    movw $0x1234, %ax
    movw %ax, %es
    pushw %es                           /* 06 */
    xorw %ax, %ax
    movw %ax, %es
    popw %es                            /* 07 */
    movw %es, %ax
    CHKW %ax, 0x1234, "push es, pop es"
    pushw $0x2345
    popw %fs                            /* 0f a1 */
    pushw %fs                           /* 0f a0 */
    popw %ax
    CHKW %ax, 0x2345, "pop fs, push fs"
    pushw $0x3456
    popw %gs                            /* 0f a9 */
    pushw %gs                           /* 0f a8 */
    popw %ax
    CHKW %ax, 0x3456, "pop gs, push gs"
    pushw %ss                           /* 16 */
    popw %ss                            /* 17 */
    movw %ss, %ax
    CHKW %ax, 0, "push ss, pop ss"
    pushw $0x0040
    popw %ds                            /* 1f */
    pushw %ds                           /* 1e */
    popw %ax
    pushw $0
    popw %ds
    CHKW %ax, 0x0040, "pop ds, push ds"
    movl %esp, %ebp
    pushl %es                           /* 32-bit push: 4 bytes, low word = es */
    leal -4(%ebp), %eax
    CHKDV %esp, %eax, "push es (32-bit): esp"
    CHKW (%esp), 0x1234, "push es (32-bit): the selector"
    popl %fs
    movw %fs, %ax
    CHKW %ax, 0x1234, "pop fs (32-bit)"
    CHKDV %esp, %ebp, "pop fs (32-bit): esp"
    xorw %ax, %ax
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs

    PRINT "control: far call, ret, jmp\n"
    movl %esp, %ebp
    xorl %ebx, %ebx
    lcall $0xf000, $far_sub             /* 9a */
far_ret1:
    CHKD %ebx, 1, "lcall ptr16:16: the subroutine ran"
    CHKW %si, far_ret1, "lcall: the pushed IP"
    CHKW %di, 0xf000, "lcall: the pushed CS"
    CHKDV %esp, %ebp, "lcall, lret: esp"
    pushw $0x7777
    lcall $0xf000, $far_sub_ret2
    CHKDV %esp, %ebp, "lret 2 (ca): esp"
    movw $far_sub, ctl_scratch
    movw $0xf000, ctl_scratch + 2
    lcall *ctl_scratch                  /* ff /3 */
    CHKD %ebx, 2, "lcall m16:16"
    lcalll $0xf000, $far_sub32          /* 66 9a: 32-bit offset, pushes 8 bytes */
far_ret2:
    CHKD %esi, far_ret2, "lcalll: the pushed EIP"
    CHKW %di, 0xf000, "lcalll: the pushed CS"
    CHKDV %esp, %ebp, "lcalll, lretl: esp"
    calll near_sub32                    /* 66 e8: pushes a 32-bit EIP */
near_ret:
    CHKD %esi, near_ret, "calll: the pushed EIP"
    CHKDV %esp, %ebp, "calll, retl: esp"
    /* the same code through another segment: EFFF:x+0x10 is F000:x */
    ljmp $0xefff, $alias_target + 0x10  /* ea */
    EXIT 1
alias_target:
    movw %cs, %ax
    CHKW %ax, 0xefff, "ljmp to efff: cs"
    call 1f                             /* the IP pushed is in segment EFFF */
1:  popw %ax
    CHKW %ax, 1b + 0x10, "ljmp to efff: ip"
    movw $2f, ctl_scratch
    movw $0xf000, ctl_scratch + 2
    ljmp *ctl_scratch                   /* ff /5 */
    EXIT 1
2:  movw %cs, %ax
    CHKW %ax, 0xf000, "ljmp m16:16: back in f000"
    movl $3f, ctl_scratch
    movw $0xf000, ctl_scratch + 4
    ljmpl *ctl_scratch                  /* 66 ff /5: m16:32 */
    EXIT 1
3:  SETF ZF
    .byte 0x66, 0x0f, 0x84              /* 66 0f 84: je rel32 */
    .long 4f - . - 4
    EXIT 1
4:  jmp control_more

far_sub:
    incl %ebx
    movw %sp, %bp
    movw (%bp), %si                     /* the return IP */
    movw 2(%bp), %di                    /* the return CS */
    movl %esp, %ebp
    addl $4, %ebp
    lret                                /* cb */
far_sub_ret2:
    movw %sp, %bp
    CHKW 4(%bp), 0x7777, "the argument of lcall; lret 2"
    movl %esp, %ebp
    addl $6, %ebp
    lret $2                             /* ca */
far_sub32:
    movl (%esp), %esi
    movw 4(%esp), %di
    movl %esp, %ebp
    addl $8, %ebp
    lretl                               /* 66 cb */
near_sub32:
    movl (%esp), %esi
    movl %esp, %ebp
    addl $4, %ebp
    retl                                /* 66 c3 */

control_more:
    PRINT "control: les lds lss lfs lgs\n"
    movw $0x1234, ctl_scratch
    movw $0x5678, ctl_scratch + 2
    lesw ctl_scratch, %bx               /* c4 */
    movw %es, %ax
    CHKW %bx, 0x1234, "les: offset"
    CHKW %ax, 0x5678, "les: segment"
    lfsw ctl_scratch, %cx               /* 0f b4 */
    movw %fs, %ax
    CHKW %ax, 0x5678, "lfs"
    lgsw ctl_scratch, %dx               /* 0f b5 */
    movw %gs, %ax
    CHKW %ax, 0x5678, "lgs"
    movl $0x89abcdef, ctl_scratch
    movw $0x0000, ctl_scratch + 4
    ldsl ctl_scratch, %esi              /* 66 c5: m16:32 */
    CHKD %esi, 0x89abcdef, "lds (32-bit): offset"
    movw %ds, %ax
    CHKW %ax, 0, "lds (32-bit): segment"
    movw $0, ctl_scratch + 2
    ldsw ctl_scratch, %si               /* c5 */
    movw %sp, ctl_scratch
    movw %ss, ctl_scratch + 2
    movw $0x1234, %sp
    lssw ctl_scratch, %sp               /* 0f b2: back to the real stack */
    movw %ss, %ax
    CHKW %ax, 0, "lss: segment"
    xorw %ax, %ax
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs

    PRINT "control: enter with nesting levels 1 and 3\n"
    /* a fake caller frame: BP = ctl_frame + 8, [BP-2] = 0x1111, [BP-4] = 0x2222 */
    movw $0x1111, ctl_frame + 6
    movw $0x2222, ctl_frame + 4
    movl %ebp, %edi
    movzwl %sp, %esi                    /* SP0 */
    movl $ctl_frame + 8, %ebp
    enterw $8, $3
    leal -2(%esi), %eax
    CHKDV %ebp, %eax, "enter 8,3: bp = SP0-2"
    leal -16(%esi), %eax
    movzwl %sp, %ecx
    CHKDV %ecx, %eax, "enter 8,3: sp = SP0-16"
    CHKW -2(%si), ctl_frame + 8, "enter 8,3: the old bp"
    CHKW -4(%si), 0x1111, "enter 8,3: the first display entry"
    CHKW -6(%si), 0x2222, "enter 8,3: the second display entry"
    leal -2(%esi), %eax
    movzwl -8(%si), %ecx
    CHKDV %ecx, %eax, "enter 8,3: the frame pointer pushed last"
    leave
    CHKD %ebp, ctl_frame + 8, "leave after enter 8,3: bp"
    movzwl %sp, %ecx
    CHKDV %ecx, %esi, "leave after enter 8,3: sp"
    enterw $0, $1
    leal -2(%esi), %eax
    CHKDV %ebp, %eax, "enter 0,1: bp"
    leal -4(%esi), %eax
    movzwl %sp, %ecx
    CHKDV %ecx, %eax, "enter 0,1: sp"
    leal -2(%esi), %eax
    movzwl -4(%si), %ecx
    CHKDV %ecx, %eax, "enter 0,1: the frame pointer pushed"
    leave
    movl %edi, %ebp

    PRINT "control: loop loope loopne jcxz by address size (cx / ecx)\n"
    movl $0x00010001, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    loop 1b                             /* a16: cx 1 -> 0 */
    CHKD %ebx, 1, "loop (cx): iterations"
    CHKD %ecx, 0x00010000, "loop (cx): upper half of ecx kept"
    movl $0x00010001, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    addr32 loop 1b                      /* 67 e2: ecx */
    CHKD %ebx, 0x10001, "loop (ecx): iterations"
    CHKD %ecx, 0, "loop (ecx): ecx"
    movl $0x00010001, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    cmpl %eax, %eax
    addr32 loope 1b                     /* 67 e1 */
    CHKD %ebx, 0x10001, "loope (ecx): iterations"
    movl $0x00010003, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    cmpl $100, %ebx
    loope 1b                            /* e1 a16: ZF = 0 stops it */
    CHKD %ecx, 0x00010002, "loope (cx): ecx"
    movl $0x00000003, %ecx
    xorl %ebx, %ebx
1:  incl %ebx
    cmpl $100, %ebx
    addr32 loopne 1b                    /* 67 e0 */
    CHKD %ebx, 3, "loopne (ecx): iterations"
    movl $0x00010000, %ecx
    jcxz 1f                             /* e3 a16: cx = 0 */
    EXIT 1
1:  jecxz 2f                            /* 67 e3: ecx != 0 */
    jmp 3f
2:  EXIT 1
3:  movl $0, %ecx
    jecxz 4f
    EXIT 1
4:

    PRINT "control: int n, int3, into, iret, iretd through the IVT\n"
    SET_IVT 0x40, int_handler_40
    SET_IVT 3, int_handler_3
    SET_IVT 4, int_handler_4
    movw $0, int_count
    SETF ZF|PF
    int $0x40                           /* cd */
int_ret1:
    CHKF ARITH, ZF|PF|CF, "int 0x40: iret restores the flags (the handler set CF)"
    CHKW int_count, 1, "int 0x40: the handler ran"
    CHKW int_vector, 0x40, "int 0x40: vector"
    CHKW int_ip, int_ret1, "int 0x40: the pushed IP"
    CHKW int_cs, 0xf000, "int 0x40: the pushed CS"
    CHKM int_flags, ARITH, ZF|PF, "int 0x40: the pushed FLAGS"
    CHKM int_flags_in, IF|TF, 0, "int 0x40: IF and TF clear in the handler"
    int3                                /* cc */
int_ret2:
    CHKW int_vector, 3, "int3: vector"
    CHKW int_ip, int_ret2, "int3: the pushed IP (after the instruction)"
    int $3                              /* cd 03 */
int_ret3:
    CHKW int_vector, 3, "int 3: vector"
    CHKW int_ip, int_ret3, "int 3: the pushed IP"
    movw $0, int_count
    SETF 0
    into                                /* ce, OF = 0: nothing */
    CHKW int_count, 0, "into with OF = 0"
    SETF OF
    into
int_ret4:
    CHKW int_count, 1, "into with OF = 1"
    CHKW int_vector, 4, "into: vector"
    CHKW int_ip, int_ret4, "into: the pushed IP"
    RESTORE_IVT 0x40
    RESTORE_IVT 3
    RESTORE_IVT 4
    SETF 0
    pushw $CF|SF                        /* a hand-made 16-bit frame */
    pushw $0xf000
    pushw $1f
    iretw                               /* cf */
    EXIT 1
1:  CHKF ARITH, CF|SF, "iret: flags"
    pushl $OF|ZF                        /* a hand-made 32-bit frame */
    pushl $0xf000
    pushl $2f
    iretl                               /* 66 cf */
    EXIT 1
2:  CHKF ARITH, OF|ZF, "iretd: flags"

    PRINT "control: cli sti, mov to cs (#UD), wait\n"
    sti                                 /* fb */
    cli                                 /* fa: inside sti's interrupt shadow */
    CHKF IF, 0, "sti; cli"
    sti
    pushfw
    cli
    CHKM %ss:(%esp), IF, IF, "sti sets IF"
    addw $2, %sp
    EXPECT_FAULT 6, "mov cs,ax", .byte 0x8e, 0xc8
    SETF ARITH
    wait                                /* 9b: no x87 error pending */
    CHKF ARITH, ARITH, "wait"

    PRINT "control: cpuid, rdtsc\n"
    xorl %eax, %eax
    cpuid                               /* 0f a2 */
    movl %ebx, cpuid_vendor
    movl %edx, cpuid_vendor + 4
    movl %ecx, cpuid_vendor + 8
    movl $0, cpuid_vendor + 12
    cmpl $1, %eax
    setae %al
    movzbw %al, %ax
    CHKW %ax, 1, "cpuid 0: the highest leaf is at least 1"
    movw $cpuid_vendor, %si
    movw $12, %cx
1:  lodsb
    cmpb $0x20, %al
    jb 2f
    cmpb $0x7e, %al
    ja 2f
    loop 1b
2:  CHKW %cx, 0, "cpuid 0: the vendor string is 12 printable characters"
    PRINT "cpuid vendor: "
    pushw $cpuid_vendor
    call puts_ds
    PRINT "\n"
    movl $1, %eax
    cpuid
    andl $(1 << 4) | (1 << 8) | (1 << 15), %edx
    CHKD %edx, (1 << 4) | (1 << 8) | (1 << 15), "cpuid 1: TSC, CX8 and CMOV (used by these tests)"
    rdtsc                               /* 0f 31 */
    movl %eax, tsc1
    movl %edx, tsc1 + 4
    movl $100, %ecx
1:  loop 1b
    rdtsc
    subl tsc1, %eax
    sbbl tsc1 + 4, %edx                 /* later - earlier: positive, not zero */
    setns %bl
    orl %edx, %eax
    setnz %bh
    andb %bh, %bl
    movzbw %bl, %bx
    CHKW %bx, 1, "rdtsc: a later read is larger"
    ret

/* puts_ds(str): print a NUL-terminated string at DS:str (RAM). */
puts_ds:
    pushaw
    movw %sp, %bp
    movw 18(%bp), %si
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, $0xe9
    jmp 1b
2:  popaw
    ret $2

/* Interrupt handlers: record the vector, the frame and the flags inside,
 * set CF in the pushed FLAGS, return. */
int_handler_40:
    movw $0x40, int_vector
    jmp int_common
int_handler_3:
    movw $3, int_vector
    jmp int_common
int_handler_4:
    movw $4, int_vector
int_common:
    pushfw
    popw int_flags_in
    pushw %bp
    movw %sp, %bp
    pushw %ax
    incw int_count
    movw 2(%bp), %ax
    movw %ax, int_ip
    movw 4(%bp), %ax
    movw %ax, int_cs
    movw 6(%bp), %ax
    movw %ax, int_flags
    orw $CF, 6(%bp)
    popw %ax
    popw %bp
    iretw
