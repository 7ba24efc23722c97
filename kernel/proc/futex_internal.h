/* Private to the futex files: the waiter hash that futex.c (wait, wake, requeue,
 * wake-op), futex_pi.c (priority-inheritance locks) and futex_robust.c (robust lists
 * walked at thread exit) share, and the Linux constants of the futex word. */
#pragma once

#include <osc/mm.h>
#include <osc/spinlock.h>
#include <osc/types.h>

/* Linux include/uapi/linux/futex.h */
#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_LOCK_PI         6
#define FUTEX_UNLOCK_PI       7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI  12
#define FUTEX_LOCK_PI2        13
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_BITSET_ANY      0xffffffffu

/* The futex word of a PI or robust lock: owner TID and two flags. */
#define FUTEX_WAITERS         0x80000000u
#define FUTEX_OWNER_DIED      0x40000000u
#define FUTEX_TID_MASK        0x3fffffffu

/* A sleeping thread; lives on its own kernel stack while it waits. All fields but
 * thread and tid change under futex_lock. */
struct futex_waiter {
    paddr_t key;                /* physical address of the word (LESSONS 5) */
    /* Where the word is in the sleeper's address space, and that space's fork_gen
     * when key was looked up: fork keeps the frame of a queued sleeper's word with
     * the parent (futex_fork_keep_frames) and a sleeper queued across a fork
     * re-checks (futex_sleep_locked). */
    struct mm_space *mm;
    uint64_t uaddr;
    uint32_t fork_gen;
    uint32_t bitset;
    bool woken;                 /* set by the waker */
    bool pi;                    /* FUTEX_LOCK_PI sleeper: only PI operations see it */
    paddr_t pi_key;             /* FUTEX_WAIT_REQUEUE_PI: the PI word it may move to */
    bool got_lock;              /* PI: FUTEX_UNLOCK_PI made it the owner */
    int tid;
    struct thread *thread;
    struct futex_waiter *next;
};

/* futex_lock (rank 75, docs/locking.md) protects every bucket, each waiter's fields
 * and every kernel read-modify-write of a futex word (done through the direct map
 * under it, so a waiter queued under the lock cannot miss the change). Taken with
 * no mutex held; takes only the run-queue lock (waking). */
extern spinlock_t futex_lock;

/* The key of the user word at uaddr in the caller's address space: -EINVAL when
 * misaligned, -EFAULT when unmapped (or, with write, not writable). */
int futex_key(uint64_t uaddr, bool write, paddr_t *key);
/* futex_key for a sleeper: also records where the word is (w->mm, w->uaddr) and
 * the address space's fork generation, read before the lookup. */
int futex_waiter_key(struct futex_waiter *w, uint64_t uaddr, bool write);

/* The word behind a key, through the direct map: only under futex_lock. */
static inline uint32_t *futex_word(paddr_t key)
{
    return (uint32_t *)phys_to_virt(key);
}

static inline bool futex_cas(uint32_t *word, uint32_t *expected, uint32_t desired)
{
    return __atomic_compare_exchange_n(word, expected, desired, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}

/* All under futex_lock: */
/* The first waiter queued on key (FIFO) of the given kind, skipping except. */
struct futex_waiter *futex_first_waiter_locked(paddr_t key, bool pi,
                                               const struct futex_waiter *except);
/* Every waiter on key sleeps in FUTEX_WAIT_REQUEUE_PI bound for pi_key. */
bool futex_only_requeue_pi_waiters_locked(paddr_t key, paddr_t pi_key);
/* Moves the first n waiters on key to pi_key (the mover's pi_uaddr) as PI
 * lockers; the count moved. */
int futex_move_to_pi_locked(paddr_t key, paddr_t pi_key, uint64_t pi_uaddr, int n);
/* A sleeper requeued by the current thread onto the word at uaddr. */
void futex_follow_word(struct futex_waiter *w, uint64_t uaddr);
/* The first PI waiter (any key) whose word's owner TID is owner. */
struct futex_waiter *futex_find_pi_waiter_locked(uint32_t owner);
/* Dequeues w and ends its sleep; got_lock: a PI hand-over. */
void futex_wake_one_locked(struct futex_waiter *w, bool got_lock);
/* Wakes up to n non-PI waiters on key whose bitset meets bitset; the count, or
 * -EINVAL when a PI waiter sits on the key (Linux refuses to mix the two). */
int futex_wake_locked(paddr_t key, int n, uint32_t bitset);
/* Queues w (key, bitset, pi, tid, thread set) and sleeps until woken or deadline
 * (time_ns(); UINT64_MAX: none). 0 when woken (w->woken), else dequeued and
 * -ETIMEDOUT or -EINTR (a signal), or -EAGAIN at once for a plain sleeper whose
 * address space forked between its key lookup and now (the key may be stale;
 * userspace re-reads the word and waits again, as after any EAGAIN). */
int futex_sleep_locked(struct futex_waiter *w, uint64_t deadline);

/* futex_pi.c */
long futex_lock_pi(uint64_t uaddr, uint64_t deadline, bool trylock);
long futex_unlock_pi(uint64_t uaddr);
long futex_wait_requeue_pi(uint64_t uaddr, uint32_t val, uint64_t deadline, uint64_t uaddr2,
                           uint32_t bitset);
long futex_cmp_requeue_pi(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
                          uint32_t val);
/* The robust-list walk found a lock of the dying thread tid: marks it
 * FUTEX_OWNER_DIED and lets one waiter in. pending: the list_op_pending entry. */
int futex_owner_died(uint64_t uaddr, int tid, bool pi, bool pending);
