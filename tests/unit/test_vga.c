/*
 * test_vga.c - the VGA and Bochs VBE alone on a local bus, clock and
 * physical memory. Modes are programmed the way a VGA BIOS does (register
 * tables of the IBM VGA reference, as FreeVGA and SeaVGABIOS list them);
 * memory is written through the 0xa0000 window with every write and read
 * mode, and the planes and rendered pixels are checked against values the
 * test computes from the register semantics on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/vga.h"

typedef struct VgaMode {
    uint8_t misc;
    uint8_t seq[5];
    uint8_t crtc[25];
    uint8_t gc[9];
    uint8_t ac[21];
} VgaMode;

/* 80x25 text, 9x16 cells, 720x400. */
static const VgaMode mode03 = {
    0x67,
    { 0x03, 0x00, 0x03, 0x00, 0x02 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
      0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00 },
};

/* 320x200, 4 colours, CGA odd/even at 0xb8000. */
static const VgaMode mode04 = {
    0x63,
    { 0x03, 0x09, 0x03, 0x00, 0x02 },
    { 0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff },
    { 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00 },
};

/* 640x480, 16 colours planar. */
static const VgaMode mode12 = {
    0xe3,
    { 0x03, 0x01, 0x0f, 0x00, 0x06 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
      0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

/* 320x200, 16 colours planar, double scanned. */
static const VgaMode mode0d = {
    0x63,
    { 0x03, 0x09, 0x0f, 0x00, 0x06 },
    { 0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc0, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

/* 320x200, 256 colours chain-4. */
static const VgaMode mode13 = {
    0x63,
    { 0x03, 0x01, 0x0f, 0x00, 0x0e },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
      0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00 },
};

typedef struct Fix {
    IoBus bus;
    Clock clock;
    uint64_t icount;
    PhysMem *mem;
    Vga vga;
    uint32_t *px;
} Fix;

#define PX_W 1024
#define PX_H 768
#define LFB_BASE 0xe0000000u

static int setup(void **state)
{
    Fix *f = calloc(1, sizeof(*f));
    const char *err;
    bus_init(&f->bus);
    clock_init(&f->clock, &f->icount, 1000); /* 1 ns per instruction */
    f->mem = mem_create(1u << 20, &err);
    assert_non_null(f->mem);
    assert_true(vga_init(&f->vga, &f->bus, &f->clock, f->mem));
    f->px = calloc((size_t)PX_W * PX_H, sizeof(uint32_t));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fix *f = *state;
    vga_free(&f->vga);
    mem_destroy(f->mem);
    free(f->px);
    free(f);
    return 0;
}

static void outb(Fix *f, uint16_t port, uint8_t val)
{
    bus_out(&f->bus, port, val, 1);
}

static void outw(Fix *f, uint16_t port, uint16_t val)
{
    bus_out(&f->bus, port, val, 2);
}

static uint8_t inb(Fix *f, uint16_t port)
{
    return (uint8_t)bus_in(&f->bus, port, 1);
}

static void memw(Fix *f, uint32_t addr, uint8_t val)
{
    mem_phys_write(f->mem, addr, val, 1);
}

static uint8_t memr(Fix *f, uint32_t addr)
{
    return (uint8_t)mem_phys_read(f->mem, addr, 1);
}

/* The test's palette: entry i = (i, 3i, 7i) mod 64 in 6-bit units. */
static void test_dac_entry(int i, uint8_t c[3])
{
    c[0] = (uint8_t)(i & 0x3f);
    c[1] = (uint8_t)((i * 3) & 0x3f);
    c[2] = (uint8_t)((i * 7) & 0x3f);
}

static uint32_t expect_rgb(int i)
{
    uint8_t c[3];
    test_dac_entry(i, c);
    uint32_t rgb = 0;
    for (int k = 0; k < 3; k++)
        rgb = rgb << 8 | (uint32_t)(c[k] << 2 | c[k] >> 4);
    return rgb;
}

/* What a VGA BIOS does to set a mode: misc output, the sequencer under
 * synchronous reset, the CRTC after clearing the protect bit, the GC, the
 * AC after resetting its flip-flop, then PAS on; and a DAC load. */
static void set_mode(Fix *f, const VgaMode *m)
{
    outb(f, 0x3c2, m->misc);
    outw(f, 0x3c4, 0x0100);
    for (int i = 1; i < 5; i++)
        outw(f, 0x3c4, (uint16_t)(m->seq[i] << 8 | i));
    outw(f, 0x3c4, (uint16_t)(m->seq[0] << 8));
    outw(f, 0x3d4, (uint16_t)((m->crtc[0x11] & 0x7f) << 8 | 0x11));
    for (int i = 0; i < 25; i++)
        outw(f, 0x3d4, (uint16_t)(m->crtc[i] << 8 | i));
    for (int i = 0; i < 9; i++)
        outw(f, 0x3ce, (uint16_t)(m->gc[i] << 8 | i));
    inb(f, 0x3da);
    for (int i = 0; i < 21; i++) {
        outb(f, 0x3c0, (uint8_t)i);
        outb(f, 0x3c0, m->ac[i]);
    }
    outb(f, 0x3c0, 0x20);
    outb(f, 0x3c8, 0);
    for (int i = 0; i < 256; i++) {
        uint8_t c[3];
        test_dac_entry(i, c);
        for (int k = 0; k < 3; k++)
            outb(f, 0x3c9, c[k]);
    }
}

static void render(Fix *f, int *w, int *h)
{
    assert_true(vga_render(&f->vga, f->px, PX_W, PX_H, w, h));
}

static uint32_t pixel(Fix *f, int x, int y)
{
    return f->px[(size_t)y * PX_W + (size_t)x];
}

/* ---- text mode ------------------------------------------------------ */

static uint8_t glyph_row(int ch, int row)
{
    return (uint8_t)((ch * 13) ^ (row * 37) ^ 0x5a);
}

/* The BIOS font-load sequence: plane 2 only, planar addressing, map
 * 0xa0000 64K; 32 bytes per character. */
static void load_font(Fix *f)
{
    outw(f, 0x3c4, 0x0402);
    outw(f, 0x3c4, 0x0704);
    outw(f, 0x3ce, 0x0204);
    outw(f, 0x3ce, 0x0005);
    outw(f, 0x3ce, 0x0406);
    for (int ch = 0; ch < 256; ch++)
        for (int r = 0; r < 16; r++)
            memw(f, 0xa0000 + (uint32_t)ch * 32 + (uint32_t)r, glyph_row(ch, r));
    outw(f, 0x3c4, 0x0302);
    outw(f, 0x3c4, 0x0204);
    outw(f, 0x3ce, 0x0004);
    outw(f, 0x3ce, 0x1005);
    outw(f, 0x3ce, 0x0e06);
}

static void text_mode_03h(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode03);
    load_font(f);
    assert_int_equal(vga_plane_byte(&f->vga, 2, 'A' * 32 + 3), glyph_row('A', 3));
    const char *msg = "Hello, VGA";
    for (int i = 0; msg[i]; i++) {
        memw(f, 0xb8000 + (uint32_t)i * 2, (uint8_t)msg[i]);
        memw(f, 0xb8000 + (uint32_t)i * 2 + 1, 0x1e); /* yellow on blue */
    }
    /* line-graphics character with a bright-white-on-red, blinking attr */
    memw(f, 0xb8000 + 160 + 0, 0xc4);
    memw(f, 0xb8000 + 160 + 1, 0xcf);
    /* odd/even: characters in plane 0, attributes in plane 1 */
    assert_int_equal(vga_plane_byte(&f->vga, 0, 0), 'H');
    assert_int_equal(vga_plane_byte(&f->vga, 1, 0), 0x1e);
    assert_int_equal(vga_plane_byte(&f->vga, 0, 2), 'e');

    static char screen[81 * 25 + 1];
    int rows, cols;
    vga_text_size(&f->vga, &rows, &cols);
    assert_int_equal(rows, 25);
    assert_int_equal(cols, 80);
    assert_int_equal(vga_text_screen(&f->vga, screen, sizeof(screen)), 81 * 25);
    assert_memory_equal(screen, "Hello, VGA", 10);
    assert_int_equal(screen[80], '\n');
    assert_int_equal((uint8_t)screen[81], 0xc4);

    /* cursor at row 1, col 5, scan lines 14-15 (the BIOS's 0x0d/0x0e
     * start/end, set to 14/15 here) */
    outw(f, 0x3d4, 0x0e0a);
    outw(f, 0x3d4, 0x0f0b);
    outw(f, 0x3d4, 0x000e);
    outw(f, 0x3d4, (uint16_t)(85 << 8 | 0x0f));
    int crow, ccol;
    bool vis;
    vga_text_cursor(&f->vga, &crow, &ccol, &vis);
    assert_int_equal(crow, 1);
    assert_int_equal(ccol, 5);
    assert_true(vis);

    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 720);
    assert_int_equal(h, 400);
    /* every dot of the first 10 cells: glyph bit -> palette[0x0e] else
     * palette[0x01]; the 9th dot is background for letters */
    for (int i = 0; i < 10; i++)
        for (int r = 0; r < 16; r++)
            for (int d = 0; d < 9; d++) {
                int on = d < 8 && ((glyph_row(msg[i], r) >> (7 - d)) & 1);
                uint32_t want = expect_rgb(on ? mode03.ac[0x0e] : mode03.ac[0x01]);
                assert_int_equal(pixel(f, i * 9 + d, r), want);
            }
    /* 0xc4 is a line-graphics char: dot 9 repeats dot 8; blink enabled
     * makes the background red (4), not bright red, and the blink phase
     * shown is "on" */
    for (int r = 0; r < 16; r++) {
        uint8_t g = glyph_row(0xc4, r);
        uint32_t fg = expect_rgb(mode03.ac[0x0f]), bg = expect_rgb(mode03.ac[0x04]);
        assert_int_equal(pixel(f, 7, 16 + r), (g & 1) ? fg : bg);
        assert_int_equal(pixel(f, 8, 16 + r), (g & 1) ? fg : bg);
    }
    /* the cursor fills scan lines 14-15 of cell (1, 5) with the fg colour
     * (attribute 0x07 at unwritten cells is 0: black on black, so the
     * cursor colour is palette[0]) */
    memw(f, 0xb8000 + 170 + 1, 0x07);
    render(f, &w, &h);
    for (int d = 0; d < 9; d++) {
        assert_int_equal(pixel(f, 45 + d, 16 + 14), expect_rgb(mode03.ac[7]));
        assert_int_equal(pixel(f, 45 + d, 16 + 15), expect_rgb(mode03.ac[7]));
    }
    /* start address scrolls by a row */
    outw(f, 0x3d4, 0x000c);
    outw(f, 0x3d4, (uint16_t)(80 << 8 | 0x0d));
    vga_text_screen(&f->vga, screen, sizeof(screen));
    assert_int_equal((uint8_t)screen[0], 0xc4);
}

/* ---- planar write and read modes (mode 12h) ----------------------------- */

static void planes_at(Fix *f, uint32_t off, uint8_t p0, uint8_t p1, uint8_t p2, uint8_t p3)
{
    assert_int_equal(vga_plane_byte(&f->vga, 0, off), p0);
    assert_int_equal(vga_plane_byte(&f->vga, 1, off), p1);
    assert_int_equal(vga_plane_byte(&f->vga, 2, off), p2);
    assert_int_equal(vga_plane_byte(&f->vga, 3, off), p3);
}

/* Blink (attribute bit 7 with AR 10h bit 3, and the cursor) timed in
 * frames of guest time: mode 03h's frame is 449 lines of 100 9-dot
 * characters at 28.322 MHz (14.27 ms); the cursor is on for frames 0-7 of
 * every 16, characters for 0-15 of every 32. Then text pel panning. */
static void text_blink_and_pan(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode03);
    load_font(f);
    const uint64_t frame_ns = 100ull * 9 * 1000000000000ull / 28322000 * 449 / 1000;
    memw(f, 0xb8000 + 160, 'A');
    memw(f, 0xb8000 + 161, 0x9e); /* blinking yellow on blue */
    memw(f, 0xb8000 + 170, 'B');
    memw(f, 0xb8000 + 171, 0x07);
    outw(f, 0x3d4, 0x000a); /* cursor: scan lines 0-15 of cell (1, 5) */
    outw(f, 0x3d4, 0x0f0b);
    outw(f, 0x3d4, 0x000e);
    outw(f, 0x3d4, (uint16_t)(85 << 8 | 0x0f));
    uint32_t fg = expect_rgb(mode03.ac[0x0e]), bg = expect_rgb(mode03.ac[0x01]), grey = expect_rgb(mode03.ac[7]);
    int w, h;
    static const struct {
        uint64_t frame;
        bool chars, cursor;
    } phases[] = { { 0, true, true }, { 7, true, true }, { 8, true, false }, { 15, true, false },
                   { 16, false, true }, { 24, false, false }, { 32, true, true }, { 40, true, false } };
    for (size_t k = 0; k < sizeof(phases) / sizeof(phases[0]); k++) {
        f->icount = phases[k].frame * frame_ns + frame_ns / 2;
        assert_int_equal(vga_frame_number(&f->vga), phases[k].frame);
        render(f, &w, &h);
        for (int r = 0; r < 16; r++)
            for (int d = 0; d < 8; d++) {
                bool on = phases[k].chars && ((glyph_row('A', r) >> (7 - d)) & 1);
                assert_int_equal(pixel(f, d, 16 + r), on ? fg : bg);
                on = phases[k].cursor || ((glyph_row('B', r) >> (7 - d)) & 1);
                assert_int_equal(pixel(f, 45 + d, 16 + r), on ? grey : 0x000000u);
            }
    }
    /* blink disabled: bit 7 is background intensity, always shown */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x30);
    outb(f, 0x3c0, 0x00);
    f->icount = 16 * frame_ns + frame_ns / 2;
    render(f, &w, &h);
    for (int r = 0; r < 16; r++)
        for (int d = 0; d < 8; d++)
            assert_int_equal(pixel(f, d, 16 + r), ((glyph_row('A', r) >> (7 - d)) & 1) ? fg : expect_rgb(mode03.ac[0x09]));

    /* panning, 9-dot cells: AR 13h = 8 shifts by none, 0 by 1, 7 by 8 */
    static const int pan9[][2] = { { 8, 0 }, { 0, 1 }, { 3, 4 }, { 7, 8 } };
    static uint32_t ref[720];
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 0x08);
    render(f, &w, &h);
    memcpy(ref, &f->px[(size_t)(16 + 5) * PX_W], sizeof(ref));
    for (size_t k = 0; k < 4; k++) {
        outb(f, 0x3c0, 0x33);
        outb(f, 0x3c0, (uint8_t)pan9[k][0]);
        render(f, &w, &h);
        assert_int_equal(w, 720);
        for (int x = 0; x + pan9[k][1] < 720; x++)
            assert_int_equal(pixel(f, x, 16 + 5), ref[x + pan9[k][1]]);
    }
    /* 8-dot cells (clocking mode bit 0): value & 7 */
    outw(f, 0x3c4, (uint16_t)((mode03.seq[1] | 1) << 8 | 1));
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 0x00);
    render(f, &w, &h);
    assert_int_equal(w, 640);
    memcpy(ref, &f->px[(size_t)(16 + 5) * PX_W], 640 * sizeof(uint32_t));
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 0x05);
    render(f, &w, &h);
    for (int x = 0; x + 5 < 640; x++)
        assert_int_equal(pixel(f, x, 16 + 5), ref[x + 5]);
}

