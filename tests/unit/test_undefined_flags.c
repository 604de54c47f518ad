/*
 * test_undefined_flags.c - every row of docs/undefined-flags.md, checked by
 * running the handlers: the flags (and results) the SDM leaves undefined
 * must have the values that table promises. The differential tests against
 * the host CPU mask these flags, so this is what keeps them honest.
 *
 * Each case names its table row. The test reads the table and fails if a
 * row has no case or a case names no row. A few cases at the end (F rows)
 * check #DE and precise read-modify-write faults in the same handlers.
 *
 * The harness is a bare CPU on 1 MiB of RAM: instruction bytes go to
 * CODE, are decoded as 32-bit code, and the handler runs with EBX pointing
 * at a dword at DATA (real mode, or protected mode with a read-only DS).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/access.h"
#include "cpu/decode.h"
#include "cpu/segment.h"

#define CODE 0x1000u
#define DATA 0x2000u

#define CF X86_EFLAGS_CF
#define PF X86_EFLAGS_PF
#define AF X86_EFLAGS_AF
#define ZF X86_EFLAGS_ZF
#define SF X86_EFLAGS_SF
#define OF X86_EFLAGS_OF
#define ALL X86_EFLAGS_ARITH

typedef struct Case {
    const char *id; /* row of docs/undefined-flags.md, or F* (faults) */
    const char *what;
    const char *code;
    int len;
    uint32_t eax, ecx, edx;
    uint32_t mem;   /* dword at DATA (EBX = DATA) */
    uint32_t fl_in; /* arithmetic flags before */
    uint32_t mask;  /* flags checked after */
    uint32_t expect;
    int reg;        /* 1 + register to check, or 0 */
    uint32_t reg_val;
    int chk_mem;    /* check the dword at DATA equals mem_val */
    uint32_t mem_val;
    int fault;      /* 1 + expected vector, or 0 for none */
    int ro;         /* DS is a read-only data segment (protected mode) */
} Case;

#define C(s) .code = (s), .len = (int)sizeof(s) - 1
#define FL(m, e) .mask = (m), .expect = (e)
#define REG(n, v) .reg = (n) + 1, .reg_val = (v)
#define MEM(v) .chk_mem = 1, .mem_val = (v)
#define FAULT(v) .fault = (v) + 1

