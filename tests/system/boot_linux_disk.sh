#!/bin/bash
# boot_linux_disk.sh RINGSIDE BUILD_DIR - issue 5, "Done means" 4 (disk
# part): the 686 kernel boots from a hard-disk image through SYSLINUX (MBR,
# FAT16 boot partition) and SeaBIOS's INT 13h; the initramfs loads ata_piix,
# sd_mod and ext4 and switches to the ext2 root on /dev/sda2 over IDE, whose
# /sbin/init checks data/known.txt against the checksum the test knows and
# writes data/written.txt. The test finds that file in the image afterwards
# (debugfs), then boots again with -snapshot and checks the image did not
# change by a byte.
RINGSIDE=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images
command -v debugfs >/dev/null || { echo "SKIP: debugfs (e2fsprogs) missing"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
disk=$work/disk.img
cp "$LINUX_DIR/disk-686.img" "$disk"
known=$(cat "$LINUX_DIR/known.sha256")
read -r root_start root_size < "$LINUX_DIR/disk-686.root"
status=0
fail() { echo "FAIL: $1"; status=1; }

# --- run 1: the guest reads and writes the disk --------------------------
linux_run "$work/serial1.log" -m 64 -hda "$disk" -boot c
rc=$?
wall1=$LINUX_WALL_MS
tr -d '\r' < "$work/serial1.log" | grep RINGSIDE-
[ $rc -eq 0 ] || fail "run 1 ended with status $rc (want 0: reboot -f with -no-reboot)"
grep -q "RINGSIDE-DISK-SUM $known " "$work/serial1.log" ||
    fail "the guest did not see data/known.txt with sha256 $known"
grep -q "RINGSIDE-DISK-CHECK OK" "$work/serial1.log" || fail "the guest's sha256sum -c failed"
dd if="$disk" of="$work/root.img" bs=512 skip="$root_start" count="$root_size" status=none
written=$(debugfs -R 'cat /data/written.txt' "$work/root.img" 2>/dev/null)
echo "data/written.txt in the image after run 1: '$written'"
case $written in
    "written by the guest on "*) ;;
    *) fail "data/written.txt is not in the image after run 1" ;;
esac
[ $status -eq 0 ] || { show_serial "$work/serial1.log"; exit 1; }

# --- run 2: -snapshot keeps every write away from the image --------------
before=$(sha256sum < "$disk")
linux_run "$work/serial2.log" -m 64 -hda "$disk" -boot c -snapshot
rc=$?
wall2=$LINUX_WALL_MS
[ $rc -eq 0 ] || fail "run 2 (-snapshot) ended with status $rc"
grep -q "RINGSIDE-DISK-WRITTEN" "$work/serial2.log" || fail "run 2 did not write in the guest"
after=$(sha256sum < "$disk")
[ "$before" = "$after" ] || fail "-snapshot changed the image"
[ $status -eq 0 ] || { show_serial "$work/serial2.log"; exit 1; }
echo "PASS: SYSLINUX boot, known file checked, written file found; -snapshot left the image identical ($wall1 + $wall2 ms wall)"
