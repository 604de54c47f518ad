/*
 * test_serial.c - the 16550A alone on a local bus and clock (1 ns per
 * instruction): divisor and LCR, character timing and THRE, IIR
 * priorities, FIFO trigger levels, the character timeout, loopback and
 * the OUT2 gate of the PC's IRQ line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/serial.h"

#define BASE 0x3f8
#define RBR 0
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

typedef struct Fixture {
    uint64_t icount;
    Clock clock;
    IoBus bus;
    Serial uart;
    int level, edges;
    uint8_t out[256];
    int nout;
} Fixture;

static void irq_set_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    (void)n;
    if (level && !f->level)
        f->edges++;
    f->level = level;
}

static void be_write(void *opaque, const uint8_t *buf, int len)
{
    Fixture *f = opaque;
    for (int i = 0; i < len && f->nout < (int)sizeof(f->out); i++)
        f->out[f->nout++] = buf[i];
}

static int setup(void **state)
{
    static Fixture f;
    memset(&f, 0, sizeof(f));
    clock_init(&f.clock, &f.icount, 1000);
    bus_init(&f.bus);
    SerialBackend be = { &f, be_write };
    serial_init(&f.uart, &f.bus, &f.clock, BASE, irq_line(irq_set_cb, &f, 4), &be);
    *state = &f;
    return 0;
}

static uint8_t rd(Fixture *f, int reg)
{
    return (uint8_t)bus_in(&f->bus, (uint16_t)(BASE + reg), 1);
}

static void wr(Fixture *f, int reg, uint8_t v)
{
    bus_out(&f->bus, (uint16_t)(BASE + reg), v, 1);
}

static void run_to(Fixture *f, uint64_t ns)
{
    for (;;) {
        uint64_t d = clock_next_deadline(&f->clock);
        if (d > ns)
            break;
        if (d > f->icount)
            f->icount = d;
        clock_run_due(&f->clock);
    }
    f->icount = ns;
    clock_run_due(&f->clock);
}

/* 115200 baud 8N1: divisor 1, 10 bits of 16 clocks at 1.8432 MHz. */
static void set_line(Fixture *f, uint16_t divisor, uint8_t lcr)
{
    wr(f, LCR, 0x80);
    wr(f, 0, (uint8_t)divisor);
    wr(f, 1, (uint8_t)(divisor >> 8));
    wr(f, LCR, lcr);
}

/* DLAB switches offsets 0 and 1 to the divisor latch; the character time
 * follows the divisor, word length, parity and stop bits. */
static void divisor_and_lcr(void **state)
{
    Fixture *f = *state;
    wr(f, IER, 0x05);
    set_line(f, 0x0180, 0x03);
    assert_int_equal(rd(f, LCR), 0x03);
    assert_int_equal(rd(f, IER), 0x05);
    wr(f, LCR, 0x83);
    assert_int_equal(rd(f, 0), 0x80);
    assert_int_equal(rd(f, 1), 0x01);
    wr(f, LCR, 0x03);
    /* 384 * 16 * 10 / 1843200 s = 33.333 ms */
    assert_int_equal(serial_char_ns(&f->uart), 33333333);
    set_line(f, 1, 0x03);
    assert_int_equal(serial_char_ns(&f->uart), 86805); /* 10 bits at 115200 */
    set_line(f, 12, 0x1e);                              /* 7 data, even parity, 2 stop */
    assert_int_equal(serial_char_ns(&f->uart), 1145833); /* 11 bits at 9600 */
    set_line(f, 1, 0x04);                                /* 5 data, 1.5 stop */
    assert_int_equal(serial_char_ns(&f->uart), 65104);   /* 7.5 bits */
    wr(f, SCR, 0x5a);
    assert_int_equal(rd(f, SCR), 0x5a);
    assert_int_equal(rd(f, LSR), 0x60); /* THRE | TEMT, nothing received */
    assert_int_equal(rd(f, IIR), 0x01);
    /* A 16-bit access is two byte accesses: LCR then MCR. */
    bus_out(&f->bus, BASE + LCR, 0x0803, 2);
    assert_int_equal(rd(f, LCR), 0x03);
    assert_int_equal(rd(f, MCR), 0x08);
}