static const Case cases[] = {
    /* U1: logic ops clear AF */
    { "U1", "and eax, ecx", C("\x21\xc8"), .eax = 0xff, .ecx = 0x0f, .fl_in = ALL, FL(AF, 0) },
    { "U1", "or al, 0x10", C("\x0c\x10"), .eax = 0x01, .fl_in = AF, FL(AF, 0) },
    { "U1", "xor [ebx], eax", C("\x31\x03"), .eax = 0x18, .mem = 0x08, .fl_in = AF, FL(AF, 0) },
    { "U1", "test ax, ax", C("\x66\x85\xc0"), .eax = 0x8, .fl_in = ALL, FL(AF, 0) },
    { "U1", "test byte [ebx], 1", C("\xf6\x03\x01"), .mem = 0xff, .fl_in = AF, FL(AF, 0) },
    /* U2, U3: one-operand MUL/IMUL: SZP from the low half, AF = 0 */
    { "U2", "mul cl: AX = 0x0100", C("\xf6\xe1"), .eax = 0x10, .ecx = 0x10, .fl_in = SF, FL(SF | ZF | PF, ZF | PF) },
    { "U2", "mul ecx: low half 0x80000000", C("\xf7\xe1"), .eax = 0x80000000u, .ecx = 3, .fl_in = ZF, FL(SF | ZF | PF, SF | PF) },
    { "U2", "imul cx: AX = 0xff7f", C("\x66\xf7\xe9"), .eax = 0xffff, .ecx = 0x81, FL(SF | ZF | PF, SF) },
    { "U2", "imul byte [ebx]: AX = 0x0080", C("\xf6\x2b"), .eax = 2, .mem = 0x40, .fl_in = ZF | PF, FL(SF | ZF | PF, SF) },
    { "U3", "mul cl", C("\xf6\xe1"), .eax = 0x0f, .ecx = 0x0f, .fl_in = AF, FL(AF, 0) },
    { "U3", "imul ecx", C("\xf7\xe9"), .eax = 0x12345, .ecx = 0x6789, .fl_in = ALL, FL(AF, 0) },
    /* U4, U5: two- and three-operand IMUL */
    { "U4", "imul eax, ecx: 2^32 truncates to 0", C("\x0f\xaf\xc1"), .eax = 0x10000, .ecx = 0x10000, .fl_in = SF, FL(SF | ZF | PF, ZF | PF) },
    { "U4", "imul ax, cx, 0x100", C("\x66\x69\xc1\x00\x01"), .ecx = 0x80, FL(SF | ZF | PF, SF | PF) },
    { "U4", "imul eax, [ebx], -1", C("\x6b\x03\xff"), .mem = 0x80000000u, .fl_in = ZF, FL(SF | ZF | PF, SF | PF) },
    { "U5", "imul eax, ecx", C("\x0f\xaf\xc1"), .eax = 7, .ecx = 9, .fl_in = AF, FL(AF, 0) },
    { "U5", "imul ax, [ebx], 3", C("\x66\x6b\x03\x03"), .mem = 0x7fff, .fl_in = AF, FL(AF, 0) },
    /* U6: DIV/IDIV leave the arithmetic flags */
    { "U6", "div ecx", C("\xf7\xf1"), .eax = 100, .ecx = 7, .fl_in = ALL, FL(ALL, ALL), REG(R_EAX, 14) },
    { "U6", "idiv cl", C("\xf6\xf9"), .eax = 0xfff6, .ecx = 3, .fl_in = 0, FL(ALL, 0), REG(R_EAX, 0xfffd) },
    { "U6", "div word [ebx]", C("\x66\xf7\x33"), .eax = 1000, .mem = 10, .fl_in = CF | ZF, FL(ALL, CF | ZF) },
    /* U7: DAA/DAS OF = 0 */
    { "U7", "daa: 0x7a -> 0x80", C("\x27"), .eax = 0x7a, .fl_in = 0, FL(OF, 0), REG(R_EAX, 0x80) },
    { "U7", "daa", C("\x27"), .eax = 0x0a, .fl_in = OF, FL(OF, 0) },
    { "U7", "das: 0x80 -> 0x7a", C("\x2f"), .eax = 0x80, .fl_in = AF | OF, FL(OF, 0), REG(R_EAX, 0x7a) },
    /* U8, U9: AAA/AAS: OF = 0, SZP from the final AL */
    { "U8", "aaa", C("\x37"), .eax = 0x0a, .fl_in = OF, FL(OF, 0) },
    { "U8", "aas", C("\x3f"), .eax = 0x0b, .fl_in = OF, FL(OF, 0) },
    { "U9", "aaa: AX 0x000a -> 0x0100", C("\x37"), .eax = 0x000a, .fl_in = SF, FL(SF | ZF | PF, ZF | PF), REG(R_EAX, 0x0100) },
    { "U9", "aas: AX 0x0205 -> 0x000f", C("\x3f"), .eax = 0x0205, .fl_in = AF | ZF, FL(SF | ZF | PF, PF), REG(R_EAX, 0x000f) },
    { "U9", "aaa, no adjustment: AL 0x85 -> 0x05", C("\x37"), .eax = 0x85, .fl_in = SF | ZF, FL(SF | ZF | PF, PF), REG(R_EAX, 0x05) },
    /* U10: AAM */
    { "U10", "aam", C("\xd4\x0a"), .eax = 0x63, .fl_in = ALL, FL(OF | AF | CF, 0), REG(R_EAX, 0x0909) },
    { "U10", "aam 16", C("\xd4\x10"), .eax = 0xff, .fl_in = OF | AF | CF, FL(OF | AF | CF, 0), REG(R_EAX, 0x0f0f) },
    /* U11: AAD flags as ADD AL, AH * imm8 */
    { "U11", "aad: 9 + 90, AF", C("\xd5\x0a"), .eax = 0x0909, .fl_in = OF | CF, FL(OF | AF | CF, AF), REG(R_EAX, 0x63) },
    { "U11", "aad: 80 + 120, OF", C("\xd5\x0a"), .eax = 0x0c50, .fl_in = AF | CF, FL(OF | AF | CF, OF), REG(R_EAX, 0xc8) },
    { "U11", "aad: 240 + 54, CF", C("\xd5\x0a"), .eax = 0x1ff0, .fl_in = OF | AF, FL(OF | AF | CF, CF), REG(R_EAX, 0x26) },
    /* U12: shifts clear AF */
    { "U12", "shl eax, 1", C("\xd1\xe0"), .eax = 8, .fl_in = AF, FL(AF, 0) },
    { "U12", "shr al, cl", C("\xd2\xe8"), .eax = 0xff, .ecx = 3, .fl_in = AF, FL(AF, 0) },
    { "U12", "sar word [ebx], 5", C("\x66\xc1\x3b\x05"), .mem = 0x8000, .fl_in = AF, FL(AF, 0) },
    /* U13-U15: OF of SHL/SHR/SAR by more than 1 */
    { "U13", "shl eax, 2: r = 0x80000000, CF = 0", C("\xc1\xe0\x02"), .eax = 0x20000000, FL(OF | CF, OF) },
    { "U13", "shl al, 3: r = 0x88, CF = 1", C("\xc0\xe0\x03"), .eax = 0x31, .fl_in = OF, FL(OF | CF, CF) },
    { "U14", "shr eax, 2", C("\xc1\xe8\x02"), .eax = 0x80000000u, .fl_in = OF, FL(OF, 0) },
    { "U14", "shr ax, cl (5)", C("\x66\xd3\xe8"), .eax = 0xffff, .ecx = 5, .fl_in = OF, FL(OF, 0) },
    { "U15", "sar al, 3", C("\xc0\xf8\x03"), .eax = 0x80, .fl_in = OF, FL(OF, 0) },
    { "U15", "sar dword [ebx], cl (31)", C("\xd3\x3b"), .ecx = 31, .mem = 0x40000000, .fl_in = OF, FL(OF, 0) },
    /* U16, U17: CF of 8/16-bit SHL/SHR by the width or more */
    { "U16", "shl al, 8", C("\xc0\xe0\x08"), .eax = 0x01, FL(CF, CF), REG(R_EAX, 0) },
    { "U16", "shl al, 9", C("\xc0\xe0\x09"), .eax = 0xff, .fl_in = CF, FL(CF, 0) },
    { "U16", "shl ax, 16", C("\x66\xc1\xe0\x10"), .eax = 0x0001, FL(CF, CF) },
    { "U16", "shl ax, cl (20)", C("\x66\xd3\xe0"), .eax = 0xffff, .ecx = 20, .fl_in = CF, FL(CF, 0) },
    { "U17", "shr al, 8", C("\xc0\xe8\x08"), .eax = 0x80, FL(CF, CF), REG(R_EAX, 0) },
    { "U17", "shr byte [ebx], cl (12)", C("\xd2\x2b"), .ecx = 12, .mem = 0xff, .fl_in = CF, FL(CF, 0) },
    { "U17", "shr ax, 16", C("\x66\xc1\xe8\x10"), .eax = 0x8000, FL(CF, CF) },
    { "U17", "shr ax, 17", C("\x66\xc1\xe8\x11"), .eax = 0xffff, .fl_in = CF, FL(CF, 0) },
    /* U18, U19: ROL/ROR OF, also for multiples of the width */
    { "U18", "rol al, 4: 0x08 -> 0x80", C("\xc0\xc0\x04"), .eax = 0x08, FL(CF | OF, OF) },
    { "U18", "rol al, 8", C("\xc0\xc0\x08"), .eax = 0x01, FL(CF | OF, CF | OF), REG(R_EAX, 0x01) },
    { "U18", "rol ax, 16", C("\x66\xc1\xc0\x10"), .eax = 0x8000, .fl_in = CF, FL(CF | OF, OF) },
    { "U19", "ror eax, 4: 8 -> 0x80000000", C("\xc1\xc8\x04"), .eax = 0x8, FL(CF | OF, CF | OF) },
    { "U19", "ror al, 8", C("\xc0\xc8\x08"), .eax = 0x40, .fl_in = CF, FL(CF | OF, OF) },
    /* U20-U22: RCL/RCR */
    { "U20", "rcl al, 2: CF:0x40 -> 1:0x00", C("\xc0\xd0\x02"), .eax = 0x40, FL(CF | OF, CF | OF), REG(R_EAX, 0) },
    { "U20", "rcl eax, 3 with CF", C("\xc1\xd0\x03"), .eax = 0x10000000, .fl_in = CF, FL(CF | OF, OF), REG(R_EAX, 0x80000004u) },
    { "U21", "rcr al, 2 with CF: 0x02 -> 0x40", C("\xc0\xd8\x02"), .eax = 0x02, .fl_in = CF, FL(CF | OF, CF | OF), REG(R_EAX, 0x40) },
    { "U21", "rcr word [ebx], 3: 0x0002 -> 0x8000", C("\x66\xc1\x1b\x03"), .mem = 0x0002, FL(CF | OF, OF), MEM(0x8000) },
    { "U22", "rcl al, 9", C("\xc0\xd0\x09"), .eax = 0x81, .fl_in = CF | OF, FL(CF | OF, CF | OF), REG(R_EAX, 0x81) },
    { "U22", "rcl al, 9", C("\xc0\xd0\x09"), .eax = 0x81, .fl_in = 0, FL(CF | OF, 0), REG(R_EAX, 0x81) },
    { "U22", "rcr al, cl (27)", C("\xd2\xd8"), .eax = 0x7f, .ecx = 27, .fl_in = OF, FL(CF | OF, OF) },
    { "U22", "rcr ax, 17", C("\x66\xc1\xd8\x11"), .eax = 0x1234, .fl_in = CF, FL(CF | OF, CF), REG(R_EAX, 0x1234) },
    /* U23-U26: SHLD/SHRD */
    { "U23", "shld eax, ecx, 4", C("\x0f\xa4\xc8\x04"), .eax = 0x0f0f0f0f, .ecx = 0xf0000000u, .fl_in = AF, FL(AF, 0) },
    { "U23", "shrd word [ebx], cx, cl", C("\x66\x0f\xad\x0b"), .ecx = 3, .mem = 0xffff, .fl_in = AF, FL(AF, 0) },
    { "U24", "shld eax, ecx, 2", C("\x0f\xa4\xc8\x02"), .eax = 0x20000000, .ecx = 0, FL(OF | CF, OF), REG(R_EAX, 0x80000000u) },
    { "U24", "shld ax, cx, 3", C("\x66\x0f\xa4\xc8\x03"), .eax = 0x3000, .ecx = 0, .fl_in = OF, FL(OF | CF, CF) },
    { "U25", "shrd eax, ecx, 2", C("\x0f\xac\xc8\x02"), .eax = 0x4, .ecx = 0x2, FL(OF | CF, OF), REG(R_EAX, 0x80000001u) },
    { "U25", "shrd eax, ecx, 4", C("\x0f\xac\xc8\x04"), .eax = 0x0, .ecx = 0xf, .fl_in = OF, FL(OF | CF, 0), REG(R_EAX, 0xf0000000u) },
    { "U26", "shld ax, cx, 20", C("\x66\x0f\xa4\xc8\x14"), .eax = 0x1234, .ecx = 0xabcd, .fl_in = AF | ZF | CF, FL(ALL, SF | PF | OF) },
    { "U26", "shrd ax, cx, 20", C("\x66\x0f\xac\xc8\x14"), .eax = 0x1234, .ecx = 0xabcd, .fl_in = AF | SF | PF, FL(ALL, CF | OF) },
    { "U26", "shld ax, cx, cl (31)", C("\x66\x0f\xa5\xc8"), .eax = 0x8001, .ecx = 0x001f, FL(ALL, CF | SF | PF), REG(R_EAX, 0xc000) },
    /* U27: BT* leave OF, SF, AF, PF */
    { "U27", "bt eax, ecx", C("\x0f\xa3\xc8"), .eax = 1, .ecx = 0, .fl_in = OF | SF | AF | PF, FL(OF | SF | AF | PF | CF, OF | SF | AF | PF | CF) },
    { "U27", "bts [ebx], ecx", C("\x0f\xab\x0b"), .ecx = 33, .fl_in = CF, FL(OF | SF | AF | PF | CF, 0) },
    { "U27", "btc ax, 15", C("\x66\x0f\xba\xf8\x0f"), .eax = 0x8000, .fl_in = SF | PF, FL(OF | SF | AF | PF | CF, SF | PF | CF), REG(R_EAX, 0) },
    /* U28, U29: BSF/BSR */
    { "U28", "bsf eax, ecx: index 7", C("\x0f\xbc\xc1"), .ecx = 0x80, .fl_in = ALL, FL(ALL, 0), REG(R_EAX, 7) },
    { "U28", "bsr eax, ecx: index 3", C("\x0f\xbd\xc1"), .ecx = 0xf, .fl_in = CF | OF | SF | AF | ZF, FL(ALL, PF), REG(R_EAX, 3) },
    { "U28", "bsr ax, [ebx]: index 15", C("\x66\x0f\xbd\x03"), .mem = 0x8000, .fl_in = ALL, FL(ALL, PF) },
    { "U29", "bsf eax, ecx: source 0", C("\x0f\xbc\xc1"), .ecx = 0, .fl_in = CF | OF | SF | AF | PF, FL(ALL, ALL) },
    { "U29", "bsr eax, ecx: source 0", C("\x0f\xbd\xc1"), .ecx = 0, .fl_in = 0, FL(ALL, ZF) },
    /* R1-R4: undefined results */
    { "R1", "bsf eax, ecx: source 0", C("\x0f\xbc\xc1"), .eax = 0x12345678, .ecx = 0, FL(ZF, ZF), REG(R_EAX, 0x12345678) },
    { "R1", "bsr ax, cx: source 0", C("\x66\x0f\xbd\xc1"), .eax = 0x12345678, .ecx = 0xffff0000u, FL(ZF, ZF), REG(R_EAX, 0x12345678) },
    { "R2", "bswap ax", C("\x66\x0f\xc8"), .eax = 0x12345678, REG(R_EAX, 0x12340000) },
    { "R2", "bswap eax (defined)", C("\x0f\xc8"), .eax = 0x12345678, REG(R_EAX, 0x78563412) },
    { "R3", "shld ax, cx, 20", C("\x66\x0f\xa4\xc8\x14"), .eax = 0x55551234, .ecx = 0xabcd, REG(R_EAX, 0x5555bcd1) },
    { "R3", "shrd ax, cx, 20", C("\x66\x0f\xac\xc8\x14"), .eax = 0x55551234, .ecx = 0xabcd, REG(R_EAX, 0x55554abc) },
    { "R3", "shrd word [ebx], cx, 24", C("\x66\x0f\xac\x0b\x18"), .ecx = 0xabcd, .mem = 0x99991234, MEM(0x999934ab) },
    { "R4", "shl dword [ebx], cl (0), read-only DS", C("\xd3\x23"), .ecx = 0, .mem = 5, .fl_in = ALL, FL(ALL, ALL), MEM(5), .ro = 1 },
    { "R4", "rcl byte [ebx], 32, read-only DS", C("\xc0\x13\x20"), .mem = 5, .fl_in = 0, FL(ALL, 0), MEM(5), .ro = 1 },
    { "R4", "shld [ebx], eax, 0, read-only DS", C("\x0f\xa4\x03\x00"), .eax = 1, .mem = 5, MEM(5), .ro = 1 },

    /* F: faults leave everything as it was */
    { "F", "div ecx by 0", C("\xf7\xf1"), .eax = 1, .edx = 2, .fl_in = CF, FL(ALL, CF), REG(R_EAX, 1), FAULT(X86_TRAP_DE) },
    { "F", "div word [ebx]: quotient 0x10000", C("\x66\xf7\x33"), .eax = 0, .edx = 1, .mem = 1, REG(R_EAX, 0), FAULT(X86_TRAP_DE) },
    { "F", "idiv cl: -128 / -1", C("\xf6\xf9"), .eax = 0xff80, .ecx = 0xff, REG(R_EAX, 0xff80), FAULT(X86_TRAP_DE) },
    { "F", "idiv cl: -256 / 2 = -128 fits", C("\xf6\xf9"), .eax = 0xff00, .ecx = 2, REG(R_EAX, 0x0080) },
    { "F", "idiv ecx: INT_MIN / -1", C("\xf7\xf9"), .eax = 0x80000000u, .edx = 0xffffffffu, .ecx = 0xffffffffu, REG(R_EAX, 0x80000000u), FAULT(X86_TRAP_DE) },
    { "F", "idiv ecx: INT64_MIN / -1", C("\xf7\xf9"), .eax = 0, .edx = 0x80000000u, .ecx = 0xffffffffu, REG(R_EDX, 0x80000000u), FAULT(X86_TRAP_DE) },
    { "F", "idiv ecx: -7 / 2", C("\xf7\xf9"), .eax = 0xfffffff9u, .edx = 0xffffffffu, .ecx = 2, REG(R_EDX, 0xffffffffu) },
    { "F", "aam 0", C("\xd4\x00"), .eax = 0x63, REG(R_EAX, 0x63), FAULT(X86_TRAP_DE) },
    { "F", "add [ebx], eax, read-only DS", C("\x01\x03"), .eax = 1, .mem = 0xffffffffu, .fl_in = 0, FL(ALL, 0), MEM(0xffffffffu), FAULT(X86_TRAP_GP), .ro = 1 },
    { "F", "add eax, [ebx], read-only DS (reads only)", C("\x03\x03"), .eax = 1, .mem = 0xffffffffu, FL(ZF | CF, ZF | CF), REG(R_EAX, 0), .ro = 1 },
    { "F", "shl dword [ebx], 1, read-only DS", C("\xd1\x23"), .mem = 0x80000000u, .fl_in = 0, FL(ALL, 0), MEM(0x80000000u), FAULT(X86_TRAP_GP), .ro = 1 },
    { "F", "btr [ebx], eax, read-only DS", C("\x0f\xb3\x03"), .eax = 0, .mem = 1, .fl_in = 0, FL(CF, 0), MEM(1), FAULT(X86_TRAP_GP), .ro = 1 },
    { "F", "neg byte [ebx], read-only DS", C("\xf6\x1b"), .mem = 1, .fl_in = 0, FL(ALL, 0), MEM(1), FAULT(X86_TRAP_GP), .ro = 1 },
    { "F", "cmp [ebx], eax, read-only DS", C("\x39\x03"), .eax = 1, .mem = 1, FL(ZF, ZF), MEM(1), .ro = 1 },
};

