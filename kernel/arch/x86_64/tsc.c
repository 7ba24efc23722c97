/* The monotonic clock: time_ns() scales the TSC by a mult/shift pair fixed at boot
 * after measuring the TSC against the HPET (or the PIT). Integer-only: the kernel
 * has no FPU state; the 64x64-bit product is taken in 128 bits so it never wraps. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/log.h>
#include <osc/time.h>
#include "arch_time.h"

/* SDM 2A, CPUID: leaf 0x80000007 EDX bit 8 = invariant TSC (constant rate in all
 * P-, C- and T-states); leaf 0x16 EAX = processor base frequency in MHz. */
#define CPUID_EXT_MAX           0x80000000
#define CPUID_EXT_POWER         0x80000007
#define CPUID_POWER_INVARIANT   (1u << 8)
#define CPUID_BASE_MAX          0x0
#define CPUID_FREQ              0x16

#define TSC_SHIFT               32
#define NS_PER_SEC              1000000000ull
#define FS_PER_SEC              1000000000000000ull
#define CAL_WINDOW_US           10000u          /* one measurement: 10 ms */
#define CAL_RUNS                3               /* median of three resists a host hiccup */
#define CAL_TSC_BOUND_PER_US    20000u          /* as in pit.c: 2x a 10 GHz TSC */
#define TSC_FALLBACK_HZ         2000000000ull   /* last resort: an honest guess */

static uint64_t tsc_base;       /* TSC value at which time_ns() is 0 */
static uint64_t tsc_mult;       /* ns per TSC tick, << TSC_SHIFT */
static uint64_t tsc_rate;       /* Hz */
static bool tsc_ready;          /* written once by the boot CPU before the timer runs */

uint64_t time_ns(void)
{
    if (!tsc_ready)
        return 0;
    uint64_t d = rdtsc() - tsc_base;
    return (uint64_t)(((unsigned __int128)d * tsc_mult) >> TSC_SHIFT);
}

uint64_t tsc_hz(void) { return tsc_rate; }

bool tsc_invariant(void)
{
    uint32_t a, b, c, d;
    cpuid(CPUID_EXT_MAX, 0, &a, &b, &c, &d);
    if (a < CPUID_EXT_POWER)
        return false;
    cpuid(CPUID_EXT_POWER, 0, &a, &b, &c, &d);
    return d & CPUID_POWER_INVARIANT;
}

/* One HPET measurement: TSC ticks per second, or 0 if the HPET did not advance. */
static uint64_t measure_hpet(void)
{
    uint64_t mask = hpet_counter_mask();
    uint64_t want_fs = (uint64_t)CAL_WINDOW_US * 1000000000ull;
    uint64_t max_cycles = (uint64_t)CAL_WINDOW_US * CAL_TSC_BOUND_PER_US;
    unsigned long flags = irq_save();
    uint64_t h0 = hpet_read(), t0 = rdtsc(), h1, t1;
    for (;;) {
        h1 = hpet_read();
        t1 = rdtsc();
        if (hpet_ticks_to_fs((h1 - h0) & mask) >= want_fs)
            break;
        if (t1 - t0 > max_cycles) {
            irq_restore(flags);
            return 0;
        }
    }
    irq_restore(flags);
    uint64_t fs = hpet_ticks_to_fs((h1 - h0) & mask);
    return mul_div_u64(t1 - t0, FS_PER_SEC, fs);
}

static uint64_t measure_pit(void)
{
    uint64_t t0 = rdtsc();
    if (!pit_wait_us(CAL_WINDOW_US))
        return 0;
    uint64_t t1 = rdtsc();
    return (t1 - t0) * (1000000u / CAL_WINDOW_US);
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) { uint64_t t = a; a = b; b = t; }
    if (b > c) b = c;
    return a > b ? a : b;
}

static uint64_t calibrate_with(uint64_t (*measure)(void))
{
    uint64_t r[CAL_RUNS];
    for (int i = 0; i < CAL_RUNS; i++) {
        r[i] = measure();
        if (!r[i])
            return 0;
    }
    return median3(r[0], r[1], r[2]);
}

static uint64_t cpuid_base_hz(void)
{
    uint32_t a, b, c, d;
    cpuid(CPUID_BASE_MAX, 0, &a, &b, &c, &d);
    if (a < CPUID_FREQ)
        return 0;
    cpuid(CPUID_FREQ, 0, &a, &b, &c, &d);
    return (uint64_t)(a & 0xffff) * 1000000ull;
}

enum clock_ref tsc_calibrate(void)
{
    enum clock_ref ref = CLOCK_REF_NONE;
    uint64_t hz = 0;
    if (hpet_present()) {
        hz = calibrate_with(measure_hpet);
        if (hz)
            ref = CLOCK_REF_HPET;
        else
            log_error("HPET counter does not advance; trying the PIT");
    }
    if (!hz) {
        hz = calibrate_with(measure_pit);
        if (hz)
            ref = CLOCK_REF_PIT;
    }
    if (!hz) {
        hz = cpuid_base_hz();
        if (!hz)
            hz = TSC_FALLBACK_HZ;
        log_error("no reference timer moves: assuming a %llu MHz TSC; time will be off",
                  (unsigned long long)(hz / 1000000));
    }
    tsc_rate = hz;
    tsc_mult = mul_div_u64(NS_PER_SEC, 1ull << TSC_SHIFT, hz);
    tsc_base = rdtsc();
    __atomic_store_n(&tsc_ready, true, __ATOMIC_RELEASE);
    return ref;
}
