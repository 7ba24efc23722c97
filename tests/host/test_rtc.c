/* host-test: kernel/drivers/rtc_calendar.c */
/* RTC: date conversion and register decoding (BCD/binary, 12/24 h). */
#include <stdint.h>
#include <osc/time.h>
#include "check.h"

static int64_t unix_of(int y, int mo, int d, int h, int mi, int s)
{
    struct rtc_time t = { y, mo, d, h, mi, s };
    return rtc_to_unix_seconds(&t);
}

TEST(rtc_unix_seconds_match_known_dates)
{
    CHECK_EQ(unix_of(1970, 1, 1, 0, 0, 0), 0);
    CHECK_EQ(unix_of(2000, 2, 29, 0, 0, 0), 951782400);     /* leap day of a 400-year */
    CHECK_EQ(unix_of(2000, 3, 1, 0, 0, 0), 951868800);
    CHECK_EQ(unix_of(2026, 11, 25, 10, 3, 13), 1795600993);
    CHECK_EQ(unix_of(2038, 1, 19, 3, 14, 8), 2147483648ll);
    CHECK_EQ(unix_of(2100, 3, 1, 0, 0, 0), 4107542400ll);    /* 2100 is not leap */
    CHECK_EQ(unix_of(2100, 3, 1, 0, 0, 0) - unix_of(2100, 2, 28, 0, 0, 0), 86400);
    CHECK_EQ(unix_of(1969, 12, 31, 23, 59, 59), -1);
}

static uint8_t regs[7], status_b;

static void set_cmos(uint8_t s, uint8_t mi, uint8_t h, uint8_t d, uint8_t mo, uint8_t y, uint8_t c, uint8_t b)
{
    regs[0] = s; regs[1] = mi; regs[2] = h; regs[3] = d; regs[4] = mo; regs[5] = y;
    regs[6] = c; status_b = b;
}

static int decode(struct rtc_time *t) { return rtc_decode(regs, status_b, t); }

TEST(rtc_decodes_bcd_24h)
{
    struct rtc_time t;
    set_cmos(0x59, 0x30, 0x23, 0x25, 0x11, 0x26, 0x20, 0x02);
    CHECK_EQ(decode(&t), 0);
    CHECK_EQ(t.year, 2026); CHECK_EQ(t.month, 11); CHECK_EQ(t.day, 25);
    CHECK_EQ(t.hour, 23); CHECK_EQ(t.minute, 30); CHECK_EQ(t.second, 59);
}

TEST(rtc_decodes_binary_12h_pm_and_midnight)
{
    struct rtc_time t;
    set_cmos(5, 6, 0x80 | 7, 1, 2, 24, 20, 0x04);     /* 7 PM, binary */
    CHECK_EQ(decode(&t), 0);
    CHECK_EQ(t.hour, 19);
    set_cmos(5, 6, 12, 1, 2, 24, 20, 0x04);            /* 12 AM */
    CHECK_EQ(decode(&t), 0);
    CHECK_EQ(t.hour, 0);
    set_cmos(5, 6, 0x80 | 12, 1, 2, 24, 20, 0x04);     /* 12 PM */
    CHECK_EQ(decode(&t), 0);
    CHECK_EQ(t.hour, 12);
}

TEST(rtc_rejects_garbage_and_defaults_century)
{
    struct rtc_time t;
    set_cmos(0x00, 0x00, 0x00, 0x01, 0x13, 0x26, 0x20, 0x02);   /* month 13 */
    CHECK_EQ(decode(&t), -5);
    set_cmos(0x00, 0x00, 0x00, 0x01, 0x01, 0x26, 0x00, 0x02);   /* no century register */
    CHECK_EQ(decode(&t), 0);
    CHECK_EQ(t.year, 2026);
}
