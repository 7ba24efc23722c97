/* Calendar arithmetic for the RTC: decoding the MC146818 registers (BCD or binary,
 * 12- or 24-hour, as status register B says) and dates to Unix time. Pure. */

#include <osc/errno.h>
#include <osc/time.h>

#define STATUS_B_24H    0x02
#define STATUS_B_BINARY 0x04
#define HOUR_PM         0x80

static int bcd(uint8_t v) { return (v & 0x0f) + (v >> 4) * 10; }

int rtc_decode(const uint8_t regs[7], uint8_t status_b, struct rtc_time *out)
{
    bool binary = status_b & STATUS_B_BINARY;
    bool pm = regs[2] & HOUR_PM;
    int v[7];
    for (int k = 0; k < 7; k++) {
        uint8_t r = k == 2 ? (uint8_t)(regs[2] & ~HOUR_PM) : regs[k];
        v[k] = binary ? r : bcd(r);
    }
    if (!(status_b & STATUS_B_24H)) {
        v[2] %= 12;
        if (pm)
            v[2] += 12;
    }
    int century = (v[6] >= 19 && v[6] <= 30) ? v[6] : 20;
    *out = (struct rtc_time){ century * 100 + v[5], v[4], v[3], v[2], v[1], v[0] };
    if (out->month < 1 || out->month > 12 || out->day < 1 || out->day > 31 ||
        out->hour > 23 || out->minute > 59 || out->second > 60)
        return -EIO;
    return 0;
}

int64_t rtc_to_unix_seconds(const struct rtc_time *t)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date, counting years from
     * March so the leap day falls at the end of the counted year. */
    int64_t y = t->year - (t->month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t month_from_march = (t->month + 9) % 12;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + t->day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t days = era * 146097 + day_of_era - 719468;
    return days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}
