#!/bin/bash
# boot_display_input.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 4:
# input through the SDL window under Xvfb, typed and clicked with xdotool.
#  mouse: the guest ROM tests/bench/display_mouse.c sets the PS/2 mouse up
#    (IntelliMouse wheel, stream mode) and prints every packet on port 0xe9;
#    after the click that grabs, the test moves (40,0), (0,-30), (-25,12)
#    (X's y grows downwards, PS/2's upwards), clicks left, right, middle and
#    turns the wheel up and down, and expects exactly those packets. The
#    title says "mouse grabbed" after the click, not after Ctrl+Alt+G (no
#    packet for the motion after it), "paused" while the monitor stops
#    the guest; Ctrl+Alt+F asks the window manager (display_drive.py
#    stands in for one) for full screen, and again to leave it.
#  keyboard: Linux (Debian 12's 686 kernel, display-lib.sh's initramfs)
#    runs an interactive busybox sh on tty1, the VGA console and PS/2
#    keyboard; the test types command lines into the window that write to
#    the serial port, and reads what arrived there: every shifted
#    character of a US keyboard, line editing with the extended keys (Home,
#    End, Left, Right, Delete), Ctrl+U, the keypad's Enter, and Ctrl+C (at
#    the prompt the tty echoes ^C and the line is dropped; during
#    `sleep 100` SIGINT ends the command), a Shift held when the window
#    loses focus is released, and a key held 1.5 s repeats.
#  GRUB: its command line (the BIOS's int 16h, which GRUB polls) gets a
#    line typed 20 ms a key, every character, then the window is closed as
#    a window manager would: ringside ends by itself, status 0, with its
#    exit screenshot written.
#  disk: a guest ROM (tests/bench/display_disk.c) writes a sector of a
#    writable disk image; closing the window flushes the image (strace
#    sees fdatasync on its descriptor succeed) and the sector is in it.
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
drive --serial-log "$work/mouse.log" "$ringside" wait serial:MOUSE-READY 30 cont title "Ringside - running" \
    xmouse "mousemove 1280 800 click 1" title "mouse grabbed" sleep 0.4 \
    xmouse "mousemove_relative -- 40 0" sleep 0.3 xmouse "mousemove_relative -- 0 -30" sleep 0.3 \
    xmouse "mousemove_relative -- -25 12" sleep 0.3 \
    xmouse "click 1" sleep 0.3 xmouse "click 3" sleep 0.3 xmouse "click 2" sleep 0.3 \
    xmouse "click 4" sleep 0.3 xmouse "click 5" sleep 0.5 \
    xkey ctrl+alt+g notitle grabbed xmouse "mousemove_relative -- 7 7" sleep 0.3 \
    wmwatch xkey ctrl+alt+f wmfull 1 sleep 0.3 xkey ctrl+alt+f wmfull 0 \
    stop title "Ringside - paused" cont title "Ringside - running" \
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
# Ctrl+Alt+G and Ctrl+Alt+F (twice): Ctrl and Alt reach the guest, the
# hotkeys' G and F (set 1 0x22, 0x21) do not
kbd = [l.split()[1] for l in lines if l.startswith('KBD ')]
if kbd != ['1d', '38', '9d', 'b8'] * 3:
    sys.exit('FAIL: keyboard bytes %s, want Ctrl and Alt down and up three times' % kbd)
print('  hotkeys: G and F stayed in the window')
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
    xtype "echo bad-c >/dev/ttyS0" sleep 0.3 xkey ctrl+c sleep 0.5 \
    xtype "sleep 100" xkey Return sleep 1 xkey ctrl+c sleep 0.5 \
    xtype "echo after-c >/dev/ttyS0" xkey Return wait serial:after-c 10 cont \
    xmouse "keydown shift" sleep 0.2 xunfocus sleep 0.3 xmouse "keyup shift" xfocus sleep 0.3 \
    xtype "echo lower >/dev/ttyS0" xkey Return wait serial:lower 10 cont \
    xtype "echo rep-" xmouse "keydown x" sleep 1.5 xmouse "keyup x" xtype "-end >/dev/ttyS0" xkey Return \
    wait serial:-end 10 cont \
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
# Ctrl+C at the prompt: the tty echoes ^C and the line is not run
if grep -aq "bad-c >/dev/ttyS0^C" "$work/kbd.txt" && ! grep -aq "bad-c" "$work/kbd.ser"; then
    echo "  ok: Ctrl+C abandons the line"
else
    echo "FAIL: Ctrl+C: no ^C after the abandoned line, or the line ran"
    fail=1
