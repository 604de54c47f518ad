/*
 * bus.h - the port I/O bus. Devices register a range of ports with one
 * small ops table (STYLE.md: read/write with (opaque, offset, size)); the
 * bus never knows about the CPU. Unclaimed ports read as all ones and
 * ignore writes, as on an ISA bus with nothing driving it.
 */
#ifndef RINGSIDE_BUS_H
#define RINGSIDE_BUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct IoOps {
    const char *name;
    uint32_t (*read)(void *opaque, uint32_t offset, int size);
    void (*write)(void *opaque, uint32_t offset, uint32_t val, int size);
} IoOps;

typedef struct IoRange {
    uint16_t base, count;
    const IoOps *ops;
    void *opaque;
} IoRange;

#define BUS_MAX_RANGES 64

typedef struct IoBus {
    IoRange ranges[BUS_MAX_RANGES];
    int nranges;
    uint8_t map[65536]; /* port -> range index + 1, 0 = nothing */
    /* Set by a device that wants the run to end (the test exit port). */
    bool stop;
    int stop_status;
    /* Set by a device that resets the machine (port 0x92 bit 0, 8042). */
    bool reset;
} IoBus;

void bus_init(IoBus *bus);
bool bus_register(IoBus *bus, uint16_t base, uint16_t count, const IoOps *ops, void *opaque);
/* Remove the range registered at exactly (base, count), as a PCI device does
 * when the guest moves or disables an I/O BAR; false if there is none. */
bool bus_unregister(IoBus *bus, uint16_t base, uint16_t count);
uint32_t bus_in(IoBus *bus, uint16_t port, int size);
void bus_out(IoBus *bus, uint16_t port, uint32_t val, int size);
void bus_request_stop(IoBus *bus, int status);

#endif
