/*
 * string.c - the string instructions MOVS, CMPS, STOS, LODS, SCAS, INS and
 * OUTS, with and without REP/REPE/REPNE (SDM vol. 2, and vol. 1, 7.3.9).
 *
 * The source is seg:(E)SI, seg being DS or the override (the decoder puts
 * it in in->seg); the destination is always ES:(E)DI. (E)SI, (E)DI and
 * (E)CX are used by the ADDRESS size: with 16-bit addressing only SI, DI
 * and CX change and SI/DI wrap within 64K. DF picks the direction.
 *
 * One iteration (str_step) reads or checks everything before it changes
 * anything, and a REP loop writes the registers back after each iteration,
 * so a fault in iteration k leaves the registers as iteration k-1 left
 * them, with EIP at the instruction, ready to resume (SDM vol. 3, 6.6).
 *
 * Instruction counting (DESIGN.md invariant 4): each completed iteration of
 * a REP string instruction retires as one instruction. A call runs at most
 * max(1, deadline - icount) iterations; if the count is not exhausted it
 * points EIP back at the instruction and asks the dispatcher to stop, which
 * then delivers interrupts at the exact count and runs the rest later. A
 * REP with a zero count retires as one instruction. A call that retires
 * more than one also ends the block, since the dispatcher sized the block
 * at one count per instruction.
 *
 * INS and OUTS check I/O permission (cpu_check_io) on every iteration; INS
 * checks its destination before it reads the port, since the read has side
 * effects.
 *
 * REP MOVS and REP STOS with DF=0 copy or fill page-bounded chunks with
 * memmove/memset when both ranges are plain RAM in the fast-path tables
 * (DESIGN.md section 8). A chunk never holds a write to translated code,
 * since code pages stay off the write table.
 */
#include "cpu/alu.h"

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

/* (E)SI, (E)DI, (E)CX by address size. */
static inline uint32_t idx_get(const Cpu *c, int r, bool a32)
{
    return a32 ? c->r[r] : (c->r[r] & 0xffff);
}

static inline void idx_set(Cpu *c, int r, bool a32, uint32_t v)
{
    if (a32)
        c->r[r] = v;
    else
        set_reg16(c, r, (uint16_t)v);
}

/* One iteration, registers included. */
static inline __attribute__((always_inline)) void str_step(Cpu *c, const Insn *in, int kind, int w,
                                                          bool a32)
{
    uint32_t n = (uint32_t)w / 8;
    uint32_t d = (c->eflags & X86_EFLAGS_DF) ? 0u - n : n;
    uint32_t si = idx_get(c, R_ESI, a32), di = idx_get(c, R_EDI, a32);
    uint16_t port = (uint16_t)c->r[R_EDX];
    uint32_t a, b;

    switch (kind) {
    case STR_MOVS:
        a = mem_get(c, in->seg, si, w);
        mem_set(c, SEG_ES, di, w, a);
        idx_set(c, R_ESI, a32, si + d);
        idx_set(c, R_EDI, a32, di + d);
        break;
    case STR_CMPS: /* [seg:SI] - [ES:DI] */
        a = mem_get(c, in->seg, si, w);
        b = mem_get(c, SEG_ES, di, w);
        idx_set(c, R_ESI, a32, si + d);
        idx_set(c, R_EDI, a32, di + d);
        flags_sub(c, a, b, 0, (a - b) & WIDTH_MASK(w), w);
        break;
    case STR_STOS:
        mem_set(c, SEG_ES, di, w, reg_get(c, R_EAX, w));
        idx_set(c, R_EDI, a32, di + d);
        break;
    case STR_LODS:
        a = mem_get(c, in->seg, si, w);
        reg_set(c, R_EAX, w, a);
        idx_set(c, R_ESI, a32, si + d);
        break;
    case STR_SCAS: /* eAX - [ES:DI] */
        a = reg_get(c, R_EAX, w);
        b = mem_get(c, SEG_ES, di, w);
        idx_set(c, R_EDI, a32, di + d);
        flags_sub(c, a, b, 0, (a - b) & WIDTH_MASK(w), w);
        break;
    case STR_INS:
        /* The port read has side effects: check the destination first.
         * XXX: with paging, a page fault on the write can still follow the
         * read; cpu_check_write covers segmentation. */
        cpu_check_io(c, port, (int)n);
        cpu_check_write(c, SEG_ES, di, n);
        a = cpu_in(c, port, (int)n);
        mem_set(c, SEG_ES, di, w, a);
        idx_set(c, R_EDI, a32, di + d);
        break;
    default: /* STR_OUTS */
        cpu_check_io(c, port, (int)n);
        a = mem_get(c, in->seg, si, w);
        cpu_out(c, port, a, (int)n);
        idx_set(c, R_ESI, a32, si + d);
        break;
    }
}

/* REP MOVS/STOS fast path: copy or fill as many elements as fit, within the
 * count and the budget, in one page of the source and one of the
 * destination (and, with 16-bit addressing, without wrapping SI/DI), when
 * DF=0 and both ranges are host memory in the fast-path tables. Returns
 * the number of elements done, 0 when the slow path must take the next one.
 * A copy whose destination starts inside its source (0 < dst-src < len)
 * repeats a pattern element by element, which memmove would not: slow. */
