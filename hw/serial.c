/*
 * serial.c - the National Semiconductor PC16550D/NS16550A UART.
 *
 * Follows the PC16550D datasheet (June 1995): RBR/THR, IER, IIR with its
 * four prioritised sources (line status, received data or character
 * timeout, THR empty, modem status) and the FIFO bits 0xc0, FCR (enable,
 * FIFO resets, trigger levels 1/4/8/14), LCR with DLAB, MCR (loopback:
 * TX goes to RX and the modem inputs come from DTR/RTS/OUT1/OUT2), LSR,
 * MSR with its delta bits, SCR. Character times come from the divisor and
 * LCR (1.8432 MHz crystal, 16 clocks a bit) on the virtual clock: a byte
 * written to THR reaches the backend when its last stop bit has left.
 *
 * THRE timing (datasheet, "FIFO interrupt mode operation", note B): with
 * the FIFO on, when THRE would rise but the FIFO never held two bytes at
 * once since it last rose, THRE (and its interrupt) is delayed until the
 * character in the shift register is done. Without the FIFO the holding
 * register empties into the idle shift register at once (16450 behaviour).
 *
 * On a PC the INTRPT pin reaches the PIC only while MCR OUT2 is set.
 * XXX: in loopback mode the OUT2 pin is forced inactive on the chip, which
 * would cut the IRQ on a PC; we gate with the MCR bit alone, which is what
 * drivers that test interrupts in loopback expect to work.
 *
 * Not modelled: parity, framing and break errors on receive (the host side
 * sends clean bytes), the DMA mode bit, the LCR break bit on the wire.
 */
#include "hw/serial.h"

#include <string.h>

#define UART_CLOCK_HZ 1843200u

/* IER */
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
/* IIR */
#define IIR_NONE 0x01
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_TIMEOUT 0x0c
#define IIR_THRE 0x02
#define IIR_MS 0x00
#define IIR_FIFO 0xc0
/* FCR */
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
/* LCR */
#define LCR_DLAB 0x80
/* MCR */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
/* LSR */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_FIFO_ERR 0x80
/* MSR */
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
/* What the host side looks like: a modem that is on and ready. */
#define MSR_HOST_INPUTS (MSR_DCD | MSR_DSR | MSR_CTS)

static bool serial_fifo_on(const Serial *s)
{
    return (s->fcr & FCR_ENABLE) != 0;
}

static int serial_rx_capacity(const Serial *s)
{
    return serial_fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static int serial_trigger(const Serial *s)
{
    static const int levels[4] = { 1, 4, 8, 14 };
    return levels[s->fcr >> 6];
}

uint64_t serial_char_ns(const Serial *s)
{
    /* In half bits: start, 5-8 data, parity, then 1 stop bit, or 2 (1.5
     * with 5-bit words) when LCR bit 2 is set. */
    int wls = s->lcr & 3;
    uint64_t half = 2u * (1 + 5 + wls + ((s->lcr & 0x08) ? 1 : 0));
    half += (s->lcr & 0x04) ? (wls == 0 ? 3 : 4) : 2;
    uint64_t div = s->divisor ? s->divisor : 65536; /* the counter wraps */
    return clock_ticks_to_ns(half * div * 16, 2ull * UART_CLOCK_HZ);
}

static bool serial_thre(const Serial *s)
{
    return s->tx_count == 0 && !s->thre_held;
}

static uint8_t serial_lsr(const Serial *s)
{
    uint8_t v = s->lsr_errors;
    if (s->rx_count)
        v |= LSR_DR;
    if (serial_thre(s)) {
        v |= LSR_THRE;
        if (!s->tsr_busy)
            v |= LSR_TEMT;
    }
    if (serial_fifo_on(s) && (s->lsr_errors & (LSR_PE | LSR_FE | LSR_BI)))
        v |= LSR_FIFO_ERR;
    return v;
}

/* The character timeout: data below the trigger level, nothing into or
 * out of the FIFO for four character times. */
static void serial_check_timeout(Serial *s, uint64_t now)
{
    if (serial_fifo_on(s) && s->rx_count && now >= s->rx_last_ns + 4 * serial_char_ns(s))
        s->rx_timeout = true;
}

static uint8_t serial_iir_source(const Serial *s)
{
    if ((s->ier & IER_RLS) && (s->lsr_errors & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)))
        return IIR_RLS;
    if (s->ier & IER_RDA) {
        if (serial_fifo_on(s)) {
            if (s->rx_count >= serial_trigger(s))
                return IIR_RDA;
            if (s->rx_timeout && s->rx_count)
                return IIR_TIMEOUT;
        } else if (s->rx_count) {
            return IIR_RDA;
        }
    }
    if ((s->ier & IER_THRE) && s->thri)
        return IIR_THRE;
    if ((s->ier & IER_MS) && (s->msr & 0x0f))
        return IIR_MS;
    return IIR_NONE;
}