static PhysMem *mem;
static Cpu cpu;

/* Run one case; returns the vector raised, or -1. */
static int run(const Case *k)
{
    Cpu *c = &cpu;
    cpu_reset(c);
    memset(c->r, 0, sizeof(c->r));
    c->r[R_EAX] = k->eax;
    c->r[R_ECX] = k->ecx;
    c->r[R_EDX] = k->edx;
    c->r[R_EBX] = DATA;
    c->eflags = X86_EFLAGS_FIXED | (k->fl_in & ALL);
    if (k->ro) {
        c->cr0 |= X86_CR0_PE;
        c->seg[SEG_DS] = (SegReg){ .sel = 0x10, .attr = 0x91, .base = 0, .limit = 0xffff };
        seg_update_access(c, SEG_DS);
    }
    memset(mem->ram + DATA - 16, 0, 32);
    memcpy(mem->ram + DATA, &k->mem, 4);
    memcpy(mem->ram + CODE, k->code, (size_t)k->len);

    Insn in;
    int n = x86_decode(mem->ram + CODE, k->len, true, &in);
    if (n != k->len) {
        printf("  decode gave length %d, expected %d\n", n, k->len);
        return -2;
    }
    c->insn_eip = CODE;
    c->eip = CODE + (uint32_t)n;
    jmp_buf jb;
    c->fault_jmp = &jb;
    if (setjmp(jb))
        return c->exc_vector;
    in.fn(c, &in);
    return -1;
}

