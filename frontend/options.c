/*
 * options.c - parsing the command line.
 *
 * Options follow QEMU's spelling where users already know it. An option
 * that Ringside recognises but does not implement yet is refused with one
 * line and exit status 2, never silently ignored.
 */
#include "frontend/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const not_yet[] = {
    "-hda", "-hdb", "-hdc", "-hdd", "-cdrom", "-fda", "-fdb", "-boot", "-kernel", "-initrd",
    "-append", "-serial", "-nic", "-netdev", "-net", "-s", "-gdb", "-snapshot", "-monitor",
    "-drive", "-smp", "-cpu", "-machine", "-M", "-vga", "-usb", "-icount", "-rtc", "-loadvm",
    "-k", "-full-screen", "-S", "-record", "-replay", "--record", "--replay", "-accel",
    "-enable-kvm", "-audiodev", "-soundhw", "-chroot", "-daemonize", "-pidfile", "-name",
    "-object", "-global", "-trace",
    NULL,
};

static void usage(FILE *f)
{
    fputs("Usage: ringside [options]\n"
          "A pure-software x86 PC emulator. Options that work now:\n"
          "  -bios FILE          firmware image of 64, 128 or 256 KiB (required for now)\n"
          "  -m SIZE             guest RAM, in MiB or with a M/G suffix (default 128)\n"
          "  -display none       run headless (the only display so far)\n"
          "  -nographic          same as -display none\n"
          "  -no-reboot          exit instead of resetting on a triple fault or reset\n"
          "  -debugcon DEV       debug console on port 0xe9: stdio, file:PATH or null\n"
          "                      (without it, ports 0xe9 and 0x402 print to stdout)\n"
          "  -chardev file,id=ID,path=PATH | stdio,id=ID | null,id=ID\n"
          "  -device isa-debugcon,iobase=PORT,chardev=ID\n"
          "                      log a port's writes, e.g. a POST or results port\n"
          "  -device isa-debug-exit[,iobase=PORT][,iosize=N]\n"
          "                      the test exit port (default 0xf4, always present):\n"
          "                      writing V exits with status (V << 1) | 1\n"
          "  -d FLAGS            trace: in_asm (blocks as translated), exec (blocks as run),\n"
          "                      int (interrupts and exceptions: vector, error code, from\n"
          "                      and to CS:EIP and ring, the instruction), cpl (other\n"
          "                      privilege changes); comma-separated\n"
          "  -D FILE             write traces to FILE instead of stderr\n"
          "  -singlestep         one instruction per block\n"
          "  --coverage FILE     append the opcode-table rows executed to FILE\n"
          "  --max-insns N       stop after N guest instructions (exit status 0)\n"
          "  --stats             print instruction and code-cache counts at exit\n"
          "  -h, --help          this text\n"
          "Not yet implemented (refused): disks, -kernel, serial, network, gdb, SDL display.\n",
          f);
}

