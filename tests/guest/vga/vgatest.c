/*
 * vgatest.c - a VGA guest test (issue 6, "Done means" item 1). Built once
 * per mode with -DVGA_TEST=VT_xxx (pattern.h). It programs every register
 * of the mode itself from the IBM VGA reference tables (as FreeVGA lists
 * them), so it needs no VGA BIOS, draws the pattern of pattern.h through
 * the CPU window or the VBE linear framebuffer, prints "VGA-DONE" on the
 * debug console and ends through the exit port (writing 0). The harness
 * then takes the screenshot (ringside: --screenshot at exit; QEMU: the
 * monitor's screendump once VGA-DONE shows) and vgacheck compares it.
 */
#include "guest.h"
#include "pattern.h"

#ifndef VGA_TEST
#error "build with -DVGA_TEST=VT_..."
#endif

/* ---- register access --------------------------------------------------- */
static void seq_w(uint8_t i, uint8_t v) { outw(0x3c4, (uint16_t)(v << 8 | i)); }
static void gc_w(uint8_t i, uint8_t v) { outw(0x3ce, (uint16_t)(v << 8 | i)); }
static void crtc_w(uint8_t i, uint8_t v) { outw(0x3d4, (uint16_t)(v << 8 | i)); }

static void ar_w(uint8_t i, uint8_t v)
{
    (void)inb(0x3da); /* the flip-flop to "index" */
    outb(0x3c0, i);   /* PAS clear while loading */
    outb(0x3c0, v);
}

static void ar_enable(void)
{
    (void)inb(0x3da);
    outb(0x3c0, 0x20); /* PAS set: the palette drives the screen */
}

static void load_dac(void)
{
    outb(0x3c8, 0);
    for (uint32_t i = 0; i < 256; i++)
        for (int c = 0; c < 3; c++)
            outb(0x3c9, (uint8_t)pat_dac(i, c));
}

typedef struct Mode {
    uint8_t misc;
    uint8_t seq[5];
    uint8_t crtc[25];
    uint8_t gc[9];
    uint8_t ar[21];
} Mode;

/* IBM VGA register tables (FreeVGA, "VGA register values for standard
 * modes"). */
__attribute__((unused)) static const Mode mode03 = {
    0x67,
    { 0x03, 0x00, 0x03, 0x00, 0x02 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
      0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00 },
};

__attribute__((unused)) static const Mode mode04 = {
    0x63,
    { 0x03, 0x09, 0x03, 0x00, 0x02 },
    { 0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff },
    { 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00 },
};

