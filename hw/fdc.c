/*
 * fdc.c - Intel 82077AA floppy disk controller, PC/AT mode.
 *
 * Follows the 82077AA datasheet: DOR (reset, DMA gate, drive select,
 * motors), MSR/DSR, the FIFO data port, DIR (disk change) and CCR, the
 * command, execution and result phases, and the commands SPECIFY, SENSE
 * DRIVE STATUS, RECALIBRATE, SEEK (and relative seek), SENSE INTERRUPT
 * STATUS, READ DATA, WRITE DATA (MT, end of track, the ST0-ST2/C/H/R/N
 * result table), READ TRACK, READ ID, FORMAT TRACK, VERSION, CONFIGURE
 * (implied seek, polling), LOCK, DUMPREG and PERPENDICULAR MODE, with DMA
 * (channel 2, terminal count ends a transfer) or non-DMA execution (SPECIFY
 * ND bit). In AT mode the INT and DRQ outputs are gated by DOR bit 3.
 *
 * Media are raw images, their geometry from the size (short images, like
 * GRUB's rescue floppy, are padded to the next standard 3.5" or 360K size:
 * see fdc_attach in fdc.h); the controller checks the data rate programmed in
 * DSR/CCR against the media (Linux and SeaBIOS find the format by trying
 * rates), the cylinder under the head against the command's C, and the
 * sector number against the track. Commands complete after a short guest
 * delay on the clock; the IRQ rises once the result is ready.
 *
 * Not implemented: READ/WRITE DELETED DATA, VERIFY and the SCAN commands
 * (they answer as invalid commands), N other than 2 (512-byte sectors),
 * real seek and rotation timing, the FIFO threshold (data moves a sector at
 * a time), power down.
 */
#include "hw/fdc.h"

#include <string.h>

/* Status register bits (82077AA datasheet, "Status Register 0-3"). */
#define ST0_ABNORMAL 0x40
#define ST0_INVALID 0x80
#define ST0_POLL 0xc0 /* IC = 11: ready changed during polling, after reset */
#define ST0_SE 0x20
#define ST0_EC 0x10
#define ST1_MA 0x01
#define ST1_NW 0x02
#define ST1_ND 0x04
#define ST1_OR 0x10
#define ST1_EN 0x80
#define ST2_BC 0x02
#define ST2_WC 0x10
#define ST3_WP 0x40
#define ST3_RDY 0x20
#define ST3_T0 0x10
#define ST3_TS 0x08

#define MSR_RQM 0x80
#define MSR_DIO 0x40
#define MSR_NDMA 0x20
#define MSR_CB 0x10

#define DOR_RESET 0x04 /* active low: 0 holds the controller in reset */
#define DOR_DMAGATE 0x08

#define CFG_EIS 0x40
#define CFG_EFIFO 0x20
#define CFG_POLL 0x10 /* 1: polling disabled */

enum {
    CMD_READ_TRACK = 0x02,
    CMD_SPECIFY = 0x03,
    CMD_SENSE_DRIVE = 0x04,
    CMD_WRITE = 0x05,
    CMD_READ = 0x06,
    CMD_RECALIBRATE = 0x07,
    CMD_SENSE_INT = 0x08,
    CMD_READ_ID = 0x0a,
    CMD_FORMAT = 0x0d,
    CMD_DUMPREG = 0x0e,
    CMD_SEEK = 0x0f,
    CMD_VERSION = 0x10,
    CMD_PERPENDICULAR = 0x12,
    CMD_CONFIGURE = 0x13,
    CMD_LOCK = 0x14,
};

/* Guest delays: short, so boots are quick, but long enough that the CPU
 * sees the controller busy and the IRQ arrives after the command. */
#define FDC_CMD_NS 50000ull    /* data commands and READ ID */
#define FDC_SEEK_NS 100000ull  /* seek and recalibrate */
#define FDC_RESET_NS 10000ull  /* reset released -> polling interrupt */

typedef struct FdcFormat {
    uint32_t size;
    int tracks, heads, spt;
    int type;          /* CMOS drive type for this media */
    uint8_t rate_mask; /* bit per rate code: 0=500K 1=300K 2=250K 3=1M */
} FdcFormat;

