/* inotify: watches on vnodes and a queue of struct inotify_event records per
 * instance, read from its file descriptor (blocking, O_NONBLOCK, poll, FIONREAD).
 * The VFS reports what happens through the notify_* hooks (vfs_internal.h) with
 * `vfs` held, which also guards every watch list; an instance's queue has its own
 * lock (its wait queue's, rank 70), taken inside `vfs`. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

#define IN_ALL_EVENTS   0x00000fffu     /* linux/inotify.h */
#define IN_Q_OVERFLOW   0x00004000u
#define IN_ONLYDIR      0x01000000u
#define IN_DONT_FOLLOW  0x02000000u
#define IN_EXCL_UNLINK  0x04000000u
#define IN_MASK_CREATE  0x10000000u
#define IN_MASK_ADD     0x20000000u
#define IN_ONESHOT      0x80000000u
#define IN_WATCH_FLAGS  (IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | \
                         IN_MASK_ADD | IN_ONESHOT)
#define FIONREAD        0x541b
#define ANON_INODE_FS_MAGIC 0x09041934u
#define MAX_QUEUED      16384           /* /proc/sys/fs/inotify/max_queued_events */
/* Bounds on kernel memory, system-wide here (Linux counts per user; everyone is root):
 * more instances -EMFILE, more watches -ENOSPC, as Linux answers at its limits. */
#define MAX_INSTANCES   1024
#define MAX_WATCHES     65536
#define EVENT_HDR       16              /* struct inotify_event without its name */

struct inotify_watch {
    struct inotify_watch *vnext;        /* on v->watches, under `vfs` */
    struct inotify_watch *inext;        /* on in->watches, under `vfs` */
    struct inotify *in;
    struct vnode *v;                    /* no reference: the watch goes before v does */
    int wd;
    uint32_t mask;
};

struct event {
    struct event *next;
    int32_t wd;
    uint32_t mask, cookie, len;         /* len: the name padded to 16 bytes */
    char name[];
};

struct inotify {
    struct waitqueue wq;                /* wq.lock guards the queue fields */
    struct event *head, *tail;
    size_t bytes;                       /* what read would return in all */
    unsigned count;
    struct inotify_watch *watches;      /* under `vfs` */
    int next_wd;                        /* under `vfs` */
};

static int active_watches;              /* atomic: any watch anywhere (cheap check) */
static int instances;                   /* atomic */
static uint32_t next_cookie;            /* atomic */

bool notify_active(void)
{
    return __atomic_load_n(&active_watches, __ATOMIC_RELAXED) > 0;
}

uint32_t notify_cookie(void)
{
    return __atomic_add_fetch(&next_cookie, 1, __ATOMIC_RELAXED);
}

/* Appends an event (merged into the last one when identical, as Linux does). */
static void queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
                  const char *name, size_t len)
{
    uint32_t padded = len ? (uint32_t)ALIGN_UP(len + 1, EVENT_HDR) : 0;
    struct event *e = kzalloc(sizeof(*e) + padded);
    if (!e)
        return;                         /* lost, as an overflowed queue loses it */
    *e = (struct event){ NULL, wd, mask, cookie, padded };
    memcpy(e->name, name, len);
    unsigned long fl = spin_lock_irqsave(&in->wq.lock);
    struct event *t = in->tail;
    if (t && t->wd == e->wd && t->mask == e->mask && t->cookie == e->cookie &&
        t->len == e->len && memcmp(t->name, e->name, e->len) == 0) {
        spin_unlock_irqrestore(&in->wq.lock, fl);
        kfree(e);
        return;
    }
    if (in->count >= MAX_QUEUED) {
        if (!t || t->mask != IN_Q_OVERFLOW) {
            *e = (struct event){ NULL, -1, IN_Q_OVERFLOW, 0, 0 };
        } else {
            spin_unlock_irqrestore(&in->wq.lock, fl);
            kfree(e);
            return;
        }
    }
    if (t)
        t->next = e;
    else
        in->head = e;
    in->tail = e;
    in->count++;
    in->bytes += EVENT_HDR + e->len;
    spin_unlock_irqrestore(&in->wq.lock, fl);
    waitqueue_wake_all(&in->wq);
}

