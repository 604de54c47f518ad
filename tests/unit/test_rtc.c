/*
 * test_rtc.c - the MC146818A alone on a local bus and clock (1 ns per
 * instruction, so icount is guest ns): CMOS index and data, BCD and binary,
 * 12 and 24 hours, the UIP window, SET, the divider, periodic rates, the
 * alarm with don't-care bytes, the update-ended interrupt and register C.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/rtc.h"

#define SEC 1000000000ull
/* 2024-02-29 13:45:30 UTC, a Thursday */
#define START 1709214330ll

typedef struct Fixture {
    uint64_t icount;
    Clock clock;
    IoBus bus;
    Rtc rtc;
    int level, edges;
    uint64_t last_edge_ns;
} Fixture;

static void irq_set_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    (void)n;
    if (level && !f->level) {
        f->edges++;
        f->last_edge_ns = clock_now(&f->clock);
    }
    f->level = level;
}

static int setup_at(void **state, int64_t start)
{
    static Fixture f;
    memset(&f, 0, sizeof(f));
    clock_init(&f.clock, &f.icount, 1000);
    bus_init(&f.bus);
    rtc_init(&f.rtc, &f.bus, &f.clock, irq_line(irq_set_cb, &f, 8), start);
    *state = &f;
    return 0;
}

static int setup(void **state)
{
    return setup_at(state, START);
}

static int setup_y2k(void **state)
{
    return setup_at(state, 946684799); /* 1999-12-31 23:59:59 */
}

static uint8_t rd(Fixture *f, int index)
{
    bus_out(&f->bus, 0x70, (uint32_t)index, 1);
    return (uint8_t)bus_in(&f->bus, 0x71, 1);
}

static void wr(Fixture *f, int index, uint8_t v)
{
    bus_out(&f->bus, 0x70, (uint32_t)index, 1);
    bus_out(&f->bus, 0x71, v, 1);
}

/* Run the clock to ns, firing events on the way; with ack, an interrupt
 * handler reads register C at each edge, as a guest would. */
static void run_to(Fixture *f, uint64_t ns, bool ack)
{
    for (;;) {
        uint64_t d = clock_next_deadline(&f->clock);
        if (d > ns)
            break;
        if (d > f->icount)
            f->icount = d;
        clock_run_due(&f->clock);
        if (ack && f->level)
            rd(f, RTC_REG_C);
    }
    f->icount = ns;
    clock_run_due(&f->clock);
    if (ack && f->level)
        rd(f, RTC_REG_C);
}

/* Index port bits 0-6 select one of 128 bytes; bit 7 is the NMI mask. */
static void cmos_index_data(void **state)
{
    Fixture *f = *state;
    wr(f, 0x40, 0x5a);
    wr(f, 0x7f, 0xa5);
    assert_int_equal(rd(f, 0x40), 0x5a);
    assert_int_equal(rd(f, 0x7f), 0xa5);
    assert_false(rtc_nmi_masked(&f->rtc));
    bus_out(&f->bus, 0x70, 0xc0, 1); /* NMI off, index 0x40 */
    assert_true(rtc_nmi_masked(&f->rtc));
    assert_int_equal(bus_in(&f->bus, 0x71, 1), 0x5a);
    assert_int_equal(bus_in(&f->bus, 0x70, 1), 0xff); /* write-only */
    bus_out(&f->bus, 0x70, 0x0d, 1);
    assert_false(rtc_nmi_masked(&f->rtc));
    assert_int_equal(bus_in(&f->bus, 0x71, 1), RTC_D_VRT);
    /* Board access and the AT checksum over 0x10-0x2d. */
    rtc_set_cmos(&f->rtc, 0x10, 0x40);
    rtc_set_cmos(&f->rtc, 0x15, 0x80);
    rtc_set_cmos(&f->rtc, 0x16, 0x02);
    rtc_set_cmos(&f->rtc, 0x2d, 0xff);
    rtc_set_cmos(&f->rtc, 200, 1); /* out of range: ignored */
    rtc_fix_checksum(&f->rtc);
    unsigned sum = 0x40 + 0x80 + 0x02 + 0xff;
    assert_int_equal(rtc_get_cmos(&f->rtc, 0x2e), sum >> 8);
    assert_int_equal(rtc_get_cmos(&f->rtc, 0x2f), sum & 0xff);
    assert_int_equal(rd(f, 0x2f), sum & 0xff);
    /* Nothing listens: nothing is scheduled. */
    assert_null(f->clock.head);
}

