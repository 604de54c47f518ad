/* string.S - cases/string.inc in flat 32-bit protected mode, then what is
 * particular to it: segment overrides on the source through a segment
 * whose base is not 0, and the 16-bit address size (67: SI, DI, CX). */
#include "rt32.inc"
#include "cases.inc"

    .set SEL_BASED, SEL_FREE            /* data, base 0x100, 4 GiB */
    .set LOW, 0x7000                    /* below 64 KiB: reachable with SI/DI */

    TEXT
    .globl guest_main
guest_main:
#include "../cases/string.inc"

    PRINT "string: overrides through a segment with base 0x100\n"
    SET_DESC SEL_BASED, 0x100, 0xfffff, ATTR_G | ATTR_D | ATTR_DATA
    movw $SEL_BASED, %ax
    movw %ax, %fs
    movw %ax, %gs
    movl $0x44332211, str_src
    movl $0, str_dst
    movl $str_src - 0x100, %esi
    fs lodsb
    CHKM %ax, 0xff, 0x11, "fs lodsb"
    movl $str_dst, %edi
    movl $2, %ecx
    rep gs movsb                        /* source GS:ESI, destination ES:EDI */
    CHKD str_dst, 0x3322, "rep gs movsb"
    movl $str_src + 1 - 0x100, %esi
    movl $str_dst, %edi
    fs cmpsw
    CHKF ZF, ZF, "fs cmpsw (equal)"
    movw $SEL_DATA32, %ax
    movw %ax, %fs
    movw %ax, %gs

    PRINT "string: 16-bit address size (si, di, cx)\n"
    movl $0x0201aaaa, LOW
    movl $0xabcd0000 + LOW + 2, %esi
    addr16 lodsw                        /* [si]; esi's top half kept */
    CHKW %ax, 0x0201, "addr16 lodsw"
    CHKD %esi, 0xabcd0000 + LOW + 4, "addr16 lodsw: esi"
    movl $LOW + 2, %esi
    movl $0x55550000 + LOW + 8, %edi
    movl $0x00010002, %ecx
    addr16 rep movsb                    /* cx = 2 */
    CHKD %ecx, 0x00010000, "addr16 rep movsb: ecx"
    CHKD %edi, 0x55550000 + LOW + 10, "addr16 rep movsb: edi"
    CHKW LOW + 8, 0x0201, "addr16 rep movsb: the bytes"
    movl $0x1234ffff, %esi
    addr16 lodsb                        /* [0xffff]; si wraps to 0 */
    CHKD %esi, 0x12340000, "addr16 lodsb at si=0xffff: esi"
    movl $0, %ecx
    movl $0x5555ffff, %edi
    SETF ARITH
    addr16 repe scasb                   /* count 0 */
    CHKF ARITH, ARITH, "addr16 repe scasb, cx=0: flags"
    CHKD %edi, 0x5555ffff, "addr16 repe scasb, cx=0: edi"
    ret
