/*
 * test_i8042.c - the 8042 keyboard controller on a local bus and clock,
 * driven through ports 0x60/0x64 as firmware and drivers do: the self
 * tests and command byte, A20 and reset through the output port, the
 * set 2 -> set 1 translation, IRQ1/IRQ12 and their enable bits, device
 * commands through the controller, and the probe sequences of SeaBIOS
 * (ps2port.c) and Linux (drivers/input/serio/i8042.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/i8042.h"

typedef struct T {
    uint64_t icount; /* 1 instruction = 1 ns */
    Clock clock;
    IoBus bus;
    PhysMem *mem;
    I8042 c;
    int level[16], edges[16];
} T;

static void irq_cb(void *opaque, int n, int level)
{
    T *t = opaque;
    if (level && !t->level[n])
        t->edges[n]++;
    t->level[n] = level;
}

static int setup(void **state)
{
    const char *err;
    T *t = calloc(1, sizeof(*t));
    clock_init(&t->clock, &t->icount, 1000);
    bus_init(&t->bus);
    t->mem = mem_create(2u << 20, &err);
    assert_non_null(t->mem);
    i8042_init(&t->c, &t->bus, &t->clock, t->mem, irq_line(irq_cb, t, 1), irq_line(irq_cb, t, 12));
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    T *t = *state;
    mem_destroy(t->mem);
    free(t);
    return 0;
}

static uint8_t status(T *t)
{
    return (uint8_t)bus_in(&t->bus, 0x64, 1);
}

static void cmd(T *t, uint8_t c)
{
    assert_false(status(t) & I8042_STR_IBF);
    bus_out(&t->bus, 0x64, c, 1);
}

static void data(T *t, uint8_t v)
{
    assert_false(status(t) & I8042_STR_IBF);
    bus_out(&t->bus, 0x60, v, 1);
}

/* Reads one byte, which must be there, from the given port (aux or not);
 * key events the keyboard holds back come PS2_KEY_GAP_NS apart, so guest
 * time moves on to the next when the buffer is empty. */
static uint8_t read_byte(T *t, bool aux)
{
    while (!(status(t) & I8042_STR_OBF) && t->c.kbd.keyq_count) {
        t->icount += PS2_KEY_GAP_NS;
        clock_run_due(&t->clock);
    }
    uint8_t s = status(t);
    assert_true(s & I8042_STR_OBF);
    assert_int_equal(!!(s & I8042_STR_AUXOBF), aux);
    return (uint8_t)bus_in(&t->bus, 0x60, 1);
}

static void expect_bytes(T *t, bool aux, const uint8_t *want, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(read_byte(t, aux), want[i]);
    assert_false(status(t) & I8042_STR_OBF);
}

#define EXPECT_KBD(t, ...)                                                                                   \
    do {                                                                                                     \
        static const uint8_t w_[] = {__VA_ARGS__};                                                           \
        expect_bytes((t), false, w_, (int)sizeof(w_));                                                       \
    } while (0)

#define EXPECT_AUX(t, ...)                                                                                   \
    do {                                                                                                     \
        static const uint8_t w_[] = {__VA_ARGS__};                                                           \
        expect_bytes((t), true, w_, (int)sizeof(w_));                                                        \
    } while (0)

static uint8_t read_ctr(T *t)
{
    cmd(t, 0x20);
    return read_byte(t, false);
}

static void write_ctr(T *t, uint8_t v)
{
    cmd(t, 0x60);
    data(t, v);
}

static void key(T *t, uint16_t k, bool down)
{
    ps2_kbd_key(i8042_kbd(&t->c), k, down);
}

/* 0xaa answers 0x55 and sets SYS; 0x20/0x60 read and write the command
 * byte; A2 follows the port last written; the other RAM bytes. */
