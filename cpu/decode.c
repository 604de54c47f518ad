/*
 * decode.c - the table-driven x86 decoder (16- and 32-bit code).
 *
 * The rows of opcodes.def are expanded into two tables at start-up: the
 * primary rows by opcode, and group members by opcode and ModRM.reg. Each
 * row's operand string is parsed once to learn whether it has a ModRM byte
 * and which immediates follow; decoding is then a walk over prefixes,
 * opcode, ModRM/SIB/displacement and immediates.
 */
#include "cpu/decode.h"

#include <stdio.h>
#include <string.h>

#include "cpu/handlers.h"

#define MAX_INSN_LEN 15

static OpRow rows[0x200];
static OpRow grp_rows[0x200][8];
static bool decode_ready;

static void parse_operands(OpRow *r)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", r->operands);
    int nimm = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        static const char *fixed[] = { "AL", "eAX", "DX", "CL", "ES", "CS", "SS", "DS", "FS", "GS" };
        bool is_fixed = false;
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
            if (!strcmp(tok, fixed[i]))
                is_fixed = true;
        if (is_fixed)
            continue;
        int kind = IMM_NONE;
        switch (tok[0]) {
        case 'E': case 'G': case 'S': case 'C': case 'D':
        case 'P': case 'Q': case 'N': /* MMX */
            r->modrm = 1;
            break;
        case 'M':
            r->modrm = 1;
            r->mem_only = 1;
            break;
        case 'R':
            r->modrm = 1;
            r->reg_only = 1;
            break;
        case 'I':
            if (!strcmp(tok, "Ib"))
                kind = IMM_B;
            else if (!strcmp(tok, "Ibs"))
                kind = IMM_BS;
            else if (!strcmp(tok, "Iw"))
                kind = IMM_W;
            else
                kind = IMM_Z;
            break;
        case 'J':
            kind = tok[1] == 'b' ? IMM_BS : IMM_JZ;
            break;
        case 'O':
            kind = IMM_O;
            break;
        case 'A':
            kind = IMM_AP;
            break;
        case '1':
            kind = IMM_ONE;
            break;
        default: /* Z, X, Y: nothing to fetch */
            break;
        }
        if (kind != IMM_NONE && nimm < 2)
            r->imm[nimm++] = (uint8_t)kind;
    }
}

static void set_row(OpRow *r, const char *mn, const char *ops, InsnFn f16, InsnFn f32, int fl)
{
    r->mnemonic = mn;
    r->operands = ops;
    r->fn16 = f16;
    r->fn32 = f32;
    r->flags = (uint16_t)fl;
    r->defined = 1;
    parse_operands(r);
}

void decode_init(void)
{
    if (decode_ready)
        return;
#define OP(code, mn, ops, h, fl) set_row(&rows[code], mn, ops, op_##h, op_##h, fl);
#define OPV(code, mn, ops, h, fl) set_row(&rows[code], mn, ops, op_##h##_16, op_##h##_32, fl);
#define GRP(code, reg, mn, ops, h, fl) set_row(&grp_rows[code][reg], mn, ops, op_##h, op_##h, fl);
#define GRPV(code, reg, mn, ops, h, fl)                                        \
    set_row(&grp_rows[code][reg], mn, ops, op_##h##_16, op_##h##_32, fl);
#define PFX(code, mn) set_row(&rows[code], mn, "", op_ud, op_ud, F_PREFIX);
#include "cpu/opcodes.def"
#undef OP
#undef OPV
#undef GRP
#undef GRPV
#undef PFX
    /* The 0F 38 and 0F 3A three-byte maps carry one more opcode byte;
     * x86_decode handles that before the ModRM byte. */
    decode_ready = true;
}

const OpRow *decode_table_row(int code, int reg)
{
    if (code < 0 || code >= 0x200)
        return NULL;
    const OpRow *r = reg < 0 ? &rows[code] : &grp_rows[code][reg & 7];
    return r->defined ? r : NULL;
}

const OpRow *decode_row(const Insn *in)
{
    const OpRow *r = &rows[in->op];
    if (r->flags & F_GRP)
        r = &grp_rows[in->op][in->sub];
    return r;
}

const char *decode_mnemonic(const Insn *in, char *buf, int len)
{
    const OpRow *r = decode_row(in);
    const char *bar = strchr(r->mnemonic, '|');
    if (!bar) {
        snprintf(buf, (size_t)len, "%s", r->mnemonic);
        return buf;
    }
    /* JCXZ/JECXZ is named by address size, every other pair by operand size */
    int wide = in->op == 0xe3 ? (in->flags & INSN_ADDR32) : (in->flags & INSN_OP32);
    if (wide)
        snprintf(buf, (size_t)len, "%s", bar + 1);
    else
        snprintf(buf, (size_t)len, "%.*s", (int)(bar - r->mnemonic), r->mnemonic);
    return buf;
}

/* 16-bit addressing forms: base, index (SDM vol. 2 table 2-1). */
static const uint8_t ea16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const uint8_t ea16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_NONE, R_NONE, R_NONE, R_NONE };

