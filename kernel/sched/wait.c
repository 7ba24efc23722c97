/* Wait queues and sleeping mutexes. A wake-up with no waiter does nothing: there is
 * no "pending" count (LESSONS 4); sleepers re-check their condition under the wait
 * queue's lock, which is what makes missed wake-ups impossible. */

#define LOG_TAG "sched"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/panic.h>
#include <osc/time.h>
#include "sched_internal.h"

void waitqueue_init(struct waitqueue *wq)
{
    spin_init(&wq->lock, "waitqueue", RANK_WAITQUEUE);
    wq->head = wq->tail = NULL;
    wq->pollers = NULL;
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

static void poll_waiter_wake(struct poll_waiter *w);

void waitqueue_wake_locked(struct waitqueue *wq, int n)
{
    struct thread *t;
    while (n != 0 && (t = tq_pop_head(&wq->head, &wq->tail))) {
        sched_make_ready(t);
        if (n > 0)
            n--;
    }
    for (struct poll_entry *e = wq->pollers; e; e = e->next)
        poll_waiter_wake(e->waiter);
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

/* ---- interruptible sleeps (signals) ----
 * intr_lock (rank 65) makes a signal sender's look at t->intr_wq safe: the sleeper
 * clears intr_wq only under it, so while the sender holds it the queue the field
 * names cannot be left and freed. Ordering between "sender sets pending, then reads
 * intr_wq" and "sleeper sets intr_wq, then reads pending" is a full fence on each
 * side (store-load), so at least one of the two sees the other. */
static spinlock_t intr_lock = SPINLOCK_INIT("intr", 65);

static void intr_clear(struct thread *cur)
{
    spin_lock_irqs_off(&intr_lock);
    __atomic_store_n(&cur->intr_wq, NULL, __ATOMIC_RELEASE);
    spin_unlock_irqs_off(&intr_lock);
}

int waitqueue_sleep_interruptible_locked(struct waitqueue *wq, unsigned long *flags)
{
    struct thread *cur = thread_current();
    __atomic_store_n(&cur->intr_wq, wq, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!signal_pending_current())
        waitqueue_sleep_locked(wq, flags);
    /* Off the queue (a normal wake popped us; a signal wake removed us; or we never
     * slept): clear intr_wq outside wq->lock, which ranks above intr_lock. */
    tq_remove(&wq->head, &wq->tail, cur);
    spin_unlock_irqs_off(&wq->lock);
    intr_clear(cur);
    spin_lock_irqs_off(&wq->lock);
    return signal_pending_current() ? -EINTR : 0;
}

int thread_sleep_ns_interruptible(uint64_t ns, uint64_t *left)
{
    unsigned long f = irq_save();
    struct runqueue *rq = this_rq();
    spin_lock_irqs_off(&rq->lock);
    struct thread *cur = this_cpu()->current;
    uint64_t now = time_ns();
    cur->wake_at = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    cur->intr_sleep = true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (ns && !signal_pending_current()) {
        cur->state = THREAD_SLEEPING;
        sched_sleep_insert_locked(rq, cur);
        sched_switch_locked(rq);
        rq = this_rq();                 /* woken, perhaps on another CPU */
        spin_lock_irqs_off(&rq->lock);
    }
    cur->intr_sleep = false;
    spin_unlock_irqs_off(&rq->lock);
    irq_restore(f);
    now = time_ns();
    if (left)
        *left = cur->wake_at > now ? cur->wake_at - now : 0;
    return cur->wake_at > now && signal_pending_current() ? -EINTR : 0;
}

void sched_signal_wake(struct thread *t)
{
    unsigned long f = spin_lock_irqsave(&intr_lock);
    struct waitqueue *wq = __atomic_load_n(&t->intr_wq, __ATOMIC_ACQUIRE);
    if (wq) {
        spin_lock_irqs_off(&wq->lock);
        if (tq_remove(&wq->head, &wq->tail, t))
            sched_make_ready(t);
        spin_unlock_irqs_off(&wq->lock);
    }
    spin_unlock_irqrestore(&intr_lock, f);
    if (!sched_end_sleep(t, true))
        sched_kick(t);          /* running elsewhere: back to user mode sees it */
}

/* ---- poll waiters: one thread waiting on several queues ----
 * The waiter's lock orders "waker sets woken, then ends the sleep if sleeping"
 * against "sleeper tests woken, then sleeps": the sleeper is on the sleep list
 * before it drops the lock (thread_sleep_until_locked), so a waker that sees
 * sleeping finds it there. An entry stays on its queue until removed, so a waker
 * (holding that queue's lock) never touches a waiter that has gone. */
void poll_waiter_init(struct poll_waiter *w)
{
    spin_init(&w->lock, "poll_waiter", RANK_POLL_WAITER);
    w->thread = thread_current();
    w->woken = w->sleeping = false;
}

void poll_waiter_add(struct poll_waiter *w, struct poll_entry *e, struct waitqueue *wq)
{
    e->wq = wq;
    e->waiter = w;
    e->prev = NULL;
    unsigned long f = spin_lock_irqsave(&wq->lock);
    e->next = wq->pollers;
    if (e->next)
        e->next->prev = e;
    wq->pollers = e;
    spin_unlock_irqrestore(&wq->lock, f);
}

void poll_waiter_remove(struct poll_entry *e)
{
    struct waitqueue *wq = e->wq;
    unsigned long f = spin_lock_irqsave(&wq->lock);
    if (e->prev)
        e->prev->next = e->next;
    else
        wq->pollers = e->next;
    if (e->next)
        e->next->prev = e->prev;
    spin_unlock_irqrestore(&wq->lock, f);
    e->next = e->prev = NULL;
}

/* Caller holds a hooked queue's lock, interrupts off. */
static void poll_waiter_wake(struct poll_waiter *w)
{
    spin_lock_irqs_off(&w->lock);
    w->woken = true;
    if (w->sleeping)
        sched_wake_sleeping(w->thread);
    spin_unlock_irqs_off(&w->lock);
}

void poll_waiter_arm(struct poll_waiter *w)
{
    unsigned long f = spin_lock_irqsave(&w->lock);
    w->woken = false;
    spin_unlock_irqrestore(&w->lock, f);
}

void poll_waiter_sleep(struct poll_waiter *w, uint64_t deadline)
{
    unsigned long f = spin_lock_irqsave(&w->lock);
    if (!w->woken && deadline > time_ns()) {
        w->sleeping = true;
        thread_sleep_until_locked(&w->lock, deadline);
        w->sleeping = false;
    }
    spin_unlock_irqrestore(&w->lock, f);
}
