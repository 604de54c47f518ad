/*
 * test_dma.c - the 8237A pair alone on a local bus with 1 MiB of RAM:
 * register access through the flip-flop, masks, status TC bits, master
 * clear, page registers, and dma_transfer() with autoinit, decrement,
 * verify, page wrap and the 16-bit channels' word addressing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/bus.h"
#include "hw/dma.h"
#include "mmu/mem.h"

typedef struct Rig {
    IoBus bus;
    PhysMem *mem;
    Dma dma;
} Rig;

static int setup(void **state)
{
    static Rig rig;
    const char *err = NULL;
    bus_init(&rig.bus);
    rig.mem = mem_create(1u << 20, &err);
    assert_non_null(rig.mem);
    dma_init(&rig.dma, &rig.bus, rig.mem);
    *state = &rig;
    return 0;
}

static int teardown(void **state)
{
    Rig *r = *state;
    mem_destroy(r->mem);
    return 0;
}

static void outb(Rig *r, uint16_t port, uint8_t v)
{
    bus_out(&r->bus, port, v, 1);
}

static uint8_t inb(Rig *r, uint16_t port)
{
    return (uint8_t)bus_in(&r->bus, port, 1);
}

/* Program an 8-bit channel (0-3) of controller 1. */
static void setup_ch8(Rig *r, int ch, uint8_t mode, uint8_t page, uint16_t addr, uint16_t count)
{
    static const uint16_t page_port[4] = { 0x87, 0x83, 0x81, 0x82 };
    outb(r, 0x0a, (uint8_t)(4 | ch)); /* mask */
    outb(r, 0x0c, 0);                 /* clear flip-flop */
    outb(r, 0x0b, (uint8_t)(mode | ch));
    outb(r, (uint16_t)(ch * 2), (uint8_t)addr);
    outb(r, (uint16_t)(ch * 2), (uint8_t)(addr >> 8));
    outb(r, (uint16_t)(ch * 2 + 1), (uint8_t)count);
    outb(r, (uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
    outb(r, page_port[ch], page);
    outb(r, 0x0a, (uint8_t)ch); /* unmask */
}

/* Datasheet: address and count registers are written and read low byte
 * then high byte, the flip-flop toggling on each access; 0x0c clears it. */
static void flipflop_readback(void **state)
{
    Rig *r = *state;
    outb(r, 0x0c, 0);
    outb(r, 0x02, 0x34);
    outb(r, 0x02, 0x12); /* ch1 address 0x1234 */
    outb(r, 0x03, 0x78);
    outb(r, 0x03, 0x56); /* ch1 count 0x5678 */
    assert_int_equal(inb(r, 0x02), 0x34);
    assert_int_equal(inb(r, 0x02), 0x12);
    assert_int_equal(inb(r, 0x03), 0x78);
    assert_int_equal(inb(r, 0x03), 0x56);
    /* One read leaves the flip-flop on the high byte; clearing it resets. */
    assert_int_equal(inb(r, 0x02), 0x34);
    outb(r, 0x0c, 0);
    assert_int_equal(inb(r, 0x02), 0x34);
    assert_int_equal(inb(r, 0x02), 0x12);
    /* A 16-bit access is two byte accesses to consecutive ports: the
     * address low byte from 0x02, then (flip-flop now high) the count's
     * high byte from 0x03. */
    outb(r, 0x0c, 0);
    assert_int_equal(bus_in(&r->bus, 0x02, 2), 0x5634);
}

/* Single mask (0x0a), all-mask (0x0f), clear mask (0x0e), master clear
 * (0x0d) sets all masks; mask read-back through 0x0f. */
static void mask_registers(void **state)
{
    Rig *r = *state;
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x0f); /* masked after reset */
    outb(r, 0x0e, 0);
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x00);
    outb(r, 0x0a, 4 | 2);
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x04);
    outb(r, 0x0f, 0x09);
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x09);
    outb(r, 0x0a, 0);
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x08);
    outb(r, 0x0d, 0);
    assert_int_equal(inb(r, 0x0f) & 0x0f, 0x0f);
    /* Controller 2 on even ports: single mask 0xd4, clear mask 0xdc. */
    outb(r, 0xdc, 0);
    assert_int_equal(inb(r, 0xde) & 0x0f, 0x00);
    outb(r, 0xd4, 4 | 1);
    assert_int_equal(inb(r, 0xde) & 0x0f, 0x02);
    assert_false(dma_channel_ready(&r->dma, 5));
}

/* Status: TC bits set when a count expires, cleared by reading; request
 * bits show DREQ and software requests. */
