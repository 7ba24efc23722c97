/* eventfd: a 64-bit counter behind a file descriptor. write adds to it, read takes
 * all of it (or one, EFD_SEMAPHORE); either blocks while it cannot proceed (the
 * counter at 0, or an add that would reach 2^64-1) unless O_NONBLOCK. The counter
 * is guarded by its wait queue's lock (rank 70), which every change wakes. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/vfs.h>

#define EFD_SEMAPHORE       1           /* linux/eventfd.h */
#define EVENTFD_MAX         0xfffffffffffffffeull
#define ANON_INODE_FS_MAGIC 0x09041934u
#define NAME                "anon_inode:[eventfd]"  /* /proc/<pid>/fd/N */

struct eventfd {
    struct waitqueue wq;                /* wq.lock guards count */
    uint64_t count;
    bool semaphore;
};

/* One wait for the counter to change, e->wq.lock held: 0 to look again, or an
 * error with the lock dropped (-EAGAIN non-blocking, -ERESTARTSYS on a signal). */
static int wait_locked(struct file *f, struct eventfd *e, unsigned long *fl)
{
    int err = (f->flags & O_NONBLOCK) ? -EAGAIN
              : waitqueue_sleep_interruptible_locked(&e->wq, fl) < 0 ? -ERESTARTSYS : 0;
    if (err)
        spin_unlock_irqrestore(&e->wq.lock, *fl);
    return err;
}

static ssize_t eventfd_read(struct file *f, void *buf, size_t n)
{
    struct eventfd *e = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    unsigned long fl = spin_lock_irqsave(&e->wq.lock);
    int err;
    while (e->count == 0)
        if ((err = wait_locked(f, e, &fl)) < 0)
            return err;
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v;
    spin_unlock_irqrestore(&e->wq.lock, fl);
    waitqueue_wake_all(&e->wq);
    memcpy(buf, &v, sizeof(v));
    return sizeof(v);
}

static ssize_t eventfd_write(struct file *f, const void *buf, size_t n)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    if (n < sizeof(v))
        return -EINVAL;
    memcpy(&v, buf, sizeof(v));
    if (v == UINT64_MAX)
        return -EINVAL;
    unsigned long fl = spin_lock_irqsave(&e->wq.lock);
    int err;
    while (EVENTFD_MAX - e->count < v)
        if ((err = wait_locked(f, e, &fl)) < 0)
            return err;
    e->count += v;
    spin_unlock_irqrestore(&e->wq.lock, fl);
    if (v)
        waitqueue_wake_all(&e->wq);
    return sizeof(v);
}

static int eventfd_poll(struct file *f)
{
    struct eventfd *e = f->priv;
    unsigned long fl = spin_lock_irqsave(&e->wq.lock);
    int r = (e->count ? POLLIN : 0) | (e->count < EVENTFD_MAX ? POLLOUT : 0);
    spin_unlock_irqrestore(&e->wq.lock, fl);
    return r;
}

static struct waitqueue *eventfd_poll_wq(struct file *f)
{
    return &((struct eventfd *)f->priv)->wq;
}

static void eventfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = eventfd_read, .write = eventfd_write, .poll = eventfd_poll,
    .poll_wq = eventfd_poll_wq, .release = eventfd_release,
    .statfs_magic = ANON_INODE_FS_MAGIC, .stat_mode = 0600,
};

static long do_eventfd(uint64_t initval, uint64_t flags)
{
    if (flags & ~(uint64_t)(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    struct eventfd *e = kzalloc(sizeof(*e));
    char *name = kmalloc(sizeof(NAME));
    struct file *f = e && name ? file_alloc(NULL, &eventfd_ops,
                                            O_RDWR | (uint32_t)(flags & O_NONBLOCK)) : NULL;
    if (!f) {
        kfree(e);
        kfree(name);
        return -ENOMEM;
    }
    waitqueue_init(&e->wq);
    e->count = (uint32_t)initval;       /* the argument is an unsigned int */
    e->semaphore = flags & EFD_SEMAPHORE;
    f->priv = e;
    memcpy(name, NAME, sizeof(NAME));
    f->path = name;
    long fd = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
    file_put(f);
    return fd;
}

SYSCALL(eventfd) { return do_eventfd(args->a[0], 0); }
SYSCALL(eventfd2) { return do_eventfd(args->a[0], args->a[1]); }
