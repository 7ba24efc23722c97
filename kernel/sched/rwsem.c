/* Sleeping reader-writer lock over one wait queue (<osc/rwsem.h>): the VFS's
 * namespace lock, taken shared by path walks and exclusive by namespace changes. */

#include <osc/panic.h>
#include <osc/percpu.h>
#include <osc/rwsem.h>
#include "sched_internal.h"

void rwsem_init(struct rwsem *rw, const char *name, uint16_t rank)
{
    mutex_init(&rw->dep, name, rank);
    waitqueue_init(&rw->wq);
    rw->readers = 0;
    rw->writers_waiting = 0;
    rw->writer = NULL;
}

static void may_sleep(const struct rwsem *rw)
{
    if (!sched_running())
        return;     /* early boot: one flow, interrupts off; it cannot contend */
#ifdef LOCK_DEBUG
    if (this_cpu()->lock_depth != 0)
        panic("rwsem '%s' taken while holding a spinlock", rw->dep.lock.name);
#endif
    if (!irq_enabled() || this_cpu()->preempt_count != 0)
        panic("rwsem '%s' taken in atomic context", rw->dep.lock.name);
    if (rw->writer && rw->writer == thread_current())
        panic("rwsem '%s' is not recursive", rw->dep.lock.name);
}

/* Sleepers re-check their condition under wq.lock before each sleep and the state
 * changes under it too, so a wake-up after the change (waitqueue_wake_all takes
 * the lock) finds every sleeper that saw the old state already queued. */
void rwsem_down_read(struct rwsem *rw)
{
    may_sleep(rw);
    lockdep_mutex_acquire(&rw->dep, true);
    unsigned long f = spin_lock_irqsave(&rw->wq.lock);
    while (rw->writer || rw->writers_waiting)
        waitqueue_sleep_locked(&rw->wq, &f);
    rw->readers++;
    spin_unlock_irqrestore(&rw->wq.lock, f);
}

void rwsem_up_read(struct rwsem *rw)
{
    unsigned long f = spin_lock_irqsave(&rw->wq.lock);
    if (rw->readers <= 0)
        panic("rwsem '%s': up_read without a reader", rw->dep.lock.name);
    bool last = --rw->readers == 0 && rw->writers_waiting;
    spin_unlock_irqrestore(&rw->wq.lock, f);
    lockdep_mutex_release(&rw->dep);
    if (last)
        waitqueue_wake_all(&rw->wq);
}

void rwsem_down_write(struct rwsem *rw)
{
    may_sleep(rw);
    lockdep_mutex_acquire(&rw->dep, true);
    unsigned long f = spin_lock_irqsave(&rw->wq.lock);
    rw->writers_waiting++;
    while (rw->writer || rw->readers)
        waitqueue_sleep_locked(&rw->wq, &f);
    rw->writers_waiting--;
    rw->writer = thread_current();
    spin_unlock_irqrestore(&rw->wq.lock, f);
}

void rwsem_up_write(struct rwsem *rw)
{
    unsigned long f = spin_lock_irqsave(&rw->wq.lock);
    if (rw->writer != thread_current())
        panic("rwsem '%s' released by a thread that does not hold it", rw->dep.lock.name);
    rw->writer = NULL;
    spin_unlock_irqrestore(&rw->wq.lock, f);
    lockdep_mutex_release(&rw->dep);
    waitqueue_wake_all(&rw->wq);
}
