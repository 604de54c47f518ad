/*
 * pci.h - PCI bus 0 with configuration mechanism #1 (ports 0xcf8/0xcfc),
 * a generic configuration-space model for devices, and the functions of
 * the i440FX/PIIX3 chipset (hw/piix.c).
 *
 * A device embeds a PciDevice, fills its identity with pci_device_init(),
 * declares its BARs with pci_set_bar(), hooks what it needs, and calls
 * pci_register(). The core then handles the guest's config cycles:
 * write masks, write-1-to-clear status bits, BAR sizing, and the command
 * register's I/O and memory decode enables, telling the device when a
 * BAR's effective address changes.
 *
 * INTx: a device drives its pin through pci_intx_line(); the PIIX3's PIRQ
 * route registers (0x60-0x63) send PIRQA-D to PIC inputs; a PIC input is
 * high while any PIRQ routed to it is high (wired-OR of level interrupts).
 */
#ifndef RINGSIDE_PCI_H
#define RINGSIDE_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/irq.h"

/* Standard header registers (PCI Local Bus Specification 2.1, 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_HEADER_MULTI_FUNCTION 0x80

/* BAR flags for pci_set_bar (the low bits the BAR reads back). */
#define PCI_BAR_MEM 0x00
#define PCI_BAR_IO 0x01
#define PCI_BAR_PREFETCH 0x08
#define PCI_ROM_SLOT 6 /* bar index of the expansion ROM BAR (0x30) */
#define PCI_NUM_BARS 7

typedef struct PciBus PciBus;
typedef struct PciDevice PciDevice;

typedef struct PciBar {
    uint32_t size;   /* 0: not implemented; else a power of two */
    uint32_t flags;  /* PCI_BAR_IO or PCI_BAR_MEM [| PCI_BAR_PREFETCH] */
    uint32_t mapped; /* effective address now decoded, 0 when not */
    /* Optional: the core registers these ports on the IoBus wherever the
     * guest maps this I/O BAR and unregisters them when it moves. */
    const IoOps *io_ops;
    void *io_opaque;
    bool io_registered; /* the ports at `mapped` are ours on the IoBus */
} PciBar;

struct PciDevice {
    const char *name;
    uint8_t config[256];
    uint8_t wmask[256];   /* bits the guest may write */
    uint8_t w1cmask[256]; /* bits a guest 1 clears (status) */
    uint8_t reset_config[256]; /* config at pci_register time, restored by pci_reset */
    PciBar bar[PCI_NUM_BARS];
    PciBus *bus;
    int devfn;
    int intx_level; /* the level the device drives on its INTx pin */

    /* Called when BAR `bar`'s effective mapping changes, with the new
     * address or 0 when it stops decoding; dev->bar[bar].mapped still holds
     * the old mapping during the call. */
    void (*bar_mapped)(PciDevice *dev, int bar, uint32_t addr_or_0);
    /* Called after the core has applied a config write (device-specific
     * registers); addr is the first byte written. */
    void (*config_write)(PciDevice *dev, uint32_t addr, uint32_t val, int size);
    /* Called after pci_reset restored the config space. */
    void (*reset)(PciDevice *dev);
    void *opaque; /* for the device's own use */
};

struct PciBus {
    IoBus *io;
    uint32_t address; /* 0xcf8 */
    uint8_t rcr;      /* PIIX3 reset control register at 0xcf9 */
    PciDevice *devs[256]; /* by devfn */

    /* PIRQ routing (PIIX3): the router device owns the route registers. */
    PciDevice *router;
    IrqSetFn pic_set;
    void *pic_opaque;
    uint16_t pic_level; /* PIC inputs currently driven high by PIRQs */
};

/* Bus */
void pci_init(PciBus *bus, IoBus *io);
void pci_reset(PciBus *bus);
void pci_set_pic(PciBus *bus, IrqSetFn set, void *opaque);
/* Config cycles as the host bridge issues them (also for tests and the
 * board): addr 0-255, size 1/2/4, naturally inside one dword. */
uint32_t pci_config_read(PciBus *bus, int devfn, uint32_t addr, int size);
void pci_config_write(PciBus *bus, int devfn, uint32_t addr, uint32_t val, int size);

/* Devices */
void pci_device_init(PciDevice *dev, const char *name, uint16_t vendor, uint16_t device,
                     uint8_t revision, uint32_t class_code, uint8_t header_type);
void pci_set_subsystem(PciDevice *dev, uint16_t vendor, uint16_t id);
/* pin 1-4 = INTA-D, 0 = none. */
void pci_set_irq_pin(PciDevice *dev, int pin);
/* bar 0-5, or PCI_ROM_SLOT with flags 0; size a power of two (>= 4 for
 * I/O, >= 16 for memory, >= 2048 for the ROM). */
void pci_set_bar(PciDevice *dev, int bar, uint32_t size, uint32_t flags);
void pci_set_bar_io_ops(PciDevice *dev, int bar, const IoOps *ops, void *opaque);
void pci_register(PciBus *bus, PciDevice *dev, int dev_nr, int fn);
/* An IrqLine driving dev's INTx pin (level: 1 asserted). */
IrqLine pci_intx_line(PciBus *bus, PciDevice *dev);
void pci_set_intx(PciDevice *dev, int level);
/* Re-evaluate the PIRQ -> PIC levels (after a route register changes). */
void pci_update_irqs(PciBus *bus);

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- i440FX / PIIX3 (hw/piix.c) ---- */

/* PAM: segment [base, base+size) reads RAM (else ROM/PCI) and writes RAM. */
typedef void (*PamChangedFn)(void *opaque, uint32_t base, uint32_t size, bool read_ram,
                             bool write_ram);

typedef struct I440fx {
    PciDevice dev;
    PamChangedFn pam_changed;
    void *pam_opaque;
} I440fx;

typedef struct Piix3 {
    PciDevice dev;
} Piix3;

/* 00:00.0 host bridge; calls pam_changed for all 13 segments at once. */
void pci_i440fx_init(PciBus *bus, I440fx *hb, PamChangedFn pam_changed, void *opaque);
/* 00:01.0 ISA bridge and PIRQ router. */
void pci_piix3_init(PciBus *bus, Piix3 *isa);
/* 00:01.1 IDE function (config space only); the IDE model embeds the
 * PciDevice and may set ide->bar_mapped for the bus-master BAR 4. */
void pci_piix3_ide_init(PciBus *bus, PciDevice *ide);
/* PIRQ n (0-3 = A-D): the ISA IRQ it is routed to, or -1 when disabled. */
int piix3_pirq_route(const Piix3 *isa, int pirq);

#endif
