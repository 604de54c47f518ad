#!/bin/bash
# boot_installer.sh RINGSIDE BUILD_DIR - issue 5, "Done means" item 5.
# The Debian 12 installer (debian-installer-12-netboot-i386: its linux and
# initrd.gz through -kernel/-initrd) boots with console=ttyS0,115200 to its
# first question, which the test reads from the serial port: the language
# selection, "Choose the language to be used for the installation process".
# (At the default 9600 baud the kernel spends guest seconds, billions of
# instructions, polling the UART while it prints its log.)
ringside=${1:?usage: boot_installer.sh RINGSIDE BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
images=$(bash "$here/../images/installer.sh") || { echo "SKIP: cannot fetch the installer"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
goal="Choose the language"
t0=$(date +%s.%N)
"$ringside" -display none -m 512 -kernel "$images/linux" -initrd "$images/initrd.gz" \
    -append "console=ttyS0,115200" -serial "file:$work/serial.txt" --wait-text "$goal" \
    --max-insns 20000000000 --stats >"$work/out.txt" 2>&1
status=$?
t1=$(date +%s.%N)
printf 'installer: status %d, %.1f s to "%s"\n' "$status" "$(awk "BEGIN { print $t1 - $t0 }")" "$goal"
grep -a "instructions" "$work/out.txt" | sed 's/^/  /'
if [ $status = 0 ] && grep -aq "$goal" "$work/serial.txt"; then
    grep -a -m1 "Linux version" "$work/serial.txt" | cut -c1-100 | sed 's/^/  /'
    tr -c '[:print:]\n' ' ' <"$work/serial.txt" | grep -a -o "$goal[a-z ]*" | head -1 | sed 's/^/  /'
    echo "PASS: the installer asks its first question"
    exit 0
fi
echo "FAIL: the installer did not reach its first question; the serial port's last lines:"
tr -c '[:print:]\n' ' ' <"$work/serial.txt" | tail -30
cat "$work/out.txt"
exit 1
