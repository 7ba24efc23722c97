/* KTESTs of the pending-signal queues (sigqueue.c): queueing order, coalescing,
 * discarding, the pool's limit, and the siginfo_t layout user space reads. */

#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/signal.h>
#include "proc_internal.h"

static struct sigpending q;     /* ~3 KiB: too big for a test's stack frame */

static struct ksiginfo queued(int sig, int value)
{
    return (struct ksiginfo){ .signo = sig, .code = SI_QUEUE, .value = (uint64_t)value };
}

KTEST(sigqueue_rt_signals_queue_in_order_and_standard_ones_coalesce)
{
    unsigned long f = spin_lock_irqsave(&signal_lock);
    memset(&q, 0, sizeof(q));
    struct ksiginfo a = queued(SIGRTMIN + 3, 1), b = queued(SIGRTMIN + 3, 2);
    struct ksiginfo u1 = queued(SIGUSR1, 10), u2 = queued(SIGUSR1, 11);
    int e1 = sigpending_add_locked(&q, SIGRTMIN + 3, &a);
    int e2 = sigpending_add_locked(&q, SIGUSR1, &u1);
    int e3 = sigpending_add_locked(&q, SIGRTMIN + 3, &b);
    int e4 = sigpending_add_locked(&q, SIGUSR1, &u2);
    uint64_t set = q.set;
    struct ksiginfo r1, r2, r3;
    sigpending_take_locked(&q, SIGRTMIN + 3, &r1);
    uint64_t set_after_one = q.set;
    sigpending_take_locked(&q, SIGRTMIN + 3, &r2);
    sigpending_take_locked(&q, SIGUSR1, &r3);
    uint64_t set_after_all = q.set;
    bool empty = !q.head && !q.tail;
    spin_unlock_irqrestore(&signal_lock, f);
    KT_ASSERT(!e1 && !e2 && !e3 && !e4);
    KT_ASSERT_EQ(set, (1ull << (SIGRTMIN + 2)) | (1ull << (SIGUSR1 - 1)));
    KT_ASSERT_EQ(r1.value, 1);
    KT_ASSERT(set_after_one & (1ull << (SIGRTMIN + 2)));     /* one more queued */
    KT_ASSERT_EQ(r2.value, 2);
    KT_ASSERT_EQ(r3.value, 10);                             /* the first kept */
    KT_ASSERT_EQ(set_after_all, 0);
    KT_ASSERT(empty);
}

KTEST(sigqueue_full_pool_refuses_sigqueue_but_not_kill_and_discard_refills_it)
{
    unsigned long f = spin_lock_irqsave(&signal_lock);
    memset(&q, 0, sizeof(q));
    struct ksiginfo k = queued(SIGRTMAX, 0);
    int n = 0, err;
    while ((err = sigpending_add_locked(&q, SIGRTMAX, &k)) == 0 && n <= SIGQUEUE_MAX)
        n++;
    struct ksiginfo kill_info = { .signo = SIGRTMIN, .code = SI_USER };
    int kill_err = sigpending_add_locked(&q, SIGRTMIN, &kill_info);
    bool kill_pending = q.set & (1ull << (SIGRTMIN - 1));
    struct ksiginfo got;
    sigpending_take_locked(&q, SIGRTMIN, &got);         /* no entry: a bare SI_USER */
    sigpending_discard_locked(&q, 0);
    uint64_t set = q.set;
    int again = sigpending_add_locked(&q, SIGRTMAX, &k);
    sigpending_discard_locked(&q, 0);
    spin_unlock_irqrestore(&signal_lock, f);
    /* Other processes may hold entries: at most the whole pool was ours. */
    KT_ASSERT(n > 0 && n <= SIGQUEUE_MAX);
    KT_ASSERT_EQ(err, -EAGAIN);
    KT_ASSERT_EQ(kill_err, 0);
    KT_ASSERT(kill_pending);
    KT_ASSERT_EQ(got.code, SI_USER);
    KT_ASSERT_EQ(got.signo, SIGRTMIN);
    KT_ASSERT_EQ(set, 0);
    KT_ASSERT_EQ(again, 0);
}

KTEST(sigqueue_siginfo_layout_matches_linux_for_queue_timer_and_child)
{
    struct linux_siginfo si;
    const uint8_t *b = (const uint8_t *)&si;
    struct ksiginfo k = { .signo = SIGRTMIN, .code = SI_QUEUE, .pid = 7, .uid = 8,
                          .value = 0x1122334455667788ull };
    signal_siginfo_fill(&si, &k);
    KT_ASSERT_EQ(*(const int32_t *)(b + 8), SI_QUEUE);
    KT_ASSERT_EQ(*(const int32_t *)(b + 16), 7);
    KT_ASSERT_EQ(*(const int32_t *)(b + 20), 8);
    KT_ASSERT_EQ(*(const uint64_t *)(b + 24), 0x1122334455667788ull);
    k = (struct ksiginfo){ .signo = SIGALRM, .code = SI_TIMER, .timerid = 3, .overrun = 9,
                           .value = 42 };
    signal_siginfo_fill(&si, &k);
    KT_ASSERT_EQ(*(const int32_t *)(b + 16), 3);
    KT_ASSERT_EQ(*(const int32_t *)(b + 20), 9);
    KT_ASSERT_EQ(*(const uint64_t *)(b + 24), 42);
    k = (struct ksiginfo){ .signo = SIGCHLD, .code = CLD_EXITED, .pid = 5, .status = 6 };
    signal_siginfo_fill(&si, &k);
    KT_ASSERT_EQ(*(const int32_t *)(b + 16), 5);
    KT_ASSERT_EQ(*(const int32_t *)(b + 24), 6);
}
