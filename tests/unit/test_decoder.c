/*
 * test_decoder.c - the decoder against capstone (DESIGN.md section 3, issue 2).
 *
 * 1. Cross-check: random 15-byte strings (1,000,000 per mode by default),
 *    decoded in 16- and 32-bit code by x86_decode and by capstone. Wherever
 *    capstone decodes the bytes, both must agree on the length, the
 *    mnemonic (after the small naming map below) and the operands we can
 *    compare (ModRM/moffs memory operand, immediates, branch targets), or
 *    the case must be one of the known disagreements in decoder_known.h,
 *    each with its reason.
 *    Where capstone rejects the bytes and we decode a real instruction, the
 *    case must be listed there too (informational: capstone rejects some
 *    valid encodings). Unlisted disagreements fail the test.
 * 2. Sweep: every one- and two-byte opcode (ModRM 0xC0, zero immediates) in
 *    both modes decodes to a length, and to DECODE_NEED_MORE when the bytes
 *    stop one short of it.
 * 3. The 15-byte limit.
 *
 * Usage: test_decoder [SEED [COUNT]]; RINGSIDE_DECODER_SEED and
 * RINGSIDE_DECODER_COUNT do the same from the environment.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "decoder_known.h"

#define STR_LEN 15
#define DEFAULT_SEED 0x52494e47u /* "RING" */
#define DEFAULT_COUNT 1000000L
#define SHOW_UNKNOWN 20

/* ---- deterministic generator (splitmix64) --------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n) { return (unsigned)(rng_next() % n); }

static const uint8_t prefix_set[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
                                      0x66, 0x67, 0xf0, 0xf2, 0xf3 };
/* One-byte opcodes with ModRM groups, size-dependent names or immediates,
 * and the VEX/EVEX/XOP look-alikes: drawn more often than chance would. */
static const uint8_t hot_ops[] = { 0x62, 0x80, 0x81, 0x82, 0x83, 0x8c, 0x8e, 0x8f, 0x98, 0x99,
                                   0x9a, 0xa0, 0xa1, 0xa2, 0xa3, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6,
                                   0xc7, 0xc8, 0xd0, 0xd1, 0xd2, 0xd3, 0xe3, 0xe8, 0xe9, 0xea,
                                   0xf6, 0xf7, 0xfe, 0xff, 0x60, 0x61, 0x69, 0x6b, 0x68 };

static void gen_string(uint8_t *b)
{
    for (int i = 0; i < STR_LEN; i += 8) {
        uint64_t r = rng_next();
        for (int j = 0; j < 8 && i + j < STR_LEN; j++)
            b[i + j] = (uint8_t)(r >> (8 * j));
    }
    unsigned style = rng_below(20);
    int p = 0, npfx = 0;
    if (style < 5)
        return; /* all random */
    if (style < 18)
        npfx = (int)rng_below(5);
    else
        npfx = 5 + (int)rng_below(10); /* long runs: the 15-byte limit */
    for (int i = 0; i < npfx; i++)
        b[p++] = prefix_set[rng_below(sizeof(prefix_set))];
    if (style >= 9 && style < 14) {
        b[p++] = 0x0f;
    } else if (style >= 14 && style < 16) {
        b[p++] = 0x0f;
        b[p++] = rng_below(2) ? 0x38 : 0x3a;
    } else if (style >= 16 && style < 18) {
        b[p++] = hot_ops[rng_below(sizeof(hot_ops))];
    }
}

/* ---- naming ------------------------------------------------------------- */

/* Capstone folds prefixes into the mnemonic ("rep movsb", "lock add",
 * "bnd call", "xacquire lock xchg"): drop them, then map capstone's names
 * to the table's where they only spell the same instruction differently. */
static const char *cs_normalise(const char *m, char *out, size_t n)
{
    static const char *pfx_words[] = { "lock ", "rep ", "repe ", "repne ", "repz ", "repnz ",
                                       "bnd ", "xacquire ", "xrelease ", "notrack " };
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < sizeof(pfx_words) / sizeof(pfx_words[0]); i++) {
            size_t l = strlen(pfx_words[i]);
            if (!strncmp(m, pfx_words[i], l)) {
                m += l;
                again = true;
            }
        }
    }
    static const char *alias[][2] = {
        { "retf", "lret" },     /* CA/CB: AT&T name in our table */
        { "pushal", "pushad" }, { "popal", "popad" },
        { "pushaw", "pusha" },  { "popaw", "popa" },
        { "ud2b", "ud1" },      /* 0F B9: the SDM calls it UD1 */
    };
    for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
        if (!strcmp(m, alias[i][0]))
            m = alias[i][1];
    snprintf(out, n, "%s", m);
    return out;
}

