#!/usr/bin/env bash
# run-bench.sh - the bare-metal benchmark: runs each benchmark ROM under
# Ringside and under qemu-system-i386 -accel tcg, interleaved (ringside,
# qemu, ringside, qemu, ...), and prints for each workload the guest
# instruction count, the median wall time of the whole emulator process
# under each, guest instructions per second under each, the time ratio
# (ringside / qemu) and, when GNU time is installed, the peak RSS.
# The output format is described in README.md next to this script.
#
# Usage: run-bench.sh [-n RUNS] [--markdown FILE] [--qemu PROG] [--timeout SECS]
#                     [--only NAME,NAME...] RINGSIDE ROMDIR
set -u
export LC_ALL=C

usage() {
    cat <<EOF
Usage: $0 [options] RINGSIDE ROMDIR
Runs the benchmark ROMs in ROMDIR under RINGSIDE and, when it is installed,
under qemu-system-i386 -accel tcg, and prints a table.
  -n RUNS            runs of each emulator per workload; the median is shown (default 3)
  --markdown FILE    also write the table as markdown to FILE
  --qemu PROG        the QEMU binary (default qemu-system-i386 from PATH)
  --no-qemu          run Ringside alone
  --timeout SECS     stop a run after SECS seconds and count it as failed (default 900)
  --only LIST        comma-separated workloads to run (default: all; "empty" always runs)
EOF
}

runs=3
markdown=
qemu="qemu-system-i386"
use_qemu=1
limit=900
only=
while [ $# -gt 0 ]; do
    case $1 in
    -n) runs=${2:?}; shift 2 ;;
    --markdown) markdown=${2:?}; shift 2 ;;
    --qemu) qemu=${2:?}; shift 2 ;;
    --no-qemu) use_qemu=0; shift ;;
    --timeout) limit=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "$0: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -ne 2 ]; then
    usage >&2
    exit 2
fi
ringside=$1
romdir=$2
case $runs in ''|*[!0-9]*|0) echo "$0: -n wants a positive number" >&2; exit 2 ;; esac
if [ ! -x "$ringside" ]; then
    echo "$0: $ringside: not an executable" >&2
    exit 2
fi
if [ ! -f "$romdir/empty.rom" ]; then
    echo "$0: $romdir/empty.rom is missing (build the ROMs first: cmake --build build)" >&2
    exit 2
fi

if [ $use_qemu = 1 ] && ! command -v "$qemu" >/dev/null 2>&1; then
    echo "note: $qemu is not installed; running Ringside alone."
    use_qemu=0
fi
# Peak RSS comes from GNU time (Debian package "time"); without it, skip it.
gnutime=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    gnutime=/usr/bin/time
else
    echo "note: /usr/bin/time (GNU time) is missing; peak RSS is not measured."
fi

# The workloads, in table order; "empty" is the startup row.
workloads=(empty)
for w in sieve crc32 memcpy-rep memcpy-loop fib paging memwalk; do
    [ -f "$romdir/$w.rom" ] && workloads+=("$w")