/* Unhooks w from its vnode and instance and frees it, queueing IN_IGNORED. */
static void drop_watch(struct inotify_watch *w)
{
    for (struct inotify_watch **pp = &w->v->watches; *pp; pp = &(*pp)->vnext)
        if (*pp == w) {
            *pp = w->vnext;
            break;
        }
    for (struct inotify_watch **pp = &w->in->watches; *pp; pp = &(*pp)->inext)
        if (*pp == w) {
            *pp = w->inext;
            break;
        }
    queue(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
    __atomic_sub_fetch(&active_watches, 1, __ATOMIC_RELAXED);
    kfree(w);
}

/* Delivers mask to the watches on v that want it, named when name is given. */
static void deliver(struct vnode *v, uint32_t mask, uint32_t cookie, const char *name,
                    size_t len)
{
    struct inotify_watch *w = v->watches, *next;
    for (; w; w = next) {
        next = w->vnext;
        if (!(w->mask & mask & IN_ALL_EVENTS))
            continue;
        queue(w->in, w->wd, mask, cookie, name, len);
        if (w->mask & IN_ONESHOT)
            drop_watch(w);
    }
}

static uint32_t isdir(const struct vnode *v)
{
    return v && S_ISDIR(v->mode) ? IN_ISDIR : 0;
}

void notify_locked(struct vnode *v, uint32_t mask)
{
    if (v->watches)
        deliver(v, mask | isdir(v), 0, NULL, 0);
}

void notify_dir_locked(struct vnode *dir, struct vnode *child, uint32_t mask, uint32_t cookie,
                       const char *name, size_t len)
{
    if (dir->watches)
        deliver(dir, mask | isdir(child), cookie, name, len);
}

void notify_file_locked(struct file *f, uint32_t mask)
{
    struct vnode *v = f->vnode;
    if (f->notify_dir && f->notify_name && f->notify_dir->watches)
        deliver(f->notify_dir, mask | isdir(v), 0, f->notify_name, strlen(f->notify_name));
    notify_locked(v, mask);
}

void notify_gone_locked(struct vnode *v)
{
    if (v->watches)
        deliver(v, IN_DELETE_SELF, 0, NULL, 0);     /* no IN_ISDIR here on Linux */
    while (v->watches)
        drop_watch(v->watches);
}

void inotify_vnode_gone(struct vnode *v)
{
    notify_gone_locked(v);
}

/* ---- the instance's file ---- */

static ssize_t inotify_read(struct file *f, void *buf, size_t n)
{
    struct inotify *in = f->priv;
    unsigned long fl = spin_lock_irqsave(&in->wq.lock);
    while (!in->head) {
        if (f->flags & O_NONBLOCK) {
            spin_unlock_irqrestore(&in->wq.lock, fl);
            return -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&in->wq, &fl) < 0) {
            spin_unlock_irqrestore(&in->wq.lock, fl);
            return -ERESTARTSYS;
        }
    }
    size_t used = 0;
    struct event *done = NULL, **done_tail = &done;
    while (in->head && used + EVENT_HDR + in->head->len <= n) {
        struct event *e = in->head;
        uint8_t *r = (uint8_t *)buf + used;
        memcpy(r, &e->wd, 4);
        memcpy(r + 4, &e->mask, 4);
        memcpy(r + 8, &e->cookie, 4);
        memcpy(r + 12, &e->len, 4);
        memcpy(r + EVENT_HDR, e->name, e->len);
        used += EVENT_HDR + e->len;
        in->bytes -= EVENT_HDR + e->len;
        in->count--;
        in->head = e->next;
        if (!in->head)
            in->tail = NULL;
        e->next = NULL;
        *done_tail = e;
        done_tail = &e->next;
    }
    spin_unlock_irqrestore(&in->wq.lock, fl);
    while (done) {
        struct event *next = done->next;
        kfree(done);
        done = next;
    }
    return used ? (ssize_t)used : -EINVAL;      /* the first event does not fit */
}

static int inotify_poll(struct file *f)
{
    struct inotify *in = f->priv;
    unsigned long fl = spin_lock_irqsave(&in->wq.lock);
    int r = in->head ? POLLIN : 0;
    spin_unlock_irqrestore(&in->wq.lock, fl);
    return r;
}

static struct waitqueue *inotify_poll_wq(struct file *f)
{
    return &((struct inotify *)f->priv)->wq;
}

static long inotify_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    if (cmd != FIONREAD)
        return -ENOTTY;
    struct inotify *in = f->priv;
    unsigned long fl = spin_lock_irqsave(&in->wq.lock);
    int n = (int)in->bytes;
    spin_unlock_irqrestore(&in->wq.lock, fl);
    return copy_to_user((void *)arg, &n, sizeof(n));
}

static void inotify_release(struct file *f)
{
    struct inotify *in = f->priv;
    __atomic_sub_fetch(&instances, 1, __ATOMIC_RELAXED);
    vfs_lock();
    while (in->watches)
        drop_watch(in->watches);
    vfs_unlock();
    while (in->head) {
        struct event *next = in->head->next;
        kfree(in->head);
        in->head = next;
    }
    kfree(in);
}

