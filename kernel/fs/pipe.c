/* Pipes: a 64 KiB ring shared by a read end and a write end. Blocking waits use one
 * waitqueue whose lock (rank 70, `waitqueue`) also guards the ring and the end
 * counts; `vfs` is never held here. EOF once all writers are gone, -EPIPE and
 * SIGPIPE once all readers are, -EAGAIN under O_NONBLOCK. Blocked readers and
 * writers wake for signals (-ERESTARTSYS: restarted or -EINTR, as SA_RESTART says).
 * Named pipes (mkfifo) are the same pipe, hung off the FIFO's vnode while open. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/vfs.h>

struct pipe {
    struct waitqueue wq;        /* wq.lock guards everything below */
    struct pipe_ring ring;
    int readers, writers;
    /* Named pipes: the vnode whose priv points here (set and cleared under `vfs`),
     * and how many read/write opens there have been (an opener waiting for its
     * peer goes on once the count moves, even if the peer already closed again). */
    struct vnode *fifo;
    unsigned read_opens, write_opens;
};

static ssize_t pipe_read(struct file *f, void *buf, size_t n)
{
    struct pipe *p = f->priv;
    if (n == 0)
        return 0;
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    while (pipe_ring_used(&p->ring) == 0) {
        if (p->writers == 0 || (f->flags & O_NONBLOCK)) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            return p->writers == 0 ? 0 : -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&p->wq, &fl) < 0) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            return -ERESTARTSYS;
        }
    }
    size_t got = pipe_ring_get(&p->ring, buf, n);
    spin_unlock_irqrestore(&p->wq.lock, fl);
    waitqueue_wake_all(&p->wq);
    return (ssize_t)got;
}

#define PIPE_ATOMIC_MAX 4096   /* Linux's PIPE_BUF */

static ssize_t pipe_write(struct file *f, const void *buf, size_t n)
{
    struct pipe *p = f->priv;
    size_t done = 0;
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    while (done < n) {
        if (p->readers == 0) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            if (done)
                return (ssize_t)done;
            /* After the unlock: the signal lock ranks below wait queues. A kernel
             * thread has no signals and just gets -EPIPE. */
            signal_send_current(SIGPIPE);
            return -EPIPE;
        }
        /* POSIX: a write of at most PIPE_BUF bytes is never interleaved with
         * another writer's, so it waits for room for all of it (with several
         * CPUs a partial put let another writer in between). */
        size_t room = PIPE_BUF_SIZE - pipe_ring_used(&p->ring);
        size_t put = n <= PIPE_ATOMIC_MAX && room < n ? 0
                     : pipe_ring_put(&p->ring, (const uint8_t *)buf + done, n - done);
        done += put;
        if (put) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            waitqueue_wake_all(&p->wq);
            fl = spin_lock_irqsave(&p->wq.lock);
            continue;
        }
        if (f->flags & O_NONBLOCK) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            return done ? (ssize_t)done : -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&p->wq, &fl) < 0) {
            spin_unlock_irqrestore(&p->wq.lock, fl);
            return done ? (ssize_t)done : -ERESTARTSYS;
        }
    }
    spin_unlock_irqrestore(&p->wq.lock, fl);
    return (ssize_t)done;
}

static int pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    int r = 0;
    uint32_t acc = f->flags & O_ACCMODE;
    if (acc != O_WRONLY) {
        if (pipe_ring_used(&p->ring))
            r |= POLLIN;
        if (p->writers == 0)
            r |= POLLHUP;
    }
    if (acc != O_RDONLY) {
        /* Writable when a PIPE_BUF write fits whole (pipe_write waits for that
         * much room), as Linux reports a pipe with a free page buffer. */
        if (PIPE_BUF_SIZE - pipe_ring_used(&p->ring) >= PIPE_ATOMIC_MAX)
            r |= POLLOUT;
        if (p->readers == 0)
            r |= POLLERR;
    }
    spin_unlock_irqrestore(&p->wq.lock, fl);
    return r;
}

/* Reads, writes and closes of either end all wake wq: pollers of both ends. */
static struct waitqueue *pipe_poll_wq(struct file *f)
{
    return &((struct pipe *)f->priv)->wq;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, uint64_t arg);

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    uint32_t acc = f->flags & O_ACCMODE;
    struct vnode *fifo = p->fifo;
    if (fifo)
        vfs_lock();                     /* an open may be attaching to p */
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    if (acc != O_WRONLY)
        p->readers--;
    if (acc != O_RDONLY)
        p->writers--;
    bool last = p->readers == 0 && p->writers == 0;
    /* The wake-up happens before the unlock: once it is dropped the other end's
     * release may free p (a preemption or another CPU between the two froze the
     * machine spinning on a freed lock word). */
    if (!last)
        waitqueue_wake_locked(&p->wq, -1);
    spin_unlock_irqrestore(&p->wq.lock, fl);
    if (fifo) {
        if (last)
            fifo->priv = NULL;          /* the next open starts an empty pipe */
        vfs_unlock();
    }
    if (last) {
        kfree(p->ring.buf);
        kfree(p);
    }
}

