/*
 * port92.h - System Control Port A (port 0x92) of PS/2-class machines:
 * bit 1 gates A20, writing bit 0 as 1 resets the machine.
 */
#ifndef RINGSIDE_PORT92_H
#define RINGSIDE_PORT92_H

#include "hw/bus.h"
#include "mmu/mem.h"

typedef struct Port92 {
    IoBus *bus;
    PhysMem *mem;
    uint8_t value;
} Port92;

bool port92_create(IoBus *bus, Port92 *p, PhysMem *mem);
void port92_reset(Port92 *p);

#endif
