/*
 * ide.c - the PIIX3 IDE function in legacy mode: the ATA task file, the
 * data port, soft reset and the ATA command set of a hard disk (ATA/ATAPI-6,
 * T13/1410D). ATAPI packet commands live in atapi.c.
 *
 * Behaviour follows the standard and what SeaBIOS (src/hw/ata.c) and
 * Linux (libata-sff, ide) probe for:
 * - a channel with no drive floats: every register reads 0x7f (the DD7
 *   pull-down of the ATA spec), so the BSY-polling probes finish at once;
 * - with only a master, selecting the slave gives status 0, the other
 *   registers read back what was written (SeaBIOS checks 55h/AAh and the
 *   device register) and the signature FFFFh after a reset (Linux), and
 *   commands to the slave are ignored;
 * - commands complete synchronously: data is ready (DRQ) when the command
 *   register write returns.
 * Not implemented yet: bus-master DMA (IDENTIFY reports no DMA modes),
 * READ/WRITE BUFFER, SMART, security, the removable-media ATA commands.
 */
#include "hw/ide.h"

#include <stdio.h>
#include <string.h>

static void ide_update_irq(IdeChannel *c)
{
    IdeDrive *d = &c->drive[c->cur];
    int level = d->present && d->intrq && !(c->control & IDE_CTL_NIEN);
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(&c->irq, level);
    }
}

void ide_set_irq(IdeChannel *c, IdeDrive *d)
{
    d->intrq = true;
    ide_update_irq(c);
}

static void ide_done(IdeChannel *c, IdeDrive *d)
{
    c->xfer = XFER_NONE;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC;
    ide_set_irq(c, d);
}

static void ide_error(IdeChannel *c, IdeDrive *d, uint8_t err)
{
    c->xfer = XFER_NONE;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_ERR;
    d->r.error = err;
    ide_set_irq(c, d);
}

void ide_abort(IdeChannel *c, IdeDrive *d)
{
    ide_error(c, d, IDE_ERR_ABRT);
}

/* The reset signature (ATA-6 9.12): sector count and LBA low 01h, the
 * cylinder registers 0000h for ATA and EB14h for a PACKET device. An
 * absent device shows FFFFh, as QEMU's does: Linux's classifier reads
 * that as "no device" (an ATAPI master's EB14h would make a phantom
 * ATAPI slave). */
void ide_set_signature(IdeDrive *d)
{
    d->r.nsect = 1;
    d->r.lbal = 1;
    d->r.lbam = !d->present ? 0xff : d->cdrom ? 0x14 : 0;
    d->r.lbah = !d->present ? 0xff : d->cdrom ? 0xeb : 0;
    d->r.device = 0;
}

/* ---- IDENTIFY DEVICE ---- */

/* ATA strings: two characters per word, the first in the high byte. */
static void id_string(uint16_t *id, int word, const char *s, int len)
{
    size_t n = strlen(s);
    for (int i = 0; i < len; i += 2) {
        uint8_t hi = (size_t)i < n ? (uint8_t)s[i] : ' ';
        uint8_t lo = (size_t)i + 1 < n ? (uint8_t)s[i + 1] : ' ';
        id[word + i / 2] = (uint16_t)(hi << 8 | lo);
    }
}

static void id_strings(IdeDrive *d, uint16_t *id)
{
    id_string(id, 10, d->serial, 20);
    id_string(id, 23, d->fw, 8);
    id_string(id, 27, d->model, 40);
}

/* Word 255: signature A5h and a checksum making the 512 bytes sum to 0. */
static void id_checksum(uint16_t *id)
{
    id[255] = 0xa5;
    uint8_t sum = 0;
    for (int i = 0; i < 255; i++)
        sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
    sum = (uint8_t)(sum + 0xa5);
    id[255] |= (uint16_t)((uint8_t)-sum) << 8;
}