/* 5.25" double-density media read at 250 kb/s in a 360K drive and at
 * 300 kb/s in a 1.2M drive (SeaBIOS tries 300K first). */
static const FdcFormat fdc_formats[] = {
    { 163840, 40, 1, 8, 1, 0x6 },   /* 160K */
    { 184320, 40, 1, 9, 1, 0x6 },   /* 180K */
    { 327680, 40, 2, 8, 1, 0x6 },   /* 320K */
    { 368640, 40, 2, 9, 1, 0x6 },   /* 360K */
    { 737280, 80, 2, 9, 3, 0x4 },   /* 720K */
    { 1228800, 80, 2, 15, 2, 0x1 }, /* 1.2M */
    { 1474560, 80, 2, 18, 4, 0x1 }, /* 1.44M */
    { 1720320, 80, 2, 21, 4, 0x1 }, /* 1.68M DMF */
    { 2949120, 80, 2, 36, 5, 0x8 }, /* 2.88M */
};

/* The geometry for an image of size bytes: an exact standard size, else
 * (as GRUB's rescue floppy needs) the smallest 3.5"/360K format that holds
 * it; the missing tail reads as zeros and refuses writes. NULL if none. */
static const FdcFormat *fdc_format_for(uint64_t size)
{
    static const int padded[] = { 3, 4, 6, 8 }; /* 360K, 720K, 1.44M, 2.88M */
    const size_t n = sizeof(fdc_formats) / sizeof(fdc_formats[0]);
    for (size_t i = 0; i < n; i++)
        if (size == fdc_formats[i].size)
            return &fdc_formats[i];
    if (size == 0 || size % FDC_SECTOR_SIZE)
        return NULL;
    for (size_t i = 0; i < sizeof(padded) / sizeof(padded[0]); i++)
        if (size < fdc_formats[padded[i]].size)
            return &fdc_formats[padded[i]];
    return NULL;
}

static void fdc_update_irq(Fdc *f)
{
    /* AT mode: DOR's DMA gate also gates INT; a held reset drops it. */
    bool level = f->irq_pending && (f->dor & DOR_DMAGATE) && !f->in_reset;
    irq_set(&f->irq, level);
}

static void fdc_raise(Fdc *f)
{
    f->irq_pending = true;
    fdc_update_irq(f);
}

static void fdc_lower(Fdc *f)
{
    f->irq_pending = false;
    fdc_update_irq(f);
}

static bool fdc_motor_on(const Fdc *f, int drive)
{
    return (f->dor & (0x10 << drive)) != 0;
}

/* Move the head of drive d to cylinder cyl. A step with the motor on and a
 * disk in clears the disk-change latch (the drive clears DSKCHG on a step
 * pulse with media present). */
static void fdc_move_head(Fdc *f, FdcDrive *d, uint8_t cyl)
{
    if (cyl != d->pcn && d->blk && fdc_motor_on(f, d->index))
        d->changed = false;
    d->pcn = cyl;
}

static void fdc_set_result(Fdc *f, const uint8_t *bytes, int n, bool irq)
{
    memcpy(f->res, bytes, (size_t)n);
    f->res_len = n;
    f->res_pos = 0;
    f->phase = FDC_PHASE_RESULT;
    if (irq)
        fdc_raise(f);
}

/* End a data command: ST0 from flags, then the 7-byte result. */
static void fdc_finish(Fdc *f, uint8_t st0_flags)
{
    f->st0 = (uint8_t)(st0_flags | (f->hds << 2) | f->xdrive);
    uint8_t r[7] = { f->st0, f->st1, f->st2, f->c, f->h, f->r, f->n };
    fdc_set_result(f, r, 7, true);
}

static void fdc_fail(Fdc *f, uint8_t st1, uint8_t st2)
{
    f->st1 |= st1;
    f->st2 |= st2;
    fdc_finish(f, ST0_ABNORMAL);
}

/* Can the head read ID fields on the current track at the programmed rate? */
static bool fdc_track_readable(const Fdc *f, const FdcDrive *d)
{
    return d->connected && d->blk && (d->rate_mask & (1u << f->rate)) &&
           d->pcn < d->tracks && f->hds < d->heads;
}

static bool fdc_is_write(uint8_t op)
{
    return op == CMD_WRITE || op == CMD_FORMAT;
}

