/*
 * mb_start.S - the Multiboot header and entry of the multiboot test
 * kernel: an ELF kernel (no a.out kludge, so the loader must read the
 * program headers) that checks what the loader handed it (mb.c).
 */
        .set    MB_MAGIC, 0x1badb002
        .set    MB_FLAGS, 0x00000003    /* modules page-aligned, memory info */

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .text
        .globl  _start
_start:
        /* Save the machine state the spec promises before touching it. */
        movl    %eax, entry_eax
        movl    %ebx, entry_ebx
        pushfl
        popl    entry_eflags
        movl    %cr0, %eax
        movl    %eax, entry_cr0
        movw    %cs, entry_cs
        movw    %ds, entry_ds
        movw    %ss, entry_ss
        movl    $stack_top, %esp
        call    mb_main
        /* mb_main returns the exit code for port 0xf4. */
        outl    %eax, $0xf4
1:      cli
        hlt
        jmp     1b

        .bss
        .balign 16
stack:
        .space  8192
stack_top:
        .globl  entry_eax, entry_ebx, entry_eflags, entry_cr0, entry_cs, entry_ds, entry_ss
entry_eax:      .long 0
entry_ebx:      .long 0
entry_eflags:   .long 0
entry_cr0:      .long 0
entry_cs:       .word 0
entry_ds:       .word 0
entry_ss:       .word 0
        .section .note.GNU-stack, "", @progbits
