/*
 * t_stack.c - templates that use the stack or ESI/EDI: PUSH/POP, PUSHF/POPF,
 * PUSHA/POPA, ENTER/LEAVE, the string instructions.
 */
#include "genlib.h"

#define MAX_STACK 64

/* 50+r, 6A, 68, FF /6 (16 and 32 bits) */
int t_push(Gen *g)
{
    int width = rand_w1632(g), form = (int)below(g, 4);
    if (g->stack + width / 8 > MAX_STACK)
        return 0;
    unsigned start = g->len;
    Rm m;
    if (form == 3 && g->esp_ok && g->stack >= width / 8 && below(g, 3) == 0)
        pick_mem_sp(g, &m, width / 8, g->stack); /* addressed before the push */
    else if (form == 3)
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - width / 8);
    int r = pick_reg(g, width);
    note(g, "push", width, start);
    if (form == 3)
        prefixes_ro(g, width, &m);
    else
        prefixes(g, width, NULL, 0);
    switch (form) {
    case 0:
        b(g, 0x50 + r);
        break;
    case 1:
        b(g, 0x6a);
        b(g, rand_val(g));
        break;
    case 2:
        b(g, 0x68);
        imm(g, width, rand_val(g));
        break;
    default:
        b(g, 0xff);
        modrm(g, 6, &m);
        break;
    }
    g->stack += width / 8;
    return 1;
}

/* POP of either size into a register or memory */
void emit_pop(Gen *g, int width)
{
    unsigned start = g->len;
    Rm m;
    g->stack -= width / 8; /* [ESP + k] is addressed after the pop */
    if (below(g, 3) == 0) {
        pick_rm(g, &m, width, width / 8, 70);
        note(g, "pop", width, start);
        prefixes(g, width, &m, 0);
        b(g, 0x8f);
        modrm(g, 0, &m);
    } else {
        int r = pick_reg(g, width);
        note(g, "pop", width, start);
        prefixes(g, width, NULL, 0);
        b(g, 0x58 + r);
    }
}

/* 58+r, 8F /0 */
int t_pop(Gen *g)
{
    int width = rand_w1632(g);
    if (g->stack < width / 8)
        return 0;
    emit_pop(g, width);
    return 1;
}

/* PUSHF; POP reg; AND reg, mask: the flags image, less IF (1 natively, 0 in
 * the guest) and the flags undefined now. */
int t_pushf(Gen *g)
{
    int width = rand_w1632(g), r = pick_reg(g, width);
    uint32_t mask = ~(F_IF | (F_ALL & ~g->defd)) & width_mask(width);
    can_read(g, g->defd); /* reads all the defined flags */
    note(g, "pushf", width, g->len);
    prefixes(g, width, NULL, 0);
    b(g, 0x9c);
    prefixes(g, width, NULL, 0);
    b(g, 0x58 + r);
    prefixes(g, width, NULL, 0);
    b(g, 0x81);
    b(g, 0xe0 + r); /* and r, imm */
    imm(g, width, mask);
    logic_flags(g);
    return 1;
}

/* PUSH imm; POPF with only arithmetic flags (and the reserved bit 1) */
int t_popf(Gen *g)
{
    int width = rand_w1632(g);
    unsigned start = g->len;
    prefixes(g, width, NULL, 0);
    b(g, 0x68);
    imm(g, width, (rand_val(g) & F_ALL) | 2);
    note(g, "popf", width, start);
    prefixes(g, width, NULL, 0);
    b(g, 0x9d);
    set_flags(g, F_ALL, 0);
    return 1;
}

/* PUSHA; 0-2 templates; POPA */
int t_pusha(Gen *g)
{
    if (g->nested)
        return 0;
    int width = rand_w1632(g);
    note(g, "pusha", width, g->len);
    prefixes(g, width, NULL, 0);
    b(g, 0x60);
    gen_body(g, (int)below(g, 3), 0); /* [ESP + k] would see the PUSHA frame */
    note(g, "popa", width, g->len);
    prefixes(g, width, NULL, 0);
    b(g, 0x61);
    return 1;
}

