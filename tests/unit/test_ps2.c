/*
 * test_ps2.c - the PS/2 keyboard and mouse alone, their queues read
 * directly (no controller, so no translation): scancode sets and the
 * special keys, typematic timing on the virtual clock, the queue overrun,
 * the command set and its ACKs, mouse packets (sign, overflow, scaling),
 * the sample-rate pacing, the wheel knocks, remote and wrap modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/ps2.h"

typedef struct T {
    uint64_t icount; /* 1 instruction = 1 ns */
    Clock clock;
    Ps2Kbd kbd;
    Ps2Mouse mouse;
    int notified;
} T;

static void notify(void *opaque)
{
    ((T *)opaque)->notified++;
}

static int setup(void **state)
{
    T *t = calloc(1, sizeof(*t));
    clock_init(&t->clock, &t->icount, 1000);
    ps2_kbd_init(&t->kbd, &t->clock, notify, t);
    ps2_mouse_init(&t->mouse, &t->clock, notify, t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Run the clock to absolute guest time ns, firing what is due. */
static void run_to(T *t, uint64_t ns)
{
    t->icount = ns;
    clock_run_due(&t->clock);
}

static int drain(int (*rd)(void *), void *dev, uint8_t *out, int max)
{
    int n = 0, b;
    while ((b = rd(dev)) >= 0) {
        if (n < max)
            out[n] = (uint8_t)b;
        n++;
    }
    return n;
}

/* Reads like a guest that waits: when held-back key events are due later
 * (PS2_KEY_GAP_NS apart), guest time moves on to them. */
static int kbd_rd(void *p)
{
    T *t = (T *)((char *)p - offsetof(T, kbd));
    int b = ps2_kbd_read(&t->kbd);
    while (b < 0 && t->kbd.keyq_count) {
        run_to(t, t->icount + PS2_KEY_GAP_NS);
        b = ps2_kbd_read(&t->kbd);
    }
    return b;
}

static int mouse_rd(void *p)
{
    return ps2_mouse_read(p);
}

#define EXPECT_KBD(t, ...)                                                                                   \
    do {                                                                                                     \
        static const uint8_t want_[] = {__VA_ARGS__};                                                        \
        uint8_t got_[64];                                                                                    \
        int n_ = drain(kbd_rd, &(t)->kbd, got_, 64);                                                         \
        assert_int_equal(n_, sizeof(want_));                                                                 \
        assert_memory_equal(got_, want_, sizeof(want_));                                                     \
    } while (0)

#define EXPECT_MOUSE(t, ...)                                                                                 \
    do {                                                                                                     \
        static const uint8_t want_[] = {__VA_ARGS__};                                                        \
        uint8_t got_[64];                                                                                    \
        int n_ = drain(mouse_rd, &(t)->mouse, got_, 64);                                                     \
        assert_int_equal(n_, sizeof(want_));                                                                 \
        assert_memory_equal(got_, want_, sizeof(want_));                                                     \
    } while (0)

#define EXPECT_KBD_EMPTY(t) assert_false(ps2_kbd_has_data(&(t)->kbd))
#define EXPECT_MOUSE_EMPTY(t) assert_false(ps2_mouse_has_data(&(t)->mouse))

/* Translation table and the set-1 -> set-2 map are inverses. */
static void scancode_tables(void **state)
{
    (void)state;
    for (int c = 1; c < 0x59; c++) {
        uint8_t s2 = ps2_set1_to_set2((uint8_t)c);
        if (s2 == 0)
            fail_msg("set-1 code 0x%02x has no set-2 code", c);
        assert_int_equal(ps2_translate(s2), c);
    }
    assert_int_equal(ps2_set1_to_set2(0x1e), 0x1c); /* A */
    assert_int_equal(ps2_set1_to_set2(0x41), 0x83); /* F7 */
    assert_int_equal(ps2_translate(0xfa), 0xfa);    /* ACK passes */
    assert_int_equal(ps2_translate(0x83), 0x41);    /* ID byte */
}

/* Set 2 (power-on): make code, F0 + code for break, E0 prefix. */
static void kbd_set2_keys(void **state)
{
    T *t = *state;
    ps2_kbd_key(&t->kbd, 0x1e, true);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    EXPECT_KBD(t, 0x1c, 0xf0, 0x1c);
    ps2_kbd_key(&t->kbd, 0x11d, true); /* right Ctrl */
    ps2_kbd_key(&t->kbd, 0x11d, false);
    EXPECT_KBD(t, 0xe0, 0x14, 0xe0, 0xf0, 0x14);
    /* Host auto-repeat (a second down) is ignored. */
    ps2_kbd_key(&t->kbd, 0x10, true);
    ps2_kbd_key(&t->kbd, 0x10, true);
    ps2_kbd_key(&t->kbd, 0x10, false);
    EXPECT_KBD(t, 0x15, 0xf0, 0x15);
    assert_true(t->notified > 0);
}

/* Pause has no break; Ctrl+Pause is Break; Print Screen's fake shift. */
static void kbd_special_keys(void **state)
{
    T *t = *state;
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, false);
    EXPECT_KBD(t, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    ps2_kbd_key(&t->kbd, 0x1d, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, false);
    ps2_kbd_key(&t->kbd, 0x1d, false);
    EXPECT_KBD(t, 0x14, 0xe0, 0x7e, 0xe0, 0xf0, 0x7e, 0xf0, 0x14);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, false);
    EXPECT_KBD(t, 0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
    ps2_kbd_key(&t->kbd, 0x2a, true); /* with Shift: no fake shift */
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, false);
    ps2_kbd_key(&t->kbd, 0x2a, false);
    EXPECT_KBD(t, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xf0, 0x12);
    ps2_kbd_key(&t->kbd, 0x38, true); /* Alt+PrtScr = SysRq */
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, false);
    ps2_kbd_key(&t->kbd, 0x38, false);
    EXPECT_KBD(t, 0x11, 0x84, 0xf0, 0x84, 0xf0, 0x11);
}

