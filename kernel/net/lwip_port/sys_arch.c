/* lwIP's operating-system layer (NO_SYS=0) on the kernel's primitives: semaphores
 * and mailboxes over wait queues (timed waits through a poll waiter), mutexes,
 * kernel threads, sys_now from time_ns, and SYS_ARCH_PROTECT as one interrupt-safe
 * lock (the RX interrupt allocates pool buffers). */

#define LOG_TAG "net"
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/time.h>

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "port.h"

uint64_t arch_random_u64(void);         /* kernel/arch: RDRAND, or a mixed fallback */

#define NS_PER_MS 1000000ull

struct osc_sem {
    struct waitqueue wq;        /* its lock guards count */
    unsigned count;
};

/* A ring of message pointers; wq's lock guards it, and every post and fetch wakes
 * all waiters (few: the tcpip thread, or one netconn's reader and writer). */
struct osc_mbox {
    struct waitqueue wq;
    void **slots;
    unsigned size, head, count;
    bool notify;                /* a netconn's: posts also wake lwip_port_mbox_wq */
    /* The poll queue of the socket using this mailbox (NULL: none yet). Set and
     * cleared under the tcpip core lock, read by posters holding it. */
    struct waitqueue *owner;
};

struct waitqueue lwip_port_mbox_wq;

void sys_init(void) { waitqueue_init(&lwip_port_mbox_wq); }

unsigned lwip_port_mbox_count(sys_mbox_t m)
{
    return m ? __atomic_load_n(&m->count, __ATOMIC_ACQUIRE) : 0;
}

void lwip_port_mbox_set_owner(sys_mbox_t m, struct waitqueue *wq)
{
    if (m)
        __atomic_store_n(&m->owner, wq, __ATOMIC_RELEASE);
}

struct waitqueue *lwip_port_mbox_owner(sys_mbox_t m)
{
    return m ? __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE) : NULL;
}

void lwip_port_mbox_wake_owner(sys_mbox_t m)
{
    struct waitqueue *wq = m ? __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE) : NULL;
    if (wq)
        waitqueue_wake_all(wq);
}

u32_t sys_now(void) { return (u32_t)(time_ns() / NS_PER_MS); }
u32_t sys_jiffies(void) { return (u32_t)time_ticks(); }

void lwip_port_diag(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_info("lwip: %s", buf);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
    panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}

uint32_t lwip_port_rand(void) { return (uint32_t)arch_random_u64(); }

/* lwIP calls into its core only with the core lock (LWIP_TCPIP_CORE_LOCKING) held
 * by the calling thread; lwip_init runs before the lock exists. */
void lwip_port_assert_core_locked(void)
{
    struct mutex *m = lock_tcpip_core;
    if (m && __atomic_load_n(&m->owner, __ATOMIC_RELAXED) != thread_current())
        panic("lwIP core called without the core lock");
}

/* ---- SYS_ARCH_PROTECT: may nest on one CPU, so the owner CPU is recorded ---- */
static spinlock_t protect_lock = SPINLOCK_INIT("lwip_protect", 88);
static int protect_owner = -1;          /* CPU index holding it; written under it */
static unsigned protect_depth;

sys_prot_t sys_arch_protect(void)
{
    unsigned long flags = irq_save();
    int cpu = (int)this_cpu()->id;
    if (__atomic_load_n(&protect_owner, __ATOMIC_RELAXED) == cpu) {
        protect_depth++;
    } else {
        spin_lock_raw(&protect_lock);
        __atomic_store_n(&protect_owner, cpu, __ATOMIC_RELAXED);
        protect_depth = 1;
    }
    return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
    if (--protect_depth == 0) {
        __atomic_store_n(&protect_owner, -1, __ATOMIC_RELAXED);
        spin_unlock_raw(&protect_lock);
    }
    irq_restore(flags);
}

/* ---- threads ---- */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
                            int prio)
{
    (void)stacksize;    /* every kernel thread has the kernel's stack size */
    (void)prio;
    struct thread *t = thread_create(name, fn, arg);
    if (!t || thread_detach(t))
        panic("lwIP: cannot start thread %s", name);    /* only at boot (tcpip) */
    return t;
}

