/*
 * options.h - the command line (QEMU-style, DESIGN.md section 6).
 */
#ifndef RINGSIDE_OPTIONS_H
#define RINGSIDE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

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

#define MAX_SERIALS 2
#define MAX_SCREENSHOTS 16

/* --screenshot FILE[@N]: a PNG of the VGA frame once N guest instructions
 * have run, or at exit (at_exit) without @N. */
typedef struct ScreenshotOpt {
    const char *path;    /* argv itself, or pathbuf for FILE@N */
    char pathbuf[4096];
    uint64_t at; /* instruction count */
    bool at_exit;
} ScreenshotOpt;
#define MAX_HDS 4
#define MAX_DRIVES 6

/* One -drive, as given; options_parse moves it into the hd/fd slots. */
typedef struct DriveOpt {
    const char *spec;  /* the option's text, for messages */
    char *file;        /* file=, with ",," unescaped */
    bool floppy;       /* if=floppy (default if=ide) */
    bool cdrom;        /* media=cdrom */
    bool readonly, snapshot;
    int index;         /* -1: the first free slot of the interface */
} DriveOpt;

typedef struct Options {
    const char *bios;      /* NULL: SeaBIOS from Debian's seabios package */
    const char *vgabios;   /* NULL: SeaVGABIOS (stdvga) from the same package */
    bool bios_given;       /* -bios: a test ROM or another firmware; no VGA BIOS */
    const char *hd[MAX_HDS]; /* -hda..-hdd: IDE primary master/slave, secondary master/slave */
    const char *cdrom;     /* -cdrom: secondary master unless -hdc takes it */
    const char *fd[2];     /* -fda, -fdb */
    /* Per slot, from -drive: media=cdrom, readonly=on, snapshot=on (the
     * -cdrom option's image is read-only and a CD by itself). */
    bool hd_cdrom[MAX_HDS], hd_readonly[MAX_HDS], hd_snapshot[MAX_HDS];
    bool fd_readonly[2], fd_snapshot[2];
    DriveOpt drives[MAX_DRIVES];
    int ndrives;
    const char *boot;      /* -boot order=...: letters a, c, d, n */
    char boot_buf[9];      /* where -boot's order letters are kept */
    bool boot_menu;        /* -boot menu=on: SeaBIOS offers its boot menu (ESC) */
    bool snapshot;         /* writes go to memory, never to the images */
    const char *serial[MAX_SERIALS]; /* -serial specs for COM1, COM2 */
    int nserials;
    const char *kernel, *initrd, *append;
    bool rtc_base_set;
    int64_t rtc_base;      /* -rtc base=: guest start time, seconds since 1970 UTC */
    bool rtc_localtime;
    uint32_t icount_shift; /* -icount shift=N: 2^N ns per instruction (default 0) */
    const char *wait_text; /* --wait-text: end with status 0 once this is on screen or serial */
    const char *screen_file; /* --screen-text FILE: the text screen at exit */
    const char *monitor;   /* -monitor stdio|tcp:...|unix:...|none; NULL = none */
    uint32_t ram_mb;
    bool display_none;
    bool display_sdl;  /* -display sdl given: failing to open the window is an error */
    bool full_screen;  /* -full-screen */
    bool display_integer_scale; /* -display sdl,scale=integer */
    ScreenshotOpt screenshots[MAX_SCREENSHOTS];
    int nscreenshots;
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
    int backend;   /* -accel threaded|x64 (BACKEND_*); RINGSIDE_ACCEL sets the default */
    bool lockstep; /* --lockstep: run each block with both backends and compare */
    size_t jit_cache; /* -accel ...,cache=SIZE: x64 code buffer bytes; 0: X64_BUF_SIZE */
} Options;

/* Parse argv into opts. On error prints one line to stderr and returns
 * false with *status set (2 for usage errors); --help returns false with
 * status 0. */
bool options_parse(Options *opts, int argc, char **argv, int *status);

#endif
