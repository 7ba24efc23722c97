/* The monotonic clock: the TSC, calibrated once at boot against the HPET (HPET spec
 * 1.0a §2.3) or, without one, PIT channel 2 (8254 datasheet). Every wait on a
 * reference timer is bounded so a dead timer costs well under a second, never a hang
 * (LESSONS 13). */

#include <osc/arch.h>
#include <osc/mm.h>
#include <osc/time.h>
#include "arch_time.h"

#define HPET_CAPABILITIES   0x000
#define HPET_CONFIG         0x010
#define HPET_COUNTER        0x0f0
#define HPET_ENABLE         1u
#define FEMTOS_PER_NS       1000000ull

#define PIT_HZ              1193182ull
#define PIT_CH2_DATA        0x42
#define PIT_COMMAND         0x43
#define PIT_CH2_MODE0_LOHI  0xb0        /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B              0x61        /* bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */
#define PORT_B_GATE2        0x01
#define PORT_B_SPEAKER      0x02
#define PORT_B_OUT2         0x20

#define CALIBRATION_NS      10000000ull         /* 10 ms window */
#define TSC_GIVE_UP_CYCLES  2000000000ull       /* <1 s on any CPU that runs us */
#define TSC_SHIFT           32

static uint64_t tsc_base;       /* TSC at clock start */
static uint64_t tsc_mult;       /* ns = (cycles * mult) >> TSC_SHIFT */

/* Reads the HPET main counter over a 10 ms window; 0 when it does not advance. */
static uint64_t calibrate_hpet(paddr_t hpet_phys)
{
    volatile uint64_t *hpet = vmm_map_mmio(hpet_phys, PAGE_SIZE, MAP_NOCACHE | MAP_WRITE);
    if (!hpet)
        return 0;
    uint64_t period_fs = hpet[HPET_CAPABILITIES / 8] >> 32;
    if (period_fs == 0 || period_fs > 100 * FEMTOS_PER_NS)
        return 0;       /* spec: at most 100 ns per tick */
    hpet[HPET_CONFIG / 8] |= HPET_ENABLE;
    uint64_t target = CALIBRATION_NS * FEMTOS_PER_NS / period_fs;
    uint32_t c0 = (uint32_t)hpet[HPET_COUNTER / 8];
    uint64_t t0 = rdtsc(), t1;
    uint32_t elapsed;
    do {
        elapsed = (uint32_t)hpet[HPET_COUNTER / 8] - c0;
        t1 = rdtsc();
        if (t1 - t0 > TSC_GIVE_UP_CYCLES)
            return 0;
    } while (elapsed < target);
    uint64_t ns = elapsed * period_fs / FEMTOS_PER_NS;
    return (t1 - t0) * 1000000000ull / ns;
}

static uint64_t calibrate_pit(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * CALIBRATION_NS / 1000000000ull);
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2));
    outb(PIT_COMMAND, PIT_CH2_MODE0_LOHI);
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, count >> 8);
    outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));  /* start counting */
    uint64_t t0 = rdtsc(), t1;
    do {
        t1 = rdtsc();
        if (t1 - t0 > TSC_GIVE_UP_CYCLES) {
            outb(PORT_B, b);
            return 0;
        }
    } while (!(inb(PORT_B) & PORT_B_OUT2));
    outb(PORT_B, b);
    return (t1 - t0) * 1000000000ull / CALIBRATION_NS;
}

uint64_t tsc_calibrate(const char **src)
{
    extern paddr_t arch_hpet_address;
    uint64_t hz = 0;
    if (arch_hpet_address) {
        hz = calibrate_hpet(arch_hpet_address);
        *src = "HPET";
    }
    if (!hz) {
        hz = calibrate_pit();
        *src = "PIT";
    }
    return hz;
}

void tsc_clock_start(uint64_t tsc_hz)
{
    tsc_mult = (1000000000ull << TSC_SHIFT) / tsc_hz;
    tsc_base = rdtsc();
}

void time_clock_params(uint64_t *base, uint64_t *mult, unsigned *shift)
{
    *base = tsc_base;
    *mult = tsc_mult;
    *shift = TSC_SHIFT;
}

uint64_t time_ns(void)
{
    if (!tsc_mult)
        return 0;
    unsigned __int128 cycles = rdtsc() - tsc_base;
    return (uint64_t)((cycles * tsc_mult) >> TSC_SHIFT);
}

void time_delay_ns(uint64_t ns)
{
    if (!tsc_mult) {
        /* Before calibration: port 0x80 writes take about 1 us on PC hardware. */
        for (uint64_t i = 0; i < ns / 1000 + 1; i++)
            outb(0x80, 0);
        return;
    }
    uint64_t end = time_ns() + ns;
    while (time_ns() < end)
        cpu_relax();
}
