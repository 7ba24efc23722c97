/* Priority-inheritance futexes (FUTEX_LOCK_PI, _LOCK_PI2, _TRYLOCK_PI, _UNLOCK_PI):
 * the word holds the owner's TID, FUTEX_WAITERS while someone sleeps in the kernel
 * and FUTEX_OWNER_DIED after a robust owner died. The kernel takes a free word for
 * the caller, marks a held one and sleeps, and at unlock hands the word straight to
 * the first sleeper (FIFO), as Linux does, so a PTHREAD_PRIO_INHERIT mutex works with
 * musl and glibc. No priority is inherited: the scheduler is round-robin with no
 * priorities to lend (docs/STATUS.md). */

#include <osc/errno.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/time.h>
#include "../sched/sched_internal.h"
#include "futex_internal.h"
#include "proc_internal.h"

/* Bumped by every ending thread before its hand-over scan (futex_exit_pi). */
static uint64_t exit_gen;

/* The word's next value when tid takes a free word (tid bits 0) that held old. */
static uint32_t taken_value_locked(paddr_t key, uint32_t old, int tid,
                                   const struct futex_waiter *self)
{
    uint32_t v = (old & FUTEX_OWNER_DIED) | (uint32_t)tid;
    if (futex_first_waiter_locked(key, true, self))
        v |= FUTEX_WAITERS;
    return v;
}

long futex_lock_pi(uint64_t uaddr, uint64_t deadline, bool trylock)
{
    struct futex_waiter w = {
        .bitset = FUTEX_BITSET_ANY, .pi = true, .tid = proc_uthread()->tid,
        .thread = thread_current(),
    };
    int err = futex_key(uaddr, true, &w.key);
    if (err)
        return err;
    uint32_t *word = futex_word(w.key);
    unsigned long f = spin_lock_irqsave(&futex_lock);
    for (;;) {
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        uint32_t owner = v & FUTEX_TID_MASK;
        if (owner == (uint32_t)w.tid) {
            err = -EDEADLK;
            break;
        }
        if (!owner) {
            if (!futex_cas(word, &v, taken_value_locked(w.key, v, w.tid, &w)))
                continue;
            err = 0;
            break;
        }
        /* Held: the owner must exist. The process table ranks below futex_lock, so
         * look outside it, and start over if the word moved meanwhile or a thread
         * ended (it may have been the owner, already past its hand-over scan). */
        uint64_t gen = __atomic_load_n(&exit_gen, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&futex_lock, f);
        bool alive = proc_tid_alive((int)owner);
        f = spin_lock_irqsave(&futex_lock);
        if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != v ||
            (alive && __atomic_load_n(&exit_gen, __ATOMIC_SEQ_CST) != gen))
            continue;
        if (!alive) {
            err = -ESRCH;
            break;
        }
        if (trylock) {
            err = -EAGAIN;
            break;
        }
        if (!(v & FUTEX_WAITERS) && !futex_cas(word, &v, v | FUTEX_WAITERS))
            continue;
        if (deadline <= time_ns()) {
            err = -ETIMEDOUT;
            break;
        }
        err = futex_sleep_locked(&w, deadline);
        if (err == -EINTR)
            err = -ERESTARTNOINTR;      /* Linux restarts it after a handler */
        if (err || w.got_lock)
            break;
        /* Woken without the lock (its robust owner died): try again. */
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return err;
}

long futex_unlock_pi(uint64_t uaddr)
{
    int tid = proc_uthread()->tid;
    paddr_t key;
    int err = futex_key(uaddr, true, &key);
    if (err)
        return err;
    uint32_t *word = futex_word(key);
    unsigned long f = spin_lock_irqsave(&futex_lock);
    for (;;) {
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        if ((v & FUTEX_TID_MASK) != (uint32_t)tid) {
            err = -EPERM;
            break;
        }
        struct futex_waiter *next = futex_first_waiter_locked(key, true, NULL);
        uint32_t nv = 0;
        if (next) {
            nv = (uint32_t)next->tid;
            if (futex_first_waiter_locked(key, true, next))
                nv |= FUTEX_WAITERS;
        }
        if (!futex_cas(word, &v, nv))
            continue;           /* a locker set FUTEX_WAITERS meanwhile */
        if (next)
            futex_wake_one_locked(next, true);
        err = 0;
        break;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return err;
}

/* Linux handle_futex_death: only a word the dead thread still owns changes. */
int futex_owner_died(uint64_t uaddr, int tid, bool pi, bool pending)
{
    paddr_t key;
    int err = futex_key(uaddr, true, &key);
    if (err)
        return err;
    uint32_t *word = futex_word(key);
    unsigned long f = spin_lock_irqsave(&futex_lock);
    for (;;) {
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        /* Died between releasing a plain robust lock (word 0) and waking: the
         * wake-up it owed is done here. */
        if (pending && !pi && !v) {
            futex_wake_locked(key, 1, FUTEX_BITSET_ANY);
            break;
        }
        if ((v & FUTEX_TID_MASK) != (uint32_t)tid)
            break;
        if (!futex_cas(word, &v, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED))
            continue;
        if (v & FUTEX_WAITERS) {
            /* PI sleepers, whatever the entry's PI bit says (musl leaves it clear):
             * the first retries and takes the free word. */
            struct futex_waiter *w = futex_first_waiter_locked(key, true, NULL);
            if (w)
                futex_wake_one_locked(w, false);
            else
                futex_wake_locked(key, 1, FUTEX_BITSET_ANY);
        }
        break;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return 0;
}

/* Linux exit_pi_state_list: a thread that ends (or execs) owning PI words that
 * others sleep on hands each to its first sleeper, FUTEX_OWNER_DIED kept if the
 * robust walk set it, so they are not left waiting on a TID that is gone. Called
 * once the thread is off the process table: a locker that still saw it alive
 * notices exit_gen move and looks again. */
void futex_exit_pi(int tid)
{
    __atomic_fetch_add(&exit_gen, 1, __ATOMIC_SEQ_CST);
    unsigned long f = spin_lock_irqsave(&futex_lock);
    struct futex_waiter *w;
    while ((w = futex_find_pi_waiter_locked((uint32_t)tid))) {
        uint32_t *word = futex_word(w->key);
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST), nv;
        do {
            if ((v & FUTEX_TID_MASK) != (uint32_t)tid)
                break;
            nv = (v & FUTEX_OWNER_DIED) | (uint32_t)w->tid;
            if (futex_first_waiter_locked(w->key, true, w))
                nv |= FUTEX_WAITERS;
        } while (!futex_cas(word, &v, nv));
        /* Owned by someone else now (user space raced us): let it retry. */
        futex_wake_one_locked(w, (v & FUTEX_TID_MASK) == (uint32_t)tid);
    }
    spin_unlock_irqrestore(&futex_lock, f);
}
