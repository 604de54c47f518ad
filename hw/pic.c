/*
 * pic.c - Intel 8259A programmable interrupt controller pair, as wired in a
 * PC/AT: master at 0x20, slave at 0xa0 on the master's IR2, plus the PIIX3
 * ELCR at 0x4d0-0x4d1 that makes each input edge or level triggered.
 *
 * Follows the 8259A datasheet (Intel 231468): ICW1-ICW4 in every order the
 * datasheet allows, OCW1 masking, OCW2 EOI/rotation/priority commands,
 * OCW3 register reads, poll and special mask mode, special fully nested
 * mode on the master, automatic EOI with or without rotation.
 *
 * Not implemented: 8080/8085 call-sequence vectors (ICW1 ADI and ICW4 uPM=0
 * are stored, vectors are always formed the 8086 way), buffered-mode pins.
 * ICW1 LTIM is ignored, as on the PIIX3: the ELCR decides edge or level.
 *
 * XXX: an edge-triggered request stays in IRR after its input falls, until
 * INTA. On the chip the IR input must stay high until the first INTA or
 * the cycle turns spurious, but our devices pulse edge interrupts (irq.h)
 * within one instant, so dropping IRR on the falling edge would lose them.
 * Spurious IRQ7/15 still happens when a level request goes away, or a
 * request is masked, between INT and INTA: IRQ15 when the last request
 * that raised INT came through the cascade, IRQ7 otherwise.
 */
#include "hw/pic.h"

#include <string.h>

#define PIC_CASCADE_IRQ 2

/* The priority of the highest-priority bit set in mask, or 8 if none. */
static int chip_best_priority(const PicChip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    for (int pri = 0; pri < 8; pri++)
        if (mask & (1u << ((pri + c->lowest + 1) & 7)))
            return pri;
    return 8;
}

static int chip_irq_of(const PicChip *c, int pri)
{
    return (pri + c->lowest + 1) & 7;
}

/* The input the chip would present at INTA, or -1 (datasheet "Priority
 * resolver": the highest unmasked request above every level in service). */
static int chip_pending(const PicChip *c, bool is_master)
{
    /* Until firmware initializes it the chip asserts nothing: its vector
     * base and modes are undefined after power-on. */
    if (!c->initialized)
        return -1;
    int req = chip_best_priority(c, c->irr & ~c->imr);
    if (req == 8)
        return -1;
    uint8_t in_service = c->isr;
    /* Special mask mode: a masked in-service level no longer holds off
     * the others, so lower levels get through too. */
    if (c->special_mask)
        in_service &= ~c->imr;
    int cur = chip_best_priority(c, in_service);
    int irq = chip_irq_of(c, req);
    /* Special fully nested: a slave in service does not hold off a
     * further (higher priority, the slave decides) request from it. */
    if (is_master && c->sfnm && irq == PIC_CASCADE_IRQ && cur == req)
        return irq;
    return req < cur ? irq : -1;
}

/* Drive one input; no output update. */
static void chip_set_input(PicChip *c, int irq, int level)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (c->elcr & bit) {
        /* Level: IRR follows the line. */
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit; /* rising edge */
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= (uint8_t)~bit;
}

/* Recompute the cascade and the INT output towards the CPU. */
static void pic_update(Pic *p)
{
    PicChip *m = &p->chip[0];
    /* The slave's INT is the master's IR2 request as a level: it goes away
     * when the slave's request does, and a slave still requesting after an
     * INTA (AEOI on the slave) keeps it up without needing a fresh edge. */
    uint8_t bit = 1u << PIC_CASCADE_IRQ;
    if (chip_pending(&p->chip[1], false) >= 0) {
        m->irr |= bit;
        m->lines |= bit;
    } else {
        m->irr &= (uint8_t)~bit;
        m->lines &= (uint8_t)~bit;
    }
    int irq = chip_pending(m, true);
    int level = irq >= 0;
    if (level)
        p->intr_source = irq;
    if (level != p->intr_level) {
        p->intr_level = level;
        irq_set(&p->intr_out, level);
    }
}

bool pic_intr_pending(const Pic *p)
{
    return chip_pending(&p->chip[0], true) >= 0;
}

void pic_set_irq(void *opaque, int irq, int level)
{
    Pic *p = opaque;
    /* IR2 of the master is the cascade: an ISA card's IRQ2 is wired to
     * IRQ9 on an AT, so a device never drives input 2 itself. */
    if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IRQ)
        return;
    chip_set_input(&p->chip[irq >> 3], irq & 7, level != 0);
    pic_update(p);
}

