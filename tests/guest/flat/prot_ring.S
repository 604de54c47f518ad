/*
 * prot_ring.S - privilege-level transfers (SDM vol. 3, 5.8 and 6.12):
 * from ring 3 to ring 0 through a 32-bit and a 16-bit interrupt gate with
 * the stack switch from the TSS (the pushed SS, ESP, EFLAGS, CS, EIP
 * checked), the return by IRET with the data segment registers the outer
 * level may not use made null; the gate DPL check for INT n (#GP with
 * vector * 8 + 2); #TS for each bad ring-0 stack in the TSS and #NP for a
 * not-present handler segment, with their error codes; far CALL through
 * 32- and 16-bit call gates to ring 0 with the parameters copied, and back
 * by RETF imm16; JMP and CALL through a call gate at the same level.
 *
 * Faults raised in ring 3 go to a conforming ring-0 code segment, which
 * runs them at CPL 3 on the ring-3 stack (no stack switch), so that a bad
 * ring-0 stack in the TSS does not make a double fault.
 */
#include "rt32.inc"

    .set SEL_CODE3, 0x28        /* flat 32-bit code, DPL 3 */
    .set SEL_DATA3, 0x30        /* flat 32-bit data, DPL 3 */
    .set SEL_TSS, 0x38          /* 32-bit TSS */
    .set SEL_CONF, 0x40         /* flat 32-bit conforming code, DPL 0 */
    .set SEL_CG32, 0x48         /* call gate, 32-bit, DPL 3, 2 dwords -> 0x08 */
    .set SEL_CG16, 0x50         /* call gate, 16-bit, DPL 3, 3 words -> 0x58 */
    .set SEL_CODE0R, 0x58       /* 32-bit code, DPL 0, base 0xF0000 */
    .set SEL_NP, 0x60           /* flat code, DPL 0, not present */
    .set SEL_CODE3R, 0x68       /* 32-bit code, DPL 3, base 0xF0000 */
    .set SEL_CG0, 0x70          /* call gate, 32-bit, DPL 0 -> 0x08, no params */
    .set SEL_CODE1, 0x78        /* flat 32-bit code, DPL 1 */
    .set ROMB, 0xf0000          /* a 64 KiB ROM's base (rom.ld) */
    .set R3_STACK, 0x70000
    .set R0_STACK, 0x80000

/* GATE addr, selector, offset, access byte, count: write a gate descriptor
 * (clobbers eax). */
    .macro GATE addr, sel, off, access, count=0
    movl $(\off), %eax
    movw %ax, \addr
    movw $(\sel), \addr+2
    movb $(\count), \addr+4
    movb $(\access), \addr+5
    shrl $16, %eax
    movw %ax, \addr+6
    .endm

    BSS
    .balign 16
tss:        .space 0x68
saved_esp:  .long 0
f_esp:      .long 0
f_ss:       .long 0
f_ds:       .long 0
f_frame:    .space 32
f_vec:      .long 0
f_err:      .long 0
f_eip:      .long 0
f_cs:       .long 0
r3_esp:     .long 0

    TEXT
/* enter_ring3: run the ring-3 code at %ebp (flat CS 0x2b, SS 0x33, ESP
 * R3_STACK, IOPL 0) until it executes INT 0x81; then return here with the
 * ring-0 segments back. Clobbers eax, ecx. */
enter_ring3:
    movl %esp, saved_esp
    pushl $SEL_DATA3 | 3
    pushl $R3_STACK
    pushl $0x0002
    pushl $SEL_CODE3 | 3
    pushl $r3_tramp
    iretl
r3_tramp:
    movw %ds, %ss:f_ds          /* DS (DPL 0) was made null by the IRET */
    movl $SEL_DATA3 | 3, %ecx
    movw %cx, %ds
    movw %cx, %es
    jmp *%ebp

h_exit:                         /* INT 0x81 from ring 3 */
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movl saved_esp, %esp
    ret

h_int80:                        /* ring 0: record the frame, back to ring 3 */
    movl %esp, f_esp
    movw %ss, f_ss
    pushl %esi
    movl $0, %esi
1:  movl 4(%esp,%esi,4), %eax
    movl %eax, f_frame(,%esi,4)
    incl %esi
    cmpl $5, %esi
    jb 1b
    popl %esi
    iretl

