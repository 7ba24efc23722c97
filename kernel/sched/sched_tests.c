/* In-kernel tests of threads and scheduling: create/join, mutual exclusion under
 * contention, preemption by the tick, sleeping, wait-queue wake-ups (exactly one;
 * none remembered), poll waiters (no lost wake-up, deadlines), stack reaping, and
 * the lock-order checker. */

#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/time.h>
#include "sched_internal.h"

#define MS 1000000ull

/* True once a timer tick is seen within a bounded busy wait (interrupts on). The
 * tests that need the tick fail, rather than hang, without it. */
static bool tick_is_running(void)
{
    uint64_t t0 = time_ticks();
    for (long i = 0; i < 20000000 && time_ticks() == t0; i++)
        cpu_relax();
    return time_ticks() != t0;
}

/* ---- create/join, mutex ---- */

static struct mutex counter_lock;
static volatile long counter;
static volatile int inside;

static void bump_counter(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&counter_lock);
        if (inside++ != 0)
            counter = -1000000000;      /* two holders at once: poison the count */
        long v = counter;
        if (i % 8 == 0)
            sched_yield();              /* hold the mutex across a switch */
        counter = v + 1;
        inside--;
        mutex_unlock(&counter_lock);
    }
}

static int run_counter_threads(int nthreads, long per_thread)
{
    static struct thread *ts[200];
    mutex_init(&counter_lock, "test_counter", 10);
    counter = 0;
    int created = 0;
    for (int i = 0; i < nthreads; i++) {
        ts[i] = thread_create("counter", bump_counter, (void *)per_thread);
        if (!ts[i])
            break;
        created++;
    }
    for (int i = 0; i < created; i++)
        if (thread_join(ts[i]) != 0)
            return -1;
    return created;
}

KTEST(two_hundred_threads_join_and_count_exactly_under_a_mutex)
{
    KT_ASSERT_EQ(run_counter_threads(200, 20), 200);
    KT_ASSERT_EQ(counter, 200 * 20);
}

KTEST(mutex_keeps_one_holder_under_contention)
{
    KT_ASSERT_EQ(run_counter_threads(8, 2000), 8);
    KT_ASSERT_EQ(counter, 8 * 2000);
    KT_ASSERT(mutex_trylock(&counter_lock));
    KT_ASSERT(!mutex_trylock(&counter_lock));
    mutex_unlock(&counter_lock);
}

static struct thread *seen_self;
static char seen_name[THREAD_NAME_MAX];

static void record_self(void *arg)
{
    (void)arg;
    seen_self = thread_current();
    strlcpy(seen_name, thread_name(thread_current()), sizeof(seen_name));
}

KTEST(thread_sees_itself_and_its_name)
{
    struct thread *t = thread_create("self-check", record_self, NULL);
    KT_ASSERT(t != NULL);
    KT_ASSERT_EQ(thread_join(t), 0);
    KT_ASSERT(seen_self == t);
    KT_ASSERT_EQ(strcmp(seen_name, "self-check"), 0);
    KT_ASSERT_EQ(thread_join(thread_current()), -EINVAL);
    KT_ASSERT_EQ(thread_join(NULL), -EINVAL);
}

static void do_nothing(void *arg)
{
    (void)arg;
}

KTEST(joined_threads_give_back_their_stacks)
{
    /* Warm up once so any lazily allocated structures are already in place. */
    struct thread *t = thread_create("reap", do_nothing, NULL);
    KT_ASSERT(t != NULL);
    KT_ASSERT_EQ(thread_join(t), 0);
    size_t baseline = pmm_free_count();
    for (int i = 0; i < 100; i++) {
        t = thread_create("reap", do_nothing, NULL);
        KT_ASSERT(t != NULL);
        KT_ASSERT(pmm_free_count() < baseline);
        KT_ASSERT_EQ(thread_join(t), 0);
    }
    KT_ASSERT_EQ(pmm_free_count(), baseline);
}

static volatile bool detached_release;

/* Waits for the test to let it go: a detached thread that has exited may be
 * freed at once (on another CPU, by idle), so the test touches only live ones. */
static void wait_for_release(void *arg)
{
    (void)arg;
    while (!detached_release)
        thread_sleep_ns(MS);
}

