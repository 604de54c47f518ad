/*
 * test_keymap.c - the SDL scancode -> PS/2 key table (frontend/keymap.c):
 * every key of the 104-key (ANSI) and 105-key (ISO) keyboards is mapped,
 * no two keys of one layout share a code, the E0-prefixed keys and the
 * Pause/Print Screen specials are right, and a few keys fed through the
 * PS/2 keyboard model come out as the set-2 bytes a real keyboard sends
 * (Microsoft's Keyboard Scan Code Specification, rev 1.3a).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <SDL2/SDL_scancode.h>

#include "frontend/keymap.h"
#include "hw/ps2.h"

/* The 101 keys ANSI and ISO boards share, then the Windows/Menu keys. */
static const int common_keys[] = {
    SDL_SCANCODE_ESCAPE, SDL_SCANCODE_F1, SDL_SCANCODE_F2, SDL_SCANCODE_F3, SDL_SCANCODE_F4, SDL_SCANCODE_F5,
    SDL_SCANCODE_F6, SDL_SCANCODE_F7, SDL_SCANCODE_F8, SDL_SCANCODE_F9, SDL_SCANCODE_F10, SDL_SCANCODE_F11,
    SDL_SCANCODE_F12, SDL_SCANCODE_PRINTSCREEN, SDL_SCANCODE_SCROLLLOCK, SDL_SCANCODE_PAUSE,
    SDL_SCANCODE_GRAVE, SDL_SCANCODE_1, SDL_SCANCODE_2, SDL_SCANCODE_3, SDL_SCANCODE_4, SDL_SCANCODE_5,
    SDL_SCANCODE_6, SDL_SCANCODE_7, SDL_SCANCODE_8, SDL_SCANCODE_9, SDL_SCANCODE_0, SDL_SCANCODE_MINUS,
    SDL_SCANCODE_EQUALS, SDL_SCANCODE_BACKSPACE, SDL_SCANCODE_TAB, SDL_SCANCODE_Q, SDL_SCANCODE_W,
    SDL_SCANCODE_E, SDL_SCANCODE_R, SDL_SCANCODE_T, SDL_SCANCODE_Y, SDL_SCANCODE_U, SDL_SCANCODE_I,
    SDL_SCANCODE_O, SDL_SCANCODE_P, SDL_SCANCODE_LEFTBRACKET, SDL_SCANCODE_RIGHTBRACKET,
    SDL_SCANCODE_CAPSLOCK, SDL_SCANCODE_A, SDL_SCANCODE_S, SDL_SCANCODE_D, SDL_SCANCODE_F, SDL_SCANCODE_G,
    SDL_SCANCODE_H, SDL_SCANCODE_J, SDL_SCANCODE_K, SDL_SCANCODE_L, SDL_SCANCODE_SEMICOLON,
    SDL_SCANCODE_APOSTROPHE, SDL_SCANCODE_RETURN, SDL_SCANCODE_LSHIFT, SDL_SCANCODE_Z, SDL_SCANCODE_X,
    SDL_SCANCODE_C, SDL_SCANCODE_V, SDL_SCANCODE_B, SDL_SCANCODE_N, SDL_SCANCODE_M, SDL_SCANCODE_COMMA,
    SDL_SCANCODE_PERIOD, SDL_SCANCODE_SLASH, SDL_SCANCODE_RSHIFT, SDL_SCANCODE_LCTRL, SDL_SCANCODE_LALT,
    SDL_SCANCODE_SPACE, SDL_SCANCODE_RALT, SDL_SCANCODE_RCTRL, SDL_SCANCODE_INSERT, SDL_SCANCODE_HOME,
    SDL_SCANCODE_PAGEUP, SDL_SCANCODE_DELETE, SDL_SCANCODE_END, SDL_SCANCODE_PAGEDOWN, SDL_SCANCODE_UP,
    SDL_SCANCODE_LEFT, SDL_SCANCODE_DOWN, SDL_SCANCODE_RIGHT, SDL_SCANCODE_NUMLOCKCLEAR,
    SDL_SCANCODE_KP_DIVIDE, SDL_SCANCODE_KP_MULTIPLY, SDL_SCANCODE_KP_MINUS, SDL_SCANCODE_KP_7,
    SDL_SCANCODE_KP_8, SDL_SCANCODE_KP_9, SDL_SCANCODE_KP_PLUS, SDL_SCANCODE_KP_4, SDL_SCANCODE_KP_5,
    SDL_SCANCODE_KP_6, SDL_SCANCODE_KP_1, SDL_SCANCODE_KP_2, SDL_SCANCODE_KP_3, SDL_SCANCODE_KP_ENTER,
    SDL_SCANCODE_KP_0, SDL_SCANCODE_KP_PERIOD,
    /* the three keys that make 101 into 104 */
    SDL_SCANCODE_LGUI, SDL_SCANCODE_RGUI, SDL_SCANCODE_APPLICATION,
};
#define NCOMMON ((int)(sizeof(common_keys) / sizeof(common_keys[0])))

