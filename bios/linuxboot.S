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
#include "optionrom.inc"

product:
        .asciz  "Linux loader (-kernel)"
msg_dma:
        .asciz  "linuxboot: fw_cfg DMA failed\r\n"

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
