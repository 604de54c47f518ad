/*
 * pci.c - PCI bus 0: configuration mechanism #1, the generic config-space
 * model (write masks, status write-1-to-clear, BAR sizing and decode),
 * and INTx routing through the PIIX3's PIRQ registers.
 *
 * Follows the PCI Local Bus Specification 2.1 (3.7.4.1 configuration
 * mechanism #1, 6.2 configuration header, 6.2.5 base addresses) and the
 * 82371SB (PIIX3) datasheet for the PIRQ route control registers and the
 * reset control register at 0xcf9.
 * Not implemented: buses other than 0 (type 1 cycles read all ones),
 * 64-bit BARs, capabilities lists, special cycles.
 */
#include "hw/pci.h"

#include <string.h>

#define CONFIG_ADDRESS_ENABLE 0x80000000u

/* ---- BAR decode ---- */

static uint32_t bar_reg(int bar)
{
    return bar == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4u * (uint32_t)bar;
}

/* The address a BAR decodes now, or 0. An address of 0, a range that runs
 * off the top of the space (as after a sizing write of all ones), or a
 * disabled decoder means "not mapped", as QEMU and real chipsets treat it. */
static uint32_t bar_effective(const PciDevice *dev, int bar)
{
    const PciBar *b = &dev->bar[bar];
    if (!b->size)
        return 0;
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t v = pci_get_long(dev->config + bar_reg(bar));
    uint32_t addr = v & ~(b->size - 1);
    uint64_t last = (uint64_t)addr + b->size - 1;
    if (bar == PCI_ROM_SLOT) {
        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & 1))
            return 0;
    } else if (b->flags & PCI_BAR_IO) {
        addr &= ~3u;
        if (!(cmd & PCI_COMMAND_IO) || last > 0xffff)
            return 0;
    } else {
        addr &= ~0xfu;
        if (!(cmd & PCI_COMMAND_MEMORY))
            return 0;
    }
    if (addr == 0 || last >= 0xffffffffu)
        return 0;
    return addr;
}

static void bar_update(PciDevice *dev, int bar)
{
    PciBar *b = &dev->bar[bar];
    uint32_t addr = bar_effective(dev, bar);
    if (addr == b->mapped)
        return;
    if (b->io_ops && dev->bus) {
        if (b->io_registered)
            bus_unregister(dev->bus->io, (uint16_t)b->mapped, (uint16_t)b->size);
        /* A clash with an existing range leaves the BAR undecoded: the
         * guest programmed overlapping ports; the other range is kept. */
        b->io_registered = addr && bus_register(dev->bus->io, (uint16_t)addr, (uint16_t)b->size,
                                                b->io_ops, b->io_opaque);
    }
    if (dev->bar_mapped)
        dev->bar_mapped(dev, bar, addr);
    b->mapped = addr;
}

static void bars_update(PciDevice *dev)
{
    for (int i = 0; i < PCI_NUM_BARS; i++)
        bar_update(dev, i);
}

/* ---- devices ---- */

void pci_device_init(PciDevice *dev, const char *name, uint16_t vendor, uint16_t device,
                     uint8_t revision, uint32_t class_code, uint8_t header_type)
{
    memset(dev, 0, sizeof(*dev));
    dev->name = name;
    dev->devfn = -1;
    uint8_t *c = dev->config;
    pci_set_word(c + PCI_VENDOR_ID, vendor);
    pci_set_word(c + PCI_DEVICE_ID, device);
    c[PCI_REVISION_ID] = revision;
    c[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(c + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    c[PCI_HEADER_TYPE] = header_type;
    /* Command: I/O, memory, bus master, parity, SERR, INTx disable. */
    pci_set_word(dev->wmask + PCI_COMMAND, 0x0547);
    /* Status: the error bits 15-11 and 8 are write-1-to-clear. */
    pci_set_word(dev->w1cmask + PCI_STATUS, 0xf900);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_LATENCY_TIMER] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_set_subsystem(PciDevice *dev, uint16_t vendor, uint16_t id)
{
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, vendor);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, id);
}

void pci_set_irq_pin(PciDevice *dev, int pin)
{
    dev->config[PCI_INTERRUPT_PIN] = (uint8_t)pin;
}

