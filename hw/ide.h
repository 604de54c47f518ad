/*
 * ide.h - the IDE controller of the PIIX3 in legacy (compatibility) mode:
 * two channels (primary 0x1f0-0x1f7 + 0x3f6 on IRQ14, secondary
 * 0x170-0x177 + 0x376 on IRQ15), each with a master and a slave that is an
 * ATA hard disk, an ATAPI CD-ROM or nothing. PIO only for now; the command
 * code keeps data movement in one place (ide_xfer_*) so the bus-master DMA
 * of the PIIX3 function can be added later.
 */
#ifndef RINGSIDE_IDE_H
#define RINGSIDE_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/irq.h"

/* Status register (ATA-6 section 7.15). */
#define IDE_STAT_BSY 0x80
#define IDE_STAT_DRDY 0x40
#define IDE_STAT_DF 0x20
#define IDE_STAT_DSC 0x10
#define IDE_STAT_DRQ 0x08
#define IDE_STAT_ERR 0x01

/* Error register. For ATAPI the high nibble is the sense key. */
#define IDE_ERR_UNC 0x40
#define IDE_ERR_IDNF 0x10
#define IDE_ERR_ABRT 0x04

/* Device control register. */
#define IDE_CTL_HOB 0x80
#define IDE_CTL_SRST 0x04
#define IDE_CTL_NIEN 0x02

/* ATAPI interrupt reason (the sector count register). */
#define ATAPI_IR_COD 0x01
#define ATAPI_IR_IO 0x02

#define IDE_MAX_MULT 16
#define IDE_BUF_SIZE (65536 + 2 * 2048)

typedef struct Ide Ide;

/* The task file as one device holds it; writes reach both devices of a
 * channel, reads come from the selected one. */
typedef struct IdeRegs {
    uint8_t feature, nsect, lbal, lbam, lbah;
    uint8_t hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
    uint8_t device;
    uint8_t status, error;
} IdeRegs;

typedef struct IdeDrive {
    bool present;
    bool cdrom;
    BlockDev *bd;        /* CD: NULL when there is no disc */
    uint64_t nsectors;   /* 512-byte (disk) or 2048-byte (CD) sectors */
    IdeRegs r;
    bool intrq;          /* interrupt pending (INTRQ when selected, !nIEN) */
    /* ATA */
    uint16_t cyls, heads, secs;        /* default geometry (IDENTIFY 1/3/6) */
    uint16_t cur_cyls, cur_heads, cur_secs;
    uint8_t mult;        /* sectors per READ/WRITE MULTIPLE block, 0 = off */
    bool wcache;
    bool standby;
    /* ATAPI */
    uint8_t sense_key, asc, ascq;
    bool unit_attention; /* reported once after a media change */
    bool tray_open;
    bool locked;
    uint8_t media_event; /* GESN media event code, 0 = none */
    char serial[21], model[41], fw[9];
} IdeDrive;

typedef enum IdeXfer {
    XFER_NONE,
    XFER_PIO_IN,      /* ATA data to the host, from buf */
    XFER_ATA_READ,    /* READ SECTORS/MULTIPLE: refill per block */
    XFER_ATA_WRITE,   /* WRITE SECTORS/MULTIPLE: flush per block */
    XFER_PACKET,      /* ATAPI: receiving the 12-byte command */
    XFER_ATAPI_IN,    /* ATAPI: data to the host in byte-count chunks */
} IdeXfer;

typedef struct IdeChannel {
    Ide *ide;
    int index;
    IdeDrive drive[2];
    int cur;             /* the DEV bit of the last device register write */
    uint8_t control;
    IrqLine irq;
    int irq_level;       /* what irq was last driven to */
    /* The transfer in progress (one per channel: the cable carries one). */
    IdeXfer xfer;
    int xunit;
    uint32_t pos, end;   /* current DRQ block: buf[pos..end) */
    uint64_t lba;        /* next sector to read or write */
    uint64_t left;       /* ATA: sectors left; ATAPI: bytes left */
    uint32_t block;      /* ATA: sectors per DRQ block */
    uint32_t cd_have;    /* ATAPI READ: bytes of buf filled from the disc */
    uint64_t cd_sectors; /* ATAPI READ: sectors still to read from the disc */
    uint32_t bcl;        /* ATAPI byte count limit */
    bool lba48;
    uint8_t buf[IDE_BUF_SIZE];
} IdeChannel;

struct Ide {
    IoBus *bus;
    Clock *clock;
    IdeChannel ch[2];
    char msg[160];       /* the last attach warning or error */
};

void ide_init(Ide *ide, IoBus *bus, Clock *clock, IrqLine irq14, IrqLine irq15);
/* Attach an image as channel/unit (0 master, 1 slave). A disk needs bd and
 * a size that is a non-zero multiple of 512; a CD may have bd NULL (an
 * empty drive), and an ISO whose size is not a multiple of 2048 is rounded
 * down. Returns false with *err set on failure; on success *err is NULL or
 * a warning the caller should print. The BlockDev stays the caller's. */
bool ide_attach(Ide *ide, int channel, int unit, BlockDev *bd, bool cdrom, const char **err);
/* Hardware reset (power on): every setting back to its default. */
void ide_reset(Ide *ide);
/* Insert (bd) or remove (NULL) a disc: the guest sees a media change
 * (UNIT ATTENTION, a GESN media event). The old BlockDev stays the
 * caller's. */
void ide_cd_change(Ide *ide, int channel, int unit, BlockDev *bd);

/* Shared between ide.c and atapi.c. */
void ide_set_irq(IdeChannel *c, IdeDrive *d);
void ide_abort(IdeChannel *c, IdeDrive *d);
void ide_set_signature(IdeDrive *d);
void atapi_identify(IdeDrive *d, uint16_t *id);
void atapi_packet(IdeChannel *c, IdeDrive *d);
void atapi_data_done(IdeChannel *c, IdeDrive *d);
void atapi_reset(IdeDrive *d);
void atapi_change_medium(IdeChannel *c, IdeDrive *d, BlockDev *bd);

#endif
