/*
 * romsum.c - finish an option ROM image at build time: pad it to a
 * multiple of 512 bytes, write its size (in 512-byte blocks) at offset 2,
 * fix the PnP header's checksum if it has one, and make the whole image
 * sum to zero in its last byte, as the PC option ROM rules require.
 * Usage: romsum IN.bin OUT.rom
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: romsum IN.bin OUT.rom\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static unsigned char rom[65536];
    size_t n = fread(rom, 1, sizeof(rom), f);
    fclose(f);
    if (n < 0x20 || rom[0] != 0x55 || rom[1] != 0xaa) {
        fprintf(stderr, "romsum: %s is not an option ROM image\n", argv[1]);
        return 1;
    }
    size_t size = (n + 1 + 511) & ~(size_t)511; /* room for the checksum byte */
    if (size > sizeof(rom)) {
        fprintf(stderr, "romsum: %s is larger than 64 KiB\n", argv[1]);
        return 1;
    }
    rom[2] = (unsigned char)(size / 512);
    unsigned pnp = rom[0x1a] | rom[0x1b] << 8;
    if (pnp && pnp + 32 <= size && !memcmp(rom + pnp, "$PnP", 4)) {
        unsigned len = rom[pnp + 5] * 16u;
        unsigned char sum = 0;
        rom[pnp + 9] = 0;
        for (unsigned i = 0; i < len && pnp + i < size; i++)
            sum += rom[pnp + i];
        rom[pnp + 9] = (unsigned char)-sum;
    }
    unsigned char sum = 0;
    rom[size - 1] = 0;
    for (size_t i = 0; i < size; i++)
        sum += rom[i];
    rom[size - 1] = (unsigned char)-sum;
    f = fopen(argv[2], "wb");
    if (!f || fwrite(rom, 1, size, f) != size || fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
