/* Pseudo-terminals (Unix 98): opening /dev/ptmx makes a pair, a master file and a
 * slave terminal /dev/pts/N with the line discipline every terminal has (tty.c).
 * What the slave's programs write comes out of the master; what is written to
 * the master is the slave's input, as if typed. */

#define LOG_TAG "tty"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/signal.h>
#include <osc/uaccess.h>
#include "tty_internal.h"

#define PTY_RING 4096           /* slave output waiting for the master's read */

#define TIOCGPTN   0x80045430
#define TIOCSPTLCK 0x40045431
#define TIOCGPTLCK 0x80045439

/* mwq.lock (rank 70, `waitqueue`) guards the ring and the flags; master readers
 * and slave writers waiting for room sleep on mwq. in_lock (mutex `pty_in`, rank
 * 44) makes one master write at a time the feeder of the slave's input. */
struct pty {
    struct tty tty;
    struct waitqueue mwq;
    uint8_t ring[PTY_RING];
    uint64_t head, tail;        /* bytes put and taken; head - tail are waiting */
    bool master_open;
    bool locked;                /* until unlockpt (TIOCSPTLCK 0): slave opens fail */
    int slave_files;
    bool slave_ever;            /* once the last slave closes, master reads get EIO */
    struct mutex in_lock;
};

static struct pty *pty_of(struct tty *t) { return container_of(t, struct pty, tty); }

/* /dev, where the slaves' nodes go (pts/N); set once at boot. */
static struct vnode *dev_dir;

void pty_set_dev_dir(struct vnode *dev)
{
    vnode_get(dev);
    dev_dir = dev;
}

static void node_path(char *buf, size_t size, int n)
{
    ksnprintf(buf, size, "pts/%d", n);
}

/* The slave's output. Writes wait for room (interruptibly: a signal drops the
 * rest, as a short write); echo never waits, and nothing is kept once the master
 * is gone. */
static void pty_emit(struct tty *t, const char *s, size_t n, bool echo)
{
    struct pty *p = pty_of(t);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    while (n && p->master_open) {
        size_t room = PTY_RING - (size_t)(p->head - p->tail);
        if (room == 0) {
            if (echo || waitqueue_sleep_interruptible_locked(&p->mwq, &fl) < 0)
                break;
            continue;
        }
        size_t k = MIN(room, n);
        for (size_t i = 0; i < k; i++)
            p->ring[(p->head + i) % PTY_RING] = (uint8_t)s[i];
        p->head += k;
        s += k;
        n -= k;
        waitqueue_wake_locked(&p->mwq, -1);
    }
    spin_unlock_irqrestore(&p->mwq.lock, fl);
}

static bool slaves_gone_locked(const struct pty *p)
{
    return p->slave_ever && p->slave_files == 0;
}

static ssize_t master_read(struct file *f, void *buf, size_t n)
{
    struct pty *p = pty_of(f->priv);
    if (n == 0)
        return 0;
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    ssize_t ret;
    for (;;) {
        size_t used = (size_t)(p->head - p->tail);
        if (used) {
            size_t k = MIN(used, n);
            for (size_t i = 0; i < k; i++)
                ((uint8_t *)buf)[i] = p->ring[(p->tail + i) % PTY_RING];
            p->tail += k;
            waitqueue_wake_locked(&p->mwq, -1);     /* slave writers waiting for room */
            ret = (ssize_t)k;
            break;
        }
        if (slaves_gone_locked(p)) {
            ret = -EIO;                 /* as Linux once every slave is closed */
            break;
        }
        if (f->flags & O_NONBLOCK) {
            ret = -EAGAIN;
            break;
        }
        if (waitqueue_sleep_interruptible_locked(&p->mwq, &fl) < 0) {
            ret = -ERESTARTSYS;
            break;
        }
    }
    spin_unlock_irqrestore(&p->mwq.lock, fl);
    if (ret > 0)
        waitqueue_wake_all(&p->tty.wq);     /* the slave's pollers: POLLOUT again */
    return ret;
}

/* Typed input for the slave. The line discipline takes what fits its buffer (a
 * full canonical line buffer drops input, as a real terminal's would). */
static ssize_t master_write(struct file *f, const void *buf, size_t n)
{
    struct pty *p = pty_of(f->priv);
    mutex_lock(&p->in_lock);
    for (size_t i = 0; i < n; i++)
        tty_input(&p->tty, ((const uint8_t *)buf)[i]);
    mutex_unlock(&p->in_lock);
    return (ssize_t)n;
}

static int master_poll(struct file *f)
{
    struct pty *p = pty_of(f->priv);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    int m = POLLOUT;
    if (p->head != p->tail)
        m |= POLLIN;
    if (slaves_gone_locked(p))
        m |= POLLIN | POLLHUP;
    spin_unlock_irqrestore(&p->mwq.lock, fl);
    return m;
}

static struct waitqueue *master_poll_wq(struct file *f)
{
    return &pty_of(f->priv)->mwq;
}

