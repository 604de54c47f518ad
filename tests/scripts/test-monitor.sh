#!/bin/bash
# The monitor (frontend/monitor.c) driven on stdio against SeaBIOS with no
# bootable disk: once "No bootable device" is on the screen the machine is
# paused and every command is checked against what that state must show.
# Usage: test-monitor.sh RINGSIDE
# Exit 0 pass, 77 skip (no SeaBIOS), 1 fail.
set -u
rs=$1
if [ ! -r /usr/share/seabios/bios-256k.bin ] && [ ! -r /usr/share/seabios/bios.bin ]; then
    echo "SKIP: Debian's seabios package is not installed"
    exit 77
fi
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

# CD images: 4 and 8 sectors of 2048 bytes.
head -c 8192 /dev/zero >"$tmp/a.iso"
head -c 16384 /dev/zero >"$tmp/b.iso"

mkfifo "$tmp/in"
"$rs" -display none -m 16 -cdrom "$tmp/a.iso" -monitor stdio <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
send() { printf '%s\n' "$*" >&3; }
# The output of the commands sent since the last mark.
mark() { wc -c <"$tmp/out" >"$tmp/mark"; }
since() { tail -c +$(($(cat "$tmp/mark") + 1)) "$tmp/out"; }
echo 0 >"$tmp/mark"
# until_out PATTERN [TRIES]: wait (0.1 s steps) until the output since the
# mark matches
until_out() {
    local i
    for ((i = 0; i < ${2:-100}; i++)); do
        since | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

until_out "Ringside monitor" 50 && ok || bad "no monitor banner"
# Poll the screen until SeaBIOS has given up on every device, pausing to
# look (an unpaced guest races through its 60-second retry otherwise).
seen=0
for ((i = 0; i < 100; i++)); do
    mark
    send stop
    send screentext
    send info status
    until_out "VM status: paused" 50
    if since | grep -q "No bootable device"; then
        seen=1
        break
    fi
    send cont
    sleep 0.1
done
[ $seen = 1 ] && ok || bad "screentext never showed 'No bootable device'"
mark
send info status
until_out "VM status: paused" && ok || bad "info status after stop"

# screentext: the banner, one line per row.
mark
send screentext
send info status
until_out "VM status: paused" 50
since | grep -q "SeaBIOS (version" && ok || bad "screentext lacks the SeaBIOS banner"
since | grep -q "No bootable device" && ok || bad "screentext lacks 'No bootable device'"

# info registers, twice: a paused CPU does not move.
mark
send info registers
send info registers
send info status
until_out "VM status" 50
regs=$(since)
for f in "EAX=[0-9a-f]{8} EBX=" "ESI=[0-9a-f]{8} EDI=" "EIP=[0-9a-f]{8} EFL=[0-9a-f]{8} \[[-DOSZAPC]{7}\]" \
    "CPL=0" "^CS =[0-9a-f]{4} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} DPL=0 CS(16|32) \[[-C][-R][-A]\]" "^SS =" "^LDT=" "^TR =" "^GDT= " "^IDT= +00000000 000003ff" \
    "CR0=[0-9a-f]{8} CR2=[0-9a-f]{8} CR3=" "DR6=ffff0ff0 DR7=00000400" "ICOUNT=[0-9]+"; do
    echo "$regs" | grep -qE -- "$f" && ok || bad "info registers: no match for '$f'"
done
n=$(echo "$regs" | grep -oE "ICOUNT=[0-9]+" | sort -u | wc -l)
[ "$n" = 1 ] && ok || bad "the instruction count moved while paused"

# Memory: the BIOS date at F000:FFF5 ("mm/dd/yy"), linear and physical
# agree; the IVT's vectors point into the BIOS segment.
mark
send xp /8c 0xffff5
send x /8xb f000:fff5
send xp /8xb 0xffff5
send x /4xw 0
send xp /2xh 0x0
send x/1dw 0x10+0x4
send info status
until_out "VM status" 50
mem=$(since)
echo "$mem" | grep -qE "000ffff5: '[0-9]' '[0-9]' '/' '[0-9]' '[0-9]' '/' '[0-9]' '[0-9]'" && ok ||
    bad "xp /8c 0xffff5 is not a date: $(echo "$mem" | grep ffff5 | head -1)"
[ "$(echo "$mem" | grep -cE "000ffff5: 0x3[0-9] 0x3[0-9] 0x2f")" = 2 ] && ok || bad "x and xp of the BIOS date differ"
echo "$mem" | grep -qE "00000000: 0xf000[0-9a-f]{4} 0xf000[0-9a-f]{4} 0xf000[0-9a-f]{4} 0xf000[0-9a-f]{4}" && ok ||
    bad "x /4xw 0: the IVT does not point into F000"
echo "$mem" | grep -qE "00000000: 0x[0-9a-f]{4} 0xf000" && ok || bad "xp /2xh 0"
echo "$mem" | grep -qE "00000014: -?[0-9]+$" && ok || bad "x/1dw with a sum"

# screendump: a PNG file.
mark
send screendump "$tmp/shot.png"
send info status
until_out "VM status" 50
[ "$(head -c 8 "$tmp/shot.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] && ok ||
    bad "screendump did not write a PNG"

# info pic/irq/pit/tlb.
mark
send info pic
send info irq
send info pit
send info tlb
send info status
until_out "VM status" 50
info=$(since)
echo "$info" | grep -qE "IRR=[0-9a-f]{4} ISR=[0-9a-f]{4} IMR=[0-9a-f]{4}" && ok || bad "info pic"
echo "$info" | grep -qE "^ +0 (yes|no) " && ok || bad "info irq"
echo "$info" | grep -qE "channel 0: mode=[0-5]" && ok || bad "info pit"
echo "$info" | grep -q "tlb: " && ok || bad "info tlb"

# Removable media: eject, change, and info block showing each.
mark
send info block
send eject ide1-cd0
send info block
send change ide1-cd0 "$tmp/b.iso"
send info block
send change cdrom "$tmp/missing.iso"
send info block
send info status
until_out "VM status" 50
blk=$(since)
[ "$(echo "$blk" | grep -c "ide1-cd0: $tmp/a.iso (raw, read-only)")" = 1 ] && ok || bad "info block before eject"
echo "$blk" | grep -q "ide1-cd0: \[not inserted\]" && ok || bad "info block after eject"
[ "$(echo "$blk" | grep -c "ide1-cd0: $tmp/b.iso (raw, read-only)")" = 2 ] && ok ||
    bad "info block after change (and after a failed change)"
echo "$blk" | grep -q "error: Could not open '$tmp/missing.iso'" && ok || bad "change to a missing file"

# Bad input: one error line each, nothing else.
mark
bads=("bogus" "info nothing" "x /8qb 0" "x /4xb" "x /4xb 0xzz" "xp /0xb 0" "sendkey nokey" "eject ide0-hd0"
    "change floppy1 $tmp/a.iso" "change ide1-cd0" "screendump /nonexistent/dir/x.png" "help nothing"
    "x /4xb \$nosuchreg" "stop now" 'screendump "unterminated')
for c in "${bads[@]}"; do send "$c"; done
send info status
until_out "VM status" 50
errs=$(since | grep -v "VM status" | grep -v '^(ringside) $')
ne=$(echo "$errs" | grep -c "error: ")
nl=$(echo "$errs" | wc -l)
[ "$ne" = ${#bads[@]} ] && [ "$nl" = ${#bads[@]} ] && ok ||
    bad "${#bads[@]} bad commands gave $ne error lines in $nl lines: $errs"
# A very long line is one error too.
mark
send "$(head -c 3000 /dev/zero | tr '\0' x)"
send info status
until_out "VM status" 50
[ "$(since | grep -c "error: line longer")" = 1 ] && ok || bad "long line"

# sendkey and help are quiet/useful; cont resumes.
mark
send sendkey ctrl-alt-delete
send sendkey shift-a 50
send help
send cont
send info status
until_out "VM status: running" 50 && ok || bad "cont"
since | grep -q "^(ringside) help \|help \[COMMAND\]" && ok || bad "help lists the commands"
[ "$(since | grep -c "error:")" = 0 ] && ok || bad "sendkey/help/cont gave errors: $(since | grep error:)"

send quit
st=
for ((i = 0; i < 50; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        st=$?
        break
    fi
    sleep 0.1
done
pid=
exec 3>&-
[ "$st" = 0 ] && ok || bad "quit: exit status '$st' (want 0); stderr: $(cat "$tmp/err")"

# The option itself.
"$rs" -display none -monitor bogus >/dev/null 2>"$tmp/e1"
[ $? = 2 ] && [ "$(wc -l <"$tmp/e1")" = 1 ] && grep -q "use stdio" "$tmp/e1" && ok || bad "-monitor bogus: $(cat "$tmp/e1")"
"$rs" -display none -monitor stdio -serial stdio >/dev/null 2>"$tmp/e2" </dev/null
[ $? = 2 ] && grep -q "both want stdin" "$tmp/e2" && ok || bad "-monitor stdio -serial stdio: $(cat "$tmp/e2")"
"$rs" -display none -monitor tcp:10.0.0.1:4444,server,nowait >/dev/null 2>"$tmp/e3"
[ $? = 2 ] && grep -q "only 127.0.0.1" "$tmp/e3" && ok || bad "-monitor tcp on another host: $(cat "$tmp/e3")"

# A Unix-socket monitor, with a python3 client when there is one.
if command -v python3 >/dev/null; then
    sock="$tmp/mon.sock"
    "$rs" -display none -m 16 -monitor "unix:$sock,server,nowait" >"$tmp/uout" 2>"$tmp/uerr" &
    pid=$!
    reply=$(python3 - "$sock" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.1)
s.settimeout(10)
s.sendall(b"info status\nxp /8c 0xffff5\nquit\n")
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d: break
        data += d
        if b"ffff5:" in data and b"quit" in data: pass
except socket.timeout:
    pass
print(data.decode(errors="replace"))
EOF
)
    wait "$pid"
    st=$?
    pid=
    echo "$reply" | grep -q "VM status: running" && echo "$reply" | grep -q "000ffff5: '" && [ $st = 0 ] && ok ||
        bad "unix socket monitor (status $st): $reply $(cat "$tmp/uerr")"
fi

echo "monitor: $pass passed, $fail failed"
[ $fail = 0 ]
