/* Fast user-space mutexes: threads sleep on a 32-bit user word, keyed by the
 * PHYSICAL address of that word (LESSONS 5), so two address spaces mapping the same
 * frame (MAP_SHARED across fork) meet on one key; FUTEX_PRIVATE_FLAG changes
 * nothing. A wake with no waiter does nothing (LESSONS 4): userspace keeps the state
 * in the word itself. This file: the waiter hash, wait/wake (with bitsets), requeue,
 * wake-op and the futex(2) dispatcher; PI locks (and requeue-PI) are in futex_pi.c,
 * robust lists in futex_robust.c. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "futex_internal.h"
#include "proc_internal.h"

#define FUTEX_HASH_BITS 6
#define NS_PER_SEC      1000000000ull

/* FUTEX_WAKE_OP's val3 (Linux include/uapi/linux/futex.h): op:4 cmp:4 oparg:12
 * cmparg:12, high bits first; op's top bit shifts oparg (1 << oparg). */
#define FUTEX_OP_SET          0
#define FUTEX_OP_ADD          1
#define FUTEX_OP_OR           2
#define FUTEX_OP_ANDN         3
#define FUTEX_OP_XOR          4
#define FUTEX_OP_OPARG_SHIFT  8
#define FUTEX_OP_CMP_EQ       0
#define FUTEX_OP_CMP_NE       1
#define FUTEX_OP_CMP_LT       2
#define FUTEX_OP_CMP_LE       3
#define FUTEX_OP_CMP_GT       4
#define FUTEX_OP_CMP_GE       5

/* Rank 75 (docs/locking.md); see futex_internal.h. One lock for all buckets:
 * requeue and wake-op touch two buckets, and equal ranks may not nest. */
spinlock_t futex_lock = SPINLOCK_INIT("futex", 75);
static struct futex_waiter *buckets[1 << FUTEX_HASH_BITS];     /* FIFO chains */

static struct futex_waiter **bucket_of(paddr_t key)
{
    return &buckets[(key * 0x9e3779b97f4a7c15ull) >> (64 - FUTEX_HASH_BITS)];
}

static void enqueue_locked(struct futex_waiter *w)
{
    struct futex_waiter **pp = bucket_of(w->key);
    while (*pp)
        pp = &(*pp)->next;
    w->next = NULL;
    *pp = w;
}

