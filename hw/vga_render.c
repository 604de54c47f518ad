/*
 * vga_render.c - turns the VGA's registers and video memory into pixels
 * and text, the way the CRTC, sequencer, attribute controller and DAC scan
 * them out (IBM VGA reference as FreeVGA describes it).
 *
 * The CRTC is simulated scan line by scan line: a memory address counter
 * that starts at the start address, advances by 2 * offset at the end of
 * each character row (max scan line + 1 scan lines, twice that with
 * double scan) and restarts at 0 after the line compare scan line (split
 * screen). The counter becomes a plane address through byte, word or
 * doubleword mode and the CGA/Hercules row-scan substitutions of CRTC
 * 0x17 bits 0-1. Graphics modes whose rows repeat identical scan lines are
 * reported at their distinct size (mode 13h is 320x200, not 320x400).
 *
 * The picture is the active display area only: the overscan border
 * (attribute register 11h's colour, shown around it by a real monitor) is
 * not drawn, as QEMU does not, so screenshots have the mode's resolution.
 * Blink (the text cursor, attribute bit 7 in text, palette index bit 3
 * in graphics) is timed in frames of guest time (vga_frame_number), so a
 * screenshot at a given instruction count is deterministic.
 *
 * Graphics blink: with the attribute mode control's blink bit (10h bit 3)
 * set in a 16-colour graphics mode, bit 3 of the palette index is not the
 * pixel's but the blink phase: every pixel alternates between palette
 * entries p & 7 (the characters' on phase) and (p & 7) | 8 (off phase),
 * every 32 frames like blinking characters. IBM's references say only
 * that the bit "must also be set to 1 for blinking graphics modes" (EGA
 * and VGA technical references, attribute mode control bit 3); the rule
 * follows from IBM's own mode 0Fh (640x350 monochrome graphics): palette
 * 00 08 00 00 18 18 00 00 / 00 08 00 00 00 18 00 00, colour plane enable
 * 05h (plane 3 masked off) and blink on, with pixel value 4 documented as
 * "blinking video" and 5 as "intensified video" (EGA reference, mode 0Fh
 * table): only index bit 3 taken from the blink phase gives that (18h/00h
 * and 18h/18h). 86Box's renderer models the same rule.
 *
 * Not implemented: the attribute palette in 256-colour mode (bypassed, as
 * QEMU does; the BIOS loads it with the identity) and so blink there
 * (clones differ), and blink in the VBE 4 bpp mode.
 */
#include "hw/vga.h"

#include <string.h>

#define MAX_COLS 256

bool vga_is_text_mode(const Vga *v)
{
    return !(v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) && !(v->gc[6] & 1);
}

bool vga_blink_shown(const Vga *v)
{
    if (vga_is_text_mode(v))
        return true;
    return !(v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) && !(v->gc[5] & 0x40) && (v->ar[0x10] & 0x08);
}

static uint32_t crtc_start(const Vga *v)
{
    return (uint32_t)v->crtc[0x0c] << 8 | v->crtc[0x0d];
}

/* CRTC memory address counter -> plane offset. */
static uint32_t crtc_addr(const Vga *v, uint32_t c, uint32_t rowscan)
{
    uint32_t a;
    uint8_t mc = v->crtc[0x17];
    if (v->crtc[0x14] & 0x40)
        a = (c << 2) | ((c >> 14) & 3);
    else if (!(mc & 0x40))
        a = (c << 1) | ((c >> ((mc & 0x20) ? 15 : 13)) & 1);
    else
        a = c;
    if (!(mc & 0x01)) /* CGA: row scan bit 0 replaces MA13 */
        a = (a & ~0x2000u) | ((rowscan & 1) << 13);
    if (!(mc & 0x02)) /* Hercules: row scan bit 1 replaces MA14 */
        a = (a & ~0x4000u) | ((rowscan & 2) << 13);
    return a & (VGA_PLANE_SIZE - 1);
}

static int max_scan(const Vga *v)
{
    return v->crtc[0x09] & 0x1f;
}

static bool double_scan(const Vga *v)
{
    return v->crtc[0x09] & 0x80;
}

void vga_text_size(const Vga *v, int *rows, int *cols)
{
    int cell = (max_scan(v) + 1) * (double_scan(v) ? 2 : 1);
    *cols = v->crtc[0x01] + 1;
    *rows = (int)(vga_crtc_vde(v) / (uint32_t)cell);
}

