/*
 * display_mouse.c - a guest ROM for tests/system/boot_display_input.sh
 * (issue 6, "Done means" item 4): it sets the PS/2 mouse up the way a
 * driver does (reset, IntelliMouse knock 200/100/80 for the wheel, 8
 * counts/mm, 100 samples/s, stream mode) through the i8042 with its
 * interrupts off, then polls port 0x64/0x60 and prints every 4-byte packet
 * on the debug console (port 0xe9) as
 *     PKT buttons=B dx=X dy=Y dz=Z
 * (dx right, dy up, dz the wheel, positive towards the user; B bit 0 left,
 * 1 right, 2 middle), and every keyboard byte as KBD xx. It never exits:
 * the test ends the run.
 */
#include "guest.h"

static void wait_write(void)
{
    while (inb(0x64) & 2)
        ;
}

static int read_byte(uint32_t tries)
{
    while (tries--)
        if (inb(0x64) & 1)
            return inb(0x60);
    return -1;
}

static void ctl_cmd(uint8_t c)
{
    wait_write();
    outb(0x64, c);
}

/* A byte to the mouse; returns its answer (0xfa expected). */
static int mouse_cmd(uint8_t v)
{
    ctl_cmd(0xd4);
    wait_write();
    outb(0x60, v);
    return read_byte(1000000);
}

static void print_sdec(int v)
{
    if (v < 0) {
        print("-");
        v = -v;
    }
    print_dec((uint32_t)v);
}

static void hex2(uint32_t v)
{
    static const char d[] = "0123456789abcdef";
    char s[3] = { d[(v >> 4) & 15], d[v & 15], 0 };
    print(s);
}

void guest_main(void)
{
    ctl_cmd(0x20); /* read the command byte */
    int ctr = read_byte(1000000);
    ctl_cmd(0x60);
    wait_write();
    outb(0x60, (uint8_t)((ctr & ~3) & ~0x20)); /* no IRQs, aux clock on */
    ctl_cmd(0xa8);                             /* enable the aux port */
    while (read_byte(1000) >= 0)
        ;
    int ack = mouse_cmd(0xff);
    int bat = read_byte(1000000), id0 = read_byte(1000000);
    static const uint8_t knock[] = { 0xf3, 200, 0xf3, 100, 0xf3, 80, 0xe8, 3, 0xf3, 100 };
    for (unsigned i = 0; i < sizeof(knock); i++)
        mouse_cmd(knock[i]);
    mouse_cmd(0xf2);
    int id = read_byte(1000000);
    mouse_cmd(0xf4);
    print("MOUSE-READY reset=");
    hex2((uint32_t)ack);
    print(" ");
    hex2((uint32_t)bat);
    print(" ");
    hex2((uint32_t)id0);
    print(" id=");
    hex2((uint32_t)id);
    print("\n");
    int n = 0;
    uint8_t p[4];
    for (;;) {
        uint8_t st = inb(0x64);
        if (!(st & 1))
            continue;
        uint8_t b = inb(0x60);
        if (!(st & 0x20)) {
            print("KBD ");
            hex2(b);
            print("\n");
            continue;
        }
        if (n == 0 && !(b & 8))
            continue; /* out of step: bit 3 of the first byte is always set */
        p[n++] = b;
        if (n < (id == 3 ? 4 : 3))
            continue;
        n = 0;
        int dx = p[1] - ((p[0] & 0x10) ? 256 : 0);
        int dy = p[2] - ((p[0] & 0x20) ? 256 : 0);
        int dz = id == 3 ? (int8_t)p[3] : 0;
        print("PKT buttons=");
        print_dec(p[0] & 7);
        print(" dx=");
        print_sdec(dx);
        print(" dy=");
        print_sdec(dy);
        print(" dz=");
        print_sdec(dz);
        print("\n");
    }
}
