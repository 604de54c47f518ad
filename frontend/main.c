/*
 * main.c - the ringside binary: parse the command line, build the minimal
 * machine (RAM, firmware ROM, port bus, debug console, test exit port, port
 * 0x92), and run it headless until the guest exits, halts for good or the
 * instruction limit is reached.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/access.h"
#include "frontend/options.h"
#include "frontend/trace.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/debugport.h"
#include "frontend/boot.h"
#include "frontend/multiboot.h"
#include "frontend/chardev.h"
#include "frontend/display.h"
#include "frontend/screenshot.h"
#include "frontend/monitor.h"
#include "hw/pc.h"
#include "translate/translate.h"
#include "translate/x64.h"

typedef struct Machine {
    Options opts;
    PhysMem *mem;
    Cpu cpu;
    TCache *tc;
    IoBus bus;
    Clock clock;
    DebugCon debugcons[MAX_DEBUGCONS + 2];
    FILE *files[MAX_DEBUGCONS + MAX_CHARDEVS];
    int nfiles;
    DebugExit debugexit;
    Pc pc;
    PcConfig pcc;
    Tracer tracer;
    /* --wait-text: the text is looked for on the screen every 10 ms of
     * guest time and in the serial output as it is sent. */
    Event wait_event;
    /* Serial input is polled every millisecond of guest time. */
    Event serial_event;
    int nserial_open;
    /* Interactive runs are paced: guest time may not run ahead of the
     * wall clock (DESIGN.md section 5). */
    bool paced;
    uint64_t pace_wall0, pace_guest0;
    bool wait_found;
    char serial_tail[2][256];
} Machine;

static void wait_text_found(Machine *m)
{
    m->wait_found = true;
    bus_request_stop(&m->bus, 0);
}

/* Serial output: to the host end (frontend/chardev.c), and through the
 * --wait-text matcher. */
typedef struct SerialSink {
    Machine *m;
    int port;
    HostChardev host;
} SerialSink;

static SerialSink serial_sinks[PC_SERIALS];

static void serial_sink_write(void *opaque, const uint8_t *buf, int len)
{
    SerialSink *s = opaque;
    if (s->host.out_fd >= 0) {
        /* stdout is shared with the debug console's stdio FILE. */
        if (s->host.out_fd == 1)
            fflush(stdout);
        chardev_write(&s->host, buf, len);
    }
    const char *want = s->m->opts.wait_text;
    if (!want || s->m->wait_found)
        return;
    char *tail = s->m->serial_tail[s->port];
    size_t cap = sizeof(s->m->serial_tail[0]) - 1;
    for (int i = 0; i < len; i++) {
        size_t n = strlen(tail);
        if (n == cap) {
            memmove(tail, tail + 1, cap - 1);
            n--;
        }
        tail[n] = buf[i] ? (char)buf[i] : ' ';
        tail[n + 1] = 0;
        if (strstr(tail, want)) {
            wait_text_found(s->m);
            return;
        }
    }
}

static void wait_text_tick(void *opaque)
{
    Machine *m = opaque;
    static char screen[16384];
    if (m->wait_found)
        return;
    if (vga_is_text_mode(&m->pc.vga)) {
        vga_text_screen(&m->pc.vga, screen, sizeof(screen));
        /* Rows end in '\n'; the text may not span two rows. */
        if (strstr(screen, m->opts.wait_text)) {
            wait_text_found(m);
            return;
        }
    }
    event_schedule(&m->clock, &m->wait_event, clock_now(&m->clock) + 10000000);
}

