#!/bin/bash
# boot_compare.sh [--runs N] [--only grub,installer] RINGSIDE - a benchmark,
# not part of `make test` (issue 5, "Done means" item 8): the wall time from
# start to a boot's goal under Ringside and under qemu-system-i386 -accel
# tcg, with the same images, measured in the same run; prints a table with
# the ratio (Ringside / QEMU, the best of N runs each).
#
#   grub-floppy, grub-cdrom  GRUB's rescue images (tests/images/grub.sh) to
#                            GRUB's menu, or to "grub>" when ringside has
#                            --type-on or -monitor (both type 'c' at the menu)
#   installer                the Debian installer's netboot linux+initrd.gz
#                            (tests/images/installer.sh) with console=ttyS0
#                            to its first question on the serial port
#
# QEMU runs headless, its images read-only without locks (another
# emulator may have them open); the goal text is read from its text screen (0xb8000,
# saved through QMP's pmemsave every 20 ms) or from its serial file, so
# both emulators stop at the same guest event. Ringside stops itself with
# --wait-text.
set -o pipefail
runs=1
only=grub-floppy,grub-cdrom,installer
while [ $# -gt 1 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) break ;;
    esac
done
ringside=${1:?usage: boot_compare.sh [--runs N] [--only LIST] RINGSIDE}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
qemu=${QEMU:-qemu-system-i386}
command -v "$qemu" >/dev/null || { echo "boot_compare: $qemu is not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The QEMU side: start QEMU with a QMP socket, poll the text screen and the
# serial file for the goal, optionally type a key when a text appears, and
# print the seconds from start to the goal.
cat >"$work/qemu_wait.py" <<'PY'
import json, os, socket, subprocess, sys, time
goal, where, type_on, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
work, qemu_args = sys.argv[5], sys.argv[6:]
qmp_path, serial, shot = work + "/qmp.sock", work + "/serial.txt", work + "/screen.bin"
for p in (qmp_path, serial, shot):
    if os.path.exists(p):
        os.unlink(p)
t0 = time.monotonic()
proc = subprocess.Popen(qemu_args + ["-qmp", "unix:%s,server=on,wait=off" % qmp_path,
                                     "-serial", "file:" + serial],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
f = None
while f is None and time.monotonic() - t0 < 10:
    try:  # QEMU may not listen yet, or reset a too-early connection
        s = socket.socket(socket.AF_UNIX)
        s.connect(qmp_path)
        f = s.makefile("rw")
        if not f.readline():
            raise OSError("no QMP greeting")
    except OSError:
        f = None
        time.sleep(0.005)
if f is None:
    proc.kill()
    sys.exit("qemu_wait: no QMP connection")
def qmp(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
qmp("qmp_capabilities")
def screen():
    qmp("pmemsave", val=0xb8000, size=4000, filename=shot)
    try:
        return open(shot, "rb").read()[0::2].decode("latin-1")
    except OSError:
        return ""
typed = not type_on
when, key = (type_on.split("=", 1) + [""])[:2] if type_on else ("", "")
found = None
while time.monotonic() - t0 < timeout and proc.poll() is None:
    text = screen() if where == "screen" or not typed else ""
    if not typed and when in text:
        qmp("human-monitor-command", **{"command-line": "sendkey " + key})
        typed = True
    if where == "screen" and typed and goal in text:
        found = time.monotonic() - t0
        break
    if where == "serial" and os.path.exists(serial) and goal.encode() in open(serial, "rb").read():
        found = time.monotonic() - t0
        break
    time.sleep(0.02)
proc.kill()
_, _, ru = os.wait4(proc.pid, 0)
# wall seconds to the goal, then the CPU seconds QEMU used (all threads)
print(("%.2f" % found if found is not None else "timeout") + " %.2f" % (ru.ru_utime + ru.ru_stime))
PY

# Ringside's monitor, when it types instead of --type-on: wait for WHEN on
# the text screen (screentext), then sendkey KEY.
cat >"$work/mon_type.py" <<'PY'
import socket, sys, time
path, when, key = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.monotonic()
s = None
while s is None and time.monotonic() - t0 < 20:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
    except OSError:
        s = None
        time.sleep(0.01)
if s is None:
    sys.exit(0)
def command(line):
    s.sendall(line.encode() + b"\n")
    out = b""
    while not out.endswith(b"(ringside) "):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(0)
        out += chunk
    return out.decode("latin-1")
command("")
while time.monotonic() - t0 < 600:
    if when in command("screentext"):
        command("sendkey " + key)
        break
    time.sleep(0.02)
PY

# ringside_time GOAL ARGS...: wall seconds to the goal and CPU seconds, or "fail -".
# With --type-on TEXT=KEY in ARGS and no --type-on in ringside, the monitor types.
ringside_time() {
    local goal=$1 t0 t1 args=() helper=
    shift
    while [ $# -gt 0 ]; do
        if [ "$1" = --type-on ] && [ $use_monitor = 1 ]; then
            rm -f "$work/mon.sock"
            args+=(-monitor "unix:$work/mon.sock,server,nowait")
            python3 "$work/mon_type.py" "$work/mon.sock" "${2%=*}" "${2##*=}" &
            helper=$!
            shift 2
        else
            args+=("$1")
            shift
        fi
    done
    set -- "${args[@]}"
    t0=$(date +%s.%N)
    if /usr/bin/time -f "%U %S" -o "$work/cpu.txt" "$ringside" -display none "$@" --wait-text "$goal" \
        >"$work/ringside.out" 2>&1; then
        t1=$(date +%s.%N)
        awk -v t0="$t0" -v t1="$t1" '{ printf "%.2f %.2f", t1 - t0, $1 + $2 }' "$work/cpu.txt"
    else
        echo "fail -"
    fi
    [ -n "$helper" ] && wait "$helper"
}
best() { # "WALL CPU" pairs, one per argument: the pair with the smallest wall time
    printf '%s\n' "$@" | grep '^[0-9]' | sort -g | head -1 | grep . || echo "${1:-fail -}"
}

can_type=0
use_monitor=0
if "$ringside" --help 2>&1 | grep -q -- '--type-on'; then
    can_type=1
elif "$ringside" --help 2>&1 | grep -q -- '-monitor DEV'; then
    can_type=1
    use_monitor=1
fi
rows=()
bench() { # NAME GOAL WHERE TYPE_ON RINGSIDE_ARGS -- QEMU_ARGS
    local name=$1 goal=$2 where=$3 type_on=$4 r=() q=() rs=() qs=()
    shift 4
    while [ $# -gt 0 ] && [ "$1" != -- ]; do r+=("$1"); shift; done
    shift
    q=("$@")
    local keys=()
    [ -n "$type_on" ] && keys=(--type-on "$type_on")
    for ((i = 0; i < runs; i++)); do
        rs+=("$(ringside_time "$goal" "${r[@]}" "${keys[@]}")")
        qs+=("$(python3 "$work/qemu_wait.py" "$goal" "$where" "$type_on" 600 "$work" \
            "$qemu" -accel tcg -display none -monitor none "${q[@]}")")
    done
    local rb qb rw rc qw qc ratio=- cratio=-
    rb=$(best "${rs[@]}")
    qb=$(best "${qs[@]}")
    read -r rw rc <<<"$rb"
    read -r qw qc <<<"$qb"
    [[ $rw =~ ^[0-9] && $qw =~ ^[0-9] ]] && ratio=$(awk "BEGIN { printf \"%.2f\", $rw / $qw }")
    [[ $rc =~ ^[0-9] && $qc =~ ^[0-9] ]] && cratio=$(awk "BEGIN { printf \"%.2f\", $rc / $qc }")
    rows+=("$(printf '| %-12s | %-36s | %8s | %8s | %6s | %8s | %8s | %6s |' "$name" "$goal" \
        "$rw" "$qw" "$ratio" "$rc" "$qc" "$cratio")")
    echo "boot_compare: $name: ringside ${rs[*]} s, qemu ${qs[*]} s" >&2
}

if [[ ,$only, == *,grub-* ]]; then
    g=$(bash "$here/../images/grub.sh") || exit 1
    goal="Press enter to boot the selected OS"
    type_on=
    if [ $can_type = 1 ]; then
        goal="grub>"
        type_on="Press enter to boot the selected OS=c"
    fi
    [[ ,$only, == *,grub-floppy,* ]] && bench grub-floppy "$goal" screen "$type_on" \
        -m 32 -fda "$g/grub-rescue-floppy.img" -boot a -- \
        -m 32 -drive "file=$g/grub-rescue-floppy.img,if=floppy,format=raw,readonly=on,file.locking=off" -boot a
    [[ ,$only, == *,grub-cdrom,* ]] && bench grub-cdrom "$goal" screen "$type_on" \
        -m 32 -cdrom "$g/grub-rescue-cdrom.iso" -boot d -- \
        -m 32 -drive "file=$g/grub-rescue-cdrom.iso,media=cdrom,format=raw,readonly=on,file.locking=off" -boot d
fi
if [[ ,$only, == *,installer,* ]]; then
    d=$(bash "$here/../images/installer.sh") || exit 1
    goal="Choose the language"
    bench installer "$goal" serial "" \
        -m 512 -kernel "$d/linux" -initrd "$d/initrd.gz" -append "console=ttyS0,115200" -serial "file:$work/ringside-serial.txt" -- \
        -m 512 -kernel "$d/linux" -initrd "$d/initrd.gz" -append "console=ttyS0,115200"
fi

echo "| boot         | goal                                 | ringside | qemu tcg |  ratio | ring cpu | qemu cpu |  ratio |"
echo "|--------------|--------------------------------------|----------|----------|--------|----------|----------|--------|"
printf '%s\n' "${rows[@]}"
echo "(wall seconds from start to the goal, best of $runs, and the CPU seconds (user + system, all threads) that run used; ratio = ringside / qemu; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
