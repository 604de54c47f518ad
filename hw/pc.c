/*
 * pc.c - wiring the PC board; see pc.h. Ports and IRQs follow DESIGN.md
 * section 1 (and the PC/AT): PIT IRQ0, keyboard IRQ1, cascade IRQ2, COM2
 * IRQ3, COM1 IRQ4, floppy IRQ6, RTC IRQ8, mouse IRQ12, IDE IRQ14/15.
 */
#include "hw/pc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Port 0x80: the POST code port. Firmware writes progress codes here
 * (and some BIOSes use it as a short delay); reads give the last value. */
static uint32_t post_read(void *opaque, uint32_t off, int size)
{
    (void)off;
    (void)size;
    return ((Pc *)opaque)->post_code;
}

static void post_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    (void)off;
    (void)size;
    ((Pc *)opaque)->post_code = (uint8_t)val;
}

static const IoOps post_ops = { "post", post_read, post_write };

/* The AT's coprocessor error logic: FERR# from the CPU sets a latch that
 * raises IRQ 13 (and holds IGNNE#, so the x87 instruction proceeds);
 * writing port 0xF0 clears the latch and IRQ 13. Port 0xF1 (reset the
 * coprocessor) clears it too. */
void pc_ferr(Pc *pc)
{
    if (!pc->ferr_latched) {
        pc->ferr_latched = true;
        pic_set_irq(&pc->pic, 13, 1);
    }
}

static uint32_t fpu_port_read(void *opaque, uint32_t off, int size)
{
    (void)opaque;
    (void)off;
    (void)size;
    return 0xff;
}

static void fpu_port_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    Pc *pc = opaque;
    (void)off;
    (void)val;
    (void)size;
    if (pc->ferr_latched) {
        pc->ferr_latched = false;
        pic_set_irq(&pc->pic, 13, 0);
    }
}

static const IoOps fpu_port_ops = { "fpu-error", fpu_port_read, fpu_port_write };

static void pc_pam_changed(void *opaque, uint32_t base, uint32_t size, bool read_ram, bool write_ram)
{
    Pc *pc = opaque;
    mem_set_pam(pc->mem, base, size, read_ram, write_ram);
}

/* BAR0 is the linear framebuffer; the expansion ROM BAR holds the VGA
 * BIOS, so SeaBIOS runs it as the PCI device's ROM and SeaVGABIOS learns
 * its own PCI address (and thus the framebuffer's) as on QEMU's stdvga. */
static void vga_bar_mapped(PciDevice *dev, int bar, uint32_t addr)
{
    Pc *pc = dev->opaque;
    if (bar == 0) {
        vga_map_lfb(&pc->vga, addr);
    } else if (bar == PCI_ROM_SLOT) {
        if (dev->bar[bar].mapped)
            mem_unmap_host(pc->mem, dev->bar[bar].mapped);
        if (addr)
            mem_map_host_rom(pc->mem, addr, pc->vga_rom_size, pc->vga_rom);
    }
}

/* CMOS contents SeaBIOS, DOS and old OSes read (the AT's NVRAM map and
 * the QEMU/Bochs extensions SeaBIOS knows). */
