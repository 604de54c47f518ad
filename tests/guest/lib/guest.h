/*
 * guest.h - freestanding C guests (flat 32-bit, CPL 0) built with
 *   gcc -m32 -ffreestanding -fno-pic -fno-stack-protector -nostdlib -O2
 * and linked with lib/reset.S, lib/boot32.S, lib/rt32.S and lib/libc32.c.
 * Define `void guest_main(void)`; returning from it ends the run with
 * success (exit status 1). See rt32.inc for the machine state it starts in.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_DEBUGCON 0xe9
#define GUEST_EXITPORT 0xf4

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* PCI configuration mechanism 1, bus 0. */
static inline uint32_t pci_cfg_read(uint32_t dev, uint32_t reg)
{
    outl(0xcf8, 0x80000000u | dev << 11 | reg);
    return inl(0xcfc);
}
static inline void pci_cfg_write(uint32_t dev, uint32_t reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | dev << 11 | reg);
    outl(0xcfc, v);
}

/* The VBE linear framebuffer: BAR 0 of the PCI VGA function 1234:1111.
 * No BIOS runs before these guests, so an unassigned BAR is placed at
 * 0xe0000000; memory decode is enabled. NULL when there is no such
 * function. */
static inline uint8_t *guest_vga_lfb(void)
{
    for (uint32_t dev = 0; dev < 32; dev++) {
        if (pci_cfg_read(dev, 0) != 0x11111234u)
            continue;
        if (!(pci_cfg_read(dev, 0x10) & ~0xfu))
            pci_cfg_write(dev, 0x10, 0xe0000000u);
        pci_cfg_write(dev, 0x04, pci_cfg_read(dev, 0x04) | 0x02);
        return (uint8_t *)(pci_cfg_read(dev, 0x10) & ~0xfu);
    }
    return 0;
}

/* Runtime in lib/rt32.S (stdcall: the callee pops its arguments). */
#define RT_API __attribute__((stdcall))
void RT_API rt_putc(int c);
void RT_API rt_puts(const char *s);
void RT_API rt_puthex32(uint32_t v);
void RT_API rt_puthex16(uint32_t v); /* the top 16 bits */
__attribute__((noreturn)) void RT_API rt_exit(uint32_t code);
void RT_API rt_chk32(const char *name, uint32_t expected, uint32_t actual);
void RT_API rt_chkm32(const char *name, uint32_t expected, uint32_t mask, uint32_t actual);
void RT_API rt_set_idt(uint32_t vector, void (*handler)(void));
/* A GDT descriptor (gdt32_ram; selectors 0x28 and up are free): limit is the
 * raw 20-bit field, attr the access byte | G/D flags << 12. */
void RT_API rt_set_desc(uint32_t selector, uint32_t base, uint32_t limit, uint32_t attr);
extern uint64_t gdt32_ram[];
/* Call fn(); -1 if it returns, else the vector of the first exception it
 * raised (trap_err, trap_eip tell the rest). */
int rt_trap_call(void (*fn)(void));
extern volatile uint32_t trap_vector, trap_err, trap_eip, trap_count, chk_count;

static inline void print(const char *s) { rt_puts(s); }
static inline void print_hex(uint32_t v) { rt_puthex32(v); }
void print_dec(uint32_t v); /* libc32.c */
__attribute__((noreturn)) static inline void guest_exit(uint32_t code) { rt_exit(code); }

#define GUEST_STR2(x) #x
#define GUEST_STR(x) GUEST_STR2(x)
/* CHECK(name, actual, expected): on a mismatch print
 * "FAIL: name: expected 0x.., got 0x.." and exit with code 1. */
#define CHECK(name, actual, expected) rt_chk32((name), (uint32_t)(expected), (uint32_t)(actual))
/* CHECK_EQ(actual, expected): the name is the file, line and expression. */
#define CHECK_EQ(actual, expected) \
    CHECK(__FILE__ ":" GUEST_STR(__LINE__) ": " #actual, (actual), (expected))
/* CHECK_MASK(name, actual, mask, expected): (actual & mask) == expected. */
#define CHECK_MASK(name, actual, mask, expected) \
    rt_chkm32((name), (uint32_t)(expected), (uint32_t)(mask), (uint32_t)(actual))
#define CHECK_TRUE(cond) CHECK(__FILE__ ":" GUEST_STR(__LINE__) ": " #cond, !!(cond), 1)

/* EFLAGS bits. */
#define EFL_CF 0x0001u
#define EFL_PF 0x0004u
#define EFL_AF 0x0010u
#define EFL_ZF 0x0040u
#define EFL_SF 0x0080u
#define EFL_IF 0x0200u
#define EFL_DF 0x0400u
#define EFL_OF 0x0800u
#define EFL_ARITH (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

static inline uint32_t read_eflags(void)
{
    uint32_t f;
    __asm__ volatile("pushfl; popl %0" : "=r"(f));
    return f;
}

/* What gcc may call even in freestanding code (libc32.c). */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