static void serial_poll_tick(void *opaque)
{
    Machine *m = opaque;
    bool live = false;
    for (int i = 0; i < m->nserial_open; i++) {
        SerialSink *sk = &serial_sinks[i];
        if ((sk->host.in_fd < 0 || sk->host.in_eof) && sk->host.listen_fd < 0)
            continue;
        live = true;
        uint8_t buf[64];
        int room = serial_rx_room(&m->pc.com[i]);
        if (room > (int)sizeof(buf))
            room = (int)sizeof(buf);
        /* Only take from the host what the FIFO can hold now; the rest
         * waits in the host's buffer. */
        int n = room > 0 ? chardev_poll(&sk->host, buf, room) : 0;
        if (n > 0)
            serial_receive(&m->pc.com[i], buf, n);
    }
    /* Once every input has ended, nothing more can arrive: stop polling
     * (so a halted guest waiting for input can end the run). */
    if (live)
        event_schedule(&m->clock, &m->serial_event, clock_now(&m->clock) + 1000000);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Sleep while guest time is ahead of wall time. Changes when the guest
 * runs, never what it sees. */
static void pace(Machine *m)
{
    uint64_t guest = clock_now(&m->clock) - m->pace_guest0;
    uint64_t wall = wall_ns() - m->pace_wall0;
    if (guest > wall + 1000000) {
        uint64_t d = guest - wall;
        if (d > 100000000)
            d = 100000000; /* stay responsive to signals */
        struct timespec ts = { (time_t)(d / NS_PER_SEC), (long)(d % NS_PER_SEC) };
        nanosleep(&ts, NULL);
    }
}

static void cpu_intr_set(void *opaque, int n, int level)
{
    Cpu *c = opaque;
    (void)n;
    c->intr = level != 0;
    /* End the running block so the interrupt is taken at the next
     * instruction boundary. */
    if (level)
        c->exit_req = 1;
}

static void cpu_ferr(void *opaque)
{
    Machine *m = opaque;
    pc_ferr(&m->pc);
}

static int cpu_irq_ack(void *opaque)
{
    Machine *m = opaque;
    return pc_irq_ack(&m->pc);
}

/* A device may have scheduled an event earlier than the deadline the run
 * loop gave the CPU (an FDC or ATA command completing): pull the deadline
 * in and end the block, or the event would wait for the old deadline (a
 * guest polling with IF = 0 never got its floppy IRQ). */
static void machine_io_done(Machine *m)
{
    uint64_t next = clock_next_deadline(&m->clock);
    if (next < m->cpu.deadline) {
        m->cpu.deadline = next;
        m->cpu.exit_req = 1;
    }
}

static uint32_t machine_in(void *opaque, uint16_t port, int size)
{
    Machine *m = opaque;
    uint32_t v = bus_in(&m->bus, port, size);
    machine_io_done(m);
    return v;
}

static void machine_out(void *opaque, uint16_t port, uint32_t val, int size)
{
    Machine *m = opaque;
    bus_out(&m->bus, port, val, size);
    machine_io_done(m);
    /* A device asked to stop or reset: end the block after this OUT. */
    if (m->bus.stop || m->bus.reset) {
        m->cpu.exit_reason = EXIT_REQUEST;
        m->cpu.exit_req = 1;
    }
}

static int die(const char *what, const char *detail)
{
    fprintf(stderr, "ringside: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 2;
}

static FILE *open_output(Machine *m, const char *spec, bool is_stdio, bool is_null, const char *path)
{
    if (is_null)
        return NULL;
    if (is_stdio)
        return stdout;
    FILE *f = fopen(path, "w");
    if (f)
        m->files[m->nfiles++] = f;
    (void)spec;
    return f;
}

static int setup_debugcons(Machine *m)
{
    Options *o = &m->opts;
    int n = 0;
    if (o->default_debugcon && o->bios_given) {
        if (!debugcon_create(&m->bus, &m->debugcons[n++], 0xe9, stdout) ||
            !debugcon_create(&m->bus, &m->debugcons[n++], 0x402, stdout))
            return die("cannot register the debug console ports", NULL);
        return 0;
    }
    for (int i = 0; i < o->ndebugcons; i++) {
        DebugconOpt *d = &o->debugcons[i];
        FILE *out;
        if (d->chardev[0]) {
            Chardev *cd = NULL;
            for (int k = 0; k < o->nchardevs; k++)
                if (!strcmp(o->chardevs[k].id, d->chardev))
                    cd = &o->chardevs[k];
            if (!cd)
                return die("-device isa-debugcon: no -chardev with that id", d->chardev);
            out = open_output(m, NULL, cd->is_stdio, cd->is_null, cd->path);
            if (!out && !cd->is_null)
                return die("cannot open the chardev file for writing", cd->path);
        } else if (!strcmp(d->spec, "stdio")) {
            out = stdout;
        } else if (!strcmp(d->spec, "null") || !strcmp(d->spec, "none")) {
            out = NULL;
        } else if (!strncmp(d->spec, "file:", 5)) {
            out = open_output(m, NULL, false, false, d->spec + 5);
            if (!out)
                return die("-debugcon: cannot open the file for writing", d->spec + 5);
        } else {
            return die("-debugcon: use stdio, file:PATH or null, not", d->spec);
        }
        if (!debugcon_create(&m->bus, &m->debugcons[n++], d->port, out))
            return die("-debugcon: the port is already in use", NULL);
    }
    return 0;
}

static void write_coverage(Machine *m)
{
    FILE *f = fopen(m->opts.coverage_file, "a");
    if (!f) {
        fprintf(stderr, "ringside: --coverage: cannot open %s: %s\n", m->opts.coverage_file, strerror(errno));
        return;
    }
    for (int op = 0; op < 0x200; op++)
        for (int sub = 0; sub < 9; sub++)
            if (m->tc->coverage[op * 9 + sub]) {
                if (sub == 8)
                    fprintf(f, "0x%03x -\n", op);
                else
                    fprintf(f, "0x%03x %d\n", op, sub);
            }
    fclose(f);
}

static void machine_reset(Machine *m)
{
    cpu_reset(&m->cpu);
    pc_reset(&m->pc);
    tc_flush(m->tc);
    m->bus.reset = false;
}

/* ---- Display and screenshots (issue 6, frontend half) ----------------
 * The SDL window lives on a virtual-clock event at 60 Hz of guest time:
 * it polls host input into the PS/2 devices, redraws what changed, and
 * paces guest time to wall time so a shown guest runs in real time (a
 * halted guest then sleeps instead of racing ahead). --screenshot FILE@N
 * files are taken when the run loop reaches instruction N (ui_next_shot
 * bounds its deadline), the others at exit. */
#define UI_FRAME_NS 16666667ull

static struct {
    Machine *m;
    Display *display;
    Event tick;
    bool shot_done[MAX_SCREENSHOTS];
} ui;

static void ui_key(void *opaque, uint16_t key, bool down)
{
    ps2_kbd_key(i8042_kbd(&((Machine *)opaque)->pc.kbc), key, down);
}

static void ui_mouse(void *opaque, int dx, int dy, int dz, int buttons)
{
    ps2_mouse_event(i8042_mouse(&((Machine *)opaque)->pc.kbc), dx, dy, dz, buttons);
}

static void ui_tick(void *opaque)
{
    Machine *m = opaque;
    DisplayInput sink = { m, ui_key, ui_mouse };
    if (!display_poll(ui.display, &sink)) {
        /* the window was closed: end the run cleanly (images flushed) */
        bus_request_stop(&m->bus, 0);
        m->cpu.exit_reason = EXIT_REQUEST;
        m->cpu.exit_req = 1;
        return;
    }
    display_refresh(ui.display, &m->pc.vga, m->mem);
    display_pace(ui.display, clock_now(&m->clock));
    event_schedule(&m->clock, &ui.tick, clock_now(&m->clock) + UI_FRAME_NS);
}

/* -display sdl|none and the default: a window when a display is there. */
static int ui_setup(Machine *m)
{
    ui.m = m;
    Options *o = &m->opts;
    if (o->display_none || (!o->display_sdl && !display_possible()))
        return 0;
    DisplayConfig dc = { .title = "Ringside", .scale = 1, .fullscreen = o->full_screen,
                        .integer_scale = o->display_integer_scale };
    const char *err = NULL;
    ui.display = display_create(&dc, &err);
    if (!ui.display) {
        if (o->display_sdl)
            return die("-display sdl: cannot open the window", err);
        fprintf(stderr, "ringside: no window (%s); running headless as with -display none\n", err);
        return 0;
    }
    event_init(&ui.tick, "display", ui_tick, m);
    event_schedule(&m->clock, &ui.tick, clock_now(&m->clock) + UI_FRAME_NS);
    return 0;
}

static void ui_take_shot(Machine *m, const char *path)
{
    char err[512];
    if (!screenshot_vga(&m->pc.vga, path, err, sizeof(err)))
        fprintf(stderr, "ringside: --screenshot %s: %s\n", path, err);
}

/* The lowest instruction count of a screenshot still to take. */
static uint64_t ui_next_shot(Machine *m)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < m->opts.nscreenshots; i++)
        if (!m->opts.screenshots[i].at_exit && !ui.shot_done[i] && m->opts.screenshots[i].at < next)
            next = m->opts.screenshots[i].at;
    return next;
}

