/*
 * debugport.c - debug console and test exit ports (see debugport.h).
 */
#include "hw/debugport.h"

static uint32_t debugcon_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0xe9;
}

static void debugcon_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    DebugCon *dc = opaque;
    (void)offset;
    (void)size;
    if (dc->out) {
        fputc((int)(val & 0xff), dc->out);
        if ((val & 0xff) == '\n')
            fflush(dc->out);
    }
}

static const IoOps debugcon_ops = { "debugcon", debugcon_read, debugcon_write };

bool debugcon_create(IoBus *bus, DebugCon *dc, uint16_t port, FILE *out)
{
    dc->out = out;
    return bus_register(bus, port, 1, &debugcon_ops, dc);
}

static void debugexit_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    DebugExit *de = opaque;
    (void)offset;
    if (size < 4)
        val &= (1u << (8 * size)) - 1;
    bus_request_stop(de->bus, (int)((val << 1) | 1));
}

static const IoOps debugexit_ops = { "debug-exit", NULL, debugexit_write };

bool debugexit_create(IoBus *bus, DebugExit *de, uint16_t port, uint16_t size)
{
    de->bus = bus;
    return bus_register(bus, port, size, &debugexit_ops, de);
}
