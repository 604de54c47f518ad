/*
 * fwcfg.c - QEMU's firmware configuration device, I/O-port flavour (x86).
 *
 * Follows QEMU's docs/specs/fw_cfg.rst: the selector/data pair, the file
 * directory (item 0x19: BE32 count, then 64-byte entries BE32 size, BE16
 * select, BE16 reserved, char name[56]), and the DMA interface
 * (FWCfgDmaAccess: BE32 control, BE32 length, BE64 address; control is
 * written back as 0 on success or with the error bit). As QEMU does, a DMA
 * read past an item's end fills the rest with zeroes, a skip moves the
 * offset, and the item's offset persists across accesses.
 * Not implemented: guest writes to items (DMA write sets the error bit, a
 * write to the data port is ignored, as in QEMU since 2.4), the MMIO
 * flavour used by other architectures.
 */
#include "hw/fwcfg.h"

#include <stdlib.h>
#include <string.h>

#define FW_CFG_INVALID 0xffff

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static bool item_set(FwCfgItem *it, const void *data, uint32_t len)
{
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return false;
        if (data)
            memcpy(copy, data, len);
        else
            memset(copy, 0, len);
    }
    free(it->data);
    it->data = copy;
    it->len = len;
    return true;
}

/* The item a selector names, or NULL (reads then give zeroes). */
static const FwCfgItem *fwcfg_item(const FwCfg *f, uint16_t select)
{
    if (select == FW_CFG_INVALID)
        return NULL;
    uint16_t key = select & ~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL);
    if (select & FW_CFG_ARCH_LOCAL)
        return key < FWCFG_ARCH_ITEMS ? &f->arch[key] : NULL;
    if (key < FW_CFG_FILE_FIRST)
        return &f->items[key];
    if (key - FW_CFG_FILE_FIRST < f->nfiles)
        return &f->files[key - FW_CFG_FILE_FIRST].item;
    return NULL;
}

bool fwcfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len)
{
    FwCfgItem *it;
    if (key & FW_CFG_ARCH_LOCAL) {
        uint16_t k = key & ~FW_CFG_ARCH_LOCAL;
        if (k >= FWCFG_ARCH_ITEMS)
            return false;
        it = &f->arch[k];
    } else if (key < FW_CFG_FILE_FIRST && key != FW_CFG_FILE_DIR) {
        it = &f->items[key];
    } else {
        return false;
    }
    return item_set(it, data, len);
}

bool fwcfg_add_i16(FwCfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    return fwcfg_add_bytes(f, key, b, sizeof(b));
}

bool fwcfg_add_i32(FwCfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fwcfg_add_bytes(f, key, b, sizeof(b));
}

bool fwcfg_add_i64(FwCfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fwcfg_add_bytes(f, key, b, sizeof(b));
}

/* Rebuild item 0x19 from the sorted file table. */
static bool fwcfg_build_dir(FwCfg *f)
{
    uint32_t len = 4 + 64u * (uint32_t)f->nfiles;
    uint8_t *d = calloc(1, len);
    if (!d)
        return false;
    put_be32(d, (uint32_t)f->nfiles);
    for (int i = 0; i < f->nfiles; i++) {
        uint8_t *e = d + 4 + 64 * i;
        uint16_t sel = (uint16_t)(FW_CFG_FILE_FIRST + i);
        put_be32(e, f->files[i].item.len);
        e[4] = (uint8_t)(sel >> 8);
        e[5] = (uint8_t)sel;
        memcpy(e + 8, f->files[i].name, FWCFG_FILE_NAME);
    }
    FwCfgItem *it = &f->items[FW_CFG_FILE_DIR];
    free(it->data);
    it->data = d;
    it->len = len;
    return true;
}

int fwcfg_file_select(const FwCfg *f, const char *name)
{
    for (int i = 0; i < f->nfiles; i++)
        if (strncmp(f->files[i].name, name, FWCFG_FILE_NAME) == 0)
            return FW_CFG_FILE_FIRST + i;
    return -1;
}