/* ---- timed waits: a poll waiter hooked on wq until ready(arg) holds (checked
 * under wq's lock, which it may change) or the deadline passes. 0 or
 * SYS_ARCH_TIMEOUT. Kernel threads have no signals, so the sleep ends only by a
 * wake-up or the deadline. ---- */
static u32_t wait_timed(struct waitqueue *wq, bool (*ready)(void *), void *arg, u32_t ms)
{
    uint64_t deadline = time_ns() + (uint64_t)ms * NS_PER_MS;
    struct poll_waiter w;
    struct poll_entry e;
    u32_t ret = 0;
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e, wq);
    for (;;) {
        poll_waiter_arm(&w);
        unsigned long f = spin_lock_irqsave(&wq->lock);
        bool ok = ready(arg);
        spin_unlock_irqrestore(&wq->lock, f);
        if (ok)
            break;
        if (time_ns() >= deadline) {
            ret = SYS_ARCH_TIMEOUT;
            break;
        }
        poll_waiter_sleep(&w, deadline);
    }
    poll_waiter_remove(&e);
    return ret;
}

/* ---- semaphores ---- */
err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    struct osc_sem *s = kmalloc(sizeof(*s));
    if (!s) {
        *sem = NULL;
        return ERR_MEM;
    }
    waitqueue_init(&s->wq);
    s->count = count;
    *sem = s;
    return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
    kfree(*sem);
    *sem = NULL;
}

void sys_sem_signal(sys_sem_t *sem)
{
    struct osc_sem *s = *sem;
    unsigned long f = spin_lock_irqsave(&s->wq.lock);
    s->count++;
    spin_unlock_irqrestore(&s->wq.lock, f);
    waitqueue_wake_one(&s->wq);
}

static bool sem_take(void *arg)
{
    struct osc_sem *s = arg;
    if (!s->count)
        return false;
    s->count--;
    return true;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    struct osc_sem *s = *sem;
    uint64_t start = time_ns();
    if (timeout) {
        if (wait_timed(&s->wq, sem_take, s, timeout) == SYS_ARCH_TIMEOUT)
            return SYS_ARCH_TIMEOUT;
    } else {
        unsigned long f = spin_lock_irqsave(&s->wq.lock);
        while (!sem_take(s))
            waitqueue_sleep_locked(&s->wq, &f);
        spin_unlock_irqrestore(&s->wq.lock, f);
    }
    uint64_t ms = (time_ns() - start) / NS_PER_MS;
    return ms < SYS_ARCH_TIMEOUT ? (u32_t)ms : SYS_ARCH_TIMEOUT - 1;
}

/* ---- mutexes: the core lock (rank 50), lwIP's heap lock and any other (52) ---- */
err_t sys_mutex_new(sys_mutex_t *mutex)
{
    struct mutex *m = kmalloc(sizeof(*m));
    if (!m) {
        *mutex = NULL;
        return ERR_MEM;
    }
    if (mutex == &lock_tcpip_core)
        mutex_init(m, "lwip_core", 50);
    else
        mutex_init(m, "lwip_mutex", 52);
    *mutex = m;
    return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
    kfree(*mutex);
    *mutex = NULL;
}

void sys_mutex_lock(sys_mutex_t *mutex) { mutex_lock(*mutex); }
void sys_mutex_unlock(sys_mutex_t *mutex)
{
    if (mutex == &lock_tcpip_core)
        lwip_port_core_release();       /* loopback packets, held TX frames */
    mutex_unlock(*mutex);
}

