/*
 * segment.S - real-mode addressing: 16-bit offset wrap-around (base +
 * index + displacement modulo 64 KiB), the stack pointer wrapping, segment
 * arithmetic (seg * 16 + offset), default segments (BP/EBP/ESP -> SS, the
 * rest -> DS), 32-bit addressing through 0x67, segment overrides on string
 * sources, string instructions by address size (SI/DI/CX vs ESI/EDI/ECX),
 * and the A20 gate through port 0x92 (SDM vol. 3, 21.1 and 8.7.13 on A20M).
 *
 * Every access stays at offsets 0-0xffff (beyond is #GP/#SS: limits.S).
 * The check macros address their state through SS, so SS is 0 whenever
 * a check runs.
 */
#include "rt16.inc"
#include "cases.inc"

    BSS
    .balign 4
seg_probe: .space 4
seg_src:   .space 8
seg_dst:   .space 8

    TEXT
    .globl test_main
test_main:
    PRINT "segment: 16-bit offsets wrap around\n"
    movw $0x1000, %ax
    movw %ax, %ds                       /* DS base 0x10000 */
    movb $0xa1, 0x0002
    movb $0xa2, 0x0008
    movb $0xa3, 0xfffe
    movw $0xfffe, %bx
    movw $4, %si
    movb (%bx,%si), %al                 /* 0xfffe + 4 = 0x0002 */
    movw $0xfff8, %bx
    movb 0x10(%bx), %ah                 /* 0xfff8 + 0x10 = 0x0008 */
    movw $0xffff, %di
    movb 3(%di), %cl                    /* 0xffff + 3 = 0x0002 */
    movw $0x0004, %bx
    movb -6(%bx), %ch                   /* 4 - 6 = 0xfffe */
    movl $2, %ebx
    addr32 movb (%ebx), %dl             /* 67: 32-bit address 2 */
    movl $0, %ebx
    movl $2, %esi
    addr32 movb (%ebx,%esi,4), %dh      /* 67: 0 + 2 * 4 = 8 */
    xorw %bx, %bx
    movw %bx, %ds
    CHKW %ax, 0xa2a1, "[bx+si], [bx+disp] wrap"
    CHKW %cx, 0xa3a1, "[di+disp] wrap, negative displacement"
    CHKW %dx, 0xa2a1, "32-bit addresses (ebx), (ebx,esi,4)"

    PRINT "segment: seg*16+offset, default segments (bp/ebp/esp -> ss)\n"
    movw $0x1234, %ax
    movw %ax, %es
    movb $0x5c, %es:0x0010              /* 1234:0010 = 0x12350 */
    movw $0x1235, %ax
    movw %ax, %es
    movb %es:0x0000, %al                /* 1235:0000, the same byte */
    xorw %bx, %bx
    movw %bx, %es
    CHKM %ax, 0xff, 0x5c, "1234:0010 and 1235:0000 are one byte"
    movw $0x1000, %ax
    movw %ax, %ds                       /* DS base 0x10000, SS base 0 */
    movw $seg_probe, %bp
    movb $0x11, (%bp)                   /* SS:seg_probe */
    movb $0x22, %ds:(%bp)               /* 1000:seg_probe */
    movl $seg_probe + 1, %ebp
    addr32 movb $0x33, (%ebp)           /* SS */
    movl $seg_probe + 1, %eax
    addr32 movb $0x44, (%eax)           /* DS */
    xorw %ax, %ax
    movw %ax, %ds
    movb seg_probe, %al
    movb seg_probe + 1, %ah
    CHKW %ax, 0x3311, "bp and ebp address SS"
    movw $0x1000, %ax
    movw %ax, %es
    movb %es:seg_probe, %al
    movb %es:seg_probe + 1, %ah
    xorw %bx, %bx
    movw %bx, %es
    CHKW %ax, 0x4422, "ds: override on bp, (eax) in DS"

    PRINT "segment: the stack pointer wraps at 64 KiB\n"
    movw %sp, %di
    movw $0x1000, %ax
    movw %ax, %ss
    movw $0, %sp
    pushw $0xbeef                       /* SP 0 -> 0xfffe */
    movw %sp, %cx
    popw %dx                            /* SP 0xfffe -> 0 */
    movw %sp, %bx
    xorw %ax, %ax
    movw %ax, %ss
    movw %di, %sp
    CHKW %cx, 0xfffe, "push at sp=0: sp"
    CHKW %dx, 0xbeef, "pop: the value"
    CHKW %bx, 0, "pop at sp=0xfffe: sp"
    movw $0x1000, %ax
    movw %ax, %es
    movw %es:0xfffe, %ax
    xorw %bx, %bx
    movw %bx, %es
    CHKW %ax, 0xbeef, "push at sp=0 wrote 1000:fffe"

    PRINT "segment: overrides on string sources\n"
    movl $0x44332211, seg_src
    movl $0, seg_dst
    movw $0x0001, %ax
    movw %ax, %fs                       /* FS base 0x10 */
    movl $seg_src - 0x10, %esi
    fs lodsb
    CHKM %ax, 0xff, 0x11, "fs lodsb"
    CHKD %esi, seg_src-0x10+1, "fs lodsb: esi"
    movw $0x0001, %ax
    movw %ax, %es                       /* ES base 0x10 too: es movsb */
    movw $seg_src - 0x10 + 1, %si
    movw $seg_dst - 0x10, %di
    es movsb                            /* source ES:SI, destination ES:DI */
    xorw %ax, %ax
    movw %ax, %es
    movw %ax, %fs
    CHKD seg_dst, 0x22, "es movsb"
    movw $0x1000, %ax
    movw %ax, %ds                       /* SS base 0 */
    movw $seg_src + 2, %si
    movw $seg_dst + 1, %di
    ss movsb                            /* from SS:SI */
    movw $seg_src + 3, %si
    movw $1, %cx
    rep ss movsb
    xorw %ax, %ax
    movw %ax, %ds
    CHKD seg_dst, 0x00443322, "ss movsb, rep ss movsb"

    PRINT "segment: string instructions by address size\n"
    movl $0x1234ffff, %esi
    lodsb                               /* a16: si wraps, upper half kept */
    CHKD %esi, 0x12340000, "lodsb (si=0xffff): esi"
    movl $0x0000ffff, %esi
    addr32 lodsb                        /* a32: esi = 0x10000 */
    CHKD %esi, 0x00010000, "addr32 lodsb (esi=0xffff): esi"
    movl $seg_src, %esi
    movl $seg_dst, %edi
    movl $0x00010002, %ecx
    rep movsb                           /* a16: cx = 2 */
    CHKD %ecx, 0x00010000, "rep movsb (cx=2): ecx"
    CHKD %esi, seg_src + 2, "rep movsb (cx=2): esi"
    movl $0x00000003, %ecx
    addr32 rep movsb                    /* a32: ecx = 3 */
    CHKD %ecx, 0, "addr32 rep movsb: ecx"
    CHKD %edi, seg_dst + 5, "addr32 rep movsb: edi"
    std
    movl $0x55550001, %edi
    movl $2, %ecx
    movb $0, %al
    movb 0, %bl
    movb 1, %bh                         /* IVT bytes 0 and 1: kept and put back */
    rep stosb                           /* a16, DF=1: di 1 -> 0xffff */
    movb %bl, 0
    movb %bh, 1
    CHKD %edi, 0x5555ffff, "std; rep stosb from di=1: edi"
    movl $0x00000001, %edi
    movl $2, %ecx
    addr32 rep stosb                    /* a32: edi 1 -> 0xffffffff */
    movb %bl, 0
    movb %bh, 1
    cld
    CHKD %edi, 0xffffffff, "std; addr32 rep stosb from edi=1: edi"

    PRINT "segment: the A20 gate (port 0x92 bit 1)\n"
    inb $0x92, %al                      /* A20 on (its reset state is the board's) */
    orb $0x02, %al
    andb $~0x01, %al
    outb %al, $0x92
    inb $0x92, %al
    CHKM %ax, 0x02, 0x02, "port 0x92 reads A20 on"
    movb $0xaa, seg_probe               /* 0000:x   = x */
    movw $0xffff, %ax
    movw %ax, %es
    movb $0x55, %es:seg_probe + 0x10    /* ffff:x+10 = 0x100000 + x */
    CHKM seg_probe, 0xff, 0xaa, "A20 on: 1 MiB + x is not x"
    inb $0x92, %al
    andb $~0x03, %al                    /* A20 off (and no reset) */
    outb %al, $0x92
    inb $0x92, %al
    CHKM %ax, 0x02, 0, "port 0x92 reads A20 off"
    movb %es:seg_probe + 0x10, %al
    CHKM %ax, 0xff, 0xaa, "A20 off: ffff:x+10 reads x"
    movb $0x77, %es:seg_probe + 0x10
    CHKM seg_probe, 0xff, 0x77, "A20 off: ffff:x+10 writes x"
    inb $0x92, %al
    orb $0x02, %al
    outb %al, $0x92
    movb %es:seg_probe + 0x10, %al
    CHKM %ax, 0xff, 0x55, "A20 on again: 1 MiB + x kept its byte"
    CHKM seg_probe, 0xff, 0x77, "A20 on again: x"
    xorw %ax, %ax
    movw %ax, %es
    ret