KTEST(detached_threads_are_reaped_by_idle)
{
    KT_ASSERT(tick_is_running());
    size_t baseline = pmm_free_count();
    detached_release = false;
    for (int i = 0; i < 10; i++) {
        struct thread *t = thread_create("detached", i % 2 ? wait_for_release : do_nothing, NULL);
        KT_ASSERT(t != NULL);
        if (i % 2) {
            KT_ASSERT_EQ(thread_detach(t), 0);
            KT_ASSERT_EQ(thread_join(t), -EINVAL);      /* still running: t is valid */
        } else {
            KT_ASSERT_EQ(thread_detach(t), 0);          /* t may be gone from here on */
        }
    }
    detached_release = true;
    /* Sleeping lets the threads run and exit, then the idle thread free them. */
    for (int i = 0; i < 50 && pmm_free_count() != baseline; i++)
        thread_sleep_ns(10 * MS);
    KT_ASSERT_EQ(pmm_free_count(), baseline);
}

/* ---- preemption and sleep ---- */

static volatile bool spin_stop;
static volatile uint64_t spin_count[2];
static volatile bool spin_timed_out;

static void spin_without_yielding(void *arg)
{
    long idx = (long)arg;
    uint64_t deadline = time_ns() + 3000 * MS;    /* safety net only */
    while (!spin_stop) {
        spin_count[idx]++;
        if ((spin_count[idx] & 0xffff) == 0 && time_ns() > deadline) {
            spin_timed_out = true;
            break;
        }
    }
}

KTEST(timer_preempts_threads_that_never_yield)
{
    KT_ASSERT(tick_is_running());
    spin_stop = false;
    spin_timed_out = false;
    spin_count[0] = spin_count[1] = 0;
    struct thread *a = thread_create("spin-a", spin_without_yielding, (void *)0);
    struct thread *b = thread_create("spin-b", spin_without_yielding, (void *)1);
    KT_ASSERT(a && b);
    /* Both spinners must advance between two samples taken by this third thread
     * while neither has given up: only the tick can share the CPU like that. */
    thread_sleep_ns(50 * MS);
    uint64_t a1 = spin_count[0], b1 = spin_count[1];
    thread_sleep_ns(50 * MS);
    uint64_t a2 = spin_count[0], b2 = spin_count[1];
    spin_stop = true;
    KT_ASSERT_EQ(thread_join(a), 0);
    KT_ASSERT_EQ(thread_join(b), 0);
    KT_ASSERT(!spin_timed_out);
    KT_ASSERT(a2 > a1);
    KT_ASSERT(b2 > b1);
}

KTEST(sleep_20ms_lasts_at_least_20ms)
{
    KT_ASSERT(tick_is_running());
    uint64_t t0 = time_ns();
    thread_sleep_ns(20 * MS);
    KT_ASSERT(time_ns() - t0 >= 20 * MS);
}

/* ---- wait queues ---- */

static struct waitqueue test_wq;
static volatile bool wq_go;
static volatile int wq_woken, wq_returns;

static void wait_for_go(void *arg)
{
    (void)arg;
    unsigned long f = spin_lock_irqsave(&test_wq.lock);
    while (!wq_go) {
        waitqueue_sleep_locked(&test_wq, &f);
        wq_returns++;
    }
    wq_woken++;
    spin_unlock_irqrestore(&test_wq.lock, f);
}

static int waiters_queued(void)
{
    unsigned long f = spin_lock_irqsave(&test_wq.lock);
    int n = 0;
    for (struct thread *t = test_wq.head; t; t = t->next)
        n++;
    spin_unlock_irqrestore(&test_wq.lock, f);
    return n;
}

/* Yields until n threads wait on test_wq, for at most 2 s of wall-clock time:
 * the sleepers may run on other CPUs, which under emulation can lag far behind. */
static bool wait_until_queued(int n)
{
    for (uint64_t t0 = time_ns(); time_ns() - t0 < 2000 * MS;) {
        if (waiters_queued() == n)
            return true;
        sched_yield();
    }
    return false;
}

/* Yields until *v reaches n (bounded as above), then 20 times more so that a wrong
 * extra increment from another CPU has a chance to show. */
static void wait_until_count(volatile int *v, int n)
{
    for (uint64_t t0 = time_ns(); *v < n && time_ns() - t0 < 2000 * MS;)
        sched_yield();
    for (int i = 0; i < 20; i++)
        sched_yield();
}

static void reset_wq(void)
{
    waitqueue_init(&test_wq);
    wq_go = false;
    wq_woken = wq_returns = 0;
}