/* 0xf0: get and set the scancode set; sets 1 and 3 produce their codes. */
static void kbd_scancode_sets(void **state)
{
    T *t = *state;
    ps2_kbd_write(&t->kbd, 0xf0);
    ps2_kbd_write(&t->kbd, 0x00);
    EXPECT_KBD(t, 0xfa, 0xfa, 0x02);
    ps2_kbd_write(&t->kbd, 0xf0);
    ps2_kbd_write(&t->kbd, 0x01);
    EXPECT_KBD(t, 0xfa, 0xfa);
    ps2_kbd_key(&t->kbd, 0x1e, true);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    ps2_kbd_key(&t->kbd, 0x148, true); /* Up */
    ps2_kbd_key(&t->kbd, 0x148, false);
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, true);
    EXPECT_KBD(t, 0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, true);
    ps2_kbd_key(&t->kbd, PS2_KEY_PRTSCR, false);
    EXPECT_KBD(t, 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
    ps2_kbd_key(&t->kbd, PS2_KEY_PAUSE, false);
    ps2_kbd_write(&t->kbd, 0xf0);
    ps2_kbd_write(&t->kbd, 0x03);
    ps2_kbd_write(&t->kbd, 0xf0);
    ps2_kbd_write(&t->kbd, 0x00);
    EXPECT_KBD(t, 0xfa, 0xfa, 0xfa, 0xfa, 0x03);
    ps2_kbd_key(&t->kbd, 0x1e, true); /* A: as set 2 */
    ps2_kbd_key(&t->kbd, 0x1e, false);
    ps2_kbd_key(&t->kbd, 0x148, true); /* Up: 0x63, no E0 */
    ps2_kbd_key(&t->kbd, 0x148, false);
    EXPECT_KBD(t, 0x1c, 0xf0, 0x1c, 0x63, 0xf0, 0x63);
    ps2_kbd_write(&t->kbd, 0xf0);
    ps2_kbd_write(&t->kbd, 0x07); /* no such set */
    EXPECT_KBD(t, 0xfa, 0xfe);
}

/* Commands: echo, identify, LEDs, unknown byte, resend, reset. */
static void kbd_commands(void **state)
{
    T *t = *state;
    ps2_kbd_write(&t->kbd, 0xee);
    EXPECT_KBD(t, 0xee);
    ps2_kbd_write(&t->kbd, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xab, 0x83);
    ps2_kbd_write(&t->kbd, 0xed);
    ps2_kbd_write(&t->kbd, 0x07);
    EXPECT_KBD(t, 0xfa, 0xfa);
    assert_int_equal(t->kbd.leds, 7);
    ps2_kbd_write(&t->kbd, 0x12); /* not a command */
    EXPECT_KBD(t, 0xfe);
    ps2_kbd_write(&t->kbd, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xab, 0x83);
    ps2_kbd_write(&t->kbd, 0xfe); /* resend: the last byte sent */
    EXPECT_KBD(t, 0x83);
    /* A command byte where a parameter was expected starts that command. */
    ps2_kbd_write(&t->kbd, 0xed);
    ps2_kbd_write(&t->kbd, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xfa, 0xab, 0x83);
    ps2_kbd_write(&t->kbd, 0xff);
    EXPECT_KBD(t, 0xfa, 0xaa);
    assert_int_equal(t->kbd.leds, 0);
}

