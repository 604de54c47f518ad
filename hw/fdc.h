/*
 * fdc.h - Intel 82077AA floppy disk controller in PC/AT mode, with up to
 * four drives (media on drives 0 and 1 in practice).
 *
 * Ports 0x3f0-0x3f5 and 0x3f7 (0x3f6 belongs to IDE), IRQ 6, DMA channel 2.
 * Images are raw sector dumps; the geometry comes from the size.
 */
#ifndef RINGSIDE_FDC_H
#define RINGSIDE_FDC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block.h"
#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/dma.h"
#include "hw/irq.h"

#define FDC_DRIVES 4
#define FDC_DMA_CHANNEL 2
#define FDC_SECTOR_SIZE 512

typedef struct Fdc Fdc;

typedef struct FdcDrive {
    Fdc *fdc;
    int index;
    bool connected;    /* a drive is cabled (fdc_attach was called) */
    int type;          /* CMOS type: 1=360K 2=1.2M 3=720K 4=1.44M 5=2.88M */
    BlockDev *blk;     /* media, or NULL: drive empty */
    bool wp;           /* media write-protected */
    int tracks, heads, spt; /* media geometry */
    uint8_t rate_mask; /* data rates (bit per DSR rate code) the media reads at */
    uint8_t pcn;       /* present cylinder number (the head position) */
    uint8_t next_sect; /* rotating sector under the head, for READ ID */
    bool changed;      /* DSKCHG: media changed since the last step */
    Event seek_ev;
    uint8_t seek_st0;  /* ST0 reported when the pending seek completes */
} FdcDrive;

typedef enum FdcPhase {
    FDC_PHASE_CMD,    /* waiting for command bytes */
    FDC_PHASE_BUSY,   /* executing, nothing for the CPU (DMA or seek) */
    FDC_PHASE_EXEC,   /* non-DMA execution: data bytes through the FIFO */
    FDC_PHASE_RESULT, /* result bytes to read */
} FdcPhase;

struct Fdc {
    IoBus *bus;
    Clock *clock;
    Dma *dma;
    IrqLine irq;
    FdcDrive drive[FDC_DRIVES];

    uint8_t dor, tdr;
    uint8_t rate;      /* data rate code from DSR/CCR: 0=500K 1=300K 2=250K 3=1M */
    uint8_t dsr;
    bool in_reset;     /* DOR bit 2 low */
    bool irq_pending;  /* INT before the DOR DMA-gate */
    uint8_t sense_pending; /* bit per drive: an interrupt status to sense */
    uint8_t sense_st0[FDC_DRIVES];
    uint8_t busy_drives;   /* MSR bits 0-3 */

    /* SPECIFY, CONFIGURE, LOCK, PERPENDICULAR MODE state. */
    uint8_t specify[2];
    uint8_t config;    /* EIS | EFIFO | POLL | FIFOTHR */
    uint8_t pretrk;
    bool lock;
    uint8_t perp;
    uint8_t last_eot;

    FdcPhase phase;
    uint8_t cmd[9];
    int cmd_len, cmd_pos;
    uint8_t res[10];
    int res_len, res_pos;
    Event cmd_ev;
    Event reset_ev;

    /* The data command being executed. */
    uint8_t op;        /* command code (low 5 bits) */
    int xdrive, hds;   /* drive and physical head */
    uint8_t c, h, r, n, eot;
    bool mt;
    uint8_t st0, st1, st2;
    uint8_t buf[FDC_SECTOR_SIZE];
    int buf_pos, buf_len;
    int fmt_left;      /* FORMAT: sectors still to receive */
};

void fdc_init(Fdc *f, IoBus *bus, Clock *clock, Dma *dma, IrqLine irq6);
/* Hardware reset (RESET pin): also clears LOCK and the data rate. Media
 * stay inserted. */
void fdc_reset(Fdc *f);
/* Cable drive (0-3) and insert img, or eject with img == NULL (the drive
 * stays cabled). The geometry comes from the image size: a standard size
 * (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M DMF, 2.88M) exactly, or
 * any other multiple of 512 bytes padded to the next of 360K, 720K, 1.44M,
 * 2.88M (sectors past the end read as zeros, writes to them fail); other
 * sizes fail with *err listing the valid ones. The Fdc does not own img. */
bool fdc_attach(Fdc *f, int drive, BlockDev *img, bool write_protect, const char **err);
/* The CMOS 0x10 nibble for a drive: 0 = none, else its type. */
int fdc_cmos_type(const Fdc *f, int drive);

#endif
