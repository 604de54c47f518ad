/*
 * t_arith.c - templates for arithmetic and logic: ADD..CMP in every form,
 * TEST, INC/DEC, NOT/NEG, MUL/IMUL, DIV/IDIV (with operands that cannot
 * #DE), CBW..CDQ, the flag instructions, and the BCD adjustments.
 */
#include "genlib.h"

static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

static void alu_flags(Gen *g, int op)
{
    if (op == 1 || op == 4 || op == 6)
        logic_flags(g);
    else
        set_flags(g, F_ALL, 0);
}

/* 00-3D: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  eAX,Iz */
int t_alu(Gen *g)
{
    int op = (int)below(g, 8), form = (int)below(g, 6);
    if ((op == 2 || op == 3) && !can_read(g, F_CF))
        return 0;
    int width = (form & 1) ? rand_w1632(g) : 8;
    unsigned start = g->len;
    Rm m;
    if (form < 4) {
        pick_rm(g, &m, width, width / 8, 40);
        int reg = pick_reg(g, width);
        note(g, alu_names[op], width, start);
        if (form >= 2 || op == 7)
            prefixes_ro(g, width, &m);
        else
            prefixes(g, width, &m, width / 8);
        b(g, op * 8 + form);
        modrm(g, reg, &m);
    } else {
        note(g, alu_names[op], width, start);
        prefixes(g, width, NULL, 0);
        b(g, op * 8 + form);
        imm(g, width, rand_val(g));
    }
    alu_flags(g, op);
    return 1;
}

/* 80, 81, 82 (alias of 80), 83 (sign-extended imm8) */
int t_grp1(Gen *g)
{
    static const uint8_t opc[4] = { 0x80, 0x81, 0x83, 0x82 };
    int op = (int)below(g, 8), form = (int)below(g, 4);
    if ((op == 2 || op == 3) && !can_read(g, F_CF))
        return 0;
    int width = (form == 1 || form == 2) ? rand_w1632(g) : 8;
    Rm m;
    unsigned start = g->len;
    pick_rm(g, &m, width, width / 8, 40);
    note(g, alu_names[op], width, start);
    if (op == 7)
        prefixes_ro(g, width, &m);
    else
        prefixes(g, width, &m, width / 8);
    b(g, opc[form]);
    modrm(g, op, &m);
    imm(g, form == 1 ? width : 8, rand_val(g));
    alu_flags(g, op);
    return 1;
}

/* 84/85, A8/A9, F6/F7 /0 and /1 (undocumented alias) */
int t_test(Gen *g)
{
    int form = (int)below(g, 3), width = rand_width(g), w = width != 8;
    unsigned start = g->len;
    Rm m;
    if (form == 0) {
        pick_rm(g, &m, width, width / 8, 40);
        int reg = pick_reg(g, width);
        note(g, "test", width, start);
        prefixes_ro(g, width, &m);
        b(g, 0x84 + w);
        modrm(g, reg, &m);
    } else if (form == 1) {
        note(g, "test", width, start);
        prefixes(g, width, NULL, 0);
        b(g, 0xa8 + w);
        imm(g, width, rand_val(g));
    } else {
        pick_rm(g, &m, width, width / 8, 40);
        note(g, "test", width, start);
        prefixes_ro(g, width, &m);
        b(g, 0xf6 + w);
        modrm(g, (int)below(g, 2), &m);
        imm(g, width, rand_val(g));
    }
    logic_flags(g);
    return 1;
}

