#!/bin/bash
# boot_display_scale.sh RINGSIDE BUILD_DIR - issue 6, the SDL window's
# scaling under Xvfb: SeaBIOS's "No bootable device" text screen (720x400,
# it stays there) in a window resized to 1500x900.
#   -display sdl,scale=integer  square pixels at the largest whole multiple
#       that fits: 2x, 1440x800 at (30,50), each window pixel equal to the
#       screenshot's pixel (x/2, y/2), black around it
#   -display sdl (scale=aspect) the 4:3 rectangle, 1200x900 at (150,0),
#       checked block by block against the screenshot (display_check.py)
# The rectangles themselves are unit-tested (tests/unit/test_display.c).
ringside=${1:?usage: boot_display_scale.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -r /usr/share/seabios/bios-256k.bin ] || { echo "SKIP: no Debian seabios package"; exit 77; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT
start_xvfb >"$work/xvfb.why" || { echo "SKIP: $(cat "$work/xvfb.why")"; exit 77; }
fail=0

show() { # NAME DISPLAY-OPTION
    drive "$ringside" wait "No bootable device" 60 \
        xmouse "search --name Ringside windowsize %@ 1500 900" sleep 1 \
        shot "$work/$1.png" xwd "$work/$1.ppm" \
        -- -display "$2" -m 16 -boot order=c 2>"$work/$1.err"
    local st=$?
    echo "-display $2: status $st"
    [ $st = 0 ] || { fail=1; sed 's/^/  /' "$work/$1.err"; }
}

show integer sdl,scale=integer
check size "$work/integer.png" 720 400 || fail=1
check size "$work/integer.ppm" 1500 900 || fail=1
python3 - "$here" "$work/integer.png" "$work/integer.ppm" <<'PY' || fail=1
import sys
sys.path.insert(0, sys.argv[1])
import display_check as dc
fw, fh, f = dc.read(sys.argv[2])
ww, wh, w = dc.read(sys.argv[3])
x0, y0, k = (ww - 2 * fw) // 2, (wh - 2 * fh) // 2, 2
bad = outside = 0
for y in range(wh):
    for x in range(ww):
        p = w[(y * ww + x) * 3:(y * ww + x) * 3 + 3]
        fx, fy = (x - x0) // k, (y - y0) // k
        if x0 <= x < x0 + k * fw and y0 <= y < y0 + k * fh:
            bad += p != f[(fy * fw + fx) * 3:(fy * fw + fx) * 3 + 3]
        else:
            outside += p != b'\0\0\0'
print('integer scaling: frame 2x at (%d,%d); %d pixels differ from it, %d not black around it' % (x0, y0, bad, outside))
sys.exit(1 if bad or outside else 0)
PY

show aspect sdl
check window "$work/aspect.png" "$work/aspect.ppm" || fail=1
[ $fail = 0 ] && echo "PASS: 720x400 shown 2x with square pixels with scale=integer, 4:3 by default"
exit $fail