static void ata_identify(IdeDrive *d, uint16_t *id)
{
    memset(id, 0, 512);
    uint64_t n = d->nsectors;
    uint32_t n28 = n > 0x0fffffff ? 0x0fffffff : (uint32_t)n;
    uint32_t chs = (uint32_t)d->cur_cyls * d->cur_heads * d->cur_secs;
    id[0] = 0x0040;             /* fixed device */
    id[1] = d->cyls;
    id[3] = d->heads;
    id[6] = d->secs;
    id_strings(d, id);
    id[20] = 3;                 /* buffer type (ATA-1): dual-ported cache */
    id[21] = 512;               /* buffer size, sectors */
    id[22] = 4;
    id[47] = 0x8000 | IDE_MAX_MULT;
    id[48] = 1;                 /* doubleword I/O (ATA-1) */
    id[49] = 0x0e00;            /* LBA, IORDY, IORDY can be disabled; no DMA */
    id[50] = 0x4000;
    id[51] = 0x0200;            /* PIO timing mode 2 */
    id[53] = 0x0007;            /* words 54-58, 64-70 and 88 valid */
    id[54] = d->cur_cyls;
    id[55] = d->cur_heads;
    id[56] = d->cur_secs;
    id[57] = (uint16_t)chs;
    id[58] = (uint16_t)(chs >> 16);
    id[59] = d->mult ? (uint16_t)(0x0100 | d->mult) : 0;
    id[60] = (uint16_t)n28;
    id[61] = (uint16_t)(n28 >> 16);
    id[64] = 0x0003;            /* PIO modes 3 and 4 */
    id[65] = id[66] = id[67] = id[68] = 120;
    id[80] = 0x007e;            /* ATA-1 to ATA-6 */
    id[82] = 0x4028;            /* NOP, write cache, power management */
    id[83] = 0x7400;            /* FLUSH CACHE EXT, FLUSH CACHE, LBA48 */
    id[84] = 0x4000;
    id[85] = (uint16_t)(0x4008 | (d->wcache ? 0x0020 : 0));
    id[86] = 0x3400;
    id[87] = 0x4000;
    id[88] = 0;                 /* no UDMA */
    id[100] = (uint16_t)n;
    id[101] = (uint16_t)(n >> 16);
    id[102] = (uint16_t)(n >> 32);
    id[103] = (uint16_t)(n >> 48);
    id_checksum(id);
}

