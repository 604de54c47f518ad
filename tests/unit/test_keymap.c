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
#include <stdio.h>
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

/*
 * Every key of the 104/105-key boards with its make code in set 1 and in
 * set 2, written out from Microsoft's Keyboard Scan Code Specification
 * (rev 1.3a, appendix) independently of keymap.c and hw/ps2.c's tables.
 * E0-prefixed keys have the prefix in both sets; Print Screen and Pause,
 * whose sequences are special, are checked in special_sequences.
 */
static const struct {
    int sdl;
    uint8_t e0, set1, set2;
} scan_table[] = {
    { SDL_SCANCODE_ESCAPE, 0, 0x01, 0x76 },  { SDL_SCANCODE_F1, 0, 0x3b, 0x05 },
    { SDL_SCANCODE_F2, 0, 0x3c, 0x06 },      { SDL_SCANCODE_F3, 0, 0x3d, 0x04 },
    { SDL_SCANCODE_F4, 0, 0x3e, 0x0c },      { SDL_SCANCODE_F5, 0, 0x3f, 0x03 },
    { SDL_SCANCODE_F6, 0, 0x40, 0x0b },      { SDL_SCANCODE_F7, 0, 0x41, 0x83 },
    { SDL_SCANCODE_F8, 0, 0x42, 0x0a },      { SDL_SCANCODE_F9, 0, 0x43, 0x01 },
    { SDL_SCANCODE_F10, 0, 0x44, 0x09 },     { SDL_SCANCODE_F11, 0, 0x57, 0x78 },
    { SDL_SCANCODE_F12, 0, 0x58, 0x07 },     { SDL_SCANCODE_SCROLLLOCK, 0, 0x46, 0x7e },
    { SDL_SCANCODE_GRAVE, 0, 0x29, 0x0e },   { SDL_SCANCODE_1, 0, 0x02, 0x16 },
    { SDL_SCANCODE_2, 0, 0x03, 0x1e },       { SDL_SCANCODE_3, 0, 0x04, 0x26 },
    { SDL_SCANCODE_4, 0, 0x05, 0x25 },       { SDL_SCANCODE_5, 0, 0x06, 0x2e },
    { SDL_SCANCODE_6, 0, 0x07, 0x36 },       { SDL_SCANCODE_7, 0, 0x08, 0x3d },
    { SDL_SCANCODE_8, 0, 0x09, 0x3e },       { SDL_SCANCODE_9, 0, 0x0a, 0x46 },
    { SDL_SCANCODE_0, 0, 0x0b, 0x45 },       { SDL_SCANCODE_MINUS, 0, 0x0c, 0x4e },
    { SDL_SCANCODE_EQUALS, 0, 0x0d, 0x55 },  { SDL_SCANCODE_BACKSPACE, 0, 0x0e, 0x66 },
    { SDL_SCANCODE_TAB, 0, 0x0f, 0x0d },     { SDL_SCANCODE_Q, 0, 0x10, 0x15 },
    { SDL_SCANCODE_W, 0, 0x11, 0x1d },       { SDL_SCANCODE_E, 0, 0x12, 0x24 },
    { SDL_SCANCODE_R, 0, 0x13, 0x2d },       { SDL_SCANCODE_T, 0, 0x14, 0x2c },
    { SDL_SCANCODE_Y, 0, 0x15, 0x35 },       { SDL_SCANCODE_U, 0, 0x16, 0x3c },
    { SDL_SCANCODE_I, 0, 0x17, 0x43 },       { SDL_SCANCODE_O, 0, 0x18, 0x44 },
    { SDL_SCANCODE_P, 0, 0x19, 0x4d },       { SDL_SCANCODE_LEFTBRACKET, 0, 0x1a, 0x54 },
    { SDL_SCANCODE_RIGHTBRACKET, 0, 0x1b, 0x5b }, { SDL_SCANCODE_BACKSLASH, 0, 0x2b, 0x5d },
    { SDL_SCANCODE_CAPSLOCK, 0, 0x3a, 0x58 }, { SDL_SCANCODE_A, 0, 0x1e, 0x1c },
    { SDL_SCANCODE_S, 0, 0x1f, 0x1b },       { SDL_SCANCODE_D, 0, 0x20, 0x23 },
    { SDL_SCANCODE_F, 0, 0x21, 0x2b },       { SDL_SCANCODE_G, 0, 0x22, 0x34 },
    { SDL_SCANCODE_H, 0, 0x23, 0x33 },       { SDL_SCANCODE_J, 0, 0x24, 0x3b },
    { SDL_SCANCODE_K, 0, 0x25, 0x42 },       { SDL_SCANCODE_L, 0, 0x26, 0x4b },
    { SDL_SCANCODE_SEMICOLON, 0, 0x27, 0x4c }, { SDL_SCANCODE_APOSTROPHE, 0, 0x28, 0x52 },
    { SDL_SCANCODE_RETURN, 0, 0x1c, 0x5a },  { SDL_SCANCODE_LSHIFT, 0, 0x2a, 0x12 },
    { SDL_SCANCODE_Z, 0, 0x2c, 0x1a },       { SDL_SCANCODE_X, 0, 0x2d, 0x22 },
    { SDL_SCANCODE_C, 0, 0x2e, 0x21 },       { SDL_SCANCODE_V, 0, 0x2f, 0x2a },
    { SDL_SCANCODE_B, 0, 0x30, 0x32 },       { SDL_SCANCODE_N, 0, 0x31, 0x31 },
    { SDL_SCANCODE_M, 0, 0x32, 0x3a },       { SDL_SCANCODE_COMMA, 0, 0x33, 0x41 },
    { SDL_SCANCODE_PERIOD, 0, 0x34, 0x49 },  { SDL_SCANCODE_SLASH, 0, 0x35, 0x4a },
    { SDL_SCANCODE_RSHIFT, 0, 0x36, 0x59 },  { SDL_SCANCODE_LCTRL, 0, 0x1d, 0x14 },
    { SDL_SCANCODE_LGUI, 1, 0x5b, 0x1f },    { SDL_SCANCODE_LALT, 0, 0x38, 0x11 },
    { SDL_SCANCODE_SPACE, 0, 0x39, 0x29 },   { SDL_SCANCODE_RALT, 1, 0x38, 0x11 },
    { SDL_SCANCODE_RGUI, 1, 0x5c, 0x27 },    { SDL_SCANCODE_APPLICATION, 1, 0x5d, 0x2f },
    { SDL_SCANCODE_RCTRL, 1, 0x1d, 0x14 },   { SDL_SCANCODE_INSERT, 1, 0x52, 0x70 },
    { SDL_SCANCODE_HOME, 1, 0x47, 0x6c },    { SDL_SCANCODE_PAGEUP, 1, 0x49, 0x7d },
    { SDL_SCANCODE_DELETE, 1, 0x53, 0x71 },  { SDL_SCANCODE_END, 1, 0x4f, 0x69 },
    { SDL_SCANCODE_PAGEDOWN, 1, 0x51, 0x7a }, { SDL_SCANCODE_UP, 1, 0x48, 0x75 },
    { SDL_SCANCODE_LEFT, 1, 0x4b, 0x6b },    { SDL_SCANCODE_DOWN, 1, 0x50, 0x72 },
    { SDL_SCANCODE_RIGHT, 1, 0x4d, 0x74 },   { SDL_SCANCODE_NUMLOCKCLEAR, 0, 0x45, 0x77 },
    { SDL_SCANCODE_KP_DIVIDE, 1, 0x35, 0x4a }, { SDL_SCANCODE_KP_MULTIPLY, 0, 0x37, 0x7c },
    { SDL_SCANCODE_KP_MINUS, 0, 0x4a, 0x7b }, { SDL_SCANCODE_KP_7, 0, 0x47, 0x6c },
    { SDL_SCANCODE_KP_8, 0, 0x48, 0x75 },    { SDL_SCANCODE_KP_9, 0, 0x49, 0x7d },
    { SDL_SCANCODE_KP_PLUS, 0, 0x4e, 0x79 }, { SDL_SCANCODE_KP_4, 0, 0x4b, 0x6b },
    { SDL_SCANCODE_KP_5, 0, 0x4c, 0x73 },    { SDL_SCANCODE_KP_6, 0, 0x4d, 0x74 },
    { SDL_SCANCODE_KP_1, 0, 0x4f, 0x69 },    { SDL_SCANCODE_KP_2, 0, 0x50, 0x72 },
    { SDL_SCANCODE_KP_3, 0, 0x51, 0x7a },    { SDL_SCANCODE_KP_ENTER, 1, 0x1c, 0x5a },
    { SDL_SCANCODE_KP_0, 0, 0x52, 0x70 },    { SDL_SCANCODE_KP_PERIOD, 0, 0x53, 0x71 },
    /* ISO: the key left of Enter and the 102nd key */
    { SDL_SCANCODE_NONUSHASH, 0, 0x2b, 0x5d }, { SDL_SCANCODE_NONUSBACKSLASH, 0, 0x56, 0x61 },
};
#define NSCAN ((int)(sizeof(scan_table) / sizeof(scan_table[0])))

