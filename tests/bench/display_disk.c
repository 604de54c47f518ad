/*
 * display_disk.c - a guest ROM for tests/system/boot_display_input.sh
 * (issue 6: "closing the window ends the run cleanly, images flushed"):
 * it writes one sector, LBA 0 of the primary master, with ATA PIO (WRITE
 * SECTORS, 0x30) filled with the text "RINGSIDE-FLUSH ", prints
 * DISK-WRITTEN (or DISK-ERROR and the status) on the debug console, and
 * then spins: the test closes the window and checks the image.
 */
#include "guest.h"

#define ATA_DATA 0x1f0
#define ATA_STATUS 0x1f7 /* read: status; write: command */
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

static uint8_t wait_not_busy(void)
{
    uint8_t st;
    while ((st = inb(ATA_STATUS)) & ST_BSY)
        ;
    return st;
}

void guest_main(void)
{
    static const char text[] = "RINGSIDE-FLUSH ";
    outb(0x1f6, 0xe0); /* master, LBA */
    wait_not_busy();
    outb(0x1f2, 1);
    outb(0x1f3, 0);
    outb(0x1f4, 0);
    outb(0x1f5, 0);
    outb(ATA_STATUS, 0x30);
    uint8_t st = wait_not_busy();
    if ((st & (ST_DRQ | ST_ERR)) == ST_DRQ) {
        for (int i = 0; i < 512; i += 2)
            outw(ATA_DATA, (uint16_t)((uint8_t)text[i % 15] | (uint8_t)text[(i + 1) % 15] << 8));
        st = wait_not_busy();
    }
    if (st & (ST_ERR | ST_DRQ)) {
        print("DISK-ERROR ");
        print_hex(st);
        print("\n");
    } else {
        print("DISK-WRITTEN\n");
    }
    for (;;)
        __asm__ volatile("pause");
}
