/*
 * vga.c - IBM VGA registers and video memory, and the Bochs VBE (DISPI)
 * extension. Follows the IBM VGA technical reference as FreeVGA describes
 * it, and QEMU's documented DISPI interface for VBE.
 *
 * Memory addressing (IBM reference, "Sequencer Memory Mode"):
 *   chain-4   CPU address a -> plane a & 3, plane offset a & ~3 (mode 13h
 *             uses one byte in four of each plane, as Abrash describes)
 *   odd/even  CPU address a -> plane a & 1 (planes 2/3 too, per map mask),
 *             plane offset a & ~1
 *   planar    every plane the map mask enables, plane offset a
 * Plane offsets wrap at 64 KiB. With VBE enabled (bpp > 4) the 0xa0000
 * window is a 64K bank of the linear memory instead (QEMU does the same
 * through its chain-4 path, which VBE sets up); with VBE 4 bpp it stays
 * planar and the bank register adds 64 KiB units to the plane offset.
 *
 * Not implemented yet: the vertical retrace interrupt (IRQ 2), the light
 * pen, the odd/even page bit of misc output (planes 2/3 are written
 * through the map mask as hardware does, reads use GC4 bit 1 as QEMU
 * does), input status 0's switch sense (reads 0).
 */
#include "hw/vga.h"

#include <stdlib.h>
#include <string.h>

static void vga_touch(Vga *v)
{
    v->dirty_gen++;
}

/* ---- timing ------------------------------------------------------------ */

uint32_t vga_crtc_vde(const Vga *v)
{
    uint32_t ov = v->crtc[0x07];
    return (v->crtc[0x12] | ((ov & 0x02) << 7) | ((ov & 0x40) << 3)) + 1;
}

uint32_t vga_crtc_line_compare(const Vga *v)
{
    return v->crtc[0x18] | ((v->crtc[0x07] & 0x10u) << 4) | ((v->crtc[0x09] & 0x40u) << 3);
}

static uint32_t crtc_vtotal(const Vga *v)
{
    uint32_t ov = v->crtc[0x07];
    return (v->crtc[0x06] | ((ov & 0x01) << 8) | ((ov & 0x20) << 4)) + 2;
}

static uint32_t crtc_vretrace_start(const Vga *v)
{
    uint32_t ov = v->crtc[0x07];
    return v->crtc[0x10] | ((ov & 0x04) << 6) | ((ov & 0x80) << 2);
}

/* Input status 1: bit 3 vertical retrace, bit 0 display disabled
 * (horizontal or vertical blanking), timed from the virtual clock.
 *
 * With the CRTC programmed, the timing is the hardware's: the dot clock
 * misc output bits 2-3 select (25.175 or 28.322 MHz, halved by sequencer
 * clocking mode bit 3) over the horizontal total (CRTC 0 + 5 characters of
 * 8 or 9 dots) gives the line; the vertical total gives the frame (mode
 * 03h and 13h: 449 lines, 70.1 Hz; mode 12h: 525 lines, 59.9 Hz). The
 * part of a line past the horizontal display end is horizontal blanking.
 * Otherwise (unprogrammed CRTC, or VBE modes, whose CRTC is not
 * reprogrammed) a 60 Hz frame of the visible lines plus a 5% blank.
 * The same frames count the text blink phases (vga_frame_number). */
typedef struct VgaTiming {
    uint64_t line_ps;
    uint32_t vde, total, vrs, vr_len, hchars, hdisp;
} VgaTiming;

