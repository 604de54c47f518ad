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

#include "cpu/access.h"
#include "frontend/options.h"
#include "frontend/trace.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/debugport.h"
#include "hw/port92.h"
#include "translate/translate.h"

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
    Port92 port92;
    Tracer tracer;
} Machine;

static uint32_t machine_in(void *opaque, uint16_t port, int size)
{
    Machine *m = opaque;
    return bus_in(&m->bus, port, size);
}

static void machine_out(void *opaque, uint16_t port, uint32_t val, int size)
{
    Machine *m = opaque;
    bus_out(&m->bus, port, val, size);
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

static uint8_t *read_file(const char *path, size_t *size, const char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = strerror(errno);
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= 16u << 20) {
                *err = "file too large for a firmware image";
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                *err = "out of memory";
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *size = n;
    return buf;
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
    if (o->default_debugcon) {
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
    port92_reset(&m->port92);
    tc_flush(m->tc);
    m->bus.reset = false;
}

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
    for (;;) {
        /* Run exactly up to the instruction at which the next event is
         * due (DESIGN.md section 5), then fire what is due. */
        uint64_t next = clock_next_deadline(&m->clock);
        c->deadline = next < limit ? next : limit;
        int r = c->icount < c->deadline ? cpu_exec(c) : EXIT_NONE;
        clock_run_due(&m->clock);
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
            if ((c->eflags & X86_EFLAGS_IF) && clock_skip_to_next(&m->clock))
                continue;
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
    if (!port92_create(&m->bus, &m->port92, m->mem))
        return die("cannot register port 0x92", NULL);
    if (!tracer_init(&m->tracer, m->opts.trace_flags, m->opts.trace_file, &m->cpu, m->tc, &err))
        return die(err, NULL);
    if (m->opts.coverage_file) {
        m->tc->coverage = calloc(0x200 * 9, 1);
        if (!m->tc->coverage)
            return die("out of host memory", NULL);
    }
    return 0;
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
    uint8_t *rom = read_file(m->opts.bios, &rom_size, &err);
    if (!rom)
        return die(m->opts.bios, err);
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
    if (status == 0) {
        status = run(m);
        fflush(stdout);
        if (m->opts.stats)
            fprintf(stderr, "ringside: %llu instructions, %llu blocks translated, %llu invalidated\n",
                    (unsigned long long)m->cpu.icount, (unsigned long long)m->tc->blocks_translated,
                    (unsigned long long)m->tc->blocks_invalidated);
        if (m->opts.coverage_file)
            write_coverage(m);
    }
    tracer_finish(&m->tracer);
    for (int i = 0; i < m->nfiles; i++)
        fclose(m->files[i]);
    free(m->tc->coverage);
    tc_destroy(m->tc);
    mem_destroy(m->mem);
    return status;
}
