/*
 * display.c - the SDL2 window (see display.h).
 *
 * Drawing: vga_render produces the mode's frame at its own resolution
 * (720x400 text, 320x200 for mode 13h, the VBE size); it is rendered only
 * when the VGA says something changed (its dirty generation, or dirty
 * pages of the VBE linear framebuffer, which guest writes reach without
 * passing through the VGA), compared row by row with the previous frame,
 * and only the band of changed rows is uploaded to the streaming texture.
 * A mode change recreates the texture and resizes the window.
 *
 * Aspect: a VGA monitor shows every mode on the same 4:3 tube, so VGA
 * modes are stretched to 4:3 (320x200 and 640x400/350 get their tall
 * pixels); VBE modes have square pixels. Integer scaling instead draws
 * square pixels at the largest whole multiple that fits.
 *
 * Input: keys by position (SDL scancodes through keymap.c), host
 * auto-repeat dropped (the PS/2 keyboard repeats at the guest's typematic
 * rate), every key sent down is remembered so losing focus can release it.
 * The mouse is grabbed by a click (relative mode) and released with
 * Ctrl+Alt+G; Ctrl+Alt+F toggles full screen. Those two hotkeys are not
 * passed to the guest.
 */
#include "frontend/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool display_possible(void)
{
#ifdef HAVE_SDL
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w);
#else
    return false;
#endif
}

/* ---- geometry (pure: unit-tested without SDL) ------------------------ */

void display_window_size(int w, int h, bool vbe, bool integer_scale, int scale, int *ww, int *wh)
{
    if (w <= 0 || h <= 0) {
        w = 640;
        h = 480;
    }
    if (integer_scale) {
        int k = w < 640 ? 2 : 1;
        *ww = w * k;
        *wh = h * k;
    } else if (vbe) {
        *ww = w;
        *wh = h;
    } else {
        *ww = w < 640 ? w * 2 : w;
        *wh = *ww * 3 / 4;
    }
    int s = scale > 0 ? scale : 1;
    *ww *= s;
    *wh *= s;
}

DisplayRect display_dest_rect(int w, int h, bool vbe, bool integer_scale, int out_w, int out_h)
{
    DisplayRect r = { 0, 0, 0, 0 };
    if (w <= 0 || h <= 0 || out_w <= 0 || out_h <= 0)
        return r;
    int k = out_w / w < out_h / h ? out_w / w : out_h / h;
    if (integer_scale && k >= 1) {
        r.w = w * k;
        r.h = h * k;
    } else {
        /* aspect num/den: 4:3 for VGA modes, the pixel ratio for VBE (and
         * for integer scaling in a window smaller than the mode) */
        long num = vbe || integer_scale ? w : 4, den = vbe || integer_scale ? h : 3;
        r.w = out_w;
        r.h = (int)((long)out_w * den / num);
        if (r.h > out_h) {
            r.h = out_h;
            r.w = (int)((long)out_h * num / den);
        }
    }
    r.x = (out_w - r.w) / 2;
    r.y = (out_h - r.h) / 2;
    return r;
}

#ifndef HAVE_SDL

struct Display {
    int unused;
};

Display *display_create(const DisplayConfig *cfg, const char **err)
{
    (void)cfg;
    *err = "this ringside was built without SDL2 (install libsdl2-dev and rebuild)";
    return NULL;
}

void display_destroy(Display *d)
{
    (void)d;
}

void display_refresh(Display *d, Vga *v, PhysMem *mem)
{
    (void)d, (void)v, (void)mem;
}

bool display_poll(Display *d, const DisplayInput *sink)
{
    (void)d, (void)sink;
    return true;
}

void display_set_paused(Display *d, bool paused)
{
    (void)d, (void)paused;
}

void display_pace(Display *d, uint64_t guest_ns)
{
    (void)d, (void)guest_ns;
}

#else

#include <SDL.h>

