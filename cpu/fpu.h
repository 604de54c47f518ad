/*
 * fpu.h - the x87 FPU's architectural state (SDM vol. 1, chapter 8) and
 * the small helpers its handlers share (cpu/fpu.c, cpu/fpu_ldst.c).
 *
 * The eight data registers are kept by physical number; ST(i) is register
 * (TOP + i) & 7. The tag word keeps only "empty or not" (a bit per
 * physical register): the full two-bit tags are worked out from the
 * register contents when FNSTENV/FNSAVE store them, which is what the x87
 * reports too (SDM vol. 1 8.1.7); FLDENV/FRSTOR use only the empty state.
 */
#ifndef RINGSIDE_FPU_H
#define RINGSIDE_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/f80.h"

typedef struct Fpu {
    F80 st[8];      /* physical registers R0-R7 */
    uint16_t cw;    /* control word */
    uint16_t sw;    /* status word, with TOP (bits 13-11) kept in `top` */
    uint8_t top;
    uint8_t empty;  /* bit n: physical register n is empty (tag 11) */
    /* Last non-control instruction (SDM vol. 1 8.1.8): FIP/FCS its
     * address, FOP its opcode's last 11 bits, FDP/FDS its memory operand. */
    uint32_t fip, fdp;
    uint16_t fcs, fds, fop;
} Fpu;

/* Status word. */
#define FSW_SF 0x0040u  /* stack fault (with IE; C1 tells overflow) */
#define FSW_ES 0x0080u  /* exception summary: an unmasked exception pends */
#define FSW_B 0x8000u   /* busy: mirrors ES */
#define FSW_EXC 0x003fu /* IE DE ZE OE UE PE */
/* Control word. */
#define FCW_MASKS 0x003fu
#define FCW_DEFAULT 0x037fu /* FNINIT: all masked, 64 bits, to nearest */

typedef struct Cpu Cpu;
void fpu_reset(Cpu *c); /* FNINIT state, also the power-on state */

#endif
