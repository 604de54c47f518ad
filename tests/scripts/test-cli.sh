#!/bin/bash
# Command-line behaviour: bad input gets exactly one clear line on stderr and
# exit status 2; --help exits 0 and lists what works.
# Usage: test-cli.sh RINGSIDE DEMO_ROM [EXCEPTION_ROM]
set -u
rs=$1
rom=$2
exc_rom=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect STATUS PATTERN ARGS...: exit status STATUS, one stderr line matching PATTERN
expect() {
    local want=$1 pat=$2
    shift 2
    "$rs" "$@" >"$tmp/out" 2>"$tmp/err"
    local st=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$st" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -qE -- "$pat" "$tmp/err"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: ringside $* -> status $st (want $want), stderr ($lines lines):"
        sed 's/^/    /' "$tmp/err"
    fi
}

head -c 1000 /dev/zero >"$tmp/small.bin"
expect 2 "-initrd and -append need -kernel" -bios "$rom" -initrd initrd.img
expect 2 "give order=LETTERS" -bios "$rom" -boot order=z
expect 2 "the date must be" -bios "$rom" -rtc base=2001-13-01
expect 2 "only base=utc" -bios "$rom" -rtc clock=vm
expect 2 "2\\^N ns per instruction" -bios "$rom" -icount shift=11
expect 2 "only COM1 and COM2" -bios "$rom" -serial null -serial null -serial null
expect 2 "option -gdb is not implemented yet" -bios "$rom" -gdb tcp::1234
expect 2 "unknown option '--bogus'" --bogus
expect 2 "needs a value" -bios
expect 2 "No such file" -bios "$tmp/missing.bin"
expect 2 "64, 128 or 256 KiB.*1000 bytes" -bios "$tmp/small.bin"
expect 2 "give the RAM size" -bios "$rom" -m 0
expect 2 "give the RAM size" -bios "$rom" -m lots
expect 2 "between 1 MiB and 3584 MiB" -bios "$rom" -m 8G
expect 2 "-display gtk: use sdl or none" -bios "$rom" -display gtk
expect 2 "-display sdl,scale=2: the sdl option is scale=aspect or scale=integer" -bios "$rom" -display sdl,scale=2
expect 2 "-display sdl,scale=integer,x: the sdl option is" -bios "$rom" -display sdl,scale=integer,x
DISPLAY= WAYLAND_DISPLAY= expect 2 "-display sdl: cannot open the window" -bios "$rom" -display sdl,scale=integer
DISPLAY= WAYLAND_DISPLAY= expect 2 "-display sdl: cannot open the window" -bios "$rom" -display sdl
expect 2 "--screenshot @5: give FILE or FILE@N" -bios "$rom" --screenshot @5
expect 2 "unknown trace flag" -bios "$rom" -d bogus
expect 2 "not implemented yet" -bios "$rom" -device e1000
expect 2 "no -chardev with that id" -bios "$rom" -device isa-debugcon,iobase=0x80,chardev=x

# Disks: -drive's properties, images that do not fit, missing files, -kernel.
head -c 1048576 /dev/zero >"$tmp/disk.img"
expect 2 "-drive file=.*: unknown property 'cache'" -bios "$rom" -drive file="$tmp/disk.img",cache=none
expect 2 "if=scsi: only if=ide and if=floppy" -bios "$rom" -drive file="$tmp/disk.img",if=scsi
expect 2 "format=qcow2: only raw" -bios "$rom" -drive file="$tmp/disk.img",format=qcow2
expect 2 "readonly=maybe: use on or off" -bios "$rom" -drive file="$tmp/disk.img",readonly=maybe
expect 2 "give the image with file=PATH" -bios "$rom" -drive if=ide,index=1
expect 2 "media=cdrom needs if=ide" -bios "$rom" -drive file="$tmp/disk.img",if=floppy,media=cdrom
expect 2 "that slot is already taken" -bios "$rom" -cdrom "$tmp/disk.img" -drive file="$tmp/disk.img",index=2,media=cdrom
expect 2 "floppy image size is not usable" -bios "$rom" -fda "$tmp/small.bin"
expect 2 "-hda .*missing.img: No such file" -bios "$rom" -hda "$tmp/missing.img"
expect 2 "-fda .*missing.img: No such file" -bios "$rom" -drive file="$tmp/missing.img",if=floppy
expect 2 "neither a Linux bzImage .* nor a Multiboot kernel" -kernel "$tmp/small.bin"
# An image another Ringside has open for writing is refused (an OFD lock),
# for writing and for reading alike; -snapshot there would share it.
head -c 65536 /dev/zero | tr '\0' '\377' >"$tmp/spin.rom"
printf '\353\376' | dd of="$tmp/spin.rom" bs=1 seek=65520 conv=notrunc 2>/dev/null
"$rs" -display none -bios "$tmp/spin.rom" -hda "$tmp/disk.img" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do
    sleep 0.1
    "$rs" -display none -bios "$rom" -hda "$tmp/disk.img" 2>/dev/null >/dev/null
    [ $? -eq 2 ] && break
done
expect 2 "-hda .*disk.img: locked: another Ringside has it open for writing" -bios "$rom" -hda "$tmp/disk.img"
expect 2 "disk.img: locked: .*shared, read-only" -bios "$rom" -drive file="$tmp/disk.img",readonly=on
kill -TERM "$holder"
wait "$holder" 2>/dev/null

if "$rs" --help >"$tmp/out" 2>&1 && grep -q -- "-bios FILE" "$tmp/out"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: --help"
fi

# -chardev file + isa-debugcon logs a port's writes to a file
"$rs" -display none -bios "$rom" -chardev file,id=log,path="$tmp/log" \
    -device isa-debugcon,iobase=0xe9,chardev=log >/dev/null 2>&1
if grep -q "hello from real mode" "$tmp/log" 2>/dev/null; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: -chardev file with -device isa-debugcon did not log the console"
fi

# SIGTERM ends a guest that never stops, with its console file flushed:
# a ROM whose reset vector prints 'A' to port 0xe9 and spins.
head -c 65536 /dev/zero | tr '\0' '\377' >"$tmp/loop.rom"
printf '\260\101\346\351\353\376' | dd of="$tmp/loop.rom" bs=1 seek=65520 conv=notrunc 2>/dev/null
"$rs" -display none -bios "$tmp/loop.rom" -debugcon file:"$tmp/con" 2>"$tmp/err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
st=$?
if [ "$st" -eq 143 ] && [ "$(cat "$tmp/con")" = "A" ] && grep -q "stopped by signal 15" "$tmp/err"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: SIGTERM: status $st (want 143), console '$(cat "$tmp/con")' (want A)"
fi

# The teaching trace: each exception with its name, the faulting instruction
# disassembled, where it went, and totals per vector at exit.
if [ -n "$exc_rom" ]; then
    "$rs" -display none -bios "$exc_rom" -d int -D "$tmp/trace" >/dev/null 2>&1
    if grep -q "^exception 0x00 #DE at 0008:[0-9a-f]* cpl 0: div ebx -> 0008:[0-9a-f]* cpl 0$" "$tmp/trace" &&
        grep -q "^  0x06 #UD  " "$tmp/trace"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: -d int trace of $exc_rom:"
        head -5 "$tmp/trace" | sed 's/^/    /'
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
