/*
 * piix.c - the chipset functions on PCI bus 0 of a QEMU-style "pc" board:
 * the Intel 82441FX (i440FX) host bridge at 00:00.0, the 82371SB (PIIX3)
 * ISA bridge at 00:01.0 and its IDE function at 00:01.1.
 *
 * Follows the 82441FX PMC datasheet (PAM 0x59-0x5f, DRB 0x60-0x67, SMRAM
 * 0x72) and the 82371SB datasheet (PIRQRC 0x60-0x63, TOM 0x69, DLC 0x82,
 * IDETIM 0x40-0x43, BMIBA 0x20). The registers that only tune a real
 * chipset's timing are stored and read back, nothing more.
 * Not implemented: SMRAM's effect on memory (D_OPEN/G_SMRAME are stored),
 * the PIIX3's APIC chip select and motherboard IRQ/DMA routing (stored).
 */
#include "hw/pci.h"

#include <string.h>

/* ---- i440FX ---- */

#define I440FX_PAM0 0x59
#define I440FX_DRB0 0x60
#define I440FX_SMRAM 0x72

/* PAM register nibble -> segment: PAM0's high nibble is the 64K BIOS area
 * at 0xf0000; PAM1-6 each cover two 16K segments from 0xc0000 up, low
 * nibble first. Bit 0 of a nibble: reads go to RAM; bit 1: writes do. */
static void i440fx_pam_nibble(I440fx *hb, int reg, int high)
{
    if (!hb->pam_changed)
        return;
    uint8_t v = hb->dev.config[reg];
    int bits = high ? v >> 4 : v & 0xf;
    uint32_t base, size;
    if (reg == I440FX_PAM0) {
        base = 0xf0000;
        size = 0x10000;
    } else {
        base = 0xc0000 + (uint32_t)((reg - I440FX_PAM0 - 1) * 2 + high) * 0x4000;
        size = 0x4000;
    }
    hb->pam_changed(hb->pam_opaque, base, size, bits & 1, (bits & 2) != 0);
}

static void i440fx_pam_apply_all(I440fx *hb)
{
    i440fx_pam_nibble(hb, I440FX_PAM0, 1);
    for (int reg = I440FX_PAM0 + 1; reg <= I440FX_PAM0 + 6; reg++) {
        i440fx_pam_nibble(hb, reg, 0);
        i440fx_pam_nibble(hb, reg, 1);
    }
}

static void i440fx_config_write(PciDevice *dev, uint32_t addr, uint32_t val, int size)
{
    I440fx *hb = (I440fx *)dev;
    (void)val;
    for (uint32_t a = addr; a < addr + (uint32_t)size; a++) {
        if (a == I440FX_PAM0) {
            i440fx_pam_nibble(hb, (int)a, 1);
        } else if (a > I440FX_PAM0 && a <= I440FX_PAM0 + 6) {
            i440fx_pam_nibble(hb, (int)a, 0);
            i440fx_pam_nibble(hb, (int)a, 1);
        }
    }
}

static void i440fx_reset(PciDevice *dev)
{
    i440fx_pam_apply_all((I440fx *)dev);
}

