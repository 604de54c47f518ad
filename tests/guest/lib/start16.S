/*
 * start16.S - start-up code and runtime for real-mode guest tests.
 *
 * _start16 (reached from the reset vector) sets up segments, the stack and
 * the IVT, clears .bss16 and calls the test's `test_main`; see rt16.inc for
 * the environment and the macros that call the routines here. Every routine
 * preserves all registers and FLAGS and takes its arguments on the stack.
 */
#include "rt16.inc"

    .set DEBUGCON, 0xe9
    .set EXITPORT, 0xf4

    BSS
    .globl trap_vector, trap_ip, trap_cs, trap_resume, trap_resume_cs, trap_count, chk_count
trap_vector:    .word 0
trap_ip:        .word 0
trap_cs:        .word 0
trap_resume:    .word 0     /* 0: an exception is unexpected */
trap_resume_cs: .word 0
trap_count:     .word 0
chk_count:      .long 0

    TEXT
    .globl _start16
_start16:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ss
    movw $0x8000, %sp
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    /* clear .bss16 */
    movw $__bss16_start, %di
    movw $__bss16_end, %cx
    subw %di, %cx
    rep stosb
    /* IVT: vector n -> F000:exc_stubs16 + 8n */
    xorw %di, %di
    movw $exc_stubs16, %ax
    movw $256, %cx
1:  movw %ax, (%di)
    movw $0xf000, 2(%di)
    addw $8, %ax
    addw $4, %di
    loop 1b

    call test_main

    PRINT "PASS (0x"
    PUTHEX32 %ss:chk_count
    PRINT " checks)\n"
    EXIT 0

/* puts16(str): print a NUL-terminated string at CS:str. */
    .globl puts16
puts16:
    pushfw
    pushaw
    movw %sp, %bp
    movw 20(%bp), %si
    cld
1:  lods %cs:(%si), %al
    testb %al, %al
    jz 2f
    outb %al, $DEBUGCON
    jmp 1b
2:  popaw
    popfw
    ret $2

/* puthex16(value): four hex digits. */
    .globl puthex16
puthex16:
    pushfw
    pushaw
    movw %sp, %bp
    movw 20(%bp), %dx
    movw $4, %cx
1:  rolw $4, %dx
    movb %dl, %al
    andb $0x0f, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe 2f
    addb $'a' - '0' - 10, %al
2:  outb %al, $DEBUGCON
    loop 1b
    popaw
    popfw
    ret $2

/* puthex32(value): eight hex digits. */
    .globl puthex32
puthex32:
    pushfw
    pushw %bp
    movw %sp, %bp
    pushw 8(%bp)
    call puthex16
    pushw 6(%bp)
    call puthex16
    popw %bp
    popfw
    ret $4

/* exit16(code): end the run; never returns. */
    .globl exit16
exit16:
    movw %sp, %bp
    movw 2(%bp), %ax
    outb %al, $EXITPORT
    /* Only reached if the exit port is missing. */
1:  cli
    hlt
    jmp 1b

/* Failure report: print "FAIL: name: expected 0x..., got 0x..." (no
 * newline); stack: ret, name, expected(4), actual(4). Returns. */
failmsg:
    pushw %bp
    movw %sp, %bp
    PRINT "FAIL: "
    pushw 4(%bp)
    call puts16
    PRINT ": expected 0x"
    PUTHEX32 6(%bp)
    PRINT ", got 0x"
    PUTHEX32 10(%bp)
    popw %bp
    ret $10

/* chk16(actual, expected, name) */
    .globl chk16
chk16:
    pushfw
    pushaw
    movw %sp, %bp
    addl $1, %ss:chk_count
    movw 24(%bp), %ax
    cmpw 22(%bp), %ax
    jne 1f
    popaw
    popfw
    ret $6
1:  pushw $0
    pushw %ax
    pushw $0
    pushw 22(%bp)
    pushw 20(%bp)
    call failmsg
    PRINT "\n"
    EXIT 1

/* chkm16(actual, mask, expected, name) */
    .globl chkm16
chkm16:
    pushfw
    pushaw
    movw %sp, %bp
    addl $1, %ss:chk_count
    movw 26(%bp), %ax
    andw 24(%bp), %ax
    cmpw 22(%bp), %ax
    jne 1f
    popaw
    popfw
    ret $8
1:  pushw $0
    pushw %ax
    pushw $0
    pushw 22(%bp)
    pushw 20(%bp)
    call failmsg
    PRINT " (mask 0x"
    PUTHEX16 24(%bp)
    PRINT ")\n"
    EXIT 1

/* chk32(actual, expected, name) */
    .globl chk32
chk32:
    pushfw
    pushal
    movw %sp, %bp
    addl $1, %ss:chk_count
    movl 42(%bp), %eax
    cmpl 38(%bp), %eax
    jne 1f
    popal
    popfw
    ret $10
1:  pushl %eax
    pushl 38(%bp)
    pushw 36(%bp)
    call failmsg
    PRINT "\n"
    EXIT 1

/*
 * Interrupt and exception stubs: vector n enters at exc_stubs16 + 8n,
 * pushes n and joins exc_common16, which either resumes an armed
 * TRAP_EXPECT or reports the unexpected vector and fails.
 */
    .balign 8
    .globl exc_stubs16
exc_stubs16:
    .set vec, 0
    .rept 256
    .balign 8
    .byte 0x68              /* pushw $vec */
    .word vec
    jmp exc_common16
    .set vec, vec + 1
    .endr

exc_common16:             /* stack: vector, IP, CS, FLAGS */
    pushw %bp
    movw %sp, %bp
    pushw %ax
    pushw %ds
    xorw %ax, %ax
    movw %ax, %ds
    cmpw $0, trap_resume
    je 1f
    movw 2(%bp), %ax
    movw %ax, trap_vector
    movw 4(%bp), %ax
    movw %ax, trap_ip
    movw 6(%bp), %ax
    movw %ax, trap_cs
    movw trap_resume, %ax
    movw %ax, 4(%bp)
    movw trap_resume_cs, %ax
    movw %ax, 6(%bp)
    movw $0, trap_resume
    incw trap_count
    popw %ds
    popw %ax
    popw %bp
    addw $2, %sp
    iretw
1:  PRINT "FAIL: unexpected interrupt/exception, vector 0x"
    PUTHEX16 2(%bp)
    PRINT " at "
    PUTHEX16 6(%bp)
    PRINT ":"
    PUTHEX16 4(%bp)
    PRINT "\n"
    EXIT 2
