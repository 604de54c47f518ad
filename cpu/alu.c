/*
 * alu.c - the two-operand integer ALU (ADD, OR, ADC, SBB, AND, SUB, XOR,
 * CMP, TEST) in every ModRM and immediate form, INC, DEC, NOT, NEG, and the
 * flag instructions CLC, STC, CMC, CLD, STD (SDM vol. 2, one page each).
 *
 * One definition per operation (alu_calc/alu_flags); the forms and widths
 * are stamped out by ALU_FORMS below. CMP and TEST never write. A memory
 * destination is read, the result computed, written, and only then are the
 * flags stored, so a write fault leaves the instruction undone.
 *
 * Undefined flags: AF after AND/OR/XOR/TEST is cleared (flags_logic);
 * docs/undefined-flags.md lists it.
 */
#include "cpu/alu.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* The result of a OP b at width w (truncated). cin is CF for ADC/SBB. */
static inline uint32_t alu_calc(int op, uint32_t a, uint32_t b, uint32_t cin, int w)
{
    uint32_t r;
    switch (op) {
    case ALU_ADD: r = a + b; break;
    case ALU_ADC: r = a + b + cin; break;
    case ALU_SUB:
    case ALU_CMP: r = a - b; break;
    case ALU_SBB: r = a - b - cin; break;
    case ALU_OR: r = a | b; break;
    case ALU_XOR: r = a ^ b; break;
    default: r = a & b; break; /* AND, TEST */
    }
    return r & WIDTH_MASK(w);
}

static inline void alu_flags(Cpu *c, int op, uint32_t a, uint32_t b, uint32_t cin, uint32_t r, int w)
{
    switch (op) {
    case ALU_ADD: flags_add(c, a, b, 0, r, w); break;
    case ALU_ADC: flags_add(c, a, b, cin, r, w); break;
    case ALU_SUB:
    case ALU_CMP: flags_sub(c, a, b, 0, r, w); break;
    case ALU_SBB: flags_sub(c, a, b, cin, r, w); break;
    default: flags_logic(c, r, w); break;
    }
}

static inline bool alu_writes(int op)
{
    return op != ALU_CMP && op != ALU_TEST;
}

static inline uint32_t carry_in(const Cpu *c, int op)
{
    return (op == ALU_ADC || op == ALU_SBB) ? (c->eflags & X86_EFLAGS_CF) : 0;
}

/* E = E op b, memory destination. Kept out of line (one copy per
 * operation and width, see ALU_MEM) so the register form stays a leaf. */
static inline void alu_E_mem(Cpu *c, const Insn *in, int op, int w, uint32_t b)
{
    uint32_t cin = carry_in(c, op);
    uint32_t ea = insn_ea(c, in);
    if (!alu_writes(op)) {
        uint32_t a = mem_get(c, in->seg, ea, w);
        alu_flags(c, op, a, b, cin, alu_calc(op, a, b, cin, w), w);
        return;
    }
    Rmw m;
    uint32_t a = rmw_read(c, &m, in->seg, ea, w);
    uint32_t r = alu_calc(op, a, b, cin, w);
    rmw_write(c, &m, w, r);
    alu_flags(c, op, a, b, cin, r, w);
}

typedef void AluMemFn(Cpu *c, const Insn *in, uint32_t b);

/* E = E op b */
static inline void alu_E(Cpu *c, const Insn *in, int op, int w, uint32_t b, AluMemFn *mem)
{
    if (unlikely(in->mod != 3)) {
        mem(c, in, b);
        return;
    }
    uint32_t cin = carry_in(c, op);
    uint32_t a = reg_get(c, in->rm, w);
    uint32_t r = alu_calc(op, a, b, cin, w);
    if (alu_writes(op))
        reg_set(c, in->rm, w, r);
    alu_flags(c, op, a, b, cin, r, w);
}

