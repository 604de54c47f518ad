/*
 * fpu_ldst.c - x87 loads and stores (FLD, FST(P), FILD, FIST(P), FBLD,
 * FBSTP, the constants) and the control instructions that move state to
 * and from memory (FLDCW, FNSTCW, FNSTSW, FLDENV, FNSTENV, FRSTOR,
 * FNSAVE), for the memory forms of D9, DB, DD and DF (SDM vol. 1 8.1.10,
 * vol. 2 F*). Dispatch and the rest of the x87 are in fpu.c.
 */
#include <string.h>

#include "cpu/fpu_impl.h"

enum { K_F32, K_F64, K_F80, K_I16, K_I32, K_I64, K_BCD };
static const uint8_t k_size[] = { 4, 8, 10, 2, 4, 8, 10 };

/* FLD m32/m64/m80, FILD m16/m32/m64, FBLD. Only FLD m32/m64 can raise
 * (SNaN: IE, denormal: DE); FLD m80 loads any pattern as it is. */
static inline __attribute__((always_inline)) void fload(Cpu *c, const Insn *in, int kind, uint32_t ea)
{
    F80Ctx x = fpu_ctx(&c->fpu);
    F80 v;
    switch (kind) {
    case K_F32: v = f80_from_f32(&x, cpu_rd32(c, in->seg, ea)); break;
    case K_F64: v = f80_from_f64(&x, fpu_rd64(c, in->seg, ea)); break;
    case K_F80: v = fpu_rd80(c, in->seg, ea); break;
    case K_I16: v = f80_from_int((int16_t)cpu_rd16(c, in->seg, ea)); break;
    case K_I32: v = f80_from_int((int32_t)cpu_rd32(c, in->seg, ea)); break;
    case K_I64: v = f80_from_int((int64_t)fpu_rd64(c, in->seg, ea)); break;
    default: {
        uint8_t bcd[10];
        for (int i = 0; i < 10; i++)
            bcd[i] = cpu_rd8(c, in->seg, ea + i);
        v = f80_from_bcd(bcd);
        break;
    }
    }
    if (!fpu_empty(&c->fpu, 7)) /* the stack overflow takes precedence over DE */
        x.flags &= (uint16_t)~F80_DE;
    fpu_push_checked(c, &x, v);
}

/*
 * FST(P) m32/m64/m80, FIST(P) m16/m32/m64, FBSTP. An empty ST(0) is a
 * stack underflow that stores the format's indefinite when masked. When an
 * exception is unmasked and raised, memory is left alone and nothing is
 * popped: IE or DE for every format, and for m32/m64 also OE and UE (the
 * x87 then has no value fit for the format; SDM vol. 1 4.9.1.4-5).
 */
static inline __attribute__((always_inline)) void fstore(Cpu *c, const Insn *in, int kind, bool pop,
                                                           uint32_t ea)
{
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    bool empty = fpu_empty(f, 0);
    F80 a = empty ? f80_indefinite() : fpu_st(f, 0);
    uint64_t v = 0;
    uint8_t bcd[10];
    if (empty)
        x.flags |= FPU_UNDERFLOW;
    switch (kind) {
    case K_F32: v = empty ? 0xffc00000u : f80_to_f32(&x, a); break;
    case K_F64: v = empty ? 0xfff8000000000000ull : f80_to_f64(&x, a); break;
    case K_F80: break;
    case K_I16: case K_I32: case K_I64: {
        int bits = kind == K_I16 ? 16 : kind == K_I32 ? 32 : 64;
        v = empty ? 1ull << (bits - 1) : (uint64_t)f80_to_int(&x, a, bits, false);
        break;
    }
    default:
        if (empty) {
            memset(bcd, 0, sizeof(bcd));
            bcd[7] = 0xc0;
            bcd[8] = bcd[9] = 0xff;
        } else {
            f80_to_bcd(&x, a, bcd);
        }
        break;
    }
    uint16_t block = F80_IE | F80_DE | F80_ZE;
    if (kind <= K_F64)
        block |= F80_OE | F80_UE;
    if (x.flags & ~f->cw & block) {
        fpu_commit(c, x.flags);
        return;
    }
    /* The whole destination is checked first, so a fault writes nothing;
     * when access.h's fast path covers all of it, it is one host store. */
    uint8_t *p = seg_fast(c, in->seg, ea, k_size[kind], SEG_ACC_WR);
    if (likely(p != NULL)) {
        switch (kind) { /* fixed sizes: plain host stores */
        case K_F32: case K_I32: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
        case K_F64: case K_I64: memcpy(p, &v, 8); break;
        case K_I16: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
        case K_F80:
            memcpy(p, &a.sig, 8);
            memcpy(p + 8, &a.se, 2);
            break;
        default: memcpy(p, bcd, 10); break;
        }
        fpu_commit(c, x.flags);
        if (pop)
            fpu_pop(f);
        return;
    }
    cpu_check_write(c, in->seg, ea, k_size[kind]);
    switch (kind) {
    case K_F32: case K_I32: cpu_wr32(c, in->seg, ea, (uint32_t)v); break;
    case K_F64: case K_I64: fpu_wr64(c, in->seg, ea, v); break;
    case K_I16: cpu_wr16(c, in->seg, ea, (uint16_t)v); break;
    case K_F80: fpu_wr80(c, in->seg, ea, a); break;
    default:
        for (int i = 0; i < 10; i++)
            cpu_wr8(c, in->seg, ea + i, bcd[i]);
        break;
    }
    fpu_commit(c, x.flags);
    if (pop)
        fpu_pop(f);
}

