/*
 * monitor.c - the human monitor (see monitor.h).
 *
 * The channel: stdio (stdin is read without blocking through poll(), as
 * chardev.c does, and left in the terminal's line mode so the user edits
 * lines as in a shell), or a listening socket on 127.0.0.1 or a Unix path
 * with one client at a time. Commands follow QEMU's HMP names and output
 * shapes where QEMU has them, so what people type from habit works.
 *
 * Nothing here changes guest-visible state except the commands meant to
 * (sendkey, eject, change, system_reset): memory dumps read RAM and ROM
 * through host pointers (MMIO is never touched, since a read can change a
 * device), and linear addresses are translated by a walk of our own that
 * sets no accessed or dirty bit.
 */
#define _GNU_SOURCE
#include "frontend/monitor.h"

#include <capstone/capstone.h>
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
#include "frontend/screenshot.h"
#include "hw/ps2.h"

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

static void mon_write(Monitor *mon, const char *buf, size_t len)
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

static void mon_printf(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mon_printf(Monitor *mon, const char *fmt, ...)
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

static void key_release_due(void *opaque);

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
    event_init(&mon->key_ev, "sendkey", key_release_due, mon);
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
    if (mon->cs_open) {
        cs_close(&mon->cs[0]);
        cs_close(&mon->cs[1]);
    }
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

/* ---- memory, read without side effects ------------------------------ */

/* One byte of RAM, ROM or a host region (the VGA framebuffer); false for
 * MMIO and holes, which are not read. */
static bool phys_byte(Monitor *mon, uint32_t pa, uint8_t *out)
{
    const uint8_t *p = mem_phys_page(mon->t.mem, pa);
    if (!p)
        return false;
    *out = p[pa & PAGE_MASK];
    return true;
}

static bool phys_u64(Monitor *mon, uint32_t pa, int size, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++) {
        uint8_t b;
        if (!phys_byte(mon, pa + (uint32_t)i, &b))
            return false;
        v |= (uint64_t)b << (8 * i);
    }
    *out = v;
    return true;
}

/* Linear -> physical for a supervisor read, as the CPU's walker would
 * (SDM vol. 3, 4.3 and 4.4) but setting no A/D bit and checking no
 * rights: a debugger's view. Returns NULL or why the page is not there. */
static const char *lin_to_phys(Monitor *mon, uint32_t lin, uint32_t *pa)
{
    Cpu *c = mon->t.cpu;
    uint32_t a20 = mon->t.mem->a20_mask;
    if (!(c->cr0 & X86_CR0_PG)) {
        *pa = lin & a20;
        return NULL;
    }
    uint64_t e;
    if (c->cr4 & X86_CR4_PAE) {
        uint64_t pdpte = c->pdpte[lin >> 30];
        if (!(pdpte & 1))
            return "page not present (PDPTE)";
        uint32_t pde_a = ((uint32_t)(pdpte & 0xfffff000u) + ((lin >> 21) & 0x1ff) * 8) & a20;
        if (!phys_u64(mon, pde_a, 8, &e))
            return "the page directory is not in RAM";
        if (!(e & 1))
            return "page not present (PDE)";
        if (e & 0x80) {
            *pa = (((uint32_t)e & 0xffe00000u) | (lin & 0x1fffffu)) & a20;
            return NULL;
        }
        uint32_t pte_a = ((uint32_t)(e & 0xfffff000u) + ((lin >> 12) & 0x1ff) * 8) & a20;
        if (!phys_u64(mon, pte_a, 8, &e))
            return "the page table is not in RAM";
        if (!(e & 1))
            return "page not present (PTE)";
        *pa = (((uint32_t)e & 0xfffff000u) | (lin & PAGE_MASK)) & a20;
        return NULL;
    }
    uint32_t pde_a = ((c->cr3 & 0xfffff000u) + (lin >> 22) * 4) & a20;
    if (!phys_u64(mon, pde_a, 4, &e))
        return "the page directory is not in RAM";
    if (!(e & 1))
        return "page not present (PDE)";
    if ((c->cr4 & X86_CR4_PSE) && (e & 0x80)) {
        *pa = (((uint32_t)e & 0xffc00000u) | (lin & 0x3fffffu)) & a20;
        return NULL;
    }
    uint32_t pte_a = (((uint32_t)e & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4) & a20;
    if (!phys_u64(mon, pte_a, 4, &e))
        return "the page table is not in RAM";
    if (!(e & 1))
        return "page not present (PTE)";
    *pa = (((uint32_t)e & 0xfffff000u) | (lin & PAGE_MASK)) & a20;
    return NULL;
}

/* n bytes at addr (linear or physical) into buf; returns how many could
 * be read, and on a short read why (the address that failed in *bad). */
static uint32_t mon_read(Monitor *mon, bool linear, uint32_t addr, uint8_t *buf, uint32_t n,
                         const char **why, uint32_t *bad)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = addr + i, pa = a;
        if (linear && (*why = lin_to_phys(mon, a, &pa)) != NULL) {
            *bad = a;
            return i;
        }
        if (!phys_byte(mon, pa, &buf[i])) {
            *why = "not RAM or ROM (MMIO or unmapped; not read)";
            *bad = a;
            return i;
        }
    }
    return n;
}

