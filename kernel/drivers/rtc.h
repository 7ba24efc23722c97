/* CMOS RTC internals shared with the host tests: decoding raw clock registers. */
#pragma once

#include <osc/time.h>

/* Raw CMOS time registers, as read (MC146818A datasheet, "Address Map"). */
struct rtc_raw {
    uint8_t second, minute, hour, day, month, year;
    uint8_t century;            /* 0 when the machine has no century register */
    uint8_t status_b;           /* data mode (BCD/binary) and 12/24-hour bits */
};

/* Converts raw registers to a calendar time, honouring BCD vs binary and 12/24-hour
 * mode. Returns 0, or -EIO when a field is out of range (a clock that is garbage). */
int rtc_decode(const struct rtc_raw *raw, struct rtc_time *out);
