/*
 * test_ide.c - the IDE controller with ATA disks alone on a local bus,
 * images in temporary files: IDENTIFY DEVICE fields, CHS/LBA28/LBA48
 * transfers hitting the right bytes, READ/WRITE MULTIPLE blocks and their
 * interrupts, nIEN, status versus alternate status, SRST signatures, the
 * error paths (IDNF, read-only image), the absent slave and the empty
 * channel, 32-bit data port access. Each test names the ATA-6 behaviour.
 */
#include "ide_rig.h"

#define MB (1024ull * 1024)
#define GB (1024ull * MB)

/* Select the master (LBA mode bits as SeaBIOS writes them). */
static void sel(IdeRig *r, int unit, uint8_t low4, bool lba)
{
    out8(r, 0x1f6, (uint8_t)(0xa0 | (lba ? 0x40 : 0) | (unit << 4) | (low4 & 0xf)));
}

static void lba28(IdeRig *r, uint32_t lba, uint8_t count)
{
    sel(r, 0, (uint8_t)(lba >> 24), true);
    out8(r, 0x1f2, count);
    out8(r, 0x1f3, (uint8_t)lba);
    out8(r, 0x1f4, (uint8_t)(lba >> 8));
    out8(r, 0x1f5, (uint8_t)(lba >> 16));
}

static void lba48(IdeRig *r, uint64_t lba, uint16_t count)
{
    sel(r, 0, 0, true);
    out8(r, 0x1f2, (uint8_t)(count >> 8));
    out8(r, 0x1f3, (uint8_t)(lba >> 24));
    out8(r, 0x1f4, (uint8_t)(lba >> 32));
    out8(r, 0x1f5, (uint8_t)(lba >> 40));
    out8(r, 0x1f2, (uint8_t)count);
    out8(r, 0x1f3, (uint8_t)lba);
    out8(r, 0x1f4, (uint8_t)(lba >> 8));
    out8(r, 0x1f5, (uint8_t)(lba >> 16));
}

static void identify(IdeRig *r, uint16_t *id)
{
    out8(r, 0x1f7, 0xec);
    assert_int_equal(in8(r, 0x3f6), 0x58);
    for (int i = 0; i < 256; i++)
        id[i] = in16(r, 0x1f0);
    assert_int_equal(in8(r, 0x1f7), 0x50);
}

static void check_sector(const uint8_t *buf, uint64_t s)
{
    for (uint32_t j = 0; j < 512; j++)
        if (buf[j] != pattern(s, j))
            fail_msg("sector %llu byte %u: %02x, want %02x", (unsigned long long)s, j,
                     buf[j], pattern(s, j));
}

/* Read count sectors after a read command, one DRQ block each. */
static void read_sectors(IdeRig *r, uint64_t first, int count)
{
    uint8_t buf[512];
    for (int i = 0; i < count; i++) {
        assert_int_equal(in8(r, 0x1f7), 0x58);
        rig_read_data(r, buf, 512);
        check_sector(buf, first + (uint64_t)i);
    }
    assert_int_equal(in8(r, 0x1f7), 0x50);
}

static void expect_id_string(const uint16_t *id, int word, const char *s)
{
    char got[41] = { 0 };
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 2) {
        got[i] = (char)(id[word + i / 2] >> 8);
        got[i + 1] = (char)(id[word + i / 2] & 0xff);
    }
    got[n] = 0;
    assert_string_equal(got, s);
}

static IdeRig *disk_rig(uint64_t size, uint64_t npat, bool ro)
{
    IdeRig *r = rig_new();
    const char *err;
    assert_true(ide_attach(&r->ide, 0, 0, rig_image(r, size, 512, npat, ro), false, &err));
    assert_null(err);
    return r;
}

/* IDENTIFY DEVICE: geometry 16/63 for the size, capacities, strings
 * byte-swapped, feature words, checksum; one interrupt; DRQ then ready. */
