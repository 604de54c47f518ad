#!/bin/bash
# boot_linux_cdrom.sh RINGSIDE BUILD_DIR - issue 5, "Done means" 4 (CD part):
# with -cdrom, the 686 kernel's initramfs loads ata_piix, sr_mod and isofs,
# mounts /dev/sr0 over ATAPI and reads known.txt, whose checksum the test
# knows.
RINGSIDE=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
known=$(cat "$LINUX_DIR/cd-known.sha256")
linux_run "$work/serial.log" -m 64 -cdrom "$LINUX_DIR/cd.iso" \
    -kernel "$LINUX_DIR/vmlinuz-686" -initrd "$LINUX_DIR/initrd-686.gz" \
    -append "$LINUX_APPEND ringside.mods=cd ringside.run=cd"
rc=$?
tr -d '\r' < "$work/serial.log" | grep RINGSIDE-
if ! grep -q "RINGSIDE-CD-SUM $known " "$work/serial.log"; then
    echo "FAIL: the guest did not read known.txt (sha256 $known) from /dev/sr0"
    show_serial "$work/serial.log"
    exit 1
fi
[ $rc -eq 0 ] || { echo "FAIL: the run ended with status $rc"; exit 1; }
echo "PASS: /dev/sr0 mounted over ATAPI, known.txt read ($LINUX_WALL_MS ms wall)"