/* 0xf5 stops scanning (keys are lost), 0xf4 restarts it. */
static void kbd_enable_disable(void **state)
{
    T *t = *state;
    ps2_kbd_write(&t->kbd, 0xf5);
    EXPECT_KBD(t, 0xfa);
    ps2_kbd_key(&t->kbd, 0x1e, true);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    EXPECT_KBD_EMPTY(t);
    ps2_kbd_write(&t->kbd, 0xf4);
    EXPECT_KBD(t, 0xfa);
    ps2_kbd_key(&t->kbd, 0x1e, true);
    EXPECT_KBD(t, 0x1c);
}

/* Host key events faster than the guest reads: each waits, whole, until
 * the bytes before it are taken, so none is lost to the 16-byte buffer
 * (GRUB polling the BIOS lost keys typed 20 ms apart when a burst of host
 * events overflowed it). */
static void kbd_held_back(void **state)
{
    T *t = *state;
    for (int i = 0; i < 10; i++) {
        ps2_kbd_key(&t->kbd, 0x1e, true);
        ps2_kbd_key(&t->kbd, 0x1e, false);
    }
    /* Only the first press is in the keyboard's buffer. */
    assert_int_equal(t->kbd.q.count, 1);
    assert_int_equal(t->kbd.keyq_count, 19);
    /* Once its byte is taken, the release follows PS2_KEY_GAP_NS after
     * the press, and the controller is told. */
    assert_int_equal(ps2_kbd_read(&t->kbd), 0x1c);
    EXPECT_KBD_EMPTY(t);
    run_to(t, PS2_KEY_GAP_NS - 1);
    EXPECT_KBD_EMPTY(t);
    int before = t->notified;
    run_to(t, PS2_KEY_GAP_NS);
    assert_int_equal(t->kbd.q.count, 2);
    assert_int_equal(t->kbd.keyq_count, 18);
    assert_true(t->notified > before);
    assert_int_equal(ps2_kbd_read(&t->kbd), 0xf0);
    assert_int_equal(t->kbd.q.count, 1);
    /* a guest slower than the gap: the next event comes as the last byte
     * is taken */
    run_to(t, 3 * PS2_KEY_GAP_NS);
    assert_int_equal(ps2_kbd_read(&t->kbd), 0x1c);
    assert_int_equal(t->kbd.q.count, 1);
    assert_int_equal(t->kbd.keyq_count, 17);
    /* the other nine pairs, in order */
    EXPECT_KBD(t, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c,
               0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c, 0x1c, 0xf0, 0x1c);
    /* Shift held across queued keys: the make/break order is kept. */
    ps2_kbd_key(&t->kbd, 0x2a, true);
    ps2_kbd_key(&t->kbd, 0x1e, true);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    ps2_kbd_key(&t->kbd, 0x2a, false);
    EXPECT_KBD(t, 0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12);
}

/* The held-back queue is bounded: presses stop fitting first, so the
 * releases of keys already down always fit (no stuck keys). */