static void identify_fields(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(20 * MB, 0, false);
    uint16_t id[256];
    sel(r, 0, 0, false);
    identify(r, id);
    assert_int_equal(r->edges[0], 1);
    assert_int_equal(id[0], 0x0040);
    assert_int_equal(id[1], 40960 / 1008);
    assert_int_equal(id[3], 16);
    assert_int_equal(id[6], 63);
    assert_int_equal(id[54], 40);
    assert_int_equal(id[55], 16);
    assert_int_equal(id[56], 63);
    assert_int_equal(id[57] | (uint32_t)id[58] << 16, 40 * 16 * 63);
    assert_int_equal(id[60] | (uint32_t)id[61] << 16, 40960);
    assert_int_equal(id[100], 40960);
    assert_int_equal(id[101] | id[102] | id[103], 0);
    assert_int_equal(id[47], 0x8010);
    assert_int_equal(id[59], 0x0110);    /* multiple mode 16 at power on */
    assert_true(id[49] & 0x0200);          /* LBA */
    assert_true(id[83] & (1 << 10));       /* LBA48 */
    assert_true(id[83] & (1 << 13));       /* FLUSH CACHE EXT */
    assert_true(id[86] & (1 << 10));
    assert_true(id[85] & (1 << 5));        /* write cache enabled */
    expect_id_string(id, 27, "Ringside HARDDISK");
    expect_id_string(id, 10, "RS00000001");
    expect_id_string(id, 23, "1.0 ");
    uint8_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
    assert_int_equal(sum, 0);
    assert_int_equal(id[255] & 0xff, 0xa5);
    rig_free(r);
}

/* A 10 GiB disk: 16383/16/63 default geometry, LBA28 capacity of all of
 * it (it fits in 28 bits), LBA48 capacity words 100-103. */
static void identify_large_disk(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(10 * GB, 0, false);
    uint16_t id[256];
    identify(r, id);
    assert_int_equal(id[1], 16383);
    assert_int_equal(id[3], 16);
    assert_int_equal(id[6], 63);
    uint64_t n = 10 * GB / 512;
    assert_int_equal(id[60] | (uint32_t)id[61] << 16, n);
    assert_int_equal(id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32, n);
    rig_free(r);
}

/* INITIALIZE DEVICE PARAMETERS changes the current geometry (words 54-58)
 * and CHS addressing follows it; SET MULTIPLE shows in word 59. */
static void init_params_geometry(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 300, false);
    sel(r, 0, 4 - 1, false);
    out8(r, 0x1f2, 32);
    out8(r, 0x1f7, 0x91);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    out8(r, 0x1f2, 8);
    out8(r, 0x1f7, 0xc6);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    uint16_t id[256];
    identify(r, id);
    assert_int_equal(id[54], 8192 / (4 * 32));
    assert_int_equal(id[55], 4);
    assert_int_equal(id[56], 32);
    assert_int_equal(id[59], 0x0108);
    /* C=1 H=2 S=5 in 4/32 geometry is LBA (1*4+2)*32+4 = 196 */
    sel(r, 0, 2, false);
    out8(r, 0x1f2, 1);
    out8(r, 0x1f3, 5);
    out8(r, 0x1f4, 1);
    out8(r, 0x1f5, 0);
    out8(r, 0x1f7, 0x20);
    read_sectors(r, 196, 1);
    rig_free(r);
}

/* READ SECTORS in CHS (default 16/63 geometry): C=0 H=1 S=3 is LBA 65;
 * two sectors, one interrupt each. */
static void chs_read(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 100, false);
    sel(r, 0, 1, false);
    out8(r, 0x1f2, 2);
    out8(r, 0x1f3, 3);
    out8(r, 0x1f4, 0);
    out8(r, 0x1f5, 0);
    out8(r, 0x1f7, 0x20);
    assert_int_equal(r->edges[0], 1);
    read_sectors(r, 65, 2);
    assert_int_equal(r->edges[0], 2);
    /* Sector 0 is invalid in CHS: IDNF. */
    sel(r, 0, 0, false);
    out8(r, 0x1f3, 0);
    out8(r, 0x1f7, 0x20);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x10);
    rig_free(r);
}

