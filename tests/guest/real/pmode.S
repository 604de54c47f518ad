/*
 * pmode.S - leaving and re-entering real mode: SIDT/SGDT/SMSW/MOV CR0 in
 * real mode, LIDT moving the real-mode interrupt table, LGDT + MOV CR0.PE
 * + far jump to flat 32-bit code, a far jump to a 16-bit protected-mode
 * segment, clearing PE and a far jump back to real mode (SDM vol. 3, 9.9),
 * and "unreal mode": a data segment loaded with a 4 GiB limit in protected
 * mode keeps it after the return to real mode, also across real-mode
 * segment loads (which change only the selector and the base), so 32-bit
 * offsets above 0xffff work through it.
 */
#include "rt16.inc"
#include "cases.inc"

    BSS
    .balign 4
pm_cr0:    .long 0
pm_sum:    .long 0
pm_esp:    .long 0
pm_cs:     .word 0
pm_msw:    .word 0
pm_ss:     .word 0
int_hits:  .word 0
sgdt_buf:  .space 8
sidt_buf:  .space 8
sidt_buf2: .space 8
lidt_buf:  .space 8

    RODATA
    .balign 8
pm_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff            /* 0x08 code 32-bit, base 0, 4 GiB */
    .quad 0x00cf93000000ffff            /* 0x10 data, base 0, 4 GiB */
    .quad 0x00009b0f0000ffff            /* 0x18 code 16-bit, base 0xf0000, 64 KiB */
    .quad 0x000093000000ffff            /* 0x20 data, base 0, 64 KiB */
pm_gdt_end:
pm_gdt_desc:
    .word pm_gdt_end - pm_gdt - 1
    .long pm_gdt + 0xf0000

    TEXT
    .globl test_main
test_main:
    PRINT "pmode: sidt sgdt smsw mov-from-cr0 in real mode\n"
    sidtl sidt_buf
    CHKD sidt_buf + 2, 0, "sidt after reset: base 0"
    movl %cr0, %eax
    CHKM %ax, 1, 0, "mov eax,cr0: PE = 0"
    smsw %bx
    CHKM %bx, 1, 0, "smsw: PE = 0"

    PRINT "pmode: lidt moves the real-mode interrupt table\n"
    movw $0x1000, %ax
    movw %ax, %es                       /* a table at 0x10000 */
    movw $pm_int40, %es:0x40 * 4
    movw $0xf000, %es:0x40 * 4 + 2
    xorw %ax, %ax
    movw %ax, %es
    movw $0x3ff, lidt_buf
    movl $0x10000, lidt_buf + 2
    lidtl lidt_buf
    sidtl sidt_buf2
    int $0x40                           /* the vector 0x40 at 0x10000 */
    lidtl sidt_buf
    CHKW int_hits, 1, "int 0x40 through the moved table"
    CHKW sidt_buf2, 0x3ff, "sidt after lidt: limit"
    CHKD sidt_buf2 + 2, 0x10000, "sidt after lidt: base"

    PRINT "pmode: lgdt, cr0.pe, far jump to 32-bit code, back to real mode\n"
    lgdtl %cs:pm_gdt_desc
    sgdtl sgdt_buf
    CHKW sgdt_buf, pm_gdt_end-pm_gdt-1, "sgdt: limit"
    CHKD sgdt_buf + 2, pm_gdt + 0xf0000, "sgdt: base"
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $pm_entry32

    .section .text, "ax"
    .code32
pm_entry32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl %cr0, %eax
    movl %eax, pm_cr0
    movw %cs, pm_cs
    smsw pm_msw
    movl %esp, pm_esp
    movl $0x100000, %ebx                /* above 1 MiB (A20 is on) */
    movl $0xcafebabe, (%ebx)
    movl $0x600d600d, 0x100000(%ebx)
    xorl %eax, %eax
    movl $100, %ecx
1:  addl %ecx, %eax
    loop 1b
    movl %eax, pm_sum
    ljmp $0x18, $pm_entry16             /* 16-bit protected mode */

    .section .text16, "ax"
    .code16
pm_entry16:
    movw %ss, pm_ss
    movw $0x20, %ax                     /* 64 KiB segments for SS, FS, GS */
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl %cr0, %eax                     /* DS and ES keep their 4 GiB limit */
    andl $~1, %eax
    movl %eax, %cr0
    ljmp $0xf000, $rm_again

rm_again:
    xorw %ax, %ax
    movw %ax, %ss
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    CHKM pm_cr0, 1, 1, "protected mode: CR0.PE"
    CHKW pm_cs, 0x08, "protected mode: CS"
    CHKW pm_ss, 0x10, "protected mode: SS"
    CHKM pm_msw, 1, 1, "protected mode: smsw"
    CHKD pm_sum, 5050, "protected mode: 32-bit code ran"
    movl %cr0, %eax
    CHKM %ax, 1, 0, "back in real mode: CR0.PE"
    movw %cs, %ax
    CHKW %ax, 0xf000, "back in real mode: CS"

    PRINT "pmode: unreal mode\n"
    movl $0x100000, %ebx
    addr32 movl (%ebx), %eax            /* offset 0x100000 through DS */
    CHKD %eax, 0xcafebabe, "unreal: read ds:0x100000"
    movw $0xffff, %ax
    movw %ax, %fs
    movl %fs:0x10, %eax                 /* the same byte as ffff:0010 */
    xorw %cx, %cx
    movw %cx, %fs
    CHKD %eax, 0xcafebabe, "unreal: ffff:0010 is the same memory"
    addr32 movl 0x100000(%ebx), %eax
    CHKD %eax, 0x600d600d, "unreal: read ds:0x200000"
    addr32 movl $0x12345678, %es:4(%ebx)
    addr32 movl 4(%ebx), %eax
    CHKD %eax, 0x12345678, "unreal: write es:0x100004, read it through ds"
    ret

pm_int40:
    pushw %ds
    pushw $0
    popw %ds
    incw int_hits
    popw %ds
    iretw
