/*
 * boot32.S - start-up code for flat 32-bit guests (asm or freestanding C).
 *
 * From the reset vector: enable A20 (port 0x92), LGDT, set CR0.PE, far jump
 * to 32-bit code; load flat data segments and the stack; copy .data from ROM
 * to RAM, clear .bss; move the GDT to RAM (gdt32_ram, GDT32_ENTRIES
 * descriptors, the first five as below, the rest free for tests); build the
 * IDT (rt32.S); call guest_main(void). When
 * guest_main returns, print "PASS" and exit with code 0 (status 1). The
 * environment guest_main gets is described in rt32.inc.
 */
#include "rt32.inc"

    .section .text16, "ax"
    .code16
    .globl _start16
_start16:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ss
    movw $0x8000, %sp
    inb $0x92, %al                  /* fast A20 on, no reset */
    orb $0x02, %al
    andb $0xfe, %al
    outb %al, $0x92
    lgdtl %cs:gdt32_desc
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $SEL_CODE32, $boot32_pm

    .section .rodata16, "a"
    .balign 8
    .globl gdt32
gdt32:
    .quad 0
    .quad 0x00cf9b000000ffff        /* 0x08 code 32-bit, base 0, 4 GiB */
    .quad 0x00cf93000000ffff        /* 0x10 data 32-bit, base 0, 4 GiB */
    .quad 0x00009b0f0000ffff        /* 0x18 code 16-bit, base 0xF0000, 64 KiB */
    .quad 0x000093000000ffff        /* 0x20 data 16-bit, base 0, 64 KiB */
gdt32_end:
    .globl gdt32_desc
gdt32_desc:
    .word gdt32_end - gdt32 - 1
    .long gdt32 + 0xf0000

    .section .bss
    .balign 8
    .globl gdt32_ram
gdt32_ram:      .space GDT32_ENTRIES * 8
gdt32_ram_desc: .space 8

    .section .text.boot32, "ax"
    .code32
boot32_pm:
    movw $SEL_DATA32, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl $STACK32_TOP, %esp
    movl $__data_load, %esi
    movl $__data_start, %edi
    movl $__data_end, %ecx
    subl %edi, %ecx
    rep movsb
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    /* the GDT in RAM, so that tests can add descriptors (rt_set_desc) */
    movl $gdt32 + 0xf0000, %esi
    movl $gdt32_ram, %edi
    movl $gdt32_end - gdt32, %ecx
    rep movsb
    movw $GDT32_ENTRIES * 8 - 1, gdt32_ram_desc
    movl $gdt32_ram, gdt32_ram_desc + 2
    lgdtl gdt32_ram_desc
    call rt_init
    xorl %eax, %eax
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %ebx, %ebx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    call guest_main
    PRINT "PASS (0x"
    PUTHEX32 chk_count
    PRINT " checks)\n"
    EXIT 0