static void vga_timing(const Vga *v, VgaTiming *t)
{
    t->hchars = v->crtc[0x00] + 5u;
    t->hdisp = v->crtc[0x01] + 1u;
    if (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED || v->crtc[0x00] == 0 ||
        crtc_vtotal(v) < vga_crtc_vde(v) + 4) {
        t->vde = v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED ? v->vbe[VBE_DISPI_INDEX_YRES] : vga_crtc_vde(v);
        if (t->vde == 0)
            t->vde = 480;
        t->total = t->vde + t->vde / 20 + 4;
        t->vrs = t->vde + 1;
        t->vr_len = 2;
        t->line_ps = 1000000000000ull / 60 / t->total;
        t->hchars = 5;
        t->hdisp = 4;
    } else {
        uint64_t hz = (v->misc & 0x0c) == 0x04 ? 28322000 : 25175000;
        if (v->seq[1] & 0x08)
            hz /= 2;
        uint32_t dots = (v->seq[1] & 1) ? 8 : 9;
        t->line_ps = (uint64_t)t->hchars * dots * 1000000000000ull / hz;
        t->vde = vga_crtc_vde(v);
        t->total = crtc_vtotal(v);
        t->vrs = crtc_vretrace_start(v);
        t->vr_len = ((v->crtc[0x11] & 0x0fu) - (t->vrs & 0x0fu)) & 0x0fu;
        if (t->vr_len == 0)
            t->vr_len = 16;
    }
}

uint64_t vga_frame_number(const Vga *v)
{
    VgaTiming t;
    vga_timing(v, &t);
    return clock_now(v->clock) * 1000u / (t.line_ps * t.total);
}

static uint8_t vga_status1(Vga *v)
{
    VgaTiming tm;
    vga_timing(v, &tm);
    uint64_t now_ps = clock_now(v->clock) * 1000u;
    uint64_t t = now_ps % (tm.line_ps * tm.total);
    uint32_t line = (uint32_t)(t / tm.line_ps);
    uint64_t in_line_ps = t % tm.line_ps;
    uint8_t s = 0;
    if (line >= tm.vrs && line < tm.vrs + tm.vr_len)
        s |= 0x08;
    if (line >= tm.vde || in_line_ps * tm.hchars >= tm.line_ps * tm.hdisp)
        s |= 0x01;
    /* Bits 4-5 are diagnostic muxes of the attribute output; 0 is fine. */
    return s;
}

/* ---- DAC ----------------------------------------------------------------- */

uint32_t vga_dac_rgb(const Vga *v, uint8_t index)
{
    const uint8_t *c = v->dac[index & v->dac_mask];
    if (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC)
        return ((uint32_t)c[0] << 16) | ((uint32_t)c[1] << 8) | c[2];
    uint32_t r = (uint32_t)(c[0] << 2 | c[0] >> 4);
    uint32_t g = (uint32_t)(c[1] << 2 | c[1] >> 4);
    uint32_t b = (uint32_t)(c[2] << 2 | c[2] >> 4);
    return r << 16 | g << 8 | b;
}

static uint8_t dac_component_mask(const Vga *v)
{
    return (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) ? 0xff : 0x3f;
}

/* ---- port I/O ------------------------------------------------------------ */

static bool crtc_port_ok(const Vga *v, uint16_t port)
{
    /* Misc output bit 0: 1 = colour ports 0x3dx, 0 = mono 0x3bx. */
    bool color = v->misc & 1;
    return color ? (port & 0xfff0) == 0x3d0 : (port & 0xfff0) == 0x3b0;
}

static uint8_t vga_ioread8(Vga *v, uint16_t port)
{
    switch (port) {
    case 0x3c0:
        return v->ar_index;
    case 0x3c1:
        return (v->ar_index & 0x1f) < 0x15 ? v->ar[v->ar_index & 0x1f] : 0;
    case 0x3c2:
        return 0x00; /* input status 0: no retrace IRQ, switch sense 0 */
    case 0x3c4:
        return v->seq_index;
    case 0x3c5:
        return v->seq_index < 5 ? v->seq[v->seq_index] : 0xff;
    case 0x3c6:
        return v->dac_mask;
    case 0x3c7:
        return v->dac_state;
    case 0x3c8:
        return v->dac_write_index;
    case 0x3c9: {
        uint8_t val = v->dac[v->dac_read_index][v->dac_sub];
        if (++v->dac_sub == 3) {
            v->dac_sub = 0;
            v->dac_read_index++;
        }
        return val;
    }
    case 0x3ca:
        return v->feature;
    case 0x3cc:
        return v->misc;
    case 0x3ce:
        return v->gc_index;
    case 0x3cf:
        return v->gc_index < 9 ? v->gc[v->gc_index] : 0xff;
    case 0x3b4:
    case 0x3d4:
        return crtc_port_ok(v, port) ? v->crtc_index : 0xff;
    case 0x3b5:
    case 0x3d5:
        if (!crtc_port_ok(v, port))
            return 0xff;
        return v->crtc_index < 0x19 ? v->crtc[v->crtc_index] : 0xff;
    case 0x3ba:
    case 0x3da:
        if (!crtc_port_ok(v, port))
            return 0xff;
        v->ar_flip = false; /* reading status 1 resets the AC flip-flop */
        return vga_status1(v);
    default:
        return 0xff;
    }
}

