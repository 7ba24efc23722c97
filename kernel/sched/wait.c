/* Wait queues and sleeping mutexes. A wake-up with no waiter does nothing: there is
 * no "pending" count (LESSONS 4); sleepers re-check their condition under the wait
 * queue's lock, which is what makes missed wake-ups impossible. */

#define LOG_TAG "sched"
#include <osc/arch.h>
#include <osc/panic.h>
#include "sched_internal.h"

void waitqueue_init(struct waitqueue *wq)
{
    spin_init(&wq->lock, "waitqueue", RANK_WAITQUEUE);
    wq->head = wq->tail = NULL;
}

void waitqueue_sleep_locked(struct waitqueue *wq, unsigned long *flags)
{
    (void)flags;    /* interrupts stay off throughout; the caller restores them */
    struct thread *cur = thread_current();
    struct runqueue *rq = this_rq();
    /* Take the run-queue lock before dropping wq->lock: a waker on another CPU
     * then cannot make us READY (it needs that run-queue lock) until the switch
     * away from this stack is complete. */
    spin_lock_irqs_off(&rq->lock);
    cur->state = THREAD_BLOCKED;
    tq_push_tail(&wq->head, &wq->tail, cur);
    spin_unlock_irqs_off(&wq->lock);
    sched_switch_locked(rq);
    spin_lock_irqs_off(&wq->lock);
}

void waitqueue_wake_locked(struct waitqueue *wq, int n)
{
    struct thread *t;
    while (n != 0 && (t = tq_pop_head(&wq->head, &wq->tail))) {
        sched_make_ready(t);
        if (n > 0)
            n--;
    }
}

void waitqueue_wake_one(struct waitqueue *wq)
{
    unsigned long f = spin_lock_irqsave(&wq->lock);
    waitqueue_wake_locked(wq, 1);
    spin_unlock_irqrestore(&wq->lock, f);
}

void waitqueue_wake_all(struct waitqueue *wq)
{
    unsigned long f = spin_lock_irqsave(&wq->lock);
    waitqueue_wake_locked(wq, -1);
    spin_unlock_irqrestore(&wq->lock, f);
}

/* m->lock is the mutex's identity for lock-order checking (name, rank) and is
 * never spun on; owner and the waiter list are protected by m->waiters.lock. */
void mutex_init(struct mutex *m, const char *name, uint16_t rank)
{
    spin_init(&m->lock, name, rank);
    m->owner = NULL;
    waitqueue_init(&m->waiters);
}

static void mutex_check_may_sleep(const struct mutex *m)
{
    if (!sched_running())
        return;     /* early boot: one flow, interrupts off; it cannot contend */
#ifdef LOCK_DEBUG
    if (this_cpu()->lock_depth != 0)
        panic("mutex '%s' taken while holding a spinlock", m->lock.name);
#endif
    if (!irq_enabled() || this_cpu()->preempt_count != 0)
        panic("mutex '%s' taken in atomic context", m->lock.name);
}

void mutex_lock(struct mutex *m)
{
    mutex_check_may_sleep(m);
    struct thread *cur = thread_current();
    if (m->owner == cur)
        panic("mutex '%s' is not recursive (thread '%s')", m->lock.name, cur->name);
    lockdep_mutex_acquire(m, true);
    unsigned long f = spin_lock_irqsave(&m->waiters.lock);
    while (m->owner)
        waitqueue_sleep_locked(&m->waiters, &f);
    m->owner = cur;
    spin_unlock_irqrestore(&m->waiters.lock, f);
}

bool mutex_trylock(struct mutex *m)
{
    unsigned long f = spin_lock_irqsave(&m->waiters.lock);
    bool got = m->owner == NULL;
    if (got)
        m->owner = thread_current();
    spin_unlock_irqrestore(&m->waiters.lock, f);
    if (got)
        lockdep_mutex_acquire(m, false);     /* a trylock cannot deadlock */
    return got;
}

void mutex_unlock(struct mutex *m)
{
    struct thread *cur = thread_current();
    unsigned long f = spin_lock_irqsave(&m->waiters.lock);
    if (m->owner != cur)
        panic("mutex '%s' unlocked by '%s', which does not hold it", m->lock.name, cur->name);
    m->owner = NULL;
    /* The woken thread competes again for the mutex (no hand-off). */
    waitqueue_wake_locked(&m->waiters, 1);
    spin_unlock_irqrestore(&m->waiters.lock, f);
    lockdep_mutex_release(m);
}
