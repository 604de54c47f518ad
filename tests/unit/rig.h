/*
 * rig.h - a tiny machine for unit tests that run the real dispatcher: 2 MiB
 * of RAM, a CPU in real mode with CS = 0 and a stack at 0:8000, and the
 * code cache. Header-only; include it from one test file.
 */
#ifndef RINGSIDE_TEST_RIG_H
#define RINGSIDE_TEST_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/access.h"
#include "translate/translate.h"

typedef struct Rig {
    PhysMem *mem;
    Cpu cpu;
    TCache *tc;
    int acks; /* interrupt acknowledgements, for tests that count them */
} Rig;

static inline void rig_init(Rig *r)
{
    const char *err;
    memset(r, 0, sizeof(*r));
    r->mem = mem_create(2u << 20, &err);
    assert_non_null(r->mem);
    cpu_init(&r->cpu, r->mem);
    r->tc = tc_create(&r->cpu);
    assert_non_null(r->tc);
    r->cpu.seg[SEG_CS].sel = 0;
    r->cpu.seg[SEG_CS].base = 0;
    r->cpu.r[R_ESP] = 0x8000;
}

static inline void rig_free(Rig *r)
{
    tc_destroy(r->tc);
    mem_destroy(r->mem);
}

/* Copy code to addr and point CS:IP at it. */
/* cmocka fixtures for tests that need the plain rig. */
static inline int rig_fixture_setup(void **state)
{
    static Rig rig;
    rig_init(&rig);
    *state = &rig;
    return 0;
}

static inline int rig_fixture_teardown(void **state)
{
    rig_free(*state);
    return 0;
}

static inline void rig_load(Rig *r, uint32_t addr, const uint8_t *code, size_t n)
{
    memcpy(r->mem->ram + addr, code, n);
    r->cpu.eip = addr;
}

/* Run exactly n instructions. */
static inline void rig_run(Rig *r, uint64_t n)
{
    r->cpu.deadline = r->cpu.icount + n;
    int why = cpu_exec(&r->cpu);
    assert_int_equal(why, EXIT_NONE);
    assert_int_equal(r->cpu.icount, r->cpu.deadline);
}

#endif
