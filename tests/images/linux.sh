#!/bin/bash
# linux.sh - builds the Linux guest images of issue 5's "Done means" 4 and 7
# from Debian 12's i386 packages, caches them, and prints the directory that
# holds them (or, given a name, that one file's path):
#
#   vmlinuz-686, vmlinuz-686-pae   the kernels of linux-image-686 and -686-pae
#   initrd-686.gz, initrd-686-pae.gz
#                    newc cpio, gzip: static busybox, tests/images/initramfs/init,
#                    the kernel's ATA, SCSI disk/CD, ext4 (which serves ext2)
#                    and ISO 9660 modules with their load order
#   disk-686.img     MBR disk: partition 1 FAT16 with SYSLINUX, the 686 kernel
#                    and initrd; partition 2 the ext2 root (busybox,
#                    initramfs/rootinit as /sbin/init, data/known.txt)
#   cd.iso           ISO 9660 with known.txt
#   disk-686.root    the root partition's first sector and size, in sectors
#   known.sha256     sha256 of the disk's data/known.txt
#   cd-known.sha256  sha256 of the CD's known.txt
#   version          the kernel version (e.g. 6.1.0-50)
#
# Usage: linux.sh [FILE]. The directory is $(image_cache)/linux-STAMP, STAMP
# a hash of this script, initramfs/ and the kernel packages' names. No loop
# mounts: mkfs.fat + mtools + syslinux on a partition image, mke2fs -d for
# ext2, and dd splices them into the disk.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
set -e

need_i386
need_tools cpio xorriso mtools syslinux syslinux-common dosfstools e2fsprogs

# The metapackages depend on the newest versioned kernel package.
resolve() {
    apt-cache depends "$1:i386" 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { sub(/:i386$/, "", $2); print $2; exit }'
}
pkg686=$(resolve linux-image-686)
pkgpae=$(resolve linux-image-686-pae)
if [ -z "$pkg686" ] || [ -z "$pkgpae" ]; then
    echo "linux.sh: cannot resolve linux-image-686/-686-pae to a kernel package" >&2
    exit 1
