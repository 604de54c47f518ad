/*
 * monitor.c - the human monitor (see monitor.h).
 *
 * The channel: stdio (stdin is read without blocking through poll(), as
 * chardev.c does, and left in the terminal's line mode so the user edits
 * lines as in a shell), or a listening socket on 127.0.0.1 or a Unix path
 * with one client at a time. Commands follow QEMU's HMP names and output
 * shapes where QEMU has them, so what people type from habit works.
 *
 * The commands are in monitor_cmds.c, memory reads and x/xp in
 * monitor_mem.c (monitor_impl.h says what they share).
 *
 * Nothing the monitor does changes guest-visible state except the
 * commands meant to (sendkey, eject, change, system_reset): memory dumps
 * read RAM and ROM through host pointers (MMIO is never touched, since a
 * read can change a device), and linear addresses are translated by a
 * walk of our own that sets no accessed or dirty bit.
 */
#define _GNU_SOURCE
#include "frontend/monitor_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "frontend/chardev.h"

/* ---- the channel ---------------------------------------------------- */

static bool spec_fail(char *err, size_t errlen, const char *spec, const char *why)
{
    snprintf(err, errlen, "-monitor %s: %s", spec, why);
    return false;
}

/* ",server,nowait" and QEMU's other spellings (chardev.c's parser). */
static bool parse_server_opts(const char *spec, char *opts, MonSpec *out, char *err, size_t errlen)
{
    char why[128];
    if (!chardev_parse_server_opts(opts, &out->wait, why, sizeof(why)))
        return spec_fail(err, errlen, spec, why);
    return true;
}

static bool mon_parse(const char *spec, MonSpec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char buf[256];
    if (!strcmp(spec, "none"))
        return true;
    if (!strcmp(spec, "stdio")) {
        out->kind = MON_STDIO;
        return true;
    }
    if (strlen(spec) >= sizeof(buf))
        return spec_fail(err, errlen, "...", "too long");
    strcpy(buf, spec);
    char *opts = strchr(buf, ',');
    if (opts)
        *opts++ = 0;
    if (!strncmp(buf, "tcp:", 4)) {
        char *colon = strrchr(buf + 4, ':');
        if (!colon)
            return spec_fail(err, errlen, spec, "expected tcp:127.0.0.1:PORT,server,nowait");
        *colon = 0;
        const char *host = buf + 4;
        if (*host && strcmp(host, "127.0.0.1") && strcmp(host, "localhost"))
            return spec_fail(err, errlen, spec, "only 127.0.0.1 may listen (the monitor controls the machine)");
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || p < 1 || p > 65535)
            return spec_fail(err, errlen, spec, "bad port (1-65535)");
        out->port = (uint16_t)p;
        out->kind = MON_TCP;
    } else if (!strncmp(buf, "unix:", 5)) {
        if (!buf[5])
            return spec_fail(err, errlen, spec, "needs a path after unix:");
        if (strlen(buf + 5) >= sizeof(out->path))
            return spec_fail(err, errlen, spec, "the socket path is too long");
        strcpy(out->path, buf + 5);
        out->kind = MON_UNIX;
    } else {
        return spec_fail(err, errlen, spec,
                         "use stdio, tcp:127.0.0.1:PORT,server,nowait, unix:PATH,server,nowait or none");
    }
    return parse_server_opts(spec, opts, out, err, errlen);
}

bool monitor_parse_spec(const char *spec, char *err, size_t errlen)
{
    MonSpec s;
    return mon_parse(spec, &s, err, errlen);
}

static void mon_prompt(Monitor *mon);

