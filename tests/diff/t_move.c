/*
 * t_move.c - templates for data movement: XCHG, XADD, CMPXCHG, CMPXCHG8B,
 * MOVZX/MOVSX, CMOVcc, SETcc, LEA, MOV, the NOPs, XLAT, ARPL.
 */
#include "genlib.h"

/* 91-97 (16/32), 86/87 */
int t_xchg(Gen *g)
{
    unsigned start = g->len;
    if (below(g, 3) == 0) {
        int width = rand_w1632(g), r;
        do
            r = pick_reg(g, width);
        while (r == EAX);
        note(g, "xchg", width, start);
        prefixes(g, width, NULL, 0);
        b(g, 0x90 + r);
    } else {
        int width = rand_width(g);
        Rm m;
        pick_rm(g, &m, width, width / 8, 50);
        int reg = pick_reg(g, width);
        note(g, "xchg", width, start);
        prefixes(g, width, &m, width / 8);
        b(g, 0x86 + (width != 8));
        modrm(g, reg, &m);
    }
    return 1;
}

/* 0F C0/C1 */
int t_xadd(Gen *g)
{
    int width = rand_width(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 50);
    int reg = pick_reg(g, width);
    note(g, "xadd", width, start);
    prefixes(g, width, &m, width / 8);
    b(g, 0x0f);
    b(g, 0xc0 + (width != 8));
    modrm(g, reg, &m);
    set_flags(g, F_ALL, 0);
    return 1;
}

/* 0F B0/B1; half the time the accumulator is loaded from the destination
 * first, so the exchange happens. */
int t_cmpxchg(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX))
        return 0;
    int width = rand_width(g);
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 50);
    int reg = pick_reg(g, width);
    if (below(g, 2)) {
        prefixes_ro(g, width, &m);
        b(g, 0x8a + (width != 8));
        modrm(g, EAX, &m);
    }
    note(g, "cmpxchg", width, start);
    prefixes(g, width, &m, width / 8);
    b(g, 0x0f);
    b(g, 0xb0 + (width != 8));
    modrm(g, reg, &m);
    set_flags(g, F_ALL, 0);
    return 1;
}

/* 0F C7 /1; EBX is an input, so not with EBX as the base */
int t_cmpxchg8b(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX))
        return 0;
    if (g->base == EBX)
        return 0;
    unsigned start = g->len;
    Rm m, lo, hi;
    pick_mem(g, &m, 0, DIFF_BUF_SIZE - 8);
    if (below(g, 2)) {
        mem_at(g, &lo, m.off);
        mem_at(g, &hi, m.off + 4);
        b(g, 0x8b);
        modrm(g, EAX, &lo);
        b(g, 0x8b);
        modrm(g, EDX, &hi);
        if (below(g, 3) == 0) { /* differ in the high half only */
            b(g, 0x42); /* inc edx */
            set_flags(g, F_ALL & ~F_CF, 0);
        }
    }
    note(g, "cmpxchg8b", 64, start);
    prefixes(g, 32, &m, 8);
    b(g, 0x0f);
    b(g, 0xc7);
    modrm(g, 1, &m);
    set_flags(g, F_ZF, 0);
    return 1;
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX */
int t_movx(Gen *g)
{
    int sx = (int)below(g, 2), word = (int)below(g, 2), width = rand_w1632(g);
    int sw = word ? 16 : 8;
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, sw, sw / 8, 40);
    int reg = pick_reg(g, width);
    note(g, sx ? "movsx" : "movzx", width, start);
    prefixes_ro(g, width, &m);
    b(g, 0x0f);
    b(g, 0xb6 + sx * 8 + word);
    modrm(g, reg, &m);
    return 1;
}


static const char *const cmov_names[16] = { "cmovo", "cmovno", "cmovb", "cmovae",
                                            "cmove", "cmovne", "cmovbe", "cmova",
                                            "cmovs", "cmovns", "cmovp", "cmovnp",
                                            "cmovl", "cmovge", "cmovle", "cmovg" };
