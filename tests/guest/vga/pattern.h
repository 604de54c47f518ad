/*
 * pattern.h - the patterns the VGA guest tests draw (issue 6, "Done means"
 * item 1), shared by the guest (vgatest.c, which puts them into video
 * memory through the registers) and the host checker (vgacheck.c, which
 * computes the picture a monitor would show from the same definitions and
 * the IBM VGA's scan-out rules, never from the emulator).
 *
 * Everything here is integer arithmetic on uint32_t so it builds both
 * freestanding (-m32) and on the host.
 */
#ifndef VGA_PATTERN_H
#define VGA_PATTERN_H

#include <stdint.h>

/* Test numbers (macros: the guest selects its code with #if). */
#define VT_TEXT   0 /* 80x25 text, 9-dot cells, custom 8x16 font in plane 2 */
#define VT_M04    1 /* mode 04h: 320x200, 4 colours, CGA interleave */
#define VT_M0D    2 /* mode 0Dh: 320x200, 16 colours, planar (write mode 0) */
#define VT_M12    3 /* mode 12h: 640x480, 16 colours, planar (write mode 2) */
#define VT_M13    4 /* mode 13h: 320x200, 256 colours, chain-4 */
#define VT_MODEX  5 /* 320x240 unchained, panned, split screen at line 200 */
#define VT_VBE8   6 /* VBE 640x480x8 through the LFB */
#define VT_VBE16  7 /* VBE 800x600x16 */
#define VT_VBE32  8 /* VBE 1024x768x32, virtual width 1280, offset (16, 8) */
#define VT_BLINK  9 /* the text test with blink and the cursor on (two phases) */
#define VT_TEXTPAN 10 /* the text test panned 3 dots left (AR 13h = 2) */
#define VT_VBE4  11 /* VBE 1024x768x4, planar, written through banks */
#define VT_GBLINK 12 /* the mode 0Dh test with blink enabled (two phases) */
#define VT_COUNT 13

/* The DAC palette every test loads (6-bit components). */
static inline uint32_t pat_dac(uint32_t i, int comp)
{
    switch (comp) {
    case 0:
        return (i * 5u + (i >> 4)) & 63u;
    case 1:
        return (i * 11u + 7u) & 63u;
    default:
        return (i * 23u + 3u + (i >> 2)) & 63u;
    }
}

/* ---- text -------------------------------------------------------------- */
#define PAT_TEXT_COLS 80
#define PAT_TEXT_ROWS 25
#define PAT_TEXT_CELL_H 16

/* Glyph row y (0-15) of character ch in the custom font: bit 7 is the
 * leftmost dot. Bit 0 is set in many rows so the 9th dot of the line
 * graphics characters (0xc0-0xdf) shows. */
static inline uint32_t pat_font(uint32_t ch, uint32_t y)
{
    if (y == 0)
        return ch; /* the code itself, to tell glyphs apart */
    if (y == 15)
        return (ch & 1) ? 0xffu : 0x81u;
    return ((ch * 73u) ^ (y * 29u) ^ (ch >> 3) ^ (y << 5)) & 0xffu;
}

static inline uint32_t pat_text_char(uint32_t r, uint32_t c)
{
    return (r * 80u + c * 3u + (r >> 1)) & 0xffu;
}

static inline uint32_t pat_text_attr(uint32_t r, uint32_t c)
{
    return (r * 16u + c * 7u + ((r * c) >> 3)) & 0xffu;
}

