/*
 * clock.c - the virtual clock's event queue; see clock.h.
 */
#include "hw/clock.h"

void clock_init(Clock *k, const uint64_t *icount, uint64_t period_ps)
{
    k->icount = icount;
    k->period_ps = period_ps ? period_ps : 1000;
    k->offset_ns = 0;
    k->seq = 0;
    k->head = 0;
}

void event_init(Event *e, const char *name, EventFn fn, void *opaque)
{
    e->when = 0;
    e->seq = 0;
    e->fn = fn;
    e->opaque = opaque;
    e->name = name;
    e->pending = false;
    e->next = 0;
}

void event_cancel(Clock *k, Event *e)
{
    if (!e->pending)
        return;
    for (Event **p = &k->head; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    e->pending = false;
    e->next = 0;
}

void event_schedule(Clock *k, Event *e, uint64_t when_ns)
{
    event_cancel(k, e);
    e->when = when_ns;
    e->seq = k->seq++;
    Event **p = &k->head;
    /* After every event due at the same time: ties keep schedule order. */
    while (*p && (*p)->when <= when_ns)
        p = &(*p)->next;
    e->next = *p;
    *p = e;
    e->pending = true;
}

uint64_t clock_next_deadline(const Clock *k)
{
    if (!k->head)
        return UINT64_MAX;
    uint64_t when = k->head->when;
    if (when <= k->offset_ns)
        return 0;
    /* Smallest n with offset + n * period / 1000 >= when. */
    unsigned __int128 need = (unsigned __int128)(when - k->offset_ns) * 1000u;
    unsigned __int128 n = (need + k->period_ps - 1) / k->period_ps;
    return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

int clock_run_due(Clock *k)
{
    int fired = 0;
    uint64_t now = clock_now(k);
    while (k->head && k->head->when <= now) {
        Event *e = k->head;
        k->head = e->next;
        e->next = 0;
        e->pending = false;
        e->fn(e->opaque);
        fired++;
    }
    return fired;
}

bool clock_skip_to_next(Clock *k)
{
    if (!k->head)
        return false;
    uint64_t now = clock_now(k);
    if (k->head->when > now)
        k->offset_ns += k->head->when - now;
    return true;
}
