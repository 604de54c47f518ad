/*
 * mb.c - the multiboot test kernel's checks. The loader (Ringside's
 * multiboot ROM, or QEMU's) must hand over the machine state and the
 * information structure the Multiboot specification 0.6.96 describes.
 * The command line tells the kernel what to expect:
 *   mem=N     the RAM size in MiB (-m N)
 *   strict    Ringside's exact layout: mem_lower 639, no boot_device, the
 *             four-entry memory map and the boot loader name "Ringside"
 * and the modules must be: module 0 "PATH/mod1 first-arg" holding
 * "RINGSIDE MODULE ONE\n", module 1 "PATH/mod2" holding 5000 bytes with
 * byte i = (i * 7 + 3) & 0xff. Results go to the debug console (0xe9);
 * the return value goes to the exit port (0 = pass).
 */
#include <stdint.h>

extern uint32_t entry_eax, entry_ebx, entry_eflags, entry_cr0;
extern uint16_t entry_cs, entry_ds, entry_ss;

static int failures;

static void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void puts_(const char *s)
{
    while (*s)
        outb(0xe9, (uint8_t)*s++);
}

static void puthex(uint32_t v)
{
    puts_("0x");
    for (int i = 28; i >= 0; i -= 4)
        outb(0xe9, (uint8_t)"0123456789abcdef"[(v >> i) & 15]);
}

static void check(int ok, const char *what, uint32_t got)
{
    if (ok)
        return;
    failures++;
    puts_("multiboot: FAIL ");
    puts_(what);
    puts_(" (got ");
    puthex(got);
    puts_(")\n");
}