/* ---- expressions ---------------------------------------------------- */

static bool reg_value(Monitor *mon, const char *name, size_t len, uint32_t *v)
{
    static const char *const gpr[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    static const char *const sreg[] = { "es", "cs", "ss", "ds", "fs", "gs" };
    Cpu *c = mon->t.cpu;
    char n[16];
    if (len == 0 || len >= sizeof(n))
        return false;
    memcpy(n, name, len);
    n[len] = 0;
    for (int i = 0; i < 8; i++)
        if (!strcmp(n, gpr[i])) {
            *v = c->r[i];
            return true;
        }
    for (int i = 0; i < SEG_COUNT; i++)
        if (!strcmp(n, sreg[i])) {
            *v = c->seg[i].sel;
            return true;
        }
    const struct { const char *n; uint32_t v; } other[] = {
        { "eip", c->eip }, { "pc", c->seg[SEG_CS].base + c->eip }, { "eflags", c->eflags },
        { "cr0", c->cr0 }, { "cr2", c->cr2 }, { "cr3", c->cr3 }, { "cr4", c->cr4 },
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (!strcmp(n, other[i].n)) {
            *v = other[i].v;
            return true;
        }
    return false;
}

static bool parse_num(const char **p, int base, uint32_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(*p, &end, base);
    if (end == *p || errno || x > 0xffffffffull)
        return false;
    *p = end;
    *v = (uint32_t)x;
    return true;
}

/* term: $reg | SEG:OFF (hex, real-mode style: SEG*16+OFF) | 0xHEX |
 * DECIMAL; expr: term {(+|-) term}. */
static bool parse_term(Monitor *mon, const char **p, uint32_t *v)
{
    const char *s = *p;
    if (*s == '$') {
        size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (!reg_value(mon, s + 1, n, v))
            return false;
        *p = s + 1 + n;
        return true;
    }
    size_t hexlen = strspn(s, "0123456789abcdefABCDEF");
    if (hexlen > 0 && s[hexlen] == ':') {
        uint32_t seg, off;
        const char *q = s;
        if (!parse_num(&q, 16, &seg) || seg > 0xffff)
            return false;
        q++;
        if (!parse_num(&q, 16, &off))
            return false;
        *v = (seg << 4) + off;
        *p = q;
        return true;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_num(p, 16, v);
    if (*s < '0' || *s > '9')
        return false;
    return parse_num(p, 10, v);
}

static bool parse_expr(Monitor *mon, const char *s, uint32_t *v)
{
    uint32_t acc, t;
    if (!parse_term(mon, &s, &acc))
        return false;
    while (*s == '+' || *s == '-') {
        char op = *s++;
        if (!parse_term(mon, &s, &t))
            return false;
        acc = op == '+' ? acc + t : acc - t;
    }
    if (*s)
        return false;
    *v = acc;
    return true;
}

/* ---- commands ------------------------------------------------------- */

typedef void (*CmdFn)(Monitor *mon, int argc, char **argv);
typedef struct Cmd {
    const char *name, *args, *help;
    CmdFn fn;
    int min_args, max_args; /* after the name */
} Cmd;

static const Cmd *cmd_find(const char *name);

static void err_line(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_line(Monitor *mon, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    mon_printf(mon, "error: %s\n", buf);
}

/* QEMU's segment line: selector, base, limit, the descriptor's high-dword
 * flag bits (attr << 8), then the decoded type. */
static void print_seg(Monitor *mon, const char *name, const SegReg *s)
{
    static const char *const sys[16] = { "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16",
                                         "TaskGate", "IntGate16", "TrapGate16", "Reserved", "TSS32-avl",
                                         "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32",
                                         "TrapGate32" };
    unsigned a = s->attr, type = a & SEG_ATTR_TYPE;
    char desc[48];
    if (!(a & SEG_ATTR_S))
        snprintf(desc, sizeof(desc), "%s", sys[type]);
    else if (type & 8) /* code: conforming, readable, accessed */
        snprintf(desc, sizeof(desc), "CS%s [%c%c%c]", a & SEG_ATTR_DB ? "32" : "16", type & 4 ? 'C' : '-',
                 type & 2 ? 'R' : '-', type & 1 ? 'A' : '-');
    else /* data: expand-down, writable, accessed */
        snprintf(desc, sizeof(desc), "DS%s [%c%c%c]", a & SEG_ATTR_DB ? "32" : "16", type & 4 ? 'E' : '-',
                 type & 2 ? 'W' : '-', type & 1 ? 'A' : '-');
    mon_printf(mon, "%-3s=%04x %08x %08x %08x DPL=%u %s%s\n", name, s->sel, s->base, s->limit, a << 8,
               (a & SEG_ATTR_DPL) >> 5, desc, a & SEG_ATTR_P ? "" : " (not present)");
}

static void cmd_info_registers(Monitor *mon)
{
    static const char *const sname[] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    Cpu *c = mon->t.cpu;
    uint32_t f = cpu_get_eflags(c);
    mon_printf(mon, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", c->r[R_EAX], c->r[R_EBX], c->r[R_ECX], c->r[R_EDX]);
    mon_printf(mon, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", c->r[R_ESI], c->r[R_EDI], c->r[R_EBP], c->r[R_ESP]);
    /* QEMU's [DOSZAPC], then the system flags by name. */
    char sysf[64] = "";
    static const struct { uint32_t bit; const char *n; } names[] = {
        { X86_EFLAGS_TF, " TF" }, { X86_EFLAGS_IF, " IF" },   { X86_EFLAGS_NT, " NT" },
        { X86_EFLAGS_RF, " RF" }, { X86_EFLAGS_VM, " VM" },   { X86_EFLAGS_AC, " AC" },
        { X86_EFLAGS_VIF, " VIF" }, { X86_EFLAGS_VIP, " VIP" }, { X86_EFLAGS_ID, " ID" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f & names[i].bit)
            strcat(sysf, names[i].n);
    mon_printf(mon, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c]%s IOPL=%u CPL=%u II=%d A20=%d HLT=%d\n", c->eip, f,
               f & X86_EFLAGS_DF ? 'D' : '-', f & X86_EFLAGS_OF ? 'O' : '-', f & X86_EFLAGS_SF ? 'S' : '-',
               f & X86_EFLAGS_ZF ? 'Z' : '-', f & X86_EFLAGS_AF ? 'A' : '-', f & X86_EFLAGS_PF ? 'P' : '-',
               f & X86_EFLAGS_CF ? 'C' : '-', sysf, (f & X86_EFLAGS_IOPL) >> 12, c->cpl, c->irq_shadow,
               (mon->t.mem->a20_mask >> 20) & 1, c->halted);
    for (int i = 0; i < SEG_COUNT; i++)
        print_seg(mon, sname[i], &c->seg[i]);
    print_seg(mon, "LDT", &c->ldtr);
    print_seg(mon, "TR", &c->tr);
    mon_printf(mon, "GDT=     %08x %08x\n", c->gdtr.base, c->gdtr.limit);
    mon_printf(mon, "IDT=     %08x %08x\n", c->idtr.base, c->idtr.limit);
    mon_printf(mon, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr0, c->cr2, c->cr3, c->cr4);
    mon_printf(mon, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x\n", c->dr[0], c->dr[1], c->dr[2], c->dr[3]);
    mon_printf(mon, "DR6=%08x DR7=%08x EFER=%016llx\n", c->dr[6], c->dr[7], (unsigned long long)c->efer);
    mon_printf(mon, "ICOUNT=%llu\n", (unsigned long long)c->icount);
}

static void cmd_info_pic(Monitor *mon)
{
    Pic *p = &mon->t.pc->pic;
    static const char *const chip[2] = { "master", "slave " };
    for (int i = 0; i < 2; i++) {
        PicChip *k = &p->chip[i];
        mon_printf(mon, "pic %s: irr=%02x isr=%02x imr=%02x elcr=%02x base=%02x init=%d aeoi=%d sfnm=%d smm=%d\n",
                   chip[i], k->irr, k->isr, k->imr, k->elcr, k->vector_base, k->initialized, k->auto_eoi,
                   k->sfnm, k->special_mask);
    }
    mon_printf(mon, "IRR=%04x ISR=%04x IMR=%04x ELCR=%04x INTR=%d\n", pic_irr(p), pic_isr(p), pic_imr(p),
               pic_elcr(p), pic_intr_pending(p));
}

static void cmd_info_irq(Monitor *mon)
{
    Pic *p = &mon->t.pc->pic;
    uint16_t irr = pic_irr(p), isr = pic_isr(p), imr = pic_imr(p), elcr = pic_elcr(p);
    mon_printf(mon, "IRQ requested in-service masked trigger\n");
    for (int i = 0; i < 16; i++)
        mon_printf(mon, "%3d %-9s %-10s %-6s %s\n", i, irr >> i & 1 ? "yes" : "no", isr >> i & 1 ? "yes" : "no",
                   imr >> i & 1 ? "yes" : "no", elcr >> i & 1 ? "level" : "edge");
    mon_printf(mon, "IRR=%04x ISR=%04x IMR=%04x\n", irr, isr, imr);
}

static void cmd_info_pit(Monitor *mon)
{
    Pit *t = &mon->t.pc->pit;
    static const char *const rw[4] = { "latch", "lsb", "msb", "lsb/msb" };
    for (int ch = 0; ch < 3; ch++) {
        PitChannel *k = &t->ch[ch];
        mon_printf(mon, "channel %d: mode=%u access=%s%s reload=%04x count=%04x out=%d gate=%d\n", ch, k->mode,
                   rw[k->rw & 3], k->bcd ? " bcd" : "", k->cr, pit_count(t, ch), pit_out(t, ch), k->gate);
    }
    mon_printf(mon, "port 0x61: %02x (speaker gate %d, data %d)\n", t->port61, t->port61 & 1, (t->port61 >> 1) & 1);
}

static void cmd_info_tlb(Monitor *mon)
{
    Cpu *c = mon->t.cpu;
    const char *mode = !(c->cr0 & X86_CR0_PG) ? "off"
                       : (c->cr4 & X86_CR4_PAE) ? "PAE" : (c->cr4 & X86_CR4_PSE) ? "32-bit with PSE" : "32-bit";
    mon_printf(mon, "paging: %s, CR3=%08x, PGE=%d, %u linear pages filled\n", mode, c->cr3,
               (c->cr4 & X86_CR4_PGE) != 0, mon->t.mem->nfilled);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        err_line(mon, "info tlb: out of memory");
        return;
    }
    mem_print_stats(mon->t.mem, f);
    fclose(f);
    mon_write(mon, buf, len);
    free(buf);
}

/* The removable and fixed drives, named as QEMU names them. */
typedef struct Drive {
    bool floppy;
    int index; /* IDE: channel * 2 + unit; floppy: drive */
    char name[32];
} Drive;

static void drive_name(Drive *d, const IdeDrive *id)
{
    if (d->floppy)
        snprintf(d->name, sizeof(d->name), "floppy%d", d->index);
    else
        snprintf(d->name, sizeof(d->name), "ide%d-%s%d", d->index / 2, id->cdrom ? "cd" : "hd", d->index % 2);
}

static IdeDrive *ide_drive(Monitor *mon, int i)
{
    return &mon->t.pc->ide.ch[i / 2].drive[i % 2];
}

/* "ide1-cd0", "cdrom" (the first CD drive), "floppy0"/"fda", ... */
static bool drive_find(Monitor *mon, const char *name, Drive *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 4; i++) {
        IdeDrive *id = ide_drive(mon, i);
        if (!id->present)
            continue;
        Drive d = { .index = i };
        drive_name(&d, id);
        if (!strcmp(name, d.name) || (!strcmp(name, "cdrom") && id->cdrom) ||
            (name[0] == 'h' && name[1] == 'd' && name[2] == 'a' + i && !name[3])) {
            *out = d;
            return true;
        }
    }
    for (int i = 0; i < 2; i++) {
        Drive d = { .floppy = true, .index = i };
        drive_name(&d, NULL);
        if (!strcmp(name, d.name) || (name[0] == 'f' && name[1] == 'd' && name[2] == 'a' + i && !name[3])) {
            if (!mon->t.pc->fdc.drive[i].connected) {
                err_line(mon, "Device '%s' not found (no floppy drive %d: start with -fd%c to have one)", name,
                         i, 'a' + i);
                return false;
            }
            *out = d;
            return true;
        }
    }
    err_line(mon, "Device '%s' not found (see info block)", name);
    return false;
}

static void cmd_info_block(Monitor *mon)
{
    PcConfig *cfg = mon->t.pcc;
    int shown = 0;
    for (int i = 0; i < 4; i++) {
        IdeDrive *id = ide_drive(mon, i);
        if (!id->present)
            continue;
        Drive d = { .index = i };
        drive_name(&d, id);
        BlockDev *b = cfg->ide[i];
        if (b)
            mon_printf(mon, "%s: %s (raw, %s%s)", d.name, b->path, b->read_only ? "read-only" : "read-write",
                       b->snapshot ? ", snapshot" : "");
        else
            mon_printf(mon, "%s: [not inserted]", d.name);
        if (id->cdrom)
            mon_printf(mon, " removable, tray %s, %slocked\n", id->tray_open ? "open" : "closed",
                       id->locked ? "" : "not ");
        else
            mon_printf(mon, "\n");
        shown++;
    }
    for (int i = 0; i < 2; i++) {
        FdcDrive *fd = &mon->t.pc->fdc.drive[i];
        if (!fd->connected)
            continue;
        BlockDev *b = cfg->fd[i];
        if (b)
            mon_printf(mon, "floppy%d: %s (raw, %s%s) removable\n", i, b->path,
                       fd->wp || b->read_only ? "read-only" : "read-write", b->snapshot ? ", snapshot" : "");
        else
            mon_printf(mon, "floppy%d: [not inserted] removable\n", i);
        shown++;
    }
    if (!shown)
        mon_printf(mon, "no drives\n");
}

/* Take media out of a drive and close its image (flushing it). */
static bool drive_eject(Monitor *mon, const Drive *d, bool force)
{
    PcConfig *cfg = mon->t.pcc;
    if (d->floppy) {
        const char *why = NULL;
        fdc_attach(&mon->t.pc->fdc, d->index, NULL, false, &why);
        block_close(cfg->fd[d->index]);
        cfg->fd[d->index] = NULL;
        return true;
    }
    IdeDrive *id = ide_drive(mon, d->index);
    if (!id->cdrom) {
        err_line(mon, "Device '%s' is not removable", d->name);
        return false;
    }
    if (id->locked && !force) {
        err_line(mon, "Device '%s' is locked by the guest; use eject -f to force", d->name);
        return false;
    }
    ide_cd_change(&mon->t.pc->ide, d->index / 2, d->index % 2, NULL);
    block_close(cfg->ide[d->index]);
    cfg->ide[d->index] = NULL;
    return true;
}

static void cmd_eject(Monitor *mon, int argc, char **argv)
{
    bool force = argc == 3 && !strcmp(argv[1], "-f");
    if (argc == 3 && !force) {
        err_line(mon, "usage: eject [-f] DEVICE");
        return;
    }
    Drive d;
    if (drive_find(mon, argv[argc - 1], &d))
        drive_eject(mon, &d, force);
}

static void cmd_change(Monitor *mon, int argc, char **argv)
{
    Drive d;
    if (argc == 4 && strcmp(argv[3], "raw")) {
        err_line(mon, "change: only the raw format exists, not '%s'", argv[3]);
        return;
    }
    if (!drive_find(mon, argv[1], &d))
        return;
    PcConfig *cfg = mon->t.pcc;
    const char *why = NULL;
    if (!d.floppy) {
        IdeDrive *id = ide_drive(mon, d.index);
        if (!id->cdrom) {
            err_line(mon, "Device '%s' is not removable", d.name);
            return;
        }
        /* The new image opens first: if it cannot, the old disc stays. */
        BlockDev *b = block_open(argv[2], true, mon->t.snapshot, &why);
        if (!b) {
            err_line(mon, "Could not open '%s': %s", argv[2], why);
            return;
        }
        BlockDev *old = cfg->ide[d.index];
        ide_cd_change(&mon->t.pc->ide, d.index / 2, d.index % 2, b);
        block_close(old);
        cfg->ide[d.index] = b;
        return;
    }
    /* A floppy opens writable when the file allows, else write-protected. */
    bool ro = cfg->fd_readonly[d.index];
    BlockDev *b = block_open(argv[2], ro, mon->t.snapshot, &why);
    if (!b && !ro && (b = block_open(argv[2], true, mon->t.snapshot, &why)) != NULL)
        ro = true;
    if (!b) {
        err_line(mon, "Could not open '%s': %s", argv[2], why);
        return;
    }
    if (!fdc_attach(&mon->t.pc->fdc, d.index, b, ro, &why)) {
        err_line(mon, "%s: %s", argv[2], why);
        block_close(b);
        return;
    }
    block_close(cfg->fd[d.index]);
    cfg->fd[d.index] = b;
}

/* x /FMT ADDR and xp /FMT ADDR. FMT is QEMU's: a count, a format (x hex,
 * d signed, u unsigned, o octal, c char, i instructions) and a size (b 8,
 * h 16, w 32, g 64 bits), all optional; the defaults are 1, x, w. */
static void dump(Monitor *mon, bool linear, int argc, char **argv)
{
    const char *fmt = argc == 3 ? argv[1] : "/";
    const char *addr_s = argv[argc - 1];
    if (fmt[0] != '/') {
        err_line(mon, "%s: the format starts with '/', as in %s /8xb 0xffff5", argv[0], argv[0]);
        return;
    }
    uint32_t count = 1;
    const char *p = fmt + 1;
    if (*p >= '0' && *p <= '9' && !parse_num(&p, 10, &count)) {
        err_line(mon, "%s: bad count in '%s'", argv[0], fmt);
        return;
    }
    char form = 'x';
    int size = 0;
    for (; *p; p++) {
        if (strchr("xduoci", *p))
            form = *p;
        else if (*p == 'b')
            size = 1;
        else if (*p == 'h')
            size = 2;
        else if (*p == 'w')
            size = 4;
        else if (*p == 'g')
            size = 8;
        else {
            err_line(mon, "%s: unknown format letter '%c' (count, then x d u o c i, then b h w g)", argv[0], *p);
            return;
        }
    }
    if (!size)
        size = form == 'c' ? 1 : 4;
    uint32_t addr;
    if (!parse_expr(mon, addr_s, &addr)) {
        err_line(mon, "%s: bad address '%s' (0xHEX, decimal, SEG:OFF, $reg, sums)", argv[0], addr_s);
        return;
    }
    if (count == 0 || (form != 'i' && (uint64_t)count * (uint64_t)size > MON_MAX_DUMP) ||
        (form == 'i' && count > 1024)) {
        err_line(mon, "%s: count must be 1 to %u bytes' worth (1024 instructions)", argv[0], MON_MAX_DUMP);
        return;
    }
    const char *why = NULL;
    uint32_t bad = 0;
    if (form == 'i') {
        Cpu *c = mon->t.cpu;
        if (!mon->cs_open) {
            if (cs_open(CS_ARCH_X86, CS_MODE_16, &mon->cs[0]) != CS_ERR_OK ||
                cs_open(CS_ARCH_X86, CS_MODE_32, &mon->cs[1]) != CS_ERR_OK) {
                err_line(mon, "%s: the disassembler (capstone) cannot start", argv[0]);
                return;
            }
            mon->cs_open = true;
        }
        for (uint32_t k = 0; k < count; k++) {
            uint8_t bytes[16];
            uint32_t n = mon_read(mon, linear, addr, bytes, sizeof(bytes), &why, &bad);
            cs_insn *in = NULL;
            size_t got = n ? cs_disasm(mon->cs[c->code32 ? 1 : 0], bytes, n, addr, 1, &in) : 0;
            if (!got) {
                if (n < sizeof(bytes))
                    mon_printf(mon, "%08x: cannot read memory at %08x: %s\n", addr, bad, why);
                else
                    mon_printf(mon, "%08x: (bad) %02x\n", addr, bytes[0]);
                return;
            }
            mon_printf(mon, "%08x: %s%s%s\n", addr, in->mnemonic, *in->op_str ? " " : "", in->op_str);
            addr += in->size;
            cs_free(in, got);
        }
        return;
    }
    uint32_t total = count * (uint32_t)size;
    uint8_t *buf = malloc(total);
    if (!buf) {
        err_line(mon, "%s: out of memory", argv[0]);
        return;
    }
    uint32_t got = mon_read(mon, linear, addr, buf, total, &why, &bad);
    int per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
    char line[256];
    size_t ll = 0;
    for (uint32_t k = 0; k < count && (k + 1) * (uint32_t)size <= got; k++) {
        if (k % (uint32_t)per_line == 0)
            ll = (size_t)snprintf(line, sizeof(line), "%08x:", addr + k * (uint32_t)size);
        uint64_t v = 0;
        memcpy(&v, buf + k * (uint32_t)size, (size_t)size);
        int64_t sv = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : size == 4 ? (int32_t)v : (int64_t)v;
        switch (form) {
        case 'x':
            ll += (size_t)snprintf(line + ll, sizeof(line) - ll, " 0x%0*llx", size * 2, (unsigned long long)v);
            break;
        case 'd':
            ll += (size_t)snprintf(line + ll, sizeof(line) - ll, " %lld", (long long)sv);
            break;
        case 'u':
            ll += (size_t)snprintf(line + ll, sizeof(line) - ll, " %llu", (unsigned long long)v);
            break;
        case 'o':
            ll += (size_t)snprintf(line + ll, sizeof(line) - ll, " %#llo", (unsigned long long)v);
            break;
        default: /* 'c': printable bytes as themselves, others in hex */
            for (int b = 0; b < size; b++) {
                uint8_t ch = (uint8_t)(v >> (8 * b));
                ll += (size_t)snprintf(line + ll, sizeof(line) - ll, ch >= 32 && ch < 127 ? " '%c'" : " \\x%02x",
                                       ch);
            }
            break;
        }
        if (k % (uint32_t)per_line == (uint32_t)per_line - 1 || k + 1 == count ||
            (k + 2) * (uint32_t)size > got) {
            mon_printf(mon, "%s\n", line);
            ll = 0;
        }
    }
    if (got < total)
        mon_printf(mon, "%08x: cannot read memory: %s\n", bad, why);
    free(buf);
}

static void cmd_x(Monitor *mon, int argc, char **argv)
{
    dump(mon, true, argc, argv);
}

static void cmd_xp(Monitor *mon, int argc, char **argv)
{
    dump(mon, false, argc, argv);
}

static void cmd_screendump(Monitor *mon, int argc, char **argv)
{
    /* QEMU's "screendump FILE [-f png]"; the format is always PNG here. */
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            if (strcmp(argv[++i], "png")) {
                err_line(mon, "screendump: only -f png is supported");
                return;
            }
        } else if (!path) {
            path = argv[i];
        } else {
            err_line(mon, "usage: screendump FILE.png [-f png]");
            return;
        }
    }
    if (!path) {
        err_line(mon, "usage: screendump FILE.png [-f png]");
        return;
    }
    char why[512];
    if (!screenshot_vga(&mon->t.pc->vga, path, why, sizeof(why)))
        err_line(mon, "screendump %s: %s", path, why);
}

static void cmd_screentext(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    static char screen[16384];
    Vga *v = &mon->t.pc->vga;
    if (!vga_is_text_mode(v) || vga_text_screen(v, screen, sizeof(screen)) < 0) {
        err_line(mon, "screentext: the VGA is in a graphics mode (use screendump)");
        return;
    }
    /* Rows without their trailing blanks; every row kept, so a row
     * number is a line number. */
    for (char *row = screen; *row;) {
        char *nl = strchr(row, '\n');
        size_t n = nl ? (size_t)(nl - row) : strlen(row);
        size_t end = n;
        while (end > 0 && row[end - 1] == ' ')
            end--;
        mon_write(mon, row, end);
        mon_write(mon, "\n", 1);
        row += n + (nl ? 1 : 0);
    }
}

/* QEMU's sendkey names -> PS/2 key numbers (set-1 make code, 0x100 for
 * an E0 prefix; hw/ps2.h). */
static const struct { const char *name; uint16_t key; } key_names[] = {
    { "esc", 0x01 }, { "1", 0x02 }, { "2", 0x03 }, { "3", 0x04 }, { "4", 0x05 }, { "5", 0x06 }, { "6", 0x07 },
    { "7", 0x08 }, { "8", 0x09 }, { "9", 0x0a }, { "0", 0x0b }, { "minus", 0x0c }, { "equal", 0x0d },
    { "backspace", 0x0e }, { "tab", 0x0f }, { "q", 0x10 }, { "w", 0x11 }, { "e", 0x12 }, { "r", 0x13 },
    { "t", 0x14 }, { "y", 0x15 }, { "u", 0x16 }, { "i", 0x17 }, { "o", 0x18 }, { "p", 0x19 },
    { "bracket_left", 0x1a }, { "bracket_right", 0x1b }, { "ret", 0x1c }, { "ctrl", 0x1d }, { "a", 0x1e },
    { "s", 0x1f }, { "d", 0x20 }, { "f", 0x21 }, { "g", 0x22 }, { "h", 0x23 }, { "j", 0x24 }, { "k", 0x25 },
    { "l", 0x26 }, { "semicolon", 0x27 }, { "apostrophe", 0x28 }, { "grave_accent", 0x29 }, { "shift", 0x2a },
    { "backslash", 0x2b }, { "z", 0x2c }, { "x", 0x2d }, { "c", 0x2e }, { "v", 0x2f }, { "b", 0x30 },
    { "n", 0x31 }, { "m", 0x32 }, { "comma", 0x33 }, { "dot", 0x34 }, { "slash", 0x35 }, { "shift_r", 0x36 },
    { "asterisk", 0x37 }, { "kp_multiply", 0x37 }, { "alt", 0x38 }, { "spc", 0x39 }, { "caps_lock", 0x3a },
    { "f1", 0x3b }, { "f2", 0x3c }, { "f3", 0x3d }, { "f4", 0x3e }, { "f5", 0x3f }, { "f6", 0x40 },
    { "f7", 0x41 }, { "f8", 0x42 }, { "f9", 0x43 }, { "f10", 0x44 }, { "num_lock", 0x45 },
    { "scroll_lock", 0x46 }, { "kp_7", 0x47 }, { "kp_8", 0x48 }, { "kp_9", 0x49 }, { "kp_subtract", 0x4a },
    { "kp_4", 0x4b }, { "kp_5", 0x4c }, { "kp_6", 0x4d }, { "kp_add", 0x4e }, { "kp_1", 0x4f }, { "kp_2", 0x50 },
    { "kp_3", 0x51 }, { "kp_0", 0x52 }, { "kp_decimal", 0x53 }, { "less", 0x56 }, { "f11", 0x57 },
    { "f12", 0x58 }, { "katakanahiragana", 0x70 }, { "ro", 0x73 }, { "henkan", 0x79 }, { "muhenkan", 0x7b },
    { "yen", 0x7d }, { "kp_comma", 0x7e }, { "kp_enter", 0x11c }, { "ctrl_r", 0x11d }, { "kp_divide", 0x135 },
    { "print", PS2_KEY_PRTSCR }, { "sysrq", PS2_KEY_PRTSCR }, { "alt_r", 0x138 }, { "altgr", 0x138 },
    { "pause", PS2_KEY_PAUSE }, { "home", 0x147 }, { "up", 0x148 }, { "pgup", 0x149 }, { "left", 0x14b },
    { "right", 0x14d }, { "end", 0x14f }, { "down", 0x150 }, { "pgdn", 0x151 }, { "insert", 0x152 },
    { "delete", 0x153 }, { "meta_l", 0x15b }, { "meta_r", 0x15c }, { "menu", 0x15d }, { "power", 0x15e },
    { "sleep", 0x15f }, { "wake", 0x163 },
};

static void key_release_all(Monitor *mon)
{
    Ps2Kbd *k = i8042_kbd(&mon->t.pc->kbc);
    /* In reverse order, as fingers leave a combination. */
    while (mon->nheld > 0)
        ps2_kbd_key(k, mon->held[--mon->nheld], false);
    event_cancel(mon->t.pc->clock, &mon->key_ev);
}

static void key_release_due(void *opaque)
{
    key_release_all(opaque);
}

static void cmd_sendkey(Monitor *mon, int argc, char **argv)
{
    uint16_t keys[MON_KEYS_MAX];
    int n = 0;
    uint32_t hold_ms = 100; /* QEMU's default, here in guest time */
    if (argc == 3) {
        const char *p = argv[2];
        if (!parse_num(&p, 10, &hold_ms) || *p || hold_ms == 0 || hold_ms > 10000) {
            err_line(mon, "sendkey: hold time '%s' must be 1-10000 ms", argv[2]);
            return;
        }
    }
    char combo[256];
    snprintf(combo, sizeof(combo), "%s", argv[1]);
    for (char *save = NULL, *tok = strtok_r(combo, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
        uint16_t key = 0;
        for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]) && !key; i++)
            if (!strcmp(tok, key_names[i].name))
                key = key_names[i].key;
        if (!key && tok[0] == '0' && tok[1] == 'x') {
            uint32_t v;
            const char *p = tok;
            if (parse_num(&p, 16, &v) && !*p && v > 0 && v < 0x200)
                key = (uint16_t)v;
        }
        if (!key) {
            err_line(mon, "sendkey: unknown key '%s' (QEMU's names: ctrl, alt, delete, f1, a, ret, ...)", tok);
            return;
        }
        if (n == MON_KEYS_MAX) {
            err_line(mon, "sendkey: at most %d keys at once", MON_KEYS_MAX);
            return;
        }
        keys[n++] = key;
    }
    if (!n) {
        err_line(mon, "usage: sendkey KEYS [HOLD_MS], e.g. sendkey ctrl-alt-delete");
        return;
    }
    key_release_all(mon); /* an earlier combination still held */
    Ps2Kbd *k = i8042_kbd(&mon->t.pc->kbc);
    for (int i = 0; i < n; i++) {
        ps2_kbd_key(k, keys[i], true);
        mon->held[mon->nheld++] = keys[i];
    }
    Clock *clk = mon->t.pc->clock;
    event_schedule(clk, &mon->key_ev, clock_now(clk) + (uint64_t)hold_ms * 1000000u);
}

static void cmd_stop(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    mon->paused = true;
}

static void cmd_cont(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    mon->paused = false;
}

/* End the running block so the run loop sees the request now. */
static void kick_cpu(Monitor *mon)
{
    mon->t.cpu->exit_reason = EXIT_REQUEST;
    mon->t.cpu->exit_req = 1;
}

static void cmd_system_reset(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    mon->t.pc->bus->reset = true;
    kick_cpu(mon);
}

static void cmd_quit(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    mon->quitting = true;
    bus_request_stop(mon->t.pc->bus, 0);
    kick_cpu(mon);
}

static void cmd_info(Monitor *mon, int argc, char **argv)
{
    static const struct { const char *name; void (*fn)(Monitor *); } sub[] = {
        { "registers", cmd_info_registers }, { "pic", cmd_info_pic }, { "irq", cmd_info_irq },
        { "pit", cmd_info_pit },             { "tlb", cmd_info_tlb }, { "block", cmd_info_block },
    };
    if (argc < 2) {
        mon_printf(mon, "info registers|pic|irq|pit|tlb|block|status\n");
        return;
    }
    if (!strcmp(argv[1], "status")) {
        mon_printf(mon, "VM status: %s\n", mon->paused ? "paused" : "running");
        return;
    }
    for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
        if (!strcmp(argv[1], sub[i].name)) {
            sub[i].fn(mon);
            return;
        }
    err_line(mon, "info: unknown item '%s' (registers pic irq pit tlb block status)", argv[1]);
}

static void cmd_help(Monitor *mon, int argc, char **argv);

static const Cmd commands[] = {
    { "help", "[COMMAND]", "list the commands, or show one", cmd_help, 0, 1 },
    { "info", "registers|pic|irq|pit|tlb|block|status", "show machine state", cmd_info, 0, 1 },
    { "x", "/FMT ADDR", "dump linear memory (FMT: count, x d u o c i, b h w g; ADDR: 0xHEX, SEG:OFF, $reg)",
      cmd_x, 1, 2 },
    { "xp", "/FMT ADDR", "dump physical memory (as x)", cmd_xp, 1, 2 },
    { "screendump", "FILE.png", "write the screen as a PNG", cmd_screendump, 1, 3 },
    { "screentext", "", "print the VGA text screen", cmd_screentext, 0, 0 },
    { "sendkey", "KEYS [HOLD_MS]", "press and release a key combination, e.g. ctrl-alt-delete", cmd_sendkey, 1, 2 },
    { "eject", "[-f] DEVICE", "remove the CD or floppy (see info block for names)", cmd_eject, 1, 2 },
    { "change", "DEVICE FILE [raw]", "insert another CD or floppy image", cmd_change, 2, 3 },
    { "stop", "", "pause the machine", cmd_stop, 0, 0 },
    { "cont", "", "resume the machine", cmd_cont, 0, 0 },
    { "c", "", "resume the machine", cmd_cont, 0, 0 },
    { "system_reset", "", "reset the machine", cmd_system_reset, 0, 0 },
    { "quit", "", "end the run (images flushed; exit status 0)", cmd_quit, 0, 0 },
    { "q", "", "end the run", cmd_quit, 0, 0 },
};

static const Cmd *cmd_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

static void cmd_help(Monitor *mon, int argc, char **argv)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const Cmd *c = &commands[i];
        if (argc == 2 && strcmp(argv[1], c->name))
            continue;
        mon_printf(mon, "%s%s%s -- %s\n", c->name, *c->args ? " " : "", c->args, c->help);
    }
    if (argc == 2 && !cmd_find(argv[1]))
        err_line(mon, "help: no command '%s'", argv[1]);
}

