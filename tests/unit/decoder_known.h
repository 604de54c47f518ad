/*
 * decoder_known.h - every known disagreement between our decoder and
 * capstone 4.0.2, with its reason. test_decoder.c classifies each random
 * byte string; a disagreement that no entry below explains fails the test,
 * so this list is the complete record of where the two decoders differ.
 *
 * Two kinds of entry:
 *   KNOWN_DIFF   capstone decodes the bytes and we disagree on the length,
 *                the mnemonic, the operands, or on validity (we raise #UD);
 *   KNOWN_CSINV  capstone rejects the bytes and we decode a real (non-#UD)
 *                instruction (informational, but still has to be listed).
 * The first entry whose predicate holds explains the case, so specific
 * entries come before general ones. Reasons name the capstone bug, or the
 * later CPU that has the encoding (a Pentium II raises #UD for it).
 */
#ifndef RINGSIDE_DECODER_KNOWN_H
#define RINGSIDE_DECODER_KNOWN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/decode.h"

/* What our decoder made of the bytes. */
enum {
    OURS_REAL,     /* an instruction of this CPU (its handler may still #UD at run time) */
    OURS_UD_ROW,   /* a row flagged F_UD: an encoding a Pentium II does not have */
    OURS_UD_LOCK,  /* LOCK on an instruction or operand that does not allow it */
    OURS_UD_MEM,   /* register form of a memory-only operand (M) */
    OURS_UD_OWN,   /* UD0/UD1/UD2/RSM: instructions whose job is #UD */
    OURS_TOOLONG,  /* more than 15 bytes: #GP */
};

typedef struct Case {
    const uint8_t *buf; /* 15 bytes */
    bool code32;
    const Insn *in;
    const OpRow *row;
    int len;             /* our length */
    const char *name;    /* our mnemonic */
    int verdict;         /* OURS_* */
    int npfx;            /* prefix bytes before the opcode */
    bool cs_ok;          /* capstone decoded the bytes */
    int cs_len;
    const char *cs_name; /* capstone's mnemonic, normalised (see test_decoder.c) */
    const char *opdiff;  /* length and name agree but this operand part differs */
} Case;

enum { KNOWN_DIFF, KNOWN_CSINV };

typedef struct Known {
    const char *id;
    int kind;
    bool (*match)(const Case *k);
    const char *reason;
} Known;

/* ---- helpers ------------------------------------------------------------ */

static inline bool k_is(const char *a, const char *b) { return !strcmp(a, b); }
static inline bool k_starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static inline bool k_in(int v, int lo, int hi) { return v >= lo && v <= hi; }
static inline bool k_same_len(const Case *k) { return k->len == k->cs_len; }

static inline bool k_is_pfx(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    }
    return false;
}

/* Some prefix byte from `set` comes after a prefix byte `a`. */
static inline bool k_pfx_after(const Case *k, uint8_t a, const char *set)
{
    bool seen = false;
    for (int i = 0; i < k->npfx; i++) {
        if (seen && strchr(set, k->buf[i]) && k->buf[i])
            return true;
        if (k->buf[i] == a)
            seen = true;
    }
    return false;
}

/* Any prefix byte other than `a` comes after a prefix byte `a`. */
static inline bool k_other_pfx_after(const Case *k, uint8_t a)
{
    bool seen = false;
    for (int i = 0; i < k->npfx; i++) {
        if (seen && k->buf[i] != a)
            return true;
        if (k->buf[i] == a)
            seen = true;
    }
    return false;
}

/* The last of the group-1 prefixes (F0, F2, F3) is F2 or F3. */
static inline bool k_rep_after_lock(const Case *k)
{
    int last = 0;
    for (int i = 0; i < k->npfx; i++)
        if (k->buf[i] == 0xf0 || k->buf[i] == 0xf2 || k->buf[i] == 0xf3)
            last = k->buf[i];
    return last == 0xf2 || last == 0xf3;
}

