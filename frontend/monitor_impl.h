/*
 * monitor_impl.h - what the monitor's files share (monitor.h is the
 * interface): the Monitor record and the helpers each file gives the
 * others.
 *   monitor.c       the channel: -monitor specs, sockets, input lines,
 *                   output, the lifetime of a Monitor
 *   monitor_mem.c   memory read without side effects, address
 *                   expressions, x and xp
 *   monitor_cmds.c  the command table, the other commands and
 *                   monitor_command
 */
#ifndef RINGSIDE_MONITOR_IMPL_H
#define RINGSIDE_MONITOR_IMPL_H

#include <capstone/capstone.h>
#include <stdint.h>
#include <sys/un.h>

#include "frontend/monitor.h"

#define MON_LINE_MAX 1024
#define MON_MAX_ARGS 16
#define MON_MAX_DUMP 65536u /* bytes one x/xp may show */
#define MON_KEYS_MAX 8      /* keys in one sendkey combination */

typedef enum { MON_NONE, MON_STDIO, MON_TCP, MON_UNIX } MonKind;

typedef struct MonSpec {
    MonKind kind;
    uint16_t port;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool wait;
} MonSpec;

struct Monitor {
    MonitorTarget t;
    MonSpec spec;
    int listen_fd, in_fd, out_fd;
    bool eof;     /* stdio input ended: nothing more can arrive */
    bool paused;
    bool quitting; /* `quit` given: the rest of the input is ignored */
    char line[MON_LINE_MAX];
    size_t len;
    bool overflow; /* the current line is too long: dropped at its end */
    /* sendkey: the keys held down, released on the virtual clock. */
    Event key_ev;
    uint16_t held[MON_KEYS_MAX];
    int nheld;
    csh cs[2];
    bool cs_open;
};

/* monitor.c: output to the channel (dropped while no client is there),
 * and one "error: ..." line. */
void mon_write(Monitor *mon, const char *buf, size_t len);
void mon_printf(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mon_err_line(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* monitor_mem.c */
/* A number in base 10 or 16 at *p (moved past it); false if none. */
bool mon_parse_num(const char **p, int base, uint32_t *v);
void mon_cmd_x(Monitor *mon, int argc, char **argv);
void mon_cmd_xp(Monitor *mon, int argc, char **argv);
/* Close the disassembler x/i opened, if it did. */
void mon_disasm_close(Monitor *mon);

/* monitor_cmds.c: the sendkey release event's callback. */
void mon_key_release_due(void *opaque);

#endif