bool fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len)
{
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen >= FWCFG_FILE_NAME)
        return false;
    int sel = fwcfg_file_select(f, name);
    if (sel >= 0) {
        if (!item_set(&f->files[sel - FW_CFG_FILE_FIRST].item, data, len))
            return false;
        return fwcfg_build_dir(f);
    }
    if (f->nfiles == FWCFG_MAX_FILES)
        return false;
    /* Insert in strcmp order, as QEMU does for current machine types. */
    int pos = 0;
    while (pos < f->nfiles && strcmp(f->files[pos].name, name) < 0)
        pos++;
    FwCfgFile nf;
    memset(&nf, 0, sizeof(nf));
    memcpy(nf.name, name, nlen);
    if (!item_set(&nf.item, data, len))
        return false;
    memmove(&f->files[pos + 1], &f->files[pos], sizeof(FwCfgFile) * (size_t)(f->nfiles - pos));
    f->files[pos] = nf;
    f->nfiles++;
    return fwcfg_build_dir(f);
}

bool fwcfg_add_e820(FwCfg *f, uint64_t addr, uint64_t len, uint32_t type)
{
    uint8_t *n = realloc(f->e820, f->e820_len + 20);
    if (!n)
        return false;
    f->e820 = n;
    uint8_t *e = n + f->e820_len;
    for (int i = 0; i < 8; i++) {
        e[i] = (uint8_t)(addr >> (8 * i));
        e[8 + i] = (uint8_t)(len >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        e[16 + i] = (uint8_t)(type >> (8 * i));
    f->e820_len += 20;
    return fwcfg_add_file(f, "etc/e820", f->e820, f->e820_len);
}

static void fwcfg_select(FwCfg *f, uint16_t select)
{
    f->select = select;
    f->offset = 0;
}

/* ---- DMA ---- */

/* Guest memory through the mmu's bulk DMA copy (code-page invalidation
 * and dirty tracking included). */
static void dma_write_guest(FwCfg *f, uint32_t addr, const uint8_t *src, uint32_t len)
{
    mem_dma_write(f->mem, addr, src, len);
}

/* The zero fill of a read past an item's end. It stops at the end of RAM:
 * beyond it are ROM and open bus, which ignore writes, so a huge guest
 * length costs nothing. */
static void dma_zero_guest(FwCfg *f, uint32_t addr, uint32_t len)
{
    static const uint8_t zero[4096];
    if (addr >= f->mem->ram_size)
        return;
    if (len > f->mem->ram_size - addr)
        len = f->mem->ram_size - addr;
    while (len) {
        uint32_t n = len < sizeof(zero) ? len : (uint32_t)sizeof(zero);
        dma_write_guest(f, addr, zero, n);
        addr += n;
        len -= n;
    }
}

static void fwcfg_dma(FwCfg *f, uint64_t desc)
{
    f->dma_count++;
    /* The descriptor must lie wholly in the 32-bit space; else there is
     * nowhere to report to and the request is dropped. */
    if (desc > 0xffffffffull - 15)
        return;
    uint32_t d = (uint32_t)desc;
    uint8_t raw[16];
    mem_dma_read(f->mem, d, raw, sizeof(raw));
    uint32_t control = get_be32(raw);
    uint32_t length = get_be32(raw + 4);
    uint64_t address = (uint64_t)get_be32(raw + 8) << 32 | get_be32(raw + 12);

    if (control & FW_CFG_DMA_CTL_SELECT)
        fwcfg_select(f, (uint16_t)(control >> 16));
    bool read = false, write = false;
    if (control & FW_CFG_DMA_CTL_READ)
        read = true;
    else if (control & FW_CFG_DMA_CTL_WRITE)
        write = true;
    else if (!(control & FW_CFG_DMA_CTL_SKIP))
        length = 0;

    uint32_t status = 0;
    if (write) {
        /* No item accepts guest writes. */
        status = FW_CFG_DMA_CTL_ERROR;
    } else if (read && length && address + length > 0x100000000ull) {
        status = FW_CFG_DMA_CTL_ERROR;
    } else if (length) {
        const FwCfgItem *it = fwcfg_item(f, f->select);
        uint32_t avail = 0;
        if (it && f->offset < it->len)
            avail = it->len - f->offset;
        uint32_t n = length < avail ? length : avail;
        if (read) {
            if (n)
                dma_write_guest(f, (uint32_t)address, it->data + f->offset, n);
            if (length > n)
                dma_zero_guest(f, (uint32_t)address + n, length - n);
        }
        f->offset += n;
    }
    uint8_t c[4];
    put_be32(c, status);
    mem_dma_write(f->mem, d, c, sizeof(c));
}

/* ---- ports ---- */

static uint32_t fwcfg_read(void *opaque, uint32_t offset, int size)
{
    FwCfg *f = opaque;
    if (offset != 1 || size != 1)
        return 0xffffffffu >> (32 - 8 * size);
    const FwCfgItem *it = fwcfg_item(f, f->select);
    if (!it || f->offset >= it->len)
        return 0;
    return it->data[f->offset++];
}

static void fwcfg_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    FwCfg *f = opaque;
    if (offset == 0 && size == 2)
        fwcfg_select(f, (uint16_t)val);
    /* Data-port writes are ignored (QEMU dropped them in 2.4). */
}

static const IoOps fwcfg_ops = { "fw_cfg", fwcfg_read, fwcfg_write };

/* The DMA address register reads back the signature "QEMU CFG". */
static uint32_t fwcfg_dma_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque;
    static const char sig[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };
    uint32_t v = 0;
    for (int i = 0; i < size && offset + i < 8; i++)
        v |= (uint32_t)(uint8_t)sig[offset + i] << (8 * i);
    return v;
}

