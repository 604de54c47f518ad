/*
 * task.h - hardware task switching (SDM vol. 3, chapter 7).
 */
#ifndef RINGSIDE_TASK_H
#define RINGSIDE_TASK_H

#include "cpu/segment.h"

/* What started a task switch: it decides the busy bits, NT and the back
 * link (SDM vol. 3, table 7-2). */
enum { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };

/* JMP or CALL (TASK_JMP / TASK_CALL) to the TSS descriptor or task gate
 * `sel` (descriptor d, already read) in protected mode: the privilege and
 * presence checks, then the switch. */
void task_far_transfer(Cpu *c, uint16_t sel, Descriptor d, int reason);
/* An interrupt or exception through a task gate naming tss_sel; pushes the
 * error code, if any, on the new task's stack. */
void task_gate_interrupt(Cpu *c, uint16_t tss_sel, uint32_t ext, bool has_err, uint32_t err);
/* IRET with EFLAGS.NT set: back to the task in the current TSS's link. */
void task_iret(Cpu *c);

#endif
