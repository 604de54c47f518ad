/*
 * options.h - the command line (QEMU-style, DESIGN.md section 6).
 */
#ifndef RINGSIDE_OPTIONS_H
#define RINGSIDE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_DEBUGCONS 8
#define MAX_CHARDEVS 8

typedef struct Chardev {
    char id[64];
    char path[4096]; /* "" for stdio */
    bool is_stdio, is_null;
} Chardev;

typedef struct DebugconOpt {
    uint16_t port;
    char chardev[64]; /* chardev id, or "" with spec below */
    char spec[4096];  /* stdio, file:PATH, null */
} DebugconOpt;

typedef struct Options {
    const char *bios;
    uint32_t ram_mb;
    bool display_none;
    bool no_reboot;
    const char *trace_flags; /* -d */
    const char *trace_file;  /* -D */
    const char *coverage_file;
    bool stats;
    uint64_t max_insns; /* 0: no limit */
    int exit_port;      /* -1: none; default 0xf4 */
    int exit_size;
    DebugconOpt debugcons[MAX_DEBUGCONS];
    int ndebugcons;
    bool default_debugcon; /* 0xe9 and 0x402 to stdout unless -debugcon given */
    Chardev chardevs[MAX_CHARDEVS];
    int nchardevs;
    bool singlestep;
} Options;

/* Parse argv into opts. On error prints one line to stderr and returns
 * false with *status set (2 for usage errors); --help returns false with
 * status 0. */
bool options_parse(Options *opts, int argc, char **argv, int *status);

#endif
