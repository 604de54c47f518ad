/*
 * pit.c - Intel 8254 programmable interval timer (three counters at
 * 0x40-0x42, control word at 0x43) and the PC/AT port 0x61.
 *
 * Follows the 8254 datasheet (Intel 231164): modes 0-5, binary and BCD,
 * LSB / MSB / LSB-then-MSB access, the counter latch and read-back
 * commands with the null count bit, the gate input and OUT. The input
 * clock is 1193182 Hz of guest time: tick k is the k-th CLK edge since
 * guest time 0, and every counter value and OUT level is computed from
 * the tick count at the time of the access. Writing a count loads it into
 * the counting element at the next CLK edge (so mode 0's OUT rises N+1
 * edges after the write, as the datasheet's waveforms show).
 *
 * Gates: channels 0 and 1 are tied high on a PC; channel 2's gate is port
 * 0x61 bit 0. Channel 0's OUT drives IRQ0, the only output that needs a
 * clock event; channel 2's OUT is read through port 0x61 bit 5.
 *
 * XXX: a count written during mode 3 takes effect at the end of the full
 * period, not of the current half cycle. Reading a counter that has no
 * count yet returns the count register (the chip returns garbage).
 */
#include "hw/pit.h"

#include <string.h>

/* The first guest ns at which tick k has happened (clock_ticks_to_ns
 * rounds down, which could land one ns before the edge). */