void atapi_identify(IdeDrive *d, uint16_t *id)
{
    memset(id, 0, 512);
    /* ATAPI, CD-ROM, removable, 50 us DRQ, 12-byte packets */
    id[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
    id_strings(d, id);
    id[49] = 0x0200;            /* LBA; no DMA yet */
    id[53] = 0x0002;
    id[64] = 0x0003;
    id[65] = id[66] = id[67] = id[68] = 120;
    id[80] = 0x0070;            /* ATA/ATAPI-4 to -6 */
    id[82] = 0x0210;            /* PACKET, DEVICE RESET */
    id[83] = 0x4000;
    id[84] = 0x4000;
    id[85] = 0x0210;
    id[87] = 0x4000;
    id_checksum(id);
}

/* Start a one-block PIO data-in transfer of buf[0..len). */
static void ide_pio_in(IdeChannel *c, IdeDrive *d, uint32_t len)
{
    c->xfer = XFER_PIO_IN;
    c->xunit = (int)(d - c->drive);
    c->pos = 0;
    c->end = len;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_DRQ;
    ide_set_irq(c, d);
}

static void ide_identify_cmd(IdeChannel *c, IdeDrive *d, bool packet)
{
    uint16_t id[256];
    if (packet)
        atapi_identify(d, id);
    else
        ata_identify(d, id);
    for (int i = 0; i < 256; i++) {
        c->buf[2 * i] = (uint8_t)id[i];
        c->buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
    }
    ide_pio_in(c, d, 512);
}

/* ---- sector addressing ---- */

/* The command's starting sector from the task file: LBA48, LBA28 or CHS
 * in the current geometry. False for a CHS address outside the geometry. */
static bool ata_get_lba(IdeDrive *d, bool lba48, uint64_t *lba)
{
    IdeRegs *r = &d->r;
    if (lba48) {
        *lba = (uint64_t)r->hob_lbah << 40 | (uint64_t)r->hob_lbam << 32 |
               (uint64_t)r->hob_lbal << 24 | (uint32_t)r->lbah << 16 |
               (uint32_t)r->lbam << 8 | r->lbal;
    } else if (r->device & 0x40) {
        *lba = (uint32_t)(r->device & 0xf) << 24 | (uint32_t)r->lbah << 16 |
               (uint32_t)r->lbam << 8 | r->lbal;
    } else {
        uint32_t cyl = (uint32_t)r->lbah << 8 | r->lbam;
        uint32_t head = r->device & 0xf, sec = r->lbal;
        if (sec == 0 || sec > d->cur_secs || head >= d->cur_heads)
            return false;
        *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + sec - 1;
    }
    return true;
}

static uint32_t ata_get_count(IdeDrive *d, bool lba48)
{
    if (lba48) {
        uint32_t n = (uint32_t)d->r.hob_nsect << 8 | d->r.nsect;
        return n ? n : 65536;
    }
    return d->r.nsect ? d->r.nsect : 256;
}

/* Put a sector address back in the task file (where an error happened). */
static void ata_set_lba(IdeDrive *d, bool lba48, uint64_t lba)
{
    IdeRegs *r = &d->r;
    if (lba48) {
        r->lbal = (uint8_t)lba;
        r->lbam = (uint8_t)(lba >> 8);
        r->lbah = (uint8_t)(lba >> 16);
        r->hob_lbal = (uint8_t)(lba >> 24);
        r->hob_lbam = (uint8_t)(lba >> 32);
        r->hob_lbah = (uint8_t)(lba >> 40);
    } else if (r->device & 0x40) {
        r->lbal = (uint8_t)lba;
        r->lbam = (uint8_t)(lba >> 8);
        r->lbah = (uint8_t)(lba >> 16);
        r->device = (uint8_t)((r->device & 0xf0) | ((lba >> 24) & 0xf));
    } else if (d->cur_heads && d->cur_secs) {
        uint64_t cyl = lba / ((uint32_t)d->cur_heads * d->cur_secs);
        uint32_t rem = (uint32_t)(lba % ((uint32_t)d->cur_heads * d->cur_secs));
        r->lbal = (uint8_t)(rem % d->cur_secs + 1);
        r->lbam = (uint8_t)cyl;
        r->lbah = (uint8_t)(cyl >> 8);
        r->device = (uint8_t)((r->device & 0xf0) | (rem / d->cur_secs));
    }
}

/* Check a command's range: IDNF when it does not fit the disk. */
static bool ata_check_range(IdeChannel *c, IdeDrive *d, bool lba48, uint64_t *lba, uint32_t count)
{
    if (!ata_get_lba(d, lba48, lba) || *lba >= d->nsectors || count > d->nsectors - *lba) {
        ide_error(c, d, IDE_ERR_IDNF);
        return false;
    }
    return true;
}

/* ---- READ/WRITE SECTORS and MULTIPLE ---- */

/* Load the next DRQ block of a read and interrupt (one per block). */
static void ata_read_block(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = c->left < c->block ? (uint32_t)c->left : c->block;
    if (!block_read(d->bd, c->lba * 512, c->buf, (size_t)n * 512)) {
        ata_set_lba(d, c->lba48, c->lba);
        ide_error(c, d, IDE_ERR_UNC);
        return;
    }
    c->xfer = XFER_ATA_READ;
    c->pos = 0;
    c->end = n * 512;
    c->lba += n;
    c->left -= n;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_DRQ;
    ide_set_irq(c, d);
}

static void ata_write_block_start(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = c->left < c->block ? (uint32_t)c->left : c->block;
    c->xfer = XFER_ATA_WRITE;
    c->pos = 0;
    c->end = n * 512;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_DRQ;
}

static void ata_rw(IdeChannel *c, IdeDrive *d, bool lba48, bool multiple, bool write)
{
    uint64_t lba;
    uint32_t count = ata_get_count(d, lba48);
    if (multiple && !d->mult) {
        ide_abort(c, d);
        return;
    }
    /* A read-only image refuses writes before any data moves: ABRT, as a
     * device answers a command it cannot carry out. */
    if (write && d->bd->read_only) {
        ide_abort(c, d);
        return;
    }
    if (!ata_check_range(c, d, lba48, &lba, count))
        return;
    d->standby = false;
    c->xunit = (int)(d - c->drive);
    c->lba = lba;
    c->left = count;
    c->block = multiple ? d->mult : 1;
    c->lba48 = lba48;
    if (write)
        ata_write_block_start(c, d); /* the first block has no interrupt */
    else
        ata_read_block(c, d);
}

static void ata_write_block_done(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = c->end / 512;
    if (!block_write(d->bd, c->lba * 512, c->buf, (size_t)n * 512)) {
        ata_set_lba(d, c->lba48, c->lba);
        ide_error(c, d, IDE_ERR_ABRT);
        return;
    }
    c->lba += n;
    c->left -= n;
    if (c->left) {
        ata_write_block_start(c, d);
        ide_set_irq(c, d);
    } else {
        ide_done(c, d);
    }
}

static void ata_verify(IdeChannel *c, IdeDrive *d, bool lba48)
{
    uint64_t lba;
    if (ata_check_range(c, d, lba48, &lba, ata_get_count(d, lba48)))
        ide_done(c, d);
}

/* ---- the other ATA commands ---- */

static void ata_init_params(IdeChannel *c, IdeDrive *d)
{
    uint32_t heads = (d->r.device & 0xf) + 1u, secs = d->r.nsect;
    if (!secs) {
        ide_abort(c, d);
        return;
    }
    uint64_t cyls = d->nsectors / (heads * secs);
    d->cur_heads = (uint16_t)heads;
    d->cur_secs = (uint16_t)secs;
    d->cur_cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
    ide_done(c, d);
}

static void ata_set_multiple(IdeChannel *c, IdeDrive *d)
{
    uint8_t n = d->r.nsect;
    if (n > IDE_MAX_MULT || (n & (n - 1))) {
        ide_abort(c, d);
        return;
    }
    d->mult = n;
    ide_done(c, d);
}

static void ide_set_features(IdeChannel *c, IdeDrive *d)
{
    switch (d->r.feature) {
    case 0x02: /* enable write cache */
        d->wcache = true;
        break;
    case 0x82:
        d->wcache = false;
        break;
    case 0x03: { /* set transfer mode: accept PIO 0-4, MDMA 0-2, UDMA 0-6 */
        uint8_t m = d->r.nsect;
        if (!(m <= 1 || (m >= 0x08 && m <= 0x0c) || (m >= 0x20 && m <= 0x22) ||
              (m >= 0x40 && m <= 0x46))) {
            ide_abort(c, d);
            return;
        }
        break;
    }
    case 0x55: case 0xaa: /* read look-ahead off/on */
    case 0x66: case 0xcc: /* power-on defaults off/on */
        break;
    default:
        ide_abort(c, d);
        return;
    }
    ide_done(c, d);
}

static bool ide_power_cmd(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xe0: case 0xe2: case 0x94: case 0x96: /* STANDBY (IMMEDIATE) */
        d->standby = true;
        break;
    case 0xe1: case 0xe3: case 0x95: case 0x97: /* IDLE (IMMEDIATE) */
        d->standby = false;
        break;
    case 0xe5: case 0x98: /* CHECK POWER MODE */
        d->r.nsect = d->standby ? 0x00 : 0xff;
        break;
    default:
        return false;
    }
    ide_done(c, d);
    return true;
}

