#!/bin/sh
# run-vga.sh RINGSIDE VGACHECK TEST ROM OUTDIR - run one VGA guest test
# under ringside headless, take the screenshot when the guest ends through
# the exit port (code 0: status 1), and compare it with vgacheck. On a
# mismatch the expected picture is left next to it as OUTDIR/TEST.expected.ppm.
ringside=$1 check=$2 test=$3 rom=$4 out=$5
png=$out/$test.png
rm -f "$png"
timeout -k 5 100 "$ringside" -display none -m 32 -bios "$rom" --screenshot "$png" >"$out/$test.log" 2>&1
status=$?
cat "$out/$test.log"
if [ "$status" -ne 1 ]; then
    echo "run-vga.sh: $test: ringside exited with status $status (the guest's exit code 0 gives 1)"
    exit 1
fi
"$check" "$test" "$png" || { "$check" "$test" "$png" --expected "$out/$test.expected.ppm" >/dev/null; exit 1; }
