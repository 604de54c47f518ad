/*
 * dma.h - the PC/AT pair of Intel 8237A DMA controllers and the 74LS612
 * page registers.
 *
 * Controller 1 (ports 0x00-0x0f) serves the 8-bit channels 0-3; controller
 * 2 (even ports 0xc0-0xde) serves the 16-bit channels 4-7, which count in
 * words and address memory in words (A1-A16 from the 8237, A17-A23 from
 * the page register, so a transfer wraps inside a 128 KiB window); its
 * channel 4 is the cascade from controller 1. Page registers live at
 * 0x81-0x8f (never 0x80, the POST code port); the unused ones are plain
 * scratch bytes.
 *
 * Devices move data with dma_transfer(), which runs the channel's
 * programmed transfer for up to len bytes at once; there is no bus-master
 * engine running on its own. dma_request() only shows DREQ in the status
 * register.
 */
#ifndef RINGSIDE_DMA_H
#define RINGSIDE_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "mmu/mem.h"

/* Mode register fields (8237A datasheet, "Mode Register"). */
#define DMA_MODE_TYPE_MASK 0x0c
#define DMA_MODE_VERIFY 0x00
#define DMA_MODE_WRITE 0x04 /* device -> memory */
#define DMA_MODE_READ 0x08  /* memory -> device */
#define DMA_MODE_AUTOINIT 0x10
#define DMA_MODE_DECREMENT 0x20
#define DMA_MODE_SEL_MASK 0xc0
#define DMA_MODE_DEMAND 0x00
#define DMA_MODE_SINGLE 0x40
#define DMA_MODE_BLOCK 0x80
#define DMA_MODE_CASCADE 0xc0

#define DMA_CMD_DISABLE 0x04 /* command register: controller disable */

typedef struct DmaChannel {
    uint16_t base_addr, base_count; /* written by the CPU, reloaded by autoinit */
    uint16_t cur_addr, cur_count;
    uint8_t mode;                   /* bits 7-2 of the mode register */
    bool dreq;                      /* a device asserts DREQ */
    bool tc;                        /* the last dma_transfer() ended at TC */
} DmaChannel;

typedef struct DmaCtrl {
    DmaChannel ch[4];
    uint8_t command;
    uint8_t mask;     /* bit n: channel n masked */
    uint8_t status;   /* bits 0-3 TC reached (cleared on read) */
    uint8_t request;  /* software request bits 0-3 */
    uint8_t temp;     /* temporary register (memory-to-memory only) */
    bool flipflop;    /* false: next byte is the low one */
} DmaCtrl;

typedef struct Dma {
    DmaCtrl ctrl[2];
    uint8_t page[16]; /* ports 0x80-0x8f; index 0 is never used */
    PhysMem *mem;
} Dma;

void dma_init(Dma *d, IoBus *bus, PhysMem *mem);
/* Power-on state: both controllers master-cleared, page registers 0. */
void dma_reset(Dma *d);

/* A device drives DREQ of channel ch (0-7); shown in the status register. */
void dma_request(Dma *d, int ch, bool active);
/* Move up to len bytes between buf and guest memory through channel ch as
 * it is programmed (address, count, page, direction, autoinit, decrement,
 * verify). to_memory says which way the device is pushing data; a channel
 * programmed the other way (or for verify) moves no memory. Returns the
 * bytes moved: 0 when the channel is masked, in cascade mode or its
 * controller disabled; fewer than len when the count expired (TC), after
 * which dma_channel_tc() is true. */
int dma_transfer(Dma *d, int ch, uint8_t *buf, int len, bool to_memory);
/* True when the last dma_transfer() on ch reached terminal count. */
bool dma_channel_tc(const Dma *d, int ch);
/* True when channel ch is unmasked, programmed and its controller enabled. */
bool dma_channel_ready(const Dma *d, int ch);

#endif
