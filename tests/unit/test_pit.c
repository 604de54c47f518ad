/*
 * test_pit.c - the 8254 and port 0x61, alone on a local bus and a clock
 * driven by a local instruction count (1 ns per instruction). Each test
 * programs a counter through its ports, moves guest time to chosen CLK
 * edges, and checks counts, OUT levels and IRQ0 edges against the 8254
 * datasheet's waveforms. Tick k is the k-th 1193182 Hz CLK edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/pit.h"

typedef struct Rig {
    IoBus bus;
    Clock clock;
    uint64_t icount;
    Pit pit;
    int irq0;        /* IRQ0 level as driven */
    int rises;       /* rising edges of IRQ0 */
    uint64_t rise_ns; /* guest time of the last rising edge */
} Rig;

static void rig_irq0(void *opaque, int n, int level)
{
    Rig *r = opaque;
    (void)n;
    if (level && !r->irq0) {
        r->rises++;
        r->rise_ns = clock_now(&r->clock);
    }
    r->irq0 = level;
}

static int setup(void **state)
{
    static Rig rig;
    Rig *r = &rig;
    bus_init(&r->bus);
    r->icount = 0;
    clock_init(&r->clock, &r->icount, 1000);
    r->irq0 = 0;
    r->rises = 0;
    r->rise_ns = 0;
    pit_init(&r->pit, &r->bus, &r->clock, irq_line(rig_irq0, r, 0));
    r->rises = 0; /* OUT0 starts high: count edges from here */
    *state = r;
    return 0;
}

