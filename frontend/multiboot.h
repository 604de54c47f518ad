/*
 * multiboot.h - -kernel for Multiboot (version 1, spec 0.6.96) kernels:
 * find the header, lay out the image, the boot information structure and
 * the modules in guest memory, and hand them to our multiboot option ROM
 * (bios/multiboot.S) through fw_cfg.
 */
#ifndef RINGSIDE_MULTIBOOT_H
#define RINGSIDE_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/fwcfg.h"

#define MULTIBOOT_ROM_FILE "genroms/multiboot.bin"

/* True if path is readable, is not a Linux bzImage and has a Multiboot
 * header in its first 8192 bytes (then boot_multiboot should load it;
 * otherwise boot_linux, which also reports a file that is neither). */
bool multiboot_probe(const char *path);

/* Load the kernel (a.out kludge addresses or ELF32 PT_LOAD segments), the
 * modules (modules: "file args,file args", ",," for a literal comma) and
 * the command line (the kernel path, a space and append), build the
 * multiboot information structure for ram_size bytes of RAM, and add the
 * fw_cfg items and the ROM. Returns false with one line in err naming the
 * file and the problem. */
bool boot_multiboot(FwCfg *fw, uint32_t ram_size, const char *kernel, const char *modules, const char *append,
                    char *err, size_t err_len);

#endif
