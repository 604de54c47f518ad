/*
 * debug_ac.S - alignment checking (SDM vol. 3, 6.15, interrupt 17): with
 * CR0.AM and EFLAGS.AC set, at CPL 3, a word at an odd address and a
 * dword at an address not a multiple of 4 raise #AC(0) before the access;
 * CMPXCHG8B's quadword must be 8-aligned; bytes, aligned words, dwords
 * and quadwords do not; AC = 0 turns it off. The test
 * goes to CPL 3 by IRET and stays there (as system.S does); #AC goes
 * through a gate to a conforming code segment, so its handler runs at CPL 3
 * on the same stack. QEMU's TCG has no #AC (listed in guest-qemu.sh).
 */
#include "rt32.inc"

    .set AC, 0x40000
    .set SEL_CODE3, 0x28        /* DPL 3 code */
    .set SEL_DATA3, 0x30        /* DPL 3 data */
    .set SEL_CONF0, 0x38        /* DPL 0 conforming code */

    BSS
    .balign 4
ac_count:   .space 4
ac_err:     .space 4
ac_resume:  .space 4
ac_eip:     .space 16
    .balign 8
watch:      .space 16

    TEXT
ac_handler:
    pushl %eax
    movl 4(%esp), %eax          /* error code */
    movl %eax, ac_err
    movl ac_count, %eax
    andl $3, %eax
    pushl %ebx
    movl 12(%esp), %ebx         /* EIP */
    movl %ebx, ac_eip(,%eax,4)
    popl %ebx
    incl ac_count
    movl ac_resume, %eax
    movl %eax, 8(%esp)
    popl %eax
    addl $4, %esp
    iret

    .globl guest_main
guest_main:
    PRINT "debug: #AC at CPL 3\n"
    SET_DESC SEL_CODE3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00fb
    SET_DESC SEL_DATA3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00f3
    SET_DESC SEL_CONF0, 0, 0xfffff, ATTR_G | ATTR_D | 0x009f
    movl $ac_handler, %eax      /* vector 17: interrupt gate to SEL_CONF0 */
    movw %ax, idt32 + 17 * 8
    movw $SEL_CONF0, idt32 + 17 * 8 + 2
    movw $0x8e00, idt32 + 17 * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + 17 * 8 + 6
    movl %cr0, %eax
    orl $0x40000, %eax          /* CR0.AM */
    movl %eax, %cr0
    movl $0, ac_count
    movl %esp, %ecx
    pushl $SEL_DATA3 | 3
    pushl %ecx
    pushfl
    orl $AC | 0x3000, (%esp)    /* AC; IOPL 3 for the ports */
    pushl $SEL_CODE3 | 3
    pushl $ring3
    iret
ring3:
    movw $SEL_DATA3 | 3, %ax
    movw %ax, %ds
    movw %ax, %es
    movl $r1, ac_resume
f1: movw watch + 1, %ax         /* odd word: #AC */
r1: movl $r2, ac_resume
f2: movl watch + 2, %eax        /* dword at 2 mod 4: #AC */
r2: movl $r3, ac_resume
f3: movl $1, watch + 6          /* a write too */
r3: movl $r3b, ac_resume
f4: cmpxchg8b watch + 4         /* a quadword at 4 mod 8: #AC */
r3b: movl $r4, ac_resume
    cmpxchg8b watch + 8         /* 8-aligned: no #AC */
    movw watch + 2, %ax         /* aligned: no #AC */
    movb watch + 1, %al
    movl watch + 4, %eax
    movl $5, watch + 8
r4: pushfl
    andl $~AC, (%esp)
    popfl
    movl watch + 1, %eax        /* AC = 0: no check */
    movw %cs, %ax
    CHKW %ax, SEL_CODE3 | 3, "#AC: still at CPL 3"
    CHKD ac_count, 4, "#AC: four faults"
    CHKD ac_err, 0, "#AC: error code 0"
    CHKD ac_eip, f1, "#AC: odd word, at the instruction"
    CHKD ac_eip + 4, f2, "#AC: unaligned dword read"
    CHKD ac_eip + 8, f3, "#AC: unaligned dword write"
    CHKD ac_eip + 12, f4, "#AC: CMPXCHG8B needs 8-byte alignment"
    ret                         /* boot32 reports from ring 3 */
