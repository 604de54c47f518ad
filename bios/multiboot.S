/*
 * multiboot.S - option ROM that boots a Multiboot (v1) kernel given with
 * -kernel.
 *
 * The host side (frontend/multiboot.c) has built the kernel's memory image
 * (bss included, as zeros) and an "info blob" (the multiboot information
 * structure first, then the memory map, the module list, the strings and
 * the modules) and put them in fw_cfg items: KERNEL_ADDR/SIZE/DATA,
 * INITRD_ADDR/SIZE/DATA, and the entry point in KERNEL_ENTRY. SeaBIOS
 * calls this ROM's boot entry vector (BEV) because "bootorder" names the
 * ROM first. The BEV copies both blobs with fw_cfg DMA, turns A20 on,
 * switches to 32-bit protected mode with flat segments and enters the
 * kernel as the Multiboot specification (0.6.96, "Machine state") asks:
 * EAX = 0x2BADB002, EBX = the information structure's physical address,
 * CS a 32-bit read/execute segment at 0 with limit 4 GiB, DS/ES/FS/GS/SS
 * read/write segments at 0 with limit 4 GiB, A20 on, CR0.PG = 0,
 * CR0.PE = 1, interrupts off (IF = 0), EFLAGS.VM = 0.
 */
#include "optionrom.inc"

product:
        .asciz  "Multiboot loader (-kernel)"
msg_dma:
        .asciz  "multiboot: fw_cfg DMA failed\r\n"

/* Scratch in low memory (below every kernel: the host refuses loads
 * under 0x8000): the stack top, the GDT, its pseudo-descriptor and the
 * far pointer to the 32-bit code. */
        .set    STACK_TOP, 0x7000
        .set    GDT, 0x7000
        .set    GDTR, 0x7018
        .set    FARPTR, 0x7020
        .set    CODE_SEL, 0x08
        .set    DATA_SEL, 0x10
        .set    MB_BOOT_MAGIC, 0x2badb002

bev:
        cli
        cld
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $STACK_TOP, %sp

        /* A20 on through port 0x92 (fast A20), keeping its reset bit 0. */
        inb     $0x92, %al
        orb     $0x02, %al
        andb    $0xfe, %al
        outb    %al, $0x92

        movw    $KERNEL_ADDR, %ax
        movw    $KERNEL_SIZE, %bx
        movw    $KERNEL_DATA, %si
        call    copy_blob
        movw    $INITRD_ADDR, %ax
        movw    $INITRD_SIZE, %bx
        movw    $INITRD_DATA, %si
        call    copy_blob

        movw    $KERNEL_ENTRY, %ax
        call    cfg_read32
        movl    %eax, %esi
        movw    $INITRD_ADDR, %ax
        call    cfg_read32
        movl    %eax, %ebx

        /* GDT: null, flat 32-bit code (base 0, limit 4 GiB, execute/read),
         * flat data (base 0, limit 4 GiB, read/write). */
        movl    $0, GDT
        movl    $0, GDT + 4
        movl    $0x0000ffff, GDT + 8
        movl    $0x00cf9a00, GDT + 12
        movl    $0x0000ffff, GDT + 16
        movl    $0x00cf9200, GDT + 20
        movw    $23, GDTR
        movl    $GDT, GDTR + 2
        /* The ROM runs wherever SeaBIOS copied it: the 32-bit entry's
         * linear address is CS * 16 + pm32. */
        movw    %cs, %ax
        movzwl  %ax, %eax
        shll    $4, %eax
        addl    $pm32, %eax
        movl    %eax, FARPTR
        movw    $CODE_SEL, FARPTR + 4
        lgdtl   GDTR
        movl    %cr0, %eax
        andl    $0x7fffffff, %eax       /* paging off */
        orb     $0x01, %al              /* protection on */
        movl    %eax, %cr0
        ljmpl   *FARPTR

        .code32
pm32:
        movw    $DATA_SEL, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movl    $STACK_TOP, %esp
        pushl   $0x2                    /* EFLAGS: IF, VM, DF and the rest clear */
        popfl
        movl    $MB_BOOT_MAGIC, %eax
        jmp     *%esi
