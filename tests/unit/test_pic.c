/*
 * test_pic.c - the 8259A pair with the PIIX3 ELCR, alone on a local bus:
 * each test programs the chips through their ports as firmware would and
 * checks INTR, the vectors of INTA cycles and the IRR/ISR/IMR registers
 * against the 8259A datasheet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/bus.h"
#include "hw/pic.h"

typedef struct Rig {
    IoBus bus;
    Pic pic;
    int intr;     /* INTR level as driven */
    int changes;  /* how many times INTR was driven */
} Rig;

static void rig_intr(void *opaque, int n, int level)
{
    Rig *r = opaque;
    (void)n;
    r->intr = level;
    r->changes++;
}

static void out8(Rig *r, uint16_t port, uint8_t v)
{
    bus_out(&r->bus, port, v, 1);
}

static uint8_t in8(Rig *r, uint16_t port)
{
    return (uint8_t)bus_in(&r->bus, port, 1);
}

static void irq(Rig *r, int n, int level)
{
    pic_set_irq(&r->pic, n, level);
}

/* The PC/AT initialization SeaBIOS and Linux use: edge, cascade, ICW4
 * 8086 mode, vectors 0x08 and 0x70 (or whatever base is given). */
static void init_pair(Rig *r, uint8_t mbase, uint8_t sbase, uint8_t icw4)
{
    out8(r, 0x20, 0x11);
    out8(r, 0x21, mbase);
    out8(r, 0x21, 0x04);
    out8(r, 0x21, icw4);
    out8(r, 0xa0, 0x11);
    out8(r, 0xa1, sbase);
    out8(r, 0xa1, 0x02);
    out8(r, 0xa1, icw4);
    out8(r, 0x21, 0x00);
    out8(r, 0xa1, 0x00);
}

static int setup(void **state)
{
    static Rig rig;
    Rig *r = &rig;
    bus_init(&r->bus);
    r->intr = 0;
    r->changes = 0;
    pic_init(&r->pic, &r->bus, irq_line(rig_intr, r, 0));
    init_pair(r, 0x08, 0x70, 0x01);
    *state = r;
    return 0;
}

/* Cascade: a master input gives base+n, a slave input base+n with the
 * master's IR2 in service too. */
static void cascade_vectors(void **state)
{
    Rig *r = *state;
    assert_int_equal(r->intr, 0);
    irq(r, 0, 1);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x08);
    assert_int_equal(pic_isr(&r->pic), 0x0001);
    assert_int_equal(pic_irr(&r->pic), 0x0000);
    assert_int_equal(r->intr, 0);
    out8(r, 0x20, 0x20);
    assert_int_equal(pic_isr(&r->pic), 0);

    irq(r, 9, 1);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x71);
    assert_int_equal(pic_isr(&r->pic), 0x0204);
    out8(r, 0xa0, 0x20);
    out8(r, 0x20, 0x20);
    assert_int_equal(pic_isr(&r->pic), 0);
    assert_int_equal(r->intr, 0);
    /* Every slave vector. */
    for (int n = 8; n < 16; n++) {
        irq(r, n, 0);
        irq(r, n, 1);
        assert_int_equal(pic_ack(&r->pic), 0x70 + n - 8);
        out8(r, 0xa0, 0x20);
        out8(r, 0x20, 0x20);
    }
}

/* After reset nothing reaches the CPU until an ICW sequence completes,
 * but OCW1 works (Linux's probe writes and reads back the IMR). */
static void uninitialized_after_reset(void **state)
{
    Rig *r = *state;
    pic_reset(&r->pic);
    irq(r, 0, 1);
    irq(r, 9, 1);
    assert_int_equal(r->intr, 0);
    out8(r, 0x21, 0xfb);
    assert_int_equal(in8(r, 0x21), 0xfb);
    out8(r, 0x20, 0x11);
    out8(r, 0x21, 0x08);
    out8(r, 0x21, 0x04);
    assert_int_equal(r->intr, 0); /* ICW4 still to come */
    out8(r, 0x21, 0x01);
    out8(r, 0x21, 0x00);
    /* ICW1 reset the edge latch: IRQ0 must go low and high again. The
     * slave, still uninitialized, holds its request without INT. */
    assert_int_equal(r->intr, 0);
    assert_int_equal(pic_irr(&r->pic), 0x0200);
    irq(r, 0, 0);
    irq(r, 0, 1);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_irr(&r->pic), 0x0201);
    assert_int_equal(pic_ack(&r->pic), 0x08);
    out8(r, 0x20, 0x20);
    assert_int_equal(r->intr, 0);
}

