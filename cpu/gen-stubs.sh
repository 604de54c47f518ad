#!/bin/sh
# Print a C file with a weak alias of op_unimpl for every handler that
# cpu/opcodes.def names. Usage: gen-stubs.sh CC SOURCE_DIR
cc=$1
src=$2
echo '/* Generated from cpu/opcodes.def by cpu/gen-stubs.sh; do not edit. */'
echo '#include "cpu/decode.h"'
echo '/* Every handler the table names but no file defines yet resolves here: it'
echo ' * behaves as #UD, and tests list the handlers that still point to it. */'
echo 'void op_unimpl(Cpu *c, const Insn *in) { (void)in; cpu_raise(c, X86_TRAP_UD, 0); }'
printf '%s\n' '#define OP(c, m, o, h, f) STUB:op_##h' \
    '#define OPV(c, m, o, h, f) STUB:op_##h##_16 STUB:op_##h##_32' \
    '#define GRP(c, r, m, o, h, f) OP(c, m, o, h, f)' \
    '#define GRPV(c, r, m, o, h, f) OPV(c, m, o, h, f)' \
    '#define PFX(c, m)' \
    '#include "cpu/opcodes.def"' |
    "$cc" -E -P -I"$src" -x c - | tr ' ' '\n' | sed -n 's/^STUB://p' | sort -u |
    grep -v -x -e op_ud -e op_unimpl |
    sed 's/.*/void &(Cpu *c, const Insn *in) __attribute__((weak, alias("op_unimpl")));/'