static void self_test_and_command_byte(void **state)
{
    T *t = *state;
    assert_int_equal(status(t), I8042_STR_UNLOCK); /* cold: SYS clear */
    cmd(t, 0xaa);
    assert_true(status(t) & I8042_STR_CMD);
    EXPECT_KBD(t, 0x55);
    assert_true(status(t) & I8042_STR_SYS);
    assert_int_equal(read_ctr(t), 0x47);
    write_ctr(t, 0x30);
    assert_false(status(t) & I8042_STR_CMD);
    assert_false(status(t) & I8042_STR_SYS); /* SYS follows the command byte */
    assert_int_equal(read_ctr(t), 0x30);
    cmd(t, 0xab);
    EXPECT_KBD(t, 0x00);
    cmd(t, 0xa9);
    EXPECT_KBD(t, 0x00);
    cmd(t, 0x65);
    data(t, 0x5a);
    cmd(t, 0x25);
    EXPECT_KBD(t, 0x5a);
    cmd(t, 0xa7);
    assert_int_equal(read_ctr(t), 0x30);
    cmd(t, 0xa8);
    assert_int_equal(read_ctr(t), 0x10);
    cmd(t, 0xae);
    assert_int_equal(read_ctr(t), 0x00);
    cmd(t, 0xad);
    assert_int_equal(read_ctr(t), 0x10);
    cmd(t, 0xc0);
    EXPECT_KBD(t, 0x80);
    /* An empty buffer reads its last byte again. */
    assert_int_equal(bus_in(&t->bus, 0x60, 1), 0x80);
}

/* A20 through the output port (0xd1) and 0xdd/0xdf; 0xd0 reads it back. */
static void a20_gate(void **state)
{
    T *t = *state;
    assert_int_equal(t->mem->a20_mask, 0xffffffffu);
    cmd(t, 0xd1);
    data(t, 0xdd);
    assert_int_equal(t->mem->a20_mask, ~(1u << 20));
    cmd(t, 0xd0);
    EXPECT_KBD(t, 0xcd);
    cmd(t, 0xd1);
    data(t, 0xdf);
    assert_int_equal(t->mem->a20_mask, 0xffffffffu);
    cmd(t, 0xdd);
    assert_int_equal(t->mem->a20_mask, ~(1u << 20));
    cmd(t, 0xd0);
    assert_int_equal(read_byte(t, false) & I8042_OUT_A20, 0);
    cmd(t, 0xdf);
    assert_int_equal(t->mem->a20_mask, 0xffffffffu);
    assert_false(t->bus.reset);
    /* The output port shows OBF on bit 4 when a keyboard byte waits. */
    cmd(t, 0xd2);
    data(t, 0x11);
    cmd(t, 0xd0); /* the reply queues behind the byte in the buffer */
    EXPECT_KBD(t, 0x11, 0xdf);
}

/* 0xfe (and any 0xf0-0xff with bit 0 clear) and output-port bit 0 = 0
 * reset the machine; 0xff does not. */
static void reset_line(void **state)
{
    T *t = *state;
    cmd(t, 0xff);
    assert_false(t->bus.reset);
    cmd(t, 0xfe);
    assert_true(t->bus.reset);
    t->bus.reset = false;
    cmd(t, 0xf0);
    assert_true(t->bus.reset);
    t->bus.reset = false;
    cmd(t, 0xd1);
    data(t, 0x02);
    assert_true(t->bus.reset);
    t->bus.reset = false;
    i8042_reset(&t->c);
    cmd(t, 0xd0);
    EXPECT_KBD(t, 0x03);
}

