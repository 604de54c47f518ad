/*
 * handlers.h - a prototype for every handler the opcode table names.
 */
#ifndef RINGSIDE_HANDLERS_H
#define RINGSIDE_HANDLERS_H

#include "cpu/cpu.h"

#define OP(code, mn, ops, h, fl) void op_##h(Cpu *c, const Insn *in);
#define OPV(code, mn, ops, h, fl)                                              \
    void op_##h##_16(Cpu *c, const Insn *in);                                  \
    void op_##h##_32(Cpu *c, const Insn *in);
#define GRP(code, reg, mn, ops, h, fl) OP(code, mn, ops, h, fl)
#define GRPV(code, reg, mn, ops, h, fl) OPV(code, mn, ops, h, fl)
#define PFX(code, mn)
#include "cpu/opcodes.def"
#undef OP
#undef OPV
#undef GRP
#undef GRPV
#undef PFX

#endif
