/* timerfd: a timer read through a file descriptor. Expirations are counted
 * lazily: whoever looks (read, poll, timerfd_gettime) first moves the count up to
 * now, and wakes the queue when it leaves 0, so edge-triggered epoll sees an edge
 * per expiry after a read (as Linux, whose timer is re-armed by the read). Nobody wakes a waiter at the expiry itself: poll and epoll learn the next
 * expiry through poll_table_wake_at and sleep no longer than that; read sleeps
 * until it. Wall-clock (CLOCK_REALTIME) expiries are turned into monotonic time
 * when set, so a later clock change does not move them (Linux's would). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/poll.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define CLOCK_REALTIME        0         /* linux/time.h */
#define CLOCK_MONOTONIC       1
#define CLOCK_BOOTTIME        7
#define CLOCK_REALTIME_ALARM  8
#define CLOCK_BOOTTIME_ALARM  9
#define TFD_TIMER_ABSTIME     1         /* linux/timerfd.h */
#define TFD_TIMER_CANCEL_ON_SET 2
#define NS_PER_SEC            1000000000ull
#define ANON_INODE_FS_MAGIC   0x09041934u
#define NAME                  "anon_inode:[timerfd]"

struct timerfd {
    struct waitqueue wq;                /* wq.lock guards the fields below */
    bool realtime;
    uint64_t next;                      /* next expiry (time_ns); 0: disarmed */
    uint64_t interval;                  /* ns; 0: one-shot */
    uint64_t ticks;                     /* expirations not read yet */
};

struct linux_itimerspec { int64_t interval_sec, interval_nsec, value_sec, value_nsec; };

/* Counts the expirations up to now; true when the count left 0 (an edge). */
static bool advance_locked(struct timerfd *t, uint64_t now)
{
    if (!t->next || now < t->next)
        return false;
    bool edge = t->ticks == 0;
    if (t->interval) {
        uint64_t k = (now - t->next) / t->interval + 1;
        t->ticks += k;
        t->next += k * t->interval;
    } else {
        t->ticks++;
        t->next = 0;
    }
    return edge;
}

static int timerfd_poll_pt(struct file *f, struct poll_table *pt)
{
    struct timerfd *t = f->priv;
    poll_table_wait(pt, f, &t->wq);
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    bool grew = advance_locked(t, time_ns());
    int m = t->ticks ? POLLIN : 0;
    if (!m && t->next)
        poll_table_wake_at(pt, t->next);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (grew)
        waitqueue_wake_all(&t->wq);
    return m;
}

static int timerfd_poll(struct file *f)
{
    return timerfd_poll_pt(f, NULL);
}

static struct waitqueue *timerfd_poll_wq(struct file *f)
{
    return &((struct timerfd *)f->priv)->wq;
}

static ssize_t timerfd_read(struct file *f, void *buf, size_t n)
{
    struct timerfd *t = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    struct poll_waiter w;
    struct poll_entry e;
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e, &t->wq);    /* settime wakes it: the expiry moved */
    ssize_t r;
    for (;;) {
        poll_waiter_arm(&w);
        unsigned long fl = spin_lock_irqsave(&t->wq.lock);
        advance_locked(t, time_ns());
        uint64_t ticks = t->ticks, next = t->next;
        t->ticks = 0;
        spin_unlock_irqrestore(&t->wq.lock, fl);
        if (ticks) {
            memcpy(buf, &ticks, sizeof(ticks));
            r = sizeof(ticks);
            break;
        }
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        if (signal_pending_current()) {
            r = -ERESTARTSYS;
            break;
        }
        poll_waiter_sleep(&w, next ? next : UINT64_MAX);
    }
    poll_waiter_remove(&e);
    return r;
}

static void timerfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops timerfd_ops = {
    .read = timerfd_read, .poll = timerfd_poll, .poll_pt = timerfd_poll_pt,
    .poll_wq = timerfd_poll_wq, .release = timerfd_release,
    .statfs_magic = ANON_INODE_FS_MAGIC, .stat_mode = 0600,
};

