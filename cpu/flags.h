/*
 * flags.h - arithmetic flags, computed eagerly by width.
 *
 * `bits` is 8, 16 or 32 and always a constant at the call site, so the
 * compiler folds the masks. Operands and results are passed already
 * truncated to the width.
 */
#ifndef RINGSIDE_FLAGS_H
#define RINGSIDE_FLAGS_H

#include "cpu/cpu.h"

extern const uint8_t parity_table[256]; /* X86_EFLAGS_PF or 0 for a byte */

#define WIDTH_MASK(bits) ((uint32_t)(0xffffffffu >> (32 - (bits))))
#define WIDTH_SIGN(bits) ((uint32_t)1 << ((bits)-1))

/* SF, ZF, PF of a result. */
static inline uint32_t flags_szp(uint32_t r, int bits)
{
    r &= WIDTH_MASK(bits);
    return (r == 0 ? X86_EFLAGS_ZF : 0) | ((r & WIDTH_SIGN(bits)) ? X86_EFLAGS_SF : 0) |
           parity_table[r & 0xff];
}

static inline void flags_store(Cpu *c, uint32_t mask, uint32_t f)
{
    c->eflags = (c->eflags & ~mask) | f;
}

/* r = a + b + cin */
static inline void flags_add(Cpu *c, uint32_t a, uint32_t b, uint32_t cin, uint32_t r, int bits)
{
    uint64_t wide = (uint64_t)a + b + cin;
    uint32_t f = flags_szp(r, bits);
    f |= ((wide >> bits) & 1) ? X86_EFLAGS_CF : 0;
    f |= ((a ^ b ^ r) & 0x10) ? X86_EFLAGS_AF : 0;
    f |= (((a ^ r) & (b ^ r)) & WIDTH_SIGN(bits)) ? X86_EFLAGS_OF : 0;
    flags_store(c, X86_EFLAGS_ARITH, f);
}

/* r = a - b - bin */
static inline void flags_sub(Cpu *c, uint32_t a, uint32_t b, uint32_t bin, uint32_t r, int bits)
{
    uint64_t wide = (uint64_t)a - b - bin;
    uint32_t f = flags_szp(r, bits);
    f |= ((wide >> bits) & 1) ? X86_EFLAGS_CF : 0;
    f |= ((a ^ b ^ r) & 0x10) ? X86_EFLAGS_AF : 0;
    f |= (((a ^ b) & (a ^ r)) & WIDTH_SIGN(bits)) ? X86_EFLAGS_OF : 0;
    flags_store(c, X86_EFLAGS_ARITH, f);
}

/* AND, OR, XOR, TEST: CF = OF = 0; AF is undefined, and we clear it (as
 * the P6 family does; see docs/undefined-flags.md). */
static inline void flags_logic(Cpu *c, uint32_t r, int bits)
{
    flags_store(c, X86_EFLAGS_ARITH, flags_szp(r, bits));
}

/* INC and DEC leave CF alone. */
static inline void flags_inc(Cpu *c, uint32_t a, uint32_t r, int bits)
{
    uint32_t f = flags_szp(r, bits);
    f |= ((a ^ r) & 0x10) ? X86_EFLAGS_AF : 0;
    f |= (r & WIDTH_MASK(bits)) == WIDTH_SIGN(bits) ? X86_EFLAGS_OF : 0;
    flags_store(c, X86_EFLAGS_ARITH & ~X86_EFLAGS_CF, f);
}

static inline void flags_dec(Cpu *c, uint32_t a, uint32_t r, int bits)
{
    uint32_t f = flags_szp(r, bits);
    f |= ((a ^ r) & 0x10) ? X86_EFLAGS_AF : 0;
    f |= (r & WIDTH_MASK(bits)) == WIDTH_SIGN(bits) - 1 ? X86_EFLAGS_OF : 0;
    flags_store(c, X86_EFLAGS_ARITH & ~X86_EFLAGS_CF, f);
}

#endif
