#!/bin/bash
# grub.sh - GRUB's rescue images from Debian's grub-rescue-pc: prints the
# directory holding grub-rescue-floppy.img (1.2 MB: the floppy controller
# pads it to a 1.44M disk) and grub-rescue-cdrom.iso. Cached by fetch_deb.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
dir=$(fetch_deb grub-rescue-pc) || exit 1
out=$dir/usr/lib/grub-rescue
[ -f "$out/grub-rescue-floppy.img" ] && [ -f "$out/grub-rescue-cdrom.iso" ] || {
    echo "grub: the images are missing from $dir" >&2
    exit 1
}
echo "$out"
