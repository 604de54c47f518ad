/*
 * fpugen.h - the x87 differential test's shared core (fpugen.c), compiled
 * twice: into fpudiff_native (gcc -m32, hosted, the host's x87 unit) and
 * into fpudiff.rom (freestanding, flat 32-bit, run inside ringside). Both
 * sides draw the same operations from the same PRNG and print the same
 * lines; only the x87 that executes them differs.
 */
#ifndef FPUGEN_H
#define FPUGEN_H

#include <stdint.h>

#define FPU_BATCH 16 /* operations per output line */

typedef struct FpuParams {
    uint32_t seed;
    uint32_t first; /* first batch */
    uint32_t count; /* batches */
    uint32_t trans; /* 1: include the transcendentals (off by default) */
    uint32_t detail; /* 1: one line per operation instead of per batch */
    uint32_t nlist; /* nonzero: run the batches list[0..nlist-1] instead */
    const uint32_t *list;
} FpuParams;

/* Provided by each side. */
void plat_write(const char *s, unsigned n);

/* Runs the batches (first..first+count-1, or the list); prints "B h=HASH" per batch (or per-operation detail
 * lines "B.K name ...") and then "end". */
void fpu_run(const FpuParams *p);

/* Small formatting helpers for the freestanding side. */
char *fpu_put_str(char *o, const char *s);
char *fpu_put_hex(char *o, uint32_t v, int digits);
char *fpu_put_dec(char *o, uint32_t v);

#endif
