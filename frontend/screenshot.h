/*
 * screenshot.h - the rendered VGA frame as a PNG file (libpng).
 */
#ifndef RINGSIDE_SCREENSHOT_H
#define RINGSIDE_SCREENSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/vga.h"

/* Largest frame vga_render can produce (the VBE maximum). */
#define SCREENSHOT_MAX_W 2560
#define SCREENSHOT_MAX_H 1600

/* Write w x h pixels of 0x00RRGGBB, rows stride pixels apart, as an 8-bit
 * RGB PNG. On failure returns false with a reason in err. */
bool screenshot_write_png(const char *path, const uint32_t *pixels, int w, int h, size_t stride, char *err,
                          size_t errlen);

/* Render v's current mode (vga_render) and write it to path. Fails when
 * the VGA shows nothing renderable (CRTC unprogrammed, VBE 4 bpp). */
bool screenshot_vga(Vga *v, const char *path, char *err, size_t errlen);

#endif