static uint64_t fdc_sector_offset(const FdcDrive *d, int cyl, int head, int sect)
{
    return ((uint64_t)(cyl * d->heads + head) * (uint64_t)d->spt + (uint64_t)(sect - 1)) *
           FDC_SECTOR_SIZE;
}

/* Find sector C/H/R/N under the head; for reads, load it into buf. On
 * failure the command ends with the datasheet's status. */
static bool fdc_sector_begin(Fdc *f)
{
    FdcDrive *d = &f->drive[f->xdrive];
    f->buf_pos = 0;
    if (f->op == CMD_FORMAT) {
        f->buf_len = 4; /* the C, H, R, N of one ID field */
        return true;
    }
    f->buf_len = FDC_SECTOR_SIZE;
    if (!fdc_track_readable(f, d)) {
        fdc_fail(f, ST1_MA, 0);
        return false;
    }
    /* The ID fields on this track say cylinder pcn, head hds, 512 bytes. */
    if (f->c != d->pcn) {
        fdc_fail(f, ST1_ND, f->c == 0xff ? ST2_BC : ST2_WC);
        return false;
    }
    if (f->h != f->hds || f->r < 1 || f->r > d->spt || f->n != 2) {
        fdc_fail(f, ST1_ND, 0);
        return false;
    }
    uint64_t off = fdc_sector_offset(d, d->pcn, f->hds, f->r);
    if (f->op == CMD_WRITE)
        return true;
    if (off + FDC_SECTOR_SIZE > d->blk->size) {
        memset(f->buf, 0, FDC_SECTOR_SIZE); /* the padding of a short image */
        return true;
    }
    if (!block_read(d->blk, off, f->buf, FDC_SECTOR_SIZE)) {
        fdc_fail(f, ST1_ND, 0); /* XXX: a host I/O error looks like a bad sector */
        return false;
    }
    return true;
}

/* The sector in buf is complete: store it for writes and formats. */
static bool fdc_sector_commit(Fdc *f)
{
    FdcDrive *d = &f->drive[f->xdrive];
    if (f->op == CMD_WRITE) {
        if (!block_write(d->blk, fdc_sector_offset(d, d->pcn, f->hds, f->r), f->buf,
                         FDC_SECTOR_SIZE)) {
            fdc_fail(f, ST1_NW, 0);
            return false;
        }
        return true;
    }
    if (f->op == CMD_FORMAT) {
        /* The ID the host sent names the sector; the gap and filler byte
         * (cmd[5]) fill its data field. XXX: IDs that do not fit the
         * image's geometry are accepted and not stored. */
        f->c = f->buf[0];
        f->h = f->buf[1];
        f->r = f->buf[2];
        f->n = f->buf[3];
        if (f->r >= 1 && f->r <= d->spt && f->n == 2 && d->pcn < d->tracks && f->hds < d->heads) {
            uint8_t fill[FDC_SECTOR_SIZE];
            memset(fill, f->cmd[5], sizeof(fill));
            if (!block_write(d->blk, fdc_sector_offset(d, d->pcn, f->hds, f->r), fill,
                             sizeof(fill))) {
                fdc_fail(f, ST1_NW, 0);
                return false;
            }
        }
    }
    return true;
}

/* Step to the next sector after one completed; tc: the DMA count expired.
 * Returns true if the command goes on. The C/H/R/N update follows the
 * datasheet's result table: at EOT, MT on head 0 moves to head 1 sector 1;
 * otherwise C+1, R=1 (and H complemented with MT). */
static bool fdc_sector_next(Fdc *f, bool tc)
{
    if (f->op == CMD_FORMAT) {
        if (--f->fmt_left == 0 || tc) {
            fdc_finish(f, 0);
            return false;
        }
        return true;
    }
    if (f->r == f->eot) {
        if (f->mt && f->hds == 0) {
            f->hds = 1;
            f->h ^= 1;
            f->r = 1;
            if (tc) {
                fdc_finish(f, 0);
                return false;
            }
            return true;
        }
        f->r = 1;
        f->c++;
        if (f->mt)
            f->h ^= 1;
        if (tc)
            fdc_finish(f, 0);
        else
            fdc_fail(f, ST1_EN, 0); /* no TC at the end of the cylinder */
        return false;
    }
    f->r++;
    if (tc) {
        fdc_finish(f, 0);
        return false;
    }
    return true;
}

