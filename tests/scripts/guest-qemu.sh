#!/bin/bash
# guest-qemu.sh [ROM... | "ROM;ROM;..." | DIR] - run the guest test ROMs
# under qemu-system-i386 (issue 2, "Done means" item 5: the same ROMs pass
# unchanged on QEMU, so they test the CPU rather than our reading of it).
# Each ROM gets -bios (and the words of NAME.args next to it, if any),
# QEMU's isa-debug-exit at 0xf4 and the debug console
# on 0xe9; it passes iff QEMU exits with status 1 (the guest wrote 0 to
# 0xf4). With no arguments: build/tests/guest/*.rom. Prints a line per ROM
# and last "N passed, M failed"; exits 0 iff none failed. Without QEMU:
# "qemu-system-i386 not installed, skipped" and exit 0.
set -u
qemu=${QEMU:-qemu-system-i386}
timeout_s=${GUEST_TIMEOUT:-60}

# Guests that test what QEMU 7.2's TCG does differently from the CPU, with
# the reason. They run, and are reported, but do not count as failures.
declare -A known=(
    [real_limits]="QEMU does not check real-mode segment limits (no #GP/#SS beyond offset 0xffff)"
    [flat_fpu_detail]="QEMU's x87 detects no stack overflow/underflow (SDM vol. 1 8.5.1.1) and stores FOP as 0 (8.1.9)"
    [real_undoc]="QEMU raises #UD for the undocumented f6 /1, f7 /1 (TEST) and f1 (INT1/ICEBP)"
    [flat_debug_rf]="QEMU pushes RF = 0 in the EFLAGS image of a fault-class exception; the SDM says 1 (vol. 3, 17.3.1.1)"
    [flat_debug_ac]="QEMU's TCG does not implement alignment checking: no #AC with CR0.AM and EFLAGS.AC at CPL 3 (SDM vol. 3, 6.15, interrupt 17)"
    [flat_debug_gd]="QEMU does not implement DR7.GD: MOV DR raises no #DB with DR6.BD (SDM vol. 3, 17.2.4)"
    [flat_prot_ext]="QEMU 7.2 leaves the EXT bit (bit 0) clear in the error code of a fault raised while delivering an exception (SDM vol. 3, 6.13)"
    [flat_prot_tbit]="QEMU 7.2 ignores the T bit of a TSS: no #DB (DR6.BT) after a task switch to it (SDM vol. 3, 7.2.1, 17.3.1.5)"
    [flat_prot_task16_regs]="QEMU 6.1+ keeps the old upper halves of EAX..EDI on a switch to a 16-bit TSS; the SDM leaves them undefined (vol. 3, 7.6), Bochs and test386.asm use 0xFFFF, as ringside does"
    [flat_mmx_alias]="QEMU 7.2 leaves bits 64-79 of an x87 register unchanged when an MMX instruction writes it (SDM vol. 1, 9.5.1: all ones), raises no #MF for an MMX instruction with an x87 exception pending, and no #NM/#UD for EMMS with CR0.TS/EM (SDM vol. 2, PADDB and EMMS exceptions)"
    [flat_fpu_ferr]="QEMU 7.2 (pc, -bios) delivers no IRQ 13 when a waiting x87 instruction meets a pending unmasked exception with CR0.NE = 0 (the FERR# route, SDM vol. 1, 8.7 and D.2.1); -d int shows no interrupt at all"
    [flat_pae_task]="QEMU 7.2's TCG keeps no PDPTE registers (it reads the PDPT on every walk), so neither MOV to CR3 nor a task switch that loads CR3 raises #GP(0) for a reserved bit in a present PDPTE (SDM vol. 3, 4.4.1 and 7.3 step 14); QEMU faults later with #PF(RSVD)"
    [flat_prot_vme]="QEMU 7.2 raises #GP(0) for CLI/STI in virtual-8086 mode with IOPL < 3 and CR4.VME = 1, where they change VIF (SDM vol. 3, 20.3; vol. 2, CLI and STI)"
)

# Devices ringside always has and QEMU's -nodefaults leaves out, per guest.
declare -A qemu_only=(
    [flat_smc_lfb]="-device VGA" # the PCI VGA whose linear framebuffer holds the code
)

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "qemu-system-i386 not installed, skipped"
    exit 0
fi

roms=()
if [ $# -eq 0 ]; then
    set -- "$(cd "$(dirname "$0")/../.." && pwd)/build/tests/guest"
fi
for a in "$@"; do
    IFS=';' read -r -a parts <<<"$a"
    for p in "${parts[@]}"; do
        [ -n "$p" ] || continue
        if [ -d "$p" ]; then
            for r in "$p"/*.rom; do [ -e "$r" ] && roms+=("$r"); done
        else
            roms+=("$p")
        fi
    done
done
if [ ${#roms[@]} -eq 0 ]; then
    echo "guest-qemu.sh: no guest ROMs found (build first)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
xfail=0
for rom in "${roms[@]}"; do
    name=$(basename "$rom" .rom)
    # Extra arguments written next to the ROM by ringside_add_guest_test
    # (ARGS ...), e.g. "-fda IMAGE": the same for QEMU as for ringside.
    extra=()
    [ -f "${rom%.rom}.args" ] && read -r -a extra <"${rom%.rom}.args"
    [ -n "${qemu_only[$name]:-}" ] && read -r -a more <<<"${qemu_only[$name]}" && extra+=("${more[@]}")
    timeout -k 5 "$timeout_s" "$qemu" -machine pc -accel tcg -m 128 -nodefaults -display none \
        -no-reboot -bios "$rom" "${extra[@]}" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -debugcon "file:$tmp/$name.log" >"$tmp/$name.out" 2>&1
    st=$?
    if [ -n "${known[$name]:-}" ]; then
        if [ "$st" -eq 1 ]; then
            echo "pass  $name (a known QEMU difference did not show: ${known[$name]})"
            pass=$((pass + 1))
        else
            echo "xfail $name (known QEMU difference: ${known[$name]})"
            sed 's/^/      | /' "$tmp/$name.log" | tail -n 3
            xfail=$((xfail + 1))
        fi
    elif [ "$st" -eq 1 ]; then
        echo "pass  $name"
        pass=$((pass + 1))
    else
        case $st in
        124 | 137) why="timed out after ${timeout_s}s" ;;
        *) why="exit status $st" ;;
        esac
        echo "FAIL  $name ($why); console and QEMU output:"
        sed 's/^/      | /' "$tmp/$name.log" "$tmp/$name.out" | tail -n 20
        fail=$((fail + 1))
    fi
done
[ "$xfail" -gt 0 ] && echo "$xfail known QEMU differences, not counted"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
