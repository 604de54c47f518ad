/*
 * pit.h - the Intel 8254 programmable interval timer at 0x40-0x43, clocked
 * at 1193182 Hz from the virtual clock, and port 0x61 (system control port
 * B: channel 2 gate, speaker enable, refresh toggle, OUT2).
 *
 * Counters are computed from clock_now() when read; the only clock event
 * is channel 0's next OUT transition, which drives IRQ0.
 */
#ifndef RINGSIDE_PIT_H
#define RINGSIDE_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/irq.h"

#define PIT_HZ 1193182u

typedef struct PitChannel {
    uint8_t mode;        /* 0-5 */
    uint8_t rw;          /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    uint16_t cr;         /* count register, as written (BCD or binary) */
    bool has_count;      /* a count was written since the control word */
    uint8_t cr_lsb;      /* first byte of a two-byte write */
    bool write_msb_next; /* rw 3: the next write is the MSB */
    bool read_msb_next;  /* rw 3: the next unlatched read is the MSB */

    /* The counting element: d ticks counted so far is
     * done + (counting ? max(0, tick - run_start) : 0). */
    uint32_t n;          /* count loaded in the CE, 1..65536 (10000 BCD) */
    bool loaded;         /* the CE holds a count and (modes 1, 5) was triggered */
    bool counting;       /* not suspended by the gate */
    uint64_t run_start;  /* tick the current stretch of counting started */
    uint64_t done;       /* ticks counted before run_start */
    bool out_idle;       /* OUT while nothing is loaded */
    bool gate;

    /* Modes 2 and 3: a count written while counting takes effect at the
     * end of the current period. */
    bool reload_pending;
    uint64_t reload_tick;

    bool null_count;
    uint64_t null_clear_tick; /* UINT64_MAX: until a gate trigger */

    bool count_latched;
    uint16_t latched_count;
    uint8_t latch_bytes;      /* bytes of the latched count still to read */
    bool status_latched;
    uint8_t latched_status;
} PitChannel;

typedef struct Pit {
    PitChannel ch[3];
    Clock *clock;
    IrqLine irq0;
    int irq0_level;      /* last level driven on irq0, -1 before the first */
    bool irq0_edge_due;  /* the scheduled event is an OUT transition */
    Event event;
    uint8_t port61;      /* bits 0-3 as written */
} Pit;

void pit_init(Pit *t, IoBus *bus, Clock *k, IrqLine irq0);
void pit_reset(Pit *t);
/* The OUT pin of channel ch (0-2) now. */
bool pit_out(Pit *t, int ch);
/* The gate input of channel ch (channel 2's is port 0x61 bit 0). */
void pit_set_gate(Pit *t, int ch, bool level);
/* The counter's current value (as a read without latch would see it). */
uint16_t pit_count(Pit *t, int ch);

#endif