typedef struct Cursor {
    const uint8_t *buf;
    int avail, pos;
    bool more;    /* ran out of available bytes */
    bool toolong; /* ran past 15 bytes */
} Cursor;

static uint32_t fetch(Cursor *k, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        if (k->pos >= MAX_INSN_LEN) {
            k->toolong = true;
            return v;
        }
        if (k->pos >= k->avail) {
            k->more = true;
            return v;
        }
        v |= (uint32_t)k->buf[k->pos++] << (8 * i);
    }
    return v;
}

static uint32_t fetch_imm(Cursor *k, int kind, bool op32, bool addr32, uint16_t *sel)
{
    switch (kind) {
    case IMM_B:
        return fetch(k, 1);
    case IMM_BS:
        return (uint32_t)(int32_t)(int8_t)fetch(k, 1);
    case IMM_W:
        return fetch(k, 2);
    case IMM_Z:
        return fetch(k, op32 ? 4 : 2);
    case IMM_JZ:
        return op32 ? fetch(k, 4) : (uint32_t)(int32_t)(int16_t)fetch(k, 2);
    case IMM_O:
        return fetch(k, addr32 ? 4 : 2);
    case IMM_AP: {
        uint32_t off = fetch(k, op32 ? 4 : 2);
        *sel = (uint16_t)fetch(k, 2);
        return off;
    }
    case IMM_ONE:
        return 1;
    default:
        return 0;
    }
}

