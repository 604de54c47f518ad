/* cond.S - cases/cond.inc in real mode. */
#include "rt16.inc"
#include "cases.inc"
    TEXT
    .globl test_main
test_main:
#include "../cases/cond.inc"
    ret