static void status_tc_and_request(void **state)
{
    Rig *r = *state;
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    setup_ch8(r, 1, DMA_MODE_WRITE | DMA_MODE_SINGLE, 0, 0x100, 1);
    assert_int_equal(dma_transfer(&r->dma, 1, buf, 8, true), 2);
    assert_true(dma_channel_tc(&r->dma, 1));
    dma_request(&r->dma, 3, true);
    outb(r, 0x09, 4 | 0); /* software request ch0 */
    assert_int_equal(inb(r, 0x08), 0x02 | 0x80 | 0x10);
    assert_int_equal(inb(r, 0x08), 0x80 | 0x10); /* TC cleared by the read */
    dma_request(&r->dma, 3, false);
    outb(r, 0x09, 0);
    assert_int_equal(inb(r, 0x08), 0x00);
    /* Without autoinit, TC masks the channel. */
    assert_int_equal(inb(r, 0x0f) & 0x02, 0x02);
    assert_int_equal(dma_transfer(&r->dma, 1, buf, 8, true), 0);
    assert_int_equal(r->mem->ram[0x100], 1);
    assert_int_equal(r->mem->ram[0x101], 2);
    assert_int_equal(r->mem->ram[0x102], 0);
}

/* Write transfer with autoinit and decrement: bytes go downward from the
 * start address, TC reloads the base registers and leaves the channel
 * unmasked, so the next transfer repeats. */
static void transfer_autoinit_decrement(void **state)
{
    Rig *r = *state;
    uint8_t a[4] = { 0xa1, 0xa2, 0xa3, 0xa4 }, b[4] = { 0xb1, 0xb2, 0xb3, 0xb4 };
    setup_ch8(r, 2, DMA_MODE_WRITE | DMA_MODE_AUTOINIT | DMA_MODE_DECREMENT | DMA_MODE_BLOCK,
              0x02, 0x1003, 3);
    assert_int_equal(dma_transfer(&r->dma, 2, a, 4, true), 4);
    assert_true(dma_channel_tc(&r->dma, 2));
    assert_int_equal(r->mem->ram[0x21003], 0xa1);
    assert_int_equal(r->mem->ram[0x21000], 0xa4);
    outb(r, 0x0c, 0);
    assert_int_equal(inb(r, 0x04), 0x03); /* current address reloaded */
    assert_int_equal(inb(r, 0x04), 0x10);
    assert_int_equal(inb(r, 0x0f) & 0x04, 0); /* still unmasked */
    assert_int_equal(dma_transfer(&r->dma, 2, b, 2, true), 2);
    assert_false(dma_channel_tc(&r->dma, 2));
    assert_int_equal(r->mem->ram[0x21003], 0xb1);
    assert_int_equal(r->mem->ram[0x21002], 0xb2);
    assert_int_equal(r->mem->ram[0x21001], 0xa3);
    outb(r, 0x0c, 0);
    assert_int_equal(inb(r, 0x05), 0x01); /* current count 3 - 2 */
}

/* Read transfer (memory -> device) across the end of a 64 KiB page: the
 * 8237's address wraps to 0 inside the same page. */
static void transfer_read_page_wrap(void **state)
{
    Rig *r = *state;
    r->mem->ram[0x3fffe] = 0x11;
    r->mem->ram[0x3ffff] = 0x22;
    r->mem->ram[0x30000] = 0x33;
    r->mem->ram[0x30001] = 0x44;
    r->mem->ram[0x40000] = 0x99;
    uint8_t buf[4] = { 0 };
    setup_ch8(r, 3, DMA_MODE_READ | DMA_MODE_SINGLE, 0x03, 0xfffe, 3);
    assert_int_equal(dma_transfer(&r->dma, 3, buf, 4, false), 4);
    assert_int_equal(buf[0], 0x11);
    assert_int_equal(buf[1], 0x22);
    assert_int_equal(buf[2], 0x33);
    assert_int_equal(buf[3], 0x44);
}

/* A long transfer in pieces: the current address and count advance by
 * what moved, the address wraps inside the page, and TC ends the second
 * piece early with the count at 0xffff and the channel masked. */
static void transfer_partial_and_wrap(void **state)
{
    Rig *r = *state;
    uint8_t buf[300];
    for (int i = 0; i < 300; i++)
        buf[i] = (uint8_t)(i + 1);
    setup_ch8(r, 1, DMA_MODE_WRITE | DMA_MODE_DEMAND, 0x05, 0xff00, 0x1ff);
    assert_int_equal(dma_transfer(&r->dma, 1, buf, 300, true), 300);
    assert_false(dma_channel_tc(&r->dma, 1));
    assert_int_equal(r->mem->ram[0x5ff00], 1);
    assert_int_equal(r->mem->ram[0x5ffff], 0); /* the 256th byte: (uint8_t)256 */
    assert_int_equal(r->mem->ram[0x50000], 257 & 0xff);
    assert_int_equal(r->mem->ram[0x5002b], 300 & 0xff);
    assert_int_equal(r->mem->ram[0x60000], 0);
    outb(r, 0x0c, 0);
    assert_int_equal(inb(r, 0x02), 0x2c);
    assert_int_equal(inb(r, 0x02), 0x00);
    assert_int_equal(inb(r, 0x03), 0xd3); /* 0x1ff - 300 */
    assert_int_equal(inb(r, 0x03), 0x00);
    assert_int_equal(dma_transfer(&r->dma, 1, buf, 300, true), 212);
    assert_true(dma_channel_tc(&r->dma, 1));
    outb(r, 0x0c, 0);
    assert_int_equal(inb(r, 0x03), 0xff);
    assert_int_equal(inb(r, 0x03), 0xff);
    assert_int_equal(inb(r, 0x0f) & 0x02, 0x02);
}