static void ui_shots_due(Machine *m)
{
    for (int i = 0; i < m->opts.nscreenshots; i++) {
        ScreenshotOpt *s = &m->opts.screenshots[i];
        if (!s->at_exit && !ui.shot_done[i] && m->cpu.icount >= s->at) {
            ui.shot_done[i] = true;
            ui_take_shot(m, s->path);
        }
    }
}

/* At exit: the screenshots without @N, and those whose N was never
 * reached (a warning, no file). */
static void ui_finish(Machine *m)
{
    for (int i = 0; i < m->opts.nscreenshots; i++) {
        ScreenshotOpt *s = &m->opts.screenshots[i];
        if (s->at_exit)
            ui_take_shot(m, s->path);
        else if (!ui.shot_done[i])
            fprintf(stderr, "ringside: --screenshot %s: the run ended at instruction %llu, before %llu\n",
                    s->path, (unsigned long long)m->cpu.icount, (unsigned long long)s->at);
    }
    display_destroy(ui.display);
    ui.display = NULL;
}
/* ---- end of display and screenshots ---------------------------------- */

/* ---- Monitor (-monitor, frontend/monitor.c) --------------------------
 * Commands are read every millisecond of guest time from a clock event,
 * as serial input is. `stop` pauses: the run loop then runs no guest
 * instruction (guest time stands still) but keeps serving the monitor
 * and the window on the wall clock until `cont`; on resuming, pacing
 * starts over so the guest does not race to catch up the pause. */