KTEST(waitqueue_wake_one_wakes_exactly_one_sleeper)
{
    reset_wq();
    struct thread *t[3];
    for (int i = 0; i < 3; i++) {
        t[i] = thread_create("wq-sleeper", wait_for_go, NULL);
        KT_ASSERT(t[i] != NULL);
    }
    KT_ASSERT(wait_until_queued(3));
    unsigned long f = spin_lock_irqsave(&test_wq.lock);
    wq_go = true;       /* any sleeper that wakes now leaves */
    spin_unlock_irqrestore(&test_wq.lock, f);
    waitqueue_wake_one(&test_wq);
    wait_until_count(&wq_woken, 1);
    KT_ASSERT_EQ(wq_woken, 1);
    KT_ASSERT_EQ(waiters_queued(), 2);
    waitqueue_wake_all(&test_wq);
    for (int i = 0; i < 3; i++)
        KT_ASSERT_EQ(thread_join(t[i]), 0);
    KT_ASSERT_EQ(wq_woken, 3);
}

KTEST(wake_with_no_waiter_is_not_remembered)
{
    reset_wq();
    waitqueue_wake_one(&test_wq);
    waitqueue_wake_all(&test_wq);
    struct thread *t = thread_create("wq-late", wait_for_go, NULL);
    KT_ASSERT(t != NULL);
    KT_ASSERT(wait_until_queued(1));
    for (int i = 0; i < 20; i++)
        sched_yield();
    KT_ASSERT_EQ(wq_returns, 0);     /* the early wake-ups did not count */
    KT_ASSERT_EQ(waiters_queued(), 1);
    unsigned long f = spin_lock_irqsave(&test_wq.lock);
    wq_go = true;
    spin_unlock_irqrestore(&test_wq.lock, f);
    waitqueue_wake_one(&test_wq);
    KT_ASSERT_EQ(thread_join(t), 0);
    KT_ASSERT_EQ(wq_returns, 1);
}

/* ---- poll waiters (one thread on several queues) ---- */

static void wake_test_wq_after_20ms(void *arg)
{
    (void)arg;
    thread_sleep_ns(20 * MS);
    waitqueue_wake_all(&test_wq);
}

KTEST(poll_waiter_woken_between_arm_and_sleep_does_not_sleep)
{
    reset_wq();
    struct waitqueue other;
    waitqueue_init(&other);
    struct poll_waiter w;
    struct poll_entry e[2];
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e[0], &test_wq);
    poll_waiter_add(&w, &e[1], &other);
    poll_waiter_arm(&w);
    waitqueue_wake_one(&other);     /* with no thread waiting: pollers still hear it */
    uint64_t t0 = time_ns();
    poll_waiter_sleep(&w, t0 + 10000 * MS);
    KT_ASSERT(time_ns() - t0 < 5000 * MS);      /* a lost wake-up sleeps 10 s */
    KT_ASSERT(w.woken);
    poll_waiter_remove(&e[1]);
    poll_waiter_remove(&e[0]);
    KT_ASSERT(test_wq.pollers == NULL && other.pollers == NULL);
}

KTEST(poll_waiter_sleeps_until_another_thread_wakes_a_hooked_queue)
{
    KT_ASSERT(tick_is_running());
    reset_wq();
    struct poll_waiter w;
    struct poll_entry e;
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e, &test_wq);
    poll_waiter_arm(&w);
    struct thread *t = thread_create("poll-waker", wake_test_wq_after_20ms, NULL);
    KT_ASSERT(t != NULL);
    uint64_t t0 = time_ns();
    while (!w.woken && time_ns() - t0 < 5000 * MS)
        poll_waiter_sleep(&w, t0 + 10000 * MS);
    KT_ASSERT(w.woken);
    KT_ASSERT(time_ns() - t0 < 5000 * MS);
    poll_waiter_remove(&e);
    KT_ASSERT_EQ(thread_join(t), 0);
}

KTEST(poll_waiter_sleep_ends_at_its_deadline_when_nothing_wakes_it)
{
    KT_ASSERT(tick_is_running());
    reset_wq();
    struct poll_waiter w;
    struct poll_entry e;
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e, &test_wq);
    poll_waiter_arm(&w);
    uint64_t deadline = time_ns() + 20 * MS;
    poll_waiter_sleep(&w, deadline);
    KT_ASSERT(time_ns() >= deadline);
    KT_ASSERT(!w.woken);
    poll_waiter_remove(&e);
}

/* ---- lock order checking ---- */

