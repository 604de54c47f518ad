#!/bin/bash
# fastpath-hits.sh RINGSIDE MEMWALK_ROM - issue 4, "Done means" 3: a hit in
# the shadow tables costs no call, in the interpreter and in translated
# code. Every call into the slow path is counted (-d tlb: a miss, or a
# "slow-path hit" for an access that took the slow path and found an
# entry anyway); the memwalk benchmark makes at least 167,772,160 memory
# accesses (16 Mi initial writes, 3 passes of 16 Mi reads and writes,
# 24 Mi hops of a read and a write), so if hits took the slow path the
# counters would be in the hundreds of millions. A miss is a real fill
# (misses == fills), and the misses are the pages the walk reaches: far
# below 1 in 500 accesses.
set -u
RINGSIDE=$1 ROM=$2
ACCESSES=167772160
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for accel in threaded x64; do
    "$RINGSIDE" -accel "$accel" -display none -bios "$ROM" -debugcon "file:$tmp/out" \
        -no-reboot -d tlb 2>"$tmp/err" >/dev/null
    line=$(grep '^tlb: .* misses' "$tmp/err")
    if ! grep -q "memwalk: 64 MiB" "$tmp/out" || [ -z "$line" ]; then
        echo "FAIL $accel: memwalk did not finish or printed no counters"; cat "$tmp/err"; fail=1; continue
    fi
    read -r misses fills slowhits < <(echo "$line" | sed -E 's/^tlb: ([0-9]+) misses, ([0-9]+) fills, ([0-9]+) slow-path hits.*/\1 \2 \3/')
    calls=$((misses + slowhits))
    echo "$accel: $misses misses, $fills fills, $slowhits slow-path hits: $calls slow-path calls for >= $ACCESSES accesses"
    if [ "$misses" -ne "$fills" ]; then echo "FAIL $accel: a miss without a fill"; fail=1; fi
    if [ "$slowhits" -gt 1000 ]; then echo "FAIL $accel: hits are taking the slow path"; fail=1; fi
    if [ $((calls * 500)) -gt $ACCESSES ]; then echo "FAIL $accel: more than 1 in 500 accesses called the slow path"; fail=1; fi
done
[ $fail -eq 0 ] && echo "PASS: fast-path hits made no call with either backend"
exit $fail
