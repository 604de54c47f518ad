/*
 * debug_step.S - single-step and the debug registers in flat 32-bit
 * protected mode (SDM vol. 3, chapter 17):
 *   - TF: a #DB trap after each instruction that starts with TF set, so
 *     none after the POPF that sets it and one after the POPF that clears
 *     it (17.3.1.4); DR6.BS;
 *   - INT n under TF: the handler runs with TF clear and no trap follows
 *     the INT; the first trap is after the instruction its IRET returns to;
 *   - MOV SS holds the single-step trap until after the next instruction
 *     (6.8.3);
 *   - an execute breakpoint (DR0, R/W 00) is a fault before the
 *     instruction, with B0; the handler sets RF in the image so that the
 *     instruction then runs once (17.3.1.1);
 *   - write (R/W 01) and read/write (R/W 11) breakpoints of 1, 2 and 4
 *     bytes are traps after the access, with Bn; reads do not hit R/W 01.
 * DR7.GD is in debug_gd.S (QEMU does not implement it). The #DB handler logs the saved EIP and DR6 of each #DB, then clears DR6.
 */
#include "rt32.inc"

    .set RF, 0x10000
    .set DR6_BS, 0x4000
    .set DR6_BD, 0x2000

    BSS
    .balign 4
db_count:   .space 4
db_rf:      .space 4            /* non-zero: the handler sets RF in the image */
db_eip:     .space 64
db_dr6:     .space 64
db_dr7:     .space 64
watch:      .space 16

    TEXT
/* The #DB handler: log EIP, DR6 (its low 16 bits: 4-11 read 1) and DR7,
 * clear DR6, and optionally set RF in the saved EFLAGS. */
db_handler:
    pushl %eax
    pushl %ebx
    movl db_count, %ebx
    andl $15, %ebx
    movl 8(%esp), %eax
    movl %eax, db_eip(,%ebx,4)
    movl %dr6, %eax
    andl $0xe00f, %eax
    movl %eax, db_dr6(,%ebx,4)
    movl %dr7, %eax
    movl %eax, db_dr7(,%ebx,4)
    xorl %eax, %eax
    movl %eax, %dr6
    incl db_count
    cmpl $0, db_rf
    je 1f
    orl $RF, 16(%esp)
1:  popl %ebx
    popl %eax
    iret

int40_handler:
    incl %esi
    iret

/* SETTF: set TF with POPF (clobbers nothing but flags). */
    .macro SETTF
    pushfl
    orl $TF, (%esp)
    popfl
    .endm

    .macro RESETLOG
    movl $0, db_count
    movl $0, db_rf
    .endm

    .globl guest_main
guest_main:
    SET_IDT 1, db_handler
    SET_IDT 0x40, int40_handler
    xorl %eax, %eax
    movl %eax, %dr6

    PRINT "debug: TF single-step\n"
    RESETLOG
    SETTF                       /* no trap after the POPF that sets TF */
s1: nop
s2: movl $5, %ecx
s3: pushfl
s4: andl $~TF, (%esp)
s5: popfl                       /* clears TF: traps after itself */
s6: nop
    CHKD db_count, 5, "TF: five traps"
    CHKD db_eip, s2, "TF: trap 1 after nop"
    CHKD db_eip+4, s3, "TF: trap 2 after mov"
    CHKD db_eip+8, s4, "TF: trap 3 after pushf"
    CHKD db_eip+12, s5, "TF: trap 4 after and"
    CHKD db_eip+16, s6, "TF: trap 5 after the popf that clears TF"
    CHKD db_dr6, DR6_BS, "TF: DR6.BS"
    CHKD db_dr6+16, DR6_BS, "TF: DR6.BS on the last trap"

    PRINT "debug: INT n under TF\n"
    RESETLOG
    xorl %esi, %esi
    SETTF
i1: int $0x40                   /* no trap after INT; the handler runs with TF clear */
i2: nop                         /* IRET restored TF: trap after this nop */
i3: pushfl
i4: andl $~TF, (%esp)
    popfl
    CHKD %esi, 1, "INT under TF: handler ran once"
    CHKD db_count, 4, "INT under TF: four traps"
    CHKD db_eip, i3, "INT under TF: first trap after the instruction IRET returns to"
    CHKD db_eip+4, i4, "INT under TF: then after pushf"

    PRINT "debug: MOV SS holds the single-step trap\n"
    RESETLOG
    movl %ss, %eax
    SETTF
m1: movw %ax, %ss               /* trap held */
m2: nop                         /* one trap, after this */
m3: pushfl
    andl $~TF, (%esp)
    popfl
    CHKD db_eip, m3, "MOV SS: first trap after the next instruction"
    CHKD db_dr6, DR6_BS, "MOV SS: DR6.BS"

    PRINT "debug: execute breakpoint\n"
    RESETLOG
    movl $1, db_rf
    xorl %ecx, %ecx
    movl $x1, %eax
    movl %eax, %dr0
    movl $0x00000001, %eax      /* L0, R/W0 = 00 (execute), LEN0 = 00 */
    movl %eax, %dr7
    nop
x1: incl %ecx                   /* #DB fault before it; RF lets it run once */
    nop
    xorl %eax, %eax
    movl %eax, %dr7
    CHKD %ecx, 1, "execute breakpoint: instruction ran once"
    CHKD db_count, 1, "execute breakpoint: one #DB"
    CHKD db_eip, x1, "execute breakpoint: fault at the instruction"
    CHKD db_dr6, 1, "execute breakpoint: DR6.B0"

    PRINT "debug: data breakpoints\n"
    RESETLOG
    movl $watch+2, %eax
    movl %eax, %dr1
    movl $0x00500004, %eax      /* L1, R/W1 = 01 (write), LEN1 = 01 (2 bytes) */
    movl %eax, %dr7
w1: movl $1, watch              /* 4 bytes over watch+2: trap after */
w2: movl watch, %ecx            /* a read: no hit for R/W 01 */
w3: movb $1, watch+1            /* does not overlap watch+2..3 */
w4: movb $1, watch+3            /* overlaps: trap */
w5: movl $0x00700004, %eax      /* R/W1 = 11 (read/write), LEN1 = 01 */
    movl %eax, %dr7
w6: movw watch+2, %cx           /* a read hits R/W 11 */
w7: movl $watch+4, %eax
    movl %eax, %dr2
    movl $0x0d000010, %eax      /* L2, R/W2 = 01, LEN2 = 11 (4 bytes at watch+4) */
    movl %eax, %dr7
w8: movb $2, watch+7            /* last byte of the dword: trap */
w9: movl $0x00000400, %eax
    movl %eax, %dr7
    CHKD db_count, 4, "data breakpoints: four traps"
    CHKD db_eip, w2, "write breakpoint: trap after the write"
    CHKD db_dr6, 2, "write breakpoint: DR6.B1"
    CHKD db_eip+4, w5, "byte write overlapping: trap"
    CHKD db_eip+8, w7, "read/write breakpoint: trap after the read"
    CHKD db_eip+12, w9, "4-byte write breakpoint: trap"
    CHKD db_dr6+12, 4, "4-byte write breakpoint: DR6.B2"

    RESTORE_IDT 1
    RESTORE_IDT 0x40
    ret
