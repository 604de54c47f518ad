/*
 * test_clock.c - the virtual clock (hw/clock.h): guest time from the
 * instruction count, events firing in time order with ties in schedule
 * order, the deadline the run loop uses being the first instruction at
 * which an event is due, and halts jumping the clock forward.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/clock.h"

static int order[8], norder;

static void record(void *opaque)
{
    order[norder++] = (int)(intptr_t)opaque;
}

static void time_follows_icount(void **state)
{
    (void)state;
    uint64_t icount = 0;
    Clock k;
    clock_init(&k, &icount, 2500); /* 2.5 ns per instruction */
    assert_int_equal(clock_now(&k), 0);
    icount = 4;
    assert_int_equal(clock_now(&k), 10);
    icount = 1000001;
    assert_int_equal(clock_now(&k), 2500002); /* rounds down */
}

static void deadline_is_first_instruction_at_or_after(void **state)
{
    (void)state;
    uint64_t icount = 0;
    Clock k;
    clock_init(&k, &icount, 3000);
    Event e;
    event_init(&e, "e", record, 0);
    assert_int_equal(clock_next_deadline(&k), UINT64_MAX);
    event_schedule(&k, &e, 10); /* 3.33 instructions: due at the 4th */
    assert_int_equal(clock_next_deadline(&k), 4);
    icount = 3;
    norder = 0;
    assert_int_equal(clock_run_due(&k), 0);
    icount = 4;
    assert_int_equal(clock_run_due(&k), 1);
    assert_false(event_pending(&e));
}

static void ties_fire_in_schedule_order(void **state)
{
    (void)state;
    uint64_t icount = 0;
    Clock k;
    clock_init(&k, &icount, 1000);
    Event a, b, c, d;
    event_init(&a, "a", record, (void *)1);
    event_init(&b, "b", record, (void *)2);
    event_init(&c, "c", record, (void *)3);
    event_init(&d, "d", record, (void *)4);
    event_schedule(&k, &c, 50);
    event_schedule(&k, &a, 20);
    event_schedule(&k, &b, 20);
    event_schedule(&k, &d, 100);
    event_cancel(&k, &d);
    norder = 0;
    icount = 100;
    assert_int_equal(clock_run_due(&k), 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 3);
    assert_false(event_pending(&d));
}

static Clock *resched_clock;
static Event *resched_event;
static int resched_count;

static void resched(void *opaque)
{
    (void)opaque;
    if (++resched_count < 3)
        event_schedule(resched_clock, resched_event, resched_event->when + 10);
}

static void callback_may_reschedule(void **state)
{
    (void)state;
    uint64_t icount = 0;
    Clock k;
    clock_init(&k, &icount, 1000);
    Event e;
    event_init(&e, "periodic", resched, 0);
    resched_clock = &k;
    resched_event = &e;
    resched_count = 0;
    event_schedule(&k, &e, 10);
    icount = 25;
    /* 10 and 20 are due at 25; 30 is not. */
    assert_int_equal(clock_run_due(&k), 2);
    assert_true(event_pending(&e));
    assert_int_equal(clock_next_deadline(&k), 30);
}

static void halt_skips_to_next_event(void **state)
{
    (void)state;
    uint64_t icount = 7;
    Clock k;
    clock_init(&k, &icount, 1000);
    assert_false(clock_skip_to_next(&k));
    Event e;
    event_init(&e, "e", record, 0);
    event_schedule(&k, &e, 1000000);
    assert_true(clock_skip_to_next(&k));
    assert_int_equal(clock_now(&k), 1000000);
    /* The deadline is an absolute instruction count: due right now. */
    assert_int_equal(clock_next_deadline(&k), 7);
    norder = 0;
    assert_int_equal(clock_run_due(&k), 1);
    /* Time keeps flowing from the new offset. */
    icount = 17;
    assert_int_equal(clock_now(&k), 1000010);
}

static void rate_conversions(void **state)
{
    (void)state;
    assert_int_equal(clock_ticks_to_ns(1193182, 1193182), NS_PER_SEC);
    assert_int_equal(clock_ns_to_ticks(NS_PER_SEC, 1193182), 1193182);
    assert_int_equal(clock_ticks_to_ns(1, 1193182), 838);
}

/* The 64-bit shortcut (products that fit) and the 128-bit path agree on
 * both sides of the point where the product overflows 64 bits. */
static void rate_conversions_past_64_bits(void **state)
{
    (void)state;
    const uint64_t hz = 1193182;
    uint64_t edge_ns = UINT64_MAX / hz, edge_ticks = UINT64_MAX / NS_PER_SEC;
    for (uint64_t d = 0; d < 4; d++) {
        uint64_t ns[2] = { edge_ns - d, edge_ns + 1 + d }, ticks[2] = { edge_ticks - d, edge_ticks + 1 + d };
        for (int i = 0; i < 2; i++) {
            assert_true(clock_ns_to_ticks(ns[i], hz) == (uint64_t)(((unsigned __int128)ns[i] * hz) / NS_PER_SEC));
            assert_true(clock_ticks_to_ns(ticks[i], hz) ==
                        (uint64_t)(((unsigned __int128)ticks[i] * NS_PER_SEC) / hz));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_follows_icount),
        cmocka_unit_test(deadline_is_first_instruction_at_or_after),
        cmocka_unit_test(ties_fire_in_schedule_order),
        cmocka_unit_test(callback_may_reschedule),
        cmocka_unit_test(halt_skips_to_next_event),
        cmocka_unit_test(rate_conversions),
        cmocka_unit_test(rate_conversions_past_64_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