static const char *const setcc_names[16] = { "seto", "setno", "setb", "setae", "sete", "setne",
                                             "setbe", "seta", "sets", "setns", "setp", "setnp",
                                             "setl", "setge", "setle", "setg" };

/* 0F 40-4F */
int t_cmov(Gen *g)
{
    int cc = (int)below(g, 16), width = rand_w1632(g);
    if (!can_read(g, cond_flags(cc)))
        return 0;
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, width, width / 8, 40);
    int reg = pick_reg(g, width);
    note(g, cmov_names[cc], width, start);
    prefixes_ro(g, width, &m);
    b(g, 0x0f);
    b(g, 0x40 + cc);
    modrm(g, reg, &m);
    return 1;
}

/* 0F 90-9F */
int t_setcc(Gen *g)
{
    int cc = (int)below(g, 16);
    if (!can_read(g, cond_flags(cc)))
        return 0;
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, 8, 1, 40);
    note(g, setcc_names[cc], 8, start);
    prefixes(g, 8, &m, 0);
    b(g, 0x0f);
    b(g, 0x90 + cc);
    modrm(g, 0, &m);
    return 1;
}

/* 8D with register-only addresses (never the base register, never ESP),
 * in the 32-bit forms and, through 67, the 16-bit ones. */
int t_lea(Gen *g)
{
    int width = rand_w1632(g);
    int reg = pick_reg(g, width);
    unsigned start = g->len;
    int a16 = below(g, 4) == 0;
    int mod = (int)below(g, 3);
    uint8_t bytes[8];
    int n = 0;
    if (a16) {
        /* rm: BX+SI BX+DI BP+SI BP+DI SI DI BP/disp16 BX */
        static const uint8_t uses[8] = { 1 << EBX | 1 << ESI, 1 << EBX | 1 << EDI,
                                         1 << EBP | 1 << ESI, 1 << EBP | 1 << EDI,
                                         1 << ESI,            1 << EDI,
                                         1 << EBP,            1 << EBX };
        int rm;
        do
            rm = (int)below(g, 8);
        while ((uses[rm] >> g->base) & 1 && !(rm == 6 && mod == 0));
        bytes[n++] = (uint8_t)((mod << 6) | (reg << 3) | rm);
        int dl = mod == 1 ? 1 : (mod == 2 || rm == 6) ? 2 : 0;
        uint32_t d = rand_val(g);
        for (int i = 0; i < dl; i++)
            bytes[n++] = (uint8_t)(d >> (8 * i));
    } else {
        int rm, sib = 0, sbase = 0, index = 4;
        do
            rm = (int)below(g, 8);
        while (rm != 4 && !(rm == 5 && mod == 0) && rm == g->base);
        if (rm == 4) {
            sib = 1;
            do
                sbase = (int)below(g, 8);
            while (sbase == ESP || (sbase == g->base && !(sbase == EBP && mod == 0)));
            do
                index = (int)below(g, 8);
            while (index == g->base);
        }
        bytes[n++] = (uint8_t)((mod << 6) | (reg << 3) | rm);
        if (sib)
            bytes[n++] = (uint8_t)((below(g, 4) << 6) | (uint32_t)(index << 3) | (uint32_t)sbase);
        int dl = mod == 1 ? 1 : mod == 2 ? 4 : (rm == 5 || (sib && sbase == 5)) ? 4 : 0;
        uint32_t d = rand_val(g);
        for (int i = 0; i < dl; i++)
            bytes[n++] = (uint8_t)(d >> (8 * i));
    }
    note(g, a16 ? "lea.a16" : "lea", width, start);
    int a16_first = a16 && below(g, 2); /* 67 before or after the 66 */
    if (a16_first)
        b(g, 0x67);
    prefixes(g, width, NULL, 0);
    if (a16 && !a16_first)
        b(g, 0x67);
    b(g, 0x8d);
    for (int i = 0; i < n; i++)
        b(g, bytes[i]);
    return 1;
}

