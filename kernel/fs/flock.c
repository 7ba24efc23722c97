/* File locks, Linux semantics: POSIX record locks (fcntl F_SETLK & co, owned by
 * the process's descriptor table, dropped when it closes any descriptor of the
 * file), open-file-description locks (F_OFD_*, owned by the struct file) and
 * flock(2) locks (whole file, owned by the struct file, independent of the other
 * two). Each vnode has a table of both lists, guarded by its wait queue's lock; a
 * blocked F_SETLKW / flock sleeps on that queue and every change wakes it. Blocked
 * POSIX waiters also sit in a global graph (owner -> owner it waits for) so a
 * cycle is refused with EDEADLK instead of sleeping forever. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "../sched/sched_internal.h"   /* waitqueue_wake_locked */

#define EDEADLK 35
#define ENOLCK  37

#define F_GETLK      5          /* = F_GETLK64 on x86_64: one set of numbers */
#define F_SETLK      6
#define F_SETLKW     7
#define F_OFD_GETLK  36
#define F_OFD_SETLK  37
#define F_OFD_SETLKW 38

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

#define OFFSET_MAX INT64_MAX    /* a lock "to EOF" ends here */

/* struct flock, x86_64 layout (same as struct flock64). */
struct linux_flock {
    int16_t l_type, l_whence;
    int64_t l_start, l_len;
    int32_t l_pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes on x86_64");

enum lock_kind { LK_POSIX, LK_OFD, LK_FLOCK };

struct file_lock {
    struct file_lock *next;
    int64_t start, end;         /* inclusive byte range; end OFFSET_MAX: to infinity */
    const void *owner;          /* POSIX: the fdtable; OFD and flock: the struct file */
    int32_t pid;                /* POSIX: the process that took it */
    uint8_t type;               /* F_RDLCK or F_WRLCK */
    uint8_t kind;
};

struct file_locks {
    struct waitqueue wq;        /* wq.lock (rank 70, `waitqueue`) guards both lists */
    struct file_lock *posix;    /* POSIX and OFD locks: they conflict with each other */
    struct file_lock *flocks;   /* flock(2) locks */
};

/* A POSIX owner asleep in F_SETLKW, waiting for blocker's lock to go. */
struct lock_waiter {
    struct lock_waiter *next;
    const void *owner, *blocker;
};
/* Rank 71 (docs/locking.md): the waiters list; taken inside a table's lock. */
static spinlock_t graph_lock = SPINLOCK_INIT("lock_graph", 71);
static struct lock_waiter *waiters;

/* The table of v, created when create says so (NULL without one or on OOM). */
static struct file_locks *table_of(struct vnode *v, bool create)
{
    struct file_locks *t = __atomic_load_n(&v->locks, __ATOMIC_ACQUIRE);
    if (t || !create)
        return t;
    struct file_locks *n = kzalloc(sizeof(*n));
    if (!n)
        return NULL;
    waitqueue_init(&n->wq);
    vfs_lock();
    t = v->locks;
    if (!t)
        __atomic_store_n(&v->locks, t = n, __ATOMIC_RELEASE);
    vfs_unlock();
    if (t != n)
        kfree(n);
    return t;
}

static void free_list(struct file_lock *l)
{
    while (l) {
        struct file_lock *next = l->next;
        kfree(l);
        l = next;
    }
}

void locks_vnode_free(struct vnode *v)
{
    if (!v->locks)
        return;
    free_list(v->locks->posix);         /* nothing holds the vnode: lists are empty */
    free_list(v->locks->flocks);
    kfree(v->locks);
    v->locks = NULL;
}

static bool overlaps(const struct file_lock *l, int64_t start, int64_t end)
{
    return l->start <= end && start <= l->end;
}

/* The first lock in list that keeps req from being taken, or NULL. */
static struct file_lock *find_conflict(struct file_lock *list, const struct file_lock *req)
{
    for (struct file_lock *l = list; l; l = l->next)
        if (l->owner != req->owner && overlaps(l, req->start, req->end) &&
            (l->type == F_WRLCK || req->type == F_WRLCK))
            return l;
    return NULL;
}

/* Would owner, blocked by blocker, close a cycle of waiting POSIX owners? Caller
 * holds graph_lock. The walk is bounded: the graph may hold a cycle of OFD-free
 * owners only through a bug, never a reason to spin. */
static bool would_deadlock(const void *owner, const void *blocker)
{
    for (int steps = 0; steps < 256; steps++) {
        struct lock_waiter *w = waiters;
        while (w && w->owner != blocker)
            w = w->next;
        if (!w)
            return false;
        blocker = w->blocker;
        if (blocker == owner)
            return true;
    }
    return false;
}

static void graph_remove(struct lock_waiter *me)
{
    for (struct lock_waiter **pp = &waiters; *pp; pp = &(*pp)->next) {
        if (*pp == me) {
            *pp = me->next;
            return;
        }
    }
}

/* Keeps a list ordered by start, as Linux's is: F_GETLK reports the lowest conflict. */
static void sort_by_start(struct file_lock **list)
{
    struct file_lock *sorted = NULL;
    while (*list) {
        struct file_lock *l = *list;
        *list = l->next;
        struct file_lock **pp = &sorted;
        while (*pp && (*pp)->start <= l->start)
            pp = &(*pp)->next;
        l->next = *pp;
        *pp = l;
    }
    *list = sorted;
}

/* Applies req (a lock or F_UNLCK) to its owner's POSIX locks: same-type ranges
 * that touch it merge, other ranges it covers shrink or split. Needs at most two
 * new records, taken from spare[] (set to NULL when used); records it drops go on
 * *dead for the caller to free after the table lock. Returns whether anything
 * another waiter could care about changed. */
static bool posix_apply(struct file_locks *t, const struct file_lock *req,
                        struct file_lock *spare[2], struct file_lock **dead)
{
    int64_t s = req->start, e = req->end;
    bool changed = false;
    int used = 0;
    struct file_lock **pp = &t->posix;
    while (*pp) {
        struct file_lock *l = *pp;
        if (l->owner != req->owner) {
            pp = &l->next;
            continue;
        }
        if (l->type == req->type) {
            bool touches = l->start <= (e == OFFSET_MAX ? e : e + 1) &&
                           s <= (l->end == OFFSET_MAX ? l->end : l->end + 1);
            if (!touches) {
                pp = &l->next;
                continue;
            }
            s = MIN(s, l->start);
            e = MAX(e, l->end);
        } else if (!overlaps(l, req->start, req->end)) {
            pp = &l->next;
            continue;
        } else {
            changed = true;
            if (l->start < req->start && l->end > req->end) {
                struct file_lock *r = spare[used];
                spare[used++] = NULL;
                *r = *l;
                r->start = req->end + 1;
                l->end = req->start - 1;
                l->next = r;
                pp = &r->next;
                continue;
            }
            if (l->start < req->start) {
                l->end = req->start - 1;
                pp = &l->next;
                continue;
            }
            if (l->end > req->end) {
                l->start = req->end + 1;
                pp = &l->next;
                continue;
            }
        }
        *pp = l->next;                  /* merged into the new range, or covered */
        l->next = *dead;
        *dead = l;
    }
    if (req->type != F_UNLCK) {
        struct file_lock *n = spare[used];
        spare[used] = NULL;
        *n = *req;
        n->start = s;
        n->end = e;
        n->next = t->posix;
        t->posix = n;
    }
    sort_by_start(&t->posix);
    return changed || req->type == F_UNLCK;
}

/* Takes, changes or drops a POSIX or OFD lock, sleeping for a conflict when wait
 * says so. */
static long setlk(struct vnode *v, struct file_lock *req, bool wait)
{
    struct file_locks *t = table_of(v, true);
    struct file_lock *spare[2] = { kmalloc(sizeof(struct file_lock)),
                                   kmalloc(sizeof(struct file_lock)) };
    if (!t || !spare[0] || !spare[1]) {
        kfree(spare[0]);
        kfree(spare[1]);
        return -ENOLCK;
    }
    struct file_lock *dead = NULL;
    struct lock_waiter me = { NULL, req->owner, NULL };
    long err = 0;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    for (;;) {
        struct file_lock *c = req->type == F_UNLCK ? NULL : find_conflict(t->posix, req);
        if (!c) {
            if (posix_apply(t, req, spare, &dead))
                waitqueue_wake_locked(&t->wq, -1);
            break;
        }
        if (!wait) {
            err = -EAGAIN;
            break;
        }
        if (req->kind == LK_POSIX) {
            unsigned long gf = spin_lock_irqsave(&graph_lock);
            bool dl = would_deadlock(req->owner, c->owner);
            if (!dl) {
                me.blocker = c->owner;
                me.next = waiters;
                waiters = &me;
            }
            spin_unlock_irqrestore(&graph_lock, gf);
            if (dl) {
                err = -EDEADLK;
                break;
            }
        }
        int r = waitqueue_sleep_interruptible_locked(&t->wq, &fl);
        if (req->kind == LK_POSIX) {
            unsigned long gf = spin_lock_irqsave(&graph_lock);
            graph_remove(&me);
            spin_unlock_irqrestore(&graph_lock, gf);
        }
        if (r < 0) {
            err = -ERESTARTSYS;
            break;
        }
    }
    spin_unlock_irqrestore(&t->wq.lock, fl);
    kfree(spare[0]);
    kfree(spare[1]);
    free_list(dead);
    return err;
}

/* Drops every lock of kind (and owner) in *list; whether any went. */
static bool drop_owned(struct file_lock **list, const void *owner, int kind,
                       struct file_lock **dead)
{
    bool any = false;
    for (struct file_lock **pp = list; *pp;) {
        struct file_lock *l = *pp;
        if (l->owner == owner && l->kind == kind) {
            *pp = l->next;
            l->next = *dead;
            *dead = l;
            any = true;
        } else {
            pp = &l->next;
        }
    }
    return any;
}

void locks_close_posix(struct file *f, struct fdtable *owner)
{
    struct file_locks *t = f->vnode ? table_of(f->vnode, false) : NULL;
    if (!t)
        return;
    struct file_lock *dead = NULL;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    if (drop_owned(&t->posix, owner, LK_POSIX, &dead))
        waitqueue_wake_locked(&t->wq, -1);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    free_list(dead);
}

void locks_release_file(struct file *f)
{
    struct file_locks *t = f->vnode ? table_of(f->vnode, false) : NULL;
    if (!t)
        return;
    struct file_lock *dead = NULL;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    bool any = drop_owned(&t->posix, f, LK_OFD, &dead);
    any |= drop_owned(&t->flocks, f, LK_FLOCK, &dead);
    if (any)
        waitqueue_wake_locked(&t->wq, -1);
    spin_unlock_irqrestore(&t->wq.lock, fl);
    free_list(dead);
}

/* struct flock's range, relative to l_whence, as [start, end] (flock_to_posix_lock). */
static long range_of(struct file *f, const struct linux_flock *u, struct file_lock *l)
{
    int64_t base;
    switch (u->l_whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)__atomic_load_n(&f->off, __ATOMIC_RELAXED); break;
    case SEEK_END: base = (int64_t)__atomic_load_n(&f->vnode->size, __ATOMIC_RELAXED); break;
    default: return -EINVAL;
    }
    if (u->l_start > OFFSET_MAX - base)
        return -EOVERFLOW;
    int64_t start = base + u->l_start;
    if (start < 0)
        return -EINVAL;
    int64_t end;
    if (u->l_len > 0) {
        if (u->l_len - 1 > OFFSET_MAX - start)
            return -EOVERFLOW;
        end = start + u->l_len - 1;
    } else if (u->l_len < 0) {
        end = start - 1;
        start += u->l_len;
        if (start < 0)
            return -EINVAL;
    } else {
        end = OFFSET_MAX;
    }
    l->start = start;
    l->end = end;
    return 0;
}

