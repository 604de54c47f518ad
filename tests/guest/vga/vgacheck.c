/*
 * vgacheck.c - computes the picture a VGA test (pattern.h) must show and
 * compares a screenshot with it pixel for pixel (issue 6, "Done means"
 * items 1 and 2).
 *
 *   vgacheck TEST IMAGE [--tolerance N] [--dup9-from CH] [--scale 1]
 *            [--no-pel-panning 1] [--at-ns T] [--any-phase 1]
 *            [--no-blink 1] [--no-vbe4-window 1] [--expected OUT.ppm]
 *
 * TEST is text, m04, m0d, m12, m13, modex, vbe8, vbe16, vbe32, blink,
 * textpan, vbe4 or gblink; IMAGE a
 * PNG (ringside's --screenshot) or a binary PPM (QEMU's screendump).
 * The expected picture comes from the pattern definitions and the IBM
 * VGA's scan-out rules (9-dot cells, the attribute controller, the 6-bit
 * DAC shown as (c << 2) | (c >> 4), 5:6:5 expanded by bit replication),
 * never from the emulator. --tolerance allows that much difference per
 * colour channel (QEMU rounds 6-bit DAC values another way). Exit 0 iff
 * the sizes match and no pixel differs beyond the tolerance. --dup9-from
 * and --scale model QEMU's other listed differences (tests/scripts/
 * vga-qemu.sh): the 9th dot repeated from character CH on, and pictures
 * with pixels doubled across and/or down; --no-pel-panning 1 expects mode
 * X's start address alone to place the picture. For blink and gblink,
 * --at-ns T expects the blink phases at guest time T (the IBM frame
 * timing of the mode), and --any-phase 1 accepts any of the four (a
 * screenshot at no known time); --no-blink 1 expects attribute bit 7 as
 * background intensity and, in gblink, the pixel's own bit 3 as palette
 * index bit 3 (QEMU);
 * --no-vbe4-window 1 expects vbe4's lines drawn through the 0xa0000
 * window to stay colour 0 (QEMU).
 * Without either, characters and cursor are expected on.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

static const char *const names[VT_COUNT] = { "text", "m04", "m0d",   "m12",     "m13",  "modex",
                                             "vbe8", "vbe16", "vbe32", "blink", "textpan", "vbe4",
                                             "gblink" };

static uint32_t dac6(uint32_t c)
{
    return (c << 2) | (c >> 4);
}

static uint32_t dac_rgb(uint32_t i)
{
    return dac6(pat_dac(i, 0)) << 16 | dac6(pat_dac(i, 1)) << 8 | dac6(pat_dac(i, 2));
}

/* Whether the pel panning register shifts the mode X and text pictures
 * (QEMU: no). */
static int pel_panning = 1;

/* First character whose 9th dot repeats the 8th (IBM: 0xc0; QEMU: 0xb0). */
static uint32_t dup9_first = 0xc0;

/* VBE 4 bpp: whether writes through the 0xa0000 window reach the planes
 * (QEMU 7.2: no, the part drawn that way stays colour 0). */
static int vbe4_window = 1;

/* Blink test: the phases shown (1 = on); whether attribute bit 7 blinks
 * as the attribute mode control says (QEMU: it is background intensity). */
static int chars_on = 1, cursor_on = 1, blink_attr = 1;

/* The blink phases at guest time ns in test t's mode, from the IBM timing:
 * mode 03h (blink) 28.322 MHz dot clock, lines of 100 characters of 9
 * dots; mode 0Dh (gblink) 25.175 MHz halved, 50 characters of 8 dots;
 * both 449 lines a frame (70.09 and 70.08 Hz). The cursor blinks every 16
 * frames, characters (and graphics palette index bit 3) every 32, each on
 * for the first half from power-on. */
static void blink_phases_at(int t, uint64_t ns)
{
    uint64_t line_ps = t == VT_GBLINK ? 50ull * 8 * 1000000000000ull / (25175000 / 2)
                                      : 100ull * 9 * 1000000000000ull / 28322000;
    uint64_t frame = ns * 1000 / (line_ps * 449);
    cursor_on = !(frame & 8);
    chars_on = !(frame & 16);
    printf("vgacheck: at %llu ns: frame %llu, characters %s, cursor %s\n", (unsigned long long)ns,
           (unsigned long long)frame, chars_on ? "on" : "off", cursor_on ? "on" : "off");
}

/* Text (t: VT_TEXT, VT_BLINK or VT_TEXTPAN): pixel (x, y) of the
 * character stream (one row of 80 after another, the pan shifting in the
 * next row's first character). */
