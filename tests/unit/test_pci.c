/*
 * test_pci.c - PCI bus 0 alone on a local IoBus: configuration mechanism
 * #1 (PCI 2.1 section 3.7.4.1), the header rules of section 6 (write masks,
 * status write-1-to-clear, BAR sizing, decode enables), the i440FX PAM
 * registers and the PIIX3 PIRQ router (82441FX / 82371SB datasheets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/bus.h"
#include "hw/pci.h"

typedef struct Rig {
    IoBus io;
    PciBus pci;
    I440fx hb;
    Piix3 isa;
    PciDevice ide;
    /* PAM callbacks seen */
    int npam;
    struct { uint32_t base, size; bool r, w; } pam[32];
    /* PIC input levels */
    int pic[16];
    int pic_calls;
    /* BAR callbacks seen */
    int nbar;
    struct { int bar; uint32_t addr, old; } bars[16];
} Rig;

static void pam_cb(void *opaque, uint32_t base, uint32_t size, bool r, bool w)
{
    Rig *g = opaque;
    if (g->npam < 32) {
        g->pam[g->npam].base = base;
        g->pam[g->npam].size = size;
        g->pam[g->npam].r = r;
        g->pam[g->npam].w = w;
    }
    g->npam++;
}

static void pic_cb(void *opaque, int n, int level)
{
    Rig *g = opaque;
    g->pic[n] = level;
    g->pic_calls++;
}

static int rig_setup(void **state)
{
    static Rig g;
    memset(&g, 0, sizeof(g));
    bus_init(&g.io);
    pci_init(&g.pci, &g.io);
    pci_i440fx_init(&g.pci, &g.hb, pam_cb, &g);
    pci_piix3_init(&g.pci, &g.isa);
    pci_piix3_ide_init(&g.pci, &g.ide);
    pci_set_pic(&g.pci, pic_cb, &g);
    *state = &g;
    return 0;
}

static uint32_t cfg_addr(int dev, int fn, int reg)
{
    return 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (uint32_t)(reg & 0xfc);
}