__attribute__((unused)) static const Mode mode0d = {
    0x63,
    { 0x03, 0x09, 0x0f, 0x00, 0x06 },
    { 0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc0, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

__attribute__((unused)) static const Mode mode12 = {
    0xe3,
    { 0x03, 0x01, 0x0f, 0x00, 0x06 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x0f, 0x00, 0x00 },
};

__attribute__((unused)) static const Mode mode13 = {
    0x63,
    { 0x03, 0x01, 0x0f, 0x00, 0x0e },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
      0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00 },
};

/* Mode X (Abrash's 320x240): mode 13h unchained, byte-mode CRTC, 480
 * scan lines at 60 Hz; the split screen needs line compare bit 9 (CRTC 9
 * bit 6) clear; the virtual screen is 336 pixels wide (offset 42). */
__attribute__((unused)) static const Mode modex = {
    0xe3,
    { 0x03, 0x01, 0x0f, 0x00, 0x06 },
    { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0d, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0xea, 0xac, 0xdf, 0x2a, 0x00, 0xe7, 0x06, 0xe3, 0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
      0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x61, 0x00, 0x0f, 0x00, 0x00 },
};

__attribute__((unused)) static void set_mode(const Mode *m)
{
    seq_w(0, 0x01); /* synchronous reset while the clocks change */
    outb(0x3c2, m->misc);
    for (uint8_t i = 1; i < 5; i++)
        seq_w(i, m->seq[i]);
    seq_w(0, m->seq[0]);
    crtc_w(0x11, m->crtc[0x11] & 0x7f); /* unlock CRTC 0-7 */
    for (uint8_t i = 0; i < 25; i++)
        crtc_w(i, m->crtc[i]);
    for (uint8_t i = 0; i < 9; i++)
        gc_w(i, m->gc[i]);
    for (uint8_t i = 0; i < 21; i++)
        ar_w(i, m->ar[i]);
    load_dac();
    outb(0x3c6, 0xff);
    ar_enable();
}

static volatile uint8_t *const vga_mem = (volatile uint8_t *)0xa0000;

/* Clear all four planes of the 64 KiB at 0xa0000 (write mode 0, all maps). */
static uint8_t gc_r(uint8_t i)
{
    outb(0x3ce, i);
    return inb(0x3cf);
}

__attribute__((unused)) static void clear_planes(void)
{
    outb(0x3c4, 4);
    uint8_t s4 = inb(0x3c5);
    uint8_t g5 = gc_r(5), g6 = gc_r(6);
    seq_w(2, 0x0f);
    seq_w(4, 0x06);
    gc_w(5, 0x00);
    gc_w(6, 0x05);
    gc_w(8, 0xff);
    gc_w(1, 0x00);
    for (uint32_t i = 0; i < 0x10000; i++)
        vga_mem[i] = 0;
    seq_w(4, s4);
    gc_w(5, g5);
    gc_w(6, g6);
}

/* ---- the tests ----------------------------------------------------------- */
#if VGA_TEST == VT_TEXT || VGA_TEST == VT_BLINK || VGA_TEST == VT_TEXTPAN
static void draw(void)
{
    set_mode(&mode03);
    /* text: cursor off, blink off so attribute bit 7 is background
     * intensity; blink: both on; all: LGE on (9th dot of 0xc0-0xdf
     * repeats the 8th) */
#if VGA_TEST == VT_BLINK
    crtc_w(0x0a, PAT_BLINK_CUR_START);
    crtc_w(0x0b, PAT_BLINK_CUR_END);
    uint32_t cur = PAT_BLINK_CUR_ROW * 80 + PAT_BLINK_CUR_COL;
    crtc_w(0x0e, (uint8_t)(cur >> 8));
    crtc_w(0x0f, (uint8_t)cur);
    ar_w(0x10, 0x0c);
#else
    crtc_w(0x0a, 0x20);
    ar_w(0x10, 0x04);
#endif
#if VGA_TEST == VT_TEXTPAN
    ar_w(0x13, PAT_TEXTPAN_AR13);
#endif
    ar_enable();
    clear_planes();
    /* font into plane 2, map A = map B = 0 (sequencer reg 3) */
    seq_w(2, 0x04);
    seq_w(4, 0x06);
    gc_w(4, 0x02);
    gc_w(5, 0x00);
    gc_w(6, 0x04);
    for (uint32_t ch = 0; ch < 256; ch++)
        for (uint32_t y = 0; y < 32; y++)
            vga_mem[ch * 32 + y] = (uint8_t)(y < 16 ? pat_font(ch, y) : 0);
    /* back to odd/even text addressing at 0xb8000 */
    seq_w(2, 0x03);
    seq_w(4, 0x02);
    gc_w(4, 0x00);
    gc_w(5, 0x10);
    gc_w(6, 0x0e);
    volatile uint16_t *text = (volatile uint16_t *)0xb8000;
    /* one row more than shown: panning shifts its first character into
     * the last row's right edge */
    for (uint32_t r = 0; r < PAT_TEXT_ROWS + 1; r++)
        for (uint32_t c = 0; c < PAT_TEXT_COLS; c++)
            text[r * 80 + c] = (uint16_t)(pat_text_attr(r, c) << 8 | pat_text_char(r, c));
}
#elif VGA_TEST == VT_M04
static void draw(void)
{
    set_mode(&mode04);
    volatile uint8_t *cga = (volatile uint8_t *)0xb8000;
    for (uint32_t i = 0; i < 0x4000; i++) /* both banks; odd/even fills planes 0/1 */
        cga[i] = 0;
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t xb = 0; xb < 80; xb++) {
            uint32_t b = 0;
            for (uint32_t i = 0; i < 4; i++)
                b |= pat_m04(xb * 4 + i, y) << (6 - 2 * i);
            cga[(y & 1) * 0x2000 + (y >> 1) * 80 + xb] = (uint8_t)b;
        }
}
#elif VGA_TEST == VT_M0D || VGA_TEST == VT_GBLINK
static void draw(void)
{
    set_mode(&mode0d);
#if VGA_TEST == VT_GBLINK
    /* graphics, blink enabled: palette index bit 3 is the blink phase */
    ar_w(0x10, 0x09);
    ar_enable();
#endif
    clear_planes();
    /* write mode 0, no rotation, bit mask ff: each plane in turn through
     * the map mask */
    gc_w(5, 0x00);
    for (uint32_t p = 0; p < 4; p++) {
        seq_w(2, (uint8_t)(1 << p));
        for (uint32_t y = 0; y < 200; y++)
            for (uint32_t xb = 0; xb < 40; xb++) {
                uint32_t b = 0;
                for (uint32_t i = 0; i < 8; i++)
                    b |= ((pat_m0d(xb * 8 + i, y) >> p) & 1) << (7 - i);
                vga_mem[y * 40 + xb] = (uint8_t)b;
            }
    }
    seq_w(2, 0x0f);
}
#elif VGA_TEST == VT_M12
static void draw(void)
{
    set_mode(&mode12);
    clear_planes();
    /* write mode 2: the CPU byte's low nibble is the colour, the bit mask
     * picks the pixel; the dummy read loads the latches for the rest */
    gc_w(5, 0x02);
    gc_w(3, 0x00);
    for (uint32_t y = 0; y < 480; y++)
        for (uint32_t x = 0; x < 640; x++) {
            volatile uint8_t *p = &vga_mem[y * 80 + (x >> 3)];
            gc_w(8, (uint8_t)(0x80 >> (x & 7)));
            (void)*p;
            *p = (uint8_t)pat_m12(x, y);
        }
    gc_w(8, 0xff);
    gc_w(5, 0x00);
}
#elif VGA_TEST == VT_M13
static void draw(void)
{
    set_mode(&mode13);
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t x = 0; x < 320; x++)
            vga_mem[y * 320 + x] = (uint8_t)pat_m13(x, y);
}
#elif VGA_TEST == VT_MODEX
static void put_x(uint32_t base, uint32_t x, uint32_t y, uint32_t c)
{
    seq_w(2, (uint8_t)(1 << (x & 3)));
    vga_mem[base + y * PAT_X_PITCH + (x >> 2)] = (uint8_t)c;
}