static uint32_t text_pixel(int t, uint32_t x, uint32_t y)
{
    if (t == VT_TEXTPAN && pel_panning)
        x += PAT_TEXTPAN_DOTS;
    uint32_t c = x / 9, d = x % 9, r = y / PAT_TEXT_CELL_H, rs = y % PAT_TEXT_CELL_H;
    if (c >= PAT_TEXT_COLS) {
        c -= PAT_TEXT_COLS;
        r++;
    }
    uint32_t ch = pat_text_char(r, c), at = pat_text_attr(r, c);
    uint32_t fg = at & 15, bg = at >> 4;
    uint32_t glyph = pat_font(ch, rs);
    int on;
    if (d < 8)
        on = (glyph >> (7 - d)) & 1;
    else /* line graphics: the 9th dot repeats the 8th for 0xc0-0xdf */
        on = ch >= dup9_first && ch <= 0xdf && (glyph & 1);
    if (t == VT_BLINK) {
        /* bit 7 blinks: background 0-7, the foreground hidden when off;
         * the cursor is foreground over the whole cell width */
        if (blink_attr) {
            bg &= 7;
            if ((at & 0x80) && !chars_on)
                on = 0;
        }
        if (cursor_on && r == PAT_BLINK_CUR_ROW && c == PAT_BLINK_CUR_COL && rs >= PAT_BLINK_CUR_START &&
            rs <= PAT_BLINK_CUR_END)
            on = 1;
    }
    return dac_rgb(pat_text_ar(on ? fg : bg));
}

static uint32_t expected_pixel(int t, uint32_t x, uint32_t y)
{
    switch (t) {
    case VT_TEXT:
    case VT_BLINK:
    case VT_TEXTPAN:
        return text_pixel(t, x, y);
    case VT_VBE4:
        if (y >= PAT_VBE4_WINDOW_FROM && !vbe4_window)
            return dac_rgb(pat_ega_ar(0));
        return dac_rgb(pat_ega_ar(pat_vbe4(x, y)));
    case VT_M04:
        return dac_rgb(pat_m04_ar(pat_m04(x, y)));
    case VT_M0D:
        return dac_rgb(pat_ega_ar(pat_m0d(x, y)));
    case VT_GBLINK: {
        /* blink enabled: palette index bit 3 is the phase (1 when off),
         * not the pixel's (QEMU: the pixel's) */
        uint32_t p = pat_m0d(x, y);
        if (blink_attr)
            p = (p & 7) | (chars_on ? 0 : 8);
        return dac_rgb(pat_ega_ar(p));
    }
    case VT_M12:
        return dac_rgb(pat_ega_ar(pat_m12(x, y)));
    case VT_M13:
        return dac_rgb(pat_m13(x, y));
    case VT_MODEX:
        if (y < PAT_X_SPLIT)
            return dac_rgb(pat_x_main(x + (pel_panning ? PAT_X_XOFF : PAT_X_XOFF & ~3), y + PAT_X_YOFF));
        return dac_rgb(pat_x_panel(x, y - PAT_X_SPLIT));
    case VT_VBE8:
        return dac_rgb(pat_vbe8(x, y));
    case VT_VBE16: {
        uint32_t v = pat_vbe16(x, y);
        uint32_t r = (v >> 11) & 31, g = (v >> 5) & 63, b = v & 31;
        return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
    }
    default:
        return pat_vbe32(x + PAT_VBE32_XOFF, y + PAT_VBE32_YOFF);
    }
}

static void expected_size(int t, int *w, int *h)
{
    static const int sz[VT_COUNT][2] = { { 720, 400 }, { 320, 200 },  { 320, 200 }, { 640, 480 },
                                         { 320, 200 }, { 320, 240 },  { 640, 480 }, { 800, 600 },
                                         { 1024, 768 }, { 720, 400 }, { 720, 400 }, { 1024, 768 },
                                         { 320, 200 } };
    *w = sz[t][0];
    *h = sz[t][1];
}

/* ---- image files ---------------------------------------------------------- */
static uint8_t *read_ppm(FILE *f, int *w, int *h)
{
    int maxval;
    char magic[3] = { 0 };
    if (fscanf(f, "%2s", magic) != 1 || strcmp(magic, "P6"))
        return NULL;
    /* skip comments between the header fields */
    int vals[3];
    for (int i = 0; i < 3; i++) {
        int ch;
        while ((ch = fgetc(f)) == '#' || ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            if (ch == '#')
                while ((ch = fgetc(f)) != '\n' && ch != EOF)
                    ;
        ungetc(ch, f);
        if (fscanf(f, "%d", &vals[i]) != 1)
            return NULL;
    }
    *w = vals[0];
    *h = vals[1];
    maxval = vals[2];
    fgetc(f); /* the one whitespace byte */
    if (maxval != 255 || *w <= 0 || *h <= 0 || *w > 8192 || *h > 8192)
        return NULL;
    size_t n = (size_t)*w * (size_t)*h * 3;
    uint8_t *buf = malloc(n);
    if (buf && fread(buf, 1, n, f) != n) {
        free(buf);
        return NULL;
    }
    return buf;
}

static uint8_t *read_image(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t sig[8];
    size_t got = fread(sig, 1, 8, f);
    rewind(f);
    if (got == 8 && !png_sig_cmp(sig, 0, 8)) {
        fclose(f);
        png_image img;
        memset(&img, 0, sizeof(img));
        img.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_file(&img, path))
            return NULL;
        img.format = PNG_FORMAT_RGB;
        uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
        if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
            free(buf);
            png_image_free(&img);
            return NULL;
        }
        *w = (int)img.width;
        *h = (int)img.height;
        return buf;
    }
    uint8_t *buf = read_ppm(f, w, h);
    fclose(f);
    return buf;
}

