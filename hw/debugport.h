/*
 * debugport.h - the debug console (QEMU's isa-debugcon: bytes written to
 * the port go to a file; reads return 0xe9) and the test exit port (QEMU's
 * isa-debug-exit: writing N ends the run with status (N << 1) | 1).
 */
#ifndef RINGSIDE_DEBUGPORT_H
#define RINGSIDE_DEBUGPORT_H

#include <stdio.h>

#include "hw/bus.h"

typedef struct DebugCon {
    FILE *out; /* NULL: discard */
} DebugCon;

typedef struct DebugExit {
    IoBus *bus;
} DebugExit;

bool debugcon_create(IoBus *bus, DebugCon *dc, uint16_t port, FILE *out);
bool debugexit_create(IoBus *bus, DebugExit *de, uint16_t port, uint16_t size);

#endif