/*
 * The constants, 64-bit significands rounded to nearest; under the other
 * rounding modes the x87 delivers the correctly rounded value, which is one
 * ulp lower for L2E, PI, LG2 and LN2 rounded down or toward zero (their
 * nearest value was rounded up) and one ulp higher for L2T rounded up
 * (SDM vol. 1 8.3.8). No exception, not even PE.
 */
void fpu_load_const(Cpu *c, int which)
{
    static const F80 k[7] = {
        { 0x8000000000000000ull, 0x3fff }, /* 1 */
        { 0xd49a784bcd1b8afeull, 0x4000 }, /* log2(10) */
        { 0xb8aa3b295c17f0bcull, 0x3fff }, /* log2(e) */
        { 0xc90fdaa22168c235ull, 0x4000 }, /* pi */
        { 0x9a209a84fbcff799ull, 0x3ffd }, /* log10(2) */
        { 0xb17217f7d1cf79acull, 0x3ffe }, /* ln(2) */
        { 0, 0 },                          /* +0 */
    };
    Fpu *f = &c->fpu;
    F80Ctx x = fpu_ctx(f);
    F80 v = k[which];
    if (which == 1 && x.rc == F80_RC_UP)
        v.sig++;
    else if (which >= 2 && which <= 5 && (x.rc == F80_RC_DOWN || x.rc == F80_RC_ZERO))
        v.sig--;
    fpu_push_checked(c, &x, v);
}

/* ---- environment and state images (SDM vol. 1 8.1.10, figs 8-9..8-12) */

/* The control word's reserved bits: bit 6 reads 1, bits 13-15 read 0. */
static uint16_t cw_value(uint16_t v)
{
    return (uint16_t)((v & 0x1f3fu) | 0x0040u);
}

/* ES and B follow the unmasked exceptions of a newly loaded CW or SW. */
static void fpu_resummarize(Fpu *f)
{
    if (f->sw & ~f->cw & FSW_EXC)
        f->sw |= FSW_ES | FSW_B;
    else
        f->sw &= (uint16_t) ~(FSW_ES | FSW_B);
}

/* 14 bytes with a 16-bit operand size, 28 with 32. Real and virtual-8086
 * mode store 20-bit (or 32-bit) linear addresses in place of selectors. */
static int env_size(const Insn *in)
{
    return (in->flags & INSN_OP32) ? 28 : 14;
}

static void store_env(Cpu *c, const Insn *in, uint32_t ea)
{
    Fpu *f = &c->fpu;
    bool op32 = in->flags & INSN_OP32;
    uint32_t w[7];
    w[0] = f->cw;
    w[1] = fpu_status(f);
    w[2] = fpu_tag_word(f);
    if (cpu_protected(c)) {
        w[3] = f->fip;
        w[4] = f->fcs | (op32 ? (uint32_t)f->fop << 16 : 0);
        w[5] = f->fdp;
        w[6] = f->fds;
    } else {
        uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
        w[3] = ip & 0xffff;
        w[4] = ((ip >> 16) << 12) | f->fop;
        w[5] = dp & 0xffff;
        w[6] = (dp >> 16) << 12;
    }
    for (int i = 0; i < 7; i++) {
        if (op32) {
            /* Reserved upper halves read as ones on the P6. */
            uint32_t v = w[i];
            if (i <= 2 || (i == 6 && cpu_protected(c)))
                v |= 0xffff0000u;
            cpu_wr32(c, in->seg, ea + 4 * i, v);
        } else {
            cpu_wr16(c, in->seg, ea + 2 * i, (uint16_t)w[i]);
        }
    }
}

/* Read an environment image into *e (nothing is changed yet). */
typedef struct Env {
    uint16_t cw, sw, tw, fcs, fds, fop;
    uint32_t fip, fdp;
} Env;

