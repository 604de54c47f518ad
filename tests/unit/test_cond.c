/*
 * test_cond.c - cpu_cond (cpu/access.h), the condition test of
 * Jcc, SETcc, CMOVcc and FCMOVcc, against the SDM's definitions (vol. 1,
 * appendix B, table B-1) for every combination of CF, PF, ZF, SF and OF,
 * with the other EFLAGS bits (AF, DF, IF, TF and the fixed bit) set or
 * clear, which must not matter.
 */
#include <stdio.h>
#include <string.h>

#include "cpu/access.h"

/* Table B-1, written the way the SDM states each condition. */
static bool sdm_cond(int cc, bool cf, bool pf, bool zf, bool sf, bool of)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;                    /* O / NO */
    case 1: r = cf; break;                    /* B / AE */
    case 2: r = zf; break;                    /* E / NE */
    case 3: r = cf || zf; break;              /* BE / A */
    case 4: r = sf; break;                    /* S / NS */
    case 5: r = pf; break;                    /* P / NP */
    case 6: r = sf != of; break;              /* L / GE */
    default: r = zf || (sf != of); break;     /* LE / G */
    }
    return (cc & 1) ? !r : r;
}

int main(void)
{
    static Cpu c;
    int failed = 0, passed = 0;
    static const uint32_t others[] = {
        X86_EFLAGS_FIXED,
        X86_EFLAGS_FIXED | X86_EFLAGS_AF | X86_EFLAGS_DF | X86_EFLAGS_IF | X86_EFLAGS_TF,
        0xffffffffu & ~(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF),
    };
    for (int cc = 0; cc < 16; cc++) {
        for (int i = 0; i < 32; i++) {
            bool cf = i & 1, pf = i & 2, zf = i & 4, sf = i & 8, of = i & 16;
            for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
                c.eflags = others[k] | (cf ? X86_EFLAGS_CF : 0) | (pf ? X86_EFLAGS_PF : 0) |
                           (zf ? X86_EFLAGS_ZF : 0) | (sf ? X86_EFLAGS_SF : 0) | (of ? X86_EFLAGS_OF : 0);
                bool want = sdm_cond(cc, cf, pf, zf, sf, of);
                if (cpu_cond(&c, cc) != want) {
                    printf("FAIL: cc %x with EFLAGS %08x: got %d, want %d\n", cc, c.eflags, !want, want);
                    failed++;
                } else {
                    passed++;
                }
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