static inline uint32_t str_fast(Cpu *c, const Insn *in, int kind, int w, bool a32, uint32_t count,
                                uint64_t budget)
{
    if (c->eflags & X86_EFLAGS_DF)
        return 0;
    uint32_t n = (uint32_t)w / 8;
    uint32_t si = idx_get(c, R_ESI, a32), di = idx_get(c, R_EDI, a32);
    uint32_t room = PAGE_SIZE - ((c->seg[SEG_ES].base + di) & PAGE_MASK);
    if (!a32 && 0x10000 - di < room)
        room = 0x10000 - di;
    if (kind == STR_MOVS) {
        uint32_t sroom = PAGE_SIZE - ((c->seg[in->seg].base + si) & PAGE_MASK);
        if (!a32 && 0x10000 - si < sroom)
            sroom = 0x10000 - si;
        if (sroom < room)
            room = sroom;
    }
    uint32_t k = room / n;
    if (k > count)
        k = count;
    if (k > budget)
        k = (uint32_t)budget;
    if (k == 0)
        return 0;
    uint32_t bytes = k * n;
    uint8_t *dst = seg_fast(c, SEG_ES, di, bytes, SEG_ACC_WR);
    if (!dst)
        return 0;
    if (kind == STR_MOVS) {
        const uint8_t *src = seg_fast(c, in->seg, si, bytes, SEG_ACC_RD);
        if (!src)
            return 0;
        if ((uintptr_t)dst - (uintptr_t)src - 1 < (uintptr_t)bytes - 1)
            return 0;
        memmove(dst, src, bytes);
        idx_set(c, R_ESI, a32, si + bytes);
    } else if (w == 8) {
        memset(dst, (uint8_t)c->r[R_EAX], bytes);
    } else if (w == 16) {
        uint16_t v = (uint16_t)c->r[R_EAX];
        for (uint32_t i = 0; i < bytes; i += 2)
            memcpy(dst + i, &v, 2);
    } else {
        uint32_t v = c->r[R_EAX];
        for (uint32_t i = 0; i < bytes; i += 4)
            memcpy(dst + i, &v, 4);
    }
    idx_set(c, R_EDI, a32, di + bytes);
    return k;
}

/* The instruction, with or without a repeat prefix. */
static inline __attribute__((always_inline)) void str_run(Cpu *c, const Insn *in, int kind, int w)
{
    bool a32 = (in->flags & INSN_ADDR32) != 0;
    if (!(in->flags & (INSN_REP | INSN_REPNE))) {
        str_step(c, in, kind, w, a32);
        return;
    }
    uint32_t count = idx_get(c, R_ECX, a32);
    if (count == 0)
        return;
    uint64_t budget = c->deadline > c->icount ? c->deadline - c->icount : 1;
    bool compare = kind == STR_CMPS || kind == STR_SCAS;
    /* REPE/REPZ goes on while ZF=1, REPNE/REPNZ while ZF=0; the other
     * string instructions treat F2 as F3. */
    bool go_on_zf = !(in->flags & INSN_REPNE);
    uint64_t start = c->icount;
    for (;;) {
        uint32_t k = 0;
        if (kind == STR_MOVS || kind == STR_STOS)
            k = str_fast(c, in, kind, w, a32, count, budget);
        if (k == 0) {
            str_step(c, in, kind, w, a32);
            k = 1;
        }
        count -= k;
        idx_set(c, R_ECX, a32, count);
        c->icount += k;
        budget -= k;
        if (count == 0)
            break;
        if (compare && ((c->eflags & X86_EFLAGS_ZF) != 0) != go_on_zf)
            break;
        if (budget == 0 || c->exit_req) {
            c->eip = c->insn_eip; /* run again for the rest */
            c->exit_req = 1;
            break;
        }
    }
    /* The dispatcher sized the block by instructions, one count each; having
     * retired more than one, end the block so it looks at the deadline
     * again, unless the rest of any block (64 instructions at most,
     * translate.h's BLOCK_MAX_INSNS) still fits before it: ending it
     * regardless sent every REP MOVS of the Linux guest's copies back
     * through the dispatcher. */
    if (c->icount - start > 1 && c->icount + 64 > c->deadline)
        c->exit_req = 1;
    c->icount--; /* the dispatcher counts one more */
}

#define STR_HANDLERS(name, KIND)                                               \
    void op_##name##b(Cpu *c, const Insn *in) { str_run(c, in, KIND, 8); }   \
    void op_##name##_16(Cpu *c, const Insn *in) { str_run(c, in, KIND, 16); } \
    void op_##name##_32(Cpu *c, const Insn *in) { str_run(c, in, KIND, 32); }

STR_HANDLERS(movs, STR_MOVS)
STR_HANDLERS(cmps, STR_CMPS)
STR_HANDLERS(stos, STR_STOS)
STR_HANDLERS(lods, STR_LODS)
STR_HANDLERS(scas, STR_SCAS)
STR_HANDLERS(ins, STR_INS)
STR_HANDLERS(outs, STR_OUTS)
