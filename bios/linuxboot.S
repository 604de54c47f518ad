/*
 * linuxboot.S - option ROM that boots a Linux kernel given with -kernel.
 *
 * The host side (frontend/boot.c) has already parsed the bzImage, patched
 * its setup header (loader type, command line pointer, initrd address,
 * heap end) and put the pieces into firmware-config items. SeaBIOS runs
 * this ROM's init entry (which does nothing) and, because the ROM has a
 * PnP header with a boot entry vector (BEV) and "bootorder" names it
 * first, calls the BEV when it is time to boot. The BEV copies the setup,
 * the kernel, the initrd and the command line to where the host said,
 * with fw_cfg DMA (so nothing here needs protected mode to reach memory
 * above 1 MiB), and jumps to the real-mode setup code the way the boot
 * protocol (Documentation/x86/boot.rst, "Running the kernel") asks:
 * segment registers = the setup segment, SP below the command line,
 * entry at setup segment + 0x20, offset 0.
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
        .asciz  "Linux loader (-kernel)"

/* fw_cfg (QEMU's firmware-config interface) */
        .set    FW_CFG_SEL, 0x510
        .set    FW_CFG_DATA, 0x511
        .set    FW_CFG_DMA_HI, 0x514
        .set    FW_CFG_DMA_LO, 0x518
        .set    KERNEL_ADDR, 0x07
        .set    KERNEL_SIZE, 0x08
        .set    INITRD_ADDR, 0x0a
        .set    INITRD_SIZE, 0x0b
        .set    KERNEL_DATA, 0x11
        .set    INITRD_DATA, 0x12
        .set    CMDLINE_ADDR, 0x13
        .set    CMDLINE_SIZE, 0x14
        .set    CMDLINE_DATA, 0x15
        .set    SETUP_ADDR, 0x16
        .set    SETUP_SIZE, 0x17
        .set    SETUP_DATA, 0x18
        .set    DMA_CTL_ERROR, 0x01
        .set    DMA_CTL_READ, 0x02
        .set    DMA_CTL_SELECT, 0x08

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
 * The descriptor lives on the stack (SS = 0 here, so its linear address is
 * %sp): control, length, address, all big-endian.
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
        movl    $0, 8(%bp)              /* address, high half */
        movl    %edi, %eax
        bswapl  %eax
        movl    %eax, 12(%bp)
        movw    $FW_CFG_DMA_HI, %dx
        xorl    %eax, %eax
        outl    %eax, %dx
        movzwl  %bp, %eax               /* linear address of the descriptor */
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
        jmp     fatal

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
        .asciz  "linuxboot: fw_cfg DMA failed\r\n"

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
        movw    $0x7000, %sp

        movw    $SETUP_ADDR, %ax
        movw    $SETUP_SIZE, %bx
        movw    $SETUP_DATA, %si
        call    copy_blob
        movw    $KERNEL_ADDR, %ax
        movw    $KERNEL_SIZE, %bx
        movw    $KERNEL_DATA, %si
        call    copy_blob
        movw    $INITRD_ADDR, %ax
        movw    $INITRD_SIZE, %bx
        movw    $INITRD_DATA, %si
        call    copy_blob
        movw    $CMDLINE_ADDR, %ax
        movw    $CMDLINE_SIZE, %bx
        movw    $CMDLINE_DATA, %si
        call    copy_blob

        /* SP = command line - setup - 0x10 (inside the setup's segment,
         * below the command line, above the heap the header declares). */
        movw    $CMDLINE_ADDR, %ax
        call    cfg_read32
        movl    %eax, %ebx
        movw    $SETUP_ADDR, %ax
        call    cfg_read32
        subl    %eax, %ebx
        subl    $0x10, %ebx
        shrl    $4, %eax                /* the setup's segment */
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movw    %bx, %sp
        addw    $0x20, %ax
        pushw   %ax
        pushw   $0
        lret
