/*
 * boot.c - -kernel/-initrd/-append: parse the bzImage's setup header, decide
 * where each piece goes the way the boot protocol says
 * (Documentation/x86/boot.rst in the kernel), patch the header, and hand
 * everything to the linuxboot option ROM through fw_cfg items.
 */
#include "frontend/boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint8_t linuxboot_rom[], linuxboot_rom_end[];

/* fw_cfg items the ROM reads (QEMU's numbering). */
enum {
    FWCFG_KERNEL_ADDR = 0x07,
    FWCFG_KERNEL_SIZE = 0x08,
    FWCFG_INITRD_ADDR = 0x0a,
    FWCFG_INITRD_SIZE = 0x0b,
    FWCFG_KERNEL_DATA = 0x11,
    FWCFG_INITRD_DATA = 0x12,
    FWCFG_CMDLINE_ADDR = 0x13,
    FWCFG_CMDLINE_SIZE = 0x14,
    FWCFG_CMDLINE_DATA = 0x15,
    FWCFG_SETUP_ADDR = 0x16,
    FWCFG_SETUP_SIZE = 0x17,
    FWCFG_SETUP_DATA = 0x18,
};

uint8_t *boot_read_file(const char *path, size_t max, size_t *size, const char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = strerror(errno);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        *err = "cannot seek in it (not a regular file?)";
        fclose(f);
        return NULL;
    }
    long len = ftell(f);
    if (len < 0 || (unsigned long)len > max) {
        *err = "too large";
        fclose(f);
        return NULL;
    }
    rewind(f);
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        *err = "out of host memory";
        fclose(f);
        return NULL;
    }
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        *err = "read error";
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