/* PUSH EBP; MOV EBP, ESP; ENTER size, level; LEAVE; POP EBP. EBP holds a
 * stack address only between the first and the last instruction. */
int t_enter(Gen *g)
{
    unsigned start = g->len;
    b(g, 0x55);
    b(g, 0x89);
    b(g, 0xe5);
    note(g, "enter", 32, start);
    b(g, 0xc8);
    imm(g, 16, below(g, 4) ? below(g, 64) : below(g, 2048));
    b(g, below(g, 2) ? below(g, 4) : below(g, 32));
    note(g, "leave", 32, g->len);
    b(g, 0xc9);
    b(g, 0x5d);
    return 1;
}

/* A string instruction on the buffer: PUSH ESI; PUSH EDI; LEA ESI/EDI into
 * the buffer; [MOV ECX, n;] [STD;] [prefixes] op; [CLD;] POP EDI; POP ESI.
 * ESI and EDI hold addresses only inside; not with ESI or EDI as the base. */
int t_string(Gen *g)
{
    static const char *const names[5] = { "movs", "stos", "lods", "cmps", "scas" };
    static const uint8_t opc[5] = { 0xa4, 0xaa, 0xac, 0xa6, 0xae };
    static const uint8_t segs[3] = { 0x26, 0x36, 0x3e };
    if (g->base == ESI || g->base == EDI)
        return 0;
    int kind = (int)below(g, 5), width = rand_width(g), unit = width / 8;
    int rep = kind == 2 ? below(g, 4) == 0 : below(g, 3) != 0;
    int n = rep ? (int)below(g, 9) : 1;
    int down = below(g, 3) == 0;
    int span = (n ? n : 1) * unit;
    if (rep && !implicit_ok(g, 1u << ECX))
        return 0;
    unsigned start = g->len;
    b(g, 0x56);
    b(g, 0x57);
    for (int i = 0; i < 2; i++) { /* LEA ESI, then LEA EDI */
        int lo = down ? span - unit : 0, hi = down ? DIFF_BUF_SIZE - unit : DIFF_BUF_SIZE - span;
        Rm m;
        pick_mem(g, &m, lo, hi);
        b(g, 0x8d);
        modrm(g, ESI + i, &m);
    }
    if (rep)
        mov_reg_imm(g, 32, ECX, (uint32_t)n);
    if (down)
        b(g, 0xfd);
    note(g, names[kind], width, start);
    uint8_t p[3];
    int np = 0;
    if (width == 16)
        p[np++] = 0x66;
    if (rep)
        p[np++] = (kind >= 3 && below(g, 2)) ? 0xf2 : 0xf3;
    if (kind != 1 && kind != 4 && below(g, 4) == 0) /* DS:ESI takes an override */
        p[np++] = segs[below(g, 3)];
    if (np > 1 && below(g, 2)) {
        uint8_t t = p[0];
        p[0] = p[np - 1];
        p[np - 1] = t;
    }
    for (int i = 0; i < np; i++)
        b(g, p[i]);
    b(g, opc[kind] + (width != 8));
    if (down)
        b(g, 0xfc);
    b(g, 0x5f);
    b(g, 0x5e);
    if ((kind == 3 || kind == 4) && n > 0)
        set_flags(g, F_ALL, 0);
    return 1;
}


/* ESP as an operand, in pairs that give it back: PUSH ESP; POP ESP (PUSH
 * stores ESP as it was before the push); XCHG ESP, r twice; LEA ESP,
 * [ESP + d] and back; INC/DEC ESP, ADD/SUB ESP, imm or r and back (their
 * flags depend on the stack's address: they count as undefined). */