static void ata_command(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xec: ide_identify_cmd(c, d, false); return;
    case 0x20: case 0x21: ata_rw(c, d, false, false, false); return;
    case 0x24: ata_rw(c, d, true, false, false); return;
    case 0xc4: ata_rw(c, d, false, true, false); return;
    case 0x29: ata_rw(c, d, true, true, false); return;
    case 0x30: case 0x31: ata_rw(c, d, false, false, true); return;
    case 0x34: ata_rw(c, d, true, false, true); return;
    case 0xc5: ata_rw(c, d, false, true, true); return;
    case 0x39: ata_rw(c, d, true, true, true); return;
    case 0x40: case 0x41: ata_verify(c, d, false); return;
    case 0x42: ata_verify(c, d, true); return;
    case 0x70: { /* SEEK: the address must exist */
        uint64_t lba;
        if (ata_check_range(c, d, false, &lba, 1))
            ide_done(c, d);
        return;
    }
    case 0x91: ata_init_params(c, d); return;
    case 0xc6: ata_set_multiple(c, d); return;
    case 0xef: ide_set_features(c, d); return;
    case 0xe7: case 0xea:
        if (!d->bd->read_only && !block_flush(d->bd))
            ide_abort(c, d);
        else
            ide_done(c, d);
        return;
    default:
        if (cmd >= 0x10 && cmd <= 0x1f) { /* RECALIBRATE */
            ide_done(c, d);
            return;
        }
        if (ide_power_cmd(c, d, cmd))
            return;
        ide_abort(c, d); /* NOP, IDENTIFY PACKET and the unknown */
    }
}