static long getlk(struct vnode *v, struct file_lock *req, struct linux_flock *u)
{
    struct file_locks *t = table_of(v, false);
    u->l_type = F_UNLCK;                /* no conflict: only the type changes */
    if (!t)
        return 0;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    struct file_lock *c = find_conflict(t->posix, req);
    if (c) {
        u->l_type = c->type;
        u->l_whence = SEEK_SET;
        u->l_start = c->start;
        u->l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
        u->l_pid = c->kind == LK_OFD ? -1 : c->pid;
    }
    spin_unlock_irqrestore(&t->wq.lock, fl);
    return 0;
}

long locks_fcntl(struct file *f, struct fdtable *owner, int pid, int cmd, uint64_t uarg)
{
    struct linux_flock u;
    if (copy_from_user(&u, (const void *)uarg, sizeof(u)))
        return -EFAULT;
    bool ofd = cmd >= F_OFD_GETLK;
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    if (ofd && u.l_pid != 0)
        return -EINVAL;
    if (!f->vnode || (f->flags & O_PATH))
        return -EBADF;
    struct file_lock req = { .owner = ofd ? (const void *)f : (const void *)owner,
                             .pid = ofd ? -1 : pid, .type = (uint8_t)u.l_type,
                             .kind = ofd ? LK_OFD : LK_POSIX };
    long err = range_of(f, &u, &req);
    if (err)
        return err;
    if (get) {
        if (u.l_type != F_RDLCK && u.l_type != F_WRLCK)
            return -EINVAL;
        err = getlk(f->vnode, &req, &u);
        return err ? err : copy_to_user((void *)uarg, &u, sizeof(u));
    }
    uint32_t acc = f->flags & O_ACCMODE;
    switch (u.l_type) {
    case F_RDLCK: if (acc == O_WRONLY) return -EBADF; break;
    case F_WRLCK: if (acc == O_RDONLY) return -EBADF; break;
    case F_UNLCK: break;
    default: return -EINVAL;
    }
    return setlk(f->vnode, &req, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long locks_flock(struct file *f, int op)
{
    bool nb = op & LOCK_NB;
    op &= ~LOCK_NB;
    uint8_t type = op == LOCK_SH ? F_RDLCK : op == LOCK_EX ? F_WRLCK : F_UNLCK;
    if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
        return -EINVAL;
    if (!f->vnode || (f->flags & O_PATH))
        return -EBADF;
    struct file_locks *t = table_of(f->vnode, true);
    struct file_lock *n = kmalloc(sizeof(*n));
    if (!t || !n) {
        kfree(n);
        return -ENOLCK;
    }
    *n = (struct file_lock){ NULL, 0, OFFSET_MAX, f, 0, type, LK_FLOCK };
    struct file_lock *dead = NULL;
    long err = 0;
    unsigned long fl = spin_lock_irqsave(&t->wq.lock);
    struct file_lock *mine = t->flocks;
    while (mine && mine->owner != f)
        mine = mine->next;
    if (mine && mine->type == type)
        goto out;                       /* already held as asked */
    /* Converting drops the old lock first, as Linux does: a failed upgrade under
     * LOCK_NB leaves the file unlocked rather than deadlock two upgraders. */
    if (mine && drop_owned(&t->flocks, f, LK_FLOCK, &dead))
        waitqueue_wake_locked(&t->wq, -1);
    if (type == F_UNLCK)
        goto out;
    while (find_conflict(t->flocks, n)) {
        if (nb) {
            err = -EAGAIN;              /* EWOULDBLOCK */
            goto out;
        }
        if (waitqueue_sleep_interruptible_locked(&t->wq, &fl) < 0) {
            err = -ERESTARTSYS;
            goto out;
        }
    }
    n->next = t->flocks;
    t->flocks = n;
    n = NULL;
out:
    spin_unlock_irqrestore(&t->wq.lock, fl);
    kfree(n);
    free_list(dead);
    return err;
}