/* The second INTA pulse: IRR to ISR (or straight through in AEOI). */
static void chip_ack(PicChip *c, int irq)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit; /* a level request stays while its line is high */
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi)
            c->lowest = (uint8_t)irq;
    } else {
        c->isr |= bit;
    }
}

int pic_ack(Pic *p)
{
    PicChip *m = &p->chip[0], *s = &p->chip[1];
    int irq = chip_pending(m, true);
    int vector;
    if (irq < 0 && p->intr_source == PIC_CASCADE_IRQ && !m->single) {
        /* The slave's request went away between INT and INTA: the master
         * acknowledges its IR2 and the slave answers with IR7 (IRQ15). */
        chip_ack(m, PIC_CASCADE_IRQ);
        vector = s->vector_base | 7;
    } else if (irq < 0) {
        /* A master request went away between INT and INTA: the chip
         * answers with IR7 and sets no ISR bit. */
        vector = m->vector_base | 7;
    } else if (irq == PIC_CASCADE_IRQ && !m->single) {
        int sirq = chip_pending(s, false);
        if (sirq >= 0)
            chip_ack(s, sirq);
        else
            sirq = 7; /* spurious IRQ15; the master's IR2 is still in service */
        vector = s->vector_base | sirq;
        chip_ack(m, irq);
    } else {
        vector = m->vector_base | irq;
        chip_ack(m, irq);
    }
    pic_update(p);
    return vector;
}

/* OCW3 poll: the read is the INTA, the chip answers I (bit 7) and the level. */
static uint8_t chip_poll(Pic *p, PicChip *c, bool is_master)
{
    c->poll = false;
    int irq = chip_pending(c, is_master);
    if (irq < 0)
        return 0;
    chip_ack(c, irq);
    pic_update(p);
    return (uint8_t)(0x80 | irq);
}

static void chip_eoi(PicChip *c, int irq, bool rotate)
{
    c->isr &= (uint8_t)~(1u << irq);
    if (rotate)
        c->lowest = (uint8_t)irq;
}

static void chip_write_ocw2(PicChip *c, uint8_t val)
{
    int level = val & 7;
    int highest = chip_best_priority(c, c->isr);
    switch (val >> 5) {
    case 0: /* rotate in AEOI mode (clear) */
        c->rotate_on_aeoi = false;
        break;
    case 4: /* rotate in AEOI mode (set) */
        c->rotate_on_aeoi = true;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        if (highest < 8)
            chip_eoi(c, chip_irq_of(c, highest), (val >> 5) == 5);
        break;
    case 3: /* specific EOI */
    case 7: /* rotate on specific EOI */
        chip_eoi(c, level, (val >> 5) == 7);
        break;
    case 6: /* set priority: level becomes the lowest */
        c->lowest = (uint8_t)level;
        break;
    case 2: /* no operation */
        break;
    }
}

static void chip_write_icw1(PicChip *c, uint8_t val)
{
    /* Datasheet "Initialization command words": the edge sense latch is
     * reset (a high input must go low and high again: we keep the line
     * levels, so a line already high is no edge), IMR cleared, IR7 lowest,
     * special mask mode off, status read is IRR, ICW4 functions zero. */
    c->icw4_needed = val & 1;
    c->single = (val >> 1) & 1;
    c->ltim = (val >> 3) & 1;
    c->irr &= c->elcr; /* level requests still follow their lines */
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_on_aeoi = false;
    c->x86_mode = c->auto_eoi = c->buffered = c->master_mode = c->sfnm = false;
    c->init_step = 2;
    c->initialized = false;
}

/* Next step after ICW2 or ICW3: ICW3 only when cascaded, ICW4 when asked. */
static void chip_next_icw(PicChip *c, int done)
{
    if (done < 3 && !c->single)
        c->init_step = 3;
    else if (done < 4 && c->icw4_needed)
        c->init_step = 4;
    else
        c->init_step = 0;
    c->initialized = c->init_step == 0;
}

