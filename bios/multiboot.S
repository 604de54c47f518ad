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
        .code16
        .text
        .globl  _start
_start:
        .byte   0x55, 0xaa
        .byte   0                       /* size in 512-byte blocks: romsum fills it */
        jmp     init                    /* offset 3: the init entry */

        .org    0x18
        .word   0                       /* no PCI data structure */
        .word   pnp_header              /* offset 0x1a: the PnP expansion header */

        .align  16
pnp_header:
        .ascii  "$PnP"
        .byte   1                       /* structure revision */
        .byte   2                       /* length in 16-byte units */
        .word   0                       /* next header: none */
        .byte   0                       /* reserved */
        .byte   0                       /* checksum: romsum fills it */
        .long   0                       /* device identifier */
        .word   manufacturer
        .word   product
        .byte   0x08, 0x00, 0x00        /* device type: mass storage, other */
        .byte   0x14                    /* indicators: IPL device, not a display */
        .word   0                       /* boot connection vector: none */
        .word   0                       /* disconnect vector */
        .word   bev                     /* bootstrap entry vector */
        .word   0                       /* reserved */
        .word   0                       /* static resource information */

manufacturer:
        .asciz  "Ringside"
product:
        .asciz  "Multiboot loader (-kernel)"

/* fw_cfg (QEMU's firmware-config interface) */
        .set    FW_CFG_SEL, 0x510
        .set    FW_CFG_DATA, 0x511
        .set    FW_CFG_DMA_HI, 0x514
        .set    FW_CFG_DMA_LO, 0x518
        .set    KERNEL_ADDR, 0x07
        .set    KERNEL_SIZE, 0x08
        .set    INITRD_ADDR, 0x0a
        .set    INITRD_SIZE, 0x0b
        .set    KERNEL_ENTRY, 0x10
        .set    KERNEL_DATA, 0x11
        .set    INITRD_DATA, 0x12
        .set    DMA_CTL_ERROR, 0x01
        .set    DMA_CTL_READ, 0x02
        .set    DMA_CTL_SELECT, 0x08

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

init:
        lret

/* %ax = item: returns its first 4 bytes (little-endian) in %eax. */
cfg_read32:
        movw    $FW_CFG_SEL, %dx
        outw    %ax, %dx
        movw    $FW_CFG_DATA, %dx
        movw    $4, %cx
1:      inb     %dx, %al
        rorl    $8, %eax
        loop    1b
        ret

/*
 * DMA item %bx's whole contents (%ecx bytes) to physical address %edi.
 * The descriptor (control, length, address; big-endian) is on the stack;
 * SS = 0, so its physical address is %sp.
 */
cfg_dma:
        subw    $16, %sp
        movw    %sp, %bp
        movzwl  %bx, %eax
        shll    $16, %eax
        orl     $(DMA_CTL_SELECT | DMA_CTL_READ), %eax
        bswapl  %eax
        movl    %eax, 0(%bp)
        movl    %ecx, %eax
        bswapl  %eax
        movl    %eax, 4(%bp)
        movl    $0, 8(%bp)
        movl    %edi, %eax
        bswapl  %eax
        movl    %eax, 12(%bp)
        movw    $FW_CFG_DMA_HI, %dx
        xorl    %eax, %eax
        outl    %eax, %dx
        movzwl  %bp, %eax
        bswapl  %eax
        movw    $FW_CFG_DMA_LO, %dx
        outl    %eax, %dx               /* writing the low half starts it */
1:      movl    0(%bp), %eax            /* done when control reads zero */
        bswapl  %eax
        testl   $DMA_CTL_ERROR, %eax
        jnz     dma_failed
        testl   %eax, %eax
        jnz     1b
        addw    $16, %sp
        ret

dma_failed:
        movw    $msg_dma, %si
/* Print %cs:%si through the BIOS teletype, then stop. */
fatal:
        movb    %cs:(%si), %al
        incw    %si
        testb   %al, %al
        jz      2f
        movb    $0x0e, %ah
        movw    $0x0007, %bx
        int     $0x10
        jmp     fatal
2:      cli
        hlt
        jmp     2b

msg_dma:
        .asciz  "multiboot: fw_cfg DMA failed\r\n"

/* %ax = address item, %bx = size item, %si = data item: copy one blob. */
copy_blob:
        pushw   %si
        pushw   %bx
        call    cfg_read32
        movl    %eax, %edi
        popw    %ax
        call    cfg_read32
        movl    %eax, %ecx
        popw    %bx
        jecxz   1f
        call    cfg_dma
1:      ret

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
