/*
 * i8042.c - the 8042 keyboard controller (Intel UPI-41/42 running IBM's
 * PC/AT and PS/2 firmware; command set per the IBM PS/2 hardware
 * interface technical reference), with the PS/2 keyboard and mouse of
 * hw/ps2.c on its two ports.
 *
 * The controller moves device bytes into its single output buffer one at
 * a time: its own command replies first, then the keyboard's queue, then
 * the mouse's, each only while that port is not disabled in the command
 * byte (the real 8042 holds the device's clock low, so the device keeps
 * its bytes). Keyboard bytes are translated from set 2 to set 1 when the
 * command byte's bit 6 is set. Writes complete at once, so IBF never
 * shows set.
 *
 * XXX: not modelled: the keylock, the password commands (0xa4 reports
 * none installed, 0xa5/0xa6 are ignored), the parity and timeout errors
 * (the devices always answer), the AT-only commands 0xc1/0xc2.
 */
#include "hw/i8042.h"

#include <string.h>

#define CTR(c) ((c)->ram[0])

static void i8042_update_irq(I8042 *c)
{
    int kbd = c->obf && !c->obf_aux && (CTR(c) & I8042_CTR_KBDINT);
    int aux = c->obf && c->obf_aux && (CTR(c) & I8042_CTR_AUXINT);
    if (kbd != c->irq_kbd_level) {
        c->irq_kbd_level = kbd;
        irq_set(&c->irq_kbd, kbd);
    }
    if (aux != c->irq_aux_level) {
        c->irq_aux_level = aux;
        irq_set(&c->irq_aux, aux);
    }
}

static void i8042_put(I8042 *c, uint8_t b, bool aux)
{
    c->outbuf = b;
    c->obf = true;
    c->obf_aux = aux;
}

/* Keyboard byte through the set 2 -> set 1 translation, if it is on: the
 * break prefix 0xf0 is swallowed and sets bit 7 of the code after it.
 * Returns -1 when nothing is left to deliver. */
static int i8042_kbd_byte(I8042 *c)
{
    for (;;) {
        int b = ps2_kbd_read(&c->kbd);
        if (b < 0 || !(CTR(c) & I8042_CTR_XLATE))
            return b;
        if (b == 0xf0) {
            c->xlate_break = true;
            continue;
        }
        b = ps2_translate((uint8_t)b);
        if (c->xlate_break)
            b |= 0x80;
        c->xlate_break = false;
        return b;
    }
}

/* Refill the output buffer if it is empty, then drive the IRQ lines. */
static void i8042_service(I8042 *c)
{
    if (!c->obf) {
        if (c->nreply) {
            i8042_put(c, c->reply[0], c->reply_aux[0]);
            c->nreply--;
            memmove(c->reply, c->reply + 1, (size_t)c->nreply);
            memmove(c->reply_aux, c->reply_aux + 1, (size_t)c->nreply * sizeof(bool));
        } else if (!(CTR(c) & I8042_CTR_KBDDIS) && ps2_kbd_has_data(&c->kbd)) {
            int b = i8042_kbd_byte(c);
            if (b >= 0)
                i8042_put(c, (uint8_t)b, false);
        }
        if (!c->obf && !(CTR(c) & I8042_CTR_AUXDIS) && ps2_mouse_has_data(&c->mouse))
            i8042_put(c, (uint8_t)ps2_mouse_read(&c->mouse), true);
    }
    i8042_update_irq(c);
}

static void i8042_notify(void *opaque)
{
    i8042_service(opaque);
}

static void i8042_reply(I8042 *c, uint8_t b, bool aux)
{
    if (c->nreply < (int)sizeof(c->reply)) {
        c->reply[c->nreply] = b;
        c->reply_aux[c->nreply] = aux;
        c->nreply++;
    }
    i8042_service(c);
}

static void i8042_set_a20(I8042 *c, bool on)
{
    if (on)
        c->outport |= I8042_OUT_A20;
    else
        c->outport &= (uint8_t)~I8042_OUT_A20;
    mem_set_a20(c->mem, on);
}

static void i8042_write_outport(I8042 *c, uint8_t val)
{
    /* Bits 4 and 5 are the buffer-full lines, driven by the controller. */
    c->outport = val & (uint8_t) ~(I8042_OUT_OBF | I8042_OUT_AUXOBF);
    i8042_set_a20(c, (val & I8042_OUT_A20) != 0);
    if (!(val & I8042_OUT_RESET))
        c->bus->reset = true;
}

static uint8_t i8042_read_outport(const I8042 *c)
{
    uint8_t v = c->outport;
    if (c->obf && !c->obf_aux)
        v |= I8042_OUT_OBF;
    if (c->obf && c->obf_aux)
        v |= I8042_OUT_AUXOBF;
    return v;
}

static void i8042_write_ctr(I8042 *c, uint8_t val)
{
    CTR(c) = val;
    if (val & I8042_CTR_SYS)
        c->status |= I8042_STR_SYS;
    else
        c->status &= (uint8_t)~I8042_STR_SYS;
    i8042_service(c); /* a port may have been enabled, or an IRQ */
}