static void check_layout(const int *extra, int nextra, int want_total)
{
    int keys[128];
    int n = 0;
    for (int i = 0; i < NCOMMON; i++)
        keys[n++] = common_keys[i];
    for (int i = 0; i < nextra; i++)
        keys[n++] = extra[i];
    assert_int_equal(n, want_total);
    for (int i = 0; i < n; i++) {
        uint16_t a = keymap_host_to_ps2(keys[i]);
        if (a == 0)
            fail_msg("SDL scancode %d has no PS/2 key", keys[i]);
        for (int j = 0; j < i; j++)
            if (keymap_host_to_ps2(keys[j]) == a)
                fail_msg("SDL scancodes %d and %d both give PS/2 key 0x%x", keys[j], keys[i], a);
    }
}

/* 104-key ANSI: the common keys plus backslash above Enter. */
static void ansi_104_complete(void **state)
{
    (void)state;
    static const int extra[] = { SDL_SCANCODE_BACKSLASH };
    check_layout(extra, 1, 104);
}

/* 105-key ISO: '#' left of Enter (same position code as ANSI backslash)
 * and the 102nd key '<>' beside left Shift. */
static void iso_105_complete(void **state)
{
    (void)state;
    static const int extra[] = { SDL_SCANCODE_NONUSHASH, SDL_SCANCODE_NONUSBACKSLASH };
    check_layout(extra, 2, 105);
    assert_int_equal(keymap_host_to_ps2(SDL_SCANCODE_NONUSBACKSLASH), 0x56);
    assert_int_equal(keymap_host_to_ps2(SDL_SCANCODE_NONUSHASH), keymap_host_to_ps2(SDL_SCANCODE_BACKSLASH));
}