/* 40-4F, FE /0 /1, FF /0 /1 */
int t_incdec(Gen *g)
{
    int form = (int)below(g, 3), dec = (int)below(g, 2);
    unsigned start = g->len;
    const char *name = dec ? "dec" : "inc";
    Rm m;
    if (form == 0) {
        int width = rand_w1632(g), r = pick_reg(g, width);
        note(g, name, width, start);
        prefixes(g, width, NULL, 0);
        b(g, 0x40 + dec * 8 + r);
    } else {
        int width = form == 1 ? 8 : rand_w1632(g);
        pick_rm(g, &m, width, width / 8, 40);
        note(g, name, width, start);
        prefixes(g, width, &m, width / 8);
        b(g, form == 1 ? 0xfe : 0xff);
        modrm(g, dec, &m);
    }
    set_flags(g, F_ALL & ~F_CF, 0);
    return 1;
}

/* F6/F7 /2 NOT, /3 NEG */
int t_notneg(Gen *g)
{
    int neg = (int)below(g, 2), width = rand_width(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 40);
    note(g, neg ? "neg" : "not", width, start);
    prefixes(g, width, &m, width / 8);
    b(g, 0xf6 + (width != 8));
    modrm(g, 2 + neg, &m);
    if (neg)
        set_flags(g, F_ALL, 0);
    return 1;
}

static void mul_flags(Gen *g)
{
    set_flags(g, F_OF | F_CF, F_SZP | F_AF);
}

/* F6/F7 /4 MUL, /5 IMUL (one operand) */
int t_mul(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX)) /* the accumulator(s) */
        return 0;
    int sign = (int)below(g, 2), width = rand_width(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 40);
    note(g, sign ? "imul1" : "mul", width, start);
    prefixes_ro(g, width, &m);
    b(g, 0xf6 + (width != 8));
    modrm(g, 4 + sign, &m);
    mul_flags(g);
    return 1;
}

/* 0F AF, 69, 6B */
int t_imul(Gen *g)
{
    int form = (int)below(g, 3), width = rand_w1632(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 40);
    int reg = pick_reg(g, width);
    note(g, form == 0 ? "imul2" : "imul3", width, start);
    prefixes_ro(g, width, &m);
    if (form == 0) {
        b(g, 0x0f);
        b(g, 0xaf);
        modrm(g, reg, &m);
    } else {
        b(g, form == 1 ? 0x69 : 0x6b);
        modrm(g, reg, &m);
        imm(g, form == 1 ? width : 8, rand_val(g));
    }
    mul_flags(g);
    return 1;
}

/* F6/F7 /6 DIV, /7 IDIV. The dividend and the divisor are loaded first,
 * chosen as quotient * divisor + remainder with the quotient in range, so
 * there is never a #DE. */
int t_div(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX)) /* the accumulator(s) */
        return 0;
    int sign = (int)below(g, 2), width = rand_width(g);
    uint32_t wm = width_mask(width);
    uint64_t dividend;
    uint32_t d;
    if (!sign) {
        uint32_t q = rand_val(g) & wm;
        d = rand_val(g) & wm;
        if (below(g, 3) == 0)
            d &= 0xff;
        if (d == 0)
            d = 1 + below(g, 7);
        uint32_t r = below(g, d);
        dividend = (uint64_t)q * d + r;
    } else {
        int sh = 32 - width;
        int32_t q = (int32_t)(rand_val(g) << sh) >> sh;
        int32_t ds = (int32_t)(rand_val(g) << sh) >> sh;
        if (below(g, 3) == 0)
            ds = (int8_t)ds;
        if (ds == 0)
            ds = below(g, 2) ? 3 : -5;
        uint32_t mag = ds < 0 ? (uint32_t)0 - (uint32_t)ds : (uint32_t)ds;
        int64_t prod = (int64_t)q * ds;
        int64_t r = below(g, mag);
        if (prod < 0 || (prod == 0 && below(g, 2)))
            r = -r;
        dividend = (uint64_t)(prod + r);
        d = (uint32_t)ds & wm;
    }
    /* the divisor: a register other than the dividend's, or memory */
    Rm m;
    unsigned start = g->len;
    if (below(g, 2)) {
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - width / 8);
    } else {
        int r;
        do
            r = pick_reg(g, width);
        while (width == 8 ? (r == 0 || r == 4) : (r == EAX || r == EDX));
        reg_rm(&m, r);
    }
    if (width == 8) {
        mov_reg_imm(g, 16, EAX, (uint32_t)dividend & 0xffff);
    } else {
        int hi = width == 16 ? 16 : 32;
        mov_reg_imm(g, width, EDX, (uint32_t)(dividend >> hi) & wm);
        mov_reg_imm(g, width, EAX, (uint32_t)dividend & wm);
    }
    if (m.mem)
        mov_rm_imm(g, width, &m, d);
    else
        mov_reg_imm(g, width, m.reg, d);
    note(g, sign ? "idiv" : "div", width, start);
    prefixes_ro(g, width, &m);
    b(g, 0xf6 + (width != 8));
    modrm(g, 6 + sign, &m);
    set_flags(g, 0, F_ALL);
    return 1;
}

