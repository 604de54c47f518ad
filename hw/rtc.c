/*
 * rtc.c - the Motorola MC146818A RTC with 114 bytes of CMOS RAM (as the
 * PC/AT uses it: 0x70 index with the NMI mask in bit 7, 0x71 data, IRQ8).
 * Follows the MC146818A datasheet: the time-base divider in register A
 * (only 010, the 32.768 kHz base, runs), the periodic rates of RS3-RS0,
 * SET freezing the update, BCD or binary, 12 or 24 hours with the PM bit,
 * the alarm with don't-care bytes (0xc0-0xff), the flags of register C
 * cleared on read, VRT in register D, and UIP high for 244 us (tBUC)
 * before each update.
 *
 * Simplifications: the update is instantaneous at the second boundary (on
 * the chip it takes 1984 us while UIP stays high; guests that wait for
 * UIP to fall read the new time either way). DSE (daylight saving) is
 * stored but ignored, as on every PC BIOS we know. SQWE only drives the
 * SQW pin, which nothing on a PC listens to. The divider's other time
 * bases (000, 001) count as stopped. XXX: changing DM or 24/12 while the
 * clock runs re-encodes the time at once; the chip would keep the old bytes
 * until the guest rewrites them.
 */
#include "hw/rtc.h"

#include <string.h>

#define NS_PER_S 1000000000ll
#define RTC_BASE_HZ 32768 /* the time base register A selects on a PC */
/* UIP rises tBUC = 244 us (8 periods of the 32.768 kHz base) before an update. */
#define RTC_UIP_NS 244140ll
#define RTC_DIV_NORMAL 0x20
#define SECS_PER_DAY 86400

typedef struct RtcTime {
    int sec, min, hour, mday, mon, wday; /* mon 1-12, wday 0 = Sunday */
    int64_t year;
} RtcTime;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era
 * arithmetic: 400-year cycles of 146097 days, years starting in March). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, RtcTime *t)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    t->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = yoe + era * 400 + (t->mon <= 2);
}

static void rtc_break_down(int64_t secs, RtcTime *t)
{
    int64_t days = floor_div(secs, SECS_PER_DAY);
    int64_t sod = secs - days * SECS_PER_DAY;
    t->hour = (int)(sod / 3600);
    t->min = (int)(sod / 60 % 60);
    t->sec = (int)(sod % 60);
    t->wday = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    civil_from_days(days, t);
}

static bool rtc_running(const Rtc *r)
{
    return (r->cmos[RTC_REG_A] & 0x70) == RTC_DIV_NORMAL;
}

static uint8_t rtc_encode(const Rtc *r, int v)
{
    if (r->cmos[RTC_REG_B] & RTC_B_DM_BINARY)
        return (uint8_t)v;
    return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static int rtc_decode(const Rtc *r, uint8_t b)
{
    if (r->cmos[RTC_REG_B] & RTC_B_DM_BINARY)
        return b;
    return (b >> 4) * 10 + (b & 15);
}

/* 12-hour mode: 12 AM is 12, the PM bit 0x80 is ORed in (datasheet table 3). */
static uint8_t rtc_encode_hour(const Rtc *r, int h)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_encode(r, h);
    int h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(rtc_encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const Rtc *r, uint8_t b)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_decode(r, b) % 24;
    return rtc_decode(r, b & 0x7f) % 12 + ((b & 0x80) ? 12 : 0);
}

static int64_t rtc_now(const Rtc *r)
{
    return (int64_t)clock_now(r->clock);
}

/* Updates since the divider's phase origin at guest time ns. */
static int64_t rtc_updates_at(const Rtc *r, int64_t ns)
{
    return floor_div(ns - r->ns_base, NS_PER_S);
}

static int64_t rtc_ticks_at(const Rtc *r, int64_t ns)
{
    __int128 d = (__int128)(ns - r->ns_base) * RTC_BASE_HZ;
    return (int64_t)(d >= 0 ? d / NS_PER_S : -((-d + NS_PER_S - 1) / NS_PER_S));
}