/* The first ns at which CLK edge k has happened. */
static uint64_t tick_ns(uint64_t k)
{
    return (k * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

/* Run guest time up to ns as the run loop does: exactly to each event. */
static void run_to(Rig *r, uint64_t ns)
{
    for (;;) {
        uint64_t due = clock_next_deadline(&r->clock);
        if (due > ns)
            break;
        if (due > r->icount)
            r->icount = due;
        clock_run_due(&r->clock);
    }
    if (ns > r->icount)
        r->icount = ns;
}

static void to_tick(Rig *r, uint64_t k)
{
    run_to(r, tick_ns(k));
}

static void out8(Rig *r, uint16_t port, uint8_t v)
{
    bus_out(&r->bus, port, v, 1);
}

static uint8_t in8(Rig *r, uint16_t port)
{
    return (uint8_t)bus_in(&r->bus, port, 1);
}

/* Counter latch command, then LSB and MSB (the counter is in rw mode 3). */
static uint16_t latch16(Rig *r, int ch)
{
    out8(r, 0x43, (uint8_t)(ch << 6));
    uint8_t lo = in8(r, (uint16_t)(0x40 + ch));
    return (uint16_t)(lo | in8(r, (uint16_t)(0x40 + ch)) << 8);
}

static void write16(Rig *r, int ch, uint16_t v)
{
    out8(r, (uint16_t)(0x40 + ch), (uint8_t)v);
    out8(r, (uint16_t)(0x40 + ch), (uint8_t)(v >> 8));
}

/* Mode 0: OUT low after the control word, the count loads on the next
 * CLK, OUT rises N+1 CLKs after the write and stays high; the counter
 * wraps to 0xffff and keeps counting. */
static void mode0_terminal_count(void **state)
{
    Rig *r = *state;
    to_tick(r, 100);
    out8(r, 0x43, 0x30);
    assert_int_equal(r->irq0, 0);
    write16(r, 0, 100);
    to_tick(r, 101);
    assert_int_equal(latch16(r, 0), 100);
    to_tick(r, 111);
    assert_int_equal(latch16(r, 0), 90);
    to_tick(r, 200);
    assert_int_equal(latch16(r, 0), 1);
    assert_int_equal(r->irq0, 0);
    assert_int_equal(r->rises, 0);
    to_tick(r, 201);
    assert_int_equal(r->irq0, 1);
    assert_int_equal(r->rises, 1);
    assert_int_equal(r->rise_ns, tick_ns(201));
    assert_int_equal(latch16(r, 0), 0);
    to_tick(r, 202);
    assert_int_equal(latch16(r, 0), 0xffff);
    to_tick(r, 100000);
    assert_int_equal(r->irq0, 1);
    assert_int_equal(r->rises, 1);
}

/* Mode 0 with a two-byte count: the first byte stops counting and drops
 * OUT at once, the second restarts with the new count. */
static void mode0_rewrite(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x30);
    write16(r, 0, 10);
    to_tick(r, 20);
    assert_int_equal(r->irq0, 1);
    out8(r, 0x40, 50);
    assert_int_equal(r->irq0, 0);
    to_tick(r, 30);
    out8(r, 0x40, 0);
    to_tick(r, 80);
    assert_int_equal(r->irq0, 0);
    to_tick(r, 81);
    assert_int_equal(r->irq0, 1);
    assert_int_equal(r->rises, 2);
}

/* Mode 0 on channel 2: a low gate suspends counting. */
static void mode0_gate_suspends(void **state)
{
    Rig *r = *state;
    out8(r, 0x61, 0x01);
    out8(r, 0x43, 0xb0);
    write16(r, 2, 1000);
    to_tick(r, 101);
    assert_int_equal(latch16(r, 2), 900);
    out8(r, 0x61, 0x00);
    to_tick(r, 5000);
    assert_int_equal(latch16(r, 2), 900);
    out8(r, 0x61, 0x01);
    to_tick(r, 5100);
    assert_int_equal(latch16(r, 2), 800);
    assert_false(pit_out(&r->pit, 2));
    to_tick(r, 5900);
    assert_true(pit_out(&r->pit, 2));
}

/* Mode 1 on channel 2: OUT high until a gate rising edge, low from the
 * next CLK for N CLKs; a new trigger restarts the count. */
static void mode1_hardware_one_shot(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0xb2);
    write16(r, 2, 50);
    to_tick(r, 100);
    assert_true(pit_out(&r->pit, 2));
    out8(r, 0x61, 0x01);
    to_tick(r, 101);
    assert_false(pit_out(&r->pit, 2));
    assert_int_equal(latch16(r, 2), 50);
    to_tick(r, 150);
    assert_false(pit_out(&r->pit, 2));
    to_tick(r, 151);
    assert_true(pit_out(&r->pit, 2));
    /* Retrigger in the middle of a one-shot. */
    out8(r, 0x61, 0x00);
    to_tick(r, 200);
    out8(r, 0x61, 0x01);
    to_tick(r, 230);
    out8(r, 0x61, 0x00);
    out8(r, 0x61, 0x01);
    to_tick(r, 280);
    assert_false(pit_out(&r->pit, 2));
    to_tick(r, 281);
    assert_true(pit_out(&r->pit, 2));
}

/* Mode 2: counts N..1, OUT low for the one CLK at count 1; IRQ0 rises
 * once per period, exactly N CLKs apart. */
static void mode2_rate_generator(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x34);
    write16(r, 0, 1193); /* 1 kHz, Linux HZ=1000 */
    to_tick(r, 1);
    assert_int_equal(latch16(r, 0), 1193);
    to_tick(r, 1192);
    assert_int_equal(latch16(r, 0), 2);
    assert_int_equal(r->irq0, 1);
    to_tick(r, 1193);
    assert_int_equal(latch16(r, 0), 1);
    assert_int_equal(r->irq0, 0);
    to_tick(r, 1194);
    assert_int_equal(latch16(r, 0), 1193);
    assert_int_equal(r->irq0, 1);
    assert_int_equal(r->rises, 1);
    assert_int_equal(r->rise_ns, tick_ns(1194));
    to_tick(r, 1 + 1193 * 10);
    assert_int_equal(r->rises, 10);
    assert_int_equal(r->rise_ns, tick_ns(1 + 1193 * 10));
}

/* Mode 2: a new count takes effect when the current period ends. */
static void mode2_new_count_at_period_end(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x34);
    write16(r, 0, 100);
    to_tick(r, 51);
    write16(r, 0, 10);
    to_tick(r, 100);
    assert_int_equal(latch16(r, 0), 1);
    to_tick(r, 101);
    assert_int_equal(latch16(r, 0), 10);
    assert_int_equal(r->rises, 1);
    to_tick(r, 111);
    assert_int_equal(r->rises, 2);
    assert_int_equal(r->rise_ns, tick_ns(111));
}