done
for f in "$romdir"/*.rom; do
    w=$(basename "$f" .rom)
    case " ${workloads[*]} " in *" $w "*) ;; *) workloads+=("$w") ;; esac
done
if [ -n "$only" ]; then
    sel=(empty)
    for w in "${workloads[@]}"; do
        case ",$only," in *",$w,"*) [ "$w" != empty ] && sel+=("$w") ;; esac
    done
    workloads=("${sel[@]}")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringside-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run_one EMU ROM TAG: runs one emulator on one ROM. Sets run_us (wall
# time in microseconds), run_status, run_rss (KiB or empty), and leaves
# the debug console output in $tmp/TAG.out and stderr in $tmp/TAG.err.
run_one() {
    local emu=$1 rom=$2 tag=$3
    local cmd
    # shellcheck disable=SC2054  # the commas belong to -device
    if [ "$emu" = ringside ]; then
        # -d tlb prints the shadow-table counters at exit (no cost before).
        cmd=("$ringside" -display none -bios "$rom" -debugcon "file:$tmp/$tag.out" -no-reboot --stats -d tlb)
    else
        cmd=("$qemu" -accel tcg -display none -bios "$rom"
             -device isa-debug-exit,iobase=0xf4,iosize=0x04
             -debugcon "file:$tmp/$tag.out" -no-reboot -m 128)
    fi
    if [ -n "$gnutime" ]; then
        cmd=("$gnutime" -f %M -o "$tmp/$tag.rss" "${cmd[@]}")
    fi
    rm -f "$tmp/$tag.out" "$tmp/$tag.rss"
    local t0=${EPOCHREALTIME/./}
    timeout "$limit" "${cmd[@]}" </dev/null >"$tmp/$tag.stdout" 2>"$tmp/$tag.err"
    run_status=$?
    local t1=${EPOCHREALTIME/./}
    run_us=$((t1 - t0))
    run_rss=
    if [ -n "$gnutime" ] && [ -f "$tmp/$tag.rss" ]; then
        run_rss=$(grep -E '^[0-9]+$' "$tmp/$tag.rss" | tail -1)
        # GNU time writes its own lines first when the command failed.
        grep -v -E '^[0-9]+$' "$tmp/$tag.rss" >>"$tmp/$tag.err"
    fi
    touch "$tmp/$tag.out"
}

# median of the arguments (integers); the mean of the middle two for an even count
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

max() {
    printf '%s\n' "$@" | sort -n | tail -1
}

# The table: rows collected as "|"-separated fields, printed at the end.
header="workload|guest insns|ringside s|qemu s|ringside MIPS|qemu MIPS|ratio r/q|ringside RSS MiB|qemu RSS MiB|result"
rows=()
consoles=()
tlbstats=()
failed=0
emus=(ringside)
[ $use_qemu = 1 ] && emus+=(qemu)

here=$(cd "$(dirname "$0")" && pwd)
version=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo "Bare-metal benchmark: $runs runs each, interleaved; median wall time of the whole emulator process."
echo "host: ${host_cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs; ringside: $ringside (source $version)"
[ $use_qemu = 1 ] && echo "qemu: $("$qemu" --version | head -1)"

for w in "${workloads[@]}"; do
    rom=$romdir/$w.rom
    declare -A times=() rss=() med=() peak=()
    insns=
    result=ok
    ref=
    for ((i = 1; i <= runs; i++)); do
        for emu in "${emus[@]}"; do
            tag=$w-$emu-$i
            printf '  %-12s %-8s run %d/%d ...' "$w" "$emu" "$i" "$runs" >&2
            run_one "$emu" "$rom" "$tag"
            printf ' %d.%03d s, status %d\n' $((run_us / 1000000)) $((run_us / 1000 % 1000)) "$run_status" >&2
            if [ "$run_status" -ne 1 ]; then
                why="status $run_status"
                [ "$run_status" -eq 124 ] && why="timed out after ${limit}s"
                echo "FAIL: $w under $emu: $why (a passing guest exits with status 1)."
                echo "  console: $(head -c 300 "$tmp/$tag.out")"
                echo "  stderr (last lines):"
                tail -5 "$tmp/$tag.err" | sed 's/^/    /'
                [ "$emu" = ringside ] &&
                    echo "  see the failing instruction with: $ringside -display none -bios $rom -d in_asm,int -D trace.txt"
                result="FAIL ($emu: $why)"
                break 2
            fi
            out=$(cat "$tmp/$tag.out")
            if ! grep -q 'checksum=' "$tmp/$tag.out"; then
                echo "FAIL: $w under $emu: no \"checksum=\" line on the console: $(head -c 300 "$tmp/$tag.out")"
                result="FAIL ($emu: no result line)"
                break 2
            fi
            if [ -z "$ref" ]; then
                ref=$out
                refemu=$emu
            elif [ "$out" != "$ref" ]; then
                echo "FAIL: $w: $emu printed something other than $refemu did:"
                echo "  $refemu: $ref"
                echo "  $emu: $out"
                result="FAIL (output differs)"
                break 2
            fi
            times[$emu]+=" $run_us"
            [ -n "$run_rss" ] && rss[$emu]+=" $run_rss"
            if [ "$emu" = ringside ]; then
                n=$(sed -n 's/^ringside: \([0-9][0-9]*\) instructions.*/\1/p' "$tmp/$tag.err" | tail -1)
                if [ -z "$n" ]; then
                    echo "FAIL: $w: no instruction count in ringside's --stats output"
                    result="FAIL (no --stats line)"
                    break 2
                fi
                if [ -n "$insns" ] && [ "$n" != "$insns" ]; then
                    echo "FAIL: $w: ringside retired $n instructions in one run and $insns in another"
                    result="FAIL (instruction count varies)"
                    break 2
                fi
                insns=$n
                [ "$i" -eq 1 ] && tlbstats+=("$w: $(sed -n 's/^tlb: //p' "$tmp/$tag.err" | paste -sd';' | sed 's/;/; /')")
            fi
        done
    done
    if [ "$result" != ok ]; then
        failed=1
        rows+=("$w|${insns:--}|-|-|-|-|-|-|-|$result")
        unset times rss med peak
        continue
    fi
    [ "$w" = empty ] && result="ok (startup)"
    cells=()
    for emu in ringside qemu; do
        med[$emu]=
        peak[$emu]=-
        secs=-
        mips=-
        if [ -n "${times[$emu]:-}" ]; then
            # shellcheck disable=SC2086
            med[$emu]=$(median ${times[$emu]})
            secs=$(awk -v u="${med[$emu]}" 'BEGIN { printf "%.3f", u / 1e6 }')
            [ "$w" != empty ] &&
                mips=$(awk -v n="$insns" -v u="${med[$emu]}" 'BEGIN { printf "%.1f", n / u }')
        fi
        if [ -n "${rss[$emu]:-}" ]; then
            # shellcheck disable=SC2086
            peak[$emu]=$(awk -v k="$(max ${rss[$emu]})" 'BEGIN { printf "%.1f", k / 1024 }')
        fi
        cells+=("$secs" "$mips")
    done
    ratio=-
    if [ -n "${med[qemu]}" ]; then
        ratio=$(awk -v r="${med[ringside]}" -v q="${med[qemu]}" 'BEGIN { printf "%.2f", r / q }')
    fi
    label=$w
    [ "$w" = empty ] && label="startup (empty)"
    rows+=("$label|$insns|${cells[0]}|${cells[2]}|${cells[1]}|${cells[3]}|$ratio|${peak[ringside]}|${peak[qemu]}|$result, checksum $(printf '%s\n' "$ref" | sed -n 's/.*checksum=\([0-9a-f]*\).*/\1/p' | head -1)")
    consoles+=("$(printf '%s\n' "$ref" | grep 'checksum=' | head -1)")
    unset times rss med peak