void mon_write(Monitor *mon, const char *buf, size_t len)
{
    if (mon->out_fd < 0)
        return;
    if (mon->out_fd == STDOUT_FILENO)
        fflush(stdout); /* shared with the debug console's FILE */
    while (len > 0) {
        ssize_t n = mon->spec.kind == MON_STDIO ? write(mon->out_fd, buf, len)
                                                : send(mon->out_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a client that left is noticed on the next read */
        buf += n;
        len -= (size_t)n;
    }
}

void mon_printf(Monitor *mon, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        mon_write(mon, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    mon_write(mon, big, (size_t)n);
    free(big);
}

static void mon_greet(Monitor *mon)
{
    mon_printf(mon, "Ringside monitor - type 'help' for more information\n");
    mon_prompt(mon);
}

static int mon_listen(Monitor *mon, char *err, size_t errlen, const char *spec)
{
    int fd;
    if (mon->spec.kind == MON_TCP) {
        if ((fd = chardev_listen_loopback(mon->spec.port)) < 0)
            goto fail;
    } else {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, mon->spec.path);
        /* A socket left by an earlier run is replaced, as QEMU does;
         * any other file at the path is not touched. */
        struct stat st;
        if (lstat(mon->spec.path, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(mon->spec.path);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0)
            goto fail;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
fail:
    snprintf(err, errlen, "-monitor %s: cannot listen: %s", spec, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* A waiting client becomes the channel (when none is connected). */
static void mon_accept(Monitor *mon, bool block)
{
    if (mon->listen_fd < 0 || mon->in_fd >= 0)
        return;
    if (block) {
        struct pollfd p = { mon->listen_fd, POLLIN, 0 };
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
            ;
    }
    int fd = accept4(mon->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    if (mon->spec.kind == MON_TCP) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    mon->in_fd = mon->out_fd = fd;
    mon->len = 0;
    mon->overflow = false;
    mon_greet(mon);
}

Monitor *monitor_create(const char *spec, const MonitorTarget *t, char *err, size_t errlen)
{
    MonSpec s;
    if (!mon_parse(spec, &s, err, errlen))
        return NULL;
    if (s.kind == MON_NONE) {
        snprintf(err, errlen, "-monitor none: no monitor to create");
        return NULL;
    }
    Monitor *mon = calloc(1, sizeof(*mon));
    if (!mon) {
        snprintf(err, errlen, "-monitor: out of memory");
        return NULL;
    }
    mon->t = *t;
    mon->spec = s;
    mon->listen_fd = mon->in_fd = mon->out_fd = -1;
    event_init(&mon->key_ev, "sendkey", mon_key_release_due, mon);
    if (s.kind == MON_STDIO) {
        mon->in_fd = STDIN_FILENO;
        mon->out_fd = STDOUT_FILENO;
        mon_greet(mon);
        return mon;
    }
    mon->listen_fd = mon_listen(mon, err, errlen, spec);
    if (mon->listen_fd < 0) {
        free(mon);
        return NULL;
    }
    if (s.wait) {
        fprintf(stderr, "ringside: waiting for a monitor connection on %s\n", spec);
        mon_accept(mon, true);
    }
    return mon;
}

void monitor_destroy(Monitor *mon)
{
    if (!mon)
        return;
    if (mon->spec.kind != MON_STDIO && mon->in_fd >= 0)
        close(mon->in_fd);
    if (mon->listen_fd >= 0) {
        close(mon->listen_fd);
        if (mon->spec.kind == MON_UNIX)
            unlink(mon->spec.path);
    }
    mon_disasm_close(mon);
    free(mon);
}

static void mon_drop_client(Monitor *mon)
{
    if (mon->spec.kind == MON_STDIO) {
        mon->eof = true;
        mon->in_fd = -1; /* output still goes to stdout */
        return;
    }
    close(mon->in_fd);
    mon->in_fd = mon->out_fd = -1;
}

static void mon_input(Monitor *mon, const char *buf, size_t n)
{
    for (size_t i = 0; i < n && !mon->quitting; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            mon->line[mon->len] = 0;
            if (mon->overflow)
                mon_printf(mon, "error: line longer than %d characters, ignored\n", MON_LINE_MAX - 1);
            else
                monitor_command(mon, mon->line);
            mon->len = 0;
            mon->overflow = false;
            if (!mon->quitting)
                mon_prompt(mon);
        } else if (ch == '\r' || ch == 0) {
            /* telnet and Windows line ends */
        } else if (mon->len + 1 < sizeof(mon->line)) {
            mon->line[mon->len++] = ch;
        } else {
            mon->overflow = true;
        }
    }
}

void monitor_wait(Monitor *mon, int timeout_ms)
{
    if (!mon)
        return;
    struct pollfd p = { mon->in_fd >= 0 ? mon->in_fd : mon->listen_fd, POLLIN, 0 };
    if (p.fd >= 0 && timeout_ms > 0)
        poll(&p, 1, timeout_ms);
    else if (timeout_ms > 0)
        usleep((useconds_t)timeout_ms * 1000);
    monitor_poll(mon);
}

void monitor_poll(Monitor *mon)
{
    if (!mon || mon->quitting)
        return;
    mon_accept(mon, false);
    /* A bounded amount per call: a flood of input cannot starve the guest. */
    for (int rounds = 0; rounds < 4 && mon->in_fd >= 0 && !mon->quitting; rounds++) {
        struct pollfd p = { mon->in_fd, POLLIN, 0 };
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
            return;
        char buf[4096];
        ssize_t n = read(mon->in_fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        if (n <= 0) {
            mon_drop_client(mon);
            return;
        }
        mon_input(mon, buf, (size_t)n);
    }
}

bool monitor_live(const Monitor *mon)
{
    return mon && !mon->quitting && (mon->in_fd >= 0 || mon->listen_fd >= 0);
}

bool monitor_paused(const Monitor *mon)
{
    return mon && mon->paused;
}

bool monitor_is_stdio(const Monitor *mon)
{
    return mon && mon->spec.kind == MON_STDIO;
}

static void mon_prompt(Monitor *mon)
{
    mon_write(mon, "(ringside) ", 11);
}

void mon_err_line(Monitor *mon, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    mon_printf(mon, "error: %s\n", buf);
}