#define MON_POLL_NS 1000000ull

static struct {
    Monitor *mon;
    Event tick;
    bool was_paused;
} mon;

static void mon_tick(void *opaque)
{
    Machine *m = opaque;
    monitor_poll(mon.mon);
    /* Once stdin has ended nothing more can arrive: stop polling, so a
     * halted guest can still end the run. */
    if (monitor_live(mon.mon))
        event_schedule(&m->clock, &mon.tick, clock_now(&m->clock) + MON_POLL_NS);
}

static int mon_setup(Machine *m)
{
    if (!m->opts.monitor)
        return 0;
    MonitorTarget t = { &m->cpu, m->mem, &m->pc, &m->pcc, m->opts.snapshot };
    char err[512];
    mon.mon = monitor_create(m->opts.monitor, &t, err, sizeof(err));
    if (!mon.mon)
        return die(err, NULL);
    if (monitor_is_stdio(mon.mon) && isatty(0))
        m->paced = true; /* someone types: guest time follows the wall clock */
    event_init(&mon.tick, "monitor", mon_tick, m);
    event_schedule(&m->clock, &mon.tick, clock_now(&m->clock) + MON_POLL_NS);
    return 0;
}

/* The paused run loop's step: true while paused (after waiting up to
 * 10 ms of wall time for monitor input and serving the window). */
static bool mon_pause_step(Machine *m)
{
    if (!monitor_paused(mon.mon)) {
        if (mon.was_paused) {
            mon.was_paused = false;
            m->pace_wall0 = wall_ns();
            m->pace_guest0 = clock_now(&m->clock);
            if (ui.display)
                display_set_paused(ui.display, false); /* the title says so */
        }
        return false;
    }
    if (!mon.was_paused && ui.display)
        display_set_paused(ui.display, true);
    mon.was_paused = true;
    monitor_wait(mon.mon, 10);
    if (ui.display) {
        DisplayInput sink = { m, ui_key, ui_mouse };
        if (!display_poll(ui.display, &sink))
            bus_request_stop(&m->bus, 0); /* the window was closed */
        else
            display_refresh(ui.display, &m->pc.vga, m->mem);
    }
    return monitor_paused(mon.mon);
}
/* ---- end of monitor --------------------------------------------------- */

/* SIGINT/SIGTERM end the run between instructions, so files are flushed
 * and closed as on a normal exit. */
