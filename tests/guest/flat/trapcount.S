/*
 * trapcount.S - which instructions trap at CPL 3 (issue 3, "Done means"
 * item 4). With IOPL 0, CR4.TSD = 1 and CR4.PCE = 0, ring-3 code runs a
 * table of instructions; each one that faults is counted by a ring-0
 * handler for #GP and #UD, which records the vector and error code and
 * resumes after the instruction (its length is known from the table). The
 * guest then prints every row (instruction, expected, observed) and the
 * totals, and fails if any row differs from the SDM's expectation. The
 * same table must come out of ringside and of QEMU (tests/scripts/
 * guest-qemu.sh runs this ROM there; compare the two logs line by line).
 *
 * Expected values, SDM vol. 2 (each instruction's "Protected Mode
 * Exceptions") and vol. 3:
 * - #GP(0) at CPL > 0: HLT, LGDT, LIDT, LLDT, LTR, MOV to/from CRn and DRn,
 *   LMSW, CLTS, INVD, WBINVD, INVLPG, RDMSR, WRMSR; RDPMC with CR4.PCE = 0;
 *   RDTSC with CR4.TSD = 1; CLI and STI with CPL > IOPL (and no PVI).
 * - IN/OUT/INS/OUTS with CPL > IOPL consult the TSS I/O permission bitmap
 *   (vol. 1, 19.5.2): every bit for the bytes accessed must be 0, and a bit
 *   beyond the TSS limit counts as 1. The bitmap here allows port 0x80 only,
 *   so a word access at 0x80 (bits 0x80 and 0x81) faults, and port 0x1f0
 *   lies beyond the bitmap's end.
 * - No fault (the teaching point): POPF at CPL 3 and IOPL 0 silently keeps
 *   IF and IOPL (vol. 2, POPF), and SGDT/SIDT/SLDT/STR/SMSW are allowed at
 *   any CPL on a family-6 CPU (no UMIP). UD2 is the #UD control row.
 */
#include "rt32.inc"

    .set SEL_CODE3, 0x28        /* flat 32-bit code, DPL 3 */
    .set SEL_DATA3, 0x30        /* flat 32-bit data, DPL 3 */
    .set SEL_TSS, 0x38          /* 32-bit TSS with an I/O bitmap */
    .set R3_STACK, 0x70000
    .set R0_STACK, 0x80000
    .set IOMAP, 0x68            /* the bitmap's offset in the TSS */
    .set IOMAP_BYTES, 32        /* ports 0-0xff */
    .set NONE, 0xffffffff
    .set ENTRY, 16              /* bytes per table row */
    .set CR4_TSD, 0x0004

    BSS
    .balign 16
tss:        .space IOMAP + IOMAP_BYTES + 1
    .balign 4
saved_esp:  .long 0
cur:        .long 0             /* the row ring 3 is running */
obs:        .space 4 * 64       /* observed vector per row, NONE if none */
obs_err:    .space 4 * 64
popf_if:    .long 0             /* EFLAGS after the POPF rows */
popf_iopl:  .long 0
r3_buf:     .space 16
n_rows:     .long 0
n_exp:      .long 0
n_trap:     .long 0
n_gp:       .long 0
n_ud:       .long 0
n_none:     .long 0
n_bad:      .long 0

/* T "name", expected vector or NONE, instruction...: a table row. Ring 3
 * stores the row's index in `cur`, then runs the instruction. */
    .set NROW, 0
    .macro T name, exp, insn:vararg
    .pushsection .rodata
9990:
    .asciz "\name"
    .popsection
    movl $NROW, cur
9991:
    \insn
9992:
    .pushsection .rodata.trapcount_tab, "a"
    .long 9990b, 9991b, 9992b - 9991b, \exp
    .popsection
    .set NROW, NROW + 1
    .endm

    .section .rodata.trapcount_tab, "a"
    .balign 4
tab:

    TEXT
/* ---- ring 0 ------------------------------------------------------------ */
/* enter_ring3: run r3_body at CPL 3 (flat CS 0x2b, SS = DS = ES 0x33,
 * IOPL 0, IF 0) until it executes INT 0x81. */
enter_ring3:
    pushal
    movl %esp, saved_esp
    pushl $SEL_DATA3 | 3
    pushl $R3_STACK
    pushl $0x0002
    pushl $SEL_CODE3 | 3
    pushl $r3_tramp
    iretl
r3_tramp:
    movl $SEL_DATA3 | 3, %ecx   /* DS, ES (DPL 0) were made null */
    movw %cx, %ds
    movw %cx, %es
    jmp r3_body

h_exit:                         /* INT 0x81 from ring 3 */
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movl %ss:saved_esp, %esp
    popal
    ret

/* #UD and #GP from ring 3 (stack switched to R0_STACK): record the vector
 * and error code in row `cur` and resume after its instruction. */
h_ud:
    pushl $0
    pushl $6
    jmp h_trap
h_gp:
    pushl $13