void pci_set_bar(PciDevice *dev, int bar, uint32_t size, uint32_t flags)
{
    if (bar < 0 || bar >= PCI_NUM_BARS || size == 0 || (size & (size - 1)))
        return;
    if (bar == PCI_ROM_SLOT) {
        if (size < 2048)
            size = 2048;
        flags = 0;
    } else if (flags & PCI_BAR_IO) {
        if (size < 4)
            size = 4;
        flags = PCI_BAR_IO;
    } else if (size < 16) {
        size = 16;
    }
    PciBar *b = &dev->bar[bar];
    b->size = size;
    b->flags = flags;
    uint32_t reg = bar_reg(bar);
    /* The sizing protocol: the address bits below the size read as zero,
     * so writing all ones reads back ~(size - 1) plus the type bits. */
    uint32_t mask = ~(size - 1);
    if (bar == PCI_ROM_SLOT)
        mask |= 1; /* the ROM enable bit */
    pci_set_long(dev->wmask + reg, mask);
    pci_set_long(dev->config + reg, flags & (PCI_BAR_IO | PCI_BAR_PREFETCH));
}

void pci_set_bar_io_ops(PciDevice *dev, int bar, const IoOps *ops, void *opaque)
{
    if (bar < 0 || bar >= 6)
        return;
    dev->bar[bar].io_ops = ops;
    dev->bar[bar].io_opaque = opaque;
}

void pci_register(PciBus *bus, PciDevice *dev, int dev_nr, int fn)
{
    int devfn = (dev_nr & 31) << 3 | (fn & 7);
    dev->bus = bus;
    dev->devfn = devfn;
    memcpy(dev->reset_config, dev->config, sizeof(dev->config));
    bus->devs[devfn] = dev;
}

/* A function exists when it is registered and so is function 0 of its
 * device: software probes function 0 first (spec 6.2.1). */
static PciDevice *pci_find(PciBus *bus, int devfn)
{
    if (devfn < 0 || devfn > 255 || !bus->devs[devfn & ~7])
        return NULL;
    return bus->devs[devfn];
}

uint32_t pci_config_read(PciBus *bus, int devfn, uint32_t addr, int size)
{
    PciDevice *dev = pci_find(bus, devfn);
    uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (!dev || addr > 256u - (uint32_t)size)
        return ones;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)dev->config[addr + i] << (8 * i);
    return v;
}

void pci_config_write(PciBus *bus, int devfn, uint32_t addr, uint32_t val, int size)
{
    PciDevice *dev = pci_find(bus, devfn);
    if (!dev || addr > 256u - (uint32_t)size)
        return;
    bool bars = false;
    for (int i = 0; i < size; i++) {
        uint32_t a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        uint8_t w = dev->wmask[a], c = dev->w1cmask[a];
        dev->config[a] = (uint8_t)(((dev->config[a] & ~w) | (b & w)) & ~(b & c));
        if (a == PCI_COMMAND || (a >= PCI_BASE_ADDRESS_0 && a < 0x28) ||
            (a >= PCI_ROM_ADDRESS && a < 0x34))
            bars = true;
    }
    if (bars)
        bars_update(dev);
    /* INTx disable masks the pin's effect on the PIRQ it drives. */
    if (addr <= PCI_COMMAND + 1 && addr + size > PCI_COMMAND + 1 && dev->intx_level)
        pci_update_irqs(bus);
    if (dev->config_write)
        dev->config_write(dev, addr, val, size);
}

void pci_reset(PciBus *bus)
{
    bus->address = 0;
    bus->rcr = 0;
    for (int i = 0; i < 256; i++) {
        PciDevice *dev = bus->devs[i];
        if (!dev)
            continue;
        memcpy(dev->config, dev->reset_config, sizeof(dev->config));
        bars_update(dev);
        if (dev->reset)
            dev->reset(dev);
    }
    pci_update_irqs(bus);
}

/* ---- INTx and PIRQ routing ---- */

/* The swizzle SeaBIOS's PIR table and QEMU's i440FX use: INTA of the device
 * in slot s reaches PIRQ (s - 1) mod 4, each further pin the next PIRQ. */