/* G = G op E */
static inline void alu_G(Cpu *c, const Insn *in, int op, int w)
{
    uint32_t b = rd_E(c, in, w); /* may fault: nothing changed yet */
    uint32_t a = reg_get(c, in->reg, w);
    uint32_t cin = carry_in(c, op);
    uint32_t r = alu_calc(op, a, b, cin, w);
    if (alu_writes(op))
        reg_set(c, in->reg, w, r);
    alu_flags(c, op, a, b, cin, r, w);
}

/* AL/AX/EAX = AL/AX/EAX op imm */
static inline void alu_A(Cpu *c, int op, int w, uint32_t imm)
{
    uint32_t a = reg_get(c, R_EAX, w), b = imm & WIDTH_MASK(w);
    uint32_t cin = carry_in(c, op);
    uint32_t r = alu_calc(op, a, b, cin, w);
    if (alu_writes(op))
        reg_set(c, R_EAX, w, r);
    alu_flags(c, op, a, b, cin, r, w);
}

/* Every form of one operation. The 83 rows share _Ev_Iz: the decoder has
 * already sign-extended their byte into in->imm. */
#define ALU_MEM(name, OP, w)                                                   \
    static __attribute__((noinline)) void alu_mem_##name##_##w(Cpu *c, const Insn *in, uint32_t b) \
    {                                                                          \
        alu_E_mem(c, in, OP, w, b);                                            \
    }
