/*
 * roms.S - our option ROMs (bios/), built at build time and embedded here
 * so the binary needs no data files of its own.
 */
        .section .rodata
        .globl  linuxboot_rom, linuxboot_rom_end
        .balign 16
linuxboot_rom:
        .incbin "linuxboot.bin"
linuxboot_rom_end:
        .globl  multiboot_rom, multiboot_rom_end
        .balign 16
multiboot_rom:
        .incbin "multiboot.bin"
multiboot_rom_end:
        .section .note.GNU-stack, "", @progbits