/* DMA execution: the whole command at once. */
static void fdc_run_dma(Fdc *f)
{
    bool to_mem = !fdc_is_write(f->op);
    for (;;) {
        if (!fdc_sector_begin(f))
            return;
        int moved = 0;
        if (f->dor & DOR_DMAGATE)
            moved = dma_transfer(f->dma, FDC_DMA_CHANNEL, f->buf, f->buf_len, to_mem);
        bool tc = dma_channel_tc(f->dma, FDC_DMA_CHANNEL) && moved > 0;
        if (moved < f->buf_len && !tc) {
            /* Nobody serviced DRQ in time. */
            fdc_fail(f, ST1_OR, 0);
            return;
        }
        if (moved < f->buf_len) {
            if (f->op == CMD_FORMAT) {
                fdc_finish(f, 0); /* TC before a whole ID: nothing to format */
                return;
            }
            /* TC inside a sector being written: the rest is zero-filled. */
            memset(f->buf + moved, 0, (size_t)(f->buf_len - moved));
        }
        if (!fdc_sector_commit(f))
            return;
        if (!fdc_sector_next(f, tc))
            return;
    }
}

/* Non-DMA execution: present one sector through the FIFO. */
static void fdc_pio_begin(Fdc *f)
{
    if (!fdc_sector_begin(f))
        return;
    f->phase = FDC_PHASE_EXEC;
    /* INT stays asserted while the CPU moves data; reading the result
     * clears it (82077AA "Non-DMA Mode"). */
    fdc_raise(f);
}

static void fdc_pio_sector_done(Fdc *f)
{
    if (!fdc_sector_commit(f))
        return;
    if (!fdc_sector_next(f, false))
        return;
    if (fdc_sector_begin(f))
        f->phase = FDC_PHASE_EXEC;
}

/* Start a data command's execution: implied seek, write protect. */
static void fdc_exec_data(Fdc *f)
{
    FdcDrive *d = &f->drive[f->xdrive];
    if ((f->config & CFG_EIS) && f->op != CMD_FORMAT)
        fdc_move_head(f, d, f->c);
    if (fdc_is_write(f->op)) {
        if (!d->connected || !d->blk) {
            fdc_fail(f, ST1_MA, 0);
            return;
        }
        if (d->wp) {
            fdc_fail(f, ST1_NW, 0);
            return;
        }
    }
    if (f->specify[1] & 1)
        fdc_pio_begin(f);
    else
        fdc_run_dma(f);
}

static void fdc_exec_read_id(Fdc *f)
{
    FdcDrive *d = &f->drive[f->xdrive];
    if (!fdc_track_readable(f, d)) {
        f->c = d->pcn;
        f->h = (uint8_t)f->hds;
        f->r = 1;
        f->n = 2;
        fdc_fail(f, ST1_MA, 0);
        return;
    }
    /* The first ID field to pass under the head: sectors come round in
     * turn, one per READ ID. */
    if (d->next_sect < 1 || d->next_sect > d->spt)
        d->next_sect = 1;
    f->c = d->pcn;
    f->h = (uint8_t)f->hds;
    f->r = d->next_sect;
    f->n = 2;
    d->next_sect = (uint8_t)(d->next_sect % d->spt + 1);
    fdc_finish(f, 0);
}

static void fdc_cmd_event(void *opaque)
{
    Fdc *f = opaque;
    if (f->op == CMD_READ_ID)
        fdc_exec_read_id(f);
    else
        fdc_exec_data(f);
}

static void fdc_seek_event(void *opaque)
{
    FdcDrive *d = opaque;
    Fdc *f = d->fdc;
    f->sense_st0[d->index] = d->seek_st0;
    f->sense_pending |= (uint8_t)(1u << d->index);
    fdc_raise(f);
}

static void fdc_reset_event(void *opaque)
{
    Fdc *f = opaque;
    /* With polling enabled the controller reports a ready change on each
     * of the four drives: four SENSE INTERRUPT STATUS to clear. */
    if (!(f->config & CFG_POLL)) {
        f->sense_pending = 0x0f;
        for (int i = 0; i < FDC_DRIVES; i++)
            f->sense_st0[i] = (uint8_t)(ST0_POLL | i);
    }
    fdc_raise(f);
}