void atapi_reset(IdeDrive *d)
{
    d->sense_key = d->asc = d->ascq = 0;
}

static void atapi_command(IdeChannel *c, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xa0: /* PACKET: the 12-byte command comes through the data port */
        if (d->r.feature & 1) { /* DMA: not yet */
            ide_abort(c, d);
            return;
        }
        c->bcl = (uint32_t)d->r.lbah << 8 | d->r.lbam;
        if (c->bcl == 0 || c->bcl == 0xffff)
            c->bcl = 0xfffe;
        c->xfer = XFER_PACKET;
        c->xunit = (int)(d - c->drive);
        c->pos = 0;
        c->end = 12;
        d->r.nsect = ATAPI_IR_COD;
        d->r.status = IDE_STAT_DRDY | IDE_STAT_DRQ;
        return; /* no interrupt: word 0 says 50 us DRQ */
    case 0xa1: ide_identify_cmd(c, d, true); return;
    case 0x08: /* DEVICE RESET: no interrupt */
        c->xfer = XFER_NONE;
        ide_set_signature(d);
        d->r.status = 0;
        d->r.error = 1;
        d->intrq = false;
        ide_update_irq(c);
        return;
    case 0xef: ide_set_features(c, d); return;
    case 0xec: /* IDENTIFY DEVICE: abort, showing the PACKET signature */
        ide_set_signature(d);
        ide_abort(c, d);
        return;
    default:
        if (!ide_power_cmd(c, d, cmd))
            ide_abort(c, d);
    }
}

/* EXECUTE DEVICE DIAGNOSTIC: both devices run it whichever is selected;
 * the master reports 01h (no error; an absent slave is no failure). */
static void ide_diagnose(IdeChannel *c)
{
    c->xfer = XFER_NONE;
    for (int u = 0; u < 2; u++) {
        IdeDrive *d = &c->drive[u];
        if (!d->present)
            continue;
        ide_set_signature(d);
        d->r.error = 1;
        d->r.status = d->cdrom ? 0 : IDE_STAT_DRDY | IDE_STAT_DSC;
    }
    c->cur = 0;
    IdeDrive *d = &c->drive[c->drive[0].present ? 0 : 1];
    ide_set_irq(c, d);
}

static void ide_command(IdeChannel *c, uint8_t cmd)
{
    if (cmd == 0x90) {
        ide_diagnose(c);
        return;
    }
    IdeDrive *d = &c->drive[c->cur];
    if (!d->present || (d->r.status & IDE_STAT_BSY))
        return;
    /* A new command ends any transfer and clears INTRQ (ATA-6 5.2.9). */
    c->xfer = XFER_NONE;
    d->intrq = false;
    ide_update_irq(c);
    d->r.error = 0;
    if (d->cdrom)
        atapi_command(c, d, cmd);
    else
        ata_command(c, d, cmd);
}

