/* Priority-inheritance futexes (FUTEX_LOCK_PI, _LOCK_PI2, _TRYLOCK_PI, _UNLOCK_PI,
 * and the requeue-PI pair for condition variables): the word holds the owner's TID,
 * FUTEX_WAITERS while someone sleeps in the kernel and FUTEX_OWNER_DIED after a
 * robust owner died. The kernel takes a free word for the caller, marks a held one
 * and sleeps, and at unlock (or when the owner thread ends) hands the word straight
 * to the first sleeper, FIFO, as Linux hands it to the top waiter, so a
 * PTHREAD_PRIO_INHERIT mutex works with musl and glibc. No priority is inherited:
 * the scheduler is round-robin with no priorities to lend (docs/STATUS.md). */

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

/* The word (read as v) is held by another TID: does that thread exist? The process
 * table ranks below futex_lock, so this drops the lock (*f: its flags) to look and
 * takes it again. 1: alive; -ESRCH: gone; 0: the word moved meanwhile, or a thread
 * ended (it may have been the owner, already past its hand-over scan): look again. */
static int owner_alive_locked(uint32_t *word, uint32_t v, unsigned long *f)
{
    uint64_t gen = __atomic_load_n(&exit_gen, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&futex_lock, *f);
    bool alive = proc_tid_alive((int)(v & FUTEX_TID_MASK));
    *f = spin_lock_irqsave(&futex_lock);
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != v ||
        (alive && __atomic_load_n(&exit_gen, __ATOMIC_SEQ_CST) != gen))
        return 0;
    return alive ? 1 : -ESRCH;
}

/* FUTEX_LOCK_PI's loop for w (key, tid, thread set; not queued) with futex_lock
 * held (*f: its flags); 0 once w->tid owns the word. */
static long lock_pi_locked(struct futex_waiter *w, uint64_t deadline, bool trylock,
                           unsigned long *f)
{
    uint32_t *word = futex_word(w->key);
    w->pi = true;
    for (;;) {
        uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
        uint32_t owner = v & FUTEX_TID_MASK;
        if (owner == (uint32_t)w->tid)
            return -EDEADLK;
        if (!owner) {
            if (futex_cas(word, &v, taken_value_locked(w->key, v, w->tid, w)))
                return 0;
            continue;
        }
        int alive = owner_alive_locked(word, v, f);
        if (alive <= 0) {
            if (alive)
                return alive;
            continue;
        }
        if (trylock)
            return -EAGAIN;
        if (!(v & FUTEX_WAITERS) && !futex_cas(word, &v, v | FUTEX_WAITERS))
            continue;
        if (deadline <= time_ns())
            return -ETIMEDOUT;
        int err = futex_sleep_locked(w, deadline);
        if (err || w->got_lock)
            return err;
        /* Woken without the lock (its robust owner died): try again. */
    }
}

long futex_lock_pi(uint64_t uaddr, uint64_t deadline, bool trylock)
{
    struct futex_waiter w = {
        .bitset = FUTEX_BITSET_ANY, .tid = proc_uthread()->tid, .thread = thread_current(),
    };
    int err = futex_waiter_key(&w, uaddr, true);
    if (err)
        return err;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    err = lock_pi_locked(&w, deadline, trylock, &f);
    spin_unlock_irqrestore(&futex_lock, f);
    return err == -EINTR ? -ERESTARTNOINTR : err;   /* Linux restarts it after a handler */
}

/* FUTEX_WAIT_REQUEUE_PI: a condition-variable wait on uaddr that
 * FUTEX_CMP_REQUEUE_PI ends by moving the sleeper onto the PI word at uaddr2 (or by
 * taking that word for it); returns 0 owning uaddr2. */