/* The other half of a "a|b" mnemonic pair. */
static inline bool k_other_size_name(const Case *k)
{
    const char *mn = k->row->mnemonic, *bar = strchr(mn, '|');
    if (!bar)
        return false;
    size_t n = (size_t)(bar - mn);
    bool is_first = strlen(k->cs_name) == n && !strncmp(k->cs_name, mn, n);
    return (is_first || k_is(k->cs_name, bar + 1)) && !k_is(k->cs_name, k->name);
}

static inline int k_op(const Case *k) { return k->in->op; }

/* ---- capstone decodes, we differ ----------------------------------------- */

static bool m_ud_nomodrm(const Case *k)
{
    return (k_op(k) == 0x1b9 || k_op(k) == 0x1ff) &&
           (k->cs_len < k->len || k->verdict == OURS_TOOLONG) &&
           k_is(k->cs_name, k->row->mnemonic);
}
static bool m_lock_then_rep(const Case *k)
{
    return k->verdict == OURS_UD_LOCK && k_rep_after_lock(k) && k_same_len(k);
}
static bool m_lock_regdest(const Case *k)
{
    int op = k_op(k);
    bool alu_g = op < 0x40 && ((op & 7) == 2 || (op & 7) == 3);
    return k->verdict == OURS_UD_LOCK && (alu_g || op == 0x11f) && k_same_len(k) &&
           k_is(k->cs_name, k->name);
}
static bool m_vex(const Case *k)
{
    return k->verdict == OURS_UD_MEM && (k_op(k) == 0xc4 || k_op(k) == 0xc5);
}
static bool m_evex(const Case *k)
{
    return k->verdict == OURS_UD_MEM && k_op(k) == 0x62;
}
static bool m_grp7_reg(const Case *k)
{
    return k->verdict == OURS_UD_MEM && k_op(k) == 0x101 && k_same_len(k);
}
static bool m_xop(const Case *k)
{
    return k->verdict == OURS_UD_ROW && k_op(k) == 0x8f && k->in->sub != 0;
}
static bool m_padlock(const Case *k)
{
    return k->verdict == OURS_UD_ROW && (k_op(k) == 0x1a6 || k_op(k) == 0x1a7) &&
           (k_starts(k->cs_name, "x") || k_starts(k->cs_name, "mont"));
}
static bool m_sse4a(const Case *k)
{
    return k->verdict == OURS_UD_ROW && (k_op(k) == 0x178 || k_op(k) == 0x179) &&
           (k_is(k->cs_name, "extrq") || k_is(k->cs_name, "insertq"));
}
static bool m_3dnow(const Case *k)
{
    return k->verdict == OURS_UD_ROW && k_in(k_op(k), 0x10d, 0x10f) && k_same_len(k);
}
static bool m_3byte(const Case *k)
{
    return k->verdict == OURS_UD_ROW && (k_op(k) == 0x138 || k_op(k) == 0x13a) &&
           k_same_len(k);
}
static bool m_syscall_vmx(const Case *k)
{
    int op = k_op(k);
    return k->verdict == OURS_UD_ROW &&
           (op == 0x105 || op == 0x107 || op == 0x137 || op == 0x178 || op == 0x179) &&
           k_same_len(k);
}
static bool m_grp_later(const Case *k)
{
    return k->verdict == OURS_UD_ROW && (k->row->flags & F_UD) &&
           (decode_table_row(k_op(k), -1)->flags & F_GRP) && k_same_len(k);
}
static bool m_mmx_sse(const Case *k)
{
    return k->verdict == OURS_UD_ROW && k_same_len(k);
}
static bool m_x87_names(const Case *k)
{
    return k->verdict == OURS_REAL && k_in(k_op(k), 0xd8, 0xdf) && k->cs_name[0] == 'f' &&
           k_same_len(k);
}
static bool m_cwde16(const Case *k)
{
    return k->verdict == OURS_REAL && !k->code32 && (k_op(k) == 0x98 || k_op(k) == 0x99) &&
           (k_is(k->cs_name, "cwde") || k_is(k->cs_name, "cdq")) && k_same_len(k);
}
static bool m_stale_size(const Case *k)
{
    uint8_t p = k_op(k) == 0xe3 ? 0x67 : 0x66;
    return (k->verdict == OURS_REAL || k->verdict == OURS_UD_LOCK) && k_other_size_name(k) &&
           k_other_pfx_after(k, p) && k_same_len(k);
}
static bool m_call66_rep(const Case *k)
{
    return (k->verdict == OURS_REAL || k->verdict == OURS_UD_LOCK) && k_op(k) == 0xe8 &&
           k_pfx_after(k, 0x66, "\xf2\xf3") && k->cs_len == k->len + 2 &&
           k_is(k->cs_name, "call");
}
static bool m_pause(const Case *k)
{
    return k_op(k) == 0x90 && k_is(k->cs_name, "pause") && k_same_len(k);
}
static bool m_prefetch(const Case *k)
{
    return k_op(k) == 0x118 && k_starts(k->cs_name, "prefetch") && k_same_len(k);
}
static bool m_tzcnt(const Case *k)
{
    return (k_op(k) == 0x1bc || k_op(k) == 0x1bd) &&
           (k_is(k->cs_name, "tzcnt") || k_is(k->cs_name, "lzcnt")) && k_same_len(k);
}
static bool m_endbr(const Case *k)
{
    return k_op(k) == 0x11e && k_starts(k->cs_name, "endbr") && k_same_len(k);
}