static void planar_write_read_modes(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode12);
    const uint32_t A = 0xa0000;

    /* write mode 0 with set/reset on all planes (colour 5), bit mask f0;
     * the latches are 0 */
    outw(f, 0x3ce, 0x0f01);
    outw(f, 0x3ce, 0x0500);
    outw(f, 0x3ce, 0xf008);
    memw(f, A + 0, 0x12);
    planes_at(f, 0, 0xf0, 0x00, 0xf0, 0x00);

    /* write mode 0, data rotated right by 3 */
    outw(f, 0x3ce, 0x0001);
    outw(f, 0x3ce, 0x0303);
    outw(f, 0x3ce, 0xff08);
    memw(f, A + 1, 0x81);
    planes_at(f, 1, 0x30, 0x30, 0x30, 0x30);

    /* function XOR with the latches loaded by a read */
    outw(f, 0x3ce, 0x1803);
    (void)memr(f, A + 1);
    memw(f, A + 1, 0xff);
    planes_at(f, 1, 0xcf, 0xcf, 0xcf, 0xcf);
    outw(f, 0x3ce, 0x0003);

    /* read mode 0 + write mode 1: a four-plane copy through the latches */
    outw(f, 0x3ce, 0x0105);
    (void)memr(f, A + 0);
    memw(f, A + 2, 0x00);
    planes_at(f, 2, 0xf0, 0x00, 0xf0, 0x00);

    /* write mode 2: CPU bits 0-3 are the colour, bit mask 0f; latches
     * still hold offset 0 */
    outw(f, 0x3ce, 0x0205);
    outw(f, 0x3ce, 0x0f08);
    memw(f, A + 3, 0x0a);
    planes_at(f, 3, 0xf0, 0x0f, 0xf0, 0x0f);

    /* write mode 3: set/reset colour 12, mask = rotated data & bit mask */
    outw(f, 0x3ce, 0x0305);
    outw(f, 0x3ce, 0x0c00);
    outw(f, 0x3ce, 0xff08);
    (void)memr(f, A + 4);
    memw(f, A + 4, 0x3c);
    planes_at(f, 4, 0x00, 0x00, 0x3c, 0x3c);

    /* map mask: planar write mode 0 to plane 1 only */
    outw(f, 0x3ce, 0x0005);
    outw(f, 0x3ce, 0x0000);
    outw(f, 0x3c4, 0x0202);
    memw(f, A + 5, 0xaa);
    planes_at(f, 5, 0x00, 0xaa, 0x00, 0x00);
    outw(f, 0x3c4, 0x0f02);

    /* read mode 0: read map select */
    outw(f, 0x3ce, 0x0104);
    assert_int_equal(memr(f, A + 3), 0x0f);
    outw(f, 0x3ce, 0x0204);
    assert_int_equal(memr(f, A + 3), 0xf0);

    /* read mode 1: colour compare / colour don't care */
    outw(f, 0x3ce, 0x0805);
    outw(f, 0x3ce, 0x0c02);
    outw(f, 0x3ce, 0x0f07);
    assert_int_equal(memr(f, A + 4), 0x3c);
    outw(f, 0x3ce, 0x0a02);
    assert_int_equal(memr(f, A + 3), 0x0f);
    outw(f, 0x3ce, 0x0507); /* ignore planes 1 and 3: compare 0 and 2 */
    outw(f, 0x3ce, 0x0002);
    assert_int_equal(memr(f, A + 3), 0x0f);
    outw(f, 0x3ce, 0x0007);
    assert_int_equal(memr(f, A + 0), 0xff);
    outw(f, 0x3ce, 0x0005);

    /* the render of line 0 equals the planes through palette and DAC */
    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    for (int x = 0; x < 48; x++) {
        int c = 0;
        for (int p = 0; p < 4; p++)
            c |= ((vga_plane_byte(&f->vga, p, (uint32_t)x / 8) >> (7 - x % 8)) & 1) << p;
        assert_int_equal(pixel(f, x, 0), expect_rgb(mode12.ac[c]));
    }
    /* horizontal pel panning by 3 shifts the line left */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 3);
    render(f, &w, &h);
    for (int x = 0; x < 40; x++) {
        int c = 0, sx = x + 3;
        for (int p = 0; p < 4; p++)
            c |= ((vga_plane_byte(&f->vga, p, (uint32_t)sx / 8) >> (7 - sx % 8)) & 1) << p;
        assert_int_equal(pixel(f, x, 0), expect_rgb(mode12.ac[c]));
    }
}