static void draw(void)
{
    set_mode(&modex);
    clear_planes();
    for (uint32_t y = 0; y < PAT_X_MAIN_ROWS; y++)
        for (uint32_t x = 0; x < PAT_X_VWIDTH; x++)
            put_x(PAT_X_MAIN, x, y, pat_x_main(x, y));
    for (uint32_t y = 0; y < PAT_X_PANEL_ROWS; y++)
        for (uint32_t x = 0; x < 320; x++)
            put_x(0, x, y, pat_x_panel(x, y));
    seq_w(2, 0x0f);
    uint32_t start = PAT_X_MAIN + PAT_X_YOFF * PAT_X_PITCH + (PAT_X_XOFF >> 2);
    crtc_w(0x0c, (uint8_t)(start >> 8));
    crtc_w(0x0d, (uint8_t)start);
    /* 256-colour pel panning counts half pixels: 2 per pixel */
    ar_w(0x13, (uint8_t)((PAT_X_XOFF & 3) * 2));
    /* line compare: the split after PAT_X_SPLIT lines of two scan lines
     * each; bit 8 is CRTC 7 bit 4 (set in the table), bit 9 CRTC 9 bit 6 */
    uint32_t lc = PAT_X_SPLIT * 2 - 1;
    crtc_w(0x18, (uint8_t)lc);
    ar_enable();
}
#else /* VBE */
enum { VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK, VBE_VWIDTH, VBE_VHEIGHT, VBE_XOFF, VBE_YOFF };

static void vbe_w(uint16_t i, uint16_t v)
{
    outw(0x1ce, i);
    outw(0x1cf, v);
}

static uint16_t vbe_r(uint16_t i)
{
    outw(0x1ce, i);
    return inw(0x1cf);
}

/* The LFB (BAR 0 of the PCI VGA function, placed by guest_vga_lfb). */
static uint8_t *find_lfb(void)
{
    uint8_t *lfb = guest_vga_lfb();
    if (!lfb) {
        print("FAIL: no PCI VGA 1234:1111\n");
        guest_exit(1);
    }
    print("vgatest: LFB at 0x");
    print_hex((uint32_t)lfb);
    print("\n");
    return lfb;
}

static void vbe_set(uint16_t xres, uint16_t yres, uint16_t bpp)
{
    vbe_w(VBE_ENABLE, 0);
    vbe_w(VBE_XRES, xres);
    vbe_w(VBE_YRES, yres);
    vbe_w(VBE_BPP, bpp);
    vbe_w(VBE_ENABLE, 0x41); /* enabled, LFB */
}

