/* Lock-order checking for debug builds (make DEBUG=1 defines LOCK_DEBUG): each CPU
 * keeps the stack of spinlocks it holds (struct cpu, never global: LESSONS 2) and
 * each thread the stack of mutexes it holds; a lock may only be taken when its rank
 * (docs/locking.md) is above the rank of the last one taken. */

#ifdef LOCK_DEBUG

#include <osc/panic.h>
#include <osc/percpu.h>
#include "sched_internal.h"

static const struct spinlock *lockdep_top(const struct cpu *c)
{
    return c->lock_depth ? c->locks_held[c->lock_depth - 1] : NULL;
}

bool lockdep_would_violate(const struct spinlock *l)
{
    const struct spinlock *top = lockdep_top(this_cpu());
    return top && l->rank <= top->rank;
}

/* Called with interrupts off, before the lock is taken: a violation panics while
 * nothing new is held (the log lock itself is taken raw, outside lockdep). */
void lockdep_acquire(struct spinlock *l)
{
    struct cpu *c = this_cpu();
    const struct spinlock *top = lockdep_top(c);
    if (top && l->rank <= top->rank)
        panic("lock order violation: %s (rank %u) after %s (rank %u)", l->name, l->rank,
              top->name, top->rank);
    if (c->lock_depth >= ARRAY_SIZE(c->locks_held))
        panic("lockdep: more than %zu spinlocks held taking %s", ARRAY_SIZE(c->locks_held),
              l->name);
    c->locks_held[c->lock_depth++] = l;
}

/* Releases need not be in LIFO order (a sleeper drops its wait-queue lock while
 * keeping the run-queue lock). l is only compared, not read, unless it is missing:
 * its memory may already be in a new owner's hands. */
void lockdep_release(struct spinlock *l)
{
    struct cpu *c = this_cpu();
    for (uint32_t i = c->lock_depth; i-- > 0;) {
        if (c->locks_held[i] != l)
            continue;
        for (uint32_t j = i; j + 1 < c->lock_depth; j++)
            c->locks_held[j] = c->locks_held[j + 1];
        c->lock_depth--;
        return;
    }
    panic("lockdep: releasing %s, which this CPU does not hold", l->name);
}

void lockdep_mutex_acquire(const struct mutex *m, bool check)
{
    struct thread *t = thread_current();
    if (check && t->mutex_depth) {
        const struct mutex *top = t->mutexes_held[t->mutex_depth - 1];
        if (m->lock.rank <= top->lock.rank)
            panic("lock order violation: %s (rank %u) after %s (rank %u)", m->lock.name,
                  m->lock.rank, top->lock.name, top->lock.rank);
    }
    if (t->mutex_depth >= MUTEX_HELD_MAX)
        panic("lockdep: thread '%s' holds more than %d mutexes", t->name, MUTEX_HELD_MAX);
    t->mutexes_held[t->mutex_depth++] = m;
}

void lockdep_mutex_release(const struct mutex *m)
{
    struct thread *t = thread_current();
    for (unsigned i = t->mutex_depth; i-- > 0;) {
        if (t->mutexes_held[i] != m)
            continue;
        for (unsigned j = i; j + 1 < t->mutex_depth; j++)
            t->mutexes_held[j] = t->mutexes_held[j + 1];
        t->mutex_depth--;
        return;
    }
    panic("lockdep: thread '%s' releases mutex %s it does not hold", t->name, m->lock.name);
}

#endif /* LOCK_DEBUG */