int t_esp(Gen *g)
{
    int form = (int)below(g, 5), width = rand_w1632(g);
    unsigned start = g->len;
    if (form == 0) {
        note(g, "push.esp", width, start);
        prefixes(g, width, NULL, 0);
        b(g, 0x54);
        note(g, "pop.esp", width, g->len);
        prefixes(g, width, NULL, 0);
        b(g, 0x5c);
    } else if (form == 1) {
        int r = (int)below(g, 8), short_form = r == EAX && below(g, 2);
        int swap = (int)below(g, 2); /* ESP in ModRM.reg or in ModRM.rm */
        note(g, "xchg.esp", width, start);
        for (int i = 0; i < 2; i++) {
            prefixes(g, width, NULL, 0);
            if (short_form) {
                b(g, 0x94);
            } else {
                b(g, 0x87);
                b(g, 0xc0 | (swap ? r << 3 | ESP : ESP << 3 | r));
            }
        }
    } else if (form == 3) {
        int dec = (int)below(g, 2);
        note(g, "incdec.esp", width, start);
        for (int i = 0; i < 2; i++) {
            prefixes(g, width, NULL, 0);
            b(g, (i ^ dec) ? 0x4c : 0x44);
        }
        set_flags(g, 0, F_ALL & ~F_CF);
    } else if (form == 4) {
        int sub = (int)below(g, 2), byreg = (int)below(g, 3) == 0, r = pick_reg(g, width);
        uint32_t d = rand_val(g);
        int short_imm = below(g, 2);
        note(g, "addsub.esp", width, start);
        for (int i = 0; i < 2; i++) {
            int op = (i ^ sub) ? 5 : 0; /* SUB, ADD */
            prefixes(g, width, NULL, 0);
            if (byreg) {
                b(g, op * 8 + 1); /* Ev,Gv */
                b(g, 0xc0 | r << 3 | ESP);
            } else {
                b(g, short_imm ? 0x83 : 0x81);
                b(g, 0xc0 | op << 3 | ESP);
                imm(g, short_imm ? 8 : width, d);
            }
        }
        set_flags(g, 0, F_ALL);
    } else {
        uint32_t d = below(g, 2) ? below(g, 128) : rand_val(g);
        note(g, "lea.esp", width, start);
        for (int i = 0; i < 2; i++) {
            prefixes(g, width, NULL, 0);
            b(g, 0x8d);
            b(g, 0xa4);                  /* mod 10, reg ESP, rm SIB */
            b(g, (below(g, 4) << 6) | 0x24); /* base ESP, no index */
            imm(g, 32, i ? 0 - d : d);
        }
    }
    return 1;
}

/* Segment registers, each given back its own value (they differ between
 * the two sides: flat selectors of ring 3 and of ring 0), and whatever held
 * a selector overwritten after:
 *   PUSH sreg; POP sreg (PUSH CS; LEA ESP, [ESP + n])
 *   MOV r, sreg; MOV sreg, r; MOV r, imm
 *   MOV [m], sreg; MOV sreg, [m]; MOV [m], imm16
 *   MOV [m + w], sreg; MOV [m], v; LES/LDS/LSS/LFS/LGS r, [m]; MOV [m + w], imm16
 *   MOV r/m, sreg; LSL or LAR (less the DPL and the undefined bits 16-19)
 *     or VERR or VERW on it; overwrite r/m - for ES, CS, SS and DS, whose
 *     flat descriptors give the same answers on both sides (not FS and GS:
 *     null or a TLS segment natively). */
