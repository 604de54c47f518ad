#!/bin/sh
# smc_dma_img.sh OUT - the floppy image of flat/smc_dma.c: a 1.44M disk
# whose first sector is 511 x INC EAX (0x40) then RET (0xc3), zeros after.
set -e
out=$1
head -c 511 /dev/zero | tr '\000' '\100' >"$out.tmp"
printf '\303' >>"$out.tmp"
truncate -s 1474560 "$out.tmp"
mv "$out.tmp" "$out"
