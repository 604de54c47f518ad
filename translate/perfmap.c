/*
 * perfmap.c - RINGSIDE_PERF_MAP=1 names each x64 block's host code in
 * /tmp/perf-PID.map, the file perf(1) reads for code made at run time, so
 * a profile of the x64 backend shows guest addresses
 * ("guest_CSBASE+EIP_pPHYS") instead of bare addresses in the code
 * buffer. Entries left from before a buffer reset are harmless: perf
 * takes the latest name of an address. Off (one getenv) otherwise.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "translate/translate.h"

void perf_map_add(const uint8_t *code, const uint8_t *end, uint32_t cs_base, uint32_t eip, uint32_t phys)
{
    static FILE *map;
    static bool checked;
    if (!checked) {
        checked = true;
        const char *v = getenv("RINGSIDE_PERF_MAP");
        if (v && *v == '1') {
            char path[64];
            snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
            map = fopen(path, "w");
        }
    }
    if (!map || end <= code)
        return;
    fprintf(map, "%lx %lx guest_%08x+%08x_p%08x\n", (unsigned long)(uintptr_t)code,
            (unsigned long)(end - code), cs_base, eip, phys);
    fflush(map);
}