fi
# Ctrl+C while a command runs: SIGINT ends it (sleep 100 would hold the
# next line for 100 s), and the shell takes the next line
expect "after-c" "Ctrl+C interrupts a running command"
# Shift held when the window lost focus, released elsewhere: the window
# released it for the guest, so the next line is not shifted
expect "lower" "no stuck Shift after focus loss"
# x held 1.5 s: the PS/2 keyboard repeats it at the rate Linux set (250 ms,
# 30/s: about 38 x at full speed), the host's auto-repeat being dropped;
# at least 4 (a guest slowed by a busy host sees less time pass), at most
# 60 (no repeat left running after the release)
reps=$(tr -d '\r' <"$work/kbd.ser" | sed -n 's/^rep-\(x*\)-end$/\1/p' | head -1)
if [ ${#reps} -ge 4 ] && [ ${#reps} -le 60 ]; then
    echo "  ok: a held key repeats at the guest's typematic rate (${#reps} x)"
else
    echo "FAIL: typematic: ${#reps} x for a key held 1.5 s"
    fail=1
fi

# ---- GRUB, typed fast; closing the window ------------------------------------
images=$(bash "$here/../images/grub.sh") || { echo "SKIP (GRUB): cannot fetch grub-rescue-pc"; [ $fail = 0 ] && exit 77; exit 1; }
# The text goes through a variable so that the echo's output, <...>, is
# not a part of the command line on the screen: waiting for the text alone
# matched the typed line itself, and the window could close before GRUB
# had printed anything.
text='Quick-Brown_Fox.jumps:over/the+lazy=dog,0123456789@%'
line="set q=$text; echo \"<\$q>\""
t0=$(date +%s.%N)
drive --key-delay 20 "$ringside" wait "The highlighted entry will be executed" 60 xkey c wait "grub>" 20 cont \
    xtype "$line" xkey Return wait "grub> $line" 120 wait "<$text>" 10 \
    cont xclose \
    -- -display sdl -m 32 -cdrom "$images/grub-rescue-cdrom.iso" -boot d --screen-text "$work/grub.txt" \
    --screenshot "$work/grub-exit.png" 2>"$work/grub.err"
st=$?
printf 'GRUB: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/grub.err"
[ $st = 0 ] || fail=1
grep -v '^ *$' "$work/grub.txt" | tail -3 | sed 's/ *$//; s/^/  | /'
if grep -qxF "grub> $line" <(sed 's/ *$//' "$work/grub.txt") &&
    grep -qxF "<$text>" <(sed 's/ *$//' "$work/grub.txt"); then
    echo "  ok: every key typed 20 ms apart reached GRUB"
else
    echo "FAIL: GRUB: the line typed 20 ms a key did not arrive whole"
    fail=1
fi
if check size "$work/grub-exit.png" 720 400; then
    echo "  ok: closing the window ended the run cleanly (exit screenshot written)"
else
    echo "FAIL: no exit screenshot after the window was closed"
    fail=1
fi

# ---- closing the window flushes a written disk image -------------------------
diskrom=$build/tests/bench/display_disk.rom
truncate -s 1M "$work/flush.img"
# strace stops only at the two system calls asked for (seccomp-bpf).
cat >"$work/rs-strace.sh" <<EOS
#!/bin/sh
exec strace -f -qq --seccomp-bpf -e trace=openat,fdatasync -o "$work/strace.log" "$ringside" "\$@"
EOS
chmod +x "$work/rs-strace.sh"
drive --serial-log "$work/disk.log" "$work/rs-strace.sh" wait serial:DISK-WRITTEN 30 cont xclose \
    -- -display sdl -bios "$diskrom" -hda "$work/flush.img" -debugcon "file:$work/disk.log" 2>"$work/disk.err"
st=$?
echo "disk: status $st"
sed 's/^/  /' "$work/disk.err"
[ $st = 0 ] || fail=1
fd=$(sed -n 's/.*openat([^"]*"[^"]*flush\.img", O_RDWR[^)]*) = \([0-9][0-9]*\)$/\1/p' "$work/strace.log" | head -1)
if [ -n "$fd" ] && grep -q "fdatasync($fd) *= 0" "$work/strace.log" &&
    [ "$(head -c 30 "$work/flush.img")" = "RINGSIDE-FLUSH RINGSIDE-FLUSH " ]; then
    echo "  ok: closing the window flushed the written disk image (fdatasync($fd) = 0, the sector is there)"
else
    echo "FAIL: closing the window: the image was not flushed or lacks the sector (fd '${fd}')"
    grep -E 'flush\.img|fdatasync' "$work/strace.log" | head -5 | sed 's/^/  /'
    head -c 64 "$work/flush.img" | od -c | head -3 | sed 's/^/  /'
    fail=1
fi
[ $fail = 0 ] && echo "PASS: mouse packets and typed lines arrive exactly through the window"
exit $fail
