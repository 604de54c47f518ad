#!/bin/bash
# run-mb.sh RINGSIDE|qemu MB_ELF - boot the multiboot test kernel with two
# modules and a command line, under ringside (SeaBIOS + our multiboot ROM)
# or under qemu-system-i386 (its own multiboot loader), and pass iff the
# kernel reports PASS and exits with code 0 (status 1) through port 0xf4.
# Exit 77 (skipped) when QEMU or SeaBIOS is missing.
set -u
who=$1
elf=$2
mem=32
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'RINGSIDE MODULE ONE\n' >"$tmp/mod1"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) & 255 for i in range(5000)))' >"$tmp/mod2"
# The kernel's path is part of its command line; keep it free of spaces.
cp "$elf" "$tmp/mb.elf"
mods="$tmp/mod1 first-arg,$tmp/mod2"
if [ "$who" = qemu ]; then
    qemu=${QEMU:-qemu-system-i386}
    if ! command -v "$qemu" >/dev/null 2>&1; then
        echo "qemu-system-i386 not installed, skipped"
        exit 77
    fi
    timeout 60 "$qemu" -display none -m $mem -kernel "$tmp/mb.elf" -append "mem=$mem" -initrd "$mods" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -debugcon file:"$tmp/out" -serial null \
        -monitor none -nodefaults </dev/null
    st=$?
else
    if [ ! -e /usr/share/seabios/bios-256k.bin ]; then
        echo "SeaBIOS (Debian's seabios package) not installed, skipped"
        exit 77
    fi
    "$who" -display none -m $mem -kernel "$tmp/mb.elf" -append "mem=$mem strict" -initrd "$mods" \
        --max-insns 300000000 -debugcon file:"$tmp/out"
    st=$?
fi
cat "$tmp/out"
if [ "$st" -eq 1 ] && grep -q "multiboot: PASS" "$tmp/out"; then
    echo "guest_multiboot ($who): passed"
    exit 0
fi
echo "guest_multiboot ($who): FAILED (status $st)"
exit 1