h_trap:                         /* vector, error, EIP, CS, EFLAGS, ESP, SS */
    pushl %eax
    pushl %ebx
    movl %ss:cur, %ebx
    shll $4, %ebx
    movl %ss:tab+4(%ebx), %eax  /* the row's instruction */
    cmpl %eax, 16(%esp)
    jne h_stray
    addl %ss:tab+8(%ebx), %eax  /* + its length */
    movl %eax, 16(%esp)
    shrl $4, %ebx
    movl 8(%esp), %eax
    movl %eax, %ss:obs(,%ebx,4)
    movl 12(%esp), %eax
    movl %eax, %ss:obs_err(,%ebx,4)
    popl %ebx
    popl %eax
    addl $8, %esp
    iretl
h_stray:                        /* a fault outside the row's instruction */
    PRINT "FAIL: exception 0x"
    PUTHEX32 8(%esp)
    PRINT " at EIP 0x"
    PUTHEX32 16(%esp)
    PRINT ", not at the instruction of row 0x"
    PUTHEX32 %ss:cur
    PRINT "\n"
    EXIT 2

/* put_dec: print EAX in decimal (clobbers nothing). */
put_dec:
    pushal
    movl $10, %ecx
    xorl %ebx, %ebx
1:  xorl %edx, %edx
    divl %ecx
    addl $'0', %edx
    pushl %edx
    incl %ebx
    testl %eax, %eax
    jnz 1b
2:  call rt_putc                /* pops the digit (stdcall) */
    decl %ebx
    jnz 2b
    popal
    ret

/* put_vec: print the vector in EAX and, for #GP, the error code in EDX,
 * in a 10-column field (clobbers nothing). */
put_vec:
    cmpl $NONE, %eax
    jne 1f
    PRINT "-         "
    ret
1:  cmpl $6, %eax
    jne 2f
    PRINT "#UD       "
    ret
2:  cmpl $13, %eax
    jne 3f
    PRINT "#GP("
    PUTHEX16 %dx
    PRINT ") "
    ret
3:  PRINT "vec 0x"
    PUTHEX16 %ax
    ret

/* put_padded(str): print str and pad it with blanks to 34 columns. */
put_padded:
    pushal
    movl 36(%esp), %esi
    pushl %esi
    call rt_puts
    movl %esi, %edi
    xorl %eax, %eax
    movl $-1, %ecx
    cld
    repne scasb
    subl %esi, %edi             /* length + 1 */
1:  cmpl $35, %edi
    jae 2f
    pushl $' '
    call rt_putc
    incl %edi
    jmp 1b
2:  popal
    ret $4

    .globl guest_main
guest_main:
    PRINT "trapcount: privileged instructions at CPL 3 (IOPL 0, CR4.TSD 1, CR4.PCE 0)\n"
    SET_DESC SEL_CODE3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00fb
    SET_DESC SEL_DATA3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00f3
    SET_DESC SEL_TSS, tss, IOMAP + IOMAP_BYTES, 0x0089
    movl $R0_STACK, tss + 4
    movl $SEL_DATA32, tss + 8
    movw $IOMAP, tss + 0x66
    movl $tss + IOMAP, %edi     /* deny every port but 0x80 */
    movl $IOMAP_BYTES + 1, %ecx /* and the terminating 0xff byte */
    movb $0xff, %al
    cld
    rep stosb
    andb $0xfe, tss + IOMAP + 0x80 / 8
    movw $SEL_TSS, %ax
    ltr %ax
    /* the exit gate: a DPL-3 interrupt gate to h_exit */
    movl $h_exit, %eax
    movw %ax, idt32 + 0x81 * 8
    movw $SEL_CODE32, idt32 + 0x81 * 8 + 2
    movw $0xee00, idt32 + 0x81 * 8 + 4
    shrl $16, %eax
    movw %ax, idt32 + 0x81 * 8 + 6
    SET_IDT 6, h_ud
    SET_IDT 13, h_gp
    movl $NROWS, n_rows
    movl $obs, %edi
    movl $2 * 64, %ecx          /* obs and obs_err */
    movl $NONE, %eax
    rep stosl
    movl %cr4, %eax
    orl $CR4_TSD, %eax
    movl %eax, %cr4

    call enter_ring3

    movl %cr4, %eax
    andl $~CR4_TSD, %eax
    movl %eax, %cr4
    RESTORE_IDT 6
    RESTORE_IDT 13

    /* the table */
    PRINT "  instruction                       expected  observed\n"
    xorl %esi, %esi
row:
    movl %esi, %ebx
    shll $4, %ebx
    PRINT "  "
    pushl tab(%ebx)
    call put_padded
    movl tab+12(%ebx), %eax
    xorl %edx, %edx
    call put_vec
    movl obs(,%esi,4), %eax
    movl obs_err(,%esi,4), %edx
    call put_vec
    cmpl $NONE, tab+12(%ebx)
    je 1f
    incl n_exp
1:  cmpl $NONE, %eax
    jne 2f
    incl n_none
    jmp 4f
