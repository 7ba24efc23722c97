/* HPET main counter: a fixed-rate reference (>= 10 MHz) to calibrate the TSC and
 * the LAPIC timer against. Only the free-running counter is used; no comparators. */

#define LOG_TAG "arch"
#include <osc/log.h>
#include <osc/mm.h>
#include "arch_time.h"

/* IA-PC HPET spec 1.0a, 2.3: register offsets and fields. */
#define HPET_GCAP_ID            0x000
#define HPET_GCAP_COUNT_64      (1ull << 13)    /* COUNT_SIZE_CAP */
#define HPET_GCAP_PERIOD_SHIFT  32              /* COUNTER_CLK_PERIOD, femtoseconds */
#define HPET_PERIOD_MAX_FS      100000000ull    /* 2.3.4: at most 100 ns */
#define HPET_GEN_CONF           0x010
#define HPET_CONF_ENABLE        (1ull << 0)     /* ENABLE_CNF: main counter runs */
#define HPET_MAIN_COUNTER       0x0f0
#define HPET_REGS_SIZE          0x400

static volatile uint64_t *regs;     /* set once by hpet_init on the boot CPU */
static uint64_t period_fs;
static uint64_t mask;

static uint64_t reg_read(unsigned off) { return regs[off / 8]; }
static void reg_write(unsigned off, uint64_t v) { regs[off / 8] = v; }

bool hpet_init(paddr_t base)
{
    if (!base)
        return false;
    volatile uint64_t *r = vmm_map_mmio(base, HPET_REGS_SIZE, MAP_NOCACHE | MAP_WRITE);
    if (!r)
        return false;
    uint64_t cap = r[HPET_GCAP_ID / 8];
    uint64_t period = cap >> HPET_GCAP_PERIOD_SHIFT;
    if (period == 0 || period > HPET_PERIOD_MAX_FS) {
        log_error("HPET at %#llx reports period %llu fs, not used", (unsigned long long)base,
                  (unsigned long long)period);
        return false;
    }
    regs = r;
    period_fs = period;
    mask = (cap & HPET_GCAP_COUNT_64) ? ~0ull : 0xffffffffull;
    reg_write(HPET_GEN_CONF, reg_read(HPET_GEN_CONF) | HPET_CONF_ENABLE);
    log_debug("HPET at %#llx: %llu fs period, %s-bit counter", (unsigned long long)base,
              (unsigned long long)period, mask == ~0ull ? "64" : "32");
    return true;
}

bool hpet_present(void) { return regs != NULL; }
uint64_t hpet_read(void) { return reg_read(HPET_MAIN_COUNTER) & mask; }
uint64_t hpet_counter_mask(void) { return mask; }
uint64_t hpet_ticks_to_fs(uint64_t ticks) { return ticks * period_fs; }