static const struct file_ops inotify_ops = {
    .read = inotify_read, .poll = inotify_poll, .poll_wq = inotify_poll_wq,
    .ioctl = inotify_ioctl, .release = inotify_release,
    .statfs_magic = ANON_INODE_FS_MAGIC, .stat_mode = 0600,
};

static long do_init(uint64_t flags)
{
    if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    if (__atomic_add_fetch(&instances, 1, __ATOMIC_RELAXED) > MAX_INSTANCES) {
        __atomic_sub_fetch(&instances, 1, __ATOMIC_RELAXED);
        return -EMFILE;
    }
    struct inotify *in = kzalloc(sizeof(*in));
    char *name = kmalloc(20);
    struct file *f = in && name ? file_alloc(NULL, &inotify_ops,
                                             O_RDONLY | (uint32_t)(flags & O_NONBLOCK)) : NULL;
    if (!f) {
        kfree(in);
        kfree(name);
        __atomic_sub_fetch(&instances, 1, __ATOMIC_RELAXED);
        return -ENOMEM;
    }
    waitqueue_init(&in->wq);
    in->next_wd = 1;
    f->priv = in;
    strlcpy(name, "anon_inode:inotify", 20);
    f->path = name;                     /* what /proc/<pid>/fd/N shows */
    long fd = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
    file_put(f);
    return fd;
}

SYSCALL(inotify_init) { (void)args; return do_init(0); }
SYSCALL(inotify_init1) { return do_init(args->a[0]); }

/* The instance behind fd (a referenced file), or an error. */
static struct file *instance(int fd, long *err)
{
    struct process *p = proc_current();
    struct file *f = p ? fdtable_get(p->files, fd) : NULL;
    *err = -EBADF;
    if (f && f->ops != &inotify_ops) {
        file_put(f);
        f = NULL;
        *err = -EINVAL;
    }
    return f;
}

SYSCALL(inotify_add_watch)
{
    uint32_t mask = (uint32_t)args->a[2];
    if (!(mask & IN_ALL_EVENTS))
        return -EINVAL;
    if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
        return -EINVAL;
    long err;
    struct file *f = instance((int)args->a[0], &err);
    if (!f)
        return err;
    struct inotify *in = f->priv;
    char *path = kmalloc(VFS_PATH_MAX);
    struct inotify_watch *nw = kzalloc(sizeof(*nw));
    struct vnode *v = NULL;
    err = path && nw ? strncpy_from_user(path, (const char *)args->a[1], VFS_PATH_MAX) : -ENOMEM;
    if (err >= 0) {
        struct process *p = proc_current();
        struct vfs_ctx c = vfs_ctx_of(p);
        err = vfs_lookup(&c, NULL, path, (mask & IN_DONT_FOLLOW) ? 0 : VFS_FOLLOW, &v);
        if (!err && (err = vfs_permission(&c, v, MAY_READ)))
            vnode_put(v);               /* a watch needs read permission, as Linux */
    }
    if (err >= 0 && (mask & IN_ONLYDIR) && !S_ISDIR(v->mode))
        err = -ENOTDIR;
    if (err >= 0) {
        vfs_lock();
        struct inotify_watch *w = v->watches;
        while (w && w->in != in)
            w = w->vnext;
        uint32_t want = mask & (IN_ALL_EVENTS | IN_WATCH_FLAGS);
        if (w && (mask & IN_MASK_CREATE)) {
            err = -EEXIST;
        } else if (w) {
            w->mask = (mask & IN_MASK_ADD) ? (w->mask | want) : want;
            err = w->wd;
        } else if (__atomic_add_fetch(&active_watches, 1, __ATOMIC_RELAXED) > MAX_WATCHES) {
            __atomic_sub_fetch(&active_watches, 1, __ATOMIC_RELAXED);
            err = -ENOSPC;
        } else {
            *nw = (struct inotify_watch){ v->watches, in->watches, in, v, in->next_wd++, want };
            v->watches = in->watches = nw;
            err = nw->wd;
            nw = NULL;
        }
        vfs_unlock();
    }
    vnode_put(v);
    kfree(nw);
    kfree(path);
    file_put(f);
    return err;
}

SYSCALL(inotify_rm_watch)
{
    long err;
    struct file *f = instance((int)args->a[0], &err);
    if (!f)
        return err;
    struct inotify *in = f->priv;
    err = -EINVAL;
    vfs_lock();
    for (struct inotify_watch *w = in->watches; w; w = w->inext) {
        if (w->wd == (int)args->a[1]) {
            drop_watch(w);
            err = 0;
            break;
        }
    }
    vfs_unlock();
    file_put(f);
    return err;
}
