/* Time: a monotonic nanosecond clock (TSC, calibrated at boot), the periodic
 * scheduler tick (local APIC timer), and wall-clock time from the CMOS RTC. */
#pragma once

#include <osc/types.h>

#define TIMER_HZ 250

uint64_t time_ns(void);             /* nanoseconds since boot; monotonic */
int64_t time_realtime_ns(void);     /* nanoseconds since 1970-01-01 UTC */
void time_delay_ns(uint64_t ns);    /* busy wait (early boot, drivers) */
/* What time_ns() computes, for the vDSO (kernel/proc/vdso.c): ns = ((rdtsc - base)
 * * mult) >> shift, mult 0 before the TSC is calibrated; and realtime - time_ns(). */
void time_clock_params(uint64_t *base, uint64_t *mult, unsigned *shift);
int64_t time_realtime_offset_ns(void);
uint64_t time_ticks(void);          /* scheduler ticks since the timer started */

struct rtc_time {
    int year, month, day, hour, minute, second;
};
/* Reads the CMOS clock; 0 or -EIO when it never settles. */
int rtc_read(struct rtc_time *out);
/* Decodes seconds, minutes, hours, day, month, year, century registers under
 * status register B's format bits; 0 or -EIO for an impossible date. Pure. */
int rtc_decode(const uint8_t regs[7], uint8_t status_b, struct rtc_time *out);
/* Days-from-civil conversion, pure (host-tested). */
int64_t rtc_to_unix_seconds(const struct rtc_time *t);
