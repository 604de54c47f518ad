/*
 * monitor_cmds.c - the monitor's commands (see monitor.h for the list),
 * their table, help, and monitor_command, which splits a line and runs
 * one. x and xp are in monitor_mem.c; the channel in monitor.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/monitor_impl.h"
#include "frontend/screenshot.h"
#include "hw/ps2.h"

/* ---- commands ------------------------------------------------------- */

typedef void (*CmdFn)(Monitor *mon, int argc, char **argv);
typedef struct Cmd {
    const char *name, *args, *help;
    CmdFn fn;
    int min_args, max_args; /* after the name */
} Cmd;

static const Cmd *cmd_find(const char *name);

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
        mon_err_line(mon, "info tlb: out of memory");
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
                mon_err_line(mon, "Device '%s' not found (no floppy drive %d: start with -fd%c to have one)", name,
                         i, 'a' + i);
                return false;
            }
            *out = d;
            return true;
        }
    }
    mon_err_line(mon, "Device '%s' not found (see info block)", name);
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
        mon_err_line(mon, "Device '%s' is not removable", d->name);
        return false;
    }
    if (id->locked && !force) {
        mon_err_line(mon, "Device '%s' is locked by the guest; use eject -f to force", d->name);
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
        mon_err_line(mon, "usage: eject [-f] DEVICE");
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
        mon_err_line(mon, "change: only the raw format exists, not '%s'", argv[3]);
        return;
    }
    if (!drive_find(mon, argv[1], &d))
        return;
    PcConfig *cfg = mon->t.pcc;
    const char *why = NULL;
    if (!d.floppy) {
        IdeDrive *id = ide_drive(mon, d.index);
        if (!id->cdrom) {
            mon_err_line(mon, "Device '%s' is not removable", d.name);
            return;
        }
        /* The new image opens first: if it cannot, the old disc stays. */
        BlockDev *b = block_open(argv[2], true, mon->t.snapshot, &why);
        if (!b) {
            mon_err_line(mon, "Could not open '%s': %s", argv[2], why);
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
        mon_err_line(mon, "Could not open '%s': %s", argv[2], why);
        return;
    }
    if (!fdc_attach(&mon->t.pc->fdc, d.index, b, ro, &why)) {
        mon_err_line(mon, "%s: %s", argv[2], why);
        block_close(b);
        return;
    }
    block_close(cfg->fd[d.index]);
    cfg->fd[d.index] = b;
}

static void cmd_screendump(Monitor *mon, int argc, char **argv)
{
    /* QEMU's "screendump FILE [-f png]"; the format is always PNG here. */
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            if (strcmp(argv[++i], "png")) {
                mon_err_line(mon, "screendump: only -f png is supported");
                return;
            }
        } else if (!path) {
            path = argv[i];
        } else {
            mon_err_line(mon, "usage: screendump FILE.png [-f png]");
            return;
        }
    }
    if (!path) {
        mon_err_line(mon, "usage: screendump FILE.png [-f png]");
        return;
    }
    char why[512];
    if (!screenshot_vga(&mon->t.pc->vga, path, why, sizeof(why)))
        mon_err_line(mon, "screendump %s: %s", path, why);
}

static void cmd_screentext(Monitor *mon, int argc, char **argv)
{
    (void)argc, (void)argv;
    static char screen[16384];
    Vga *v = &mon->t.pc->vga;
    if (!vga_is_text_mode(v) || vga_text_screen(v, screen, sizeof(screen)) < 0) {
        mon_err_line(mon, "screentext: the VGA is in a graphics mode (use screendump)");
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

void mon_key_release_due(void *opaque)
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
        if (!mon_parse_num(&p, 10, &hold_ms) || *p || hold_ms == 0 || hold_ms > 10000) {
            mon_err_line(mon, "sendkey: hold time '%s' must be 1-10000 ms", argv[2]);
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
            if (mon_parse_num(&p, 16, &v) && !*p && v > 0 && v < 0x200)
                key = (uint16_t)v;
        }
        if (!key) {
            mon_err_line(mon, "sendkey: unknown key '%s' (QEMU's names: ctrl, alt, delete, f1, a, ret, ...)", tok);
            return;
        }
        if (n == MON_KEYS_MAX) {
            mon_err_line(mon, "sendkey: at most %d keys at once", MON_KEYS_MAX);
            return;
        }
        keys[n++] = key;
    }
    if (!n) {
        mon_err_line(mon, "usage: sendkey KEYS [HOLD_MS], e.g. sendkey ctrl-alt-delete");
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
    mon_err_line(mon, "info: unknown item '%s' (registers pic irq pit tlb block status)", argv[1]);
}

static void cmd_help(Monitor *mon, int argc, char **argv);

static const Cmd commands[] = {
    { "help", "[COMMAND]", "list the commands, or show one", cmd_help, 0, 1 },
    { "info", "registers|pic|irq|pit|tlb|block|status", "show machine state", cmd_info, 0, 1 },
    { "x", "/FMT ADDR", "dump linear memory (FMT: count, x d u o c i, b h w g; ADDR: 0xHEX, SEG:OFF, $reg)",
      mon_cmd_x, 1, 2 },
    { "xp", "/FMT ADDR", "dump physical memory (as x)", mon_cmd_xp, 1, 2 },
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
        mon_err_line(mon, "help: no command '%s'", argv[1]);
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
        mon_err_line(mon, argc == -1 ? "too many words" : "unterminated quote");
        return;
    }
    const Cmd *c = cmd_find(argv[0]);
    if (!c) {
        mon_err_line(mon, "unknown command: '%s' (type help)", argv[0]);
        return;
    }
    if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
        mon_err_line(mon, "usage: %s%s%s", c->name, *c->args ? " " : "", c->args);
        return;
    }
    c->fn(mon, argc, argv);
}