static int count_prefixes(const uint8_t *b)
{
    int n = 0;
    while (n < STR_LEN && k_is_pfx(b[n]))
        n++;
    return n;
}

static int our_verdict(const Insn *in, const OpRow *r)
{
    if (in->fn == op_gp_toolong)
        return OURS_TOOLONG;
    if (r->flags & F_UD)
        return OURS_UD_ROW;
    if (r->mem_only && in->mod == 3)
        return OURS_UD_MEM;
    if ((in->flags & INSN_LOCK) && (!(r->flags & F_LOCK) || in->mod == 3))
        return OURS_UD_LOCK;
    if (in->fn == op_ud)
        return OURS_UD_OWN;
    return OURS_REAL;
}

/* ---- 1. cross-check against capstone -------------------------------------- */

typedef struct ModeStats {
    long strings, cs_valid, agreed, known, unknown;
    long both_invalid, cs_invalid_real, cs_invalid_unlisted;
    long mem_checked, imm_checked; /* agreed cases whose operands were compared */
    long per_known[KNOWN_COUNT];
} ModeStats;

static void print_bytes(const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s%02x", i ? " " : "", b[i]);
}

static void report_case(const Case *k, const char *what, const char *cs_raw, const char *cs_ops)
{
    printf("  %s: ", what);
    print_bytes(k->buf, STR_LEN);
    printf(" | ours len %d '%s'", k->len, k->name);
    static const char *vn[] = { "real", "#UD row", "#UD lock", "#UD reg-form", "#UD own",
                                "#GP too long" };
    printf(" (%s, op %03x/%d)", vn[k->verdict], k->in->op, k->in->sub);
    if (k->cs_ok)
        printf(" | capstone len %d '%s %s'", k->cs_len, cs_raw, cs_ops);
    else
        printf(" | capstone invalid");
    if (k->opdiff)
        printf(" | operands differ: %s", k->opdiff);
    printf("\n");
}

/* The memory operand: base, index, scale, displacement (at the address
 * size) and, when there is an override, the segment. Only ModRM and moffs
 * operands are compared; string operands are implicit in our Insn. Returns
 * NULL when they agree, else what differs. */
static const char *mem_operand_diff(const Insn *in, const OpRow *r, const cs_insn *ci,
                                    long *checked)
{
    static const x86_reg reg32[9] = { X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
                                      X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI,
                                      X86_REG_INVALID };
    static const x86_reg reg16[9] = { X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX,
                                      X86_REG_SP, X86_REG_BP, X86_REG_SI, X86_REG_DI,
                                      X86_REG_INVALID };
    static const x86_reg sreg[SEG_COUNT] = { X86_REG_ES, X86_REG_CS, X86_REG_SS,
                                             X86_REG_DS, X86_REG_FS, X86_REG_GS };
    bool moffs = r->imm[0] == IMM_O || r->imm[1] == IMM_O;
    if (!(in->flags & INSN_MEM) || !(r->modrm || moffs))
        return NULL;
    ++*checked;
    const cs_x86 *x = &ci->detail->x86;
    const x86_op_mem *m = NULL;
    for (int i = 0; i < x->op_count; i++)
        if (x->operands[i].type == X86_OP_MEM && !m)
            m = &x->operands[i].mem;
    if (!m)
        return "capstone shows no memory operand";
    bool a32 = in->flags & INSN_ADDR32;
    const x86_reg *rr = a32 ? reg32 : reg16;
    uint32_t mask = a32 ? 0xffffffffu : 0xffffu;
    if (m->base != rr[in->base])
        return "base";
    if (m->index != rr[in->index])
        return "index";
    if (in->index != R_NONE && m->scale != (1 << in->scale))
        return "scale";
    if (((uint32_t)m->disp & mask) != (in->disp & mask))
        return "displacement";
    if ((in->flags & INSN_SEGOVR) && m->segment != sreg[in->seg])
        return "segment override";
    return NULL;
}

/* The immediates, compared at their width: Ib/Ibs/Iw/Iz as stored in
 * in->imm (in->imm2 for a second one), Jb/Jz as the branch target, Ap as
 * selector and offset. */
