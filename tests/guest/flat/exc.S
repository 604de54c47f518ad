/*
 * exc.S - exceptions in flat 32-bit protected mode, delivered through the
 * IDT (32-bit interrupt gates): #DE; #UD for UD2, UD1, UD0, RSM outside
 * SMM, LOCK on a register destination or a non-lockable instruction, MOV
 * to CS, register forms of memory-only instructions and undefined group
 * members; #BR; #GP, #NP and #SS with their error codes (SDM vol. 3, 6.13:
 * the selector, or vector * 8 + 2 for an IDT entry) on segment loads, far
 * jumps and INT n beyond the IDT limit or through a not-present gate. Every
 * fault is precise: the saved EIP is the faulting instruction and the
 * registers it would have changed are as they were.
 */
#include "rt32.inc"
#include "cases.inc"

    BSS
    .balign 4
exc_scratch: .space 16
idt_small:   .space 8
idt_saved:   .space 8

    TEXT
    .macro UD name, bytes:vararg
    EXPECT_FAULT 6, "\name", .byte \bytes
    .endm
/* GPE vector, error, "name", instruction: a fault with an error code */
    .macro FAULT_ERR vec, err, name, insn:vararg
    EXPECT_FAULT \vec, "\name", \insn
    CHKD %ss:trap_err, \err, "\name: error code"
    .endm

    .globl guest_main
guest_main:
    PRINT "exc: #DE, #BR\n"
    movl $0x11111111, %eax
    movl $0x22222222, %edx
    movl $0, %ebx
    EXPECT_FAULT 0, "div edx:eax,0", divl %ebx
    CHKD %eax, 0x11111111, "#DE: eax kept"
    CHKD %edx, 0x22222222, "#DE: edx kept"
    CHKD %ss:trap_err, 0, "#DE: no error code"
    movl $0, exc_scratch
    movl $3, exc_scratch + 4
    movl $4, %eax
    EXPECT_FAULT 5, "bound 4 in 0..3", boundl %eax, exc_scratch

    PRINT "exc: #UD\n"
    EXPECT_FAULT 6, "ud2", ud2
    UD "ud1 (0f b9)", 0x0f, 0xb9, 0xc0
    UD "ud0 (0f ff)", 0x0f, 0xff, 0xc0
    UD "rsm outside SMM (0f aa)", 0x0f, 0xaa
    movl $1, %eax
    movl $2, %ebx
    UD "lock add eax,ebx", 0xf0, 0x01, 0xd8
    CHKD %eax, 1, "lock add eax,ebx: eax kept"
    UD "lock inc eax (ff /0)", 0xf0, 0xff, 0xc0
    UD "lock cmpxchg eax,ecx", 0xf0, 0x0f, 0xb1, 0xc8
    UD "lock nop", 0xf0, 0x90
    UD "mov cs,ax (8e /1)", 0x8e, 0xc8
    UD "lea eax,eax (8d, mod 3)", 0x8d, 0xc0
    UD "cmpxchg8b eax (0f c7 /1, mod 3)", 0x0f, 0xc7, 0xc8
    UD "lgdt eax (0f 01 /2, mod 3)", 0x0f, 0x01, 0xd0
    UD "fe /7", 0xfe, 0xf8
    UD "ff /7", 0xff, 0xf8
    UD "0f ba /0", 0x0f, 0xba, 0xc0, 0x01
    UD "0f 0b twice (ud2 is ud2)", 0x0f, 0x0b

    PRINT "exc: #GP, #NP, #SS with error codes\n"
    SET_DESC 0x28, 0, 0xfffff, ATTR_G | ATTR_D | ATTR_DATA_RO
    SET_DESC 0x30, 0, 0xfffff, ATTR_G | ATTR_D | 0x0099     /* execute-only code */
    SET_DESC 0x38, 0, 0xfffff, ATTR_G | ATTR_D | 0x0013     /* data, not present */
    movw $0x1f8, %ax                    /* beyond the GDT's limit (0xff) */
    FAULT_ERR 13, 0x1f8, "mov ds,0x1f8 (beyond the GDT)", movw %ax, %ds
    movw %ds, %bx
    CHKW %bx, SEL_DATA32, "the failed load left ds"
    movw $0x28, %ax
    FAULT_ERR 13, 0x28, "mov ss,read-only data", movw %ax, %ss
    movw %ax, %es                       /* read-only data is fine for es */
    movw $0x30, %ax
    FAULT_ERR 13, 0x30, "mov ds,execute-only code", movw %ax, %ds
    movw $0x3b, %ax                     /* RPL 3 > DPL 0: #GP, RPL not in the code */
    FAULT_ERR 13, 0x38, "mov ds,0x3b (RPL > DPL)", movw %ax, %ds
    movw $0x38, %ax
    FAULT_ERR 11, 0x38, "mov ds,not present (#NP)", movw %ax, %ds
    movw $0x38, %ax
    FAULT_ERR 12, 0x38, "mov ss,not present (#SS)", movw %ax, %ss
    movw $0, %ax
    FAULT_ERR 13, 0, "mov ss,null", movw %ax, %ss
    FAULT_ERR 13, 0x10, "ljmp to a data segment", ljmp $SEL_DATA32, $0
    FAULT_ERR 13, 0x28, "lcall to a data segment", lcall $0x28, $0
    movl $0x30, exc_scratch + 4
    movl $1f, exc_scratch
    ljmp *exc_scratch                   /* execute-only code can run */
    EXIT 1
1:  ljmp $SEL_CODE32, $2f
2:  movw $SEL_DATA32, %ax
    movw %ax, %es
    /* INT n beyond the IDT limit, and through a not-present gate */
    sidtl idt_saved
    movw $0x30 * 8 - 1, idt_small
    movl $idt32, idt_small + 2
    lidtl idt_small
    FAULT_ERR 13, 0x202, "int 0x40 beyond the IDT limit (0x40*8+2)", int $0x40
    lidtl idt_saved
    SET_IDT 0x41, 1f
    movb $0x0e, idt32 + 0x41 * 8 + 5    /* P = 0 */
    FAULT_ERR 11, 0x20a, "int 0x41 through a not-present gate (0x41*8+2)", int $0x41
    RESTORE_IDT 0x41
1:  ret