typedef struct Kb {
    uint64_t icount;
    Clock clock;
    Ps2Kbd kbd;
} Kb;

static void kb_init(Kb *t, uint8_t set)
{
    memset(t, 0, sizeof(*t));
    clock_init(&t->clock, &t->icount, 1000);
    ps2_kbd_init(&t->kbd, &t->clock, nop_notify, NULL);
    if (set != 2) {
        ps2_kbd_write(&t->kbd, 0xf0);
        ps2_kbd_write(&t->kbd, set);
        while (ps2_kbd_has_data(&t->kbd))
            ps2_kbd_read(&t->kbd);
    }
}

/* One key pressed and released; its bytes in got (guest time moves on
 * past the keyboard's gap between held-back events). */
static int kb_stroke(Kb *t, int sdl, uint8_t *got)
{
    int n = 0;
    ps2_kbd_key(&t->kbd, keymap_host_to_ps2(sdl), true);
    ps2_kbd_key(&t->kbd, keymap_host_to_ps2(sdl), false);
    for (int guard = 0; guard < 100; guard++) {
        while (ps2_kbd_has_data(&t->kbd) && n < 32)
            got[n++] = (uint8_t)ps2_kbd_read(&t->kbd);
        if (!t->kbd.keyq_count)
            break;
        t->icount += PS2_KEY_GAP_NS;
        clock_run_due(&t->clock);
    }
    return n;
}

