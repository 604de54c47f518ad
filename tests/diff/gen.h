/*
 * gen.h - the differential test's sequence generator and runner, shared by
 * the native program (diff_native, a hosted 32-bit Linux program) and the
 * guest ROM (diff.rom, a freestanding flat 32-bit program run by ringside).
 *
 * Both sides build exactly the same sequences from the same seed, run them
 * on their CPU and print one line per sequence; run-diff.sh compares the two
 * outputs. See run-diff.sh for the line format and the comparison.
 */
#ifndef DIFF_GEN_H
#define DIFF_GEN_H

#include <stdint.h>

/* The scratch buffer the sequences address through the base register. It is
 * aligned to 64 bytes on both sides, so LOCKed accesses split a cache line
 * (and are avoided) at the same offsets. */
#define DIFF_BUF_SIZE 512
#define DIFF_BUF_BASE 256 /* the base register points here */
#define DIFF_CODE_SIZE 4096
#define DIFF_MAX_NOTES 96

/* Registers in the hardware's order: EAX ECX EDX EBX ESP EBP ESI EDI. The
 * offsets of the fields are known to runner.S. */
typedef struct SeqState {
    uint32_t r[8];      /* in and out (r[4], ESP, only out: unused) */
    uint32_t eflags;    /* in and out */
    uint32_t esp_delta; /* out: ESP after the sequence minus before */
    uint32_t fault;     /* out: 0, or the exception vector + 1; then the
                           registers, EFLAGS and ESP are those at the fault */
    uint32_t fault_eip; /* out: EIP the exception reports */
    uint32_t fault_err; /* out: its error code (0 if it has none) */
} SeqState;

/* What the generator emitted, for the names list and the dump. */
typedef struct SeqInfo {
    unsigned n;
    const char *name[DIFF_MAX_NOTES]; /* mnemonic of each template's main instruction */
    uint8_t width[DIFF_MAX_NOTES];    /* its operand width, 0 if none */
    uint16_t off[DIFF_MAX_NOTES];     /* its offset in the code (after its setup) */
    uint16_t start[DIFF_MAX_NOTES];   /* offset of the template's first byte */
} SeqInfo;

typedef struct DiffParams {
    uint32_t seed_lo, seed_hi;
    uint32_t first, count;
} DiffParams;

typedef struct Seq {
    SeqState st;        /* the initial state (the base register included) */
    unsigned len;       /* code bytes */
    int base;           /* the base register */
    uint32_t base_addr; /* its value: the scratch buffer + DIFF_BUF_BASE */
    uint32_t mask;      /* the arithmetic flags defined at the end, or at
                           the fault if the sequence ends in one */
    uint32_t gen_hash;  /* code, initial registers (base excluded) and flags */
} Seq;

/* Build sequence `n`: its initial state in s, its code in code, the initial
 * contents of the scratch buffer in scratch (whose address is scratch_addr). */
void diff_build(const DiffParams *p, uint32_t n, Seq *s, uint8_t *code, uint8_t *scratch,
                uint32_t scratch_addr, SeqInfo *info);

/* Run sequences p->first .. p->first + p->count - 1, printing one line each. */
void diff_run(const DiffParams *p);

/* Formatting helpers, usable by both sides. */
char *diff_put_hex(char *o, uint32_t v, int digits);
char *diff_put_dec(char *o, uint32_t v);
char *diff_put_str(char *o, const char *s);

/* runner.S: load st's registers and flags, call code, store them back.
 * Returns 0, or 1 when the sequence faulted (guest only: the IDT's
 * handlers come back here through rs_fault). */
int run_seq(SeqState *st, void *code);

/* Provided by each side. */
void plat_write(const char *s, unsigned n);
int plat_exec(SeqState *st, uint8_t *code);
extern uint8_t *plat_code;    /* DIFF_CODE_SIZE bytes, writable and executable */
extern uint8_t *plat_scratch; /* DIFF_BUF_SIZE bytes, 64-byte aligned */
extern uint16_t plat_cs;       /* the code segment selector (far transfers) */

#endif
