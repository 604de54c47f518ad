#!/bin/bash
# bootsector.sh - the three tiny boot images of the SeaBIOS boot test: a
# 1.44M floppy, a 4 MiB hard disk with an MBR, and an El Torito
# no-emulation ISO, each booting tests/guest/boot/bootsect.S assembled for
# that device. Prints the directory holding floppy.img, disk.img and cd.iso.
# Cached under $(image_cache)/bootsector-HASH (HASH of the source and this
# script), so a changed source rebuilds.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
src=$here/../guest/boot/bootsect.S
hash=$(cat "$src" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
out=$(image_cache)/bootsector-$hash
if [ -f "$out/.done" ]; then
    echo "$out"
    exit 0
fi
command -v as >/dev/null && command -v ld >/dev/null || { echo "bootsector: GNU as and ld are needed" >&2; exit 1; }
command -v xorriso >/dev/null || need_tools xorriso || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kind in 1 2 3; do
    as --32 --defsym KIND=$kind -o "$tmp/b$kind.o" "$src" &&
        ld -m elf_i386 -Ttext 0x7c00 -e _start --oformat binary -o "$tmp/b$kind.bin" "$tmp/b$kind.o" || exit 1
    [ "$(stat -c %s "$tmp/b$kind.bin")" = 512 ] || { echo "bootsector: $kind is not 512 bytes" >&2; exit 1; }
done
truncate -s 1474560 "$tmp/floppy.img"
dd if="$tmp/b1.bin" of="$tmp/floppy.img" conv=notrunc status=none
truncate -s 4M "$tmp/disk.img"
dd if="$tmp/b2.bin" of="$tmp/disk.img" conv=notrunc status=none
mkdir "$tmp/iso"
cp "$tmp/b3.bin" "$tmp/iso/boot.bin"
echo "Ringside boot test CD" > "$tmp/iso/README.TXT"
xorriso -as mkisofs -quiet -V RINGSIDE_BOOT -b boot.bin -no-emul-boot -boot-load-size 4 \
    -o "$tmp/cd.iso" "$tmp/iso" >&2 || exit 1
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/floppy.img" "$tmp/disk.img" "$tmp/cd.iso" "$out/" && touch "$out/.done" || exit 1
echo "$out"