SYSCALL(timerfd_create)
{
    int clock = (int)args->a[0];
    uint64_t flags = args->a[1];
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
        clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
        return -EINVAL;
    if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    struct timerfd *t = kzalloc(sizeof(*t));
    char *name = kmalloc(sizeof(NAME));
    struct file *f = t && name ? file_alloc(NULL, &timerfd_ops,
                                            O_RDWR | (uint32_t)(flags & O_NONBLOCK)) : NULL;
    if (!f) {
        kfree(t);
        kfree(name);
        return -ENOMEM;
    }
    waitqueue_init(&t->wq);
    t->realtime = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
    f->priv = t;
    memcpy(name, NAME, sizeof(NAME));
    f->path = name;
    long fd = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
    file_put(f);
    return fd;
}

/* The timerfd behind fd (a referenced file), or NULL with *err set. */
static struct file *timerfd_get(int fd, long *err)
{
    struct process *p = proc_current();
    struct file *f = p ? fdtable_get(p->files, fd) : NULL;
    *err = -EBADF;
    if (f && f->ops != &timerfd_ops) {
        file_put(f);
        f = NULL;
        *err = -EINVAL;
    }
    return f;
}

static void put_ns(int64_t *sec, int64_t *nsec, uint64_t ns)
{
    *sec = (int64_t)(ns / NS_PER_SEC);
    *nsec = (int64_t)(ns % NS_PER_SEC);
}

/* The setting as timerfd_gettime reports it: time to the next expiry. */
static void current_locked(struct timerfd *t, uint64_t now, struct linux_itimerspec *out)
{
    advance_locked(t, now);
    put_ns(&out->value_sec, &out->value_nsec, t->next ? t->next - now : 0);
    put_ns(&out->interval_sec, &out->interval_nsec, t->interval);
}

static bool ts_valid(int64_t sec, int64_t nsec)
{
    return sec >= 0 && nsec >= 0 && nsec < (int64_t)NS_PER_SEC;
}

static uint64_t ts_ns(int64_t sec, int64_t nsec)
{
    if ((uint64_t)sec >= UINT64_MAX / NS_PER_SEC / 2)
        return UINT64_MAX / 2;          /* centuries: never in practice */
    return (uint64_t)sec * NS_PER_SEC + (uint64_t)nsec;
}

SYSCALL(timerfd_settime)
{
    uint64_t flags = args->a[1];
    struct linux_itimerspec nv, old;
    if (copy_from_user(&nv, (const void *)args->a[2], sizeof(nv)))
        return -EFAULT;
    if ((flags & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
        !ts_valid(nv.value_sec, nv.value_nsec) || !ts_valid(nv.interval_sec, nv.interval_nsec))
        return -EINVAL;
    long err;
    struct file *f = timerfd_get((int)args->a[0], &err);
    if (!f)
        return err;
    struct timerfd *t = f->priv;
    uint64_t value = ts_ns(nv.value_sec, nv.value_nsec);
    int64_t rt_now = time_realtime_ns();
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    uint64_t now = time_ns();
    current_locked(t, now, &old);
    t->ticks = 0;
    t->interval = ts_ns(nv.interval_sec, nv.interval_nsec);
    if (!value) {
        t->next = 0;
    } else if (!(flags & TFD_TIMER_ABSTIME)) {
        t->next = now + value;
    } else if (t->realtime) {
        int64_t delta = (int64_t)value - rt_now;        /* may be in the past */
        t->next = delta >= 0 ? now + (uint64_t)delta
                : (uint64_t)-delta < now ? now - (uint64_t)-delta : 1;
    } else {
        t->next = value;
    }
    if (!t->next)
        t->interval = 0;
    spin_unlock_irqrestore(&t->wq.lock, fl);
    waitqueue_wake_all(&t->wq);
    file_put(f);
    if (args->a[3] && copy_to_user((void *)args->a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

SYSCALL(timerfd_gettime)
{
    long err;
    struct file *f = timerfd_get((int)args->a[0], &err);
    if (!f)
        return err;
    struct timerfd *t = f->priv;
    struct linux_itimerspec cur;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    bool grew = advance_locked(t, time_ns());
    current_locked(t, time_ns(), &cur);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (grew)
        waitqueue_wake_all(&t->wq);
    file_put(f);
    return copy_to_user((void *)args->a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}
