/*
 * pc.h - the PC board (DESIGN.md section 1): an i440FX/PIIX3 machine close
 * to QEMU's `pc`, with every ISA device on its usual ports and IRQs, the
 * PCI functions SeaBIOS expects, and the firmware-config interface.
 *
 * The board knows nothing of the CPU: it drives the CPU's INTR line through
 * an IrqLine the frontend gives it, and the frontend's interrupt-acknowledge
 * calls pc_irq_ack.
 */
#ifndef RINGSIDE_PC_H
#define RINGSIDE_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/block.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/dma.h"
#include "hw/fdc.h"
#include "hw/fwcfg.h"
#include "hw/i8042.h"
#include "hw/ide.h"
#include "hw/irq.h"
#include "hw/pci.h"
#include "hw/pic.h"
#include "hw/pit.h"
#include "hw/port92.h"
#include "hw/rtc.h"
#include "hw/serial.h"
#include "hw/vga.h"
#include "mmu/mem.h"

#define PC_SERIALS 2

typedef struct PcConfig {
    uint32_t ram_size;
    /* IDE: index = channel * 2 + unit (hda hdb hdc hdd); NULL = absent. */
    BlockDev *ide[4];
    bool ide_cdrom[4];
    BlockDev *fd[2];
    bool fd_readonly[2];
    const char *boot_order; /* letters a, c, d, n; NULL = "cad" */
    bool boot_menu;         /* fw_cfg BOOT_MENU: SeaBIOS's "Press ESC for boot menu" */
    int64_t rtc_start;      /* guest time at power-on, seconds since 1970 UTC */
    /* VGA BIOS for SeaBIOS (fw_cfg vgaroms/), or NULL. */
    const uint8_t *vgabios;
    uint32_t vgabios_size;
    /* COM1/COM2 transmit sinks (NULL write = discard). */
    SerialBackend serial[PC_SERIALS];
} PcConfig;

typedef struct Pc {
    PhysMem *mem;
    IoBus *bus;
    Clock *clock;
    Pic pic;
    Pit pit;
    Rtc rtc;
    I8042 kbc;
    Dma dma;
    Fdc fdc;
    Ide ide;
    Serial com[PC_SERIALS];
    Vga vga;
    PciBus pci;
    I440fx i440fx;
    Piix3 piix3;
    PciDevice ide_fn;
    PciDevice vga_fn;
    FwCfg fwcfg;
    Port92 port92;
    uint8_t post_code; /* last value written to port 0x80 */
    bool ferr_latched; /* the x87 error latch: IRQ 13 raised until port 0xF0 is written */
    char *bootorder;   /* the fw_cfg "bootorder" file's text */
    uint8_t *vga_rom;  /* the VGA BIOS as its PCI expansion ROM shows it */
    uint32_t vga_rom_size;
} Pc;

/* Build the board on bus/clock/mem. cpu_intr is the CPU's INTR input.
 * Returns false with a one-line reason in err. */
bool pc_init(Pc *pc, IoBus *bus, Clock *clock, PhysMem *mem, const PcConfig *cfg, IrqLine cpu_intr, char *err,
             size_t err_len);
/* A hardware reset of every device (the RESET line). */
void pc_reset(Pc *pc);
void pc_free(Pc *pc);
/* The CPU's FERR# output (an x87 error with CR0.NE = 0): IRQ 13. */
void pc_ferr(Pc *pc);
/* The CPU's interrupt-acknowledge cycle: the vector. */
int pc_irq_ack(Pc *pc);
/* Boot through our linuxboot ROM first (-kernel): call after pc_init. */
void pc_boot_rom_first(Pc *pc, const char *rom_file);

#endif