/* ---- mailboxes ---- */
err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    struct osc_mbox *m = kmalloc(sizeof(*m));
    unsigned n = size > 0 ? (unsigned)size : 32;
    void **slots = kmalloc(n * sizeof(void *));
    if (!m || !slots) {
        kfree(m);
        kfree(slots);
        *mbox = NULL;
        return ERR_MEM;
    }
    waitqueue_init(&m->wq);
    m->slots = slots;
    m->size = n;
    m->head = m->count = 0;
    /* Every mailbox but the tcpip thread's (the only one of that size) belongs to a
     * netconn; the RX interrupt posts only to the tcpip thread's. */
    m->notify = size != TCPIP_MBOX_SIZE;
    m->owner = NULL;
    *mbox = m;
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    struct osc_mbox *m = *mbox;
    if (m && m->count)
        log_warn("lwIP mailbox freed with %u messages in it", m->count);
    if (m)
        kfree(m->slots);
    kfree(m);
    *mbox = NULL;
}

/* Caller holds m->wq.lock. */
static bool mbox_put(struct osc_mbox *m, void *msg)
{
    if (m->count == m->size)
        return false;
    m->slots[(m->head + m->count) % m->size] = msg;
    __atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELEASE);
    return true;
}

struct mbox_take {
    struct osc_mbox *m;
    void **msg;
};

static bool mbox_get(void *arg)
{
    struct mbox_take *t = arg;
    struct osc_mbox *m = t->m;
    if (!m->count)
        return false;
    void *msg = m->slots[m->head];
    m->head = (m->head + 1) % m->size;
    __atomic_store_n(&m->count, m->count - 1, __ATOMIC_RELEASE);
    if (t->msg)
        *t->msg = msg;
    return true;
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    struct osc_mbox *m = *mbox;
    unsigned long f = spin_lock_irqsave(&m->wq.lock);
    bool ok = mbox_put(m, msg);
    spin_unlock_irqrestore(&m->wq.lock, f);
    if (!ok)
        return ERR_MEM;
    waitqueue_wake_all(&m->wq);
    if (m->notify) {
        waitqueue_wake_all(&lwip_port_mbox_wq);
        lwip_port_mbox_wake_owner(m);
    }
    return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
    return sys_mbox_trypost(mbox, msg);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    struct osc_mbox *m = *mbox;
    unsigned long f = spin_lock_irqsave(&m->wq.lock);
    while (!mbox_put(m, msg))
        waitqueue_sleep_locked(&m->wq, &f);
    spin_unlock_irqrestore(&m->wq.lock, f);
    waitqueue_wake_all(&m->wq);
    if (m->notify) {
        waitqueue_wake_all(&lwip_port_mbox_wq);
        lwip_port_mbox_wake_owner(m);
    }
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    struct osc_mbox *m = *mbox;
    struct mbox_take t = { m, msg };
    uint64_t start = time_ns();
    /* A message already there (the tcpip thread under load): no waiter to set up. */
    unsigned long f0 = spin_lock_irqsave(&m->wq.lock);
    bool got = mbox_get(&t);
    spin_unlock_irqrestore(&m->wq.lock, f0);
    if (got) {
        waitqueue_wake_all(&m->wq);
        return 0;
    }
    if (timeout) {
        if (wait_timed(&m->wq, mbox_get, &t, timeout) == SYS_ARCH_TIMEOUT)
            return SYS_ARCH_TIMEOUT;
    } else {
        unsigned long f = spin_lock_irqsave(&m->wq.lock);
        while (!mbox_get(&t))
            waitqueue_sleep_locked(&m->wq, &f);
        spin_unlock_irqrestore(&m->wq.lock, f);
    }
    waitqueue_wake_all(&m->wq);         /* a blocked poster may go on */
    uint64_t ms = (time_ns() - start) / NS_PER_MS;
    return ms < SYS_ARCH_TIMEOUT ? (u32_t)ms : SYS_ARCH_TIMEOUT - 1;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    struct osc_mbox *m = *mbox;
    struct mbox_take t = { m, msg };
    unsigned long f = spin_lock_irqsave(&m->wq.lock);
    bool ok = mbox_get(&t);
    spin_unlock_irqrestore(&m->wq.lock, f);
    if (!ok)
        return SYS_MBOX_EMPTY;
    waitqueue_wake_all(&m->wq);
    return 0;
}