static uint64_t pit_tick_ns(uint64_t k)
{
    return (uint64_t)(((unsigned __int128)k * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t pit_now_tick(const Pit *t)
{
    return clock_ns_to_ticks(clock_now(t->clock), PIT_HZ);
}

static uint32_t chan_modulus(const PitChannel *c)
{
    return c->bcd ? 10000u : 65536u;
}

/* The count register as a number of ticks: 0 means the full range. */
static uint32_t chan_decode(const PitChannel *c)
{
    uint32_t v = c->cr;
    if (c->bcd) {
        /* Nibbles above 9 are undefined on the chip; keep them in range. */
        v = ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
        v %= 10000u;
    }
    return v ? v : chan_modulus(c);
}

static uint16_t chan_encode(const PitChannel *c, uint32_t v)
{
    v %= chan_modulus(c);
    if (!c->bcd)
        return (uint16_t)v;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint64_t chan_elapsed(const PitChannel *c, uint64_t tick)
{
    uint64_t d = c->done;
    if (c->counting && tick > c->run_start)
        d += tick - c->run_start;
    return d;
}

static void chan_set_counting(PitChannel *c, uint64_t tick, bool on)
{
    if (on == c->counting)
        return;
    if (on) {
        if (tick > c->run_start)
            c->run_start = tick;
    } else {
        c->done = chan_elapsed(c, tick);
    }
    c->counting = on;
}

/* Load the count register into the counting element at the next CLK. */
static void chan_load(PitChannel *c, uint64_t tick, bool counting)
{
    c->n = chan_decode(c);
    c->loaded = true;
    c->done = 0;
    c->run_start = tick + 1;
    c->counting = counting;
    c->reload_pending = false;
    c->null_clear_tick = tick + 1;
}

/* Apply what has happened by tick: a deferred reload, the null count. */
static void chan_settle(PitChannel *c, uint64_t tick)
{
    if (c->reload_pending && c->counting && tick >= c->reload_tick) {
        c->n = chan_decode(c);
        c->done = 0;
        c->run_start = c->reload_tick;
        c->reload_pending = false;
    }
    if (c->null_count && tick >= c->null_clear_tick)
        c->null_count = false;
}

static bool chan_out_at(const PitChannel *c, uint64_t tick)
{
    if (!c->loaded)
        return c->out_idle;
    uint64_t d = chan_elapsed(c, tick), n = c->n;
    switch (c->mode) {
    case 0: /* interrupt on terminal count: low until it */
    case 1: /* hardware one-shot: low from the trigger to terminal count */
        return d >= n;
    case 2: /* rate generator: low for the one tick the count is 1 */
        if (!c->gate || n < 2)
            return true;
        return d % n != n - 1;
    case 3: /* square wave: high for ceil(N/2), low for floor(N/2) */
        if (!c->gate || n < 2)
            return true;
        return d % n < (n + 1) / 2;
    default: /* 4, 5 strobes: low for the one tick at terminal count */
        return d != n;
    }
}

static uint16_t chan_count_at(const PitChannel *c, uint64_t tick)
{
    if (!c->loaded)
        return c->cr;
    uint64_t d = chan_elapsed(c, tick), n = c->n, m = chan_modulus(c);
    uint64_t v;
    switch (c->mode) {
    case 2:
        v = n < 2 ? n : n - d % n;
        break;
    case 3:
        /* Decrements by two; an odd count drops its low bit on load, so
         * each half cycle runs N-1, N-3 ... (odd) or N, N-2 ... (even). */
        if (n < 2) {
            v = n;
        } else {
            uint64_t ph = d % n, half = (n + 1) / 2;
            if (ph >= half)
                ph -= half;
            v = (n & ~1ull) - 2 * ph;
        }
        break;
    default: /* modes 0, 1, 4, 5 count down and wrap past terminal count */
        v = (n + m - d % m) % m;
        break;
    }
    return chan_encode(c, (uint32_t)v);
}

/* The next tick after tick at which OUT changes or a deferred reload
 * happens (*edge says which); UINT64_MAX if nothing will. */
static uint64_t chan_next_change(const PitChannel *c, uint64_t tick, bool *edge)
{
    *edge = false;
    if (!c->loaded || !c->counting)
        return UINT64_MAX;
    uint64_t d = chan_elapsed(c, tick), n = c->n, target = UINT64_MAX;
    switch (c->mode) {
    case 0:
    case 1:
        if (d < n)
            target = n;
        break;
    case 2:
        if (n >= 2)
            target = d % n < n - 1 ? d - d % n + n - 1 : d + 1;
        break;
    case 3:
        if (n >= 2) {
            uint64_t ph = d % n, half = (n + 1) / 2;
            target = ph < half ? d - ph + half : d - ph + n;
        }
        break;
    default:
        if (d < n)
            target = n;
        else if (d == n)
            target = n + 1;
        break;
    }
    uint64_t when = UINT64_MAX;
    if (target != UINT64_MAX) {
        when = c->run_start + (target - c->done);
        *edge = true;
    }
    if (c->reload_pending && c->reload_tick < when) {
        when = c->reload_tick;
        *edge = false;
    }
    return when;
}

static void pit_drive_irq0(Pit *t, int level)
{
    if (level != t->irq0_level) {
        t->irq0_level = level;
        irq_set(&t->irq0, level);
    }
}

/* Channel 0 changed or an event fired: drive IRQ0, schedule the next edge. */
static void pit_update_irq0(Pit *t, bool from_event)
{
    PitChannel *c = &t->ch[0];
    uint64_t tick = pit_now_tick(t);
    chan_settle(c, tick);
    int level = chan_out_at(c, tick);
    /* An event that fired a whole pulse late (mode 2's one-tick low) still
     * gives the PIC its rising edge. */
    if (from_event && t->irq0_edge_due && level == t->irq0_level) {
        pit_drive_irq0(t, !level);
        pit_drive_irq0(t, level);
    }
    pit_drive_irq0(t, level);
    bool edge;
    uint64_t next = chan_next_change(c, tick, &edge);
    t->irq0_edge_due = edge;
    if (next == UINT64_MAX)
        event_cancel(t->clock, &t->event);
    else
        event_schedule(t->clock, &t->event, pit_tick_ns(next));
}

static void pit_event(void *opaque)
{
    pit_update_irq0(opaque, true);
}

static void pit_changed(Pit *t, int ch)
{
    if (ch == 0)
        pit_update_irq0(t, false);
}

void pit_set_gate(Pit *t, int ch, bool level)
{
    if (ch < 0 || ch > 2)
        return;
    PitChannel *c = &t->ch[ch];
    uint64_t tick = pit_now_tick(t);
    chan_settle(c, tick);
    if (level == c->gate)
        return;
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4: /* the gate suspends counting */
        if (c->loaded)
            chan_set_counting(c, tick, level);
        break;
    case 2:
    case 3: /* low stops counting (OUT high), a rising edge reloads */
        if (!level)
            chan_set_counting(c, tick, false);
        else if (c->has_count)
            chan_load(c, tick, true);
        break;
    default: /* 1, 5: a rising edge (re)triggers */
        if (level && c->has_count)
            chan_load(c, tick, true);
        break;
    }
    pit_changed(t, ch);
}

static void chan_write_count(Pit *t, int ch, uint16_t val)
{
    PitChannel *c = &t->ch[ch];
    uint64_t tick = pit_now_tick(t);
    c->cr = val;
    c->has_count = true;
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4: /* (re)start at the next CLK */
        chan_load(c, tick, c->gate);
        break;
    case 2:
    case 3:
        if (c->loaded && c->counting && tick >= c->run_start) {
            /* Takes effect when the current period ends. */
            uint64_t d = chan_elapsed(c, tick);
            uint64_t end = d - d % c->n + c->n;
            c->reload_pending = true;
            c->reload_tick = c->run_start + (end - c->done);
            c->null_clear_tick = c->reload_tick;
        } else {
            chan_load(c, tick, c->gate);
        }
        break;
    default: /* 1, 5: waits for a gate trigger */
        c->null_clear_tick = UINT64_MAX;
        break;
    }
}

static void chan_write_data(Pit *t, int ch, uint8_t val)
{
    PitChannel *c = &t->ch[ch];
    chan_settle(c, pit_now_tick(t));
    switch (c->rw) {
    case 1:
        chan_write_count(t, ch, val);
        break;
    case 2:
        chan_write_count(t, ch, (uint16_t)(val << 8));
        break;
    default:
        if (!c->write_msb_next) {
            c->cr_lsb = val;
            c->write_msb_next = true;
            /* Mode 0: the first byte stops counting and drops OUT. */
            if (c->mode == 0) {
                uint64_t tick = pit_now_tick(t);
                chan_set_counting(c, tick, false);
                c->loaded = false;
                c->out_idle = false;
            }
            break;
        }
        c->write_msb_next = false;
        chan_write_count(t, ch, (uint16_t)(c->cr_lsb | val << 8));
        break;
    }
    pit_changed(t, ch);
}

static uint8_t chan_status(Pit *t, int ch)
{
    PitChannel *c = &t->ch[ch];
    return (uint8_t)(chan_out_at(c, pit_now_tick(t)) << 7 | c->null_count << 6 | c->rw << 4 |
                     c->mode << 1 | c->bcd);
}

static void chan_latch_count(Pit *t, int ch)
{
    PitChannel *c = &t->ch[ch];
    if (c->count_latched)
        return; /* a second latch before the read is ignored */
    c->count_latched = true;
    c->latched_count = chan_count_at(c, pit_now_tick(t));
    c->latch_bytes = c->rw == 3 ? 2 : 1;
}

static uint8_t chan_read_data(Pit *t, int ch)
{
    PitChannel *c = &t->ch[ch];
    chan_settle(c, pit_now_tick(t));
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    uint16_t v;
    bool msb;
    if (c->count_latched) {
        v = c->latched_count;
        msb = c->rw == 2 || (c->rw == 3 && c->latch_bytes == 1);
        if (--c->latch_bytes == 0)
            c->count_latched = false;
    } else {
        v = chan_count_at(c, pit_now_tick(t));
        msb = c->rw == 2 || (c->rw == 3 && c->read_msb_next);
        if (c->rw == 3)
            c->read_msb_next = !c->read_msb_next;
    }
    return (uint8_t)(msb ? v >> 8 : v);
}

static void pit_write_control(Pit *t, uint8_t val)
{
    int sc = val >> 6;
    if (sc == 3) {
        /* Read-back: bit 5 low latches counts, bit 4 low latches status. */
        for (int ch = 0; ch < 3; ch++) {
            if (!(val & (2 << ch)))
                continue;
            PitChannel *c = &t->ch[ch];
            chan_settle(c, pit_now_tick(t));
            if (!(val & 0x10) && !c->status_latched) {
                c->latched_status = chan_status(t, ch);
                c->status_latched = true;
            }
            if (!(val & 0x20))
                chan_latch_count(t, ch);
        }
        return;
    }
    PitChannel *c = &t->ch[sc];
    chan_settle(c, pit_now_tick(t));
    int rw = (val >> 4) & 3;
    if (rw == 0) {
        chan_latch_count(t, sc);
        return;
    }
    /* A control word resets the counter's logic: new mode, OUT to its
     * initial level (low in mode 0, high otherwise), no count. */
    int mode = (val >> 1) & 7;
    c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
    c->rw = (uint8_t)rw;
    c->bcd = val & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    c->loaded = false;
    c->has_count = false;
    c->counting = false;
    c->reload_pending = false;
    c->null_count = true;
    c->null_clear_tick = UINT64_MAX;
    c->out_idle = c->mode != 0;
    pit_changed(t, sc);
}

static uint32_t pit_read(void *opaque, uint32_t offset, int size)
{
    Pit *t = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        /* The control word register cannot be read (the bus floats). */
        uint32_t b = port < 3 ? chan_read_data(t, (int)port) : 0xff;
        v |= b << (8 * i);
    }
    return v;
}

static void pit_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Pit *t = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (port < 3)
            chan_write_data(t, (int)port, b);
        else if (port == 3)
            pit_write_control(t, b);
    }
}