static const char *imm_operand_diff(const Insn *in, const OpRow *r, const cs_insn *ci,
                                    bool code32, long *checked)
{
    const cs_x86 *x = &ci->detail->x86;
    int64_t cs_imm[4];
    int n = 0;
    for (int i = 0; i < x->op_count && n < 4; i++)
        if (x->operands[i].type == X86_OP_IMM)
            cs_imm[n++] = x->operands[i].imm;
    bool op32 = in->flags & INSN_OP32;
    uint32_t vmask = op32 ? 0xffffffffu : 0xffffu;
    /* Capstone 4 wraps or sign-extends branch targets inconsistently in 16-bit
     * code and under a 66 or 67 prefix (mostly modulo 64K, even when the
     * operand size, which alone decides, SDM JMP, is 32): compare the low 16
     * bits there, all 32 only in 32-bit code without either prefix. */
    bool full = code32 && (in->flags & INSN_OP32) && (in->flags & INSN_ADDR32);
    uint32_t jmask = full ? 0xffffffffu : 0xffffu;
    uint32_t want[4], mask[4];
    int w = 0;
    for (int i = 0; i < 2 && r->imm[i]; i++) {
        uint32_t v = i == 0 ? in->imm : in->imm2;
        switch (r->imm[i]) {
        case IMM_B:
            want[w] = v, mask[w++] = 0xff;
            break;
        case IMM_BS:
            if (r->flags & F_BR) /* Jb: the branch target */
                want[w] = (uint32_t)ci->address + in->len + v, mask[w++] = jmask;
            else
                want[w] = v, mask[w++] = vmask;
            break;
        case IMM_W:
            want[w] = v, mask[w++] = 0xffff;
            break;
        case IMM_Z:
            want[w] = v, mask[w++] = vmask;
            break;
        case IMM_JZ:
            want[w] = (uint32_t)ci->address + in->len + v, mask[w++] = jmask;
            break;
        case IMM_AP: /* capstone lists the selector first */
            want[w] = in->imm2, mask[w++] = 0xffff;
            want[w] = v, mask[w++] = vmask;
            break;
        case IMM_ONE: /* D0/D1: capstone lists the count 1 as an operand */
            want[w] = 1, mask[w++] = 0xff;
            break;
        default: /* moffs: compared as memory */
            break;
        }
    }
    /* AAM/AAD with the default base 10: capstone prints no operand */
    if ((in->op == 0xd4 || in->op == 0xd5) && n == 0 && w == 1 && in->imm == 10)
        return NULL;
    if (w)
        ++*checked;
    if (n != w)
        return "number of immediates";
    for (int i = 0; i < w; i++)
        if (((uint32_t)cs_imm[i] & mask[i]) != (want[i] & mask[i]))
            return "immediate value";
    return NULL;
}

static bool cross_check(bool code32, uint64_t seed, long count, ModeStats *st)
{
    csh h;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) {
        printf("capstone: cs_open failed\n");
        return false;
    }
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *ci = cs_malloc(h);
    memset(st, 0, sizeof(*st));
    rng_state = seed ^ (code32 ? 0x3232323232323232ull : 0x1616161616161616ull);
    int shown = 0;

    for (long i = 0; i < count; i++) {
        uint8_t buf[STR_LEN];
        gen_string(buf);
        Insn in;
        char name[32], csname[64];
        Case k = { .buf = buf, .code32 = code32, .in = &in };
        k.len = x86_decode(buf, STR_LEN, code32, &in);
        k.row = decode_row(&in);
        k.name = decode_mnemonic(&in, name, sizeof(name));
        k.verdict = our_verdict(&in, k.row);
        k.npfx = count_prefixes(buf);

        const uint8_t *code = buf;
        size_t size = STR_LEN;
        uint64_t addr = 0x1000;
        k.cs_ok = cs_disasm_iter(h, &code, &size, &addr, ci);
        if (k.cs_ok) {
            k.cs_len = ci->size;
            k.cs_name = cs_normalise(ci->mnemonic, csname, sizeof(csname));
        } else {
            k.cs_len = 0;
            k.cs_name = "";
        }
        st->strings++;

        if (k.cs_ok) {
            st->cs_valid++;
            bool valid = k.verdict == OURS_REAL || k.verdict == OURS_UD_OWN;
            if (valid && k.len == k.cs_len && !strcmp(k.name, k.cs_name)) {
                k.opdiff = mem_operand_diff(&in, k.row, ci, &st->mem_checked);
                if (!k.opdiff)
                    k.opdiff = imm_operand_diff(&in, k.row, ci, code32, &st->imm_checked);
                if (!k.opdiff) {
                    st->agreed++;
                    continue;
                }
            }
        } else if (k.verdict != OURS_REAL) {
            st->both_invalid++;
            continue;
        }

        int kind = k.cs_ok ? KNOWN_DIFF : KNOWN_CSINV, hit = -1;
        for (int j = 0; j < KNOWN_COUNT && hit < 0; j++)
            if (known_list[j].kind == kind && known_list[j].match(&k))
                hit = j;
        if (hit >= 0) {
            st->per_known[hit]++;
            if (kind == KNOWN_DIFF)
                st->known++;
            else
                st->cs_invalid_real++;
            continue;
        }
        if (kind == KNOWN_DIFF)
            st->unknown++;
        else
            st->cs_invalid_unlisted++;
        if (shown++ < SHOW_UNKNOWN)
            report_case(&k, kind == KNOWN_DIFF ? "UNKNOWN" : "UNLISTED (capstone rejects)",
                        k.cs_ok ? ci->mnemonic : "", k.cs_ok ? ci->op_str : "");
    }
    cs_free(ci, 1);
    cs_close(&h);
    return st->unknown == 0 && st->cs_invalid_unlisted == 0;
}

