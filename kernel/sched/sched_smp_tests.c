/* In-kernel tests of scheduling across CPUs (meaningful with two or more online;
 * with one they check the single-CPU answers): threads run where their mask says,
 * wake-ups between CPUs are never lost, an idle CPU takes waiting work, and a
 * thread moved by an affinity change leaves at once. */

#include <osc/arch.h>
#include <osc/ktest.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/smp.h>
#include <osc/time.h>
#include "sched_internal.h"

#define MS 1000000ull

static uint32_t online_cpus(void)
{
    uint32_t n = 0;
    for (uint64_t m = sched_online_mask(); m; m &= m - 1)
        n++;                    /* no libgcc popcount in the kernel */
    return n;
}

static uint32_t cpu_now(void)
{
    unsigned long f = irq_save();
    uint32_t id = this_cpu()->id;
    irq_restore(f);
    return id;
}

/* ---- placement by mask ---- */

static volatile uint64_t ran_on[MAX_CPUS];     /* bit set per CPU a thread was seen on */

static void record_cpus(void *arg)
{
    uint32_t slot = (uint32_t)(uintptr_t)arg;
    for (int i = 0; i < 50; i++) {
        __atomic_fetch_or(&ran_on[slot], 1ull << cpu_now(), __ATOMIC_RELAXED);
        if (i % 10 == 0)
            sched_yield();
    }
}

KTEST(threads_run_only_on_the_cpu_their_mask_names)
{
    uint32_t n = online_cpus();
    struct thread *t[MAX_CPUS];
    for (uint32_t c = 0; c < n; c++) {
        ran_on[c] = 0;
        t[c] = thread_create_on("pinned", record_cpus, (void *)(uintptr_t)c, 1ull << c);
        KT_ASSERT(t[c] != NULL);
    }
    for (uint32_t c = 0; c < n; c++) {
        KT_ASSERT_EQ(thread_join(t[c]), 0);
        KT_ASSERT_EQ(ran_on[c], 1ull << c);
    }
}

/* ---- wake-ups between CPUs ---- */

#define PINGPONG_ROUNDS 2000      /* 4000 hand-offs each way */
static struct waitqueue ping_wq;
static volatile long turn;          /* under ping_wq.lock: even = side 0, odd = side 1 */

static void ping_side(void *arg)
{
    long side = (long)arg;
    unsigned long f = spin_lock_irqsave(&ping_wq.lock);
    while (turn < 2 * PINGPONG_ROUNDS) {
        if ((turn & 1) == side) {
            turn++;
            waitqueue_wake_locked(&ping_wq, -1);
        } else {
            waitqueue_sleep_locked(&ping_wq, &f);
        }
    }
    spin_unlock_irqrestore(&ping_wq.lock, f);
}

/* Runs the ping-pong with the two sides on the CPUs in masks a and b; false when
 * it stopped short (a lost wake-up leaves both asleep: seen within 60 s instead
 * of a hang in thread_join). */
static bool ping_pong(uint64_t a, uint64_t b, const char *what)
{
    waitqueue_init(&ping_wq);
    turn = 0;
    struct thread *t0 = thread_create_on("ping", ping_side, (void *)0L, a);
    struct thread *t1 = thread_create_on("pong", ping_side, (void *)1L, b);
    if (!t0 || !t1)
        return false;
    uint64_t t_start = time_ns();
    while (__atomic_load_n(&turn, __ATOMIC_RELAXED) < 2 * PINGPONG_ROUNDS &&
           time_ns() - t_start < 60000 * MS)
        thread_sleep_ns(5 * MS);
    bool done = turn == 2 * PINGPONG_ROUNDS;
    if (done) {
        thread_join(t0);
        thread_join(t1);
    }
    uint64_t ns = time_ns() - t_start;
    log_write(LOG_INFO, "test", "%d wait-queue hand-offs %s: %lu ms (%lu ns each)",
              2 * PINGPONG_ROUNDS, what, (unsigned long)(ns / MS),
              (unsigned long)(ns / (2 * PINGPONG_ROUNDS)));
    return done;
}

