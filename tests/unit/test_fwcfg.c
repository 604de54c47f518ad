/*
 * test_fwcfg.c - the firmware-config device alone on a local IoBus and a
 * small PhysMem, against QEMU's docs/specs/fw_cfg.rst: the signature and
 * ID items, the file directory's big-endian layout in sorted name order,
 * reading by selector, and the DMA interface (read, skip, select, the
 * control word's completion and error, zero fill past the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/bus.h"
#include "hw/fwcfg.h"
#include "mmu/mem.h"

typedef struct Rig {
    IoBus io;
    PhysMem *mem;
    FwCfg f;
} Rig;

static int rig_setup(void **state)
{
    static Rig g;
    const char *err = NULL;
    bus_init(&g.io);
    g.mem = mem_create(2u << 20, &err);
    assert_non_null(g.mem);
    fwcfg_init(&g.f, &g.io, g.mem);
    *state = &g;
    return 0;
}

static int rig_teardown(void **state)
{
    Rig *g = *state;
    fwcfg_free(&g->f);
    mem_destroy(g->mem);
    return 0;
}

static void sel(Rig *g, uint16_t key)
{
    bus_out(&g->io, 0x510, key, 2);
}

static void rd(Rig *g, void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)bus_in(&g->io, 0x511, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Item 0 is "QEMU"; item 1 has the traditional and DMA bits; reads past
 * the end give 0; the DMA register reads "QEMU CFG". */
