/*
 * display_anim.c - the guests of the display benchmark (display_bench.sh,
 * issue 6 "Done means" item 5). Built three times:
 *   DISPLAY_WORK=1  an idle 80x25 text screen: filled once, then HLT
 *   DISPLAY_WORK=2  a scrolling text screen: every timer tick the 80x25
 *                   screen moves up a row and a new row is written
 *   DISPLAY_WORK=3  a full-screen 1024x768x32 animation through the Bochs
 *                   VBE linear framebuffer: one whole new frame per tick
 * The PIT interrupts 100 times a second of guest time; after 1000 ticks
 * (10 s of guest time) the guest prints its frame count and exits through
 * port 0xf4. No BIOS runs: the VGA registers are programmed here (IBM's
 * mode 3 table, as tests/guest/vga/vgatest.c does; no font is loaded,
 * which costs the renderer the same as any glyphs).
 */
#include "guest.h"

#ifndef DISPLAY_WORK
#error "build with -DDISPLAY_WORK=1, 2 or 3"
#endif

#define TICKS_HZ 100
#define RUN_TICKS 1000

volatile uint32_t ticks;
void tick_isr(void);
__asm__(".globl tick_isr\n"
        "tick_isr:\n"
        "    incl ticks\n"
        "    pushl %eax\n"
        "    movb $0x20, %al\n"
        "    outb %al, $0x20\n"
        "    popl %eax\n"
        "    iretl\n");

static void timer_start(void)
{
    outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); /* vectors 0x20-0x27 */
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    outb(0x21, 0xfe); /* only IRQ 0 */
    rt_set_idt(0x20, tick_isr);
    uint16_t div = (uint16_t)(1193182 / TICKS_HZ);
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
    outb(0x40, (uint8_t)div);
    outb(0x40, (uint8_t)(div >> 8));
    __asm__ volatile("sti");
}

static void wait_tick(uint32_t t)
{
    while (ticks < t)
        __asm__ volatile("hlt");
}

static void finish(uint32_t frames)
{
    __asm__ volatile("cli");
    print("display-bench: frames=");
    print_dec(frames);
    print(" ticks=");
    print_dec(ticks);
    print("\n");
    outb(GUEST_EXITPORT, 0);
    for (;;)
        __asm__ volatile("hlt");
}

#if DISPLAY_WORK == 1 || DISPLAY_WORK == 2
static void seq_w(uint8_t i, uint8_t v) { outw(0x3c4, (uint16_t)(v << 8 | i)); }
static void gc_w(uint8_t i, uint8_t v) { outw(0x3ce, (uint16_t)(v << 8 | i)); }
static void crtc_w(uint8_t i, uint8_t v) { outw(0x3d4, (uint16_t)(v << 8 | i)); }
static void ar_w(uint8_t i, uint8_t v)
{
    (void)inb(0x3da);
    outb(0x3c0, i);
    outb(0x3c0, v);
}

/* IBM VGA mode 3 (FreeVGA's register tables). */
static const uint8_t m3_seq[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t m3_crtc[25] = { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
                                     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff };
static const uint8_t m3_gc[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff };
static const uint8_t m3_ar[21] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                   0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00 };

static void text_mode(void)
{
    seq_w(0, 0x01);
    outb(0x3c2, 0x67);
    for (uint8_t i = 1; i < 5; i++)
        seq_w(i, m3_seq[i]);
    seq_w(0, m3_seq[0]);
    crtc_w(0x11, 0x0e);
    for (uint8_t i = 0; i < 25; i++)
        crtc_w(i, m3_crtc[i]);
    for (uint8_t i = 0; i < 9; i++)
        gc_w(i, m3_gc[i]);
    for (uint8_t i = 0; i < 21; i++)
        ar_w(i, m3_ar[i]);
    outb(0x3c8, 0);
    for (int i = 0; i < 64; i++) { /* the EGA 64-colour DAC entries the AR uses */
        outb(0x3c9, (uint8_t)(((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21));
        outb(0x3c9, (uint8_t)(((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21));
        outb(0x3c9, (uint8_t)((i & 1) * 42 + ((i >> 3) & 1) * 21));
    }
    (void)inb(0x3da);
    outb(0x3c0, 0x20);
}

static volatile uint16_t *const text = (volatile uint16_t *)0xb8000;

static void text_row(int row, uint32_t n)
{
    for (int x = 0; x < 80; x++)
        text[row * 80 + x] = (uint16_t)(((n + (uint32_t)x) & 0x7f) | 0x20 | ((((n >> 3) + 1) & 15) << 8));
}
#endif

void guest_main(void)
{
    uint32_t frames = 0;
#if DISPLAY_WORK == 1
    text_mode();
    for (int r = 0; r < 25; r++)
        text_row(r, (uint32_t)r);
    timer_start();
    wait_tick(RUN_TICKS);
#elif DISPLAY_WORK == 2
    text_mode();
    for (int r = 0; r < 25; r++)
        text_row(r, (uint32_t)r);
    timer_start();
    for (uint32_t t = 1; t <= RUN_TICKS; t++) {
        for (int i = 0; i < 24 * 80; i++)
            text[i] = text[i + 80];
        text_row(24, 25 + t);
        frames++;
        wait_tick(t);
    }
#else
    volatile uint32_t *lfb = (volatile uint32_t *)guest_vga_lfb();
    if (!lfb)
        finish(0);
    static const uint16_t regs[][2] = { { 4, 0 }, { 1, 1024 }, { 2, 768 }, { 3, 32 }, { 4, 0x41 } };
    for (unsigned i = 0; i < 5; i++) {
        outw(0x1ce, regs[i][0]);
        outw(0x1cf, regs[i][1]);
    }
    timer_start();
    uint32_t t = 0;
    while (ticks < RUN_TICKS) {
        /* a moving gradient: every pixel changes every frame */
        volatile uint32_t *p = lfb;
        for (uint32_t y = 0; y < 768; y++) {
            uint32_t row = ((y + t) & 255) << 8 | (t & 255) << 16;
            for (uint32_t x = 0; x < 1024; x++)
                *p++ = row | ((x + t) & 255);
        }
        frames++;
        t++;
        wait_tick(t);
    }
#endif
    finish(frames);
}
