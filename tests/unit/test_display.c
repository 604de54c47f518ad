/*
 * test_display.c - the SDL window's geometry (frontend/display.c's pure
 * functions, built here without SDL): where a mode's frame goes in a
 * window and the window size a mode asks for. VGA modes fill the largest
 * centred 4:3 rectangle (320x200 and 640x350 get tall pixels, as on the
 * monitor); VBE modes keep square pixels; -display sdl,scale=integer draws
 * square pixels at the largest whole multiple that fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "frontend/display.h"

static void rect_is(DisplayRect r, int x, int y, int w, int h)
{
    assert_int_equal(r.x, x);
    assert_int_equal(r.y, y);
    assert_int_equal(r.w, w);
    assert_int_equal(r.h, h);
}

static void aspect_4_3_for_vga_modes(void **state)
{
    (void)state;
    /* 320x200 and 640x350 in a 4:3 window fill it */
    rect_is(display_dest_rect(320, 200, false, false, 640, 480), 0, 0, 640, 480);
    rect_is(display_dest_rect(640, 350, false, false, 1024, 768), 0, 0, 1024, 768);
    rect_is(display_dest_rect(720, 400, false, false, 800, 600), 0, 0, 800, 600);
    /* wide window: pillarbox, centred */
    rect_is(display_dest_rect(320, 200, false, false, 1920, 1080), 240, 0, 1440, 1080);
    /* tall window: letterbox */
    rect_is(display_dest_rect(640, 350, false, false, 800, 1000), 0, 200, 800, 600);
    /* VBE: square pixels */
    rect_is(display_dest_rect(800, 600, true, false, 1920, 1080), 240, 0, 1440, 1080);
    rect_is(display_dest_rect(1280, 1024, true, false, 1280, 1280), 0, 128, 1280, 1024);
    /* nothing shown, or an empty window */
    rect_is(display_dest_rect(0, 0, false, false, 640, 480), 0, 0, 0, 0);
    rect_is(display_dest_rect(320, 200, false, false, 0, 0), 0, 0, 0, 0);
}

static void integer_scaling(void **state)
{
    (void)state;
    /* the largest whole multiple that fits, centred */
    rect_is(display_dest_rect(320, 200, false, true, 1920, 1080), 160, 40, 1600, 1000);
    rect_is(display_dest_rect(720, 400, false, true, 1920, 1080), 240, 140, 1440, 800);
    rect_is(display_dest_rect(640, 350, false, true, 1279, 1000), 319, 325, 640, 350);
    rect_is(display_dest_rect(1024, 768, true, true, 1920, 1080), 448, 156, 1024, 768);
    rect_is(display_dest_rect(320, 200, false, true, 640, 400), 0, 0, 640, 400);
    rect_is(display_dest_rect(320, 200, false, true, 639, 400), 159, 100, 320, 200);
    /* smaller than 1x: scaled down with square pixels */
    rect_is(display_dest_rect(1024, 768, true, true, 512, 768), 0, 192, 512, 384);
    rect_is(display_dest_rect(720, 400, false, true, 360, 400), 0, 100, 360, 200);
}

static void window_sizes(void **state)
{
    (void)state;
    int w, h;
    display_window_size(320, 200, false, false, 1, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    display_window_size(640, 350, false, false, 1, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    display_window_size(720, 400, false, false, 2, &w, &h);
    assert_int_equal(w, 1440);
    assert_int_equal(h, 1080);
    display_window_size(1024, 768, true, false, 1, &w, &h);
    assert_int_equal(w, 1024);
    assert_int_equal(h, 768);
    display_window_size(320, 200, false, true, 1, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 400);
    display_window_size(720, 400, false, true, 1, &w, &h);
    assert_int_equal(w, 720);
    assert_int_equal(h, 400);
    display_window_size(0, 0, false, false, 0, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aspect_4_3_for_vga_modes),
        cmocka_unit_test(integer_scaling),
        cmocka_unit_test(window_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
