#!/bin/bash
# boot_memtest.sh RINGSIDE BUILD_DIR - issue 5, "Done means" item 6.
# memtest86+ 6.10 from Debian 12 (memtest86+ia32.bin through -kernel, a
# Linux boot protocol image loaded by our linuxboot option ROM, and
# memtest86+ia32.iso through -cdrom) starts testing: it draws on the VGA
# text screen, and the test waits for test #2 to start, then reads the
# status line ("Status: Testing", "Errors: 0") from the screen.
# -icount shift=5 (32 ns per instruction) makes the few seconds memtest
# waits for a key before it starts cost 32 times fewer instructions.
ringside=${1:?usage: boot_memtest.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
images=$(bash "$here/../images/memtest.sh") || { echo "SKIP: cannot fetch memtest86+"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

run() { # NAME MEDIA-OPTIONS...
    local name=$1 t0 t1 status s
    shift
    t0=$(date +%s.%N)
    "$ringside" -display none -m 16 -icount shift=5 "$@" --wait-text "Test #2" \
        --screen-text "$work/$name.txt" --max-insns 1500000000 >"$work/$name.out" 2>&1
    status=$?
    t1=$(date +%s.%N)
    s=$(tr -c '[:print:]\n' ' ' <"$work/$name.txt")
    printf '%s: status %d, %.2f s to "Test #2"\n' "$name" "$status" "$(awk "BEGIN { print $t1 - $t0 }")"
    if [ $status = 0 ] && grep -q "Memtest86+ v6" <<<"$s" && grep -q "Status: Testing" <<<"$s" &&
        grep -q "Errors: 0" <<<"$s"; then
        grep -o -E "Memtest86\+ v[0-9.]+|Test #2 +\[[^]]*\]|Testing: [^[]*|Status: Testing|Errors: 0" <<<"$s" |
            sed 's/^/  /'
    else
        echo "FAIL: $name did not start testing"
        cat "$work/$name.out"
        grep -v '^ *$' <<<"$s"
        fail=1
    fi
}

run kernel -kernel "$images/memtest86+ia32.bin"
run cdrom -cdrom "$images/memtest86+ia32.iso" -boot d
[ $fail = 0 ] && echo "PASS: memtest86+ runs its tests from -kernel and from the CD"
exit $fail