/* Words split on blanks; "double quotes" keep blanks in a file name.
 * QEMU's "x/8xb ADDR" (no blank before the format) is split too. */
static int tokenize(char *s, char **argv, int max)
{
    int argc = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (argc == max)
            return -1;
        if (*s == '"') {
            argv[argc++] = ++s;
            while (*s && *s != '"')
                s++;
            if (!*s)
                return -2;
        } else {
            argv[argc++] = s;
            while (*s && *s != ' ' && *s != '\t' && !(argc == 1 && *s == '/'))
                s++;
            if (argc == 1 && *s == '/') {
                /* move the format into its own word */
                if (argc == max)
                    return -1;
                memmove(s + 1, s, strlen(s) + 1);
                *s++ = 0;
                argv[argc++] = s;
                while (*s && *s != ' ' && *s != '\t')
                    s++;
            }
        }
        if (*s)
            *s++ = 0;
    }
    return argc;
}

void monitor_command(Monitor *mon, const char *text)
{
    char buf[MON_LINE_MAX];
    char *argv[MON_MAX_ARGS];
    snprintf(buf, sizeof(buf), "%s", text);
    int argc = tokenize(buf, argv, MON_MAX_ARGS);
    if (argc == 0)
        return;
    if (argc < 0) {
        err_line(mon, argc == -1 ? "too many words" : "unterminated quote");
        return;
    }
    const Cmd *c = cmd_find(argv[0]);
    if (!c) {
        err_line(mon, "unknown command: '%s' (type help)", argv[0]);
        return;
    }
    if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
        err_line(mon, "usage: %s%s%s", c->name, *c->args ? " " : "", c->args);
        return;
    }
    c->fn(mon, argc, argv);
}
