/*
 * bcd.c - decimal adjustment: DAA, DAS, AAA, AAS, AAM, AAD, and the
 * undocumented SALC (SDM vol. 2 "DAA", "DAS", "AAA", "AAS", "AAM", "AAD";
 * SALC is D6, documented in the SDM's opcode map only as reserved).
 *
 * AAA and AAS adjust all of AX (AX +/- 6, then AH +/- 1), as the SDM's
 * pseudo-code says for every CPU since the 286; AAM and AAD take their base
 * from the immediate (D4 0A / D5 0A are the documented base 10).
 *
 * Undefined flags, per docs/undefined-flags.md:
 *   DAA, DAS   OF = 0
 *   AAA, AAS   OF = 0; SF, ZF, PF from the final AL (so SF = 0)
 *   AAM        OF = AF = CF = 0
 *   AAD        OF, AF, CF as for the 8-bit ADD AL + (AH * imm8) that forms
 *              the result (the behaviour Robert Collins reports for Intel
 *              parts in his "Undocumented OpCodes: AAD")
 */
#include "cpu/alu.h"

static inline uint8_t get_al(const Cpu *c) { return (uint8_t)c->r[R_EAX]; }
static inline void set_al(Cpu *c, uint8_t v) { set_reg8(c, 0, v); }

void op_daa(Cpu *c, const Insn *in)
{
    (void)in;
    uint8_t old_al = get_al(c), al = old_al;
    bool old_cf = c->eflags & X86_EFLAGS_CF;
    uint32_t f = 0;
    if ((al & 0x0f) > 9 || (c->eflags & X86_EFLAGS_AF)) {
        al += 6;
        f |= X86_EFLAGS_AF;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        f |= X86_EFLAGS_CF;
    }
    /* The first step's carry (old AL > 0xf9) implies old AL > 0x99, so CF
     * is exactly the second step's condition. */
    set_al(c, al);
    flags_store(c, X86_EFLAGS_ARITH, f | flags_szp(al, 8));
}

void op_das(Cpu *c, const Insn *in)
{
    (void)in;
    uint8_t old_al = get_al(c), al = old_al;
    bool old_cf = c->eflags & X86_EFLAGS_CF;
    uint32_t f = 0;
    if ((al & 0x0f) > 9 || (c->eflags & X86_EFLAGS_AF)) {
        al -= 6;
        f |= X86_EFLAGS_AF;
        if (old_cf || old_al < 6) /* CF = old CF or the borrow of AL - 6 */
            f |= X86_EFLAGS_CF;
    }
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        f |= X86_EFLAGS_CF;
    }
    set_al(c, al);
    flags_store(c, X86_EFLAGS_ARITH, f | flags_szp(al, 8));
}

/* AAA (dir = +1) and AAS (dir = -1). */
static inline void ascii_adjust(Cpu *c, int dir)
{
    uint16_t ax = (uint16_t)c->r[R_EAX];
    uint32_t f = 0;
    if ((ax & 0x0f) > 9 || (c->eflags & X86_EFLAGS_AF)) {
        ax = (uint16_t)(dir > 0 ? ax + 0x106 : ax - 0x106);
        f = X86_EFLAGS_AF | X86_EFLAGS_CF;
    }
    ax &= 0xff0f;
    set_reg16(c, R_EAX, ax);
    flags_store(c, X86_EFLAGS_ARITH, f | flags_szp(ax & 0xff, 8));
}

void op_aaa(Cpu *c, const Insn *in)
{
    (void)in;
    ascii_adjust(c, 1);
}

void op_aas(Cpu *c, const Insn *in)
{
    (void)in;
    ascii_adjust(c, -1);
}

void op_aam(Cpu *c, const Insn *in)
{
    uint8_t base = (uint8_t)in->imm;
    if (unlikely(base == 0))
        cpu_raise(c, X86_TRAP_DE, 0);
    uint8_t al = get_al(c);
    uint8_t q = al / base, r = al % base;
    set_reg16(c, R_EAX, (uint16_t)(q << 8 | r));
    flags_logic(c, r, 8); /* OF = AF = CF = 0 */
}

void op_aad(Cpu *c, const Insn *in)
{
    uint8_t base = (uint8_t)in->imm;
    uint32_t al = get_al(c);
    uint32_t prod = ((c->r[R_EAX] >> 8) & 0xff) * base & 0xff;
    uint32_t r = (al + prod) & 0xff;
    set_reg16(c, R_EAX, (uint16_t)r); /* AH = 0 */
    flags_add(c, al, prod, 0, r, 8);
}

void op_salc(Cpu *c, const Insn *in)
{
    (void)in;
    set_al(c, (c->eflags & X86_EFLAGS_CF) ? 0xff : 0x00);
}