void pci_i440fx_init(PciBus *bus, I440fx *hb, PamChangedFn pam_changed, void *opaque)
{
    PciDevice *d = &hb->dev;
    pci_device_init(d, "i440fx", 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    pci_set_subsystem(d, 0x1af4, 0x1100);
    uint8_t *c = d->config;
    pci_set_word(c + PCI_COMMAND, 0x0006); /* memory and bus master, as after reset */
    pci_set_word(c + PCI_STATUS, 0x0280);  /* fast back-to-back, medium DEVSEL */
    pci_set_word(d->wmask + PCI_COMMAND, 0x0146); /* I/O decode is fixed off */
    /* 0x50-0x58: PMCCFG, DETURBO, DBC, AXC, DRAMR, DRAMC, DRAMT: stored. */
    memset(d->wmask + 0x50, 0xff, 9);
    c[0x50] = 0x00;
    c[0x57] = 0x01;
    /* PAM0 has only its high nibble; bits 2-3 of each nibble are reserved. */
    d->wmask[I440FX_PAM0] = 0x30;
    memset(d->wmask + I440FX_PAM0 + 1, 0x33, 6);
    /* DRB: row boundaries in 8M units, reset 0x01 each (datasheet 3.2.19). */
    memset(c + I440FX_DRB0, 0x01, 8);
    memset(d->wmask + I440FX_DRB0, 0xff, 8);
    d->wmask[0x68] = 0xff; /* FDHC */
    d->wmask[0x70] = 0xf8; /* MTT */
    d->wmask[0x71] = 0xe0; /* CLT */
    /* SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME writable; C_BASE_SEG reads 010. */
    c[I440FX_SMRAM] = 0x02;
    d->wmask[I440FX_SMRAM] = 0x78;
    d->wmask[0x73] = 0xff; /* ERRCMD, ERRSTS */
    d->w1cmask[0x74] = 0xff;
    d->config_write = i440fx_config_write;
    d->reset = i440fx_reset;
    hb->pam_changed = pam_changed;
    hb->pam_opaque = opaque;
    pci_register(bus, d, 0, 0);
    i440fx_pam_apply_all(hb);
}

/* ---- PIIX3 ISA bridge ---- */

#define PIIX3_PIRQRC 0x60

static void piix3_config_write(PciDevice *dev, uint32_t addr, uint32_t val, int size)
{
    (void)val;
    if (addr < PIIX3_PIRQRC + 4 && addr + (uint32_t)size > PIIX3_PIRQRC)
        pci_update_irqs(dev->bus);
}

int piix3_pirq_route(const Piix3 *isa, int pirq)
{
    uint8_t r = isa->dev.config[PIIX3_PIRQRC + (pirq & 3)];
    return (r & 0x80) ? -1 : (r & 0x0f);
}

void pci_piix3_init(PciBus *bus, Piix3 *isa)
{
    PciDevice *d = &isa->dev;
    pci_device_init(d, "piix3", 0x8086, 0x7000, 0x00, 0x060100, PCI_HEADER_MULTI_FUNCTION);
    pci_set_subsystem(d, 0x1af4, 0x1100);
    uint8_t *c = d->config;
    pci_set_word(c + PCI_COMMAND, 0x0007); /* I/O, memory, bus master: fixed on */
    pci_set_word(d->wmask + PCI_COMMAND, 0x0008); /* special cycle enable only */
    pci_set_word(c + PCI_STATUS, 0x0200);
    /* Reset values from the 82371SB datasheet, section 2.2. */
    c[0x4c] = 0x4d;                 /* IORT */
    pci_set_word(c + 0x4e, 0x0003); /* XBCS */
    memset(c + PIIX3_PIRQRC, 0x80, 4);
    c[0x69] = 0x02;                 /* TOM: 1M */
    pci_set_word(c + 0x6a, 0x0000); /* MSTAT */
    c[0x70] = 0x80;                 /* MBIRQ0 */
    c[0x76] = c[0x77] = 0x0c;       /* MBDMA0/1 */
    pci_set_word(c + 0x78, 0x0002); /* PCSC */
    c[0x80] = 0x00;                 /* APICBASE */
    c[0x82] = 0x00;                 /* DLC */
    pci_set_word(c + 0xa8, 0x000f); /* SMIEN etc. reset values are timing-only */
    /* Everything from 0x4c up is stored; the PIRQ routes keep their
     * reserved bits 6-4 at zero. */
    memset(d->wmask + 0x4c, 0xff, 256 - 0x4c);
    memset(d->wmask + PIIX3_PIRQRC, 0x8f, 4);
    d->config_write = piix3_config_write;
    pci_register(bus, d, 1, 0);
    bus->router = d;
    pci_update_irqs(bus);
}

/* ---- PIIX3 IDE ---- */

void pci_piix3_ide_init(PciBus *bus, PciDevice *ide)
{
    /* Class 01.01, prog-if 0x80: bus-master capable, both channels in
     * compatibility mode at 0x1f0/0x3f6 and 0x170/0x376 on IRQ 14/15. */
    pci_device_init(ide, "piix3-ide", 0x8086, 0x7010, 0x00, 0x010180, 0x00);
    pci_set_subsystem(ide, 0x1af4, 0x1100);
    pci_set_word(ide->config + PCI_STATUS, 0x0280);
    pci_set_word(ide->wmask + PCI_COMMAND, 0x0005); /* I/O and bus master */
    pci_set_bar(ide, 4, 16, PCI_BAR_IO);            /* BMIBA */
    /* IDETIM primary/secondary: bit 15 enables the channel's decode;
     * SeaBIOS writes 0x8000 to both. Reset 0 per the datasheet. */
    memset(ide->wmask + 0x40, 0xff, 4);
    ide->wmask[0x44] = 0xff; /* SIDETIM */
    pci_register(bus, ide, 1, 1);
}