static void draw(void)
{
    uint16_t id = vbe_r(VBE_ID);
    if (id < 0xb0c0 || id > 0xb0cf) {
        print("FAIL: no Bochs VBE (id ");
        print_hex(id);
        print(")\n");
        guest_exit(1);
    }
    uint8_t *lfb = find_lfb();
    /* colour I/O addresses (misc bit 0): port 0x3da resets the attribute
     * flip-flop only then */
    outb(0x3c2, 0xe3);
    ar_enable(); /* PAS set, as any VGA BIOS leaves it */
#if VGA_TEST == VT_VBE4
    /* Planar as mode 12h at 1024x768: 128 bytes a line in each plane.
     * The top half is written through the LFB, which shows the planes
     * interleaved (plane offset o, plane p at byte 4 * o + p); the bottom
     * half through the 0xa0000 window in write mode 2 (the CPU byte's low
     * nibble is the colour, the bit mask picks the pixel, the dummy read
     * loads the latches) with the bank register selecting 64 KiB of plane
     * offsets (it crosses from bank 0 into bank 1). */
    for (uint8_t i = 0; i < 16; i++)
        ar_w(i, (uint8_t)pat_ega_ar(i));
    ar_w(0x10, 0x01);
    ar_w(0x12, 0x0f);
    ar_w(0x13, 0x00);
    ar_w(0x14, 0x00);
    ar_enable();
    load_dac();
    outb(0x3c6, 0xff);
    seq_w(2, 0x0f);
    seq_w(4, 0x06);
    vbe_set(1024, 768, 4);
    gc_w(1, 0x00);
    gc_w(3, 0x00);
    gc_w(5, 0x02);
    gc_w(6, 0x05);
    for (uint32_t o = 0; o < 128 * 768; o++) {
        uint32_t x = (o & 127) * 8, y = o >> 7;
        if (y < PAT_VBE4_WINDOW_FROM) {
            for (uint32_t p = 0; p < 4; p++) {
                uint32_t b = 0;
                for (uint32_t i = 0; i < 8; i++)
                    b |= ((pat_vbe4(x + i, y) >> p) & 1) << (7 - i);
                lfb[o * 4 + p] = (uint8_t)b;
            }
            continue;
        }
        if ((y == PAT_VBE4_WINDOW_FROM && x == 0) || (o & 0xffff) == 0)
            vbe_w(VBE_BANK, (uint16_t)(o >> 16));
        volatile uint8_t *p = &vga_mem[o & 0xffff];
        for (uint32_t i = 0; i < 8; i++) {
            gc_w(8, (uint8_t)(0x80 >> i));
            (void)*p;
            *p = (uint8_t)pat_vbe4(x + i, y);
        }
    }
    gc_w(8, 0xff);
    gc_w(5, 0x00);
#elif VGA_TEST == VT_VBE8
    load_dac();
    vbe_set(640, 480, 8);
    for (uint32_t y = 0; y < 480; y++)
        for (uint32_t x = 0; x < 640; x++)
            lfb[y * 640 + x] = (uint8_t)pat_vbe8(x, y);
#elif VGA_TEST == VT_VBE16
    vbe_set(800, 600, 16);
    volatile uint16_t *p = (volatile uint16_t *)lfb;
    for (uint32_t y = 0; y < 600; y++)
        for (uint32_t x = 0; x < 800; x++)
            p[y * 800 + x] = (uint16_t)pat_vbe16(x, y);
#else
    vbe_set(1024, 768, 32);
    vbe_w(VBE_VWIDTH, PAT_VBE32_VWIDTH);
    volatile uint32_t *p = (volatile uint32_t *)lfb;
    for (uint32_t y = 0; y < 768 + PAT_VBE32_YOFF; y++)
        for (uint32_t x = 0; x < PAT_VBE32_VWIDTH; x++)
            p[y * PAT_VBE32_VWIDTH + x] = pat_vbe32(x, y);
    vbe_w(VBE_XOFF, PAT_VBE32_XOFF);
    vbe_w(VBE_YOFF, PAT_VBE32_YOFF);
#endif
}
#endif

void guest_main(void)
{
    draw();
    print("VGA-DONE\n");
#if VGA_TEST == VT_BLINK || VGA_TEST == VT_GBLINK
    /* Stay on for the screenshots of both blink phases: count vertical
     * retraces (input status 1 bit 3 rising) from power-on. */
    uint32_t frames = 0;
    uint8_t was = inb(0x3da) & 8;
    while (frames < PAT_BLINK_FRAMES) {
        uint8_t now = inb(0x3da) & 8;
        if (now && !was)
            frames++;
        was = now;
    }
#endif
    guest_exit(0);
}
