/*
 * test_block.c - disk image files (hw/block.c): the cross-process lock
 * (one writer or many readers, through OFD locks, which also make two
 * opens within this process conflict), -snapshot leaving the file
 * byte-for-byte untouched while the guest reads its own writes back,
 * writes reaching the file by close, and the range checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw/block.h"

#define IMAGE_SIZE (64 * 1024)

static char *make_image(void)
{
    char *path = strdup("/tmp/ringside-test-block-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t buf[IMAGE_SIZE];
    for (int i = 0; i < IMAGE_SIZE; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
    close(fd);
    return path;
}

static void read_file(const char *path, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, IMAGE_SIZE, f), IMAGE_SIZE);
    fclose(f);
}

static int setup(void **state)
{
    *state = make_image();
    return 0;
}

static int teardown(void **state)
{
    unlink(*state);
    free(*state);
    return 0;
}

/* A writer excludes everyone; the refusal says who holds what. */
static void writer_excludes_all(void **state)
{
    const char *path = *state, *err = NULL;
    BlockDev *w = block_open(path, false, false, &err);
    assert_non_null(w);
    err = NULL;
    assert_null(block_open(path, false, false, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "open for writing"));
    err = NULL;
    assert_null(block_open(path, true, false, &err));
    assert_non_null(strstr(err, "open for writing"));
    err = NULL;
    assert_null(block_open(path, false, true, &err)); /* -snapshot reads the file: refused too */
    assert_non_null(strstr(err, "locked"));
    assert_true(block_close(w));
    /* Released with the close. */
    w = block_open(path, false, false, &err);
    assert_non_null(w);
    assert_true(block_close(w));
}

/* Readers (read-only or -snapshot) share; a writer is then refused. */
static void readers_share(void **state)
{
    const char *path = *state, *err = NULL;
    BlockDev *r1 = block_open(path, true, false, &err);
    BlockDev *r2 = block_open(path, false, true, &err);
    assert_non_null(r1);
    assert_non_null(r2);
    err = NULL;
    assert_null(block_open(path, false, false, &err));
    assert_non_null(strstr(err, "open read-only"));
    assert_true(block_close(r1));
    assert_true(block_close(r2));
}

/* -snapshot: the guest reads back what it wrote (within and across
 * chunks), the file never changes, and nothing survives the close. */
static void snapshot_leaves_file(void **state)
{
    const char *path = *state, *err = NULL;
    uint8_t before[IMAGE_SIZE], after[IMAGE_SIZE], buf[6000];
    read_file(path, before);
    BlockDev *b = block_open(path, false, true, &err);
    assert_non_null(b);
    memset(buf, 0xa5, sizeof(buf));
    assert_true(block_write(b, 4000, buf, sizeof(buf))); /* spans three chunks */
    assert_true(block_flush(b));
    uint8_t back[8000];
    assert_true(block_read(b, 3000, back, sizeof(back)));
    assert_memory_equal(back, before + 3000, 1000);
    assert_memory_equal(back + 1000, buf, sizeof(buf));
    assert_memory_equal(back + 7000, before + 10000, 1000);
    assert_true(block_close(b));
    read_file(path, after);
    assert_memory_equal(before, after, IMAGE_SIZE);
}

/* Without -snapshot the writes are in the file after the close. */
static void writes_reach_file(void **state)
{
    const char *path = *state, *err = NULL;
    uint8_t img[IMAGE_SIZE], buf[512];
    BlockDev *b = block_open(path, false, false, &err);
    assert_non_null(b);
    memset(buf, 0x5a, sizeof(buf));
    assert_true(block_write(b, 1024, buf, sizeof(buf)));
    assert_true(block_flush(b));
    assert_true(block_close(b));
    read_file(path, img);
    assert_memory_equal(img + 1024, buf, sizeof(buf));
}

/* Read-only refuses writes; nothing outside the image is touched. */
static void range_and_read_only(void **state)
{
    const char *path = *state, *err = NULL;
    uint8_t buf[512] = { 0 };
    BlockDev *b = block_open(path, true, false, &err);
    assert_non_null(b);
    assert_false(block_write(b, 0, buf, sizeof(buf)));
    assert_false(block_read(b, IMAGE_SIZE - 256, buf, sizeof(buf)));
    assert_false(block_read(b, UINT64_MAX - 10, buf, sizeof(buf)));
    assert_true(block_read(b, IMAGE_SIZE - 512, buf, sizeof(buf)));
    assert_true(block_close(b));
    err = NULL;
    assert_null(block_open("/nonexistent/ringside-image", true, false, &err));
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writer_excludes_all, setup, teardown),
        cmocka_unit_test_setup_teardown(readers_share, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_leaves_file, setup, teardown),
        cmocka_unit_test_setup_teardown(writes_reach_file, setup, teardown),
        cmocka_unit_test_setup_teardown(range_and_read_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
