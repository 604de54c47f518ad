#!/bin/bash
# boot_display_input.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 4:
# input through the SDL window under Xvfb, typed and clicked with xdotool.
#  mouse: the guest ROM tests/bench/display_mouse.c sets the PS/2 mouse up
#    (IntelliMouse wheel, stream mode) and prints every packet on port 0xe9;
#    after the click that grabs, the test moves (40,0), (0,-30), (-25,12)
#    (X's y grows downwards, PS/2's upwards), clicks left, right, middle and
#    turns the wheel up and down, and expects exactly those packets.
#  keyboard: Linux (Debian 12's 686 kernel, display-lib.sh's initramfs)
#    runs an interactive busybox sh on tty1, the VGA console and PS/2
#    keyboard; the test types command lines into the window that write to
#    the serial port, and reads what arrived there: every shifted
#    character of a US keyboard, line editing with the extended keys (Home,
#    End, Left, Right, Delete), Ctrl+U, the keypad's Enter, and Ctrl+C (the tty
#    echoes ^C and drops the line; busybox ash then prints no new prompt,
#    so Ctrl+C comes last - not yet explained, see the report of issue 6).
# Skipped (77) only when Xvfb cannot start or the images cannot be had.
ringside=${1:?usage: boot_display_input.sh RINGSIDE BUILD_DIR}
build=${2:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
rom=$build/tests/bench/display_mouse.rom
[ -f "$rom" ] || { echo "FAIL: $rom is not built"; exit 1; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT
if ! start_xvfb >"$work/xvfb.why"; then
    echo "SKIP: $(cat "$work/xvfb.why")"
    exit 77
fi
fail=0

# ---- mouse ----------------------------------------------------------------
t0=$(date +%s.%N)
drive --serial-log "$work/mouse.log" "$ringside" wait serial:MOUSE-READY 30 cont \
    xmouse "mousemove 1280 800 click 1" sleep 0.4 \
    xmouse "mousemove_relative -- 40 0" sleep 0.3 xmouse "mousemove_relative -- 0 -30" sleep 0.3 \
    xmouse "mousemove_relative -- -25 12" sleep 0.3 \
    xmouse "click 1" sleep 0.3 xmouse "click 3" sleep 0.3 xmouse "click 2" sleep 0.3 \
    xmouse "click 4" sleep 0.3 xmouse "click 5" sleep 0.5 \
    -- -display sdl -bios "$rom" -debugcon "file:$work/mouse.log" 2>"$work/mouse.err"
st=$?
printf 'mouse: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/mouse.err"
[ $st = 0 ] || fail=1
python3 - "$work/mouse.log" <<'PY' || fail=1
import re, sys
lines = open(sys.argv[1], encoding='latin-1').read().splitlines()
print('  ' + '\n  '.join(lines))
if not any(l.startswith('MOUSE-READY reset=fa aa 00 id=03') for l in lines):
    sys.exit('FAIL: the mouse did not reset to ID 3 (wheel)')
got = []
for l in lines:
    m = re.match(r'PKT buttons=(\d+) dx=(-?\d+) dy=(-?\d+) dz=(-?\d+)', l)
    if m:
        got.append(tuple(map(int, m.groups())))
# (buttons, dx, dy, dz): one packet per movement, press, release, wheel step
want = [(0, 40, 0, 0), (0, 0, 30, 0), (0, -25, -12, 0), (1, 0, 0, 0), (0, 0, 0, 0), (2, 0, 0, 0),
        (0, 0, 0, 0), (4, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, -1), (0, 0, 0, 1)]
if got != want:
    sys.exit('FAIL: want %s' % want)
print('  mouse: motion, the three buttons and the wheel arrived exactly')
PY

# ---- keyboard ---------------------------------------------------------------
kernel=$(linux_kernel) || { echo "SKIP (keyboard): no Debian i386 kernel"; [ $fail = 0 ] && exit 77; exit 1; }
display_initrd "$work/rd.gz" || { echo "SKIP (keyboard): no initramfs"; [ $fail = 0 ] && exit 77; exit 1; }
shifted='Hi There: ~!@#$%^&*()_+{}|"<>?,./;=[]\`-'
t0=$(date +%s.%N)
drive --key-delay 40 --serial-log "$work/kbd.ser" "$ringside" wait serial:RS-SHELL-READY 150 cont \
    xtype "echo '$shifted' >/dev/ttyS0" xkey Return wait "serial:Hi There" 10 cont \
    xtype "cho ab >/dev/ttyS0" xkey Home xtype e xkey End \
    xkey "Left Left Left Left Left Left Left Left Left Left Left Left" xtype "cXd" xkey "Left Left Delete Right" \
    xtype "e" xkey Return wait serial:abcde 10 cont \
    xtype "echo wrong" xkey ctrl+u xtype "echo ctl-ok >/dev/ttyS0" xkey Return wait serial:ctl-ok 10 cont \
    xtype "echo kp-enter >/dev/ttyS0" xkey KP_Enter wait serial:kp-enter 10 cont \
    xtype "echo bad-c >/dev/ttyS0" sleep 0.3 xkey ctrl+c sleep 1 \
    -- -display sdl -m 64 -kernel "$kernel" -initrd "$work/rd.gz" -serial "file:$work/kbd.ser" \
    -append "console=tty0 console=ttyS0 quiet cryptomgr.notests rs.mode=shell" \
    --screen-text "$work/kbd.txt" 2>"$work/kbd.err"
st=$?
printf 'keyboard: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/kbd.err"
[ $st = 0 ] || fail=1
echo "  the console:"
grep -v '^ *$' "$work/kbd.txt" | tail -12 | sed 's/ *$//; s/^/  | /'
echo "  the serial port:"
grep -av '^\[' "$work/kbd.ser" | sed 's/^/  | /'
expect() { # LINE WHAT
    if grep -aqxF -- "$1" <(tr -d '\r' <"$work/kbd.ser"); then
        echo "  ok: $2"
    else
        echo "FAIL: $2: no line \"$1\" on the serial port"
        fail=1
    fi
}
expect "$shifted" "shifted characters"
expect "abcde" "Home, End, Left, Delete, Right"
expect "ctl-ok" "Ctrl+U"
grep -aq "wrong" "$work/kbd.ser" && { echo "FAIL: Ctrl+U did not kill the line"; fail=1; }
expect "kp-enter" "keypad Enter"
# Ctrl+C: the tty echoes it as ^C and the line is not run
if grep -aq "bad-c >/dev/ttyS0^C" "$work/kbd.txt" && ! grep -aq "bad-c" "$work/kbd.ser"; then
    echo "  ok: Ctrl+C"
else
    echo "FAIL: Ctrl+C: no ^C after the abandoned line, or the line ran"
    fail=1
fi
[ $fail = 0 ] && echo "PASS: mouse packets and typed lines arrive exactly through the window"
exit $fail
