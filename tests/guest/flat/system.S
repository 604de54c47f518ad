/*
 * system.S - system instructions at CPL 0 in flat protected mode:
 * SGDT/SIDT/LGDT/LIDT, SMSW/LMSW/CLTS, MOV to and from CR0/CR2/CR3/CR4 and
 * DR0-DR7, INVD/WBINVD/INVLPG, RDMSR/WRMSR, RDPMC, the protected-mode-only
 * SLDT/LLDT/STR/LTR/VERR/VERW/LAR/LSL/ARPL, and SYSENTER/SYSEXIT (their
 * #GP(0) while SYSENTER_CS is 0, a CPL 0 -> 0 SYSENTER, and last a SYSEXIT
 * to CPL 3 that finishes the test there, with IOPL 3 for the ports).
 *
 * Values from the SDM: DR6 = 0xffff0ff0 and DR7 = 0x00000400 after reset
 * (vol. 3, table 9-1; DR7 bit 10 reads 1); LAR returns the descriptor's
 * second dword masked with 0x00fxff00 (x = limit bits, undefined, masked
 * out here); LSL the byte-granular limit; LTR marks the TSS busy; LMSW
 * cannot clear PE.
 */
#include "rt32.inc"
#include "cases.inc"

    .set SEL_LDT, 0x28
    .set SEL_TSS, 0x30
    .set SEL_CODE_XO, 0x38
    .set MSR_SYSENTER_CS, 0x174
    .set MSR_SYSENTER_ESP, 0x175
    .set MSR_SYSENTER_EIP, 0x176

    BSS
    .balign 8
sys_buf:    .space 16
ldt_table:  .space 16
tss:        .space 104
se_stack:   .space 256
se_esp:     .long 0
se_cs:      .long 0
se_ss:      .long 0
saved_esp:  .long 0

    TEXT
    .globl guest_main
guest_main:
    PRINT "system: sgdt sidt lgdt lidt\n"
    sgdtl sys_buf
    CHKW sys_buf, GDT32_ENTRIES*8-1, "sgdt: limit"
    CHKD sys_buf + 2, gdt32_ram, "sgdt: base"
    lgdtl sys_buf
    sidtl sys_buf
    CHKW sys_buf, 0x7ff, "sidt: limit"
    CHKD sys_buf + 2, idt32, "sidt: base"
    lidtl sys_buf

    PRINT "system: smsw lmsw clts, cr0 cr2 cr3 cr4\n"
    movl $0xffffffff, %eax
    smsw %ax
    CHKM %ax, 1, 1, "smsw: PE"
    smsw sys_buf
    CHKM sys_buf, 1, 1, "smsw [mem]: PE"
    movl %cr0, %esi
    movl %esi, %eax
    orw $0x0008, %ax
    lmsw %ax                            /* sets TS */
    movl %cr0, %eax
    CHKM %ax, 0x0009, 0x0009, "lmsw: TS set, PE kept"
    clts
    movl %cr0, %eax
    CHKM %ax, 0x0009, 0x0001, "clts: TS clear"
    movw $0, %ax
    lmsw %ax                            /* cannot clear PE */
    movl %cr0, %eax
    CHKM %ax, 1, 1, "lmsw 0: PE stays"
    movl %esi, %cr0
    movl $0x12345000, %eax
    movl %eax, %cr2
    movl %cr2, %ebx
    CHKD %ebx, 0x12345000, "mov cr2"
    movl %cr3, %esi
    movl $0x00123000, %eax
    movl %eax, %cr3
    movl %cr3, %ebx
    movl %esi, %cr3
    CHKD %ebx, 0x00123000, "mov cr3 (paging off)"
    movl %cr4, %esi
    movl $0, %eax
    movl %eax, %cr4
    movl %cr4, %ebx
    movl %esi, %cr4
    CHKD %ebx, 0, "mov cr4"

    PRINT "system: debug registers\n"
    movl %dr6, %eax
    CHKD %eax, 0xffff0ff0, "dr6 after reset"
    movl %dr7, %eax
    CHKD %eax, 0x00000400, "dr7 after reset"
    movl $0x11111111, %eax
    movl %eax, %dr0
    movl $0x22222222, %eax
    movl %eax, %dr1
    movl $0x33333333, %eax
    movl %eax, %dr2
    movl $0x44444444, %eax
    movl %eax, %dr3
    movl %dr0, %eax
    CHKD %eax, 0x11111111, "dr0"
    movl %dr1, %eax
    CHKD %eax, 0x22222222, "dr1"
    movl %dr2, %eax
    CHKD %eax, 0x33333333, "dr2"
    movl %dr3, %eax
    CHKD %eax, 0x44444444, "dr3"
    movl $0, %eax
    movl %eax, %dr7
    movl %dr7, %eax
    CHKD %eax, 0x00000400, "dr7 written 0 reads 0x400"

    PRINT "system: invd wbinvd invlpg, rdmsr wrmsr, rdpmc\n"
    movl $0x5a5a5a5a, sys_buf
    wbinvd                              /* 0f 09 */
    invlpg sys_buf                      /* 0f 01 /7 */
    CHKD sys_buf, 0x5a5a5a5a, "wbinvd, invlpg keep memory"
    invd                                /* 0f 08 (no cache to lose here) */
    movl $MSR_SYSENTER_CS, %ecx
    movl $0x00000123, %eax
    movl $0, %edx
    wrmsr                               /* 0f 30 */
    movl $0, %eax
    movl $0xffffffff, %edx
    rdmsr                               /* 0f 32 */
    CHKD %eax, 0x123, "wrmsr/rdmsr sysenter_cs: eax"
    CHKD %edx, 0, "wrmsr/rdmsr sysenter_cs: edx"
    movl $MSR_SYSENTER_EIP, %ecx
    movl $0xcafebabe, %eax
    wrmsr
    rdmsr
    CHKD %eax, 0xcafebabe, "wrmsr/rdmsr sysenter_eip"
    /* RDPMC at CPL 0 with counter 0: a P6 returns the counter; QEMU 7.2
     * raises #UD (it has no counters). Either way it is executed. */
    xorl %ecx, %ecx
    TRAP_EXPECT 1f
    rdpmc                               /* 0f 33 */
    movl $0, %ss:trap_resume
    movl $0xffffffff, %ss:trap_vector
