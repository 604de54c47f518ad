/*
 * options.c - parsing the command line.
 *
 * Options follow QEMU's spelling where users already know it. An option
 * that Ringside recognises but does not implement yet is refused with one
 * line and exit status 2, never silently ignored.
 */
#include "frontend/options.h"
#include "translate/x64.h"

#include "frontend/monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const not_yet[] = {
    "-nic", "-netdev", "-net", "-s", "-gdb",
    "-smp", "-cpu", "-machine", "-M", "-vga", "-usb", "-loadvm",
    "-k", "-S", "-record", "-replay", "--record", "--replay",
    "-enable-kvm", "-audiodev", "-soundhw", "-chroot", "-daemonize", "-pidfile", "-name",
    "-object", "-global", "-trace",
    NULL,
};

static void usage(FILE *f)
{
    fputs("Usage: ringside [options]\n"
          "A pure-software x86 PC emulator. Options that work now:\n"
          "  -bios FILE          firmware image of 64, 128 or 256 KiB (default: SeaBIOS\n"
          "                      from Debian's seabios package, with SeaVGABIOS)\n"
          "  -hda/-hdb/-hdc/-hdd FILE  IDE hard disk images (raw, a multiple of 512 bytes)\n"
          "  -cdrom FILE         ISO image on the secondary IDE master\n"
          "  -fda/-fdb FILE      floppy images (160K to 2.88M)\n"
          "  -drive file=FILE[,if=ide|floppy][,index=N][,media=disk|cdrom][,format=raw]\n"
          "         [,readonly=on|off][,snapshot=on|off]  a disk, CD or floppy (QEMU's meaning)\n"
          "  -boot [order=]LETTERS[,menu=on]  boot order: a floppy, c disk, d CD-ROM (default\n"
          "                      cad); menu=on: SeaBIOS offers its boot menu (ESC)\n"
          "  -snapshot           keep every disk write in memory; the images never change\n"
          "  -kernel FILE        boot a Linux bzImage or a Multiboot kernel directly\n"
          "  -initrd FILE        initial ramdisk for -kernel; for Multiboot, the modules:\n"
          "                      \"file args,file args\"\n"
          "  -append CMDLINE     kernel command line for -kernel\n"
          "  -serial DEV         next COM port: stdio, file:PATH, tcp:127.0.0.1:PORT,server[,nowait],\n"
          "                      null or none (COM1 defaults to null)\n"
          "  -rtc base=utc|localtime|YYYY-MM-DDTHH:MM:SS\n"
          "                      guest clock start (default: the host's time, UTC)\n"
          "  -icount shift=N     guest time is 2^N ns per instruction (default 0)\n"
          "  --wait-text TEXT    end with status 0 once TEXT is on the text screen or\n"
          "                      a serial port's output (status 4 if the run ends before)\n"
          "  --screen-text FILE  write the VGA text screen to FILE at exit\n"
          "  -monitor DEV        the command console: stdio, tcp:127.0.0.1:PORT,server,nowait,\n"
          "                      unix:PATH,server,nowait or none (the default); type help\n"
          "  -m SIZE             guest RAM, in MiB or with a M/G suffix (default 128)\n"
          "  -display sdl|none   a window (the default when $DISPLAY or $WAYLAND_DISPLAY\n"
          "                      is set and SDL can open one), or headless\n"
          "  -display sdl,scale=integer  square pixels at whole multiples (sharp);\n"
          "                      scale=aspect (the default) fills the window 4:3\n"
          "  -nographic          same as -display none\n"
          "  -full-screen        start the window full-screen (Ctrl+Alt+F toggles;\n"
          "                      a click grabs the mouse, Ctrl+Alt+G releases it)\n"
          "  --screenshot FILE[@N]  write the VGA frame as PNG to FILE after N guest\n"
          "                      instructions, or at exit without @N (repeatable)\n"
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
          "  -accel threaded|x64[,cache=SIZE]  the backend: handler calls or x86-64\n"
          "                      host code (the default on x86-64 hosts); cache: x64's\n"
          "                      code buffer, e.g. 512K or 16M (default 64M; flushed\n"
          "                      whenever it fills)\n"
          "  --lockstep          run every block with both backends and stop at a difference\n"
          "  --coverage FILE     append the opcode-table rows executed to FILE\n"
          "  --max-insns N       stop after N guest instructions (exit status 0)\n"
          "  --stats             print instruction and code-cache counts at exit\n"
          "  -h, --help          this text\n"
          "Not yet implemented (refused): network, gdb.\n",
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

/* -boot [order=]LETTERS[,menu=on|off] (once= is not supported). */
/* The x64 code buffer's size: a number of bytes with a K or M suffix
 * (KiB, MiB; plain digits are MiB). At least 16 KiB, so a buffer still
 * holds the largest blocks' code (a block that does not fit runs
 * threaded); at most 1 GiB. */
static bool parse_cache_size(const char *s, size_t *bytes)
{
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || v > (1ull << 30))
        return false;
    if (*end == 'K' || *end == 'k') {
        v <<= 10;
        end++;
    } else {
        if (*end == 'M' || *end == 'm')
            end++;
        v <<= 20;
    }
    if (*end || v < (16u << 10) || v > (1ull << 30))
        return false;
    *bytes = (size_t)v;
    return true;
}

/* -accel NAME[,cache=SIZE] (also the value of RINGSIDE_ACCEL). */
static bool parse_accel(Options *o, const char *v, const char *what, int *status)
{
    char name[16], buf[32], label[80];
    snprintf(label, sizeof(label), "%s %s", what, v);
    what = label;
    size_t n = strcspn(v, ",");
    if (n >= sizeof(name))
        return fail(status, "%s: give threaded or x64", what);
    memcpy(name, v, n);
    name[n] = 0;
    if ((o->backend = x64_backend_by_name(name)) < 0)
        return fail(status, "%s: give threaded or x64", what);
    static const char *const keys[] = { "cache", NULL };
    const char *bad;
    if (!only_keys(v, keys, &bad))
        return fail(status, "%s: unknown setting (only cache=SIZE)", what);
    if (kv_get(v, "cache", buf, sizeof(buf)) && !parse_cache_size(buf, &o->jit_cache))
        return fail(status, "%s: cache=SIZE wants 16K to 1024M (K: KiB, M: MiB)", what);
    return true;
}

static bool parse_boot(Options *o, const char *v, int *status)
{
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 7 && !strncmp(p, "menu=on", 7)) {
            o->boot_menu = true;
        } else if (n == 8 && !strncmp(p, "menu=off", 8)) {
            o->boot_menu = false;
        } else {
            const char *order = !strncmp(p, "order=", 6) && n >= 6 ? p + 6 : p;
            size_t len = n - (size_t)(order - p);
            if (!len || len > 8 || strspn(order, "acdn") < len)
                return fail(status, "-boot %s: give order=LETTERS from a (floppy), c (disk), d (CD-ROM), n (network)"
                                    ", and menu=on|off", v);
            memcpy(o->boot_buf, order, len);
            o->boot_buf[len] = 0;
            o->boot = o->boot_buf;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
}

/* -rtc base=utc|localtime|YYYY-MM-DD[THH:MM:SS]; other keys are refused. */
static bool parse_rtc(Options *o, const char *v, int *status)
{
    if (strncmp(v, "base=", 5) != 0 || strchr(v, ','))
        return fail(status, "-rtc %s: only base=utc, base=localtime or base=YYYY-MM-DDTHH:MM:SS", v);
    const char *b = v + 5;
    if (!strcmp(b, "utc"))
        return true;
    if (!strcmp(b, "localtime")) {
        o->rtc_localtime = true;
        return true;
    }
    int y, mo, d, h = 0, mi = 0, se = 0;
    char tail;
    int n = sscanf(b, "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &se, &tail);
    if (!(n == 3 || n == 6) || y < 1970 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
        return fail(status, "-rtc %s: the date must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, 1970-2099", v);
    /* Days from the civil date (proleptic Gregorian), without the host's
     * time zone: the value is UTC by definition. */
    int yy = y - (mo <= 2);
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    o->rtc_base = days * 86400 + h * 3600 + mi * 60 + se;
    o->rtc_base_set = true;
    return true;
}

/* -drive file=PATH[,if=ide|floppy][,index=N][,media=disk|cdrom][,format=raw]
 * [,readonly=on|off][,snapshot=on|off]: QEMU's meaning for the drives we
 * have. ",," in a value is a literal comma, as in QEMU. */
static bool drive_fail(int *status, const char *spec, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg);
    fprintf(stderr, "ringside: -drive %s: %s\n", spec, msg);
    *status = 2;
    return false;
}

static bool on_off(const char *v, bool *out)
{
    if (!strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "off"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_drive(Options *o, const char *spec, int *status)
{
    if (o->ndrives == MAX_DRIVES)
        return drive_fail(status, spec, "%s", "too many drives (4 IDE and 2 floppy exist)");
    DriveOpt *d = &o->drives[o->ndrives];
    *d = (DriveOpt){ .spec = spec, .index = -1 };
    char *buf = malloc(strlen(spec) + 1);
    if (!buf)
        return drive_fail(status, spec, "%s", "out of memory");
    const char *p = spec;
    while (*p) {
        /* One "key=value" item, unescaping ",,". */
        char *w = buf;
        for (; *p; p++) {
            if (*p == ',' && p[1] == ',')
                *w++ = *p++;
            else if (*p == ',')
                break;
            else
                *w++ = *p;
        }
        *w = 0;
        if (*p == ',')
            p++;
        char *eq = strchr(buf, '=');
        if (!eq) {
            bool ok = drive_fail(status, spec, "'%s' is not a property=value pair", buf);
            free(buf);
            return ok;
        }
        *eq = 0;
        const char *k = buf, *v = eq + 1;
        const char *bad = NULL;
        if (!strcmp(k, "file")) {
            free(d->file);
            d->file = strdup(v);
        } else if (!strcmp(k, "if")) {
            if (!strcmp(v, "ide"))
                d->floppy = false;
            else if (!strcmp(v, "floppy"))
                d->floppy = true;
            else
                bad = "if=%s: only if=ide and if=floppy exist";
        } else if (!strcmp(k, "index")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > 3)
                bad = "index=%s: give 0-3 for IDE, 0-1 for a floppy";
            d->index = (int)n;
        } else if (!strcmp(k, "media")) {
            if (!strcmp(v, "disk"))
                d->cdrom = false;
            else if (!strcmp(v, "cdrom"))
                d->cdrom = true;
            else
                bad = "media=%s: use media=disk or media=cdrom";
        } else if (!strcmp(k, "format")) {
            if (strcmp(v, "raw") != 0)
                bad = "format=%s: only raw images are supported (format=raw)";
        } else if (!strcmp(k, "readonly")) {
            if (!on_off(v, &d->readonly))
                bad = "readonly=%s: use on or off";
        } else if (!strcmp(k, "snapshot")) {
            if (!on_off(v, &d->snapshot))
                bad = "snapshot=%s: use on or off";
        } else {
            bool ok = drive_fail(status, spec,
                                 "unknown property '%s' (use file, if, index, media, format, readonly, snapshot)",
                                 k);
            free(buf);
            return ok;
        }
        if (bad) {
            bool ok = drive_fail(status, spec, bad, v);
            free(buf);
            return ok;
        }
    }
    free(buf);
    if (!d->file || !*d->file)
        return drive_fail(status, spec, "%s", "give the image with file=PATH");
    if (d->floppy && d->cdrom)
        return drive_fail(status, spec, "%s", "media=cdrom needs if=ide");
    if (d->floppy && d->index > 1)
        return drive_fail(status, spec, "%s", "a floppy takes index=0 or index=1");
    o->ndrives++;
    return true;
}

/* Put each -drive into its slot: those with index= first, then the others
 * into the first free slot of their interface, as QEMU does. */
static bool place_drives(Options *o, int *status)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < o->ndrives; i++) {
            DriveOpt *d = &o->drives[i];
            if ((d->index >= 0) != (pass == 0))
                continue;
            int n = d->floppy ? 2 : MAX_HDS, slot = d->index;
            const char **slots = d->floppy ? o->fd : o->hd;
            if (slot < 0) {
                for (slot = 0; slot < n; slot++)
                    if (!slots[slot] && (d->floppy || slot != 2 || !o->cdrom))
                        break;
                if (slot == n)
                    return drive_fail(status, d->spec, "%s",
                                      d->floppy ? "both floppy drives are taken" : "all four IDE slots are taken");
            } else if (slots[slot] || (!d->floppy && slot == 2 && o->cdrom)) {
                return drive_fail(status, d->spec, "%s",
                                  "that slot is already taken (by -hda..-hdd, -cdrom, -fda/-fdb or another -drive)");
            }
            slots[slot] = d->file;
            if (d->floppy) {
                o->fd_readonly[slot] = d->readonly;
                o->fd_snapshot[slot] = d->snapshot;
            } else {
                o->hd_cdrom[slot] = d->cdrom;
                o->hd_readonly[slot] = d->readonly;
                o->hd_snapshot[slot] = d->snapshot;
            }
        }
    }
    return true;
}