static void serial_update_irq(Serial *s)
{
    uint64_t now = clock_now(s->clock);
    serial_check_timeout(s, now);
    bool level = serial_iir_source(s) != IIR_NONE && (s->mcr & MCR_OUT2);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
    /* Wake up for the timeout only when it can raise the line. */
    if ((s->ier & IER_RDA) && serial_fifo_on(s) && s->rx_count && !s->rx_timeout &&
        s->rx_count < serial_trigger(s))
        event_schedule(s->clock, &s->rx_event, s->rx_last_ns + 4 * serial_char_ns(s));
    else
        event_cancel(s->clock, &s->rx_event);
}

/* A character arrives from the wire (the host or the loopback path). */
static bool serial_rx_push(Serial *s, uint8_t b)
{
    s->rx_last_ns = clock_now(s->clock);
    s->rx_timeout = false;
    if (s->rx_count >= serial_rx_capacity(s)) {
        s->lsr_errors |= LSR_OE;
        /* 16450 mode: the new character overwrites RBR; FIFO mode: the
         * character in the shift register is lost. */
        if (!serial_fifo_on(s))
            s->rx[s->rx_head] = b;
        return false;
    }
    s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = b;
    s->rx_count++;
    return true;
}

static void serial_deliver(Serial *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP)
        serial_rx_push(s, b);
    else if (s->be.write)
        s->be.write(s->be.opaque, &b, 1);
}

static void serial_thre_rises(Serial *s)
{
    s->thre_held = false;
    s->thri = true;
    s->tx_peak = 0;
}

/* Move the next byte into the idle shift register. */
static void serial_tx_start(Serial *s)
{
    s->tsr = s->tx[s->tx_head];
    s->tx_head = (s->tx_head + 1) % SERIAL_FIFO_SIZE;
    s->tx_count--;
    s->tsr_busy = true;
    event_schedule(s->clock, &s->tx_event, clock_now(s->clock) + serial_char_ns(s));
    if (s->tx_count == 0) {
        if (serial_fifo_on(s) && s->tx_peak < 2)
            s->thre_held = true;
        else
            serial_thre_rises(s);
    }
}

static void serial_tx_done(void *opaque)
{
    Serial *s = opaque;
    s->tsr_busy = false;
    serial_deliver(s, s->tsr);
    if (s->thre_held)
        serial_thre_rises(s);
    if (s->tx_count)
        serial_tx_start(s);
    serial_update_irq(s);
}

static void serial_rx_timeout(void *opaque)
{
    serial_update_irq(opaque);
}

static void serial_write_thr(Serial *s, uint8_t b)
{
    s->thri = false;
    if (s->fast_tx) {
        serial_deliver(s, b);
        serial_thre_rises(s);
        return;
    }
    if (serial_fifo_on(s)) {
        if (s->tx_count == SERIAL_FIFO_SIZE)
            return; /* a full FIFO drops the write */
        s->tx[(s->tx_head + s->tx_count) % SERIAL_FIFO_SIZE] = b;
        s->tx_count++;
        s->thre_held = false; /* THRE stays 0 until this byte has gone too */
    } else {
        /* One holding register: a write while it is full replaces it. */
        s->tx[s->tx_head] = b;
        s->tx_count = 1;
    }
    if (s->tx_count > s->tx_peak)
        s->tx_peak = s->tx_count;
    if (!s->tsr_busy)
        serial_tx_start(s);
}

/* New levels on CTS/DSR/RI/DCD: set the delta bits (TERI on RI falling). */
static void serial_set_msr_inputs(Serial *s, uint8_t in)
{
    uint8_t old = s->msr, delta = 0;
    if ((old ^ in) & MSR_CTS)
        delta |= MSR_DCTS;
    if ((old ^ in) & MSR_DSR)
        delta |= MSR_DDSR;
    if ((old & MSR_RI) && !(in & MSR_RI))
        delta |= MSR_TERI;
    if ((old ^ in) & MSR_DCD)
        delta |= MSR_DDCD;
    s->msr = (uint8_t)((in & 0xf0) | (old & 0x0f) | delta);
}

static void serial_write_mcr(Serial *s, uint8_t val)
{
    s->mcr = val & 0x1f;
    uint8_t in = MSR_HOST_INPUTS;
    if (s->mcr & MCR_LOOP) {
        in = 0;
        if (s->mcr & MCR_RTS)
            in |= MSR_CTS;
        if (s->mcr & MCR_DTR)
            in |= MSR_DSR;
        if (s->mcr & MCR_OUT1)
            in |= MSR_RI;
        if (s->mcr & MCR_OUT2)
            in |= MSR_DCD;
    }
    serial_set_msr_inputs(s, in);
}