static int pci_pirq_of(const PciDevice *dev)
{
    int pin = dev->config[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4)
        return -1;
    return (pin - 1 + (dev->devfn >> 3) - 1) & 3;
}

void pci_update_irqs(PciBus *bus)
{
    unsigned pirq_level = 0;
    for (int i = 0; i < 256; i++) {
        PciDevice *dev = bus->devs[i];
        if (!dev || !dev->intx_level)
            continue;
        if (pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE)
            continue;
        int p = pci_pirq_of(dev);
        if (p >= 0)
            pirq_level |= 1u << p;
    }
    uint16_t level = 0;
    if (bus->router) {
        for (int p = 0; p < 4; p++) {
            uint8_t route = bus->router->config[0x60 + p];
            /* IRQ 0, 1, 2, 8 and 13 are reserved routings (PIIX3 2.2.13). */
            int irq = route & 0x0f;
            if (!(route & 0x80) && (pirq_level & (1u << p)) && irq > 2 && irq != 8 && irq != 13)
                level |= (uint16_t)(1u << irq);
        }
    }
    uint16_t changed = level ^ bus->pic_level;
    bus->pic_level = level;
    if (!bus->pic_set)
        return;
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            bus->pic_set(bus->pic_opaque, irq, (level >> irq) & 1);
}

void pci_set_intx(PciDevice *dev, int level)
{
    level = level != 0;
    if (dev->intx_level == level)
        return;
    dev->intx_level = level;
    if (dev->bus)
        pci_update_irqs(dev->bus);
}

static void pci_intx_set(void *opaque, int n, int level)
{
    PciBus *bus = opaque;
    if (n >= 0 && n < 256 && bus->devs[n])
        pci_set_intx(bus->devs[n], level);
}

IrqLine pci_intx_line(PciBus *bus, PciDevice *dev)
{
    return irq_line(pci_intx_set, bus, dev->devfn);
}

void pci_set_pic(PciBus *bus, IrqSetFn set, void *opaque)
{
    bus->pic_set = set;
    bus->pic_opaque = opaque;
    bus->pic_level = 0;
    pci_update_irqs(bus);
}

/* ---- mechanism #1 ports ---- */

/* 0xcf8: dword CONFIG_ADDRESS; 0xcf9: PIIX3 reset control (byte);
 * 0xcfc-0xcff: CONFIG_DATA at the byte the low address bits name. */
static uint32_t pci_port_read(void *opaque, uint32_t offset, int size)
{
    PciBus *bus = opaque;
    uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (offset == 0 && size == 4)
        return bus->address;
    if (offset == 1 && size == 1)
        return bus->rcr;
    if (offset < 4 || !(bus->address & CONFIG_ADDRESS_ENABLE))
        return ones;
    if ((bus->address >> 16) & 0xff) /* bus != 0: nothing behind a bridge */
        return ones;
    int devfn = (bus->address >> 8) & 0xff;
    uint32_t reg = (bus->address & 0xfc) + (offset & 3);
    return pci_config_read(bus, devfn, reg, size);
}

static void pci_port_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    PciBus *bus = opaque;
    if (offset == 0 && size == 4) {
        /* Bits 30-24 are reserved (read 0); bits 1-0 select the cycle type,
         * which the bridge derives itself. */
        bus->address = val & 0x80fffffcu;
        return;
    }
    if (offset == 1 && size == 1) {
        /* RCR: bit 2 going 1 resets (bit 1 picks hard or soft: both are a
         * full machine reset here). */
        bus->rcr = (uint8_t)(val & 0x02);
        if (val & 0x04)
            bus->io->reset = true;
        return;
    }
    if (offset < 4 || !(bus->address & CONFIG_ADDRESS_ENABLE) || ((bus->address >> 16) & 0xff))
        return;
    int devfn = (bus->address >> 8) & 0xff;
    uint32_t reg = (bus->address & 0xfc) + (offset & 3);
    pci_config_write(bus, devfn, reg, val, size);
}

static const IoOps pci_port_ops = { "pci-conf1", pci_port_read, pci_port_write };

void pci_init(PciBus *bus, IoBus *io)
{
    memset(bus, 0, sizeof(*bus));
    bus->io = io;
    bus_register(io, 0xcf8, 8, &pci_port_ops, bus);
}
