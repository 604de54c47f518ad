#!/bin/bash
# test386.sh RINGSIDE CHECKOUT        build and run test386.asm from a checkout
# test386.sh RINGSIDE ROM REFERENCE   run an already built 128 KiB ROM
#
# Runs Barotto's public CPU test ROM test386.asm (issue 3, "Done means"
# item 2) under Ringside and reports the last POST code it reached on port
# 0x190 and whether its arithmetic dump on port 0xE9 (POST 0xEE) matches the
# suite's reference, test386-EE-reference.txt, byte for byte.
#
# Getting the suite: it is not part of Ringside and must never be committed
# here (neither its sources nor a built ROM). Clone it anywhere:
#     git clone https://github.com/barotto/test386.asm /tmp/test386.asm
# and install NASM (Debian/Ubuntu: apt-get install nasm). This is a local
# and nightly tool: CI cannot fetch the suite, so it is not a ctest test.
#
# With a checkout the script copies it to a temporary directory, sets
# src/configuration.asm for our machine and assembles it there (the
# checkout itself is left untouched):
#     POST_PORT 0x190    the POST code port (the default)
#     OUT_PORT  0xE9     ASCII results on the debug console port
#     LPT_PORT, COM_PORT 0 (no parallel or serial output)
#     ROM128    1        the 128 KiB build, with the task-switch tests
#     TEST_UNDEF 0       no i386-specific undefined behaviour: we are a P6
#     BOCHS 0, IBM_PS1 0, DEBUG 0 (DEBUG text would spoil the E9 dump)
# With a ROM the caller is responsible for that configuration.
#
# Ringside runs as
#     ringside -display none -bios test386.bin -no-reboot
#       -device isa-debugcon,iobase=0x190,chardev=post
#       -chardev file,id=post,path=POST -debugcon file:E9
# plus --max-insns (T386_MAX_INSNS, default 2e9; a pass takes about 8e7)
# so that a guest spinning in its error loop at CPL 3 still ends and the
# logs are flushed. T386_ARGS adds options (e.g. "-d int -D int.log");
# T386_KEEP=DIR keeps the ROM, its NASM listing (test386.lst, to look up
# a failing EIP) and the two logs in DIR.
#
# Diagnostic builds (checkout only; never a pass for "Done means"): while a
# part of the CPU is still missing, later tests can be reached by leaving
# the earlier ones out:
#     T386_SET="BOCHS=1 ..."   more EQUs for configuration.asm
#     T386_SKIP="20:C 11:12"   jump from the "POST 20" line to "POST C",
#                              reloading the test data segments D1/D2 the
#                              skipped part would have advanced
#     T386_SED='s/x/y/'        a sed script applied to src/test386.asm
#
# On a failure the ROM halts (or spins, at CPL 3) and the last POST code
# names the failing test (README.md of the suite lists them). Exit status:
# 0 if POST 0xFF was reached and the dump matches, 1 otherwise, 2 on a
# usage or build error.
set -u

usage() {
    sed -n '2,3p' "$0" | sed 's/^# /usage: /' >&2
    exit 2
}
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
ringside=$1
[ -x "$ringside" ] || { echo "test386.sh: $ringside is not executable" >&2; exit 2; }

work=${T386_KEEP:-}
if [ -n "$work" ]; then
    mkdir -p "$work" || exit 2
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