static void fail_bytes(const char *what, int sdl, const uint8_t *want, int nw, const uint8_t *got, int ng)
{
    char w[64] = "", g[128] = "";
    for (int i = 0; i < nw; i++)
        snprintf(w + strlen(w), sizeof(w) - strlen(w), " %02x", want[i]);
    for (int i = 0; i < ng && i < 32; i++)
        snprintf(g + strlen(g), sizeof(g) - strlen(g), " %02x", got[i]);
    fail_msg("%s: SDL scancode %d: want%s, got%s", what, sdl, w, g);
}

/* Set 2, the keyboard's own: make, then F0 + make, with E0 first for the
 * extended keys. */
static void every_key_set2(void **state)
{
    (void)state;
    Kb t;
    kb_init(&t, 2);
    /* the 104 ANSI keys but Print Screen and Pause, + the two ISO keys */
    assert_int_equal(NSCAN, 104);
    for (int i = 0; i < NSCAN; i++) {
        uint8_t want[8], got[32];
        int nw = 0;
        if (scan_table[i].e0)
            want[nw++] = 0xe0;
        want[nw++] = scan_table[i].set2;
        if (scan_table[i].e0)
            want[nw++] = 0xe0;
        want[nw++] = 0xf0;
        want[nw++] = scan_table[i].set2;
        int ng = kb_stroke(&t, scan_table[i].sdl, got);
        if (ng != nw || memcmp(got, want, (size_t)nw))
            fail_bytes("set 2", scan_table[i].sdl, want, nw, got, ng);
    }
}

