/*
 * test_screenshot.c - frontend/screenshot.c: a known frame written as PNG
 * and decoded again with libpng gives back the same pixels, at the same
 * size, for a wide and an odd-sized frame read out of a larger buffer;
 * an unwritable path fails with a reason and leaves no file; and
 * screenshot_vga of an 80x25 text screen (registers and planes set
 * directly) is a 720x400 PNG equal to vga_render's frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>

#include "frontend/screenshot.h"

/* Decode an 8-bit RGB PNG into 0x00RRGGBB with libpng's simplified API. */
static uint32_t *decode(const char *path, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        fail_msg("decode %s: %s", path, img.message);
    img.format = PNG_FORMAT_RGB;
    uint8_t *rgb = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(rgb);
    if (!png_image_finish_read(&img, NULL, rgb, 0, NULL))
        fail_msg("decode %s: %s", path, img.message);
    *w = (int)img.width;
    *h = (int)img.height;
    uint32_t *px = malloc((size_t)*w * (size_t)*h * 4);
    assert_non_null(px);
    for (size_t i = 0; i < (size_t)*w * (size_t)*h; i++)
        px[i] = (uint32_t)rgb[i * 3] << 16 | (uint32_t)rgb[i * 3 + 1] << 8 | rgb[i * 3 + 2];
    free(rgb);
    return px;
}

/* A frame with every channel value and independent channels. */
static uint32_t pattern(int x, int y)
{
    uint32_t r = (uint32_t)(x * 7 + y) & 0xff, g = (uint32_t)(y * 3) & 0xff, b = (uint32_t)(x ^ y) & 0xff;
    return r << 16 | g << 8 | b;
}

static void roundtrip(int w, int h, int stride)
{
    char path[] = "/tmp/ringside-shot-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    uint32_t *px = calloc((size_t)stride * (size_t)h, 4);
    assert_non_null(px);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < stride; x++)
            px[(size_t)y * (size_t)stride + (size_t)x] = x < w ? pattern(x, y) : 0xdeadbeef;
    char err[256];
    if (!screenshot_write_png(path, px, w, h, (size_t)stride, err, sizeof(err)))
        fail_msg("write: %s", err);
    int gw, gh;
    uint32_t *got = decode(path, &gw, &gh);
    assert_int_equal(gw, w);
    assert_int_equal(gh, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (got[(size_t)y * (size_t)w + (size_t)x] != pattern(x, y))
                fail_msg("pixel (%d,%d): got %06x want %06x", x, y, got[(size_t)y * (size_t)w + (size_t)x],
                         pattern(x, y));
    free(got);
    free(px);
    unlink(path);
}

static void text_frame_roundtrip(void **state)
{
    (void)state;
    roundtrip(720, 400, 720);
}

static void odd_frame_with_stride(void **state)
{
    (void)state;
    roundtrip(317, 203, 1024);
}

/* Mode 03h register values (IBM VGA BIOS), set straight into the struct. */
static void set_mode03(Vga *v)
{
    static const uint8_t seq[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
    static const uint8_t crtc[25] = { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
                                      0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                                      0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff };
    static const uint8_t gc[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff };
    static const uint8_t ac[21] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                    0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00 };
    v->misc = 0x67;
    memcpy(v->seq, seq, sizeof(seq));
    memcpy(v->crtc, crtc, sizeof(crtc));
    memcpy(v->gc, gc, sizeof(gc));
    memcpy(v->ar, ac, sizeof(ac));
    v->ar_index = 0x20; /* palette address source: the screen is on */
    for (int i = 0; i < 64; i++) {
        /* the EGA-compatible 64-colour palette: rgbRGB bits */
        v->dac[i][0] = (uint8_t)(((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15);
        v->dac[i][1] = (uint8_t)(((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15);
        v->dac[i][2] = (uint8_t)((i & 1) * 0x2a + ((i >> 3) & 1) * 0x15);
    }
}

static void vga_text_screenshot(void **state)
{
    (void)state;
    IoBus bus;
    Clock clock;
    uint64_t icount = 0;
    const char *merr;
    bus_init(&bus);
    clock_init(&clock, &icount, 1000);
    PhysMem *mem = mem_create(1u << 20, &merr);
    assert_non_null(mem);
    Vga *v = calloc(1, sizeof(*v));
    assert_true(vga_init(v, &bus, &clock, mem));
    set_mode03(v);
    /* characters and attributes in planes 0/1, a font in plane 2 */
    uint32_t seed = 12345;
    for (uint32_t o = 0; o < 80 * 25; o++) {
        seed = seed * 1103515245u + 12345u;
        v->vram[(o << 2) | 0] = (uint8_t)(seed >> 16);
        v->vram[(o << 2) | 1] = (uint8_t)(seed >> 24);
    }
    for (uint32_t o = 0; o < 256 * 32; o++) {
        seed = seed * 1103515245u + 12345u;
        v->vram[(o << 2) | 2] = (uint8_t)(seed >> 20);
    }
    uint32_t *want = calloc(720 * 400, 4);
    int w, h;
    assert_true(vga_render(v, want, 720, 400, &w, &h));
    assert_int_equal(w, 720);
    assert_int_equal(h, 400);
    char path[] = "/tmp/ringside-vga-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    if (!screenshot_vga(v, path, err, sizeof(err)))
        fail_msg("screenshot_vga: %s", err);
    int gw, gh;
    uint32_t *got = decode(path, &gw, &gh);
    assert_int_equal(gw, 720);
    assert_int_equal(gh, 400);
    assert_memory_equal(got, want, 720 * 400 * 4);
    unlink(path);
    free(got);
    free(want);
    vga_free(v);
    free(v);
    mem_destroy(mem);
}

static void bad_path_fails(void **state)
{
    (void)state;
    uint32_t px[4] = { 0 };
    char err[256] = "";
    assert_false(screenshot_write_png("/nonexistent-dir/x.png", px, 2, 2, 2, err, sizeof(err)));
    assert_true(strstr(err, "/nonexistent-dir/x.png") != NULL);
    assert_false(screenshot_write_png("/tmp/ringside-empty.png", px, 0, 2, 2, err, sizeof(err)));
    assert_int_equal(access("/tmp/ringside-empty.png", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_frame_roundtrip),
        cmocka_unit_test(odd_frame_with_stride),
        cmocka_unit_test(bad_path_fails),
        cmocka_unit_test(vga_text_screenshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
