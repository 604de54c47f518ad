#!/usr/bin/env bash
# linux-bench.sh - workloads inside the Debian i686 Linux guest (issue 7's
# tests/bench list): the boot itself, then md5sum, gzip, gunzip, sort, an
# awk floating-point loop, a shell loop and fork/exec of many small
# processes, under Ringside -accel threaded, Ringside -accel x64 and
# qemu-system-i386 -accel tcg, one after the other in the same run, with
# the same kernel, initramfs and command line.
#
# Every time is measured on the host: the emulator's serial port is this
# script's pipe, each line is stamped when it arrives ($EPOCHREALTIME), and
# a workload's time is the wall time between the START and END markers the
# guest prints around it (the guest's own clock is never read). The boot
# is the time from starting the process to the initramfs's ready marker.
# At each marker the script also reads the emulator's CPU time (user +
# system, all threads, /proc/PID/stat), which a loaded host disturbs far
# less than wall time; the ratios are of CPU times. Peak RSS and the whole
# process's CPU time come from GNU time.
#
# The data is made in the guest by a deterministic generator (busybox awk
# with srand(1)), so the images need nothing extra; every emulator must
# print the same checksums, which the table's last column checks.
#
# Usage: linux-bench.sh [--markdown FILE] [--only EMU,...] [--work NAME,...]
#                       [--perf DIR] RINGSIDE
#   EMU: threaded, x64, qemu (default: all three; qemu when installed)
#   --work: only these workloads (and those whose data they read: gen for
#     md5sum, gzip and sort; gzip for gunzip)
#   --perf DIR: perf record each Ringside workload (between its markers
#     only) into DIR/EMU-NAME.data, with RINGSIDE_PERF_MAP=1 so that
#     tests/bench/perf-jit.sh --data DIR/EMU-NAME.data names the blocks
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
markdown=
only=threaded,x64,qemu
want=
perfdir=
while [ $# -gt 0 ]; do
    case $1 in
    --markdown) markdown=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --work) want=${2:?}; shift 2 ;;
    --perf) perfdir=${2:?}; shift 2 ;;
    -*) echo "$0: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--markdown FILE] [--only EMU,...] [--work NAME,...] [--perf DIR] RINGSIDE" >&2; exit 2; }
RINGSIDE=$1
[ -x /usr/bin/time ] || { echo "$0: needs GNU time (/usr/bin/time)" >&2; exit 2; }
# shellcheck source=../images/linux-lib.sh
source "$here/../images/linux-lib.sh"
linux_images
qemu=qemu-system-i386
command -v $qemu >/dev/null 2>&1 || only=${only//qemu/}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringside-linux-bench.XXXXXX")
emu_pid=
trap '[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# The workloads: NAME and the guest shell command. Sizes give a few
# seconds each under QEMU's TCG on a 2-core EPYC. Each prints one line
# "SUM-NAME value" that must be equal under every emulator.
names=(gen md5sum gzip gunzip sort awk-float shell-loop fork-exec)
declare -A work
# 3.2 MB of text: 200000 lines of pseudo-random numbers.
work[gen]='awk "BEGIN { srand(1); for (i = 0; i < 200000; i++) printf \"%08x %d\n\", int(rand() * 4294967295), i }" > /tmp/d; echo "SUM-gen $(wc -c < /tmp/d)"'
work[md5sum]='for i in $(seq 64); do md5sum /tmp/d; done > /tmp/m; echo "SUM-md5sum $(sort -u /tmp/m)"'
work[gzip]='for i in $(seq 6); do gzip -c /tmp/d > /tmp/d.gz; done; echo "SUM-gzip $(md5sum < /tmp/d.gz)"'
work[gunzip]='for i in $(seq 16); do gunzip -c /tmp/d.gz > /tmp/d2; done; echo "SUM-gunzip $(md5sum < /tmp/d2)"'
work[sort]='for i in 1 2 3; do sort /tmp/d > /tmp/s; done; echo "SUM-sort $(md5sum < /tmp/s)"'
# busybox's awk has no math library (sqrt, sin): plain arithmetic on doubles.
work[awk-float]='echo "SUM-awk-float $(awk "BEGIN { s = 0; x = 1; for (i = 1; i <= 300000; i++) { s += 1.0001 / (i * i + 0.5); x = x * 1.000001 + 0.25 / i } printf \"%.9f %.6f\", s, x }")"'
work[shell-loop]='i=0; s=0; while [ $i -lt 100000 ]; do i=$((i + 1)); s=$(((s + i * 7) % 1000003)); done; echo "SUM-shell-loop $s"'
# /bin/true through its full path: busybox's ash runs an applet it knows
# by name in the shell itself, but a path makes it fork and exec.
work[fork-exec]='i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i + 1)); done; echo "SUM-fork-exec $i"'

if [ -n "$want" ]; then
    # Keep the workloads asked for and those whose files they read.
    case ",$want," in *,gunzip,*) want+=,gzip ;; esac
    case ",$want," in *,md5sum,*|*,gzip,*|*,sort,*) want+=,gen ;; esac
    for n in ${want//,/ }; do
        [ -n "${work[$n]:-}" ] || { echo "$0: unknown workload $n (one of: ${names[*]})" >&2; exit 2; }
    done
    keep=()
    for n in "${names[@]}"; do
        case ",$want," in *",$n,"*) keep+=("$n") ;; esac
    done
    names=("${keep[@]}")
