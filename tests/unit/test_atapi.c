/*
 * test_atapi.c - an ATAPI CD-ROM as the secondary master (0x170/0x376,
 * IRQ15, where -cdrom goes), alone on a local bus with an ISO in a
 * temporary file: the signature and IDENTIFY PACKET DEVICE, the PACKET
 * protocol (interrupt reason, byte count limit), INQUIRY, READ CAPACITY,
 * READ(10)/(12), sense data after UNIT ATTENTION and without a disc, READ
 * TOC in LBA and MSF, MODE SENSE, GESN and media change, eject and lock.
 */
#include "ide_rig.h"

#define CD_SECTORS 300

static IdeRig *cd_rig(bool media)
{
    IdeRig *r = rig_new();
    const char *err;
    BlockDev *bd = media ? rig_image(r, CD_SECTORS * 2048, 2048, 20, true) : NULL;
    assert_true(ide_attach(&r->ide, 1, 0, bd, true, &err));
    assert_null(err);
    out8(r, 0x176, 0xa0);
    return r;
}

/* Send a 12-byte packet with a byte count limit; the drive asks for it
 * with DRQ and CoD=1 IO=0, without an interrupt. */
static void packet(IdeRig *r, const uint8_t *cdb, uint16_t bcl)
{
    out8(r, 0x171, 0);
    out8(r, 0x174, (uint8_t)bcl);
    out8(r, 0x175, (uint8_t)(bcl >> 8));
    out8(r, 0x177, 0xa0);
    assert_int_equal(in8(r, 0x376) & 0x89, 0x08);
    assert_int_equal(in8(r, 0x172) & 3, ATAPI_IR_COD);
    for (int i = 0; i < 12; i += 2)
        out16(r, 0x170, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
}

/* Collect the data phase: each chunk has DRQ, IO=1 CoD=0, its size in the
 * cylinder registers (at most bcl) and an interrupt. Returns the bytes
 * read; *chunks counts the DRQ phases. Leaves the final status read. */
static uint32_t collect(IdeRig *r, uint8_t *buf, uint32_t max, uint16_t bcl, int *chunks, uint8_t *status)
{
    uint32_t total = 0;
    int n = 0;
    for (;;) {
        int edges = r->edges[1];
        uint8_t st = in8(r, 0x177);
        assert_int_equal(r->level[1], 0);
        if (!(st & IDE_STAT_DRQ)) {
            *status = st;
            break;
        }
        assert_int_equal(in8(r, 0x172) & 3, ATAPI_IR_IO);
        uint32_t len = in8(r, 0x174) | (uint32_t)in8(r, 0x175) << 8;
        assert_true(len > 0 && len <= bcl);
        assert_true(total + len <= max);
        for (uint32_t i = 0; i < len; i += 2) {
            uint16_t w = (uint16_t)bus_in(&r->bus, 0x170, 2);
            buf[total + i] = (uint8_t)w;
            if (i + 1 < len)
                buf[total + i + 1] = (uint8_t)(w >> 8);
        }
        total += len;
        n++;
        assert_int_equal(r->edges[1], edges + 1); /* the next phase interrupted */
    }
    if (chunks)
        *chunks = n;
    return total;
}

/* A command that must succeed: returns the data length. */
static uint32_t run_ok(IdeRig *r, const uint8_t *cdb, uint8_t *buf, uint32_t max)
{
    int before = r->edges[1];
    uint8_t st;
    packet(r, cdb, 0xfffe);
    assert_true(r->edges[1] > before);
    uint32_t n = collect(r, buf, max, 0xfffe, NULL, &st);
    assert_int_equal(st & (IDE_STAT_ERR | IDE_STAT_DRQ | IDE_STAT_BSY), 0);
    assert_int_equal(in8(r, 0x172) & 3, ATAPI_IR_IO | ATAPI_IR_COD);
    return n;
}

/* A command that must fail with CHECK CONDITION and this sense key. */
static void run_fail(IdeRig *r, const uint8_t *cdb, uint8_t key)
{
    packet(r, cdb, 0xfffe);
    uint8_t st = in8(r, 0x177);
    assert_int_equal(st & (IDE_STAT_ERR | IDE_STAT_DRQ), IDE_STAT_ERR);
    assert_int_equal(in8(r, 0x171) >> 4, key);
    assert_int_equal(in8(r, 0x172) & 3, ATAPI_IR_IO | ATAPI_IR_COD);
}

static void request_sense(IdeRig *r, uint8_t *key, uint8_t *asc, uint8_t *ascq)
{
    uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 }, b[18];
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 18);
    assert_int_equal(b[0], 0x70);
    *key = b[2] & 0xf;
    *asc = b[12];
    *ascq = b[13];
}