KTEST(wakeups_across_cpus_are_never_lost)
{
    uint32_t n = online_cpus();
    KT_ASSERT(ping_pong(1, 1, "on CPU 0"));
    KT_ASSERT(ping_pong(1, n > 1 ? 2 : 1, "between CPU 0 and CPU 1"));
}

/* ---- idle balancing and moves ---- */

static volatile bool spin_stop;

static void spin_until_stopped(void *arg)
{
    uint32_t slot = (uint32_t)(uintptr_t)arg;
    while (!__atomic_load_n(&spin_stop, __ATOMIC_RELAXED))
        __atomic_fetch_or(&ran_on[slot], 1ull << cpu_now(), __ATOMIC_RELAXED);
}

/* One spinner per CPU (at most 8), made on CPU 0 only, then allowed everywhere:
 * all but one wait in CPU 0's queue, so every other CPU, idle, must pull one. */
KTEST(idle_cpus_pull_threads_waiting_elsewhere)
{
    uint32_t n = online_cpus();
    enum { MAX_SPINNERS = 8 };
    uint32_t spinners = n < MAX_SPINNERS ? n : MAX_SPINNERS;
    struct thread *t[MAX_SPINNERS];
    spin_stop = false;
    for (uint32_t i = 0; i < spinners; i++) {
        ran_on[i] = 0;
        t[i] = thread_create_on("spinner", spin_until_stopped, (void *)(uintptr_t)i, 1);
        KT_ASSERT(t[i] != NULL);
    }
    for (uint32_t i = 0; i < spinners; i++)
        sched_thread_set_affinity(t[i], ~0ull);
    uint64_t want = spinners == n ? sched_online_mask() : (1ull << spinners) - 1;
    uint64_t seen = 0, t0 = time_ns();
    while ((seen & want) != want && time_ns() - t0 < 2000 * MS) {
        thread_sleep_ns(MS);
        seen = 0;
        for (uint32_t i = 0; i < spinners; i++)
            seen |= __atomic_load_n(&ran_on[i], __ATOMIC_RELAXED);
    }
    __atomic_store_n(&spin_stop, true, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < spinners; i++)
        KT_ASSERT_EQ(thread_join(t[i]), 0);
    KT_ASSERT_EQ(seen & want, want);
}

KTEST(an_affinity_change_moves_a_spinning_thread_at_once)
{
    uint32_t n = online_cpus();
    uint64_t last = 1ull << (n - 1);
    ran_on[0] = 0;
    spin_stop = false;
    struct thread *t = thread_create_on("mover", spin_until_stopped, (void *)0, 1);
    KT_ASSERT(t != NULL);
    while (!__atomic_load_n(&ran_on[0], __ATOMIC_RELAXED))
        thread_sleep_ns(MS);
    sched_thread_set_affinity(t, last);
    uint64_t t0 = time_ns();
    while (!(__atomic_load_n(&ran_on[0], __ATOMIC_RELAXED) & last) && time_ns() - t0 < 2000 * MS)
        thread_sleep_ns(MS);
    __atomic_store_n(&spin_stop, true, __ATOMIC_RELAXED);
    KT_ASSERT_EQ(thread_join(t), 0);
    KT_ASSERT(ran_on[0] & last);
}

/* ---- one clock for all CPUs ---- */

static void read_clock(void *arg)
{
    *(uint64_t *)arg = time_ns();
}

/* CPU time is measured with time_ns() at switches on whichever CPU a thread runs:
 * every CPU's clock must agree (TSCs in step), or a thread's time jumps when it
 * moves. A call to each other CPU must read a time between the caller's reads
 * before and after it. */
KTEST(every_cpu_reads_the_same_clock)
{
    uint32_t n = online_cpus();
    for (uint32_t c = 1; c < n; c++) {
        for (int i = 0; i < 100; i++) {
            uint64_t before = time_ns(), there = 0;
            KT_ASSERT_EQ(smp_call_on(c, read_clock, &there, true), 0);
            uint64_t after = time_ns();
            if (there < before || there > after)
                log_write(LOG_INFO, "test", "CPU %u clock off: %lu not in [%lu, %lu]", c,
                          (unsigned long)there, (unsigned long)before, (unsigned long)after);
            KT_ASSERT(there >= before && there <= after);
        }
    }
}