#include "frontend/keymap.h"
#include "hw/ps2.h"

/* Guest time may run at most this far from wall time before the
 * reference is moved (pacing gives up on catching up). */
#define PACE_SLACK_NS 100000000ll

struct Display {
    DisplayConfig cfg;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    uint32_t *frame, *prev; /* cap_w x cap_h, rows cap_w apart */
    int cap_w, cap_h;
    int w, h;      /* the shown mode's size; 0 = nothing shown (black) */
    bool vbe;      /* square pixels */
    bool rendered; /* frame/prev hold a valid frame of w x h */
    uint64_t gen;
    uint64_t blink; /* text modes: the VGA frame number >> 3 last rendered */
    bool need_present;
    bool grabbed, paused, fullscreen;
    uint8_t held[512 / 8]; /* PS/2 keys sent down and not yet up */
    int buttons;
    char title[256];
    bool pace_started;
    uint64_t pace_guest0, pace_host0;
};

static void update_title(Display *d)
{
    char t[256];
    snprintf(t, sizeof(t), "%s - %s%s", d->cfg.title ? d->cfg.title : "Ringside",
             d->paused ? "paused" : "running",
             d->grabbed ? " - mouse grabbed (Ctrl+Alt+G releases)" : "");
    if (strcmp(t, d->title) != 0) {
        snprintf(d->title, sizeof(d->title), "%s", t);
        SDL_SetWindowTitle(d->win, t);
    }
}

/* The window size the shown mode asks for. */
static void mode_window_size(const Display *d, int *ww, int *wh)
{
    display_window_size(d->w, d->h, d->vbe, d->cfg.integer_scale, d->cfg.scale, ww, wh);
}

/* Where the frame goes in an out_w x out_h window. */
static SDL_Rect dest_rect(const Display *d, int out_w, int out_h)
{
    DisplayRect r = display_dest_rect(d->w, d->h, d->vbe, d->cfg.integer_scale, out_w, out_h);
    return (SDL_Rect){ r.x, r.y, r.w, r.h };
}

static void present(Display *d)
{
    SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
    SDL_RenderClear(d->ren);
    if (d->tex && d->w) {
        int ow, oh;
        SDL_GetRendererOutputSize(d->ren, &ow, &oh);
        SDL_Rect r = dest_rect(d, ow, oh);
        /* Whole multiples stay sharp with nearest; other ratios would
         * give uneven pixel widths, so they are filtered. */
        bool whole = r.w % d->w == 0 && r.h % d->h == 0;
        SDL_SetTextureScaleMode(d->tex, whole ? SDL_ScaleModeNearest : SDL_ScaleModeLinear);
        SDL_RenderCopy(d->ren, d->tex, NULL, &r);
    }
    SDL_RenderPresent(d->ren);
    d->need_present = false;
}

