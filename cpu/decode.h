/*
 * decode.h - bytes to a decoded instruction (DESIGN.md section 3).
 *
 * The decoder reads the code-size mode bit and nothing else, and never
 * faults: an invalid encoding decodes to an instruction whose handler
 * raises #UD, an over-long one (more than 15 bytes) to one that raises #GP.
 */
#ifndef RINGSIDE_DECODE_H
#define RINGSIDE_DECODE_H

#include "cpu/cpu.h"

/* Row flags (see opcodes.def). */
#define F_BR 0x0001
#define F_END 0x0002
#define F_LOCK 0x0004
#define F_STR 0x0008
#define F_GRP 0x0010
#define F_PM 0x0020
#define F_UD 0x0040
#define F_PREFIX 0x0080 /* set by PFX rows */

/* Immediate kinds, derived from the operand strings at start-up. */
enum {
    IMM_NONE,
    IMM_B,   /* Ib: zero-extended byte */
    IMM_BS,  /* Ibs, Jb: sign-extended byte */
    IMM_W,   /* Iw */
    IMM_Z,   /* Iz, Iv: 16 or 32 by operand size */
    IMM_JZ,  /* Jz: 16 (sign-extended) or 32 by operand size */
    IMM_O,   /* moffs: 16 or 32 by address size, stored in disp */
    IMM_AP,  /* Ap: offset (16/32) then a 16-bit selector */
    IMM_ONE, /* the constant 1 of D0/D1 */
};

typedef struct OpRow {
    const char *mnemonic;
    const char *operands;
    InsnFn fn16, fn32;
    uint16_t flags;
    uint8_t modrm;     /* has a ModRM byte */
    uint8_t mem_only;  /* M operand: register form is #UD */
    uint8_t reg_only;  /* R operand: mod is ignored, always a register */
    uint8_t imm[2];    /* IMM_* */
    uint8_t defined;   /* a row exists */
} OpRow;

/* Returned by x86_decode when the bytes available end before the
 * instruction does (and before the 15-byte limit). */
#define DECODE_NEED_MORE 0

void decode_init(void);
/* Decode one instruction from buf[0..avail). Returns its length (1..15),
 * or DECODE_NEED_MORE. */
int x86_decode(const uint8_t *buf, int avail, bool code32, Insn *in);
/* The table row an instruction was decoded from (group member if any). */
const OpRow *decode_row(const Insn *in);
/* Mnemonic for the instruction's operand (or, for JCXZ, address) size. */
const char *decode_mnemonic(const Insn *in, char *buf, int len);
/* Row for table index code (0x000-0x1ff) and group member reg (0-7, or -1
 * for the primary row); NULL if there is none. */
const OpRow *decode_table_row(int code, int reg);

/* Handlers the decoder substitutes. */
void op_ud(Cpu *c, const Insn *in);
void op_gp_toolong(Cpu *c, const Insn *in);
void op_unimpl(Cpu *c, const Insn *in);

#endif