static int check(const Case *k)
{
    uint32_t saved[9];
    int vec = run(k);
    int ok = 1;
    if (vec == -2)
        return 0;
    memcpy(saved, cpu.r, sizeof(saved));
    int want = k->fault ? k->fault - 1 : -1;
    if (vec != want) {
        printf("  exception %d, expected %d\n", vec, want);
        ok = 0;
    }
    if (k->fault && cpu.eip != CODE) {
        printf("  EIP %08x after the fault, expected %08x\n", cpu.eip, CODE);
        ok = 0;
    }
    uint32_t got = cpu.eflags & k->mask;
    if (got != k->expect) {
        printf("  flags %03x under mask %03x, expected %03x\n", got, k->mask, k->expect);
        ok = 0;
    }
    if (k->reg && saved[k->reg - 1] != k->reg_val) {
        printf("  r%d = %08x, expected %08x\n", k->reg - 1, saved[k->reg - 1], k->reg_val);
        ok = 0;
    }
    uint32_t m;
    memcpy(&m, mem->ram + DATA, 4);
    if (k->chk_mem && m != k->mem_val) {
        printf("  [DATA] = %08x, expected %08x\n", m, k->mem_val);
        ok = 0;
    }
    if (k->fault && (saved[R_EAX] != k->eax || saved[R_ECX] != k->ecx || saved[R_EDX] != k->edx ||
                     (cpu.eflags & ALL) != (k->fl_in & ALL))) {
        printf("  registers or flags changed by a faulting instruction\n");
        ok = 0;
    }
    return ok;
}