/* Software reset (DOR bit 2 or DSR bit 7): everything but the data rate,
 * SPECIFY and, when LOCKed, CONFIGURE's EIS/EFIFO/FIFOTHR and PRETRK. */
static void fdc_soft_reset(Fdc *f)
{
    event_cancel(f->clock, &f->cmd_ev);
    event_cancel(f->clock, &f->reset_ev);
    for (int i = 0; i < FDC_DRIVES; i++)
        event_cancel(f->clock, &f->drive[i].seek_ev);
    f->phase = FDC_PHASE_CMD;
    f->cmd_pos = f->cmd_len = 0;
    f->res_pos = f->res_len = 0;
    f->busy_drives = 0;
    f->sense_pending = 0;
    if (f->lock)
        f->config &= (uint8_t)~CFG_POLL;
    else {
        f->config = CFG_EFIFO; /* FIFO disabled, implied seek off, polling on */
        f->pretrk = 0;
    }
    f->perp &= 0x3c; /* GAP and WGATE clear; the drive bits survive */
    fdc_lower(f);
}

static int fdc_cmd_length(uint8_t b)
{
    switch (b & 0x1f) {
    case CMD_READ_TRACK:
    case CMD_WRITE:
    case CMD_READ:
        return 9;
    case CMD_READ_ID:
        return 2;
    case CMD_FORMAT:
        return 6;
    case CMD_SEEK:
        return 3;
    case CMD_LOCK:
        return (b & 0x60) ? 0 : 1;
    default:
        break;
    }
    /* The rest have no option bits in the first byte. */
    switch (b) {
    case CMD_SPECIFY:
        return 3;
    case CMD_SENSE_DRIVE:
    case CMD_RECALIBRATE:
    case CMD_PERPENDICULAR:
        return 2;
    case CMD_SENSE_INT:
    case CMD_DUMPREG:
    case CMD_VERSION:
        return 1;
    case CMD_CONFIGURE:
        return 4;
    default:
        return 0;
    }
}

static void fdc_start_seek(Fdc *f, int drive, uint8_t target, uint8_t st0, bool recal)
{
    FdcDrive *d = &f->drive[drive];
    if (recal) {
        if (!d->connected) {
            /* No track 0 signal ever comes: equipment check. */
            st0 |= ST0_ABNORMAL | ST0_EC;
        } else if (d->pcn > 79) {
            /* The 82077AA gives up after 79 steps. */
            target = (uint8_t)(d->pcn - 79);
            st0 |= ST0_ABNORMAL | ST0_EC;
        }
    }
    fdc_move_head(f, d, target);
    d->seek_st0 = st0;
    f->busy_drives |= (uint8_t)(1u << drive);
    f->sense_pending &= (uint8_t)~(1u << drive);
    event_schedule(f->clock, &d->seek_ev, clock_now(f->clock) + FDC_SEEK_NS);
}