static void crtc_write(Vga *v, uint8_t val)
{
    uint8_t i = v->crtc_index;
    if (i >= 0x19)
        return;
    /* Protect (0x11 bit 7) locks 0-7, except the line compare bit 8 in the
     * overflow register (IBM reference, "Vertical Retrace End"). */
    if ((v->crtc[0x11] & 0x80) && i <= 7) {
        if (i == 7)
            v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
        return;
    }
    v->crtc[i] = val;
}

static void vga_iowrite8(Vga *v, uint16_t port, uint8_t val)
{
    vga_touch(v);
    switch (port) {
    case 0x3c0:
        if (!v->ar_flip) {
            v->ar_index = val & 0x3f;
        } else {
            uint8_t i = v->ar_index & 0x1f;
            if (i < 0x10) {
                /* The palette is only writable while PAS is 0 (screen
                 * off), as on the IBM VGA. */
                if (!(v->ar_index & 0x20))
                    v->ar[i] = val & 0x3f;
            } else if (i == 0x10 || i == 0x11) {
                v->ar[i] = val;
            } else if (i == 0x12) {
                v->ar[i] = val & 0x3f;
            } else if (i == 0x13 || i == 0x14) {
                v->ar[i] = val & 0x0f;
            }
        }
        v->ar_flip = !v->ar_flip;
        break;
    case 0x3c2:
        v->misc = val;
        break;
    case 0x3c4:
        v->seq_index = val & 7;
        break;
    case 0x3c5:
        if (v->seq_index < 5)
            v->seq[v->seq_index] = val;
        break;
    case 0x3c6:
        v->dac_mask = val;
        break;
    case 0x3c7:
        v->dac_read_index = val;
        v->dac_sub = 0;
        v->dac_state = 0x03;
        break;
    case 0x3c8:
        v->dac_write_index = val;
        v->dac_sub = 0;
        v->dac_state = 0x00;
        break;
    case 0x3c9:
        v->dac_latch[v->dac_sub++] = val & dac_component_mask(v);
        if (v->dac_sub == 3) {
            memcpy(v->dac[v->dac_write_index], v->dac_latch, 3);
            v->dac_write_index++;
            v->dac_sub = 0;
        }
        break;
    case 0x3ce:
        v->gc_index = val & 0x0f;
        break;
    case 0x3cf:
        if (v->gc_index < 9)
            v->gc[v->gc_index] = val;
        break;
    case 0x3b4:
    case 0x3d4:
        if (crtc_port_ok(v, port))
            v->crtc_index = val & 0x3f;
        break;
    case 0x3b5:
    case 0x3d5:
        if (crtc_port_ok(v, port))
            crtc_write(v, val);
        break;
    case 0x3ba:
    case 0x3da:
        if (crtc_port_ok(v, port))
            v->feature = val;
        break;
    default:
        break;
    }
}

/* A 16-bit OUT to an index port writes the index then the data port, as
 * the 8-bit ISA bus splits it; likewise for reads. */
static uint32_t vga_io_read(void *opaque, uint32_t offset, int size)
{
    Vga *v = opaque;
    uint32_t val = 0;
    for (int i = 0; i < size; i++)
        val |= (uint32_t)vga_ioread8(v, (uint16_t)(0x3b0 + offset + (uint32_t)i)) << (8 * i);
    return val;
}

