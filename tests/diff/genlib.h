/*
 * genlib.h - what the generator's files share (gen.c and the template
 * files t_*.c): the PRNG, the generator's state, flag tracking, operand
 * selection and encoding. Small helpers, so static inline.
 */
#ifndef DIFF_GENLIB_H
#define DIFF_GENLIB_H

#include "gen.h"

#include <stddef.h>

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_OF 0x800u
#define F_SZP (F_SF | F_ZF | F_PF)
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_IF 0x200u

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* ---- PRNG: xoshiro128** seeded through murmur3's finaliser; 32-bit
 * arithmetic only, so the guest harness needs few kinds of instruction. */

typedef struct Rng {
    uint32_t s[4];
} Rng;

static inline uint32_t mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t rotl32(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

static inline void rng_seed(Rng *r, const DiffParams *p, uint32_t n)
{
    uint32_t h = mix32(p->seed_lo ^ 0x9e3779b9u) ^ mix32(p->seed_hi + 0x7f4a7c15u);
    for (int i = 0; i < 4; i++) {
        h = mix32(h + n * 0x632be5abu + (uint32_t)i * 0x85ebca6bu + 1);
        r->s[i] = h | (i == 0); /* never all zero */
    }
}

static inline uint32_t rng_next(Rng *r)
{
    uint32_t *s = r->s;
    uint32_t out = rotl32(s[1] * 5, 7) * 9;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11);
    return out;
}

/* ---- the generator's state ------------------------------------------- */

enum { R_SCRATCH, R_CODE, R_CS }; /* what an absolute value in the code is */
#define MAX_RELOCS 64

typedef struct Gen {
    Rng rng;
    uint8_t *code;
    unsigned len;
    uint32_t scratch_addr; /* where the buffer is: absolute addressing */
    uint32_t code_addr;    /* where the code runs: absolute targets */
    uint16_t cs;           /* the code segment: far transfers */
    uint32_t defd;         /* arithmetic flags defined now */
    int base;              /* the base register */
    uint8_t reserved;      /* registers no template may name: the base, a loop's ECX */
    int stack;             /* bytes pushed by the sequence and not popped yet */
    int esp_ok;            /* [ESP + k] may address those bytes */
    int nested;            /* in a branch body, loop, call or PUSHA span */
    /* In a loop body: the flags written so far, and those read before the
     * body wrote them (they must still be defined in the next iteration). */
    int in_loop;
    uint32_t loop_written, loop_exposed;
    int faulted;           /* the sequence ends in an exception (t_fault.c) */
    uint32_t fault_mask;   /* the flags defined at it */
    unsigned nreloc;       /* absolute values in the code, left out of gen_hash */
    struct {
        uint16_t at;
        uint8_t kind;
    } reloc[MAX_RELOCS];
    SeqInfo *info; /* may be NULL */
} Gen;

static inline uint32_t below(Gen *g, uint32_t n)
{
    return (uint32_t)(((uint64_t)rng_next(&g->rng) * n) >> 32);
}

/* A value with the edge cases over-represented. */
static inline uint32_t rand_val(Gen *g)
{
    static const uint32_t special[] = { 0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x80,
                                        0x7f, 0xff, 0x8000, 0x7fff, 0xffff, 0xff80, 0xffffff80u,
                                        0x00010000u, 0x0000ff00u, 2 };
    switch (below(g, 12)) {
    case 0:
        return special[below(g, 16)];
    case 1:
        return below(g, 256);
    case 2:
        return 1u << below(g, 32);
    case 3:
        return (uint32_t)0 - below(g, 256);
    default:
        return rng_next(&g->rng);
    }
}

static inline int rand_width(Gen *g) /* 8, 16 or 32 */
{
    static const uint8_t w[4] = { 8, 16, 32, 32 };
    return w[below(g, 4)];
}

static inline int rand_w1632(Gen *g)
{
    return below(g, 3) ? 32 : 16;
}

static inline uint32_t width_mask(int width)
{
    return width == 32 ? 0xffffffffu : (1u << width) - 1;
}

