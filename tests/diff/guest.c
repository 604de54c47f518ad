/*
 * guest.c - the differential test's guest side: a freestanding flat 32-bit
 * program (boot.S starts it) that runs the generated sequences at CPL 0
 * inside ringside and prints one line per sequence to the debug console
 * (port 0xe9).
 *
 * The seed, the first sequence and the count are in the ROM image as text
 * after the marker "RSDIFF seed=": run-diff.sh patches them into a copy of
 * the ROM. An exception inside a sequence (a #UD from an instruction no
 * handler implements yet, say) is caught through the IDT and reported as a
 * FAULT line, and the run goes on; an exception in the harness itself ends
 * the run with exit status 7.
 */
#include "gen.h"

uint8_t *plat_code;
uint8_t *plat_scratch;
uint16_t plat_cs;
/* The code buffer has its pages to itself: each sequence rewrites it, and
 * the emulator drops the translated code of a page that is written. */
static uint8_t code_buf[DIFF_CODE_SIZE] __attribute__((section(".codebuf"), aligned(4096)));
static uint8_t scratch_buf[DIFF_BUF_SIZE] __attribute__((aligned(64)));

/* Patched by run-diff.sh; fixed width, hexadecimal. */
__attribute__((used)) static const char params[] =
    "RSDIFF seed=0000000000000001 first=00000000 count=000186a0 ";

typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} Gate;

static Gate idt[32];
extern const uint32_t isr_table[32];

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void plat_write(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        outb(0xe9, (uint8_t)s[i]);
}

int plat_exec(SeqState *st, uint8_t *code)
{
    return run_seq(st, code);
}

/* gcc may call these for structure copies even when freestanding */
void *memcpy(void *d, const void *s, unsigned n)
{
    volatile uint8_t *o = d; /* volatile: not turned back into MOVS or a call */
    const uint8_t *i = s;
    while (n--)
        *o++ = *i++;
    return d;
}

void *memset(void *d, int c, unsigned n)
{
    volatile uint8_t *o = d;
    while (n--)
        *o++ = (uint8_t)c;
    return d;
}

void guest_harness_fault(uint32_t vector, uint32_t eip);
void guest_harness_fault(uint32_t vector, uint32_t eip)
{
    char line[64], *o = diff_put_str(line, "HARNESS FAULT v=");
    o = diff_put_hex(o, vector, 2);
    o = diff_put_str(o, " eip=");
    o = diff_put_hex(o, eip, 8);
    *o++ = '\n';
    plat_write(line, (unsigned)(o - line));
    outb(0xf4, 3);
    for (;;)
        __asm__ volatile("hlt");
}

static uint32_t param_hex(const char *key, int digits)
{
    const volatile char *p = params;
    int k = 0;
    while (p[k] && key[0]) { /* find key */
        int j = 0;
        while (key[j] && p[k + j] == key[j])
            j++;
        if (!key[j]) {
            k += j;
            break;
        }
        k++;
    }
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        char c = p[k + i];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

void guest_main(void);
void guest_main(void)
{
    for (int i = 0; i < 32; i++) {
        uint32_t a = isr_table[i];
        idt[i] = (Gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16) };
    }
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } idtr = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));

    plat_code = code_buf;
    plat_scratch = scratch_buf;
    plat_cs = 0x08; /* boot.S */
    DiffParams p;
    p.seed_hi = param_hex(" seed=", 8);
    p.seed_lo = param_hex(" seed=", 16); /* the last 8 of the 16 digits */
    p.first = param_hex(" first=", 8);
    p.count = param_hex(" count=", 8);
    diff_run(&p);
}