static void serial_write_fcr(Serial *s, uint8_t val)
{
    bool was = serial_fifo_on(s);
    /* FCR0 must be set for the other bits to take (datasheet, FCR). */
    bool on = (val & FCR_ENABLE) != 0;
    if (on != was || (on && (val & FCR_RX_RESET))) {
        s->rx_count = s->rx_head = 0;
        s->rx_timeout = false;
    }
    if (on != was || (on && (val & FCR_TX_RESET))) {
        s->tx_count = s->tx_head = 0;
        serial_thre_rises(s); /* "the first transmitter interrupt after
                                 changing FCR0 will be immediate" */
    }
    s->fcr = on ? (val & 0xc9) : 0;
}

static uint8_t serial_read_reg(Serial *s, uint32_t reg)
{
    uint8_t v = 0;
    switch (reg) {
    case 0:
        if (s->lcr & LCR_DLAB)
            return (uint8_t)s->divisor;
        if (s->rx_count) {
            v = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
            s->rx_count--;
            s->rx_last_ns = clock_now(s->clock);
        }
        s->rx_timeout = false;
        break;
    case 1:
        return (s->lcr & LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
    case 2:
        serial_check_timeout(s, clock_now(s->clock));
        v = serial_iir_source(s);
        if (v == IIR_THRE)
            s->thri = false; /* reading IIR acknowledges THRE */
        if (serial_fifo_on(s))
            v |= IIR_FIFO;
        break;
    case 3:
        return s->lcr;
    case 4:
        return s->mcr;
    case 5:
        v = serial_lsr(s);
        s->lsr_errors = 0;
        break;
    case 6:
        v = s->msr;
        s->msr &= 0xf0;
        break;
    default:
        return s->scr;
    }
    serial_update_irq(s);
    return v;
}

static void serial_write_reg(Serial *s, uint32_t reg, uint8_t val)
{
    switch (reg) {
    case 0:
        if (s->lcr & LCR_DLAB)
            s->divisor = (uint16_t)((s->divisor & 0xff00) | val);
        else
            serial_write_thr(s, val);
        break;
    case 1:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (val << 8));
        } else {
            /* Enabling the THRE interrupt with THR empty raises it at once
             * (what Linux's 8250 driver and DOS comms programs rely on). */
            if ((val & IER_THRE) && !(s->ier & IER_THRE) && serial_thre(s))
                s->thri = true;
            s->ier = val & 0x0f;
        }
        break;
    case 2:
        serial_write_fcr(s, val);
        break;
    case 3:
        s->lcr = val;
        break;
    case 4:
        serial_write_mcr(s, val);
        break;
    case 7:
        s->scr = val;
        break;
    default:
        break; /* LSR and MSR writes are factory test only */
    }
    serial_update_irq(s);
}

/* An 8-bit device: wider accesses are split into byte accesses. */
static uint32_t serial_io_read(void *opaque, uint32_t offset, int size)
{
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t b = offset + i < 8 ? serial_read_reg(opaque, offset + i) : 0xff;
        v |= b << (8 * i);
    }
    return v;
}

static void serial_io_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    for (int i = 0; i < size; i++)
        if (offset + i < 8)
            serial_write_reg(opaque, offset + i, (uint8_t)(val >> (8 * i)));
}

static const IoOps serial_ops = { "serial", serial_io_read, serial_io_write };

void serial_reset(Serial *s)
{
    event_cancel(s->clock, &s->tx_event);
    event_cancel(s->clock, &s->rx_event);
    s->ier = s->lcr = s->mcr = s->fcr = 0;
    s->lsr_errors = 0;
    s->msr = MSR_HOST_INPUTS;
    s->rx_head = s->rx_count = 0;
    s->rx_timeout = false;
    s->rx_last_ns = clock_now(s->clock);
    s->tx_head = s->tx_count = s->tx_peak = 0;
    s->tsr_busy = s->thre_held = false;
    s->thri = false;
    serial_update_irq(s);
}

void serial_init(Serial *s, IoBus *bus, Clock *clock, uint16_t base, IrqLine irq,
                 const SerialBackend *be)
{
    memset(s, 0, sizeof(*s));
    s->clock = clock;
    s->irq = irq;
    if (be)
        s->be = *be;
    event_init(&s->tx_event, "serial-tx", serial_tx_done, s);
    event_init(&s->rx_event, "serial-rx-timeout", serial_rx_timeout, s);
    s->divisor = 12; /* 9600 baud until the guest programs it */
    serial_reset(s);
    bus_register(bus, base, 8, &serial_ops, s);
}

int serial_rx_room(const Serial *s)
{
    if (s->mcr & MCR_LOOP)
        return 0;
    return serial_rx_capacity(s) - s->rx_count;
}

int serial_receive(Serial *s, const uint8_t *buf, int len)
{
    int n = serial_rx_room(s);
    if (len < n)
        n = len;
    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++)
        serial_rx_push(s, buf[i]);
    serial_update_irq(s);
    return n;
}

void serial_set_fast_tx(Serial *s, bool on)
{
    s->fast_tx = on;
}
