/* epoll: a set of (file, fd) items, each with the events it wants and a value to
 * hand back. Waiting scans the set under `epoll` with a poll table that hooks the
 * caller on every item's queues (and the set's own queue, woken by epoll_ctl), so
 * epoll_wait wakes through the files' wait queues as poll does, at O(items) per
 * scan. Edge-triggered items need to know that their file was woken since the last
 * look: each item keeps its own poll waiter hooked on the file's queue as a "woken"
 * flag (it never sleeps). An epoll file is pollable (readable while an item is
 * ready), so sets nest, to EP_MAX_NESTS levels. Items hold no reference to their
 * file: the last close of the file removes them (epoll_file_gone), as in Linux. */

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

#define EPOLL_CTL_ADD   1               /* linux/eventpoll.h */
#define EPOLL_CTL_DEL   2
#define EPOLL_CTL_MOD   3
#define EPOLLEXCLUSIVE  (1u << 28)
#define EPOLLWAKEUP     (1u << 29)
#define EPOLLONESHOT    (1u << 30)
#define EPOLLET         (1u << 31)
#define EPOLL_CONTROL   (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
/* What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EXCLUSIVE_OK    (POLLIN | POLLOUT | POLLERR | POLLHUP | 0x040 | 0x100 | \
                         EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS    4               /* Linux: deeper nesting is -ELOOP */
#define MAX_WATCHES     65536           /* all sets together; then -ENOSPC */
#define WAIT_BATCH      1024            /* events one epoll_wait gathers at most */
#define WAIT_SMALL      8               /* up to this many: gathered on the stack */
#define NS_PER_MS       1000000ull
#define NS_PER_SEC      1000000000ull
#define ANON_INODE_FS_MAGIC 0x09041934u
#define NAME            "anon_inode:[eventpoll]"

/* Linux struct epoll_event: packed on x86_64 (12 bytes). */
struct epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

/* `epoll` (mutex, rank 40): every set's item list, every item, every file's
 * ep_links, the owned hooks of waiting calls (<osc/poll.h>). Files' poll operations run under it (they take only spinlocks); no
 * file_put may run under it (the last one takes it). */
static struct mutex epoll_mutex = {
    .lock = SPINLOCK_INIT("epoll", 40),
    .waiters = { .lock = SPINLOCK_INIT("waitqueue", 70) },
};
static int watches;                     /* under `epoll` */

struct eventpoll {
    struct waitqueue wq;                /* woken by epoll_ctl: pollers rescan */
    struct epitem *head, *tail;         /* items, in report order */
    struct file *file;                  /* the set's own file (no reference) */
    /* Walks through nested sets visit each set once (a set may be an item many
     * times over, through dup'd fds): the walk it was last seen in and what it
     * gave then. Under `epoll`. */
    uint64_t walk;
    int memo;
};
static uint64_t walk;                    /* under `epoll`: the current walk */

struct epitem {
    struct epitem *next, *prev;         /* on ep's list */
    struct epitem *file_next;           /* on file->ep_links */
    struct eventpoll *ep;
    struct file *file;                  /* no reference: see epoll_file_gone */
    int fd;
    uint32_t events;                    /* as given, EPOLLERR | EPOLLHUP added */
    uint64_t data;
    bool disabled;                      /* EPOLLONESHOT reported; EPOLL_CTL_MOD re-arms */
    bool hooked;                        /* et_entry is on the file's queue */
    struct poll_waiter et;              /* woken: the file's queue was woken */
    struct poll_entry et_entry;
    int last;                           /* unhooked files: answer at the last look */
    struct poll_hook *hooks;            /* waiting calls' hooks for this item */
};

static const struct file_ops epoll_ops;

static bool is_epoll(const struct file *f) { return f->ops == &epoll_ops; }

/* ---- an item's readiness ---- */

static bool et_take(struct epitem *it, bool clear)
{
    unsigned long fl = spin_lock_irqsave(&it->et.lock);
    bool w = it->et.woken;
    if (clear)
        it->et.woken = false;
    spin_unlock_irqrestore(&it->et.lock, fl);
    return w;
}

