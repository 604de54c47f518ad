/*
 * multiboot.c - Multiboot (v1) kernels through -kernel; see multiboot.h.
 *
 * Everything is decided here, on the host; the ROM only copies two blobs
 * with fw_cfg DMA and jumps. The fw_cfg items reuse the Linux loader's
 * numbers (QEMU's): KERNEL_ADDR/SIZE/DATA hold the kernel's memory image
 * from its lowest to its highest loaded byte (bss and gaps as zeros, so
 * the copy also clears the bss), INITRD_ADDR/SIZE/DATA hold the "info
 * blob": the multiboot information structure (at its start: its address
 * is what EBX gets), the memory map, the module list, the strings and
 * then the modules, each page-aligned; KERNEL_ENTRY holds the entry point.
 */
#include "frontend/multiboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/boot.h"

extern const uint8_t multiboot_rom[], multiboot_rom_end[];

#define MB_MAGIC 0x1badb002u
#define MB_SEARCH 8192u
#define MB_PAGE_ALIGN 0x00000001u /* header flag 0: modules page-aligned */
#define MB_MEMORY_INFO 0x00000002u
#define MB_VIDEO_MODE 0x00000004u
#define MB_AOUT_KLUDGE 0x00010000u
#define MB_KNOWN_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)

/* multiboot_info flags and field offsets (spec section 3.3) */
#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)
enum {
    MBI_FLAGS = 0,
    MBI_MEM_LOWER = 4,
    MBI_MEM_UPPER = 8,
    MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20,
    MBI_MODS_ADDR = 24,
    MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48,
    MBI_LOADER_NAME = 64,
    MBI_SIZE = 0x80, /* room for the VBE and framebuffer fields, left zero */
};

#define LOW_LIMIT 0x8000u    /* the ROM's stack and GDT live below this */
#define LOW_END 0x9fc00u     /* conventional memory the map calls available */
#define HIGH_START 0x100000u /* 1 MiB */
#define MAX_MODULES 64

static void wr64(uint8_t *p, uint64_t v)
{
    boot_wr32(p, (uint32_t)v);
    boot_wr32(p + 4, (uint32_t)(v >> 32));
}

static bool is_bzimage(const uint8_t *k, size_t size)
{
    return size >= 0x250 && boot_rd32(k + 0x202) == 0x53726448; /* "HdrS" */
}

/* Offset of the header (32-bit aligned, magic + flags + checksum == 0)
 * within the first 8 KiB, or -1. */
static long find_header(const uint8_t *k, size_t size)
{
    size_t end = size < MB_SEARCH ? size : MB_SEARCH;
    for (size_t off = 0; off + 12 <= end; off += 4)
        if (boot_rd32(k + off) == MB_MAGIC && (uint32_t)(boot_rd32(k + off) + boot_rd32(k + off + 4) + boot_rd32(k + off + 8)) == 0)
            return (long)off;
    return -1;
}

bool multiboot_probe(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    static uint8_t buf[MB_SEARCH];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return !is_bzimage(buf, n) && find_header(buf, n) >= 0;
}

/* The kernel's memory image: [lo, lo + size), built from the file. */
typedef struct Image {
    uint32_t lo, size, entry;
    uint8_t *data;
} Image;

static bool fail(char *err, size_t err_len, const char *kernel, const char *why)
{
    snprintf(err, err_len, "-kernel %s: %s", kernel, why);
    return false;
}

