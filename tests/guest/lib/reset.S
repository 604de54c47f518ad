/*
 * reset.S - the 16 bytes at F000:FFF0 where the CPU starts.
 *
 * At reset CS.base is 0xFFFF0000 (SDM vol. 3, 9.1.4), so the first far jump
 * goes to F000:xxxx, the image's low mapping; every ROM's start-up code
 * (start16.S or boot32.S) defines _start16.
 */
    .section .reset, "ax"
    .code16
    .globl _reset
_reset:
    ljmp $0xf000, $_start16