static int write_ppm(const char *path, int t, int w, int h)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fprintf(f, "P6\n%d %d\n255\n", w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t p = expected_pixel(t, (uint32_t)x, (uint32_t)y);
            fputc((int)(p >> 16) & 0xff, f);
            fputc((int)(p >> 8) & 0xff, f);
            fputc((int)p & 0xff, f);
        }
    return fclose(f) == 0;
}

/* Pixels of img (w x h, the expected picture scaled sx x sy) further
 * than tol from the expected; the first few printed unless quiet. */
static long compare(int t, const uint8_t *img, int w, int h, int sx, int sy, int tol, int quiet)
{
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t e = expected_pixel(t, (uint32_t)(x / sx), (uint32_t)(y / sy));
            const uint8_t *p = img + ((size_t)y * (size_t)w + (size_t)x) * 3;
            int diff = 0;
            for (int c = 0; c < 3; c++) {
                int d = (int)p[c] - (int)((e >> (16 - 8 * c)) & 0xff);
                if (d > tol || d < -tol)
                    diff = 1;
            }
            if (diff && bad++ < 8 && !quiet)
                printf("  (%d,%d): expected %06x, got %02x%02x%02x\n", x, y, e, p[0], p[1], p[2]);
        }
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vgacheck TEST IMAGE [--tolerance N] [--dup9-from CH] [--scale 1] [--no-pel-panning 1] "
                        "[--at-ns T] [--any-phase 1] [--no-blink 1] [--no-vbe4-window 1] [--expected OUT.ppm]\n");
        return 2;
    }
    int t = -1;
    for (int i = 0; i < VT_COUNT; i++)
        if (!strcmp(argv[1], names[i]))
            t = i;
    if (t < 0) {
        fprintf(stderr, "vgacheck: unknown test '%s'\n", argv[1]);
        return 2;
    }
    int tol = 0, allow_scale = 0, sx = 1, sy = 1, any_phase = 0;
    const char *exp_out = NULL;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--tolerance"))
            tol = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dup9-from"))
            dup9_first = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--no-pel-panning"))
            pel_panning = !atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--scale"))
            allow_scale = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--at-ns"))
            blink_phases_at(t, strtoull(argv[i + 1], NULL, 0));
        else if (!strcmp(argv[i], "--no-vbe4-window"))
            vbe4_window = !atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--no-blink"))
            blink_attr = !atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--any-phase"))
            any_phase = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--expected"))
            exp_out = argv[i + 1];
    }
    int ew, eh;
    expected_size(t, &ew, &eh);
    if (exp_out && !write_ppm(exp_out, t, ew, eh))
        fprintf(stderr, "vgacheck: cannot write %s\n", exp_out);
    int w, h;
    uint8_t *img = read_image(argv[2], &w, &h);
    if (!img) {
        printf("vgacheck %s: cannot read %s\n", argv[1], argv[2]);
        return 1;
    }
    /* --scale 1: accept a picture whose pixels are doubled across and/or
     * down (QEMU shows 320-pixel modes 640 wide with double-scanned lines) */
    if (allow_scale && (w == 2 * ew || h == 2 * eh) && (w == ew || w == 2 * ew) && (h == eh || h == 2 * eh)) {
        sx = w / ew;
        sy = h / eh;
        printf("vgacheck %s: %dx%d is the %dx%d picture scaled %dx%d\n", argv[1], w, h, ew, eh, sx, sy);
    } else if (w != ew || h != eh) {
        printf("vgacheck %s: %s is %dx%d, expected %dx%d\n", argv[1], argv[2], w, h, ew, eh);
        free(img);
        return 1;
    }
    /* --any-phase 1 (a screenshot taken at no known time): one of the four
     * combinations of the blink phases must match */
    if (any_phase) {
        for (int ph = 0; ph < 4; ph++) {
            chars_on = ph & 1;
            cursor_on = ph >> 1;
            if (!compare(t, img, w, h, sx, sy, tol, 1)) {
                printf("vgacheck %s: %dx%d, every pixel as expected with characters %s, cursor %s (tolerance %d)\n",
                       argv[1], w, h, chars_on ? "on" : "off", cursor_on ? "on" : "off", tol);
                free(img);
                return 0;
            }
        }
        printf("vgacheck %s: no blink phase matches; with characters and cursor on:\n", argv[1]);
        chars_on = cursor_on = 1;
    }
    long bad = compare(t, img, w, h, sx, sy, tol, 0);
    free(img);
    if (bad) {
        printf("vgacheck %s: %ld of %d pixels differ (tolerance %d)\n", argv[1], bad, w * h, tol);
        return 1;
    }
    printf("vgacheck %s: %dx%d, every pixel as expected (tolerance %d)\n", argv[1], w, h, tol);
    return 0;
}