/* ICW1 without IC4, single: ICW2 then straight to OCW1. */
static void icw_single_no_icw4(void **state)
{
    Rig *r = *state;
    out8(r, 0x20, 0x12);
    out8(r, 0x21, 0x48);
    out8(r, 0x21, 0x01); /* this is OCW1, not ICW3/ICW4 */
    assert_int_equal(in8(r, 0x21), 0x01);
    assert_true(r->pic.chip[0].single);
    assert_false(r->pic.chip[0].auto_eoi);
    irq(r, 0, 1);
    assert_int_equal(r->intr, 0); /* masked */
    irq(r, 1, 1);
    assert_int_equal(pic_ack(&r->pic), 0x49);
}

/* ICW1 cascade without IC4: ICW2, ICW3, then OCW1; ICW4 bits are zero. */
static void icw_cascade_no_icw4(void **state)
{
    Rig *r = *state;
    out8(r, 0x20, 0x10);
    out8(r, 0x21, 0x20);
    out8(r, 0x21, 0x04);
    assert_int_equal(r->pic.chip[0].icw3, 0x04);
    out8(r, 0x21, 0x5a);
    assert_int_equal(in8(r, 0x21), 0x5a);
    assert_false(r->pic.chip[0].x86_mode);
    assert_int_equal(r->pic.chip[0].init_step, 0);
}

/* ICW4 stores AEOI, M/S, BUF and SFNM; ICW2 drops its low three bits. */
static void icw4_fields(void **state)
{
    Rig *r = *state;
    out8(r, 0x20, 0x11);
    out8(r, 0x21, 0x0f);
    out8(r, 0x21, 0x04);
    out8(r, 0x21, 0x1f);
    PicChip *c = &r->pic.chip[0];
    assert_int_equal(c->vector_base, 0x08);
    assert_true(c->x86_mode && c->auto_eoi && c->master_mode && c->buffered && c->sfnm);
}

/* ICW1 clears IMR, ISR, special mask and the RIS selection, and IR7
 * becomes the lowest priority. */
static void icw1_resets_state(void **state)
{
    Rig *r = *state;
    irq(r, 3, 1);
    pic_ack(&r->pic);
    out8(r, 0x21, 0xf0);
    out8(r, 0x20, 0x0b);  /* read ISR */
    out8(r, 0x20, 0x68);  /* set special mask */
    out8(r, 0x20, 0xc4);  /* IR4 lowest */
    out8(r, 0x20, 0x11);
    out8(r, 0x21, 0x08);
    out8(r, 0x21, 0x04);
    out8(r, 0x21, 0x01);
    PicChip *c = &r->pic.chip[0];
    assert_int_equal(c->imr, 0);
    assert_int_equal(c->isr, 0);
    assert_int_equal(c->lowest, 7);
    assert_false(c->special_mask);
    assert_false(c->read_isr);
}

/* OCW1: a masked request stays in IRR without INTR; unmasking raises it. */
static void ocw1_mask(void **state)
{
    Rig *r = *state;
    out8(r, 0x21, 0x02);
    irq(r, 1, 1);
    assert_int_equal(r->intr, 0);
    assert_int_equal(pic_irr(&r->pic) & 2, 2);
    out8(r, 0x21, 0x00);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x09);
    /* Masking the slave's input on the master blocks every slave IRQ. */
    out8(r, 0x20, 0x20);
    out8(r, 0x21, 0x04);
    irq(r, 12, 1);
    assert_int_equal(r->intr, 0);
    out8(r, 0x21, 0x00);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x74);
}

/* Fully nested priority: lower levels wait for the EOI, higher ones nest;
 * a non-specific EOI clears the highest level in service. */
