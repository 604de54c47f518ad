/*
 * rt32.S - runtime for flat 32-bit guests (asm tests through rt32.inc, C
 * through guest.h): console output, checks, the exit port, the IDT and the
 * exception stubs. Every rt_ routine preserves all registers and EFLAGS and
 * pops its own arguments (stdcall), so C declares them stdcall.
 */
#include "rt32.inc"

    .set DEBUGCON, 0xe9
    .set EXITPORT, 0xf4

    BSS
    .balign 8
    .globl idt32, trap_vector, trap_err, trap_eip, trap_resume, trap_count, chk_count
idt32:          .space 256 * 8
idt32_desc:     .space 8
trap_vector:    .long 0
trap_err:       .long 0
trap_eip:       .long 0
trap_resume:    .long 0     /* 0: an exception is unexpected */
trap_count:     .long 0
trap_saved_esp: .long 0
chk_count:      .long 0

    TEXT
/* rt_init: build the IDT (vector n -> exc_stubs32 + 16n) and load it. */
    .globl rt_init
rt_init:
    pushal
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $4, %eax
    addl $exc_stubs32, %eax
    pushl %eax
    pushl %ecx
    call rt_set_idt
    incl %ecx
    cmpl $256, %ecx
    jb 1b
    movw $256 * 8 - 1, idt32_desc
    movl $idt32, idt32_desc + 2
    lidtl idt32_desc
    popal
    ret

/* rt_set_idt(vector, handler): 32-bit interrupt gate, DPL 0, selector 0x08. */
    .globl rt_set_idt
rt_set_idt:
    pushfl
    pushal
    movl 40(%esp), %ecx             /* vector */
    movl 44(%esp), %eax             /* handler */
    leal idt32(,%ecx,8), %edi
    movw %ax, (%edi)
    movw $SEL_CODE32, 2(%edi)
    movw $0x8e00, 4(%edi)
    shrl $16, %eax
    movw %ax, 6(%edi)
    popal
    popfl
    ret $8

/* rt_set_desc(selector, base, limit, attr): see SET_DESC in rt32.inc.
 *   low  = base[15:0] << 16 | limit[15:0]
 *   high = base[31:24] << 24 | flags << 20 | limit[19:16] << 16
 *          | access << 8 | base[23:16]                                  */
    .globl rt_set_desc
rt_set_desc:
    pushfl
    pushal
    movl 40(%esp), %edi             /* selector */
    andl $0xfff8, %edi
    addl $gdt32_ram, %edi
    movl 44(%esp), %ebx             /* base */
    movl 48(%esp), %ecx             /* limit */
    movl 52(%esp), %edx             /* attr */
    movl %ebx, %eax
    shll $16, %eax
    movw %cx, %ax
    movl %eax, (%edi)
    movl %ebx, %eax
    andl $0xff000000, %eax
    movl %ebx, %esi
    shrl $16, %esi
    andl $0xff, %esi
    orl %esi, %eax
    andl $0xf0000, %ecx
    orl %ecx, %eax
    andl $0xf0ff, %edx
    shll $8, %edx
    orl %edx, %eax
    movl %eax, 4(%edi)
    popal
    popfl
    ret $16

/* rt_puts(str) */
    .globl rt_puts
rt_puts:
    pushfl
    pushal
    movl 40(%esp), %esi
    cld
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, $DEBUGCON
    jmp 1b
2:  popal
    popfl
    ret $4

/* rt_puthex32(value), rt_puthex16(value): hex digits. */
    .globl rt_puthex32, rt_puthex16
rt_puthex32:
    pushfl
    pushal
    movl $8, %ecx
    jmp 1f
rt_puthex16:                        /* the value in the top half */
    pushfl
    pushal
    movl $4, %ecx
1:  movl 40(%esp), %edx
2:  roll $4, %edx
    movb %dl, %al
    andb $0x0f, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe 3f
    addb $'a' - '0' - 10, %al
3:  outb %al, $DEBUGCON
    loop 2b
    popal
    popfl
    ret $4

/* rt_putc(char) */
    .globl rt_putc
rt_putc:
    pushl %eax
    movl 8(%esp), %eax
    outb %al, $DEBUGCON
    popl %eax
    ret $4

/* rt_exit(code): never returns. */
    .globl rt_exit