static void print_stats(const ModeStats *s16, const ModeStats *s32)
{
    const ModeStats *s[2] = { s16, s32 };
    printf("\n%-38s %12s %12s\n", "", "16-bit", "32-bit");
#define ROW(label, field) printf("%-38s %12ld %12ld\n", label, s[0]->field, s[1]->field)
    ROW("strings", strings);
    ROW("capstone-valid", cs_valid);
    ROW("  agreed (length, mnemonic, operands)", agreed);
    ROW("    memory operands compared", mem_checked);
    ROW("    immediates compared", imm_checked);
    ROW("  disagreed, known", known);
    ROW("  disagreed, unknown", unknown);
    printf("%-38s %12ld %12ld\n", "capstone-invalid", s[0]->strings - s[0]->cs_valid,
           s[1]->strings - s[1]->cs_valid);
    ROW("  we also #UD/#GP", both_invalid);
    ROW("  we decode a real insn (listed)", cs_invalid_real);
    ROW("  we decode a real insn (unlisted)", cs_invalid_unlisted);
#undef ROW
    for (int kind = KNOWN_DIFF; kind <= KNOWN_CSINV; kind++) {
        printf("\n%s\n", kind == KNOWN_DIFF
                             ? "Known disagreements (capstone decodes the bytes):"
                             : "Capstone rejects, we decode a real instruction (informational):");
        for (int j = 0; j < KNOWN_COUNT; j++) {
            if (known_list[j].kind != kind)
                continue;
            printf("  %-22s %9ld %9ld  %s\n", known_list[j].id, s16->per_known[j],
                   s32->per_known[j], known_list[j].reason);
        }
    }
}

/* ---- 2. every opcode decodes, and truncation asks for more ---------------- */

static int sweep_one(const uint8_t *buf, bool code32)
{
    Insn in;
    int len = x86_decode(buf, STR_LEN, code32, &in);
    if (len < 1 || len > STR_LEN || len != in.len || !in.fn) {
        printf("  sweep: bad length %d for ", len);
        print_bytes(buf, 4);
        printf(" (%d-bit)\n", code32 ? 32 : 16);
        return 1;
    }
    if (in.fn == op_gp_toolong)
        return 0;
    Insn again;
    if (x86_decode(buf, len, code32, &again) != len ||
        x86_decode(buf, len - 1, code32, &again) != DECODE_NEED_MORE) {
        printf("  sweep: truncation at %d bytes not reported for ", len - 1);
        print_bytes(buf, len);
        printf(" (%d-bit)\n", code32 ? 32 : 16);
        return 1;
    }
    return 0;
}

static bool opcode_sweep(bool code32)
{
    int bad = 0, n = 0;
    for (int op = 0; op < 0x100; op++) {
        uint8_t buf[STR_LEN] = { (uint8_t)op, 0xc0 };
        bad += sweep_one(buf, code32);
        n++;
        uint8_t buf2[STR_LEN] = { 0x0f, (uint8_t)op, 0xc0 };
        if (op == 0x38 || op == 0x3a) /* third opcode byte, then ModRM */
            buf2[3] = 0xc0;
        bad += sweep_one(buf2, code32);
        n++;
    }
    printf("opcode sweep (%d-bit): %d encodings, %d bad\n", code32 ? 32 : 16, n, bad);
    return bad == 0;
}

/* ---- 3. the 15-byte limit ------------------------------------------------- */

static bool expect_decode(const char *what, const uint8_t *buf, int avail, bool code32,
                          int want_len, bool want_toolong)
{
    Insn in;
    int len = x86_decode(buf, avail, code32, &in);
    bool toolong = len != DECODE_NEED_MORE && in.fn == op_gp_toolong;
    bool ok = len == want_len && toolong == want_toolong;
    if (!ok)
        printf("  %s (%d-bit): got length %d%s, want %d%s\n", what, code32 ? 32 : 16, len,
               toolong ? " (#GP)" : "", want_len, want_toolong ? " (#GP)" : "");
    return ok;
}