void vga_text_cursor(const Vga *v, int *row, int *col, bool *visible)
{
    int rows, cols;
    vga_text_size(v, &rows, &cols);
    uint32_t loc = (uint32_t)v->crtc[0x0e] << 8 | v->crtc[0x0f];
    uint32_t pitch = v->crtc[0x13] * 2u;
    int32_t rel = (int32_t)(loc - crtc_start(v)) & 0xffff;
    *row = *col = 0;
    *visible = false;
    if (pitch == 0)
        return;
    *row = (int)((uint32_t)rel / pitch);
    *col = (int)((uint32_t)rel % pitch);
    *visible = !(v->crtc[0x0a] & 0x20) && *row < rows && *col < cols;
}

int vga_text_screen(Vga *v, char *out, int max)
{
    if (!vga_is_text_mode(v))
        return -1;
    int rows, cols;
    vga_text_size(v, &rows, &cols);
    uint32_t pitch = v->crtc[0x13] * 2u;
    int n = 0;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols && n < max; c++) {
            uint32_t a = crtc_addr(v, crtc_start(v) + (uint32_t)r * pitch + (uint32_t)c, 0);
            uint8_t ch = vga_plane_byte(v, 0, a);
            /* NUL shows as a blank (CP437 glyph 0) and would end a C string */
            out[n++] = (char)(ch ? ch : ' ');
        }
        if (n < max)
            out[n++] = '\n';
    }
    if (n < max)
        out[n] = '\0';
    return n;
}

/* Attribute controller: palette register i to a DAC index (bits 4-5 from
 * the register or the colour select, bits 6-7 from the colour select). */
static uint8_t ac_palette(const Vga *v, uint8_t i)
{
    uint8_t pal = v->ar[i & 0x0f];
    uint8_t idx = (v->ar[0x10] & 0x80) ? (uint8_t)((pal & 0x0f) | ((v->ar[0x14] & 3) << 4)) : (pal & 0x3f);
    return (uint8_t)(idx | ((v->ar[0x14] & 0x0c) << 4));
}

/* Attribute controller: a 4-bit pixel to a DAC index. */
static uint8_t ac_color(const Vga *v, uint8_t px)
{
    return ac_palette(v, px & v->ar[0x12]);
}

/* The same in graphics modes: with blink enabled, index bit 3 is the blink
 * phase instead of the pixel's (see the top of the file). */
static uint8_t ac_graphics(const Vga *v, uint8_t px, bool chars_on)
{
    uint8_t i = px & v->ar[0x12] & 0x0f;
    if (v->ar[0x10] & 0x08)
        i = (uint8_t)((i & 7) | (chars_on ? 0 : 8));
    return ac_palette(v, i);
}

static uint32_t font_base(const Vga *v, bool map_a)
{
    uint8_t s = v->seq[3];
    uint32_t sel = map_a ? (((s >> 2) & 3) | ((s >> 3) & 4)) : ((s & 3) | ((s >> 2) & 4));
    return ((sel & 3) << 14) | ((sel >> 2) << 13);
}

/* Text pel panning in dots (attribute register 13h): 9-dot cells shift
 * by value + 1 for 0-7 and not at all for 8 (the BIOS's default, so the
 * 9th dot column comes first), 8-dot cells by value & 7. */
static int text_pan(const Vga *v)
{
    int p = v->ar[0x13] & 0x0f;
    if (v->seq[1] & 1)
        return p & 7;
    return p < 8 ? p + 1 : 0;
}

/* One text scan line: rowscan rs of the character row at counter base,
 * shifted left by pan dots (the next character shifts in), blink phases
 * from frame. */
static void text_line(const Vga *v, uint32_t *dst, int max_w, uint32_t base, int rs, uint64_t frame, int pan)
{
    int cols = v->crtc[0x01] + 1;
    int dots = (v->seq[1] & 1) ? 8 : 9;
    uint32_t cursor = (uint32_t)v->crtc[0x0e] << 8 | v->crtc[0x0f];
    int cs = v->crtc[0x0a] & 0x1f, ce = v->crtc[0x0b] & 0x1f;
    bool cursor_on = !(v->crtc[0x0a] & 0x20) && rs >= cs && rs <= ce && vga_cursor_blink_on(frame);
    bool underline = rs == (v->crtc[0x14] & 0x1f);
    bool blink = v->ar[0x10] & 0x08;
    bool chars_on = vga_char_blink_on(frame);
    bool lge = v->ar[0x10] & 0x04;
    uint32_t line[(MAX_COLS + 1) * 9];
    int width = cols * dots, fetch = pan ? cols + 1 : cols;
    for (int c = 0; c < fetch; c++) {
        uint32_t cnt = base + (uint32_t)c;
        uint32_t a = crtc_addr(v, cnt, (uint32_t)rs);
        uint8_t ch = vga_plane_byte(v, 0, a);
        uint8_t at = vga_plane_byte(v, 1, a);
        uint8_t fg = at & 0x0f, bg = at >> 4;
        bool hide = false;
        if (blink) {
            bg &= 7; /* bit 7 blinks the character instead */
            hide = (at & 0x80) && !chars_on;
        }
        uint8_t glyph = vga_plane_byte(v, 2, font_base(v, at & 0x08) + ch * 32u + (uint32_t)rs);
        /* underline (mono attribute 01h) and the cursor cover all dots; a
         * blinking character in its off phase shows its background (the
         * cursor still blinks on its own over it) */
        bool solid = (underline && (at & 0x77) == 0x01 && !hide) || (cursor_on && (cnt & 0xffff) == cursor);
        uint32_t fgc = vga_dac_rgb(v, ac_color(v, fg)), bgc = vga_dac_rgb(v, ac_color(v, bg));
        for (int d = 0; d < dots; d++) {
            bool on;
            if (solid)
                on = true;
            else if (hide)
                on = false;
            else if (d < 8)
                on = (glyph >> (7 - d)) & 1;
            else /* the 9th dot repeats the 8th for line-graphics chars */
                on = lge && ch >= 0xc0 && ch <= 0xdf && (glyph & 1);
            line[c * dots + d] = on ? fgc : bgc;
        }
    }
    for (int x = 0; x < width && x < max_w; x++)
        dst[x] = line[x + pan];
}

