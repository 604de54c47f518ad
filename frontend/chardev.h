/*
 * chardev.h - host ends for a serial port: `-serial stdio | file:PATH |
 * tcp:127.0.0.1:PORT,server[,nowait] | null | none`. Independent of the
 * UART: the board passes chardev_write() as the UART's backend and feeds
 * what chardev_poll() returns to serial_receive().
 *
 * The type is HostChardev, not Chardev, because options.h already names
 * its -chardev option record Chardev and main.c includes both.
 */
#ifndef RINGSIDE_CHARDEV_H
#define RINGSIDE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ChardevKind {
    CHARDEV_NONE,  /* no device at all: the board leaves the port out */
    CHARDEV_NULL,  /* a port with nothing attached: output dropped */
    CHARDEV_STDIO, /* stdin/stdout; a terminal goes raw for the run */
    CHARDEV_FILE,  /* output to a file (truncated); no input */
    CHARDEV_TCP,   /* a listening socket on loopback, one client at a time */
} ChardevKind;

typedef struct ChardevSpec {
    ChardevKind kind;
    char path[4096];
    uint16_t port;
    bool wait; /* tcp: block at open until a client connects */
} ChardevSpec;

typedef struct HostChardev {
    ChardevSpec spec;
    int in_fd, out_fd; /* -1 when absent */
    int listen_fd;     /* tcp */
    bool in_eof;
    bool raw_tty;      /* stdin was put in raw mode and must be restored */
} HostChardev;

/* The options after a tcp: (or the monitor's unix:) server address:
 * "server" is required, "nowait" makes the open not wait for a client;
 * QEMU's spellings server=on/off, wait, wait=on/off are accepted. opts
 * (NULL for none) is split in place. On error writes one line naming the
 * problem into why and returns false; else sets *wait. Shared by -serial
 * and -monitor. */
bool chardev_parse_server_opts(char *opts, bool *wait, char *why, size_t whylen);

/* A listening socket (backlog 1, close-on-exec, blocking) on
 * 127.0.0.1:port only: what is on the other end controls the machine.
 * Returns the descriptor, or -1 with errno set. */
int chardev_listen_loopback(uint16_t port);

/* Parse a -serial argument. On error writes one line (no newline) naming
 * the problem into err and returns false. */
bool chardev_parse(const char *spec, ChardevSpec *out, char *err, size_t errlen);

/* Open the host side. A tcp server without nowait waits here for its first
 * client. On error fills err (one line) and returns false. */
bool chardev_open(HostChardev *c, const ChardevSpec *spec, char *err, size_t errlen);
/* Parse and open in one step. */
bool chardev_open_spec(HostChardev *c, const char *spec, char *err, size_t errlen);

/* Non-blocking: copies up to max bytes of input available now into buf and
 * returns how many (0 when none, or on EOF). For tcp it also accepts a
 * waiting client. */
int chardev_poll(HostChardev *c, uint8_t *buf, int max);

/* Output; drops the bytes when nothing is attached (null, tcp without a
 * client). Suits SerialBackend.write with the HostChardev as opaque. */
void chardev_write(void *opaque, const uint8_t *buf, int len);

/* Close the files and sockets and restore the terminal. Safe to call twice.
 * The terminal is also restored at exit and on SIGINT/SIGTERM/SIGHUP (when
 * those still have their default action). */
void chardev_close(HostChardev *c);

#endif
