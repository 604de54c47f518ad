#!/bin/bash
# boot_linux_kernel.sh RINGSIDE BUILD_DIR - issue 5, "Done means" 4 (first
# part): Debian 12's i686 kernel with our busybox initramfs, through
# -kernel/-initrd/-append, reaches the marker on the serial console; a
# command sent over the serial port (ringside's stdin with -serial stdio)
# runs and its answer comes back; `reboot -f` with -no-reboot ends the run
# with status 0.
RINGSIDE=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../images/linux-lib.sh"
linux_images

work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null' EXIT
log=$work/serial.log

start=$(date +%s%N)
coproc RS { exec "$RINGSIDE" -display none -m 64 -serial stdio -no-reboot \
    --max-insns "$LINUX_MAX_INSNS" \
    -kernel "$LINUX_DIR/vmlinuz-686" -initrd "$LINUX_DIR/initrd-686.gz" \
    -append "$LINUX_APPEND" 2>"$work/stderr"; }
out=${RS[0]} in=${RS[1]}
# bash clears RS_PID once the coprocess has exited: keep our own copy.
rs_pid=$RS_PID

# expect PATTERN SECONDS: read serial lines into the log until one matches.
expect() {
    local line deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        if IFS= read -r -t $((deadline - SECONDS)) line <&"$out"; then
            line=${line%$'\r'}
            echo "$line" >> "$log"
            case $line in *$1*) return 0 ;; esac
        elif [ $? -le 128 ]; then
            return 1 # end of output: ringside exited
        fi
    done
    return 1
}

fail() {
    echo "FAIL: $1"
    show_serial "$log"
    cat "$work/stderr"
    exit 1
}

expect RINGSIDE-LINUX-READY 600 || fail "no marker on the serial console"
marker_ms=$((($(date +%s%N) - start) / 1000000))
echo "marker after $marker_ms ms wall"

# The shell computes the answer, so the echo of the command cannot match.
sleep 0.5
echo 'echo "RINGSIDE-ANSWER-$((6 * 7))"' >&"$in"
expect RINGSIDE-ANSWER-42 120 || fail "the command sent over the serial port gave no answer"
echo "the command sent over serial ran"

echo 'reboot -f' >&"$in"
while IFS= read -r -t 120 line <&"$out"; do echo "${line%$'\r'}" >> "$log"; done
wait "$rs_pid"
rc=$?
rs_pid=
total_ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] || fail "reboot -f with -no-reboot ended the run with status $rc"
echo "PASS: marker, serial command, reboot (status 0); $total_ms ms wall in all"
