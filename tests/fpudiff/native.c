/*
 * native.c - the x87 differential test's host side: a 32-bit Linux program
 * (gcc -m32) that runs the operations on the host's x87 unit.
 *
 *   fpudiff_native [--seed S] [--first B] [--count N] [--list FILE] [--trans] [--detail]
 *
 * prints "B h=HASH" for batches B = first .. first+N-1 of FPU_BATCH
 * operations each (or, with --detail, one line per operation), then
 * "end"; --list runs the batches whose numbers FILE holds, one a line
 * (run-fpudiff.sh's detail re-runs). The guest ROM takes the same parameters patched into its image
 * (run-fpudiff.sh). --trans adds the transcendentals (off by default).
 */
#include "fpugen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plat_write(const char *s, unsigned n)
{
    fwrite(s, 1, n, stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: fpudiff_native [--seed S] [--first B] [--count N] [--list FILE] "
                    "[--trans] [--detail]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    FpuParams p = { 1, 0, 62500, 0, 0, 0, NULL };
    uint32_t *list = NULL, cap = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--trans")) {
            p.trans = 1;
            continue;
        }
        if (!strcmp(a, "--detail")) {
            p.detail = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--list")) {
            FILE *f = fopen(argv[++i], "r");
            unsigned long b;
            if (!f) {
                perror(argv[i]);
                return 2;
            }
            while (fscanf(f, "%lu", &b) == 1) {
                if (p.nlist == cap) {
                    cap = cap ? 2 * cap : 256;
                    list = realloc(list, cap * sizeof *list);
                    if (!list)
                        return 2;
                }
                list[p.nlist++] = (uint32_t)b;
            }
            fclose(f);
            p.list = list;
            continue;
        }
        uint32_t v = (uint32_t)strtoul(argv[++i], NULL, 0);
        if (!strcmp(a, "--seed"))
            p.seed = v;
        else if (!strcmp(a, "--first"))
            p.first = v;
        else if (!strcmp(a, "--count"))
            p.count = v;
        else
            usage();
    }
    fpu_run(&p);
    return fflush(stdout) ? 1 : 0;
}
