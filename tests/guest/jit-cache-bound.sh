#!/bin/sh
# jit-cache-bound.sh RINGSIDE ROM - issue 7, "Done means" 5: the x64
# backend's code buffer bounds its memory. Runs flat_jit_bigcode.rom (four
# rounds of 4096 generated functions, some 100000 blocks) with a 64 KiB
# code buffer and --stats. Passes iff the guest passes (every generated
# function's result checked), the buffer was flushed at least 100 times
# (the run made more than 100 x 64 KiB = 6.4 MiB of host code, so it
# really ran far more code than the buffer holds) and the process's peak
# RSS stayed within 16 MiB of the same guest's under -accel threaded, which
# has no code buffer (both about 29-44 MiB; with the default 64 MiB buffer
# the guest leaves some 30 MiB of host code in it, counted twice in RSS as
# the buffer is mapped twice, and peaks near 110 MiB). Measured against
# the threaded run of the same binary, the bound also holds in a
# sanitizer build.
set -u
rs=$1
rom=$2
if [ ! -x /usr/bin/time ]; then
    echo "SKIP: needs GNU time (/usr/bin/time) for the peak RSS"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout -k 5 120 /usr/bin/time -f %M -o "$tmp/rss0" \
    "$rs" -accel threaded -display none -bios "$rom" >/dev/null 2>&1
base=$(tail -n 1 "$tmp/rss0")
timeout -k 5 120 /usr/bin/time -f %M -o "$tmp/rss" \
    "$rs" -accel x64,cache=64K -display none -bios "$rom" --stats >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/out"
grep 'x64 code buffer' "$tmp/err"
if [ "$st" -ne 1 ]; then
    echo "jit-cache-bound.sh: the guest failed (exit status $st)"
    cat "$tmp/err"
    exit 1
fi
flushes=$(sed -n 's/.* \([0-9][0-9]*\) flushes when full.*/\1/p' "$tmp/err")
size=$(sed -n 's/.*x64 code buffer \([0-9][0-9]*\) KiB.*/\1/p' "$tmp/err")
rss=$(tail -n 1 "$tmp/rss")
echo "buffer $size KiB, $flushes flushes (at least 100), peak RSS $rss KiB (threaded: $base KiB; bound: 16384 more)"
[ "$size" = 64 ] && [ -n "$flushes" ] && [ "$flushes" -ge 100 ] && [ -n "$rss" ] && [ -n "$base" ] &&
    [ "$rss" -lt $((base + 16384)) ]
