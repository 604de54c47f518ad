/*
 * gen.c - random sequences of user-mode integer instructions, built the same
 * way by the native program and the guest ROM (see gen.h), and the loop
 * that runs and prints them.
 *
 * A sequence is 1 (a quarter of the time, so a failure points at one
 * instruction) to 16 templates, picked by weight from templates.def; one
 * in 12 then ends in an exception (t_fault.c). A template is one
 * instruction, or a short composite that makes it safe and deterministic:
 * a divisor that avoids #DE, a CL count, a bit offset that stays in the
 * buffer, a non-zero BSF source, ESI/EDI set up and restored around a
 * string instruction, a branch over code, a loop, a routine to call.
 * Templates are in t_arith.c, t_shiftbit.c, t_move.c, t_stack.c, t_flow.c;
 * genlib.h has what they share.
 *
 * Rules that make the two runs comparable:
 * - Addresses never reach a compared register, the scratch buffer or the
 *   flags. Memory is addressed through the base register (EBX, EBP, ESI or
 *   EDI, chosen per sequence; no template names it as a value), through
 *   absolute addresses, or through ESP inside the sequence's own pushes.
 *   Absolute values in the code (buffer and code addresses, the code
 *   selector) are relocations: gen_hash sees them relative, and whatever
 *   held one (a register for CALL r, a far pointer in memory) is
 *   overwritten before anything else can read it. ESP and the base
 *   register are printed as their change. `diff_native --shift` moves the
 *   buffers natively, and the output must not change.
 * - Flags: the generator tracks which arithmetic flags are defined (SDM vol.
 *   2, "Flags Affected" of each instruction). An instruction that leaves a
 *   flag undefined makes it undefined; nothing reads an undefined flag
 *   (ADC, SBB, RCL, RCR, CMOVcc, SETcc, Jcc, LAHF, PUSHF, DAA... are
 *   skipped or their reads masked; in a loop, reads must hold for every
 *   iteration); only the flags defined at the end (or at the exception)
 *   are compared. Our chosen values for undefined flags are documented in
 *   docs/undefined-flags.md and tested by a unit test, not here.
 * - Only what behaves the same at CPL 0 (guest) and CPL 3 (native): no
 *   I/O, no privileged instructions, POPF and IRET only with arithmetic
 *   flags changed, segment registers only reloaded with their own value,
 *   no instruction that is new since the Pentium II where the host would
 *   see one (F3 0F BC is TZCNT there, so no REP prefixes outside strings).
 */
#include "genlib.h"

/* ---- the sequence ---------------------------------------------------- */

typedef struct Template {
    int (*fn)(Gen *g);
    uint8_t weight;
    uint8_t nest;
} Template;

static const Template templates[] = {
#define T(name, weight, nest) { t_##name, weight, nest },
#include "templates.def"
#undef T
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

int gen_one(Gen *g, int nested)
{
    unsigned total = 0;
    for (unsigned i = 0; i < NTEMPLATES; i++)
        total += templates[i].weight;
    int saved = g->nested;
    g->nested = nested;
    for (int tries = 0; tries < 200; tries++) {
        uint32_t x = below(g, total);
        unsigned i = 0;
        while (x >= templates[i].weight)
            x -= templates[i++].weight;
        if (nested && !templates[i].nest)
            continue;
        if (templates[i].fn(g)) {
            g->nested = saved;
            return 1;
        }
    }
    g->nested = saved;
    return 0;
}

void gen_body(Gen *g, int n, int esp_ok)
{
    int saved = g->esp_ok;
    g->esp_ok = saved && esp_ok;
    for (; n > 0; n--)
        gen_one(g, 1);
    g->esp_ok = saved;
}

void diff_build(const DiffParams *p, uint32_t n, Seq *s, uint8_t *code, uint8_t *scratch,
                uint32_t scratch_addr, SeqInfo *info)
{
    static const uint8_t bases[4] = { EBX, EBP, ESI, EDI };
    Gen g;
    rng_seed(&g.rng, p, n);
    g.code = code;
    g.len = 0;
    g.scratch_addr = scratch_addr;
    g.code_addr = (uint32_t)(uintptr_t)code;
    g.cs = plat_cs;
    g.stack = 0;
    g.esp_ok = 1;
    g.nested = 0;
    g.in_loop = 0;
    g.loop_written = g.loop_exposed = 0;
    g.nreloc = 0;
    g.faulted = 0;
    g.fault_mask = 0;
    g.info = info;
    if (info)
        info->n = 0;
    g.base = bases[below(&g, 4)];
    g.reserved = (uint8_t)(1u << g.base);

    /* the initial state */
    for (int i = 0; i < 8; i++)
        s->st.r[i] = rand_val(&g);
    s->st.r[ESP] = 0;
    s->st.eflags = (rng_next(&g.rng) & F_ALL) | 2;
    s->st.esp_delta = s->st.fault = s->st.fault_eip = s->st.fault_err = 0;
    uint32_t *w = (uint32_t *)scratch;
    for (int i = 0; i < DIFF_BUF_SIZE / 4; i++)
        w[i] = below(&g, 8) ? rng_next(&g.rng) : rand_val(&g);
    g.defd = F_ALL;

    /* the code: 1 template a quarter of the time (easy to blame), else 2-16 */
    int count = below(&g, 4) == 0 ? 1 : 2 + (int)below(&g, 15);
    for (int i = 0; i < count; i++)
        gen_one(&g, 0);
    if (below(&g, 12) == 0) /* one in 12 ends in an exception */
        t_fault(&g);
    while (g.stack > 0)
        emit_pop(&g, g.stack >= 4 && below(&g, 4) ? 32 : 16);
    b(&g, 0xc3);

    /* gen_hash: the code with its absolute values made relative, the
     * initial registers less the base, the flags */
    uint32_t h = 0x811c9dc5u;
    unsigned r = 0;
    for (unsigned i = 0; i < g.len; i++) {
        if (r < g.nreloc && i == g.reloc[r].at) {
            int k = g.reloc[r++].kind;
            uint32_t v = 0;
            if (k != R_CS) {
                for (int j = 0; j < 4; j++)
                    v |= (uint32_t)code[i + j] << (8 * j);
                v -= k == R_SCRATCH ? g.scratch_addr : g.code_addr;
            }
            h = mix32(h ^ v ^ 0x5eed);
            i += k == R_CS ? 1 : 3;
            continue;
        }
        h = (h ^ code[i]) * 0x01000193u;
    }
    for (int i = 0; i < 8; i++)
        h = mix32(h ^ (i == g.base ? 0 : s->st.r[i]));
    h = mix32(h ^ s->st.eflags ^ ((uint32_t)g.base << 16));
    s->len = g.len;
    s->base = g.base;
    s->base_addr = scratch_addr + DIFF_BUF_BASE;
    s->st.r[g.base] = s->base_addr;
    s->mask = g.faulted ? g.fault_mask : g.defd;
    s->gen_hash = h;
}

/* ---- running and printing -------------------------------------------- */

char *diff_put_hex(char *o, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--)
        *o++ = hex[(v >> (4 * i)) & 15];
    return o;
}