static void et_set(struct epitem *it)
{
    unsigned long fl = spin_lock_irqsave(&it->et.lock);
    it->et.woken = true;
    spin_unlock_irqrestore(&it->et.lock, fl);
}

static int ep_ready(struct eventpoll *ep, struct poll_table *pt, int depth);

/* The events item it reports now (0: none). consume: this look reports them
 * (epoll_wait), so an edge is used up; otherwise only a peek (polling the set). */
static int item_check(struct epitem *it, struct poll_table *pt, bool consume, int depth)
{
    if (it->disabled)
        return 0;
    struct file *f = it->file;
    bool et = it->events & EPOLLET;
    bool w1 = et && it->hooked && et_take(it, consume);
    struct poll_hook **outer = pt ? pt->owner : NULL;
    if (pt)
        pt->owner = &it->hooks;         /* no file reference: see <osc/poll.h> */
    int m;
    if (is_epoll(f))
        m = depth < EP_MAX_NESTS && ep_ready(f->priv, pt, depth + 1) ? POLLIN : 0;
    else
        m = file_poll(f, pt);
    if (pt)
        pt->owner = outer;
    m &= (int)(it->events & ~EPOLL_CONTROL);
    if (!et)
        return m;
    if (!it->hooked) {                  /* no queue to hook: edges by sampling */
        int edge = m & ~it->last;
        if (consume)
            it->last = m;
        return edge ? m : 0;
    }
    bool w2 = et_take(it, consume);     /* woken while we looked (a timerfd's count) */
    if (!m && w2 && consume)
        et_set(it);                     /* an event racing the look: not lost */
    return w1 || w2 ? m : 0;
}

/* Whether any item of ep is ready (a peek), hooking pt on everything that can
 * change that. Caller holds `epoll`. */
static int ep_ready(struct eventpoll *ep, struct poll_table *pt, int depth)
{
    if (ep->walk == walk)
        return ep->memo;                /* seen in this walk: hooked already */
    ep->walk = walk;
    ep->memo = 0;
    poll_table_wait(pt, ep->file, &ep->wq);
    if (pt)
        pt->rehook = true;              /* the set may change between scans */
    int ready = 0;
    for (struct epitem *it = ep->head; it; it = it->next) {
        if (item_check(it, pt, false, depth))
            ready = 1;
        if (ready && !(pt && pt->hooking))
            break;
    }
    ep->memo = ready;
    return ready;
}

static int epoll_poll_pt(struct file *f, struct poll_table *pt)
{
    mutex_lock(&epoll_mutex);
    walk++;
    int r = ep_ready(f->priv, pt, 0) ? POLLIN : 0;
    mutex_unlock(&epoll_mutex);
    return r;
}

static int epoll_poll(struct file *f)
{
    return epoll_poll_pt(f, NULL);
}

/* ---- items ---- */

static struct epitem *find(struct eventpoll *ep, struct file *f, int fd)
{
    for (struct epitem *it = ep->head; it; it = it->next)
        if (it->file == f && it->fd == fd)
            return it;
    return NULL;
}

static void list_unlink(struct eventpoll *ep, struct epitem *it)
{
    if (it->prev)
        it->prev->next = it->next;
    else
        ep->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        ep->tail = it->prev;
    it->next = it->prev = NULL;
}

static void list_append(struct eventpoll *ep, struct epitem *it)
{
    it->prev = ep->tail;
    it->next = NULL;
    if (ep->tail)
        ep->tail->next = it;
    else
        ep->head = it;
    ep->tail = it;
}

/* Takes it out of its set and its file's list; the caller frees it after
 * dropping `epoll`. */
static void item_unlink(struct epitem *it)
{
    list_unlink(it->ep, it);
    for (struct epitem **pp = &it->file->ep_links; *pp; pp = &(*pp)->file_next)
        if (*pp == it) {
            *pp = it->file_next;
            break;
        }
    if (it->hooked)
        poll_waiter_remove(&it->et_entry);
    it->hooked = false;
    /* Waiting calls lose their hooks on the file: they rescan without it. */
    poll_hooks_drop_owned(&it->hooks);
    waitqueue_wake_all(&it->ep->wq);
    watches--;
}