#define ALU_FORMS(name, OP)                                                    \
    ALU_MEM(name, OP, 8) ALU_MEM(name, OP, 16) ALU_MEM(name, OP, 32)           \
    void op_##name##_Eb_Gb(Cpu *c, const Insn *in)                             \
    {                                                                          \
        alu_E(c, in, OP, 8, get_reg8(c, in->reg), alu_mem_##name##_8);         \
    }                                                                          \
    void op_##name##_Ev_Gv_16(Cpu *c, const Insn *in)                          \
    {                                                                          \
        alu_E(c, in, OP, 16, get_reg16(c, in->reg), alu_mem_##name##_16);      \
    }                                                                          \
    void op_##name##_Ev_Gv_32(Cpu *c, const Insn *in)                          \
    {                                                                          \
        alu_E(c, in, OP, 32, get_reg32(c, in->reg), alu_mem_##name##_32);      \
    }                                                                          \
    void op_##name##_Eb_Ib(Cpu *c, const Insn *in)                             \
    {                                                                          \
        alu_E(c, in, OP, 8, in->imm & 0xff, alu_mem_##name##_8);               \
    }                                                                          \
    void op_##name##_Ev_Iz_16(Cpu *c, const Insn *in)                          \
    {                                                                          \
        alu_E(c, in, OP, 16, in->imm & 0xffff, alu_mem_##name##_16);           \
    }                                                                          \
    void op_##name##_Ev_Iz_32(Cpu *c, const Insn *in)                          \
    {                                                                          \
        alu_E(c, in, OP, 32, in->imm, alu_mem_##name##_32);                    \
    }                                                                          \
    void op_##name##_AL_Ib(Cpu *c, const Insn *in) { alu_A(c, OP, 8, in->imm); }       \
    void op_##name##_eAX_Iz_16(Cpu *c, const Insn *in) { alu_A(c, OP, 16, in->imm); }  \
    void op_##name##_eAX_Iz_32(Cpu *c, const Insn *in) { alu_A(c, OP, 32, in->imm); }
#define ALU_FORMS_G(name, OP)                                                  \
    void op_##name##_Gb_Eb(Cpu *c, const Insn *in) { alu_G(c, in, OP, 8); }            \
    void op_##name##_Gv_Ev_16(Cpu *c, const Insn *in) { alu_G(c, in, OP, 16); }        \
    void op_##name##_Gv_Ev_32(Cpu *c, const Insn *in) { alu_G(c, in, OP, 32); }

ALU_FORMS(add, ALU_ADD)
ALU_FORMS(or, ALU_OR)
ALU_FORMS(adc, ALU_ADC)
ALU_FORMS(sbb, ALU_SBB)
ALU_FORMS(and, ALU_AND)
ALU_FORMS(sub, ALU_SUB)
ALU_FORMS(xor, ALU_XOR)
ALU_FORMS(cmp, ALU_CMP)
ALU_FORMS(test, ALU_TEST) /* TEST has no Gv,Ev rows: AND's operands commute */
ALU_FORMS_G(add, ALU_ADD)
ALU_FORMS_G(or, ALU_OR)
ALU_FORMS_G(adc, ALU_ADC)
ALU_FORMS_G(sbb, ALU_SBB)
ALU_FORMS_G(and, ALU_AND)
ALU_FORMS_G(sub, ALU_SUB)
ALU_FORMS_G(xor, ALU_XOR)
ALU_FORMS_G(cmp, ALU_CMP)

/* ---- INC, DEC, NOT, NEG ------------------------------------------------ */

enum { UN_INC, UN_DEC, UN_NOT, UN_NEG };

static inline uint32_t unary_calc(int op, uint32_t a, int w)
{
    uint32_t r;
    switch (op) {
    case UN_INC: r = a + 1; break;
    case UN_DEC: r = a - 1; break;
    case UN_NOT: r = ~a; break;
    default: r = 0u - a; break;
    }
    return r & WIDTH_MASK(w);
}

static inline void unary_flags(Cpu *c, int op, uint32_t a, uint32_t r, int w)
{
    switch (op) {
    case UN_INC: flags_inc(c, a, r, w); break;
    case UN_DEC: flags_dec(c, a, r, w); break;
    case UN_NOT: break; /* NOT changes no flag */
    default: flags_sub(c, 0, a, 0, r, w); break; /* NEG: CF = (a != 0) */
    }
}

static inline void unary_E(Cpu *c, const Insn *in, int op, int w)
{
    Rmw m;
    uint32_t a = rmw_read_E(c, in, &m, w);
    uint32_t r = unary_calc(op, a, w);
    rmw_write_E(c, in, &m, w, r);
    unary_flags(c, op, a, r, w);
}

/* 40-4F: the register is in the opcode's low bits (in->reg). */
static inline void unary_Z(Cpu *c, const Insn *in, int op, int w)
{
    uint32_t a = reg_get(c, in->reg, w);
    uint32_t r = unary_calc(op, a, w);
    reg_set(c, in->reg, w, r);
    unary_flags(c, op, a, r, w);
}

#define UNARY_FORMS(name, OP)                                                             \
    void op_##name##_Eb(Cpu *c, const Insn *in) { unary_E(c, in, OP, 8); }                    \
    void op_##name##_Ev_16(Cpu *c, const Insn *in) { unary_E(c, in, OP, 16); }                \
    void op_##name##_Ev_32(Cpu *c, const Insn *in) { unary_E(c, in, OP, 32); }

UNARY_FORMS(inc, UN_INC)
UNARY_FORMS(dec, UN_DEC)
UNARY_FORMS(not, UN_NOT)
UNARY_FORMS(neg, UN_NEG)

void op_inc_Zv_16(Cpu *c, const Insn *in) { unary_Z(c, in, UN_INC, 16); }
void op_inc_Zv_32(Cpu *c, const Insn *in) { unary_Z(c, in, UN_INC, 32); }
void op_dec_Zv_16(Cpu *c, const Insn *in) { unary_Z(c, in, UN_DEC, 16); }
void op_dec_Zv_32(Cpu *c, const Insn *in) { unary_Z(c, in, UN_DEC, 32); }

/* ---- flag instructions --------------------------------------------------- */

void op_clc(Cpu *c, const Insn *in)
{
    (void)in;
    c->eflags &= ~X86_EFLAGS_CF;
}

void op_stc(Cpu *c, const Insn *in)
{
    (void)in;
    c->eflags |= X86_EFLAGS_CF;
}

void op_cmc(Cpu *c, const Insn *in)
{
    (void)in;
    c->eflags ^= X86_EFLAGS_CF;
}

void op_cld(Cpu *c, const Insn *in)
{
    (void)in;
    c->eflags &= ~X86_EFLAGS_DF;
}

void op_std(Cpu *c, const Insn *in)
{
    (void)in;
    c->eflags |= X86_EFLAGS_DF;
}