static void i8042_command(I8042 *c, uint8_t cmd)
{
    c->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) { /* read controller RAM */
        i8042_reply(c, c->ram[cmd & 0x1f], false);
        return;
    }
    if (cmd >= 0x60 && cmd <= 0x7f) { /* write controller RAM: byte follows */
        c->pending = cmd;
        return;
    }
    if (cmd >= 0xf0) {
        /* Pulse the output port lines whose bits are 0 in the low nibble
         * for ~6 us; only bit 0, the CPU reset, is wired. */
        if (!(cmd & 1))
            c->bus->reset = true;
        return;
    }
    switch (cmd) {
    case 0xa4: /* password installed? 0xf1: no */
        i8042_reply(c, 0xf1, false);
        break;
    case 0xa7:
        i8042_write_ctr(c, CTR(c) | I8042_CTR_AUXDIS);
        break;
    case 0xa8:
        i8042_write_ctr(c, CTR(c) & (uint8_t)~I8042_CTR_AUXDIS);
        break;
    case 0xa9: /* aux interface test: 0 = no error */
        i8042_reply(c, 0x00, false);
        break;
    case 0xaa: /* self test: passes, and sets the system flag */
        CTR(c) |= I8042_CTR_SYS;
        c->status |= I8042_STR_SYS;
        i8042_reply(c, 0x55, false);
        break;
    case 0xab: /* keyboard interface test */
        i8042_reply(c, 0x00, false);
        break;
    case 0xad:
        i8042_write_ctr(c, CTR(c) | I8042_CTR_KBDDIS);
        break;
    case 0xae:
        i8042_write_ctr(c, CTR(c) & (uint8_t)~I8042_CTR_KBDDIS);
        break;
    case 0xc0: /* input port: bit 7 = keyboard not inhibited */
        i8042_reply(c, 0x80, false);
        break;
    case 0xd0:
        i8042_reply(c, i8042_read_outport(c), false);
        break;
    case 0xd1: /* write output port */
    case 0xd2: /* write keyboard output buffer */
    case 0xd3: /* write aux output buffer (loopback) */
    case 0xd4: /* write to the aux device */
        c->pending = cmd;
        break;
    case 0xdd:
        i8042_set_a20(c, false);
        break;
    case 0xdf:
        i8042_set_a20(c, true);
        break;
    case 0xe0: /* test inputs T0/T1 (the clock lines): read low */
        i8042_reply(c, 0x00, false);
        break;
    default:
        break; /* unknown commands are ignored */
    }
}

static void i8042_data(I8042 *c, uint8_t val)
{
    uint8_t p = c->pending;
    c->pending = 0;
    if (p >= 0x60 && p <= 0x7f) {
        if (p == 0x60)
            i8042_write_ctr(c, val);
        else
            c->ram[p & 0x1f] = val;
        return;
    }
    switch (p) {
    case 0xd1:
        i8042_write_outport(c, val);
        break;
    case 0xd2:
        i8042_reply(c, val, false);
        break;
    case 0xd3:
        i8042_reply(c, val, true);
        break;
    case 0xd4:
        /* Sending to a device enables its interface, as on most
         * controllers (the firmware releases the clock line to send). */
        CTR(c) &= (uint8_t)~I8042_CTR_AUXDIS;
        ps2_mouse_write(&c->mouse, val);
        i8042_service(c);
        break;
    default:
        CTR(c) &= (uint8_t)~I8042_CTR_KBDDIS;
        ps2_kbd_write(&c->kbd, val);
        i8042_service(c);
        break;
    }
}

static uint32_t i8042_data_read(void *opaque, uint32_t offset, int size)
{
    I8042 *c = opaque;
    (void)offset;
    uint8_t b = c->outbuf; /* an empty buffer reads its last byte again */
    if (c->obf) {
        c->obf = c->obf_aux = false;
        /* Drop the line before the next byte comes in, so an
         * edge-triggered PIC sees an edge for every byte. */
        i8042_update_irq(c);
        i8042_service(c);
    }
    return size == 1 ? b : (0xffffff00u | b);
}

static void i8042_data_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    I8042 *c = opaque;
    (void)offset;
    (void)size;
    c->status &= (uint8_t)~I8042_STR_CMD;
    i8042_data(c, (uint8_t)val);
}

static uint32_t i8042_status_read(void *opaque, uint32_t offset, int size)
{
    I8042 *c = opaque;
    (void)offset;
    uint8_t s = c->status | I8042_STR_UNLOCK;
    if (c->obf)
        s |= I8042_STR_OBF;
    if (c->obf && c->obf_aux)
        s |= I8042_STR_AUXOBF;
    return size == 1 ? s : (0xffffff00u | s);
}

static void i8042_command_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    I8042 *c = opaque;
    (void)offset;
    (void)size;
    c->status |= I8042_STR_CMD;
    i8042_command(c, (uint8_t)val);
}

static const IoOps i8042_data_ops = {"i8042-data", i8042_data_read, i8042_data_write};
static const IoOps i8042_cmd_ops = {"i8042-cmd", i8042_status_read, i8042_command_write};

void i8042_reset(I8042 *c)
{
    memset(c->ram, 0, sizeof(c->ram));
    /* Both interrupts on and translation on, as firmware leaves it; the
     * system flag stays clear until the self test (a cold boot). */
    CTR(c) = I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_XLATE;
    c->status = 0;
    c->outbuf = 0;
    c->obf = c->obf_aux = false;
    c->pending = 0;
    c->xlate_break = false;
    c->nreply = 0;
    c->outport = I8042_OUT_RESET;
    i8042_set_a20(c, true);
    ps2_kbd_reset(&c->kbd);
    ps2_mouse_reset(&c->mouse);
    i8042_update_irq(c);
}

void i8042_init(I8042 *c, IoBus *bus, Clock *clock, PhysMem *mem, IrqLine irq1, IrqLine irq12)
{
    memset(c, 0, sizeof(*c));
    c->bus = bus;
    c->clock = clock;
    c->mem = mem;
    c->irq_kbd = irq1;
    c->irq_aux = irq12;
    ps2_kbd_init(&c->kbd, clock, i8042_notify, c);
    ps2_mouse_init(&c->mouse, clock, i8042_notify, c);
    i8042_reset(c);
    bus_register(bus, 0x60, 1, &i8042_data_ops, c);
    bus_register(bus, 0x64, 1, &i8042_cmd_ops, c);
}