/* Mode 2 and 3 gate: low forces OUT high and stops, a rising edge reloads. */
static void mode2_gate(void **state)
{
    Rig *r = *state;
    out8(r, 0x61, 0x01);
    out8(r, 0x43, 0xb4);
    write16(r, 2, 20);
    to_tick(r, 20);
    assert_false(pit_out(&r->pit, 2));
    out8(r, 0x61, 0x00);
    assert_true(pit_out(&r->pit, 2));
    to_tick(r, 100);
    assert_int_equal(latch16(r, 2), 1);
    out8(r, 0x61, 0x01);
    to_tick(r, 101);
    assert_int_equal(latch16(r, 2), 20);
    to_tick(r, 111);
    assert_int_equal(latch16(r, 2), 10);
}

/* Mode 3: an even N is high N/2 and low N/2 CLKs, counting by two; an
 * odd N is high (N+1)/2 and low (N-1)/2. */
static void mode3_square_wave(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x36);
    write16(r, 0, 10);
    for (int k = 1; k <= 31; k++) {
        to_tick(r, (uint64_t)k);
        int ph = (k - 1) % 10;
        assert_int_equal(r->irq0, ph < 5);
        assert_int_equal(latch16(r, 0), 10 - 2 * (ph % 5));
    }
    assert_int_equal(r->rises, 3);

    out8(r, 0x61, 0x01);
    uint64_t base = 100;
    to_tick(r, base);
    out8(r, 0x43, 0xb6);
    write16(r, 2, 11);
    int high = 0, low = 0;
    for (uint64_t k = base + 1; k < base + 1 + 11; k++) {
        to_tick(r, k);
        if (in8(r, 0x61) & 0x20)
            high++;
        else
            low++;
    }
    assert_int_equal(high, 6);
    assert_int_equal(low, 5);
}

/* Mode 4: OUT high, low for one CLK at terminal count: one IRQ0. */
static void mode4_software_strobe(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x38); /* Linux's one-shot clockevent */
    write16(r, 0, 30);
    assert_int_equal(r->irq0, 1);
    to_tick(r, 30);
    assert_int_equal(r->irq0, 1);
    to_tick(r, 31);
    assert_int_equal(r->irq0, 0);
    to_tick(r, 32);
    assert_int_equal(r->irq0, 1);
    assert_int_equal(r->rises, 1);
    assert_int_equal(r->rise_ns, tick_ns(32));
    to_tick(r, 70000);
    assert_int_equal(r->rises, 1); /* one shot: no strobe after the wrap */
}

/* Mode 5: like mode 4, triggered by the gate's rising edge. */
static void mode5_hardware_strobe(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0xba);
    write16(r, 2, 5);
    to_tick(r, 50);
    assert_true(pit_out(&r->pit, 2));
    out8(r, 0x61, 0x01);
    to_tick(r, 55);
    assert_true(pit_out(&r->pit, 2));
    to_tick(r, 56);
    assert_false(pit_out(&r->pit, 2));
    to_tick(r, 57);
    assert_true(pit_out(&r->pit, 2));
}

/* BCD: counts in decimal digits; a count of 0 is 10000. */
static void bcd_counting(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x31);
    write16(r, 0, 0x0100);
    to_tick(r, 12);
    assert_int_equal(latch16(r, 0), 0x0089);
    to_tick(r, 101);
    assert_int_equal(latch16(r, 0), 0x0000);
    assert_int_equal(r->irq0, 1);
    to_tick(r, 102);
    assert_int_equal(latch16(r, 0), 0x9999);
    out8(r, 0x43, 0x35); /* mode 2 BCD, count 0 = 10000 */
    write16(r, 0, 0);
    to_tick(r, 103);
    assert_int_equal(latch16(r, 0), 0x0000);
    to_tick(r, 104);
    assert_int_equal(latch16(r, 0), 0x9999);
    int rises = r->rises;
    to_tick(r, 103 + 10000);
    assert_int_equal(r->rises, rises + 1);
}

