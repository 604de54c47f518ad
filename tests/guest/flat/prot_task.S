/*
 * prot_task.S - hardware task switches (SDM vol. 3, chapter 7): JMP to a
 * TSS and back; CALL to a TSS and IRET back (NT, the back link, busy bits,
 * the registers saved in and loaded from each TSS, NT cleared in the
 * image IRET leaves); INT n through a task gate in the IDT; an exception
 * through a task gate with its error code pushed on the new task's stack;
 * JMP through a task gate in the GDT; a 16-bit TSS; CR0.TS set by each
 * switch; #GP for a CALL or JMP to a busy TSS; a CALL to a TSS with VM
 * set in its EFLAGS enters virtual-8086 mode (SDM vol. 3, 20.2.5), whose
 * INT3 goes to a ring-0 handler on the stack from that TSS, which returns
 * to the main task by IRET with NT.
 */
#include "rt32.inc"

    .set SEL_TSSA, 0x28         /* 32-bit TSS of the main task */
    .set SEL_TSSB, 0x30         /* 32-bit TSS of task B */
    .set SEL_TSSC, 0x38         /* 16-bit TSS of task C */
    .set SEL_TGATE, 0x40        /* task gate -> TSS B, DPL 0 */
    .set SEL_CODER, 0x58        /* 32-bit code, base 0xF0000 */
    .set SEL_TSSV, 0x60         /* 32-bit TSS of the virtual-8086 task */
    .set ROMB, 0xf0000
    .set NT, 0x4000
    .set TSS_EIP, 0x20
    .set TSS_EFLAGS, 0x24
    .set R0V_STACK, 0x58000

    BSS
    .balign 16
tss_a:  .space 0x68
tss_b:  .space 0x68
tss_c:  .space 0x2c
    .balign 16
tss_v:  .space 0x68
    .balign 4
b_count:    .long 0
b_err:      .long 0
b_link:     .long 0
b_flags:    .long 0
b_ebx:      .long 0
b_tr:       .long 0
c_link:     .long 0
c_flags:    .long 0
c_tr:       .long 0
c_bx:       .long 0
resume_eip: .long 0
v_frame:    .space 12
v_tr:       .long 0
v_ax:       .long 0

/* TYPE selector, access byte, "name": check a GDT descriptor's type byte
 * (busy bits; clobbers eax). */
    .macro TYPE sel, exp, name
    movzbl gdt32_ram + \sel + 5, %eax
    CHKD %eax, \exp, "\name"
    .endm

    TEXT
/* Task B's entry: record what it sees, then return to the main task by
 * IRET (NT set) or, if entered by JMP, by JMP back. */
task_b:
    incl b_count
    movl %ebx, b_ebx
    movzwl tss_b, %eax
    movl %eax, b_link
    pushfl
    popl b_flags
    str %ax
    movzwl %ax, %eax
    movl %eax, b_tr
    testl $NT, b_flags
    jz 1f
    iretl
    jmp task_b                      /* the next CALL resumes here */
1:  ljmp $SEL_TSSA, $0
    jmp task_b

/* Task B for an exception through a task gate: the error code is on its
 * stack; the main task resumes at resume_eip. */
task_b_exc:
    popl b_err
    movl resume_eip, %eax
    movl %eax, tss_a + TSS_EIP
    iretl
    jmp task_b_exc

/* Task C (16-bit TSS) runs in CS 0x58, base 0xF0000. */
task_c:
    movl $0x5f000, %esp             /* the TSS gave SP; the upper half is ours to set */
    movzwl tss_c, %eax
    movl %eax, c_link
    pushfl
    popl c_flags
    str %ax
    movzwl %ax, %eax
    movl %eax, c_tr
    movzwl %bx, %eax
    movl %eax, c_bx
    iretl
c_after_iret:
    jmp task_c

/* The virtual-8086 task: 8086 code at F000:xxxx. */
    .code16
v86_task:
    movw %ds, %ax                   /* 0x6000, from the TSS */
    int3
    .code32

/* INT3 from the virtual-8086 task (ring 0, stack from TSS V): record the
 * frame, then end the task: IRET with NT set returns to the main task. */
h_v86_bp:
    movl %ss:(%esp), %eax
    movl %eax, %ss:v_frame          /* EIP */
    movl %ss:4(%esp), %eax
    movl %eax, %ss:v_frame + 4      /* CS */
    movl %ss:8(%esp), %eax
    movl %eax, %ss:v_frame + 8      /* EFLAGS */
    str %ax
    movzwl %ax, %eax
    movl %eax, %ss:v_tr
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    pushfl
    orl $NT, (%esp)
    popfl
    iretl