fi
if [ -n "$perfdir" ]; then
    command -v perf >/dev/null || { echo "$0: --perf needs perf (apt-get install linux-perf)" >&2; exit 2; }
    mkdir -p "$perfdir"
    export RINGSIDE_PERF_MAP=1
fi

# The kernel command line of the system tests.
kern=(-m 128 -kernel "$LINUX_DIR/vmlinuz-686" -initrd "$LINUX_DIR/initrd-686.gz" -append "$LINUX_APPEND")

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
tck=$(getconf CLK_TCK)
# The emulator's CPU time so far, in ms (utime + stime of /proc/PID/stat;
# the process name, field 2, has no spaces here).
cpu_ms() {
    local f
    read -r -a f < "/proc/$emu_child/stat" 2>/dev/null || { echo 0; return; }
    echo $(((f[13] + f[14]) * 1000 / tck))
}

# expect PATTERN SECONDS: reads serial lines (stamped into the log) until
# one contains PATTERN; sets hit_us to its arrival time and hit_line.
expect() {
    local line deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        if IFS= read -r -t $((deadline - SECONDS)) line <&"$out"; then
            hit_us=$(now)
            hit_cpu=$(cpu_ms)
            line=${line%$'\r'}
            echo "$hit_us $line" >> "$log"
            case $line in *"$1"*) hit_line=$line; return 0 ;; esac
        elif [ $? -le 128 ]; then
            return 1 # end of output: the emulator exited
        fi
    done
    return 1
}

