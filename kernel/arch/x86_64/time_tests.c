/* Self-tests for time and interrupts: the clock advances monotonically, the tick
 * interrupt really fires, the RTC and ACPI gave plausible answers. Timing bounds
 * are deliberately loose: under TCG the guest is slow and the host noisy. */

#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/ktest.h>
#include <osc/time.h>

KTEST(time_ns_is_monotonic_and_advances)
{
    uint64_t prev = time_ns();
    KT_ASSERT(prev > 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t now = time_ns();
        KT_ASSERT(now >= prev);
        prev = now;
    }
    uint64_t t0 = time_ns();
    time_delay_ns(2000000);                     /* 2 ms */
    uint64_t dt = time_ns() - t0;
    KT_ASSERT(dt >= 2000000);
    KT_ASSERT(dt < 2000000000ull);              /* not wildly off: under 2 s */
}

/* Waits (bounded by the TSC clock) until the tick counter has advanced n times,
 * with interrupts enabled for the duration. Returns the elapsed ns or 0. */
static uint64_t wait_ticks(uint64_t n)
{
    unsigned long flags = irq_save();
    irq_enable();
    uint64_t start = time_ticks(), t0 = time_ns(), elapsed = 0;
    while (time_ticks() - start < n) {
        if (time_ns() - t0 > 5000000000ull)     /* 5 s: the tick is dead */
            break;
        __asm__ volatile("hlt");
    }
    if (time_ticks() - start >= n)
        elapsed = time_ns() - t0;
    irq_disable();
    irq_restore(flags);
    return elapsed;
}

KTEST(timer_interrupt_fires_and_agrees_with_time_ns)
{
    uint64_t count0 = irq_count(IRQ_VECTOR_TIMER) + irq_count(IRQ_VECTOR_ISA_BASE);
    uint64_t ns = wait_ticks(25);               /* 100 ms at 250 Hz */
    KT_ASSERT(ns > 0);
    uint64_t count1 = irq_count(IRQ_VECTOR_TIMER) + irq_count(IRQ_VECTOR_ISA_BASE);
    KT_ASSERT(count1 - count0 >= 25);
    /* 24..25 tick periods elapsed; accept a factor of 4 either way. */
    uint64_t expect = 25ull * 1000000000ull / TIMER_HZ;
    KT_ASSERT(ns > expect / 4);
    KT_ASSERT(ns < expect * 4);
}

KTEST(rtc_reads_a_plausible_date)
{
    struct rtc_time t;
    KT_ASSERT_EQ(rtc_read(&t), 0);
    KT_ASSERT(t.year >= 2024 && t.year < 2100);
    KT_ASSERT(t.month >= 1 && t.month <= 12);
    int64_t rt = time_realtime_ns();
    KT_ASSERT(rt / 1000000000ll >= rtc_to_unix_seconds(&(struct rtc_time){ 2024, 1, 1, 0, 0, 0 }));
}

KTEST(acpi_found_a_cpu_and_an_ioapic)
{
    const struct acpi_info *a = acpi_get_info();
    KT_ASSERT(a != NULL);
    KT_ASSERT(a->cpu_count >= 1);
    KT_ASSERT(a->cpus[0].enabled);
    KT_ASSERT(a->ioapic_count >= 1);
}
