/*
 * port92.c - System Control Port A (fast A20 and fast reset).
 * Follows the PS/2 technical reference: bit 0 is the fast reset (write 1 to
 * pulse RESET), bit 1 the A20 gate; the other bits read back as written.
 */
#include "hw/port92.h"

static uint32_t port92_read(void *opaque, uint32_t offset, int size)
{
    Port92 *p = opaque;
    (void)offset;
    (void)size;
    return p->value & ~1u;
}

static void port92_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Port92 *p = opaque;
    (void)offset;
    (void)size;
    p->value = (uint8_t)(val & ~1u);
    mem_set_a20(p->mem, (val & 2) != 0);
    if (val & 1)
        p->bus->reset = true;
}

static const IoOps port92_ops = { "port92", port92_read, port92_write };

void port92_reset(Port92 *p)
{
    /* A20 enabled at reset, as QEMU's pc machine starts. */
    p->value = 2;
    mem_set_a20(p->mem, true);
}

bool port92_create(IoBus *bus, Port92 *p, PhysMem *mem)
{
    p->bus = bus;
    p->mem = mem;
    port92_reset(p);
    return bus_register(bus, 0x92, 1, &port92_ops, p);
}