/* The PACKET signature at power on and after IDENTIFY DEVICE, which
 * aborts; IDENTIFY PACKET DEVICE: CD-ROM, removable, 12-byte packets. */
static void signature_identify(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    assert_int_equal(in8(r, 0x174), 0x14);
    assert_int_equal(in8(r, 0x175), 0xeb);
    assert_int_equal(in8(r, 0x177), 0x00);
    out8(r, 0x174, 0);
    out8(r, 0x177, 0xec);
    assert_int_equal(in8(r, 0x177) & 0x01, 0x01);
    assert_int_equal(in8(r, 0x171), 0x04);
    assert_int_equal(in8(r, 0x174), 0x14);
    assert_int_equal(in8(r, 0x175), 0xeb);
    out8(r, 0x177, 0xa1);
    assert_int_equal(r->level[1], 1);
    assert_int_equal(in8(r, 0x177) & 0x08, 0x08);
    uint16_t id[256];
    for (int i = 0; i < 256; i++)
        id[i] = (uint16_t)bus_in(&r->bus, 0x170, 2);
    assert_int_equal(id[0], 0x85c0);
    assert_int_equal(id[0] >> 14, 2);          /* ATAPI */
    assert_int_equal((id[0] >> 8) & 0x1f, 5);  /* CD-ROM */
    assert_int_equal(id[27], ('R' << 8) | 'i');
    assert_true(id[49] & 0x0200);
    assert_int_equal(in8(r, 0x177) & 0x08, 0);
    /* SRST brings the signature back with status 0 */
    out8(r, 0x376, 0x04);
    out8(r, 0x376, 0x00);
    assert_int_equal(in8(r, 0x177), 0x00);
    assert_int_equal(in8(r, 0x172), 1);
    assert_int_equal(in8(r, 0x173), 1);
    assert_int_equal(in8(r, 0x174), 0x14);
    assert_int_equal(in8(r, 0x175), 0xeb);
    rig_free(r);
}

/* INQUIRY: peripheral type 5, removable, the identification strings, cut
 * to the allocation length. */
static void inquiry(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x12, 0, 0, 0, 36 }, b[64];
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 36);
    assert_int_equal(b[0], 0x05);
    assert_int_equal(b[1], 0x80);
    assert_int_equal(b[4], 31);
    assert_memory_equal(b + 8, "Ringside", 8);
    assert_memory_equal(b + 16, "CD-ROM", 6);
    cdb[4] = 5;
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 5);
    rig_free(r);
}

/* READ CAPACITY: the last LBA and 2048-byte blocks, big-endian. */
static void read_capacity(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x25 }, b[8];
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 8);
    assert_int_equal(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], CD_SECTORS - 1);
    assert_int_equal(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 2048);
    rig_free(r);
}

static void check_cd_sector(const uint8_t *b, uint64_t s)
{
    for (uint32_t j = 0; j < 2048; j++)
        if (b[j] != pattern(s, j))
            fail_msg("CD sector %llu byte %u", (unsigned long long)s, j);
}

/* READ(10) with a byte count limit of 1000, smaller than a sector: two
 * sectors come as chunks of 1000, 1000, 1000, 1000, 96, one interrupt
 * each, the right bytes across the sector boundary. READ(12) with the
 * largest limit: three sectors in one chunk. */
static void read10_small_bcl(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
    static uint8_t b[3 * 2048];
    uint8_t st;
    int chunks;
    packet(r, cdb, 1000);
    assert_int_equal(collect(r, b, sizeof(b), 1000, &chunks, &st), 4096);
    assert_int_equal(chunks, 5);
    assert_int_equal(st & 0x89, 0);
    check_cd_sector(b, 3);
    check_cd_sector(b + 2048, 4);
    uint8_t cdb12[12] = { 0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 3 };
    packet(r, cdb12, 0xfffe);
    assert_int_equal(collect(r, b, sizeof(b), 0xfffe, &chunks, &st), 3 * 2048);
    assert_int_equal(chunks, 1);
    for (int i = 0; i < 3; i++)
        check_cd_sector(b + i * 2048, 10 + (uint64_t)i);
    /* Past the end: ILLEGAL REQUEST, LBA out of range. */
    uint8_t bad[12] = { 0x28, 0, 0, 0, 0x01, 0x2b, 0, 0, 2 }; /* LBA 299, 2 sectors */
    run_fail(r, bad, 5);
    uint8_t key, asc, ascq;
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(key, 5);
    assert_int_equal(asc, 0x21);
    rig_free(r);
}