/* The guest writes the big-endian address a byte lane at a time (port
 * 0x514 + i carries byte i); a write that completes the low half starts
 * the transfer, and the register then clears, so firmware that only ever
 * writes the low half (SeaBIOS) gets a zero high half. */
static void fwcfg_dma_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    FwCfg *f = opaque;
    for (int i = 0; i < size && offset + i < 8; i++)
        f->dma_addr[offset + i] = (uint8_t)(val >> (8 * i));
    if (offset + (uint32_t)size != 8)
        return;
    uint64_t addr = (uint64_t)get_be32(f->dma_addr) << 32 | get_be32(f->dma_addr + 4);
    memset(f->dma_addr, 0, sizeof(f->dma_addr));
    fwcfg_dma(f, addr);
}

static const IoOps fwcfg_dma_ops = { "fw_cfg-dma", fwcfg_dma_read, fwcfg_dma_write };

void fwcfg_reset(FwCfg *f)
{
    f->select = FW_CFG_SIGNATURE;
    f->offset = 0;
    memset(f->dma_addr, 0, sizeof(f->dma_addr));
}

void fwcfg_init(FwCfg *f, IoBus *bus, PhysMem *mem)
{
    memset(f, 0, sizeof(*f));
    f->bus = bus;
    f->mem = mem;
    fwcfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fwcfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    fwcfg_add_bytes(f, FW_CFG_UUID, NULL, 16);
    fwcfg_add_i64(f, FW_CFG_NUMA, 0);
    fwcfg_add_i16(f, FW_CFG_NB_CPUS, 1);
    fwcfg_add_i16(f, FW_CFG_MAX_CPUS, 1);
    fwcfg_add_i16(f, FW_CFG_BOOT_MENU, 0);
    fwcfg_add_i16(f, FW_CFG_NOGRAPHIC, 0);
    fwcfg_build_dir(f);
    fwcfg_reset(f);
    bus_register(bus, FW_CFG_PORT_SEL, 2, &fwcfg_ops, f);
    bus_register(bus, FW_CFG_PORT_DMA, 8, &fwcfg_dma_ops, f);
}

void fwcfg_free(FwCfg *f)
{
    for (int i = 0; i < FW_CFG_FILE_FIRST; i++)
        free(f->items[i].data);
    for (int i = 0; i < FWCFG_ARCH_ITEMS; i++)
        free(f->arch[i].data);
    for (int i = 0; i < f->nfiles; i++)
        free(f->files[i].item.data);
    free(f->e820);
    memset(f->items, 0, sizeof(f->items));
    memset(f->arch, 0, sizeof(f->arch));
    f->nfiles = 0;
    f->e820 = NULL;
    f->e820_len = 0;
}
