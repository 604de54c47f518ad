/*
 * segment.h - descriptors and segment-register loads.
 *
 * A segment descriptor (SDM vol. 3, 3.4.5), as two dwords:
 *
 *   high: 31..24 base 31:24 | 23 G | 22 D/B | 21 L | 20 AVL | 19..16 limit 19:16
 *         | 15 P | 14..13 DPL | 12 S | 11..8 type | 7..0 base 23:16
 *   low:  31..16 base 15:0 | 15..0 limit 15:0
 */
#ifndef RINGSIDE_SEGMENT_H
#define RINGSIDE_SEGMENT_H

#include "cpu/cpu.h"

typedef struct Descriptor {
    uint32_t lo, hi;
} Descriptor;

static inline uint32_t desc_base(Descriptor d)
{
    return (d.lo >> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000u);
}

static inline uint32_t desc_limit(Descriptor d)
{
    uint32_t lim = (d.lo & 0xffff) | (d.hi & 0x000f0000u);
    return (d.hi & 0x00800000u) ? (lim << 12) | 0xfff : lim;
}

static inline uint16_t desc_attr(Descriptor d)
{
    return (uint16_t)((d.hi >> 8) & 0xf0ff);
}

/* Recompute what the access fast path may do with segment s. */
void seg_update_access(Cpu *c, int s);
/* Cpu.flat from the segment caches (seg_update_access and cpu_update_mode
 * call it; so must whatever else writes a SegReg's base, limit or attr). */
void seg_update_flat(Cpu *c);
/* Read the descriptor `sel` names from the GDT or LDT; raises #GP(sel) if
 * it lies outside the table. */
Descriptor seg_read_desc(Cpu *c, uint16_t sel);
/* The same without the fault: false if the selector lies outside its table
 * (or names the LDT while LDTR is null), for callers whose fault differs. */
bool seg_fetch_desc(Cpu *c, uint16_t sel, Descriptor *d);
/* Load a segment register's hidden part from a checked descriptor. */
void seg_load_cache(Cpu *c, int s, uint16_t sel, Descriptor d);
/* Stack for privilege level `dpl` from the current TSS (SDM vol. 3, 7.2.1;
 * #TS(TSS selector | ext) if beyond its limit), and the checks of the new
 * SS against the new CPL (#TS(SS | ext), #SS(SS | ext) if not present). */
void seg_tss_stack(Cpu *c, int dpl, uint32_t ext, uint16_t *ss, uint32_t *esp);
Descriptor seg_check_inner_ss(Cpu *c, uint16_t ss, int dpl, uint32_t ext);
/* Whether [sp - n, sp) fits in a stack segment with these attributes. */
bool seg_stack_fits(uint16_t attr, uint32_t limit, uint32_t sp, uint32_t n);
void seg_set_accessed(Cpu *c, uint16_t sel, Descriptor *d);

#endif