static Cpu *signal_cpu;
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int signo)
{
    stop_signal = signo;
    if (signal_cpu) {
        signal_cpu->exit_reason = EXIT_REQUEST;
        signal_cpu->exit_req = 1;
    }
}

static int run(Machine *m)
{
    Cpu *c = &m->cpu;
    signal_cpu = c;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uint64_t limit = m->opts.max_insns ? m->opts.max_insns : UINT64_MAX;
    m->pace_wall0 = wall_ns();
    m->pace_guest0 = clock_now(&m->clock);
    for (;;) {
        /* Run exactly up to the instruction at which the next event is
         * due (DESIGN.md section 5), then fire what is due. */
        uint64_t next = clock_next_deadline(&m->clock);
        uint64_t shot = ui_next_shot(m);
        if (shot < next)
            next = shot;
        c->deadline = next < limit ? next : limit;
        bool paused = mon_pause_step(m); /* -monitor stop: no instructions */
        int r = !paused && c->icount < c->deadline ? cpu_exec(c) : EXIT_NONE;
        clock_run_due(&m->clock);
        ui_shots_due(m);
        if (m->paced)
            pace(m);
        if (stop_signal) {
            fprintf(stderr, "ringside: stopped by signal %d\n", (int)stop_signal);
            return 128 + stop_signal;
        }
        if (m->bus.stop)
            return m->bus.stop_status;
        if (m->bus.reset || r == EXIT_SHUTDOWN) {
            if (m->opts.no_reboot) {
                fprintf(stderr, "ringside: %s; exiting (-no-reboot)\n",
                        r == EXIT_SHUTDOWN ? "triple fault" : "guest reset the machine");
                return 0;
            }
            machine_reset(m);
            continue;
        }
        if (r == EXIT_HALT) {
            /* Halted: guest time jumps to the next event, whose interrupt
             * may wake the CPU. With interrupts disabled, or with nothing
             * scheduled and no input that could arrive, it would sleep
             * forever: stop instead of hanging. */
            uint64_t before = m->clock.offset_ns;
            if ((c->eflags & X86_EFLAGS_IF) && clock_skip_to_next(&m->clock)) {
                /* The TSC counts instructions; a halted CPU's TSC keeps
                 * running at the same rate through the skipped time. */
                c->tsc_offset += (m->clock.offset_ns - before) * 1000u / m->clock.period_ps;
                continue;
            }
            fprintf(stderr, "ringside: the guest halted at %04x:%08x with nothing to wake it; stopping\n",
                    c->seg[SEG_CS].sel, c->eip);
            return 0;
        }
        if (c->icount >= limit) {
            if (m->opts.max_insns)
                fprintf(stderr, "ringside: stopped after %llu instructions (--max-insns)\n",
                        (unsigned long long)c->icount);
            return 0;
        }
    }
}

static int open_image(Machine *m, const char *opt, const char *path, bool read_only, bool snapshot,
                      BlockDev **out)
{
    const char *err = NULL;
    *out = block_open(path, read_only, m->opts.snapshot || snapshot, &err);
    if (!*out) {
        fprintf(stderr, "ringside: %s %s: %s\n", opt, path, err);
        return 2;
    }
    return 0;
}

