#!/bin/bash
# linux-compare.sh RINGSIDE - times the Linux boots of tests/system/
# boot_linux_*.sh under Ringside and under qemu-system-i386 -accel tcg with
# the same images and command lines, one after the other in the same run,
# and prints the wall times and their ratio (issue 5, "Done means" 8).
# Not a test: a measurement for the notes. Needs qemu-system-x86.
RINGSIDE=${1:?usage: linux-compare.sh RINGSIDE}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/linux-lib.sh"
linux_images
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 missing"; exit 77; }
L=$LINUX_DIR
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CPU seconds too (GNU time): wall times swing with the machine's load.
# timed FILE CMD...: runs CMD, its user+system seconds into FILE.
timed() {
    if [ -x /usr/bin/time ]; then /usr/bin/time -f %U+%S -o "$@"; else shift; "$@"; fi
}
cpu_s() { [ -f "$1.cpu" ] && awk -F+ 'END { printf "%.1f", $1 + $2 }' "$1.cpu"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# qemu_until LOG MARKER ARGS...: runs QEMU with the serial port on LOG until
# MARKER appears in it (then kills it) or it exits; prints the wall ms.
qemu_until() {
    local log=$1 marker=$2 t0 pid
    shift 2
    : > "$log"
    local cmd=(qemu-system-i386 -accel tcg -display none -serial "file:$log" -monitor none
        -no-reboot "$@")
    # Started directly (not through timed, a shell function), so $! is GNU
    # time's pid and QEMU is its child.
    [ -x /usr/bin/time ] && cmd=(/usr/bin/time -f %U+%S -o "$log.cpu" "${cmd[@]}")
    t0=$(now_ms)
    "${cmd[@]}" </dev/null >/dev/null 2>&1 &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
        if [ -n "$marker" ] && grep -q "$marker" "$log"; then
            # Stop QEMU (time's child, or $pid itself without time).
            pkill -TERM -P $pid 2>/dev/null || kill $pid
            break
        fi
        sleep 0.05
    done
    wait $pid 2>/dev/null
    echo $(($(now_ms) - t0))
}

# ringside_until LOG MARKER ARGS...: the same under Ringside (--wait-text).
ringside_until() {
    local log=$1 marker=$2 t0
    shift 2
    t0=$(now_ms)
    if [ -n "$marker" ]; then
        timed "$log.cpu" "$RINGSIDE" -display none -serial "file:$log" -no-reboot --wait-text "$marker" "$@" \
            </dev/null >/dev/null 2>&1
    else
        timed "$log.cpu" "$RINGSIDE" -display none -serial "file:$log" -no-reboot "$@" </dev/null >/dev/null 2>&1
    fi
    echo $(($(now_ms) - t0))
}

compare() { # NAME MARKER ARGS...
    local name=$1 marker=$2 r q
    shift 2
    cp "$L/disk-686.img" "$work/disk.img"
    r=$(ringside_until "$work/r-$name.log" "$marker" "$@")
    grep -q "${marker:-RINGSIDE-}" "$work/r-$name.log" || r="$r(no marker)"
    cp "$L/disk-686.img" "$work/disk.img"
    q=$(qemu_until "$work/q-$name.log" "$marker" "$@")
    grep -q "${marker:-RINGSIDE-}" "$work/q-$name.log" || q="$q(no marker)"
    printf '%-8s ringside %7s ms (%s s CPU)   qemu-tcg %7s ms (%s s CPU)   wall ratio %s\n' \
        "$name" "$r" "$(cpu_s "$work/r-$name.log")" "$q" "$(cpu_s "$work/q-$name.log")" \
        "$(awk -v a="${r%%(*}" -v b="${q%%(*}" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
}

kern=(-m 64 -kernel "$L/vmlinuz-686" -initrd "$L/initrd-686.gz")
compare kernel RINGSIDE-LINUX-READY "${kern[@]}" -append "$LINUX_APPEND"
compare cdrom "" "${kern[@]}" -cdrom "$L/cd.iso" -append "$LINUX_APPEND ringside.mods=cd ringside.run=cd"
compare disk "" -m 64 -hda "$work/disk.img" -boot c -snapshot
compare pae RINGSIDE-LINUX-READY -m 64 -kernel "$L/vmlinuz-686-pae" -initrd "$L/initrd-686-pae.gz" \
    -append "$LINUX_APPEND"
