/*
 * t_flow.c - templates for control transfers inside a sequence: forward
 * branches over code, loops, near and far calls to routines placed in the
 * sequence, indirect jumps, IRET to the same level, INTO and BOUND (that do
 * not trap).
 *
 * Absolute targets (a routine's address, the code segment's selector) differ
 * between the two sides; they are emitted as relocations, which gen_hash
 * sees relative to the code buffer, and never stay in a compared register
 * or in the scratch buffer.
 */
#include "genlib.h"

static const char *const jcc_names[16] = { "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
                                           "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg" };

/* Patch a rel8/rel32 at `at` (its size `n`) to reach `to`. */
static int patch_rel(Gen *g, unsigned at, int n, unsigned to)
{
    int32_t rel = (int32_t)to - (int32_t)(at + (unsigned)n);
    if (n == 1 && (rel < -128 || rel > 127))
        return 0;
    for (int i = 0; i < n; i++)
        g->code[at + i] = (uint8_t)((uint32_t)rel >> (8 * i));
    return 1;
}

/* Patch an absolute code address at `at` to point at `to`. */
static void patch_abs(Gen *g, unsigned at, unsigned to)
{
    uint32_t v = g->code_addr + to;
    for (int i = 0; i < 4; i++)
        g->code[at + i] = (uint8_t)(v >> (8 * i));
}

/* A forward branch over 0-3 templates: Jcc rel8/rel32, JMP rel8/rel32,
 * LOOPNE/LOOPE/LOOP/JECXZ (with 67: CX). The flags defined after it are
 * those defined on both paths. */
int t_branch(Gen *g)
{
    static const char *const loops[2][4] = { { "loopne", "loope", "loop", "jecxz" },
                                             { "loopne.a16", "loope.a16", "loop.a16", "jcxz" } };
    if (g->nested)
        return 0;
    int kind = (int)below(g, 8), cc = (int)below(g, 16), op = (int)below(g, 4);
    int near = (int)below(g, 2), a16 = below(g, 3) == 0;
    const char *name;
    if (kind < 4) { /* Jcc */
        if (!can_read(g, cond_flags(cc)))
            return 0;
        name = jcc_names[cc];
    } else if (kind == 4) {
        name = "jmp";
    } else {
        if (op < 3 && !implicit_ok(g, 1u << ECX))
            return 0;
        if (op < 2 && !can_read(g, F_ZF))
            return 0;
        name = loops[a16][op];
        near = 0;
    }
    Mark k = mark(g);
    note(g, name, 0, g->len);
    if (kind < 4 && near) {
        b(g, 0x0f);
        b(g, 0x80 + cc);
    } else if (kind < 4) {
        b(g, 0x70 + cc);
    } else if (kind == 4) {
        b(g, near ? 0xe9 : 0xeb);
    } else {
        if (a16)
            b(g, 0x67);
        b(g, 0xe0 + op);
    }
    unsigned rel_at = g->len;
    g->len += near ? 4 : 1;
    uint32_t before = g->defd;
    gen_body(g, (int)below(g, 4), 1);
    if (!patch_rel(g, rel_at, near ? 4 : 1, g->len)) {
        rewind_to(g, k);
        return 0;
    }
    if (kind == 4)
        g->defd = before; /* the body never runs */
    else
        g->defd &= before;
    return 1;
}

/* A loop run 1-4 times: MOV ECX (or CX), n; top: 1-2 templates; LOOP top,
 * LOOPE/LOOPNE top (with 67: CX) or DEC ECX; JNZ top (rel8 or rel32). ECX
 * is reserved in the body. A flag the body reads before writing it must
 * still be defined at the end of the body, for the next iteration; the
 * flags defined after the loop are those after one iteration (running a
 * body's flag changes again changes nothing). */
int t_loop(Gen *g)
{
    static const char *const names[2][3] = { { "loop.back", "loope.back", "loopne.back" },
                                             { "loop.back.a16", "loope.back.a16",
                                               "loopne.back.a16" } };
    if (g->nested || !implicit_ok(g, 1u << ECX))
        return 0;
    int kind = (int)below(g, 4), a16 = kind < 3 && below(g, 3) == 0;
    int near = kind == 3 && below(g, 2);
    uint32_t n = 1 + below(g, 4);
    Mark k = mark(g);
    unsigned start = g->len;
    if (a16)
        mov_reg_imm(g, 16, ECX, n);
    else
        mov_reg_imm(g, 32, ECX, n);
    unsigned top = g->len;
    uint8_t reserved = g->reserved;
    g->reserved |= 1u << ECX;
    g->in_loop = 1;
    g->loop_written = g->loop_exposed = 0;
    gen_body(g, 1 + (int)below(g, 2), 1);
    g->reserved = reserved;
    int ok = 1;
    if (kind == 3) {
        note(g, "dec.jnz.back", 32, start);
        b(g, 0x49); /* dec ecx */
        set_flags(g, F_ALL & ~F_CF, 0);
        if (near) {
            b(g, 0x0f);
            b(g, 0x85);
            g->len += 4;
            ok = patch_rel(g, g->len - 4, 4, top);
        } else {
            b(g, 0x75);
            g->len += 1;
            ok = patch_rel(g, g->len - 1, 1, top);
        }
    } else {
        ok = kind == 0 || can_read(g, F_ZF);
        note(g, names[a16][kind], 0, start);
        if (a16)
            b(g, 0x67);
        b(g, kind == 0 ? 0xe2 : kind == 1 ? 0xe1 : 0xe0);
        g->len += 1;
        ok = ok && patch_rel(g, g->len - 1, 1, top);
    }
    g->in_loop = 0;
    if (!ok || (g->loop_exposed & ~g->defd)) {
        rewind_to(g, k);
        return 0;
    }
    return 1;
}