/* One graphics scan line into pixel indices (before the attribute
 * controller, or DAC indices in 256-colour mode). Produces one extra
 * character clock so panning has data to shift in. */
static int graphics_line(const Vga *v, uint8_t *px, uint32_t base, int rs)
{
    int cols = v->crtc[0x01] + 2;
    int n = 0;
    for (int c = 0; c < cols; c++) {
        uint32_t a = crtc_addr(v, base + (uint32_t)c, (uint32_t)rs);
        uint8_t b[4];
        for (int p = 0; p < 4; p++)
            b[p] = vga_plane_byte(v, p, a);
        if (v->gc[5] & 0x40) {
            for (int p = 0; p < 4; p++)
                px[n++] = b[p];
        } else if (v->gc[5] & 0x20) {
            /* CGA interleave: planes 0/2 give the first four 2-bit
             * pixels, planes 1/3 the next four */
            for (int i = 0; i < 8; i++) {
                int sh = 6 - 2 * (i & 3);
                uint8_t lo = i < 4 ? b[0] : b[1], hi = i < 4 ? b[2] : b[3];
                px[n++] = (uint8_t)(((lo >> sh) & 3) | (((hi >> sh) & 3) << 2));
            }
        } else {
            for (int i = 0; i < 8; i++) {
                int sh = 7 - i;
                px[n++] = (uint8_t)(((b[0] >> sh) & 1) | (((b[1] >> sh) & 1) << 1) |
                                    (((b[2] >> sh) & 1) << 2) | (((b[3] >> sh) & 1) << 3));
            }
        }
    }
    return n;
}