bool options_parse(Options *o, int argc, char **argv, int *status)
{
    memset(o, 0, sizeof(*o));
    o->ram_mb = 128;
    o->backend = BACKEND_DEFAULT;
    const char *accel = getenv("RINGSIDE_ACCEL");
    if (accel && *accel && !parse_accel(o, accel, "RINGSIDE_ACCEL", status))
        return false;
    o->lockstep = getenv("RINGSIDE_LOCKSTEP") && *getenv("RINGSIDE_LOCKSTEP") == '1';
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
        if (!strcmp(a, "-full-screen")) {
            o->full_screen = true;
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
        if (!strcmp(a, "--lockstep")) {
            o->lockstep = true;
            continue;
        }
        if (!strcmp(a, "-singlestep")) {
            o->singlestep = true;
            continue;
        }
        if (!strcmp(a, "-snapshot")) {
            o->snapshot = true;
            continue;
        }
        for (int k = 0; not_yet[k]; k++)
            if (!strcmp(a, not_yet[k]))
                return fail(status, "option %s is not implemented yet (see ringside --help)", a);
        static const char *const with_value[] = { "-bios", "-m", "-display", "-d", "-D", "-debugcon",
                                                  "-device", "-chardev", "--coverage", "--max-insns",
                                                  "-hda", "-hdb", "-hdc", "-hdd", "-cdrom", "-fda",
                                                  "-fdb", "-drive", "-boot", "-accel", "-kernel", "-initrd", "-append",
                                                  "-serial", "-rtc", "-icount", "--wait-text",
                                                  "--screen-text", "--screenshot", "-monitor", NULL };
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
            o->bios_given = true;
        } else if (!strncmp(a, "-hd", 3)) {
            o->hd[a[3] - 'a'] = v;
        } else if (!strcmp(a, "-cdrom")) {
            o->cdrom = v;
        } else if (!strcmp(a, "-drive")) {
            if (!parse_drive(o, v, status))
                return false;
        } else if (!strncmp(a, "-fd", 3)) {
            o->fd[a[3] - 'a'] = v;
        } else if (!strcmp(a, "-boot")) {
            if (!parse_boot(o, v, status))
                return false;
        } else if (!strcmp(a, "-kernel")) {
            o->kernel = v;
        } else if (!strcmp(a, "-initrd")) {
            o->initrd = v;
        } else if (!strcmp(a, "-append")) {
            o->append = v;
        } else if (!strcmp(a, "-serial")) {
            if (o->nserials == MAX_SERIALS)
                return fail(status, "-serial %s: only COM1 and COM2 exist", v);
            o->serial[o->nserials++] = v;
        } else if (!strcmp(a, "-rtc")) {
            if (!parse_rtc(o, v, status))
                return false;
        } else if (!strcmp(a, "-icount")) {
            uint64_t n;
            const char *val = !strncmp(v, "shift=", 6) ? v + 6 : v;
            if (!parse_u64(val, &n) || n > 10)
                return fail(status, "-icount %s: give shift=N with N from 0 to 10 (2^N ns per instruction)", v);
            o->icount_shift = (uint32_t)n;
        } else if (!strcmp(a, "--wait-text")) {
            if (!*v)
                return fail(status, "%s: give a non-empty text", "--wait-text");
            o->wait_text = v;
        } else if (!strcmp(a, "--screenshot")) {
            if (o->nscreenshots == MAX_SCREENSHOTS)
                return fail(status, "--screenshot %s: at most 16 screenshots", v);
            ScreenshotOpt *so = &o->screenshots[o->nscreenshots++];
            /* FILE@N: the last '@' followed by a number; a path may hold '@' */
            const char *at = strrchr(v, '@');
            uint64_t n;
            if (at && at[1] && parse_u64(at + 1, &n)) {
                size_t len = (size_t)(at - v);
                if (len == 0 || len >= sizeof(so->pathbuf))
                    return fail(status, "--screenshot %s: give FILE or FILE@N", v);
                memcpy(so->pathbuf, v, len);
                so->pathbuf[len] = 0;
                so->path = so->pathbuf;
                so->at = n;
            } else {
                so->path = v;
                so->at_exit = true;
            }
            if (!*so->path)
                return fail(status, "--screenshot %s: give FILE or FILE@N", v);
        } else if (!strcmp(a, "--screen-text")) {
            o->screen_file = v;
        } else if (!strcmp(a, "-monitor")) {
            char why[300];
            if (!monitor_parse_spec(v, why, sizeof(why)))
                return fail(status, "%s", why);
            o->monitor = strcmp(v, "none") ? v : NULL;
        } else if (!strcmp(a, "-m")) {
            char buf[64];
            snprintf(buf, sizeof(buf), "%s", v);
            if (!strncmp(buf, "size=", 5))
                memmove(buf, buf + 5, strlen(buf + 5) + 1);
            if (!parse_size_mb(buf, &o->ram_mb))
                return fail(status, "-m %s: give the RAM size in MiB, e.g. -m 128 or -m 1G", v);
        } else if (!strcmp(a, "-display")) {
            if (!strcmp(v, "none")) {
                o->display_none = true;
                o->display_sdl = false;
            } else if (!strcmp(v, "sdl") || !strncmp(v, "sdl,", 4)) {
                o->display_sdl = true;
                o->display_none = false;
                /* sdl,scale=aspect|integer (the last one given wins) */
                for (const char *p = strchr(v, ','); p; p = strchr(p + 1, ',')) {
                    size_t n = strcspn(p + 1, ",");
                    if (n == 13 && !strncmp(p + 1, "scale=integer", n))
                        o->display_integer_scale = true;
                    else if (n == 12 && !strncmp(p + 1, "scale=aspect", n))
                        o->display_integer_scale = false;
                    else
                        return fail(status, "-display %s: the sdl option is scale=aspect or scale=integer", v);
                }
            } else {
                return fail(status, "-display %s: use sdl or none (sdl,scale=aspect or sdl,scale=integer)", v);
            }
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
        } else if (!strcmp(a, "-accel")) {
            if (!parse_accel(o, v, "-accel", status))
                return false;
        } else if (!strcmp(a, "--max-insns")) {
            if (!parse_u64(v, &o->max_insns) || o->max_insns == 0)
                return fail(status, "--max-insns %s: give a positive instruction count", v);
        }
    }
    if ((o->initrd || o->append) && !o->kernel)
        return fail(status, "%s", "-initrd and -append need -kernel");
    if (o->cdrom && o->hd[2])
        return fail(status, "%s", "-cdrom and -hdc both want the secondary IDE master; drop one");
    if (!place_drives(o, status))
        return false;
    for (int i = 0; o->monitor && !strcmp(o->monitor, "stdio") && i < o->nserials; i++)
        if (!strcmp(o->serial[i], "stdio"))
            return fail(status, "%s", "-monitor stdio and -serial stdio both want stdin: give one of them "
                                      "another channel (tcp:127.0.0.1:PORT,server,nowait)");
    return true;
}