static inline void b(Gen *g, uint32_t x)
{
    g->code[g->len++] = (uint8_t)x;
}

static inline void imm(Gen *g, int width, uint32_t v)
{
    for (int i = 0; i < width; i += 8)
        b(g, v >> i);
}

/* An absolute value about to be emitted at g->len. */
static inline void reloc(Gen *g, int kind)
{
    if (g->nreloc < MAX_RELOCS) {
        g->reloc[g->nreloc].at = (uint16_t)g->len;
        g->reloc[g->nreloc].kind = (uint8_t)kind;
        g->nreloc++;
    }
}

static inline void note(Gen *g, const char *name, int width, unsigned start)
{
    SeqInfo *in = g->info;
    if (in && in->n < DIFF_MAX_NOTES) {
        in->name[in->n] = name;
        in->width[in->n] = (uint8_t)width;
        in->off[in->n] = (uint16_t)g->len;
        in->start[in->n] = (uint16_t)start;
        in->n++;
    }
}

/* May the next instruction read these flags? (Call it only for a read
 * that will be emitted.) */
static inline int can_read(Gen *g, uint32_t flags)
{
    if ((g->defd & flags) != flags)
        return 0;
    if (g->in_loop)
        g->loop_exposed |= flags & ~g->loop_written;
    return 1;
}

static inline void set_flags(Gen *g, uint32_t def, uint32_t undef)
{
    g->defd = (g->defd | def) & ~undef;
    if (g->in_loop)
        g->loop_written |= def | undef;
}

static inline void logic_flags(Gen *g)
{
    set_flags(g, F_ALL & ~F_AF, F_AF);
}

/* Flags read by condition code cc (Jcc, SETcc, CMOVcc). */
static inline uint32_t cond_flags(int cc)
{
    static const uint16_t f[8] = { F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF,
                                   F_SF | F_ZF | F_OF };
    return f[cc >> 1];
}

/* ---- registers and operands ------------------------------------------ */

static inline int reg_ok(const Gen *g, int r)
{
    return r != ESP && !((g->reserved >> r) & 1);
}

static inline int reg8_ok(const Gen *g, int r) /* AL CL DL BL AH CH DH BH */
{
    return !((g->reserved >> (r & 3)) & 1);
}

/* May a template write these registers implicitly (a bit per register)? */
static inline int implicit_ok(const Gen *g, unsigned regs)
{
    return !(g->reserved & regs);
}

static inline int pick_reg(Gen *g, int width)
{
    for (;;) {
        int r = (int)below(g, 8);
        if (width == 8 ? reg8_ok(g, r) : reg_ok(g, r))
            return r;
    }
}

/* A ModRM r/m operand: a register, or memory in the scratch buffer (through
 * the base register or an absolute address) or in the sequence's own pushes
 * (through ESP). */
typedef struct Rm {
    int mem;
    int reg;      /* register form */
    uint8_t mod;  /* memory form: ModRM.mod and .rm */
    uint8_t rm;
    int has_sib;
    uint8_t sib;
    int dlen;     /* displacement bytes: 0, 1 or 4 */
    int32_t disp;
    int abs;      /* the displacement is an absolute buffer address */
    int sp;       /* ESP-relative: LOCK's cache-line rule cannot be known */
    int off;      /* the address's offset in the scratch buffer */
} Rm;

static inline void set_form(Rm *m, int mod, int rm, int dlen)
{
    m->mod = (uint8_t)mod;
    m->rm = (uint8_t)rm;
    m->dlen = dlen;
}

