/* Local APIC (SDM 3A ch. 11, xAPIC MMIO mode): enable, EOI, the one-shot timer
 * that drives the scheduler tick and early wake-ups (calibrated once, against the TSC clock, on the
 * boot CPU; every core reuses the count), the INIT / start-up IPIs that wake
 * the application processors (smp.c) and the fixed IPIs between CPUs (smp_call.c). */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/lib.h>
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
#define LAPIC_ICR_LOW       0x300       /* SDM 3A 11.6.1 */
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INIT    0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0       /* SDM 3A 11.5.4 */

#define SVR_ENABLE          (1u << 8)
#define LVT_MASKED          (1u << 16)
#define TIMER_DIVIDE_BY_16  0x3
#define ICR_FIXED           (0u << 8)
#define ICR_NMI             (4u << 8)
#define ICR_INIT            (5u << 8)   /* delivery mode (SDM 3A figure 11-12) */
#define ICR_STARTUP         (6u << 8)
#define ICR_PENDING         (1u << 12)  /* delivery status: send pending */
#define ICR_ASSERT          (1u << 14)
#define ICR_LEVEL           (1u << 15)  /* trigger mode: level (INIT only) */
#define ICR_DEST_SHIFT      24          /* xAPIC: 8-bit destination in ICR high */
#define ICR_IDLE_TIMEOUT_NS 10000000ull /* a send that never completes: give up */
#define CALIBRATION_NS      10000000ull /* 10 ms window */

static volatile uint32_t *lapic;
static uint32_t timer_initial_count;
static volatile uint64_t ticks;

static void lapic_timer_arm(bool masked);

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

/* The timer runs one-shot, loaded each time for this CPU's next event: its tick
 * (every 1/TIMER_HZ s by the clock, so the tick keeps its phase) or the deadline of
 * its earliest sleeper, whichever comes first. Whether an interrupt is the tick is
 * decided by the clock, never by a remembered mode: an interrupt that was pending
 * while the timer was reloaded, or one that comes late, cannot lose a tick, and
 * every interrupt loads the timer again, so it never stops. (Periodic mode with a
 * reload for an early deadline was tried: a short count left in a periodic timer
 * makes QEMU's LAPIC model replay every missed period, and a vCPU late to reload
 * it stalled both CPUs for seconds.) Each CPU's slots are touched only by that
 * CPU with interrupts off: no lock. */
static uint64_t next_tick_ns[MAX_CPUS];     /* when this CPU's next tick is due */
static uint64_t armed_ns[MAX_CPUS];         /* what the timer is loaded for; UINT64_MAX: fired */
static bool timer_live[MAX_CPUS];           /* unmasked and loaded by this file */
static uint64_t last_fired_ns[MAX_CPUS];    /* its last interrupt (read by other CPUs: diagnostics) */
#define TICK_NS         (1000000000ull / TIMER_HZ)
#define TICK_SLACK_NS   (TICK_NS / 32)      /* an interrupt this near the tick is the tick */
#define TIMER_MIN_COUNT 16

/* Loads the timer for deadline (time_ns). Counts are rounded up: an interrupt
 * before the deadline would find nothing due and only load the timer again. */
static void timer_load(uint32_t id, uint64_t deadline)
{
    uint64_t now = time_ns();
    uint64_t ns = deadline > now ? MIN(deadline - now, TICK_NS) : 0;
    uint64_t counts = (ns * timer_initial_count + TICK_NS - 1) / TICK_NS + 1;
    __atomic_store_n(&armed_ns[id], deadline, __ATOMIC_RELAXED);
    /* Never 0 (that stops the timer), also should a full tick's count + 1 wrap. */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)MIN(MAX(counts, TIMER_MIN_COUNT), UINT32_MAX));
}

void arch_timer_wake_at(uint64_t deadline)
{
    uint32_t id = this_cpu()->id;
    if (timer_live[id] && deadline < armed_ns[id])
        timer_load(id, deadline);
}

