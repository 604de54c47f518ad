/*
 * chardev.c - host ends for the serial ports (see chardev.h).
 *
 * stdio: input is read without blocking (poll with a zero timeout, then
 * read) rather than by setting O_NONBLOCK, because stdin and stdout are
 * often one terminal file description and O_NONBLOCK would make our own
 * output fail with EAGAIN. A terminal goes into the raw mode QEMU uses for
 * -serial stdio: no echo, no line editing, no CR/NL translation on input,
 * output processing and signals kept, so Ctrl-C still ends the run.
 *
 * tcp: a listening socket bound to 127.0.0.1 only (the guest's console is
 * not for the network), one client at a time; when it leaves, the next one
 * can connect. Output while no client is connected is dropped.
 */
#define _GNU_SOURCE
#include "frontend/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <arpa/inet.h>

/* The terminal state to put back. Process-wide on purpose: there is one
 * controlling terminal, and atexit and signal handlers take no argument. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void chardev_restore_tty(void)
{
    if (tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        tty_saved = 0;
    }
}

static void chardev_signal(int sig)
{
    chardev_restore_tty(); /* tcsetattr is async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void chardev_hook_signal(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(sig, chardev_signal);
}

static void chardev_make_raw(HostChardev *c)
{
    static bool hooked;
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) != 0)
        return;
    saved_tty = t;
    tty_saved = 1;
    c->raw_tty = true;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    if (!hooked) {
        hooked = true;
        atexit(chardev_restore_tty);
        chardev_hook_signal(SIGINT);
        chardev_hook_signal(SIGTERM);
        chardev_hook_signal(SIGHUP);
    }
}

static bool chardev_fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
    return false;
}

static const char usage[] = "use stdio, file:PATH, tcp:127.0.0.1:PORT,server[,nowait], null or none";

bool chardev_parse_server_opts(char *opts, bool *wait, char *why, size_t whylen)
{
    bool server = false;
    *wait = true;
    while (opts && *opts) {
        char *next = strchr(opts, ',');
        if (next)
            *next++ = 0;
        if (!strcmp(opts, "server") || !strcmp(opts, "server=on"))
            server = true;
        else if (!strcmp(opts, "server=off"))
            server = false;
        else if (!strcmp(opts, "nowait") || !strcmp(opts, "wait=off"))
            *wait = false;
        else if (!strcmp(opts, "wait") || !strcmp(opts, "wait=on"))
            *wait = true;
        else
            return chardev_fail(why, whylen, "unknown option '%s' (use ,server,nowait)%s", opts, "");
        opts = next;
    }
    if (!server)
        return chardev_fail(why, whylen, "only the server mode exists: add ,server%s%s", "", "");
    return true;
}

int chardev_listen_loopback(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* tcp:HOST:PORT[,server][,nowait] (also QEMU's server=on, wait=off). */
static bool chardev_parse_tcp(const char *spec, const char *rest, ChardevSpec *out, char *err,
                              size_t errlen)
{
    char buf[256];
    if (strlen(rest) >= sizeof(buf))
        return chardev_fail(err, errlen, "-serial %s: too long%s", spec, "");
    strcpy(buf, rest);
    char *opts = strchr(buf, ',');
    if (opts)
        *opts++ = 0;
    char *colon = strrchr(buf, ':');
    if (!colon)
        return chardev_fail(err, errlen, "-serial %s: expected tcp:127.0.0.1:PORT,server%s", spec,
                            "");
    *colon = 0;
    const char *host = buf, *port = colon + 1;
    if (*host && strcmp(host, "127.0.0.1") && strcmp(host, "localhost"))
        return chardev_fail(err, errlen, "-serial %s: only 127.0.0.1 is allowed as the host (got '%s')",
                            spec, host);
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 1 || p > 65535)
        return chardev_fail(err, errlen, "-serial %s: bad port '%s' (1-65535)", spec, port);
    out->port = (uint16_t)p;
    char why[128];
    if (!chardev_parse_server_opts(opts, &out->wait, why, sizeof(why)))
        return chardev_fail(err, errlen, "-serial %s: %s", spec, why);
    out->kind = CHARDEV_TCP;
    return true;
}