static bool length_limit(void)
{
    bool ok = true;
    for (int m = 0; m < 2; m++) {
        bool code32 = m;
        uint8_t b[32];
        /* 14 prefixes + MOV Ev,Gv with its ModRM: 16 bytes, one too many */
        for (int i = 0; i < 14; i++)
            b[i] = prefix_set[i % sizeof(prefix_set)];
        b[14] = 0x89, b[15] = 0xc0;
        ok &= expect_decode("14 prefixes + 89 C0", b, 16, code32, STR_LEN, true);
        ok &= expect_decode("14 prefixes + 89 C0, 15 available", b, 15, code32, STR_LEN, true);
        /* 13 prefixes + 89 C0: exactly 15 bytes, fine */
        ok &= expect_decode("13 prefixes + 89 C0", b + 1, 15, code32, STR_LEN, false);
        /* 14 prefixes + NOP: 15 bytes; 15 prefixes + NOP: too long */
        memset(b, 0x2e, 16);
        b[14] = 0x90;
        ok &= expect_decode("14 prefixes + 90", b, 15, code32, STR_LEN, false);
        b[15] = 0x90;
        b[14] = 0x2e;
        ok &= expect_decode("15 prefixes + 90", b, 16, code32, STR_LEN, true);
        /* the limit counts immediates too: 9 prefixes + 81 /0 with disp32 and imm32 (16 bytes
         * in 32-bit code) */
        memset(b, 0x3e, 9);
        const uint8_t add[] = { 0x81, 0x80, 1, 2, 3, 4, 5, 6, 7, 8 };
        memcpy(b + 9, add, sizeof(add));
        if (code32)
            ok &= expect_decode("9 prefixes + 81 80 disp32 imm32", b, 19, code32, STR_LEN, true);
        else /* 16-bit: 81 80 disp16 imm16 = 6 bytes, 15 in all */
            ok &= expect_decode("9 prefixes + 81 80 disp16 imm16", b, 19, code32, STR_LEN, false);
        /* truncation: every shorter prefix of a 10-byte instruction asks for more */
        const uint8_t ins[] = { 0x66, 0x81, 0x84, 0x88, 1, 2, 3, 4, 0x78, 0x56 };
        /* 32-bit: 66 81 /0 SIB disp32 imm16 = 10 bytes; 16-bit: 66 -> imm32 and 16-bit
         * addressing (84: [si+disp16]) = 1+1+1+2+4 = 9 bytes */
        int want = code32 ? 10 : 9;
        for (int avail = 0; avail < want; avail++)
            ok &= expect_decode("truncated 66 81 84 ...", ins, avail, code32, DECODE_NEED_MORE,
                                false);
        ok &= expect_decode("complete 66 81 84 ...", ins, want, code32, want, false);
    }
    printf("15-byte limit and truncation: %s\n", ok ? "ok" : "FAILED");
    return ok;
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
    uint64_t seed = DEFAULT_SEED;
    long count = DEFAULT_COUNT;
    const char *s = argc > 1 ? argv[1] : getenv("RINGSIDE_DECODER_SEED");
    if (s && *s)
        seed = strtoull(s, NULL, 0);
    const char *c = argc > 2 ? argv[2] : getenv("RINGSIDE_DECODER_COUNT");
    if (c && *c)
        count = strtol(c, NULL, 0);

    int major, minor;
    cs_version(&major, &minor);
    decode_init();
    printf("test_decoder: seed 0x%" PRIx64 ", %ld strings of %d bytes per mode, capstone %d.%d\n",
           seed, count, STR_LEN, major, minor);
    printf("(override: test_decoder SEED [COUNT], or RINGSIDE_DECODER_SEED / _COUNT)\n");

    int passed = 0, failed = 0;
    ModeStats st[2];
    for (int m = 0; m < 2; m++) {
        printf("\n== cross-check, %d-bit code ==\n", m ? 32 : 16);
        bool ok = cross_check(m, seed, count, &st[m]);
        printf("%d-bit: %s\n", m ? 32 : 16, ok ? "ok" : "FAILED (unlisted disagreements above)");
        ok ? passed++ : failed++;
    }
    print_stats(&st[0], &st[1]);
    printf("\n");
    for (int m = 0; m < 2; m++)
        opcode_sweep(m) ? passed++ : failed++;
    length_limit() ? passed++ : failed++;

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
