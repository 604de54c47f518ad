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
# to their right and below.
ringside=${1:?usage: boot_display_bochs.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
kernel=$(linux_kernel) || { echo "SKIP: no Debian i386 kernel (tests/images/linux.sh)"; exit 77; }
kdir=$(echo "$(dirname "$kernel")"/../lib/modules/*/kernel)
[ -f "$kdir/drivers/gpu/drm/tiny/bochs.ko" ] || { echo "SKIP: no bochs.ko next to $kernel"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

# The initramfs: static busybox, the modules, an /init that loads them and
# reports the framebuffer.
source "$here/../images/lib.sh"
bb=$(fetch_deb busybox-static:i386)/bin/busybox || { echo "SKIP: no busybox-static:i386"; exit 77; }
st=$work/rd
mkdir -p "$st/bin" "$st/dev" "$st/proc" "$st/sys" "$st/mod"
cp "$bb" "$st/bin/busybox"
ln -s busybox "$st/bin/sh"
for m in "${order[@]}"; do
    cp "${kofile[$m]}" "$st/mod/$m.ko"
    echo "$m" >>"$st/mod/order"
done
cat >"$st/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
    insmod /mod/$m.ko || echo "RS-INSMOD-FAILED $m" >/dev/ttyS0
done </mod/order
i=0
while [ ! -e /sys/class/graphics/fb0/virtual_size ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
echo "RS-FB $(cat /proc/fb | tr '\n' ' ')" >/dev/ttyS0
echo "RS-FB-SIZE $(cat /sys/class/graphics/fb0/virtual_size) $(cat /sys/class/graphics/fb0/bits_per_pixel)" >/dev/ttyS0
i=0
while [ $i -lt 60 ]; do echo "Ringside framebuffer console line $i" >/dev/tty1; i=$((i + 1)); done
echo "RS-FB-READY" >/dev/ttyS0
while true; do sleep 3600; done
INIT
chmod 755 "$st/init"
(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1n >"$work/rd.gz"

fail=0
t0=$(date +%s.%N)
"$ringside" -display none -m 128 -kernel "$kernel" -initrd "$work/rd.gz" --max-insns 60000000000 \
    -append "console=tty0 console=ttyS0 quiet cryptomgr.notests" \
    -serial "file:$work/none.ser" --wait-text RS-FB-READY --screenshot "$work/none.png" >"$work/none.out" 2>&1
st=$?
printf 'headless: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
[ $st = 0 ] || { fail=1; tail -5 "$work/none.out"; tail -20 "$work/none.ser"; }
grep -a "RS-" "$work/none.ser" | sed 's/^/  serial: /'
grep -aq "RS-FB 0 bochs-drm" "$work/none.ser" || { echo "FAIL: no bochs-drm framebuffer"; fail=1; }
grep -aq "RS-FB-SIZE 1024,768" "$work/none.ser" || { echo "FAIL: not 1024x768"; fail=1; }
grep -aq "RS-INSMOD-FAILED" "$work/none.ser" && { echo "FAIL: a module did not load"; fail=1; }
check size "$work/none.png" 1024 768 || fail=1
check ink "$work/none.png" 0 0 288 736 0.10 || fail=1
check dark "$work/none.png" 320 0 1024 768 || fail=1
check dark "$work/none.png" 16 752 1024 768 || fail=1
[ $fail = 0 ] && echo "PASS: Linux's bochs DRM console at 1024x768"
exit $fail