/* Outside the memory map the GC selects: reads float, writes vanish. */
static void memory_map_select(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode03); /* map 3: 0xb8000, 32K */
    memw(f, 0xa0000, 0x55);
    memw(f, 0xb0000, 0x55);
    assert_int_equal(memr(f, 0xa0000), 0xff);
    assert_int_equal(memr(f, 0xb0000), 0xff);
    for (int p = 0; p < 4; p++)
        assert_int_equal(vga_plane_byte(&f->vga, p, 0), 0);
    memw(f, 0xb8001, 0x42);
    assert_int_equal(memr(f, 0xb8001), 0x42);
    outw(f, 0x3ce, 0x0a06); /* map 2: 0xb0000 */
    assert_int_equal(memr(f, 0xb8001), 0xff);
    assert_int_equal(memr(f, 0xb0001), 0x42);
}

/* ---- 256 colours: chain-4 and mode X -------------------------------------- */

static uint8_t pat13(int x, int y)
{
    return (uint8_t)((x * 3) ^ (y * 5));
}

static void mode_13h_and_mode_x(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode13);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 320; x++)
            memw(f, 0xa0000 + (uint32_t)(y * 320 + x), pat13(x, y));
    /* chain-4: address a is plane a & 3, offset a & ~3 */
    uint32_t a = 5 * 320 + 7;
    assert_int_equal(vga_plane_byte(&f->vga, (int)(a & 3), a & ~3u), pat13(7, 5));
    assert_int_equal(memr(f, 0xa0000 + a), pat13(7, 5));
    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 200);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 320; x++)
            assert_int_equal(pixel(f, x, y), expect_rgb(pat13(x, y)));

    /* mode X: chain-4 off, byte mode, 4 pixels per address across the
     * planes; 320x240 timing not needed, the 200-line CRTC is kept */
    outw(f, 0x3c4, 0x0604);
    outw(f, 0x3d4, 0x0014);
    outw(f, 0x3d4, 0xe317);
    for (int p = 0; p < 4; p++) {
        outw(f, 0x3c4, (uint16_t)((1 << p) << 8 | 0x02));
        for (int y = 0; y < 400; y++)
            for (int x = p; x < 320; x += 4)
                memw(f, 0xa0000 + (uint32_t)(y * 80 + x / 4), pat13(x, y));
    }
    /* start address at line 10, split screen after line 99 (raw scan line
     * 199: rows are 2 scan lines), panning 2 (one 256-colour pixel) */
    outw(f, 0x3d4, (uint16_t)(((800 >> 8) << 8) | 0x0c));
    outw(f, 0x3d4, (uint16_t)(((800 & 0xff) << 8) | 0x0d));
    outw(f, 0x3d4, (uint16_t)(199 << 8 | 0x18));
    outw(f, 0x3d4, 0x0f07); /* overflow: line compare bit 8 clear */
    outw(f, 0x3d4, 0x0109); /* max scan 1, line compare bit 9 clear */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 2);
    render(f, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 200);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 318; x++) {
            int sy = y < 100 ? y + 10 : y - 100;
            assert_int_equal(pixel(f, x, y), expect_rgb(pat13(x + 1, sy)));
        }
    /* with the PPM bit the split part is not panned */
    outb(f, 0x3c0, 0x30);
    outb(f, 0x3c0, 0x61);
    render(f, &w, &h);
    assert_int_equal(pixel(f, 0, 0), expect_rgb(pat13(1, 10)));
    assert_int_equal(pixel(f, 0, 100), expect_rgb(pat13(0, 0)));
}