/* WRITE SECTORS then READ SECTORS in LBA28: the bytes land at
 * lba * 512 in the file; interrupts after each written sector. */
static void lba28_write_read(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 0, false);
    lba28(r, 1000, 2);
    out8(r, 0x1f7, 0x30);
    assert_int_equal(r->edges[0], 0); /* no interrupt before the first block */
    for (int s = 0; s < 2; s++) {
        assert_int_equal(in8(r, 0x3f6), 0x58);
        for (int j = 0; j < 512; j += 2)
            out16(r, 0x1f0, (uint16_t)(pattern(1000 + s, j) | pattern(1000 + s, j + 1) << 8));
        assert_int_equal(r->edges[0], s + 1);
        in8(r, 0x1f7);
    }
    assert_int_equal(in8(r, 0x1f7), 0x50);
    uint8_t buf[512];
    assert_true(block_read(r->bd[0], 1001 * 512, buf, 512));
    check_sector(buf, 1001);
    assert_true(block_read(r->bd[0], 999 * 512, buf, 512));
    assert_int_equal(buf[0], 0);
    lba28(r, 1000, 2);
    out8(r, 0x1f7, 0x20);
    read_sectors(r, 1000, 2);
    rig_free(r);
}

/* READ/WRITE SECTORS EXT: the HOB bytes address beyond 2^24 sectors
 * (8 GiB), and the 16-bit count comes from both writes. */
static void lba48_write_read(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(10 * GB, 0, false);
    uint64_t lba = 0x1000010;
    rig_pattern_sector(r->bd[0], lba, 512);
    rig_pattern_sector(r->bd[0], lba + 1, 512);
    lba48(r, lba, 2);
    out8(r, 0x1f7, 0x24);
    read_sectors(r, lba, 2);
    /* and write one back at lba + 2, checked in the file */
    lba48(r, lba + 2, 1);
    out8(r, 0x1f7, 0x34);
    for (int j = 0; j < 512; j += 2)
        out16(r, 0x1f0, (uint16_t)(pattern(lba + 2, j) | pattern(lba + 2, j + 1) << 8));
    assert_int_equal(in8(r, 0x1f7), 0x50);
    uint8_t buf[512];
    assert_true(block_read(r->bd[0], (lba + 2) * 512, buf, 512));
    check_sector(buf, lba + 2);
    rig_free(r);
}

/* HOB: each register keeps the previous write, read back with HOB set;
 * a register write clears HOB. */
static void hob_readback(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 0, false);
    out8(r, 0x1f2, 0x12);
    out8(r, 0x1f2, 0x34);
    out8(r, 0x1f5, 0x56);
    out8(r, 0x1f5, 0x78);
    assert_int_equal(in8(r, 0x1f2), 0x34);
    out8(r, 0x3f6, 0x80);
    assert_int_equal(in8(r, 0x1f2), 0x12);
    assert_int_equal(in8(r, 0x1f5), 0x56);
    out8(r, 0x1f3, 0);
    assert_int_equal(in8(r, 0x1f2), 0x34);
    rig_free(r);
}

/* READ MULTIPLE with 4 sectors a block: 10 sectors are blocks of 4, 4, 2,
 * one interrupt per block; without SET MULTIPLE it aborts. WRITE
 * MULTIPLE likewise. */