/* Port 0x61, system control port B (PC/AT technical reference):
 * bit 0 timer 2 gate, bit 1 speaker data enable, bits 2-3 parity and
 * channel check enables (stored), bit 4 refresh request toggle (every
 * 15.085 us), bit 5 timer 2 OUT, bits 6-7 parity/IOCHK status (never). */
#define PORT61_REFRESH_NS 15085u

static uint32_t port61_read(void *opaque, uint32_t offset, int size)
{
    Pit *t = opaque;
    (void)offset;
    (void)size;
    uint8_t v = t->port61 & 0x0f;
    if ((clock_now(t->clock) / PORT61_REFRESH_NS) & 1)
        v |= 0x10;
    if (pit_out(t, 2))
        v |= 0x20;
    return v;
}

static void port61_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Pit *t = opaque;
    (void)offset;
    (void)size;
    t->port61 = (uint8_t)(val & 0x0f);
    pit_set_gate(t, 2, val & 1);
}

static const IoOps pit_ops = { "pit", pit_read, pit_write };
static const IoOps port61_ops = { "port61", port61_read, port61_write };

bool pit_out(Pit *t, int ch)
{
    if (ch < 0 || ch > 2)
        return false;
    uint64_t tick = pit_now_tick(t);
    chan_settle(&t->ch[ch], tick);
    return chan_out_at(&t->ch[ch], tick);
}