/* Set 1: make, then make | 0x80, with E0 first for the extended keys. */
static void every_key_set1(void **state)
{
    (void)state;
    Kb t;
    kb_init(&t, 1);
    for (int i = 0; i < NSCAN; i++) {
        uint8_t want[8], got[32];
        int nw = 0;
        if (scan_table[i].e0)
            want[nw++] = 0xe0;
        want[nw++] = scan_table[i].set1;
        if (scan_table[i].e0)
            want[nw++] = 0xe0;
        want[nw++] = scan_table[i].set1 | 0x80;
        int ng = kb_stroke(&t, scan_table[i].sdl, got);
        if (ng != nw || memcmp(got, want, (size_t)nw))
            fail_bytes("set 1", scan_table[i].sdl, want, nw, got, ng);
    }
}

/* The 8042's translation of each key's set-2 bytes gives its set-1
 * bytes (what a guest sees with translation on, as PCs boot). */
static void every_key_translated(void **state)
{
    (void)state;
    for (int i = 0; i < NSCAN; i++) {
        assert_int_equal(ps2_translate(scan_table[i].set2), scan_table[i].set1);
        assert_int_equal(ps2_set1_to_set2(scan_table[i].set1), scan_table[i].set2);
    }
}

/* Print Screen and Pause: their multi-byte sequences in both sets; Pause
 * has no break code. */
static void special_sequences(void **state)
{
    (void)state;
    static const uint8_t prt1[] = { 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa };
    static const uint8_t prt2[] = { 0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
    static const uint8_t pause1[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
    static const uint8_t pause2[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
    Kb t;
    uint8_t got[32];
    int n;
    kb_init(&t, 1);
    n = kb_stroke(&t, SDL_SCANCODE_PRINTSCREEN, got);
    if (n != (int)sizeof(prt1) || memcmp(got, prt1, sizeof(prt1)))
        fail_bytes("set 1", SDL_SCANCODE_PRINTSCREEN, prt1, (int)sizeof(prt1), got, n);
    n = kb_stroke(&t, SDL_SCANCODE_PAUSE, got);
    if (n != (int)sizeof(pause1) || memcmp(got, pause1, sizeof(pause1)))
        fail_bytes("set 1", SDL_SCANCODE_PAUSE, pause1, (int)sizeof(pause1), got, n);
    kb_init(&t, 2);
    n = kb_stroke(&t, SDL_SCANCODE_PRINTSCREEN, got);
    if (n != (int)sizeof(prt2) || memcmp(got, prt2, sizeof(prt2)))
        fail_bytes("set 2", SDL_SCANCODE_PRINTSCREEN, prt2, (int)sizeof(prt2), got, n);
    n = kb_stroke(&t, SDL_SCANCODE_PAUSE, got);
    if (n != (int)sizeof(pause2) || memcmp(got, pause2, sizeof(pause2)))
        fail_bytes("set 2", SDL_SCANCODE_PAUSE, pause2, (int)sizeof(pause2), got, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ansi_104_complete), cmocka_unit_test(iso_105_complete),
        cmocka_unit_test(set1_codes),        cmocka_unit_test(codes_in_range),
        cmocka_unit_test(through_ps2_set2),  cmocka_unit_test(every_key_set2),
        cmocka_unit_test(every_key_set1),    cmocka_unit_test(every_key_translated),
        cmocka_unit_test(special_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
