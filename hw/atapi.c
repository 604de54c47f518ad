/*
 * atapi.c - the packet commands of an ATAPI CD-ROM (SFF-8020i, MMC-2/3,
 * SPC for the sense data) behind the PACKET command of ide.c, on 2048-byte
 * sectors of an ISO image.
 *
 * The host writes the 12-byte command through the data port; data comes
 * back in chunks no larger than the byte count limit it put in the
 * cylinder registers, each chunk announced by DRQ, the interrupt reason
 * (IO=1, CoD=0), the chunk size in the cylinder registers and an
 * interrupt; completion is IO=1, CoD=1 with an interrupt. Errors are a
 * CHECK CONDITION: ERR with the sense key in the error register, the
 * details for REQUEST SENSE.
 * Not implemented: audio play, READ CD, MODE SELECT, DVD structures,
 * data-out packets (writing), DMA.
 */
#include "hw/ide.h"

#include <string.h>

#define CD_SECTOR 2048

enum {
    SENSE_NONE = 0,
    SENSE_NOT_READY = 2,
    SENSE_MEDIUM_ERROR = 3,
    SENSE_ILLEGAL_REQUEST = 5,
    SENSE_UNIT_ATTENTION = 6,
};

enum {
    ASC_READ_ERROR = 0x11,
    ASC_INVALID_OPCODE = 0x20,
    ASC_LBA_OUT_OF_RANGE = 0x21,
    ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_CHANGED = 0x28,
    ASC_SAVING_NOT_SUPPORTED = 0x39,
    ASC_NO_MEDIUM = 0x3a,
    ASC_REMOVAL_PREVENTED = 0x53,
};

static bool atapi_has_medium(const IdeDrive *d)
{
    return d->bd && !d->tray_open;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An address as 0, M, S, F (LBA 0 is 00:02:00). */
static void put_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)(lba / (75 * 60));
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
}

static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        put_msf(p, lba);
    else
        put32(p, lba);
}

static void atapi_ok(IdeChannel *c, IdeDrive *d)
{
    c->xfer = XFER_NONE;
    d->r.nsect = ATAPI_IR_IO | ATAPI_IR_COD;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC;
    d->r.error = 0;
    ide_set_irq(c, d);
}

/* CHECK CONDITION. */
static void atapi_fail(IdeChannel *c, IdeDrive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    c->xfer = XFER_NONE;
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    d->r.nsect = ATAPI_IR_IO | ATAPI_IR_COD;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_ERR;
    d->r.error = (uint8_t)(key << 4);
    ide_set_irq(c, d);
}

static void atapi_no_medium(IdeChannel *c, IdeDrive *d)
{
    atapi_fail(c, d, SENSE_NOT_READY, ASC_NO_MEDIUM, d->tray_open ? 2 : 1);
}