static void read_write_multiple(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 100, false);
    out8(r, 0x1f2, 0);
    out8(r, 0x1f7, 0xc6); /* multiple mode off */
    in8(r, 0x1f7);
    lba28(r, 20, 10);
    out8(r, 0x1f7, 0xc4);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x04);
    out8(r, 0x1f2, 4);
    out8(r, 0x1f7, 0xc6);
    in8(r, 0x1f7);
    r->edges[0] = 0;
    lba28(r, 20, 10);
    out8(r, 0x1f7, 0xc4);
    uint8_t buf[4 * 512];
    static const int blocks[] = { 4, 4, 2 };
    uint64_t s = 20;
    for (int b = 0; b < 3; b++) {
        assert_int_equal(r->edges[0], b + 1);
        assert_int_equal(in8(r, 0x1f7), 0x58);
        rig_read_data(r, buf, (uint32_t)blocks[b] * 512);
        for (int k = 0; k < blocks[b]; k++)
            check_sector(buf + k * 512, s++);
    }
    assert_int_equal(r->edges[0], 3);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    /* WRITE MULTIPLE EXT of 6 sectors: blocks 4 + 2, copying 20..25 to 60 */
    lba48(r, 60, 6);
    out8(r, 0x1f7, 0x39);
    r->edges[0] = 0;
    for (int b = 0; b < 2; b++) {
        int n = b ? 2 : 4;
        for (int k = 0; k < n * 512; k += 2) {
            uint64_t sec = 20 + (uint64_t)b * 4 + (uint64_t)k / 512;
            uint32_t j = (uint32_t)k % 512;
            out16(r, 0x1f0, (uint16_t)(pattern(sec, j) | pattern(sec, j + 1) << 8));
        }
        assert_int_equal(r->edges[0], b + 1);
        in8(r, 0x1f7);
    }
    uint8_t sec[512];
    assert_true(block_read(r->bd[0], 65 * 512, sec, 512));
    check_sector(sec, 25);
    rig_free(r);
}

/* nIEN keeps INTRQ low though the interrupt is pending; clearing nIEN
 * shows it; reading status clears it. */
static void nien_suppression(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 10, false);
    out8(r, 0x3f6, 0x02);
    lba28(r, 0, 1);
    out8(r, 0x1f7, 0x20);
    assert_int_equal(r->level[0], 0);
    assert_int_equal(r->edges[0], 0);
    assert_int_equal(in8(r, 0x3f6), 0x58);
    out8(r, 0x3f6, 0x00);
    assert_int_equal(r->level[0], 1);
    in8(r, 0x1f7);
    assert_int_equal(r->level[0], 0);
    rig_free(r);
}

/* Alternate status leaves the interrupt pending; status clears it. */
static void status_clears_irq(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 0, false);
    out8(r, 0x1f7, 0xe7); /* FLUSH CACHE: a non-data command */
    assert_int_equal(r->level[0], 1);
    assert_int_equal(in8(r, 0x3f6), 0x50);
    assert_int_equal(r->level[0], 1);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    assert_int_equal(r->level[0], 0);
    assert_int_equal(r->edges[1], 0); /* IRQ15 untouched */
    rig_free(r);
}

/* SRST: BSY while held, then the signatures: 01/01/00/00 and DRDY for an
 * ATA master, 01/01/14/EB and status 0 for an ATAPI slave. */
static void srst_signatures(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 0, false);
    const char *err;
    assert_true(ide_attach(&r->ide, 0, 1, NULL, true, &err));
    lba28(r, 1234, 7);
    out8(r, 0x3f6, 0x06);
    assert_int_equal(in8(r, 0x3f6), 0x80);
    out8(r, 0x3f6, 0x02);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    assert_int_equal(in8(r, 0x1f6) & 0x10, 0);
    assert_int_equal(in8(r, 0x1f1), 0x01);
    assert_int_equal(in8(r, 0x1f2), 0x01);
    assert_int_equal(in8(r, 0x1f3), 0x01);
    assert_int_equal(in8(r, 0x1f4), 0x00);
    assert_int_equal(in8(r, 0x1f5), 0x00);
    sel(r, 1, 0, false);
    assert_int_equal(in8(r, 0x1f7), 0x00);
    assert_int_equal(in8(r, 0x1f2), 0x01);
    assert_int_equal(in8(r, 0x1f3), 0x01);
    assert_int_equal(in8(r, 0x1f4), 0x14);
    assert_int_equal(in8(r, 0x1f5), 0xeb);
    assert_int_equal(r->edges[0], 0); /* no interrupt from a reset */
    rig_free(r);
}

