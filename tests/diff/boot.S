/*
 * boot.S - the differential test ROM's start: from the reset vector
 * (F000:FFF0, real mode) to flat 32-bit protected mode at CPL 0, then
 * guest_main() in C, then the exit port.
 *
 * Real mode: enable A20 (port 0x92), LGDT, CR0.PE, a far jump to the 32-bit
 * code segment. 32-bit: flat data segments, a stack in RAM, .data copied
 * from the ROM, .bss cleared, guest_main(), then `out 0 -> 0xf4` (ringside
 * and QEMU's isa-debug-exit exit with status 1).
 *
 * Also the 32 exception stubs the IDT points at (guest.c builds the IDT):
 * each pushes a dummy error code where the CPU pushes none, and its vector,
 * then goes to rs_fault (runner.S).
 */
/* guest.ld places .reset16 at 0xFFF00: offsets of its symbols in segment F000 */
#define ROM16(sym) ((sym) - reset16 + 0xff00)

    .section .reset16, "ax"
    .code16
    .globl reset16
reset16:
    cli
    cld
    inb $0x92, %al
    orb $2, %al
    andb $0xfe, %al
    outb %al, $0x92
    lgdtl %cs:ROM16(gdt_ptr)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $pm32

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff /* 0x08: flat 32-bit code, ring 0 */
    .quad 0x00cf93000000ffff /* 0x10: flat 32-bit data, ring 0 */
gdt_ptr:
    .word gdt_ptr - gdt - 1
    .long gdt

    .section .resetvec, "ax"
    .code16
    ljmpw $0xf000, $0xff00 /* reset16 */

    .text
    .code32
pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl $__stack_top, %esp
    /* plain loops: the harness uses as few kinds of instruction as it can */
    movl $__data_lma, %esi
    movl $__data_start, %edi
1:  cmpl $__data_end, %edi
    jae 2f
    movl (%esi), %eax
    movl %eax, (%edi)
    addl $4, %esi
    addl $4, %edi
    jmp 1b
2:  movl $__bss_start, %edi
3:  cmpl $__bss_end, %edi
    jae 4f
    movl $0, (%edi)
    addl $4, %edi
    jmp 3b
4:
    call guest_main
    movb $0, %al
    outb %al, $0xf4
5:  hlt
    jmp 5b

/* Exception stubs. Vectors 8, 10-14 and 17 push an error code. */
.macro STUB n
isr\n:
.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17)
.else
    pushl $0
.endif
    pushl $\n
    jmp rs_fault
.endm
.altmacro
.macro STUBS from, to
    STUB %from
.if \to - \from
    STUBS %(from + 1), \to
.endif
.endm
    STUBS 0, 31

.macro ENTRY n
    .long isr\n
.endm
.macro ENTRIES from, to
    ENTRY %from
.if \to - \from
    ENTRIES %(from + 1), \to
.endif
.endm
    .section .rodata
    .p2align 2
    .globl isr_table
isr_table:
    ENTRIES 0, 31

    .section .note.GNU-stack, "", @progbits