/* An MMX row (0F 60-7F, D0-FE) with a 66, F2 or F3 prefix: the SSE form. */
static bool k_mmx_sse_prefixed(const Case *k)
{
    int op = k_op(k);
    if (!k_in(op, 0x160, 0x17f) && !k_in(op, 0x1d0, 0x1fe))
        return false;
    for (int i = 0; i < k->npfx; i++)
        if (k->buf[i] == 0x66 || k->buf[i] == 0xf2 || k->buf[i] == 0xf3)
            return true;
    return false;
}
static bool m_mmx_prefixed(const Case *k)
{
    return k->verdict == OURS_REAL && k_mmx_sse_prefixed(k) && k_same_len(k);
}

/* ---- capstone rejects, we decode a real instruction ------------------------ */

static bool m_sreg67(const Case *k)
{
    return (k_op(k) == 0x8c || k_op(k) == 0x8e) && k->in->reg >= 6;
}
static bool m_x87_reserved(const Case *k) { return k_in(k_op(k), 0xd8, 0xdf); }
static bool m_hintnop_reg(const Case *k)
{
    return k_in(k_op(k), 0x118, 0x11f) && k->in->mod == 3;
}
static bool m_call66_rep_long(const Case *k)
{
    return k_op(k) == 0xe8 && k_pfx_after(k, 0x66, "\xf2\xf3") && k->len + 2 > 15;
}
static bool m_mmx_shift_mem(const Case *k)
{
    return k_in(k_op(k), 0x171, 0x173) && k->in->mod != 3;
}
static bool m_moffs66_rep(const Case *k)
{
    return k_in(k_op(k), 0xa0, 0xa3) && k_pfx_after(k, 0x66, "\xf2\xf3");
}

