/* In-kernel tests of the IPIs and cross-CPU calls (smp_call.c). With one CPU they
 * check the call-on-self and "no such CPU" paths; with APs (tests/qemu/smp.py,
 * selftest.py --smp 2) every online AP is called and answers from its own id. */

#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/ktest.h>
#include <osc/percpu.h>
#include <osc/smp.h>
#include <osc/time.h>

#define ROUNDS          10000
#define ASYNC_ROUNDS    1000
#define PROMPT_NS       100000000ull    /* 0.1 s: a refused call is answered at once */

static uint32_t online(void)
{
    return __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
}

/* The CPU the loops below call: the first AP, or this CPU when there is none. */
static uint32_t some_other_cpu(void)
{
    return online() > 1 ? (this_cpu()->id == 0 ? 1 : 0) : this_cpu()->id;
}

struct whoami {
    uint32_t id;
    bool irqs_off;
    uint64_t seen;      /* written by the caller before the call, read by fn */
    uint64_t echo;
};

static void record_cpu(void *arg)
{
    struct whoami *w = arg;
    w->id = this_cpu()->id;
    w->irqs_off = !irq_enabled();
    w->echo = w->seen;      /* the caller's write is visible here */
}

KTEST(call_on_each_online_cpu_runs_there_with_interrupts_off)
{
    uint32_t n = online();
    for (uint32_t cpu = 0; cpu < n; cpu++) {
        struct whoami w = { .id = ~0u, .seen = 0x5eed0000ull + cpu };
        KT_ASSERT_EQ(smp_call_on(cpu, record_cpu, &w, true), 0);
        KT_ASSERT_EQ(w.id, cpu);
        KT_ASSERT(w.irqs_off);
        KT_ASSERT_EQ(w.echo, 0x5eed0000ull + cpu);
    }
    KT_ASSERT(irq_enabled());       /* the caller's state is back */
    log_write(LOG_INFO, "test", "called %u CPU(s), each answered with its own id", n);
}

KTEST(call_to_a_cpu_that_is_not_online_fails_at_once)
{
    uint64_t t0 = time_ns();
    int calls = 0;
    /* The first id past the online ones (an AP left out by maxcpus=, or none),
     * the last possible slot, and ids past the array. */
    const uint32_t ids[] = { online(), MAX_CPUS - 1, MAX_CPUS, 1000, ~0u };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i] < MAX_CPUS && __atomic_load_n(&cpus[ids[i]].online, __ATOMIC_ACQUIRE))
            continue;
        struct whoami w = { .id = ~0u };
        KT_ASSERT_EQ(smp_call_on(ids[i], record_cpu, &w, true), -ENXIO);
        KT_ASSERT_EQ(smp_call_on(ids[i], record_cpu, &w, false), -ENXIO);
        KT_ASSERT_EQ(smp_send_reschedule(ids[i]), -ENXIO);
        KT_ASSERT_EQ(w.id, ~0u);            /* fn never ran */
        calls++;
    }
    KT_ASSERT(calls >= 3);
    KT_ASSERT(time_ns() - t0 < PROMPT_NS);
}

static void count_call(void *arg)
{
    (*(uint64_t *)arg)++;       /* plain increment: ordering alone keeps it exact */
}

/* No call lost or run twice; also the round-trip time for docs/STATUS.md. */
KTEST(ten_thousand_waited_calls_all_run_exactly_once)
{
    uint32_t cpu = some_other_cpu();
    uint64_t counter = 0;
    uint64_t t0 = time_ns(), c0 = rdtsc();
    for (int i = 0; i < ROUNDS; i++) {
        KT_ASSERT_EQ(smp_call_on(cpu, count_call, &counter, true), 0);
        KT_ASSERT_EQ(counter, (uint64_t)i + 1);
    }
    uint64_t cycles = rdtsc() - c0, ns = time_ns() - t0;
    KT_ASSERT_EQ(counter, ROUNDS);
    log_write(LOG_INFO, "test", "%d waited calls CPU %u -> CPU %u: %llu TSC cycles "
              "(%llu ns) per round trip", ROUNDS, this_cpu()->id, cpu,
              (unsigned long long)(cycles / ROUNDS), (unsigned long long)(ns / ROUNDS));
}

/* Calls without wait reuse the slot only once the target is done with it. */
KTEST(calls_without_wait_all_run_before_a_later_waited_call_returns)
{
    uint32_t cpu = some_other_cpu();
    static uint64_t counter;    /* not on this stack: a call left posted may run late */
    counter = 0;
    for (int i = 0; i < ASYNC_ROUNDS; i++)
        KT_ASSERT_EQ(smp_call_on(cpu, count_call, &counter, false), 0);
    KT_ASSERT_EQ(smp_call_on(cpu, count_call, &counter, true), 0);
    KT_ASSERT_EQ(counter, ASYNC_ROUNDS + 1);
}

static uint64_t marks[MAX_CPUS];

static void mark_cpu(void *arg)
{
    marks[this_cpu()->id] += (uint64_t)arg;
}

KTEST(call_all_others_runs_once_on_every_other_online_cpu)
{
    for (uint32_t i = 0; i < MAX_CPUS; i++)
        marks[i] = 0;
    KT_ASSERT_EQ(smp_call_all_others(mark_cpu, (void *)7), 0);
    uint32_t me = this_cpu()->id, n = online();
    for (uint32_t i = 0; i < MAX_CPUS; i++)
        KT_ASSERT_EQ(marks[i], i < n && i != me ? 7 : 0);
}

/* A CPU waiting for its call serves the calls posted to it: the target calling
 * back into the waiting caller (both with interrupts off) completes. */
static void call_back(void *arg)
{
    struct whoami *w = arg;
    (void)smp_call_on((uint32_t)w->seen, record_cpu, w, true);
}

KTEST(a_call_that_calls_back_into_its_waiting_caller_completes)
{
    uint32_t me = this_cpu()->id;
    struct whoami w = { .id = ~0u, .seen = me };
    KT_ASSERT_EQ(smp_call_on(some_other_cpu(), call_back, &w, true), 0);
    KT_ASSERT_EQ(w.id, me);
    KT_ASSERT(w.irqs_off);
}

/* The reschedule IPI reaches every online CPU (this one too). Every CPU runs
 * threads, so a target consumes the flag it sets at once: count deliveries. */
KTEST(reschedule_ipi_reaches_every_online_cpu)
{
    uint32_t n = online();
    uint64_t before = irq_count(IRQ_VECTOR_RESCHEDULE);
    for (uint32_t cpu = 0; cpu < n; cpu++)
        KT_ASSERT_EQ(smp_send_reschedule(cpu), 0);
    uint64_t t0 = time_ns();
    bool all = false;
    while (!all && time_ns() - t0 < SMP_CALL_TIMEOUT_NS) {
        all = irq_count(IRQ_VECTOR_RESCHEDULE) - before >= n;
        cpu_relax();
    }
    KT_ASSERT(all);
}