static bool render_vbe(Vga *v, uint32_t *pixels, int max_w, int max_h, int *w, int *h)
{
    int xres = v->vbe[VBE_DISPI_INDEX_XRES], yres = v->vbe[VBE_DISPI_INDEX_YRES];
    int bpp = v->vbe[VBE_DISPI_INDEX_BPP];
    uint32_t bytes = (uint32_t)(bpp + 7) / 8;
    *w = xres;
    *h = yres;
    if (bpp == 4) {
        /* Planar 16 colours, as mode 12h at the DISPI resolution: every
         * plane offset holds 8 pixels (4 bytes of the interleaved vram),
         * through the attribute controller's palette; plane offsets go
         * past 64 KiB (the bank register reaches them). */
        uint64_t vw = v->vbe[VBE_DISPI_INDEX_VIRT_WIDTH];
        for (int y = 0; y < yres && y < max_h; y++) {
            uint64_t p0 = (uint64_t)(v->vbe[VBE_DISPI_INDEX_Y_OFFSET] + (uint32_t)y) * vw +
                          v->vbe[VBE_DISPI_INDEX_X_OFFSET];
            for (int x = 0; x < xres && x < max_w; x++) {
                uint64_t q = p0 + (uint64_t)x, o = (q >> 3) << 2;
                int sh = 7 - (int)(q & 7);
                uint8_t px = 0;
                if (o + 4 <= VGA_VRAM_SIZE)
                    for (int p = 0; p < 4; p++)
                        px |= (uint8_t)(((v->vram[o + (uint64_t)p] >> sh) & 1) << p);
                pixels[(size_t)y * (size_t)max_w + (size_t)x] = vga_dac_rgb(v, ac_color(v, px));
            }
        }
        return true;
    }
    for (int y = 0; y < yres && y < max_h; y++) {
        uint32_t line = v->vbe_start + (uint32_t)y * v->vbe_pitch;
        for (int x = 0; x < xres && x < max_w; x++) {
            uint64_t o = (uint64_t)line + (uint64_t)x * bytes;
            uint32_t rgb = 0;
            if (o + bytes <= VGA_VRAM_SIZE) {
                const uint8_t *p = v->vram + o;
                uint32_t val = p[0] | (bytes > 1 ? (uint32_t)p[1] << 8 : 0);
                switch (bpp) {
                case 8:
                    rgb = vga_dac_rgb(v, p[0]);
                    break;
                case 15: {
                    uint32_t r = (val >> 10) & 31, g = (val >> 5) & 31, b = val & 31;
                    rgb = (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
                    break;
                }
                case 16: {
                    uint32_t r = (val >> 11) & 31, g = (val >> 5) & 63, b = val & 31;
                    rgb = (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
                    break;
                }
                default: /* 24 and 32: B, G, R(, X) */
                    rgb = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
                    break;
                }
            }
            pixels[(size_t)y * (size_t)max_w + (size_t)x] = rgb;
        }
    }
    return true;
}

bool vga_render(Vga *v, uint32_t *pixels, int max_w, int max_h, int *w, int *h)
{
    *w = *h = 0;
    if (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) {
        if (!render_vbe(v, pixels, max_w, max_h, w, h))
            return false;
        /* The attribute controller's PAS bit gates VBE output too: QEMU's
         * std VGA shows black with it clear, and Linux's bochs DRM driver
         * blanks the screen by clearing it (bochs_hw_blank). */
        if (!(v->ar_index & 0x20))
            for (int y = 0; y < *h && y < max_h; y++)
                for (int x = 0; x < *w && x < max_w; x++)
                    pixels[(size_t)y * (size_t)max_w + (size_t)x] = 0;
        return true;
    }

    bool text = !(v->gc[6] & 1);
    bool is256 = !text && (v->gc[5] & 0x40);
    int dots = text ? ((v->seq[1] & 1) ? 8 : 9) : 8;
    int width = (v->crtc[0x01] + 1) * dots;
    if (is256)
        width /= 2; /* 8-bit colour: two dots per pixel */
    uint32_t vde = vga_crtc_vde(v);
    bool ds = double_scan(v);
    int ms = max_scan(v);
    uint32_t vdiv = ds ? 2 : 1;
    /* Graphics rows whose scan lines all read the same memory collapse to
     * one line (no CGA/Hercules row-scan substitution). */
    if (!text && (v->crtc[0x17] & 3) == 3)
        vdiv *= (uint32_t)ms + 1;
    int height = (int)(vde / vdiv);
    if (v->crtc[0x01] == 0 || height == 0)
        return false;
    *w = width;
    *h = height;

    /* PAS clear or screen off (sequencer clocking mode bit 5): blank. */
    bool blank = !(v->ar_index & 0x20) || (v->seq[1] & 0x20);
    uint32_t lc = vga_crtc_line_compare(v);
    uint32_t row_addr = crtc_start(v);
    uint32_t pitch = v->crtc[0x13] * 2u;
    int rs = 0;
    bool second = false; /* second scan of a double-scanned line */
    int pan = text ? text_pan(v) : v->ar[0x13] & 7;
    uint64_t frame = vga_frame_number(v);
    bool chars_on = vga_char_blink_on(frame);
    uint8_t px[(MAX_COLS + 1) * 8];

    for (uint32_t y = 0; y < vde; y++) {
        int oy = (int)(y / vdiv);
        if (y % vdiv == 0 && oy < max_h) {
            uint32_t *dst = pixels + (size_t)oy * (size_t)max_w;
            if (blank) {
                for (int x = 0; x < width && x < max_w; x++)
                    dst[x] = 0;
            } else if (text) {
                text_line(v, dst, max_w, row_addr, rs, frame, pan);
            } else {
                graphics_line(v, px, row_addr, rs);
                int shift = is256 ? pan >> 1 : pan;
                for (int x = 0; x < width && x < max_w; x++) {
                    uint8_t p = px[x + shift];
                    dst[x] = vga_dac_rgb(v, is256 ? p : ac_graphics(v, p, chars_on));
                }
            }
        }
        /* advance the CRTC to the next scan line */
        if (ds && !second) {
            second = true;
        } else {
            second = false;
            if (++rs > ms) {
                rs = 0;
                row_addr += pitch;
            }
        }
        if (y == lc) {
            /* split screen: the next line shows address 0, unpanned if
             * the attribute mode control's pixel panning mode says so */
            row_addr = 0;
            rs = 0;
            second = false;
            if (v->ar[0x10] & 0x20)
                pan = 0;
        }
    }
    return true;
}