static void fdc_execute(Fdc *f)
{
    const uint8_t *cmd = f->cmd;
    uint8_t b0 = cmd[0];
    f->phase = FDC_PHASE_CMD;
    switch (b0 & 0x1f) {
    case CMD_READ_TRACK:
    case CMD_WRITE:
    case CMD_READ:
    case CMD_FORMAT:
    case CMD_READ_ID:
        f->op = b0 & 0x1f;
        f->xdrive = cmd[1] & 3;
        f->hds = (cmd[1] >> 2) & 1;
        f->st0 = f->st1 = f->st2 = 0;
        f->mt = (b0 & 0x80) && f->op != CMD_READ_TRACK && f->op != CMD_FORMAT;
        if (f->op == CMD_FORMAT) {
            f->n = cmd[2];
            f->fmt_left = cmd[3];
            f->c = f->drive[f->xdrive].pcn;
            f->h = (uint8_t)f->hds;
            f->r = 1;
        } else if (f->op != CMD_READ_ID) {
            f->c = cmd[2];
            f->h = cmd[3];
            f->r = f->op == CMD_READ_TRACK ? 1 : cmd[4]; /* READ TRACK starts at the index */
            f->n = cmd[5];
            f->eot = cmd[6];
            f->last_eot = cmd[6];
        }
        if (f->op == CMD_FORMAT && f->fmt_left == 0) {
            f->phase = FDC_PHASE_BUSY;
            fdc_finish(f, 0);
            return;
        }
        f->phase = FDC_PHASE_BUSY;
        event_schedule(f->clock, &f->cmd_ev, clock_now(f->clock) + FDC_CMD_NS);
        return;
    case CMD_SEEK: {
        int drive = cmd[1] & 3;
        uint8_t st0 = (uint8_t)(ST0_SE | (cmd[1] & 4) | drive);
        uint8_t target = cmd[2];
        if (b0 & 0x80) { /* relative seek: DIR bit 6 = inward (higher cylinders) */
            int pcn = f->drive[drive].pcn;
            int t = (b0 & 0x40) ? pcn + cmd[2] : pcn - cmd[2];
            target = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
        }
        fdc_start_seek(f, drive, target, st0, false);
        return;
    }
    case CMD_LOCK: {
        f->lock = (b0 & 0x80) != 0;
        uint8_t r = (uint8_t)(f->lock << 4);
        fdc_set_result(f, &r, 1, false);
        return;
    }
    default:
        break;
    }
    switch (b0) {
    case CMD_SPECIFY:
        f->specify[0] = cmd[1];
        f->specify[1] = cmd[2];
        break;
    case CMD_SENSE_DRIVE: {
        FdcDrive *d = &f->drive[cmd[1] & 3];
        uint8_t st3 = (uint8_t)(ST3_RDY | ST3_TS | (cmd[1] & 7));
        if (d->pcn == 0)
            st3 |= ST3_T0;
        if (!d->blk || d->wp)
            st3 |= ST3_WP; /* an empty 3.5" drive senses write protect */
        fdc_set_result(f, &st3, 1, false);
        break;
    }
    case CMD_RECALIBRATE:
        fdc_start_seek(f, cmd[1] & 3, 0, (uint8_t)(ST0_SE | (cmd[1] & 3)), true);
        break;
    case CMD_SENSE_INT:
        if (f->sense_pending) {
            int drive = 0;
            while (!(f->sense_pending & (1u << drive)))
                drive++;
            f->sense_pending &= (uint8_t)~(1u << drive);
            f->busy_drives &= (uint8_t)~(1u << drive);
            uint8_t r[2] = { f->sense_st0[drive], f->drive[drive].pcn };
            fdc_set_result(f, r, 2, false);
        } else {
            uint8_t r = ST0_INVALID;
            fdc_set_result(f, &r, 1, false);
        }
        break;
    case CMD_DUMPREG: {
        uint8_t r[10] = { f->drive[0].pcn, f->drive[1].pcn, f->drive[2].pcn, f->drive[3].pcn,
                          f->specify[0], f->specify[1], f->last_eot,
                          (uint8_t)((f->lock << 7) | (f->perp & 0x3f)), f->config, f->pretrk };
        fdc_set_result(f, r, 10, false);
        break;
    }
    case CMD_VERSION: {
        uint8_t r = 0x90; /* 82077AA */
        fdc_set_result(f, &r, 1, false);
        break;
    }
    case CMD_PERPENDICULAR: {
        uint8_t v = cmd[1];
        uint8_t drives = (v & 0x80) ? (v & 0x3c) : (f->perp & 0x3c);
        f->perp = (uint8_t)(drives | (v & 3));
        break;
    }
    case CMD_CONFIGURE:
        f->config = cmd[2] & 0x7f;
        f->pretrk = cmd[3];
        break;
    default:
        break;
    }
}

static uint8_t fdc_msr(const Fdc *f)
{
    if (f->in_reset)
        return 0;
    uint8_t v = f->busy_drives;
    switch (f->phase) {
    case FDC_PHASE_CMD:
        v |= MSR_RQM;
        if (f->cmd_pos > 0)
            v |= MSR_CB;
        break;
    case FDC_PHASE_BUSY:
        v |= MSR_CB;
        break;
    case FDC_PHASE_EXEC:
        v |= MSR_RQM | MSR_NDMA | MSR_CB;
        if (!fdc_is_write(f->op))
            v |= MSR_DIO;
        break;
    case FDC_PHASE_RESULT:
        v |= MSR_RQM | MSR_DIO | MSR_CB;
        break;
    }
    return v;
}