static const Known known_list[] = {
    /* capstone decodes the bytes; we raise #UD or name/size them differently */
    { "ud0-ud1-modrm", KNOWN_DIFF, m_ud_nomodrm,
      "capstone 4 decodes UD1 (0F B9, 'ud2b') and UD0 (0F FF) without a ModRM byte; the SDM "
      "gives both a ModRM (UD1 Gv,Ev; UD0 Gv,Ev), as our table does, so ours can also run "
      "past 15 bytes (#GP) where capstone's fits. #UD either way" },
    { "lock-then-rep", KNOWN_DIFF, m_lock_then_rep,
      "capstone bug: it keeps only the last of F0/F2/F3, so LOCK followed by REP/REPNE is "
      "forgotten and the instruction decodes; a CPU still sees LOCK and raises #UD" },
    { "lock-regdest", KNOWN_DIFF, m_lock_regdest,
      "capstone bug: it accepts LOCK on the register-destination ALU forms (02/03, 0A/0B, "
      "12/13, 22/23, 2A/2B, 32/33) and on NOP Ev (0F 1F); the destination is not memory or "
      "the instruction is not lockable, so a CPU raises #UD (SDM LOCK)" },
    { "vex", KNOWN_DIFF, m_vex,
      "C4/C5 with ModRM.mod = 3 is a VEX prefix (AVX, BMI) on later CPUs; on a Pentium II it is "
      "LES/LDS with a register operand: #UD. Lengths differ by design" },
    { "evex", KNOWN_DIFF, m_evex,
      "62 with ModRM.mod = 3 is an EVEX prefix (AVX-512) on later CPUs; on a Pentium II it "
      "is BOUND with a register operand: #UD. Lengths differ by design" },
    { "grp7-register-forms", KNOWN_DIFF, m_grp7_reg,
      "0F 01 with ModRM.mod = 3 encodes later instructions (VMX/SVM, MONITOR/MWAIT, "
      "XGETBV/XSETBV, CLAC/STAC, SWAPGS, RDTSCP, ENCLU, ...); SGDT/SIDT/LGDT/LIDT need "
      "memory, so a Pentium II raises #UD" },
    { "xop", KNOWN_DIFF, m_xop,
      "8F with ModRM.reg != 0 starts an AMD XOP instruction; a Pentium II has only POP Ev "
      "(8F /0) and raises #UD. Lengths differ by design" },
    { "padlock", KNOWN_DIFF, m_padlock,
      "0F A6/A7 are VIA PadLock (XSTORE, XCRYPT*, XSHA*, MONTMUL); #UD on a Pentium II, "
      "where our (bad) rows have no ModRM" },
    { "sse4a", KNOWN_DIFF, m_sse4a,
      "66/F2 0F 78/79 are AMD SSE4a EXTRQ/INSERTQ, with two immediate bytes; #UD on a "
      "Pentium II (our row: VMREAD/VMWRITE-shaped, ModRM only)" },
    { "3dnow-prefetch", KNOWN_DIFF, m_3dnow,
      "0F 0D/0E/0F are AMD PREFETCH/FEMMS/3DNow!; #UD on a Pentium II; lengths agree" },
    { "0f38-0f3a", KNOWN_DIFF, m_3byte,
      "0F 38 xx / 0F 3A xx are SSSE3/SSE4 three-byte maps; #UD on a Pentium II; lengths "
      "agree" },
    { "syscall-vmx-getsec", KNOWN_DIFF, m_syscall_vmx,
      "0F 05/07 SYSCALL/SYSRET (AMD K6 and later), 0F 37 GETSEC, 0F 78/79 VMREAD/VMWRITE; "
      "#UD on a Pentium II; lengths agree" },
    { "group-later-members", KNOWN_DIFF, m_grp_later,
      "group members a Pentium II lacks: C6/C7 /7 XABORT/XBEGIN (TSX), 0F C7 /3-/7 "
      "(XRSTORS, XSAVEC, XSAVES, VMPTRLD, RDRAND, RDSEED, ...), 0F 00 /6; #UD for us; "
      "lengths agree" },
    { "mmx-sse", KNOWN_DIFF, m_mmx_sse,
      "SSE/SSE2/SSE3 and other later encodings (0F 10-17, 28-2F, 50-5F, 6C/6D, 70, 78-7D, "
      "AE /2-/7, B8, C2-C6, the non-MMX rows of D0-FE): our F_UD rows decode their "
      "ModRM/immediate for the length and raise #UD; lengths agree" },
    { "mmx-sse-prefixed", KNOWN_DIFF, m_mmx_prefixed,
      "an MMX opcode with a 66, F2 or F3 prefix is an SSE/SSE2 instruction on xmm registers "
      "(MOVDQA, MOVDQU, MOVQ xmm, ...); a Pentium II lacks them: our MMX handlers raise #UD "
      "for those prefixes at run time; lengths agree" },
    { "x87-names", KNOWN_DIFF, m_x87_names,
      "x87 escapes D8-DF are one (x87) row per opcode byte until the FPU lands; capstone "
      "names the x87 instruction; lengths agree" },
    { "cwde-cdq-16bit", KNOWN_DIFF, m_cwde16,
      "capstone bug: in 16-bit mode it always names 98/99 CWDE/CDQ, whatever the operand "
      "size; lengths agree" },
    { "stale-size-name", KNOWN_DIFF, m_stale_size,
      "capstone bug: when a 66 (67 for JCXZ) prefix is followed by another prefix it names "
      "CBW/CWD/PUSHA/POPA/PUSHF/POPF/IRET/INS/OUTS/MOVS/CMPS/STOS/LODS/SCAS/JCXZ by the "
      "default size; lengths agree" },
    { "call-66-rep", KNOWN_DIFF, m_call66_rep,
      "capstone bug: for CALL rel (E8) a 66 prefix followed by F2/F3 is dropped, so it reads "
      "a rel of the default size (two bytes longer); a CPU uses the 66 operand size" },
    { "pause", KNOWN_DIFF, m_pause,
      "F3 90 is PAUSE (SSE2 era); to a Pentium II it is REP NOP, a NOP" },
    { "prefetch-hint", KNOWN_DIFF, m_prefetch,
      "0F 18 /0-/3 are PREFETCHNTA/T0/T1/T2 (Pentium III); hint NOPs (NOP Ev) to us" },
    { "tzcnt-lzcnt", KNOWN_DIFF, m_tzcnt,
      "F3 0F BC/BD are TZCNT/LZCNT (BMI1/ABM); a Pentium II ignores F3 and runs BSF/BSR" },
    { "endbr", KNOWN_DIFF, m_endbr,
      "F3 0F 1E FA/FB are ENDBR64/ENDBR32 (CET); hint NOPs (NOP Ev) to us" },

    /* capstone rejects the bytes; we decode a real instruction */
    { "sreg-6-7", KNOWN_CSINV, m_sreg67,
      "MOV to/from segment register 6 or 7: no such register; the decoder gives the length "
      "and op_mov_Ev_Sw/op_mov_Sw_Ew raise #UD at run time" },
    { "x87-reserved", KNOWN_CSINV, m_x87_reserved,
      "reserved x87 encodings (e.g. D9 /1 memory, D9 D1-D7, DB /4 and /6 memory, DD /5 "
      "memory); we decode the escape's length, the FPU decides (#UD or an alias)" },
    { "hint-nop-register", KNOWN_CSINV, m_hintnop_reg,
      "capstone rejects the register forms of the hint-NOP space 0F 18-1F; the SDM defines "
      "NOP Ev there for any ModRM (table A-3, Reserved-NOP)" },
    { "call-66-rep-15", KNOWN_CSINV, m_call66_rep_long,
      "the call-66-rep capstone bug above, where the two extra bytes it wants run past the "
      "15-byte string" },
    { "mmx-shift-imm-memory", KNOWN_CSINV, m_mmx_shift_mem,
      "0F 71/72/73 (MMX shifts by an immediate) with a memory ModRM: no such form; we "
      "decode the length and the handlers raise #UD at run time" },
    { "moffs-66-rep", KNOWN_CSINV, m_moffs66_rep,
      "capstone bug: MOV AL/eAX, moffs (A0-A3) with a 66 prefix followed by F2/F3 is "
      "rejected; a CPU ignores the REP prefix" },
};

#define KNOWN_COUNT ((int)(sizeof(known_list) / sizeof(known_list[0])))

#endif
