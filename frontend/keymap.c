/*
 * keymap.c - SDL scancode -> PS/2 set-1 key number (see keymap.h).
 *
 * Set-1 codes from the IBM PS/2 keyboard technical reference and
 * Microsoft's "Keyboard Scan Code Specification" (rev 1.3a), which also
 * gives the USB HID usage each key corresponds to; SDL scancodes are those
 * HID usages. The table is written against the numeric usage IDs rather
 * than SDL's enum names so it needs no SDL header and the unit test can
 * check it on its own.
 */
#include "frontend/keymap.h"

#include "hw/ps2.h"

#define E0(x) (0x100 | (x))

static const uint16_t host_to_ps2[KEYMAP_HOST_KEYS] = {
    /* letters: HID 4-29 = A-Z */
    [4] = 0x1e,  [5] = 0x30,  [6] = 0x2e,  [7] = 0x20,  [8] = 0x12,  [9] = 0x21,  [10] = 0x22,
    [11] = 0x23, [12] = 0x17, [13] = 0x24, [14] = 0x25, [15] = 0x26, [16] = 0x32, [17] = 0x31,
    [18] = 0x18, [19] = 0x19, [20] = 0x10, [21] = 0x13, [22] = 0x1f, [23] = 0x14, [24] = 0x16,
    [25] = 0x2f, [26] = 0x11, [27] = 0x2d, [28] = 0x15, [29] = 0x2c,
    /* digits: HID 30-39 = 1-9, 0 */
    [30] = 0x02, [31] = 0x03, [32] = 0x04, [33] = 0x05, [34] = 0x06, [35] = 0x07, [36] = 0x08,
    [37] = 0x09, [38] = 0x0a, [39] = 0x0b,
    [40] = 0x1c, /* Return */
    [41] = 0x01, /* Escape */
    [42] = 0x0e, /* Backspace */
    [43] = 0x0f, /* Tab */
    [44] = 0x39, /* Space */
    [45] = 0x0c, /* - _ */
    [46] = 0x0d, /* = + */
    [47] = 0x1a, /* [ { */
    [48] = 0x1b, /* ] } */
    [49] = 0x2b, /* \ | (US) */
    [50] = 0x2b, /* ISO # ~, the key left of Enter: same position code */
    [51] = 0x27, /* ; : */
    [52] = 0x28, /* ' " */
    [53] = 0x29, /* ` ~ */
    [54] = 0x33, /* , < */
    [55] = 0x34, /* . > */
    [56] = 0x35, /* / ? */
    [57] = 0x3a, /* Caps Lock */
    /* F1-F12 */
    [58] = 0x3b, [59] = 0x3c, [60] = 0x3d, [61] = 0x3e, [62] = 0x3f, [63] = 0x40, [64] = 0x41,
    [65] = 0x42, [66] = 0x43, [67] = 0x44, [68] = 0x57, [69] = 0x58,
    [70] = PS2_KEY_PRTSCR, /* E0 2A E0 37 */
    [71] = 0x46,           /* Scroll Lock */
    [72] = PS2_KEY_PAUSE,  /* E1 1D 45 E1 9D C5 */
    /* the navigation block: all E0-prefixed */
    [73] = E0(0x52), /* Insert */
    [74] = E0(0x47), /* Home */
    [75] = E0(0x49), /* Page Up */
    [76] = E0(0x53), /* Delete */
    [77] = E0(0x4f), /* End */
    [78] = E0(0x51), /* Page Down */
    [79] = E0(0x4d), /* Right */
    [80] = E0(0x4b), /* Left */
    [81] = E0(0x50), /* Down */
    [82] = E0(0x48), /* Up */
    /* keypad */
    [83] = 0x45,     /* Num Lock */
    [84] = E0(0x35), /* KP / */
    [85] = 0x37,     /* KP * */
    [86] = 0x4a,     /* KP - */
    [87] = 0x4e,     /* KP + */
    [88] = E0(0x1c), /* KP Enter */
    [89] = 0x4f, [90] = 0x50, [91] = 0x51, [92] = 0x4b, [93] = 0x4c, [94] = 0x4d, /* KP 1-6 */
    [95] = 0x47, [96] = 0x48, [97] = 0x49, [98] = 0x52, /* KP 7-9, 0 */
    [99] = 0x53,     /* KP . */
    [100] = 0x56,    /* ISO 102nd key < > | */
    [101] = E0(0x5d), /* Menu (Application) */
    [102] = E0(0x5e), /* Power */
    [103] = 0x59,    /* KP = */
    /* F13-F24 (Microsoft's table) */
    [104] = 0x64, [105] = 0x65, [106] = 0x66, [107] = 0x67, [108] = 0x68, [109] = 0x69,
    [110] = 0x6a, [111] = 0x6b, [112] = 0x6c, [113] = 0x6d, [114] = 0x6e, [115] = 0x76,
    [127] = E0(0x20), /* Mute */
    [128] = E0(0x30), /* Volume Up */
    [129] = E0(0x2e), /* Volume Down */
    [133] = 0x7e,     /* KP , (Brazilian) */
    [135] = 0x73,     /* International1: Ro (JIS \ _), ABNT2 / ? */
    [136] = 0x70,     /* International2: Katakana/Hiragana */
    [137] = 0x7d,     /* International3: Yen */
    [138] = 0x79,     /* International4: Henkan */
    [139] = 0x7b,     /* International5: Muhenkan */
    /* Lang1/Lang2 (Hangul, Hanja) send the single bytes F2/F1 with no
     * break code; they have no set-1 key number hw/ps2 can carry. */
    [154] = 0x54,     /* SysReq (Alt + Print Screen) */
    /* modifiers: HID 224-231 */
    [224] = 0x1d,     /* Left Ctrl */
    [225] = 0x2a,     /* Left Shift */
    [226] = 0x38,     /* Left Alt */
    [227] = E0(0x5b), /* Left Windows */
    [228] = E0(0x1d), /* Right Ctrl */
    [229] = 0x36,     /* Right Shift */
    [230] = E0(0x38), /* Right Alt (AltGr) */
    [231] = E0(0x5c), /* Right Windows */
    /* SDL's consumer-page keys (SDL_SCANCODE_AUDIONEXT = 258, ...) */
    [258] = E0(0x19), /* next track */
    [259] = E0(0x10), /* previous track */
    [260] = E0(0x24), /* stop */
    [261] = E0(0x22), /* play/pause */
    [262] = E0(0x20), /* mute (consumer page) */
    [263] = E0(0x6d), /* media select */
    [264] = E0(0x32), /* WWW home */
    [265] = E0(0x6c), /* mail */
    [266] = E0(0x21), /* calculator */
    [267] = E0(0x6b), /* my computer */
    [268] = E0(0x65), /* WWW search */
    [269] = E0(0x32), /* WWW home (AC Home) */
    [270] = E0(0x6a), /* WWW back */
    [271] = E0(0x69), /* WWW forward */
    [272] = E0(0x68), /* WWW stop */
    [273] = E0(0x67), /* WWW refresh */
    [274] = E0(0x66), /* WWW favorites */
    [282] = E0(0x5f), /* Sleep */
};

uint16_t keymap_host_to_ps2(int scancode)
{
    if (scancode < 0 || scancode >= KEYMAP_HOST_KEYS)
        return 0;
    return host_to_ps2[scancode];
}
