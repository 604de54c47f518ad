/*
 * monitor.h - the human monitor (DESIGN.md section 6): a line-oriented
 * command console on stdio, a loopback TCP socket or a Unix socket
 * (`-monitor stdio | tcp:127.0.0.1:PORT,server,nowait |
 * unix:PATH,server,nowait | none`, QEMU's spelling), with QEMU's command
 * names where they exist: info registers/pic/irq/pit/tlb/block/status, x,
 * xp, screendump, screentext, sendkey, eject, change, stop, cont,
 * system_reset, quit.
 *
 * The monitor never runs guest code and never blocks the run loop: the
 * frontend calls monitor_poll from a virtual-clock event, and while the
 * monitor has paused the machine (`stop`), monitor_wait on the wall clock.
 * Every bad command gets one line of error; output goes to the monitor's
 * channel only.
 */
#ifndef RINGSIDE_MONITOR_H
#define RINGSIDE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu.h"
#include "hw/pc.h"

/* What the monitor looks at and changes. The images in pcc->ide[] and
 * pcc->fd[] are the frontend's (it closes them at exit); `change` and
 * `eject` replace and close them in place, so the frontend's exit path
 * flushes whatever is attached then. */
typedef struct MonitorTarget {
    Cpu *cpu;
    PhysMem *mem;
    Pc *pc;
    PcConfig *pcc;
    bool snapshot; /* -snapshot: media inserted later are copy-on-write too */
} MonitorTarget;

typedef struct Monitor Monitor;

/* Check a -monitor argument without opening anything ("none" is valid).
 * On error writes one line (no newline) into err and returns false. */
bool monitor_parse_spec(const char *spec, char *err, size_t errlen);

/* Open the channel (a tcp/unix server without nowait waits here for its
 * first client) and print the banner. Returns NULL with err set on
 * failure. */
Monitor *monitor_create(const char *spec, const MonitorTarget *t, char *err, size_t errlen);
void monitor_destroy(Monitor *mon); /* NULL is fine */

/* Read the input available now without blocking and run every complete
 * line. */
void monitor_poll(Monitor *mon);
/* Like monitor_poll, but first wait up to timeout_ms of wall time for
 * input (for the paused run loop). */
void monitor_wait(Monitor *mon, int timeout_ms);
/* Can more input ever arrive (false after EOF on stdio)? */
bool monitor_live(const Monitor *mon);
/* `stop` was given and no `cont` since. NULL is never paused. */
bool monitor_paused(const Monitor *mon);
/* Whether the channel is the process's stdin/stdout. */
bool monitor_is_stdio(const Monitor *mon);

/* Run one command line as if typed (tests, scripts); its output goes to
 * the channel. */
void monitor_command(Monitor *mon, const char *line);

#endif
