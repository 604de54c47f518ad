/*
 * pic.h - the two Intel 8259A programmable interrupt controllers of a PC,
 * master at 0x20-0x21, slave at 0xa0-0xa1 cascaded on the master's IR2,
 * and the PIIX3 edge/level control registers (ELCR) at 0x4d0-0x4d1.
 *
 * Devices drive IRQ 0-15 through pic_set_irq (an IrqSetFn); the master's
 * INT output drives intr_out, which the board wires to the CPU's INTR; the
 * CPU calls pic_ack for the INTA cycle when it takes the interrupt.
 */
#ifndef RINGSIDE_PIC_H
#define RINGSIDE_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/irq.h"

/* One 8259A. Bit n of each 8-bit register is the chip's input IRn. */
typedef struct PicChip {
    uint8_t irr;          /* interrupt request register */
    uint8_t isr;          /* in-service register */
    uint8_t imr;          /* interrupt mask register (OCW1) */
    uint8_t lines;        /* input levels as last driven: the edge latch */
    uint8_t elcr;         /* 1 = level triggered (PIIX3 ELCR) */
    uint8_t elcr_mask;    /* ELCR bits that are writable */
    uint8_t vector_base;  /* ICW2, low 3 bits clear */
    uint8_t icw3;         /* master: slave bitmap; slave: its ID */
    uint8_t lowest;       /* the input with the lowest priority (rotation) */
    uint8_t init_step;    /* 0 = not in a sequence, else the next ICW expected (2-4) */
    bool initialized;     /* a full ICW sequence was written since reset */
    bool icw4_needed;     /* ICW1 IC4 */
    bool single;          /* ICW1 SNGL */
    bool ltim;            /* ICW1 LTIM: stored, ignored as on PIIX3 (ELCR rules) */
    bool x86_mode;        /* ICW4 uPM */
    bool auto_eoi;        /* ICW4 AEOI */
    bool buffered;        /* ICW4 BUF */
    bool master_mode;     /* ICW4 M/S */
    bool sfnm;            /* ICW4 special fully nested mode */
    bool rotate_on_aeoi;  /* OCW2 rotate in automatic EOI mode */
    bool special_mask;    /* OCW3 special mask mode */
    bool read_isr;        /* OCW3 RIS: even-port reads return ISR, not IRR */
    bool poll;            /* OCW3 P: the next read is the poll word */
} PicChip;

typedef struct Pic {
    PicChip chip[2]; /* [0] master, [1] slave */
    IrqLine intr_out;
    int intr_level;  /* last level driven on intr_out, -1 before the first */
    int intr_source; /* the master input that last raised INT (spurious 7 or 15) */
} Pic;

void pic_init(Pic *p, IoBus *bus, IrqLine intr_out);
void pic_reset(Pic *p);
/* IRQ 0-15 input; an IrqSetFn: irq_line(pic_set_irq, pic, n). */
void pic_set_irq(void *opaque, int irq, int level);
/* The INTA cycle: the vector to take; updates ISR/IRR. Spurious requests
 * give the IR7 vector of the chip concerned (IRQ7 or IRQ15). */
int pic_ack(Pic *p);
/* Is INT asserted towards the CPU (without acknowledging)? */
bool pic_intr_pending(const Pic *p);

/* For the monitor and the trace: 16-bit views, bit n = IRQ n. */
uint16_t pic_irr(const Pic *p);
uint16_t pic_isr(const Pic *p);
uint16_t pic_imr(const Pic *p);
uint16_t pic_elcr(const Pic *p);

#endif