/* The PC board: disks, serial ports, firmware config, the VGA BIOS. */
static int setup_board(Machine *m)
{
    Options *o = &m->opts;
    PcConfig *cfg = &m->pcc;
    int status;
    static const char *const hd_opt[MAX_HDS] = { "-hda", "-hdb", "-hdc", "-hdd" };
    cfg->ram_size = m->mem->ram_size;
    for (int i = 0; i < MAX_HDS; i++) {
        bool ro = o->hd_readonly[i] || o->hd_cdrom[i]; /* -drive flags (options.h) */
        if (o->hd[i] && (status = open_image(m, hd_opt[i], o->hd[i], ro, o->hd_snapshot[i], &cfg->ide[i])) != 0)
            return status;
        cfg->ide_cdrom[i] = o->hd_cdrom[i];
    }
    if (o->cdrom) {
        if ((status = open_image(m, "-cdrom", o->cdrom, true, false, &cfg->ide[2])) != 0)
            return status;
        cfg->ide_cdrom[2] = true;
    }
    for (int i = 0; i < 2; i++) {
        if (o->fd[i] && (status = open_image(m, i ? "-fdb" : "-fda", o->fd[i], o->fd_readonly[i],
                                             o->fd_snapshot[i], &cfg->fd[i])) != 0)
            return status;
        cfg->fd_readonly[i] = o->fd_readonly[i];
    }
    cfg->boot_order = o->boot;
    cfg->boot_menu = o->boot_menu;
    cfg->rtc_start = o->rtc_base_set ? o->rtc_base : (int64_t)time(NULL);
    if (!o->rtc_base_set && o->rtc_localtime) {
        struct tm tm;
        time_t now = (time_t)cfg->rtc_start;
        localtime_r(&now, &tm);
        cfg->rtc_start += tm.tm_gmtoff;
    }
    for (int i = 0; i < PC_SERIALS; i++) {
        SerialSink *sk = &serial_sinks[i];
        sk->m = m;
        sk->port = i;
        const char *spec = i < o->nserials ? o->serial[i] : "null";
        char cerr[256];
        if (!chardev_open_spec(&sk->host, spec, cerr, sizeof(cerr)))
            return die(cerr, NULL);
        m->nserial_open = i + 1;
        if (sk->host.spec.kind == CHARDEV_STDIO && isatty(0))
            m->paced = true; /* someone types: guest time follows the wall clock */
        cfg->serial[i] = (SerialBackend){ sk, serial_sink_write };
    }
    uint8_t *vgabios = NULL;
    if (!o->bios_given) {
        const char *err = NULL;
        size_t n;
        const char *path = o->vgabios ? o->vgabios : SEAVGABIOS_PATH;
        vgabios = boot_read_file(path, 1u << 20, &n, &err);
        if (!vgabios) {
            fprintf(stderr, "ringside: VGA BIOS %s: %s (install Debian's seabios package: apt-get install seabios)\n",
                    path, err);
            return 2;
        }
        cfg->vgabios = vgabios;
        cfg->vgabios_size = (uint32_t)n;
    }
    char err[512];
    if (!pc_init(&m->pc, &m->bus, &m->clock, m->mem, cfg, irq_line(cpu_intr_set, &m->cpu, 0), err, sizeof(err)))
        return die(err, NULL);
    m->cpu.irq_ack = cpu_irq_ack;
    m->cpu.irq_opaque = m;
    m->cpu.ferr = cpu_ferr;
    m->cpu.ferr_opaque = m;
    /* Serial output leaves at once (hw/serial.h), as under QEMU. At 115200
     * baud a character is 87 us of guest time, which Linux's console
     * spends polling LSR: a verbose boot's 18 KB of printk cost 1.6 G
     * instructions (+59%) and starved the clocksource watchdog into
     * marking the TSC unstable. Deterministic either way. */
    for (int i = 0; i < PC_SERIALS; i++)
        serial_set_fast_tx(&m->pc.com[i], true);
    if (o->kernel) {
        bool mb = multiboot_probe(o->kernel); /* else Linux, or boot_linux's error */
        if (mb ? !boot_multiboot(&m->pc.fwcfg, cfg->ram_size, o->kernel, o->initrd, o->append, err, sizeof(err))
               : !boot_linux(&m->pc.fwcfg, cfg->ram_size, o->kernel, o->initrd, o->append, err, sizeof(err)))
            return die(err, NULL);
        pc_boot_rom_first(&m->pc, mb ? MULTIBOOT_ROM_FILE : "genroms/linuxboot.bin");
    }
    event_init(&m->serial_event, "serial-input", serial_poll_tick, m);
    for (int i = 0; i < m->nserial_open; i++)
        if (serial_sinks[i].host.in_fd >= 0 || serial_sinks[i].host.listen_fd >= 0)
            event_schedule(&m->clock, &m->serial_event, 1000000);
    if (o->wait_text) {
        event_init(&m->wait_event, "wait-text", wait_text_tick, m);
        event_schedule(&m->clock, &m->wait_event, 10000000);
    }
    return 0;
}

