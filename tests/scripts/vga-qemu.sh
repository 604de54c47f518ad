#!/bin/bash
# vga-qemu.sh VGACHECK ROMDIR - run the VGA guest tests (tests/guest/vga,
# issue 6 "Done means" item 2) under qemu-system-i386 -vga std, take QEMU's
# picture with its monitor's screendump once the guest has printed
# VGA-DONE on the debug console, and compare it with the picture vgacheck
# computes from the pattern definitions, as the ringside tests do.
# Differences QEMU is known to have are listed below with their reason:
# they are reported ("xfail") and not counted as failures. Prints a line
# per test and "N passed, M failed, K known differences"; exits 0 iff
# nothing failed, 77 when QEMU is not installed.
set -u
qemu=${QEMU:-qemu-system-i386}
check=${1:?usage: vga-qemu.sh VGACHECK ROMDIR}
romdir=${2:?usage: vga-qemu.sh VGACHECK ROMDIR}
timeout_s=${VGA_QEMU_TIMEOUT:-60}

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "qemu-system-i386 not installed, skipped"
    exit 77
fi

read -r -a tests <<<"${VGA_QEMU_TESTS:-text blink textpan m04 m0d gblink m12 m13 modex vbe4 vbe8 vbe16 vbe32}"

# Differences QEMU 7.2 has, each modelled by a vgacheck option so that
# everything else must still match pixel for pixel:
#  - dac: QEMU expands a 6-bit DAC component c to 8 bits as
#    (c << 2) | (c & 1) * 3 (its c6_to_8); ringside and vgacheck use
#    (c << 2) | (c >> 4), the nearest to c * 255 / 63. Up to 3 apart per
#    channel: --tolerance 3 in the DAC-based tests.
#  - scale: QEMU's screendump of a 320-pixel mode is 640 wide (each pixel
#    doubled: 04h, 0Dh, 13h, mode X) and keeps double-scanned lines (13h
#    and mode X: 400/480 lines); ringside reports the mode's distinct
#    pixels (320x200, 320x240): --scale 1.
#  - dup9: in 9-dot text QEMU repeats the 8th dot into the 9th for
#    characters 0xb0-0xdf; the IBM VGA reference (attribute mode control
#    bit 2, line graphics enable) says 0xc0-0xdf: --dup9-from 0xb0.
#  - phase: the screendump is taken at no known guest time, so the blink
#    test accepts any of the four combinations of the character and
#    cursor blink phases (ringside's test checks two known ones).
#  - blink: QEMU 7.2 does not blink characters (its vga_draw_text lists
#    "flashing" as missing): attribute bit 7 is background intensity even
#    with blink enabled; its cursor blinks (any phase): --no-blink 1.
#  - gblink: QEMU 7.2 does not blink graphics either (its 16-colour
#    palette, update_palette16, ignores the attribute mode control's blink
#    bit): the pixel's own bit 3 indexes the palette in every phase, where
#    the IBM VGA takes index bit 3 from the blink phase: --no-blink 1.
#  - vbe4: QEMU 7.2's VBE modes take the sequencer from sr_vbe, a copy
#    whose map mask only bpp > 4 sets, so in 4 bpp writes through the
#    0xa0000 window reach no plane; the lines vbe4 draws that way (384 and
#    down) stay colour 0, the LFB-drawn top half matches:
#    --no-vbe4-window 1.
#  - pan: QEMU ignores the attribute controller's pel panning register
#    (index 13h) in text and graphics modes (textpan shows unpanned); only the start address moves mode X's
#    picture (3 pixels short here): --no-pel-panning 1.
declare -A qopts=(
    [text]="--tolerance 3 --dup9-from 0xb0"
    [blink]="--tolerance 3 --dup9-from 0xb0 --any-phase 1 --no-blink 1"
    [textpan]="--tolerance 3 --dup9-from 0xb0 --no-pel-panning 1"
    [vbe4]="--tolerance 3 --no-vbe4-window 1"
    [m04]="--tolerance 3 --scale 1"
    [m0d]="--tolerance 3 --scale 1"
    [gblink]="--tolerance 3 --scale 1 --no-blink 1"
    [m12]="--tolerance 3"
    [m13]="--tolerance 3 --scale 1"
    [modex]="--tolerance 3 --scale 1 --no-pel-panning 1"
    [vbe8]="--tolerance 3"
    [vbe16]=""
    [vbe32]=""
)
declare -A qwhy=(
    [text]="dac, dup9"
    [blink]="dac, dup9, phase, blink"
    [textpan]="dac, dup9, pan"
    [vbe4]="dac, vbe4"
    [m04]="dac, scale"
    [m0d]="dac, scale"
    [gblink]="dac, scale, gblink"
    [m12]="dac"
    [m13]="dac, scale"
    [modex]="dac, scale, pan"
    [vbe8]="dac"
)

# Known QEMU differences that make a test fail outright, with the reason:
# reported ("xfail"), not failures.
declare -A known=(
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep=${VGA_QEMU_KEEP:-}
pass=0 fail=0 xfail=0
for t in "${tests[@]}"; do
    rom=$romdir/vga_$t.rom
    if [ ! -f "$rom" ]; then
        echo "FAIL  $t: $rom not built"
        fail=$((fail + 1))
        continue
    fi
    log=$tmp/$t.log
    ppm=$tmp/$t.ppm
    : >"$log"
    {
        # wait for the guest's signal, then dump the screen and quit
        for _ in $(seq 1 $((timeout_s * 10))); do
            grep -q VGA-DONE "$log" && break
            sleep 0.1
        done
        echo "screendump $ppm"
        for _ in $(seq 1 50); do
            [ -s "$ppm" ] && break
            sleep 0.1
        done
        sleep 0.3
        echo quit
    } | timeout -k 5 $((timeout_s + 10)) "$qemu" -machine pc -accel tcg -m 32 -nodefaults -vga std \
        -display none -no-reboot -bios "$rom" -debugcon "file:$log" -monitor stdio >"$tmp/$t.out" 2>&1
    if ! grep -q VGA-DONE "$log"; then
        res=1
        msg="the guest never printed VGA-DONE"
    elif [ ! -s "$ppm" ]; then
        res=1
        msg="no screendump"
    else
        # shellcheck disable=SC2086
        msg=$("$check" "$t" "$ppm" ${qopts[$t]} 2>&1)
        res=$?
    fi
    [ -n "$keep" ] && [ -s "$ppm" ] && cp "$ppm" "$keep/qemu_$t.ppm"
    if [ -n "${known[$t]:-}" ]; then
        if [ "$res" -eq 0 ]; then
            echo "pass  $t (a known QEMU difference did not show: ${known[$t]})"
            pass=$((pass + 1))
        else
            echo "xfail $t (known QEMU difference: ${known[$t]})"
            echo "$msg" | tail -n 3 | sed 's/^/      | /'
            xfail=$((xfail + 1))
        fi
    elif [ "$res" -eq 0 ]; then
        echo "pass  $t${qwhy[$t]:+ (with the listed differences: ${qwhy[$t]})}"
        pass=$((pass + 1))
    else
        echo "FAIL  $t"
        echo "$msg" | tail -n 10 | sed 's/^/      | /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed, $xfail known differences"
[ "$fail" -eq 0 ]
