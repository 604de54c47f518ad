#!/bin/bash
# display_bench.sh RINGSIDE BENCH_BUILD_DIR [--markdown FILE] - issue 6,
# "Done means" item 5: the cost of display updates. Three guests
# (display_anim.c: an idle 80x25 text screen, a text screen scrolling a
# row per tick, a 1024x768x32 animation drawing a whole frame per tick;
# each 10 s of guest time, 100 ticks/s) run with -display none and with the
# SDL window under Xvfb, REPEAT times each (default 3, the median kept).
# Printed per run: host CPU time (user+sys) per second of guest time, wall
# time per second of guest time, and the frames the guest drew. With a
# window, guest time is paced to wall time (a shown guest runs at real
# speed), so wall/guest is at least 1 there; the display's own cost is the
# CPU difference, and the guest slowdown is how much further wall/guest
# rises above 1 (or above the headless figure when that exceeds 1).
# Label bench; not part of `make test`.
rs=${1:?usage: display_bench.sh RINGSIDE BENCH_BUILD_DIR [--markdown FILE]}
dir=${2:?}
md=
[ "$3" = "--markdown" ] && md=$4
repeat=${REPEAT:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../system/display-lib.sh"
trap 'stop_xvfb' EXIT
have_x=1
start_xvfb >/tmp/display-bench-xvfb.$$ || { have_x=0; echo "no Xvfb: $(cat /tmp/display-bench-xvfb.$$)"; }
rm -f /tmp/display-bench-xvfb.$$
guest_s=10

# one WORK DISPLAY: prints "cpu wall frames"
one() {
    local out
    out=$( { /usr/bin/time -f "TIME %U %S %e" "$rs" -display "$2" -bios "$dir/display_$1.rom" 2>&1; } 2>&1)
    local t f
    t=$(grep '^TIME' <<<"$out" | tail -1)
    f=$(grep -o 'frames=[0-9]*' <<<"$out" | cut -d= -f2)
    [ -n "$t" ] && [ -n "$f" ] || { echo "display_bench: $1 $2 failed: $out" >&2; return 1; }
    awk -v t="$t" -v f="$f" 'BEGIN { split(t, a, " "); printf "%.3f %.3f %s\n", a[2] + a[3], a[4], f }'
}

median() { sort -n | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; }

rows=()
printf '%-8s %-5s %12s %12s %8s\n' workload disp "cpu s/guest s" "wall/guest" frames
for w in text scroll anim; do
    for d in none sdl; do
        [ $d = sdl ] && [ $have_x = 0 ] && continue
        cpus=() walls=() fr=
        for _ in $(seq 1 "$repeat"); do
            r=$(one $w $d) || exit 1
            cpus+=("$(cut -d' ' -f1 <<<"$r")")
            walls+=("$(cut -d' ' -f2 <<<"$r")")
            fr=$(cut -d' ' -f3 <<<"$r")
        done
        c=$(printf '%s\n' "${cpus[@]}" | median)
        wl=$(printf '%s\n' "${walls[@]}" | median)
        line=$(awk -v c="$c" -v w="$wl" -v g=$guest_s -v f="$fr" -v n="$w" -v d="$d" \
            'BEGIN { printf "%-8s %-5s %12.4f %12.3f %8s", n, d, c / g, w / g, f }')
        echo "$line"
        rows+=("$line")
    done
done
if [ -n "$md" ]; then
    {
        echo "| workload | display | host CPU s per guest s | wall s per guest s | frames drawn (of 1000 ticks) |"
        echo "| --- | --- | --- | --- | --- |"
        for l in "${rows[@]}"; do
            # shellcheck disable=SC2086
            set -- $l
            echo "| $1 | $2 | $3 | $4 | $5 |"
        done
    } >"$md"
    echo "markdown: $md"
fi
