#!/usr/bin/env bash
# run-lockstep.sh --lockstep|--x64|--threaded RINGSIDE "ROM;ROM;..." - run
# each guest ROM (with the extra arguments of its NAME.args file, if any)
# under the x86-64 backend, with --lockstep comparing it with the threaded
# backend after every block, or under the threaded backend alone. A ROM passes when the guest exits with status 1 (it
# wrote 0 to the exit port); lockstep ends a run with status 70 at the
# first difference, after printing both states and the block.
set -u
mode=${1:?}
ringside=${2:?}
roms=${3:?}
case $mode in
--lockstep) extra=(-accel x64 --lockstep) ;;
--x64) extra=(-accel x64) ;;
--threaded) extra=(-accel threaded) ;;
*) echo "$0: first argument: --lockstep, --x64 or --threaded" >&2; exit 2 ;;
esac
fail=0
n=0
IFS=';' read -r -a list <<<"$roms"
for rom in "${list[@]}"; do
    [ -n "$rom" ] || continue
    args=()
    argsfile=${rom%.rom}.args
    if [ -f "$argsfile" ]; then
        read -r -a args <"$argsfile"
    fi
    name=$(basename "$rom" .rom)
    n=$((n + 1))
    out=$(timeout -k 5 600 "$ringside" -display none -bios "$rom" "${args[@]}" "${extra[@]}" </dev/null 2>&1)
    st=$?
    stats=$(printf '%s\n' "$out" | grep '^lockstep: [0-9]' | tail -1)
    if [ $st -ne 1 ]; then
        echo "FAIL $name: status $st"
        printf '%s\n' "$out" | tail -30 | sed 's/^/    /'
        fail=$((fail + 1))
    else
        echo "ok   $name ${stats#lockstep: }"
    fi
done
echo "$((n - fail)) passed, $fail failed ($mode)"
[ $fail -eq 0 ]
