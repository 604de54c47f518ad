/*
 * keymap.h - host keys (SDL scancodes, i.e. USB HID usage IDs, which name
 * the key's position, not its label) to the PS/2 keyboard's key numbers:
 * the scancode set 1 make code, plus 0x100 for keys whose set-1 make code
 * is prefixed with E0 (hw/ps2.h numbers them so; Pause and Print Screen
 * are PS2_KEY_PAUSE and PS2_KEY_PRTSCR, whose multi-byte sequences the
 * keyboard model produces).
 *
 * Covers every key of a 104/105-key keyboard (the ISO 102nd key "<>" is
 * 0x56) plus the Japanese/Brazilian extra keys and the common ACPI and
 * multimedia keys.
 */
#ifndef RINGSIDE_KEYMAP_H
#define RINGSIDE_KEYMAP_H

#include <stdint.h>

/* Number of host scancodes the table covers (SDL_NUM_SCANCODES is 512). */
#define KEYMAP_HOST_KEYS 512

/* The PS/2 key number for a host scancode, or 0 when the key has no PS/2
 * equivalent (it is then dropped). */
uint16_t keymap_host_to_ps2(int scancode);

#endif