/* ---- CGA 4-colour (mode 04h) ----------------------------------------------- */

static uint8_t pat04(int x, int y)
{
    return (uint8_t)((x / 3 + y) & 3);
}

static void cga_mode_04h(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode04);
    for (int y = 0; y < 200; y++)
        for (int xb = 0; xb < 80; xb++) {
            uint8_t b = 0;
            for (int i = 0; i < 4; i++)
                b = (uint8_t)(b << 2 | pat04(xb * 4 + i, y));
            memw(f, 0xb8000 + (uint32_t)((y & 1) * 0x2000 + (y / 2) * 80 + xb), b);
        }
    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 200);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 320; x++)
            assert_int_equal(pixel(f, x, y), expect_rgb(mode04.ac[pat04(x, y)]));
}

/* ---- EGA 16-colour (mode 0Dh): the classic write-mode-2 putpixel ------- */

static uint8_t pat0d(int x, int y)
{
    return (uint8_t)((x / 5 + y / 3 + x * y) & 15);
}

static void ega_mode_0dh_putpixel(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode0d);
    outw(f, 0x3ce, 0x0205); /* write mode 2 */
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 320; x++) {
            uint32_t a = 0xa0000 + (uint32_t)(y * 40 + x / 8);
            outw(f, 0x3ce, (uint16_t)((0x80 >> (x & 7)) << 8 | 0x08));
            (void)memr(f, a); /* load the latches */
            memw(f, a, pat0d(x, y));
        }
    outw(f, 0x3ce, 0xff08);
    outw(f, 0x3ce, 0x0005);
    char buf[8];
    assert_int_equal(vga_text_screen(&f->vga, buf, sizeof(buf)), -1);
    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 200);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 320; x++)
            assert_int_equal(pixel(f, x, y), expect_rgb(mode0d.ac[pat0d(x, y)]));
    /* PAS clear blanks the screen */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x00);
    render(f, &w, &h);
    assert_int_equal(pixel(f, 0, 0), 0);
}

