/*
 * dma.c - Intel 8237A DMA controller pair with PC/AT page registers.
 *
 * Follows the 8237A datasheet: base and current address/count registers
 * written through the byte-pointer flip-flop, the mode, command, request
 * and mask registers, the status register whose TC bits clear on read, and
 * master clear. Transfers are driven by the device through dma_transfer()
 * (see dma.h), which honours the mode's direction, verify, autoinit and
 * address decrement, sets TC and, without autoinit, masks the channel when
 * the count expires, as the datasheet describes. The address counter wraps
 * within the page (64 KiB for channels 0-3, 128 KiB for 5-7): the page
 * register is a separate latch that the 8237 never carries into. Memory
 * moves in contiguous runs through mem_dma_write/mem_dma_read, which
 * invalidate translated code and mark pages dirty.
 *
 * Not implemented: memory-to-memory transfers (channel 0/1 with command bit
 * 0; the temporary register therefore stays 0), and a free-running engine
 * for DREQ-driven devices; none of the PC devices we model needs either.
 * XXX: channels 0-3 do not check the cascade channel 4 is unmasked, which
 * real hardware needs; firmware always sets it up.
 */
#include "hw/dma.h"

#include <string.h>

/* Page register port (minus 0x80) for each channel. */
static const uint8_t dma_page_index[8] = { 0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa };

static void dma_master_clear(DmaCtrl *c)
{
    /* 8237A: master clear clears command, status, request, temporary and
     * the flip-flop and sets all mask bits; addresses, counts and modes keep
     * their values. */
    c->command = 0;
    c->status = 0;
    c->request = 0;
    c->temp = 0;
    c->flipflop = false;
    c->mask = 0x0f;
}

static uint8_t dma_ctrl_read(Dma *d, DmaCtrl *c, int reg)
{
    (void)d;
    if (reg < 8) {
        DmaChannel *ch = &c->ch[reg >> 1];
        uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
        bool high = c->flipflop;
        c->flipflop = !c->flipflop;
        return (uint8_t)(high ? v >> 8 : v);
    }
    switch (reg) {
    case 8: { /* status: TC bits 0-3, request bits 4-7 */
        uint8_t req = c->request;
        for (int i = 0; i < 4; i++)
            if (c->ch[i].dreq)
                req |= (uint8_t)(1u << i);
        uint8_t v = (uint8_t)((c->status & 0x0f) | (req << 4));
        c->status &= 0xf0; /* TC bits clear on read */
        return v;
    }
    case 0xd:
        return c->temp;
    case 0xf:
        /* Reading the mask register is an 82374/PIIX extension; the 8237A
         * leaves these reads undefined, so giving the mask harms nobody. */
        return (uint8_t)(0xf0 | c->mask);
    default:
        return 0xff;
    }
}

static void dma_ctrl_write(Dma *d, DmaCtrl *c, int reg, uint8_t v)
{
    (void)d;
    if (reg < 8) {
        DmaChannel *ch = &c->ch[reg >> 1];
        uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
        uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;
        if (c->flipflop)
            *base = (uint16_t)((*base & 0x00ff) | (v << 8));
        else
            *base = (uint16_t)((*base & 0xff00) | v);
        *cur = *base; /* a write loads both the base and current register */
        c->flipflop = !c->flipflop;
        return;
    }
    switch (reg) {
    case 8:
        c->command = v;
        break;
    case 9:
        if (v & 4)
            c->request |= (uint8_t)(1u << (v & 3));
        else
            c->request &= (uint8_t)~(1u << (v & 3));
        break;
    case 0xa:
        if (v & 4)
            c->mask |= (uint8_t)(1u << (v & 3));
        else
            c->mask &= (uint8_t)~(1u << (v & 3));
        break;
    case 0xb:
        c->ch[v & 3].mode = v & 0xfc;
        break;
    case 0xc:
        c->flipflop = false;
        break;
    case 0xd:
        dma_master_clear(c);
        break;
    case 0xe:
        c->mask = 0;
        break;
    case 0xf:
        c->mask = v & 0x0f;
        break;
    default:
        break;
    }
}

/* Controller 1: ports 0x00-0x0f, one register per port. */
static uint32_t dma1_read(void *opaque, uint32_t offset, int size)
{
    Dma *d = opaque;
    uint32_t v = 0;
    /* A wider access is the ISA bus's byte accesses to consecutive ports. */
    for (int i = 0; i < size; i++) {
        uint32_t off = offset + (uint32_t)i;
        uint8_t b = off < 16 ? dma_ctrl_read(d, &d->ctrl[0], (int)off) : 0xff;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void dma1_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Dma *d = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t off = offset + (uint32_t)i;
        if (off < 16)
            dma_ctrl_write(d, &d->ctrl[0], (int)off, (uint8_t)(val >> (8 * i)));
    }
}

/* Controller 2: ports 0xc0-0xdf, its A0-A3 wired to SA1-SA4, so registers
 * sit on even ports; odd ports are not decoded. */
static uint32_t dma2_read(void *opaque, uint32_t offset, int size)
{
    Dma *d = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t off = offset + (uint32_t)i;
        uint8_t b = 0xff;
        if (off < 32 && !(off & 1))
            b = dma_ctrl_read(d, &d->ctrl[1], (int)(off >> 1));
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void dma2_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Dma *d = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t off = offset + (uint32_t)i;
        if (off < 32 && !(off & 1))
            dma_ctrl_write(d, &d->ctrl[1], (int)(off >> 1), (uint8_t)(val >> (8 * i)));
    }
}

