/* Local APIC of the boot CPU (xAPIC MMIO mode): enable, EOI, and the timer that
 * drives the scheduler tick, measured against the TSC clock because its input
 * rate (the bus or core crystal) differs between machines. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/time.h>
#include "arch_time.h"

/* SDM 3A chapter 11 (APIC): MSR and register offsets. */
#define MSR_APIC_BASE           0x1b            /* 11.4.4 */
#define APIC_BASE_ENABLE        (1ull << 11)
#define APIC_BASE_ADDR_MASK     0x000ffffffffff000ull
#define LAPIC_ID                0x020           /* 11.4.6: id in bits 31:24 */
#define LAPIC_TPR               0x080           /* 11.8.3.1 */
#define LAPIC_EOI               0x0b0           /* 11.8.5 */
#define LAPIC_SVR               0x0f0           /* 11.9 */
#define LAPIC_SVR_ENABLE        (1u << 8)
#define LAPIC_ESR               0x280           /* 11.5.3 */
#define LAPIC_LVT_TIMER         0x320           /* 11.5.1 */
#define LAPIC_LVT_LINT0         0x350
#define LAPIC_LVT_ERROR         0x370
#define LAPIC_LVT_MASKED        (1u << 16)
#define LAPIC_TIMER_PERIODIC    (1u << 17)
#define LAPIC_TIMER_INITIAL     0x380           /* 11.5.4 */
#define LAPIC_TIMER_CURRENT     0x390
#define LAPIC_TIMER_DIVIDE      0x3e0
#define LAPIC_DIVIDE_16         0x3             /* 11.5.4, figure 11-10 */
#define LAPIC_TIMER_DIV         16
#define LAPIC_MMIO_SIZE         0x400

#define TIMER_CAL_NS            10000000ull     /* measure the timer over 10 ms */

static volatile uint32_t *lapic;     /* set once on the boot CPU, then read-only */

static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

void irq_eoi(void)
{
    if (lapic)
        lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

int lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    paddr_t phys = base & APIC_BASE_ADDR_MASK;
    volatile uint32_t *regs = vmm_map_mmio(phys, LAPIC_MMIO_SIZE, MAP_NOCACHE | MAP_WRITE);
    if (!regs) {
        log_error("cannot map the local APIC at %#llx", (unsigned long long)phys);
        return -ENOMEM;
    }
    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = regs;

    /* Virtual-wire LINT0 would pass 8259 interrupts through; the PICs are masked,
     * and masking LINT0 too keeps a stray ExtINT out. Errors are not handled yet. */
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_TPR, 0);                          /* accept every priority */
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
    lapic_write(LAPIC_EOI, 0);                          /* drop anything in service */

    this_cpu()->apic_id = lapic_id();
    log_debug("LAPIC at %#llx, id %u", (unsigned long long)phys, this_cpu()->apic_id);
    return 0;
}

uint64_t lapic_timer_start(uint32_t hz, uint8_t vector)
{
    if (!lapic || !hz)
        return 0;
    /* One-shot from the maximum count, masked, for a measured interval. */
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_16);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | vector);
    unsigned long flags = irq_save();
    uint64_t t0 = time_ns();
    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
    time_delay_ns(TIMER_CAL_NS);
    uint32_t left = lapic_read(LAPIC_TIMER_CURRENT);
    uint64_t t1 = time_ns();
    irq_restore(flags);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    uint64_t counted = 0xffffffffu - left;
    if (counted == 0 || t1 <= t0)
        return 0;
    uint64_t rate = mul_div_u64(counted, 1000000000ull, t1 - t0);
    uint64_t initial = rate / hz;
    if (initial == 0 || initial > 0xffffffffu)
        return 0;
    lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | vector);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)initial);
    return rate * LAPIC_TIMER_DIV;
}
