/*
 * irq.h - an interrupt line between a device and whoever receives it (the
 * PIC, the PIIX3's PIRQ router, the board). A device holds an IrqLine and
 * drives its level; it never knows who listens (DESIGN.md section 2).
 * Edge-triggered receivers see a rising edge as level going 0 -> 1, so a
 * device that "pulses" an edge interrupt sets 1 then 0.
 */
#ifndef RINGSIDE_IRQ_H
#define RINGSIDE_IRQ_H

typedef void (*IrqSetFn)(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqSetFn set; /* NULL: not connected, changes go nowhere */
    void *opaque;
    int n;        /* the receiver's input number */
} IrqLine;

static inline IrqLine irq_line(IrqSetFn set, void *opaque, int n)
{
    IrqLine l = { set, opaque, n };
    return l;
}

static inline void irq_set(const IrqLine *l, int level)
{
    if (l->set)
        l->set(l->opaque, l->n, level);
}

static inline void irq_raise(const IrqLine *l)
{
    irq_set(l, 1);
}

static inline void irq_lower(const IrqLine *l)
{
    irq_set(l, 0);
}

static inline void irq_pulse(const IrqLine *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

#endif