/* The table's row IDs: lines "| U12 | ..." and "| R3 | ...". */
static int doc_ids(char ids[][8], int max)
{
    static const char suffix[] = "tests/unit/test_undefined_flags.c";
    char path[1024];
    const char *f = __FILE__;
    size_t fl = strlen(f), sl = strlen(suffix);
    if (fl < sl || strcmp(f + fl - sl, suffix) != 0 || fl - sl + 32 > sizeof(path))
        return -1;
    snprintf(path, sizeof(path), "%.*sdocs/undefined-flags.md", (int)(fl - sl), f);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("cannot open %s\n", path);
        return -1;
    }
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), fp) && n < max) {
        char id[8];
        if (sscanf(line, "| %7[UR0-9] |", id) == 1 && (id[0] == 'U' || id[0] == 'R') && id[1])
            strcpy(ids[n++], id);
    }
    fclose(fp);
    return n;
}

int main(void)
{
    const char *err;
    mem = mem_create(1u << 20, &err);
    if (!mem) {
        printf("mem_create: %s\n", err);
        return 1;
    }
    cpu_init(&cpu, mem);

    int passed = 0, failed = 0;
    size_t ncases = sizeof(cases) / sizeof(cases[0]);
    for (size_t i = 0; i < ncases; i++) {
        const Case *k = &cases[i];
        char label[96];
        snprintf(label, sizeof(label), "%-4s %s", k->id, k->what);
        int ok = check(k);
        printf("%s: %s\n", ok ? "ok  " : "FAIL", label);
        ok ? passed++ : failed++;
    }

    /* The table and the cases agree row for row. */
    char ids[128][8];
    int nids = doc_ids(ids, 128);
    if (nids <= 0) {
        printf("FAIL: no rows read from docs/undefined-flags.md\n");
        failed++;
    } else {
        for (int j = 0; j < nids; j++) {
            int found = 0;
            for (size_t i = 0; i < ncases; i++)
                found |= !strcmp(cases[i].id, ids[j]);
            if (!found) {
                printf("FAIL: table row %s has no test case\n", ids[j]);
                failed++;
            }
        }
        for (size_t i = 0; i < ncases; i++) {
            if (cases[i].id[0] == 'F')
                continue;
            int found = 0;
            for (int j = 0; j < nids; j++)
                found |= !strcmp(cases[i].id, ids[j]);
            if (!found) {
                printf("FAIL: case %s names no table row\n", cases[i].id);
                failed++;
            }
        }
        printf("%d table rows cross-checked\n", nids);
    }

    mem_destroy(mem);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
