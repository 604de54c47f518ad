#!/bin/bash
# memtest.sh - memtest86+ from Debian 12's memtest86+ package: prints the
# directory holding memtest86+ia32.bin (a Linux boot protocol image, for
# -kernel) and memtest86+ia32.iso (for -cdrom), linked side by side from
# the unpacked package (cached by fetch_deb).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
dir=$(fetch_deb memtest86+) || exit 1
out=$(image_cache)/memtest
mkdir -p "$out"
ln -sf "$dir/boot/memtest86+ia32.bin" "$out/memtest86+ia32.bin"
ln -sf "$dir/usr/lib/memtest86+/memtest86+ia32.iso" "$out/memtest86+ia32.iso"
[ -f "$out/memtest86+ia32.bin" ] && [ -f "$out/memtest86+ia32.iso" ] || {
    echo "memtest: the images are missing from $dir" >&2
    exit 1
}
echo "$out"