Display *display_create(const DisplayConfig *cfg, const char **err)
{
    const char *drv_env = getenv("SDL_VIDEODRIVER");
    if (!display_possible() && !(drv_env && *drv_env)) {
        /* Not even probed: SDL's Wayland probe would print its own
         * complaint about XDG_RUNTIME_DIR. */
        *err = "no display ($DISPLAY and $WAYLAND_DISPLAY are unset)";
        return NULL;
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* Ctrl+Alt+G must reach us, not the window manager's shortcuts, while
     * grabbed; and a click that focuses the window also grabs. */
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        *err = SDL_GetError();
        return NULL;
    }
    /* With no display SDL falls back to its offscreen driver, which would
     * "show" a window nobody sees; accept it only when asked for by name
     * (SDL_VIDEODRIVER=offscreen, for tests). */
    const char *drv = SDL_GetCurrentVideoDriver(), *want = SDL_getenv("SDL_VIDEODRIVER");
    if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) && !(want && !strcmp(want, drv))) {
        *err = "no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY unusable)";
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    Display *d = calloc(1, sizeof(*d));
    if (!d) {
        *err = "out of memory";
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    d->cfg = *cfg;
    int ww, wh;
    mode_window_size(d, &ww, &wh);
    d->fullscreen = cfg->fullscreen;
    Uint32 flags = SDL_WINDOW_RESIZABLE | (d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    d->win = SDL_CreateWindow(cfg->title ? cfg->title : "Ringside", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, ww, wh, flags);
    if (d->win)
        d->ren = SDL_CreateRenderer(d->win, -1, 0);
    if (!d->win || !d->ren) {
        *err = SDL_GetError();
        display_destroy(d);
        return NULL;
    }
    update_title(d);
    present(d);
    return d;
}

void display_destroy(Display *d)
{
    if (!d)
        return;
    if (d->tex)
        SDL_DestroyTexture(d->tex);
    if (d->ren)
        SDL_DestroyRenderer(d->ren);
    if (d->win)
        SDL_DestroyWindow(d->win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(d->frame);
    free(d->prev);
    free(d);
}

static bool ensure_buffers(Display *d, int w, int h)
{
    if (w <= d->cap_w && h <= d->cap_h)
        return true;
    size_t n = (size_t)w * (size_t)h;
    uint32_t *f = malloc(n * 4), *p = malloc(n * 4);
    if (!f || !p) {
        free(f);
        free(p);
        return false;
    }
    free(d->frame);
    free(d->prev);
    d->frame = f;
    d->prev = p;
    d->cap_w = w;
    d->cap_h = h;
    d->rendered = false;
    return true;
}

/* A new mode: new texture, window resized to fit it (unless the user made
 * it full-screen or maximised). */
static void new_mode(Display *d, int w, int h, bool vbe)
{
    d->w = w;
    d->h = h;
    d->vbe = vbe;
    if (d->tex)
        SDL_DestroyTexture(d->tex);
    d->tex = NULL;
    if (w)
        d->tex = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, w, h);
    if (!d->tex)
        d->w = d->h = 0;
    if (!d->fullscreen && !(SDL_GetWindowFlags(d->win) & SDL_WINDOW_MAXIMIZED) && d->w) {
        int ww, wh;
        mode_window_size(d, &ww, &wh);
        SDL_SetWindowSize(d->win, ww, wh);
    }
}

void display_refresh(Display *d, Vga *v, PhysMem *mem)
{
    bool vbe = v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
    bool dirty = vga_dirty(v) != d->gen || !d->rendered;
    if (vbe && v->lfb_base && mem && v->vbe_start < VGA_VRAM_SIZE) {
        uint64_t len = (uint64_t)v->vbe_pitch * v->vbe[VBE_DISPI_INDEX_YRES];
        if (len > VGA_VRAM_SIZE - v->vbe_start)
            len = VGA_VRAM_SIZE - v->vbe_start;
        /* always test: it also clears, so later writes are seen */
        if (mem_test_and_clear_dirty(mem, v->lfb_base + v->vbe_start, (uint32_t)len))
            dirty = true;
    }
    /* Text modes (and graphics with blink) re-render when a blink phase
     * may have changed (every 8 VGA frames: the cursor's half period) even
     * if nothing was written; nothing is uploaded if the frame is the same. */
    if (vga_blink_shown(v) && vga_frame_number(v) >> 3 != d->blink) {
        d->blink = vga_frame_number(v) >> 3;
        dirty = true;
    }
    if (dirty) {
        d->gen = vga_dirty(v);
        int w = 0, h = 0;
        bool ok = (d->frame || ensure_buffers(d, 720, 400)) &&
                  vga_render(v, d->frame, d->cap_w, d->cap_h, &w, &h);
        /* a mode larger than the buffers: grow them and render again */
        if (ok && (w > d->cap_w || h > d->cap_h))
            ok = ensure_buffers(d, w, h) && vga_render(v, d->frame, d->cap_w, d->cap_h, &w, &h);
        if (!ok)
            w = h = 0;
        bool full = false;
        if (w != d->w || h != d->h || vbe != d->vbe || !d->rendered) {
            if (w != d->w || h != d->h || vbe != d->vbe)
                new_mode(d, w, h, vbe);
            full = true;
            d->need_present = true;
        }
        if (d->w) {
            /* The band of rows that differ from what the texture holds. */
            int y0 = 0, y1 = d->h - 1;
            size_t stride = (size_t)d->cap_w, bytes = (size_t)d->w * 4;
            if (!full) {
                while (y0 <= y1 && !memcmp(d->frame + y0 * stride, d->prev + y0 * stride, bytes))
                    y0++;
                while (y1 >= y0 && !memcmp(d->frame + y1 * stride, d->prev + y1 * stride, bytes))
                    y1--;
            }
            if (y0 <= y1) {
                SDL_Rect r = { 0, y0, d->w, y1 - y0 + 1 };
                SDL_UpdateTexture(d->tex, &r, d->frame + y0 * stride, (int)(stride * 4));
                for (int y = y0; y <= y1; y++)
                    memcpy(d->prev + y * stride, d->frame + y * stride, bytes);
                d->need_present = true;
            }
        }
        d->rendered = ok;
    }
    if (d->need_present)
        present(d);
}

static void set_grab(Display *d, bool on)
{
    if (d->grabbed == on)
        return;
    d->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(d->win, on ? SDL_TRUE : SDL_FALSE);
    update_title(d);
}

/* Focus lost: whatever the guest thinks is held is let go, or it would
 * stay down (its release goes to another window). */
static void release_all(Display *d, const DisplayInput *sink)
{
    for (int k = 0; k < 512; k++)
        if (d->held[k >> 3] & (1u << (k & 7))) {
            d->held[k >> 3] &= (uint8_t) ~(1u << (k & 7));
            if (sink->key)
                sink->key(sink->opaque, (uint16_t)k, false);
        }
    if (d->buttons) {
        d->buttons = 0;
        if (sink->mouse)
            sink->mouse(sink->opaque, 0, 0, 0, 0);
    }
}

static bool held_any(const Display *d, uint16_t a, uint16_t b)
{
    return ((d->held[a >> 3] >> (a & 7)) & 1) || ((d->held[b >> 3] >> (b & 7)) & 1);
}

static void key_event(Display *d, const DisplayInput *sink, const SDL_KeyboardEvent *e)
{
    bool down = e->type == SDL_KEYDOWN;
    if (e->repeat)
        return; /* the guest's typematic rate repeats, not the host's */
    SDL_Scancode sc = e->keysym.scancode;
    /* Ctrl and Alt as we passed them on, not SDL_GetModState(): SDL
     * re-reads the modifiers from the X server when a grab changes the
     * focus, and lost them there (Ctrl+Alt+G did not release a grab). */
    if (down && held_any(d, 0x1d, 0x11d) && held_any(d, 0x38, 0x138)) {
        if (sc == SDL_SCANCODE_G) {
            set_grab(d, false);
            return;
        }
        if (sc == SDL_SCANCODE_F) {
            d->fullscreen = !d->fullscreen;
            SDL_SetWindowFullscreen(d->win, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
            d->need_present = true;
            return;
        }
    }
    uint16_t key = keymap_host_to_ps2(sc);
    if (!key)
        return;
    uint8_t bit = (uint8_t)(1u << (key & 7));
    bool held = d->held[key >> 3] & bit;
    if (held == down)
        return; /* a release of a key we swallowed (a hotkey) or never saw */
    if (down)
        d->held[key >> 3] |= bit;
    else
        d->held[key >> 3] &= (uint8_t)~bit;
    if (sink->key)
        sink->key(sink->opaque, key, down);
}

static int mouse_button_bit(Uint8 b)
{
    switch (b) {
    case SDL_BUTTON_LEFT:
        return PS2_MOUSE_LEFT;
    case SDL_BUTTON_RIGHT:
        return PS2_MOUSE_RIGHT;
    case SDL_BUTTON_MIDDLE:
        return PS2_MOUSE_MIDDLE;
    case SDL_BUTTON_X1:
        return PS2_MOUSE_BUTTON4;
    case SDL_BUTTON_X2:
        return PS2_MOUSE_BUTTON5;
    }
    return 0;
}

bool display_poll(Display *d, const DisplayInput *sink)
{
    bool quit = false;
    int mdx = 0, mdy = 0;
    SDL_Event ev;
    /* Motion is summed between button and wheel changes: one report per
     * poll is plenty at 60 Hz, and the PS/2 mouse paces its packets at
     * the guest's sample rate anyway. */
#define FLUSH_MOTION()                                                     \
    do {                                                                   \
        if ((mdx || mdy) && sink->mouse)                                   \
            sink->mouse(sink->opaque, mdx, -mdy, 0, d->buttons);           \
        mdx = mdy = 0;                                                     \
    } while (0)
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            quit = true;
            break;
        case SDL_WINDOWEVENT:
            switch (ev.window.event) {
            case SDL_WINDOWEVENT_CLOSE:
                quit = true;
                break;
            case SDL_WINDOWEVENT_FOCUS_LOST:
                FLUSH_MOTION();
                release_all(d, sink);
                set_grab(d, false);
                break;
            case SDL_WINDOWEVENT_EXPOSED:
            case SDL_WINDOWEVENT_SIZE_CHANGED:
                d->need_present = true;
                break;
            }
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            key_event(d, sink, &ev.key);
            break;
        case SDL_MOUSEMOTION:
            if (d->grabbed) {
                mdx += ev.motion.xrel;
                mdy += ev.motion.yrel;
            }
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            if (!d->grabbed) {
                /* the click that grabs is not the guest's */
                if (ev.type == SDL_MOUSEBUTTONDOWN && ev.button.button == SDL_BUTTON_LEFT)
                    set_grab(d, true);
                break;
            }
            FLUSH_MOTION();
            if (ev.type == SDL_MOUSEBUTTONDOWN)
                d->buttons |= mouse_button_bit(ev.button.button);
            else
                d->buttons &= ~mouse_button_bit(ev.button.button);
            if (sink->mouse)
                sink->mouse(sink->opaque, 0, 0, 0, d->buttons);
            break;
        case SDL_MOUSEWHEEL:
            if (d->grabbed && ev.wheel.y) {
                FLUSH_MOTION();
                int y = ev.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -ev.wheel.y : ev.wheel.y;
                /* SDL: positive = away from the user; PS/2: towards */
                if (sink->mouse)
                    sink->mouse(sink->opaque, 0, 0, -y, d->buttons);
            }
            break;
        }
    }
    FLUSH_MOTION();
#undef FLUSH_MOTION
    update_title(d);
    if (d->need_present)
        present(d);
    return !quit;
}

void display_set_paused(Display *d, bool paused)
{
    d->paused = paused;
    update_title(d);
}

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void display_pace(Display *d, uint64_t guest_ns)
{
    uint64_t now = host_ns();
    if (!d->pace_started) {
        d->pace_started = true;
        d->pace_guest0 = guest_ns;
        d->pace_host0 = now;
        return;
    }
    int64_t ahead = (int64_t)(guest_ns - d->pace_guest0) - (int64_t)(now - d->pace_host0);
    if (ahead > PACE_SLACK_NS || ahead < -PACE_SLACK_NS) {
        /* a long pause (the host was busy, or a time jump): start over */
        d->pace_guest0 = guest_ns;
        d->pace_host0 = now;
    } else if (ahead > 0) {
        struct timespec ts = { 0, (long)ahead };
        nanosleep(&ts, NULL);
    }
}

#endif /* HAVE_SDL */
