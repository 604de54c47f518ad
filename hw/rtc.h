/*
 * rtc.h - the MC146818A real-time clock and its CMOS RAM, as on a PC:
 * index port 0x70 (bit 7 masks NMI), data port 0x71, IRQ8.
 *
 * The time is not ticked: it is computed on read from the start time the
 * board passes in (recorded by the lead as an input) plus the guest time
 * elapsed on the virtual clock. Flags (PF, AF, UF) that happen while no
 * interrupt is enabled are folded in cheaply when the guest next looks;
 * events are scheduled only while an enabled interrupt can fire.
 */
#ifndef RINGSIDE_RTC_H
#define RINGSIDE_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"
#include "hw/clock.h"
#include "hw/irq.h"

#define RTC_PORT 0x70
#define RTC_CMOS_SIZE 128

/* Register indexes (MC146818A datasheet, figure 3). */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32    /* the IBM AT / SeaBIOS / ACPI FADT place */
#define RTC_CENTURY_PS2 0x37 /* IBM PS/2 place; mirrors 0x32 here */

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

typedef struct Rtc {
    Clock *clock;
    IrqLine irq;
    Event event;
    uint8_t cmos[RTC_CMOS_SIZE]; /* NVRAM; time bytes only while frozen */
    uint8_t index;
    bool nmi_masked;
    /*
     * Time while running: seconds = sec_base + floor((now - ns_base) / 1s).
     * ns_base is also the phase origin of the divider chain, so updates
     * happen at ns_base + k seconds and periodic edges at ns_base + k
     * periods. While frozen (SET, or the divider stopped) cmos[0..9] and
     * the century hold the time in the guest's format.
     */
    int64_t sec_base;
    int64_t ns_base;
    int64_t flags_ns; /* PF/AF/UF are folded into cmos[C] up to here */
    bool frozen;
    int wday_adjust;  /* guest-written day of week minus the computed one */
} Rtc;

void rtc_init(Rtc *r, IoBus *bus, Clock *clock, IrqLine irq8, int64_t start_unix_time);
/* The RESET pin (datasheet): clears PIE, AIE, UIE, SQWE and register C;
 * the time, the divider, DM and 24/12 and the NVRAM are kept. */
void rtc_reset(Rtc *r);
bool rtc_nmi_masked(const Rtc *r);

/* Board access to the NVRAM (index 0x0e-0x7f; the clock registers go
 * through the same path as the guest's). Out-of-range indexes are ignored. */
void rtc_set_cmos(Rtc *r, int index, uint8_t val);
uint8_t rtc_get_cmos(Rtc *r, int index);
/* The AT checksum: the 16-bit sum of 0x10-0x2d, big-endian at 0x2e-0x2f. */
void rtc_fix_checksum(Rtc *r);

#endif
