/*
 * guest.c - the x87 differential test's guest side: a freestanding flat
 * 32-bit program, started by tests/diff/boot.S, that runs the operations
 * inside ringside and prints the same lines as fpudiff_native to the debug
 * console (port 0xe9).
 *
 * The parameters are text in the ROM image after the marker "RSFPU seed=";
 * run-fpudiff.sh patches them into a copy of the ROM. No exception is
 * expected (every x87 exception is masked): one ends the run with a
 * "HARNESS FAULT" line and exit status 7.
 */
#include "fpugen.h"

/* Patched by run-fpudiff.sh; fixed width, hexadecimal. After "list=N "
 * come N batch numbers (8 hex digits and a space each) for the detail
 * re-runs; room for FPU_LIST_MAX of them. */
#define FPU_LIST_MAX 4000
__attribute__((used)) static const char params[128 + 9 * FPU_LIST_MAX] =
    "RSFPU seed=00000001 first=00000000 count=0000f424 trans=0 detail=0 list=00000000 ";
static uint32_t list[FPU_LIST_MAX];

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void plat_write(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        outb(0xe9, (uint8_t)s[i]);
}

/* gcc may call these for structure copies even when freestanding */
void *memcpy(void *d, const void *s, unsigned n)
{
    volatile uint8_t *o = d;
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

typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} Gate;

static Gate idt[32];
extern const uint32_t isr_table[32];

/* boot.S's exception stubs jump to rs_fault with the vector, the error
 * code and the faulting EIP on the stack: exactly the arguments below. */
void fpu_guest_fault(uint32_t vector, uint32_t err, uint32_t eip);
__asm__(".globl rs_fault\nrs_fault:\n\tcall fpu_guest_fault\n");

void fpu_guest_fault(uint32_t vector, uint32_t err, uint32_t eip)
{
    char line[64], *o = fpu_put_str(line, "HARNESS FAULT v=");
    o = fpu_put_hex(o, vector, 2);
    o = fpu_put_str(o, " e=");
    o = fpu_put_hex(o, err, 4);
    o = fpu_put_str(o, " eip=");
    o = fpu_put_hex(o, eip, 8);
    *o++ = '\n';
    plat_write(line, (unsigned)(o - line));
    outb(0xf4, 3);
    for (;;)
        __asm__ volatile("hlt");
}

/* The hex number of `digits` digits after `key`; at params + *at if at
 * is not null and *at is nonzero, left there after the number. */
static uint32_t param_hex(const char *key, int digits, int *at)
{
    const volatile char *p = params;
    int k = 0;
    if (at && *at) {
        k = *at;
        key = "";
    }
    while (p[k]) { /* find key */
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
    if (at)
        *at = k + digits + 1;
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
    /* CR0: MP and NE set, EM and TS clear - the x87 as a protected-mode
     * OS sets it up (all exceptions stay masked here anyway) */
    uint32_t cr0;
    __asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~0xcu) | 0x22u;
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0));
    FpuParams p;
    p.seed = param_hex(" seed=", 8, 0);
    p.first = param_hex(" first=", 8, 0);
    p.count = param_hex(" count=", 8, 0);
    p.trans = param_hex(" trans=", 1, 0);
    p.detail = param_hex(" detail=", 1, 0);
    int at = 0;
    p.nlist = param_hex(" list=", 8, &at);
    if (p.nlist > FPU_LIST_MAX)
        p.nlist = FPU_LIST_MAX;
    for (uint32_t i = 0; i < p.nlist; i++)
        list[i] = param_hex("", 8, &at);
    p.list = list;
    fpu_run(&p);
}