static uint32_t slen(const char *s)
{
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int ends_with(const char *s, const char *tail)
{
    uint32_t a = slen(s), b = slen(tail);
    if (b > a)
        return 0;
    for (uint32_t i = 0; i < b; i++)
        if (s[a - b + i] != tail[i])
            return 0;
    return 1;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The value of "key=" in the command line (as a decimal), or -1; for a
 * key without '=', 1 if present. */
static int32_t option(const char *cmd, const char *key)
{
    uint32_t kl = slen(key);
    const char *p = cmd;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        uint32_t wl = (uint32_t)(p - w), i;
        for (i = 0; i < kl && i < wl && w[i] == key[i]; i++)
            ;
        if (i != kl)
            continue;
        if (wl == kl)
            return 1;
        if (w[kl] != '=')
            continue;
        int32_t v = 0;
        for (i = kl + 1; i < wl && w[i] >= '0' && w[i] <= '9'; i++)
            v = v * 10 + (w[i] - '0');
        return v;
    }
    return -1;
}

struct mbi {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
};

struct module {
    uint32_t start, end, string, reserved;
};

struct __attribute__((packed)) mmap_entry {
    uint32_t size;
    uint64_t base, len;
    uint32_t type;
};

static const char mod1_text[] = "RINGSIDE MODULE ONE\n";

uint32_t mb_main(void);
uint32_t mb_main(void)
{
    puts_("multiboot: test kernel entered\n");
    check(entry_eax == 0x2badb002, "EAX is not the multiboot magic", entry_eax);
    check((entry_cr0 & 0x80000001) == 1, "CR0: want PE=1, PG=0", entry_cr0);
    check(!(entry_eflags & 0x20200), "EFLAGS: want IF=0, VM=0", entry_eflags);
    check(entry_cs != entry_ds && entry_ds == entry_ss, "selectors: code differs from data", entry_cs);
    if (entry_eax != 0x2badb002) {
        puts_("multiboot: FAILED\n");
        return 1;
    }
    const struct mbi *mb = (const struct mbi *)entry_ebx;
    const char *cmd = (mb->flags & (1u << 2)) ? (const char *)mb->cmdline : "";
    check(mb->flags & (1u << 2), "flags: no cmdline", mb->flags);
    puts_("multiboot: cmdline: ");
    puts_(cmd);
    puts_("\n");
    int strict = option(cmd, "strict") == 1;
    int32_t mem = option(cmd, "mem");
    check(mem > 1, "cmdline: no mem=N", (uint32_t)mem);
    /* The command line starts with the kernel's path. */
    const char *w = cmd;
    while (*w && *w != ' ')
        w++;
    int path_ok = w - cmd >= 6;
    for (int i = 0; path_ok && i < 6; i++)
        path_ok = w[i - 6] == "mb.elf"[i];
    check(path_ok, "cmdline does not start with the kernel path", 0);

    check(mb->flags & 1, "flags: no mem_lower/mem_upper", mb->flags);
    if (strict)
        check(mb->mem_lower == 639, "mem_lower != 639", mb->mem_lower);
    else
        check(mb->mem_lower == 639 || mb->mem_lower == 640, "mem_lower not 639/640", mb->mem_lower);
    /* QEMU's loader takes mem_upper from SeaBIOS's e820 map, which keeps
     * 128 KiB at the top of RAM for the BIOS. */
    if (strict)
        check(mb->mem_upper == ((uint32_t)mem - 1) * 1024, "mem_upper != (mem - 1 MiB) in KiB", mb->mem_upper);
    else
        check(mb->mem_upper <= ((uint32_t)mem - 1) * 1024 && mb->mem_upper >= ((uint32_t)mem - 2) * 1024,
              "mem_upper not within 1 MiB below (mem - 1 MiB) in KiB", mb->mem_upper);

    check(mb->flags & (1u << 3), "flags: no modules", mb->flags);
    check(mb->mods_count == 2, "mods_count != 2", mb->mods_count);
    if ((mb->flags & (1u << 3)) && mb->mods_count == 2) {
        const struct module *m = (const struct module *)mb->mods_addr;
        puts_("multiboot: module 0: ");
        puts_((const char *)m[0].string);
        puts_("\nmultiboot: module 1: ");
        puts_((const char *)m[1].string);
        puts_("\n");
        check(ends_with((const char *)m[0].string, "mod1 first-arg"), "module 0 string", m[0].string);
        check(ends_with((const char *)m[1].string, "mod2"), "module 1 string", m[1].string);
        check(!(m[0].start & 0xfff) && !(m[1].start & 0xfff), "modules not page-aligned", m[1].start);
        check(m[0].end - m[0].start == sizeof(mod1_text) - 1, "module 0 size", m[0].end - m[0].start);
        const char *d = (const char *)m[0].start;
        int ok = 1;
        for (uint32_t i = 0; i < sizeof(mod1_text) - 1; i++)
            ok &= d[i] == mod1_text[i];
        check(ok, "module 0 contents", 0);
        check(m[1].end - m[1].start == 5000, "module 1 size", m[1].end - m[1].start);
        const uint8_t *e = (const uint8_t *)m[1].start;
        ok = 1;
        for (uint32_t i = 0; i < 5000; i++)
            ok &= e[i] == (uint8_t)(i * 7 + 3);
        check(ok, "module 1 contents", 0);
        check(m[0].end <= m[1].start || m[1].end <= m[0].start, "modules overlap", 0);
    }

    check(mb->flags & (1u << 6), "flags: no memory map", mb->flags);
    if (mb->flags & (1u << 6)) {
        uint32_t n = 0, low_ok = 0, high_ok = 0;
        uint64_t want_high = ((uint64_t)mem - 1) << 20;
        for (uint32_t p = mb->mmap_addr; p < mb->mmap_addr + mb->mmap_length; n++) {
            const struct mmap_entry *e = (const struct mmap_entry *)p;
            if (e->base == 0 && e->type == 1 && e->len >= 0x9f000 && e->len <= 0xa0000)
                low_ok = 1;
            /* QEMU's SeaBIOS keeps a little at the top of RAM for itself. */
            if (e->base == 0x100000 && e->type == 1 && e->len <= want_high &&
                (strict ? e->len == want_high : e->len >= want_high - (1u << 20)))
                high_ok = 1;
            p += e->size + 4;
        }
        check(low_ok, "memory map: no available 0-640K entry", n);
        check(high_ok, "memory map: no available entry from 1 MiB to the top of RAM", n);
        if (strict) {
            const struct mmap_entry *e = (const struct mmap_entry *)mb->mmap_addr;
            check(n == 4, "memory map: want 4 entries", n);
            check(n == 4 && e[0].len == 0x9fc00 && e[1].base == 0x9fc00 && e[1].len == 0x400 && e[1].type == 2 &&
                      e[2].base == 0xf0000 && e[2].len == 0x10000 && e[2].type == 2,
                  "memory map: reserved entries", n);
        }
    }
    if (strict) {
        check(!(mb->flags & (1u << 1)), "flags: boot_device present", mb->flags);
        check((mb->flags & (1u << 9)) && same((const char *)mb->boot_loader_name, "Ringside"),
              "boot loader name is not Ringside", mb->flags);
    }
    if (failures) {
        puts_("multiboot: FAILED\n");
        return 1;
    }
    puts_("multiboot: PASS\n");
    return 0;
}
