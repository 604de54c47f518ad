#!/bin/sh
# run-guest.sh TIMEOUT COMMAND... - run one guest test (e.g.
# `ringside -display none -bios X.rom`), print its console output, and pass
# iff it exits with status 1: the guest wrote 0 to the exit port 0xf4
# (status (N << 1) | 1). Other statuses: 3, 5 (N = 1, 2) a failed check or
# an unexpected exception, as printed; 124 the timeout; anything else the
# emulator stopped on its own.
timeout=$1
shift
timeout -k 5 "$timeout" "$@"
status=$?
if [ "$status" -eq 1 ]; then
    exit 0
fi
case $status in
124) echo "run-guest.sh: timed out after ${timeout}s" ;;
*) echo "run-guest.sh: exit status $status (the guest's exit code is $(((status - 1) / 2)) if it used the exit port)" ;;
esac
exit 1