char *diff_put_dec(char *o, uint32_t v)
{
    char t[10];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = t[--n];
    return o;
}

char *diff_put_str(char *o, const char *s)
{
    while (*s)
        *o++ = *s++;
    return o;
}

static uint32_t scratch_hash(const uint8_t *buf)
{
    const uint32_t *w = (const uint32_t *)buf;
    uint32_t h = 0x12345678u;
    for (int i = 0; i < DIFF_BUF_SIZE / 4; i++)
        h = (h ^ w[i]) * 0x01000193u + (uint32_t)i;
    return mix32(h);
}

void diff_run(const DiffParams *p)
{
    static const char *const rn[8] = { " a=", " c=", " d=", " b=", " sp=", " bp=", " si=", " di=" };
    char line[256], *o = line;
    o = diff_put_str(o, "seed=");
    o = diff_put_hex(o, p->seed_hi, 8);
    o = diff_put_hex(o, p->seed_lo, 8);
    o = diff_put_str(o, " first=");
    o = diff_put_dec(o, p->first);
    o = diff_put_str(o, " count=");
    o = diff_put_dec(o, p->count);
    *o++ = '\n';
    plat_write(line, (unsigned)(o - line));

    for (uint32_t n = p->first; n - p->first < p->count; n++) {
        Seq s;
        diff_build(p, n, &s, plat_code, plat_scratch, (uint32_t)(uintptr_t)plat_scratch, NULL);
        int faulted = plat_exec(&s.st, plat_code);
        o = diff_put_dec(line, n);
        if (faulted) {
            o = diff_put_str(o, " FAULT v=");
            o = diff_put_hex(o, s.st.fault - 1, 2);
            o = diff_put_str(o, " e=");
            o = diff_put_hex(o, s.st.fault_err, 4);
            o = diff_put_str(o, " at=");
            o = diff_put_hex(o, s.st.fault_eip - (uint32_t)(uintptr_t)plat_code, 4);
        }
        s.st.r[ESP] = s.st.esp_delta;
        s.st.r[s.base] -= s.base_addr;
        for (int i = 0; i < 8; i++) {
            o = diff_put_str(o, rn[i]);
            o = diff_put_hex(o, s.st.r[i], 8);
        }
        o = diff_put_str(o, " f=");
        o = diff_put_hex(o, s.st.eflags & s.mask, 3);
        *o++ = '/';
        o = diff_put_hex(o, s.mask, 3);
        o = diff_put_str(o, " m=");
        o = diff_put_hex(o, scratch_hash(plat_scratch), 8);
        o = diff_put_str(o, " g=");
        o = diff_put_hex(o, s.gen_hash, 8);
        *o++ = '\n';
        plat_write(line, (unsigned)(o - line));
    }
    plat_write("end\n", 4);
}