if [ $# -eq 2 ]; then
    src=$2
    [ -f "$src/src/test386.asm" ] || { echo "test386.sh: $src is not a test386.asm checkout" >&2; exit 2; }
    command -v nasm >/dev/null 2>&1 || { echo "test386.sh: nasm not installed (apt-get install nasm), or pass a built ROM" >&2; exit 2; }
    rm -rf "$work/build"
    mkdir -p "$work/build" && cp -R "$src/src" "$work/build/" || exit 2
    cfg=$work/build/src/configuration.asm
    # Each EQU is rewritten whatever its value in the checkout.
    set_equ() {
        grep -q "^$1 equ " "$cfg" || { echo "test386.sh: $1 not found in configuration.asm" >&2; exit 2; }
        sed -i "s/^$1 equ .*/$1 equ $2/" "$cfg"
    }
    set_equ POST_PORT 0x190
    set_equ LPT_PORT 0
    set_equ COM_PORT 0
    set_equ OUT_PORT 0xE9
    set_equ TEST_UNDEF 0
    set_equ BOCHS 0
    set_equ IBM_PS1 0
    set_equ DEBUG 0
    set_equ ROM128 1
    diag=
    for kv in ${T386_SET:-}; do
        set_equ "${kv%%=*}" "${kv#*=}"
        diag="$diag $kv"
    done
    asm=$work/build/src/test386.asm
    for pair in ${T386_SKIP:-}; do
        from=${pair%%:*} to=${pair#*:}
        if ! grep -q "^	POST $from\$" "$asm" || ! grep -q "^	POST $to\$" "$asm"; then
            echo "test386.sh: T386_SKIP: no POST $from or POST $to line" >&2
            exit 2
        fi
        awk -v from="$from" -v to="$to" '
            $0 == "\tPOST " from { print "\tjmp t386_skip_" from }
            $0 == "\tPOST " to {
                print "t386_skip_" from ":"
                print "\tupdLDTDescBase D1_SEG_PROT,TEST_BASE1"
                print "\tupdLDTDescBase D2_SEG_PROT,TEST_BASE2"
                print "\tmov dx, D1_SEG_PROT"
                print "\tmov ds, dx"
                print "\tmov dx, D2_SEG_PROT"
                print "\tmov es, dx"
            }
            { print }' "$asm" >"$asm.new" && mv "$asm.new" "$asm"
        diag="$diag skip:$pair"
    done
    if [ -n "${T386_SED:-}" ]; then
        sed -i "$T386_SED" "$asm" || exit 2
        diag="$diag sed"
    fi
    [ -n "$diag" ] && echo "test386.sh: DIAGNOSTIC build (not a pass):$diag"
    # NASM warns a lot (unterminated strings in the BCD tests, byte
    # overflows): the suite's README says these can be ignored.
    if ! (cd "$work/build" && nasm -i./src/ -f bin src/test386.asm -l "$work/test386.lst" \
            -o "$work/test386.bin" >"$work/nasm.log" 2>&1); then
        echo "test386.sh: nasm failed:" >&2
        grep -i error "$work/nasm.log" | head -n 20 >&2
        exit 2
    fi
    rom=$work/test386.bin
    ref=$src/test386-EE-reference.txt
else
    rom=$2
    ref=$3
fi
[ -f "$rom" ] || { echo "test386.sh: no ROM $rom" >&2; exit 2; }
[ -f "$ref" ] || { echo "test386.sh: no reference $ref" >&2; exit 2; }
size=$(wc -c <"$rom")
[ "$size" -eq 131072 ] || echo "test386.sh: warning: the ROM is $size bytes, not the 128 KiB build"

post=$work/post.bin
e9=$work/e9.txt
rm -f "$post" "$e9"
: >"$post"
# shellcheck disable=SC2086 # T386_ARGS is split into options on purpose
timeout -k 5 "${T386_TIMEOUT:-300}" "$ringside" -display none -bios "$rom" -no-reboot \
    -device isa-debugcon,iobase=0x190,chardev=post -chardev "file,id=post,path=$post" \
    -debugcon "file:$e9" --max-insns "${T386_MAX_INSNS:-2000000000}" ${T386_ARGS:-} \
    >"$work/ringside.out" 2>&1
st=$?
[ -f "$e9" ] || : >"$e9"

codes=$(od -An -tx1 -v "$post" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
last=${codes##* }
echo "ringside: exit status $st; $(grep -v '^ *0x\|^Interrupt' "$work/ringside.out" | tail -n 1)"
echo "POST codes: ${codes:-none}"
ok=0
if [ "$last" = "ff" ]; then
    echo "POST: 0xff reached (testing completed)"
else
    echo "POST: stopped at 0x${last:-??} (the test that failed; see the suite's README)"
    ok=1
fi
if cmp -s "$e9" "$ref"; then
    echo "E9 dump: matches $(basename "$ref") ($(wc -c <"$e9") bytes)"
else
    echo "E9 dump: differs from $(basename "$ref") ($(wc -c <"$e9") bytes vs $(wc -c <"$ref"))"
    diff "$e9" "$ref" | head -n 20
    ok=1
fi
[ -n "${T386_KEEP:-}" ] && echo "kept in $work: test386.bin test386.lst post.bin e9.txt ringside.out"
if [ $ok -ne 0 ]; then
    echo "RESULT: FAIL"
elif [ -n "${diag:-}" ]; then
    echo "RESULT: the diagnostic build passes (the suite itself has not)"
else
    echo "RESULT: PASS"
fi
exit $ok
