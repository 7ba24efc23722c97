/* arch_time_init: interrupt controllers and clocks, in dependency order -- ACPI
 * tables, 8259s masked, LAPIC, IOAPICs, TSC calibrated against HPET/PIT, LAPIC
 * timer periodic at TIMER_HZ, RTC for wall time. Interrupts stay off: kmain turns
 * them on once the scheduler exists (the tick is safe before that). */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/time.h>
#include "arch_time.h"

#define PIT_ISA_IRQ     0

static uint64_t ticks;              /* relaxed atomic: written by the tick only */
static bool rtc_valid;
static int64_t rtc_boot_unix;       /* RTC reading, seconds since 1970 */
static uint64_t rtc_boot_ns;        /* time_ns() when it was read */

static void timer_tick(struct irq_frame *frame, void *ctx)
{
    (void)frame; (void)ctx;
    __atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
    /* Before sched_init there is no current thread for the scheduler to charge. */
    if (this_cpu()->current)
        sched_tick();
}

uint64_t time_ticks(void)
{
    return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

void time_delay_ns(uint64_t ns)
{
    if (tsc_hz()) {
        uint64_t start = time_ns();
        while (time_ns() - start < ns)
            cpu_relax();
        return;
    }
    /* Before calibration: the PIT, in chunks it can count. A dead PIT makes this
     * return early rather than hang. */
    uint64_t us = (ns + 999) / 1000;
    while (us) {
        uint32_t chunk = us > 50000 ? 50000 : (uint32_t)us;
        if (!pit_wait_us(chunk))
            return;
        us -= chunk;
    }
}

int64_t time_realtime_ns(void)
{
    uint64_t now = time_ns();
    if (!rtc_valid)
        return (int64_t)now;        /* no wall clock: 1970 plus uptime */
    return rtc_boot_unix * 1000000000ll + (int64_t)(now - rtc_boot_ns);
}

static const char *clock_ref_name(enum clock_ref r)
{
    switch (r) {
    case CLOCK_REF_HPET: return "HPET";
    case CLOCK_REF_PIT: return "PIT";
    default: return "nothing (guessed)";
    }
}

static void log_acpi_summary(const struct acpi_info *acpi)
{
    if (!acpi) {
        log_info("ACPI: no tables; one CPU assumed, no IOAPIC");
        return;
    }
    size_t enabled = 0;
    for (size_t i = 0; i < acpi->cpu_count; i++)
        enabled += acpi->cpus[i].enabled;
    char hpet[40] = "no HPET";
    if (acpi->hpet_base)
        ksnprintf(hpet, sizeof(hpet), "HPET at %#llx", (unsigned long long)acpi->hpet_base);
    if (acpi->ioapic_count)
        log_info("ACPI: %zu CPU%s, IOAPIC at %#llx (%zu pins), %s", enabled, enabled == 1 ? "" : "s",
                 (unsigned long long)acpi->ioapics[0].address, ioapic_pin_total(), hpet);
    else
        log_info("ACPI: %zu CPU%s, no IOAPIC, %s", enabled, enabled == 1 ? "" : "s", hpet);
    for (size_t i = 0; i < acpi->cpu_count; i++)
        log_debug("ACPI: CPU uid %u APIC id %u%s", acpi->cpus[i].uid, acpi->cpus[i].apic_id,
                  acpi->cpus[i].enabled ? "" : " (online capable)");
    for (size_t i = 0; i < acpi->override_count; i++)
        log_debug("ACPI: ISA IRQ %u -> GSI %u, flags %#x", acpi->overrides[i].isa_irq,
                  acpi->overrides[i].gsi, acpi->overrides[i].flags);
}

/* If the LAPIC timer cannot be used, PIT channel 0 on ISA IRQ 0 gives the tick. */
static bool start_pit_tick(void)
{
    if (irq_register(IRQ_VECTOR_ISA_BASE + PIT_ISA_IRQ, timer_tick, NULL) != 0)
        return false;
    pit_start_periodic(TIMER_HZ);
    if (irq_route_isa(PIT_ISA_IRQ) != 0) {
        irq_unregister(IRQ_VECTOR_ISA_BASE + PIT_ISA_IRQ);
        return false;
    }
    return true;
}

static void rtc_init(void)
{
    struct rtc_time t;
    if (rtc_read(&t) != 0) {
        log_warn("RTC: unreadable; wall clock starts at 1970");
        return;
    }
    rtc_boot_unix = rtc_to_unix_seconds(&t);
    rtc_boot_ns = time_ns();
    rtc_valid = true;
    log_info("RTC: %04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.month, t.day, t.hour,
             t.minute, t.second);
}

void arch_time_init(void)
{
    const struct acpi_info *acpi = acpi_boot_init();
    pic_disable();
    if (lapic_init() != 0)
        log_error("no local APIC: no timer interrupts");
    ioapic_init(acpi);
    log_acpi_summary(acpi);
    if (acpi && acpi->hpet_base)
        hpet_init(acpi->hpet_base);

    enum clock_ref ref = tsc_calibrate();
    uint64_t hz = tsc_hz();
    bool invariant = tsc_invariant();
    log_debug("TSC %llu Hz, %sinvariant", (unsigned long long)hz, invariant ? "" : "not ");

    const char *tick = "LAPIC timer";
    uint64_t lapic_hz = 0;
    if (irq_register(IRQ_VECTOR_TIMER, timer_tick, NULL) == 0)
        lapic_hz = lapic_timer_start(TIMER_HZ, IRQ_VECTOR_TIMER);
    if (lapic_hz) {
        log_debug("LAPIC timer input %llu Hz", (unsigned long long)lapic_hz);
    } else {
        log_error("LAPIC timer unusable; falling back to the PIT");
        tick = start_pit_tick() ? "PIT tick" : "no tick (!)";
    }
    log_info("%s %u Hz, TSC %llu.%02llu GHz%s (calibrated against %s)", tick, TIMER_HZ,
             (unsigned long long)(hz / 1000000000ull), (unsigned long long)(hz / 10000000ull % 100),
             invariant ? " invariant" : "", clock_ref_name(ref));
    rtc_init();
}
