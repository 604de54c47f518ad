/*
 * crc32.c - table-driven CRC-32 (IEEE 802.3, reflected polynomial
 * 0xEDB88320) over a buffer in RAM, CRC32_REPS passes, each pass carrying
 * the CRC on. The table is built bitwise first. Byte loads, table lookups,
 * shifts and XORs. Checksum: the final CRC.
 */
#include "bench.h"

#ifndef CRC32_LEN
#define CRC32_LEN (4u << 20)
#endif
#ifndef CRC32_REPS
#define CRC32_REPS 96
#endif

static uint32_t crc_table[256];

static void crc_make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, uint32_t len)
{
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

void guest_main(void)
{
    uint8_t *buf = BENCH_RAM;
    uint32_t x = 12345;
    for (uint32_t i = 0; i < CRC32_LEN; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    crc_make_table();
    /* The standard check value: CRC-32 of "123456789" is cbf43926. */
    uint32_t check = crc32(0, (const uint8_t *)"123456789", 9);
    uint32_t crc = 0;
    for (uint32_t rep = 0; rep < CRC32_REPS; rep++)
        crc = crc32(crc, buf, CRC32_LEN);
    print("crc32: check ");
    print_hex(check);
    print(", ");
    print_dec(CRC32_REPS);
    print(" x ");
    print_dec(CRC32_LEN);
    print(" bytes");
    bench_checksum(crc);
}
