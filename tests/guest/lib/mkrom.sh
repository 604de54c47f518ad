#!/bin/sh
# mkrom.sh OUT.rom SIZE LDSCRIPT OBJECT... - link guest objects with
# lib/rom.ld into OUT.elf (and OUT.map) and write the flat image OUT.rom of
# exactly SIZE bytes (0x10000, 0x20000 or 0x40000).
set -e
out=$1
size=$2
script=$3
shift 3
base=${out%.rom}
${LD:-ld} -m elf_i386 -nostdlib --no-check-sections -z noexecstack --no-warn-rwx-segments -T "$script" --defsym ROM_SIZE="$size" \
    -Map "$base.map" -o "$base.elf" "$@"
${OBJCOPY:-objcopy} -O binary "$base.elf" "$out.tmp"
got=$(wc -c <"$out.tmp")
if [ "$got" -ne $((size)) ]; then
    echo "mkrom.sh: $out would be $got bytes, not $((size))" >&2
    rm -f "$out.tmp"
    exit 1
fi
mv "$out.tmp" "$out"