int t_seg(Gen *g)
{
    static const char *const pushes[6] = { "push.es", "push.cs", "push.ss",
                                           "push.ds", "push.fs", "push.gs" };
    static const char *const moves[6] = { "mov.es", "mov.cs", "mov.ss", "mov.ds", "mov.fs", "mov.gs" };
    static const uint8_t push[6] = { 0x06, 0x0e, 0x16, 0x1e, 0xa0, 0xa8 };
    int s = (int)below(g, 6), form = (int)below(g, 5), width = rand_w1632(g);
    unsigned start = g->len;
    Rm m;
    if (form == 3) { /* a far pointer load */
        static const char *const lnames[6] = { "les", "lds", "lss", "lds", "lfs", "lgs" };
        static const uint8_t lop[6] = { 0xc4, 0xc5, 0xb2, 0xc5, 0xb4, 0xb5 };
        static const uint8_t lseg[6] = { 0, 3, 2, 3, 4, 5 };
        int unit = width / 8, r = pick_reg(g, width);
        Rm off, sel;
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - unit - 2);
        mem_at(g, &off, m.off);
        mem_at(g, &sel, m.off + unit);
        prefixes(g, 0, &sel, 0);
        b(g, 0x8c);
        modrm(g, lseg[s], &sel);
        mov_rm_imm(g, width, &off, rand_val(g));
        note(g, lnames[s], width, start);
        prefixes_ro(g, width, &m);
        if (s == 2 || s >= 4)
            b(g, 0x0f);
        b(g, lop[s]);
        modrm(g, r, &m);
        mov_rm_imm(g, 16, &sel, rand_val(g));
        return 1;
    }
    if (form == 4) { /* LSL, LAR, VERR, VERW */
        static const char *const vnames[4] = { "lsl", "lar", "verr", "verw" };
        int op = (int)below(g, 4), r = pick_reg(g, width);
        s &= 3; /* ES CS SS DS */
        if (below(g, 2))
            reg_rm(&m, pick_reg(g, 16));
        else
            pick_mem(g, &m, 0, DIFF_BUF_SIZE - 2);
        prefixes(g, m.mem ? 0 : 16, &m, 0);
        b(g, 0x8c);
        modrm(g, s, &m);
        note(g, vnames[op], op < 2 ? width : 16, start);
        prefixes_ro(g, op < 2 ? width : 0, &m);
        b(g, 0x0f);
        b(g, op == 0 ? 0x03 : op == 1 ? 0x02 : 0x00);
        modrm(g, op < 2 ? r : 4 + (op - 2), &m);
        set_flags(g, F_ZF, 0);
        if (op == 1) { /* AND r, 0x00f09f00 */
            prefixes(g, width, NULL, 0);
            b(g, 0x81);
            b(g, 0xe0 + r);
            imm(g, width, 0x00f09f00u);
            logic_flags(g);
        }
        if (m.mem)
            mov_rm_imm(g, 16, &m, rand_val(g));
        else
            mov_reg_imm(g, 16, m.reg, rand_val(g));
        return 1;
    }
    if (form == 0) {
        note(g, pushes[s], width, start);
        prefixes(g, width, NULL, 0);
        if (s >= 4)
            b(g, 0x0f);
        b(g, push[s]);
        if (s == 1) { /* no POP CS: LEA ESP, [ESP + 2 or 4], 32-bit (SP could wrap) */
            b(g, 0x8d);
            b(g, 0x64);
            b(g, 0x24);
            b(g, (uint32_t)width / 8);
        } else {
            prefixes(g, width, NULL, 0);
            if (s >= 4)
                b(g, 0x0f);
            b(g, push[s] + 1);
        }
        return 1;
    }
    if (form == 1)
        reg_rm(&m, pick_reg(g, width));
    else
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - 2);
    note(g, moves[s], width, start);
    prefixes(g, m.mem ? 0 : width, &m, 0); /* a store to memory is 16-bit */
    b(g, 0x8c);
    modrm(g, s, &m);
    if (s != 1) { /* MOV CS is #UD */
        prefixes_ro(g, 0, &m);
        b(g, 0x8e);
        modrm(g, s, &m);
    }
    if (m.mem)
        mov_rm_imm(g, 16, &m, rand_val(g));
    else
        mov_reg_imm(g, width, m.reg, rand_val(g));
    return 1;
}