/* MOV r, imm32 or MOV dword [m], imm32 with an absolute code address
 * (patched later): returns where the address is. */
static unsigned load_target(Gen *g, const Rm *m)
{
    if (m->mem) {
        prefixes(g, 32, m, 0);
        b(g, 0xc7);
        modrm(g, 0, m);
    } else {
        b(g, 0xb8 + m->reg);
    }
    unsigned at = g->len;
    reloc(g, R_CODE);
    imm(g, 32, 0);
    return at;
}

/* Overwrite what held an address with a plain value. */
static void clear_target(Gen *g, const Rm *m)
{
    if (m->mem)
        mov_rm_imm(g, 32, m, rand_val(g));
    else
        mov_reg_imm(g, 32, m->reg, rand_val(g));
}

/* Near calls and indirect jumps:
 *   [PUSH imm32 x j;] CALL r (E8 rel32 / FF /2 reg / FF /2 mem); JMP over;
 *   r: clear the register or memory; 0-2 templates; RET or RET 4j; over:
 *   JMP r/m (FF /4) over dead code to its target, then clear r/m.
 * Inside the routine [ESP] holds a return address: no [ESP + k] operands. */
int t_call(Gen *g)
{
    if (g->nested)
        return 0;
    int form = (int)below(g, 4), args = (int)below(g, 3);
    Mark k = mark(g);
    unsigned start = g->len;
    Rm m;
    if (form == 1 || form == 3)
        reg_rm(&m, pick_reg(g, 32));
    else if (form == 2 || below(g, 2))
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - 4);
    else
        reg_rm(&m, pick_reg(g, 32));
    unsigned abs_at = 0;
    if (form == 3) { /* JMP r/m */
        abs_at = load_target(g, &m);
        note(g, m.mem ? "jmp.mem" : "jmp.reg", 32, start);
        prefixes_ro(g, 32, &m);
        b(g, 0xff);
        modrm(g, 4, &m);
        uint32_t before = g->defd;
        gen_body(g, (int)below(g, 3), 1); /* never runs */
        g->defd = before;
        patch_abs(g, abs_at, g->len);
        clear_target(g, &m);
        return 1;
    }
    for (int i = 0; i < args; i++) {
        b(g, 0x68);
        imm(g, 32, rand_val(g));
    }
    unsigned rel_at = 0;
    if (form == 0) {
        note(g, "call", 32, start);
        b(g, 0xe8);
        rel_at = g->len;
        g->len += 4;
    } else {
        abs_at = load_target(g, &m);
        note(g, m.mem ? "call.mem" : "call.reg", 32, start);
        prefixes_ro(g, 32, &m);
        b(g, 0xff);
        modrm(g, 2, &m);
    }
    int near = (int)below(g, 2);
    b(g, near ? 0xe9 : 0xeb);
    unsigned over_at = g->len;
    g->len += near ? 4 : 1;
    unsigned routine = g->len;
    if (form != 0)
        clear_target(g, &m); /* first thing: the address goes */
    gen_body(g, (int)below(g, 3), 0);
    note(g, args ? "ret.imm" : "ret", 32, g->len);
    if (args || below(g, 4) == 0) {
        b(g, 0xc2);
        imm(g, 16, (uint32_t)args * 4);
    } else {
        b(g, 0xc3);
    }
    if (!patch_rel(g, over_at, near ? 4 : 1, g->len)) {
        rewind_to(g, k);
        return 0;
    }
    if (form == 0)
        patch_rel(g, rel_at, 4, routine);
    else
        patch_abs(g, abs_at, routine);
    return 1;
}

/* Far transfers to the same code segment:
 *   [PUSH imm32 x j;] CALL FAR ptr16:32 (9A) or [m] (FF /3); JMP over;
 *   routine: [clear m]; 0-2 templates; RETF or RETF 4j; over:
 *   JMP FAR ptr16:32 (EA) or [m] (FF /5) over dead code
 *   PUSHF; PUSH CS; PUSH target; IRET; target: (IRET to the same level;
 *   the flags it restores are those PUSHF saved) */
