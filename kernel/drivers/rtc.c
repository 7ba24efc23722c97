/* CMOS real-time clock (MC146818): read once at boot for the wall clock. The
 * register decoding is in rtc_calendar.c. */

#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/time.h>

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define RTC_SECONDS     0x00
#define RTC_MINUTES     0x02
#define RTC_HOURS       0x04
#define RTC_DAY         0x07
#define RTC_MONTH       0x08
#define RTC_YEAR        0x09
#define RTC_CENTURY     0x32    /* the usual location (ACPI FADT may say otherwise) */
#define RTC_STATUS_A    0x0a
#define RTC_STATUS_B    0x0b
#define STATUS_A_UPDATING 0x80
#define MAX_TRIES       10000

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static bool read_raw(uint8_t r[7])
{
    for (int i = 0; i < MAX_TRIES; i++) {
        if (cmos_read(RTC_STATUS_A) & STATUS_A_UPDATING)
            continue;
        r[0] = cmos_read(RTC_SECONDS);
        r[1] = cmos_read(RTC_MINUTES);
        r[2] = cmos_read(RTC_HOURS);
        r[3] = cmos_read(RTC_DAY);
        r[4] = cmos_read(RTC_MONTH);
        r[5] = cmos_read(RTC_YEAR);
        r[6] = cmos_read(RTC_CENTURY);
        return true;
    }
    return false;
}

int rtc_read(struct rtc_time *out)
{
    uint8_t a[7], b[7];
    /* Two identical reads in a row cannot straddle an update. */
    for (int i = 0; i < MAX_TRIES; i++) {
        if (!read_raw(a) || !read_raw(b))
            return -EIO;
        bool same = true;
        for (int k = 0; k < 7; k++)
            same &= a[k] == b[k];
        if (same)
            break;
        if (i == MAX_TRIES - 1)
            return -EIO;
    }
    return rtc_decode(a, cmos_read(RTC_STATUS_B), out);
}

