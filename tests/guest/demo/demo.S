/*
 * demo.S - the guest `make run` boots until the board can boot an OS.
 * A 64 KiB ROM: starts in real mode at F000:FFF0, prints through the debug
 * console (port 0xe9), switches to 32-bit protected mode with LGDT, MOV CR0
 * and a far jump, prints again, computes a few primes, and ends the run
 * through the test exit port 0xf4.
 */
/* The ROM is linked at offset 0 of segment F000, so real-mode code uses
 * symbols as offsets and 32-bit code adds the ROM's linear base. */
ROM_BASE = 0xf0000

    .code16
    .section .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ss
    movw $0x7000, %sp
    movw %cs, %ax
    movw %ax, %ds
    movw $msg_real, %si
    call print16

    /* Enter protected mode. */
    lgdtl %cs:gdt_ptr
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $pm32 + ROM_BASE

print16:
    lodsb
    testb %al, %al
    jz 1f
    outb %al, $0xe9
    jmp print16
1:  ret

    .code32
pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl $0x90000, %esp
    movl $msg_prot + ROM_BASE, %esi
    call print32

    /* Print the primes below 50, found by trial division. */
    movl $2, %ebx
next:
    movl $2, %ecx
try:
    cmpl %ebx, %ecx
    je prime
    movl %ebx, %eax
    xorl %edx, %edx
    divl %ecx
    testl %edx, %edx
    jz composite
    incl %ecx
    jmp try
prime:
    movl %ebx, %eax
    call print_dec
    movb $' ', %al
    outb %al, $0xe9
composite:
    incl %ebx
    cmpl $50, %ebx
    jb next
    movl $msg_done + ROM_BASE, %esi
    call print32
    movb $0, %al
    outb %al, $0xf4
    hlt

print32:
    lodsb
    testb %al, %al
    jz 1f
    outb %al, $0xe9
    jmp print32
1:  ret

/* Print EAX in decimal. */
print_dec:
    pushl %ebx
    movl $10, %ebx
    xorl %ecx, %ecx
1:  xorl %edx, %edx
    divl %ebx
    pushl %edx
    incl %ecx
    testl %eax, %eax
    jnz 1b
2:  popl %eax
    addb $'0', %al
    outb %al, $0xe9
    loop 2b
    popl %ebx
    ret

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff /* 0x10: flat 32-bit data */
gdt_ptr:
    .word gdt_ptr - gdt - 1
    .long gdt + ROM_BASE

msg_real:
    .asciz "Ringside demo: hello from real mode\n"
msg_prot:
    .asciz "Now in 32-bit protected mode. Primes below 50: "
msg_done:
    .asciz "\nDone; exiting through port 0xf4.\n"

    .section .reset, "ax"
    .code16
reset:
    ljmpw $0xf000, $_start