/* Verify transfers touch no memory but count; a device pushing data into a
 * channel programmed for reads does not write memory either. */
static void transfer_verify(void **state)
{
    Rig *r = *state;
    uint8_t buf[4] = { 1, 2, 3, 4 };
    setup_ch8(r, 0, DMA_MODE_VERIFY | DMA_MODE_SINGLE, 0, 0x500, 3);
    assert_int_equal(dma_transfer(&r->dma, 0, buf, 4, true), 4);
    assert_true(dma_channel_tc(&r->dma, 0));
    assert_int_equal(r->mem->ram[0x500], 0);
    setup_ch8(r, 0, DMA_MODE_READ | DMA_MODE_SINGLE, 0, 0x500, 3);
    assert_int_equal(dma_transfer(&r->dma, 0, buf, 4, true), 4);
    assert_int_equal(r->mem->ram[0x500], 0);
    /* Controller disable (command bit 2) stops every channel. */
    setup_ch8(r, 0, DMA_MODE_WRITE | DMA_MODE_SINGLE, 0, 0x500, 3);
    outb(r, 0x08, DMA_CMD_DISABLE);
    assert_int_equal(dma_transfer(&r->dma, 0, buf, 4, true), 0);
}

/* Channels 5-7 count words and address words: address register 0x8000
 * with page 0x03 is byte 0x20000 + 0x10000 (page bit 0 unused), and the
 * window wraps at 128 KiB. */
static void transfer_16bit_word_addressing(void **state)
{
    Rig *r = *state;
    uint8_t buf[6] = { 1, 2, 3, 4, 5, 6 };
    outb(r, 0xd4, 4 | 1);
    outb(r, 0xd8, 0);
    outb(r, 0xd6, DMA_MODE_WRITE | DMA_MODE_SINGLE | 1);
    outb(r, 0xc4, 0x00);
    outb(r, 0xc4, 0x80);
    outb(r, 0xc6, 0x01); /* 2 words */
    outb(r, 0xc6, 0x00);
    outb(r, 0x8b, 0x03);
    outb(r, 0xd4, 1);
    assert_int_equal(dma_transfer(&r->dma, 5, buf, 6, true), 4);
    assert_true(dma_channel_tc(&r->dma, 5));
    assert_int_equal(r->mem->ram[0x30000], 1);
    assert_int_equal(r->mem->ram[0x30003], 4);
    assert_int_equal(r->mem->ram[0x30004], 0);
    assert_int_equal(inb(r, 0xd0) & 0x0f, 0x02); /* TC of channel 5 = bit 1 */
    outb(r, 0xd8, 0);
    assert_int_equal(inb(r, 0xc4), 0x02);
    assert_int_equal(inb(r, 0xc4), 0x80);

    /* Wrap: word address 0xffff is byte 0x1fffe of the window. */
    uint8_t w[4] = { 0x5a, 0x5b, 0x5c, 0x5d };
    outb(r, 0xd6, DMA_MODE_WRITE | DMA_MODE_SINGLE | 2); /* ch6, page 0x89 */
    outb(r, 0xd8, 0);
    outb(r, 0xc8, 0xff);
    outb(r, 0xc8, 0xff);
    outb(r, 0xca, 0x01);
    outb(r, 0xca, 0x00);
    outb(r, 0x89, 0x04);
    outb(r, 0xd4, 2);
    assert_int_equal(dma_transfer(&r->dma, 6, w, 4, true), 4);
    assert_int_equal(r->mem->ram[0x5fffe], 0x5a);
    assert_int_equal(r->mem->ram[0x5ffff], 0x5b);
    assert_int_equal(r->mem->ram[0x40000], 0x5c);
    assert_int_equal(r->mem->ram[0x60000], 0);
    /* Channel 4 is the cascade: never transfers. */
    assert_int_equal(dma_transfer(&r->dma, 4, w, 4, true), 0);
}

/* Page registers read back; 0x80 (POST code) is not ours. */
static void page_registers(void **state)
{
    Rig *r = *state;
    for (uint16_t p = 0x81; p <= 0x8f; p++)
        outb(r, p, (uint8_t)(p ^ 0x5a));
    for (uint16_t p = 0x81; p <= 0x8f; p++)
        assert_int_equal(inb(r, p), (uint8_t)(p ^ 0x5a));
    assert_int_equal(inb(r, 0x80), 0xff);
    dma_reset(&r->dma);
    assert_int_equal(inb(r, 0x87), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(flipflop_readback, setup, teardown),
        cmocka_unit_test_setup_teardown(mask_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(status_tc_and_request, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_autoinit_decrement, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_read_page_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_partial_and_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(transfer_16bit_word_addressing, setup, teardown),
        cmocka_unit_test_setup_teardown(page_registers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
