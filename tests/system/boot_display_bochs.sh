#!/bin/bash
# boot_display_bochs.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 3
# with the bochs DRM driver: Debian 12's 686 kernel loads bochs.ko (and the
# drm, drm_kms_helper, ttm and vram helper modules it needs, in the order
# their .modinfo "depends=" gives) from a small initramfs built here; the
# driver finds the PCI VGA 1234:1111, programs the Bochs VBE (DISPI)
# registers through the 0x1ce ports (ringside's VGA has no MMIO BAR 2) and
# its fbdev emulation gives fbcon a 1024x768 console (the driver's
# preferred mode without EDID). Checked headless: /proc/fb names
# bochs-drm, the size is 1024,768, the screenshot is 1024x768 with ink
# where the 60 known lines are (left 288 pixels of 46 text rows) and black
# to their right and below; the same in the SDL window under Xvfb, whose
# picture must be the screenshot pixel for pixel (VBE modes are shown 1:1).
ringside=${1:?usage: boot_display_bochs.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
linux_kernel >/dev/null || { echo "SKIP: no Debian i386 kernel (tests/images/linux.sh)"; exit 77; }
# The modules of the same package (fetch_deb unpacked it for linux.sh).
source "$here/../images/lib.sh"
kdir=$(ls -d "$(image_cache)"/debs/linux-image-*-686_i386/lib/modules/*/kernel 2>/dev/null | head -1)
[ -f "$kdir/drivers/gpu/drm/tiny/bochs.ko" ] || { echo "SKIP: no bochs.ko in the unpacked 686 kernel package"; exit 77; }
# and the kernel from that package, which the modules were built for
kernel=$(ls "${kdir%/lib/modules/*}"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -f "$kernel" ] || { echo "SKIP: no kernel next to $kdir"; exit 77; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT

# The modules bochs needs, dependencies first.
declare -A kofile seen
order=()
while IFS= read -r f; do
    b=$(basename "$f" .ko)
    kofile[${b//-/_}]=$f
done < <(find "$kdir" -name '*.ko')
visit() {
    local m=${1//-/_} dep
    [ -n "${seen[$m]}" ] && return 0
    seen[$m]=1
    [ -n "${kofile[$m]}" ] || { echo "boot_display_bochs.sh: module $m not found"; return 1; }
    for dep in $(tr '\0' '\n' <"${kofile[$m]}" | sed -n 's/^depends=//p' | tr , ' '); do
        visit "$dep" || return 1
    done
    order+=("$m")
}
visit bochs || exit 1
echo "modules: ${order[*]}"

# The initramfs: display-lib.sh's, with the modules; rs.mode=fb reports
# the framebuffer.
files=()
for m in "${order[@]}"; do files+=("${kofile[$m]}"); done
display_initrd "$work/rd.gz" "${files[@]}" || { echo "SKIP: no busybox-static:i386"; exit 77; }

fail=0
common=(-m 128 -kernel "$kernel" -initrd "$work/rd.gz" --max-insns 60000000000
    -append "console=tty0 console=ttyS0 quiet cryptomgr.notests rs.mode=fb")

check_fb() {
    local name=$1
    grep -a "RS-" "$work/$name.ser" | sed 's/^/  serial: /'
    grep -aq "RS-FB 0 bochs-drm" "$work/$name.ser" || { echo "FAIL: $name: no bochs-drm framebuffer"; fail=1; }
    grep -aq "RS-FB-SIZE 1024,768" "$work/$name.ser" || { echo "FAIL: $name: not 1024x768"; fail=1; }
    grep -aq "RS-INSMOD-FAILED" "$work/$name.ser" && { echo "FAIL: $name: a module did not load"; fail=1; }
    check size "$work/$name.png" 1024 768 || fail=1
    check ink "$work/$name.png" 0 0 288 736 0.10 || fail=1
    check dark "$work/$name.png" 320 0 1024 768 || fail=1
    check dark "$work/$name.png" 16 752 1024 768 || fail=1   # (the cursor is at column 0)
}

fb_console_runs
[ $fail = 0 ] && echo "PASS: Linux's bochs DRM console at 1024x768, headless and in the window"
exit $fail