long futex_wait_requeue_pi(uint64_t uaddr, uint32_t val, uint64_t deadline, uint64_t uaddr2,
                           uint32_t bitset)
{
    struct futex_waiter w = {
        .bitset = bitset, .tid = proc_uthread()->tid, .thread = thread_current(),
    };
    if (!bitset)
        return -EINVAL;
    int err = futex_waiter_key(&w, uaddr, false);
    if (!err)
        err = futex_key(uaddr2, true, &w.pi_key);
    if (err)
        return err;
    if (w.key == w.pi_key)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    if (__atomic_load_n(futex_word(w.key), __ATOMIC_SEQ_CST) != val) {
        err = -EAGAIN;
    } else if (deadline <= time_ns()) {
        err = -ETIMEDOUT;
    } else {
        err = futex_sleep_locked(&w, deadline);
        if (!err && !w.got_lock)        /* requeued, then its owner died */
            err = w.pi ? lock_pi_locked(&w, deadline, false, &f) : -EAGAIN;
        if (err == -EINTR)      /* Linux: restart before the requeue, EAGAIN after */
            err = w.pi ? -EAGAIN : -ERESTARTNOINTR;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return err;
}

/* FUTEX_CMP_REQUEUE_PI: when uaddr still holds val, the first sleeper of
 * FUTEX_WAIT_REQUEUE_PI on uaddr gets the PI word at uaddr2 if it is free (woken
 * owning it), and up to nmove others (all of them, if the word is held) move to
 * sleep on it as PI lockers. The number woken plus moved. */
long futex_cmp_requeue_pi(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
                          uint32_t val)
{
    paddr_t k1, k2;
    if (nwake != 1 || nmove < 0)
        return -EINVAL;
    int err = futex_key(uaddr, false, &k1);
    if (!err)
        err = futex_key(uaddr2, true, &k2);
    if (err)
        return err;
    if (k1 == k2)
        return -EINVAL;
    uint32_t *word2 = futex_word(k2);
    unsigned long f = spin_lock_irqsave(&futex_lock);
    uint32_t alive_owner = 0;   /* word2's value whose owner was seen alive, lock held since */
    long r;
    for (;;) {
        if (__atomic_load_n(futex_word(k1), __ATOMIC_SEQ_CST) != val) {
            r = -EAGAIN;
            break;
        }
        struct futex_waiter *top = futex_first_waiter_locked(k1, false, NULL);
        if (!top) {
            r = 0;
            break;
        }
        if (!futex_only_requeue_pi_waiters_locked(k1, k2)) {
            r = -EINVAL;        /* a plain waiter, or one bound for another word */
            break;
        }
        uint32_t v = __atomic_load_n(word2, __ATOMIC_SEQ_CST);
        uint32_t owner = v & FUTEX_TID_MASK;
        if (owner == (uint32_t)top->tid) {
            r = -EDEADLK;
            break;
        }
        if (owner && v != alive_owner) {
            /* The lock is dropped to look: sleepers may leave meanwhile, so every
             * check above is made again (top may be gone) before acting. */
            alive_owner = 0;
            int alive = owner_alive_locked(word2, v, &f);
            if (alive < 0) {
                r = alive;
                break;
            }
            if (alive)
                alive_owner = v;
            continue;
        }
        /* Everything checked: act. A held word takes the first sleeper too (Linux
         * counts it as the one to wake); FUTEX_WAITERS goes on while anyone will
         * sleep on the word. */
        int n = owner ? (nmove == INT32_MAX ? nmove : nmove + 1) : nmove;
        bool sleepers = futex_first_waiter_locked(k2, true, NULL) || owner ||
                        (n > 0 && futex_first_waiter_locked(k1, false, top));
        uint32_t nv = owner ? v : (v & FUTEX_OWNER_DIED) | (uint32_t)top->tid;
        if (sleepers)
            nv |= FUTEX_WAITERS;
        if (nv != v && !futex_cas(word2, &v, nv))
            continue;
        r = 0;
        if (!owner) {
            futex_wake_one_locked(top, true);
            r = 1;
        }
        r += futex_move_to_pi_locked(k1, k2, uaddr2, n);
        break;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return r;
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