/* A disc change: GESN reports new media, the next command fails with
 * UNIT ATTENTION, REQUEST SENSE says 6/28h and clears it. */
static void unit_attention_after_change(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t tur[12] = { 0x00 }, b[64];
    run_ok(r, tur, b, sizeof(b));
    BlockDev *other = rig_image(r, 100 * 2048, 2048, 0, true);
    ide_cd_change(&r->ide, 1, 0, other);
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    assert_int_equal(run_ok(r, gesn, b, sizeof(b)), 8);
    assert_int_equal(b[2] & 7, 4);
    assert_int_equal(b[4], 2);     /* new media */
    assert_int_equal(b[5], 2);     /* media present, tray closed */
    run_fail(r, tur, 6);
    uint8_t key, asc, ascq;
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(key, 6);
    assert_int_equal(asc, 0x28);
    run_ok(r, tur, b, sizeof(b));
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(key, 0);
    assert_int_equal(run_ok(r, gesn, b, sizeof(b)), 8);
    assert_int_equal(b[4], 0);     /* reported once */
    uint8_t cap[12] = { 0x25 };
    run_ok(r, cap, b, sizeof(b));
    assert_int_equal(b[3], 99);
    rig_free(r);
}

/* An empty drive: TEST UNIT READY and READ fail NOT READY, REQUEST SENSE
 * gives 2/3Ah; INQUIRY still works; inserting a disc makes it ready
 * after the UNIT ATTENTION. */
static void no_media(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(false);
    uint8_t tur[12] = { 0x00 }, b[64];
    run_fail(r, tur, 2);
    uint8_t key, asc, ascq;
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(key, 2);
    assert_int_equal(asc, 0x3a);
    uint8_t cap[12] = { 0x25 };
    run_fail(r, cap, 2);
    uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    run_ok(r, inq, b, sizeof(b));
    ide_cd_change(&r->ide, 1, 0, rig_image(r, 50 * 2048, 2048, 0, true));
    run_fail(r, tur, 6);
    run_ok(r, tur, b, sizeof(b));
    rig_free(r);
}

/* READ TOC format 0: track 1 at 0 and the lead-out (AAh) at the
 * capacity, as LBA and as MSF (LBA + 150 frames: 300 is 00:06:00). */
static void read_toc(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100 }, b[100];
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 20);
    assert_int_equal(b[0] << 8 | b[1], 18);
    assert_int_equal(b[2], 1);
    assert_int_equal(b[3], 1);
    assert_int_equal(b[5], 0x14);
    assert_int_equal(b[6], 1);
    assert_int_equal(b[8] | b[9] | b[10] | b[11], 0);
    assert_int_equal(b[14], 0xaa);
    assert_int_equal(b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19], CD_SECTORS);
    cdb[1] = 2; /* MSF */
    assert_int_equal(run_ok(r, cdb, b, sizeof(b)), 20);
    assert_memory_equal(b + 8, ((uint8_t[]){ 0, 0, 2, 0 }), 4);
    assert_memory_equal(b + 16, ((uint8_t[]){ 0, 0, 6, 0 }), 4);
    /* format 1: the session */
    uint8_t s[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 100 };
    assert_int_equal(run_ok(r, s, b, sizeof(b)), 12);
    assert_int_equal(b[6], 1);
    /* format 2: A0, A1, A2, track 1; A2 holds the lead-out in MSF */
    uint8_t f2[12] = { 0x43, 2, 2, 0, 0, 0, 0, 0, 100 };
    assert_int_equal(run_ok(r, f2, b, sizeof(b)), 4 + 4 * 11);
    assert_int_equal(b[4 + 2 * 11 + 3], 0xa2);
    assert_memory_equal(b + 4 + 2 * 11 + 8, ((uint8_t[]){ 0, 6, 0 }), 3);
    /* the SFF-8020 format field in the control byte */
    uint8_t old[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0x40 };
    assert_int_equal(run_ok(r, old, b, sizeof(b)), 12);
    rig_free(r);
}

