#!/usr/bin/env bash
# run-backends.sh - the bare-metal benchmark ROMs under Ringside's two
# backends (-accel threaded, -accel x64) and qemu-system-i386 -accel tcg,
# interleaved, with a table of times and ratios (docs/jit.md).
#
# Times are CPU time (user + system) of the whole emulator process from
# GNU time, which stays meaningful on a loaded host; wall time is shown
# too. Every run must end with the guest's exit status 1 and print the
# same "checksum=" line under every emulator.
#
# Usage: run-backends.sh [-n RUNS] [--only NAME,...] [--no-qemu] [--markdown FILE] RINGSIDE ROMDIR
set -u
export LC_ALL=C
runs=1
only=
use_qemu=1
markdown=
qemu=qemu-system-i386
while [ $# -gt 0 ]; do
    case $1 in
    -n) runs=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --no-qemu) use_qemu=0; shift ;;
    --markdown) markdown=${2:?}; shift 2 ;;
    -*) echo "$0: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || { echo "usage: $0 [-n RUNS] [--only LIST] [--no-qemu] [--markdown FILE] RINGSIDE ROMDIR" >&2; exit 2; }
ringside=$1
romdir=$2
if [ ! -x /usr/bin/time ]; then
    echo "$0: needs GNU time (/usr/bin/time)" >&2
    exit 2
fi
command -v "$qemu" >/dev/null 2>&1 || use_qemu=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringside-backends.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

workloads=()
for w in sieve crc32 memcpy-rep memcpy-loop fib paging memwalk smc-loop; do
    [ -f "$romdir/$w.rom" ] || continue
    if [ -n "$only" ]; then
        case ",$only," in *",$w,"*) ;; *) continue ;; esac
    fi
    workloads+=("$w")
done
emus=(threaded x64)
[ $use_qemu = 1 ] && emus+=(qemu)

# run EMU ROM: sets cpu (s), wall (s), rss (KiB), status, insns, sum
run() {
    local emu=$1 rom=$2 cmd
    if [ "$emu" = qemu ]; then
        cmd=("$qemu" -accel tcg -display none -bios "$rom" -device isa-debug-exit,iobase=0xf4,iosize=0x04
             -debugcon "file:$tmp/out" -no-reboot -m 128)
    else
        # No --stats in a timed run: its state hash reads all of RAM at
        # exit (about 0.15 s for 128 MiB), which QEMU does not pay.
        cmd=("$ringside" -accel "$emu" -display none -bios "$rom" -debugcon "file:$tmp/out" -no-reboot)
    fi
    rm -f "$tmp/out"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "${cmd[@]}" </dev/null >/dev/null 2>"$tmp/err"
    status=$?
    read -r wall u s rss < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$tmp/time" | tail -1)
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    sum=$(grep -o 'checksum=[0-9a-f]*' "$tmp/out" 2>/dev/null | head -1)
}

# count ROM: sets insns, from an untimed x64 run with --stats (the count
# is the same under either backend).
count() {
    "$ringside" -accel x64 -display none -bios "$1" -debugcon "file:$tmp/count.out" -no-reboot --stats \
        </dev/null >/dev/null 2>"$tmp/count.err"
    insns=$(sed -n 's/^ringside: \([0-9]*\) instructions.*/\1/p' "$tmp/count.err" | tail -1)
}

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "host: $host_cpu, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ $use_qemu = 1 ] && echo "qemu: $("$qemu" --version | head -1)"
header="workload|guest insns|threaded cpu s|x64 cpu s|qemu cpu s|x64 speedup|x64/qemu|x64 MIPS|threaded RSS MiB|x64 RSS MiB|qemu RSS MiB|result"
rows=()
failed=0
for w in "${workloads[@]}"; do
    declare -A c=() r=()
    result=ok
    ref=
    for ((i = 1; i <= runs; i++)); do
        for emu in "${emus[@]}"; do
            run "$emu" "$romdir/$w.rom"
            printf '  %-12s %-8s cpu %6s s wall %6s s status %d %s\n' "$w" "$emu" "$cpu" "$wall" "$status" "$sum" >&2
            if [ "$status" -ne 1 ] || [ -z "$sum" ]; then
                result="FAIL ($emu status $status)"
                continue
            fi
            [ -z "$ref" ] && ref=$sum
            [ "$sum" != "$ref" ] && result="FAIL ($emu: $sum, not $ref)"
            c[$emu]+=" $cpu"
            r[$emu]=$rss
        done
    done
    count "$romdir/$w.rom"
    med() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
    t=$(med "${c[threaded]:-}"); x=$(med "${c[x64]:-}"); q=$(med "${c[qemu]:-}")
    sp=$(awk -v a="$t" -v b="$x" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }')
    xq=$(awk -v a="$x" -v b="$q" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
    mips=$(awk -v n="${insns:-0}" -v b="$x" 'BEGIN { if (b + 0 > 0) printf "%.0f", n / b / 1e6; else print "-" }')
    mib() { [ -n "${1:-}" ] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo -; }
    rows+=("$w|${insns:--}|$t|$x|$q|$sp|$xq|$mips|$(mib "${r[threaded]:-}")|$(mib "${r[x64]:-}")|$(mib "${r[qemu]:-}")|$result ${ref}")
    [ "${result%% *}" = FAIL ] && failed=1
    unset c r
done
echo
{ echo "$header"; printf '%s\n' "${rows[@]}"; } | column -t -s '|'
echo
echo "cpu s = user + system time of the emulator process (median of $runs); x64 speedup = threaded / x64;"
echo "x64/qemu = x64 time / qemu time (below 1: Ringside's x64 backend is faster)."
if [ -n "$markdown" ]; then
    {
        echo "| ${header//|/ | } |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
    } >"$markdown"
fi
exit $failed