/* Memory at a buffer offset in [lo, hi]. */
static inline void pick_mem(Gen *g, Rm *m, int lo, int hi)
{
    int base = g->base;
    int form = (int)below(g, 9);
    int t = lo + (int)below(g, (uint32_t)(hi - lo + 1));
    m->mem = 1;
    m->reg = 0;
    m->has_sib = 0;
    m->abs = 0;
    m->sp = 0;
    /* forms without displacement need the base's own offset */
    if ((form == 0 || form == 3) && (DIFF_BUF_BASE < lo || DIFF_BUF_BASE > hi || base == EBP))
        form = 2;
    /* disp8 forms need a target near the base */
    if (form == 1 || form == 4) {
        int l = lo > DIFF_BUF_BASE - 128 ? lo : DIFF_BUF_BASE - 128;
        int h = hi < DIFF_BUF_BASE + 127 ? hi : DIFF_BUF_BASE + 127;
        if (l > h)
            form = 2;
        else
            t = l + (int)below(g, (uint32_t)(h - l + 1));
    }
    if (form == 0 || form == 3)
        t = DIFF_BUF_BASE;
    m->off = t;
    m->disp = t - DIFF_BUF_BASE;
    switch (form) {
    case 0: /* [base] */
    case 1: /* [base + disp8] */
    case 2: /* [base + disp32] */
        set_form(m, form, base, form == 0 ? 0 : form == 1 ? 1 : 4);
        break;
    case 3: /* SIB [base], no index, any scale */
    case 4: /* SIB [base + disp8] */
    case 5: /* SIB [base + disp32] */
        set_form(m, form - 3, 4, form == 3 ? 0 : form == 4 ? 1 : 4);
        m->has_sib = 1;
        m->sib = (uint8_t)((below(g, 4) << 6) | (4 << 3) | (uint32_t)base);
        break;
    case 6: /* SIB [base*1 + disp32], no base */
        set_form(m, 0, 4, 4);
        m->has_sib = 1;
        m->sib = (uint8_t)((0 << 6) | ((uint32_t)base << 3) | 5);
        break;
    case 7: /* [disp32], absolute */
        set_form(m, 0, 5, 4);
        m->abs = 1;
        m->disp = (int32_t)(g->scratch_addr + (uint32_t)t);
        break;
    default: /* SIB [disp32], no base, no index, absolute */
        set_form(m, 0, 4, 4);
        m->has_sib = 1;
        m->sib = (uint8_t)((below(g, 4) << 6) | (4 << 3) | 5);
        m->abs = 1;
        m->disp = (int32_t)(g->scratch_addr + (uint32_t)t);
        break;
    }
}

/* Memory at exactly buffer offset `off`, as [base + disp32]. */
static inline void mem_at(Gen *g, Rm *m, int off)
{
    m->mem = 1;
    m->reg = 0;
    m->has_sib = 0;
    m->sib = 0;
    m->abs = 0;
    m->sp = 0;
    set_form(m, 2, g->base, 4);
    m->off = off;
    m->disp = off - DIFF_BUF_BASE;
}

/* [ESP + k] inside the top `avail` bytes the sequence pushed. */
static inline void pick_mem_sp(Gen *g, Rm *m, int size, int avail)
{
    int k = (int)below(g, (uint32_t)(avail - size + 1));
    int mod = k == 0 && below(g, 2) ? 0 : below(g, 4) ? 1 : 2;
    m->mem = 1;
    m->reg = 0;
    m->abs = 0;
    m->sp = 1;
    m->off = 0;
    m->disp = k;
    set_form(m, mod, 4, mod == 0 ? 0 : mod == 1 ? 1 : 4);
    m->has_sib = 1;
    m->sib = (uint8_t)((below(g, 4) << 6) | (4 << 3) | ESP);
}

/* A register or (with probability mem_pct %) memory of `size` bytes: the
 * buffer, or sometimes the sequence's pushes. */
static inline void pick_rm(Gen *g, Rm *m, int width, int size, int mem_pct)
{
    if ((int)below(g, 100) < mem_pct) {
        if (g->esp_ok && g->stack >= size && below(g, 3) == 0)
            pick_mem_sp(g, m, size, g->stack);
        else
            pick_mem(g, m, 0, DIFF_BUF_SIZE - size);
    } else {
        m->mem = 0;
        m->reg = pick_reg(g, width);
    }
}

static inline void reg_rm(Rm *m, int reg)
{
    m->mem = 0;
    m->reg = reg;
}

