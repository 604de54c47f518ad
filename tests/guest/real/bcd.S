/* bcd.S - cases/bcd.inc in real mode. */
#include "rt16.inc"
#include "cases.inc"
    TEXT
    .globl test_main
test_main:
#include "../cases/bcd.inc"
    ret