void epoll_lock(void) { mutex_lock(&epoll_mutex); }
void epoll_unlock(void) { mutex_unlock(&epoll_mutex); }

/* Unlinks every item the list at *head names (a file's links or a set's items;
 * item_unlink takes each off it) under the epoll lock, and frees them after it. */
static void unlink_all(struct epitem **head)
{
    struct epitem *dead = NULL;
    mutex_lock(&epoll_mutex);
    while (*head) {
        struct epitem *it = *head;
        item_unlink(it);
        it->next = dead;
        dead = it;
    }
    mutex_unlock(&epoll_mutex);
    while (dead) {
        struct epitem *next = dead->next;
        kfree(dead);
        dead = next;
    }
}

void epoll_file_gone(struct file *f)
{
    unlink_all(&f->ep_links);
}

/* Levels of sets below ep (0: no set inside); > EP_MAX_NESTS stops counting. */
static int depth_down(struct eventpoll *ep, int lvl)
{
    if (lvl > EP_MAX_NESTS)
        return lvl;
    if (ep->walk == walk)
        return ep->memo;
    int d = 0;
    for (struct epitem *it = ep->head; it; it = it->next)
        if (is_epoll(it->file))
            d = MAX(d, 1 + depth_down(it->file->priv, lvl + 1));
    ep->walk = walk;
    ep->memo = d;
    return d;
}

/* Levels of sets above ep (0: in no set). */
static int depth_up(struct eventpoll *ep, int lvl)
{
    if (lvl > EP_MAX_NESTS)
        return lvl;
    if (ep->walk == walk)
        return ep->memo;
    int d = 0;
    for (struct epitem *it = ep->file->ep_links; it; it = it->file_next)
        d = MAX(d, 1 + depth_up(it->ep, lvl + 1));
    ep->walk = walk;
    ep->memo = d;
    return d;
}

/* Whether target (a set) contains ep, at any depth. */
static bool reaches(struct eventpoll *target, struct eventpoll *ep, int lvl)
{
    if (target == ep)
        return true;
    if (lvl > EP_MAX_NESTS + 1)
        return true;                    /* deeper than allowed: treat as a loop */
    if (target->walk == walk)
        return false;                   /* explored already in this walk */
    target->walk = walk;
    for (struct epitem *it = target->head; it; it = it->next)
        if (is_epoll(it->file) && reaches(it->file->priv, ep, lvl + 1))
            return true;
    return false;
}

static long ctl_add(struct eventpoll *ep, struct file *tf, int fd, const struct epoll_event *ev,
                    struct epitem *it)
{
    if (find(ep, tf, fd))
        return -EEXIST;
    if (is_epoll(tf)) {
        struct eventpoll *t = tf->priv;
        walk++;
        bool loop = reaches(t, ep, 0);
        walk++;
        int up = depth_up(ep, 0);
        walk++;
        if (loop || up + 1 + depth_down(t, 0) > EP_MAX_NESTS)
            return -ELOOP;
    }
    if (watches >= MAX_WATCHES)
        return -ENOSPC;
    watches++;
    *it = (struct epitem){ .ep = ep, .file = tf, .fd = fd, .data = ev->data,
                           .events = ev->events | POLLERR | POLLHUP };
    list_append(ep, it);
    it->file_next = tf->ep_links;
    tf->ep_links = it;
    struct waitqueue *wq = tf->ops->poll_wq ? tf->ops->poll_wq(tf) : NULL;
    poll_waiter_init(&it->et);
    it->et.woken = true;                /* as Linux: a ready file reports once at once */
    if (wq && !is_epoll(tf)) {
        poll_waiter_add(&it->et, &it->et_entry, wq);
        it->hooked = true;
    }
    return 0;
}

static long ctl_mod(struct epitem *it, const struct epoll_event *ev)
{
    if (it->events & EPOLLEXCLUSIVE)
        return -EINVAL;
    it->events = ev->events | POLLERR | POLLHUP;
    it->data = ev->data;
    it->disabled = false;
    it->last = 0;
    et_set(it);
    return 0;
}