static inline void modrm(Gen *g, int regf, const Rm *m)
{
    if (!m->mem) {
        b(g, 0xc0 | (regf << 3) | m->reg);
        return;
    }
    b(g, (m->mod << 6) | (regf << 3) | m->rm);
    if (m->has_sib)
        b(g, m->sib);
    if (m->abs)
        reloc(g, R_SCRATCH);
    if (m->dlen == 1)
        b(g, (uint32_t)m->disp);
    else if (m->dlen == 4)
        imm(g, 32, (uint32_t)m->disp);
}

/* Prefixes in a random order: 66 for 16-bit operands, sometimes a segment
 * override on memory operands (ES, SS and DS are flat on both sides; CS is
 * too, but read-only: only where ro says the operand is only read), and
 * sometimes LOCK when the instruction allows it with a memory destination
 * of lock_size bytes that does not split a cache line. */
static inline void prefixes_x(Gen *g, int width, const Rm *m, int lock_size, int ro)
{
    static const uint8_t segs[4] = { 0x26, 0x36, 0x3e, 0x2e };
    uint8_t p[3];
    int n = 0;
    if (width == 16)
        p[n++] = 0x66;
    if (m && m->mem && below(g, 10) == 0)
        p[n++] = segs[below(g, ro ? 4 : 3)];
    if (lock_size && m && m->mem && !m->sp && (m->off & 63) + lock_size <= 64 &&
        below(g, 5) == 0)
        p[n++] = 0xf0;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)below(g, (uint32_t)i + 1);
        uint8_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    for (int i = 0; i < n; i++)
        b(g, p[i]);
}

static inline void prefixes(Gen *g, int width, const Rm *m, int lock_size)
{
    prefixes_x(g, width, m, lock_size, 0);
}

/* For an instruction that only reads its memory operand. */
static inline void prefixes_ro(Gen *g, int width, const Rm *m)
{
    prefixes_x(g, width, m, 0, 1);
}

/* MOV reg, imm (B0+r / B8+r) of the given width. */
static inline void mov_reg_imm(Gen *g, int width, int reg, uint32_t v)
{
    if (width == 16)
        b(g, 0x66);
    b(g, (width == 8 ? 0xb0 : 0xb8) + reg);
    imm(g, width, v);
}

/* MOV r/m, imm (C6/C7 /0) of the given width. */
static inline void mov_rm_imm(Gen *g, int width, const Rm *m, uint32_t v)
{
    prefixes(g, width, m, 0);
    b(g, width == 8 ? 0xc6 : 0xc7);
    modrm(g, 0, m);
    imm(g, width, v);
}

/* A place in the code to come back to when a composite must be dropped. */
typedef struct Mark {
    unsigned len, nreloc, ninfo;
    uint32_t defd;
    int stack;
} Mark;

static inline Mark mark(const Gen *g)
{
    Mark k = { g->len, g->nreloc, g->info ? g->info->n : 0, g->defd, g->stack };
    return k;
}

static inline void rewind_to(Gen *g, Mark k)
{
    g->len = k.len;
    g->nreloc = k.nreloc;
    if (g->info)
        g->info->n = k.ninfo;
    g->defd = k.defd;
    g->stack = k.stack;
}

/* ---- the templates (t_*.c) and the table's entry point (gen.c) ------- */

/* Each returns 0, having emitted nothing, when it does not apply now. */
#define T(name, weight, nest) int t_##name(Gen *g);
#include "templates.def"
#undef T

/* The exception a sequence may end with (t_fault.c). */
int t_fault(Gen *g);
/* POP into a register or memory (balancing the stack at the end). */
void emit_pop(Gen *g, int width);
/* One template picked by weight; nested: only those that may appear in a
 * branch body, a loop, a called routine or a PUSHA span. */
int gen_one(Gen *g, int nested);
/* Up to n nested templates, with [ESP + k] operands allowed or not. */
void gen_body(Gen *g, int n, int esp_ok);

#endif
