#!/usr/bin/env bash
# perf-jit.sh [-n TOP] -- RINGSIDE ARGS... - profile one Ringside run with
# perf(1) and print where host time went: the share spent in x64 host code
# versus Ringside's own functions (handlers, dispatcher, translator), the
# top functions, and the guest blocks (CS base + EIP, physical address)
# whose host code took the most samples. RINGSIDE_PERF_MAP=1 makes
# Ringside list every block it compiles in /tmp/perf-PID.map; perf sees the
# code buffer as a file mapping (the memfd), so its own map lookup does not
# apply and this script resolves the samples itself.
#
# perf-jit.sh [-n TOP] --data PERF.DATA [--map MAP] analyses a recording
# made elsewhere (linux-bench.sh --perf DIR makes DIR/EMU-NAME.data and
# DIR/EMU.map).
set -euo pipefail
top=20
data=
map=
if [ "${1:-}" = -n ]; then top=$2; shift 2; fi
if [ "${1:-}" = --data ]; then data=$2; shift 2; fi
if [ "${1:-}" = --map ]; then map=$2; shift 2; fi
[ "${1:-}" = -- ] && shift
[ $# -ge 1 ] || [ -n "$data" ] || { echo "usage: $0 [-n TOP] -- RINGSIDE ARGS... | $0 [-n TOP] --data PERF.DATA [--map MAP]" >&2; exit 2; }
command -v perf >/dev/null || { echo "$0: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep_map=1
if [ -z "$data" ]; then
    data=$tmp/perf.data
    keep_map=
    RINGSIDE_PERF_MAP=1 perf record -q -F 999 -o "$data" -- "$@" >"$tmp/out" 2>&1 || true
fi
if [ -z "$map" ]; then
    pid=$(perf script -i "$data" -F pid 2>/dev/null | awk 'NR == 1 { print $1 }')
    map=/tmp/perf-$pid.map
    # linux-bench.sh --perf keeps the map beside the data as EMU.map.
    d=$(basename "$data" .data)
    [ -f "$map" ] || map=$(dirname "$data")/${d%%-*}.map
fi
echo "top functions (all samples):"
perf report -i "$data" --no-children --sort dso,sym 2>/dev/null | awk -v top="$top" '!/^#/ && NF && n++ < top' 
perf script -i "$data" -F ip,dso 2>/dev/null | python3 -c '
import bisect, collections, sys
top = int(sys.argv[2])
ents = []
try:
    for line in open(sys.argv[1]):
        a, n, name = line.split()
        ents.append((int(a, 16), int(n, 16), name))
except OSError:
    pass
ents.sort()
starts = [e[0] for e in ents]
blocks = collections.Counter()
total = jit = 0
for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    total += 1
    if "ringside-jit" not in line:
        continue
    jit += 1
    ip = int(f[0], 16)
    i = bisect.bisect_right(starts, ip) - 1
    blocks[ents[i][2] if i >= 0 and ip < ents[i][0] + ents[i][1] else "(unnamed)"] += 1
print(f"\n{total} samples, {jit} ({100.0 * jit / max(total, 1):.1f}%) in x64 host code")
print("top guest blocks (samples):")
for name, n in blocks.most_common(top):
    print(f"  {n:6d} {100.0 * n / max(total, 1):5.1f}%  {name}")
' "$map" "$top"
[ -n "$keep_map" ] || rm -f "$map"