/* LSB-only and MSB-only access, and unlatched LSB/MSB reads. */
static void access_modes(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x10); /* LSB only, mode 0 */
    out8(r, 0x40, 0x40);
    to_tick(r, 1);
    assert_int_equal(in8(r, 0x40), 0x40);
    assert_int_equal(in8(r, 0x40), 0x40);
    out8(r, 0x43, 0x20); /* MSB only */
    out8(r, 0x40, 0x02);
    to_tick(r, 2);
    assert_int_equal(in8(r, 0x40), 0x02);
    to_tick(r, 3);
    assert_int_equal(in8(r, 0x40), 0x01); /* 0x1ff */
    out8(r, 0x43, 0x30);
    write16(r, 0, 0x1234);
    to_tick(r, 4);
    assert_int_equal(in8(r, 0x40), 0x34);
    assert_int_equal(in8(r, 0x40), 0x12);
    /* 0x43 cannot be read. */
    assert_int_equal(in8(r, 0x43), 0xff);
}

/* Counter latch: the value at the latch; a second latch is ignored until
 * the first is read; the latch is released by the reads. */
static void counter_latch(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0x34);
    write16(r, 0, 0x2000);
    to_tick(r, 0x101);
    out8(r, 0x43, 0x00);
    to_tick(r, 0x201);
    out8(r, 0x43, 0x00); /* ignored */
    assert_int_equal(in8(r, 0x40), 0x00);
    to_tick(r, 0x301);
    assert_int_equal(in8(r, 0x40), 0x1f);
    /* Released: unlatched reads see the live count. */
    assert_int_equal(in8(r, 0x40), 0x00);
    assert_int_equal(in8(r, 0x40), 0x1d);
    /* A latch in LSB-only mode holds one byte. */
    out8(r, 0x43, 0x14);
    out8(r, 0x40, 0x80);
    to_tick(r, 0x312);
    out8(r, 0x43, 0x00);
    to_tick(r, 0x320);
    assert_int_equal(in8(r, 0x40), 0x80 - 0x10);
    assert_int_equal(in8(r, 0x40), 0x80 - 0x1e);
}

/* Read-back: status then count; OUT, null count, rw, mode, BCD. */
static void read_back(void **state)
{
    Rig *r = *state;
    out8(r, 0x43, 0xb5); /* ch2, rw 3, mode 2, BCD */
    out8(r, 0x43, 0xe8); /* status only, ch2 */
    assert_int_equal(in8(r, 0x42), 0x80 | 0x40 | 0x30 | 0x04 | 0x01);
    out8(r, 0x61, 0x01);
    write16(r, 2, 0x0050);
    out8(r, 0x43, 0xe8);
    assert_int_equal(in8(r, 0x42) & 0x40, 0x40); /* not loaded yet */
    to_tick(r, 11);
    out8(r, 0x43, 0xc8); /* count and status */
    out8(r, 0x43, 0xc8); /* ignored: both still latched */
    assert_int_equal(in8(r, 0x42), 0x80 | 0x30 | 0x04 | 0x01);
    to_tick(r, 30);
    assert_int_equal(in8(r, 0x42), 0x40);
    assert_int_equal(in8(r, 0x42), 0x00);
    /* Count only, on two channels at once. */
    out8(r, 0x43, 0x30);
    write16(r, 0, 1000);
    to_tick(r, 131);
    out8(r, 0x43, 0xde); /* count only, channels 0, 1 and 2 */
    uint8_t lo = in8(r, 0x40);
    assert_int_equal(lo | in8(r, 0x40) << 8, 900);
    assert_int_equal(in8(r, 0x42), 0x20); /* BCD 50 - 130 % 50 */
    assert_int_equal(in8(r, 0x42), 0x00);
    /* A new count on a running mode 2 counter: null until the reload. */
    write16(r, 2, 0x0020);
    out8(r, 0x43, 0xe8);
    assert_int_equal(in8(r, 0x42) & 0x40, 0x40);
    to_tick(r, 200);
    out8(r, 0x43, 0xe8);
    assert_int_equal(in8(r, 0x42) & 0x40, 0x00);
}

