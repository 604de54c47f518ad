#!/bin/bash
# boot_linux_determinism.sh RINGSIDE BUILD_DIR - issue 5, "Done means" 7:
# two boots of the 686 kernel to the marker (same -rtc base) give
# byte-identical serial output, stop at the same instruction count with
# the same hash of RAM and CPU state (--stats); a
# third with the RTC started at another time of day differs only in the
# line that prints the guest's date (and in the kernel's timestamps).
RINGSIDE=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
boot() { # NAME RTC-BASE
    linux_run "$work/$1.log" -m 64 --stats -rtc "base=$2" --wait-text RINGSIDE-LINUX-READY \
        -kernel "$LINUX_DIR/vmlinuz-686" -initrd "$LINUX_DIR/initrd-686.gz" \
        -append "$LINUX_APPEND" 2> "$work/$1.err"
    local rc=$?
    cat "$work/$1.err"
    sed -n 's/^ringside: \([0-9]*\) instructions.*/\1/p' "$work/$1.err" > "$work/$1.icount"
    sed -n 's/^ringside: .*state hash \([0-9a-f]*\).*/\1/p' "$work/$1.err" > "$work/$1.hash"
    if [ $rc -ne 0 ] || ! grep -q RINGSIDE-LINUX-READY "$work/$1.log"; then
        echo "FAIL: run $1 did not reach the marker (status $rc)"
        show_serial "$work/$1.log"
        exit 1
    fi
}
boot a 2024-01-01T12:00:00
boot b 2024-01-01T12:00:00
boot c 2024-06-15T03:33:33
status=0
if cmp -s "$work/a.log" "$work/b.log"; then
    echo "serial output: byte-identical ($(wc -c < "$work/a.log") bytes)"
else
    echo "FAIL: the serial output differs between two identical runs:"
    diff <(tr -d '\r' < "$work/a.log") <(tr -d '\r' < "$work/b.log") | head -20
    status=1
fi
ia=$(cat "$work/a.icount") ib=$(cat "$work/b.icount") ic=$(cat "$work/c.icount")
if [ -n "$ia" ] && [ "$ia" = "$ib" ]; then
    echo "marker reached at instruction $ia in both runs"
else
    echo "FAIL: the marker came at instruction '$ia' and '$ib'"
    status=1
fi
ha=$(cat "$work/a.hash") hb=$(cat "$work/b.hash")
if [ -n "$ha" ] && [ "$ha" = "$hb" ]; then
    echo "RAM and CPU state at the marker: same hash $ha in both runs"
else
    echo "FAIL: the state hash at the marker differs: '$ha' and '$hb'"
    status=1
fi
# The other time of day: only the date line may differ, and the kernel's
# timestamps: the date the kernel reads from the RTC takes its conversion
# code down other paths (a few thousand instructions), which moves them.
masked() { grep -av RINGSIDE-DATE "$1" | sed 's/\[ *[0-9]*\.[0-9]*\]/[time]/g'; }
if diff <(masked "$work/a.log") <(masked "$work/c.log") >/dev/null; then
    echo "another RTC start: output differs only in the date line ($(grep -a RINGSIDE-DATE "$work/c.log" | tr -d '\r'))"
else
    echo "FAIL: another RTC start changed more than the date line:"
    diff <(tr -d '\r' < "$work/a.log") <(tr -d '\r' < "$work/c.log") | head -20
    status=1
fi
echo "(the other-time run reached the marker at instruction $ic)"
[ $status -eq 0 ] && echo "PASS: deterministic boot to the marker"
exit $status