h_int83:                        /* 16-bit gate into CS 0x58 (base 0xF0000) */
    movl %esp, f_esp
    movw %ss, f_ss
    movzwl (%esp), %eax
    movl %eax, f_frame
    movzwl 2(%esp), %eax
    movl %eax, f_frame + 4
    movzwl 4(%esp), %eax
    movl %eax, f_frame + 8
    movzwl 6(%esp), %eax
    movl %eax, f_frame + 12
    movzwl 8(%esp), %eax
    movl %eax, f_frame + 16
    iretw

/* Faults in ring 3, run at CPL 3 through the conforming segment. */
h_ts: pushl $10
    jmp h_fault
h_np: pushl $11
    jmp h_fault
h_ss: pushl $12
    jmp h_fault
h_gp: pushl $13
h_fault:                        /* vector, error, EIP, CS, EFLAGS */
    popl %ss:f_vec
    popl %ss:f_err
    popl %ss:f_eip
    popl %ss:f_cs
    movw $SEL_DATA32, %ss:tss + 8   /* a good ring-0 stack for the exit */
    int $0x81

/* 32-bit call gate target (ring 0): record SS:ESP and 6 dwords. */
cg32_target:
    movl %esp, f_esp
    movw %ss, f_ss
    pushl %esi
    movl $0, %esi
1:  movl 4(%esp,%esi,4), %eax
    movl %eax, f_frame(,%esi,4)
    incl %esi
    cmpl $6, %esi
    jb 1b
    popl %esi
    lret $8

/* 16-bit call gate target in CS 0x58 (base 0xF0000): 7 words. */
cg16_target:
    movl %esp, f_esp
    movw %ss, f_ss
    pushl %esi
    movl $0, %esi
1:  movzwl 4(%esp,%esi,2), %eax
    movl %eax, f_frame(,%esi,4)
    incl %esi
    cmpl $7, %esi
    jb 1b
    popl %esi
    lretw $6

/* same-level call gate target (ring 0, via SEL_CG0) */
cg0_target:
    movl %esp, f_esp
    movl (%esp), %eax
    movl %eax, f_frame
    movl 4(%esp), %eax
    movl %eax, f_frame + 4
    lret

/* ---- ring-3 bodies ---------------------------------------------------- */
r3_int80:
    movl $0x12345678, %esi
    int $0x80
r3_after80:
    movl %esp, r3_esp
    int $0x81

r3_int83:                       /* from CS 0x6b (base 0xF0000): IP fits */
    ljmp $SEL_CODE3R | 3, $(1f - ROMB)
1:  int $0x83
r3_after83:
    int $0x81

r3_fault84:
    int $0x84
    movl $0xffffffff, f_vec
    int $0x81

r3_fault80:                     /* int $0x80 expected to fault */
    int $0x80
    movl $0xffffffff, f_vec     /* no fault: a failed check follows */
    int $0x81

r3_int82:
    int $0x82
    movl $0xffffffff, f_vec
    int $0x81

r3_cg32:
    pushl $0x11111111
    pushl $0x22222222
    lcall $SEL_CG32 | 3, $0
r3_cg32_ret:
    movl %esp, r3_esp
    int $0x81

r3_cg0:                         /* gate DPL 0 < CPL 3: #GP(gate) */
    lcall $SEL_CG0, $0
    movl $0xffffffff, f_vec
    int $0x81

r3_cg16:                        /* to CS 0x6b (base 0xF0000), SP below 64K */
    ljmp $SEL_CODE3R | 3, $(1f - ROMB)
1:  movl %esp, %edi
    movl $0xff00, %esp
    pushw $0xaaaa
    pushw $0xbbbb
    pushw $0xcccc
    lcall $SEL_CG16 | 3, $0
r3_cg16_ret:
    movl %esp, r3_esp
    movl %edi, %esp
    int $0x81

    .globl guest_main