static void dequeue_locked(struct futex_waiter *w)
{
    for (struct futex_waiter **pp = bucket_of(w->key); *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

int futex_key(uint64_t uaddr, bool write, paddr_t *key)
{
    struct process *p = proc_current();
    if (uaddr & 3)
        return -EINVAL;
    if (!user_range_ok(uaddr, sizeof(uint32_t)))
        return -EFAULT;
    return mm_user_phys(p->mm, uaddr, write, key);
}

int futex_waiter_key(struct futex_waiter *w, uint64_t uaddr, bool write)
{
    w->mm = proc_current()->mm;
    w->uaddr = uaddr;
    w->fork_gen = __atomic_load_n(&w->mm->fork_gen, __ATOMIC_ACQUIRE);
    return futex_key(uaddr, write, &w->key);
}

/* Called by mm_fork under the parent's mm lock, after it bumped fork_gen and made
 * the private pages copy-on-write: the words of mm's queued sleepers. A waker in
 * the parent would break copy-on-write and move the word to a new frame, a key
 * no sleeper has; so fork gives the child its copy of those pages and the parent
 * keeps the frame. Returns how many addresses there are (only max stored). */
int futex_sleeper_words(struct mm_space *mm, uint64_t *out, int max)
{
    int n = 0;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    for (size_t i = 0; i < ARRAY_SIZE(buckets); i++)
        for (struct futex_waiter *w = buckets[i]; w; w = w->next)
            if (w->mm == mm) {
                if (n < max)
                    out[n] = w->uaddr;
                n++;
            }
    spin_unlock_irqrestore(&futex_lock, f);
    return n;
}

struct futex_waiter *futex_first_waiter_locked(paddr_t key, bool pi,
                                               const struct futex_waiter *except)
{
    for (struct futex_waiter *w = *bucket_of(key); w; w = w->next)
        if (w->key == key && w->pi == pi && w != except)
            return w;
    return NULL;
}

static bool only_plain_waiters_locked(paddr_t key)
{
    for (struct futex_waiter *w = *bucket_of(key); w; w = w->next)
        if (w->key == key && (w->pi || w->pi_key))
            return false;
    return true;
}

bool futex_only_requeue_pi_waiters_locked(paddr_t key, paddr_t pi_key)
{
    for (struct futex_waiter *w = *bucket_of(key); w; w = w->next)
        if (w->key == key && (w->pi || w->pi_key != pi_key))
            return false;
    return true;
}

void futex_follow_word(struct futex_waiter *w, uint64_t uaddr)
{
    /* The mover's address for the word means the same only in the same space; a
     * word another space reaches is shared memory, which fork never copies. */
    if (w->mm == proc_current()->mm)
        w->uaddr = uaddr;
    else
        w->mm = NULL;
}

int futex_move_to_pi_locked(paddr_t key, paddr_t pi_key, uint64_t pi_uaddr, int n)
{
    int moved = 0;
    for (struct futex_waiter **pp = bucket_of(key); *pp && moved < n;) {
        struct futex_waiter *w = *pp;
        if (w->key != key) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->key = pi_key;
        futex_follow_word(w, pi_uaddr);
        w->pi = true;
        enqueue_locked(w);
        moved++;
    }
    return moved;
}

struct futex_waiter *futex_find_pi_waiter_locked(uint32_t owner)
{
    for (size_t i = 0; i < ARRAY_SIZE(buckets); i++)
        for (struct futex_waiter *w = buckets[i]; w; w = w->next)
            if (w->pi && (__atomic_load_n(futex_word(w->key), __ATOMIC_SEQ_CST) &
                          FUTEX_TID_MASK) == owner)
                return w;
    return NULL;
}

void futex_wake_one_locked(struct futex_waiter *w, bool got_lock)
{
    dequeue_locked(w);
    w->woken = true;
    w->got_lock = got_lock;
    sched_wake_sleeping(w->thread);
}

int futex_wake_locked(paddr_t key, int n, uint32_t bitset)
{
    int woken = 0;
    for (struct futex_waiter **pp = bucket_of(key); *pp && woken < n;) {
        struct futex_waiter *w = *pp;
        if (w->key != key || !(w->bitset & bitset)) {
            pp = &w->next;
            continue;
        }
        if (w->pi || w->pi_key)
            return -EINVAL;     /* PI sleepers wake only through the PI operations */
        *pp = w->next;
        w->woken = true;
        sched_wake_sleeping(w->thread);
        woken++;
    }
    return woken;
}

static int wake_key(paddr_t key, int n, uint32_t bitset)
{
    unsigned long f = spin_lock_irqsave(&futex_lock);
    int woken = futex_wake_locked(key, n, bitset);
    spin_unlock_irqrestore(&futex_lock, f);
    return woken;
}

int futex_wake_addr(struct mm_space *mm, uint64_t uaddr, int n)
{
    paddr_t key;
    if ((uaddr & 3) || !mm || mm_user_phys(mm, uaddr, false, &key))
        return 0;
    return wake_key(key, n, FUTEX_BITSET_ANY);
}

int futex_sleep_locked(struct futex_waiter *w, uint64_t deadline)
{
    w->woken = w->got_lock = false;
    enqueue_locked(w);
    /* Queued now, so a fork from here on finds this sleeper; one that ran since the
     * lookup may have made the frame copy-on-write under us. PI sleepers are not
     * sent back (libc takes EAGAIN from LOCK_PI for success); they keep the rare
     * window between lookup and queueing. */
    if (w->mm && !w->pi &&
        __atomic_load_n(&w->mm->fork_gen, __ATOMIC_ACQUIRE) != w->fork_gen) {
        dequeue_locked(w);
        return -EAGAIN;
    }
    thread_sleep_until_locked(&futex_lock, deadline);
    if (w->woken)
        return 0;
    dequeue_locked(w);
    return time_ns() >= deadline ? -ETIMEDOUT : -EINTR;
}

/* Sleeps while the word at uaddr holds val, until woken or deadline (time_ns;
 * UINT64_MAX: none). */
static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    struct futex_waiter w = { .bitset = bitset, .thread = thread_current() };
    int err = futex_waiter_key(&w, uaddr, false);
    if (err)
        return err;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    /* Read under the lock: a waker changes the word before it takes the lock, so
     * either we see its value or it sees us queued. */
    if (__atomic_load_n(futex_word(w.key), __ATOMIC_SEQ_CST) != val)
        err = -EAGAIN;
    else if (deadline <= time_ns())
        err = -ETIMEDOUT;
    else
        err = futex_sleep_locked(&w, deadline);
    spin_unlock_irqrestore(&futex_lock, f);
    /* Woken neither by FUTEX_WAKE nor the deadline: a signal, or nothing. Linux
     * shows EINTR only when a handler runs and otherwise waits on, so a signal
     * that ends up ignored (SIGCHLD queued while a thread had it blocked, then
     * woke this one) is invisible. Without Linux's restart block a relative
     * timeout then starts over: the wait can only grow, never end early. */
    if (err == -EINTR)
        err = deadline == UINT64_MAX ? -ERESTARTSYS : -ERESTARTNOHAND;
    return err;
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

enum timeout_kind { TIMEOUT_RELATIVE, TIMEOUT_MONOTONIC, TIMEOUT_REALTIME };

/* The user timeout at uts (0: none) as a time_ns() deadline. */
static int read_deadline(uint64_t uts, enum timeout_kind kind, uint64_t *deadline)
{
    *deadline = UINT64_MAX;
    if (!uts)
        return 0;
    uint64_t ns;
    int err = read_timespec(uts, &ns);
    if (err)
        return err;
    uint64_t now = time_ns();
    if (kind == TIMEOUT_RELATIVE) {
        *deadline = now + ns;
    } else if (kind == TIMEOUT_REALTIME) {
        int64_t rel = (int64_t)ns - time_realtime_ns();
        *deadline = rel <= 0 ? now : now + (uint64_t)rel;
    } else {
        *deadline = ns;
    }
    return 0;
}

static long futex_requeue(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
                          bool cmp, uint32_t val)
{
    paddr_t k1, k2;
    int err = futex_key(uaddr, false, &k1);
    if (!err)
        err = futex_key(uaddr2, false, &k2);
    if (err)
        return err;
    if (nwake < 0 || nmove < 0)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    if (cmp && __atomic_load_n(futex_word(k1), __ATOMIC_SEQ_CST) != val) {
        spin_unlock_irqrestore(&futex_lock, f);
        return -EAGAIN;
    }
    if (!only_plain_waiters_locked(k1)) {
        spin_unlock_irqrestore(&futex_lock, f);
        return -EINVAL;         /* PI sleepers move and wake only through PI operations */
    }
    int done = 0, moved = 0;
    for (struct futex_waiter **pp = bucket_of(k1); *pp && (done < nwake || moved < nmove);) {
        struct futex_waiter *w = *pp;
        if (w->key != k1) {
            pp = &w->next;
        } else if (done < nwake) {
            *pp = w->next;
            w->woken = true;
            sched_wake_sleeping(w->thread);
            done++;
        } else if (k1 == k2) {
            pp = &w->next;      /* moving onto itself: counted, left in place */
            moved++;
        } else {
            *pp = w->next;
            w->key = k2;
            futex_follow_word(w, uaddr2);
            enqueue_locked(w);
            moved++;
        }
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return done + moved;
}

/* FUTEX_WAKE_OP: atomically *uaddr2 = old OP oparg, wake nwake on uaddr, and when
 * old CMP cmparg holds, nwake2 on uaddr2 (glibc's old condvars). As in Linux, an
 * unknown op changes nothing and an unknown cmp comes after the store; both are
 * -ENOSYS. */
static long futex_wake_op(uint64_t uaddr, int nwake, uint64_t uaddr2, int nwake2,
                          uint32_t encoded)
{
    unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    int32_t oparg = (int32_t)(encoded << 8) >> 20;     /* bits 12..23, signed */
    int32_t cmparg = (int32_t)(encoded << 20) >> 20;   /* bits 0..11, signed */
    if (encoded & (FUTEX_OP_OPARG_SHIFT << 28))
        oparg = (int32_t)(1u << (oparg & 31));
    paddr_t k1, k2;
    int err = futex_key(uaddr, false, &k1);
    if (!err)
        err = futex_key(uaddr2, true, &k2);
    if (err)
        return err;
    if (op > FUTEX_OP_XOR)
        return -ENOSYS;
    unsigned long f = spin_lock_irqsave(&futex_lock);
    uint32_t *word = futex_word(k2);
    uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST), nv;
    do {
        switch (op) {
        case FUTEX_OP_SET: nv = (uint32_t)oparg; break;
        case FUTEX_OP_ADD: nv = old + (uint32_t)oparg; break;
        case FUTEX_OP_OR: nv = old | (uint32_t)oparg; break;
        case FUTEX_OP_ANDN: nv = old & ~(uint32_t)oparg; break;
        default: nv = old ^ (uint32_t)oparg; break;
        }
    } while (!futex_cas(word, &old, nv));
    int32_t o = (int32_t)old;
    int hit;
    switch (cmp) {
    case FUTEX_OP_CMP_EQ: hit = o == cmparg; break;
    case FUTEX_OP_CMP_NE: hit = o != cmparg; break;
    case FUTEX_OP_CMP_LT: hit = o < cmparg; break;
    case FUTEX_OP_CMP_LE: hit = o <= cmparg; break;
    case FUTEX_OP_CMP_GT: hit = o > cmparg; break;
    case FUTEX_OP_CMP_GE: hit = o >= cmparg; break;
    default: hit = -ENOSYS; break;
    }
    long r = hit;
    if (hit >= 0) {
        r = futex_wake_locked(k1, MAX(nwake, 0), FUTEX_BITSET_ANY);
        if (r >= 0 && hit) {
            int r2 = futex_wake_locked(k2, MAX(nwake2, 0), FUTEX_BITSET_ANY);
            r = r2 < 0 ? r2 : r + r2;
        }
    }
    spin_unlock_irqrestore(&futex_lock, f);
    return r;
}

/* futex(uaddr, op, val, timeout|val2, uaddr2, val3) */
SYSCALL(futex)
{
    uint64_t uaddr = args->a[0];
    int op = (int)args->a[1];
    uint32_t val = (uint32_t)args->a[2];
    uint32_t val3 = (uint32_t)args->a[5];
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    /* Linux takes the flag only where a wait has an absolute timeout. */
    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
        cmd != FUTEX_LOCK_PI2)
        return -ENOSYS;
    uint64_t deadline;
    int err;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3;
        if (!bitset)
            return -EINVAL;
        enum timeout_kind kind = cmd == FUTEX_WAIT ? TIMEOUT_RELATIVE
                                 : realtime ? TIMEOUT_REALTIME : TIMEOUT_MONOTONIC;
        err = read_deadline(args->a[3], kind, &deadline);
        return err ? err : futex_wait(uaddr, val, deadline, bitset);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : val3;
        if (!bitset)
            return -EINVAL;
        paddr_t key;
        err = futex_key(uaddr, false, &key);
        if (err)
            return err;
        return wake_key(key, (int)MIN(val, (uint32_t)INT32_MAX), bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, (int)val, (int)args->a[3], args->a[4],
                             cmd == FUTEX_CMP_REQUEUE, val3);
    case FUTEX_WAKE_OP:
        return futex_wake_op(uaddr, (int)val, args->a[4], (int)args->a[3], val3);
    case FUTEX_LOCK_PI:         /* absolute CLOCK_REALTIME, whatever the flag */
    case FUTEX_LOCK_PI2:        /* absolute, CLOCK_MONOTONIC unless the flag */
        err = read_deadline(args->a[3], cmd == FUTEX_LOCK_PI || realtime ? TIMEOUT_REALTIME
                                                                          : TIMEOUT_MONOTONIC,
                            &deadline);
        return err ? err : futex_lock_pi(uaddr, deadline, false);
    case FUTEX_WAIT_REQUEUE_PI:
        err = read_deadline(args->a[3], realtime ? TIMEOUT_REALTIME : TIMEOUT_MONOTONIC,
                            &deadline);
        return err ? err : futex_wait_requeue_pi(uaddr, val, deadline, args->a[4], val3);
    case FUTEX_CMP_REQUEUE_PI:
        return futex_cmp_requeue_pi(uaddr, (int)val, (int)args->a[3], args->a[4], val3);
    case FUTEX_TRYLOCK_PI:
        return futex_lock_pi(uaddr, UINT64_MAX, true);
    case FUTEX_UNLOCK_PI:
        return futex_unlock_pi(uaddr);
    default:
        /* FUTEX_FD (gone from Linux too), anything newer. */
        return syscall_unimplemented_op(__NR_futex, (uint32_t)cmd);
    }
}
