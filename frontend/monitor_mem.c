/*
 * monitor_mem.c - the monitor's view of memory (see monitor_impl.h): RAM,
 * ROM and host regions read through host pointers (MMIO is never touched,
 * since a read can change a device), linear addresses translated by a
 * walk of our own that sets no accessed or dirty bit, address expressions
 * ($reg, SEG:OFF, sums), and the x and xp commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/monitor_impl.h"

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

bool mon_parse_num(const char **p, int base, uint32_t *v)
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
        if (!mon_parse_num(&q, 16, &seg) || seg > 0xffff)
            return false;
        q++;
        if (!mon_parse_num(&q, 16, &off))
            return false;
        *v = (seg << 4) + off;
        *p = q;
        return true;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return mon_parse_num(p, 16, v);
    if (*s < '0' || *s > '9')
        return false;
    return mon_parse_num(p, 10, v);
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

/* x /FMT ADDR and xp /FMT ADDR. FMT is QEMU's: a count, a format (x hex,
 * d signed, u unsigned, o octal, c char, i instructions) and a size (b 8,
 * h 16, w 32, g 64 bits), all optional; the defaults are 1, x, w. */
static void dump(Monitor *mon, bool linear, int argc, char **argv)
{
    const char *fmt = argc == 3 ? argv[1] : "/";
    const char *addr_s = argv[argc - 1];
    if (fmt[0] != '/') {
        mon_err_line(mon, "%s: the format starts with '/', as in %s /8xb 0xffff5", argv[0], argv[0]);
        return;
    }
    uint32_t count = 1;
    const char *p = fmt + 1;
    if (*p >= '0' && *p <= '9' && !mon_parse_num(&p, 10, &count)) {
        mon_err_line(mon, "%s: bad count in '%s'", argv[0], fmt);
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
            mon_err_line(mon, "%s: unknown format letter '%c' (count, then x d u o c i, then b h w g)", argv[0], *p);
            return;
        }
    }
    if (!size)
        size = form == 'c' ? 1 : 4;
    uint32_t addr;
    if (!parse_expr(mon, addr_s, &addr)) {
        mon_err_line(mon, "%s: bad address '%s' (0xHEX, decimal, SEG:OFF, $reg, sums)", argv[0], addr_s);
        return;
    }
    if (count == 0 || (form != 'i' && (uint64_t)count * (uint64_t)size > MON_MAX_DUMP) ||
        (form == 'i' && count > 1024)) {
        mon_err_line(mon, "%s: count must be 1 to %u bytes' worth (1024 instructions)", argv[0], MON_MAX_DUMP);
        return;
    }
    const char *why = NULL;
    uint32_t bad = 0;
    if (form == 'i') {
        Cpu *c = mon->t.cpu;
        if (!mon->cs_open) {
            if (cs_open(CS_ARCH_X86, CS_MODE_16, &mon->cs[0]) != CS_ERR_OK ||
                cs_open(CS_ARCH_X86, CS_MODE_32, &mon->cs[1]) != CS_ERR_OK) {
                mon_err_line(mon, "%s: the disassembler (capstone) cannot start", argv[0]);
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
        mon_err_line(mon, "%s: out of memory", argv[0]);
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

void mon_cmd_x(Monitor *mon, int argc, char **argv)
{
    dump(mon, true, argc, argv);
}

void mon_cmd_xp(Monitor *mon, int argc, char **argv)
{
    dump(mon, false, argc, argv);
}

void mon_disasm_close(Monitor *mon)
{
    if (mon->cs_open) {
        cs_close(&mon->cs[0]);
        cs_close(&mon->cs[1]);
        mon->cs_open = false;
    }
}
