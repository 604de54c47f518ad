/*
 * trace.h - the -d trace flags.
 */
#ifndef RINGSIDE_TRACE_H
#define RINGSIDE_TRACE_H

#include <capstone/capstone.h>
#include <stdio.h>

#include "translate/translate.h"

typedef struct Tracer {
    FILE *out;
    bool own_out;
    bool in_asm, exec, ints, cpl;
    bool tlb; /* -d tlb: the shadow-table counters at exit */
    bool pending; /* an interrupt line waits for its destination */
    csh cs[2]; /* 16-bit, 32-bit */
    bool cs_open;
    uint64_t int_counts[256];
} Tracer;

bool tracer_init(Tracer *t, const char *flags, const char *file, Cpu *c, TCache *tc, const char **err);
void tracer_finish(Tracer *t);

#endif
