#!/usr/bin/env bash
# linux-lockstep.sh RINGSIDE [INSNS] - the first INSNS (default 300 million)
# instructions of the Debian i686 Linux boot (the images tests/images/
# linux.sh fetches into ~/.cache/ringside/images/linux, or $RINGSIDE_LINUX)
# under --lockstep: every block run by both backends and compared. Exits 77
# (skipped) without the images.
set -u
ringside=${1:?}
insns=${2:-300000000}
dir=${RINGSIDE_LINUX:-$HOME/.cache/ringside/images/linux}
if [ ! -f "$dir/vmlinuz-686" ] || [ ! -f "$dir/initrd-686.gz" ]; then
    echo "skipped: no Linux images in $dir (run tests/images/linux.sh)"
    exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$ringside" -accel x64 --lockstep -display none -serial "file:$log" -no-reboot -m 64 --stats \
    --max-insns "$insns" -rtc base=2024-06-15T03:33:33 -kernel "$dir/vmlinuz-686" \
    -initrd "$dir/initrd-686.gz" -append "console=ttyS0,115200 quiet panic=-1" </dev/null
st=$?
echo "status $st (0: stopped at --max-insns with no difference; 70: the backends differ)"
[ $st -eq 0 ]