static uint32_t cfg_read(Rig *g, int dev, int fn, int reg, int size)
{
    bus_out(&g->io, 0xcf8, cfg_addr(dev, fn, reg), 4);
    return bus_in(&g->io, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_write(Rig *g, int dev, int fn, int reg, uint32_t val, int size)
{
    bus_out(&g->io, 0xcf8, cfg_addr(dev, fn, reg), 4);
    bus_out(&g->io, (uint16_t)(0xcfc + (reg & 3)), val, size);
}

/* 3.7.4.1: CONFIG_ADDRESS reads back; the data port answers only with
 * bit 31 set; byte, word and dword accesses land at the offset the port's
 * low bits add. */
static void mech1_enable_and_widths(void **state)
{
    Rig *g = *state;
    bus_out(&g->io, 0xcf8, 0x80000000u, 4);
    assert_int_equal(bus_in(&g->io, 0xcf8, 4), 0x80000000u);
    assert_int_equal(bus_in(&g->io, 0xcfc, 4), 0x12378086u);
    assert_int_equal(bus_in(&g->io, 0xcfc, 2), 0x8086);
    assert_int_equal(bus_in(&g->io, 0xcfe, 2), 0x1237);
    assert_int_equal(bus_in(&g->io, 0xcfd, 1), 0x80);
    assert_int_equal(bus_in(&g->io, 0xcff, 1), 0x12);
    /* enable clear: the data port floats */
    bus_out(&g->io, 0xcf8, 0x00000000u, 4);
    assert_int_equal(bus_in(&g->io, 0xcfc, 4), 0xffffffffu);
    /* the reserved low bits of CONFIG_ADDRESS read 0 */
    bus_out(&g->io, 0xcf8, 0x80000003u, 4);
    assert_int_equal(bus_in(&g->io, 0xcf8, 4), 0x80000000u);
    /* class code dword at 0x08 of the host bridge: 06 00 00, rev 2 */
    assert_int_equal(cfg_read(g, 0, 0, 0x08, 4), 0x06000002u);
    /* a byte write at offset 0x0d (latency timer) through port 0xcfd */
    cfg_write(g, 0, 0, 0x0d, 0x40, 1);
    assert_int_equal(cfg_read(g, 0, 0, 0x0c, 4) & 0xff00, 0x4000);
    /* a word write at 0x3c: line writable, pin read-only */
    cfg_write(g, 1, 0, 0x3c, 0xff0b, 2);
    assert_int_equal(cfg_read(g, 1, 0, 0x3c, 2), 0x000b);
}

/* Absent devices and functions, other buses, and the PIIX3 function
 * layout: 00:01.0 multifunction, 00:01.2 absent. */
static void absent_functions(void **state)
{
    Rig *g = *state;
    assert_int_equal(cfg_read(g, 2, 0, 0, 4), 0xffffffffu);
    assert_int_equal(cfg_read(g, 1, 2, 0, 4), 0xffffffffu);
    assert_int_equal(cfg_read(g, 31, 7, 0, 2), 0xffff);
    /* bus 1 (type 1 cycle): nothing */
    bus_out(&g->io, 0xcf8, 0x80010000u, 4);
    assert_int_equal(bus_in(&g->io, 0xcfc, 4), 0xffffffffu);
    /* writes to an absent function go nowhere and do not crash */
    cfg_write(g, 5, 0, 0x04, 0xffff, 2);
}

/* The three chipset functions' identity (datasheets; QEMU's values). */
static void chipset_ids(void **state)
{
    Rig *g = *state;
    assert_int_equal(cfg_read(g, 0, 0, 0x00, 4), 0x12378086u);
    assert_int_equal(cfg_read(g, 0, 0, 0x0e, 1), 0x00);
    assert_int_equal(cfg_read(g, 1, 0, 0x00, 4), 0x70008086u);
    assert_int_equal(cfg_read(g, 1, 0, 0x08, 4) >> 8, 0x060100);
    assert_int_equal(cfg_read(g, 1, 0, 0x0e, 1), 0x80);
    assert_int_equal(cfg_read(g, 1, 1, 0x00, 4), 0x70108086u);
    assert_int_equal(cfg_read(g, 1, 1, 0x08, 4) >> 8, 0x010180);
    assert_int_equal(cfg_read(g, 1, 1, 0x0e, 1), 0x00);
    /* PIRQ routes reset disabled, TOM 0x02 */
    assert_int_equal(cfg_read(g, 1, 0, 0x60, 4), 0x80808080u);
    assert_int_equal(cfg_read(g, 1, 0, 0x69, 1), 0x02);
    /* SMRAM: C_BASE_SEG 010 fixed, D_OPEN writable */
    assert_int_equal(cfg_read(g, 0, 0, 0x72, 1), 0x02);
    cfg_write(g, 0, 0, 0x72, 0xff, 1);
    assert_int_equal(cfg_read(g, 0, 0, 0x72, 1), 0x7a);
    /* DRB stored */
    cfg_write(g, 0, 0, 0x60, 0x04030201u, 4);
    assert_int_equal(cfg_read(g, 0, 0, 0x60, 4), 0x04030201u);
    /* IDE: BAR4 is an I/O BAR of 16 ports; IDETIM decode bits writable */
    assert_int_equal(cfg_read(g, 1, 1, 0x20, 4), 0x00000001u);
    cfg_write(g, 1, 1, 0x40, 0x80008000u, 4);
    assert_int_equal(cfg_read(g, 1, 1, 0x40, 4), 0x80008000u);
}

/* 6.2.3: status error bits clear when written with 1, ignore 0. */
static void status_write_one_to_clear(void **state)
{
    Rig *g = *state;
    g->ide.config[PCI_STATUS + 1] |= 0x20; /* received master abort (bit 13) */
    cfg_write(g, 1, 1, 0x06, 0x0000, 2);
    assert_int_equal(cfg_read(g, 1, 1, 0x06, 2), 0x2280);
    cfg_write(g, 1, 1, 0x06, 0x2000, 2);
    assert_int_equal(cfg_read(g, 1, 1, 0x06, 2), 0x0280);
    /* vendor id is read-only */
    cfg_write(g, 1, 1, 0x00, 0x0, 2);
    assert_int_equal(cfg_read(g, 1, 1, 0x00, 2), 0x8086);
}

static void bar_cb(PciDevice *dev, int bar, uint32_t addr)
{
    Rig *g = dev->opaque;
    g->bars[g->nbar].bar = bar;
    g->bars[g->nbar].addr = addr;
    g->bars[g->nbar].old = dev->bar[bar].mapped;
    g->nbar++;
}

static int bar_io_reads;
static uint32_t bar_io_read(void *opaque, uint32_t offset, int size)
{
    (void)opaque;
    (void)size;
    bar_io_reads++;
    return 0xa0 + offset;
}
static const IoOps bar_io_ops = { "test-bar", bar_io_read, NULL };

/* 6.2.5.1: writing all ones and reading back gives the size mask with the
 * type bits; the mapping changes only while the command register enables
 * the decoder, and the callback reports each change. */
static void bar_sizing_and_mapping(void **state)
{
    Rig *g = *state;
    static PciDevice nic;
    pci_device_init(&nic, "test", 0x10ec, 0x8029, 0, 0x020000, 0);
    pci_set_bar(&nic, 0, 32, PCI_BAR_IO);
    pci_set_bar(&nic, 1, 0x1000000, PCI_BAR_MEM | PCI_BAR_PREFETCH);
    pci_set_bar(&nic, PCI_ROM_SLOT, 0x10000, 0);
    pci_set_bar_io_ops(&nic, 0, &bar_io_ops, NULL);
    nic.bar_mapped = bar_cb;
    nic.opaque = g;
    pci_register(&g->pci, &nic, 3, 0);

    cfg_write(g, 3, 0, 0x10, 0xffffffffu, 4);
    assert_int_equal(cfg_read(g, 3, 0, 0x10, 4), 0xffffffe1u);
    cfg_write(g, 3, 0, 0x14, 0xffffffffu, 4);
    assert_int_equal(cfg_read(g, 3, 0, 0x14, 4), 0xff000008u);
    cfg_write(g, 3, 0, 0x18, 0xffffffffu, 4); /* unimplemented BAR2 */
    assert_int_equal(cfg_read(g, 3, 0, 0x18, 4), 0);
    cfg_write(g, 3, 0, 0x30, 0xffffffffu, 4);
    assert_int_equal(cfg_read(g, 3, 0, 0x30, 4), 0xffff0001u);
    assert_int_equal(g->nbar, 0); /* command still 0: nothing decodes */

    cfg_write(g, 3, 0, 0x10, 0xc001, 4);
    cfg_write(g, 3, 0, 0x14, 0xe0000000u, 4);
    cfg_write(g, 3, 0, 0x30, 0xfebe0000u, 4); /* ROM disabled (bit 0 = 0) */
    assert_int_equal(g->nbar, 0);
    assert_int_equal(bus_in(&g->io, 0xc001, 1), 0xff);

    cfg_write(g, 3, 0, 0x04, PCI_COMMAND_IO, 2);
    assert_int_equal(g->nbar, 1);
    assert_int_equal(g->bars[0].bar, 0);
    assert_int_equal(g->bars[0].addr, 0xc000);
    assert_int_equal(bus_in(&g->io, 0xc003, 1), 0xa3); /* the ports follow */

    cfg_write(g, 3, 0, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    assert_int_equal(g->nbar, 2);
    assert_int_equal(g->bars[1].bar, 1);
    assert_int_equal(g->bars[1].addr, 0xe0000000u);

    /* move the I/O BAR: one call, the old mapping visible during it */
    cfg_write(g, 3, 0, 0x10, 0xd000, 4);
    assert_int_equal(g->nbar, 3);
    assert_int_equal(g->bars[2].addr, 0xd000);
    assert_int_equal(g->bars[2].old, 0xc000);
    assert_int_equal(bus_in(&g->io, 0xc003, 1), 0xff);
    assert_int_equal(bus_in(&g->io, 0xd01f, 1), 0xa0 + 31);

    /* ROM enable */
    cfg_write(g, 3, 0, 0x30, 0xfebe0001u, 4);
    assert_int_equal(g->nbar, 4);
    assert_int_equal(g->bars[3].bar, PCI_ROM_SLOT);
    assert_int_equal(g->bars[3].addr, 0xfebe0000u);

    /* a sizing write while decoding unmaps (address runs off the top) */
    cfg_write(g, 3, 0, 0x14, 0xffffffffu, 4);
    assert_int_equal(g->bars[g->nbar - 1].bar, 1);
    assert_int_equal(g->bars[g->nbar - 1].addr, 0);
    cfg_write(g, 3, 0, 0x14, 0xe0000000u, 4);
    assert_int_equal(g->bars[g->nbar - 1].addr, 0xe0000000u);

    /* memory decode off unmaps BAR1 and the ROM, I/O stays */
    int before = g->nbar;
    cfg_write(g, 3, 0, 0x04, PCI_COMMAND_IO, 2);
    assert_int_equal(g->nbar, before + 2);
    assert_int_equal(g->bars[before].addr, 0);
    assert_int_equal(g->bars[before + 1].addr, 0);
    assert_int_equal(nic.bar[0].mapped, 0xd000);

    /* a BAR moved over the config ports (0xce0-0xcff) cannot take them;
     * moving it away again leaves mechanism #1 working */
    cfg_write(g, 3, 0, 0x10, 0xce0, 4);
    assert_int_equal(nic.bar[0].mapped, 0xce0);
    assert_false(nic.bar[0].io_registered);
    cfg_write(g, 3, 0, 0x10, 0xd000, 4);
    assert_true(nic.bar[0].io_registered);
    assert_int_equal(cfg_read(g, 0, 0, 0, 4), 0x12378086u);
    assert_int_equal(bus_in(&g->io, 0xd000, 1), 0xa0);

    /* reset: all decode off, ports gone */
    pci_reset(&g->pci);
    assert_int_equal(nic.bar[0].mapped, 0);
    assert_int_equal(bus_in(&g->io, 0xd000, 1), 0xff);
    assert_int_equal(cfg_read(g, 3, 0, 0x10, 4), 0x1);
}

/* 82441FX PAM: 0x59's high nibble is 0xf0000-0xfffff, each later nibble
 * one 16K segment from 0xc0000; bit 0 read enable, bit 1 write enable. */
static void pam_callbacks(void **state)
{
    Rig *g = *state;
    assert_int_equal(g->npam, 13); /* initial state pushed at init */
    for (int i = 0; i < 13; i++) {
        assert_false(g->pam[i].r);
        assert_false(g->pam[i].w);
    }
    g->npam = 0;
    cfg_write(g, 0, 0, 0x59, 0x30, 1);
    assert_int_equal(g->npam, 1);
    assert_int_equal(g->pam[0].base, 0xf0000);
    assert_int_equal(g->pam[0].size, 0x10000);
    assert_true(g->pam[0].r);
    assert_true(g->pam[0].w);
    assert_int_equal(cfg_read(g, 0, 0, 0x59, 1), 0x30);

    g->npam = 0;
    cfg_write(g, 0, 0, 0x5a, 0x21, 1); /* c0000 read, c4000 write */
    assert_int_equal(g->npam, 2);
    assert_int_equal(g->pam[0].base, 0xc0000);
    assert_int_equal(g->pam[0].size, 0x4000);
    assert_true(g->pam[0].r);
    assert_false(g->pam[0].w);
    assert_int_equal(g->pam[1].base, 0xc4000);
    assert_false(g->pam[1].r);
    assert_true(g->pam[1].w);

    g->npam = 0;
    cfg_write(g, 0, 0, 0x5c, 0x33333333u, 4); /* PAM3-6 in one dword */
    assert_int_equal(g->npam, 8);
    assert_int_equal(g->pam[0].base, 0xd0000);
    assert_int_equal(g->pam[7].base, 0xec000);
    assert_true(g->pam[7].r && g->pam[7].w);

    /* the low nibble of PAM0 and bits 2-3 of the others are reserved */
    cfg_write(g, 0, 0, 0x58, 0xffffffffu, 4);
    assert_int_equal(cfg_read(g, 0, 0, 0x59, 1), 0x30);
    assert_int_equal(cfg_read(g, 0, 0, 0x5a, 1), 0x33);

    /* reset: PAM back to 0, callbacks say so */
    g->npam = 0;
    pci_reset(&g->pci);
    assert_int_equal(g->npam, 13);
    assert_false(g->pam[0].r);
    assert_int_equal(cfg_read(g, 0, 0, 0x59, 1), 0x00);
}

/* 82371SB PIRQRC: INTx of slot s pin p reaches PIRQ (p - 1 + s - 1) & 3,
 * then the ISA IRQ its route register names; lines sharing a PIRQ or an
 * IRQ are wired-OR; a route change moves the level. */
static void pirq_routing(void **state)
{
    Rig *g = *state;
    static PciDevice a, b, c;
    pci_device_init(&a, "a", 0x1234, 1, 0, 0xff0000, 0);
    pci_device_init(&b, "b", 0x1234, 2, 0, 0xff0000, 0);
    pci_device_init(&c, "c", 0x1234, 3, 0, 0xff0000, 0);
    pci_set_irq_pin(&a, 1);
    pci_set_irq_pin(&b, 1);
    pci_set_irq_pin(&c, 4);
    pci_register(&g->pci, &a, 3, 0); /* INTA slot 3 -> PIRQC */
    pci_register(&g->pci, &b, 4, 0); /* INTA slot 4 -> PIRQD */
    pci_register(&g->pci, &c, 7, 0); /* INTD slot 7 -> (3 + 6) & 3 = PIRQB */
    IrqLine la = pci_intx_line(&g->pci, &a);
    IrqLine lb = pci_intx_line(&g->pci, &b);
    IrqLine lc = pci_intx_line(&g->pci, &c);

    /* routes disabled: nothing reaches the PIC */
    irq_raise(&la);
    assert_int_equal(g->pic_calls, 0);
    /* SeaBIOS routes A-D to 10, 10, 11, 11 */
    cfg_write(g, 1, 0, 0x60, 0x0b0b0a0au, 4);
    assert_int_equal(g->pic[11], 1);
    assert_int_equal(piix3_pirq_route(&g->isa, 2), 11);

    /* b shares IRQ 11 through PIRQD: wired-OR */
    irq_raise(&lb);
    irq_lower(&la);
    assert_int_equal(g->pic[11], 1);
    irq_lower(&lb);
    assert_int_equal(g->pic[11], 0);

    /* c on PIRQB -> IRQ 10 */
    irq_raise(&lc);
    assert_int_equal(g->pic[10], 1);
    assert_int_equal(g->pic[11], 0);

    /* route change: PIRQB to IRQ 5 moves the level */
    cfg_write(g, 1, 0, 0x61, 0x05, 1);
    assert_int_equal(g->pic[10], 0);
    assert_int_equal(g->pic[5], 1);
    /* disabling the route drops it */
    cfg_write(g, 1, 0, 0x61, 0x85, 1);
    assert_int_equal(g->pic[5], 0);
    assert_int_equal(cfg_read(g, 1, 0, 0x61, 1), 0x85);
    /* reserved bits 6-4 stay 0 */
    cfg_write(g, 1, 0, 0x61, 0x7f, 1);
    assert_int_equal(cfg_read(g, 1, 0, 0x61, 1), 0x0f);
    assert_int_equal(g->pic[15], 1);
    /* INTx disable in the command register masks the pin */
    cfg_write(g, 7, 0, 0x04, PCI_COMMAND_INTX_DISABLE, 2);
    assert_int_equal(g->pic[15], 0);
    cfg_write(g, 7, 0, 0x04, 0, 2);
    assert_int_equal(g->pic[15], 1);
    irq_lower(&lc);
    assert_int_equal(g->pic[15], 0);
}

/* PIIX3 RC register at 0xcf9: bit 2 resets the machine. */
static void reset_control(void **state)
{
    Rig *g = *state;
    bus_out(&g->io, 0xcf9, 0x02, 1);
    assert_false(g->io.reset);
    assert_int_equal(bus_in(&g->io, 0xcf9, 1), 0x02);
    bus_out(&g->io, 0xcf9, 0x06, 1);
    assert_true(g->io.reset);
}

/* bus_unregister keeps the other ranges working. */
static void bus_unregister_keeps_others(void **state)
{
    (void)state;
    static IoBus io;
    bus_init(&io);
    assert_true(bus_register(&io, 0x100, 4, &bar_io_ops, NULL));
    assert_true(bus_register(&io, 0x200, 4, &bar_io_ops, NULL));
    assert_true(bus_register(&io, 0x300, 4, &bar_io_ops, NULL));
    assert_false(bus_unregister(&io, 0x200, 2));
    assert_true(bus_unregister(&io, 0x100, 4));
    assert_int_equal(bus_in(&io, 0x100, 1), 0xff);
    assert_int_equal(bus_in(&io, 0x201, 1), 0xa1);
    assert_int_equal(bus_in(&io, 0x302, 1), 0xa2);
    assert_true(bus_unregister(&io, 0x300, 4));
    assert_int_equal(bus_in(&io, 0x302, 1), 0xff);
    assert_int_equal(bus_in(&io, 0x203, 1), 0xa3);
    assert_int_equal(io.nranges, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(mech1_enable_and_widths, rig_setup),
        cmocka_unit_test_setup(absent_functions, rig_setup),
        cmocka_unit_test_setup(chipset_ids, rig_setup),
        cmocka_unit_test_setup(status_write_one_to_clear, rig_setup),
        cmocka_unit_test_setup(bar_sizing_and_mapping, rig_setup),
        cmocka_unit_test_setup(pam_callbacks, rig_setup),
        cmocka_unit_test_setup(pirq_routing, rig_setup),
        cmocka_unit_test_setup(reset_control, rig_setup),
        cmocka_unit_test(bus_unregister_keeps_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