/* ---- the data port ---- */

/* A DRQ block has been moved entirely. */
static void ide_block_done(IdeChannel *c, IdeDrive *d)
{
    switch (c->xfer) {
    case XFER_PIO_IN:
        c->xfer = XFER_NONE;
        d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC;
        break;
    case XFER_ATA_READ:
        if (c->left) {
            ata_read_block(c, d);
        } else {
            c->xfer = XFER_NONE;
            d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC;
        }
        break;
    case XFER_ATA_WRITE:
        ata_write_block_done(c, d);
        break;
    case XFER_PACKET:
        c->xfer = XFER_NONE;
        atapi_packet(c, d);
        break;
    case XFER_ATAPI_IN:
        atapi_data_done(c, d);
        break;
    case XFER_NONE:
        break;
    }
}

static bool ide_xfer_active(IdeChannel *c, bool in)
{
    if (c->xfer == XFER_NONE || c->xunit != c->cur)
        return false;
    if (!(c->drive[c->cur].r.status & IDE_STAT_DRQ))
        return false;
    bool is_in = c->xfer == XFER_PIO_IN || c->xfer == XFER_ATA_READ || c->xfer == XFER_ATAPI_IN;
    return is_in == in;
}

/* A 1- or 2-byte access moves one word, a 4-byte access two (32-bit PIO
 * through the PIIX3). */
static uint32_t ide_data_read(IdeChannel *c, int size)
{
    if (!ide_xfer_active(c, true))
        return 0xffffffffu;
    int n = size == 4 ? 4 : 2;
    uint32_t v = 0;
    for (int i = 0; i < n && c->pos < c->end; i++)
        v |= (uint32_t)c->buf[c->pos++] << (8 * i);
    if (c->pos >= c->end)
        ide_block_done(c, &c->drive[c->cur]);
    return v;
}

static void ide_data_write(IdeChannel *c, uint32_t val, int size)
{
    if (!ide_xfer_active(c, false))
        return;
    int n = size == 4 ? 4 : 2;
    for (int i = 0; i < n && c->pos < c->end; i++)
        c->buf[c->pos++] = (uint8_t)(val >> (8 * i));
    if (c->pos >= c->end)
        ide_block_done(c, &c->drive[c->cur]);
}

/* ---- port handlers ---- */

static bool ide_channel_empty(const IdeChannel *c)
{
    return !c->drive[0].present && !c->drive[1].present;
}

static uint8_t ide_read_reg(IdeChannel *c, uint32_t offset)
{
    if (ide_channel_empty(c))
        return 0x7f;
    IdeDrive *d = &c->drive[c->cur];
    IdeRegs *r = &d->r;
    bool hob = c->control & IDE_CTL_HOB;
    switch (offset) {
    case 1: return r->error;
    case 2: return hob ? r->hob_nsect : r->nsect;
    case 3: return hob ? r->hob_lbal : r->lbal;
    case 4: return hob ? r->hob_lbam : r->lbam;
    case 5: return hob ? r->hob_lbah : r->lbah;
    case 6: return r->device;
    default:
        if (!d->present)
            return 0;
        d->intrq = false; /* reading status acknowledges the interrupt */
        ide_update_irq(c);
        return d->r.status;
    }
}

static void ide_write_reg(IdeChannel *c, uint32_t offset, uint8_t val)
{
    if (offset == 7) {
        ide_command(c, val);
        return;
    }
    /* Both devices latch the task file; a write clears HOB (ATA-6 7.9). */
    c->control &= (uint8_t)~IDE_CTL_HOB;
    for (int u = 0; u < 2; u++) {
        IdeRegs *r = &c->drive[u].r;
        switch (offset) {
        case 1: r->hob_feature = r->feature; r->feature = val; break;
        case 2: r->hob_nsect = r->nsect; r->nsect = val; break;
        case 3: r->hob_lbal = r->lbal; r->lbal = val; break;
        case 4: r->hob_lbam = r->lbam; r->lbam = val; break;
        case 5: r->hob_lbah = r->lbah; r->lbah = val; break;
        case 6: r->device = val; break;
        }
    }
    if (offset == 6) {
        c->cur = (val >> 4) & 1;
        ide_update_irq(c);
    }
}