/* ---- registers ---------------------------------------------------------- */

static void dac_read_write(void **state)
{
    Fix *f = *state;
    outb(f, 0x3c8, 5);
    assert_int_equal(inb(f, 0x3c7) & 3, 0); /* write mode */
    static const uint8_t in[6] = { 0x11, 0x22, 0x33, 0x3f, 0x7f, 0xc1 };
    for (int i = 0; i < 6; i++)
        outb(f, 0x3c9, in[i]);
    assert_int_equal(inb(f, 0x3c8), 7); /* index advanced after each triple */
    outb(f, 0x3c7, 5);
    assert_int_equal(inb(f, 0x3c7) & 3, 3); /* read mode */
    for (int i = 0; i < 6; i++)
        assert_int_equal(inb(f, 0x3c9), in[i] & 0x3f); /* 6-bit components */
    /* a partial triple is not committed until its third write */
    outb(f, 0x3c8, 9);
    outb(f, 0x3c9, 1);
    outb(f, 0x3c9, 2);
    outb(f, 0x3c7, 9);
    assert_int_equal(inb(f, 0x3c9), 0);
    outb(f, 0x3c8, 255);
    for (int i = 0; i < 6; i++)
        outb(f, 0x3c9, 0x20);
    outb(f, 0x3c7, 0); /* the index wrapped from 255 to 0 */
    assert_int_equal(inb(f, 0x3c9), 0x20);
    outb(f, 0x3c6, 0x7f);
    assert_int_equal(inb(f, 0x3c6), 0x7f);
}