static void chip_write(Pic *p, int which, int port, uint8_t val)
{
    PicChip *c = &p->chip[which];
    if (port == 0) {
        if (val & 0x10)
            chip_write_icw1(c, val);
        else if (val & 0x08) {
            /* OCW3: RR/RIS select the status register, P polls, ESMM/SMM
             * set or clear special mask mode. */
            if (val & 0x04)
                c->poll = true;
            if (val & 0x02)
                c->read_isr = val & 0x01;
            if (val & 0x40)
                c->special_mask = (val >> 5) & 1;
        } else
            chip_write_ocw2(c, val);
    } else {
        switch (c->init_step) {
        case 2:
            c->vector_base = val & 0xf8;
            chip_next_icw(c, 2);
            break;
        case 3:
            c->icw3 = val;
            chip_next_icw(c, 3);
            break;
        case 4:
            c->x86_mode = val & 1;
            c->auto_eoi = (val >> 1) & 1;
            c->master_mode = (val >> 2) & 1;
            c->buffered = (val >> 3) & 1;
            c->sfnm = (val >> 4) & 1;
            c->init_step = 0;
            c->initialized = true;
            break;
        default:
            c->imr = val; /* OCW1 */
            break;
        }
    }
    pic_update(p);
}

static uint8_t chip_read(Pic *p, int which, int port)
{
    PicChip *c = &p->chip[which];
    if (c->poll)
        return chip_poll(p, c, which == 0);
    if (port == 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* A 16/32-bit access to the pair of ports is byte accesses on the ISA bus. */
static uint32_t pic_read_bytes(Pic *p, int which, uint32_t offset, int size)
{
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        v |= (uint32_t)(port < 2 ? chip_read(p, which, (int)port) : 0xff) << (8 * i);
    }
    return v;
}

static void pic_write_bytes(Pic *p, int which, uint32_t offset, uint32_t val, int size)
{
    for (int i = 0; i < size; i++)
        if (offset + (uint32_t)i < 2)
            chip_write(p, which, (int)(offset + (uint32_t)i), (uint8_t)(val >> (8 * i)));
}

static uint32_t pic_master_read(void *opaque, uint32_t offset, int size)
{
    return pic_read_bytes(opaque, 0, offset, size);
}

static void pic_master_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    pic_write_bytes(opaque, 0, offset, val, size);
}

static uint32_t pic_slave_read(void *opaque, uint32_t offset, int size)
{
    return pic_read_bytes(opaque, 1, offset, size);
}

static void pic_slave_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    pic_write_bytes(opaque, 1, offset, val, size);
}

/* ELCR: 0x4d0 for IRQ 0-7, 0x4d1 for IRQ 8-15 (PIIX3 datasheet 2.2.x). */
static uint32_t elcr_read(void *opaque, uint32_t offset, int size)
{
    Pic *p = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        v |= (uint32_t)(port < 2 ? p->chip[port].elcr : 0xff) << (8 * i);
    }
    return v;
}

static void elcr_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Pic *p = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        if (port >= 2)
            continue;
        PicChip *c = &p->chip[port];
        c->elcr = (uint8_t)(val >> (8 * i)) & c->elcr_mask;
        /* Inputs now level triggered take their request from the line. */
        c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
    }
    pic_update(p);
}

static const IoOps pic_master_ops = { "pic-master", pic_master_read, pic_master_write };
static const IoOps pic_slave_ops = { "pic-slave", pic_slave_read, pic_slave_write };
static const IoOps elcr_ops = { "elcr", elcr_read, elcr_write };

static void chip_reset(PicChip *c, uint8_t elcr_mask)
{
    uint8_t lines = c->lines;
    memset(c, 0, sizeof(*c));
    c->lines = lines; /* the devices still drive their lines */
    c->elcr_mask = elcr_mask;
    c->lowest = 7;
}

void pic_reset(Pic *p)
{
    /* IRQ0, 1, 2 (master) and IRQ8, 13 (slave) are always edge on PIIX3. */
    chip_reset(&p->chip[0], 0xf8);
    chip_reset(&p->chip[1], 0xde);
    pic_update(p);
}

void pic_init(Pic *p, IoBus *bus, IrqLine intr_out)
{
    memset(p, 0, sizeof(*p));
    p->intr_out = intr_out;
    p->intr_level = -1;
    pic_reset(p);
    bus_register(bus, 0x20, 2, &pic_master_ops, p);
    bus_register(bus, 0xa0, 2, &pic_slave_ops, p);
    bus_register(bus, 0x4d0, 2, &elcr_ops, p);
}

uint16_t pic_irr(const Pic *p)
{
    return (uint16_t)(p->chip[0].irr | (p->chip[1].irr << 8));
}

uint16_t pic_isr(const Pic *p)
{
    return (uint16_t)(p->chip[0].isr | (p->chip[1].isr << 8));
}

uint16_t pic_imr(const Pic *p)
{
    return (uint16_t)(p->chip[0].imr | (p->chip[1].imr << 8));
}

uint16_t pic_elcr(const Pic *p)
{
    return (uint16_t)(p->chip[0].elcr | (p->chip[1].elcr << 8));
}