static uint32_t ide_cmd_read(void *opaque, uint32_t offset, int size)
{
    IdeChannel *c = opaque;
    uint32_t mask = 0xffffffffu >> (32 - 8 * size);
    if (offset == 0)
        return ide_channel_empty(c) ? mask : ide_data_read(c, size) & mask;
    uint32_t v = 0;
    for (int i = 0; i < size && offset + (uint32_t)i < 8; i++)
        v |= (uint32_t)ide_read_reg(c, offset + (uint32_t)i) << (8 * i);
    return v;
}

static void ide_cmd_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    IdeChannel *c = opaque;
    if (offset == 0) {
        ide_data_write(c, val, size);
        return;
    }
    for (int i = 0; i < size && offset + (uint32_t)i < 8; i++)
        ide_write_reg(c, offset + (uint32_t)i, (uint8_t)(val >> (8 * i)));
}

/* Alternate status: the status without acknowledging the interrupt. */
static uint32_t ide_ctl_read(void *opaque, uint32_t offset, int size)
{
    IdeChannel *c = opaque;
    (void)offset;
    (void)size;
    if (ide_channel_empty(c))
        return 0x7f;
    IdeDrive *d = &c->drive[c->cur];
    return d->present ? d->r.status : 0;
}

/* Device control. SRST held high keeps both devices busy; its falling
 * edge completes the reset with the signatures (ATA-6 9.2). */
static void ide_ctl_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    IdeChannel *c = opaque;
    (void)offset;
    (void)size;
    uint8_t old = c->control;
    c->control = (uint8_t)val;
    if ((val & IDE_CTL_SRST) && !(old & IDE_CTL_SRST)) {
        c->xfer = XFER_NONE;
        for (int u = 0; u < 2; u++) {
            c->drive[u].r.status = IDE_STAT_BSY;
            c->drive[u].intrq = false;
        }
    } else if (!(val & IDE_CTL_SRST) && (old & IDE_CTL_SRST)) {
        for (int u = 0; u < 2; u++) {
            IdeDrive *d = &c->drive[u];
            ide_set_signature(d);
            d->r.error = 1;
            d->r.status = d->present && !d->cdrom ? IDE_STAT_DRDY | IDE_STAT_DSC : 0;
            if (d->cdrom)
                atapi_reset(d);
        }
        c->cur = 0;
    }
    ide_update_irq(c);
}

static const IoOps ide_cmd_ops = { "ide", ide_cmd_read, ide_cmd_write };
static const IoOps ide_ctl_ops = { "ide-ctl", ide_ctl_read, ide_ctl_write };

/* ---- setup ---- */

/* Default CHS: 16 heads and 63 sectors as BIOSes expect, at most 16383
 * cylinders (ATA-6 annex; 8.4 GB and up report 16383/16/63). Tiny
 * images get fewer heads so the geometry never exceeds the disk. */
static void ata_default_geometry(IdeDrive *d)
{
    uint64_t n = d->nsectors;
    if (n >= 16 * 63) {
        uint64_t cyl = n / (16 * 63);
        d->cyls = (uint16_t)(cyl > 16383 ? 16383 : cyl);
        d->heads = 16;
        d->secs = 63;
    } else if (n >= 63) {
        d->cyls = 1;
        d->heads = (uint16_t)(n / 63);
        d->secs = 63;
    } else {
        d->cyls = 1;
        d->heads = 1;
        d->secs = (uint16_t)(n ? n : 1);
    }
}