int x86_decode(const uint8_t *buf, int avail, bool code32, Insn *in)
{
    Cursor k = { buf, avail, 0, false, false };
    bool op32 = code32, addr32 = code32;
    int seg = -1, rep = 0;
    bool lock = false;
    uint8_t b;
    const OpRow *r = &rows[0];

    memset(in, 0, sizeof(*in));
    in->base = in->index = R_NONE;

    /* Prefixes: repeated ones count once; of several segment overrides, and
     * of F2/F3, the last wins. */
    for (;;) {
        b = (uint8_t)fetch(&k, 1);
        if (k.more || k.toolong)
            goto out;
        switch (b) {
        case 0x26: seg = SEG_ES; continue;
        case 0x2e: seg = SEG_CS; continue;
        case 0x36: seg = SEG_SS; continue;
        case 0x3e: seg = SEG_DS; continue;
        case 0x64: seg = SEG_FS; continue;
        case 0x65: seg = SEG_GS; continue;
        case 0x66: op32 = !code32; continue;
        case 0x67: addr32 = !code32; continue;
        case 0xf0: lock = true; continue;
        case 0xf2: rep = INSN_REPNE; continue;
        case 0xf3: rep = INSN_REP; continue;
        }
        break;
    }

    int code = b;
    if (b == 0x0f)
        code = 0x100 | fetch(&k, 1);
    if (code == 0x138 || code == 0x13a)
        fetch(&k, 1); /* the third opcode byte */
    r = &rows[code];
    in->op = (uint16_t)code;

    if (r->modrm || (r->flags & F_GRP)) {
        uint8_t m = (uint8_t)fetch(&k, 1);
        in->mod = m >> 6;
        in->reg = (m >> 3) & 7;
        in->rm = m & 7;
        if (r->flags & F_GRP) {
            in->sub = in->reg;
            r = &grp_rows[code][in->reg];
        }
        if (r->reg_only)
            in->mod = 3;
        if (in->mod != 3) {
            int defseg = SEG_DS;
            in->flags |= INSN_MEM;
            if (addr32) {
                int rm = in->rm;
                if (rm == 4) {
                    uint8_t sib = (uint8_t)fetch(&k, 1);
                    in->scale = sib >> 6;
                    in->index = (sib >> 3) & 7;
                    if (in->index == R_ESP)
                        in->index = R_NONE;
                    rm = sib & 7;
                    if (rm == 5 && in->mod == 0) {
                        in->disp = fetch(&k, 4);
                    } else {
                        in->base = (uint8_t)rm;
                    }
                } else if (rm == 5 && in->mod == 0) {
                    in->disp = fetch(&k, 4);
                } else {
                    in->base = (uint8_t)rm;
                }
                if (in->base == R_ESP || in->base == R_EBP)
                    defseg = SEG_SS;
                if (in->mod == 1)
                    in->disp = (uint32_t)(int32_t)(int8_t)fetch(&k, 1);
                else if (in->mod == 2)
                    in->disp = fetch(&k, 4);
            } else {
                if (in->mod == 0 && in->rm == 6) {
                    in->disp = fetch(&k, 2);
                } else {
                    in->base = ea16_base[in->rm];
                    in->index = ea16_index[in->rm];
                    if (in->base == R_EBP)
                        defseg = SEG_SS;
                }
                if (in->mod == 1)
                    in->disp = (uint32_t)(int32_t)(int8_t)fetch(&k, 1);
                else if (in->mod == 2)
                    in->disp = fetch(&k, 2);
            }
            in->seg = (uint8_t)(seg >= 0 ? seg : defseg);
        }
    }
    in->flags |= (op32 ? INSN_OP32 : 0) | (addr32 ? INSN_ADDR32 : 0) | (uint8_t)rep |
                 (lock ? INSN_LOCK : 0) | (seg >= 0 ? INSN_SEGOVR : 0);

    for (int i = 0; i < 2 && r->imm[i]; i++) {
        if (r->imm[i] == IMM_O) {
            in->disp = fetch_imm(&k, IMM_O, op32, addr32, NULL);
            in->flags |= INSN_MEM;
            in->seg = (uint8_t)(seg >= 0 ? seg : SEG_DS);
        } else if (i == 0) {
            in->imm = fetch_imm(&k, r->imm[i], op32, addr32, &in->imm2);
        } else {
            in->imm2 = (uint16_t)fetch_imm(&k, r->imm[i], op32, addr32, NULL);
        }
    }
    if (!r->modrm && r->operands && strchr(r->operands, 'Z'))
        in->reg = code & 7;

    /* String instructions address memory through DS:(E)SI, overridable, and
     * ES:(E)DI, never overridden. XLAT reads DS:[(E)BX+AL], overridable. */
    if ((r->flags & F_STR) || code == 0xd7)
        in->seg = (uint8_t)(seg >= 0 ? seg : SEG_DS);

out:
    in->len = (uint8_t)k.pos;
    if (k.toolong) {
        in->fn = op_gp_toolong;
        in->len = MAX_INSN_LEN;
        return MAX_INSN_LEN;
    }
    if (k.more)
        return DECODE_NEED_MORE;

    InsnFn fn = op32 ? r->fn32 : r->fn16;
    if (!r->defined || (r->mem_only && in->mod == 3))
        fn = op_ud;
    if (lock && (!(r->flags & F_LOCK) || in->mod == 3))
        fn = op_ud;
    in->fn = fn;
    return in->len;
}