/* 16450 mode: THR empties into the idle shift register at once; a second
 * byte waits in THR, and THRE (with its interrupt) rises when the first
 * has left, one character time later. */
static void thre_after_char_time(void **state)
{
    Fixture *f = *state;
    set_line(f, 1, 0x03);
    const uint64_t c = serial_char_ns(&f->uart);
    wr(f, MCR, 0x08); /* OUT2: the IRQ reaches the PIC */
    wr(f, THR, 'A');
    assert_int_equal(rd(f, LSR) & 0x60, 0x20); /* THRE, not TEMT */
    wr(f, THR, 'B');
    assert_int_equal(rd(f, LSR) & 0x60, 0x00);
    wr(f, IER, 0x02);
    assert_int_equal(f->level, 0);
    run_to(f, c - 1);
    assert_int_equal(f->nout, 0);
    assert_int_equal(f->level, 0);
    run_to(f, c);
    assert_int_equal(f->nout, 1);
    assert_int_equal(f->out[0], 'A');
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, LSR) & 0x60, 0x20);
    assert_int_equal(rd(f, IIR), 0x02);
    assert_int_equal(f->level, 0); /* reading IIR acknowledged THRE */
    assert_int_equal(rd(f, IIR), 0x01);
    run_to(f, 2 * c);
    assert_int_equal(f->nout, 2);
    assert_int_equal(f->out[1], 'B');
    assert_int_equal(rd(f, LSR) & 0x60, 0x60);
    /* Enabling the THRE interrupt with THR empty raises it at once. */
    wr(f, IER, 0x00);
    wr(f, IER, 0x02);
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, IIR), 0x02);
    assert_int_equal(f->level, 0);
}

/* FIFO mode, datasheet note B: one byte alone delays THRE by a character
 * time; a burst raises THRE when the last byte enters the shift register. */
static void fifo_thre_timing(void **state)
{
    Fixture *f = *state;
    set_line(f, 1, 0x03);
    const uint64_t c = serial_char_ns(&f->uart);
    wr(f, FCR, 0x01);
    wr(f, MCR, 0x08);
    wr(f, IER, 0x02);
    assert_int_equal(rd(f, IIR), 0xc2); /* the first one after FCR0 is immediate */
    wr(f, THR, 'x');
    assert_int_equal(rd(f, LSR) & 0x60, 0x00);
    run_to(f, c - 1);
    assert_int_equal(f->level, 0);
    run_to(f, c);
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, LSR) & 0x60, 0x60);
    assert_int_equal(rd(f, IIR), 0xc2);
    uint64_t t = f->icount;
    for (int i = 0; i < 3; i++)
        wr(f, THR, (uint8_t)('a' + i));
    run_to(f, t + 2 * c - 1);
    assert_int_equal(rd(f, LSR) & 0x20, 0);
    run_to(f, t + 2 * c); /* 'c' moves into the shift register */
    assert_int_equal(rd(f, LSR) & 0x60, 0x20);
    assert_int_equal(f->level, 1);
    run_to(f, t + 3 * c);
    assert_int_equal(rd(f, LSR) & 0x60, 0x60);
    assert_int_equal(f->nout, 4);
    assert_memory_equal(f->out, "xabc", 4);
    /* A full FIFO drops further writes. */
    for (int i = 0; i < 20; i++)
        wr(f, THR, (uint8_t)i);
    run_to(f, f->icount + 20 * c);
    assert_int_equal(f->nout, 4 + 17); /* 1 in the shift register + 16 */
}

/* IIR reports the highest-priority source: line status, received data,
 * THR empty, modem status; each cleared its own way. */
