/* Poll tables: one waiting call's hooks on the wait queues of the files it looks
 * at (poll, select, epoll_wait, and poll of an epoll file, which forwards to its
 * items). The hooks are made during a scan, before each file's answer is read, so
 * a change after the look wakes the caller; see <osc/poll.h>. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/poll.h>
#include <osc/signal.h>
#include <osc/time.h>
#include <osc/vfs.h>

#define POLLRDNORM   0x040              /* asm-generic/poll.h */
#define POLLWRNORM   0x100
#define CHUNK_HOOKS  30

struct poll_chunk {
    struct poll_chunk *next;
    size_t n;
    struct poll_hook hooks[CHUNK_HOOKS];
};

void poll_table_init(struct poll_table *pt, bool may_sleep)
{
    poll_waiter_init(&pt->waiter);
    pt->chunks = NULL;
    pt->nfirst = 0;
    pt->hooking = may_sleep;
    pt->rehook = false;
    pt->err = 0;
    pt->wake_at = UINT64_MAX;
    pt->owner = NULL;
}

static void owner_unlink(struct poll_hook *h)
{
    *h->owner_pprev = h->owner_next;
    if (h->owner_next)
        h->owner_next->owner_pprev = h->owner_pprev;
}

void poll_hooks_drop_owned(struct poll_hook **owner)
{
    while (*owner) {
        struct poll_hook *h = *owner;
        owner_unlink(h);
        poll_waiter_remove(&h->entry);
        h->gone = true;
    }
}

static bool any_owned(const struct poll_hook *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].owned)
            return true;
    return false;
}

/* Caller holds `epoll`. */
static void unhook_owned(struct poll_hook *hooks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct poll_hook *h = &hooks[i];
        if (h->owned && !h->gone) {
            owner_unlink(h);
            poll_waiter_remove(&h->entry);
        }
    }
}

static void unhook_files(struct poll_hook *hooks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!hooks[i].owned) {
            poll_waiter_remove(&hooks[i].entry);
            file_put(hooks[i].file);
        }
    }
}

void poll_table_release(struct poll_table *pt)
{
    bool owned = any_owned(pt->first, pt->nfirst);
    for (struct poll_chunk *c = pt->chunks; c && !owned; c = c->next)
        owned = any_owned(c->hooks, c->n);
    if (owned) {
        epoll_lock();                   /* an item's removal may race us */
        unhook_owned(pt->first, pt->nfirst);
        for (struct poll_chunk *c = pt->chunks; c; c = c->next)
            unhook_owned(c->hooks, c->n);
        epoll_unlock();
    }
    unhook_files(pt->first, pt->nfirst);
    pt->nfirst = 0;
    while (pt->chunks) {
        struct poll_chunk *c = pt->chunks;
        unhook_files(c->hooks, c->n);
        pt->chunks = c->next;
        kfree(c);
    }
}

void poll_table_wait(struct poll_table *pt, struct file *f, struct waitqueue *wq)
{
    if (!pt || !pt->hooking || !wq)
        return;
    struct poll_chunk *c = pt->chunks;
    size_t *used = &pt->nfirst;
    struct poll_hook *h = &pt->first[pt->nfirst];
    if (pt->nfirst == POLL_INLINE_HOOKS) {
        if (!c || c->n == CHUNK_HOOKS) {
            c = kmalloc(sizeof(*c));
            if (!c) {
                pt->err = -ENOMEM;
                return;
            }
            c->n = 0;
            c->next = pt->chunks;
            pt->chunks = c;
        }
        used = &c->n;
        h = &c->hooks[c->n];
    }
    *h = (struct poll_hook){ .owned = pt->owner != NULL };
    if (h->owned) {
        h->owner_next = *pt->owner;
        h->owner_pprev = pt->owner;
        if (h->owner_next)
            h->owner_next->owner_pprev = &h->owner_next;
        *pt->owner = h;
    } else if (file_tryget(f)) {
        h->file = f;
    } else {
        return;                         /* closing: its epoll items are going too */
    }
    (*used)++;
    poll_waiter_add(&pt->waiter, &h->entry, wq);
}

void poll_table_wake_at(struct poll_table *pt, uint64_t t)
{
    if (pt && t < pt->wake_at)
        pt->wake_at = t;
}

int file_poll(struct file *f, struct poll_table *pt)
{
    int m;
    if (f->ops && f->ops->poll_pt) {
        m = f->ops->poll_pt(f, pt);
    } else {
        if (pt && pt->hooking && f->ops && f->ops->poll_wq)
            poll_table_wait(pt, f, f->ops->poll_wq(f));
        m = f->ops && f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
    }
    if (m & POLLIN)
        m |= POLLRDNORM;
    if (m & POLLOUT)
        m |= POLLWRNORM;
    return m;
}

long poll_table_run(struct poll_table *pt, long (*scan)(void *, struct poll_table *),
                    void *arg, uint64_t deadline)
{
    if (!deadline)
        pt->hooking = false;
    bool peek = false;
    for (;;) {
        poll_waiter_arm(&pt->waiter);
        pt->wake_at = UINT64_MAX;
        pt->rehook = false;
        long r = scan(arg, pt);
        if (!r && pt->err)
            r = pt->err;
        if (r)
            return r;
        if (peek) {
            /* Nothing after all: the set may have changed since it was hooked, so
             * drop the hooks and scan again, hooking what is there now. */
            peek = false;
            poll_table_release(pt);
            pt->hooking = true;
            continue;
        }
        if (time_ns() >= deadline)
            return 0;
        if (signal_pending_current())
            return -ERESTARTNOHAND;
        poll_waiter_sleep(&pt->waiter, MIN(deadline, pt->wake_at));
        /* A set that can change (rehook) is first looked at through the hooks it
         * has: the usual wake-up finds its event without a drop-and-redo. */
        peek = pt->rehook;
        if (peek)
            pt->hooking = false;
    }
}