static void vga_io_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Vga *v = opaque;
    for (int i = 0; i < size; i++)
        vga_iowrite8(v, (uint16_t)(0x3b0 + offset + (uint32_t)i), (uint8_t)(val >> (8 * i)));
}

static const IoOps vga_io_ops = { "vga", vga_io_read, vga_io_write };

/* ---- Bochs VBE ----------------------------------------------------------- */

static uint32_t vbe_bytes_pp(const Vga *v)
{
    return (v->vbe[VBE_DISPI_INDEX_BPP] + 7u) / 8u;
}

/* Recompute the pitch, virtual height and start from the registers, the
 * way QEMU's DISPI does after XRES/BPP/VIRT_WIDTH/offset writes. */
static void vbe_update_layout(Vga *v)
{
    uint32_t bpp = v->vbe[VBE_DISPI_INDEX_BPP];
    uint32_t vw = v->vbe[VBE_DISPI_INDEX_VIRT_WIDTH];
    uint32_t pitch = bpp == 4 ? vw / 2 : vw * vbe_bytes_pp(v);
    if (pitch == 0)
        pitch = 1;
    v->vbe_pitch = pitch;
    uint32_t vh = VGA_VRAM_SIZE / pitch;
    v->vbe[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t)(vh > 0xffff ? 0xffff : vh);
    uint32_t x = v->vbe[VBE_DISPI_INDEX_X_OFFSET], y = v->vbe[VBE_DISPI_INDEX_Y_OFFSET];
    uint64_t start = (uint64_t)y * pitch + (bpp == 4 ? x / 2 : x * vbe_bytes_pp(v));
    v->vbe_start = start < VGA_VRAM_SIZE ? (uint32_t)start : 0;
}

static bool vbe_bpp_valid(uint16_t bpp)
{
    return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

static uint16_t vbe_read(Vga *v)
{
    uint16_t i = v->vbe_index;
    if (i >= VBE_DISPI_NUM_REGS)
        return 0;
    if (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        /* GETCAPS latched: the resolution registers report the maxima. */
        if (i == VBE_DISPI_INDEX_XRES)
            return VBE_DISPI_MAX_XRES;
        if (i == VBE_DISPI_INDEX_YRES)
            return VBE_DISPI_MAX_YRES;
        if (i == VBE_DISPI_INDEX_BPP)
            return VBE_DISPI_MAX_BPP;
    }
    if (i == VBE_DISPI_INDEX_VIDEO_MEMORY_64K)
        return (uint16_t)(VGA_VRAM_SIZE >> 16);
    return v->vbe[i];
}

static void vbe_write(Vga *v, uint16_t val)
{
    uint16_t i = v->vbe_index;
    bool enabled = v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
    vga_touch(v);
    switch (i) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5)
            v->vbe[i] = val;
        break;
    case VBE_DISPI_INDEX_XRES:
    case VBE_DISPI_INDEX_YRES:
        /* The mode registers are frozen while the mode is on (QEMU). */
        if (!enabled && val <= (i == VBE_DISPI_INDEX_XRES ? VBE_DISPI_MAX_XRES : VBE_DISPI_MAX_YRES))
            v->vbe[i] = val;
        break;
    case VBE_DISPI_INDEX_BPP:
        if (val == 0)
            val = 8;
        if (!enabled && vbe_bpp_valid(val))
            v->vbe[i] = val;
        break;
    case VBE_DISPI_INDEX_ENABLE: {
        bool on = val & VBE_DISPI_ENABLED;
        if (on && !enabled) {
            uint32_t xres = v->vbe[VBE_DISPI_INDEX_XRES];
            uint32_t yres = v->vbe[VBE_DISPI_INDEX_YRES];
            v->vbe[VBE_DISPI_INDEX_VIRT_WIDTH] = (uint16_t)xres;
            v->vbe[VBE_DISPI_INDEX_X_OFFSET] = 0;
            v->vbe[VBE_DISPI_INDEX_Y_OFFSET] = 0;
            v->vbe[VBE_DISPI_INDEX_BANK] = 0;
            v->vbe[VBE_DISPI_INDEX_ENABLE] = val;
            vbe_update_layout(v);
            if (!(val & VBE_DISPI_NOCLEARMEM)) {
                uint64_t bytes = (uint64_t)v->vbe_pitch * yres;
                memset(v->vram, 0, bytes < VGA_VRAM_SIZE ? bytes : VGA_VRAM_SIZE);
            }
        }
        v->vbe[VBE_DISPI_INDEX_ENABLE] = val;
        break;
    }
    case VBE_DISPI_INDEX_BANK:
        v->vbe[i] = val & (uint16_t)((VGA_VRAM_SIZE >> 16) - 1);
        break;
    case VBE_DISPI_INDEX_VIRT_WIDTH:
        if (val >= v->vbe[VBE_DISPI_INDEX_XRES] && val > 0) {
            v->vbe[i] = val;
            vbe_update_layout(v);
        }
        break;
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        v->vbe[i] = val;
        vbe_update_layout(v);
        break;
    default:
        break; /* VIRT_HEIGHT and VIDEO_MEMORY_64K are computed */
    }
}