/* Set-1 codes from the specification: plain keys, E0 keys as 0x1xx. */
static void set1_codes(void **state)
{
    (void)state;
    static const struct {
        int sdl;
        uint16_t key;
    } want[] = {
        { SDL_SCANCODE_ESCAPE, 0x01 },     { SDL_SCANCODE_A, 0x1e },        { SDL_SCANCODE_Z, 0x2c },
        { SDL_SCANCODE_1, 0x02 },          { SDL_SCANCODE_0, 0x0b },        { SDL_SCANCODE_RETURN, 0x1c },
        { SDL_SCANCODE_F10, 0x44 },        { SDL_SCANCODE_F11, 0x57 },      { SDL_SCANCODE_F12, 0x58 },
        { SDL_SCANCODE_LCTRL, 0x1d },      { SDL_SCANCODE_RCTRL, 0x11d },   { SDL_SCANCODE_LALT, 0x38 },
        { SDL_SCANCODE_RALT, 0x138 },      { SDL_SCANCODE_LSHIFT, 0x2a },   { SDL_SCANCODE_RSHIFT, 0x36 },
        { SDL_SCANCODE_LGUI, 0x15b },      { SDL_SCANCODE_RGUI, 0x15c },    { SDL_SCANCODE_APPLICATION, 0x15d },
        { SDL_SCANCODE_INSERT, 0x152 },    { SDL_SCANCODE_DELETE, 0x153 },  { SDL_SCANCODE_HOME, 0x147 },
        { SDL_SCANCODE_END, 0x14f },       { SDL_SCANCODE_PAGEUP, 0x149 },  { SDL_SCANCODE_PAGEDOWN, 0x151 },
        { SDL_SCANCODE_UP, 0x148 },        { SDL_SCANCODE_DOWN, 0x150 },    { SDL_SCANCODE_LEFT, 0x14b },
        { SDL_SCANCODE_RIGHT, 0x14d },     { SDL_SCANCODE_KP_ENTER, 0x11c }, { SDL_SCANCODE_KP_DIVIDE, 0x135 },
        { SDL_SCANCODE_KP_MULTIPLY, 0x37 }, { SDL_SCANCODE_KP_7, 0x47 },    { SDL_SCANCODE_KP_0, 0x52 },
        { SDL_SCANCODE_KP_PERIOD, 0x53 },  { SDL_SCANCODE_NUMLOCKCLEAR, 0x45 }, { SDL_SCANCODE_SCROLLLOCK, 0x46 },
        { SDL_SCANCODE_PRINTSCREEN, PS2_KEY_PRTSCR }, { SDL_SCANCODE_PAUSE, PS2_KEY_PAUSE },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (keymap_host_to_ps2(want[i].sdl) != want[i].key)
            fail_msg("SDL scancode %d: got 0x%x, want 0x%x", want[i].sdl, keymap_host_to_ps2(want[i].sdl),
                     want[i].key);
}

/* Every mapped code is one hw/ps2 can carry: a 7-bit make code, with or
 * without the E0 flag; out-of-range host codes map to nothing. */
static void codes_in_range(void **state)
{
    (void)state;
    for (int s = 0; s < KEYMAP_HOST_KEYS; s++) {
        uint16_t k = keymap_host_to_ps2(s);
        if (k && (k >= 0x200 || (k & 0xff) >= 0x80))
            fail_msg("SDL scancode %d maps to 0x%x", s, k);
    }
    assert_int_equal(keymap_host_to_ps2(-1), 0);
    assert_int_equal(keymap_host_to_ps2(KEYMAP_HOST_KEYS), 0);
    assert_int_equal(keymap_host_to_ps2(SDL_SCANCODE_UNKNOWN), 0);
}

static void nop_notify(void *opaque)
{
    (void)opaque;
}

/* Through the keyboard model in its native set 2: the bytes on the wire. */
static void through_ps2_set2(void **state)
{
    (void)state;
    uint64_t icount = 0;
    Clock clock;
    Ps2Kbd kbd;
    clock_init(&clock, &icount, 1000);
    ps2_kbd_init(&kbd, &clock, nop_notify, NULL);
    static const struct {
        int sdl;
        uint8_t make[4];
        int n;
    } want[] = {
        { SDL_SCANCODE_A, { 0x1c }, 1 },
        { SDL_SCANCODE_NONUSBACKSLASH, { 0x61 }, 1 },
        { SDL_SCANCODE_RCTRL, { 0xe0, 0x14 }, 2 },
        { SDL_SCANCODE_RALT, { 0xe0, 0x11 }, 2 },
        { SDL_SCANCODE_LGUI, { 0xe0, 0x1f }, 2 },
        { SDL_SCANCODE_RGUI, { 0xe0, 0x27 }, 2 },
        { SDL_SCANCODE_APPLICATION, { 0xe0, 0x2f }, 2 },
        { SDL_SCANCODE_KP_DIVIDE, { 0xe0, 0x4a }, 2 },
        { SDL_SCANCODE_KP_ENTER, { 0xe0, 0x5a }, 2 },
        { SDL_SCANCODE_F7, { 0x83 }, 1 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ps2_kbd_key(&kbd, keymap_host_to_ps2(want[i].sdl), true);
        uint8_t got[16];
        int n = 0;
        while (ps2_kbd_has_data(&kbd) && n < 16)
            got[n++] = (uint8_t)ps2_kbd_read(&kbd);
        assert_int_equal(n, want[i].n);
        assert_memory_equal(got, want[i].make, (size_t)n);
        ps2_kbd_key(&kbd, keymap_host_to_ps2(want[i].sdl), false);
        while (ps2_kbd_has_data(&kbd))
            ps2_kbd_read(&kbd);
    }
    /* Print Screen alone: E0 12 E0 7C. */
    ps2_kbd_key(&kbd, keymap_host_to_ps2(SDL_SCANCODE_PRINTSCREEN), true);
    uint8_t got[16];
    int n = 0;
    while (ps2_kbd_has_data(&kbd) && n < 16)
        got[n++] = (uint8_t)ps2_kbd_read(&kbd);
    static const uint8_t prtscr[] = { 0xe0, 0x12, 0xe0, 0x7c };
    assert_int_equal(n, 4);
    assert_memory_equal(got, prtscr, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ansi_104_complete), cmocka_unit_test(iso_105_complete),
        cmocka_unit_test(set1_codes),        cmocka_unit_test(codes_in_range),
        cmocka_unit_test(through_ps2_set2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
