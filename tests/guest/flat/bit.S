/* bit.S - cases/bit.inc in flat 32-bit protected mode. */
#include "rt32.inc"
#include "cases.inc"
    TEXT
    .globl guest_main
guest_main:
#include "../cases/bit.inc"
    ret