static void attribute_flip_flop(void **state)
{
    Fix *f = *state;
    outb(f, 0x3c2, 0x01); /* colour ports */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x11); /* index; the flip-flop now expects data */
    inb(f, 0x3da);        /* reset: the next write is an index again */
    outb(f, 0x3c0, 0x32); /* index 0x12 with PAS */
    outb(f, 0x3c0, 0x05);
    assert_int_equal(inb(f, 0x3c0), 0x32);
    assert_int_equal(inb(f, 0x3c1), 0x05);
    outb(f, 0x3c0, 0x11);
    outb(f, 0x3c0, 0x2a);
    outb(f, 0x3c0, 0x11);
    assert_int_equal(inb(f, 0x3c1), 0x2a);
    /* palette registers are locked while PAS is set */
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x23);
    outb(f, 0x3c0, 0x09);
    outb(f, 0x3c0, 0x03);
    assert_int_equal(inb(f, 0x3c1), 0x00);
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x03);
    outb(f, 0x3c0, 0x09);
    outb(f, 0x3c0, 0x03); /* index: the flip-flop now expects data */
    assert_int_equal(inb(f, 0x3c1), 0x09);
    /* with mono selected 0x3da floats and does not reset; 0x3ba does */
    outb(f, 0x3c2, 0x00);
    assert_int_equal(inb(f, 0x3da), 0xff);
    inb(f, 0x3ba);
    outb(f, 0x3c0, 0x33);
    outb(f, 0x3c0, 0x04);
    assert_int_equal(inb(f, 0x3c1), 0x04);
    assert_int_equal(inb(f, 0x3c0), 0x33);
}

static void crtc_protect_and_ports(void **state)
{
    Fix *f = *state;
    outb(f, 0x3c2, 0x01);
    outw(f, 0x3d4, 0x5500);
    outw(f, 0x3d4, 0x0007);
    outw(f, 0x3d4, 0x8011); /* protect on */
    outw(f, 0x3d4, 0x6600);
    outw(f, 0x3d4, 0xff07);
    outw(f, 0x3d4, 0x4413);
    outb(f, 0x3d4, 0x00);
    assert_int_equal(inb(f, 0x3d5), 0x55);
    outb(f, 0x3d4, 0x07);
    assert_int_equal(inb(f, 0x3d5), 0x10); /* only line compare bit 8 */
    outb(f, 0x3d4, 0x13);
    assert_int_equal(inb(f, 0x3d5), 0x44);
    /* mono selected: the 0x3dx CRTC ports float, 0x3bx answer */
    outb(f, 0x3c2, 0x00);
    assert_int_equal(inb(f, 0x3d5), 0xff);
    outb(f, 0x3b4, 0x13);
    assert_int_equal(inb(f, 0x3b5), 0x44);
    assert_int_equal(inb(f, 0x3cc), 0x00);
    /* sequencer and GC read back */
    outw(f, 0x3c4, 0x0a02);
    assert_int_equal(inb(f, 0x3c5), 0x0a);
    outw(f, 0x3ce, 0x7708);
    assert_int_equal(inb(f, 0x3cf), 0x77);
}

/* The time of scan line `line` + frac of a line, in ns, from the dot
 * clock: hchars characters of `dots` dots at hz. */
static uint64_t line_time(uint64_t hz, int hchars, int dots, int line, double frac)
{
    double line_ns = (double)hchars * dots * 1e9 / (double)hz;
    return (uint64_t)((line + frac) * line_ns);
}

