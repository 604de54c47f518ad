/*
 * bootsect.S - a boot sector that proves which device SeaBIOS booted.
 *
 * Built three times by tests/images/bootsector.sh (GNU as, --defsym KIND=
 * 1 floppy, 2 hard disk, 3 CD) and linked at 0x7c00: the BIOS loads it
 * there from the floppy's first sector, the disk's MBR or the CD's El Torito
 * no-emulation image. It prints "RINGSIDE BOOT <device> DL=xx" through
 * INT 10h (the text screen: --wait-text finds it) and on the debug ports
 * 0x402 (SeaBIOS's log) and 0xe9, then writes 0x10+KIND to the exit port
 * 0xf4, so the run ends with status ((0x10+KIND) << 1) | 1. DL is the drive
 * number the BIOS passed: 00 floppy, 80 disk, E0 or above for a CD.
 */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $0x7c00, %sp
    ljmp $0, $1f            /* CS:IP = 0:7c00+, whatever the BIOS used */
1:  sti
    movb %dl, boot_drive
    movw $msg, %si
    call puts
    movb boot_drive, %al    /* the drive number, two hex digits */
    shrb $4, %al
    call puthex
    movb boot_drive, %al
    call puthex
    movw $crlf, %si
    call puts
    movb $(0x10 + KIND), %al
    outb %al, $0xf4         /* isa-debug-exit ends the run here */
2:  hlt                     /* without the exit port: stay found */
    jmp 2b

/* Print the NUL-terminated string at DS:SI. */
puts:
    lodsb
    testb %al, %al
    jz 3f
    call putc
    jmp puts
3:  ret

/* Print the low nibble of AL as a hex digit. */
puthex:
    andb $0x0f, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe putc
    addb $('A' - '9' - 1), %al
    /* fall through */

/* Print AL on the screen (INT 10h teletype) and on both debug ports. */
putc:
    pushw %ax
    outb %al, $0xe9
    movw $0x402, %dx
    outb %al, %dx
    movb $0x0e, %ah
    movw $0x0007, %bx
    int $0x10
    popw %ax
    ret

msg:
.if KIND == 1
    .asciz "RINGSIDE BOOT FLOPPY DL="
.elseif KIND == 2
    .asciz "RINGSIDE BOOT HARDDISK DL="
.else
    .asciz "RINGSIDE BOOT CDROM DL="
.endif
crlf:
    .asciz "\r\n"
boot_drive:
    .byte 0

/* One partition (type 0x83, LBA 2048 onwards) so the MBR looks like one
 * to tools; SeaBIOS itself only checks the signature. */
    .org 446
    .byte 0x00, 0x20, 0x21, 0x00, 0x83, 0x00, 0x00, 0x00
    .long 2048, 2048
    .org 510
    .byte 0x55, 0xaa
