/*
 * ps2.h - the PS/2 keyboard and mouse as devices on the far end of the
 * i8042's two serial ports. Each has a 16-byte output queue the controller
 * drains one byte at a time (ps2_*_read), takes bytes from the host through
 * ps2_*_write, and calls its notify hook when it has queued something, so
 * the controller can move it into its output buffer.
 *
 * Input from the frontend:
 *  - ps2_kbd_key(k, key, down): key is the set-1 make code, plus 0x100 for
 *    E0-prefixed keys (right Ctrl = 0x11d, Print Screen = 0x137, Pause =
 *    PS2_KEY_PAUSE = 0x146, as QEMU's and Linux's tables number them). The
 *    keyboard emits the bytes of its current scancode set (set 2 natively)
 *    and repeats the last key held on the virtual clock at the guest's
 *    typematic rate; host auto-repeat must not be passed in (a down for a
 *    key already down is ignored). A key event that comes while bytes of
 *    earlier ones are still queued waits, whole, in keyq until the
 *    controller has taken the last of them and PS2_KEY_GAP_NS has passed
 *    since the event before it: the host delivers input in
 *    bursts (a poll every 1/60 s of guest time, which can be a second of
 *    wall time for a guest running slower than real time), faster than
 *    any typist, and a 16-byte buffer filled in one go would overflow.
 *  - ps2_mouse_event(m, dx, dy, dz, buttons): relative counts in the PS/2
 *    sense: dx right, dy UP (the frontend negates screen y), dz positive =
 *    wheel towards the user (scroll down); buttons bit 0 left, 1 right,
 *    2 middle, 3 and 4 the side buttons (reported only in the 5-button
 *    mode, ID 4).
 */
#ifndef RINGSIDE_PS2_H
#define RINGSIDE_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/clock.h"

#define PS2_QUEUE_SIZE 16
/* Host key events held back while the keyboard's byte queue is not empty
 * (see ps2_kbd_key); presses are refused when fewer than
 * PS2_KEYQ_RELEASE_ROOM slots are left, so releases always fit. */
#define PS2_KEYQ_SIZE 1024
#define PS2_KEYQ_RELEASE_ROOM 64
#define PS2_KEYQ_DOWN 0x8000
/* Guest time between held-back events: a key's bytes take about this long
 * on the 10-16 kHz serial line, and it gives a guest that reads the
 * keyboard through the BIOS (whose buffer holds 15 keys) time to take
 * each key before the next arrives. */
#define PS2_KEY_GAP_NS 1000000ull

#define PS2_ACK 0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa

#define PS2_KEY_PAUSE 0x146
#define PS2_KEY_PRTSCR 0x137

#define PS2_MOUSE_LEFT 0x01
#define PS2_MOUSE_RIGHT 0x02
#define PS2_MOUSE_MIDDLE 0x04
#define PS2_MOUSE_BUTTON4 0x08
#define PS2_MOUSE_BUTTON5 0x10

typedef struct Ps2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    int rptr, count;
} Ps2Queue;

typedef void (*Ps2NotifyFn)(void *opaque);

typedef struct Ps2Kbd {
    Clock *clock;
    Ps2NotifyFn notify;
    void *opaque;
    Ps2Queue q;
    uint8_t last;      /* last byte handed to the controller, for 0xfe */
    uint8_t param_cmd; /* command waiting for its parameter byte, or 0 */
    bool scanning;     /* 0xf4/0xf5 */
    uint8_t set;       /* scancode set 1, 2 or 3 */
    uint8_t leds;
    uint8_t typematic;     /* 0xf3 byte: bits 0-4 rate, 5-6 delay */
    uint8_t down[512 / 8]; /* keys held as the guest was told, by key number */
    uint16_t repeat_key;   /* key repeating, 0 = none */
    Event repeat;
    /* Host key events waiting for the byte queue to empty (key number,
     * PS2_KEYQ_DOWN for a press), and the keys held once they are sent. */
    uint16_t keyq[PS2_KEYQ_SIZE];
    int keyq_rptr, keyq_count;
    uint8_t host_down[512 / 8];
    uint64_t key_sent; /* guest time the last key event was sent */
    Event feed;        /* the next held-back event is due */
} Ps2Kbd;

enum { PS2_MOUSE_STREAM, PS2_MOUSE_REMOTE, PS2_MOUSE_WRAP };

typedef struct Ps2Mouse {
    Clock *clock;
    Ps2NotifyFn notify;
    void *opaque;
    Ps2Queue q;
    uint8_t last;
    uint8_t param_cmd;
    uint8_t mode, wrap_prev; /* PS2_MOUSE_*; the mode to return to from wrap */
    bool reporting;
    bool scale21;
    uint8_t resolution;   /* 0-3: 1, 2, 4, 8 counts/mm */
    uint8_t rate;         /* samples per second */
    uint8_t id;           /* 0, 3 (wheel) or 4 (wheel + 5 buttons) */
    uint8_t knock[3];     /* the last three sample rates set */
    int32_t dx, dy, dz;   /* motion not reported yet */
    uint8_t buttons;      /* PS2_MOUSE_* held now */
    uint8_t sent_buttons; /* as in the last packet */
    Event sample;
} Ps2Mouse;

void ps2_kbd_init(Ps2Kbd *k, Clock *clock, Ps2NotifyFn notify, void *opaque);
/* Power-on state: set 2, scanning on, default typematic, queue empty. */
void ps2_kbd_reset(Ps2Kbd *k);
/* A byte from the controller (a command or a command's parameter). */
void ps2_kbd_write(Ps2Kbd *k, uint8_t val);
bool ps2_kbd_has_data(const Ps2Kbd *k);
/* Next byte for the controller; -1 when the queue is empty. */
int ps2_kbd_read(Ps2Kbd *k);
void ps2_kbd_key(Ps2Kbd *k, uint16_t key, bool down);
/* Typematic repeat period and delay in ns for a 0xf3 byte. */
uint64_t ps2_typematic_period_ns(uint8_t typematic);
uint64_t ps2_typematic_delay_ns(uint8_t typematic);
/* The set-2 code of a set-1 key number (low 7 bits; 0 if none). */
uint8_t ps2_set1_to_set2(uint8_t code);
/* The i8042's set 2 -> set 1 translation of one byte (0xf0 excluded). */
uint8_t ps2_translate(uint8_t code);

void ps2_mouse_init(Ps2Mouse *m, Clock *clock, Ps2NotifyFn notify, void *opaque);
void ps2_mouse_reset(Ps2Mouse *m);
void ps2_mouse_write(Ps2Mouse *m, uint8_t val);
bool ps2_mouse_has_data(const Ps2Mouse *m);
int ps2_mouse_read(Ps2Mouse *m);
void ps2_mouse_event(Ps2Mouse *m, int dx, int dy, int dz, unsigned buttons);

#endif