static void fill_cmos(Pc *pc, const PcConfig *cfg)
{
    Rtc *r = &pc->rtc;
    uint32_t kb = cfg->ram_size / 1024;
    rtc_set_cmos(r, 0x15, 640 & 0xff); /* base memory in KiB */
    rtc_set_cmos(r, 0x16, 640 >> 8);
    uint32_t ext = kb > 1024 ? kb - 1024 : 0; /* KiB above 1 MiB, at most 0xffff */
    if (ext > 0xffff)
        ext = 0xffff;
    rtc_set_cmos(r, 0x17, (uint8_t)ext);
    rtc_set_cmos(r, 0x18, (uint8_t)(ext >> 8));
    rtc_set_cmos(r, 0x30, (uint8_t)ext);
    rtc_set_cmos(r, 0x31, (uint8_t)(ext >> 8));
    /* 64 KiB blocks above 16 MiB (SeaBIOS's CMOS_MEM_HIGHMEM), none above 4G. */
    uint32_t high = cfg->ram_size > (16u << 20) ? (cfg->ram_size - (16u << 20)) >> 16 : 0;
    if (high > 0xffff)
        high = 0xffff;
    rtc_set_cmos(r, 0x34, (uint8_t)high);
    rtc_set_cmos(r, 0x35, (uint8_t)(high >> 8));
    rtc_set_cmos(r, 0x5b, 0);
    rtc_set_cmos(r, 0x5c, 0);
    rtc_set_cmos(r, 0x5d, 0);
    rtc_set_cmos(r, 0x5f, 0); /* CPUs - 1 */

    /* Floppy drive types and the equipment byte. */
    int fa = cfg->fd[0] ? fdc_cmos_type(&pc->fdc, 0) : 0;
    int fb = cfg->fd[1] ? fdc_cmos_type(&pc->fdc, 1) : 0;
    rtc_set_cmos(r, 0x10, (uint8_t)(fa << 4 | fb));
    int nfd = (fa != 0) + (fb != 0);
    uint8_t equip = 0x02; /* FPU present; display 00 = EGA/VGA */
    if (nfd)
        equip |= 0x01 | (uint8_t)((nfd - 1) << 6);
    rtc_set_cmos(r, 0x14, equip);
    /* Hard disk types: 0xf = "see 0x19/0x1a", type 47 = user-defined. */
    uint8_t hd = 0;
    if (cfg->ide[0] && !cfg->ide_cdrom[0]) {
        hd |= 0xf0;
        rtc_set_cmos(r, 0x19, 47);
    }
    if (cfg->ide[1] && !cfg->ide_cdrom[1]) {
        hd |= 0x0f;
        rtc_set_cmos(r, 0x1a, 47);
    }
    rtc_set_cmos(r, 0x12, hd);

    /* Boot order for SeaBIOS (CMOS 0x3d low/high nibble, 0x38 high
     * nibble: 1 floppy, 2 hard disk, 3 CD-ROM, 4 network). */
    const char *order = cfg->boot_order ? cfg->boot_order : "cad";
    uint8_t dev[3] = { 0, 0, 0 };
    for (int i = 0; i < 3 && order[i]; i++)
        dev[i] = order[i] == 'a' ? 1 : order[i] == 'c' ? 2 : order[i] == 'd' ? 3 : 4;
    rtc_set_cmos(r, 0x3d, (uint8_t)(dev[1] << 4 | dev[0]));
    rtc_set_cmos(r, 0x38, (uint8_t)(dev[2] << 4));
    rtc_fix_checksum(r);
}

static void pic_to_pci(void *opaque, int n, int level)
{
    pic_set_irq(opaque, n, level);
}