/* The attribute controller palette (the mode 03h defaults). */
static inline uint32_t pat_text_ar(uint32_t i)
{
    static const uint8_t ar[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                                    0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
    return ar[i & 15];
}

/* Blink test: cursor shape and place; the screenshots' times (guest ns;
 * ringside runs 1 instruction per ns, so also instruction counts): the
 * cursor blinks every 16 frames and characters every 32, on for the first
 * half, so at 170 ms (frame 11 of 14.27 ms) characters show and the cursor
 * does not, at 290 ms (frame 20) the reverse. */
#define PAT_BLINK_CUR_ROW 12
#define PAT_BLINK_CUR_COL 40
#define PAT_BLINK_CUR_START 2
#define PAT_BLINK_CUR_END 14
#define PAT_BLINK_T1 170000000u
#define PAT_BLINK_T2 290000000u
#define PAT_BLINK_FRAMES 24 /* the guest ends after this many frames */
/* The graphics blink test (mode 0Dh, attribute mode control 09h) uses the
 * same times and frame count: mode 0Dh's frame (25.175 MHz halved, 50
 * characters of 8 dots, 449 lines) is 14.27 ms too, so characters' "on"
 * phase (palette index bit 3 = 0) shows at PAT_BLINK_T1 and "off" (bit 3
 * = 1) at PAT_BLINK_T2. */

/* Text panning test: attribute register 13h; in 9-dot cells 0-7 shift by
 * value + 1 dots (8 by none). */
#define PAT_TEXTPAN_AR13 2
#define PAT_TEXTPAN_DOTS 3

/* ---- graphics modes: colour index of pixel (x, y) ---------------------- */
static inline uint32_t pat_m04(uint32_t x, uint32_t y)
{
    return ((x >> 3) + (y >> 2) + ((x * y) >> 6)) & 3u;
}

/* mode 04h attribute palette entries 0-3 (a CGA palette's DAC indexes) */
static inline uint32_t pat_m04_ar(uint32_t i)
{
    static const uint8_t ar[4] = { 0x00, 0x13, 0x15, 0x17 };
    return ar[i & 3];
}

static inline uint32_t pat_m0d(uint32_t x, uint32_t y)
{
    return ((x >> 4) ^ (y >> 3) ^ ((x + y) >> 5)) & 15u;
}

/* modes 0Dh and 12h: the EGA palette 00-07, 10-17 (mode 0Dh's) */
static inline uint32_t pat_ega_ar(uint32_t i)
{
    return (i & 7) | ((i & 8) << 1);
}

static inline uint32_t pat_m12(uint32_t x, uint32_t y)
{
    return ((x / 40u) + (y / 30u) * 3u + (((x ^ y) & 8u) ? 1u : 0u)) & 15u;
}

static inline uint32_t pat_m13(uint32_t x, uint32_t y)
{
    return (x + y * 2u + ((x * y) >> 7)) & 0xffu;
}

/* ---- mode X ---------------------------------------------------------------
 * A 336-pixel-wide virtual screen (84 bytes a row in each plane). The main
 * picture starts at plane offset 0x4000 and is shown from (PAT_X_XOFF,
 * PAT_X_YOFF): the start address moves by whole 4-pixel groups, the pel
 * panning register the rest. Scan lines from PAT_X_SPLIT on show the
 * panel at offset 0, unpanned (attribute mode control bit 5). */
#define PAT_X_VWIDTH 336
#define PAT_X_PITCH 84
#define PAT_X_MAIN 0x4000u
#define PAT_X_MAIN_ROWS 300
#define PAT_X_PANEL_ROWS 40
#define PAT_X_XOFF 7 /* 4 * 1 + 3 pixels of pel panning */
#define PAT_X_YOFF 13
#define PAT_X_SPLIT 200

static inline uint32_t pat_x_main(uint32_t x, uint32_t y)
{
    return (x * 3u + (y >> 1) + ((x >> 5) ^ (y >> 4)) * 16u) & 0xffu;
}

static inline uint32_t pat_x_panel(uint32_t x, uint32_t y)
{
    return (0x80u + (x >> 2) + y * 5u) & 0xffu;
}

/* ---- VBE ----------------------------------------------------------------- */
static inline uint32_t pat_vbe8(uint32_t x, uint32_t y)
{
    return ((x ^ y) + (x >> 3)) & 0xffu;
}

static inline uint32_t pat_vbe16(uint32_t x, uint32_t y)
{
    return ((x * 7u + y * 131u) ^ (x << 5) ^ (y << 11)) & 0xffffu;
}

/* VBE 4 bpp: 1024x768, 128 bytes a line in each plane, 96 KiB a plane;
 * lines from PAT_VBE4_WINDOW_FROM on are written through the banked
 * 0xa0000 window, those above through the LFB */
#define PAT_VBE4_WINDOW_FROM 384
static inline uint32_t pat_vbe4(uint32_t x, uint32_t y)
{
    return ((x >> 4) + (y >> 3) * 5u + ((x ^ (y * 3u)) >> 7)) & 15u;
}

#define PAT_VBE32_VWIDTH 1280
#define PAT_VBE32_XOFF 16
#define PAT_VBE32_YOFF 8
/* 0x00RRGGBB of virtual-screen pixel (x, y) */
static inline uint32_t pat_vbe32(uint32_t x, uint32_t y)
{
    return ((x * 3u) & 0xffu) | ((y * 5u & 0xffu) << 8) | (((x + y) & 0xffu) << 16);
}

#endif
