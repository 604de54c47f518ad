/*
 * bench.h - what every benchmark guest shares. The guests are flat 32-bit
 * ROMs built with ringside_add_rom (tests/guest/lib: boot32.S calls
 * guest_main() at CPL 0 with an IDT that reports any exception, and ends
 * the run with exit status 1 when it returns).
 *
 * A guest prints one line, "<name>: <details> checksum=<8 hex digits>", so
 * the runner can check that Ringside and QEMU computed the same thing.
 */
#ifndef BENCH_H
#define BENCH_H

#include "guest.h"

/* RAM for workload buffers: from 16 MiB (above the guest library's .data
 * and .bss, which it keeps below 16 MiB) to the end of a 128 MiB guest. */
#define BENCH_RAM ((uint8_t *)0x1000000)
#define BENCH_RAM_SIZE (112u << 20)

/* Ends the result line: " checksum=<hex>\n". */
static inline void bench_checksum(uint32_t checksum)
{
    print(" checksum=");
    print_hex(checksum);
    print("\n");
}

#endif
