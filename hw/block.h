/*
 * block.h - disk and CD images as the devices see them: a byte array of a
 * fixed size backed by a host file, read-only or writable, optionally with
 * a copy-on-write overlay in host memory (-snapshot) so the file is never
 * changed. Offsets and lengths come from the guest through a device model;
 * block_read/block_write check them against the image size and fail rather
 * than touch anything outside the image (DESIGN.md invariant 5).
 */
#ifndef RINGSIDE_BLOCK_H
#define RINGSIDE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_CHUNK 4096u

typedef struct BlockDev {
    char *path;
    int fd;
    uint64_t size;      /* bytes */
    bool read_only;     /* writes fail (the device reports its error) */
    bool snapshot;      /* writes go to the overlay, never to the file */
    uint8_t **overlay;  /* snapshot: one pointer per chunk, NULL = from file */
    uint64_t nchunks;
    uint64_t reads, writes; /* bytes, for statistics */
} BlockDev;

/* Open path. On failure returns NULL with *err set to one line naming the
 * problem (missing file, permission); the caller prints it with the path. */
/* A writable image (neither read_only nor snapshot) takes an exclusive
 * lock, any other a shared one: an image another Ringside has open for
 * writing is refused with *err saying so ("locked: ..."). */
BlockDev *block_open(const char *path, bool read_only, bool snapshot, const char **err);
/* Flushes the writes to the file (fdatasync) and closes it. On a host
 * error prints one line naming the image and returns false: the guest's
 * writes may not be on the disk. */
bool block_close(BlockDev *b);
/* Returns false (and transfers nothing) if the range is outside the image
 * or the host I/O fails. */
bool block_read(BlockDev *b, uint64_t offset, void *buf, size_t len);
bool block_write(BlockDev *b, uint64_t offset, const void *buf, size_t len);
bool block_flush(BlockDev *b);

#endif