/* Guest ns at which base tick t happens (rounded up, so that
 * rtc_ticks_at() of that time is exactly t). */
static int64_t rtc_tick_time(const Rtc *r, int64_t t)
{
    __int128 n = (__int128)t * NS_PER_S;
    return r->ns_base + (int64_t)((n + RTC_BASE_HZ - 1) / RTC_BASE_HZ);
}

/* Periodic interrupt period in base ticks; 0 = none. RS 1 and 2 give 256
 * and 128 Hz, RS 3-15 give 8192 Hz down to 2 Hz (datasheet table 5). */
static int64_t rtc_period_ticks(const Rtc *r)
{
    int rs = r->cmos[RTC_REG_A] & 15;
    if (rs == 0)
        return 0;
    if (rs <= 2)
        rs += 7;
    return 1ll << (rs - 1);
}

static int64_t rtc_seconds_at(const Rtc *r, int64_t ns)
{
    return r->sec_base + rtc_updates_at(r, ns);
}

/* Write the time as the chip holds it into cmos[], in the guest's format. */
static void rtc_store_time(Rtc *r, int64_t secs)
{
    RtcTime t;
    rtc_break_down(secs, &t);
    int64_t y = t.year % 10000;
    if (y < 0)
        y += 10000;
    r->cmos[RTC_SECONDS] = rtc_encode(r, t.sec);
    r->cmos[RTC_MINUTES] = rtc_encode(r, t.min);
    r->cmos[RTC_HOURS] = rtc_encode_hour(r, t.hour);
    r->cmos[RTC_DAY_OF_WEEK] = rtc_encode(r, (t.wday + r->wday_adjust) % 7 + 1);
    r->cmos[RTC_DAY_OF_MONTH] = rtc_encode(r, t.mday);
    r->cmos[RTC_MONTH] = rtc_encode(r, t.mon);
    r->cmos[RTC_YEAR] = rtc_encode(r, (int)(y % 100));
    r->cmos[RTC_CENTURY] = rtc_encode(r, (int)(y / 100));
    r->cmos[RTC_CENTURY_PS2] = r->cmos[RTC_CENTURY];
}

/* Read the time back from cmos[]; whatever the guest wrote, the result is
 * some date (out-of-range fields are clamped), never undefined behaviour. */
static int64_t rtc_load_time(Rtc *r)
{
    int sec = rtc_decode(r, r->cmos[RTC_SECONDS]) % 60;
    int min = rtc_decode(r, r->cmos[RTC_MINUTES]) % 60;
    int hour = rtc_decode_hour(r, r->cmos[RTC_HOURS]);
    int mday = rtc_decode(r, r->cmos[RTC_DAY_OF_MONTH]);
    int mon = rtc_decode(r, r->cmos[RTC_MONTH]);
    int year = rtc_decode(r, r->cmos[RTC_YEAR]) % 100;
    int century = rtc_decode(r, r->cmos[RTC_CENTURY]) % 100;
    if (mday < 1)
        mday = 1;
    if (mday > 31)
        mday = 31;
    if (mon < 1)
        mon = 1;
    if (mon > 12)
        mon = 12;
    int64_t days = days_from_civil(century * 100 + year, mon, mday);
    int64_t secs = days * SECS_PER_DAY + hour * 3600 + min * 60 + sec;
    /* The day of week is a free-running counter on the chip: keep what the
     * guest wrote as an offset from the real one. */
    RtcTime t;
    rtc_break_down(secs, &t);
    int wd = (rtc_decode(r, r->cmos[RTC_DAY_OF_WEEK]) + 6) % 7;
    r->wday_adjust = ((wd - t.wday) % 7 + 7) % 7;
    return secs;
}

static void rtc_freeze(Rtc *r, int64_t now)
{
    if (!r->frozen)
        rtc_store_time(r, rtc_seconds_at(r, now));
    r->frozen = true;
}