/* 88/89, 8A/8B, C6/C7, B0-BF */
int t_mov(Gen *g)
{
    int form = (int)below(g, 4), width = rand_width(g);
    unsigned start = g->len;
    Rm m;
    if (form == 3) {
        int r = pick_reg(g, width);
        note(g, "mov", width, start);
        mov_reg_imm(g, width, r, rand_val(g));
        return 1;
    }
    pick_rm(g, &m, width, width / 8, 50);
    note(g, "mov", width, start);
    if (form == 2) {
        mov_rm_imm(g, width, &m, rand_val(g));
    } else {
        int reg = pick_reg(g, width);
        prefixes_x(g, width, &m, 0, form == 1);
        b(g, (form ? 0x8a : 0x88) + (width != 8));
        modrm(g, reg, &m);
    }
    return 1;
}

/* 90 NOP, 9B WAIT (no x87 exception is ever pending), and the NOPs with a
 * ModRM operand that is not accessed: 0F 1F /r, the hint space 0F 19 and
 * 0F 1C-1E, 0F 18 /4-/7 (and /0-/3, the prefetches, with memory). Not 0F
 * 1A/1B, which are MPX instructions on some hosts. */
int t_nop(Gen *g)
{
    static const uint8_t hint[5] = { 0x19, 0x1c, 0x1d, 0x1e, 0x18 };
    unsigned start = g->len;
    int form = (int)below(g, 4);
    if (form == 0) {
        note(g, "nop", 0, start);
        b(g, 0x90);
    } else if (form == 1) {
        note(g, "wait", 0, start);
        b(g, 0x9b);
    } else {
        int width = rand_w1632(g), op = form == 2 ? 0x1f : hint[below(g, 5)];
        int regf = (int)below(g, 8);
        Rm m;
        pick_rm(g, &m, width, width / 8, 60);
        if (op == 0x18 && !m.mem)
            regf |= 4;
        note(g, op == 0x1f ? "nopl" : "nop.hint", width, start);
        prefixes_ro(g, width, &m);
        b(g, 0x0f);
        b(g, op);
        modrm(g, regf, &m);
    }
    return 1;
}

/* D7 XLAT: [EBX + AL], so only with EBX as the base (AL < 256 stays in the
 * buffer's upper half) */
int t_xlat(Gen *g)
{
    if (!implicit_ok(g, 1u << EAX | 1u << EDX))
        return 0;
    if (g->base != EBX)
        return 0;
    Rm m = { .mem = 1, .off = DIFF_BUF_BASE };
    note(g, "xlat", 8, g->len);
    prefixes_ro(g, 8, &m);
    b(g, 0xd7);
    return 1;
}

/* 63 ARPL Ew,Gw: protected mode at any CPL */
int t_arpl(Gen *g)
{
    unsigned start = g->len;
    Rm m;
    pick_rm(g, &m, 16, 2, 40);
    int reg = pick_reg(g, 16);
    note(g, "arpl", 16, start);
    prefixes(g, 0, &m, 0);
    b(g, 0x63);
    modrm(g, reg, &m);
    set_flags(g, F_ZF, 0);
    return 1;
}


/* A0-A3: MOV between the accumulator and an absolute address (moffs) in
 * the buffer */
int t_moffs(Gen *g)
{
    int op = (int)below(g, 4), width = op & 1 ? rand_w1632(g) : 8;
    if (op < 2 && !implicit_ok(g, 1u << EAX))
        return 0;
    Rm m;
    pick_mem(g, &m, 0, DIFF_BUF_SIZE - width / 8);
    note(g, "mov.moffs", width, g->len);
    prefixes_x(g, width, &m, 0, op < 2);
    b(g, 0xa0 + op);
    reloc(g, R_SCRATCH);
    imm(g, 32, g->scratch_addr + (uint32_t)m.off);
    return 1;
}