static void priority_and_nonspecific_eoi(void **state)
{
    Rig *r = *state;
    irq(r, 5, 1);
    irq(r, 3, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0b);
    assert_int_equal(r->intr, 0); /* IR5 is below IR3 in service */
    irq(r, 1, 1);
    assert_int_equal(r->intr, 1); /* IR1 nests */
    assert_int_equal(pic_ack(&r->pic), 0x09);
    assert_int_equal(pic_isr(&r->pic), 0x0a);
    out8(r, 0x20, 0x20);
    assert_int_equal(pic_isr(&r->pic), 0x08);
    assert_int_equal(r->intr, 0);
    out8(r, 0x20, 0x20);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0d);
    /* Slave priority sits at the master's IR2: above IR3. */
    out8(r, 0x20, 0x20);
    irq(r, 3, 0);
    irq(r, 3, 1);
    irq(r, 15, 1);
    assert_int_equal(pic_ack(&r->pic), 0x77);
}

/* Specific EOI clears exactly the level named. */
static void specific_eoi(void **state)
{
    Rig *r = *state;
    irq(r, 4, 1);
    pic_ack(&r->pic);
    irq(r, 2 + 1, 1);
    pic_ack(&r->pic);
    assert_int_equal(pic_isr(&r->pic), 0x18);
    out8(r, 0x20, 0x64); /* specific EOI IR4 */
    assert_int_equal(pic_isr(&r->pic), 0x08);
    out8(r, 0x20, 0x63);
    assert_int_equal(pic_isr(&r->pic), 0x00);
}

/* Rotate on non-specific EOI: the level just served becomes the lowest. */
static void rotate_on_nonspecific_eoi(void **state)
{
    Rig *r = *state;
    irq(r, 4, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0c);
    out8(r, 0x20, 0xa0);
    assert_int_equal(r->pic.chip[0].lowest, 4);
    /* Now IR5 has the highest priority, IR4 the lowest. */
    irq(r, 4, 0);
    irq(r, 4, 1);
    irq(r, 0, 1);
    irq(r, 6, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0e);
    out8(r, 0x20, 0x60 | 6);
    assert_int_equal(pic_ack(&r->pic), 0x08);
    out8(r, 0x20, 0x60);
    assert_int_equal(pic_ack(&r->pic), 0x0c);
}

/* Set priority and rotate on specific EOI. */
static void set_priority_and_rotate_specific(void **state)
{
    Rig *r = *state;
    out8(r, 0x20, 0xc1); /* IR1 lowest, IR2 highest */
    irq(r, 0, 1);
    irq(r, 3, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0b);
    /* IR0 is now below IR3 in service: no INTR. */
    assert_int_equal(r->intr, 0);
    out8(r, 0x20, 0xe3); /* rotate on specific EOI of IR3 */
    assert_int_equal(r->pic.chip[0].lowest, 3);
    assert_int_equal(pic_isr(&r->pic), 0);
    assert_int_equal(pic_ack(&r->pic), 0x08);
    /* OCW2 with R SL EOI = 010 does nothing. */
    out8(r, 0x20, 0x40);
    assert_int_equal(pic_isr(&r->pic), 1);
}

/* Auto-EOI: INTA leaves ISR clear; rotate-in-AEOI rotates on each INTA. */
static void auto_eoi_and_rotation(void **state)
{
    Rig *r = *state;
    init_pair(r, 0x08, 0x70, 0x03);
    irq(r, 3, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0b);
    assert_int_equal(pic_isr(&r->pic), 0);
    out8(r, 0x20, 0x80); /* rotate in AEOI mode: set */
    assert_true(r->pic.chip[0].rotate_on_aeoi);
    irq(r, 5, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0d);
    assert_int_equal(r->pic.chip[0].lowest, 5);
    out8(r, 0x20, 0x00); /* clear */
    assert_false(r->pic.chip[0].rotate_on_aeoi);
    /* A slave in AEOI with two requests: the second is not lost. */
    irq(r, 9, 1);
    irq(r, 10, 1);
    assert_int_equal(pic_ack(&r->pic), 0x71);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x72);
}

/* OCW3 selects IRR or ISR on the even port; the odd port reads IMR. */
static void ocw3_read_registers(void **state)
{
    Rig *r = *state;
    irq(r, 6, 1);
    irq(r, 1, 1);
    pic_ack(&r->pic);
    out8(r, 0x20, 0x0a);
    assert_int_equal(in8(r, 0x20), 0x40);
    out8(r, 0x20, 0x0b);
    assert_int_equal(in8(r, 0x20), 0x02);
    assert_int_equal(in8(r, 0x20), 0x02); /* the selection persists */
    out8(r, 0x20, 0x08);                  /* RR = 0: no change */
    assert_int_equal(in8(r, 0x20), 0x02);
    out8(r, 0xa1, 0xa5);
    assert_int_equal(in8(r, 0xa1), 0xa5);
    assert_int_equal(pic_imr(&r->pic), 0xa500);
}