/* Flag 16: the header's own addresses say where the file goes. */
static bool load_aout(const uint8_t *k, size_t ksize, long hoff, Image *im, char *err, size_t err_len,
                      const char *kernel)
{
    const uint8_t *h = k + hoff;
    if ((size_t)hoff + 32 > ksize)
        return fail(err, err_len, kernel, "the Multiboot header's address fields run past the end of the file");
    uint32_t header_addr = boot_rd32(h + 12), load_addr = boot_rd32(h + 16), load_end = boot_rd32(h + 20);
    uint32_t bss_end = boot_rd32(h + 24), entry = boot_rd32(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > (uint32_t)hoff)
        return fail(err, err_len, kernel, "Multiboot header: load_addr and header_addr put the load before the file");
    uint64_t file_off = (uint64_t)hoff - (header_addr - load_addr);
    uint64_t load_len = load_end ? (uint64_t)load_end - load_addr : ksize - file_off;
    if (load_end && load_end < load_addr)
        return fail(err, err_len, kernel, "Multiboot header: load_end_addr is below load_addr");
    if (file_off + load_len > ksize)
        return fail(err, err_len, kernel, "Multiboot header: load_end_addr is past the end of the file");
    uint64_t mem_len = load_len;
    if (bss_end) {
        if ((uint64_t)bss_end < load_addr + load_len)
            return fail(err, err_len, kernel, "Multiboot header: bss_end_addr is below the end of the load");
        mem_len = (uint64_t)bss_end - load_addr;
    }
    if (mem_len == 0 || mem_len > 0xffffffffu - load_addr)
        return fail(err, err_len, kernel, "Multiboot header: empty or wrapping load range");
    im->lo = load_addr;
    im->size = (uint32_t)mem_len;
    im->entry = entry;
    im->data = calloc(1, im->size);
    if (!im->data)
        return fail(err, err_len, kernel, "out of host memory");
    memcpy(im->data, k + file_off, (size_t)load_len);
    return true;
}

/* Without flag 16 the file must be ELF32 for i386: its PT_LOAD segments
 * go to their physical addresses, memsz beyond filesz zeroed. */
static bool load_elf(const uint8_t *k, size_t ksize, Image *im, char *err, size_t err_len, const char *kernel)
{
    if (ksize < 52 || memcmp(k, "\177ELF", 4) != 0)
        return fail(err, err_len, kernel, "a Multiboot kernel without the a.out kludge (flag 16) must be ELF");
    if (k[4] != 1 || k[5] != 1 || boot_rd16(k + 18) != 3)
        return fail(err, err_len, kernel, "not a 32-bit little-endian i386 ELF file");
    uint32_t phoff = boot_rd32(k + 28);
    uint16_t phentsize = boot_rd16(k + 42), phnum = boot_rd16(k + 44);
    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > ksize)
        return fail(err, err_len, kernel, "ELF program headers run past the end of the file");
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = k + phoff + (size_t)i * phentsize;
        uint32_t off = boot_rd32(ph + 4), paddr = boot_rd32(ph + 12), filesz = boot_rd32(ph + 16), memsz = boot_rd32(ph + 20);
        if (boot_rd32(ph) != 1 /* PT_LOAD */ || memsz == 0)
            continue;
        if (filesz > memsz || (uint64_t)off + filesz > ksize)
            return fail(err, err_len, kernel, "an ELF segment runs past the end of the file");
        if (paddr < lo)
            lo = paddr;
        if ((uint64_t)paddr + memsz > hi)
            hi = (uint64_t)paddr + memsz;
    }
    if (hi == 0)
        return fail(err, err_len, kernel, "the ELF file has no PT_LOAD segment");
    if (hi > 0xffffffffu || hi - lo > 0x7fffffffu)
        return fail(err, err_len, kernel, "the ELF segments span more than the 32-bit address space");
    im->lo = (uint32_t)lo;
    im->size = (uint32_t)(hi - lo);
    im->entry = boot_rd32(k + 24);
    im->data = calloc(1, im->size);
    if (!im->data)
        return fail(err, err_len, kernel, "out of host memory");
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = k + phoff + (size_t)i * phentsize;
        if (boot_rd32(ph) == 1 && boot_rd32(ph + 20) != 0)
            memcpy(im->data + (boot_rd32(ph + 12) - im->lo), k + boot_rd32(ph + 4), boot_rd32(ph + 16));
    }
    return true;
}

/* A growable byte buffer for the info blob. */
typedef struct Buf {
    uint8_t *p;
    size_t len, cap;
} Buf;

static bool buf_reserve(Buf *b, size_t len)
{
    if (len <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < len)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return false;
    memset(p + b->cap, 0, cap - b->cap);
    b->p = p;
    b->cap = cap;
    return true;
}

/* Append bytes at offset len (after aligning it); returns the offset, or
 * SIZE_MAX when out of memory. */
static size_t buf_add(Buf *b, const void *data, size_t len, size_t align)
{
    size_t off = (b->len + align - 1) & ~(align - 1);
    if (off < b->len || off + len < off || !buf_reserve(b, off + len))
        return SIZE_MAX;
    if (len && data)
        memcpy(b->p + off, data, len);
    b->len = off + len;
    return off;
}

