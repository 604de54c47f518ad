/*
 * vga.h - the IBM VGA (register level) with the Bochs VBE "DISPI"
 * extension that QEMU's `-vga std` exposes, as the PCI function 1234:1111.
 *
 * Ports: 0x3b0-0x3df (misc output, input status, sequencer, CRTC at
 * 0x3b4/0x3d4 per misc bit 0, graphics controller, attribute controller,
 * DAC, feature control) and 0x1ce/0x1cf (VBE index/data, plus 0x1d0 for
 * the high byte of byte-split data accesses).
 * Memory: the legacy window 0xa0000-0xbffff (one MMIO region; the GC's
 * memory map register decides what answers inside it) and the linear
 * framebuffer, placed by the PCI BAR through vga_map_lfb().
 *
 * Video memory is one 16 MiB array. The four 64 KiB VGA planes alias its
 * first 256 KiB, interleaved as QEMU does: plane p, offset o is byte
 * o * 4 + p. VBE modes address the array linearly.
 */
#ifndef RINGSIDE_VGA_H
#define RINGSIDE_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "mmu/mem.h"

#define VGA_VRAM_SIZE (16u << 20)
#define VGA_PLANE_SIZE 0x10000u

/* Bochs VBE DISPI registers (index written at 0x1ce). */
enum {
    VBE_DISPI_INDEX_ID,
    VBE_DISPI_INDEX_XRES,
    VBE_DISPI_INDEX_YRES,
    VBE_DISPI_INDEX_BPP,
    VBE_DISPI_INDEX_ENABLE,
    VBE_DISPI_INDEX_BANK,
    VBE_DISPI_INDEX_VIRT_WIDTH,
    VBE_DISPI_INDEX_VIRT_HEIGHT,
    VBE_DISPI_INDEX_X_OFFSET,
    VBE_DISPI_INDEX_Y_OFFSET,
    VBE_DISPI_INDEX_VIDEO_MEMORY_64K,
    VBE_DISPI_NUM_REGS
};

#define VBE_DISPI_ID0 0xb0c0
#define VBE_DISPI_ID5 0xb0c5
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_GETCAPS 0x02
#define VBE_DISPI_8BIT_DAC 0x20
#define VBE_DISPI_LFB_ENABLED 0x40
#define VBE_DISPI_NOCLEARMEM 0x80
#define VBE_DISPI_MAX_XRES 2560
#define VBE_DISPI_MAX_YRES 1600
#define VBE_DISPI_MAX_BPP 32

typedef struct Vga {
    IoBus *bus;
    Clock *clock;
    PhysMem *mem;

    uint8_t *vram; /* VGA_VRAM_SIZE bytes */

    /* General registers. */
    uint8_t misc;    /* misc output (0x3c2 write, 0x3cc read) */
    uint8_t feature; /* feature control (0x3da/0x3ba write, 0x3ca read) */

    uint8_t seq_index, seq[8];
    uint8_t crtc_index, crtc[0x20];
    uint8_t gc_index, gc[0x10];
    uint8_t ar_index; /* includes the PAS bit 0x20 */
    uint8_t ar[0x20];
    bool ar_flip; /* false: the next 0x3c0 write is an index */

    /* DAC: 6-bit components (8-bit with VBE_DISPI_8BIT_DAC). */
    uint8_t dac_mask, dac_read_index, dac_write_index, dac_sub, dac_state;
    uint8_t dac_latch[3];
    uint8_t dac[256][3];

    uint8_t latch[4]; /* one byte per plane, loaded by every read */

    /* VBE. */
    uint16_t vbe_index;
    uint8_t vbe_data_lo; /* last byte written at 0x1cf */
    uint16_t vbe[VBE_DISPI_NUM_REGS];
    uint32_t vbe_start; /* byte offset of the visible top-left */
    uint32_t vbe_pitch; /* bytes per line of the virtual screen */

    /* LFB: vram mapped as an mmu host region at this base (0 = none). */
    uint32_t lfb_base;

    /* Bumped on every register write and every write through the legacy
     * window; LFB writes go straight to vram and are seen through the
     * mmu's dirty tracking of the host region instead. */
    uint64_t dirty_gen;
} Vga;

bool vga_init(Vga *v, IoBus *bus, Clock *clock, PhysMem *mem);
void vga_reset(Vga *v);
void vga_free(Vga *v);
/* Place the linear framebuffer at base (a BAR value, page-aligned); 0
 * unmaps it. */
void vga_map_lfb(Vga *v, uint32_t base);

static inline uint64_t vga_dirty(const Vga *v)
{
    return v->dirty_gen;
}

/* Direct plane access for tests and the renderer. */
static inline uint8_t vga_plane_byte(const Vga *v, int plane, uint32_t off)
{
    return v->vram[((off & (VGA_PLANE_SIZE - 1)) << 2) | (uint32_t)plane];
}

/* Read-out (vga_render.c). */
bool vga_is_text_mode(const Vga *v);
/* Whether the picture can change with the blink phases alone (text modes;
 * 16-colour graphics with the attribute blink bit): the window re-renders
 * at phase changes then. */
bool vga_blink_shown(const Vga *v);
/* The visible text screen, rows of columns, one '\n' per row, CP437 bytes
 * as-is except NUL shown as ' ' (both are blank glyphs), NUL-terminated
 * when room; returns the bytes written (without the
 * NUL) or -1 outside text modes. */
int vga_text_screen(Vga *v, char *out, int max);
/* Text geometry and the cursor (row, col; visible false when disabled or
 * off screen). */
void vga_text_size(const Vga *v, int *rows, int *cols);
void vga_text_cursor(const Vga *v, int *row, int *col, bool *visible);
/* Render the current mode as 0x00RRGGBB into rows of max_w pixels; *w
 * and *h get the mode's size (pixels beyond max_w/max_h are not drawn).
 * A blanked screen (PAS clear, screen off) renders black. Returns false
 * when the CRTC is unprogrammed. */
bool vga_render(Vga *v, uint32_t *pixels, int max_w, int max_h, int *w, int *h);

/* Shared between vga.c and vga_render.c. */
uint32_t vga_crtc_vde(const Vga *v);          /* vertical display end + 1 */
uint32_t vga_crtc_line_compare(const Vga *v); /* 10-bit line compare */
uint32_t vga_dac_rgb(const Vga *v, uint8_t index);

/* Frames since power-on (guest time over the current mode's frame time,
 * as input status 1 times them): the text blink phases count them. The
 * IBM VGA blinks the cursor every 16 frames and characters (attribute bit
 * 7 with blink enabled) every 32, on for the first half of each period. */
uint64_t vga_frame_number(const Vga *v);
static inline bool vga_cursor_blink_on(uint64_t frame)
{
    return !(frame & 8);
}
static inline bool vga_char_blink_on(uint64_t frame)
{
    return !(frame & 16);
}

#endif
