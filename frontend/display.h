/*
 * display.h - the SDL2 window: shows the VGA frame scaled to the window
 * with the monitor's aspect ratio, and turns host keyboard and mouse events
 * into PS/2 input for the guest.
 *
 * The frontend calls display_refresh and display_poll from a virtual-clock
 * event at about 60 Hz of guest time, and display_pace there to keep guest
 * time from running ahead of wall time while a window is shown.
 * Built without SDL2 (no HAVE_SDL), display_create fails with a reason.
 */
#ifndef RINGSIDE_DISPLAY_H
#define RINGSIDE_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/vga.h"
#include "mmu/mem.h"

typedef struct DisplayConfig {
    const char *title;  /* window title prefix; NULL: "Ringside" */
    int scale;          /* initial window size: this many times the mode's (0 = 1) */
    bool integer_scale; /* whole multiples of the mode's pixels, square, centred */
    bool fullscreen;    /* start full-screen (Ctrl+Alt+F toggles) */
} DisplayConfig;

/* Where input goes. key: a PS/2 key number (hw/ps2.h: set-1 make code,
 * +0x100 for E0 keys), already free of host auto-repeat. mouse: relative
 * motion in PS/2 sense (dy positive = up, dz positive = wheel towards the
 * user), buttons as PS2_MOUSE_* bits. */
typedef struct DisplayInput {
    void *opaque;
    void (*key)(void *opaque, uint16_t key, bool down);
    void (*mouse)(void *opaque, int dx, int dy, int dz, int buttons);
} DisplayInput;

typedef struct Display Display;

/* Geometry (pure functions, also built without SDL). The window size a
 * mode of w x h (0 x 0: nothing shown yet) asks for: VGA modes 4:3 (tall
 * pixels for 320x200, 640x350, 720x400), VBE modes square, integer_scale
 * square at 2x below 640 pixels across; times scale. */
void display_window_size(int w, int h, bool vbe, bool integer_scale, int scale, int *ww, int *wh);

typedef struct DisplayRect {
    int x, y, w, h;
} DisplayRect;
/* Where that mode's frame goes in an out_w x out_h window, centred: the
 * largest 4:3 (VGA) or square-pixel (VBE) rectangle that fits, or with
 * integer_scale the largest whole multiple of square pixels that fits
 * (square pixels scaled down to fit when not even 1x does). */
DisplayRect display_dest_rect(int w, int h, bool vbe, bool integer_scale, int out_w, int out_h);

/* Whether a window could be opened here: $DISPLAY or $WAYLAND_DISPLAY set
 * and SDL2 built in. (Creating the window is the real test.) */
bool display_possible(void);

Display *display_create(const DisplayConfig *cfg, const char **err);
void display_destroy(Display *d);

/* Redraw if the VGA changed (vga_dirty, or dirty pages of the VBE linear
 * framebuffer in mem) and present. */
void display_refresh(Display *d, Vga *v, PhysMem *mem);

/* Handle pending host events, sending input to sink. Returns false when
 * the user closed the window (the run should end). */
bool display_poll(Display *d, const DisplayInput *sink);

/* The machine's state for the title. */
void display_set_paused(Display *d, bool paused);

/* Sleep so that guest_ns of guest time does not run ahead of wall time
 * since the first call. A guest that fell behind (slow emulation) is not
 * made to catch up: the reference is moved instead. */
void display_pace(Display *d, uint64_t guest_ns);

#endif
