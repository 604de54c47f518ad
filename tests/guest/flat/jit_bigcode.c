/*
 * jit_bigcode.c - far more distinct code than a small code cache holds
 * (issue 7, "Done means" 5: the code cache's memory use is bounded and a
 * run that executes much more code than it holds still works).
 *
 * Each round writes NFUNC different functions into RAM (a few to a couple
 * of dozen arithmetic instructions each, some with a conditional branch
 * inside, so three or four blocks per function), calls every one twice
 * and checks each result against the same operations interpreted in C.
 * The next round overwrites the functions with new ones (code writes onto
 * pages that hold translated code). Four rounds translate some 60000
 * blocks; tests/guest/jit-cache-bound.sh runs this with a 64 KiB x64 code
 * buffer and checks that the buffer was flushed many times and that the
 * process stayed small. Like every guest test it also runs under the
 * threaded backend, lockstep and QEMU.
 */
#include "guest.h"

#define CODE ((uint8_t *)0x1000000) /* 16 MiB: above the library's RAM data */
#define NFUNC 4096
#define STRIDE 256 /* bytes per function: 24 operations of at most 9 bytes, and RET */
#define ROUNDS 4
#define PASSES 2

typedef uint32_t __attribute__((regparm(1))) (*Func)(uint32_t);

static uint32_t seed;
static uint32_t rnd(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

/* The operations: their encodings (with EAX the value and ECX scratch)
 * and their meaning, written next to each other. */
enum { OP_ADD, OP_SUB, OP_XOR, OP_ROL, OP_SHRADD, OP_CONDADD, OP_IMUL, OP_LEA3, NOPS };

static uint8_t *emit(uint8_t *p, int op, uint32_t imm)
{
    switch (op) {
    case OP_ADD: *p++ = 0x05; return put32(p, imm);            /* add eax, imm32 */
    case OP_SUB: *p++ = 0x2d; return put32(p, imm);            /* sub eax, imm32 */
    case OP_XOR: *p++ = 0x35; return put32(p, imm);            /* xor eax, imm32 */
    case OP_ROL:                                               /* rol eax, n */
        *p++ = 0xc1, *p++ = 0xc0, *p++ = (uint8_t)(1 + imm % 31);
        return p;
    case OP_SHRADD: /* mov ecx, eax; shr ecx, n; add eax, ecx */
        *p++ = 0x89, *p++ = 0xc1, *p++ = 0xc1, *p++ = 0xe9, *p++ = (uint8_t)(1 + imm % 31);
        *p++ = 0x01, *p++ = 0xc8;
        return p;
    case OP_CONDADD: /* test al, 1; jz over; add eax, imm32; over: */
        *p++ = 0xa8, *p++ = 0x01, *p++ = 0x74, *p++ = 0x05, *p++ = 0x05;
        return put32(p, imm);
    case OP_IMUL: *p++ = 0x69, *p++ = 0xc0; return put32(p, imm | 1); /* imul eax, eax, imm32 */
    default: /* lea eax, [eax + eax*2 + imm32] */
        *p++ = 0x8d, *p++ = 0x84, *p++ = 0x40;
        return put32(p, imm);
    }
}

static uint32_t eval(uint32_t x, int op, uint32_t imm)
{
    uint32_t n = 1 + imm % 31;
    switch (op) {
    case OP_ADD: return x + imm;
    case OP_SUB: return x - imm;
    case OP_XOR: return x ^ imm;
    case OP_ROL: return (x << n) | (x >> (32 - n));
    case OP_SHRADD: return x + (x >> n);
    case OP_CONDADD: return (x & 1) ? x + imm : x;
    case OP_IMUL: return x * (imm | 1);
    default: return x * 3 + imm;
    }
}

/* Function f of round r: its operations come from a generator seeded by
 * (r, f), so writing it and interpreting it replay the same sequence. */
static void start(int round, int f) { seed = (uint32_t)round * 0x9e3779b9u ^ (uint32_t)f * 0x85ebca6bu; }
static int count(void) { return 4 + (int)(rnd() >> 16) % 21; }

static void write_func(int round, int f)
{
    uint8_t *p = CODE + (size_t)f * STRIDE;
    start(round, f);
    for (int i = count(); i > 0; i--) {
        uint32_t r = rnd();
        p = emit(p, (int)(r >> 28) % NOPS, rnd());
    }
    *p = 0xc3; /* ret */
}

static uint32_t interpret(int round, int f, uint32_t x)
{
    start(round, f);
    for (int i = count(); i > 0; i--) {
        uint32_t r = rnd();
        x = eval(x, (int)(r >> 28) % NOPS, rnd());
    }
    return x;
}

void guest_main(void)
{
    uint32_t sum = 0, calls = 0;
    print("jit_bigcode: ");
    print_dec(ROUNDS);
    print(" rounds of ");
    print_dec(NFUNC);
    print(" generated functions, each run ");
    print_dec(PASSES);
    print(" times\n");
    for (int round = 0; round < ROUNDS; round++) {
        for (int f = 0; f < NFUNC; f++)
            write_func(round, f);
        for (int pass = 0; pass < PASSES; pass++) {
            for (int f = 0; f < NFUNC; f++) {
                uint32_t x = (uint32_t)f * 2654435761u + (uint32_t)pass;
                uint32_t got = ((Func)(CODE + (size_t)f * STRIDE))(x);
                uint32_t want = interpret(round, f, x);
                if (got != want) {
                    print("round ");
                    print_dec((uint32_t)round);
                    print(" pass ");
                    print_dec((uint32_t)pass);
                    print(" function ");
                    print_dec((uint32_t)f);
                    print(": ");
                    CHECK("generated code's result", got, want);
                }
                sum = sum * 31 + got;
                calls++;
            }
        }
    }
    CHECK("calls made", calls, ROUNDS * PASSES * NFUNC);
    print("jit_bigcode: all results right, checksum ");
    print_hex(sum);
    print("\n");
}