static int pipe_reopen(struct file *f, uint32_t flags, struct file **out);

static const struct file_ops pipe_ops = {
    .read = pipe_read, .write = pipe_write, .poll = pipe_poll, .poll_wq = pipe_poll_wq,
    .ioctl = pipe_ioctl, .release = pipe_release, .reopen = pipe_reopen,
};

/* open("/proc/self/fd/N") of a pipe end: another end of the same pipe with the
 * access open(2) asked for, as Linux opens a pipe's inode like a FIFO's (no
 * waiting for a peer: the pipe already has both ends or had them). */
static int pipe_reopen(struct file *f, uint32_t flags, struct file **out)
{
    struct pipe *p = f->priv;
    uint32_t acc = flags & O_ACCMODE;
    struct file *n = file_alloc(NULL, &pipe_ops, acc | (flags & (O_NONBLOCK | O_APPEND)));
    if (!n)
        return -ENOMEM;
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    if (acc != O_WRONLY)
        p->readers++;
    if (acc != O_RDONLY)
        p->writers++;
    spin_unlock_irqrestore(&p->wq.lock, fl);
    n->priv = p;
    *out = n;
    return 0;
}

#include <osc/uaccess.h>
static long pipe_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    if (cmd != 0x541b)                  /* FIONREAD */
        return -ENOTTY;
    struct pipe *p = f->priv;
    int n = (int)pipe_ring_used(&p->ring);
    return copy_to_user((void *)arg, &n, sizeof(n));
}

int pipe_create(struct file **rd, struct file **wr, uint32_t flags)
{
    struct pipe *p = kzalloc(sizeof(*p));
    uint8_t *buf = kmalloc(PIPE_BUF_SIZE);
    struct file *r = file_alloc(NULL, &pipe_ops, O_RDONLY | (flags & O_NONBLOCK));
    struct file *w = file_alloc(NULL, &pipe_ops, O_WRONLY | (flags & O_NONBLOCK));
    if (!p || !buf || !r || !w) {
        kfree(p);
        kfree(buf);
        if (r)
            r->ops = NULL;
        if (w)
            w->ops = NULL;
        file_put(r);
        file_put(w);
        return -ENOMEM;
    }
    waitqueue_init(&p->wq);
    p->ring.buf = buf;
    p->readers = p->writers = 1;
    r->priv = w->priv = p;
    *rd = r;
    *wr = w;
    return 0;
}

int fifo_attach_locked(struct file *f, struct vnode *v, uint32_t flags)
{
    uint32_t acc = flags & O_ACCMODE;
    struct pipe *p = v->priv;
    if (acc == O_WRONLY && (flags & O_NONBLOCK) && (!p || p->readers == 0))
        return -ENXIO;                  /* POSIX: no reader, no non-blocking writer */
    if (!p) {
        p = kzalloc(sizeof(*p));
        uint8_t *buf = kmalloc(PIPE_BUF_SIZE);
        if (!p || !buf) {
            kfree(p);
            kfree(buf);
            return -ENOMEM;
        }
        waitqueue_init(&p->wq);
        p->ring.buf = buf;
        p->fifo = v;
        v->priv = p;
    }
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    if (acc != O_WRONLY) {
        p->readers++;
        p->read_opens++;
    }
    if (acc != O_RDONLY) {
        p->writers++;
        p->write_opens++;
    }
    spin_unlock_irqrestore(&p->wq.lock, fl);
    f->ops = &pipe_ops;
    f->priv = p;
    waitqueue_wake_all(&p->wq);         /* openers waiting for this end */
    return 0;
}

int fifo_wait_peer(struct file *f)
{
    struct pipe *p = f->priv;
    uint32_t acc = f->flags & O_ACCMODE;
    if (acc == O_RDWR || (f->flags & O_NONBLOCK))
        return 0;
    unsigned long fl = spin_lock_irqsave(&p->wq.lock);
    unsigned *opens = acc == O_RDONLY ? &p->write_opens : &p->read_opens;
    int *peers = acc == O_RDONLY ? &p->writers : &p->readers;
    unsigned seen = *opens;
    int err = 0;
    while (*peers == 0 && *opens == seen) {
        if (waitqueue_sleep_interruptible_locked(&p->wq, &fl) < 0) {
            err = -ERESTARTSYS;
            break;
        }
    }
    spin_unlock_irqrestore(&p->wq.lock, fl);
    return err;
}