/* init_tss_b(eip): task B at eip, flat ring-0 segments, EBX 0x1111. */
init_tss_b:
    movl 4(%esp), %eax
    movl %eax, tss_b + TSS_EIP
    movl $0x0002, tss_b + TSS_EFLAGS
    movl $0x1111, tss_b + 0x28 + 3 * 4      /* EBX */
    movl $0x60000, tss_b + 0x28 + 4 * 4     /* ESP */
    movl $SEL_CODE32, tss_b + 0x4c
    movl $SEL_DATA32, tss_b + 0x48
    movl $SEL_DATA32, tss_b + 0x50
    movl $SEL_DATA32, tss_b + 0x54
    movl $SEL_DATA32, tss_b + 0x58
    movl $SEL_DATA32, tss_b + 0x5c
    movw $0x68, tss_b + 0x66
    ret $4

    .globl guest_main
guest_main:
    PRINT "prot_task: TSSs and gates\n"
    SET_DESC SEL_TSSA, tss_a, 0x67, 0x0089
    SET_DESC SEL_TSSB, tss_b, 0x67, 0x0089
    SET_DESC SEL_TSSC, tss_c, 0x2b, 0x0081
    SET_DESC SEL_CODER, ROMB, 0xffff, ATTR_D | 0x009b
    movl $0, gdt32_ram + SEL_TGATE
    movl $(SEL_TSSB << 16), gdt32_ram + SEL_TGATE
    movl $0x8500, gdt32_ram + SEL_TGATE + 4
    movl $0, idt32 + 0x90 * 8
    movw $SEL_TSSB, idt32 + 0x90 * 8 + 2
    movl $0x8500, idt32 + 0x90 * 8 + 4
    movw $0x68, tss_a + 0x66
    movw $SEL_TSSA, %ax
    ltr %ax
    pushl $task_b
    call init_tss_b

    PRINT "prot_task: JMP to a TSS and back\n"
    movl $0xaaaa, %eax
    movl $0xbbbb, %ebx
    clts
    ljmp $SEL_TSSB, $0
    CHKD %eax, 0xaaaa, "JMP back: EAX restored from TSS A"
    CHKD %ebx, 0xbbbb, "JMP back: EBX restored from TSS A"
    CHKD b_count, 1, "task B ran once"
    CHKD b_ebx, 0x1111, "task B: EBX from its TSS"
    CHKD b_tr, SEL_TSSB, "task B: TR"
    CHKD b_flags, 0x0002, "task B: EFLAGS from its TSS, NT clear"
    movl %cr0, %eax
    CHKM %ax, 0x0008, 0x0008, "CR0.TS set by the task switch"
    clts
    TYPE SEL_TSSB, 0x89, "after JMP back: TSS B available"
    TYPE SEL_TSSA, 0x8b, "after JMP back: TSS A busy"
    str %ax
    CHKW %ax, SEL_TSSA, "after JMP back: TR"

    PRINT "prot_task: CALL to a TSS, IRET back\n"
    pushl $task_b
    call init_tss_b
    movw $0x5555, tss_b
    lcall $SEL_TSSB, $0
    CHKD b_count, 2, "task B ran again"
    CHKD b_link, SEL_TSSA, "CALL: back link in TSS B"
    CHKD b_flags, 0x4002, "CALL: NT set in task B"
    CHKF NT, 0, "IRET back: NT in the main task as it was"
    TYPE SEL_TSSB, 0x89, "after IRET: TSS B available"
    TYPE SEL_TSSA, 0x8b, "after IRET: TSS A busy"
    movl tss_b + TSS_EFLAGS, %eax
    andl $NT, %eax
    CHKD %eax, 0, "IRET cleared NT in task B's saved EFLAGS"
    lcall $SEL_TSSB, $0             /* resumes B after its IRET */
    CHKD b_count, 3, "CALL resumes task B after its IRET"

    PRINT "prot_task: INT n through a task gate\n"
    int $0x90
    CHKD b_count, 4, "int 0x90: task B ran"
    CHKD b_link, SEL_TSSA, "int 0x90: back link"
    CHKM b_flags, NT, NT, "int 0x90: NT set in task B"
    TYPE SEL_TSSB, 0x89, "after int 0x90: TSS B available"

    PRINT "prot_task: JMP through a task gate, busy TSS faults\n"
    ljmp $SEL_TGATE, $0
    CHKD b_count, 5, "JMP through a task gate: task B ran"
    CHKM b_flags, NT, 0, "JMP through a task gate: NT clear"
    EXPECT_FAULT 13, "CALL to the busy current TSS", lcall $SEL_TSSA, $0
    CHKD trap_err, SEL_TSSA, "CALL to a busy TSS: error code"
    EXPECT_FAULT 13, "JMP to the busy current TSS", ljmp $SEL_TSSA, $0
    CHKD trap_err, SEL_TSSA, "JMP to a busy TSS: error code"

    PRINT "prot_task: #GP through a task gate, error code on the new stack\n"
    pushl $task_b_exc
    call init_tss_b
    movl $0, idt32 + 13 * 8
    movw $SEL_TSSB, idt32 + 13 * 8 + 2
    movl $0x8500, idt32 + 13 * 8 + 4
    movl $1f, resume_eip
    ljmp $0x1f8, $0                 /* beyond the GDT: #GP(0x1f8) */
    EXIT 1
