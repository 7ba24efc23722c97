/* Inter-processor interrupts (x86_64): the reschedule IPI and cross-CPU calls
 * (smp_call_on, the primitive the TLB shoot-down builds on). Each (target, caller)
 * pair of CPUs owns one call slot, lock-free: the caller posts fn/arg and sends
 * IRQ_VECTOR_CALL, the target's handler runs every slot posted to it and frees it,
 * a waiting caller spins until then -- bounded by the clock (LESSONS 13), serving
 * calls posted to its own CPU meanwhile so two CPUs calling each other with
 * interrupts off cannot deadlock. */

#define LOG_TAG "smp"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <osc/smp.h>
#include <osc/time.h>
#include "arch_time.h"

enum {
    SLOT_FREE,          /* the caller may post */
    SLOT_POSTED,        /* fn/arg published; the target has not taken it yet */
    SLOT_RUNNING,       /* the target runs fn; it frees the slot afterwards */
};

struct call_slot {
    uint32_t state;     /* SLOT_*, atomic: the caller posts or withdraws, the target takes and frees */
    smp_call_fn fn;     /* written by the caller while FREE, read by the target once POSTED */
    void *arg;
};

/* slots[target][caller]. A slot belongs to its caller CPU, which keeps interrupts
 * off from posting to the end of its wait, so nothing "per holder" is shared
 * (LESSONS 2); nested use (a served fn calling the same target) finds the slot
 * busy and waits for it like any later call. */
static struct call_slot slots[MAX_CPUS][MAX_CPUS];

static bool cpu_online(uint32_t cpu)
{
    return cpu < MAX_CPUS && __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
}

/* Runs every call posted to this CPU. Interrupts off (IPI handler or a waiting
 * caller). */
static void serve_calls(void)
{
    struct call_slot *row = slots[this_cpu()->id];
    for (uint32_t from = 0; from < MAX_CPUS; from++) {
        struct call_slot *s = &row[from];
        uint32_t posted = SLOT_POSTED;
        if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != SLOT_POSTED ||
            !__atomic_compare_exchange_n(&s->state, &posted, SLOT_RUNNING, false,
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            continue;       /* nothing, or withdrawn by a caller that gave up */
        s->fn(s->arg);
        __atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
    }
}

static void call_interrupt(struct irq_frame *f, void *ctx)
{
    (void)f;
    (void)ctx;
    serve_calls();
}

/* Only a flag: the dispatcher's sched_irq_exit switches threads on a CPU that runs
 * them; on an AP without a run queue it is a no-op. */
static void reschedule_interrupt(struct irq_frame *f, void *ctx)
{
    (void)f;
    (void)ctx;
    this_cpu()->need_resched = true;
}

void smp_ipi_init(void)
{
    if (irq_register(IRQ_VECTOR_RESCHEDULE, reschedule_interrupt, NULL) != 0 ||
        irq_register(IRQ_VECTOR_CALL, call_interrupt, NULL) != 0)
        log_error("IPI vectors already taken: cross-CPU calls will time out");
}

/* Waits, serving this CPU's own calls, until s is free or SMP_CALL_TIMEOUT_NS
 * have passed since t0. *gap: the longest time between two of its clock reads (a
 * long one means this CPU itself did not run, e.g. its vCPU was descheduled). */
static bool wait_free(struct call_slot *s, uint64_t t0, uint64_t *gap)
{
    uint64_t last = t0;
    *gap = 0;
    while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_FREE) {
        serve_calls();
        uint64_t now = time_ns();
        *gap = MAX(*gap, now - last);
        last = now;
        if (now - t0 >= SMP_CALL_TIMEOUT_NS)
            return false;
        cpu_relax();
    }
    return true;
}