static void signature_and_id(void **state)
{
    Rig *g = *state;
    char sig[6];
    sel(g, FW_CFG_SIGNATURE);
    rd(g, sig, 6);
    assert_memory_equal(sig, "QEMU\0\0", 6);
    uint8_t id[4];
    sel(g, FW_CFG_ID);
    rd(g, id, 4);
    assert_int_equal(id[0], FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    assert_int_equal(id[1] | id[2] | id[3], 0);
    /* a selected but absent item reads 0, as does an invalid selector */
    sel(g, 0x1f);
    assert_int_equal(bus_in(&g->io, 0x511, 1), 0);
    sel(g, 0x3fff);
    assert_int_equal(bus_in(&g->io, 0x511, 1), 0);
    /* "QEMU CFG" byte by byte from 0x514 */
    assert_int_equal(bus_in(&g->io, 0x514, 4), 0x554d4551u);
    assert_int_equal(bus_in(&g->io, 0x518, 4), 0x47464320u);
    /* numbered items are little-endian */
    fwcfg_add_i64(&g->f, FW_CFG_RAM_SIZE, 0x12345678abull);
    uint8_t ram[8];
    sel(g, FW_CFG_RAM_SIZE);
    rd(g, ram, 8);
    assert_int_equal(ram[0], 0xab);
    assert_int_equal(ram[4], 0x12);
    /* NB_CPUS defaults to 1, NUMA to a zero node count */
    uint8_t cpus[2], numa[8];
    sel(g, FW_CFG_NB_CPUS);
    rd(g, cpus, 2);
    assert_int_equal(cpus[0], 1);
    sel(g, FW_CFG_NUMA);
    rd(g, numa, 8);
    static const uint8_t zero8[8];
    assert_memory_equal(numa, zero8, 8);
    /* the file-dir key cannot be overwritten as a numbered item */
    assert_false(fwcfg_add_i32(&g->f, FW_CFG_FILE_DIR, 1));
    assert_false(fwcfg_add_i32(&g->f, 0x20, 1));
}

/* Directory: BE32 count, then {BE32 size, BE16 select, BE16 0, name[56]}
 * sorted by name with selectors from 0x20; a file reads by its selector. */
static void file_directory(void **state)
{
    Rig *g = *state;
    assert_true(fwcfg_add_file(&g->f, "etc/boot-fail-wait", "\x00\x00\x00\x00", 4));
    assert_true(fwcfg_add_file(&g->f, "bootorder", "/pci@i0cf8/ide@1,1/drive@0/disk@0\n", 35));
    assert_true(fwcfg_add_e820(&g->f, 0, 0x9fc00, E820_RAM));
    assert_true(fwcfg_add_e820(&g->f, 0x100000, 0x1f00000, E820_RAM));
    assert_true(fwcfg_add_file(&g->f, "genroms/linuxboot.bin", "ROM!", 4));
    /* replace keeps the count */
    assert_true(fwcfg_add_file(&g->f, "etc/boot-fail-wait", "\x05\x00\x00\x00", 4));
    /* names of 56 bytes do not fit the NUL-terminated field */
    char longname[80];
    memset(longname, 'x', 56);
    longname[56] = 0;
    assert_false(fwcfg_add_file(&g->f, longname, "", 0));

    uint8_t hdr[4];
    sel(g, FW_CFG_FILE_DIR);
    rd(g, hdr, 4);
    assert_int_equal(be32(hdr), 4);
    static const char *const names[] = { "bootorder", "etc/boot-fail-wait", "etc/e820",
                                         "genroms/linuxboot.bin" };
    static const uint32_t sizes[] = { 35, 4, 40, 4 };
    for (int i = 0; i < 4; i++) {
        uint8_t e[64];
        rd(g, e, 64);
        assert_int_equal(be32(e), sizes[i]);
        assert_int_equal(e[4] << 8 | e[5], 0x20 + i);
        assert_int_equal(e[6] | e[7], 0);
        assert_string_equal((const char *)e + 8, names[i]);
    }
    assert_int_equal(fwcfg_file_select(&g->f, "etc/e820"), 0x22);

    /* read etc/e820 by selector: LE {addr, len, type} */
    uint8_t e820[40];
    sel(g, 0x22);
    rd(g, e820, 40);
    assert_int_equal(e820[8] | e820[9] << 8 | e820[10] << 16, 0x9fc00);
    assert_int_equal(e820[16], E820_RAM);
    assert_int_equal(e820[22], 0x10); /* 0x100000 */
    assert_int_equal(e820[31], 0x01); /* 0x1f00000 >> 24 */
    uint8_t w[4];
    sel(g, 0x21);
    rd(g, w, 4);
    assert_int_equal(w[0], 5);
    /* the write-channel bit in the selector still names the item */
    sel(g, 0x4023);
    rd(g, w, 4);
    assert_memory_equal(w, "ROM!", 4);
    assert_int_equal(bus_in(&g->io, 0x511, 1), 0); /* past the end */
}

#define DESC 0x1000
#define BUF 0x2000

static void put_desc(Rig *g, uint32_t control, uint32_t length, uint64_t address)
{
    uint8_t *d = g->mem->ram + DESC;
    uint32_t v[4] = { control, length, (uint32_t)(address >> 32), (uint32_t)address };
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            d[4 * i + j] = (uint8_t)(v[i] >> (24 - 8 * j));
}

/* SeaBIOS's way: outl(cpu_to_be32(addr), 0x518) with the high half 0. */
static void kick(Rig *g, uint32_t addr)
{
    bus_out(&g->io, 0x518, __builtin_bswap32(addr), 4);
}

static uint32_t control_word(Rig *g)
{
    return be32(g->mem->ram + DESC);
}

/* DMA select+read copies into guest memory and writes control 0; a read
 * past the end fills zeroes; skip advances the offset; a write, or a
 * buffer beyond 4G, comes back with the error bit. */
static void dma_transfers(void **state)
{
    Rig *g = *state;
    uint8_t blob[300];
    for (int i = 0; i < 300; i++)
        blob[i] = (uint8_t)(i * 7 + 1);
    assert_true(fwcfg_add_file(&g->f, "vgaroms/vgabios-stdvga.bin", blob, sizeof(blob)));
    uint16_t s = (uint16_t)fwcfg_file_select(&g->f, "vgaroms/vgabios-stdvga.bin");

    /* select + read of 100 bytes */
    memset(g->mem->ram + BUF, 0xee, 512);
    put_desc(g, (uint32_t)s << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 100, BUF);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    assert_memory_equal(g->mem->ram + BUF, blob, 100);
    assert_int_equal(g->mem->ram[BUF + 100], 0xee);

    /* skip 50: offset persists across DMA accesses */
    put_desc(g, FW_CFG_DMA_CTL_SKIP, 50, 0);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    /* read 200 more: 150 bytes of data, 50 zeroes */
    put_desc(g, FW_CFG_DMA_CTL_READ, 200, BUF);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    assert_memory_equal(g->mem->ram + BUF, blob + 150, 150);
    for (int i = 150; i < 200; i++)
        assert_int_equal(g->mem->ram[BUF + i], 0);
    assert_int_equal(g->mem->ram[BUF + 200], 0xee);

    /* the port reads continue from the same offset (at the end: zero) */
    assert_int_equal(bus_in(&g->io, 0x511, 1), 0);

    /* select alone rewinds the item */
    put_desc(g, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT, 0, 0);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    assert_int_equal(bus_in(&g->io, 0x511, 1), 'Q');

    /* write: refused */
    put_desc(g, (uint32_t)s << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, BUF);
    kick(g, DESC);
    assert_int_equal(control_word(g), FW_CFG_DMA_CTL_ERROR);

    /* a buffer past 4G: error, nothing written */
    put_desc(g, FW_CFG_DMA_CTL_READ, 16, 0x100000000ull);
    kick(g, DESC);
    assert_int_equal(control_word(g), FW_CFG_DMA_CTL_ERROR);
    put_desc(g, FW_CFG_DMA_CTL_READ, 0x20, 0xfffffff0u);
    kick(g, DESC);
    assert_int_equal(control_word(g), FW_CFG_DMA_CTL_ERROR);

    /* a huge read past the item's end stays inside RAM and finishes */
    put_desc(g, (uint32_t)FW_CFG_ID << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
             0xffffffffu - 0x180000u, 0x180000);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    assert_int_equal(g->mem->ram[0x180000], 3);
    assert_int_equal(g->mem->ram[0x1fffff], 0);

    /* both halves written: 64-bit descriptor address, high half 0 */
    put_desc(g, (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4,
             BUF);
    bus_out(&g->io, 0x514, 0, 4);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
    assert_memory_equal(g->mem->ram + BUF, "QEMU", 4);

    /* a descriptor whose high half is set goes nowhere (no crash) */
    uint64_t before = g->f.dma_count;
    bus_out(&g->io, 0x514, __builtin_bswap32(1), 4);
    kick(g, DESC);
    assert_int_equal(g->f.dma_count, before + 1);
    /* and the register cleared: the next low-half kick works */
    put_desc(g, FW_CFG_DMA_CTL_SKIP, 1, 0);
    kick(g, DESC);
    assert_int_equal(control_word(g), 0);
}

/* Reset selects the signature at offset 0. */
static void reset_state(void **state)
{
    Rig *g = *state;
    sel(g, FW_CFG_ID);
    fwcfg_reset(&g->f);
    assert_int_equal(bus_in(&g->io, 0x511, 1), 'Q');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(signature_and_id, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(file_directory, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(dma_transfers, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(reset_state, rig_setup, rig_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