static void iir_priorities(void **state)
{
    Fixture *f = *state;
    set_line(f, 1, 0x03);
    const uint64_t c = serial_char_ns(&f->uart);
    wr(f, MCR, 0x18); /* loopback, OUT2: MSR inputs change -> deltas */
    wr(f, THR, 1);
    wr(f, THR, 2);
    run_to(f, 2 * c); /* two bytes looped back into a 1-byte RBR: overrun */
    wr(f, IER, 0x0f);
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, IIR), 0x06);
    assert_int_equal(rd(f, LSR) & 0x03, 0x03); /* DR | OE, OE cleared by the read */
    assert_int_equal(rd(f, IIR), 0x04);
    assert_int_equal(rd(f, RBR), 2); /* 16450: the new byte overwrote RBR */
    assert_int_equal(rd(f, IIR), 0x02);
    assert_int_equal(rd(f, IIR), 0x00); /* THRE acknowledged by the read */
    assert_int_equal(rd(f, MSR), 0x83); /* DCD from OUT2; DCTS, DDSR */
    assert_int_equal(rd(f, IIR), 0x01);
    assert_int_equal(f->level, 0);
    assert_int_equal(f->nout, 0); /* loopback keeps TX off the wire */
}

/* The received-data interrupt fires at the FIFO trigger level. */
static void fifo_trigger_levels(void **state)
{
    Fixture *f = *state;
    static const int levels[4] = { 1, 4, 8, 14 };
    uint8_t data[16];
    for (int i = 0; i < 16; i++)
        data[i] = (uint8_t)i;
    set_line(f, 1, 0x03);
    wr(f, MCR, 0x08);
    wr(f, IER, 0x01);
    for (int t = 0; t < 4; t++) {
        wr(f, FCR, (uint8_t)(0x03 | t << 6)); /* enable, reset RX */
        assert_int_equal(rd(f, LSR) & 1, 0);
        assert_int_equal(serial_receive(&f->uart, data, levels[t] - 1), levels[t] - 1);
        assert_int_equal(rd(f, IIR), 0xc1);
        assert_int_equal(f->level, 0);
        assert_int_equal(serial_receive(&f->uart, data, 1), 1);
        assert_int_equal(rd(f, IIR), 0xc4);
        assert_int_equal(f->level, 1);
        assert_int_equal(rd(f, RBR), 0);
    }
    /* Only what fits is accepted, without an overrun. */
    wr(f, FCR, 0x03);
    assert_int_equal(serial_receive(&f->uart, data, 16), 16);
    assert_int_equal(serial_rx_room(&f->uart), 0);
    assert_int_equal(serial_receive(&f->uart, data, 4), 0);
    assert_int_equal(rd(f, LSR) & 0x03, 0x01);
    for (int i = 0; i < 16; i++)
        assert_int_equal(rd(f, RBR), i);
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    /* Without the FIFO one byte fits. */
    wr(f, FCR, 0x00);
    assert_int_equal(serial_receive(&f->uart, data + 5, 3), 1);
    assert_int_equal(rd(f, IIR), 0x04);
    assert_int_equal(rd(f, RBR), 5);
}

/* Below the trigger level, the timeout interrupt comes after four
 * character times with nothing into or out of the FIFO. */
static void rx_timeout(void **state)
{
    Fixture *f = *state;
    set_line(f, 1, 0x03);
    const uint64_t c = serial_char_ns(&f->uart);
    wr(f, FCR, 0x81); /* trigger 8 */
    wr(f, MCR, 0x08);
    wr(f, IER, 0x01);
    assert_int_equal(serial_receive(&f->uart, (const uint8_t *)"abc", 3), 3);
    uint64_t t = f->icount;
    run_to(f, t + 4 * c - 1);
    assert_int_equal(f->level, 0);
    assert_int_equal(rd(f, IIR), 0xc1);
    run_to(f, t + 4 * c);
    assert_int_equal(f->level, 1);
    assert_int_equal(rd(f, IIR), 0xcc);
    assert_int_equal(rd(f, RBR), 'a'); /* a read restarts the timer */
    assert_int_equal(f->level, 0);
    t = f->icount;
    run_to(f, t + 4 * c - 1);
    assert_int_equal(f->level, 0);
    run_to(f, t + 4 * c);
    assert_int_equal(rd(f, IIR), 0xcc);
    rd(f, RBR);
    rd(f, RBR);
    run_to(f, f->icount + 10 * c); /* empty: no timeout */
    assert_int_equal(rd(f, IIR), 0xc1);
    assert_null(f->clock.head);
}