#ifdef LOCK_DEBUG
KTEST(lockdep_flags_out_of_order_and_recursive_acquisition)
{
    static spinlock_t low = SPINLOCK_INIT("test_low", 20);
    static spinlock_t mid = SPINLOCK_INIT("test_mid", 30);
    static spinlock_t high = SPINLOCK_INIT("test_high", 40);
    KT_ASSERT(!lockdep_would_violate(&low));
    unsigned long f = spin_lock_irqsave(&mid);
    bool low_bad = lockdep_would_violate(&low);
    bool mid_bad = lockdep_would_violate(&mid);
    bool high_ok = !lockdep_would_violate(&high);
    uint32_t depth = this_cpu()->lock_depth;
    spin_unlock_irqrestore(&mid, f);
    KT_ASSERT(low_bad);
    KT_ASSERT(mid_bad);
    KT_ASSERT(high_ok);
    KT_ASSERT_EQ(depth, 1);
    KT_ASSERT_EQ(this_cpu()->lock_depth, 0);
}
#endif

/* ---- CPU-time split (cputime.c) ---- */

KTEST(cputime_adjust_splits_run_time_by_the_tick_ratio_and_never_goes_back)
{
    uint64_t u = 0, s = 0;
    cputime_adjust(1000, 0, 0, &u, &s);         /* no ticks yet: all user */
    KT_ASSERT_EQ(u, 1000);
    KT_ASSERT_EQ(s, 0);
    u = s = 0;
    cputime_adjust(1000, 3, 1, &u, &s);         /* 3 : 1 */
    KT_ASSERT_EQ(u, 750);
    KT_ASSERT_EQ(s, 250);
    cputime_adjust(900, 0, 5, &u, &s);          /* less than reported: unchanged */
    KT_ASSERT_EQ(u, 750);
    KT_ASSERT_EQ(s, 250);
    cputime_adjust(2000, 1, 0, &u, &s);         /* all-user ratio keeps sys at 250 */
    KT_ASSERT_EQ(s, 250);
    KT_ASSERT_EQ(u, 1750);
    cputime_adjust(2100, 0, 1, &u, &s);         /* all-sys ratio keeps user at 1750 */
    KT_ASSERT_EQ(u, 1750);
    KT_ASSERT_EQ(s, 350);
    /* Large totals: no overflow in rtime * sticks / total. */
    u = s = 0;
    uint64_t big = 1ull << 62;
    cputime_adjust(big, 1000000, 3000000, &u, &s);
    KT_ASSERT_EQ(u + s, big);
    KT_ASSERT_EQ(s, big / 4 * 3);
}

KTEST(a_busy_thread_accumulates_cpu_time_and_a_sleeping_one_barely_does)
{
    struct thread *me = thread_current();
    uint64_t u0, s0, u1, s1;
    /* The wall clock starts first: all time charged between the two readings then
     * lies inside [t0, now], even when the host stalls the emulator in between. */
    uint64_t t0 = time_ns();
    sched_thread_cputime(me, &u0, &s0);
    while (time_ns() - t0 < 20 * MS)
        cpu_relax();
    sched_thread_cputime(me, &u1, &s1);
    KT_ASSERT(u1 + s1 >= u0 + s0);
    KT_ASSERT(u1 >= u0 && s1 >= s0);
    KT_ASSERT(u1 + s1 - (u0 + s0) <= time_ns() - t0);
    KT_ASSERT(u1 + s1 - (u0 + s0) > 0);
    /* Asleep for at least 50 ms of the span: at least that much of it is not
     * charged. Measured against the span's own wall time, so a host that stalls
     * the emulator (charged as run time, and seen in the wall time too) cannot
     * fail it. */
    uint64_t w0 = time_ns();
    thread_sleep_ns(50 * MS);
    uint64_t u2, s2;
    sched_thread_cputime(me, &u2, &s2);
    uint64_t span = time_ns() - w0;
    KT_ASSERT(u2 + s2 - (u1 + s1) + 25 * MS <= span);
}

KTEST(loadavg_step_decays_towards_the_active_count)
{
    uint64_t one = 1ull << LOAD_FSHIFT;
    KT_ASSERT_EQ(loadavg_step(0, 1884, 0), 0);
    uint64_t l = 0;
    for (int i = 0; i < 12 * 60; i++)               /* an hour of 5 s samples, 1 busy */
        l = loadavg_step(l, 1884, one);
    KT_ASSERT(l >= one - 2 && l <= one);
    uint64_t after = loadavg_step(l, 1884, 0);      /* idle: falls by about 8% */
    KT_ASSERT(after < l && after > l * 90 / 100);
    KT_ASSERT_EQ(loadavg_step(0, 1884, one), (one * (2048 - 1884) + one - 1) / one);
}