static uint8_t fdc_data_read(Fdc *f)
{
    if (f->in_reset)
        return 0xff;
    if (f->phase == FDC_PHASE_RESULT) {
        uint8_t v = f->res[f->res_pos++];
        if (f->res_pos == 1)
            fdc_lower(f);
        if (f->res_pos >= f->res_len)
            f->phase = FDC_PHASE_CMD;
        return v;
    }
    if (f->phase == FDC_PHASE_EXEC && !fdc_is_write(f->op)) {
        uint8_t v = f->buf[f->buf_pos++];
        if (f->buf_pos >= f->buf_len)
            fdc_pio_sector_done(f);
        return v;
    }
    return 0xff;
}

static void fdc_data_write(Fdc *f, uint8_t v)
{
    if (f->in_reset)
        return;
    if (f->phase == FDC_PHASE_EXEC && fdc_is_write(f->op)) {
        f->buf[f->buf_pos++] = v;
        if (f->buf_pos >= f->buf_len)
            fdc_pio_sector_done(f);
        return;
    }
    if (f->phase != FDC_PHASE_CMD)
        return; /* the CPU must wait for RQM with DIO clear */
    if (f->cmd_pos == 0) {
        fdc_lower(f);
        f->cmd_len = fdc_cmd_length(v);
        if (f->cmd_len == 0) {
            uint8_t r = ST0_INVALID; /* invalid command: one byte, no interrupt */
            fdc_set_result(f, &r, 1, false);
            return;
        }
    }
    f->cmd[f->cmd_pos++] = v;
    if (f->cmd_pos == f->cmd_len) {
        f->cmd_pos = 0;
        fdc_execute(f);
    }
}

static void fdc_dor_write(Fdc *f, uint8_t v)
{
    f->dor = v;
    if (!(v & DOR_RESET)) {
        if (!f->in_reset) {
            f->in_reset = true;
            fdc_soft_reset(f);
        }
    } else if (f->in_reset) {
        f->in_reset = false;
        event_schedule(f->clock, &f->reset_ev, clock_now(f->clock) + FDC_RESET_NS);
    }
    fdc_update_irq(f);
}

static uint8_t fdc_read_port(Fdc *f, uint32_t port)
{
    const FdcDrive *sel = &f->drive[f->dor & 3];
    switch (port) {
    case 0: { /* SRA, PS/2 layout: INT, nDRV2, nTRK0, nINDEX, nWP */
        uint8_t v = 0x04; /* nINDEX high between index pulses */
        if (f->irq_pending)
            v |= 0x80;
        if (!f->drive[1].connected)
            v |= 0x40;
        if (sel->pcn != 0)
            v |= 0x10;
        if (sel->blk && !sel->wp)
            v |= 0x02;
        return v;
    }
    case 1: /* SRB: motor enables and drive select */
        return (uint8_t)(0xc0 | ((f->dor & 1) << 5) | ((f->dor >> 4) & 3));
    case 2:
        return f->dor;
    case 3:
        return f->tdr;
    case 4:
        return fdc_msr(f);
    case 5:
        return fdc_data_read(f);
    case 7: /* DIR: only bit 7 is driven in AT mode */
        return (uint8_t)(0x7f | (sel->changed ? 0x80 : 0));
    default:
        return 0xff;
    }
}

static void fdc_write_port(Fdc *f, uint32_t port, uint8_t v)
{
    switch (port) {
    case 2:
        fdc_dor_write(f, v);
        break;
    case 3:
        f->tdr = v & 3;
        break;
    case 4: /* DSR */
        f->rate = v & 3;
        f->dsr = v & 0x7f;
        if (v & 0x80) {
            /* Self-clearing software reset. */
            fdc_soft_reset(f);
            if (!f->in_reset)
                event_schedule(f->clock, &f->reset_ev, clock_now(f->clock) + FDC_RESET_NS);
        }
        break;
    case 5:
        fdc_data_write(f, v);
        break;
    case 7: /* CCR */
        f->rate = v & 3;
        break;
    default:
        break;
    }
}

