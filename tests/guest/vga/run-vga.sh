#!/bin/bash
# run-vga.sh RINGSIDE VGACHECK TEST ROM OUTDIR - run one VGA guest test
# under ringside headless, take the screenshot when the guest ends through
# the exit port (code 0: status 1), and compare it with vgacheck. On a
# mismatch the expected picture is left next to it as OUTDIR/TEST.expected.ppm.
# The blink and gblink tests instead take two screenshots at the
# instruction counts of pattern.h's PAT_BLINK_T1 and _T2 (1 instruction per
# guest ns, the default; the guest never halts), one per blink phase, and
# vgacheck expects the phases of those guest times.
ringside=$1 check=$2 test=$3 rom=$4 out=$5
if [ "$test" = blink ] || [ "$test" = gblink ]; then
    shots="170000000 290000000"
else
    shots=exit
fi
args=()
for n in $shots; do
    if [ "$n" = exit ]; then png=$out/$test.png; args+=(--screenshot "$png"); else png=$out/$test@$n.png; args+=(--screenshot "$png@$n"); fi
    rm -f "$png"
done
timeout -k 5 100 "$ringside" -display none -m 32 -bios "$rom" "${args[@]}" >"$out/$test.log" 2>&1
status=$?
cat "$out/$test.log"
if [ "$status" -ne 1 ]; then
    echo "run-vga.sh: $test: ringside exited with status $status (the guest's exit code 0 gives 1)"
    exit 1
fi
for n in $shots; do
    if [ "$n" = exit ]; then png=$out/$test.png opt=; else png=$out/$test@$n.png opt="--at-ns $n"; fi
    # shellcheck disable=SC2086
    "$check" "$test" "$png" $opt || { "$check" "$test" "$png" $opt --expected "$out/$test.expected.ppm" >/dev/null; exit 1; }
done