static void kbd_held_back_full(void **state)
{
    T *t = *state;
    ps2_kbd_key(&t->kbd, 0x1d, true); /* Ctrl, sent at once */
    for (int i = 0; i < PS2_KEYQ_SIZE; i++) {
        ps2_kbd_key(&t->kbd, 0x1e, true);
        ps2_kbd_key(&t->kbd, 0x1e, false);
    }
    assert_int_equal(t->kbd.keyq_count, PS2_KEYQ_SIZE - PS2_KEYQ_RELEASE_ROOM);
    ps2_kbd_key(&t->kbd, 0x1d, false);
    assert_int_equal(t->kbd.keyq_count, PS2_KEYQ_SIZE - PS2_KEYQ_RELEASE_ROOM + 1);
    static uint8_t got[4 * PS2_KEYQ_SIZE];
    int n = drain(kbd_rd, &t->kbd, got, (int)sizeof(got));
    /* Ctrl's make, the whole A press/release pairs held back, Ctrl's break */
    int pairs = (PS2_KEYQ_SIZE - PS2_KEYQ_RELEASE_ROOM) / 2;
    assert_int_equal(n, 1 + pairs * 3 + 2);
    assert_int_equal(got[0], 0x14);
    assert_int_equal(got[n - 2], 0xf0);
    assert_int_equal(got[n - 1], 0x14);
    for (int i = 0; i < pairs; i++) {
        assert_int_equal(got[1 + 3 * i], 0x1c);
        assert_int_equal(got[2 + 3 * i], 0xf0);
        assert_int_equal(got[3 + 3 * i], 0x1c);
    }
    /* A command that flushes the buffer drops what was held back; the
     * guest's idea of the held keys catches up with the host's. */
    ps2_kbd_key(&t->kbd, 0x10, true);
    ps2_kbd_key(&t->kbd, 0x11, true);
    ps2_kbd_write(&t->kbd, 0xf4);
    EXPECT_KBD(t, 0xfa);
    assert_int_equal(t->kbd.keyq_count, 0);
    ps2_kbd_key(&t->kbd, 0x11, false);
    ps2_kbd_key(&t->kbd, 0x10, false);
    EXPECT_KBD(t, 0xf0, 0x1d, 0xf0, 0x15);
}

/* The 16-byte buffer still overruns when the guest reads nothing while a
 * key repeats: the last free slot gets the overrun code (0x00 in set 2). */
static void kbd_overrun(void **state)
{
    T *t = *state;
    ps2_kbd_key(&t->kbd, 0x1e, true);
    run_to(t, 500000000 + 20 * 91666667ull);
    EXPECT_KBD(t, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,
               0x00);
    /* A release that comes while repeats wait is not overtaken by more. */
    run_to(t, 500000000 + 21 * 91666667ull);
    EXPECT_KBD(t, 0x1c);
    ps2_kbd_key(&t->kbd, 0x30, true);
    run_to(t, 500000000 + 21 * 91666667ull + 1);
    ps2_kbd_key(&t->kbd, 0x30, false);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    run_to(t, 2000000000ull);
    EXPECT_KBD(t, 0x32, 0xf0, 0x32, 0xf0, 0x1c);
    run_to(t, 4000000000ull);
    EXPECT_KBD_EMPTY(t);
}

/* Typematic from 0xf3: 0x20 = 30/s after 500 ms; repeats stop at release. */
static void kbd_typematic(void **state)
{
    T *t = *state;
    ps2_kbd_write(&t->kbd, 0xf3);
    ps2_kbd_write(&t->kbd, 0x20);
    EXPECT_KBD(t, 0xfa, 0xfa);
    assert_int_equal(ps2_typematic_delay_ns(0x20), 500000000u);
    assert_int_equal(ps2_typematic_period_ns(0x20), 33333333u);
    assert_int_equal(ps2_typematic_period_ns(0x1f), 500000000u);
    assert_int_equal(ps2_typematic_delay_ns(0x60), 1000000000u);

    run_to(t, 1000);
    ps2_kbd_key(&t->kbd, 0x1e, true);
    EXPECT_KBD(t, 0x1c);
    run_to(t, 1000 + 499999999);
    EXPECT_KBD_EMPTY(t);
    run_to(t, 1000 + 500000000);
    EXPECT_KBD(t, 0x1c);
    run_to(t, 1000 + 500000000 + 33333332);
    EXPECT_KBD_EMPTY(t);
    run_to(t, 1000 + 500000000 + 33333333);
    EXPECT_KBD(t, 0x1c);
    /* Ten more periods: ten more makes. */
    run_to(t, 1000 + 500000000 + 11 * 33333333ull);
    uint8_t got[32];
    assert_int_equal(drain(kbd_rd, &t->kbd, got, 32), 10);
    /* A second key held takes over the repeat; releasing the first key
     * does not stop it, releasing the second does. */
    uint64_t now = 1000 + 500000000 + 11 * 33333333ull + 5;
    run_to(t, now);
    ps2_kbd_key(&t->kbd, 0x30, true);
    ps2_kbd_key(&t->kbd, 0x1e, false);
    EXPECT_KBD(t, 0x32, 0xf0, 0x1c);
    run_to(t, now + 500000000);
    EXPECT_KBD(t, 0x32);
    ps2_kbd_key(&t->kbd, 0x30, false);
    EXPECT_KBD(t, 0xf0, 0x32);
    run_to(t, now + 2000000000);
    EXPECT_KBD_EMPTY(t);
    /* Default (0x2b after reset): 500 ms, then 91.67 ms. */
    ps2_kbd_write(&t->kbd, 0xff);
    EXPECT_KBD(t, 0xfa, 0xaa);
    assert_int_equal(t->kbd.typematic, 0x2b);
    assert_int_equal(ps2_typematic_period_ns(0x2b), 91666666u);
}

