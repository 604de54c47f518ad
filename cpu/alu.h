/*
 * alu.h - width-generic operand access for the arithmetic families
 * (alu.c, muldiv.c, shift.c, bit.c).
 *
 * `w` is 8, 16 or 32 and a constant at every call site, so each helper
 * folds to the access.h function of that width. Values travel as uint32_t,
 * zero-extended from the width.
 *
 * Read-modify-write: a memory destination is read once through an Rmw
 * cursor, which remembers where it was and, when the page is plain writable
 * RAM, the host pointer, so the write after it costs a store. A read that
 * succeeds but whose write then faults leaves nothing changed, because the
 * handlers update registers and flags only after the write.
 */
#ifndef RINGSIDE_ALU_H
#define RINGSIDE_ALU_H

#include "cpu/access.h"
#include "cpu/flags.h"
#include "cpu/handlers.h"

/* An OPV row's two entry points over one width-generic body NAME_w. */
#define ALU_DEFINE_OPV(h)                                                      \
    void op_##h##_16(Cpu *c, const Insn *in) { h##_w(c, in, 16); }           \
    void op_##h##_32(Cpu *c, const Insn *in) { h##_w(c, in, 32); }

static inline uint32_t reg_get(const Cpu *c, int n, int w)
{
    return w == 8 ? get_reg8(c, n) : w == 16 ? get_reg16(c, n) : get_reg32(c, n);
}

static inline void reg_set(Cpu *c, int n, int w, uint32_t v)
{
    if (w == 8)
        set_reg8(c, n, (uint8_t)v);
    else if (w == 16)
        set_reg16(c, n, (uint16_t)v);
    else
        set_reg32(c, n, v);
}

static inline uint32_t mem_get(Cpu *c, int seg, uint32_t off, int w)
{
    return w == 8 ? cpu_rd8(c, seg, off) : w == 16 ? cpu_rd16(c, seg, off) : cpu_rd32(c, seg, off);
}

static inline void mem_set(Cpu *c, int seg, uint32_t off, int w, uint32_t v)
{
    if (w == 8)
        cpu_wr8(c, seg, off, (uint8_t)v);
    else if (w == 16)
        cpu_wr16(c, seg, off, (uint16_t)v);
    else
        cpu_wr32(c, seg, off, v);
}

/* The E operand (ModRM r/m), read only. */
static inline uint32_t rd_E(Cpu *c, const Insn *in, int w)
{
    if (in->mod == 3)
        return reg_get(c, in->rm, w);
    return mem_get(c, in->seg, insn_ea(c, in), w);
}

typedef struct Rmw {
    uint8_t *host; /* writable RAM, or NULL for the checked path */
    uint32_t off;
    int seg;
} Rmw;

/* Read the memory destination at seg:off for a later rmw_write. */
static inline uint32_t rmw_read(Cpu *c, Rmw *m, int seg, uint32_t off, int w)
{
    m->seg = seg;
    m->off = off;
    m->host = seg_fast(c, seg, off, (uint32_t)w / 8, SEG_ACC_WR);
    if (likely(m->host != NULL)) {
        if (w == 8)
            return *m->host;
        if (w == 16) {
            uint16_t v;
            memcpy(&v, m->host, 2);
            return v;
        }
        uint32_t v;
        memcpy(&v, m->host, 4);
        return v;
    }
    return mem_get(c, seg, off, w);
}

static inline void rmw_write(Cpu *c, const Rmw *m, int w, uint32_t v)
{
    if (likely(m->host != NULL)) {
        if (w == 8) {
            *m->host = (uint8_t)v;
        } else if (w == 16) {
            uint16_t x = (uint16_t)v;
            memcpy(m->host, &x, 2);
        } else {
            memcpy(m->host, &v, 4);
        }
        return;
    }
    mem_set(c, m->seg, m->off, w, v);
}

/* The E operand as a read-modify-write destination. */
static inline uint32_t rmw_read_E(Cpu *c, const Insn *in, Rmw *m, int w)
{
    if (in->mod == 3)
        return reg_get(c, in->rm, w);
    return rmw_read(c, m, in->seg, insn_ea(c, in), w);
}

static inline void rmw_write_E(Cpu *c, const Insn *in, const Rmw *m, int w, uint32_t v)
{
    if (in->mod == 3)
        reg_set(c, in->rm, w, v);
    else
        rmw_write(c, m, w, v);
}

/* Sign-extend a w-bit value. */
static inline int32_t sext(uint32_t v, int w)
{
    return w == 8 ? (int8_t)v : w == 16 ? (int16_t)v : (int32_t)v;
}

#endif
