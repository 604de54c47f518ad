/*
 * fpu_ferr.S - the PC-compatible x87 error route (SDM vol. 1, 8.7 and
 * D.2.1): with CR0.NE = 0 an unmasked x87 exception does not raise #MF;
 * the next waiting x87 instruction asserts FERR#, the board's latch raises
 * IRQ 13 (slave PIC input 5) and lets the instruction proceed, and the
 * handler clears the latch by writing port 0xF0. With CR0.NE = 1 the same
 * sequence raises #MF (vector 16) instead, and no IRQ 13.
 */
#include "rt32.inc"

    BSS
    .balign 4
irq13_count:    .space 4
mf_count:       .space 4
cw:             .space 4
    TEXT

irq13_handler:
    pushl %eax
    incl irq13_count
    xorl %eax, %eax
    outb %al, $0xf0             /* clear the coprocessor error latch */
    fnclex
    movb $0x20, %al
    outb %al, $0xa0             /* EOI: slave, then master */
    outb %al, $0x20
    popl %eax
    iret

mf_handler:
    incl mf_count
    fnclex
    iret

    .globl guest_main
guest_main:
    PRINT "fpu: FERR# -> IRQ 13 with CR0.NE = 0, #MF with CR0.NE = 1\n"
    /* PICs: vectors 0x20-0x27 and 0x28-0x2f, cascade on IR2, only IRQ 13. */
    movb $0x11, %al
    outb %al, $0x20
    outb %al, $0xa0
    movb $0x20, %al
    outb %al, $0x21
    movb $0x28, %al
    outb %al, $0xa1
    movb $0x04, %al
    outb %al, $0x21
    movb $0x02, %al
    outb %al, $0xa1
    movb $0x01, %al
    outb %al, $0x21
    outb %al, $0xa1
    movb $0xfb, %al             /* master: only the cascade */
    outb %al, $0x21
    movb $0xdf, %al             /* slave: only IR5 = IRQ 13 */
    outb %al, $0xa1
    SET_IDT 0x2d, irq13_handler
    SET_IDT 16, mf_handler

    movl %cr0, %eax
    andl $~0x20, %eax           /* CR0.NE = 0 */
    andl $~0x0c, %eax           /* EM = TS = 0 */
    movl %eax, %cr0
    fninit
    fnstcw cw
    andw $~0x04, cw             /* unmask zero-divide */
    fldcw cw
    movl $0, irq13_count
    movl $0, mf_count
    sti
    fld1
    fldz
    fdivrp                      /* 1 / 0: ZE pending, unmasked (no trap yet) */
    fwait                       /* FERR#: IRQ 13 */
    /* Ringside takes it right after the FWAIT; QEMU at its next block
     * and real hardware a few cycles later: wait a little for it. */
    movl $100000, %ecx
1:  cmpl $0, irq13_count
    jne 2f
    loop 1b
2:  cli
    CHKD irq13_count, 1, "NE = 0: one IRQ 13"
    CHKD mf_count, 0, "NE = 0: no #MF"
    fnstsw %ax
    andw $0x80ff, %ax           /* B, ES and the exception flags */
    CHKW %ax, 0, "NE = 0: the handler's FNCLEX cleared the flags"
    fninit
    fldcw cw

    movl %cr0, %eax
    orl $0x20, %eax             /* CR0.NE = 1 */
    movl %eax, %cr0
    fld1
    fldz
    fdivrp
    fwait                       /* #MF, vector 16 */
    CHKD mf_count, 1, "NE = 1: #MF"
    CHKD irq13_count, 1, "NE = 1: no IRQ 13"
    fninit
    RESTORE_IDT 16
    ret