int t_far(Gen *g)
{
    if (g->nested)
        return 0;
    int form = (int)below(g, 5), args = (int)below(g, 3);
    Mark k = mark(g);
    unsigned start = g->len;
    if (form == 4) { /* IRET */
        note(g, "iret", 32, start);
        b(g, 0x9c);
        b(g, 0x0e);
        b(g, 0x68);
        unsigned at = g->len;
        reloc(g, R_CODE);
        imm(g, 32, 0);
        b(g, 0xcf);
        patch_abs(g, at, g->len);
        return 1;
    }
    int call = form < 2, mem = form & 1;
    Rm m, sel = { 0 };
    unsigned abs_at;
    if (call)
        for (int i = 0; i < args; i++) {
            b(g, 0x68);
            imm(g, 32, rand_val(g));
        }
    if (mem) { /* the far pointer in the buffer: offset, then selector */
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - 6);
        mem_at(g, &sel, m.off + 4);
        abs_at = load_target(g, &m);
        prefixes(g, 16, &sel, 0);
        b(g, 0xc7);
        modrm(g, 0, &sel);
        reloc(g, R_CS);
        imm(g, 16, g->cs);
        note(g, call ? "call.far.mem" : "jmp.far.mem", 32, start);
        prefixes_ro(g, 32, &m);
        b(g, 0xff);
        modrm(g, call ? 3 : 5, &m);
    } else {
        note(g, call ? "call.far" : "jmp.far", 32, start);
        b(g, call ? 0x9a : 0xea);
        abs_at = g->len;
        reloc(g, R_CODE);
        imm(g, 32, 0);
        reloc(g, R_CS);
        imm(g, 16, g->cs);
    }
    if (!call) {
        uint32_t before = g->defd;
        gen_body(g, (int)below(g, 3), 1); /* never runs */
        g->defd = before;
        patch_abs(g, abs_at, g->len);
    } else {
        b(g, 0xeb);
        unsigned over_at = g->len++;
        unsigned routine = g->len;
        if (mem) { /* first thing: the far pointer goes */
            clear_target(g, &m);
            mov_rm_imm(g, 16, &sel, rand_val(g));
        }
        gen_body(g, (int)below(g, 3), 0);
        note(g, args ? "retf.imm" : "retf", 32, g->len);
        if (args || below(g, 4) == 0) {
            b(g, 0xca);
            imm(g, 16, (uint32_t)args * 4);
        } else {
            b(g, 0xcb);
        }
        if (!patch_rel(g, over_at, 1, g->len)) {
            rewind_to(g, k);
            return 0;
        }
        patch_abs(g, abs_at, routine);
    }
    if (mem && !call) {
        clear_target(g, &m);
        mov_rm_imm(g, 16, &sel, rand_val(g));
    }
    return 1;
}

/* CE INTO after TEST r, r (which clears OF): no trap */
int t_into(Gen *g)
{
    int r = pick_reg(g, 32);
    note(g, "into", 0, g->len);
    b(g, 0x85);
    b(g, 0xc0 | r << 3 | r);
    logic_flags(g);
    b(g, 0xce);
    return 1;
}

/* 62 BOUND r, [m] with r inside the bounds (else #BR): MOV r, v; MOV [m],
 * lower; MOV [m + size], upper; BOUND r, [m] */
int t_bound(Gen *g)
{
    int width = rand_w1632(g), unit = width / 8, sh = 32 - width;
    int32_t v[3];
    for (int i = 0; i < 3; i++)
        v[i] = (int32_t)(rand_val(g) << sh) >> sh;
    for (int i = 0; i < 2; i++) /* sort: lower <= value <= upper */
        for (int j = 0; j < 2 - i; j++)
            if (v[j] > v[j + 1]) {
                int32_t t = v[j];
                v[j] = v[j + 1];
                v[j + 1] = t;
            }
    if (below(g, 4) == 0)
        v[1] = below(g, 2) ? v[0] : v[2]; /* on a bound */
    int r = pick_reg(g, width);
    unsigned start = g->len;
    Rm m, lo, hi;
    pick_mem(g, &m, 0, DIFF_BUF_SIZE - 2 * unit);
    mem_at(g, &lo, m.off);
    mem_at(g, &hi, m.off + unit);
    mov_reg_imm(g, width, r, (uint32_t)v[1]);
    mov_rm_imm(g, width, &lo, (uint32_t)v[0]);
    mov_rm_imm(g, width, &hi, (uint32_t)v[2]);
    note(g, "bound", width, start);
    prefixes_ro(g, width, &m);
    b(g, 0x62);
    modrm(g, r, &m);
    return 1;
}
