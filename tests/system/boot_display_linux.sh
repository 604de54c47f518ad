#!/bin/bash
# boot_display_linux.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 3:
# Linux (Debian 12's 686 kernel) to a framebuffer console at 1024x768,
# headless and in the SDL window under Xvfb. "vga=0x318" asks the kernel's
# real-mode setup for VBE mode 0x118 (1024x768, 24 bpp, SeaVGABIOS through
# the Bochs VBE interface) and vesafb takes it; a small initramfs
# (display-lib.sh) reports /proc/fb and the size on the serial port and
# fills the console with 60 known lines. Checked: the kernel's own report
# (VESA VGA, 1024,768), the screenshot's size (1024x768), ink where the
# console's text rows are (the left 288 pixels of 46 rows), black to their
# right and below; in the window, that it is 1024x768 and shows the
# screenshot pixel for pixel (VBE modes are drawn unscaled at 1:1).
# The bochs DRM driver (a module, with drm/ttm helpers) has its own test,
# boot_display_bochs.sh.
ringside=${1:?usage: boot_display_linux.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
kernel=$(linux_kernel) || { echo "SKIP: no Debian i386 kernel (tests/images/linux.sh)"; exit 77; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT
display_initrd "$work/rd.gz" || { echo "SKIP: cannot build the initramfs (busybox-static:i386)"; exit 77; }
fail=0
common=(-m 64 -kernel "$kernel" -initrd "$work/rd.gz" --max-insns 40000000000
    -append "console=tty0 console=ttyS0 quiet cryptomgr.notests vga=0x318 rs.mode=fb")

check_fb() {
    local name=$1
    grep -a "RS-FB" "$work/$name.ser" | sed 's/^/  serial: /'
    grep -aq "RS-FB 0 VESA VGA" "$work/$name.ser" || { echo "FAIL: $name: no vesafb"; fail=1; }
    grep -aq "RS-FB-SIZE 1024,768" "$work/$name.ser" || { echo "FAIL: $name: not 1024x768"; fail=1; }
    check size "$work/$name.png" 1024 768 || fail=1
    check ink "$work/$name.png" 0 0 288 736 0.10 || fail=1
    check dark "$work/$name.png" 320 0 1024 768 || fail=1
    check dark "$work/$name.png" 16 752 1024 768 || fail=1   # (the cursor is at column 0)
}

fb_console_runs
[ $fail = 0 ] && echo "PASS: Linux's vesafb console at 1024x768, headless and in the window"
exit $fail
