/*
 * block.c - image files for the disk devices; see block.h.
 */
#define _GNU_SOURCE
#include "hw/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One writer or any number of readers per image across processes: an
 * open-file-description lock on the whole file, shared when nothing will
 * be written to it (read-only or -snapshot), exclusive when writes go to
 * the file. OFD locks belong to the open file, so two opens in one
 * process conflict too, and they vanish when the process dies.
 * The lock covers one byte far beyond any image rather than the whole
 * file: QEMU locks bytes 100-300 in its own scheme and reads any lock
 * there as a refusal, so a whole-file lock would stop QEMU from opening an
 * image Ringside only reads (and QEMU's locks do not stop us). Returns
 * NULL, or the reason the lock is refused. */
#define LOCK_BYTE 0x7fffffff0000ll

static const char *lock_image(int fd, bool writer)
{
    struct flock fl = { .l_type = writer ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = LOCK_BYTE,
                        .l_len = 1 };
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return NULL;
    if (errno != EAGAIN && errno != EACCES)
        return NULL; /* a filesystem without locks: go on unprotected */
    struct flock who = { .l_type = writer ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = LOCK_BYTE,
                         .l_len = 1 };
    bool held_for_writing = fcntl(fd, F_OFD_GETLK, &who) != 0 || who.l_type != F_RDLCK;
    if (held_for_writing)
        return writer ? "locked: another Ringside has it open for writing (its exclusive lock refuses our "
                        "exclusive one; close it, or use -snapshot there or here)"
                      : "locked: another Ringside has it open for writing (its exclusive lock refuses our "
                        "shared, read-only one)";
    return "locked: another Ringside has it open read-only (its shared lock refuses our exclusive one for "
           "writing; use -snapshot or readonly=on)";
}

BlockDev *block_open(const char *path, bool read_only, bool snapshot, const char **err)
{
    int fd = open(path, (read_only || snapshot) ? O_RDONLY : O_RDWR);
    if (fd < 0 && errno == EACCES && !read_only) {
        *err = "no permission to write it (use -snapshot, or make it writable)";
        return NULL;
    }
    if (fd < 0) {
        *err = strerror(errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = "not a regular file";
        close(fd);
        return NULL;
    }
    const char *locked = lock_image(fd, !read_only && !snapshot);
    if (locked) {
        *err = locked;
        close(fd);
        return NULL;
    }
    BlockDev *b = calloc(1, sizeof(*b));
    if (!b || !(b->path = strdup(path))) {
        free(b);
        close(fd);
        *err = "out of host memory";
        return NULL;
    }
    b->fd = fd;
    b->size = (uint64_t)st.st_size;
    b->read_only = read_only;
    b->snapshot = snapshot && !read_only;
    if (b->snapshot) {
        b->nchunks = (b->size + BLOCK_CHUNK - 1) / BLOCK_CHUNK;
        b->overlay = calloc(b->nchunks ? b->nchunks : 1, sizeof(*b->overlay));
        if (!b->overlay) {
            block_close(b);
            *err = "out of host memory for the -snapshot overlay";
            return NULL;
        }
    }
    return b;
}

bool block_close(BlockDev *b)
{
    if (!b)
        return true;
    bool ok = true;
    if (b->fd >= 0 && !b->overlay && !b->read_only && b->writes && !block_flush(b)) {
        fprintf(stderr, "ringside: %s: flushing the writes to the image failed: %s\n", b->path, strerror(errno));
        ok = false;
    }
    if (b->overlay) {
        for (uint64_t i = 0; i < b->nchunks; i++)
            free(b->overlay[i]);
        free(b->overlay);
    }
    if (b->fd >= 0 && close(b->fd) != 0 && !b->read_only && !b->overlay) {
        fprintf(stderr, "ringside: %s: closing the image failed: %s\n", b->path, strerror(errno));
        ok = false;
    }
    free(b->path);
    free(b);
    return ok;
}

static bool in_range(const BlockDev *b, uint64_t offset, size_t len)
{
    return offset <= b->size && len <= b->size - offset;
}

static bool file_read(BlockDev *b, uint64_t offset, uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = pread(b->fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return true;
}

bool block_read(BlockDev *b, uint64_t offset, void *buf, size_t len)
{
    if (!in_range(b, offset, len))
        return false;
    b->reads += len;
    uint8_t *out = buf;
    if (!b->overlay)
        return file_read(b, offset, out, len);
    while (len) {
        uint64_t chunk = offset / BLOCK_CHUNK;
        size_t in = (size_t)(offset % BLOCK_CHUNK);
        size_t n = BLOCK_CHUNK - in < len ? BLOCK_CHUNK - in : len;
        if (b->overlay[chunk])
            memcpy(out, b->overlay[chunk] + in, n);
        else if (!file_read(b, offset, out, n))
            return false;
        out += n;
        offset += n;
        len -= n;
    }
    return true;
}

bool block_write(BlockDev *b, uint64_t offset, const void *buf, size_t len)
{
    if (b->read_only || !in_range(b, offset, len))
        return false;
    b->writes += len;
    const uint8_t *src = buf;
    if (!b->overlay) {
        while (len) {
            ssize_t n = pwrite(b->fd, src, len, (off_t)offset);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            src += n;
            offset += (uint64_t)n;
            len -= (size_t)n;
        }
        return true;
    }
    while (len) {
        uint64_t chunk = offset / BLOCK_CHUNK;
        size_t in = (size_t)(offset % BLOCK_CHUNK);
        size_t n = BLOCK_CHUNK - in < len ? BLOCK_CHUNK - in : len;
        if (!b->overlay[chunk]) {
            uint8_t *page = calloc(1, BLOCK_CHUNK);
            if (!page)
                return false;
            uint64_t start = chunk * BLOCK_CHUNK;
            size_t have = b->size - start < BLOCK_CHUNK ? (size_t)(b->size - start) : BLOCK_CHUNK;
            if (!file_read(b, start, page, have)) {
                free(page);
                return false;
            }
            b->overlay[chunk] = page;
        }
        memcpy(b->overlay[chunk] + in, src, n);
        src += n;
        offset += n;
        len -= n;
    }
    return true;
}

bool block_flush(BlockDev *b)
{
    if (b->overlay || b->read_only)
        return true;
    return fdatasync(b->fd) == 0;
}