/* Loopback: TX comes back on RX after a character time, MSR mirrors MCR,
 * and host input is not accepted. */
static void loopback(void **state)
{
    Fixture *f = *state;
    set_line(f, 1, 0x03);
    const uint64_t c = serial_char_ns(&f->uart);
    wr(f, FCR, 0x07);
    wr(f, MCR, 0x1f);
    assert_int_equal(rd(f, MSR) & 0xf0, 0xf0);
    wr(f, MCR, 0x10 | 0x02); /* RTS only: CTS */
    assert_int_equal(rd(f, MSR), 0x10 | 0x02 | 0x04 | 0x08); /* CTS, DDSR, TERI, DDCD */
    assert_int_equal(serial_receive(&f->uart, (const uint8_t *)"z", 1), 0);
    wr(f, THR, 'q');
    run_to(f, c - 1);
    assert_int_equal(rd(f, LSR) & 1, 0);
    run_to(f, c);
    assert_int_equal(rd(f, LSR) & 1, 1);
    assert_int_equal(rd(f, RBR), 'q');
    assert_int_equal(f->nout, 0);
    /* Out of loopback the host side shows DCD, DSR and CTS. */
    wr(f, MCR, 0x00);
    assert_int_equal(rd(f, MSR) & 0xf0, 0xb0);
    wr(f, THR, 'w');
    run_to(f, f->icount + c);
    assert_int_equal(f->nout, 1);
    assert_int_equal(f->out[0], 'w');
}

/* On a PC the UART's interrupt reaches IRQ4 only while MCR OUT2 is set. */
static void out2_gates_irq(void **state)
{
    Fixture *f = *state;
    wr(f, IER, 0x02);
    assert_int_equal(rd(f, IIR) & 0x0f, 0x02);
    wr(f, IER, 0x00);
    wr(f, IER, 0x02);
    assert_int_equal(f->level, 0);
    wr(f, MCR, 0x08);
    assert_int_equal(f->level, 1);
    assert_int_equal(f->edges, 1);
    wr(f, MCR, 0x03);
    assert_int_equal(f->level, 0);
    wr(f, MCR, 0x0b);
    assert_int_equal(f->edges, 2);
    serial_reset(&f->uart);
    assert_int_equal(f->level, 0);
    assert_int_equal(rd(f, IER), 0);
}

/* Fast mode: bytes leave at once, THRE never drops. */
static void fast_tx(void **state)
{
    Fixture *f = *state;
    serial_set_fast_tx(&f->uart, true);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rd(f, LSR) & 0x60, 0x60);
        wr(f, THR, (uint8_t)i);
    }
    assert_int_equal(f->nout, 100);
    assert_int_equal(f->out[99], 99);
    assert_null(f->clock.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(divisor_and_lcr, setup),
        cmocka_unit_test_setup(thre_after_char_time, setup),
        cmocka_unit_test_setup(fifo_thre_timing, setup),
        cmocka_unit_test_setup(iir_priorities, setup),
        cmocka_unit_test_setup(fifo_trigger_levels, setup),
        cmocka_unit_test_setup(rx_timeout, setup),
        cmocka_unit_test_setup(loopback, setup),
        cmocka_unit_test_setup(out2_gates_irq, setup),
        cmocka_unit_test_setup(fast_tx, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