uint16_t pit_count(Pit *t, int ch)
{
    if (ch < 0 || ch > 2)
        return 0;
    uint64_t tick = pit_now_tick(t);
    chan_settle(&t->ch[ch], tick);
    return chan_count_at(&t->ch[ch], tick);
}

void pit_reset(Pit *t)
{
    event_cancel(t->clock, &t->event);
    /* The chip's state at power-on is undefined; every counter waits in
     * mode 3, LSB then MSB, for a count, OUT high (no IRQ0 until the
     * firmware programs channel 0). */
    for (int ch = 0; ch < 3; ch++) {
        PitChannel *c = &t->ch[ch];
        memset(c, 0, sizeof(*c));
        c->mode = 3;
        c->rw = 3;
        c->out_idle = true;
        c->null_count = true;
        c->null_clear_tick = UINT64_MAX;
        c->gate = ch != 2; /* channel 2's gate is port 0x61 bit 0 */
    }
    t->port61 = 0;
    t->irq0_edge_due = false;
    pit_update_irq0(t, false);
}

void pit_init(Pit *t, IoBus *bus, Clock *k, IrqLine irq0)
{
    memset(t, 0, sizeof(*t));
    t->clock = k;
    t->irq0 = irq0;
    t->irq0_level = -1;
    event_init(&t->event, "pit", pit_event, t);
    pit_reset(t);
    bus_register(bus, 0x40, 4, &pit_ops, t);
    bus_register(bus, 0x61, 1, &port61_ops, t);
}
