/*
 * x64_rig.h - what the x86-64 backend's unit tests share: one program run
 * on two rigs, `a` on the threaded backend (the reference) and `b` on the
 * x64 one, in 32-bit protected mode when asked, compared after each slice.
 */
#ifndef RINGSIDE_TEST_X64_RIG_H
#define RINGSIDE_TEST_X64_RIG_H

#include <stdbool.h>

#include "rig.h"
#include "cpu/segment.h"
#include "translate/x64.h"

static inline void rig_pair_init(Rig *a, Rig *b)
{
    rig_init(a);
    rig_init(b);
    assert_true(tc_set_backend(b->tc, BACKEND_X64, false));
}

static inline void rig_pair_free(Rig *a, Rig *b)
{
    rig_free(a);
    rig_free(b);
}

/* What the two backends must agree on after any slice: the registers,
 * EFLAGS, EIP and the retired count. */
static inline void rig_pair_same_cpu(const Rig *a, const Rig *b)
{
    assert_memory_equal(a->cpu.r, b->cpu.r, sizeof(a->cpu.r));
    assert_int_equal(a->cpu.eflags, b->cpu.eflags);
    assert_int_equal(a->cpu.eip, b->cpu.eip);
    assert_int_equal(a->cpu.icount, b->cpu.icount);
}

/* 32-bit protected mode without paging: CS, DS, ES, SS with base 0 and
 * D/B set; DS, ES, SS flat (4 GiB) or with base 0x40 and a 1 MiB limit
 * (not flat: the x64 backend's flat-segment shortcut must not be taken). */
static inline void rig_set_pm32(Rig *r, bool flat)
{
    Cpu *c = &r->cpu;
    c->cr0 |= X86_CR0_PE;
    for (int s = 0; s < 6; s++) {
        SegReg *sr = &c->seg[s];
        bool code = s == SEG_CS;
        sr->sel = code ? 0x08 : 0x10;
        sr->base = code || flat ? 0 : 0x40;
        sr->limit = code || flat ? 0xffffffffu : 0x000fffffu;
        sr->attr = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB | SEG_ATTR_G | (code ? 0xbu : 0x3u);
        seg_update_access(c, s);
    }
    cpu_update_mode(c);
}

/* A pair in 32-bit protected mode (rig_set_pm32) with prog at `at` and
 * EIP there; rs[] gets the two for the caller's own setup of each. */
static inline void rig_pair_pm32(Rig *a, Rig *b, Rig *rs[2], bool flat, uint32_t at, const uint8_t *prog,
                                 size_t n)
{
    rig_pair_init(a, b);
    rs[0] = a;
    rs[1] = b;
    for (int k = 0; k < 2; k++) {
        rig_set_pm32(rs[k], flat);
        rig_load(rs[k], at, prog, n);
    }
}

#endif
