#!/bin/bash
# run-coverage.sh RINGSIDE OPCODES_DEF ALLOWLIST "ROM;ROM;..." - run every
# guest ROM under `ringside --coverage` and report the opcode-table rows
# they executed together (coverage-report.sh). Passes iff every integer row
# is covered or allowlisted. A guest that fails under ringside still counts
# what it ran; its own test (guest_NAME) reports the failure.
set -u
rs=$1
def=$2
allow=$3
IFS=';' read -r -a roms <<<"$4"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=()
for rom in "${roms[@]}"; do
    [ -n "$rom" ] || continue
    name=$(basename "$rom" .rom)
    # Extra arguments of the guest (ringside_add_guest_test ARGS), e.g. -fda IMAGE.
    extra=()
    [ -f "${rom%.rom}.args" ] && read -r -a extra <"${rom%.rom}.args"
    timeout -k 5 120 "$rs" -display none --coverage "$tmp/$name.cov" -bios "$rom" "${extra[@]}" >"$tmp/$name.out" 2>&1
    st=$?
    [ "$st" -eq 1 ] || echo "note: $name exited with status $st under ringside (see guest_$name)"
    touch "$tmp/$name.cov"
    files+=("$tmp/$name.cov")
done
if [ ${#files[@]} -eq 0 ]; then
    echo "run-coverage.sh: no ROMs given" >&2
    exit 2
fi
bash "$here/coverage-report.sh" -a "$allow" "$def" "${files[@]}"
