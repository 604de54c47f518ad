/*
 * bus.c - port I/O dispatch.
 *
 * An access goes to the range that holds its first port, at its size; a
 * 16- or 32-bit access that the device does not span is split into bytes,
 * as the ISA bus does.
 */
#include "hw/bus.h"

#include <string.h>

void bus_init(IoBus *bus)
{
    memset(bus, 0, sizeof(*bus));
}

bool bus_register(IoBus *bus, uint16_t base, uint16_t count, const IoOps *ops, void *opaque)
{
    if (bus->nranges == BUS_MAX_RANGES || (uint32_t)base + count > 65536)
        return false;
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        if (bus->map[p])
            return false;
    bus->ranges[bus->nranges] = (IoRange){ base, count, ops, opaque };
    bus->nranges++;
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        bus->map[p] = (uint8_t)bus->nranges;
    return true;
}

bool bus_unregister(IoBus *bus, uint16_t base, uint16_t count)
{
    int idx = bus->map[base];
    if (!idx || bus->ranges[idx - 1].base != base || bus->ranges[idx - 1].count != count)
        return false;
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        bus->map[p] = 0;
    /* Move the last range into the hole so the indexes stay dense. */
    int last = bus->nranges - 1;
    if (idx - 1 != last) {
        IoRange *r = &bus->ranges[last];
        bus->ranges[idx - 1] = *r;
        for (uint32_t p = r->base; p < (uint32_t)r->base + r->count; p++)
            bus->map[p] = (uint8_t)idx;
    }
    bus->nranges--;
    return true;
}

static IoRange *range_of(IoBus *bus, uint16_t port, int size)
{
    int idx = bus->map[port];
    if (!idx)
        return NULL;
    IoRange *r = &bus->ranges[idx - 1];
    if ((uint32_t)(port - r->base) + (uint32_t)size > r->count)
        return NULL;
    return r;
}

uint32_t bus_in(IoBus *bus, uint16_t port, int size)
{
    IoRange *r = range_of(bus, port, size);
    if (r)
        return r->ops->read ? r->ops->read(r->opaque, port - r->base, size)
                            : 0xffffffffu >> (32 - 8 * size);
    if (size == 1)
        return 0xff;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint32_t b = 0xff;
        if (bus->map[p]) {
            IoRange *ri = &bus->ranges[bus->map[p] - 1];
            b = ri->ops->read ? ri->ops->read(ri->opaque, p - ri->base, 1) & 0xff : 0xff;
        }
        v |= b << (8 * i);
    }
    return v;
}

void bus_out(IoBus *bus, uint16_t port, uint32_t val, int size)
{
    IoRange *r = range_of(bus, port, size);
    if (r) {
        if (r->ops->write)
            r->ops->write(r->opaque, port - r->base, val, size);
        return;
    }
    for (int i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        if (!bus->map[p])
            continue;
        IoRange *ri = &bus->ranges[bus->map[p] - 1];
        if (ri->ops->write)
            ri->ops->write(ri->opaque, p - ri->base, (val >> (8 * i)) & 0xff, 1);
    }
}

void bus_request_stop(IoBus *bus, int status)
{
    bus->stop = true;
    bus->stop_status = status;
}
