/* alu.S - cases/alu.inc in real mode. */
#include "rt16.inc"
#include "cases.inc"
    TEXT
    .globl test_main
test_main:
#include "../cases/alu.inc"
    ret