/* Resume counting from the time in cmos[], keeping the divider's phase. */
static void rtc_unfreeze(Rtc *r, int64_t now)
{
    r->sec_base = rtc_load_time(r) - rtc_updates_at(r, now);
    r->frozen = false;
}

static bool rtc_alarm_matches(const Rtc *r, int64_t secs)
{
    int64_t sod = secs - floor_div(secs, SECS_PER_DAY) * SECS_PER_DAY;
    uint8_t now[3] = { rtc_encode(r, (int)(sod % 60)), rtc_encode(r, (int)(sod / 60 % 60)),
                       rtc_encode_hour(r, (int)(sod / 3600)) };
    static const int reg[3] = { RTC_SECONDS_ALARM, RTC_MINUTES_ALARM, RTC_HOURS_ALARM };
    for (int i = 0; i < 3; i++) {
        uint8_t a = r->cmos[reg[i]];
        if ((a & 0xc0) != 0xc0 && a != now[i])
            return false;
    }
    return true;
}

static void rtc_set_irq_level(Rtc *r)
{
    irq_set(&r->irq, (r->cmos[RTC_REG_C] & RTC_C_IRQF) != 0);
}

/* Fold the PF/UF/AF edges that happened in (flags_ns, now] into register
 * C, then IRQF from the enables (IRQF = PF.PIE + AF.AIE + UF.UIE). */
