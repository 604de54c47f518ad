#!/bin/bash
# boot_display_seabios.sh RINGSIDE BUILD_DIR - issue 6, "Done means" item 3:
# SeaBIOS's boot menu (-boot menu=on), opened with ESC through the PS/2
# keyboard, headless (the monitor's sendkey, the guest stepped until the
# "Press ESC" prompt shows) and in the SDL window under Xvfb (xdotool's
# Escape into the window, the guest paced to wall time). Each run reads the
# menu from the text screen, takes a screenshot (720x400, the banner and
# menu rows inked, the rest black) and, in the window, checks that the
# window shows that screenshot at 4:3.
ringside=${1:?usage: boot_display_seabios.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/display-lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -r /usr/share/seabios/bios-256k.bin ] || { echo "SKIP: no Debian seabios package"; exit 77; }
work=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$work"' EXIT
fail=0
# The GRUB rescue floppy and CD give the menu entries to list.
media=()
entries=1
if images=$(bash "$here/../images/grub.sh" 2>/dev/null); then
    media=(-fda "$images/grub-rescue-floppy.img" -cdrom "$images/grub-rescue-cdrom.iso")
    entries=2
fi
# shellcheck disable=SC2054  # -boot takes a comma list
common=(-m 16 -boot order=c,menu=on "${media[@]}" --max-insns 2000000000)

# check_menu NAME: the screen text and screenshot of a run.
check_menu() {
    local name=$1
    grep -v '^ *$' "$work/$name.txt" | sed 's/ *$//; s/^/  | /'
    grep -q "Select boot device:" "$work/$name.txt" || { echo "FAIL: $name: no boot menu"; fail=1; return; }
    if [ $entries = 2 ]; then
        grep -q "^1\. Floppy" "$work/$name.txt" && grep -q "^2\. DVD/CD" "$work/$name.txt" ||
            { echo "FAIL: $name: the menu does not list the floppy and the CD"; fail=1; }
    fi
    check size "$work/$name.png" 720 400 || fail=1
    # row 0: the banner; the menu's rows are inked; the bottom rows black
    check ink "$work/$name.png" 0 0 720 16 0.05 || fail=1
    local row
    row=$(grep -n "Select boot device:" "$work/$name.txt" | head -1 | cut -d: -f1)
    check ink "$work/$name.png" 0 $(((row - 1) * 16)) 720 $((row * 16)) 0.03 || fail=1
    check dark "$work/$name.png" 0 352 720 400 || fail=1
}

t0=$(date +%s.%N)
drive "$ringside" step "Press ESC" key esc wait "Select boot device:" 20 shot "$work/none.png" \
    -- -display none "${common[@]}" --screen-text "$work/none.txt" 2>"$work/none.err"
st=$?
printf 'headless: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/none.err"
[ $st = 0 ] || fail=1
check_menu none

if ! start_xvfb >"$work/xvfb.why"; then
    echo "SKIP (window part): $(cat "$work/xvfb.why")"
    [ $fail = 0 ] && exit 77
    exit 1
fi
t0=$(date +%s.%N)
drive "$ringside" wait "Press ESC" 30 xkey Escape wait "Select boot device:" 20 sleep 0.3 \
    shot "$work/sdl.png" xwd "$work/sdl.ppm" \
    -- -display sdl "${common[@]}" --screen-text "$work/sdl.txt" 2>"$work/sdl.err"
st=$?
printf 'SDL window under Xvfb: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
sed 's/^/  /' "$work/sdl.err"
[ $st = 0 ] || fail=1
check_menu sdl
check window "$work/sdl.png" "$work/sdl.ppm" || fail=1
[ $fail = 0 ] && echo "PASS: SeaBIOS's boot menu opens with ESC headless and in the window"
exit $fail