static void status1_retrace_timing(void **state)
{
    Fix *f = *state;
    set_mode(f, &mode03);
    /* mode 03h: 28.322 MHz, 100 characters of 9 dots (31.5 kHz lines),
     * 449 lines (70.1 Hz), 80 characters shown, retrace lines 412-413 */
    uint64_t hz = 28322000;
    f->icount = 10;
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x00); /* active display */
    f->icount = line_time(hz, 100, 9, 100, 0.85);
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x01); /* horizontal blank */
    f->icount = line_time(hz, 100, 9, 100, 0.75);
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x00);
    f->icount = line_time(hz, 100, 9, 405, 0.1);
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x01); /* vertical blank */
    f->icount = line_time(hz, 100, 9, 412, 0.1);
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x09); /* vertical retrace */
    f->icount = line_time(hz, 100, 9, 414, 0.1);
    assert_int_equal(inb(f, 0x3da) & 0x08, 0x00);
    f->icount = line_time(hz, 100, 9, 449 + 412, 0.1); /* next frame */
    assert_int_equal(inb(f, 0x3da) & 0x08, 0x08);
    /* count retrace starts over one second: the frame rate */
    int frames = 0;
    bool prev = false;
    for (uint64_t t = 0; t < NS_PER_SEC; t += 20000) {
        f->icount = t;
        bool r = inb(f, 0x3da) & 0x08;
        frames += r && !prev;
        prev = r;
    }
    assert_int_equal(frames, 70);
    /* mode 12h: 25.175 MHz, 100 x 8 dots, 525 lines (59.9 Hz), retrace
     * at 490-491 */
    set_mode(f, &mode12);
    hz = 25175000;
    f->icount = line_time(hz, 100, 8, 490, 0.5);
    assert_int_equal(inb(f, 0x3da) & 0x08, 0x08);
    f->icount = line_time(hz, 100, 8, 300, 0.5);
    assert_int_equal(inb(f, 0x3da) & 0x09, 0x00);
    f->icount = line_time(hz, 100, 8, 525 + 491, 0.5);
    assert_int_equal(inb(f, 0x3da) & 0x08, 0x08);
    frames = 0;
    prev = false;
    for (uint64_t t = 0; t < NS_PER_SEC; t += 20000) {
        f->icount = t;
        bool r = inb(f, 0x3da) & 0x08;
        frames += r && !prev;
        prev = r;
    }
    assert_int_equal(frames, 60);
}

/* ---- VBE ---------------------------------------------------------------- */

static void vbe_set(Fix *f, uint16_t index, uint16_t val)
{
    outw(f, 0x1ce, index);
    outw(f, 0x1cf, val);
}

static uint16_t vbe_get(Fix *f, uint16_t index)
{
    outw(f, 0x1ce, index);
    return (uint16_t)bus_in(&f->bus, 0x1cf, 2);
}

static uint32_t pat32(int x, int y)
{
    return (uint32_t)((x * 7) & 0xff) << 16 | (uint32_t)((y * 3) & 0xff) << 8 | (uint32_t)((x + y) & 0xff);
}

static void vbe_640x480x32(void **state)
{
    Fix *f = *state;
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_ID), 0xb0c5);
    vbe_set(f, VBE_DISPI_INDEX_ID, 0xb0c4);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_ID), 0xb0c4);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_VIDEO_MEMORY_64K), 256);
    /* GETCAPS: the maxima */
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    assert_true(vbe_get(f, VBE_DISPI_INDEX_XRES) >= 1920);
    assert_true(vbe_get(f, VBE_DISPI_INDEX_YRES) >= 1200);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_BPP), 32);
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, 0);

    vbe_set(f, VBE_DISPI_INDEX_XRES, 640);
    vbe_set(f, VBE_DISPI_INDEX_YRES, 480);
    vbe_set(f, VBE_DISPI_INDEX_BPP, 32);
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_VIRT_WIDTH), 640);
    vga_map_lfb(&f->vga, LFB_BASE);
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x20); /* PAS: the picture shows (see vbe_16_and_8_bpp) */
    /* top half through the LFB, bottom half through 64K banks at 0xa0000 */
    for (int y = 0; y < 240; y++)
        for (int x = 0; x < 640; x++)
            mem_phys_write(f->mem, LFB_BASE + (uint32_t)(y * 640 + x) * 4, pat32(x, y), 4);
    for (int y = 240; y < 480; y++)
        for (int x = 0; x < 640; x++) {
            uint32_t off = (uint32_t)(y * 640 + x) * 4;
            vbe_set(f, VBE_DISPI_INDEX_BANK, (uint16_t)(off >> 16));
            mem_phys_write(f->mem, 0xa0000 + (off & 0xffff), pat32(x, y), 4);
        }
    assert_int_equal(mem_phys_read(f->mem, LFB_BASE + (300 * 640 + 9) * 4, 4), pat32(9, 300));
    vbe_set(f, VBE_DISPI_INDEX_BANK, 1);
    assert_int_equal(mem_phys_read(f->mem, 0xa0000 + 4, 4), pat32(16385 % 640, 16385 / 640));
    int w, h;
    render(f, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    for (int y = 0; y < 480; y++)
        for (int x = 0; x < 640; x++)
            assert_int_equal(pixel(f, x, y), pat32(x, y));

    /* byte accesses: index at 0x1ce, data split over 0x1cf/0x1d0 */
    outb(f, 0x1ce, VBE_DISPI_INDEX_VIRT_WIDTH);
    assert_int_equal(inb(f, 0x1cf), 640 & 0xff);
    assert_int_equal(inb(f, 0x1d0), 640 >> 8);
    outb(f, 0x1ce, VBE_DISPI_INDEX_Y_OFFSET);
    outb(f, 0x1cf, 0x02);
    outb(f, 0x1d0, 0x01);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_Y_OFFSET), 0x102);
    vbe_set(f, VBE_DISPI_INDEX_Y_OFFSET, 0);

    /* the mode registers are frozen while enabled */
    vbe_set(f, VBE_DISPI_INDEX_XRES, 800);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_XRES), 640);

    /* virtual width 1024 with offsets: the LFB keeps its linear layout */
    vbe_set(f, VBE_DISPI_INDEX_VIRT_WIDTH, 1024);
    assert_int_equal(vbe_get(f, VBE_DISPI_INDEX_VIRT_HEIGHT), (16u << 20) / 4096);
    for (int y = 0; y < 490; y++)
        for (int x = 0; x < 660; x++)
            mem_phys_write(f->mem, LFB_BASE + (uint32_t)(y * 1024 + x) * 4, pat32(x, y), 4);
    vbe_set(f, VBE_DISPI_INDEX_X_OFFSET, 16);
    vbe_set(f, VBE_DISPI_INDEX_Y_OFFSET, 8);
    render(f, &w, &h);
    for (int y = 0; y < 480; y += 7)
        for (int x = 0; x < 640; x += 3)
            assert_int_equal(pixel(f, x, y), pat32(x + 16, y + 8));

    /* moving the BAR moves the LFB; 0 unmaps it */
    vga_map_lfb(&f->vga, 0xd0000000u);
    assert_int_equal(mem_phys_read(f->mem, 0xd0000000u, 4), pat32(0, 0));
    assert_int_equal(mem_phys_read(f->mem, LFB_BASE, 4), 0xffffffffu);
    vga_map_lfb(&f->vga, 0);
    assert_int_equal(mem_phys_read(f->mem, 0xd0000000u, 4), 0xffffffffu);

    /* disabling returns to the VGA */
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, 0);
    set_mode(f, &mode13);
    render(f, &w, &h);
    assert_int_equal(w, 320);
}

