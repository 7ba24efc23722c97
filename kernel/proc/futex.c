/* Fast user-space mutexes: threads sleep on a 32-bit user word, keyed by the
 * PHYSICAL address of that word (LESSONS 5), so two address spaces mapping the same
 * frame (MAP_SHARED across fork) meet on one key. A wake with no waiter does nothing
 * (LESSONS 4): userspace keeps the state in the word itself. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

/* Linux include/uapi/linux/futex.h */
#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_BITSET_ANY      0xffffffffu

#define FUTEX_HASH_BITS 6
#define NS_PER_SEC      1000000000ull

/* A sleeping thread; lives on its own kernel stack while it waits. */
struct futex_waiter {
    paddr_t key;
    uint32_t bitset;
    bool woken;                 /* set by the waker, under futex_lock */
    struct thread *thread;
    struct futex_waiter *next;
};

/* futex_lock (rank 75, docs/locking.md) protects every bucket and each waiter's
 * key, woken and next. One lock for all buckets: requeue moves waiters between two
 * buckets, and equal ranks may not nest. Taken with no mutex held inside; takes
 * only the run-queue lock (waking). */
static spinlock_t futex_lock = SPINLOCK_INIT("futex", 75);
static struct futex_waiter *buckets[1 << FUTEX_HASH_BITS];

static struct futex_waiter **bucket_of(paddr_t key)
{
    return &buckets[(key * 0x9e3779b97f4a7c15ull) >> (64 - FUTEX_HASH_BITS)];
}

static void waiter_unlink_locked(struct futex_waiter *w)
{
    for (struct futex_waiter **pp = bucket_of(w->key); *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

static int futex_key(uint64_t uaddr, paddr_t *key)
{
    struct process *p = proc_current();
    if (uaddr & 3)
        return -EINVAL;
    if (!user_range_ok(uaddr, sizeof(uint32_t)))
        return -EFAULT;
    return mm_user_phys(p->mm, uaddr, key);
}

static int wake_key(paddr_t key, int n, uint32_t bitset)
{
    int woken = 0;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    for (struct futex_waiter **pp = bucket_of(key); *pp && woken < n;) {
        struct futex_waiter *w = *pp;
        if (w->key != key || !(w->bitset & bitset)) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->woken = true;
        sched_wake_sleeping(w->thread);
        woken++;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return woken;
}

int futex_wake_addr(struct mm_space *mm, uint64_t uaddr, int n)
{
    paddr_t key;
    if ((uaddr & 3) || !mm || mm_user_phys(mm, uaddr, &key))
        return 0;
    return wake_key(key, n, FUTEX_BITSET_ANY);
}

/* Sleeps while the word at uaddr holds val, until woken or deadline (time_ns;
 * UINT64_MAX: none). */
static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    struct futex_waiter w = { .bitset = bitset, .thread = thread_current() };
    int err = futex_key(uaddr, &w.key);
    if (err)
        return err;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    /* Read through the direct map under the lock: a waker changes the word before
     * it takes the lock, so either we see its value or it sees us queued. */
    uint32_t now_val = __atomic_load_n((uint32_t *)phys_to_virt(w.key), __ATOMIC_SEQ_CST);
    if (now_val != val) {
        spin_unlock_irqrestore(&futex_lock, f);
        return -EAGAIN;
    }
    if (deadline <= time_ns()) {
        spin_unlock_irqrestore(&futex_lock, f);
        return -ETIMEDOUT;
    }
    struct futex_waiter **b = bucket_of(w.key);
    w.next = *b;
    *b = &w;
    thread_sleep_until_locked(&futex_lock, deadline);
    long r = 0;
    if (!w.woken) {
        waiter_unlink_locked(&w);
        r = time_ns() >= deadline ? -ETIMEDOUT : -EINTR;
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return r;
}

/* A user timespec as nanoseconds; -EFAULT / -EINVAL. */
static int read_timespec(uint64_t uts, uint64_t *ns)
{
    struct { int64_t sec, nsec; } ts;
    if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NS_PER_SEC)
        return -EINVAL;
    *ns = (uint64_t)ts.sec > UINT64_MAX / NS_PER_SEC / 2 ? UINT64_MAX / 2
                                                         : ts.sec * NS_PER_SEC + ts.nsec;
    return 0;
}

static long futex_requeue(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
                          bool cmp, uint32_t val)
{
    paddr_t k1, k2;
    int err = futex_key(uaddr, &k1);
    if (!err)
        err = futex_key(uaddr2, &k2);
    if (err)
        return err;
    if (nwake < 0 || nmove < 0)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    if (cmp && __atomic_load_n((uint32_t *)phys_to_virt(k1), __ATOMIC_SEQ_CST) != val) {
        spin_unlock_irqrestore(&futex_lock, f);
        return -EAGAIN;
    }
    int done = 0, moved = 0;
    for (struct futex_waiter **pp = bucket_of(k1); *pp;) {
        struct futex_waiter *w = *pp;
        if (w->key != k1 || (done >= nwake && moved >= nmove)) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        if (done < nwake) {
            w->woken = true;
            sched_wake_sleeping(w->thread);
            done++;
        } else {
            w->key = k2;
            struct futex_waiter **b = bucket_of(k2);
            w->next = *b;
            *b = w;
            moved++;
            if (k1 == k2)
                break;          /* moving onto itself: nothing more to do */
        }
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return done + moved;
}

/* futex(uaddr, op, val, timeout|val2, uaddr2, val3) */
SYSCALL(futex)
{
    uint64_t uaddr = args->a[0];
    int op = (int)args->a[1];
    uint32_t val = (uint32_t)args->a[2];
    uint32_t val3 = (uint32_t)args->a[5];
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3;
        if (!bitset)
            return -EINVAL;
        uint64_t deadline = UINT64_MAX;
        if (args->a[3]) {
            uint64_t ns;
            int err = read_timespec(args->a[3], &ns);
            if (err)
                return err;
            uint64_t now = time_ns();
            if (cmd == FUTEX_WAIT) {
                deadline = now + ns;                    /* relative */
            } else if (op & FUTEX_CLOCK_REALTIME) {
                int64_t rel = (int64_t)ns - time_realtime_ns();
                deadline = rel <= 0 ? now : now + (uint64_t)rel;
            } else {
                deadline = ns;                          /* absolute, monotonic */
            }
        }
        return futex_wait(uaddr, val, deadline, bitset);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : val3;
        if (!bitset)
            return -EINVAL;
        paddr_t key;
        int err = futex_key(uaddr, &key);
        if (err)
            return err;
        return wake_key(key, (int)MIN(val, (uint32_t)INT32_MAX), bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, (int)val, (int)args->a[3], args->a[4],
                             cmd == FUTEX_CMP_REQUEUE, val3);
    default:
        return -ENOSYS;
    }
}
