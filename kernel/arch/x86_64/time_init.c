/* arch_time_init: ACPI discovery, interrupt controllers, the TSC clock and the
 * scheduler tick, in dependency order; then the wall clock from the RTC. */

#define LOG_TAG "arch"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/log.h>
#include <osc/time.h>
#include "arch_time.h"

paddr_t arch_hpet_address;      /* read by tsc.c */
static int64_t boot_unix_seconds;
static uint64_t boot_rtc_ns;    /* time_ns() when the RTC was read */

/* Integer "1.23" formatting of a frequency in MHz: no floating point here. */
static void log_clock(uint64_t tsc_hz, const char *src)
{
    bool invariant = false;
    uint32_t a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000007) {
        cpuid(0x80000007, 0, &a, &b, &c, &d);
        invariant = d & (1u << 8);      /* SDM 3B 17.17.1: invariant TSC */
    }
    log_info("TSC %llu.%02llu GHz (calibrated against the %s%s), LAPIC timer %d Hz",
             (unsigned long long)(tsc_hz / 1000000000), (unsigned long long)(tsc_hz / 10000000 % 100),
             src, invariant ? ", invariant" : "", TIMER_HZ);
}

void arch_time_init(void)
{
    pic_disable();
    if (acpi_init() == 0) {
        arch_hpet_address = acpi_info.hpet_address;
        log_info("ACPI: %zu CPU(s), %zu IOAPIC(s), %s", acpi_info.cpu_count,
                 acpi_info.ioapic_count, arch_hpet_address ? "HPET" : "no HPET");
    }
    if (lapic_init(acpi_info.lapic_address) != 0)
        log_error("local APIC could not be mapped: no timer interrupts");
    int pins = ioapic_init();
    log_debug("IOAPIC: %d pins masked", pins);

    const char *src = "none";
    uint64_t tsc_hz = tsc_calibrate(&src);
    if (!tsc_hz) {
        log_error("no reference timer moved: assuming a 1 GHz TSC");
        tsc_hz = 1000000000ull;
    }
    tsc_clock_start(tsc_hz);
    if (lapic_timer_start() != 0)
        log_error("LAPIC timer did not calibrate: no scheduler tick");
    log_clock(tsc_hz, src);

    struct rtc_time t;
    if (rtc_read(&t) == 0) {
        boot_unix_seconds = rtc_to_unix_seconds(&t);
        boot_rtc_ns = time_ns();
        log_info("RTC: %04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.month, t.day,
                 t.hour, t.minute, t.second);
    } else {
        log_warn("RTC did not settle: wall clock starts at the epoch");
    }
}

int64_t time_realtime_offset_ns(void)
{
    return boot_unix_seconds * 1000000000ll - (int64_t)boot_rtc_ns;
}

int64_t time_realtime_ns(void)
{
    return time_realtime_offset_ns() + (int64_t)time_ns();
}
