/*
 * serial.h - the NS16550A UART (COM1 0x3f8 IRQ4, COM2 0x2f8 IRQ3) with its
 * 16-byte FIFOs and character timing on the virtual clock. Output goes to
 * a backend callback; input comes from the run loop through
 * serial_receive(). The UART knows nothing about the host side
 * (frontend/chardev.h); the board wires the two.
 */
#ifndef RINGSIDE_SERIAL_H
#define RINGSIDE_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/irq.h"

#define SERIAL_COM1 0x3f8
#define SERIAL_COM2 0x2f8
#define SERIAL_FIFO_SIZE 16

typedef struct SerialBackend {
    void *opaque;
    /* Bytes the UART has finished transmitting. NULL: discarded. */
    void (*write)(void *opaque, const uint8_t *buf, int len);
} SerialBackend;

typedef struct Serial {
    Clock *clock;
    IrqLine irq;
    SerialBackend be;
    Event tx_event; /* the byte in the transmit shift register is done */
    Event rx_event; /* the receive character timeout falls due */

    uint8_t ier, lcr, mcr, msr, scr, fcr; /* fcr: enable and trigger bits */
    uint8_t lsr_errors;                    /* OE (and PE/FE/BI) until LSR is read */
    uint16_t divisor;

    uint8_t rx[SERIAL_FIFO_SIZE];
    int rx_head, rx_count;
    uint64_t rx_last_ns; /* last character into or out of the RX FIFO */
    bool rx_timeout;     /* the character-timeout indication (IIR 0x0c) */

    uint8_t tx[SERIAL_FIFO_SIZE];
    int tx_head, tx_count;
    int tx_peak;      /* most bytes held at once since THRE was last 1 */
    bool tsr_busy;    /* a byte is being shifted out */
    uint8_t tsr;
    bool thre_held;   /* THRE delayed until the shift register is done */
    bool thri;        /* the THRE interrupt is pending */
    bool fast_tx;     /* bytes leave at once (see serial_set_fast_tx) */
    bool irq_level;
} Serial;

void serial_init(Serial *s, IoBus *bus, Clock *clock, uint16_t base, IrqLine irq,
                 const SerialBackend *be);
/* The master reset input (datasheet table 2): registers to their reset
 * values, FIFOs emptied; the divisor and SCR are kept. */
void serial_reset(Serial *s);

/* Input from the host: accepts as many bytes as the receive FIFO has room
 * for (1 with the FIFO off, 0 in loopback mode, where the input pin is
 * disconnected) and returns that count; the caller keeps the rest for a
 * later call. No host byte is ever lost to an overrun. */
int serial_receive(Serial *s, const uint8_t *buf, int len);
/* How many bytes serial_receive() would accept now. */
int serial_rx_room(const Serial *s);

/* Off by default. On: a written byte reaches the backend at once and the
 * transmitter is idle again right away, so a guest that polls LSR for every
 * character (Linux's serial console) does not spin for a character time.
 * The receive timeout keeps the real character time. */
void serial_set_fast_tx(Serial *s, bool on);

/* Guest ns one character takes at the current divisor and LCR. */
uint64_t serial_char_ns(const Serial *s);

#endif