1:  movl %ss:trap_vector, %eax
    cmpl $6, %eax
    je 2f
    CHKD %eax, 0xffffffff, "rdpmc: no exception (or #UD)"
2:

    PRINT "system: sldt lldt str ltr verr verw lar lsl arpl\n"
    sldt %eax                           /* 0f 00 /0 */
    CHKW %ax, 0, "sldt after reset: null"
    SET_DESC SEL_LDT, ldt_table, 15, 0x0082
    movl $0x0000ffff, ldt_table + 8     /* LDT entry 1: flat data */
    movl $0x00cf9300, ldt_table + 12
    movw $SEL_LDT, %ax
    lldt %ax                            /* 0f 00 /2 */
    sldt %bx
    CHKW %bx, SEL_LDT, "lldt, sldt"
    movw $0x000c, %ax                   /* index 1, TI = 1 */
    movw %ax, %fs
    movl $0x600dbeef, sys_buf
    movl %fs:sys_buf, %eax
    CHKD %eax, 0x600dbeef, "fs from the LDT"
    movw $SEL_DATA32, %ax
    movw %ax, %fs
    movw $0, %ax
    lldt %ax                            /* a null LDT */
    sldt sys_buf
    CHKW sys_buf, 0, "lldt 0, sldt [mem]"
    str %eax                            /* 0f 00 /1 */
    CHKW %ax, 0, "str after reset: null"
    SET_DESC SEL_TSS, tss, 0x67, 0x0089
    movw $SEL_TSS, %ax
    ltr %ax                             /* 0f 00 /3 */
    str %bx
    CHKW %bx, SEL_TSS, "ltr, str"
    CHKM gdt32_ram + SEL_TSS + 4, 0x0f00, 0x0b00, "ltr marks the TSS busy"
    str sys_buf
    CHKW sys_buf, SEL_TSS, "str [mem]"
    SET_DESC SEL_CODE_XO, 0, 0xfffff, ATTR_G | ATTR_D | 0x0099
    .macro VER_CASE insn, sel, zf
    movw $\sel, %ax
    SETF (\zf) ^ ZF
    \insn %ax
    CHKF ZF, \zf, "\insn \sel"
    .endm
    VER_CASE verr, SEL_CODE32, ZF            /* 0f 00 /4 */
    VER_CASE verr, SEL_DATA32, ZF
    VER_CASE verr, SEL_CODE_XO, 0
    VER_CASE verr, 0x1f8, 0
    VER_CASE verr, SEL_LDT, 0
    VER_CASE verw, SEL_DATA32, ZF            /* 0f 00 /5 */
    VER_CASE verw, SEL_CODE32, 0
    VER_CASE verw, 0, 0
    .macro LAR_CASE sel, zf, val
    movl $0x5a5a5a5a, %eax
    movl $\sel, %ebx
    SETF (\zf) ^ ZF
    larl %ebx, %eax                     /* 0f 02 */
    CHKF ZF, \zf, "lar \sel: ZF"
    andl $0x00f0ff00, %eax
    CHKD %eax, \val, "lar \sel"
    .endm
    LAR_CASE SEL_DATA32, ZF, 0x00c09300
    LAR_CASE SEL_CODE32, ZF, 0x00c09b00
    LAR_CASE SEL_CODE16, ZF, 0x00009b00
    LAR_CASE SEL_TSS, ZF, 0x00008b00
    LAR_CASE 0x1f8, 0, 0x00505a00
    movl $0x5a5a5a5a, %eax
    movw $SEL_DATA16, %bx
    larw %bx, %ax
    CHKD %eax, 0x5a5a9300, "lar ax,data16"
    .macro LSL_CASE sel, zf, val
    movl $0x5a5a5a5a, %eax
    movl $\sel, %ebx
    SETF (\zf) ^ ZF
    lsll %ebx, %eax                     /* 0f 03 */
    CHKF ZF, \zf, "lsl \sel: ZF"
    CHKD %eax, \val, "lsl \sel"
    .endm
    LSL_CASE SEL_DATA32, ZF, 0xffffffff
    LSL_CASE SEL_DATA16, ZF, 0x0000ffff
    LSL_CASE SEL_TSS, ZF, 0x00000067
    LSL_CASE SEL_LDT, ZF, 0x0000000f
    LSL_CASE 0, 0, 0x5a5a5a5a
    movw $SEL_DATA16, %bx
    lslw %bx, %ax
    CHKD %eax, 0x5a5affff, "lsl ax,data16"
    movl $0x5a5a0010, %eax
    movw $0x0003, %bx
    SETF 0
    arpl %bx, %ax                       /* 63: RPL 0 < 3: raised */
    CHKD %eax, 0x5a5a0013, "arpl 0x10,3"
    CHKF ZF, ZF, "arpl 0x10,3: ZF"
    movw $0x0001, %bx
    arpl %bx, %ax                       /* RPL 3 >= 1: unchanged */
    CHKD %eax, 0x5a5a0013, "arpl 0x13,1"
    CHKF ZF, 0, "arpl 0x13,1: ZF"
    movw $0x0028, sys_buf
    movw $0x0002, %bx
    arpl %bx, sys_buf
    CHKW sys_buf, 0x002a, "arpl [mem],2"

    PRINT "system: sysenter, sysexit\n"
    movl $MSR_SYSENTER_CS, %ecx
    xorl %eax, %eax
    xorl %edx, %edx
    wrmsr
    EXPECT_FAULT 13, "sysenter with SYSENTER_CS = 0", sysenter
    CHKD %ss:trap_err, 0, "sysenter #GP: error code"
    EXPECT_FAULT 13, "sysexit with SYSENTER_CS = 0", sysexit
    movl $MSR_SYSENTER_CS, %ecx
    movl $SEL_CODE32, %eax              /* CS 0x08, SS 0x10; exit: 0x1b, 0x23 */
    wrmsr
    movl $MSR_SYSENTER_ESP, %ecx
    movl $se_stack + 256, %eax
    wrmsr
    movl $MSR_SYSENTER_EIP, %ecx
    movl $se_target, %eax
    wrmsr
    movl %esp, saved_esp
    sysenter                            /* 0f 34 */
    EXIT 1
se_target:
    movl %esp, se_esp
    movw %cs, se_cs
    movw %ss, se_ss
    movl saved_esp, %esp
    CHKD se_esp, se_stack + 256, "sysenter: esp from the MSR"
    CHKW se_cs, SEL_CODE32, "sysenter: cs"
    CHKW se_ss, SEL_DATA32, "sysenter: ss"
    pushfl
    orl $0x3000, (%esp)                 /* IOPL 3: ring 3 may use the ports */
    popfl
    movl %esp, %ecx                     /* ring 3 goes on with this stack */
    movl $ring3, %edx
    sysexit                             /* 0f 35: to CPL 3 */
    EXIT 1
ring3:
    movw %cs, %ax
    CHKW %ax, SEL_CODE16 | 3, "sysexit: cs = SYSENTER_CS + 16, RPL 3"
    movw %ss, %ax
    CHKW %ax, SEL_DATA16 | 3, "sysexit: ss = SYSENTER_CS + 24, RPL 3"
    PRINT "system: running at CPL 3 after sysexit\n"
    ret                                 /* boot32 reports from ring 3 */