/* Port 0x61: gate and speaker bits read back, refresh toggles every
 * 15.085 us, OUT2 in bit 5, bits 6-7 zero. */
static void port61_bits(void **state)
{
    Rig *r = *state;
    out8(r, 0x61, 0xff);
    assert_int_equal(in8(r, 0x61) & 0xcf, 0x0f);
    out8(r, 0x61, 0x02);
    run_to(r, 15084);
    assert_int_equal(in8(r, 0x61) & 0x10, 0x00);
    run_to(r, 15085);
    assert_int_equal(in8(r, 0x61) & 0x10, 0x10);
    run_to(r, 2 * 15085);
    assert_int_equal(in8(r, 0x61) & 0x10, 0x00);
    assert_int_equal(in8(r, 0x61) & 0xc3, 0x02);
    /* OUT2 in mode 0: low until terminal count. */
    out8(r, 0x43, 0xb0);
    write16(r, 2, 10);
    out8(r, 0x61, 0x03);
    assert_int_equal(in8(r, 0x61) & 0x20, 0x00);
    run_to(r, r->icount + 20000);
    assert_int_equal(in8(r, 0x61) & 0x20, 0x20);
}

/* SeaBIOS's TSC calibration: mode 0 on channel 2 gated by port 0x61,
 * polling OUT2 in bit 5. */
static void seabios_calibration(void **state)
{
    Rig *r = *state;
    out8(r, 0x61, (uint8_t)((in8(r, 0x61) & ~0x02) | 0x01));
    out8(r, 0x43, 0xb0);
    write16(r, 2, 0x800);
    uint64_t start = r->icount;
    while (!(in8(r, 0x61) & 0x20))
        r->icount += 100;
    uint64_t took = r->icount - start;
    uint64_t expect = tick_ns(0x801);
    assert_true(took >= expect && took < expect + 100);
}

/* Linux: mode 2 periodic IRQ0 at HZ=250 for one second; the quick TSC
 * calibration reads channel 2's MSB in mode 0 as it counts down. */
static void linux_usage(void **state)
{
    Rig *r = *state;
    uint16_t latch = (PIT_HZ + 125) / 250;
    out8(r, 0x43, 0x34);
    out8(r, 0x40, (uint8_t)latch);
    out8(r, 0x40, (uint8_t)(latch >> 8));
    run_to(r, NS_PER_SEC);
    assert_in_range(r->rises, 249, 250);

    out8(r, 0x61, (uint8_t)((in8(r, 0x61) & ~0x02) | 0x01));
    out8(r, 0x43, 0xb0);
    out8(r, 0x42, 0xff);
    out8(r, 0x42, 0xff);
    uint64_t t0 = clock_ns_to_ticks(r->icount, PIT_HZ);
    for (int i = 1; i < 200; i++) {
        to_tick(r, t0 + 1 + 256u * (uint64_t)i + 10);
        in8(r, 0x42); /* LSB */
        assert_int_equal(in8(r, 0x42), 0xff - i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(mode0_terminal_count, setup),
        cmocka_unit_test_setup(mode0_rewrite, setup),
        cmocka_unit_test_setup(mode0_gate_suspends, setup),
        cmocka_unit_test_setup(mode1_hardware_one_shot, setup),
        cmocka_unit_test_setup(mode2_rate_generator, setup),
        cmocka_unit_test_setup(mode2_new_count_at_period_end, setup),
        cmocka_unit_test_setup(mode2_gate, setup),
        cmocka_unit_test_setup(mode3_square_wave, setup),
        cmocka_unit_test_setup(mode4_software_strobe, setup),
        cmocka_unit_test_setup(mode5_hardware_strobe, setup),
        cmocka_unit_test_setup(bcd_counting, setup),
        cmocka_unit_test_setup(access_modes, setup),
        cmocka_unit_test_setup(counter_latch, setup),
        cmocka_unit_test_setup(read_back, setup),
        cmocka_unit_test_setup(port61_bits, setup),
        cmocka_unit_test_setup(seabios_calibration, setup),
        cmocka_unit_test_setup(linux_usage, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