/* Takes back a call the target has not started; true when it will never run. */
static bool withdraw(struct call_slot *s)
{
    uint32_t posted = SLOT_POSTED;
    return __atomic_compare_exchange_n(&s->state, &posted, SLOT_FREE, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Posts fn(arg) in this CPU's slot on cpu and sends the IPI. Interrupts off. */
static int post(uint32_t cpu, smp_call_fn fn, void *arg)
{
    struct call_slot *s = &slots[cpu][this_cpu()->id];
    uint64_t gap;
    /* Free unless an earlier call without wait (or one that timed out) is still
     * pending there. */
    if (!wait_free(s, time_ns(), &gap)) {
        log_warn("CPU %u has not finished this CPU's previous call (%p) in %llu ms", cpu,
                 (void *)s->fn, SMP_CALL_TIMEOUT_NS / 1000000);
        return -EBUSY;
    }
    s->fn = fn;
    s->arg = arg;
    __atomic_store_n(&s->state, SLOT_POSTED, __ATOMIC_RELEASE);
    if (lapic_send_ipi(cpus[cpu].apic_id, IRQ_VECTOR_CALL) != 0 && withdraw(s)) {
        log_warn("call-function IPI to CPU %u (APIC id %u) not delivered", cpu,
                 cpus[cpu].apic_id);
        return -EIO;
    }
    return 0;       /* (a failed send the target served anyway counts as sent) */
}

/* Waits for the call posted in this CPU's slot on cpu, at most
 * SMP_CALL_TIMEOUT_NS from since. Interrupts off. */
static int await(uint32_t cpu, uint64_t since)
{
    struct call_slot *s = &slots[cpu][this_cpu()->id];
    uint64_t gap, fired, armed;
    if (wait_free(s, since, &gap))
        return 0;
    if (withdraw(s)) {
        /* Tells a silent target (its timer long quiet too: interrupts off, or
         * its vCPU not run) from a caller that itself did not run for a while. */
        uint64_t now = time_ns();
        lapic_timer_state(cpu, &fired, &armed);
        log_warn("CPU %u did not take a call in %llu ms; withdrawn (this CPU's clock "
                 "reads up to %llu ms apart; CPU %u's timer last fired %lld ms ago, "
                 "loaded for %lld ms from now)", cpu, SMP_CALL_TIMEOUT_NS / 1000000,
                 (unsigned long long)(gap / 1000000), cpu,
                 (long long)((int64_t)(now - fired) / 1000000),
                 armed == UINT64_MAX ? -1ll : (long long)((int64_t)(armed - now) / 1000000));
    } else if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_FREE) {
        return 0;   /* finished just now */
    } else {
        log_warn("CPU %u still runs call %p after %llu ms; not waiting longer", cpu,
                 (void *)s->fn, SMP_CALL_TIMEOUT_NS / 1000000);
    }
    return -ETIMEDOUT;
}

int smp_call_on(uint32_t cpu, smp_call_fn fn, void *arg, bool wait)
{
    if (!cpu_online(cpu))
        return -ENXIO;
    unsigned long f = irq_save();
    int err = 0;
    if (cpu == this_cpu()->id)
        fn(arg);                /* as the IPI handler would: interrupts off */
    else if ((err = post(cpu, fn, arg)) == 0 && wait)
        err = await(cpu, time_ns());
    irq_restore(f);
    return err;
}

int smp_call_mask(uint64_t mask, smp_call_fn fn, void *arg)
{
    unsigned long f = irq_save();
    uint32_t me = this_cpu()->id, n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
    int err = 0, e;
    bool posted[MAX_CPUS] = { false };
    /* Post to every CPU first, then wait for all within one bound: they run fn in
     * parallel, and several silent CPUs cost one timeout, not one each. */
    for (uint32_t cpu = 0; cpu < n; cpu++) {
        if (cpu == me || !(mask & (1ull << cpu)) || !cpu_online(cpu))
            continue;
        if ((e = post(cpu, fn, arg)) == 0)
            posted[cpu] = true;
        else if (!err)
            err = e;
    }
    uint64_t since = time_ns();
    for (uint32_t cpu = 0; cpu < n; cpu++)
        if (posted[cpu] && (e = await(cpu, since)) != 0 && !err)
            err = e;
    irq_restore(f);
    return err;
}

int smp_call_all_others(smp_call_fn fn, void *arg)
{
    return smp_call_mask(~0ull, fn, arg);
}

int smp_send_reschedule(uint32_t cpu)
{
    if (!cpu_online(cpu))
        return -ENXIO;
    return lapic_send_ipi(cpus[cpu].apic_id, IRQ_VECTOR_RESCHEDULE) == 0 ? 0 : -EIO;
}

static volatile bool stopping;

bool smp_stopping(void)
{
    return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

void smp_stop_others(void)
{
    __atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
    uint32_t me = this_cpu()->id, n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
    for (uint32_t cpu = 0; cpu < n && cpu < MAX_CPUS; cpu++)
        if (cpu != me && __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
            lapic_send_nmi(cpus[cpu].apic_id);
}