/* Poll: the read after OCW3 P=1 is the INTA: I bit and level. */
static void poll_command(void **state)
{
    Rig *r = *state;
    out8(r, 0x20, 0x0c);
    assert_int_equal(in8(r, 0x20), 0x00); /* nothing requested */
    irq(r, 5, 1);
    out8(r, 0x20, 0x0c);
    assert_int_equal(in8(r, 0x20), 0x85);
    assert_int_equal(pic_isr(&r->pic), 0x20);
    assert_int_equal(pic_irr(&r->pic), 0x00);
    /* Only one read is the poll word. */
    assert_int_equal(in8(r, 0x20), 0x00);
    /* The slave polls on its own. */
    irq(r, 11, 1);
    out8(r, 0xa0, 0x0c);
    assert_int_equal(in8(r, 0xa1), 0x83);
    assert_int_equal(pic_isr(&r->pic) >> 8, 0x08);
}

/* Special mask mode: masking the level in service lets lower ones in. */
static void special_mask_mode(void **state)
{
    Rig *r = *state;
    irq(r, 3, 1);
    pic_ack(&r->pic);
    irq(r, 5, 1);
    assert_int_equal(r->intr, 0);
    out8(r, 0x20, 0x68); /* ESMM SMM: set */
    out8(r, 0x21, 0x08); /* mask IR3, in service */
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0d);
    assert_int_equal(pic_isr(&r->pic), 0x28);
    out8(r, 0x20, 0x48); /* reset special mask */
    assert_false(r->pic.chip[0].special_mask);
    /* Without special mask a masked level in service still blocks. */
    irq(r, 6, 1);
    out8(r, 0x20, 0x65);
    assert_int_equal(r->intr, 0);
}

/* Special fully nested: a second slave request of higher priority gets
 * through while the slave is in service. */
static void special_fully_nested(void **state)
{
    Rig *r = *state;
    init_pair(r, 0x08, 0x70, 0x01);
    out8(r, 0x20, 0x11);
    out8(r, 0x21, 0x08);
    out8(r, 0x21, 0x04);
    out8(r, 0x21, 0x11);
    irq(r, 12, 1);
    assert_int_equal(pic_ack(&r->pic), 0x74);
    irq(r, 8, 1);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x70);
    /* A lower master level still waits for the IR2 EOI. */
    out8(r, 0xa0, 0x20);
    irq(r, 4, 1);
    assert_int_equal(r->intr, 0);
}

/* Edge inputs: the request is latched on the rising edge and needs the
 * line to go low and high again for another; a pulse is kept. */
static void edge_latch(void **state)
{
    Rig *r = *state;
    irq(r, 1, 1);
    assert_int_equal(pic_ack(&r->pic), 0x09);
    out8(r, 0x20, 0x20);
    irq(r, 1, 1); /* still high: no edge */
    assert_int_equal(r->intr, 0);
    irq(r, 1, 0);
    irq(r, 1, 1);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x09);
    out8(r, 0x20, 0x20);
    irq(r, 1, 0);
    /* A pulse within one instant stays requested. */
    irq(r, 7, 1);
    irq(r, 7, 0);
    assert_int_equal(r->intr, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0f);
    assert_int_equal(pic_isr(&r->pic), 0x80);
    /* After ICW1 a line that is still high is no new request. */
    irq(r, 4, 1);
    init_pair(r, 0x08, 0x70, 0x01);
    assert_int_equal(r->intr, 0);
    irq(r, 4, 0);
    irq(r, 4, 1);
    assert_int_equal(r->intr, 1);
}

/* Level inputs (ELCR): IRR follows the line, and a line still high after
 * the EOI requests again. ELCR bits of IRQ 0, 1, 2, 8, 13 are fixed 0. */