/* Out-of-range LBA: IDNF with ERR, an interrupt, no data. */
static void out_of_range_idnf(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(1 * MB, 0, false);
    lba28(r, 2048, 1);
    out8(r, 0x1f7, 0x20);
    assert_int_equal(r->edges[0], 1);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x10);
    lba48(r, 2047, 2); /* crosses the end */
    out8(r, 0x1f7, 0x24);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x10);
    lba28(r, 4096, 1); /* READ VERIFY too */
    out8(r, 0x1f7, 0x40);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    lba28(r, 2047, 1); /* the last sector is fine */
    out8(r, 0x1f7, 0x40);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    rig_free(r);
}

/* A read-only image: writes abort (ERR, ABRT) before any data; the image
 * is unchanged; reads still work. */
static void read_only_write(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(1 * MB, 4, true);
    lba28(r, 1, 1);
    out8(r, 0x1f7, 0x30);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x04);
    out16(r, 0x1f0, 0xdead); /* no DRQ: ignored */
    uint8_t buf[512];
    assert_true(block_read(r->bd[0], 512, buf, 512));
    check_sector(buf, 1);
    out8(r, 0x1f7, 0x20);
    read_sectors(r, 1, 1);
    rig_free(r);
}

/* Only a master: selecting the slave reads status 0 (and alternate status
 * 0), the other registers read back what was written so SeaBIOS's 55/AA
 * check passes, commands to the slave are ignored, after SRST its
 * signature is FFFFh (Linux: no device). An empty channel floats at 7Fh. */
static void slave_absent(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(1 * MB, 0, false);
    out8(r, 0x1f6, 0xb0);
    assert_int_equal(in8(r, 0x1f6), 0xb0);
    out8(r, 0x1f2, 0x55);
    out8(r, 0x1f3, 0xaa);
    assert_int_equal(in8(r, 0x1f2), 0x55);
    assert_int_equal(in8(r, 0x1f3), 0xaa);
    assert_int_equal(in8(r, 0x1f7), 0x00);
    assert_int_equal(in8(r, 0x3f6), 0x00);
    out8(r, 0x1f7, 0xec);
    out8(r, 0x1f7, 0xa1);
    assert_int_equal(in8(r, 0x1f7), 0x00);
    assert_int_equal(r->edges[0], 0);
    out8(r, 0x3f6, 0x04);
    out8(r, 0x3f6, 0x00);
    out8(r, 0x1f6, 0xb0);
    assert_int_equal(in8(r, 0x1f4), 0xff);
    assert_int_equal(in8(r, 0x1f5), 0xff);
    assert_int_equal(in8(r, 0x1f7), 0x00);
    out8(r, 0x1f6, 0xa0);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    assert_int_equal(in8(r, 0x1f4), 0x00);
    /* the secondary channel has nothing */
    assert_int_equal(in8(r, 0x177), 0x7f);
    assert_int_equal(in8(r, 0x376), 0x7f);
    out8(r, 0x176, 0xa0);
    assert_int_equal(in8(r, 0x176), 0x7f);
    rig_free(r);
}

/* A 4-byte access to the data port moves 4 bytes: IDENTIFY in 128
 * dword reads equals the word reads. */