declare -A t c sum rss cpu
# run EMU: boots, runs every workload, reboots; fills t[EMU,NAME] and
# c[EMU,NAME] (wall and CPU ms), sum[EMU,NAME], rss[EMU] (MiB), cpu[EMU] (s).
run() {
    local emu=$1 cmd t0 s0 c0 name i
    log=$tmp/$emu.log
    : > "$log"
    if [ "$emu" = qemu ]; then
        cmd=($qemu -accel tcg -display none -serial stdio -monitor none -no-reboot "${kern[@]}")
    else
        cmd=("$RINGSIDE" -accel "$emu" -display none -serial stdio -no-reboot
             --max-insns "$LINUX_MAX_INSNS" "${kern[@]}")
    fi
    t0=$(now)
    coproc EMU { exec /usr/bin/time -v -o "$tmp/$emu.time" "${cmd[@]}" 2>"$tmp/$emu.stderr"; }
    out=${EMU[0]} in=${EMU[1]}
    emu_pid=$EMU_PID
    # The emulator is GNU time's child.
    emu_child=
    for i in $(seq 100); do
        emu_child=$(cat "/proc/$emu_pid/task/$emu_pid/children" 2>/dev/null)
        emu_child=${emu_child%% *}
        [ -n "$emu_child" ] && break
        sleep 0.01
    done
    if ! expect RINGSIDE-LINUX-READY 1800; then
        echo "$emu: no ready marker" >&2
        tail -n 20 "$log" >&2
        kill "$emu_pid" 2>/dev/null
        wait "$emu_pid" 2>/dev/null
        emu_pid=
        return 1
    fi
    t[$emu,boot]=$(((hit_us - t0) / 1000))
    c[$emu,boot]=$hit_cpu
    sum[$emu,boot]=$(echo "${hit_line#*READY }")
    # Let the shell reach its prompt before typing.
    sleep 1
    for name in "${names[@]}"; do
        # The markers are built from a variable, so the terminal's echo of
        # the command line (which shows "${m}") never matches them.
        echo "m=BENCH; echo \${m}-START-$name; ${work[$name]}; echo \${m}-END-$name" >&"$in"
        if ! expect "BENCH-START-$name" 600; then echo "$emu: no start of $name" >&2; break; fi
        s0=$hit_us
        c0=$hit_cpu
        perf_pid=
        if [ -n "$perfdir" ] && [ "$emu" != qemu ]; then
            perf record -q -F 999 -p "$emu_child" -o "$perfdir/$emu-$name.data" >/dev/null 2>&1 &
            perf_pid=$!
        fi
        if ! expect "SUM-$name" 3600; then echo "$emu: no result of $name" >&2; break; fi
        sum[$emu,$name]=${hit_line#SUM-"$name" }
        if ! expect "BENCH-END-$name" 600; then echo "$emu: no end of $name" >&2; break; fi
        if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null; fi
        t[$emu,$name]=$(((hit_us - s0) / 1000))
        c[$emu,$name]=$((hit_cpu - c0))
    done
    # Let the UART drain, then end the run (-no-reboot makes reboot an exit).
    echo 'usleep 300000; reboot -f' >&"$in"
    while IFS= read -r -t 120 line <&"$out"; do echo "$(now) ${line%$'\r'}" >> "$log"; done
    wait "$emu_pid" 2>/dev/null
    emu_pid=
    # Keep the block map for perf-jit.sh --data (the map is the process's).
    if [ -n "$perfdir" ] && [ -f "/tmp/perf-$emu_child.map" ]; then
        mv "/tmp/perf-$emu_child.map" "$perfdir/$emu.map"
    fi
    rss[$emu]=$(awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }' "$tmp/$emu.time")
    cpu[$emu]=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.1f", u + s }' "$tmp/$emu.time")
}

emus=()
for e in threaded x64 qemu; do
    case ",$only," in *",$e,"*) emus+=("$e") ;; esac
done
for e in "${emus[@]}"; do
    echo "running $e..." >&2
    run "$e"
done

ms() { [ -n "${1:-}" ] && awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }' || echo -; }
ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }' || echo -; }

table() {
    echo "| workload | threaded wall s | x64 wall s | qemu wall s | threaded cpu s | x64 cpu s | qemu cpu s | x64 speedup (cpu) | x64/qemu (cpu) | x64/qemu (wall) | result |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    local name e ref res
    for name in boot "${names[@]}"; do
        ref=
        res=ok
        for e in "${emus[@]}"; do
            if [ -z "${t[$e,$name]:-}" ]; then res="$e failed"; continue; fi
            [ -z "$ref" ] && ref=${sum[$e,$name]}
            [ "${sum[$e,$name]}" = "$ref" ] || res="MISMATCH ($e: ${sum[$e,$name]})"
        done
        [ "$res" = ok ] && res="ok: $ref"
        printf '| %s | %s | %s | %s | %s | %s | %s | %sx | %s | %s | %s |\n' "$name" \
            "$(ms "${t[threaded,$name]:-}")" "$(ms "${t[x64,$name]:-}")" "$(ms "${t[qemu,$name]:-}")" \
            "$(ms "${c[threaded,$name]:-}")" "$(ms "${c[x64,$name]:-}")" "$(ms "${c[qemu,$name]:-}")" \
            "$(ratio "${c[threaded,$name]:-}" "${c[x64,$name]:-}")" \
            "$(ratio "${c[x64,$name]:-}" "${c[qemu,$name]:-}")" \
            "$(ratio "${t[x64,$name]:-}" "${t[qemu,$name]:-}")" "$res"
    done
    echo
    echo "| process | CPU s (user+sys, whole run) | peak RSS MiB |"
    echo "|---|---:|---:|"
    for e in "${emus[@]}"; do
        printf '| %s | %s | %s |\n' "$e" "${cpu[$e]:-}" "${rss[$e]:-}"
    done
}

table
[ -n "$markdown" ] && table > "$markdown"
# Fail when a workload is missing or an emulator computed something else.
! table | grep -q 'failed\|MISMATCH'