static void level_mode_and_elcr(void **state)
{
    Rig *r = *state;
    out8(r, 0x4d0, 0xff);
    out8(r, 0x4d1, 0xff);
    assert_int_equal(in8(r, 0x4d0), 0xf8);
    assert_int_equal(in8(r, 0x4d1), 0xde);
    bus_out(&r->bus, 0x4d0, 0x0c20, 2);
    assert_int_equal(bus_in(&r->bus, 0x4d0, 2), 0x0c20);
    assert_int_equal(pic_elcr(&r->pic), 0x0c20);

    irq(r, 10, 1);
    assert_int_equal(r->intr, 1);
    irq(r, 10, 0);
    assert_int_equal(r->intr, 0);
    assert_int_equal(pic_irr(&r->pic) & 0x400, 0);
    irq(r, 10, 1);
    assert_int_equal(pic_ack(&r->pic), 0x72);
    assert_int_equal(pic_irr(&r->pic) & 0x400, 0x400); /* line still high */
    out8(r, 0xa0, 0x20);
    out8(r, 0x20, 0x20);
    assert_int_equal(r->intr, 1); /* requests again */
    irq(r, 10, 0);
    assert_int_equal(r->intr, 0);
    /* A level request dropped while in service does not come back. */
    irq(r, 5, 1);
    assert_int_equal(pic_ack(&r->pic), 0x0d);
    irq(r, 5, 0);
    out8(r, 0x20, 0x20);
    assert_int_equal(r->intr, 0);
}

/* A request that went away before INTA: IR7 of the chip, no ISR bit on
 * the master; a slave one leaves the master's IR2 in service. */
static void spurious_irq7_and_irq15(void **state)
{
    Rig *r = *state;
    out8(r, 0x4d0, 0x20);
    irq(r, 5, 1);
    irq(r, 5, 0);
    assert_int_equal(pic_ack(&r->pic), 0x0f);
    assert_int_equal(pic_isr(&r->pic), 0);

    out8(r, 0x4d1, 0x08);
    irq(r, 11, 1);
    assert_int_equal(r->intr, 1);
    irq(r, 11, 0);
    assert_int_equal(r->intr, 0);
    /* A CPU that sampled INT before it fell still runs the INTA cycle. */
    assert_int_equal(pic_ack(&r->pic), 0x77);
    assert_int_equal(pic_isr(&r->pic), 0x0004);
    out8(r, 0x20, 0x20);
    assert_int_equal(pic_isr(&r->pic), 0);
    assert_int_equal(r->intr, 0);
}

/* 16-bit accesses reach both ports as byte accesses; IRQ2 input and bad
 * IRQ numbers are ignored. */
static void wide_access_and_bad_irq(void **state)
{
    Rig *r = *state;
    bus_out(&r->bus, 0x20, 0x300a, 2); /* OCW3 read IRR, then OCW1 mask 0x30 */
    assert_int_equal(in8(r, 0x21), 0x30);
    irq(r, 2, 1);
    irq(r, -1, 1);
    irq(r, 16, 1);
    assert_int_equal(pic_irr(&r->pic), 0);
    assert_int_equal(r->intr, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(cascade_vectors, setup),
        cmocka_unit_test_setup(uninitialized_after_reset, setup),
        cmocka_unit_test_setup(icw_single_no_icw4, setup),
        cmocka_unit_test_setup(icw_cascade_no_icw4, setup),
        cmocka_unit_test_setup(icw4_fields, setup),
        cmocka_unit_test_setup(icw1_resets_state, setup),
        cmocka_unit_test_setup(ocw1_mask, setup),
        cmocka_unit_test_setup(priority_and_nonspecific_eoi, setup),
        cmocka_unit_test_setup(specific_eoi, setup),
        cmocka_unit_test_setup(rotate_on_nonspecific_eoi, setup),
        cmocka_unit_test_setup(set_priority_and_rotate_specific, setup),
        cmocka_unit_test_setup(auto_eoi_and_rotation, setup),
        cmocka_unit_test_setup(ocw3_read_registers, setup),
        cmocka_unit_test_setup(poll_command, setup),
        cmocka_unit_test_setup(special_mask_mode, setup),
        cmocka_unit_test_setup(special_fully_nested, setup),
        cmocka_unit_test_setup(edge_latch, setup),
        cmocka_unit_test_setup(level_mode_and_elcr, setup),
        cmocka_unit_test_setup(spurious_irq7_and_irq15, setup),
        cmocka_unit_test_setup(wide_access_and_bad_irq, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