/* Stream mode: a packet with the sign bits, then overflow. */
static void mouse_packets(void **state)
{
    T *t = *state;
    ps2_mouse_event(&t->mouse, 5, 5, 0, 0); /* reporting off: nothing */
    EXPECT_MOUSE_EMPTY(t);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa); /* 0xf4 also clears the counters */
    ps2_mouse_event(&t->mouse, 10, -5, 0, PS2_MOUSE_LEFT);
    EXPECT_MOUSE(t, 0x29, 0x0a, 0xfb);
    run_to(t, 10000000);
    ps2_mouse_event(&t->mouse, -300, 400, 0, PS2_MOUSE_RIGHT | PS2_MOUSE_MIDDLE);
    EXPECT_MOUSE(t, 0x08 | 0x40 | 0x80 | 0x10 | 0x06, 0x00, 0xff);
    run_to(t, 20000000);
    ps2_mouse_event(&t->mouse, -256, 255, 0, 0); /* the limits: no overflow */
    EXPECT_MOUSE(t, 0x18, 0x00, 0xff);
}

/* At most one packet per sample period (0xf3 40 = 25 ms); motion in
 * between is summed into the next packet. */
static void mouse_sample_rate(void **state)
{
    T *t = *state;
    ps2_mouse_write(&t->mouse, 0xf3);
    ps2_mouse_write(&t->mouse, 40);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa); /* each command flushes what was queued */
    run_to(t, 1000);
    ps2_mouse_event(&t->mouse, 1, 0, 0, 0);
    EXPECT_MOUSE(t, 0x08, 0x01, 0x00);
    ps2_mouse_event(&t->mouse, 2, 0, 0, 0);
    ps2_mouse_event(&t->mouse, 3, 1, 0, 0);
    EXPECT_MOUSE_EMPTY(t);
    run_to(t, 1000 + 25000000 - 1);
    EXPECT_MOUSE_EMPTY(t);
    run_to(t, 1000 + 25000000);
    EXPECT_MOUSE(t, 0x08, 0x05, 0x01);
    /* Idle: no more packets, and the next motion goes out at once. */
    run_to(t, 1000 + 100000000);
    EXPECT_MOUSE_EMPTY(t);
    ps2_mouse_event(&t->mouse, 0, -1, 0, 0);
    EXPECT_MOUSE(t, 0x28, 0x00, 0xff);
}

static void set_rate(T *t, uint8_t r)
{
    ps2_mouse_write(&t->mouse, 0xf3);
    ps2_mouse_write(&t->mouse, r);
}

/* 200/100/80 then 0xf2 -> ID 3 and 4-byte packets with Z;
 * 200/200/80 -> ID 4 with buttons 4 and 5 in the fourth byte. */
static void mouse_intellimouse(void **state)
{
    T *t = *state;
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x00);
    set_rate(t, 200);
    set_rate(t, 200);
    set_rate(t, 80); /* the Explorer knock does nothing from ID 0 */
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x00);
    set_rate(t, 200);
    set_rate(t, 100);
    set_rate(t, 80);
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x03);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_event(&t->mouse, 1, 1, -2, 0);
    EXPECT_MOUSE(t, 0x08, 0x01, 0x01, 0xfe);
    run_to(t, 100000000);
    ps2_mouse_event(&t->mouse, 0, 0, 20, 0); /* Z clamps to 7, rest kept */
    EXPECT_MOUSE(t, 0x08, 0x00, 0x00, 0x07);
    run_to(t, 112500000); /* one sample period at 80/s */
    EXPECT_MOUSE(t, 0x08, 0x00, 0x00, 0x07);
    set_rate(t, 200);
    set_rate(t, 200);
    set_rate(t, 80);
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x04);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa);
    run_to(t, 400000000);
    ps2_mouse_event(&t->mouse, 0, 0, -1, PS2_MOUSE_BUTTON4 | PS2_MOUSE_BUTTON5 | PS2_MOUSE_LEFT);
    EXPECT_MOUSE(t, 0x09, 0x00, 0x00, 0x3f);
    /* Reset drops back to the plain mouse. */
    ps2_mouse_write(&t->mouse, 0xff);
    EXPECT_MOUSE(t, 0xfa, 0xaa, 0x00);
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x00);
}

