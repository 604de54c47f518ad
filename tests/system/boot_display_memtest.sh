#!/bin/bash
# boot_display_memtest.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 3:
# memtest86+'s screen (Debian 12's memtest86+ia32.bin through -kernel),
# headless and in the SDL window under Xvfb. Each run waits until a test
# runs ("Status: Testing"), reads the screen (the "Memtest86+ v6" banner), takes a
# screenshot (720x400; the banner rows and the test rows inked) and, in the
# window, checks that the window shows it at 4:3. -icount shift=5 (32 ns
# per instruction) shortens memtest's wait for a key before it starts.
ringside=${1:?usage: boot_display_memtest.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
images=$(bash "$here/../images/memtest.sh") || { echo "SKIP: cannot fetch memtest86+"; exit 77; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT
fail=0
common=(-m 16 -icount shift=5 -kernel "$images/memtest86+ia32.bin" --max-insns 3000000000)

check_mt() {
    local name=$1 s
    s=$(tr -c '[:print:]\n' ' ' <"$work/$name.txt")
    grep -v '^ *$' <<<"$s" | head -8 | sed 's/ *$//; s/^/  | /'
    grep -q "Memtest86+ v6" <<<"$s" && grep -q "Testing" <<<"$s" || { echo "FAIL: $name: no memtest screen"; fail=1; }
    check size "$work/$name.png" 720 400 || fail=1
    check ink "$work/$name.png" 0 0 720 16 0.05 || fail=1
    check ink "$work/$name.png" 0 32 720 96 0.05 || fail=1
}

t0=$(date +%s.%N)
drive "$ringside" wait "Status: Testing" 60 shot "$work/none.png" \
    -- -display none "${common[@]}" --screen-text "$work/none.txt" 2>"$work/none.err"
st=$?
printf 'headless: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/none.err"
[ $st = 0 ] || fail=1
check_mt none

if ! start_xvfb >"$work/xvfb.why"; then
    echo "SKIP (window part): $(cat "$work/xvfb.why")"
    [ $fail = 0 ] && exit 77
    exit 1
fi
t0=$(date +%s.%N)
drive "$ringside" wait "Status: Testing" 60 sleep 0.3 shot "$work/sdl.png" xwd "$work/sdl.ppm" \
    -- -display sdl "${common[@]}" --screen-text "$work/sdl.txt" 2>"$work/sdl.err"
st=$?
printf 'SDL window under Xvfb: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/sdl.err"
[ $st = 0 ] || fail=1
check_mt sdl
check window "$work/sdl.png" "$work/sdl.ppm" || fail=1
[ $fail = 0 ] && echo "PASS: memtest86+'s screen, headless and in the window"
exit $fail
