/*
 * x64emit.h - a small x86-64 machine-code emitter for the host-code
 * backend (translate/x64.c).
 *
 * Only what the backend needs: 32-bit ALU and moves between the legacy
 * registers RAX-RDI, memory operands [RBX + disp] (RBX holds the Cpu
 * pointer inside a block) and [base + index], 64-bit immediates for calls
 * to absolute addresses, and rel32 branches that are patched once their
 * target is known. Writing past the buffer sets `overflow` instead of
 * writing; the caller throws the block away and starts a new buffer.
 */
#ifndef RINGSIDE_X64EMIT_H
#define RINGSIDE_X64EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { HR_AX, HR_CX, HR_DX, HR_BX, HR_SP, HR_BP, HR_SI, HR_DI };

/* Host condition codes, in the order of the Jcc opcodes (the guest's are
 * the same numbers). */
enum { HCC_O, HCC_NO, HCC_B, HCC_AE, HCC_E, HCC_NE, HCC_BE, HCC_A,
       HCC_S, HCC_NS, HCC_P, HCC_NP, HCC_L, HCC_GE, HCC_LE, HCC_G };

typedef struct Emit {
    uint8_t *p, *start, *end;
    bool overflow;
} Emit;

static inline void em_init(Emit *e, uint8_t *start, uint8_t *end)
{
    e->p = e->start = start;
    e->end = end;
    e->overflow = false;
}

static inline void em_bytes(Emit *e, const void *b, int n)
{
    if (e->p + n > e->end) {
        e->overflow = true;
        return;
    }
    memcpy(e->p, b, (size_t)n);
    e->p += n;
}

static inline void em8(Emit *e, uint8_t v) { em_bytes(e, &v, 1); }
static inline void em32(Emit *e, uint32_t v) { em_bytes(e, &v, 4); }
static inline void em64(Emit *e, uint64_t v) { em_bytes(e, &v, 8); }

/* ModRM for [base + disp] (disp8 when it fits), base one of RAX-RDI
 * but RSP and RBP (which need a SIB byte or mean RIP-relative). */
static inline void em_base_disp(Emit *e, int reg, int base, int32_t disp)
{
    if (disp >= -128 && disp <= 127) {
        em8(e, (uint8_t)(0x40 | (reg << 3) | base));
        em8(e, (uint8_t)disp);
    } else {
        em8(e, (uint8_t)(0x80 | (reg << 3) | base));
        em32(e, (uint32_t)disp);
    }
}

/* ModRM for [RBX + disp]: a Cpu field. */
static inline void em_rbx_disp(Emit *e, int reg, int32_t disp)
{
    em_base_disp(e, reg, HR_BX, disp);
}

/* ModRM + SIB for [base + index] (base is not RBP). */
static inline void em_bi(Emit *e, int reg, int base, int index)
{
    em8(e, (uint8_t)((reg << 3) | 4));
    em8(e, (uint8_t)((index << 3) | base));
}

/* opcode (1 byte) with ModRM [RBX+disp]; rex 0x48 for 64-bit, 0x66 prefix
 * for 16-bit (pfx). */
static inline void em_op_mem(Emit *e, int pfx, int rex, uint8_t opc, int reg, int32_t disp)
{
    if (pfx)
        em8(e, (uint8_t)pfx);
    if (rex)
        em8(e, (uint8_t)rex);
    em8(e, opc);
    em_rbx_disp(e, reg, disp);
}

/* 0F-map opcode with ModRM [RBX+disp]. */
static inline void em_op0f_mem(Emit *e, uint8_t opc, int reg, int32_t disp)
{
    em8(e, 0x0f);
    em8(e, opc);
    em_rbx_disp(e, reg, disp);
}

/* opcode with a register-direct ModRM. */
static inline void em_op_rr(Emit *e, int pfx, int rex, uint8_t opc, int reg, int rm)
{
    if (pfx)
        em8(e, (uint8_t)pfx);
    if (rex)
        em8(e, (uint8_t)rex);
    em8(e, opc);
    em8(e, (uint8_t)(0xc0 | (reg << 3) | rm));
}

static inline void em_mov32_load(Emit *e, int r, int32_t disp) { em_op_mem(e, 0, 0, 0x8b, r, disp); }
static inline void em_mov32_store(Emit *e, int r, int32_t disp) { em_op_mem(e, 0, 0, 0x89, r, disp); }
static inline void em_mov64_load(Emit *e, int r, int32_t disp) { em_op_mem(e, 0, 0x48, 0x8b, r, disp); }

/* mov r32, imm32 */
static inline void em_mov32_imm(Emit *e, int r, uint32_t v)
{
    em8(e, (uint8_t)(0xb8 + r));
    em32(e, v);
}

/* mov r64, imm64 */
static inline void em_mov64_imm(Emit *e, int r, uint64_t v)
{
    em8(e, 0x48);
    em8(e, (uint8_t)(0xb8 + r));
    em64(e, v);
}

/* add dword [rbx+disp], imm (imm 0 emits nothing). */
static inline void em_add32_mem_imm(Emit *e, int32_t disp, int32_t v)
{
    if (!v)
        return;
    if (v >= -128 && v <= 127) {
        em_op_mem(e, 0, 0, 0x83, 0, disp);
        em8(e, (uint8_t)v);
    } else {
        em_op_mem(e, 0, 0, 0x81, 0, disp);
        em32(e, (uint32_t)v);
    }
}

/* add qword [rbx+disp], imm8/imm32 */
static inline void em_add64_mem_imm(Emit *e, int32_t disp, int32_t v)
{
    if (!v)
        return;
    if (v >= -128 && v <= 127) {
        em_op_mem(e, 0, 0x48, 0x83, 0, disp);
        em8(e, (uint8_t)v);
    } else {
        em_op_mem(e, 0, 0x48, 0x81, 0, disp);
        em32(e, (uint32_t)v);
    }
}

/* ALU op (reg field of group 1: 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp)
 * r32, imm32 */
static inline void em_alu32_imm(Emit *e, int op, int r, uint32_t v)
{
    if ((int32_t)v >= -128 && (int32_t)v <= 127) {
        em_op_rr(e, 0, 0, 0x83, op, r);
        em8(e, (uint8_t)v);
    } else {
        em_op_rr(e, 0, 0, 0x81, op, r);
        em32(e, v);
    }
}

/* A rel32 jump or call whose target is set later: returns the place of
 * the displacement. */
static inline uint8_t *em_jcc32(Emit *e, int cc)
{
    em8(e, 0x0f);
    em8(e, (uint8_t)(0x80 + cc));
    em32(e, 0);
    return e->overflow ? NULL : e->p - 4;
}

static inline uint8_t *em_jmp32(Emit *e)
{
    em8(e, 0xe9);
    em32(e, 0);
    return e->overflow ? NULL : e->p - 4;
}

/* Point a rel32 displacement at target. */
static inline void em_patch(uint8_t *rel, const uint8_t *target)
{
    if (!rel)
        return;
    int32_t d = (int32_t)(target - (rel + 4));
    memcpy(rel, &d, 4);
}

/* call an absolute address through RAX. */
static inline void em_call_abs(Emit *e, const void *fn)
{
    em_mov64_imm(e, HR_AX, (uint64_t)(uintptr_t)fn);
    em8(e, 0xff);
    em8(e, 0xd0);
}

#endif
