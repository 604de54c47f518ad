/*
 * smc_blocks.S - self-modifying code against the code cache's units
 * (issue 4, "Done means" 2; DESIGN.md invariant 3). smc.S covers a store to
 * the next instruction; here the store lands further away:
 *   - later in the running block (several instructions after the store),
 *   - in a block that the running one jumps to and that already ran (a
 *     backend that chains blocks has linked the two), on the same page and
 *     on another page, written from inside the chain and from outside it,
 *   - in a loop that patches the 32-bit immediate of one of its own
 *     instructions every iteration, ahead of it (seen the same iteration)
 *     and behind it (seen the next one): the sums and the iteration counts
 *     must be exact.
 * On the P6 a store to code is seen by every instruction fetched after it
 * (SDM vol. 3, 11.6). Every routine runs at least twice so the second run
 * finds its blocks translated. Nothing here depends on how blocks are made.
 */
#include "rt32.inc"
#include "cases.inc"

/* addl $imm32, %ebx with the long form (81 /0 id), so the immediate sits at
 * offset 2 whatever its value. */
#define ADD_EBX_IMM32(v) .byte 0x81, 0xc3; .long v

    .section .ramcode, "awx"
/* blk_far: the store patches the immediate of the fourth instruction after
 * it, inside the same straight-line run. */
blk_far:
    movb %dl, 2f + 1
    incl %esi
    incl %esi
    addl $3, %esi
2:  movl $0x11111111, %ecx
    ret

/* blk_chain: A stores into B, then jumps to B (B ran on an earlier call). */
blk_chain:
    movb %dl, 2f + 1
    jmp 1f
1:  incl %esi
2:  movl $0x22222222, %ecx
    ret

/* blk_chain_out: A jumps to B; B's immediate is patched from outside. */
blk_chain_out:
    incl %esi
    jmp 1f
1:  movl $0x44444444, %ecx
    ret
blk_chain_out_imm = 1b + 1

/* loop_ahead: ECX iterations; each stores ECX into the immediate of the
 * add that follows, so EBX = N + (N-1) + ... + 1 and EDI = N. */
loop_ahead:
    xorl %ebx, %ebx
    xorl %edi, %edi
1:  movl %ecx, 2f + 2
2:  ADD_EBX_IMM32(0x7fffffff)
    incl %edi
    decl %ecx
    jnz 1b
    ret

/* loop_behind: the add runs first with last iteration's value (0 the first
 * time), then the store patches it: EBX = 0 + N + ... + 2, EDI = N. */
loop_behind:
    movl $0, 1f + 2
    xorl %ebx, %ebx
    xorl %edi, %edi
1:  ADD_EBX_IMM32(0x7fffffff)
    movl %ecx, 1b + 2
    incl %edi
    decl %ecx
    jnz 1b
    ret

/* On a page of its own: B of a chain that crosses pages. */
    .balign 4096
blk_page_b:
    movl $0x55555555, %ecx
    ret
blk_page_b_imm = blk_page_b + 1
    .balign 4096
/* blk_page_a: stores DL into B's immediate on the next page, then jumps. */
blk_page_a:
    movb %dl, blk_page_b_imm
    incl %esi
    jmp blk_page_b

    TEXT
    .globl guest_main
guest_main:
    PRINT "smc_blocks: stores later in the block, into chained blocks, self-patching loops\n"
    xorl %esi, %esi
    movb $0xaa, %dl
    call blk_far
    CHKD %ecx, 0x111111aa, "store 4 instructions ahead in the running block"
    movb $0xbb, %dl
    call blk_far
    CHKD %ecx, 0x111111bb, "the same on a rerun (block cached)"
    CHKD %esi, 10, "the instructions between the store and its target ran twice"

    movb $0x01, %dl
    call blk_chain
    CHKD %ecx, 0x22222201, "store into the block jumped to"
    movb $0x02, %dl
    call blk_chain
    CHKD %ecx, 0x22222202, "store into a chained block on a rerun"
    movb $0x03, %dl
    call blk_chain
    CHKD %ecx, 0x22222203, "and a third time"

    call blk_chain_out
    CHKD %ecx, 0x44444444, "chain from outside: first run"
    call blk_chain_out
    movb $0x99, blk_chain_out_imm
    call blk_chain_out
    CHKD %ecx, 0x44444499, "chained block patched from outside"
    movb $0x44, blk_chain_out_imm
    call blk_chain_out
    CHKD %ecx, 0x44444444, "and back"

    movb $0x61, %dl
    call blk_page_a
    CHKD %ecx, 0x55555561, "a chain across pages: store into the target page"
    movb $0x62, %dl
    call blk_page_a
    CHKD %ecx, 0x55555562, "the same on a rerun"
    call blk_page_b
    movb $0x77, blk_page_b_imm
    call blk_page_a
    CHKD %ecx, 0x55555562, "cross-page target patched outside, then by A"

    movl $1000, %ecx
    call loop_ahead
    CHKD %ebx, 500500, "loop patching the add ahead of it: sum 1..1000"
    CHKD %edi, 1000, "loop patching ahead: iterations"
    movl $3, %ecx
    call loop_ahead
    CHKD %ebx, 6, "loop patching ahead, rerun: sum 1..3"
    CHKD %edi, 3, "loop patching ahead, rerun: iterations"

    movl $1000, %ecx
    call loop_behind
    CHKD %ebx, 500499, "loop patching the add behind it: sum 2..1000"
    CHKD %edi, 1000, "loop patching behind: iterations"
    movl $1, %ecx
    call loop_behind
    CHKD %ebx, 0, "loop patching behind, rerun once: 0"
    CHKD %edi, 1, "loop patching behind, rerun: iterations"
    ret
