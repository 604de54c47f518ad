#!/bin/sh
# run-guest.sh TIMEOUT COMMAND... - run one guest test (for instance
# `ringside -display none -bios X.rom`) with a timeout, let its console
# output through, and pass iff it exits with status 1, which is the guest
# writing 0 to the exit port 0xf4 (status (N << 1) | 1).
timeout=$1
shift
timeout -k 5 "$timeout" "$@"
status=$?
[ "$status" -eq 1 ] && exit 0
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "run-guest.sh: timed out after ${timeout}s"
elif [ $((status % 2)) -eq 1 ]; then
    echo "run-guest.sh: the guest exited with code $(((status - 1) / 2)) (1: a check failed, 2: an unexpected exception)"
else
    echo "run-guest.sh: exit status $status: the emulator stopped without the guest's exit port"
fi
exit 1