done

# Plain text to stdout, markdown to the file.
echo
{
    echo "$header"
    printf '%s\n' "${rows[@]}"
} | awk -F'|' '
    { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; nf = NF }
    END {
        for (r = 1; r <= n; r++) {
            line = ""
            for (i = 1; i <= nf; i++) {
                if (i == nf) line = line cell[r, i]
                else if (i == 1) line = line sprintf("%-*s", w[i], cell[r, i])
                else line = line sprintf("%*s", w[i], cell[r, i])
                if (i < nf) line = line "  "
            }
            print line
        }
    }'
echo
echo "MIPS = guest instructions (ringside --stats) / median wall time, startup included;"
echo "ratio r/q = ringside time / qemu time (below 1: ringside is faster)."
if [ ${#consoles[@]} -gt 0 ]; then
    echo "What the guests printed (the same in every run):"
    printf '  %s\n' "${consoles[@]}"
fi
if [ ${#tlbstats[@]} -gt 0 ]; then
    echo "Ringside's shadow-table counters (-d tlb, first run):"
    printf '  %s\n' "${tlbstats[@]}"
fi

if [ -n "$markdown" ]; then
    {
        echo "# Bare-metal benchmark"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'); host: ${host_cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs."
        echo "Ringside: source $version."
        [ $use_qemu = 1 ] && echo "QEMU: $("$qemu" --version | head -1) (-accel tcg)."
        echo "Median of $runs interleaved runs; wall time of the whole emulator process, startup included."
        echo
        echo "| ${header//|/ | } |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        for r in "${rows[@]}"; do
            echo "| ${r//|/ | } |"
        done
        echo
        echo "MIPS = guest instructions (from \`ringside --stats\`; a REP iteration counts as one) / median wall time."
        echo "ratio r/q = ringside time / qemu time: below 1, Ringside is faster."
        if [ ${#consoles[@]} -gt 0 ]; then
            echo
            echo "What the guests printed:"
            echo
            printf '    %s\n' "${consoles[@]}"
        fi
        if [ ${#tlbstats[@]} -gt 0 ]; then
            echo
            echo "Ringside's shadow-table counters (\`-d tlb\`, first run):"
            echo
            printf '    %s\n' "${tlbstats[@]}"
        fi
    } >"$markdown"
    echo "Markdown table written to $markdown"
fi
exit $failed