/* Split "file args,file args" (",," is a literal comma) into strings. */
static int split_modules(const char *spec, char **out, int max)
{
    int n = 0;
    const char *s = spec;
    while (*s && n < max) {
        char *m = malloc(strlen(s) + 1), *d = m;
        if (!m)
            break;
        for (; *s; s++) {
            if (*s == ',' && s[1] == ',') {
                *d++ = ',';
                s++;
            } else if (*s == ',') {
                s++;
                break;
            } else {
                *d++ = *s;
            }
        }
        *d = 0;
        out[n++] = m;
    }
    return n;
}

/* The file part of a module string: up to the first space. */
static char *module_path(const char *s)
{
    size_t n = strcspn(s, " \t");
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

bool boot_multiboot(FwCfg *fw, uint32_t ram_size, const char *kernel, const char *modules, const char *append,
                    char *err, size_t err_len)
{
    const char *why = NULL;
    size_t ksize;
    uint8_t *k = boot_read_file(kernel, 256u << 20, &ksize, &why);
    if (!k) {
        snprintf(err, err_len, "-kernel %s: %s", kernel, why);
        return false;
    }
    long hoff = find_header(k, ksize);
    if (hoff < 0) {
        free(k);
        return fail(err, err_len, kernel, "no Multiboot header in its first 8 KiB");
    }
    uint32_t hflags = boot_rd32(k + hoff + 4);
    if (hflags & 0xffffu & ~MB_KNOWN_FLAGS) {
        /* The spec: a loader that does not understand a requirement bit
         * (0-15) must refuse the kernel. */
        snprintf(err, err_len, "-kernel %s: the Multiboot header requires features 0x%x this loader lacks", kernel,
                 hflags & 0xffffu & ~MB_KNOWN_FLAGS);
        free(k);
        return false;
    }
    Image im = { 0 };
    bool ok = (hflags & MB_AOUT_KLUDGE) ? load_aout(k, ksize, hoff, &im, err, err_len, kernel)
                                        : load_elf(k, ksize, &im, err, err_len, kernel);
    free(k);
    if (!ok)
        return false;
    uint64_t im_end = (uint64_t)im.lo + im.size;
    if (im.lo < LOW_LIMIT || overlaps(im.lo, im.size, LOW_END, HIGH_START - LOW_END) || im_end > ram_size) {
        snprintf(err, err_len,
                 "-kernel %s: the kernel loads at 0x%x-0x%llx, outside the RAM it may use (0x%x-0x%x and "
                 "1 MiB-%u MiB with -m)",
                 kernel, im.lo, (unsigned long long)im_end, LOW_LIMIT, LOW_END, ram_size >> 20);
        free(im.data);
        return false;
    }

    /* The info blob goes after the kernel, and never below 1 MiB. */
    uint64_t info_addr = (im_end + 0xfff) & ~0xfffull;
    if (info_addr < HIGH_START)
        info_addr = HIGH_START;
    Buf b = { 0 };
    bool mem_ok = buf_reserve(&b, MBI_SIZE);
    b.len = MBI_SIZE;

    /* The memory map: conventional memory, the EBDA SeaBIOS keeps, the
     * BIOS ROM, and everything above 1 MiB. Each entry is preceded by its
     * size (20); mmap_addr points at that size field. */
    static const struct {
        uint32_t base, len, type;
    } low_map[] = { { 0, LOW_END, 1 }, { LOW_END, 0xa0000 - LOW_END, 2 }, { 0xf0000, 0x10000, 2 } };
    size_t mmap_off = SIZE_MAX;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t e[24];
        boot_wr32(e, 20);
        if (i < 3) {
            wr64(e + 4, low_map[i].base);
            wr64(e + 12, low_map[i].len);
            boot_wr32(e + 20, low_map[i].type);
        } else {
            wr64(e + 4, HIGH_START);
            wr64(e + 12, ram_size - HIGH_START);
            boot_wr32(e + 20, 1);
        }
        size_t off = buf_add(&b, e, sizeof(e), 4);
        if (i == 0)
            mmap_off = off;
    }

    char *mods[MAX_MODULES];
    int nmods = modules ? split_modules(modules, mods, MAX_MODULES) : 0;
    size_t mods_off = buf_add(&b, NULL, (size_t)nmods * 16, 16);
    size_t name_off = buf_add(&b, "Ringside", 9, 1);
    size_t cmd_len = strlen(kernel) + (append ? strlen(append) + 1 : 0) + 1;
    char *cmd = malloc(cmd_len);
    if (cmd)
        snprintf(cmd, cmd_len, "%s%s%s", kernel, append ? " " : "", append ? append : "");
    size_t cmd_off = cmd ? buf_add(&b, cmd, cmd_len, 1) : SIZE_MAX;
    free(cmd);
    mem_ok = mem_ok && mmap_off != SIZE_MAX && mods_off != SIZE_MAX && name_off != SIZE_MAX && cmd_off != SIZE_MAX;

    uint8_t *mbi_fields = NULL;
    for (int i = 0; i < nmods && mem_ok; i++) {
        size_t str_off = buf_add(&b, mods[i], strlen(mods[i]) + 1, 1);
        char *path = module_path(mods[i]);
        size_t msize = 0;
        uint8_t *data = path ? boot_read_file(path, 1u << 30, &msize, &why) : NULL;
        if (!data) {
            snprintf(err, err_len, "-initrd %s: %s", path ? path : mods[i], path ? why : "out of host memory");
            free(path);
            goto failed;
        }
        free(path);
        size_t data_off = buf_add(&b, data, msize, 4096);
        free(data);
        if (str_off == SIZE_MAX || data_off == SIZE_MAX) {
            mem_ok = false;
            break;
        }
        uint8_t *m = b.p + mods_off + (size_t)i * 16;
        boot_wr32(m, (uint32_t)(info_addr + data_off));
        boot_wr32(m + 4, (uint32_t)(info_addr + data_off + msize));
        boot_wr32(m + 8, (uint32_t)(info_addr + str_off));
        boot_wr32(m + 12, 0);
    }
    if (!mem_ok) {
        snprintf(err, err_len, "-kernel %s: out of host memory", kernel);
        goto failed;
    }
    if (info_addr + b.len > ram_size) {
        snprintf(err, err_len, "-kernel %s: the kernel, its modules and boot information do not fit in %u MiB (-m)",
                 kernel, ram_size >> 20);
        goto failed;
    }
    mbi_fields = b.p;
    boot_wr32(mbi_fields + MBI_FLAGS,
         MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
    boot_wr32(mbi_fields + MBI_MEM_LOWER, LOW_END / 1024);
    boot_wr32(mbi_fields + MBI_MEM_UPPER, (ram_size - HIGH_START) / 1024);
    boot_wr32(mbi_fields + MBI_CMDLINE, (uint32_t)(info_addr + cmd_off));
    boot_wr32(mbi_fields + MBI_MODS_COUNT, (uint32_t)nmods);
    boot_wr32(mbi_fields + MBI_MODS_ADDR, (uint32_t)(info_addr + mods_off));
    boot_wr32(mbi_fields + MBI_MMAP_LENGTH, 4 * 24);
    boot_wr32(mbi_fields + MBI_MMAP_ADDR, (uint32_t)(info_addr + mmap_off));
    boot_wr32(mbi_fields + MBI_LOADER_NAME, (uint32_t)(info_addr + name_off));

    fwcfg_add_i32(fw, FW_CFG_KERNEL_ADDR, im.lo);
    fwcfg_add_i32(fw, FW_CFG_KERNEL_SIZE, im.size);
    fwcfg_add_bytes(fw, FW_CFG_KERNEL_DATA, im.data, im.size);
    fwcfg_add_i32(fw, FW_CFG_KERNEL_ENTRY, im.entry);
    fwcfg_add_i32(fw, FW_CFG_INITRD_ADDR, (uint32_t)info_addr);
    fwcfg_add_i32(fw, FW_CFG_INITRD_SIZE, (uint32_t)b.len);
    fwcfg_add_bytes(fw, FW_CFG_INITRD_DATA, b.p, (uint32_t)b.len);
    fwcfg_add_file(fw, MULTIBOOT_ROM_FILE, multiboot_rom, (uint32_t)(multiboot_rom_end - multiboot_rom));
    for (int i = 0; i < nmods; i++)
        free(mods[i]);
    free(im.data);
    free(b.p);
    return true;

failed:
    for (int i = 0; i < nmods; i++)
        free(mods[i]);
    free(im.data);
    free(b.p);
    return false;
}