/* 98 CBW/CWDE, 99 CWD/CDQ */
int t_conv(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX)) /* the accumulator(s) */
        return 0;
    int op = (int)below(g, 2), width = rand_w1632(g);
    static const char *const names[2][2] = { { "cbw", "cwde" }, { "cwd", "cdq" } };
    note(g, names[op][width == 32], width, g->len);
    prefixes(g, width, NULL, 0);
    b(g, 0x98 + op);
    return 1;
}

/* 9E SAHF, 9F LAHF, F5 CMC, F8 CLC, F9 STC, D6 SALC */
int t_flagops(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX)) /* the accumulator(s) */
        return 0;
    switch (below(g, 6)) {
    case 0:
        note(g, "sahf", 8, g->len);
        b(g, 0x9e);
        set_flags(g, F_SF | F_ZF | F_AF | F_PF | F_CF, 0);
        return 1;
    case 1:
        if (!can_read(g, F_SF | F_ZF | F_AF | F_PF | F_CF))
            return 0;
        note(g, "lahf", 8, g->len);
        b(g, 0x9f);
        return 1;
    case 2:
        if (!can_read(g, F_CF))
            return 0;
        note(g, "cmc", 0, g->len);
        b(g, 0xf5);
        return 1;
    case 3:
        note(g, "clc", 0, g->len);
        b(g, 0xf8);
        set_flags(g, F_CF, 0);
        return 1;
    case 4:
        note(g, "stc", 0, g->len);
        b(g, 0xf9);
        set_flags(g, F_CF, 0);
        return 1;
    default:
        if (!can_read(g, F_CF))
            return 0;
        note(g, "salc", 8, g->len);
        b(g, 0xd6);
        return 1;
    }
}

/* 27 DAA, 2F DAS, 37 AAA, 3F AAS, D4 AAM, D5 AAD */
int t_bcd(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX)) /* the accumulator(s) */
        return 0;
    int op = (int)below(g, 6);
    switch (op) {
    case 0:
    case 1:
        if (!can_read(g, F_AF | F_CF))
            return 0;
        note(g, op ? "das" : "daa", 8, g->len);
        b(g, op ? 0x2f : 0x27);
        set_flags(g, F_CF | F_AF | F_SZP, F_OF);
        return 1;
    case 2:
    case 3:
        if (!can_read(g, F_AF))
            return 0;
        note(g, op == 3 ? "aas" : "aaa", 8, g->len);
        b(g, op == 3 ? 0x3f : 0x37);
        set_flags(g, F_AF | F_CF, F_OF | F_SZP);
        return 1;
    default: {
        uint32_t base = below(g, 2) ? 10 : rand_val(g) & 0xff;
        if (op == 4 && base == 0)
            base = 1 + below(g, 255); /* AAM 0 is #DE */
        note(g, op == 4 ? "aam" : "aad", 8, g->len);
        b(g, op == 4 ? 0xd4 : 0xd5);
        b(g, base);
        set_flags(g, F_SZP, F_OF | F_AF | F_CF);
        return 1;
    }
    }
}