SYSCALL(epoll_ctl)
{
    int op = (int)args->a[1], fd = (int)args->a[2];
    struct epoll_event ev = { 0, 0 };
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, (const void *)args->a[3], sizeof(ev)))
        return -EFAULT;
    struct process *p = proc_current();
    struct file *epf = p ? fdtable_get(p->files, (int)args->a[0]) : NULL;
    struct file *tf = p ? fdtable_get(p->files, fd) : NULL;
    struct epitem *it = NULL, *spare = NULL;
    long r = 0;
    if (!epf || !tf)
        r = -EBADF;
    else if (!tf->ops || (!tf->ops->poll && !tf->ops->poll_pt))
        r = -EPERM;                     /* regular files, directories */
    else if (!is_epoll(epf) || epf == tf)
        r = -EINVAL;
    else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD)
        r = -EINVAL;
    else if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE) &&
             (op == EPOLL_CTL_MOD || is_epoll(tf) || (ev.events & ~EXCLUSIVE_OK)))
        r = -EINVAL;
    else if (op == EPOLL_CTL_ADD && !(spare = kmalloc(sizeof(*spare))))
        r = -ENOMEM;
    if (!r) {
        struct eventpoll *ep = epf->priv;
        mutex_lock(&epoll_mutex);
        it = op == EPOLL_CTL_ADD ? NULL : find(ep, tf, fd);
        if (op == EPOLL_CTL_ADD) {
            r = ctl_add(ep, tf, fd, &ev, spare);
            if (!r)
                spare = NULL;
        } else if (!it) {
            r = -ENOENT;
        } else if (op == EPOLL_CTL_MOD) {
            r = ctl_mod(it, &ev);
        } else {
            item_unlink(it);
            spare = it;                 /* freed below */
        }
        if (!r)
            waitqueue_wake_all(&ep->wq);
        mutex_unlock(&epoll_mutex);
    }
    kfree(spare);
    file_put(tf);
    file_put(epf);
    return r;
}

/* ---- the set's file ---- */

static void epoll_release(struct file *f)
{
    struct eventpoll *ep = f->priv;
    unlink_all(&ep->head);
    kfree(ep);
}

static const struct file_ops epoll_ops = {
    .poll = epoll_poll, .poll_pt = epoll_poll_pt, .release = epoll_release,
    .statfs_magic = ANON_INODE_FS_MAGIC, .stat_mode = 0600,
};

static long do_create(uint64_t flags)
{
    if (flags & ~(uint64_t)O_CLOEXEC)
        return -EINVAL;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    struct eventpoll *ep = kzalloc(sizeof(*ep));
    char *name = kmalloc(sizeof(NAME));
    struct file *f = ep && name ? file_alloc(NULL, &epoll_ops, O_RDWR) : NULL;
    if (!f) {
        kfree(ep);
        kfree(name);
        return -ENOMEM;
    }
    waitqueue_init(&ep->wq);
    ep->file = f;
    f->priv = ep;
    memcpy(name, NAME, sizeof(NAME));
    f->path = name;
    long fd = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
    file_put(f);
    return fd;
}

SYSCALL(epoll_create) { return (int)args->a[0] <= 0 ? -EINVAL : do_create(0); }
SYSCALL(epoll_create1) { return do_create(args->a[0]); }

/* ---- waiting ---- */

struct wait_req {
    struct file *file;
    struct epoll_event *out;
    int max;
};

/* Reports up to max ready items; a reported item goes to the end of the list, so
 * a small max still serves every item in turn (as Linux), and items reporting
 * again and again (edge-triggered ones woken often) cannot keep a level-triggered
 * listener behind them unreported. */
