/*
 * screenshot.c - PNG screenshots of the VGA frame.
 *
 * libpng rather than SDL2_image's IMG_SavePNG: it is the smaller
 * dependency, and screenshots must work in headless runs (-display none,
 * the test suite) where no SDL is initialised. The frame is what
 * vga_render produces, at the mode's own resolution (720x400 for 80x25
 * text, 320x200 for mode 13h): no aspect correction or scaling, so tests
 * can compare it pixel for pixel with an image they compute.
 */
#include "frontend/screenshot.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct PngErr {
    char *buf;
    size_t len;
} PngErr;

static void on_png_error(png_structp png, png_const_charp msg)
{
    PngErr *e = png_get_error_ptr(png);
    snprintf(e->buf, e->len, "libpng: %s", msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

bool screenshot_write_png(const char *path, const uint32_t *pixels, int w, int h, size_t stride, char *err,
                          size_t errlen)
{
    if (w <= 0 || h <= 0 || (size_t)w > stride) {
        snprintf(err, errlen, "empty frame (%dx%d)", w, h);
        return false;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    PngErr pe = { err, errlen };
    /* volatile: these change between setjmp and a longjmp back to it */
    uint8_t *volatile row = malloc((size_t)w * 3);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pe, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!row || !png || !info) {
        snprintf(err, errlen, "out of memory");
        png_destroy_write_struct(&png, &info);
        free(row);
        fclose(f);
        remove(path);
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        fclose(f);
        remove(path);
        return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Screens are flat colour: fast compression is nearly as small. */
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        const uint32_t *src = pixels + (size_t)y * stride;
        for (int x = 0; x < w; x++) {
            row[x * 3 + 0] = (uint8_t)(src[x] >> 16);
            row[x * 3 + 1] = (uint8_t)(src[x] >> 8);
            row[x * 3 + 2] = (uint8_t)src[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool screenshot_vga(Vga *v, const char *path, char *err, size_t errlen)
{
    uint32_t *pixels = malloc((size_t)SCREENSHOT_MAX_W * SCREENSHOT_MAX_H * sizeof(uint32_t));
    if (!pixels) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    int w, h;
    bool ok = vga_render(v, pixels, SCREENSHOT_MAX_W, SCREENSHOT_MAX_H, &w, &h);
    if (!ok)
        snprintf(err, errlen, "the VGA shows nothing that can be rendered yet");
    else
        ok = screenshot_write_png(path, pixels, w < SCREENSHOT_MAX_W ? w : SCREENSHOT_MAX_W,
                                  h < SCREENSHOT_MAX_H ? h : SCREENSHOT_MAX_H, SCREENSHOT_MAX_W, err, errlen);
    free(pixels);
    return ok;
}
