#!/bin/bash
# run-fpudiff.sh - the x87 differential test against the host's x87 unit
# (issue 3, "Done means" 3): random x87 operations (ops.def: arithmetic in
# register and m32fp/m64fp/m16int/m32int forms, FSQRT, FRNDINT, FSCALE,
# FXTRACT, FPREM, FPREM1, FABS, FCHS, the compares, FXAM, loads and stores
# of every format, FBLD/FBSTP, FLDCW, FNSTSW, FNSTENV, FCMOVcc, the stack
# and constant instructions) on operands biased to special values, under
# every rounding and precision control, run natively (fpudiff_native, gcc
# -m32) and inside ringside (fpudiff.rom, flat 32-bit). The status, control
# and tag words, the non-empty registers, the memory operand, AX and (FCOMI)
# EFLAGS are compared bit for bit, through one hash per batch of 16
# operations. The transcendentals (F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN,
# FSIN, FCOS, FSINCOS) are in by default when python3 has mpmath (which
# classify.py needs), out otherwise; FPUDIFF_TRANS sets it.
#
# usage: run-fpudiff.sh RINGSIDE FPUDIFF_NATIVE FPUDIFF_ROM OUTDIR
#
# Environment:
#   FPUDIFF_SEED     32-bit seed, decimal or 0x-hex, or "random" (default 1)
#   FPUDIFF_FIRST    first batch (default 0)
#   FPUDIFF_BATCHES  batches of 16 operations (default 62500: 1,000,000)
#   FPUDIFF_TRANS    1: include the transcendentals (default: 1 with mpmath)
#   FPUDIFF_JOBS     ringside processes to split the run between (default 2)
#   FPUDIFF_SHOW     differing operations to print (default 5)
#   FPUDIFF_ARGS     more ringside options (e.g. -singlestep)
#
# Nothing is left out of the comparison. The differences the host (an AMD
# EPYC) and ringside are known to have are accepted one by one, by narrow
# rules in classify.py, which prints them as counts per instruction and
# class (docs/x87.md lists them with their reasons): a transcendental's
# result where ringside's is the correctly rounded one and the host's is 1
# ulp off or reports the wrong C1; F2XM1 of +-1 (exact here); C1 after
# FCMOVcc and FCOMI/FUCOMI(P) (cleared here, as the SDM says); FLD ST(i)
# with a stack overflow and underflow at once. Without python3 every
# difference fails; without mpmath every transcendental one. No operation
# continues from the state after one of these instructions (fpugen.c), so
# an accepted difference does not carry.
#
# The batches whose hash differs are re-run on both sides with one line per
# operation ("B.K name cw=... inputs -> sw= tw= cw= st0=... mem= ax= fl="),
# and the operations whose lines differ are counted and classified. The
# output ends "N passed, M failed" counting operations (M: the differing
# operations classify.py does not accept); the exit status is 0 iff M is 0.
set -u
if [ $# -ne 4 ]; then
    echo "usage: $0 RINGSIDE FPUDIFF_NATIVE FPUDIFF_ROM OUTDIR" >&2
    exit 2
fi
ringside=$1 native=$2 rom=$3 out=$4
seed=${FPUDIFF_SEED:-1}
if [ "$seed" = random ]; then
    seed=0x$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
fi
seedhex=$(printf '%08x' "$((seed))")
first=${FPUDIFF_FIRST:-0}
count=${FPUDIFF_BATCHES:-62500}
here=$(cd "$(dirname "$0")" && pwd)
# The transcendentals' differences are classified against exact values
# computed with mpmath: without it they are left out by default.
classify=0 mpm=0
command -v python3 > /dev/null && classify=1
[ "$classify" = 1 ] && python3 -c 'import mpmath' 2> /dev/null && mpm=1
trans=${FPUDIFF_TRANS:-$mpm}
jobs=${FPUDIFF_JOBS:-2}
show=${FPUDIFF_SHOW:-5}
ops=$((count * 16))
mkdir -p "$out"
rm -f "$out"/guest-*.txt "$out"/fpudiff-*.rom "$out"/ringside-*.log "$out"/detail-* "$out"/list-* \
    "$out"/bad-ops.txt "$out"/classes.txt
echo "fpudiff_host: seed=0x$seedhex first=$first batches=$count ($ops operations)," \
     "transcendentals $([ "$trans" = 1 ] && echo on || echo off)" \
     "(FPUDIFF_SEED, FPUDIFF_FIRST, FPUDIFF_BATCHES, FPUDIFF_TRANS change them)"

fail() {
    echo "fpudiff_host: $*"
    echo "0 passed, $ops failed"
    exit 1
}

targs=()
[ "$trans" = 1 ] && targs=(--trans)
"$native" --seed "0x$seedhex" --first "$first" --count "$count" "${targs[@]}" > "$out/native.txt" ||
    fail "the native run failed (status $?)"

off=$(grep -obUa 'RSFPU seed=' "$rom" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "no parameter block in $rom"
# run_guest OUT FIRST COUNT DETAIL [LISTFILE]: one ringside process (with
# LISTFILE: the batches it lists instead of FIRST..FIRST+COUNT-1)
run_guest() {
    local r="$1.rom" n=0 entries=""
    if [ $# -ge 5 ]; then
        n=$(wc -l < "$5")
        entries=$(awk '{ printf "%08x ", $1 }' "$5")
        set -- "$1" "$2" "$n" "$4"
    fi
    cp "$rom" "$r"
    printf 'RSFPU seed=%s first=%08x count=%08x trans=%d detail=%d list=%08x %s' \
        "$seedhex" "$2" "$3" "$trans" "$4" "$n" "$entries" |
        dd of="$r" bs=1 seek="$off" conv=notrunc status=none
    # shellcheck disable=SC2086
    "$ringside" -display none -no-reboot -bios "$r" -debugcon "file:$1.txt" \
        --max-insns $(($3 * 16 * 20000 + 50000000)) ${FPUDIFF_ARGS:-} > "$1.log" 2>&1
    local st=$?
    rm -f "$r"
    if [ "$st" -ne 1 ] || ! grep -qx end "$1.txt"; then
        echo "ringside stopped with status $st: $(tail -n 1 "$1.log") $(grep -h HARNESS "$1.txt")" >> "$1.log"
        return 1
    fi
    return 0
}

per=$(( (count + jobs - 1) / jobs ))
pids=()
t0=$(date +%s%N)
for ((j = 0; j < jobs; j++)); do
    c=$((count - j * per < per ? count - j * per : per))
    [ "$c" -gt 0 ] || break
    run_guest "$out/guest-$j" $((first + j * per)) "$c" 0 &
    pids+=($!)
done
runs_ok=1
for p in "${pids[@]}"; do wait "$p" || runs_ok=0; done
t1=$(date +%s%N)
for ((j = 0; j < ${#pids[@]}; j++)); do cat "$out/guest-$j.txt"; done > "$out/guest.txt"
echo "fpudiff_host: ringside ran $ops operations in $(( (t1 - t0) / 1000000 )) ms" \
     "(${#pids[@]} process(es)); the native run is in $out/native.txt, the guest's in $out/guest.txt"
if [ "$runs_ok" -ne 1 ]; then
    echo "fpudiff_host: a ringside run did not finish:"
    cat "$out"/guest-*.log | grep 'stopped with' | sed 's/^/  /'
fi

# The batches whose lines differ or are missing.
awk '$1 ~ /^[0-9]+$/ && NF == 2' "$out/native.txt" | sort > "$out/native.sorted"
awk '$1 ~ /^[0-9]+$/ && NF == 2' "$out/guest.txt" | sort > "$out/guest.sorted"
comm -23 "$out/native.sorted" "$out/guest.sorted" | cut -d' ' -f1 | sort -n > "$out/bad-batches.txt"
nbad=$(wc -l < "$out/bad-batches.txt")
failed=0
if [ "$nbad" -gt 0 ]; then
    echo
    echo "$nbad of $count batches differ (all in $out/bad-batches.txt); per operation:"
    # re-run them with one line per operation: natively in one process, in
    # ringside in processes of at most 4000 batches (guest.c's list room)
    "$native" --seed "0x$seedhex" --list "$out/bad-batches.txt" --detail "${targs[@]}" |
        grep -v '^end$' > "$out/detail-n.txt"
    split -l 4000 -d -a 3 "$out/bad-batches.txt" "$out/list-"
    : > "$out/detail-g.txt"
    for l in "$out"/list-*; do
        if ! run_guest "$l-g" 0 0 1 "$l"; then
            echo "  the guest did not finish the detail re-run: $(tail -n 1 "$l-g.log")"
            runs_ok=0
        fi
        grep -v '^end$' "$l-g.txt" >> "$out/detail-g.txt"
    done
    rm -f "$out"/list-*
    # the per-operation lines that differ
    paste -d'\n' "$out/detail-n.txt" "$out/detail-g.txt" | awk -v o="$out/bad-ops.txt" -v show="$show" '
        NR % 2 == 1 { n = $0; next }
        n != $0 {
            split(n, a, " "); print a[2] > o
            if (shown++ < show) { print "  native: " n; print "  guest:  " $0 }
        }'
    ndiff=$(paste -d'\n' "$out/detail-n.txt" "$out/detail-g.txt" |
        awk 'NR % 2 == 1 { n = $0; next } n != $0 { k++ } END { print k + 0 }')
    echo
    echo "Differing operations by instruction:"
    sort "$out/bad-ops.txt" | uniq -c | sort -rn | sed 's/^/  /'
    if [ "$classify" = 1 ]; then
        # the accepted classes, per instruction (classify.py, docs/x87.md);
        # what it cannot explain fails
        echo
        echo "Classified against the exact values (classify.py):"
        python3 "$here/classify.py" "$out/detail-n.txt" "$out/detail-g.txt" > "$out/classes.txt"
        sed 's/^/  /' "$out/classes.txt"
        failed=$(awk '$1 == "unexplained" { print $2 }' "$out/classes.txt")
        failed=${failed:-$ndiff}
        echo "fpudiff_host: $ndiff operations differ, $((ndiff - failed)) of them in an accepted class"
    else
        failed=$ndiff
    fi
fi
passed=$((ops - failed))
if [ "$runs_ok" -ne 1 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