static long master_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct tty *t = f->priv;
    struct pty *p = pty_of(t);
    void *u = (void *)arg;
    int v;
    unsigned long fl;
    switch (cmd) {
    case TIOCGPTN:
        return copy_to_user(u, &t->pty_index, sizeof(int));
    case TIOCSPTLCK:
        if (copy_from_user(&v, u, sizeof(v)))
            return -EFAULT;
        fl = spin_lock_irqsave(&p->mwq.lock);
        p->locked = v != 0;
        spin_unlock_irqrestore(&p->mwq.lock, fl);
        return 0;
    case TIOCGPTLCK:
        fl = spin_lock_irqsave(&p->mwq.lock);
        v = p->locked;
        spin_unlock_irqrestore(&p->mwq.lock, fl);
        return copy_to_user(u, &v, sizeof(v));
    case FIONREAD:
        fl = spin_lock_irqsave(&p->mwq.lock);
        v = (int)(p->head - p->tail);
        spin_unlock_irqrestore(&p->mwq.lock, fl);
        return copy_to_user(u, &v, sizeof(v));
    }
    /* termios and window size act on the pair's one terminal, as on Linux. */
    return tty_ioctl_on(t, cmd, arg);
}

/* The master closing hangs the slave up: its readers see end of file, its
 * writers EIO, its session SIGHUP; the node goes from /dev/pts. */
static void master_release(struct file *f)
{
    struct tty *t = f->priv;
    if (!t)
        return;                         /* the open failed: no pair was made */
    struct pty *p = pty_of(t);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    p->master_open = false;
    waitqueue_wake_locked(&p->mwq, -1);     /* slave writers waiting for room */
    spin_unlock_irqrestore(&p->mwq.lock, fl);

    fl = spin_lock_irqsave(&t->wq.lock);
    __atomic_store_n(&t->hung_up, true, __ATOMIC_RELEASE);
    int sid = t->sid, pgrp = t->pgrp;
    t->sid = t->pgrp = 0;
    waitqueue_wake_locked(&t->wq, -1);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    if (sid > 0) {
        signal_send_process(sid, SIGHUP, NULL);
        signal_send_process(sid, SIGCONT, NULL);
    }
    if (pgrp > 0 && pgrp != sid)
        signal_send_pgrp(pgrp, SIGHUP, NULL);

    char path[16];
    node_path(path, sizeof(path), t->pty_index);
    struct vfs_ctx c = { .root = dev_dir, .cwd = dev_dir };
    int err = vfs_unlink(&c, NULL, path);
    if (err)
        log_warn("pty %d: removing /dev/%s: %d", t->pty_index, path, err);
    tty_put(t);
}

static int pty_master_open(struct file *f, uint32_t rdev, uint32_t open_flags);

const struct file_ops pty_master_ops = {
    .open = pty_master_open, .read = master_read, .write = master_write,
    .ioctl = master_ioctl, .poll = master_poll, .poll_wq = master_poll_wq,
    .release = master_release, .is_tty = true,
};

/* /dev/ptmx: a new pair, locked until unlockpt, its slave node owned by the
 * opener (what grantpt would arrange). */
static int pty_master_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    (void)rdev;
    (void)open_flags;
    if (!dev_dir)
        return -ENODEV;
    struct pty *p = kzalloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    struct tty *t = &p->tty;
    t->name = "pts";
    t->emit = pty_emit;
    t->ws_fixed = true;
    t->ready = true;
    t->pty = p;
    waitqueue_init(&t->wq);
    waitqueue_init(&t->rx_wq);
    mutex_init(&t->out_lock, "tty_out", 45);
    tty_ldisc_init(&t->ld);
    waitqueue_init(&p->mwq);
    mutex_init(&p->in_lock, "pty_in", 44);
    p->master_open = true;
    p->locked = true;
    int n = tty_table_add_pty(t);
    if (n < 0) {
        kfree(p);
        static unsigned refused;        /* a loop of failing opens logs once in 64 */
        if (__atomic_fetch_add(&refused, 1, __ATOMIC_RELAXED) % 64 == 0)
            log_warn("no free pty (%d in use)", PTY_MAX);
        return -ENOSPC;
    }
    t->pty_index = n;
    struct process *proc = proc_current();
    char path[16];
    node_path(path, sizeof(path), n);
    struct vfs_ctx c = { .root = dev_dir, .cwd = dev_dir, .uid = proc ? proc->fsuid : 0,
                         .gid = proc ? proc->fsgid : 0 };
    int err = vfs_mknod(&c, NULL, path, S_IFCHR | 0620,
                        VFS_MKDEV(PTY_SLAVE_MAJOR + n / 256, n % 256));
    if (err) {
        log_warn("pty %d: making /dev/%s: %d", n, path, err);
        tty_put(t);
        return err;
    }
    f->priv = t;
    f->ops = &pty_master_ops;
    return 0;
}

int pty_slave_opened(struct tty *t)
{
    struct pty *p = pty_of(t);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    int err = 0;
    if (p->locked || !p->master_open) {
        err = -EIO;
    } else {
        p->slave_files++;
        p->slave_ever = true;
    }
    spin_unlock_irqrestore(&p->mwq.lock, fl);
    return err;
}

void pty_slave_closed(struct tty *t)
{
    struct pty *p = pty_of(t);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    p->slave_files--;
    waitqueue_wake_locked(&p->mwq, -1);     /* master readers: EIO, POLLHUP */
    spin_unlock_irqrestore(&p->mwq.lock, fl);
}

int pty_slave_writable(struct tty *t)
{
    struct pty *p = pty_of(t);
    unsigned long fl = spin_lock_irqsave(&p->mwq.lock);
    bool room = p->head - p->tail < PTY_RING;
    spin_unlock_irqrestore(&p->mwq.lock, fl);
    return room ? POLLOUT : 0;
}

void pty_free(struct tty *t)
{
    kfree(pty_of(t));
}
