/* host-test: kernel/drivers/rtc.c */
/* CMOS RTC: register decoding (BCD/binary, 12/24-hour, century) and the calendar
 * to Unix-seconds conversion across leap years and century edges. */
#include <stdint.h>
#include <time.h>
#include <osc/acpi.h>
#include <osc/errno.h>
#include <osc/log.h>
#include "../../kernel/drivers/rtc.h"
#include "check.h"

/* Stand-ins for the kernel services rtc_read uses (never called here). */
void log_write(enum log_level level, const char *tag, const char *fmt, ...)
{
    (void)level; (void)tag; (void)fmt;
}
bool log_enabled(enum log_level level) { (void)level; return false; }
const struct acpi_info *acpi_get_info(void) { return NULL; }
uint64_t time_ns(void) { return 0; }

static int64_t unix_of(int y, int mo, int d, int h, int mi, int s)
{
    struct rtc_time t = { y, mo, d, h, mi, s };
    return rtc_to_unix_seconds(&t);
}

/* Reference: glibc's timegm. */
static int64_t timegm_of(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                     .tm_hour = h, .tm_min = mi, .tm_sec = s };
    return (int64_t)timegm(&tm);
}

TEST(unix_seconds_known_instants)
{
    CHECK_EQ(unix_of(1970, 1, 1, 0, 0, 0), 0);
    CHECK_EQ(unix_of(1970, 1, 2, 0, 0, 1), 86401);
    CHECK_EQ(unix_of(2000, 1, 1, 0, 0, 0), 946684800);
    CHECK_EQ(unix_of(2038, 1, 19, 3, 14, 8), 2147483648ll);
    CHECK_EQ(unix_of(1969, 12, 31, 23, 59, 59), -1);
}

TEST(unix_seconds_leap_days_and_century_edges)
{
    /* 2000 is a leap year (divisible by 400), 2100 is not, 2024 is. */
    CHECK_EQ(unix_of(2000, 3, 1, 0, 0, 0) - unix_of(2000, 2, 28, 0, 0, 0), 2 * 86400);
    CHECK_EQ(unix_of(2100, 3, 1, 0, 0, 0) - unix_of(2100, 2, 28, 0, 0, 0), 86400);
    CHECK_EQ(unix_of(2024, 3, 1, 0, 0, 0) - unix_of(2024, 2, 28, 0, 0, 0), 2 * 86400);
    CHECK_EQ(unix_of(2023, 3, 1, 0, 0, 0) - unix_of(2023, 2, 28, 0, 0, 0), 86400);
    CHECK_EQ(unix_of(2100, 1, 1, 0, 0, 0) - unix_of(2099, 12, 31, 23, 59, 59), 1);
    CHECK_EQ(unix_of(2100, 12, 31, 0, 0, 0), timegm_of(2100, 12, 31, 0, 0, 0));
}

TEST(unix_seconds_matches_timegm_every_month_1990_2199)
{
    int bad = 0;
    for (int y = 1990; y < 2200; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 28; d += 9)
                if (unix_of(y, m, d, 13, 7, 42) != timegm_of(y, m, d, 13, 7, 42))
                    bad++;
    CHECK_EQ(bad, 0);
}

TEST(decode_bcd_24h_with_century)
{
    struct rtc_raw r = { .second = 0x12, .minute = 0x30, .hour = 0x21, .day = 0x25,
                         .month = 0x11, .year = 0x26, .century = 0x20, .status_b = 0x02 };
    struct rtc_time t;
    CHECK_EQ(rtc_decode(&r, &t), 0);
    CHECK_EQ(t.year, 2026);
    CHECK_EQ(t.month, 11);
    CHECK_EQ(t.day, 25);
    CHECK_EQ(t.hour, 21);
    CHECK_EQ(t.minute, 30);
    CHECK_EQ(t.second, 12);
}

TEST(decode_binary_12h_pm_and_midnight)
{
    struct rtc_raw r = { .second = 5, .minute = 59, .hour = 0x80 | 12, .day = 29,
                         .month = 2, .year = 24, .century = 20, .status_b = 0x04 };
    struct rtc_time t;
    CHECK_EQ(rtc_decode(&r, &t), 0);
    CHECK_EQ(t.hour, 12);               /* 12 PM is noon */
    CHECK_EQ(t.year, 2024);
    r.hour = 12;                        /* 12 AM is midnight */
    CHECK_EQ(rtc_decode(&r, &t), 0);
    CHECK_EQ(t.hour, 0);
    r.hour = 0x80 | 7;
    CHECK_EQ(rtc_decode(&r, &t), 0);
    CHECK_EQ(t.hour, 19);
    /* BCD 12-hour: 11 PM. */
    struct rtc_raw b = { .second = 0, .minute = 0, .hour = 0x80 | 0x11, .day = 1,
                         .month = 1, .year = 0x99, .century = 0x20, .status_b = 0 };
    CHECK_EQ(rtc_decode(&b, &t), 0);
    CHECK_EQ(t.hour, 23);
    CHECK_EQ(t.year, 2099);
}

TEST(decode_without_century_assumes_2000s)
{
    struct rtc_raw r = { .second = 0, .minute = 0, .hour = 0, .day = 1, .month = 1,
                         .year = 0x00, .century = 0, .status_b = 0x02 };
    struct rtc_time t;
    CHECK_EQ(rtc_decode(&r, &t), 0);
    CHECK_EQ(t.year, 2000);
}

TEST(decode_rejects_garbage)
{
    struct rtc_time t;
    struct rtc_raw r = { .second = 0x1a, .minute = 0, .hour = 0, .day = 1, .month = 1,
                         .year = 0x24, .century = 0x20, .status_b = 0x02 };
    CHECK_EQ(rtc_decode(&r, &t), -EIO);         /* not BCD */
    r.second = 0x60;
    CHECK_EQ(rtc_decode(&r, &t), -EIO);         /* 60 seconds */
    r.second = 0; r.month = 0x13;
    CHECK_EQ(rtc_decode(&r, &t), -EIO);
    r.month = 1; r.day = 0;
    CHECK_EQ(rtc_decode(&r, &t), -EIO);
    r.day = 1; r.hour = 0x24;
    CHECK_EQ(rtc_decode(&r, &t), -EIO);
    r.hour = 0; r.status_b = 0;                 /* 12-hour mode: hour 0 is invalid */
    CHECK_EQ(rtc_decode(&r, &t), -EIO);
    struct rtc_raw ff = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x06 };
    CHECK_EQ(rtc_decode(&ff, &t), -EIO);        /* absent chip reads all ones */
}