/* FNV-1a over guest RAM and the CPU's architectural state, for
 * determinism checks (--stats): two runs that end the same way print the
 * same hash. Host pointers and caches are left out. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t state_hash(Machine *m)
{
    const Cpu *c = &m->cpu;
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, m->mem->ram, m->mem->ram_size);
    h = fnv(h, c->r, sizeof(c->r));
    h = fnv(h, &c->eip, sizeof(c->eip));
    h = fnv(h, &c->eflags, sizeof(c->eflags));
    for (int i = 0; i < SEG_COUNT; i++) {
        h = fnv(h, &c->seg[i].sel, sizeof(c->seg[i].sel));
        h = fnv(h, &c->seg[i].base, sizeof(c->seg[i].base));
        h = fnv(h, &c->seg[i].limit, sizeof(c->seg[i].limit));
    }
    uint32_t cr[4] = { c->cr0, c->cr2, c->cr3, c->cr4 };
    h = fnv(h, cr, sizeof(cr));
    h = fnv(h, c->dr, sizeof(c->dr));
    h = fnv(h, &c->icount, sizeof(c->icount));
    h = fnv(h, &c->tsc_offset, sizeof(c->tsc_offset));
    return h;
}

static void write_screen_text(Machine *m)
{
    FILE *f = fopen(m->opts.screen_file, "w");
    if (!f) {
        fprintf(stderr, "ringside: --screen-text: cannot open %s: %s\n", m->opts.screen_file, strerror(errno));
        return;
    }
    static char screen[16384];
    if (vga_is_text_mode(&m->pc.vga)) {
        vga_text_screen(&m->pc.vga, screen, sizeof(screen));
        fputs(screen, f);
    } else {
        fputs("(the VGA is in a graphics mode)\n", f);
    }
    fclose(f);
}


/* Wire the devices and options onto a created CPU and code cache.
 * Returns 0, or the exit status after printing why. */
static int setup(Machine *m)
{
    const char *err = NULL;
    int status;
    if (m->opts.singlestep)
        m->tc->max_insns = 1;
    bus_init(&m->bus);
    /* 2^shift ns per instruction; the TSC counts instructions, so the
     * guest sees a CPU of 1 GHz >> shift. */
    clock_init(&m->clock, &m->cpu.icount, 1000ull << m->opts.icount_shift);
    m->cpu.io = (CpuIo){ m, machine_in, machine_out };
    if ((status = setup_debugcons(m)) != 0)
        return status;
    if (m->opts.exit_port >= 0 &&
        !debugexit_create(&m->bus, &m->debugexit, (uint16_t)m->opts.exit_port, (uint16_t)m->opts.exit_size))
        return die("the test exit port overlaps another device", NULL);
    if ((status = setup_board(m)) != 0)
        return status;
    if (!tracer_init(&m->tracer, m->opts.trace_flags, m->opts.trace_file, &m->cpu, m->tc, &err))
        return die(err, NULL);
    if (m->opts.coverage_file) {
        m->tc->coverage = calloc(0x200 * 9, 1);
        if (!m->tc->coverage)
            return die("out of host memory", NULL);
    }
    if ((status = mon_setup(m)) != 0)
        return status;
    return ui_setup(m); /* last: the window opens only for a machine that runs */
}