static void bcd_and_binary(void **state)
{
    Fixture *f = *state;
    assert_int_equal(rd(f, RTC_REG_A), 0x26);
    assert_int_equal(rd(f, RTC_REG_B), RTC_B_24H);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    assert_int_equal(rd(f, RTC_MINUTES), 0x45);
    assert_int_equal(rd(f, RTC_HOURS), 0x13);
    assert_int_equal(rd(f, RTC_DAY_OF_WEEK), 5);
    assert_int_equal(rd(f, RTC_DAY_OF_MONTH), 0x29);
    assert_int_equal(rd(f, RTC_MONTH), 0x02);
    assert_int_equal(rd(f, RTC_YEAR), 0x24);
    assert_int_equal(rd(f, RTC_CENTURY), 0x20);
    assert_int_equal(rd(f, RTC_CENTURY_PS2), 0x20);
    wr(f, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(rd(f, RTC_SECONDS), 30);
    assert_int_equal(rd(f, RTC_MINUTES), 45);
    assert_int_equal(rd(f, RTC_HOURS), 13);
    assert_int_equal(rd(f, RTC_DAY_OF_MONTH), 29);
    assert_int_equal(rd(f, RTC_YEAR), 24);
    assert_int_equal(rd(f, RTC_CENTURY), 20);
    /* Leap day + 1 day, across the month end. */
    run_to(f, 86400 * SEC, false);
    assert_int_equal(rd(f, RTC_DAY_OF_MONTH), 1);
    assert_int_equal(rd(f, RTC_MONTH), 3);
    assert_int_equal(rd(f, RTC_DAY_OF_WEEK), 6);
    assert_int_equal(rd(f, RTC_SECONDS), 30);
}

static void century_rollover(void **state)
{
    Fixture *f = *state;
    assert_int_equal(rd(f, RTC_YEAR), 0x99);
    assert_int_equal(rd(f, RTC_CENTURY), 0x19);
    run_to(f, SEC, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0);
    assert_int_equal(rd(f, RTC_HOURS), 0);
    assert_int_equal(rd(f, RTC_DAY_OF_MONTH), 1);
    assert_int_equal(rd(f, RTC_MONTH), 1);
    assert_int_equal(rd(f, RTC_YEAR), 0);
    assert_int_equal(rd(f, RTC_CENTURY), 0x20);
}

/* 12-hour mode: 1-12 with the PM bit 0x80; 12 AM is midnight. */
static void hours_12_and_24(void **state)
{
    Fixture *f = *state;
    wr(f, RTC_REG_B, 0); /* BCD, 12 h */
    assert_int_equal(rd(f, RTC_HOURS), 0x81);
    wr(f, RTC_REG_B, RTC_B_DM_BINARY);
    assert_int_equal(rd(f, RTC_HOURS), 0x81);
    /* Set 12:00:00 AM (midnight) and 12 PM under SET, read in 24 h. */
    wr(f, RTC_REG_B, RTC_B_SET);
    wr(f, RTC_HOURS, 0x12);
    wr(f, RTC_MINUTES, 0x00);
    wr(f, RTC_REG_B, 0);
    wr(f, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(f, RTC_HOURS), 0x00);
    wr(f, RTC_REG_B, RTC_B_SET);
    wr(f, RTC_HOURS, 0x12);
    wr(f, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(f, RTC_HOURS, 0x23);
    wr(f, RTC_REG_B, RTC_B_24H);
    wr(f, RTC_REG_B, 0);
    assert_int_equal(rd(f, RTC_HOURS), 0x91); /* 11 PM */
    wr(f, RTC_REG_B, RTC_B_SET);
    wr(f, RTC_HOURS, 0x92); /* 12 PM = noon */
    wr(f, RTC_REG_B, 0);
    wr(f, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(f, RTC_HOURS), 0x12);
}

/* UIP is high for 244 us before each update, and only then. */
static void uip_window(void **state)
{
    Fixture *f = *state;
    const uint64_t uip = 244140;
    run_to(f, SEC - uip - 1, false);
    assert_int_equal(rd(f, RTC_REG_A) & RTC_A_UIP, 0);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    run_to(f, SEC - uip, false);
    assert_int_equal(rd(f, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
    run_to(f, SEC - 1, false);
    assert_int_equal(rd(f, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    run_to(f, SEC, false);
    assert_int_equal(rd(f, RTC_REG_A) & RTC_A_UIP, 0);
    assert_int_equal(rd(f, RTC_SECONDS), 0x31);
    /* SET clears UIP. */
    run_to(f, 2 * SEC - 1000, false);
    wr(f, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    assert_int_equal(rd(f, RTC_REG_A) & RTC_A_UIP, 0);
}

/* SET stops the updates and lets the guest write the time, from which
 * counting resumes; SET going high clears UIE. */
static void set_freezes_updates(void **state)
{
    Fixture *f = *state;
    wr(f, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
    assert_int_equal(rd(f, RTC_REG_B), RTC_B_SET | RTC_B_24H);
    run_to(f, 3 * SEC + SEC / 2, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    assert_int_equal(rd(f, RTC_REG_C) & RTC_C_UF, 0); /* no update, no UF */
    wr(f, RTC_SECONDS, 0x58);
    wr(f, RTC_MINUTES, 0x59);
    wr(f, RTC_HOURS, 0x05);
    wr(f, RTC_YEAR, 0x31);
    wr(f, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(f, RTC_SECONDS), 0x58);
    run_to(f, 4 * SEC, false); /* the divider kept its phase */
    assert_int_equal(rd(f, RTC_SECONDS), 0x59);
    run_to(f, 5 * SEC, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0x00);
    assert_int_equal(rd(f, RTC_MINUTES), 0x00);
    assert_int_equal(rd(f, RTC_HOURS), 0x06);
    assert_int_equal(rd(f, RTC_YEAR), 0x31);
    /* A write while counting lands in the counter. */
    wr(f, RTC_MINUTES, 0x10);
    run_to(f, 6 * SEC, false);
    assert_int_equal(rd(f, RTC_MINUTES), 0x10);
    assert_int_equal(rd(f, RTC_SECONDS), 0x01);
}

/* Divider reset (DV = 11x) stops the clock; the first update comes 500 ms
 * after it returns to 010. */
static void divider_reset(void **state)
{
    Fixture *f = *state;
    run_to(f, SEC / 4, false);
    wr(f, RTC_REG_A, 0x76);
    run_to(f, 5 * SEC, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    wr(f, RTC_REG_A, 0x26);
    run_to(f, 5 * SEC + SEC / 2 - 1, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0x30);
    run_to(f, 5 * SEC + SEC / 2, false);
    assert_int_equal(rd(f, RTC_SECONDS), 0x31);
}

/* Periodic rates (datasheet table 5): count IRQ8 edges over a second. */
static void periodic_rates(void **state)
{
    Fixture *f = *state;
    static const int hz[16] = { 0, 256, 128, 8192, 4096, 2048, 1024, 512,
                                256, 128, 64, 32, 16, 8, 4, 2 };
    for (int rs = 0; rs < 16; rs++) {
        wr(f, RTC_REG_B, RTC_B_24H);
        rd(f, RTC_REG_C);
        /* Start on a 0.5 s boundary: every period divides it. */
        uint64_t t0 = (f->icount / (SEC / 2) + 1) * (SEC / 2);
        run_to(f, t0, false);
        wr(f, RTC_REG_A, (uint8_t)(0x20 | rs));
        rd(f, RTC_REG_C); /* PF rose while PIE was off */
        wr(f, RTC_REG_B, RTC_B_PIE | RTC_B_24H);
        f->edges = 0;
        run_to(f, t0 + SEC, true);
        assert_int_equal(f->edges, hz[rs]);
        if (rs == 0)
            assert_null(f->clock.head); /* PIE with no rate: no timer */
    }
    /* At 1024 Hz the edges are 976.5625 us apart. */
    wr(f, RTC_REG_A, 0x26);
    uint64_t t0 = (f->icount / SEC + 1) * SEC;
    run_to(f, t0, true);
    f->edges = 0;
    run_to(f, t0 + 976562, true);
    assert_int_equal(f->edges, 0);
    run_to(f, t0 + 976563, true);
    assert_int_equal(f->edges, 1);
}

/* The alarm with don't-care bytes: second 05 of every minute. */
static void alarm_dont_care(void **state)
{
    Fixture *f = *state;
    wr(f, RTC_SECONDS_ALARM, 0x05);
    wr(f, RTC_MINUTES_ALARM, 0xc0);
    wr(f, RTC_HOURS_ALARM, 0xff);
    wr(f, RTC_REG_B, RTC_B_AIE | RTC_B_24H);
    run_to(f, 35 * SEC - 1, false);
    assert_int_equal(f->edges, 0);
    run_to(f, 35 * SEC, false);
    assert_int_equal(f->edges, 1);
    assert_int_equal(rd(f, RTC_MINUTES), 0x46);
    assert_int_equal(rd(f, RTC_SECONDS), 0x05);
    uint8_t c = rd(f, RTC_REG_C);
    assert_int_equal(c & (RTC_C_IRQF | RTC_C_AF), RTC_C_IRQF | RTC_C_AF);
    run_to(f, 95 * SEC, true);
    assert_int_equal(f->edges, 2);
    assert_int_equal(f->last_edge_ns, 95 * SEC);
    /* An exact alarm: 14:00:00, 12 min 55 s after 13:47:05. */
    wr(f, RTC_SECONDS_ALARM, 0x00);
    wr(f, RTC_MINUTES_ALARM, 0x00);
    wr(f, RTC_HOURS_ALARM, 0x14);
    run_to(f, (95 + 12 * 60 + 55) * SEC, true);
    assert_int_equal(f->edges, 3);
    assert_int_equal(f->last_edge_ns, (95 + 12 * 60 + 55) * SEC);
}

/* The update-ended interrupt: one edge a second, C reads IRQF|UF. */
static void update_ended_interrupt(void **state)
{
    Fixture *f = *state;
    wr(f, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    run_to(f, SEC, false);
    assert_int_equal(f->edges, 1);
    assert_int_equal(f->level, 1);
    /* PF is up too: it rises at 1024 Hz whatever PIE says. */
    assert_int_equal(rd(f, RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF);
    assert_int_equal(f->level, 0);
    run_to(f, 4 * SEC, true);
    assert_int_equal(f->edges, 4);
}

/* Flags set while their interrupts are off (no IRQF, no timer), all
 * cleared by reading C; enabling an interrupt whose flag is up raises IRQ8. */
static void regc_read_clear(void **state)
{
    Fixture *f = *state;
    wr(f, RTC_SECONDS_ALARM, 0xff);
    wr(f, RTC_MINUTES_ALARM, 0xff);
    wr(f, RTC_HOURS_ALARM, 0xff);
    run_to(f, SEC / 100, false);
    assert_null(f->clock.head);
    assert_int_equal(rd(f, RTC_REG_C), RTC_C_PF);
    assert_int_equal(rd(f, RTC_REG_C), 0);
    run_to(f, 3 * SEC, false);
    assert_int_equal(f->edges, 0);
    assert_int_equal(rd(f, RTC_REG_C), RTC_C_PF | RTC_C_AF | RTC_C_UF);
    run_to(f, 4 * SEC, false);
    wr(f, RTC_REG_B, RTC_B_UIE | RTC_B_24H);
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
    assert_int_equal(f->level, 0);
    assert_int_equal(rd(f, RTC_REG_C), 0);
    /* rtc_reset clears the enables and C. */
    run_to(f, 5 * SEC, false);
    assert_int_equal(f->level, 1);
    rtc_reset(&f->rtc);
    assert_int_equal(f->level, 0);
    assert_int_equal(rd(f, RTC_REG_B), RTC_B_24H);
    assert_null(f->clock.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(cmos_index_data, setup),
        cmocka_unit_test_setup(bcd_and_binary, setup),
        cmocka_unit_test_setup(century_rollover, setup_y2k),
        cmocka_unit_test_setup(hours_12_and_24, setup),
        cmocka_unit_test_setup(uip_window, setup),
        cmocka_unit_test_setup(set_freezes_updates, setup),
        cmocka_unit_test_setup(divider_reset, setup),
        cmocka_unit_test_setup(periodic_rates, setup),
        cmocka_unit_test_setup(alarm_dont_care, setup),
        cmocka_unit_test_setup(update_ended_interrupt, setup),
        cmocka_unit_test_setup(regc_read_clear, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