/* MODE SENSE(10) page 2Ah and (6) page 01h; saved values are refused. */
static void mode_sense(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128 }, b[128];
    uint32_t n = run_ok(r, cdb, b, sizeof(b));
    assert_int_equal(n, 28);
    assert_int_equal(b[0] << 8 | b[1], 26);
    assert_int_equal(b[8], 0x2a);
    assert_int_equal(b[9], 18);
    assert_true(b[8 + 6] & 0x08); /* eject */
    uint8_t six[12] = { 0x1a, 0, 0x01, 0, 64 };
    assert_int_equal(run_ok(r, six, b, sizeof(b)), 12);
    assert_int_equal(b[4], 0x01);
    uint8_t saved[12] = { 0x5a, 0, 0xea, 0, 0, 0, 0, 0, 128 };
    run_fail(r, saved, 5);
    uint8_t all[12] = { 0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 128 };
    assert_int_equal(run_ok(r, all, b, sizeof(b)), 8 + 8 + 8 + 20);
    rig_free(r);
}

/* PREVENT blocks the eject; after ALLOW, START STOP UNIT opens the tray
 * (NOT READY, 3Ah/02h, MECHANISM STATUS shows the door open); loading
 * closes it again with a UNIT ATTENTION. Also the other simple commands
 * and an unknown one. */
static void eject_and_lock(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t b[256], key, asc, ascq;
    uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 }, unlock[12] = { 0x1e };
    uint8_t eject[12] = { 0x1b, 0, 0, 0, 2 }, load[12] = { 0x1b, 0, 0, 0, 3 };
    uint8_t tur[12] = { 0x00 };
    run_ok(r, lock, b, sizeof(b));
    run_fail(r, eject, 5);
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(asc, 0x53);
    run_ok(r, unlock, b, sizeof(b));
    run_ok(r, eject, b, sizeof(b));
    run_fail(r, tur, 2);
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(asc, 0x3a);
    assert_int_equal(ascq, 2);
    uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    assert_int_equal(run_ok(r, mech, b, sizeof(b)), 8);
    assert_int_equal(b[1] & 0x10, 0x10);
    run_ok(r, load, b, sizeof(b));
    run_fail(r, tur, 6);
    run_ok(r, tur, b, sizeof(b));
    uint8_t speed[12] = { 0xbb, 0, 0xff, 0xff };
    run_ok(r, speed, b, sizeof(b));
    uint8_t seek[12] = { 0x2b, 0, 0, 0, 0, 10 };
    run_ok(r, seek, b, sizeof(b));
    uint8_t conf[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 255 };
    uint32_t n = run_ok(r, conf, b, sizeof(b));
    assert_int_equal(n, (uint32_t)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) + 4);
    assert_int_equal(b[6] << 8 | b[7], 0x0008);
    uint8_t disc[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
    assert_int_equal(run_ok(r, disc, b, sizeof(b)), 34);
    assert_int_equal(b[2], 0x0e);
    uint8_t sub[12] = { 0x42, 0, 0x40, 1, 0, 0, 0, 0, 16 };
    assert_int_equal(run_ok(r, sub, b, sizeof(b)), 16);
    uint8_t unknown[12] = { 0xff };
    run_fail(r, unknown, 5);
    request_sense(r, &key, &asc, &ascq);
    assert_int_equal(asc, 0x20);
    rig_free(r);
}

/* An odd byte count limit with more data to come is rounded down to an
 * even chunk (1001 -> 1000); a disc change in the middle of a READ ends it
 * with CHECK CONDITION, UNIT ATTENTION. */
static void odd_bcl_and_change_mid_read(void **state)
{
    (void)state;
    IdeRig *r = cd_rig(true);
    uint8_t cdb[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 1 };
    static uint8_t b[2048];
    uint8_t st;
    int chunks;
    packet(r, cdb, 1001);
    assert_int_equal(collect(r, b, sizeof(b), 1001, &chunks, &st), 2048);
    assert_int_equal(chunks, 3);
    check_cd_sector(b, 5);
    packet(r, cdb, 1000);
    assert_int_equal(in8(r, 0x177) & IDE_STAT_DRQ, IDE_STAT_DRQ);
    ide_cd_change(&r->ide, 1, 0, rig_image(r, 10 * 2048, 2048, 0, true));
    st = in8(r, 0x177);
    assert_int_equal(st & (IDE_STAT_ERR | IDE_STAT_DRQ), IDE_STAT_ERR);
    assert_int_equal(in8(r, 0x171) >> 4, 6);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_identify),
        cmocka_unit_test(inquiry),
        cmocka_unit_test(read_capacity),
        cmocka_unit_test(read10_small_bcl),
        cmocka_unit_test(unit_attention_after_change),
        cmocka_unit_test(no_media),
        cmocka_unit_test(read_toc),
        cmocka_unit_test(mode_sense),
        cmocka_unit_test(eject_and_lock),
        cmocka_unit_test(odd_bcl_and_change_mid_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