static bool parse_size_mb(const char *s, uint32_t *mb)
{
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    if (*end == 'G' || *end == 'g') {
        v *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        end++;
    }
    if (*end || v == 0 || v > 0xffffffffull)
        return false;
    *mb = (uint32_t)v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

/* Value of key=VALUE in a comma-separated list, copied into buf. */
static bool kv_get(const char *list, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    const char *p = list;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t vlen = n - klen - 1;
            if (vlen >= len)
                vlen = len - 1;
            memcpy(buf, p + klen + 1, vlen);
            buf[vlen] = 0;
            return true;
        }
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

static bool only_keys(const char *list, const char *const *keys, const char **bad)
{
    const char *p = strchr(list, ',');
    while (p) {
        p++;
        bool ok = false;
        for (int i = 0; keys[i]; i++) {
            size_t k = strlen(keys[i]);
            if (!strncmp(p, keys[i], k) && p[k] == '=')
                ok = true;
        }
        if (!ok) {
            *bad = p;
            return false;
        }
        p = strchr(p, ',');
    }
    return true;
}

static int fail(int *status, const char *fmt, const char *arg)
{
    fprintf(stderr, "ringside: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    *status = 2;
    return 0;
}

static bool parse_device(Options *o, const char *v, int *status)
{
    char buf[4096];
    const char *bad;
    if (!strncmp(v, "isa-debugcon", 12) && (v[12] == ',' || !v[12])) {
        static const char *const keys[] = { "iobase", "chardev", NULL };
        if (!only_keys(v, keys, &bad))
            return fail(status, "-device isa-debugcon: unknown property '%s'", bad);
        if (o->ndebugcons == MAX_DEBUGCONS)
            return fail(status, "%s: too many debug consoles", "-device isa-debugcon");
        DebugconOpt *d = &o->debugcons[o->ndebugcons];
        uint64_t port = 0xe9;
        if (kv_get(v, "iobase", buf, sizeof(buf)) && (!parse_u64(buf, &port) || port > 0xffff))
            return fail(status, "-device isa-debugcon: bad iobase '%s' (a port 0-0xffff)", buf);
        if (!kv_get(v, "chardev", d->chardev, sizeof(d->chardev)))
            return fail(status, "%s needs chardev=ID (see -chardev)", "-device isa-debugcon");
        d->port = (uint16_t)port;
        o->ndebugcons++;
        o->default_debugcon = false;
        return true;
    }
    if (!strncmp(v, "isa-debug-exit", 14) && (v[14] == ',' || !v[14])) {
        static const char *const keys[] = { "iobase", "iosize", NULL };
        if (!only_keys(v, keys, &bad))
            return fail(status, "-device isa-debug-exit: unknown property '%s'", bad);
        uint64_t port = 0x501, size = 1;
        if (kv_get(v, "iobase", buf, sizeof(buf)) && (!parse_u64(buf, &port) || port > 0xffff))
            return fail(status, "-device isa-debug-exit: bad iobase '%s'", buf);
        if (kv_get(v, "iosize", buf, sizeof(buf)) && (!parse_u64(buf, &size) || size < 1 || size > 4))
            return fail(status, "-device isa-debug-exit: bad iosize '%s' (1-4)", buf);
        o->exit_port = (int)port;
        o->exit_size = (int)size;
        return true;
    }
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(v, ","), v);
    return fail(status, "-device %s: not implemented yet (isa-debugcon and isa-debug-exit are)", name);
}

static bool parse_chardev(Options *o, const char *v, int *status)
{
    if (o->nchardevs == MAX_CHARDEVS)
        return fail(status, "%s: too many character devices", "-chardev");
    Chardev *c = &o->chardevs[o->nchardevs];
    memset(c, 0, sizeof(*c));
    const char *bad;
    if (!kv_get(v, "id", c->id, sizeof(c->id)))
        return fail(status, "-chardev %s: needs id=ID", v);
    if (!strncmp(v, "file,", 5)) {
        static const char *const keys[] = { "id", "path", NULL };
        if (!only_keys(v, keys, &bad))
            return fail(status, "-chardev file: unknown property '%s'", bad);
        if (!kv_get(v, "path", c->path, sizeof(c->path)))
            return fail(status, "-chardev %s: needs path=FILE", v);
    } else if (!strncmp(v, "stdio,", 6)) {
        c->is_stdio = true;
    } else if (!strncmp(v, "null,", 5)) {
        c->is_null = true;
    } else {
        return fail(status, "-chardev %s: only file, stdio and null backends exist yet", v);
    }
    o->nchardevs++;
    return true;
}

bool options_parse(Options *o, int argc, char **argv, int *status)
{
    memset(o, 0, sizeof(*o));
    o->ram_mb = 128;
    o->exit_port = 0xf4;
    o->exit_size = 4;
    o->default_debugcon = true;
    *status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-help")) {
            usage(stdout);
            *status = 0;
            return false;
        }
        /* Options without a value. */
        if (!strcmp(a, "-nographic")) {
            o->display_none = true;
            continue;
        }
        if (!strcmp(a, "-no-reboot")) {
            o->no_reboot = true;
            continue;
        }
        if (!strcmp(a, "--stats")) {
            o->stats = true;
            continue;
        }
        if (!strcmp(a, "-singlestep")) {
            o->singlestep = true;
            continue;
        }
        for (int k = 0; not_yet[k]; k++)
            if (!strcmp(a, not_yet[k]))
                return fail(status, "option %s is not implemented yet (see ringside --help)", a);
        static const char *const with_value[] = { "-bios", "-m", "-display", "-d", "-D", "-debugcon",
                                                  "-device", "-chardev", "--coverage", "--max-insns",
                                                  NULL };
        bool known = false;
        for (int k = 0; with_value[k]; k++)
            if (!strcmp(a, with_value[k]))
                known = true;
        if (!known)
            return fail(status, "unknown option '%s' (see ringside --help)", a);
        if (i + 1 >= argc)
            return fail(status, "option %s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-bios")) {
            o->bios = v;
        } else if (!strcmp(a, "-m")) {
            char buf[64];
            snprintf(buf, sizeof(buf), "%s", v);
            if (!strncmp(buf, "size=", 5))
                memmove(buf, buf + 5, strlen(buf + 5) + 1);
            if (!parse_size_mb(buf, &o->ram_mb))
                return fail(status, "-m %s: give the RAM size in MiB, e.g. -m 128 or -m 1G", v);
        } else if (!strcmp(a, "-display")) {
            if (strcmp(v, "none") != 0)
                return fail(status, "-display %s: only -display none is implemented yet", v);
            o->display_none = true;
        } else if (!strcmp(a, "-d")) {
            o->trace_flags = v;
        } else if (!strcmp(a, "-D")) {
            o->trace_file = v;
        } else if (!strcmp(a, "-debugcon")) {
            if (o->ndebugcons == MAX_DEBUGCONS)
                return fail(status, "%s: too many debug consoles", "-debugcon");
            DebugconOpt *d = &o->debugcons[o->ndebugcons++];
            d->port = 0xe9;
            snprintf(d->spec, sizeof(d->spec), "%s", v);
            o->default_debugcon = false;
        } else if (!strcmp(a, "-device")) {
            if (!parse_device(o, v, status))
                return false;
        } else if (!strcmp(a, "-chardev")) {
            if (!parse_chardev(o, v, status))
                return false;
        } else if (!strcmp(a, "--coverage")) {
            o->coverage_file = v;
        } else if (!strcmp(a, "--max-insns")) {
            if (!parse_u64(v, &o->max_insns) || o->max_insns == 0)
                return fail(status, "--max-insns %s: give a positive instruction count", v);
        }
    }
    if (!o->bios)
        return fail(status, "%s", "no firmware given: use -bios FILE (a 64, 128 or 256 KiB ROM image)");
    return true;
}