int main(int argc, char **argv)
{
    static Machine machine;
    Machine *m = &machine;
    int status;
    if (!options_parse(&m->opts, argc, argv, &status))
        return status;

    const char *err = NULL;
    size_t rom_size;
    if (!m->opts.bios)
        m->opts.bios = SEABIOS_PATH;
    uint8_t *rom = boot_read_file(m->opts.bios, 16u << 20, &rom_size, &err);
    if (!rom && !m->opts.bios_given) {
        fprintf(stderr, "ringside: SeaBIOS %s: %s (install Debian's seabios package: apt-get install seabios, "
                        "or give -bios FILE)\n", m->opts.bios, err);
        return 2;
    }
    if (!rom)
        return die(m->opts.bios, err);
    if (m->opts.ram_mb < MEM_RAM_MIN_MB || m->opts.ram_mb > MEM_RAM_MAX_MB) {
        fprintf(stderr, "ringside: -m %u: RAM size must be between %u MiB and %u MiB\n", m->opts.ram_mb,
                (unsigned)MEM_RAM_MIN_MB, (unsigned)MEM_RAM_MAX_MB);
        free(rom);
        return 2;
    }
    m->mem = mem_create(m->opts.ram_mb * 1024u * 1024u, &err);
    if (!m->mem) {
        free(rom);
        return die(err, NULL);
    }
    bool rom_ok = mem_set_rom(m->mem, rom, (uint32_t)rom_size, &err);
    free(rom);
    if (!rom_ok) {
        fprintf(stderr, "ringside: %s: %s (it is %zu bytes)\n", m->opts.bios, err, rom_size);
        mem_destroy(m->mem);
        return 2;
    }

    cpu_init(&m->cpu, m->mem);
    m->tc = tc_create(&m->cpu);
    if (!m->tc) {
        mem_destroy(m->mem);
        return die("out of host memory for the code cache", NULL);
    }
    status = setup(m);
    /* Last, so that lockstep's copy of RAM sees what the loaders wrote. */
    m->tc->xbuf_size = m->opts.jit_cache;
    if (status == 0 && !tc_set_backend(m->tc, m->opts.backend, m->opts.lockstep))
        status = die("cannot map memory for the x64 backend", NULL);
    if (status == 0) {
        status = run(m);
        fflush(stdout);
        if (m->opts.stats) {
            fprintf(stderr, "ringside: %llu instructions, %llu blocks translated, %llu invalidated\n",
                    (unsigned long long)m->cpu.icount, (unsigned long long)m->tc->blocks_translated,
                    (unsigned long long)m->tc->blocks_invalidated);
            if (m->tc->xbuf)
                fprintf(stderr, "ringside: x64 code buffer %zu KiB, %zu KiB in use, %llu flushes when full\n",
                        m->tc->xbuf->size >> 10, m->tc->xbuf->used >> 10,
                        (unsigned long long)m->tc->xbuf->resets);
            if (m->tc->xbuf) {
                const uint64_t *r = m->tc->xbuf->returns;
                fprintf(stderr, "ringside: x64 returns to the dispatcher: %llu exit requests, %llu deadline, "
                        "%llu unlinked chain sites, %llu other\n", (unsigned long long)r[X64_RET_REQ],
                        (unsigned long long)r[X64_RET_DEADLINE], (unsigned long long)r[X64_RET_SITE],
                        (unsigned long long)r[X64_RET_OTHER]);
            }
            if (m->cpu.jc_misses)
                fprintf(stderr, "ringside: x64 indirect branches that missed the jump cache: %llu\n",
                        (unsigned long long)m->cpu.jc_misses);
            fprintf(stderr, "ringside: guest time %llu ns, state hash %016llx\n",
                    (unsigned long long)clock_now(&m->clock), (unsigned long long)state_hash(m));
            /* The one host input taken at power-on: with this, the run
             * can be repeated exactly. */
            time_t t0 = (time_t)m->pcc.rtc_start;
            struct tm tm;
            char when[32] = "?";
            if (gmtime_r(&t0, &tm))
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
            fprintf(stderr, "ringside: the RTC started at %s (repeat with -rtc base=%s)\n", when, when);
        }
        if (m->opts.coverage_file)
            write_coverage(m);
        if (m->opts.screen_file)
            write_screen_text(m);
        ui_finish(m);
        if (m->opts.wait_text && !m->wait_found && status < 128) {
            fprintf(stderr, "ringside: --wait-text: \"%s\" did not appear before the run ended\n",
                    m->opts.wait_text);
            status = 4;
        }
    }
    if (m->tracer.tlb)
        mem_print_stats(m->mem, m->tracer.out ? m->tracer.out : stderr);
    tracer_finish(&m->tracer);
    monitor_destroy(mon.mon);
    for (int i = 0; i < m->nfiles; i++)
        fclose(m->files[i]);
    free(m->tc->coverage);
    tc_destroy(m->tc);
    pc_free(&m->pc);
    for (int i = 0; i < m->nserial_open; i++)
        chardev_close(&serial_sinks[i].host);
    /* A failed flush or close of an image is data loss: it says so (one
     * line per image) and turns a successful run into status 1. */
    bool images_ok = true;
    for (int i = 0; i < 4; i++)
        images_ok &= block_close(m->pcc.ide[i]);
    for (int i = 0; i < 2; i++)
        images_ok &= block_close(m->pcc.fd[i]);
    if (!images_ok && status == 0)
        status = 1;
    mem_destroy(m->mem);
    return status;
}