static Env read_env(Cpu *c, const Insn *in, uint32_t ea)
{
    bool op32 = in->flags & INSN_OP32;
    uint32_t w[7];
    for (int i = 0; i < 7; i++)
        w[i] = op32 ? cpu_rd32(c, in->seg, ea + 4 * i) : cpu_rd16(c, in->seg, ea + 2 * i);
    Env e = { .cw = (uint16_t)w[0], .sw = (uint16_t)w[1], .tw = (uint16_t)w[2] };
    if (cpu_protected(c)) {
        e.fip = op32 ? w[3] : (w[3] & 0xffff);
        e.fcs = (uint16_t)w[4];
        e.fop = op32 ? (uint16_t)((w[4] >> 16) & 0x7ff) : 0;
        e.fdp = op32 ? w[5] : (w[5] & 0xffff);
        e.fds = (uint16_t)w[6];
    } else {
        /* Linear addresses: kept with a zero selector, so that storing
         * them again gives the same image. */
        uint32_t hi_mask = op32 ? 0xffffu : 0xfu;
        e.fip = (w[3] & 0xffff) | (((w[4] >> 12) & hi_mask) << 16);
        e.fop = (uint16_t)(w[4] & 0x7ff);
        e.fdp = (w[5] & 0xffff) | (((w[6] >> 12) & hi_mask) << 16);
    }
    return e;
}

static void load_env(Cpu *c, const Env *e)
{
    Fpu *f = &c->fpu;
    f->cw = cw_value(e->cw);
    f->sw = e->sw & (uint16_t)~0x3800u;
    f->top = (e->sw >> 11) & 7;
    f->empty = 0;
    for (int p = 0; p < 8; p++)
        if (((e->tw >> (2 * p)) & 3) == 3)
            f->empty |= (uint8_t)(1u << p);
    f->fip = e->fip;
    f->fcs = e->fcs;
    f->fop = e->fop;
    f->fdp = e->fdp;
    f->fds = e->fds;
    fpu_resummarize(f);
}

static void fnstenv(Cpu *c, const Insn *in)
{
    uint32_t ea = insn_ea(c, in);
    cpu_check_write(c, in->seg, ea, env_size(in));
    store_env(c, in, ea);
    c->fpu.cw |= FCW_MASKS; /* FNSTENV masks every exception after saving */
}

static void fldenv(Cpu *c, const Insn *in)
{
    Env e = read_env(c, in, insn_ea(c, in));
    load_env(c, &e);
}

/* FNSAVE: the environment, then ST(0)..ST(7), then FNINIT. */
static void fnsave(Cpu *c, const Insn *in)
{
    Fpu *f = &c->fpu;
    uint32_t ea = insn_ea(c, in), n = env_size(in);
    cpu_check_write(c, in->seg, ea, n + 80);
    store_env(c, in, ea);
    for (int i = 0; i < 8; i++)
        fpu_wr80(c, in->seg, ea + n + 10 * i, fpu_st(f, i));
    fpu_reset(c);
}

static void frstor(Cpu *c, const Insn *in)
{
    Fpu *f = &c->fpu;
    uint32_t ea = insn_ea(c, in), n = env_size(in);
    F80 r[8];
    Env e = read_env(c, in, ea);
    for (int i = 0; i < 8; i++)
        r[i] = fpu_rd80(c, in->seg, ea + n + 10 * i);
    load_env(c, &e);
    for (int i = 0; i < 8; i++)
        f->st[fpu_phys(f, i)] = r[i];
}

static void fstore16(Cpu *c, const Insn *in, uint16_t v)
{
    cpu_wr16(c, in->seg, insn_ea(c, in), v);
}

void fpu_ldst_mem(Cpu *c, const Insn *in, int esc, uint32_t ea)
{
    Fpu *f = &c->fpu;
    switch ((esc & 7) << 3 | in->reg) {
    /* D9 */
    case 010: fload(c, in, K_F32, ea); return;
    case 012: fstore(c, in, K_F32, false, ea); return;
    case 013: fstore(c, in, K_F32, true, ea); return;
    case 014: fldenv(c, in); return;
    case 015:
        f->cw = cw_value(cpu_rd16(c, in->seg, ea));
        fpu_resummarize(f);
        return;
    case 016: fnstenv(c, in); return;
    case 017: fstore16(c, in, f->cw); return;
    /* DB (/1 is FISTTP, an SSE3 instruction: #UD on the P6) */
    case 030: fload(c, in, K_I32, ea); return;
    case 032: fstore(c, in, K_I32, false, ea); return;
    case 033: fstore(c, in, K_I32, true, ea); return;
    case 035: fload(c, in, K_F80, ea); return;
    case 037: fstore(c, in, K_F80, true, ea); return;
    /* DD */
    case 050: fload(c, in, K_F64, ea); return;
    case 052: fstore(c, in, K_F64, false, ea); return;
    case 053: fstore(c, in, K_F64, true, ea); return;
    case 054: frstor(c, in); return;
    case 056: fnsave(c, in); return;
    case 057: fstore16(c, in, fpu_status(f)); return;
    /* DF */
    case 070: fload(c, in, K_I16, ea); return;
    case 072: fstore(c, in, K_I16, false, ea); return;
    case 073: fstore(c, in, K_I16, true, ea); return;
    case 074: fload(c, in, K_BCD, ea); return;
    case 075: fload(c, in, K_I64, ea); return;
    case 076: fstore(c, in, K_BCD, true, ea); return;
    case 077: fstore(c, in, K_I64, true, ea); return;
    default: cpu_raise(c, X86_TRAP_UD, 0);
    }
}
