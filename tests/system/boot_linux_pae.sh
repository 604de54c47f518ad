#!/bin/bash
# boot_linux_pae.sh RINGSIDE BUILD_DIR - issue 5, "Done means" 4 (last
# part): the 686-pae flavour of the same kernel boots to the shell's marker
# (it runs with CR4.PAE: 3-level tables, NX off, 64-bit PTEs).
RINGSIDE=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
linux_run "$work/serial.log" -m 64 --wait-text RINGSIDE-LINUX-READY \
    -kernel "$LINUX_DIR/vmlinuz-686-pae" -initrd "$LINUX_DIR/initrd-686-pae.gz" \
    -append "$LINUX_APPEND"
rc=$?
if [ $rc -ne 0 ] || ! grep -q RINGSIDE-LINUX-READY "$work/serial.log"; then
    echo "FAIL: the 686-pae kernel did not reach the marker (status $rc)"
    show_serial "$work/serial.log"
    exit 1
fi
echo "PASS: 686-pae kernel at the marker ($LINUX_WALL_MS ms wall)"
