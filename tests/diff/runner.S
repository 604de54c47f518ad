/*
 * runner.S - run one generated sequence (both sides; see gen.h).
 *
 * int run_seq(SeqState *st, void *code): save the C callee-saved registers,
 * load EFLAGS (through POPF) and the seven general registers from st, CALL
 * the code (it ends with RET, its pushes and pops balanced), store the
 * registers, EFLAGS and the ESP delta back. The state pointer and the
 * caller's ESP are kept in globals, as every register belongs to the
 * sequence while it runs.
 *
 * Guest only: rs_fault is where the IDT's exception stubs (boot.S) go. A
 * fault inside a sequence records the state at the fault (registers,
 * EFLAGS, ESP, vector, error code, EIP) and returns 1 from run_seq; a
 * fault in the harness itself goes to guest_harness_fault. (Natively the
 * signal handler in native.c records the same from the signal's context.)
 */
#define ST_EFLAGS 32
#define ST_ESP_DELTA 36
#define ST_FAULT 40
#define ST_FAULT_EIP 44
#define ST_FAULT_ERR 48

    .text
    .globl run_seq
run_seq:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 20(%esp), %eax
    movl %eax, rs_state
    movl 24(%esp), %ecx
    movl %ecx, rs_code
    movl %esp, rs_esp
    movl $1, rs_active
    pushl ST_EFLAGS(%eax)
    popfl
    movl 4(%eax), %ecx
    movl 8(%eax), %edx
    movl 12(%eax), %ebx
    movl 20(%eax), %ebp
    movl 24(%eax), %esi
    movl 28(%eax), %edi
    movl 0(%eax), %eax
    call *rs_code
    pushfl
    movl %eax, rs_tmp
    movl rs_state, %eax
    movl %ecx, 4(%eax)
    movl %edx, 8(%eax)
    movl %ebx, 12(%eax)
    movl %ebp, 20(%eax)
    movl %esi, 24(%eax)
    movl %edi, 28(%eax)
    popl ST_EFLAGS(%eax)
    movl rs_tmp, %ecx
    movl %ecx, 0(%eax)
    movl %esp, %ecx
    subl rs_esp, %ecx
    movl %ecx, ST_ESP_DELTA(%eax)
    movl $0, rs_active
    movl rs_esp, %esp
    cld
    xorl %eax, %eax
rs_return:
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

#ifdef DIFF_GUEST
/* Entered from an exception stub with the vector at (%esp), an error code
 * (the CPU's or a dummy 0) at 4(%esp), then EIP, CS, EFLAGS: no privilege
 * change, so ESP at the fault was 20(%esp). */
    .globl rs_fault
rs_fault:
    pushal /* EDI ESI EBP (ESP) EBX EDX ECX EAX, from 0(%esp) up */
    cld
    cmpl $0, rs_active
    je 1f
    movl $0, rs_active
    movl rs_state, %eax
    movl 28(%esp), %ecx
    movl %ecx, 0(%eax)
    movl 24(%esp), %ecx
    movl %ecx, 4(%eax)
    movl 20(%esp), %ecx
    movl %ecx, 8(%eax)
    movl 16(%esp), %ecx
    movl %ecx, 12(%eax)
    movl 8(%esp), %ecx
    movl %ecx, 20(%eax)
    movl 4(%esp), %ecx
    movl %ecx, 24(%eax)
    movl 0(%esp), %ecx
    movl %ecx, 28(%eax)
    movl 32(%esp), %ecx
    incl %ecx
    movl %ecx, ST_FAULT(%eax)
    movl 36(%esp), %ecx
    movl %ecx, ST_FAULT_ERR(%eax)
    movl 40(%esp), %ecx
    movl %ecx, ST_FAULT_EIP(%eax)
    movl 48(%esp), %ecx
    andl $0xfffeffff, %ecx /* RF: a fault pushes 1 (SDM 17.3.1.1), Linux reports 0 */
    movl %ecx, ST_EFLAGS(%eax)
    leal 52(%esp), %ecx
    subl rs_esp, %ecx
    movl %ecx, ST_ESP_DELTA(%eax)
    movl rs_esp, %esp
    movl $1, %eax
    jmp rs_return
1:  movl 32(%esp), %eax
    movl 40(%esp), %ecx
    pushl %ecx
    pushl %eax
    call guest_harness_fault
2:  hlt
    jmp 2b
#endif

    .bss
    .p2align 2
rs_state:   .long 0
rs_code:    .long 0
    .globl rs_esp /* native.c: ESP at a fault is reported relative to it */
rs_esp:     .long 0
rs_tmp:     .long 0
rs_active:  .long 0

    .section .note.GNU-stack, "", @progbits