static void timer_interrupt(struct irq_frame *f, void *ctx)
{
    (void)ctx;
    uint32_t id = this_cpu()->id;
    uint64_t now = time_ns();
    __atomic_store_n(&armed_ns[id], UINT64_MAX, __ATOMIC_RELAXED);
    __atomic_store_n(&last_fired_ns[id], now, __ATOMIC_RELAXED);
    uint64_t next_sleeper;
    if (now + TICK_SLACK_NS >= next_tick_ns[id]) {
        next_tick_ns[id] += TICK_NS;
        if (next_tick_ns[id] <= now)    /* stalled for periods: one tick, as a periodic timer */
            next_tick_ns[id] = now + TICK_NS;
        if (id == 0)    /* one global count; every CPU's timer drives its own queue */
            __atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
        next_sleeper = sched_tick(irq_frame_from_user(f));
    } else {
        next_sleeper = sched_tick_sleepers();
    }
    arch_timer_wake_at(MIN(next_tick_ns[id], next_sleeper));
}

void lapic_timer_state(uint32_t cpu, uint64_t *last_fired, uint64_t *armed)
{
    *last_fired = cpu < MAX_CPUS ? __atomic_load_n(&last_fired_ns[cpu], __ATOMIC_RELAXED) : 0;
    *armed = cpu < MAX_CPUS ? __atomic_load_n(&armed_ns[cpu], __ATOMIC_RELAXED) : 0;
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
    lapic_timer_arm(false);
    return 0;
}

/* This CPU's timer with the boot CPU's calibration; masked, it never
 * interrupts (an AP until the scheduler runs threads there). */
static void lapic_timer_arm(bool masked)
{
    uint32_t id = this_cpu()->id;
    unsigned long f = irq_save();
    timer_live[id] = false;
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, IRQ_VECTOR_TIMER | (masked ? LVT_MASKED : 0));     /* one-shot */
    next_tick_ns[id] = time_ns() + TICK_NS;
    timer_load(id, next_tick_ns[id]);
    timer_live[id] = !masked;
    irq_restore(f);
}

int lapic_cpu_init(void)
{
    if (!lapic)
        return -1;
    lapic_enable_this_cpu();
    if (timer_initial_count)
        lapic_timer_arm(true);
    return 0;
}

void lapic_timer_unmask(void)
{
    if (lapic && timer_initial_count)
        lapic_timer_arm(false);
}

bool lapic_present(void)
{
    return lapic != NULL;
}

uint32_t lapic_id(void)
{
    return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

/* Sends one IPI and waits, by the clock, until the LAPIC has delivered it. */
static int lapic_send(uint32_t apic_id, uint32_t low)
{
    if (!lapic || apic_id > 0xff)
        return -1;      /* xAPIC addresses 8-bit ids only */
    unsigned long f = irq_save();
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_ICR_HIGH, apic_id << ICR_DEST_SHIFT);
    /* The caller's stores (a call slot) before the IPI that announces them. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    lapic_write(LAPIC_ICR_LOW, low);            /* this write sends */
    uint64_t t0 = time_ns();
    while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING) {
        if (time_ns() - t0 > ICR_IDLE_TIMEOUT_NS) {
            irq_restore(f);
            return -1;
        }
        cpu_relax();
    }
    irq_restore(f);
    return 0;
}

int lapic_send_init(uint32_t apic_id)
{
    /* Assert, then de-assert (SDM 3A 8.4.4.1; ignored by newer CPUs, required by
     * the MP spec's older ones). */
    if (lapic_send(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT) != 0)
        return -1;
    return lapic_send(apic_id, ICR_INIT | ICR_LEVEL);
}

int lapic_send_startup(uint32_t apic_id, uint8_t vector)
{
    return lapic_send(apic_id, ICR_STARTUP | vector);
}

int lapic_send_nmi(uint32_t apic_id)
{
    return lapic_send(apic_id, ICR_NMI | ICR_ASSERT);
}

int lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    return lapic_send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

uint32_t lapic_bus_mhz(void)
{
    return timer_initial_count ? (uint32_t)(timer_initial_count * (uint64_t)TIMER_HZ * 16 / 1000000) : 0;
}
