#!/usr/bin/env bash
# linux-lockstep.sh RINGSIDE [INSNS] - the Debian i686 Linux boot
# (tests/images/linux.sh's kernel and busybox initramfs, the system tests'
# command line) under --lockstep, every block run by both backends and
# compared, until the busybox shell prints its prompt on the serial port
# (issue 7, "Done means" 2: lockstep on the Linux boot to the shell).
# INSNS (default 20 billion, several times what the boot needs) is only a
# safety net: stopping there is a failure. Exits 77 (skipped) without the
# images.
set -u
RINGSIDE=${1:?}
insns=${2:-20000000000}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
# The shell's prompt ("/ # ") follows the initramfs's ready marker.
"$RINGSIDE" -accel x64 --lockstep -display none -serial "file:$log" -no-reboot -m 64 --stats \
    --max-insns "$insns" --wait-text '/ # ' -rtc base=2024-06-15T03:33:33 \
    -kernel "$LINUX_DIR/vmlinuz-686" -initrd "$LINUX_DIR/initrd-686.gz" -append "$LINUX_APPEND" </dev/null
st=$?
echo "status $st after $(($(date +%s) - start)) s (0: reached the shell with no difference; 70: the backends differ)"
if [ $st -ne 0 ] || ! grep -q RINGSIDE-LINUX-READY "$log"; then
    show_serial "$log"
    exit 1
fi