static void vbe_16_and_8_bpp(void **state)
{
    Fix *f = *state;
    vga_map_lfb(&f->vga, LFB_BASE);
    vbe_set(f, VBE_DISPI_INDEX_XRES, 800);
    vbe_set(f, VBE_DISPI_INDEX_YRES, 600);
    vbe_set(f, VBE_DISPI_INDEX_BPP, 16);
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    mem_phys_write(f->mem, LFB_BASE + (10 * 800 + 20) * 2, 0xf81f, 2); /* magenta */
    mem_phys_write(f->mem, LFB_BASE + (10 * 800 + 21) * 2, 0x07e0, 2); /* green */
    int w, h;
    /* PAS clear (as after reset) blanks VBE output too, as QEMU does and
     * Linux's bochs DRM driver relies on to blank the screen */
    render(f, &w, &h);
    assert_int_equal(pixel(f, 20, 10), 0);
    inb(f, 0x3da);
    outb(f, 0x3c0, 0x20);
    render(f, &w, &h);
    assert_int_equal(w, 800);
    assert_int_equal(h, 600);
    assert_int_equal(pixel(f, 20, 10), 0xff00ff);
    assert_int_equal(pixel(f, 21, 10), 0x00ff00);
    assert_int_equal(pixel(f, 22, 10), 0);

    /* 8 bpp goes through the DAC, 6-bit unless 8BIT_DAC */
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, 0);
    vbe_set(f, VBE_DISPI_INDEX_BPP, 8);
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    outb(f, 0x3c8, 7);
    outb(f, 0x3c9, 0x3f);
    outb(f, 0x3c9, 0x00);
    outb(f, 0x3c9, 0x10);
    mem_phys_write(f->mem, LFB_BASE + 5, 7, 1);
    render(f, &w, &h);
    assert_int_equal(pixel(f, 5, 0), 0xff0041);
    vbe_set(f, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED | VBE_DISPI_8BIT_DAC);
    outb(f, 0x3c8, 7);
    outb(f, 0x3c9, 0x80);
    outb(f, 0x3c9, 0x90);
    outb(f, 0x3c9, 0xa0);
    render(f, &w, &h);
    assert_int_equal(pixel(f, 5, 0), 0x8090a0);
    /* enabling cleared the memory of the previous mode */
    assert_int_equal(pixel(f, 20, 10) & 0xff, expect_rgb(0) & 0xff);
}

static void dirty_generation(void **state)
{
    Fix *f = *state;
    uint64_t g = vga_dirty(&f->vga);
    memw(f, 0xa0000, 1);
    assert_true(vga_dirty(&f->vga) > g);
    g = vga_dirty(&f->vga);
    outb(f, 0x3c8, 1);
    assert_true(vga_dirty(&f->vga) > g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(text_mode_03h, setup, teardown),
        cmocka_unit_test_setup_teardown(text_blink_and_pan, setup, teardown),
        cmocka_unit_test_setup_teardown(planar_write_read_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_map_select, setup, teardown),
        cmocka_unit_test_setup_teardown(mode_13h_and_mode_x, setup, teardown),
        cmocka_unit_test_setup_teardown(cga_mode_04h, setup, teardown),
        cmocka_unit_test_setup_teardown(ega_mode_0dh_putpixel, setup, teardown),
        cmocka_unit_test_setup_teardown(dac_read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(attribute_flip_flop, setup, teardown),
        cmocka_unit_test_setup_teardown(crtc_protect_and_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(status1_retrace_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(vbe_640x480x32, setup, teardown),
        cmocka_unit_test_setup_teardown(vbe_16_and_8_bpp, setup, teardown),
        cmocka_unit_test_setup_teardown(dirty_generation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
