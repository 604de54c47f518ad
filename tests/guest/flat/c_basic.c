/*
 * c_basic.c - a freestanding C guest (lib/guest.h): .data copied to RAM
 * and .bss cleared by boot32, gcc's code for 64-bit arithmetic (adc/sbb,
 * mul, shld/shrd), CMOV/SETcc from -march=i686, locked read-modify-write
 * builtins (lock xadd, lock cmpxchg), struct copies (memcpy), and
 * exceptions caught with rt_trap_call. Expected values are the published
 * ones (CRC-32 check value of "123456789": 0xcbf43926) or worked by hand.
 */
#include "guest.h"

static volatile uint32_t initialized = 0x12345678;
static uint32_t zeroed[16];
static volatile uint32_t divisor; /* 0, in .bss */

struct pair {
    uint32_t a, b, c[6];
};

static uint32_t crc32(const char *s, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint8_t)s[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void do_div0(void)
{
    volatile uint32_t x = 100;
    x = x / divisor;
}

static void do_ud2(void) { __asm__ volatile("ud2"); }
static void do_nothing(void) {}

static void insertion_sort(int32_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

void guest_main(void)
{
    print("c_basic: .data, .bss, crc32, 64-bit arithmetic, atomics, traps\n");
    CHECK_EQ(initialized, 0x12345678);
    for (int i = 0; i < 16; i++)
        CHECK("bss is zero", zeroed[i], 0);

    CHECK("crc32(\"123456789\")", crc32("123456789", 9), 0xcbf43926);

    volatile uint64_t x = 0x0123456789abcdefull;
    uint64_t y = x * 0x10;
    CHECK("64-bit multiply: low", (uint32_t)y, 0x9abcdef0);
    CHECK("64-bit multiply: high", (uint32_t)(y >> 32), 0x12345678);
    volatile int sh = 36;
    uint64_t z = x << sh;
    CHECK("64-bit shift left 36: high", (uint32_t)(z >> 32), 0x9abcdef0);
    CHECK("64-bit shift left 36: low", (uint32_t)z, 0);
    z = x >> (sh - 32);
    CHECK("64-bit shift right 4: low", (uint32_t)z, 0x789abcde);
    volatile int64_t neg = -5;
    CHECK("64-bit arithmetic shift", (uint32_t)(neg >> 1), 0xfffffffd);
    uint64_t sum = x + 0xfedcba9876543211ull;
    CHECK("64-bit add with carry: low", (uint32_t)sum, 0);
    CHECK("64-bit add with carry: high", (uint32_t)(sum >> 32), 0);

    volatile uint32_t counter = 40;
    CHECK("lock xadd: old value", __sync_fetch_and_add(&counter, 2), 40);
    CHECK("lock xadd: new value", counter, 42);
    CHECK("lock cmpxchg (equal)", __sync_val_compare_and_swap(&counter, 42, 7), 42);
    CHECK("lock cmpxchg (equal): stored", counter, 7);
    CHECK("lock cmpxchg (not equal)", __sync_val_compare_and_swap(&counter, 42, 9), 7);
    CHECK("lock cmpxchg (not equal): kept", counter, 7);

    struct pair p = { 1, 2, { 3, 4, 5, 6, 7, 8 } }, q;
    q = p;
    CHECK("struct copy", q.c[5] + q.a, 9);

    int32_t v[8] = { 5, -3, 99, 0, -100, 42, 7, 7 };
    insertion_sort(v, 8);
    static const int32_t sorted[8] = { -100, -3, 0, 5, 7, 7, 42, 99 };
    CHECK("insertion sort", memcmp(v, sorted, sizeof v), 0);

    CHECK("rt_trap_call: #DE", rt_trap_call(do_div0), 0);
    CHECK("rt_trap_call: #UD", rt_trap_call(do_ud2), 6);
    CHECK("rt_trap_call: no exception", rt_trap_call(do_nothing), -1);

    print("c_basic: ");
    print_dec(chk_count);
    print(" checks, ");
    print_hex(0xcafef00d);
    print("\n");
}