static void atapi_invalid_field(IdeChannel *c, IdeDrive *d)
{
    atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

/* Announce the next chunk of data to the host. For a READ, the disc
 * sectors behind it are read into buf first (buf keeps what a previous
 * chunk left over when the byte count limit is not a multiple of 2048). */
static void atapi_start_chunk(IdeChannel *c, IdeDrive *d)
{
    uint32_t n = c->left > c->bcl ? (c->bcl & ~1u) : (uint32_t)c->left;
    if (c->cd_have - c->pos < n) {
        uint32_t keep = c->cd_have - c->pos;
        memmove(c->buf, c->buf + c->pos, keep);
        c->pos = 0;
        c->cd_have = keep;
        while (c->cd_have < n && c->cd_sectors) {
            uint64_t k = (IDE_BUF_SIZE - c->cd_have) / CD_SECTOR;
            if (k > c->cd_sectors)
                k = c->cd_sectors;
            if (!atapi_has_medium(d) ||
                !block_read(d->bd, c->lba * CD_SECTOR, c->buf + c->cd_have, (size_t)k * CD_SECTOR)) {
                atapi_fail(c, d, SENSE_MEDIUM_ERROR, ASC_READ_ERROR, 0);
                return;
            }
            c->lba += k;
            c->cd_sectors -= k;
            c->cd_have += (uint32_t)k * CD_SECTOR;
        }
    }
    c->left -= n;
    c->end = c->pos + n;
    c->xfer = XFER_ATAPI_IN;
    d->r.lbam = (uint8_t)n;
    d->r.lbah = (uint8_t)(n >> 8);
    d->r.nsect = ATAPI_IR_IO;
    d->r.status = IDE_STAT_DRDY | IDE_STAT_DSC | IDE_STAT_DRQ;
    ide_set_irq(c, d);
}

void atapi_data_done(IdeChannel *c, IdeDrive *d)
{
    if (c->left)
        atapi_start_chunk(c, d);
    else
        atapi_ok(c, d);
}

/* Send buf[0..len), cut to the allocation length. */
static void atapi_reply(IdeChannel *c, IdeDrive *d, uint32_t len, uint32_t alloc)
{
    if (len > alloc)
        len = alloc;
    if (!len) {
        atapi_ok(c, d);
        return;
    }
    c->pos = 0;
    c->cd_have = len;
    c->cd_sectors = 0;
    c->left = len;
    atapi_start_chunk(c, d);
}

static void atapi_read(IdeChannel *c, IdeDrive *d, uint32_t lba, uint32_t count)
{
    if ((uint64_t)lba + count > d->nsectors) {
        atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    if (!count) {
        atapi_ok(c, d);
        return;
    }
    d->standby = false;
    c->pos = 0;
    c->cd_have = 0;
    c->lba = lba;
    c->cd_sectors = count;
    c->left = (uint64_t)count * CD_SECTOR;
    atapi_start_chunk(c, d);
}

static uint32_t atapi_inquiry(uint8_t *b)
{
    memset(b, 0, 36);
    b[0] = 0x05;  /* CD/DVD device */
    b[1] = 0x80;  /* removable */
    b[2] = 0x00;  /* ANSI version 0, as ATAPI devices report */
    b[3] = 0x21;  /* ATAPI version 2, response data format 1 */
    b[4] = 31;
    memcpy(b + 8, "Ringside", 8);
    memcpy(b + 16, "CD-ROM          ", 16);
    memcpy(b + 32, "1.0 ", 4);
    return 36;
}

static uint32_t atapi_request_sense(IdeDrive *d, uint8_t *b)
{
    if (d->unit_attention) {
        d->unit_attention = false;
        d->sense_key = SENSE_UNIT_ATTENTION;
        d->asc = ASC_MEDIUM_CHANGED;
        d->ascq = 0;
    } else if (d->sense_key == SENSE_NONE && !atapi_has_medium(d)) {
        d->sense_key = SENSE_NOT_READY;
        d->asc = ASC_NO_MEDIUM;
        d->ascq = d->tray_open ? 2 : 1;
    }
    memset(b, 0, 18);
    b[0] = 0x70;  /* current error, fixed format */
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    atapi_reset(d); /* reported: the sense is gone */
    return 18;
}

/* Mode pages: error recovery (0x01), CD parameters (0x0d), capabilities
 * and mechanical status (0x2a). Returns the length, 0 if unknown. */
static uint32_t atapi_mode_page(IdeDrive *d, int page, uint8_t *p)
{
    switch (page) {
    case 0x01:
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 6;
        p[3] = 5;     /* read retry count */
        return 8;
    case 0x0d:
        memset(p, 0, 8);
        p[0] = 0x0d;
        p[1] = 6;
        put16(p + 4, 60); /* S units per M */
        put16(p + 6, 75); /* F units per S */
        return 8;
    case 0x2a:
        memset(p, 0, 20);
        p[0] = 0x2a;
        p[1] = 18;
        p[2] = 0x03;  /* reads CD-R, CD-RW */
        p[4] = 0x71;  /* audio play, mode 2 form 1/2, multi-session */
        p[5] = 0x03;  /* CD-DA commands, accurate stream */
        /* lock, lock state, eject, tray loading mechanism */
        p[6] = (uint8_t)(0x01 | (d->locked ? 0x02 : 0) | 0x08 | 0x20);
        put16(p + 8, 4224);   /* max read speed, kB/s (24x) */
        put16(p + 10, 256);   /* volume levels */
        put16(p + 12, 512);   /* buffer, KB */
        put16(p + 14, 4224);  /* current read speed */
        return 20;
    }
    return 0;
}

static void atapi_mode_sense(IdeChannel *c, IdeDrive *d, const uint8_t *cdb, bool ten)
{
    int pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
    uint32_t alloc = ten ? get16(cdb + 7) : cdb[4];
    if (pc == 3) {
        atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED, 0);
        return;
    }
    uint8_t *b = c->buf;
    uint32_t hdr = ten ? 8 : 4, len = hdr;
    memset(b, 0, hdr);
    if (page == 0x3f) {
        static const int all[] = { 0x01, 0x0d, 0x2a };
        for (int i = 0; i < 3; i++)
            len += atapi_mode_page(d, all[i], b + len);
    } else {
        uint32_t n = atapi_mode_page(d, page, b + len);
        if (!n) {
            atapi_invalid_field(c, d);
            return;
        }
        len += n;
    }
    /* Medium type: 120 mm data CD, door closed and empty, or door open. */
    uint8_t medium = atapi_has_medium(d) ? 0x01 : d->tray_open ? 0x71 : 0x70;
    if (ten) {
        put16(b, len - 2);
        b[2] = medium;
    } else {
        b[0] = (uint8_t)(len - 1);
        b[1] = medium;
    }
    atapi_reply(c, d, len, alloc);
}

static void atapi_read_toc(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    bool msf = cdb[1] & 2;
    int format = cdb[2] & 0xf;
    if (!format)
        format = cdb[9] >> 6; /* SFF-8020 put the format in the control byte */
    int start = cdb[6];
    uint32_t alloc = get16(cdb + 7);
    uint32_t leadout = (uint32_t)d->nsectors;
    uint8_t *b = c->buf;
    uint32_t len = 4;
    switch (format) {
    case 0: /* the track list: track 1 (data) and the lead-out */
        if (start > 1 && start != 0xaa) {
            atapi_invalid_field(c, d);
            return;
        }
        b[2] = 1;
        b[3] = 1;
        if (start <= 1) {
            memset(b + len, 0, 8);
            b[len + 1] = 0x14; /* ADR 1, data track */
            b[len + 2] = 1;
            put_addr(b + len + 4, 0, msf);
            len += 8;
        }
        memset(b + len, 0, 8);
        b[len + 1] = 0x14;
        b[len + 2] = 0xaa;
        put_addr(b + len + 4, leadout, msf);
        len += 8;
        break;
    case 1: /* session info: one session starting at track 1 */
        b[2] = 1;
        b[3] = 1;
        memset(b + 4, 0, 8);
        b[5] = 0x14;
        b[6] = 1;
        put_addr(b + 8, 0, msf);
        len = 12;
        break;
    case 2: { /* the raw TOC: points A0, A1, A2 and track 1, in MSF */
        static const uint8_t points[] = { 0xa0, 0xa1, 0xa2, 0x01 };
        b[2] = 1;
        b[3] = 1;
        for (int i = 0; i < 4; i++) {
            uint8_t *e = b + len;
            memset(e, 0, 11);
            e[0] = 1;      /* session */
            e[1] = 0x14;
            e[3] = points[i];
            if (points[i] == 0xa0) {
                e[8] = 1;  /* first track; disc type 00h CD-ROM */
            } else if (points[i] == 0xa1) {
                e[8] = 1;  /* last track */
            } else {
                uint8_t m[4];
                put_msf(m, points[i] == 0xa2 ? leadout : 0);
                memcpy(e + 8, m + 1, 3);
            }
            len += 11;
        }
        break;
    }
    default:
        atapi_invalid_field(c, d);
        return;
    }
    put16(b, len - 2);
    atapi_reply(c, d, len, alloc);
}

static void atapi_read_subchannel(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    bool msf = cdb[1] & 2, subq = cdb[2] & 0x40;
    int format = cdb[3];
    uint8_t *b = c->buf;
    memset(b, 0, 24);
    b[1] = 0x15; /* no current audio status */
    uint32_t len = 4;
    if (subq) {
        b[4] = (uint8_t)format;
        if (format == 1) { /* current position: at the start of track 1 */
            b[5] = 0x14;
            b[6] = 1;
            b[7] = 1;
            put_addr(b + 8, 0, msf);
            put_addr(b + 12, 0, msf);
            len = 16;
        } else if (format == 2 || format == 3) { /* MCN / ISRC: not valid */
            len = 24;
        } else {
            atapi_invalid_field(c, d);
            return;
        }
    }
    put16(b + 2, len - 4);
    atapi_reply(c, d, len, get16(cdb + 7));
}

/* GET CONFIGURATION: the profile list (CD-ROM), core (ATAPI), morphing,
 * removable medium, random readable and CD read features. */
static void atapi_get_configuration(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    int rt = cdb[1] & 3;
    uint32_t first = get16(cdb + 2);
    bool media = atapi_has_medium(d);
    uint8_t *b = c->buf;
    uint32_t len = 8;
    memset(b, 0, 64);
    put16(b + 6, media ? 0x0008 : 0);
    static const uint16_t features[] = { 0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001e };
    for (int i = 0; i < 6; i++) {
        uint16_t f = features[i];
        bool current = f <= 0x0003 || media;
        if ((rt == 2 && f != first) || f < first || (rt == 1 && !current))
            continue;
        uint8_t *p = b + len;
        put16(p, f);
        p[2] = (uint8_t)((f <= 0x0003 ? 0x02 : 0) | (current ? 0x01 : 0));
        switch (f) {
        case 0x0000:
            p[2] |= 0; /* version 0 */
            p[3] = 4;
            put16(p + 4, 0x0008);
            p[6] = media ? 1 : 0;
            break;
        case 0x0001:
            p[2] |= 0x04; /* version 1 */
            p[3] = 8;
            put32(p + 4, 2); /* ATAPI */
            break;
        case 0x0002:
            p[2] |= 0x04;
            p[3] = 4;     /* polling only, no asynchronous events */
            break;
        case 0x0003:
            p[3] = 4;
            p[4] = 0x20 | 0x08 | 0x01; /* tray, eject, lock */
            break;
        case 0x0010:
            p[3] = 8;
            put32(p + 4, CD_SECTOR);
            put16(p + 8, 1);
            break;
        case 0x001e:
            p[3] = 4;
            break;
        }
        len += 4 + p[3];
    }
    put32(b, len - 4);
    atapi_reply(c, d, len, get16(cdb + 7));
}

/* GET EVENT STATUS NOTIFICATION, polled, media class only. */
static void atapi_gesn(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    if (!(cdb[1] & 1)) { /* asynchronous: not supported */
        atapi_invalid_field(c, d);
        return;
    }
    uint8_t *b = c->buf;
    memset(b, 0, 8);
    b[3] = 0x10; /* supported classes: media */
    uint32_t len;
    if (cdb[4] & 0x10) {
        b[2] = 4; /* media class */
        b[4] = d->media_event;
        b[5] = (uint8_t)((d->tray_open ? 1 : 0) | (atapi_has_medium(d) ? 2 : 0));
        d->media_event = 0;
        len = 8;
    } else {
        b[2] = 0x80; /* no event available */
        len = 4;
    }
    put16(b, len - 2);
    atapi_reply(c, d, len, get16(cdb + 7));
}

static void atapi_disc_info(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    if (cdb[1] & 7) {
        atapi_invalid_field(c, d);
        return;
    }
    uint8_t *b = c->buf;
    memset(b, 0, 34);
    put16(b, 32);
    b[2] = 0x0e;  /* last session complete, disc complete */
    b[3] = 1;     /* first track */
    b[4] = 1;     /* sessions */
    b[5] = 1;     /* first track in last session */
    b[6] = 1;     /* last track in last session */
    put32(b + 16, 0xffffffff); /* lead-in of the last session: none */
    put32(b + 20, 0xffffffff);
    atapi_reply(c, d, 34, get16(cdb + 7));
}

static void atapi_start_stop(IdeChannel *c, IdeDrive *d, const uint8_t *cdb)
{
    bool start = cdb[4] & 1, loej = cdb[4] & 2;
    if (loej && !start) {
        if (d->locked) {
            atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        if (!d->tray_open && d->bd)
            d->media_event = 3;
        d->tray_open = true;
    } else if (loej && start && d->tray_open) {
        d->tray_open = false;
        if (d->bd) {
            d->media_event = 2;
            d->unit_attention = true;
        }
    }
    atapi_ok(c, d);
}

void atapi_change_medium(IdeChannel *c, IdeDrive *d, BlockDev *bd)
{
    /* A read in progress from the old disc ends in CHECK CONDITION. */
    if (c->xfer != XFER_NONE && &c->drive[c->xunit] == d)
        atapi_fail(c, d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
    d->bd = bd;
    d->nsectors = bd ? bd->size / CD_SECTOR : 0;
    d->tray_open = false;
    /* A new disc: UNIT ATTENTION on the next command, and a GESN event. */
    d->media_event = bd ? 2 : 3;
    d->unit_attention = bd != NULL;
}

/* Does the command need a disc? (MMC: the media access commands) */
static bool atapi_needs_medium(uint8_t op)
{
    switch (op) {
    case 0x00: case 0x25: case 0x28: case 0xa8: case 0x2b:
    case 0x43: case 0x42: case 0x51:
        return true;
    }
    return false;
}

void atapi_packet(IdeChannel *c, IdeDrive *d)
{
    uint8_t cdb[12];
    memcpy(cdb, c->buf, 12);
    uint8_t op = cdb[0];
    uint8_t *b = c->buf;

    if (op != 0x03) /* the sense describes the previous command only */
        atapi_reset(d);
    /* A pending UNIT ATTENTION fails any command but these (SPC, MMC:
     * REQUEST SENSE, INQUIRY, GET CONFIGURATION, GESN). */
    if (d->unit_attention && op != 0x03 && op != 0x12 && op != 0x46 && op != 0x4a) {
        d->unit_attention = false;
        atapi_fail(c, d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (atapi_needs_medium(op) && !atapi_has_medium(d)) {
        atapi_no_medium(c, d);
        return;
    }
    switch (op) {
    case 0x00: /* TEST UNIT READY */
    case 0xbb: /* SET CD SPEED */
        atapi_ok(c, d);
        return;
    case 0x03: /* REQUEST SENSE */
        atapi_reply(c, d, atapi_request_sense(d, b), cdb[4]);
        return;
    case 0x12: /* INQUIRY */
        if (cdb[1] & 1) {
            atapi_invalid_field(c, d);
            return;
        }
        atapi_reply(c, d, atapi_inquiry(b), get16(cdb + 3));
        return;
    case 0x1a: atapi_mode_sense(c, d, cdb, false); return;
    case 0x5a: atapi_mode_sense(c, d, cdb, true); return;
    case 0x1b: atapi_start_stop(c, d, cdb); return;
    case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
        d->locked = cdb[4] & 1;
        atapi_ok(c, d);
        return;
    case 0x25: /* READ CAPACITY */
        put32(b, d->nsectors ? (uint32_t)d->nsectors - 1 : 0);
        put32(b + 4, CD_SECTOR);
        atapi_reply(c, d, 8, 8);
        return;
    case 0x28: atapi_read(c, d, get32(cdb + 2), get16(cdb + 7)); return;
    case 0xa8: atapi_read(c, d, get32(cdb + 2), get32(cdb + 6)); return;
    case 0x2b: /* SEEK(10) */
        if (get32(cdb + 2) >= d->nsectors)
            atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        else
            atapi_ok(c, d);
        return;
    case 0x42: atapi_read_subchannel(c, d, cdb); return;
    case 0x43: atapi_read_toc(c, d, cdb); return;
    case 0x46: atapi_get_configuration(c, d, cdb); return;
    case 0x4a: atapi_gesn(c, d, cdb); return;
    case 0x51: atapi_disc_info(c, d, cdb); return;
    case 0xbd: /* MECHANISM STATUS: no changer, door state */
        memset(b, 0, 8);
        b[1] = d->tray_open ? 0x10 : 0;
        atapi_reply(c, d, 8, get16(cdb + 8));
        return;
    default:
        atapi_fail(c, d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
    }
}
