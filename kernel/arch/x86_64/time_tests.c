/* In-kernel tests of the clock, the scheduler tick, the interrupt controllers and
 * the RTC. Timing assertions are lower bounds or generous ratios only: TCG is slow
 * and the host is noisy. */

#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/ktest.h>
#include <osc/sched.h>
#include <osc/time.h>

KTEST(time_ns_is_monotonic_and_advances)
{
    uint64_t prev = time_ns();
    for (int i = 0; i < 100000; i++) {
        uint64_t now = time_ns();
        KT_ASSERT(now >= prev);
        prev = now;
    }
    uint64_t start = time_ns();
    time_delay_ns(2000000);
    KT_ASSERT(time_ns() - start >= 2000000);
}

KTEST(timer_tick_fires_at_roughly_timer_hz)
{
    KT_ASSERT(irq_enabled());
    uint64_t t0 = time_ticks(), ns0 = time_ns();
    thread_sleep_ns(200000000);         /* 200 ms: 50 ticks at 250 Hz */
    uint64_t ticks = time_ticks() - t0, ns = time_ns() - ns0;
    KT_ASSERT(ticks >= 10);
    /* Ticks and the TSC clock agree within a factor of 3 (TCG skews both). */
    uint64_t expected = ns * TIMER_HZ / 1000000000ull;
    KT_ASSERT(ticks * 3 >= expected && ticks <= expected * 3 + 3);
    KT_ASSERT(irq_count(IRQ_VECTOR_TIMER) >= ticks);
}

KTEST(acpi_found_a_cpu_and_an_ioapic)
{
    KT_ASSERT(acpi_info.cpu_count >= 1);
    KT_ASSERT(acpi_info.cpus[0].enabled);   /* the boot CPU is never hot-add only */
    KT_ASSERT(acpi_info.ioapic_count >= 1);
    KT_ASSERT(acpi_info.lapic_address != 0);
}

KTEST(irq_route_isa_rejects_lines_beyond_isa)
{
    KT_ASSERT_EQ(irq_route_isa(16), -EINVAL);
    KT_ASSERT_EQ(irq_route_isa(255), -EINVAL);
}

KTEST(rtc_gives_a_plausible_wall_clock)
{
    struct rtc_time t;
    KT_ASSERT_EQ(rtc_read(&t), 0);
    KT_ASSERT(t.year >= 2024 && t.year < 2200);
    int64_t now = time_realtime_ns() / 1000000000;
    KT_ASSERT(now >= rtc_to_unix_seconds(&(struct rtc_time){ 2024, 1, 1, 0, 0, 0 }));
    int64_t rtc_now = rtc_to_unix_seconds(&t);
    KT_ASSERT(now - rtc_now < 120 && rtc_now - now < 120);
}