2:  incl n_trap
    cmpl $6, %eax
    jne 3f
    incl n_ud
3:  cmpl $13, %eax
    jne 4f
    incl n_gp
4:  cmpl tab+12(%ebx), %eax     /* the vector as expected... */
    jne 5f
    cmpl $13, %eax
    jne 6f
    testl %edx, %edx            /* ...and #GP's error code 0 */
    jz 6f
5:  incl n_bad
    PRINT "  <- differs from the SDM"
6:  PRINT "\n"
    incl %esi
    cmpl n_rows, %esi
    jb row

    /* POPF's silent non-changes (vol. 2, POPF: at CPL > IOPL, IF is not
     * changed; at CPL > 0, IOPL is not changed; neither faults) */
    PRINT "  popf kept IF = 0: "
    testl $IF, popf_if
    jz 1f
    incl n_bad
    PRINT "no <- differs from the SDM\n"
    jmp 2f
1:  PRINT "yes\n"
2:  PRINT "  popf kept IOPL = 0: "
    testl $0x3000, popf_iopl
    jz 1f
    incl n_bad
    PRINT "no <- differs from the SDM\n"
    jmp 2f
1:  PRINT "yes\n"
2:
    PRINT "trapcount: rows "
    movl n_rows, %eax
    call put_dec
    PRINT ", expected traps "
    movl n_exp, %eax
    call put_dec
    PRINT ", trapped "
    movl n_trap, %eax
    call put_dec
    PRINT " (#GP "
    movl n_gp, %eax
    call put_dec
    PRINT ", #UD "
    movl n_ud, %eax
    call put_dec
    PRINT "), did not trap "
    movl n_none, %eax
    call put_dec
    PRINT ", differences "
    movl n_bad, %eax
    call put_dec
    PRINT "\n"
    CHKD n_bad, 0, "trapcount: rows that differ from the SDM"
    CHKDV n_trap, n_exp, "trapcount: instructions that trapped"
    ret

/* ---- ring 3 -------------------------------------------------------------- */
r3_body:
    movl $r3_buf, %edi
    movl $r3_buf, %esi
    xorl %eax, %eax
    xorl %ecx, %ecx
    T "hlt", 13, hlt
    T "cli (IOPL 0)", 13, cli
    T "sti (IOPL 0)", 13, sti
    T "lgdt [mem]", 13, lgdtl r3_buf
    T "lidt [mem]", 13, lidtl r3_buf
    T "lldt ax", 13, lldt %ax
    T "ltr ax", 13, ltr %ax
    T "mov eax, cr0", 13, movl %cr0, %eax
    T "mov cr0, eax", 13, movl %eax, %cr0
    T "mov eax, cr2", 13, movl %cr2, %eax
    T "mov eax, cr3", 13, movl %cr3, %eax
    T "mov cr3, eax", 13, movl %eax, %cr3
    T "mov eax, cr4", 13, movl %cr4, %eax
    T "mov eax, dr7", 13, movl %dr7, %eax
    T "mov dr0, eax", 13, movl %eax, %dr0
    T "lmsw ax", 13, lmsw %ax
    T "clts", 13, clts
    T "invd", 13, invd
    T "wbinvd", 13, wbinvd
    T "invlpg [mem]", 13, invlpg r3_buf
    T "rdmsr", 13, rdmsr
    T "wrmsr", 13, wrmsr
    T "rdpmc (CR4.PCE 0)", 13, rdpmc
    T "rdtsc (CR4.TSD 1)", 13, rdtsc
    T "in al, 0x80 (allowed)", NONE, inb $0x80, %al
    T "out 0x80, al (allowed)", NONE, outb %al, $0x80
    T "in al, 0x70 (denied)", 13, inb $0x70, %al
    T "out 0x84, al (denied)", 13, outb %al, $0x84
    T "in ax, 0x80 (0x81 denied)", 13, inw $0x80, %ax
    movl $0x80, %edx
    T "in al, dx=0x80 (allowed)", NONE, inb %dx, %al
    T "insb dx=0x80 (allowed)", NONE, insb
    T "outsb dx=0x80 (allowed)", NONE, outsb
    movl $0x70, %edx
    T "insb dx=0x70 (denied)", 13, insb
    T "outsb dx=0x70 (denied)", 13, outsb
    movl $0x1f0, %edx
    T "in al, dx=0x1f0 (past the map)", 13, inb %dx, %al
    pushl $0x0202
    T "popf setting IF (IOPL 0)", NONE, popfl
    pushfl
    popl popf_if
    pushl $0x3002
    T "popf setting IOPL 3", NONE, popfl
    pushfl
    popl popf_iopl
    T "sgdt [mem]", NONE, sgdtl r3_buf
    T "sidt [mem]", NONE, sidtl r3_buf
    T "sldt ax", NONE, sldt %ax
    T "str ax", NONE, str %ax
    T "smsw ax", NONE, smsw %ax
    T "ud2", 6, ud2
    int $0x81
    .set NROWS, NROW              /* the row count, for guest_main */
