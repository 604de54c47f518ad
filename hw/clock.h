/*
 * clock.h - the virtual clock and its event queue (DESIGN.md section 5).
 *
 * Guest time is derived from the instructions retired: now = offset +
 * icount * period. Devices never read the host clock: they schedule events
 * at guest nanoseconds and the run loop runs the CPU exactly up to the
 * instruction at which the earliest one is due, then fires it. When the
 * CPU halts with nothing to do, the clock jumps to the next event (the
 * offset grows), so a halted guest costs no host time.
 *
 * The queue is a sorted singly linked list: a PC has a dozen timers, and
 * most schedules land near the head. Ties fire in the order they were
 * scheduled, so runs are deterministic.
 */
#ifndef RINGSIDE_CLOCK_H
#define RINGSIDE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_SEC 1000000000ull

typedef struct Clock Clock;
typedef struct Event Event;
typedef void (*EventFn)(void *opaque);

struct Event {
    uint64_t when;  /* guest ns */
    uint64_t seq;   /* schedule order, for ties */
    EventFn fn;
    void *opaque;
    const char *name;
    bool pending;
    Event *next;
};

struct Clock {
    const uint64_t *icount; /* the CPU's retired-instruction counter */
    uint64_t period_ps;     /* guest picoseconds per instruction */
    uint64_t offset_ns;     /* time added by halts jumping forward */
    uint64_t seq;
    Event *head;
};

/* period_ps: guest picoseconds per instruction (1000 = 1 GIPS). */
void clock_init(Clock *k, const uint64_t *icount, uint64_t period_ps);

/* Guest nanoseconds now (exact within an instruction: icount counts the
 * instructions retired before the one doing the I/O). */
static inline uint64_t clock_now(const Clock *k)
{
    return k->offset_ns + (*k->icount * k->period_ps) / 1000u;
}

void event_init(Event *e, const char *name, EventFn fn, void *opaque);
/* (Re)schedule at absolute guest time when_ns; a time in the past fires
 * at the next instruction boundary the run loop reaches. */
void event_schedule(Clock *k, Event *e, uint64_t when_ns);
void event_cancel(Clock *k, Event *e);
static inline bool event_pending(const Event *e)
{
    return e->pending;
}

/* For the run loop: the icount at which the earliest event is due
 * (UINT64_MAX if none); the first icount whose time is >= when. */
uint64_t clock_next_deadline(const Clock *k);
/* Fire every event due at or before now, in order; an event's callback
 * may schedule more. Returns how many fired. */
int clock_run_due(Clock *k);
/* The CPU halted: jump guest time to the next event, if there is one.
 * Returns false when nothing is scheduled. */
bool clock_skip_to_next(Clock *k);

/* Convert a duration to guest ns from a rate: ticks at hz. Rounds down.
 * While the product fits 64 bits (for the PIT's 1193182 Hz, the first
 * 4.3 hours of guest time) the 64-bit division gives the same quotient
 * without __udivti3's cost: a guest polling port 0x61 or the PIT in a
 * loop (SeaBIOS, GRUB) spent 4% of its host time there. */
static inline uint64_t clock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
    uint64_t p;
    if (!__builtin_mul_overflow(ticks, (uint64_t)NS_PER_SEC, &p))
        return p / hz;
    return (uint64_t)(((unsigned __int128)ticks * NS_PER_SEC) / hz);
}
static inline uint64_t clock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    uint64_t p;
    if (!__builtin_mul_overflow(ns, hz, &p))
        return p / NS_PER_SEC;
    return (uint64_t)(((unsigned __int128)ns * hz) / NS_PER_SEC);
}

#endif