static void rtc_update_flags(Rtc *r, int64_t now)
{
    if (now <= r->flags_ns)
        return;
    uint8_t c = r->cmos[RTC_REG_C];
    if (rtc_running(r)) {
        int64_t p = rtc_period_ticks(r);
        if (p && floor_div(rtc_ticks_at(r, now), p) > floor_div(rtc_ticks_at(r, r->flags_ns), p))
            c |= RTC_C_PF;
        if (!r->frozen) {
            int64_t kl = rtc_updates_at(r, r->flags_ns), kn = rtc_updates_at(r, now);
            if (kn > kl) {
                c |= RTC_C_UF;
                /* A day of updates covers every hour:minute:second. */
                int64_t k = kn - kl > SECS_PER_DAY ? kn - SECS_PER_DAY + 1 : kl + 1;
                for (; k <= kn && !(c & RTC_C_AF); k++)
                    if (rtc_alarm_matches(r, r->sec_base + k))
                        c |= RTC_C_AF;
            }
        }
    }
    if (c & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
        c |= RTC_C_IRQF;
    r->cmos[RTC_REG_C] = c;
    r->flags_ns = now;
}

/* Schedule the next moment an enabled interrupt can fire; nothing while
 * IRQF is already up (the flags fold in when the guest reads C). */
static void rtc_reschedule(Rtc *r, int64_t now)
{
    event_cancel(r->clock, &r->event);
    uint8_t b = r->cmos[RTC_REG_B];
    if ((r->cmos[RTC_REG_C] & RTC_C_IRQF) || !rtc_running(r))
        return;
    int64_t when = INT64_MAX;
    int64_t p = rtc_period_ticks(r);
    if ((b & RTC_B_PIE) && p) {
        int64_t next = (floor_div(rtc_ticks_at(r, now), p) + 1) * p;
        when = rtc_tick_time(r, next);
    }
    if ((b & (RTC_B_UIE | RTC_B_AIE)) && !r->frozen) {
        int64_t next = r->ns_base + (rtc_updates_at(r, now) + 1) * NS_PER_S;
        if (next < when)
            when = next;
    }
    if (when != INT64_MAX)
        event_schedule(r->clock, &r->event, (uint64_t)when);
}

static void rtc_event(void *opaque)
{
    Rtc *r = opaque;
    int64_t now = rtc_now(r);
    rtc_update_flags(r, now);
    rtc_set_irq_level(r);
    rtc_reschedule(r, now);
}

static bool rtc_is_time_reg(int index)
{
    return index == RTC_SECONDS || index == RTC_MINUTES || index == RTC_HOURS ||
           (index >= RTC_DAY_OF_WEEK && index <= RTC_YEAR) || index == RTC_CENTURY ||
           index == RTC_CENTURY_PS2;
}

static uint8_t rtc_read_reg(Rtc *r, int index, bool side_effects)
{
    int64_t now = rtc_now(r);
    if (rtc_is_time_reg(index) && !r->frozen) {
        RtcTime t;
        int64_t y;
        rtc_break_down(rtc_seconds_at(r, now), &t);
        y = ((t.year % 10000) + 10000) % 10000;
        switch (index) {
        case RTC_SECONDS: return rtc_encode(r, t.sec);
        case RTC_MINUTES: return rtc_encode(r, t.min);
        case RTC_HOURS: return rtc_encode_hour(r, t.hour);
        case RTC_DAY_OF_WEEK: return rtc_encode(r, (t.wday + r->wday_adjust) % 7 + 1);
        case RTC_DAY_OF_MONTH: return rtc_encode(r, t.mday);
        case RTC_MONTH: return rtc_encode(r, t.mon);
        case RTC_YEAR: return rtc_encode(r, (int)(y % 100));
        default: return rtc_encode(r, (int)(y / 100)); /* century */
        }
    }
    switch (index) {
    case RTC_REG_A: {
        uint8_t a = r->cmos[RTC_REG_A] & 0x7f;
        if (rtc_running(r) && !r->frozen) {
            int64_t next = r->ns_base + (rtc_updates_at(r, now) + 1) * NS_PER_S;
            if (next - now <= RTC_UIP_NS)
                a |= RTC_A_UIP;
        }
        return a;
    }
    case RTC_REG_C: {
        rtc_update_flags(r, now);
        uint8_t c = r->cmos[RTC_REG_C];
        if (side_effects) {
            r->cmos[RTC_REG_C] = 0;
            rtc_set_irq_level(r);
            rtc_reschedule(r, now);
        }
        return c;
    }
    case RTC_REG_D:
        return RTC_D_VRT; /* the battery is always good */
    default:
        return r->cmos[index];
    }
}

static void rtc_write_reg(Rtc *r, int index, uint8_t val)
{
    int64_t now = rtc_now(r);
    if (rtc_is_time_reg(index)) {
        if (r->frozen) {
            r->cmos[index] = val;
            if (index == RTC_CENTURY || index == RTC_CENTURY_PS2)
                r->cmos[RTC_CENTURY] = r->cmos[RTC_CENTURY_PS2] = val;
            return;
        }
        /* A write while counting lands in the counter: the next update
         * increments from it. */
        rtc_update_flags(r, now);
        rtc_store_time(r, rtc_seconds_at(r, now));
        r->cmos[index] = val;
        if (index == RTC_CENTURY || index == RTC_CENTURY_PS2)
            r->cmos[RTC_CENTURY] = r->cmos[RTC_CENTURY_PS2] = val;
        rtc_unfreeze(r, now);
        rtc_reschedule(r, now);
        return;
    }
    switch (index) {
    case RTC_REG_A: {
        rtc_update_flags(r, now);
        bool was = rtc_running(r);
        r->cmos[RTC_REG_A] = val & 0x7f; /* UIP is read-only */
        bool is = rtc_running(r);
        if (was && !is) {
            rtc_freeze(r, now);
        } else if (!was && is) {
            /* Datasheet: the first update comes 500 ms after the divider
             * reset is removed. */
            r->ns_base = now - NS_PER_S / 2;
            r->flags_ns = now;
            if (!(r->cmos[RTC_REG_B] & RTC_B_SET))
                rtc_unfreeze(r, now);
        }
        rtc_reschedule(r, now);
        break;
    }
    case RTC_REG_B: {
        rtc_update_flags(r, now);
        uint8_t old = r->cmos[RTC_REG_B];
        if (val & RTC_B_SET) {
            val &= (uint8_t)~RTC_B_UIE; /* SET going high clears UIE */
            if (!(old & RTC_B_SET))
                rtc_freeze(r, now); /* freeze in the old format */
        }
        r->cmos[RTC_REG_B] = val;
        if (!(val & RTC_B_SET) && (old & RTC_B_SET) && rtc_running(r))
            rtc_unfreeze(r, now); /* decode what the guest wrote in the new one */
        if (r->cmos[RTC_REG_C] & val & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
            r->cmos[RTC_REG_C] |= RTC_C_IRQF;
        else
            r->cmos[RTC_REG_C] &= (uint8_t)~RTC_C_IRQF;
        rtc_set_irq_level(r);
        rtc_reschedule(r, now);
        break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
        break; /* read-only */
    default:
        /* The alarm bytes feed the catch-up: fold what came before. */
        if (index == RTC_SECONDS_ALARM || index == RTC_MINUTES_ALARM || index == RTC_HOURS_ALARM)
            rtc_update_flags(r, now);
        r->cmos[index] = val;
        break;
    }
}

static uint32_t rtc_io_read(void *opaque, uint32_t offset, int size)
{
    Rtc *r = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t b = 0xff; /* the index port is write-only on a PC */
        if (offset + i == 1)
            b = rtc_read_reg(r, r->index, true);
        v |= b << (8 * i);
    }
    return v;
}

static void rtc_io_write(void *opaque, uint32_t offset, uint32_t val, int size)
{
    Rtc *r = opaque;
    for (int i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (offset + i == 0) {
            r->index = b & 0x7f;
            r->nmi_masked = (b & 0x80) != 0;
        } else if (offset + i == 1) {
            rtc_write_reg(r, r->index, b);
        }
    }
}

static const IoOps rtc_ops = { "rtc", rtc_io_read, rtc_io_write };

void rtc_reset(Rtc *r)
{
    int64_t now = rtc_now(r);
    rtc_update_flags(r, now);
    r->cmos[RTC_REG_B] &= (uint8_t) ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    r->cmos[RTC_REG_C] = 0;
    rtc_set_irq_level(r);
    rtc_reschedule(r, now);
}

void rtc_init(Rtc *r, IoBus *bus, Clock *clock, IrqLine irq8, int64_t start_unix_time)
{
    memset(r, 0, sizeof(*r));
    r->clock = clock;
    r->irq = irq8;
    event_init(&r->event, "rtc", rtc_event, r);
    r->cmos[RTC_REG_A] = RTC_DIV_NORMAL | 0x06; /* 32.768 kHz, 1024 Hz periodic */
    r->cmos[RTC_REG_B] = RTC_B_24H;             /* BCD, 24 hours, as PC BIOSes set it */
    r->cmos[RTC_REG_D] = RTC_D_VRT;
    r->ns_base = rtc_now(r);
    r->flags_ns = r->ns_base;
    r->sec_base = start_unix_time;
    r->cmos[RTC_SECONDS_ALARM] = r->cmos[RTC_MINUTES_ALARM] = r->cmos[RTC_HOURS_ALARM] = 0;
    rtc_store_time(r, start_unix_time); /* fills the century bytes */
    bus_register(bus, RTC_PORT, 2, &rtc_ops, r);
}

bool rtc_nmi_masked(const Rtc *r)
{
    return r->nmi_masked;
}

void rtc_set_cmos(Rtc *r, int index, uint8_t val)
{
    if (index < 0 || index >= RTC_CMOS_SIZE)
        return;
    rtc_write_reg(r, index, val);
}

uint8_t rtc_get_cmos(Rtc *r, int index)
{
    if (index < 0 || index >= RTC_CMOS_SIZE)
        return 0xff;
    return rtc_read_reg(r, index, false);
}

void rtc_fix_checksum(Rtc *r)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += r->cmos[i];
    r->cmos[0x2e] = (uint8_t)(sum >> 8);
    r->cmos[0x2f] = (uint8_t)sum;
}
