#!/bin/bash
# boot_seabios.sh RINGSIDE BUILD_DIR - issue 5, "Done means" item 2.
# SeaBIOS POSTs with a floppy, a hard disk and a CD attached: its debug log
# (port 0x402) shows the RAM size given with -m, the floppy drive, the ATA
# disk and the ATAPI CD; then it boots from each of them (-boot a, c, d).
# The boot images hold tests/guest/boot/bootsect.S, which prints
# "RINGSIDE BOOT <device> DL=<drive>" on the screen and the debug port and
# writes 0x10+kind to the exit port (status 35 floppy, 37 disk, 39 CD).
ringside=${1:?usage: boot_seabios.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
images=$(bash "$here/../images/bootsector.sh") || { echo "SKIP: cannot build the boot images"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ram_mb=20
fail=0

# boot LETTER STATUS MESSAGE: boot with all three media attached.
boot() {
    local letter=$1 want_status=$2 msg=$3 log=$work/sb_$1.log t0 t1 status
    t0=$(date +%s.%N)
    "$ringside" -display none -m $ram_mb -fda "$images/floppy.img" -hda "$images/disk.img" \
        -cdrom "$images/cd.iso" -snapshot -boot "$letter" -debugcon null \
        -chardev file,id=sb,path="$log" -device isa-debugcon,iobase=0x402,chardev=sb \
        --screen-text "$work/screen_$letter.txt" --max-insns 400000000 >"$work/out_$letter.txt" 2>&1
    status=$?
    t1=$(date +%s.%N)
    printf 'boot -boot %s: status %d (want %d), %.2f s\n' "$letter" "$status" "$want_status" \
        "$(awk "BEGIN { print $t1 - $t0 }")"
    if [ "$status" != "$want_status" ]; then
        echo "FAIL: -boot $letter ended with status $status"; fail=1
        cat "$work/out_$letter.txt"; tail -5 "$log"
    fi
    if grep -aq "$msg" "$work/screen_$letter.txt" && grep -aq "$msg" "$log"; then
        echo "  screen and debug log: $(grep -a -o "$msg DL=[0-9A-F]*" "$log")"
    else
        echo "FAIL: '$msg' is not on the screen and in the debug log"; fail=1
        grep -av '^ *$' "$work/screen_$letter.txt"
    fi
}

boot a 35 "RINGSIDE BOOT FLOPPY"
boot c 37 "RINGSIDE BOOT HARDDISK"
boot d 39 "RINGSIDE BOOT CDROM"
grep -aq "DL=00" "$work/sb_a.log" || { echo "FAIL: the floppy boot did not get DL=00"; fail=1; }
grep -aq "DL=80" "$work/sb_c.log" || { echo "FAIL: the disk boot did not get DL=80"; fail=1; }

# What POST found, from the -boot c run's log.
log=$work/sb_c.log
check() { # DESCRIPTION REGEX
    local line
    line=$(grep -a -m1 -E "$2" "$log")
    if [ -n "$line" ]; then
        echo "  POST found $1: $line"
    else
        echo "FAIL: POST log shows no $1 (/$2/)"; fail=1
    fi
}
ram_hex=$(printf '%016x' $((ram_mb << 20)))
check "the RAM (-m $ram_mb)" "e820: addr 0x0000000000000000 len 0x$ram_hex \[RAM\]"
check "the floppy drive" "Searching bootorder for: .*/fdc@03f0/floppy@0"
check "the hard disk" "ata0-0: .* Hard-Disk \(4 MiBytes\)"
check "the CD" "DVD/CD \[ata1-0: .*ATAPI"
[ $fail = 0 ] && echo "PASS: SeaBIOS POST found RAM, floppy, disk and CD and booted each"
exit $fail
