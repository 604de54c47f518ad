#!/bin/sh
# smc-same-stats.sh RINGSIDE ROM [ACCEL] - issue 4's "a page that is written
# often while it holds code does not thrash", for code that stores back the
# bytes it already holds (GRUB's BIOS-call trampoline): runs
# flat_smc_same.rom (20000 calls of a routine that stores its own immediate
# back, beside data on its page) with --stats. Before blocks kept their
# source bytes every store dropped the routine's block (20000+ blocks
# invalidated); now only the one store that changes the immediate does.
# Passes iff the guest passes and fewer than 100 blocks were invalidated.
set -u
rs=$1
rom=$2
accel=${3:-threaded}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout -k 5 60 "$rs" -display none -accel "$accel" -bios "$rom" --stats >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/out"
if [ "$st" -ne 1 ]; then
    echo "smc-same-stats.sh: the guest failed (exit status $st)"
    cat "$tmp/err"
    exit 1
fi
inval=$(sed -n 's/.* blocks translated, \([0-9][0-9]*\) invalidated.*/\1/p' "$tmp/err" | tail -1)
echo "blocks invalidated ($accel): $inval (bound 100)"
[ -n "$inval" ] && [ "$inval" -lt 100 ]
