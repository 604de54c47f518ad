/*
 * i8042.h - the 8042 keyboard controller of PC/AT and PS/2 machines, with
 * a PS/2 keyboard on its first port and a PS/2 mouse on its second.
 * Port 0x60 is data, 0x64 status (read) and command (write). IRQ1 follows
 * "output buffer full with keyboard data and keyboard interrupt enabled",
 * IRQ12 the same for mouse data; both are levels, so an edge-triggered PIC
 * sees a new edge for every byte.
 */
#ifndef RINGSIDE_I8042_H
#define RINGSIDE_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/irq.h"
#include "hw/ps2.h"
#include "mmu/mem.h"

/* Status register (port 0x64 read). */
#define I8042_STR_OBF 0x01    /* output buffer full */
#define I8042_STR_IBF 0x02    /* input buffer full (never: writes complete at once) */
#define I8042_STR_SYS 0x04    /* system flag: set by the self test / command byte */
#define I8042_STR_CMD 0x08    /* A2: last write was to port 0x64 */
#define I8042_STR_UNLOCK 0x10 /* keyboard not inhibited by the keylock */
#define I8042_STR_AUXOBF 0x20 /* output buffer holds mouse data */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY 0x80

/* Controller command byte (RAM byte 0). */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS 0x04
#define I8042_CTR_IGNKEYLOCK 0x08
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40

/* Output port (0xd0/0xd1). */
#define I8042_OUT_RESET 0x01 /* 0 holds the CPU in reset */
#define I8042_OUT_A20 0x02
#define I8042_OUT_AUXOBF 0x20
#define I8042_OUT_OBF 0x10

typedef struct I8042 {
    IoBus *bus;
    Clock *clock;
    PhysMem *mem;
    IrqLine irq_kbd, irq_aux;
    Ps2Kbd kbd;
    Ps2Mouse mouse;

    uint8_t ram[32]; /* ram[0] is the command byte */
    uint8_t status;  /* the bits kept here: SYS, CMD, TIMEOUT, PARITY */
    uint8_t outport;
    uint8_t outbuf;    /* last byte put in the output buffer */
    bool obf, obf_aux; /* full, and holding mouse data */
    uint8_t pending;   /* command waiting for a byte on port 0x60, or 0 */
    bool xlate_break;  /* translation saw 0xf0: set bit 7 of the next */
    /* Replies of the controller itself, served before device data. */
    uint8_t reply[8];
    bool reply_aux[8];
    int nreply;
    int irq_kbd_level, irq_aux_level;
} I8042;

void i8042_init(I8042 *c, IoBus *bus, Clock *clock, PhysMem *mem, IrqLine irq1, IrqLine irq12);
/* Power-on state of the controller and both devices; A20 on. */
void i8042_reset(I8042 *c);

static inline Ps2Kbd *i8042_kbd(I8042 *c)
{
    return &c->kbd;
}

static inline Ps2Mouse *i8042_mouse(I8042 *c)
{
    return &c->mouse;
}

#endif