/* 0x1ce index, 0x1cf data, both 16-bit. The range also claims 0x1d0 so a
 * 16-bit access at 0x1cf arrives whole. Byte accesses: 0x1ce reads or
 * sets the index; 0x1cf reads the data's low byte or writes the byte
 * zero-extended; 0x1d0 reads the high byte or writes it above the last
 * low byte (so OUT split into bytes still lands a 16-bit value). */
static uint32_t vbe_io_read(void *opaque, uint32_t offset, int size)
{
    Vga *v = opaque;
    if (offset == 0)
        return size == 1 ? (v->vbe_index & 0xffu) : v->vbe_index;
    uint32_t val = vbe_read(v);
    if (offset == 2)
        return val >> 8;
    return size == 1 ? (val & 0xff) : val;
}

static void vbe_io_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Vga *v = opaque;
    if (size == 1)
        val &= 0xff;
    if (offset == 0) {
        v->vbe_index = (uint16_t)val;
    } else if (offset == 1) {
        v->vbe_data_lo = (uint8_t)val;
        vbe_write(v, (uint16_t)val);
    } else {
        vbe_write(v, (uint16_t)(v->vbe_data_lo | val << 8));
    }
}

static const IoOps vbe_io_ops = { "vga-vbe", vbe_io_read, vbe_io_write };

/* ---- video memory through the legacy window ------------------------------ */

static bool vbe_banked(const Vga *v)
{
    return (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) && v->vbe[VBE_DISPI_INDEX_BPP] != 4;
}

/* Offset of window address a (0 .. 0x1ffff from 0xa0000) inside the
 * memory map the GC selects, or -1 when the map does not cover it. */
static int32_t window_offset(const Vga *v, uint32_t a)
{
    switch ((v->gc[6] >> 2) & 3) {
    case 0:
        return (int32_t)a; /* 0xa0000, 128K */
    case 1:
        return a < 0x10000 ? (int32_t)a : -1;
    case 2:
        return a >= 0x10000 && a < 0x18000 ? (int32_t)(a - 0x10000) : -1;
    default:
        return a >= 0x18000 ? (int32_t)(a - 0x18000) : -1;
    }
}

/* VBE 4 bpp: planar like mode 12h, but the planes reach past 64 KiB: the
 * bank register selects which 64 KiB of plane offsets the window shows
 * (as QEMU's bank offset does). */