/* Page registers: ports 0x81-0x8f (offset 0 = port 0x81). */
static uint32_t dma_page_read(void *opaque, uint32_t offset, int size)
{
    Dma *d = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t idx = offset + 1 + (uint32_t)i;
        v |= (uint32_t)(idx < 16 ? d->page[idx] : 0xff) << (8 * i);
    }
    return v;
}

static void dma_page_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Dma *d = opaque;
    for (int i = 0; i < size; i++) {
        uint32_t idx = offset + 1 + (uint32_t)i;
        if (idx < 16)
            d->page[idx] = (uint8_t)(val >> (8 * i));
    }
}

static const IoOps dma1_ops = { "dma1", dma1_read, dma1_write };
static const IoOps dma2_ops = { "dma2", dma2_read, dma2_write };
static const IoOps dma_page_ops = { "dma-page", dma_page_read, dma_page_write };

void dma_reset(Dma *d)
{
    for (int i = 0; i < 2; i++) {
        memset(&d->ctrl[i], 0, sizeof(d->ctrl[i]));
        dma_master_clear(&d->ctrl[i]);
    }
    memset(d->page, 0, sizeof(d->page));
}

void dma_init(Dma *d, IoBus *bus, PhysMem *mem)
{
    memset(d, 0, sizeof(*d));
    d->mem = mem;
    dma_reset(d);
    bus_register(bus, 0x00, 16, &dma1_ops, d);
    bus_register(bus, 0xc0, 32, &dma2_ops, d);
    bus_register(bus, 0x81, 15, &dma_page_ops, d);
}

void dma_request(Dma *d, int ch, bool active)
{
    if (ch < 0 || ch > 7)
        return;
    d->ctrl[ch >> 2].ch[ch & 3].dreq = active;
}

bool dma_channel_tc(const Dma *d, int ch)
{
    if (ch < 0 || ch > 7)
        return false;
    return d->ctrl[ch >> 2].ch[ch & 3].tc;
}

bool dma_channel_ready(const Dma *d, int ch)
{
    if (ch < 0 || ch > 7 || ch == 4)
        return false;
    const DmaCtrl *c = &d->ctrl[ch >> 2];
    const DmaChannel *chan = &c->ch[ch & 3];
    if (c->command & DMA_CMD_DISABLE)
        return false;
    if (c->mask & (1u << (ch & 3)))
        return false;
    return (chan->mode & DMA_MODE_SEL_MASK) != DMA_MODE_CASCADE;
}

int dma_transfer(Dma *d, int ch, uint8_t *buf, int len, bool to_memory)
{
    if (!dma_channel_ready(d, ch) || len <= 0)
        return 0;
    DmaCtrl *c = &d->ctrl[ch >> 2];
    int n = ch & 3;
    DmaChannel *chan = &c->ch[n];
    bool wide = ch >= 4;
    uint8_t type = chan->mode & DMA_MODE_TYPE_MASK;
    uint32_t page = d->page[dma_page_index[ch]];
    bool mem_write = type == DMA_MODE_WRITE && to_memory;
    bool mem_read = type == DMA_MODE_READ && !to_memory;

    chan->tc = false;
    int moved = 0;
    int unit = wide ? 2 : 1;
    while (moved < len) {
        /* Units (bytes or words) to move in one contiguous run: up to the
         * device's length, terminal count, or the wrap of the 8237's 16-bit
         * address; a decrementing channel goes one unit at a time. */
        uint32_t run = (uint32_t)(len - moved + unit - 1) / (uint32_t)unit;
        if (chan->mode & DMA_MODE_DECREMENT) {
            run = 1;
        } else {
            uint32_t to_tc = (uint32_t)chan->cur_count + 1;
            uint32_t to_wrap = 0x10000u - chan->cur_addr;
            if (run > to_tc)
                run = to_tc;
            if (run > to_wrap)
                run = to_wrap;
        }
        /* 16-bit channels: the 8237's address drives A1-A16 and page bit 0
         * is not used, so the window is 128 KiB and word aligned. */
        uint32_t addr = wide ? ((page & 0xfe) << 16) | ((uint32_t)chan->cur_addr << 1)
                             : (page << 16) | chan->cur_addr;
        uint32_t bytes = run * (uint32_t)unit;
        if (bytes > (uint32_t)(len - moved))
            bytes = (uint32_t)(len - moved);
        if (mem_write)
            mem_dma_write(d->mem, addr, buf + moved, bytes);
        else if (mem_read)
            mem_dma_read(d->mem, addr, buf + moved, bytes);
        else if (!to_memory)
            memset(buf + moved, 0xff, bytes); /* verify or a mismatched direction: nothing drives the bus */
        moved += (int)bytes;
        if (chan->mode & DMA_MODE_DECREMENT)
            chan->cur_addr = (uint16_t)(chan->cur_addr - run);
        else
            chan->cur_addr = (uint16_t)(chan->cur_addr + run);
        if (run <= chan->cur_count) {
            chan->cur_count = (uint16_t)(chan->cur_count - run);
            continue;
        }
        /* Terminal count: the count rolled from 0 to 0xffff. */
        chan->tc = true;
        c->status |= (uint8_t)(1u << n);
        c->request &= (uint8_t)~(1u << n);
        if (chan->mode & DMA_MODE_AUTOINIT) {
            chan->cur_addr = chan->base_addr;
            chan->cur_count = chan->base_count;
        } else {
            chan->cur_count = 0xffff;
            c->mask |= (uint8_t)(1u << n);
        }
        break;
    }
    return moved;
}
