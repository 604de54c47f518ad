#!/bin/sh
# smc-hot-stats.sh RINGSIDE ROM - issue 4's "a page that is written often
# while it holds code does not thrash", measured: runs flat_smc_hot.rom
# (20000 iterations of a 24-instruction loop that patches one of its own
# immediates and stores data on its own page) with --stats and -d in_asm,
# and bounds what the code cache translated. Without the hot-page fallback
# each iteration retranslated two long blocks (40053 blocks, 720210
# instructions decoded); with it, the patched instruction alone (about
# 20000 blocks, 21000 instructions). Passes iff the guest passes and both
# counts are under the bounds below.
set -u
rs=$1
rom=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout -k 5 60 "$rs" -display none -bios "$rom" --stats -d in_asm -D "$tmp/trace" >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/out"
if [ "$st" -ne 1 ]; then
    echo "smc-hot-stats.sh: the guest failed (exit status $st)"
    cat "$tmp/err"
    exit 1
fi
blocks=$(sed -n 's/.* \([0-9][0-9]*\) blocks translated.*/\1/p' "$tmp/err" | tail -1)
insns=$(grep -c '^  ' "$tmp/trace")
echo "blocks translated: $blocks (bound 30000), instructions translated: $insns (bound 60000)"
[ -n "$blocks" ] && [ "$blocks" -lt 30000 ] && [ "$insns" -lt 60000 ]
