/*
 * smc_dma.c - DMA over code that already ran (issue 4, "Done means" 2).
 * Runs with a floppy image (-fda smc_dma.img, built by CMakeLists.txt):
 * sector 1 of cylinder 0, head 0 holds 511 bytes of INC EAX (0x40) and a
 * RET. The guest runs a routine in a page of RAM ("mov $1, %eax; ret"),
 * then has the 82077AA floppy controller read that sector over it through
 * the 8237's channel 2 (so the CPU never stores there), and runs it again:
 * it must now count EAX up by 511. A second read lands in the middle of a
 * routine that ran, and a third over code that ran through the same
 * linear address after the previous DMA.
 *
 * The controller is polled (MSR), not interrupt-driven, so the test needs
 * no PIC set-up; seeks are finished with SENSE INTERRUPT STATUS retried
 * until it reports the seek end (82077AA datasheet, "Command set").
 */
#include "guest.h"

#define FDC_DOR 0x3f2
#define FDC_MSR 0x3f4
#define FDC_FIFO 0x3f5
#define FDC_CCR 0x3f7
#define MSR_RQM 0x80
#define MSR_DIO 0x40

/* The DMA target: one page, and a 64 KiB-safe address below 16 MiB. */
static uint8_t page[4096] __attribute__((aligned(4096)));

typedef uint32_t (*fn_t)(uint32_t);

static uint32_t run(void *p, uint32_t eax_in)
{
    uint32_t r;
    __asm__ volatile("call *%2" : "=a"(r) : "a"(eax_in), "r"(p) : "memory", "ecx", "edx");
    return r;
}

static int fdc_wait(uint8_t want)
{
    for (uint32_t i = 0; i < 10000000; i++) {
        uint8_t s = inb(FDC_MSR);
        if ((s & (MSR_RQM | MSR_DIO)) == want)
            return 1;
    }
    print("FAIL: floppy controller timed out\n");
    guest_exit(1);
}

static void fdc_out(uint8_t v)
{
    fdc_wait(MSR_RQM);
    outb(FDC_FIFO, v);
}

static uint8_t fdc_in(void)
{
    fdc_wait(MSR_RQM | MSR_DIO);
    return inb(FDC_FIFO);
}

/* SENSE INTERRUPT STATUS until ST0 says seek end (or give up). */
static uint8_t fdc_sense_seek(void)
{
    for (int i = 0; i < 100000; i++) {
        fdc_out(0x08);
        uint8_t st0 = fdc_in();
        if (st0 == 0x80) /* invalid: nothing pending yet */
            continue;
        fdc_in(); /* PCN */
        if (st0 & 0x20)
            return st0;
    }
    print("FAIL: no seek end from the floppy controller\n");
    guest_exit(1);
}

static void fdc_init(void)
{
    outb(FDC_DOR, 0x00); /* reset */
    for (volatile int i = 0; i < 100; i++)
        ;
    outb(FDC_DOR, 0x1c); /* motor A, DMA and IRQ gate, drive 0, out of reset */
    /* After a reset the controller has one interrupt per drive to report. */
    for (int i = 0; i < 4; i++) {
        fdc_out(0x08);
        uint8_t st0 = fdc_in();
        if (st0 != 0x80)
            fdc_in();
    }
    outb(FDC_CCR, 0x00); /* 500 kb/s: a 1.44M disk */
    fdc_out(0x03);       /* SPECIFY: SRT/HUT, HLT and ND = 0 (DMA mode) */
    fdc_out(0xdf);
    fdc_out(0x02);
    fdc_out(0x07); /* RECALIBRATE drive 0 */
    fdc_out(0x00);
    uint8_t st0 = fdc_sense_seek();
    CHECK("recalibrate: ST0 normal seek end", st0 & 0xf8, 0x20);
}

/* 8237 channel 2: single mode, address increment, write to memory. */
static void dma_setup(uint32_t addr, uint32_t len)
{
    outb(0x0a, 0x06);       /* mask channel 2 */
    outb(0x0c, 0x00);       /* clear the byte flip-flop */
    outb(0x0b, 0x46);       /* mode: single, increment, write (to memory), ch 2 */
    outb(0x04, (uint8_t)addr);
    outb(0x04, (uint8_t)(addr >> 8));
    outb(0x81, (uint8_t)(addr >> 16)); /* page register of channel 2 */
    outb(0x0c, 0x00);
    outb(0x05, (uint8_t)(len - 1));
    outb(0x05, (uint8_t)((len - 1) >> 8));
    outb(0x0a, 0x02); /* unmask channel 2 */
}

/* READ DATA of C0 H0 S1 (512 bytes) to addr by DMA. */
static void read_sector(uint32_t addr)
{
    dma_setup(addr, 512);
    fdc_out(0x46); /* READ DATA, MFM */
    fdc_out(0x00); /* head 0, drive 0 */
    fdc_out(0x00); /* C */
    fdc_out(0x00); /* H */
    fdc_out(0x01); /* R */
    fdc_out(0x02); /* N: 512 bytes */
    fdc_out(0x01); /* EOT: the last sector to read */
    fdc_out(0x1b); /* GPL */
    fdc_out(0xff); /* DTL */
    uint8_t res[7];
    for (int i = 0; i < 7; i++)
        res[i] = fdc_in();
    /* ST0 bits 7-6: 00 normal termination; 01 with ST1.EN is what a read
     * stopping at EOT reports when TC came with the last byte. */
    CHECK("READ DATA: no error in ST0 (IC 00 or 01 at EOT)", (res[0] & 0x80) | (res[1] & 0x37) | (res[2] & 0x7f),
          0);
}

static void put_mov_ret(uint8_t *p, uint32_t v)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3;
}

void guest_main(void)
{
    print("smc_dma: the floppy controller DMAs a sector over code that ran\n");
    fdc_init();

    /* 1: over a whole routine at the start of the page. */
    put_mov_ret(page, 1);
    CHECK("before DMA: mov $1", run(page, 0), 1);
    CHECK("before DMA: mov $1 again (cached)", run(page, 0), 1);
    read_sector((uint32_t)page);
    CHECK("DMA landed (first byte)", page[0], 0x40);
    CHECK("DMA landed (last byte)", page[511], 0xc3);
    CHECK("after DMA: 511 x inc eax", run(page, 0), 511);

    /* 2: a routine at 0x800 of the page whose middle the DMA covers. */
    memset(page + 0x800, 0x90, 0x400);        /* nops */
    put_mov_ret(page + 0xa00, 7);             /* at 0xa00: mov $7; ret */
    CHECK("before DMA: nops, mov $7", run(page + 0x800, 0), 7);
    read_sector((uint32_t)page + 0x900);      /* 0x900-0xaff: incs, then ret */
    CHECK("after DMA into the middle: 256 nops, 511 incs", run(page + 0x800, 5), 516);

    /* 3: run the DMAed code, overwrite it with a routine, run that, DMA
     * again over it. */
    put_mov_ret(page, 3);
    CHECK("CPU rewrote the DMAed code", run(page, 0), 3);
    read_sector((uint32_t)page);
    CHECK("DMA over it again", run(page, 100), 611);
}