rt_exit:
    movl 4(%esp), %eax
    outb %al, $EXITPORT
1:  cli                             /* only if the exit port is missing */
    hlt
    jmp 1b

/* failmsg(name, expected, actual): "FAIL: name: expected 0x.., got 0x.." */
failmsg:
    pushl 4(%esp)
    PRINT "FAIL: "
    call rt_puts
    PRINT ": expected 0x"
    PUTHEX32 8(%esp)
    PRINT ", got 0x"
    PUTHEX32 12(%esp)
    ret $12

/* rt_chk32(name, expected, actual) */
    .globl rt_chk32
rt_chk32:
    pushfl
    pushal
    incl %ss:chk_count
    movl 48(%esp), %eax
    cmpl 44(%esp), %eax
    jne 1f
    popal
    popfl
    ret $12
1:  pushl %eax
    pushl 48(%esp)
    pushl 48(%esp)
    call failmsg
    PRINT "\n"
    EXIT 1

/* rt_chkw(name, expected, actual << 16), rt_chkmw(name, expected, mask,
 * actual << 16): the 16-bit forms the macros use (the actual value is the
 * top half of its stack slot). */
    .globl rt_chkw, rt_chkmw
rt_chkw:
    pushfl                          /* the caller's flags may be checked next */
    shrl $16, 16(%esp)
    popfl
    jmp rt_chk32
rt_chkmw:
    pushfl
    shrl $16, 20(%esp)
    popfl
    jmp rt_chkm32

/* rt_chkm32(name, expected, mask, actual): (actual & mask) == expected */
    .globl rt_chkm32
rt_chkm32:
    pushfl
    pushal
    incl %ss:chk_count
    movl 52(%esp), %eax
    andl 48(%esp), %eax
    cmpl 44(%esp), %eax
    jne 1f
    popal
    popfl
    ret $16
1:  pushl %eax
    pushl 48(%esp)
    pushl 48(%esp)
    call failmsg
    PRINT " (mask 0x"
    PUTHEX32 48(%esp)
    PRINT ")\n"
    EXIT 1

/*
 * rt_trap_call(fn): call fn(); return -1 if it returned, or the vector of
 * the first exception it raised (then trap_err and trap_eip say more; fn's
 * frame is abandoned, as by longjmp). cdecl.
 */
    .globl rt_trap_call
rt_trap_call:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, %ss:trap_saved_esp
    movl $0xffffffff, %ss:trap_vector
    movl $1f, %ss:trap_resume
    call *20(%esp)
    movl $0, %ss:trap_resume
    movl $0xffffffff, %eax
    jmp 2f
1:  movl %ss:trap_saved_esp, %esp
    movl %ss:trap_vector, %eax
2:  popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/*
 * Exception stubs: vector n enters at exc_stubs32 + 16n; vectors without an
 * error code push a 0 in its place (SDM vol. 3, table 6-1: 8, 10-14 and 17
 * push one).
 */
    .balign 16
    .globl exc_stubs32
exc_stubs32:
    .set vec, 0
    .rept 256
    .balign 16
    .if vec != 8 && (vec < 10 || vec > 14) && vec != 17
    pushl $0
    .endif
    pushl $vec
    jmp exc_common32
    .set vec, vec + 1
    .endr

exc_common32:                   /* stack: vector, error, EIP, CS, EFLAGS */
    pushl %eax
    cmpl $0, %ss:trap_resume
    je 1f
    movl 4(%esp), %eax
    movl %eax, %ss:trap_vector
    movl 8(%esp), %eax
    movl %eax, %ss:trap_err
    movl 12(%esp), %eax
    movl %eax, %ss:trap_eip
    movl %ss:trap_resume, %eax
    movl %eax, 12(%esp)
    movl $0, %ss:trap_resume
    incl %ss:trap_count
    popl %eax
    addl $8, %esp
    iretl
1:  PRINT "FAIL: unexpected interrupt/exception, vector 0x"
    PUTHEX32 4(%esp)
    PRINT ", error code 0x"
    PUTHEX32 8(%esp)
    PRINT " at "
    movl 16(%esp), %eax
    PUTHEX16 %ax
    PRINT ":"
    PUTHEX32 12(%esp)
    PRINT "\n"
    EXIT 2
