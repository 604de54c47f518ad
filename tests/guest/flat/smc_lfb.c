/*
 * smc_lfb.c - self-modifying code in a host-memory region (issue 4): code
 * copied into the VGA linear framebuffer (BAR 0 of the PCI VGA function
 * 1234:1111, which ringside maps as host memory), run, rewritten through
 * the LFB and run again must execute the new bytes (SDM vol. 3, 11.6), as
 * for RAM (smc.S, smc_blocks.S):
 *
 * - a routine rewritten between two runs (by dword stores, then by a byte
 *   store into an immediate), after it ran often enough to be translated;
 * - a routine that stores to its own next instruction while it runs;
 * - a loop that patches its own immediate every iteration.
 *
 * No BIOS runs, so the test places BAR 0 at 0xe0000000 itself.
 */
#include "guest.h"

#define LFB_WANT 0xe0000000u /* where guest_vga_lfb places an unassigned BAR 0 */
#define CODE_OFF 0x10000u

static uint8_t *map_lfb(void)
{
    uint8_t *lfb = guest_vga_lfb();
    if (lfb)
        return lfb;
    print("FAIL: no PCI VGA 1234:1111\n");
    guest_exit(1);
}

/* Call code at p with EAX = a; returns EAX. */
static uint32_t run(volatile uint8_t *p, uint32_t a)
{
    __asm__ volatile("call *%1" : "+a"(a) : "r"(p) : "ecx", "edx", "memory", "cc");
    return a;
}

static void put(volatile uint8_t *p, const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = b[i];
}

static void put32(volatile uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void guest_main(void)
{
    volatile uint8_t *lfb = map_lfb();
    CHECK("LFB at BAR 0", (uint32_t)lfb, LFB_WANT);
    volatile uint8_t *code = lfb + CODE_OFF;
    print("smc_lfb: code in the linear framebuffer at 0x");
    print_hex((uint32_t)code);
    print("\n");

    /* mov $0x11111111, %eax; ret - by dword stores, so the fast path has
     * a write entry for the page before it holds code. */
    static const uint8_t ret1[8] = {0xb8, 0x11, 0x11, 0x11, 0x11, 0xc3, 0x90, 0x90};
    uint32_t w[2];
    memcpy(w, ret1, 8);
    ((volatile uint32_t *)code)[0] = w[0];
    ((volatile uint32_t *)code)[1] = w[1];
    for (int i = 0; i < 4; i++)
        CHECK("run the copied code", run(code, 0), 0x11111111);
    /* mov $0x22222222, %eax by a dword store into the immediate */
    *(volatile uint32_t *)(code + 1) = 0x22222222;
    CHECK("after a dword store into the immediate", run(code, 0), 0x22222222);
    CHECK("again", run(code, 0), 0x22222222);
    code[4] = 0x33;
    CHECK("after a byte store into the immediate", run(code, 0), 0x33222222);
    /* the whole routine replaced: xor %eax, %eax; dec %eax; ret */
    static const uint8_t ret2[4] = {0x31, 0xc0, 0x48, 0xc3};
    put(code, ret2, 4);
    CHECK("after replacing the routine", run(code, 5), 0xffffffff);

    /* movb $0x48, next (c6 05 <next> 48); next: inc %eax (40); ret */
    volatile uint8_t *self = code + 0x100;
    uint8_t selfb[9] = {0xc6, 0x05, 0, 0, 0, 0, 0x48, 0x40, 0xc3};
    memcpy(selfb + 2, &(uint32_t){(uint32_t)(self + 7)}, 4);
    put(self, selfb, 9);
    CHECK("a store to the next instruction", run(self, 10), 9);
    self[7] = 0x40; /* inc again; the routine turns it into dec each run */
    CHECK("a store to the next instruction, run 2", run(self, 10), 9);
    self[7] = 0x40;
    CHECK("a store to the next instruction, run 3", run(self, 10), 9);

    /* A loop that patches its own immediate every iteration:
     *   top: mov $0, %edx          (ba imm32)       +0
     *        add %edx, %eax        (01 d0)          +5
     *        inc %edx              (42)             +7
     *        mov %edx, top+1       (89 15 addr32)   +8
     *        dec %ecx              (49)             +14
     *        jnz top               (75 ef)          +15
     *        ret                   (c3)             +17
     * With ECX = n, EAX ends as 0 + 1 + ... + (n-1) = n(n-1)/2. */
    volatile uint8_t *loop = code + 0x200;
    uint8_t loopb[18] = {0xba, 0, 0, 0, 0, 0x01, 0xd0, 0x42, 0x89, 0x15, 0, 0, 0, 0, 0x49, 0x75, 0xef, 0xc3};
    memcpy(loopb + 10, &(uint32_t){(uint32_t)(loop + 1)}, 4);
    put(loop, loopb, 18);
    for (int round = 0; round < 3; round++) {
        put32(loop + 1, 0);
        uint32_t a = 0, n = 100;
        __asm__ volatile("call *%2" : "+a"(a), "+c"(n) : "r"(loop) : "edx", "memory", "cc");
        CHECK("a loop patching its own immediate", a, 100 * 99 / 2);
    }
    print("smc_lfb: ok\n");
}