static bool vbe_planar(const Vga *v)
{
    return (v->vbe[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) && v->vbe[VBE_DISPI_INDEX_BPP] == 4;
}

static uint32_t window_plane_offset(const Vga *v, uint32_t o)
{
    return vbe_planar(v) ? ((uint32_t)v->vbe[VBE_DISPI_INDEX_BANK] << 16) + (o & 0xffff) : o;
}

static uint8_t *plane_ptr(Vga *v, int plane, uint32_t off)
{
    uint32_t mask = vbe_planar(v) ? VGA_VRAM_SIZE / 4 - 1 : VGA_PLANE_SIZE - 1;
    return &v->vram[((off & mask) << 2) | (uint32_t)plane];
}

static uint8_t vga_mem_read8(Vga *v, uint32_t a)
{
    if (vbe_banked(v)) {
        if (a >= 0x10000)
            return 0xff;
        return v->vram[((uint32_t)v->vbe[VBE_DISPI_INDEX_BANK] << 16) + a];
    }
    int32_t o = window_offset(v, a);
    if (o < 0)
        return 0xff;
    uint32_t off = window_plane_offset(v, (uint32_t)o);
    if (v->seq[4] & 0x08) {
        /* chain-4 */
        uint32_t po = off & ~3u;
        for (int p = 0; p < 4; p++)
            v->latch[p] = *plane_ptr(v, p, po);
        return v->latch[off & 3];
    }
    int plane;
    if (v->gc[5] & 0x10) {
        /* odd/even reads: A0 picks the plane within the pair GC4 bit 1
         * selects */
        plane = (v->gc[4] & 2) | (int)(off & 1);
        off &= ~1u;
    } else {
        plane = v->gc[4] & 3;
    }
    for (int p = 0; p < 4; p++)
        v->latch[p] = *plane_ptr(v, p, off);
    if (!(v->gc[5] & 0x08))
        return v->latch[plane];
    /* Read mode 1: colour compare over the planes that colour don't care
     * includes; a 1 bit where every included plane matches. */
    uint8_t diff = 0;
    for (int p = 0; p < 4; p++) {
        if (!(v->gc[7] & (1 << p)))
            continue;
        uint8_t want = (v->gc[2] & (1 << p)) ? 0xff : 0x00;
        diff |= v->latch[p] ^ want;
    }
    return (uint8_t)~diff;
}

static uint8_t ror8(uint8_t x, int n)
{
    n &= 7;
    return n ? (uint8_t)((x >> n) | (x << (8 - n))) : x;
}

static uint8_t alu(const Vga *v, uint8_t d, int p)
{
    switch ((v->gc[3] >> 3) & 3) {
    case 1:
        return d & v->latch[p];
    case 2:
        return d | v->latch[p];
    case 3:
        return d ^ v->latch[p];
    default:
        return d;
    }
}

static void vga_mem_write8(Vga *v, uint32_t a, uint8_t val)
{
    vga_touch(v);
    if (vbe_banked(v)) {
        if (a < 0x10000)
            v->vram[((uint32_t)v->vbe[VBE_DISPI_INDEX_BANK] << 16) + a] = val;
        return;
    }
    int32_t o = window_offset(v, a);
    if (o < 0)
        return;
    uint32_t off = window_plane_offset(v, (uint32_t)o);
    uint8_t planes = v->seq[2] & 0x0f;
    if (v->seq[4] & 0x08) {
        planes &= (uint8_t)(1u << (off & 3));
        off &= ~3u;
    } else if (!(v->seq[4] & 0x04)) {
        /* odd/even: even addresses reach planes 0/2, odd ones 1/3 */
        planes &= (off & 1) ? 0x0a : 0x05;
        off &= ~1u;
    }
    uint8_t mask = v->gc[8];
    uint8_t data[4];
    int rot = v->gc[3] & 7;
    switch (v->gc[5] & 3) {
    case 0: {
        uint8_t r = ror8(val, rot);
        for (int p = 0; p < 4; p++) {
            uint8_t d = r;
            if (v->gc[1] & (1 << p))
                d = (v->gc[0] & (1 << p)) ? 0xff : 0x00;
            data[p] = alu(v, d, p);
        }
        break;
    }
    case 1:
        /* write mode 1: the latches, ignoring the bit mask */
        for (int p = 0; p < 4; p++)
            data[p] = v->latch[p];
        mask = 0xff;
        break;
    case 2:
        for (int p = 0; p < 4; p++)
            data[p] = alu(v, (val & (1 << p)) ? 0xff : 0x00, p);
        break;
    default:
        /* write mode 3: rotated data ANDed with the bit mask is the mask,
         * set/reset is the data */
        mask &= ror8(val, rot);
        for (int p = 0; p < 4; p++)
            data[p] = alu(v, (v->gc[0] & (1 << p)) ? 0xff : 0x00, p);
        break;
    }
    for (int p = 0; p < 4; p++) {
        if (!(planes & (1 << p)))
            continue;
        *plane_ptr(v, p, off) = (uint8_t)((data[p] & mask) | (v->latch[p] & ~mask));
    }
}

static uint32_t vga_mem_read(void *opaque, uint32_t off, int size)
{
    Vga *v = opaque;
    uint32_t val = 0;
    for (int i = 0; i < size; i++)
        val |= (uint32_t)vga_mem_read8(v, (off + (uint32_t)i) & 0x1ffff) << (8 * i);
    return val;
}

static void vga_mem_write(void *opaque, uint32_t off, uint32_t val, int size)
{
    Vga *v = opaque;
    for (int i = 0; i < size; i++)
        vga_mem_write8(v, (off + (uint32_t)i) & 0x1ffff, (uint8_t)(val >> (8 * i)));
}

static const MmioOps vga_mem_ops = { vga_mem_read, vga_mem_write };

/* ---- linear framebuffer -------------------------------------------------- */

/* The LFB is the whole 16 MiB mapped as a host region: the CPU's fast
 * path reaches it directly, and the mmu's dirty tracking (not dirty_gen)
 * records what the guest wrote there. A BAR move is unmap + map. */
void vga_map_lfb(Vga *v, uint32_t base)
{
    if (!v->mem || base == v->lfb_base)
        return;
    if (v->lfb_base)
        mem_unmap_host(v->mem, v->lfb_base);
    v->lfb_base = 0;
    if (base && mem_map_host(v->mem, base, VGA_VRAM_SIZE, v->vram))
        v->lfb_base = base;
    vga_touch(v);
}

/* ---- life cycle ---------------------------------------------------------- */

void vga_reset(Vga *v)
{
    v->misc = 0;
    v->feature = 0;
    v->seq_index = v->crtc_index = v->gc_index = v->ar_index = 0;
    memset(v->seq, 0, sizeof(v->seq));
    memset(v->crtc, 0, sizeof(v->crtc));
    memset(v->gc, 0, sizeof(v->gc));
    memset(v->ar, 0, sizeof(v->ar));
    v->ar_flip = false;
    v->dac_mask = 0xff;
    v->dac_read_index = v->dac_write_index = v->dac_sub = v->dac_state = 0;
    memset(v->dac_latch, 0, sizeof(v->dac_latch));
    memset(v->dac, 0, sizeof(v->dac));
    memset(v->latch, 0, sizeof(v->latch));
    v->vbe_index = 0;
    memset(v->vbe, 0, sizeof(v->vbe));
    v->vbe[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    v->vbe[VBE_DISPI_INDEX_XRES] = 640;
    v->vbe[VBE_DISPI_INDEX_YRES] = 480;
    v->vbe[VBE_DISPI_INDEX_BPP] = 8;
    v->vbe[VBE_DISPI_INDEX_VIRT_WIDTH] = 640;
    vbe_update_layout(v);
    memset(v->vram, 0, VGA_VRAM_SIZE);
    vga_touch(v);
}

bool vga_init(Vga *v, IoBus *bus, Clock *clock, PhysMem *mem)
{
    memset(v, 0, sizeof(*v));
    v->bus = bus;
    v->clock = clock;
    v->mem = mem;
    v->vram = calloc(1, VGA_VRAM_SIZE);
    if (!v->vram)
        return false;
    vga_reset(v);
    bool ok = bus_register(bus, 0x3b0, 0x30, &vga_io_ops, v);
    ok = bus_register(bus, 0x1ce, 3, &vbe_io_ops, v) && ok;
    if (mem)
        ok = mem_add_mmio(mem, 0xa0000, 0x20000, &vga_mem_ops, v) && ok;
    return ok;
}

void vga_free(Vga *v)
{
    vga_map_lfb(v, 0);
    free(v->vram);
    v->vram = NULL;
}
