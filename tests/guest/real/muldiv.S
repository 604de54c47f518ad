/* muldiv.S - cases/muldiv.inc in real mode. */
#include "rt16.inc"
#include "cases.inc"
    TEXT
    .globl test_main
test_main:
#include "../cases/muldiv.inc"
    ret
