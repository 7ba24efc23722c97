/* Local APIC (SDM 3A ch. 11, xAPIC MMIO mode): enable, EOI, and the periodic timer
 * that drives the scheduler tick, calibrated against the TSC clock. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/time.h>
#include <asm/irq_frame.h>
#include "arch_time.h"

#define MSR_APIC_BASE       0x1b        /* SDM 3A 11.4.4 */
#define APIC_BASE_ENABLE    (1ull << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ull

#define LAPIC_ID            0x020       /* SDM 3A table 11-1 */
#define LAPIC_TPR           0x080
#define LAPIC_EOI           0x0b0
#define LAPIC_SVR           0x0f0
#define LAPIC_ESR           0x280
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INIT    0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0       /* SDM 3A 11.5.4 */

#define SVR_ENABLE          (1u << 8)
#define LVT_MASKED          (1u << 16)
#define LVT_TIMER_PERIODIC  (1u << 17)
#define TIMER_DIVIDE_BY_16  0x3
#define CALIBRATION_NS      10000000ull /* 10 ms window */

static volatile uint32_t *lapic;
static uint32_t timer_initial_count;
static volatile uint64_t ticks;

static uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

void irq_eoi(void)
{
    if (lapic)
        lapic_write(LAPIC_EOI, 0);
}

uint64_t time_ticks(void)
{
    return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

static void timer_interrupt(struct irq_frame *f, void *ctx)
{
    (void)ctx;
    __atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
    sched_tick(irq_frame_from_user(f));
}

/* Per-CPU part: every core enables its own LAPIC (LESSONS 15). */
static void lapic_enable_this_cpu(void)
{
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
    this_cpu()->apic_id = lapic_read(LAPIC_ID) >> 24;
}

int lapic_init(paddr_t acpi_address)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    paddr_t phys = acpi_address ? acpi_address : (base & APIC_BASE_ADDR_MASK);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = vmm_map_mmio(phys, PAGE_SIZE, MAP_NOCACHE | MAP_WRITE);
    if (!lapic)
        return -1;
    lapic_enable_this_cpu();
    return 0;
}

/* Counts LAPIC timer decrements over a TSC-timed window; returns the initial count
 * for one tick at TIMER_HZ, or 0 when the timer does not move. */
static uint32_t calibrate_timer(void)
{
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VECTOR_TIMER);
    /* Time the window with time_ns rather than trusting the delay: under emulation
     * the busy wait overshoots, and the overshoot would shorten every tick. */
    unsigned long flags = irq_save();
    uint64_t t0 = time_ns();
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    time_delay_ns(CALIBRATION_NS);
    uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CURRENT);
    uint64_t ns = time_ns() - t0;
    irq_restore(flags);
    lapic_write(LAPIC_TIMER_INIT, 0);
    if (ns == 0)
        return 0;
    uint64_t per_second = (uint64_t)elapsed * 1000000000ull / ns;   /* < 2^62: no wrap */
    return per_second / TIMER_HZ > 0xffffffffu ? 0 : (uint32_t)(per_second / TIMER_HZ);
}

int lapic_timer_start(void)
{
    if (!lapic)
        return -1;
    if (!timer_initial_count)
        timer_initial_count = calibrate_timer();
    if (!timer_initial_count)
        return -1;
    if (irq_register(IRQ_VECTOR_TIMER, timer_interrupt, NULL) != 0)
        return -1;
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | IRQ_VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INIT, timer_initial_count);
    return 0;
}

uint32_t lapic_bus_mhz(void)
{
    return timer_initial_count ? (uint32_t)(timer_initial_count * (uint64_t)TIMER_HZ * 16 / 1000000) : 0;
}