bool chardev_parse(const char *spec, ChardevSpec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!spec)
        spec = "";
    if (!strcmp(spec, "none")) {
        out->kind = CHARDEV_NONE;
    } else if (!strcmp(spec, "null")) {
        out->kind = CHARDEV_NULL;
    } else if (!strcmp(spec, "stdio")) {
        out->kind = CHARDEV_STDIO;
    } else if (!strncmp(spec, "file:", 5)) {
        const char *path = spec + 5;
        if (!*path)
            return chardev_fail(err, errlen, "-serial %s: needs a path after file:%s", spec, "");
        if (strlen(path) >= sizeof(out->path))
            return chardev_fail(err, errlen, "-serial %s: path too long%s", spec, "");
        strcpy(out->path, path);
        out->kind = CHARDEV_FILE;
    } else if (!strncmp(spec, "tcp:", 4)) {
        return chardev_parse_tcp(spec, spec + 4, out, err, errlen);
    } else {
        return chardev_fail(err, errlen, "-serial %s: unknown backend (%s)", spec, usage);
    }
    return true;
}

static void chardev_set_client(HostChardev *c, int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->in_fd = c->out_fd = fd;
    c->in_eof = false;
}

static void chardev_drop_client(HostChardev *c)
{
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = c->out_fd = -1;
}

static bool chardev_open_tcp(HostChardev *c, char *err, size_t errlen)
{
    char port[16];
    snprintf(port, sizeof(port), "%u", c->spec.port);
    int fd = chardev_listen_loopback(c->spec.port);
    if (fd < 0)
        return chardev_fail(err, errlen, "-serial tcp: cannot listen on 127.0.0.1:%s: %s", port,
                            strerror(errno));
    c->listen_fd = fd;
    if (c->spec.wait) {
        fprintf(stderr, "ringside: serial waiting for a connection on tcp:127.0.0.1:%s\n", port);
        int cfd;
        do
            cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        while (cfd < 0 && errno == EINTR);
        if (cfd < 0) {
            int e = errno;
            close(fd);
            c->listen_fd = -1;
            return chardev_fail(err, errlen, "-serial tcp:127.0.0.1:%s: accept failed: %s", port,
                                strerror(e));
        }
        chardev_set_client(c, cfd);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return true;
}

bool chardev_open(HostChardev *c, const ChardevSpec *spec, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->spec = *spec;
    c->in_fd = c->out_fd = c->listen_fd = -1;
    switch (spec->kind) {
    case CHARDEV_NONE:
    case CHARDEV_NULL:
        return true;
    case CHARDEV_STDIO:
        c->in_fd = STDIN_FILENO;
        c->out_fd = STDOUT_FILENO;
        chardev_make_raw(c);
        return true;
    case CHARDEV_FILE:
        c->out_fd = open(spec->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->out_fd < 0)
            return chardev_fail(err, errlen, "-serial file:%s: cannot open for writing: %s",
                                spec->path, strerror(errno));
        return true;
    case CHARDEV_TCP:
        return chardev_open_tcp(c, err, errlen);
    }
    return false;
}

bool chardev_open_spec(HostChardev *c, const char *spec, char *err, size_t errlen)
{
    ChardevSpec s;
    if (!chardev_parse(spec, &s, err, errlen)) {
        memset(c, 0, sizeof(*c));
        c->in_fd = c->out_fd = c->listen_fd = -1;
        return false;
    }
    return chardev_open(c, &s, err, errlen);
}

int chardev_poll(HostChardev *c, uint8_t *buf, int max)
{
    if (c->spec.kind == CHARDEV_TCP && c->in_fd < 0 && c->listen_fd >= 0) {
        int cfd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd >= 0)
            chardev_set_client(c, cfd);
    }
    if (c->in_fd < 0 || c->in_eof || max <= 0)
        return 0;
    struct pollfd p = { .fd = c->in_fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    ssize_t n = read(c->in_fd, buf, (size_t)max);
    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* EOF or an error: a tcp client left (wait for the next one); stdin
     * is done for the run. */
    if (c->spec.kind == CHARDEV_TCP)
        chardev_drop_client(c);
    else
        c->in_eof = true;
    return 0;
}

void chardev_write(void *opaque, const uint8_t *buf, int len)
{
    HostChardev *c = opaque;
    while (c->out_fd >= 0 && len > 0) {
        ssize_t n;
        if (c->spec.kind == CHARDEV_TCP)
            n = send(c->out_fd, buf, (size_t)len, MSG_NOSIGNAL);
        else
            n = write(c->out_fd, buf, (size_t)len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (c->spec.kind == CHARDEV_TCP)
                chardev_drop_client(c);
            return; /* a broken output drops the bytes, it does not end the run */
        }
        buf += n;
        len -= (int)n;
    }
}

void chardev_close(HostChardev *c)
{
    if (c->raw_tty) {
        chardev_restore_tty();
        c->raw_tty = false;
    }
    if (c->spec.kind == CHARDEV_TCP)
        chardev_drop_client(c);
    else if (c->spec.kind == CHARDEV_FILE && c->out_fd >= 0)
        close(c->out_fd);
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    c->in_fd = c->out_fd = c->listen_fd = -1;
}