static uint32_t fdc_io_read(void *opaque, uint32_t offset, int size)
{
    Fdc *f = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        v |= (uint32_t)(port < 6 ? fdc_read_port(f, port) : 0xff) << (8 * i);
    }
    return v;
}

static void fdc_io_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Fdc *f = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t port = offset + (uint32_t)i;
        if (port < 6)
            fdc_write_port(f, port, (uint8_t)(val >> (8 * i)));
    }
}

static uint32_t fdc_dir_read(void *opaque, uint32_t offset, int size)
{
    Fdc *f = opaque;
    uint32_t v = fdc_read_port(f, 7);
    for (int i = 1; i < size; i++)
        v |= 0xffu << (8 * i);
    (void)offset;
    return v;
}

static void fdc_dir_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    (void)offset;
    (void)size;
    fdc_write_port(opaque, 7, (uint8_t)val);
}

static const IoOps fdc_ops = { "fdc", fdc_io_read, fdc_io_write };
static const IoOps fdc_dir_ops = { "fdc-dir", fdc_dir_read, fdc_dir_write };

void fdc_reset(Fdc *f)
{
    f->lock = false;
    f->in_reset = true;
    fdc_soft_reset(f);
    f->dor = 0; /* the RESET pin clears DOR: the controller stays in reset */
    f->tdr = 0;
    f->rate = 0; /* XXX: 500 kb/s; firmware programs the rate before use */
    f->dsr = 0;
    f->specify[0] = f->specify[1] = 0;
    f->perp = 0;
    f->last_eot = 0;
    for (int i = 0; i < FDC_DRIVES; i++) {
        f->drive[i].pcn = 0;
        f->drive[i].next_sect = 1;
    }
    fdc_update_irq(f);
}

void fdc_init(Fdc *f, IoBus *bus, Clock *clock, Dma *dma, IrqLine irq6)
{
    memset(f, 0, sizeof(*f));
    f->bus = bus;
    f->clock = clock;
    f->dma = dma;
    f->irq = irq6;
    event_init(&f->cmd_ev, "fdc-cmd", fdc_cmd_event, f);
    event_init(&f->reset_ev, "fdc-reset", fdc_reset_event, f);
    for (int i = 0; i < FDC_DRIVES; i++) {
        f->drive[i].fdc = f;
        f->drive[i].index = i;
        event_init(&f->drive[i].seek_ev, "fdc-seek", fdc_seek_event, &f->drive[i]);
    }
    fdc_reset(f);
    bus_register(bus, 0x3f0, 6, &fdc_ops, f);
    bus_register(bus, 0x3f7, 1, &fdc_dir_ops, f);
}

bool fdc_attach(Fdc *f, int drive, BlockDev *img, bool write_protect, const char **err)
{
    if (drive < 0 || drive >= FDC_DRIVES) {
        if (err)
            *err = "floppy drive number must be 0-3";
        return false;
    }
    FdcDrive *d = &f->drive[drive];
    const FdcFormat *fmt = NULL;
    if (img) {
        fmt = fdc_format_for(img->size);
        if (!fmt) {
            if (err)
                *err = "floppy image size is not usable: give a multiple of 512 bytes up to "
                       "2.88M (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M DMF, 2.88M; "
                       "a smaller image is padded to 360K, 720K, 1.44M or 2.88M)";
            return false;
        }
    }
    d->connected = true;
    d->blk = img;
    d->changed = true; /* DSKCHG until a step with the new media in */
    if (fmt) {
        d->wp = write_protect || img->read_only;
        d->tracks = fmt->tracks;
        d->heads = fmt->heads;
        d->spt = fmt->spt;
        d->rate_mask = fmt->rate_mask;
        if (!d->type)
            d->type = fmt->type; /* the drive is the kind the first disk needs */
    } else {
        d->wp = true;
        d->tracks = d->heads = d->spt = 0;
        d->rate_mask = 0;
        if (!d->type)
            d->type = 4;
    }
    d->next_sect = 1;
    return true;
}

int fdc_cmos_type(const Fdc *f, int drive)
{
    if (drive < 0 || drive >= FDC_DRIVES || !f->drive[drive].connected)
        return 0;
    return f->drive[drive].type;
}
