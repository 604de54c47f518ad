#!/bin/bash
# linux-lib.sh - shared by tests/system/boot_linux_*.sh. Source it after
# setting RINGSIDE. Gives:
#   linux_images          builds/fetches the images (tests/images/linux.sh);
#                         sets LINUX_DIR, or exits 77 when they cannot be had
#   LINUX_APPEND          the kernel command line every test starts from
#   linux_run LOG ARGS... runs ringside headless with serial output to LOG,
#                         prints its exit status and wall time, returns the
#                         status
#   show_serial LOG       prints the end of the serial log (for failures)
here_ll=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# console on ttyS0 only, quiet, and a panic ends the run (reboot, which
# -no-reboot turns into an exit) instead of spinning until the cap.
# cryptomgr.notests skips the crypto API's boot self-tests: RSA and the
# others cost ~2.5 G guest instructions of bignum arithmetic, a third of
# the boot, and test the guest's crypto, not the machine.
# noisapnp: the ISA PnP probe's delay loops cost ~350 M instructions and
# this board has no ISA PnP cards.
LINUX_APPEND='console=ttyS0,115200 quiet panic=-1 cryptomgr.notests noisapnp'
# A safety net: a healthy boot needs well under this.
LINUX_MAX_INSNS=${LINUX_MAX_INSNS:-40000000000}

linux_images() {
    if ! LINUX_DIR=$(bash "$here_ll/linux.sh"); then
        echo "SKIP: cannot build the Linux images (Debian packages unavailable?)"
        exit 77
    fi
    export LINUX_DIR
}

linux_run() {
    local log=$1 start end rc
    shift
    start=$(date +%s%N)
    "$RINGSIDE" -display none -serial "file:$log" -no-reboot \
        --max-insns "$LINUX_MAX_INSNS" "$@" </dev/null
    rc=$?
    end=$(date +%s%N)
    LINUX_WALL_MS=$(((end - start) / 1000000))
    echo "ringside exited with status $rc after $LINUX_WALL_MS ms wall"
    return $rc
}

show_serial() {
    echo "---- last serial output ($1) ----"
    tail -n 25 "$1" | tr -d '\r'
    echo "----"
}