1:  RESTORE_IDT 13
    CHKD b_err, 0x1f8, "#GP through a task gate: error code"
    CHKD tss_b+0x28+4*4, 0x60000, "task B's saved ESP: the error code popped"

    PRINT "prot_task: CALL to a 16-bit TSS\n"
    movl $task_c - ROMB, %eax
    movw %ax, tss_c + 0x0e
    movw $0x0002, tss_c + 0x10
    movw $0x2222, tss_c + 0x12 + 3 * 2      /* BX */
    movw $0xf000, tss_c + 0x12 + 4 * 2      /* SP */
    movw $SEL_DATA32, tss_c + 0x22          /* ES */
    movw $SEL_CODER, tss_c + 0x24           /* CS */
    movw $SEL_DATA32, tss_c + 0x26          /* SS */
    movw $SEL_DATA32, tss_c + 0x28          /* DS */
    movl $0x3333, %ebx
    lcall $SEL_TSSC, $0
    CHKD %ebx, 0x3333, "back from the 16-bit task: EBX"
    CHKD c_link, SEL_TSSA, "16-bit TSS: back link"
    CHKD c_tr, SEL_TSSC, "16-bit TSS: TR"
    CHKD c_bx, 0x2222, "16-bit TSS: BX from the TSS"
    CHKM c_flags, NT, NT, "16-bit TSS: NT set"
    TYPE SEL_TSSC, 0x81, "after IRET: 16-bit TSS available"
    movzwl tss_c + 0x0e, %eax
    CHKD %eax, c_after_iret-ROMB, "16-bit TSS: saved IP after IRET"

    PRINT "prot_task: CALL to a virtual-8086 task\n"
    movl $R0V_STACK, tss_v + 4
    movl $SEL_DATA32, tss_v + 8
    movl $v86_task - ROMB, tss_v + TSS_EIP
    movl $0x20002, tss_v + TSS_EFLAGS       /* VM, IOPL 0 */
    movl $0x1000, tss_v + 0x28 + 4 * 4      /* ESP */
    movl $0x6000, tss_v + 0x48              /* ES */
    movl $0xf000, tss_v + 0x4c              /* CS */
    movl $0x5000, tss_v + 0x50              /* SS */
    movl $0x6000, tss_v + 0x54              /* DS */
    movw $0x68, tss_v + 0x66
    SET_DESC SEL_TSSV, tss_v, 0x67, 0x0089
    movl $0, idt32 + 3 * 8
    movl $h_v86_bp, %eax
    movw %ax, idt32 + 3 * 8
    movw $SEL_CODE32, idt32 + 3 * 8 + 2
    movw $0xee00, idt32 + 3 * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + 3 * 8 + 6
    lcall $SEL_TSSV, $0
    RESTORE_IDT 3
    CHKD v_tr, SEL_TSSV, "virtual-8086 task: TR in its ring-0 handler"
    CHKD v_frame, v86_task-ROMB+3, "virtual-8086 task: INT3 pushed IP"
    CHKD v_frame+4, 0xf000, "virtual-8086 task: INT3 pushed CS"
    CHKM v_frame+8+2, 0x0002, 0x0002, "virtual-8086 task: INT3 pushed VM"
    CHKM v_frame+8, NT, NT, "virtual-8086 task: NT set by the CALL"
    TYPE SEL_TSSV, 0x89, "after the task return: TSS V available"
    clts
    ret