fi
ver=${pkg686#linux-image-}
ver=${ver%-686}

# One directory per version of the inputs, filled under a temporary name
# and renamed when complete: several checkouts (a developer's, CI's) may
# build and use the cache at the same time without pulling files from
# under each other.
cache=$(image_cache)
stamp=$( (cat "${BASH_SOURCE[0]}" "$here"/initramfs/*; echo "$pkg686 $pkgpae") | sha256sum | cut -c1-16)
final=$cache/linux-$stamp
if [ -f "$final/.stamp" ]; then
    if [ -n "$1" ]; then echo "$final/$1"; else echo "$final"; fi
    exit 0
fi

d686=$(fetch_deb "$pkg686:i386")
dpae=$(fetch_deb "$pkgpae:i386")
dbb=$(fetch_deb busybox-static:i386)
busybox=$dbb/bin/busybox

out=$(mktemp -d "$cache/linux-$stamp.tmp.XXXXXX")
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -d "$out" ] && rm -rf "$out"' EXIT

# --- modules: dependency order from each .ko's .modinfo "depends=" -------
# (no depmod here: the packages ship no modules.dep)
declare -A kofile
declare -A done_mod
mod_order=()
modname() { local b; b=$(basename "$1" .ko); echo "${b//-/_}"; }
visit() {
    local m=${1//-/_} dep
    [ -n "${done_mod[$m]}" ] && return 0
    done_mod[$m]=1
    if [ -z "${kofile[$m]}" ]; then
        echo "linux.sh: module $m not found" >&2
        return 1
    fi
    for dep in $(tr '\0' '\n' < "${kofile[$m]}" | sed -n 's/^depends=//p' | tr , ' '); do
        visit "$dep"
    done
    mod_order+=("$m")
}
# group_list KDIR GROUP MODULE... writes GROUP.list (paths relative to
# lib/modules) into the staging tree and copies the files.
group_list() {
    local kdir=$1 stage=$2 group=$3 m rel
    shift 3
    done_mod=()
    mod_order=()
    for m in "$@"; do visit "$m"; done
    : > "$stage/lib/modules/$group.list"
    for m in "${mod_order[@]}"; do
        rel=${kofile[$m]#"$kdir"/}
        mkdir -p "$stage/lib/modules/$(dirname "$rel")"
        cp "${kofile[$m]}" "$stage/lib/modules/$rel"
        echo "$rel" >> "$stage/lib/modules/$group.list"
    done
}

# busybox_tree DIR: a static busybox with links for every applet it has.
busybox_tree() {
    local t=$1 a
    mkdir -p "$t/bin" "$t/sbin" "$t/proc" "$t/sys" "$t/dev" "$t/mnt" "$t/tmp" "$t/etc" "$t/root"
    cp "$busybox" "$t/bin/busybox"
    # The applet list is in the binary: its --list would need an i386 host.
    for a in sh ash cat echo mount umount insmod switch_root setsid cttyhack usleep \
             sleep sha256sum sync reboot poweroff ls uname grep tr sed dd cp mv rm \
             mkdir head tail wc dmesg ps kill date md5sum cmp hexdump od stat df \
             free vi true false test expr seq env printf lsmod rmmod modprobe \
             mknod chmod touch find du sort uniq awk; do
        ln -sf busybox "$t/bin/$a"
    done
}

build_initrd() {
    local kdir=$1 flavour=$2 stage=$work/initrd-$flavour f
    busybox_tree "$stage"
    mkdir -p "$stage/newroot" "$stage/lib/modules"
    cp "$here/initramfs/init" "$stage/init"
    chmod 755 "$stage/init"
    # The kernel opens /dev/console for init before devtmpfs is mounted.
    mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
    kofile=()
    while IFS= read -r f; do
        kofile[$(modname "$f")]=$f
    done < <(find "$kdir" -name '*.ko')
    group_list "$kdir" "$stage" disk ata_piix ata_generic sd_mod ext4 crc32c_generic
    group_list "$kdir" "$stage" cd ata_piix ata_generic sr_mod isofs
    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
        gzip -9n > "$out/initrd-$flavour.gz"
}

kmod686=$(echo "$d686"/lib/modules/*)
kmodpae=$(echo "$dpae"/lib/modules/*)
cp "$d686"/boot/vmlinuz-* "$out/vmlinuz-686"
cp "$dpae"/boot/vmlinuz-* "$out/vmlinuz-686-pae"
build_initrd "$kmod686" 686
build_initrd "$kmodpae" 686-pae
echo "$ver" > "$out/version"

# --- the known files ----------------------------------------------------
mkdir -p "$work/root/data" "$work/cd"
seq 1 50000 | sed 's/^/ringside known line /' > "$work/root/data/known.txt"
(cd "$work/root/data" && sha256sum known.txt > known.sha256)
cut -d' ' -f1 "$work/root/data/known.sha256" > "$out/known.sha256"
seq 1 20000 | sed 's/^/ringside cd line /' > "$work/cd/known.txt"
sha256sum "$work/cd/known.txt" | cut -d' ' -f1 > "$out/cd-known.sha256"

# --- ISO 9660 ------------------------------------------------------------
xorriso -as mkisofs -quiet -V RINGSIDE -o "$out/cd.iso" "$work/cd" >&2

# --- hard disk: MBR, FAT16 boot partition with SYSLINUX, ext2 root --------
boot_start=2048                      # sectors: 1 MiB alignment
boot_size=$((40 * 2048))             # 40 MiB
root_start=$((boot_start + boot_size))
root_size=$((16 * 2048))             # 16 MiB
total=$((root_start + root_size))

# The ext2 root.
busybox_tree "$work/root"
cp "$here/initramfs/rootinit" "$work/root/sbin/init"
chmod 755 "$work/root/sbin/init"
mke2fs -q -t ext2 -F -L ringside-root -E root_owner=0:0 -d "$work/root" \
    "$work/root.img" $((root_size / 2))k >&2

# The FAT boot partition: hidden sectors = its start, so ldlinux finds itself.
mkfs.fat -F 16 -n RINGSIDEBT -h $boot_start -C "$work/boot.img" $((boot_size / 2)) >/dev/null
cat > "$work/syslinux.cfg" <<'CFG'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=ttyS0,115200 quiet panic=-1 cryptomgr.notests ringside.mods=disk ringside.root=/dev/sda2
CFG
syslinux --install "$work/boot.img"
mcopy -i "$work/boot.img" "$work/syslinux.cfg" ::syslinux.cfg
mcopy -i "$work/boot.img" "$out/vmlinuz-686" ::vmlinuz
mcopy -i "$work/boot.img" "$out/initrd-686.gz" ::initrd.gz

# le32 N: four little-endian bytes as printf escapes.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
    $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# part ACTIVE TYPE START SIZE: one partition table entry (CHS fields say
# "use LBA": Linux and SYSLINUX's MBR read the LBA fields).
part() { printf "\\x$1\\xfe\\xff\\xff\\x$2\\xfe\\xff\\xff$(le32 "$3")$(le32 "$4")"; }

img=$work/disk.img
truncate -s $((total * 512)) "$img"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" conv=notrunc status=none
{ part 80 06 $boot_start $boot_size; part 00 83 $root_start $root_size
  head -c 32 /dev/zero; printf '\x55\xaa'; } |
    dd of="$img" bs=1 seek=446 conv=notrunc status=none
dd if="$work/boot.img" of="$img" bs=512 seek=$boot_start conv=notrunc status=none
dd if="$work/root.img" of="$img" bs=512 seek=$root_start conv=notrunc status=none
mv "$img" "$out/disk-686.img"
echo "$root_start $root_size" > "$out/disk-686.root"

echo "$stamp" > "$out/.stamp"
chmod 755 "$out"
# Another build of the same inputs may have finished first: keep its copy.
mv -T "$out" "$final" 2>/dev/null || rm -rf "$out"
echo "linux.sh: built $final (kernel $ver)" >&2
if [ -n "$1" ]; then echo "$final/$1"; else echo "$final"; fi