bool boot_linux(FwCfg *fw, uint32_t ram_size, const char *kernel, const char *initrd, const char *append,
                char *err, size_t err_len)
{
    const char *why = NULL;
    size_t ksize;
    uint8_t *k = boot_read_file(kernel, 256u << 20, &ksize, &why);
    if (!k) {
        snprintf(err, err_len, "-kernel %s: %s", kernel, why);
        return false;
    }
    /* The setup header (boot.rst, "The real-mode kernel header"). */
    if (ksize < 0x250 || boot_rd32(k + 0x202) != 0x53726448 /* "HdrS" */) {
        snprintf(err, err_len, "-kernel %s: neither a Linux bzImage (no \"HdrS\" setup header) nor a Multiboot kernel", kernel);
        free(k);
        return false;
    }
    uint16_t proto = boot_rd16(k + 0x206);
    if (proto < 0x200) {
        snprintf(err, err_len, "-kernel %s: boot protocol %x.%02x is older than 2.00", kernel, proto >> 8,
                 proto & 0xff);
        free(k);
        return false;
    }
    unsigned setup_sects = k[0x1f1] ? k[0x1f1] : 4;
    size_t setup_size = (setup_sects + 1) * 512u;
    if (setup_size >= ksize) {
        snprintf(err, err_len, "-kernel %s: the setup (%zu bytes) is not shorter than the file", kernel,
                 setup_size);
        free(k);
        return false;
    }
    uint8_t loadflags = k[0x211];
    bool high = loadflags & 0x01; /* LOADED_HIGH: the protected-mode part goes at 1 MiB */
    size_t cmdline_len = append ? strlen(append) + 1 : 1;
    uint32_t cmdline_max = proto >= 0x206 ? boot_rd32(k + 0x238) : 255;
    if (cmdline_len - 1 > cmdline_max) {
        snprintf(err, err_len, "-append: the command line is %zu bytes; this kernel takes at most %u",
                 cmdline_len - 1, cmdline_max);
        free(k);
        return false;
    }

    /* Where things go (boot.rst, "Sample boot configuration"): a modern
     * kernel's setup at 0x10000 with the command line at 0x20000; an old
     * one's at 0x90000 with the command line just below 0x9a000. */
    uint32_t real_addr, cmdline_addr;
    if (proto >= 0x202 && high) {
        real_addr = 0x10000;
        cmdline_addr = 0x20000;
    } else {
        real_addr = 0x90000;
        cmdline_addr = 0x9a000 - (uint32_t)((cmdline_len + 15) & ~15u);
    }
    uint32_t prot_addr = high ? 0x100000 : 0x10000;
    size_t prot_size = ksize - setup_size;
    if (!high && prot_size > 0x80000) {
        snprintf(err, err_len, "-kernel %s: a zImage kernel larger than 512 KiB cannot be loaded low", kernel);
        free(k);
        return false;
    }
    if ((uint64_t)prot_addr + prot_size > ram_size) {
        snprintf(err, err_len, "-kernel %s: the kernel does not fit in %u MiB of RAM (-m)", kernel,
                 ram_size >> 20);
        free(k);
        return false;
    }

    k[0x210] = 0xff; /* type_of_loader: undefined boot loader */
    /* vid_mode: the kernel does not read "vga=" from the command line;
     * boot loaders (GRUB, SYSLINUX, QEMU's -kernel) put it in the header
     * for the real-mode setup to set. normal/ext/ask are 0xffff/fffe/fffd. */
    const char *vga = append ? strstr(append, "vga=") : NULL;
    while (vga && vga != append && vga[-1] != ' ')
        vga = strstr(vga + 4, "vga=");
    if (vga) {
        const char *v = vga + 4;
        char *end;
        long mode = strtol(v, &end, 0);
        if (!strncmp(v, "normal", 6))
            mode = 0xffff, end = (char *)v + 6;
        else if (!strncmp(v, "ext", 3))
            mode = 0xfffe, end = (char *)v + 3;
        else if (!strncmp(v, "ask", 3))
            mode = 0xfffd, end = (char *)v + 3;
        if (end != v && (*end == 0 || *end == ' ') && mode >= 0 && mode <= 0xffff)
            boot_wr16(k + 0x1fa, (uint16_t)mode);
    }
    if (proto >= 0x201) {
        boot_wr16(k + 0x224, (uint16_t)(cmdline_addr - real_addr - 0x200)); /* heap_end_ptr */
        k[0x211] = loadflags | 0x80;                                    /* CAN_USE_HEAP */
    }
    if (proto >= 0x202) {
        boot_wr32(k + 0x228, cmdline_addr);
    } else {
        /* The old command-line protocol: a magic and an offset at 0x20. */
        boot_wr16(k + 0x20, 0xa33f);
        boot_wr16(k + 0x22, (uint16_t)(cmdline_addr - real_addr));
    }

    uint8_t *rd = NULL;
    size_t rdsize = 0;
    uint32_t rdaddr = 0;
    if (initrd) {
        rd = boot_read_file(initrd, 1u << 30, &rdsize, &why);
        if (!rd) {
            snprintf(err, err_len, "-initrd %s: %s", initrd, why);
            free(k);
            return false;
        }
        /* Highest page-aligned address below the kernel's limit and the
         * top of RAM (ramdisk_max from protocol 2.03, else 0x37ffffff). */
        uint64_t limit = proto >= 0x203 ? (uint64_t)boot_rd32(k + 0x22c) + 1 : 0x38000000;
        if (limit > ram_size)
            limit = ram_size;
        uint64_t lowest = (uint64_t)prot_addr + prot_size;
        if (rdsize > limit || ((limit - rdsize) & ~0xfffull) < lowest) {
            snprintf(err, err_len, "-initrd %s: %zu bytes do not fit between the kernel and %llu MiB (-m)",
                     initrd, rdsize, (unsigned long long)(limit >> 20));
            free(k);
            free(rd);
            return false;
        }
        rdaddr = (uint32_t)((limit - rdsize) & ~0xfffull);
        boot_wr32(k + 0x218, rdaddr);
        boot_wr32(k + 0x21c, (uint32_t)rdsize);
    }

    char *cmd = malloc(cmdline_len);
    if (!cmd) {
        snprintf(err, err_len, "out of host memory");
        free(k);
        free(rd);
        return false;
    }
    memcpy(cmd, append ? append : "", cmdline_len);

    /* The buffers stay alive for the whole run: fw_cfg serves them. */
    fwcfg_add_i32(fw, FWCFG_SETUP_ADDR, real_addr);
    fwcfg_add_i32(fw, FWCFG_SETUP_SIZE, (uint32_t)setup_size);
    fwcfg_add_bytes(fw, FWCFG_SETUP_DATA, k, (uint32_t)setup_size);
    fwcfg_add_i32(fw, FWCFG_KERNEL_ADDR, prot_addr);
    fwcfg_add_i32(fw, FWCFG_KERNEL_SIZE, (uint32_t)prot_size);
    fwcfg_add_bytes(fw, FWCFG_KERNEL_DATA, k + setup_size, (uint32_t)prot_size);
    fwcfg_add_i32(fw, FWCFG_INITRD_ADDR, rdaddr);
    fwcfg_add_i32(fw, FWCFG_INITRD_SIZE, (uint32_t)rdsize);
    fwcfg_add_bytes(fw, FWCFG_INITRD_DATA, rd, (uint32_t)rdsize);
    fwcfg_add_i32(fw, FWCFG_CMDLINE_ADDR, cmdline_addr);
    fwcfg_add_i32(fw, FWCFG_CMDLINE_SIZE, (uint32_t)cmdline_len);
    fwcfg_add_bytes(fw, FWCFG_CMDLINE_DATA, cmd, (uint32_t)cmdline_len);
    fwcfg_add_file(fw, "genroms/linuxboot.bin", linuxboot_rom, (uint32_t)(linuxboot_rom_end - linuxboot_rom));
    return true;
}
