/*
 * t_shiftbit.c - templates for shifts and rotates (immediate, 1 and CL
 * counts, counts of 0, 1, the width and beyond), SHLD/SHRD, BT/BTS/BTR/BTC
 * (register, immediate and memory bit strings), BSF/BSR, BSWAP.
 */
#include "genlib.h"

/* A shift or rotate count: 0, 1, below the width, the width, above it. */
static uint32_t pick_count(Gen *g, int width)
{
    switch (below(g, 8)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
    case 3:
        return 2 + below(g, (uint32_t)width - 2);
    case 4:
        return (uint32_t)width;
    case 5:
        return width < 31 ? (uint32_t)width + 1 + below(g, 31 - (uint32_t)width) : 31;
    case 6:
        return 32 + below(g, 224);
    default:
        return below(g, 256);
    }
}

/* Load the count into CL (MOV CL / MOV CX / MOV ECX with other high bits). */
static void load_cl(Gen *g, uint32_t count)
{
    switch (below(g, 3)) {
    case 0:
        mov_reg_imm(g, 8, ECX, count);
        break;
    case 1:
        mov_reg_imm(g, 16, ECX, (rand_val(g) & 0xff00) | count);
        break;
    default:
        mov_reg_imm(g, 32, ECX, (rand_val(g) & ~0xffu) | count);
        break;
    }
}

static const char *const shift_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };

/* C0/C1 (Ib), D0/D1 (1), D2/D3 (CL) */
int t_shift(Gen *g)
{
    int sub = (int)below(g, 8), width = rand_width(g), form = (int)below(g, 3);
    uint32_t count = form == 1 ? 1 : pick_count(g, width);
    if (form == 2 && !implicit_ok(g, 1u << ECX))
        return 0;
    uint32_t masked = count & 31;
    if ((sub == 2 || sub == 3) && masked && !can_read(g, F_CF))
        return 0;
    unsigned start = g->len;
    Rm m;
    if (form == 2)
        load_cl(g, count);
    pick_rm(g, &m, width, width / 8, 35);
    note(g, shift_names[sub], width, start);
    prefixes(g, width, &m, 0);
    b(g, (form == 0 ? 0xc0 : form == 1 ? 0xd0 : 0xd2) + (width != 8));
    modrm(g, sub, &m);
    if (form == 0)
        b(g, count);
    if (masked == 0)
        return 1; /* no flag changes */
    uint32_t of = masked == 1 ? F_OF : 0;
    if (sub < 4) { /* rotates: CF and (count 1) OF */
        set_flags(g, F_CF | of, of ? 0 : F_OF);
    } else {
        uint32_t cf = F_CF;
        /* SHL/SHR: CF undefined when the count is >= the width (SDM) */
        if (sub != 7 && masked >= (uint32_t)width)
            cf = 0;
        set_flags(g, F_SZP | cf | of, F_AF | (cf ? 0 : F_CF) | (of ? 0 : F_OF));
    }
    return 1;
}

/* 0F A4/A5 SHLD, 0F AC/AD SHRD */
int t_shxd(Gen *g)
{
    int right = (int)below(g, 2), width = rand_w1632(g), cl = (int)below(g, 2);
    if (cl && !implicit_ok(g, 1u << ECX))
        return 0;
    uint32_t count;
    do /* 16-bit counts above 16 leave the result undefined */
        count = pick_count(g, width);
    while (width == 16 && (count & 31) > 16);
    unsigned start = g->len;
    Rm m;
    if (cl)
        load_cl(g, count);
    pick_rm(g, &m, width, width / 8, 35);
    int reg = pick_reg(g, width);
    note(g, right ? "shrd" : "shld", width, start);
    prefixes(g, width, &m, 0);
    b(g, 0x0f);
    b(g, (right ? 0xac : 0xa4) + cl);
    modrm(g, reg, &m);
    if (!cl)
        b(g, count);
    uint32_t masked = count & 31;
    if (masked)
        set_flags(g, F_CF | F_SZP | (masked == 1 ? F_OF : 0), F_AF | (masked == 1 ? 0 : F_OF));
    return 1;
}