static long ep_scan(void *arg, struct poll_table *pt)
{
    struct wait_req *req = arg;
    struct eventpoll *ep = req->file->priv;
    int n = 0;
    mutex_lock(&epoll_mutex);
    walk++;
    ep->walk = walk;                    /* a set inside itself is refused anyway */
    ep->memo = 0;
    poll_table_wait(pt, req->file, &ep->wq);
    pt->rehook = true;
    size_t left = 0;
    for (struct epitem *it = ep->head; it; it = it->next)
        left++;
    struct epitem *moved = NULL, *moved_tail = NULL;
    for (struct epitem *it = ep->head, *next; it && left && n < req->max; it = next, left--) {
        next = it->next;
        int m = item_check(it, pt, true, 0);
        if (!m)
            continue;
        req->out[n++] = (struct epoll_event){ (uint32_t)m, it->data };
        if (it->events & EPOLLONESHOT) {
            it->disabled = true;
        } else {
            list_unlink(ep, it);
            it->next = NULL;
            if (moved_tail)
                moved_tail->next = it;
            else
                moved = it;
            moved_tail = it;
        }
    }
    while (moved) {
        struct epitem *next = moved->next;
        list_append(ep, moved);
        moved = next;
    }
    mutex_unlock(&epoll_mutex);
    return n;
}

static long do_wait(int epfd, uint64_t uevents, int max, uint64_t deadline)
{
    if (max <= 0 || (uint64_t)max > INT32_MAX / sizeof(struct epoll_event))
        return -EINVAL;
    if (!user_range_ok(uevents, (size_t)max * sizeof(struct epoll_event)))
        return -EFAULT;
    struct process *p = proc_current();
    struct file *f = p ? fdtable_get(p->files, epfd) : NULL;
    if (!f)
        return -EBADF;
    if (!is_epoll(f)) {
        file_put(f);
        return -EINVAL;
    }
    struct epoll_event small[WAIT_SMALL];
    struct wait_req req = { f, small, MIN(max, WAIT_BATCH) };
    if (req.max > WAIT_SMALL)
        req.out = kmalloc((size_t)req.max * sizeof(struct epoll_event));
    long r = -ENOMEM;
    if (req.out) {
        struct poll_table pt;
        poll_table_init(&pt, deadline != 0);
        r = poll_table_run(&pt, ep_scan, &req, deadline);
        poll_table_release(&pt);
        if (r == -ERESTARTNOHAND)
            r = -EINTR;                 /* never restarted, whatever SA_RESTART says */
        if (r > 0 && copy_to_user((void *)uevents, req.out, (size_t)r * sizeof(*req.out)))
            r = -EFAULT;
    }
    if (req.out != small)
        kfree(req.out);
    file_put(f);
    return r;
}

static uint64_t deadline_ms(int ms)
{
    if (ms < 0)
        return UINT64_MAX;
    return ms ? time_ns() + (uint64_t)ms * NS_PER_MS : 0;
}

/* The optional temporary mask of epoll_pwait/epoll_pwait2 (as ppoll's). */
static long wait_masked(int epfd, uint64_t uevents, int max, uint64_t deadline,
                        uint64_t uset, uint64_t size)
{
    uint64_t set;
    if (uset) {
        if (size != sizeof(set))
            return -EINVAL;
        if (copy_from_user(&set, (const void *)uset, sizeof(set)))
            return -EFAULT;
        signal_mask_begin(set);
    }
    long r = do_wait(epfd, uevents, max, deadline);
    if (uset)
        signal_mask_end(r);
    return r;
}

SYSCALL(epoll_wait)
{
    return do_wait((int)args->a[0], args->a[1], (int)args->a[2], deadline_ms((int)args->a[3]));
}

SYSCALL(epoll_pwait)
{
    return wait_masked((int)args->a[0], args->a[1], (int)args->a[2],
                       deadline_ms((int)args->a[3]), args->a[4], args->a[5]);
}

SYSCALL(epoll_pwait2)
{
    uint64_t deadline = UINT64_MAX;
    if (args->a[3]) {
        int64_t ts[2];
        if (copy_from_user(ts, (const void *)args->a[3], sizeof(ts)))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS_PER_SEC)
            return -EINVAL;
        uint64_t now = time_ns();
        deadline = (uint64_t)ts[0] >= (UINT64_MAX - now) / NS_PER_SEC ? UINT64_MAX
                 : ts[0] || ts[1] ? now + (uint64_t)ts[0] * NS_PER_SEC + (uint64_t)ts[1] : 0;
    }
    return wait_masked((int)args->a[0], args->a[1], (int)args->a[2], deadline,
                       args->a[4], args->a[5]);
}