/* Translation on (command byte bit 6): set-1 bytes reach the guest. */
static void translation(void **state)
{
    T *t = *state;
    write_ctr(t, 0x41);
    key(t, 0x1e, true); /* A */
    key(t, 0x1e, false);
    EXPECT_KBD(t, 0x1e, 0x9e);
    key(t, 0x11d, true); /* right Ctrl */
    key(t, 0x11d, false);
    EXPECT_KBD(t, 0xe0, 0x1d, 0xe0, 0x9d);
    key(t, PS2_KEY_PAUSE, true);
    key(t, PS2_KEY_PAUSE, false);
    EXPECT_KBD(t, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    key(t, PS2_KEY_PRTSCR, true);
    key(t, PS2_KEY_PRTSCR, false);
    EXPECT_KBD(t, 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
    key(t, 0x41, true); /* F7: set 2 0x83 */
    key(t, 0x41, false);
    EXPECT_KBD(t, 0x41, 0xc1);
    /* Identify and get-set come back translated too, as on real boards. */
    data(t, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xab, 0x41);
    data(t, 0xf0);
    data(t, 0x00);
    EXPECT_KBD(t, 0xfa, 0xfa, 0x41);
    /* Translation off: raw set 2. */
    write_ctr(t, 0x01);
    key(t, 0x1e, true);
    key(t, 0x1e, false);
    EXPECT_KBD(t, 0x1c, 0xf0, 0x1c);
    data(t, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xab, 0x83);
}

/* IRQ1 follows OBF with keyboard data when bit 0 is set, IRQ12 with mouse
 * data when bit 1 is set; keyboard bytes go first. */
static void irq_lines(void **state)
{
    T *t = *state;
    write_ctr(t, 0x40); /* no interrupts */
    key(t, 0x1e, true);
    assert_true(status(t) & I8042_STR_OBF);
    assert_int_equal(t->level[1], 0);
    write_ctr(t, 0x43); /* the byte still waiting raises IRQ1 now */
    assert_int_equal(t->level[1], 1);
    assert_int_equal(bus_in(&t->bus, 0x60, 1), 0x1e);
    assert_int_equal(t->level[1], 0);

    cmd(t, 0xd4);
    data(t, 0xf4); /* mouse: enable reporting */
    assert_int_equal(t->level[12], 1);
    assert_int_equal(t->level[1], 0);
    EXPECT_AUX(t, 0xfa);
    assert_int_equal(t->level[12], 0);

    /* Both have data: the keyboard's bytes come out first, each a new
     * edge on its own line. */
    int e1 = t->edges[1], e12 = t->edges[12];
    ps2_mouse_event(i8042_mouse(&t->c), 1, 2, 0, 0);
    assert_int_equal(t->level[12], 1);
    key(t, 0x30, true);
    assert_int_equal(read_byte(t, true), 0x08); /* already in the buffer */
    assert_int_equal(read_byte(t, false), 0x30);
    assert_int_equal(read_byte(t, true), 0x01);
    assert_int_equal(read_byte(t, true), 0x02);
    assert_false(status(t) & I8042_STR_OBF);
    assert_int_equal(t->edges[1] - e1, 1);
    assert_int_equal(t->edges[12] - e12, 3);

    /* AUX interrupt disabled: the byte arrives, no IRQ12. */
    write_ctr(t, 0x41);
    t->icount = 100000000;
    clock_run_due(&t->clock);
    ps2_mouse_event(i8042_mouse(&t->c), 1, 0, 0, 0);
    assert_int_equal(t->level[12], 0);
    EXPECT_AUX(t, 0x08, 0x01, 0x00);
    /* Command replies raise IRQ1 like keyboard data. */
    cmd(t, 0xaa);
    assert_int_equal(t->level[1], 1);
    EXPECT_KBD(t, 0x55);
}

/* A disabled port keeps its device's bytes until it is enabled again. */
static void port_disable(void **state)
{
    T *t = *state;
    cmd(t, 0xad);
    key(t, 0x1e, true);
    assert_false(status(t) & I8042_STR_OBF);
    cmd(t, 0xae);
    EXPECT_KBD(t, 0x1e);
    cmd(t, 0xd4);
    data(t, 0xf4);
    EXPECT_AUX(t, 0xfa);
    cmd(t, 0xa7);
    ps2_mouse_event(i8042_mouse(&t->c), -1, 0, 0, 0);
    assert_false(status(t) & I8042_STR_OBF);
    cmd(t, 0xa8);
    EXPECT_AUX(t, 0x18, 0xff, 0x00);
}

/* 0xd2 and 0xd3 put a byte in the buffer as if from the keyboard or the
 * mouse, with that port's interrupt. */
static void write_output_buffers(void **state)
{
    T *t = *state;
    cmd(t, 0xd2);
    data(t, 0x9c);
    assert_int_equal(t->level[1], 1);
    EXPECT_KBD(t, 0x9c); /* not translated */
    cmd(t, 0xd3);
    data(t, 0x5a);
    assert_int_equal(t->level[12], 1);
    EXPECT_AUX(t, 0x5a);
}

/* Keyboard commands through port 0x60 and their ACKs; mouse ones after
 * 0xd4; typematic repeat through the controller. */
static void device_commands(void **state)
{
    T *t = *state;
    data(t, 0xee);
    EXPECT_KBD(t, 0xee);
    data(t, 0xed);
    EXPECT_KBD(t, 0xfa);
    data(t, 0x02);
    EXPECT_KBD(t, 0xfa);
    data(t, 0x01);
    EXPECT_KBD(t, 0xfe);
    data(t, 0xf3);
    data(t, 0x00); /* 30/s after 250 ms */
    EXPECT_KBD(t, 0xfa, 0xfa);
    key(t, 0x1e, true);
    EXPECT_KBD(t, 0x1e);
    t->icount = 250000000;
    clock_run_due(&t->clock);
    EXPECT_KBD(t, 0x1e);
    t->icount = 250000000 + 33333333;
    clock_run_due(&t->clock);
    EXPECT_KBD(t, 0x1e);
    key(t, 0x1e, false);
    EXPECT_KBD(t, 0x9e);
    t->icount = 2000000000;
    clock_run_due(&t->clock);
    assert_false(status(t) & I8042_STR_OBF);
    cmd(t, 0xd4);
    data(t, 0xe9);
    EXPECT_AUX(t, 0xfa, 0x00, 0x02, 100);
    cmd(t, 0xd4);
    data(t, 0xee); /* wrap */
    EXPECT_AUX(t, 0xfa);
    cmd(t, 0xd4);
    data(t, 0x33);
    EXPECT_AUX(t, 0x33);
    cmd(t, 0xd4);
    data(t, 0xec);
    EXPECT_AUX(t, 0xfa);
}

/* SeaBIOS ps2port.c: self test, interface test, both ports disabled in
 * the command byte, then each device reset with only its port enabled. */
static void seabios_probe(void **state)
{
    T *t = *state;
    while (status(t) & I8042_STR_OBF)
        bus_in(&t->bus, 0x60, 1);
    cmd(t, 0xaa);
    EXPECT_KBD(t, 0x55);
    cmd(t, 0xab);
    EXPECT_KBD(t, 0x00);
    write_ctr(t, 0x30);
    write_ctr(t, 0x20); /* keyboard port on, no interrupts */
    data(t, 0xff);
    EXPECT_KBD(t, 0xfa, 0xaa);
    data(t, 0xf5);
    EXPECT_KBD(t, 0xfa);
    data(t, 0xed);
    EXPECT_KBD(t, 0xfa);
    data(t, 0x00);
    EXPECT_KBD(t, 0xfa);
    data(t, 0xf4);
    EXPECT_KBD(t, 0xfa);
    write_ctr(t, 0x10); /* mouse port on */
    cmd(t, 0xd4);
    data(t, 0xff);
    EXPECT_AUX(t, 0xfa, 0xaa, 0x00);
    cmd(t, 0xd4);
    data(t, 0xf2);
    EXPECT_AUX(t, 0xfa, 0x00);
    write_ctr(t, 0x61); /* keyboard interrupt, translation */
    key(t, 0x1c, true);
    assert_int_equal(t->level[1], 1);
    EXPECT_KBD(t, 0x1c);
}

/* Linux i8042.c: controller check and self test, command byte, the AUX
 * loopback test (no MUX: 0xd3 returns what it was given), 0xa7/0xa8
 * toggling bit 5, the AUX IRQ delivery test, then psmouse's wheel knock. */
static void linux_probe(void **state)
{
    T *t = *state;
    int flushed = 0;
    while ((status(t) & I8042_STR_OBF) && flushed++ < 16)
        bus_in(&t->bus, 0x60, 1);
    cmd(t, 0xaa);
    EXPECT_KBD(t, 0x55);
    uint8_t ctr = read_ctr(t);
    ctr = (uint8_t)((ctr | I8042_CTR_KBDDIS) & ~I8042_CTR_KBDINT);
    write_ctr(t, ctr);
    /* MUX detection: the echo must come back unchanged. */
    static const uint8_t mux[] = {0xf0, 0x56, 0xa4};
    for (int i = 0; i < 3; i++) {
        cmd(t, 0xd3);
        data(t, mux[i]);
        assert_int_equal(read_byte(t, true), mux[i]);
    }
    cmd(t, 0xd3);
    data(t, 0x5a);
    assert_int_equal(read_byte(t, true), 0x5a);
    cmd(t, 0xa7);
    assert_true(read_ctr(t) & I8042_CTR_AUXDIS);
    cmd(t, 0xa8);
    assert_false(read_ctr(t) & I8042_CTR_AUXDIS);
    /* IRQ test: AUX interrupt on, loopback 0xa5, IRQ12 must rise. */
    ctr = read_ctr(t);
    write_ctr(t, (uint8_t)((ctr | I8042_CTR_AUXINT) & ~I8042_CTR_AUXDIS));
    int e12 = t->edges[12];
    cmd(t, 0xd3);
    data(t, 0xa5);
    assert_int_equal(t->edges[12], e12 + 1);
    assert_int_equal(read_byte(t, true), 0xa5);
    /* Ports on with interrupts and translation. */
    write_ctr(t, 0x47);
    data(t, 0xf2);
    EXPECT_KBD(t, 0xfa, 0xab, 0x41);
    static const uint8_t knock[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        cmd(t, 0xd4);
        data(t, 0xf3);
        EXPECT_AUX(t, 0xfa);
        cmd(t, 0xd4);
        data(t, knock[i]);
        EXPECT_AUX(t, 0xfa);
    }
    cmd(t, 0xd4);
    data(t, 0xf2);
    EXPECT_AUX(t, 0xfa, 0x03);
    cmd(t, 0xd4);
    data(t, 0xf4);
    EXPECT_AUX(t, 0xfa);
    ps2_mouse_event(i8042_mouse(&t->c), 2, -3, 1, PS2_MOUSE_MIDDLE);
    assert_int_equal(t->level[12], 1);
    EXPECT_AUX(t, 0x2c, 0x02, 0xfd, 0x01);
}

/* Random guest traffic on both ports with random input in between: no
 * crash, the queues stay within bounds (DESIGN.md invariant 5). */
static void random_traffic(void **state)
{
    T *t = *state;
    uint32_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = x >> 8;
        switch (r & 7) {
        case 0:
            cmd(t, (uint8_t)(r >> 3));
            break;
        case 1:
        case 2:
            data(t, (uint8_t)(r >> 3));
            break;
        case 3:
        case 4:
            bus_in(&t->bus, (r & 8) ? 0x64 : 0x60, 1);
            break;
        case 5:
            key(t, (uint16_t)((r >> 4) & 0x1ff), (r >> 3) & 1);
            break;
        case 6:
            ps2_mouse_event(i8042_mouse(&t->c), (int)((r >> 3) & 0x3ff) - 512, (int)((r >> 13) & 0x3ff) - 512,
                            (int)((r >> 23) & 7) - 4, r & 0x1f);
            break;
        case 7:
            t->icount += (r >> 3) & 0xfffff;
            clock_run_due(&t->clock);
            break;
        }
        t->bus.reset = false;
        assert_in_range(t->c.kbd.q.count, 0, PS2_QUEUE_SIZE);
        assert_in_range(t->c.mouse.q.count, 0, PS2_QUEUE_SIZE);
        assert_in_range(t->c.nreply, 0, 8);
    }
}

int main(void)
{
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T_(self_test_and_command_byte),
        T_(a20_gate),
        T_(reset_line),
        T_(translation),
        T_(irq_lines),
        T_(port_disable),
        T_(write_output_buffers),
        T_(device_commands),
        T_(seabios_probe),
        T_(linux_probe),
        T_(random_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
