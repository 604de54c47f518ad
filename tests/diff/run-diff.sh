#!/bin/bash
# run-diff.sh - the differential test against the host CPU (issue 2, "Done
# means" 3): random sequences of user-mode integer instructions run natively
# (diff_native, gcc -m32, CPL 3) and inside ringside (diff.rom, flat 32-bit,
# CPL 0); every register and every defined arithmetic flag is compared, and
# the scratch memory through a hash. Undefined flags are left out here; our
# values for them are in docs/undefined-flags.md and tested by a unit test.
#
# usage: run-diff.sh RINGSIDE DIFF_NATIVE DIFF_ROM OUTDIR
#
# Environment:
#   DIFF_SEED      64-bit seed, decimal or 0x-hex, or "random" (default 1)
#   DIFF_FIRST     first sequence number (default 0)
#   DIFF_COUNT     number of sequences (default 100000)
#   DIFF_JOBS      ringside processes to split the run between (default 1)
#   DIFF_SHOW      mismatches to print decoded (default 10)
#   DIFF_COVERAGE  if set, ringside appends its --coverage list to this file
#   DIFF_ARGS      more ringside options (e.g. -singlestep)
#   DIFF_CHUNK     sequences per ringside process (default 10000)
#   DIFF_MAX_RESTARTS  restarts after a sequence stops the guest (default 20)
#
# Both sides print, per sequence,
#   N a=EAX c=ECX d=EDX b=EBX sp=ESP bp=EBP si=ESI di=EDI f=FLAGS/MASK m=MEM g=GEN
# where ESP and the base register (one of EBX EBP ESI EDI, which holds the
# scratch buffer's address) show their change, FLAGS are the arithmetic
# flags in MASK (the ones defined at the end), MEM hashes the scratch
# buffer and GEN hashes the generated code and initial state (if GEN
# differs, the guest harness itself ran wrongly). A sequence that ends in an
# exception (on purpose: t_fault.c; or not) prints
#   N FAULT v=VECTOR e=ERROR-CODE at=OFFSET a=... (the state at the fault)
# and one that stopped the guest gets "N CRASH ..." from this script. The
# output ends "N passed, M failed"; the exit status is 0 iff every sequence
# matched.
set -u
if [ $# -ne 4 ]; then
    echo "usage: $0 RINGSIDE DIFF_NATIVE DIFF_ROM OUTDIR" >&2
    exit 2
fi
ringside=$1 native=$2 rom=$3 out=$4
seed=${DIFF_SEED:-1}
if [ "$seed" = random ]; then
    seed=0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
fi
first=${DIFF_FIRST:-0}
count=${DIFF_COUNT:-100000}
jobs=${DIFF_JOBS:-1}
show=${DIFF_SHOW:-10}
seedhex=$(printf '%016x' "$((seed))")
mkdir -p "$out"
rm -f "$out"/guest-*.txt "$out"/diff-*.rom "$out"/seq-*.bin "$out"/cov-*.txt "$out"/crashes-*.txt \
      "$out"/mismatches.txt "$out"/stats-*.txt "$out"/counts.txt
echo "diff_host: seed=0x$seedhex first=$first count=$count" \
     "(DIFF_SEED, DIFF_FIRST, DIFF_COUNT change them)"

fail() {
    echo "diff_host: $*"
    echo "0 passed, $count failed"
    exit 1
}

nargs=(--seed "0x$seedhex" --first "$first" --count "$count")
"$native" "${nargs[@]}" > "$out/native.txt" || fail "the native run failed (status $?)"
"$native" "${nargs[@]}" --names > "$out/names.txt" || fail "diff_native --names failed"

# The guest: copies of the ROM with the parameters patched in.
off=$(grep -obUa 'RSDIFF seed=' "$rom" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "no parameter block in $rom"
per=$(( (count + jobs - 1) / jobs ))
# Run sequences [f, f + c) in ringside into guest-$j.txt, chunk sequences
# per ringside process (a sequence runs ~17,000 guest instructions, most of
# them the harness; a process may run 50,000 per sequence). A sequence that
# stops the guest (a triple fault after it wrecked ESP, a hang that reaches
# the instruction limit...) gets a CRASH line, and the run resumes after it,
# up to max_restarts times.
chunk=${DIFF_CHUNK:-10000}
max_restarts=${DIFF_MAX_RESTARTS:-20}
run_job() {
    local j=$1 next=$2 end=$(($2 + $3)) restarts=0 st last n
    local r="$out/diff-$j.rom" part="$out/guest-$j.part"
    : > "$out/guest-$j.txt"
    : > "$out/ringside-$j.log"
    while :; do
        n=$((end - next < chunk ? end - next : chunk))
        cp "$rom" "$r"
        printf 'RSDIFF seed=%s first=%08x count=%08x' "$seedhex" "$next" "$n" |
            dd of="$r" bs=1 seek="$off" conv=notrunc status=none
        local cov=()
        [ -n "${DIFF_COVERAGE:-}" ] && cov=(--coverage "$out/cov-$j.txt")
        # shellcheck disable=SC2086
        "$ringside" -display none -no-reboot -bios "$r" -debugcon "file:$part" \
            --max-insns $((n * 50000 + 50000000)) "${cov[@]}" ${DIFF_ARGS:-} \
            >> "$out/ringside-$j.log" 2>&1
        st=$?
        cat "$part" >> "$out/guest-$j.txt"
        if [ "$st" -eq 1 ] && grep -qx end "$part"; then
            next=$((next + n))
            [ "$next" -lt "$end" ] && continue
            break
        fi
        last=$(awk -v d=$((next - 1)) '$1 ~ /^[0-9]+$/ { d = $1 } END { print d }' "$part")
        echo "$((last + 1)) CRASH status=$st $(tail -n 1 "$out/ringside-$j.log")" >> "$out/guest-$j.txt"
        echo "ringside stopped with status $st in sequence $((last + 1))" >> "$out/crashes-$j.txt"
        next=$((last + 2))
        restarts=$((restarts + 1))
        if [ "$next" -ge "$end" ] || [ "$restarts" -gt "$max_restarts" ]; then
            break
        fi
    done
    rm -f "$part"
}

pids=()
t0=$(date +%s%N)
for ((j = 0; j < jobs; j++)); do
    f=$((first + j * per))
    c=$((count - j * per < per ? count - j * per : per))
    [ "$c" -gt 0 ] || break
    run_job "$j" "$f" "$c" &
    pids+=($!)
done
wait
t1=$(date +%s%N)
runs_ok=1
if ls "$out"/crashes-*.txt > /dev/null 2>&1; then
    runs_ok=0
    echo "diff_host: the guest stopped $(cat "$out"/crashes-*.txt | wc -l) time(s) and was restarted:"
    cat "$out"/crashes-*.txt | head -n 5 | sed 's/^/  /'
    grep -h HARNESS "$out"/guest-*.txt 2>/dev/null | head -n 3 | sed 's/^/  /'
fi
if [ -n "${DIFF_COVERAGE:-}" ]; then
    cat "$out"/cov-*.txt >> "$DIFF_COVERAGE" 2>/dev/null
fi
for ((j = 0; j < ${#pids[@]}; j++)); do cat "$out/guest-$j.txt"; done > "$out/guest.txt"
echo "diff_host: ringside ran $count sequences in $(( (t1 - t0) / 1000000 )) ms" \
     "($jobs process(es)); the native run is in $out/native.txt, the guest's in $out/guest.txt"

# Compare. mismatches.txt gets "N KIND DETAIL" for each failing sequence;
# the summaries go to stats-*.txt.
awk -v first="$first" -v count="$count" -v out="$out" '
function hex(s,    i, v) {
    v = 0; s = tolower(s)
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function field(line, key,    i, n, a) {
    n = split(line, a, " ")
    for (i = 2; i <= n; i++) if (index(a[i], key "=") == 1) return substr(a[i], length(key) + 2)
    return ""
}
function flagnames(x,    s) {
    s = ""
    if (int(x / 1) % 2) s = s " CF"
    if (int(x / 4) % 2) s = s " PF"
    if (int(x / 16) % 2) s = s " AF"
    if (int(x / 64) % 2) s = s " ZF"
    if (int(x / 128) % 2) s = s " SF"
    if (int(x / 2048) % 2) s = s " OF"
    return s
}
# The template a code offset falls in: "name", "setup of name" or "after name".
function where(n, x,    i, k, t, best, bs, bo, so) {
    k = split(names[n], t, " "); best = ""; bs = -1
    for (i = 2; i <= k; i++) {
        split(t[i], so, /[.:]/)
        if (hex(so[1]) <= x && hex(so[1]) >= bs) { bs = hex(so[1]); bo = hex(so[2]); best = t[i] }
    }
    if (best == "") return "?"
    sub(/^[^:]*:/, "", best)
    if (x == bo) return best
    return (x < bo ? "setup of " : "after ") best
}
FILENAME == ARGV[1] { if ($1 ~ /^[0-9]+$/) nat[$1] = $0; next }
FILENAME == ARGV[2] { if ($1 ~ /^[0-9]+$/) gst[$1] = $0; next }
FILENAME == ARGV[3] { names[$1] = $0; next }
END {
    pass = 0; failn = 0
    for (n = first; n < first + count; n++) {
        ok = (n in nat) && (n in gst) && nat[n] == gst[n]
        if (ok) pass++; else failn++
        # per-instruction statistics over all sequences
        k = split(names[n], t, " ")
        delete seen
        for (i = 2; i <= k; i++) {
            key = t[i]; sub(/^[^:]*:/, "", key)
            if (key in seen) continue
            seen[key] = 1; total[key]++
            if (!ok) bad[key]++
            if (k == 2) { stotal[key]++; if (!ok) sbad[key]++ }
        }
        if (ok) continue
        if (!(n in gst)) { print n, "missing", "no guest line" > (out "/mismatches.txt"); continue }
        g = gst[n]; v = nat[n]
        if (g !~ / CRASH / && field(g, "g") != field(v, "g")) {
            print n, "harness", "the guest generated a different sequence (g=)" > (out "/mismatches.txt"); continue
        }
        if (g ~ / CRASH /) {
            print n, "crash", "the guest stopped in this sequence (" substr(g, index(g, "status=")) ")" > (out "/mismatches.txt"); continue
        }
        if (g ~ / FAULT / && v !~ / FAULT /) {
            x = hex(field(g, "at"))
            fk = "v=" field(g, "v") " at " where(n, x)
            faults[fk]++
            print n, "fault", fk > (out "/mismatches.txt"); continue
        }
        if (v ~ / FAULT / && g !~ / FAULT /) {
            x = hex(field(v, "at"))
            fk = "v=" field(v, "v") " missing at " where(n, x)
            faults[fk]++
            print n, "nofault", fk > (out "/mismatches.txt"); continue
        }
        d = ""
        split("v e at a c d b sp bp si di f m", fl, " ")
        for (i = 1; i <= 13; i++) {
            if (field(g, fl[i]) == field(v, fl[i])) continue
            if (fl[i] == "f") {
                split(field(v, "f"), fv, "/"); split(field(g, "f"), fg, "/")
                xo = hex(fv[1]); xg = hex(fg[1]); dx = 0
                for (bit = 1; bit <= 2048; bit *= 2)
                    if (int(xo / bit) % 2 != int(xg / bit) % 2) dx += bit
                d = d " flags(" substr(flagnames(dx), 2) ")"
            } else d = d " " fl[i]
        }
        print n, "result", substr(d, 2) > (out "/mismatches.txt")
    }
    for (fk in faults) print faults[fk], fk > (out "/stats-faults.txt")
    for (key in sbad) print sbad[key], stotal[key], key > (out "/stats-single.txt")
    for (key in bad) printf "%.3f %d %d %s\n", bad[key] / total[key], bad[key], total[key], key > (out "/stats-ratio.txt")
    print pass, failn > (out "/counts.txt")
}' "$out/native.txt" "$out/guest.txt" "$out/names.txt"

read -r passed failed < "$out/counts.txt"
if [ "$failed" -gt 0 ]; then
    echo
    echo "First mismatches (of $failed; all in $out/mismatches.txt):"
    head -n "$show" "$out/mismatches.txt" | while read -r n kind detail; do
        echo "--- sequence $n: $kind: $detail"
        echo "native: $(grep -m1 "^$n " "$out/native.txt")"
        echo "guest:  $(grep -m1 "^$n " "$out/guest.txt")"
        "$native" --seed "0x$seedhex" --dump "$n" --raw "$out/seq-$n.bin" | sed 's/^/  /'
        objdump -D -b binary -m i386 "$out/seq-$n.bin" | tail -n +8 | sed 's/^/  /'
    done
    echo
    echo "Mismatches by kind:"
    cut -d' ' -f2 "$out/mismatches.txt" | sort | uniq -c | sort -rn | sed 's/^/  /'
    if [ -s "$out/stats-faults.txt" ]; then
        echo "Exceptions raised on one side only (count, vector, where in the sequence):"
        sort -rn "$out/stats-faults.txt" | head -n 30 | sed 's/^/  /'
    fi
    if [ -s "$out/stats-single.txt" ]; then
        echo "One-template sequences that fail (failed, of, instruction/width):"
        sort -rn "$out/stats-single.txt" | head -n 30 | sed 's/^/  /'
    fi
    echo "Instructions most often in failing sequences (share failing, failed, of, instruction/width):"
    sort -rn "$out/stats-ratio.txt" | head -n 25 | sed 's/^/  /'
fi
if [ "$runs_ok" -ne 1 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -eq "$count" ]