bool pc_init(Pc *pc, IoBus *bus, Clock *clock, PhysMem *mem, const PcConfig *cfg, IrqLine cpu_intr, char *err,
             size_t err_len)
{
    const char *why = NULL;
    pc->mem = mem;
    pc->bus = bus;
    pc->clock = clock;

    pic_init(&pc->pic, bus, cpu_intr);
#define IRQ(n) irq_line(pic_set_irq, &pc->pic, (n))
    pit_init(&pc->pit, bus, clock, IRQ(0));
    rtc_init(&pc->rtc, bus, clock, IRQ(8), cfg->rtc_start);
    i8042_init(&pc->kbc, bus, clock, mem, IRQ(1), IRQ(12));
    dma_init(&pc->dma, bus, mem);
    fdc_init(&pc->fdc, bus, clock, &pc->dma, IRQ(6));
    ide_init(&pc->ide, bus, clock, IRQ(14), IRQ(15));
    static const uint16_t com_base[PC_SERIALS] = { 0x3f8, 0x2f8 };
    static const int com_irq[PC_SERIALS] = { 4, 3 };
    for (int i = 0; i < PC_SERIALS; i++)
        serial_init(&pc->com[i], bus, clock, com_base[i], IRQ(com_irq[i]), &cfg->serial[i]);
#undef IRQ
    if (!vga_init(&pc->vga, bus, clock, mem)) {
        snprintf(err, err_len, "out of host memory for the VGA");
        return false;
    }
    if (!port92_create(bus, &pc->port92, mem) || !bus_register(bus, 0x80, 1, &post_ops, pc) ||
        !bus_register(bus, 0xf0, 2, &fpu_port_ops, pc)) {
        snprintf(err, err_len, "cannot register the board's ports (too many I/O ranges?)");
        return false;
    }

    for (int i = 0; i < 4; i++) {
        if (!cfg->ide[i])
            continue;
        if (!ide_attach(&pc->ide, i / 2, i % 2, cfg->ide[i], cfg->ide_cdrom[i], &why)) {
            snprintf(err, err_len, "%s: %s", cfg->ide[i]->path, why);
            return false;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (cfg->fd[i] && !fdc_attach(&pc->fdc, i, cfg->fd[i], cfg->fd_readonly[i], &why)) {
            snprintf(err, err_len, "%s: %s", cfg->fd[i]->path, why);
            return false;
        }
    }

    /* PCI: host bridge 00:00.0, PIIX3 ISA 00:01.0 and IDE 00:01.1, the
     * VGA (Bochs/QEMU stdvga, 1234:1111) at 00:02.0 with its linear
     * framebuffer as BAR0. */
    pci_init(&pc->pci, bus);
    pci_set_pic(&pc->pci, pic_to_pci, &pc->pic);
    pci_i440fx_init(&pc->pci, &pc->i440fx, pc_pam_changed, pc);
    pci_piix3_init(&pc->pci, &pc->piix3);
    pci_piix3_ide_init(&pc->pci, &pc->ide_fn);
    pci_device_init(&pc->vga_fn, "vga", 0x1234, 0x1111, 2, 0x030000, 0x00);
    pci_set_subsystem(&pc->vga_fn, 0x1af4, 0x1100);
    pci_set_bar(&pc->vga_fn, 0, 16u << 20, PCI_BAR_MEM | PCI_BAR_PREFETCH);
    if (cfg->vgabios) {
        uint32_t size = 2048;
        while (size < cfg->vgabios_size)
            size <<= 1;
        pc->vga_rom = malloc(size);
        if (!pc->vga_rom) {
            snprintf(err, err_len, "out of host memory for the VGA BIOS");
            return false;
        }
        pc->vga_rom_size = size;
        memset(pc->vga_rom, 0xff, size);
        memcpy(pc->vga_rom, cfg->vgabios, cfg->vgabios_size);
        pci_set_bar(&pc->vga_fn, PCI_ROM_SLOT, size, 0);
    }
    pc->vga_fn.bar_mapped = vga_bar_mapped;
    pc->vga_fn.opaque = pc;
    pci_register(&pc->pci, &pc->vga_fn, 2, 0);

    /* Firmware config: what SeaBIOS reads on a QEMU-like board. */
    fwcfg_init(&pc->fwcfg, bus, mem);
    fwcfg_add_i64(&pc->fwcfg, FW_CFG_RAM_SIZE, cfg->ram_size);
    /* fwcfg_init already answers one CPU and no NUMA nodes. */
    fwcfg_add_i16(&pc->fwcfg, FW_CFG_BOOT_MENU, cfg->boot_menu ? 1 : 0);
    fwcfg_add_e820(&pc->fwcfg, 0, cfg->ram_size, E820_RAM);

    fill_cmos(pc, cfg);
    return true;
}

void pc_boot_rom_first(Pc *pc, const char *rom_file)
{
    size_t n = strlen(rom_file) + 8;
    free(pc->bootorder);
    pc->bootorder = malloc(n);
    if (!pc->bootorder)
        return;
    snprintf(pc->bootorder, n, "/rom@%s\n", rom_file);
    fwcfg_add_file(&pc->fwcfg, "bootorder", pc->bootorder, (uint32_t)strlen(pc->bootorder) + 1);
}

void pc_reset(Pc *pc)
{
    pic_reset(&pc->pic);
    pit_reset(&pc->pit);
    rtc_reset(&pc->rtc);
    i8042_reset(&pc->kbc);
    dma_reset(&pc->dma);
    fdc_reset(&pc->fdc);
    ide_reset(&pc->ide);
    for (int i = 0; i < PC_SERIALS; i++)
        serial_reset(&pc->com[i]);
    vga_reset(&pc->vga);
    pci_reset(&pc->pci);
    fwcfg_reset(&pc->fwcfg);
    port92_reset(&pc->port92);
    pc->post_code = 0;
    pc->ferr_latched = false;
}

void pc_free(Pc *pc)
{
    vga_free(&pc->vga);
    fwcfg_free(&pc->fwcfg);
    free(pc->bootorder);
    pc->bootorder = NULL;
    free(pc->vga_rom);
    pc->vga_rom = NULL;
}

int pc_irq_ack(Pc *pc)
{
    return pic_ack(&pc->pic);
}