guest_main:
    PRINT "prot_ring: descriptors, TSS, IDT\n"
    SET_DESC SEL_CODE3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00fb
    SET_DESC SEL_DATA3, 0, 0xfffff, ATTR_G | ATTR_D | 0x00f3
    SET_DESC SEL_TSS, tss, 0x67, 0x0089
    SET_DESC SEL_CONF, 0, 0xfffff, ATTR_G | ATTR_D | 0x009f
    SET_DESC SEL_CODE0R, ROMB, 0xffff, ATTR_D | 0x009b
    SET_DESC SEL_NP, 0, 0xfffff, ATTR_G | ATTR_D | 0x001b
    SET_DESC SEL_CODE3R, ROMB, 0xffff, ATTR_D | 0x00fb
    GATE gdt32_ram+SEL_CG32, SEL_CODE32, cg32_target, 0xec, 2
    GATE gdt32_ram+SEL_CG16, SEL_CODE0R, cg16_target-ROMB, 0xe4, 3
    GATE gdt32_ram+SEL_CG0, SEL_CODE32, cg0_target, 0x8c, 0
    GATE idt32+0x80*8, SEL_CODE32, h_int80, 0xee
    GATE idt32+0x81*8, SEL_CODE32, h_exit, 0xee
    GATE idt32+0x82*8, SEL_CODE32, h_int80, 0x8e
    GATE idt32+0x83*8, SEL_CODE0R, h_int83-ROMB, 0xe6
    SET_DESC SEL_CODE1, 0, 0xfffff, ATTR_G | ATTR_D | 0x00bb
    GATE idt32+0x84*8, SEL_CODE1, h_int80, 0xee
    GATE idt32+10*8, SEL_CONF, h_ts, 0x8e
    GATE idt32+11*8, SEL_CONF, h_np, 0x8e
    GATE idt32+12*8, SEL_CONF, h_ss, 0x8e
    GATE idt32+13*8, SEL_CONF, h_gp, 0x8e
    movl $R0_STACK, tss + 4
    movl $SEL_DATA32, tss + 8
    movw $0x68, tss + 0x66
    movw $SEL_TSS, %ax
    ltr %ax

    PRINT "prot_ring: INT 0x80 from ring 3 through a 32-bit interrupt gate\n"
    movl $r3_int80, %ebp
    call enter_ring3
    CHKD f_ds, 0, "IRET to ring 3 made DS (DPL 0) null"
    CHKD f_esp, R0_STACK-20, "ring-0 ESP from the TSS, less 5 dwords"
    CHKD f_ss, SEL_DATA32, "ring-0 SS from the TSS"
    CHKD f_frame, r3_after80, "pushed EIP"
    CHKD f_frame+4, SEL_CODE3|3, "pushed CS"
    CHKD f_frame+8, 0x0002, "pushed EFLAGS"
    CHKD f_frame+12, R3_STACK, "pushed ESP"
    CHKD f_frame+16, SEL_DATA3|3, "pushed SS"
    CHKD r3_esp, R3_STACK, "ring-3 ESP after IRET"

    PRINT "prot_ring: INT 0x83 from ring 3 through a 16-bit interrupt gate\n"
    movl $r3_int83, %ebp
    call enter_ring3
    CHKD f_esp, R0_STACK-10, "16-bit gate: ESP less 5 words"
    CHKD f_frame, r3_after83-ROMB, "16-bit gate: pushed IP"
    CHKD f_frame+4, SEL_CODE3R|3, "16-bit gate: pushed CS"
    CHKD f_frame+8, 0x0002, "16-bit gate: pushed FLAGS"
    CHKD f_frame+16, SEL_DATA3|3, "16-bit gate: pushed SS"

    PRINT "prot_ring: gate DPL, #TS, #NP\n"
    movl $r3_int82, %ebp
    call enter_ring3
    CHKD f_vec, 13, "int 0x82 (gate DPL 0) from ring 3: #GP"
    CHKD f_err, 0x82*8+2, "int 0x82: error code"
    movw $SEL_DATA32|3, tss + 8         /* RPL 3 != DPL 0 */
    movl $r3_fault80, %ebp
    call enter_ring3
    CHKD f_vec, 10, "TSS SS0 with RPL 3: #TS"
    CHKD f_err, SEL_DATA32, "TSS SS0 with RPL 3: error code"
    CHKD f_eip, r3_fault80, "TSS SS0 with RPL 3: saved EIP"
    movw $SEL_CODE32, tss + 8           /* code segment */
    call enter_ring3
    CHKD f_vec, 10, "TSS SS0 a code segment: #TS"
    CHKD f_err, SEL_CODE32, "TSS SS0 a code segment: error code"
    movw $SEL_DATA3, tss + 8            /* DPL 3 != 0 */
    call enter_ring3
    CHKD f_vec, 10, "TSS SS0 with DPL 3: #TS"
    CHKD f_err, SEL_DATA3, "TSS SS0 with DPL 3: error code"
    movw $0, tss + 8
    call enter_ring3
    CHKD f_vec, 10, "TSS SS0 null: #TS"
    CHKD f_err, 0, "TSS SS0 null: error code"
    movw $0x1f8, tss + 8
    call enter_ring3
    CHKD f_vec, 10, "TSS SS0 beyond the GDT: #TS"
    CHKD f_err, 0x1f8, "TSS SS0 beyond the GDT: error code"
    movw $SEL_DATA32, tss + 8
    GATE idt32+0x80*8, SEL_NP, h_int80, 0xee
    call enter_ring3
    CHKD f_vec, 11, "handler segment not present: #NP"
    CHKD f_err, SEL_NP, "handler segment not present: error code"
    GATE idt32+0x80*8, SEL_CODE32, h_int80, 0xee

    PRINT "prot_ring: CALL through a 32-bit call gate with 2 parameters\n"
    movl $r3_cg32, %ebp
    call enter_ring3
    CHKD f_esp, R0_STACK-24, "call gate: ring-0 ESP"
    CHKD f_ss, SEL_DATA32, "call gate: ring-0 SS"
    CHKD f_frame, r3_cg32_ret, "call gate: pushed EIP"
    CHKD f_frame+4, SEL_CODE3|3, "call gate: pushed CS"
    CHKD f_frame+8, 0x22222222, "call gate: parameter 1"
    CHKD f_frame+12, 0x11111111, "call gate: parameter 2"
    CHKD f_frame+16, R3_STACK-8, "call gate: pushed ESP"
    CHKD f_frame+20, SEL_DATA3|3, "call gate: pushed SS"
    CHKD r3_esp, R3_STACK, "RETF 8 to ring 3: ESP"
    movl $r3_cg0, %ebp
    call enter_ring3
    CHKD f_vec, 13, "call gate DPL 0 from ring 3: #GP"
    CHKD f_err, SEL_CG0, "call gate DPL 0 from ring 3: error code"

    PRINT "prot_ring: CALL through a 16-bit call gate with 3 parameters\n"
    movl $r3_cg16, %ebp
    call enter_ring3
    CHKD f_esp, R0_STACK-14, "16-bit call gate: ring-0 ESP"
    CHKD f_frame, r3_cg16_ret-ROMB, "16-bit call gate: pushed IP"
    CHKD f_frame+4, SEL_CODE3R|3, "16-bit call gate: pushed CS"
    CHKD f_frame+8, 0xcccc, "16-bit call gate: parameter 1"
    CHKD f_frame+12, 0xbbbb, "16-bit call gate: parameter 2"
    CHKD f_frame+16, 0xaaaa, "16-bit call gate: parameter 3"
    CHKD f_frame+20, 0xff00-6, "16-bit call gate: pushed SP"
    CHKD f_frame+24, SEL_DATA3|3, "16-bit call gate: pushed SS"
    CHKD r3_esp, 0xff00, "RETF 6 to ring 3: SP"

    PRINT "prot_ring: CALL and JMP through a call gate at the same level\n"
    movl %esp, %ebx
    lcall $SEL_CG0, $0x9999
1:  leal -8(%ebx), %ecx
    CHKDV f_esp, %ecx, "same-level call gate: ESP"
    CHKD f_frame, 1b, "same-level call gate: pushed EIP"
    CHKD f_frame+4, SEL_CODE32, "same-level call gate: pushed CS"
    GATE gdt32_ram+SEL_CG0, SEL_CODE32, 2f, 0x8c, 0
    ljmp $SEL_CG0, $0
    EXIT 1
2:  movw %cs, %ax
    CHKW %ax, SEL_CODE32, "JMP through a call gate: CS"

    PRINT "prot_ring: #TS for a TSS too short for the ring-1 stack\n"
    SET_DESC SEL_TSS, tss, 0x0b, 0x0089 /* ESP0, SS0 fit; ESP1 at 12 does not */
    movw $SEL_TSS, %ax
    ltr %ax
    movl $r3_fault84, %ebp
    call enter_ring3
    CHKD f_vec, 10, "TSS limit 0x0b, ring 1: #TS"
    CHKD f_err, SEL_TSS, "TSS limit 0x0b, ring 1: error code"
    ret