static void data_port_32bit(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(4 * MB, 10, false);
    uint16_t id[256];
    identify(r, id);
    out8(r, 0x1f7, 0xec);
    for (int i = 0; i < 128; i++) {
        uint32_t v = bus_in(&r->bus, 0x1f0, 4);
        assert_int_equal(v & 0xffff, id[2 * i]);
        assert_int_equal(v >> 16, id[2 * i + 1]);
    }
    assert_int_equal(in8(r, 0x1f7), 0x50);
    /* and a sector read with dwords */
    lba28(r, 7, 1);
    out8(r, 0x1f7, 0x20);
    uint8_t buf[512];
    for (int i = 0; i < 512; i += 4) {
        uint32_t v = bus_in(&r->bus, 0x1f0, 4);
        memcpy(buf + i, &v, 4);
    }
    check_sector(buf, 7);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    rig_free(r);
}

/* Non-data commands: IDENTIFY PACKET aborts on ATA leaving the ATA
 * signature; unknown commands abort; SET FEATURES transfer mode and
 * write cache; CHECK POWER MODE after STANDBY; DIAGNOSTIC gives 01h. */
static void misc_commands(void **state)
{
    (void)state;
    IdeRig *r = disk_rig(1 * MB, 0, false);
    out8(r, 0x1f7, 0xa1);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    assert_int_equal(in8(r, 0x1f1), 0x04);
    out8(r, 0x1f7, 0xfe);
    assert_int_equal(in8(r, 0x1f7), 0x51);
    out8(r, 0x1f1, 0x03);
    out8(r, 0x1f2, 0x0c); /* PIO mode 4 */
    out8(r, 0x1f7, 0xef);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    out8(r, 0x1f1, 0x82);
    out8(r, 0x1f7, 0xef);
    uint16_t id[256];
    identify(r, id);
    assert_false(id[85] & (1 << 5));
    out8(r, 0x1f7, 0xe0);
    out8(r, 0x1f7, 0xe5);
    assert_int_equal(in8(r, 0x1f2), 0x00);
    out8(r, 0x1f7, 0xe1);
    out8(r, 0x1f7, 0x98);
    assert_int_equal(in8(r, 0x1f2), 0xff);
    out8(r, 0x1f7, 0x10);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    out8(r, 0x1f7, 0xea);
    assert_int_equal(in8(r, 0x1f7), 0x50);
    r->edges[0] = 0;
    out8(r, 0x1f7, 0x90);
    assert_int_equal(r->edges[0], 1);
    assert_int_equal(in8(r, 0x1f1), 0x01);
    assert_int_equal(in8(r, 0x1f4), 0x00);
    rig_free(r);
}

/* Image sizes: a disk not a multiple of 512 is refused with a message; an
 * ISO not a multiple of 2048 is accepted, rounded down, with a warning. */
static void attach_sizes(void **state)
{
    (void)state;
    IdeRig *r = rig_new();
    const char *err;
    assert_false(ide_attach(&r->ide, 0, 0, rig_image(r, 1000, 512, 0, false), false, &err));
    assert_non_null(strstr(err, "multiple of 512"));
    assert_false(ide_attach(&r->ide, 0, 0, NULL, false, &err));
    assert_true(ide_attach(&r->ide, 1, 0, rig_image(r, 10 * 2048 + 100, 2048, 0, true), true, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "2048"));
    assert_int_equal(r->ide.ch[1].drive[0].nsectors, 10);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identify_fields),
        cmocka_unit_test(identify_large_disk),
        cmocka_unit_test(init_params_geometry),
        cmocka_unit_test(chs_read),
        cmocka_unit_test(lba28_write_read),
        cmocka_unit_test(lba48_write_read),
        cmocka_unit_test(hob_readback),
        cmocka_unit_test(read_write_multiple),
        cmocka_unit_test(nien_suppression),
        cmocka_unit_test(status_clears_irq),
        cmocka_unit_test(srst_signatures),
        cmocka_unit_test(out_of_range_idnf),
        cmocka_unit_test(read_only_write),
        cmocka_unit_test(slave_absent),
        cmocka_unit_test(data_port_32bit),
        cmocka_unit_test(misc_commands),
        cmocka_unit_test(attach_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