static void ide_drive_reset(IdeDrive *d)
{
    memset(&d->r, 0, sizeof(d->r));
    ide_set_signature(d);
    d->r.error = 1;
    d->r.status = d->present && !d->cdrom ? IDE_STAT_DRDY | IDE_STAT_DSC : 0;
    d->intrq = false;
    d->cur_cyls = d->cyls;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
    /* Multiple mode on at 16, as QEMU starts: Linux only uses READ
     * MULTIPLE when word 59 says a setting is valid, and it saves 15 of
     * 16 interrupts. */
    d->mult = IDE_MAX_MULT;
    d->wcache = true;
    d->standby = false;
    d->locked = false;
    atapi_reset(d);
}

void ide_reset(Ide *ide)
{
    for (int i = 0; i < 2; i++) {
        IdeChannel *c = &ide->ch[i];
        c->cur = 0;
        c->control = 0;
        c->xfer = XFER_NONE;
        for (int u = 0; u < 2; u++)
            ide_drive_reset(&c->drive[u]);
        c->irq_level = 0;
        irq_lower(&c->irq);
    }
}

void ide_init(Ide *ide, IoBus *bus, Clock *clock, IrqLine irq14, IrqLine irq15)
{
    memset(ide, 0, sizeof(*ide));
    ide->bus = bus;
    ide->clock = clock;
    static const uint16_t cmd_base[2] = { 0x1f0, 0x170 }, ctl_base[2] = { 0x3f6, 0x376 };
    for (int i = 0; i < 2; i++) {
        IdeChannel *c = &ide->ch[i];
        c->ide = ide;
        c->index = i;
        c->irq = i ? irq15 : irq14;
        bus_register(bus, cmd_base[i], 8, &ide_cmd_ops, c);
        bus_register(bus, ctl_base[i], 1, &ide_ctl_ops, c);
    }
    ide_reset(ide);
}

bool ide_attach(Ide *ide, int channel, int unit, BlockDev *bd, bool cdrom, const char **err)
{
    *err = NULL;
    if (channel < 0 || channel > 1 || unit < 0 || unit > 1) {
        *err = "no such IDE position (channel and unit are 0 or 1)";
        return false;
    }
    IdeChannel *c = &ide->ch[channel];
    IdeDrive *d = &c->drive[unit];
    uint64_t n = 0;
    if (!cdrom) {
        if (!bd) {
            *err = "a hard disk needs an image";
            return false;
        }
        if (bd->size == 0 || bd->size % 512) {
            snprintf(ide->msg, sizeof(ide->msg),
                     "disk image size %llu is not a non-zero multiple of 512 bytes",
                     (unsigned long long)bd->size);
            *err = ide->msg;
            return false;
        }
        n = bd->size / 512;
    } else if (bd) {
        n = bd->size / 2048;
        if (bd->size % 2048) {
            snprintf(ide->msg, sizeof(ide->msg),
                     "CD image size %llu is not a multiple of 2048: the last %llu bytes are ignored",
                     (unsigned long long)bd->size, (unsigned long long)(bd->size % 2048));
            *err = ide->msg;
        }
    }
    memset(d, 0, sizeof(*d));
    d->present = true;
    d->cdrom = cdrom;
    d->bd = bd;
    d->nsectors = n;
    int idx = channel * 2 + unit;
    snprintf(d->serial, sizeof(d->serial), "RS%08d", idx + 1);
    snprintf(d->model, sizeof(d->model), cdrom ? "Ringside CD-ROM" : "Ringside HARDDISK");
    snprintf(d->fw, sizeof(d->fw), "1.0");
    if (!cdrom)
        ata_default_geometry(d);
    ide_drive_reset(d);
    return true;
}

void ide_cd_change(Ide *ide, int channel, int unit, BlockDev *bd)
{
    if (channel < 0 || channel > 1 || unit < 0 || unit > 1)
        return;
    IdeChannel *c = &ide->ch[channel];
    IdeDrive *d = &c->drive[unit];
    if (d->present && d->cdrom)
        atapi_change_medium(c, d, bd);
}