static const char *const bt_names[4] = { "bt", "bts", "btr", "btc" };

/* 0F A3/AB/B3/BB (Ev,Gv) and 0F BA /4-/7 (Ev,Ib). A memory operand with a
 * register bit offset addresses beyond the operand: the offset is loaded
 * first so the bit stays in the buffer. */
int t_bt(Gen *g)
{
    static const uint8_t opc[4] = { 0xa3, 0xab, 0xb3, 0xbb };
    int op = (int)below(g, 4), width = rand_w1632(g), form = (int)below(g, 3);
    int unit = width / 8;
    unsigned start = g->len;
    Rm m;
    if (form == 0) { /* register, register */
        reg_rm(&m, pick_reg(g, width));
        int reg = pick_reg(g, width);
        note(g, bt_names[op], width, start);
        prefixes(g, width, &m, 0);
        b(g, 0x0f);
        b(g, opc[op]);
        modrm(g, reg, &m);
    } else if (form == 1) { /* memory, register offset */
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - unit);
        int e = m.off;
        int kmin = -(e / unit), kmax = (DIFF_BUF_SIZE - unit - e) / unit;
        int k = kmin + (int)below(g, (uint32_t)(kmax - kmin + 1));
        int32_t v = k * width + (int32_t)below(g, (uint32_t)width);
        int reg = pick_reg(g, width);
        if (width == 16 && below(g, 2))
            mov_reg_imm(g, 32, reg, ((uint32_t)v & 0xffff) | (rand_val(g) << 16));
        else
            mov_reg_imm(g, width, reg, (uint32_t)v);
        note(g, bt_names[op], width, start);
        Rm at = m; /* the unit actually accessed, for the LOCK rule */
        at.off = e + k * unit;
        prefixes_x(g, width, &at, op ? unit : 0, op == 0);
        b(g, 0x0f);
        b(g, opc[op]);
        modrm(g, reg, &m);
    } else { /* immediate offset, masked to the operand */
        pick_rm(g, &m, width, unit, 50);
        note(g, bt_names[op], width, start);
        prefixes_x(g, width, &m, op ? unit : 0, op == 0);
        b(g, 0x0f);
        b(g, 0xba);
        modrm(g, 4 + op, &m);
        b(g, below(g, 4) ? below(g, 256) : below(g, (uint32_t)width));
    }
    set_flags(g, F_CF, F_OF | F_SF | F_AF | F_PF);
    return 1;
}

/* 0F BC BSF, 0F BD BSR, with a source made non-zero first (a zero source
 * leaves the destination undefined): [AND src, mask;] OR src, bit. */
int t_bsf(Gen *g)
{
    int rev = (int)below(g, 2), width = rand_w1632(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 40);
    int reg = pick_reg(g, width);
    if (below(g, 2)) {
        prefixes(g, width, &m, 0);
        b(g, 0x81);
        modrm(g, 4, &m);
        imm(g, width, rand_val(g));
    }
    prefixes(g, width, &m, 0);
    b(g, 0x81);
    modrm(g, 1, &m);
    imm(g, width, 1u << below(g, (uint32_t)width));
    note(g, rev ? "bsr" : "bsf", width, start);
    prefixes_ro(g, width, &m);
    b(g, 0x0f);
    b(g, 0xbc + rev);
    modrm(g, reg, &m);
    set_flags(g, F_ZF, F_CF | F_OF | F_SF | F_AF | F_PF);
    return 1;
}

/* 0F C8+r; ESP or a reserved register (the base...) twice, which restores it */
int t_bswap(Gen *g)
{
    int r = (int)below(g, 8);
    int twice = !reg_ok(g, r);
    note(g, "bswap", 32, g->len);
    for (int i = 0; i <= twice; i++) {
        b(g, 0x0f);
        b(g, 0xc8 + r);
    }
    return 1;
}