/* Remote mode: nothing unsolicited; 0xeb returns ACK + packet and clears
 * the counters. */
static void mouse_remote(void **state)
{
    T *t = *state;
    ps2_mouse_write(&t->mouse, 0xf0);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_event(&t->mouse, 3, 0, 0, 0);
    ps2_mouse_event(&t->mouse, 4, -2, 0, PS2_MOUSE_LEFT);
    run_to(t, 1000000000);
    EXPECT_MOUSE_EMPTY(t);
    ps2_mouse_write(&t->mouse, 0xeb);
    EXPECT_MOUSE(t, 0xfa, 0x29, 0x07, 0xfe);
    ps2_mouse_write(&t->mouse, 0xeb);
    EXPECT_MOUSE(t, 0xfa, 0x09, 0x00, 0x00);
    ps2_mouse_write(&t->mouse, 0xe9); /* status: remote, enabled, left */
    EXPECT_MOUSE(t, 0xfa, 0x64, 0x02, 100);
    ps2_mouse_write(&t->mouse, 0xea);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_event(&t->mouse, 1, 0, 0, PS2_MOUSE_LEFT);
    EXPECT_MOUSE(t, 0x09, 0x01, 0x00);
}

/* Wrap mode echoes every byte but 0xec (leave) and 0xff (reset). */
static void mouse_wrap(void **state)
{
    T *t = *state;
    ps2_mouse_write(&t->mouse, 0xee);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_write(&t->mouse, 0x12);
    ps2_mouse_write(&t->mouse, 0xf4);
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0x12, 0xf4, 0xf2);
    assert_false(t->mouse.reporting);
    ps2_mouse_write(&t->mouse, 0xec);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_write(&t->mouse, 0xf2);
    EXPECT_MOUSE(t, 0xfa, 0x00);
    ps2_mouse_write(&t->mouse, 0xee);
    ps2_mouse_write(&t->mouse, 0xff);
    EXPECT_MOUSE(t, 0xfa, 0xaa, 0x00); /* the reset flushed 0xee's ACK */
    assert_int_equal(t->mouse.mode, PS2_MOUSE_STREAM);
}

/* Scaling 2:1 in stream mode, resolution, status, unknown commands. */
static void mouse_settings(void **state)
{
    T *t = *state;
    ps2_mouse_write(&t->mouse, 0xe7);
    ps2_mouse_write(&t->mouse, 0xe8);
    ps2_mouse_write(&t->mouse, 0x03);
    ps2_mouse_write(&t->mouse, 0xf4);
    EXPECT_MOUSE(t, 0xfa);
    ps2_mouse_event(&t->mouse, 4, -10, 0, 0);
    EXPECT_MOUSE(t, 0x28, 0x06, 0xec);
    ps2_mouse_write(&t->mouse, 0xe9);
    EXPECT_MOUSE(t, 0xfa, 0x30, 0x03, 100);
    ps2_mouse_write(&t->mouse, 0xe6);
    ps2_mouse_write(&t->mouse, 0xe8);
    ps2_mouse_write(&t->mouse, 0x09); /* bad resolution */
    ps2_mouse_write(&t->mouse, 0x55); /* not a command */
    ps2_mouse_write(&t->mouse, 0xf3);
    ps2_mouse_write(&t->mouse, 0x00); /* bad rate */
    EXPECT_MOUSE(t, 0xfa, 0xfe);      /* each command flushes the queue */
    ps2_mouse_write(&t->mouse, 0xf6);
    ps2_mouse_write(&t->mouse, 0xe9);
    EXPECT_MOUSE(t, 0xfa, 0x00, 0x02, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scancode_tables),
        cmocka_unit_test_setup_teardown(kbd_set2_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_special_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_scancode_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_enable_disable, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_overrun, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_held_back, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_held_back_full, setup, teardown),
        cmocka_unit_test_setup_teardown(kbd_typematic, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_packets, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_sample_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_intellimouse, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(mouse_settings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
