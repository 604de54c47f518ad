#!/bin/bash
# installer.sh - the Debian 12 installer's netboot kernel and initrd for
# i386 (debian-installer-12-netboot-i386, text frontend): prints the
# directory holding linux and initrd.gz. Cached by fetch_deb.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
dir=$(fetch_deb debian-installer-12-netboot-i386) || exit 1
out=$dir/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386
[ -f "$out/linux" ] && [ -f "$out/initrd.gz" ] || {
    echo "installer: linux or initrd.gz is missing from $dir" >&2
    exit 1
}
echo "$out"
