/* CMOS real-time clock (MC146818A-compatible, ports 0x70/0x71): wall-clock time
 * read once at boot. The clock updates itself once a second; a read is trusted only
 * when taken outside an update and confirmed by an identical second read. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/time.h>
#include "rtc.h"

#define CMOS_INDEX          0x70
#define CMOS_DATA           0x71
#define CMOS_NMI_DISABLE    0x80    /* index bit 7: keep NMIs masked while selecting */

/* MC146818A register map ("Address Map", "Register A/B"). */
#define RTC_SECONDS         0x00
#define RTC_MINUTES         0x02
#define RTC_HOURS           0x04
#define RTC_DAY             0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_STATUS_A        0x0a
#define RTC_STATUS_B        0x0b
#define RTC_A_UIP           0x80    /* update in progress: registers are changing */
#define RTC_B_24H           0x02    /* 1: 24-hour mode */
#define RTC_B_BINARY        0x04    /* DM bit, 1: binary, 0: BCD */
#define RTC_HOUR_PM         0x80    /* 12-hour mode: PM flag in the hours register */

/* An update takes under 2 ms (UIP is set 244 us before it); allow far more. */
#define RTC_UIP_TIMEOUT_NS  20000000ull
#define RTC_UIP_MAX_POLLS   1000000     /* bound even before the clock is calibrated */
#define RTC_READ_ATTEMPTS   5

static int bcd_to_bin(uint8_t v)
{
    if ((v & 0x0f) > 9 || (v >> 4) > 9)
        return -1;
    return (v >> 4) * 10 + (v & 0x0f);
}

int rtc_decode(const struct rtc_raw *raw, struct rtc_time *out)
{
    bool binary = raw->status_b & RTC_B_BINARY;
    bool pm = !(raw->status_b & RTC_B_24H) && (raw->hour & RTC_HOUR_PM);
    uint8_t fields[] = { raw->second, raw->minute, (uint8_t)(raw->hour & ~RTC_HOUR_PM),
                         raw->day, raw->month, raw->year, raw->century };
    int v[ARRAY_SIZE(fields)];
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        v[i] = binary ? fields[i] : bcd_to_bin(fields[i]);
        if (v[i] < 0)
            return -EIO;
    }
    int hour = v[2];
    if (!(raw->status_b & RTC_B_24H)) {
        if (hour < 1 || hour > 12)
            return -EIO;
        hour %= 12;                 /* 12 AM is 0, 12 PM is 12 */
        if (pm)
            hour += 12;
    }
    /* Without a century register the clock can only mean this century. */
    int century = raw->century ? v[6] : 20;
    *out = (struct rtc_time){ .year = century * 100 + v[5], .month = v[4], .day = v[3],
                              .hour = hour, .minute = v[1], .second = v[0] };
    if (out->second > 59 || out->minute > 59 || out->hour > 23 || out->day < 1 ||
        out->day > 31 || out->month < 1 || out->month > 12 || century < 19 || century > 99)
        return -EIO;
    return 0;
}

int64_t rtc_to_unix_seconds(const struct rtc_time *t)
{
    /* Count days from 0000-03-01 in 400-year eras (146097 days each): starting the
     * year in March puts the leap day last, so month lengths follow a fixed pattern
     * (153 days per 5 months). 719468 is the day number of 1970-01-01. */
    int64_t y = t->year - (t->month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                 /* [0, 399] */
    int64_t mp = (t->month + 9) % 12;                            /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + t->day - 1;               /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* [0, 146096] */
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
    return inb(CMOS_DATA);
}

/* Waits (bounded) until no update is in progress; false if the clock never settles. */
static bool rtc_wait_not_updating(void)
{
    uint64_t start = time_ns();
    for (int i = 0; i < RTC_UIP_MAX_POLLS; i++) {
        if (!(cmos_read(RTC_STATUS_A) & RTC_A_UIP))
            return true;
        /* time_ns() stays 0 until calibration; then the wall-clock bound applies. */
        if (start && time_ns() - start > RTC_UIP_TIMEOUT_NS)
            break;
    }
    return false;
}

static bool rtc_read_raw(struct rtc_raw *r, uint8_t century_reg)
{
    if (!rtc_wait_not_updating())
        return false;
    r->second = cmos_read(RTC_SECONDS);
    r->minute = cmos_read(RTC_MINUTES);
    r->hour = cmos_read(RTC_HOURS);
    r->day = cmos_read(RTC_DAY);
    r->month = cmos_read(RTC_MONTH);
    r->year = cmos_read(RTC_YEAR);
    r->century = century_reg ? cmos_read(century_reg) : 0;
    r->status_b = cmos_read(RTC_STATUS_B);
    return true;
}

int rtc_read(struct rtc_time *out)
{
    const struct acpi_info *acpi = acpi_get_info();
    uint8_t century_reg = acpi ? acpi->rtc_century_reg : 0;
    if (acpi && (acpi->boot_arch_flags & ACPI_BOOT_ARCH_NO_CMOS_RTC)) {
        log_debug("RTC: FADT says there is no CMOS clock");
        return -EIO;
    }

    /* An update can start between the UIP check and the last register read: read
     * until two consecutive snapshots agree. */
    struct rtc_raw a, b;
    unsigned long flags = irq_save();
    bool ok = rtc_read_raw(&a, century_reg);
    for (int i = 0; ok && i < RTC_READ_ATTEMPTS; i++) {
        ok = rtc_read_raw(&b, century_reg);
        if (ok && memcmp(&a, &b, sizeof(a)) == 0)
            break;
        a = b;
        if (i == RTC_READ_ATTEMPTS - 1)
            ok = false;
    }
    outb(CMOS_INDEX, 0);        /* re-enable NMIs */
    irq_restore(flags);
    if (!ok) {
        log_error("RTC: clock never settled");
        return -EIO;
    }
    int err = rtc_decode(&a, out);
    if (err)
        log_error("RTC: implausible clock registers (status B %#x)", a.status_b);
    return err;
}
