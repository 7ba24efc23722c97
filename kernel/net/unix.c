/* AF_UNIX sockets: stream, datagram and seqpacket over filesystem and abstract
 * names. Every socket's state hangs off one wait queue (`unix`) whose lock guards
 * all of it, and every blocked caller and poller of a socket sleeps on it. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/net.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "unix_internal.h"

/* The `unix` lock: rank 70 like every wait queue; takes nothing but the
 * poll-waiter and run-queue locks through wake-ups. */
struct waitqueue unix_wq = { .lock = SPINLOCK_INIT("unix", 70) };
static struct unix_sock *bound_list;    /* every named socket, under `unix` */
static uint64_t next_autobind = 1;

static void gc_free(struct gc *g)
{
    while (g->msgs) {
        struct umsg *m = g->msgs;
        g->msgs = m->next;
        scm_fds_put(m->fds);
        kfree(m);
    }
    scm_fds_put(g->fds);
    g->fds = NULL;
    while (g->socks) {
        struct unix_sock *s = g->socks;
        g->socks = s->gc_next;
        kfree(s);
    }
}

static struct unix_sock *all_list;      /* /proc/net/unix's sockets, under `unix` */
static size_t all_count;

static void list_add_locked(struct unix_sock *s)
{
    s->all_prev = NULL;
    s->all_next = all_list;
    if (all_list)
        all_list->all_prev = s;
    all_list = s;
    s->listed = true;
    all_count++;
}

static void list_del_locked(struct unix_sock *s)
{
    if (!s->listed)
        return;
    if (s->all_prev)
        s->all_prev->all_next = s->all_next;
    else
        all_list = s->all_next;
    if (s->all_next)
        s->all_next->all_prev = s->all_prev;
    s->listed = false;
    all_count--;
}

size_t unix_snapshot(struct unix_info *out, size_t cap)
{
    size_t n = 0;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    for (struct unix_sock *s = all_list; s && n < cap; s = s->all_next, n++) {
        out[n] = (struct unix_info){ s->refs, s->type, s->state, s->state == U_LISTEN,
                                     !s->file, s->ino, s->addr };
    }
    n = all_count;
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    return n;
}

static void put_locked(struct unix_sock *s, struct gc *g)
{
    if (--s->refs > 0)
        return;
    list_del_locked(s);
    unix_queue_drop_locked(s, g);
    s->gc_next = g->socks;
    g->socks = s;
}

static struct ucred_k cred_now(void)
{
    struct process *p = proc_current();
    struct ucred_k c = { p ? p->pid : 0, p ? p->euid : 0, p ? p->egid : 0 };
    return c;
}

static const struct file_ops unix_ops;

struct unix_sock *unix_of(struct file *f)
{
    return f && f->ops == &unix_ops ? f->priv : NULL;
}

bool unix_is_stream(struct unix_sock *s) { return s->type == SOCK_STREAM; }
size_t unix_max_send(struct unix_sock *s) { return s->type == SOCK_STREAM ? RQ_LIMIT : DGRAM_MAX; }

static struct unix_sock *sock_new(int type)
{
    struct unix_sock *s = kzalloc(sizeof(*s));
    if (!s)
        return NULL;
    s->type = type;
    s->refs = 1;
    s->sndbuf = s->rcvbuf = BUF_DEFAULT;
    s->cred = cred_now();
    return s;
}

/* A file for s (which it then owns), named socket:[ino] in /proc/<pid>/fd. */
static struct file *file_for(bool nonblock)
{
    return sock_file_alloc(&unix_ops, nonblock);
}

static void file_bind(struct file *f, struct unix_sock *s)
{
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    s->ino = sock_ino_alloc();
    list_add_locked(s);
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    sock_file_name(f, s->ino);
    s->file = f;
    f->priv = s;
}

int unix_create(int type, bool nonblock, struct file **out)
{
    struct unix_sock *s = sock_new(type);
    struct file *f = file_for(nonblock);
    if (!s || !f) {
        kfree(s);
        file_put(f);
        return -ENOMEM;
    }
    file_bind(f, s);
    *out = f;
    return 0;
}

int unix_pair(int type, bool nonblock, struct file **fa, struct file **fb)
{
    struct unix_sock *a = sock_new(type), *b = sock_new(type);
    struct file *f = file_for(nonblock), *g = file_for(nonblock);
    if (!a || !b || !f || !g) {
        kfree(a);
        kfree(b);
        file_put(f);
        file_put(g);
        return -ENOMEM;
    }
    a->peer = b;
    b->peer = a;
    a->refs = b->refs = 2;
    a->state = b->state = U_CONNECTED;
    a->peercred = b->cred;
    b->peercred = a->cred;
    a->have_peercred = b->have_peercred = true;
    file_bind(f, a);
    file_bind(g, b);
    *fa = f;
    *fb = g;
    return 0;
}

static bool same_name(const struct sock_addr *x, const struct sock_addr *y)
{
    return x->len == y->len && memcmp(x->a.path, y->a.path, x->len - SUN_HDR) == 0;
}

/* The socket bound to node (a filesystem name) or to the abstract name addr. */
static struct unix_sock *find_locked(struct vnode *node, const struct sock_addr *addr)
{
    for (struct unix_sock *s = bound_list; s; s = s->bound_next) {
        if (node ? s->node == node : !s->node && same_name(&s->addr, addr))
            return s;
    }
    return NULL;
}

static bool is_abstract(const struct sock_addr *a) { return a->len > SUN_HDR && a->a.path[0] == 0; }

/* The path of a filesystem name, NUL-terminated, in buf (UNIX_PATH_MAX + 1). */
static int path_of(const struct sock_addr *a, char *buf)
{
    size_t n = a->len - SUN_HDR;
    memcpy(buf, a->a.path, n);
    buf[n] = 0;
    return buf[0] ? 0 : -ENOENT;
}

/* What addr names: *node referenced for a filesystem name (NULL: abstract). */
static int resolve(const struct sock_addr *addr, struct vnode **node)
{
    *node = NULL;
    if (addr->len < SUN_HDR || addr->a.family != AF_UNIX)
        return -EINVAL;
    if (addr->len == SUN_HDR)
        return -EINVAL;
    if (is_abstract(addr))
        return 0;
    char path[UNIX_PATH_MAX + 1];
    int err = path_of(addr, path);
    if (err)
        return err;
    struct vfs_ctx c = vfs_ctx_of(proc_current());
    err = vfs_lookup(&c, NULL, path, VFS_FOLLOW, node);
    if (err)
        return err;
    if (((*node)->mode & S_IFMT) != S_IFSOCK) {
        vnode_put(*node);
        *node = NULL;
        return -ECONNREFUSED;
    }
    return 0;
}

int unix_bind(struct unix_sock *s, const struct sock_addr *addr)
{
    if (addr->len < SUN_HDR || addr->a.family != AF_UNIX)
        return -EINVAL;
    struct sock_addr name = *addr;
    struct vnode *node = NULL;
    if (name.len == SUN_HDR) {          /* autobind: an abstract "\0" + 5 hex digits */
        name.len = SUN_HDR + 6;
        memset(name.a.path, 0, sizeof(name.a.path));
    } else if (!is_abstract(&name)) {
        char path[UNIX_PATH_MAX + 1];
        int err = path_of(&name, path);
        if (err)
            return err;
        name.len = SUN_HDR + (uint32_t)strlen(path) + 1;   /* as Linux reports it */
        struct vfs_ctx c = vfs_ctx_of(proc_current());
        err = vfs_mknod(&c, NULL, path, S_IFSOCK | 0777, 0);
        if (err)
            return err == -EEXIST ? -EADDRINUSE : err;
        err = vfs_lookup(&c, NULL, path, 0, &node);
        if (err)
            return err;
    }
    int err = 0;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    if (s->addr.len) {
        err = -EINVAL;
    } else if (!node) {
        if (name.len == SUN_HDR + 6 && addr->len == SUN_HDR) {
            do {
                ksnprintf(name.a.path + 1, 6, "%05lx", (unsigned long)(next_autobind++ & 0xfffff));
                name.a.path[6] = 0;     /* not part of the name */
            } while (find_locked(NULL, &name));
            name.len = SUN_HDR + 6;
        } else if (find_locked(NULL, &name)) {
            err = -EADDRINUSE;
        }
    }
    if (!err) {
        s->addr = name;
        s->node = node;
        node = NULL;
        s->bound_next = bound_list;
        bound_list = s;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    vnode_put(node);
    return err;
}

int unix_listen(struct unix_sock *s, int backlog)
{
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    int err = 0;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    if (!s->addr.len || s->state == U_CONNECTED) {
        err = -EINVAL;
    } else {
        s->backlog = backlog < 0 ? 0 : backlog > 4096 ? 4096 : backlog;
        s->state = U_LISTEN;
        s->cred = cred_now();
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    waitqueue_wake_all(&unix_wq);       /* connectors waiting for queue room */
    return err;
}

/* A blocking call's wait: on unix_wq until woken, or, with SO_RCVTIMEO /
 * SO_SNDTIMEO set, also until a deadline through a poll waiter hooked on it. */
struct uwait {
    uint64_t deadline;          /* UINT64_MAX: none */
    bool hooked;
    struct poll_waiter w;
    struct poll_entry e;
};

static void uwait_init(struct uwait *u, uint64_t timeo_ns)
{
    u->deadline = timeo_ns ? time_ns() + timeo_ns : UINT64_MAX;
    u->hooked = false;
}

/* With `unix` held, after the caller's condition failed; returns with it held:
 * 0 to check again, -ERESTARTSYS for a signal (-EINTR with a timeout, as Linux),
 * -EAGAIN once the deadline passed. */
static int uwait_locked(struct uwait *u, unsigned long *fl)
{
    if (u->deadline == UINT64_MAX)
        return waitqueue_sleep_interruptible_locked(&unix_wq, fl) < 0 ? -ERESTARTSYS : 0;
    spin_unlock_irqrestore(&unix_wq.lock, *fl);
    int err = 0;
    if (!u->hooked) {                   /* hook and arm, then the caller re-checks */
        poll_waiter_init(&u->w);
        poll_waiter_add(&u->w, &u->e, &unix_wq);
        u->hooked = true;
    } else {
        poll_waiter_sleep(&u->w, u->deadline);
        if (signal_pending_current())
            err = -EINTR;
        else if (time_ns() >= u->deadline)
            err = -EAGAIN;
    }
    poll_waiter_arm(&u->w);
    *fl = spin_lock_irqsave(&unix_wq.lock);
    return err;
}

/* After the call dropped `unix`. */
static void uwait_done(struct uwait *u)
{
    if (u->hooked)
        poll_waiter_remove(&u->e);
}

int unix_connect(struct unix_sock *s, const struct sock_addr *addr, bool nonblock)
{
    struct vnode *node;
    int err = resolve(addr, &node);
    if (err)
        return err;
    struct unix_sock *e = s->type == SOCK_DGRAM ? NULL : sock_new(s->type);
    if (s->type != SOCK_DGRAM && !e) {
        vnode_put(node);
        return -ENOMEM;
    }
    struct gc g = { 0 };
    struct uwait uw;
    uwait_init(&uw, s->sndtimeo);
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    for (;;) {
        struct unix_sock *t = find_locked(node, addr);
        if (s->type == SOCK_DGRAM) {
            if (!t)
                err = -ECONNREFUSED;
            else if (t->type != s->type)
                err = -EPROTOTYPE;
            else {
                if (s->peer)
                    put_locked(s->peer, &g);
                t->refs++;
                s->peer = t;
                s->state = U_CONNECTED;
            }
            break;
        }
        if (s->state == U_CONNECTED) {
            err = -EISCONN;
            break;
        }
        if (s->state == U_LISTEN) {
            err = -EINVAL;
            break;
        }
        if (!t || t->state != U_LISTEN) {
            err = t && t->type != s->type ? -EPROTOTYPE : -ECONNREFUSED;
            break;
        }
        if (t->type != s->type) {
            err = -EPROTOTYPE;
            break;
        }
        if (t->acc_len > t->backlog) {
            if (nonblock) {
                err = -EAGAIN;
                break;
            }
            if ((err = uwait_locked(&uw, &fl)) < 0)
                break;
            continue;
        }
        /* Connected now, as on Linux: the server's end waits in t's queue. */
        e->state = U_CONNECTED;
        e->refs = 2;                    /* t's queue and s->peer */
        e->addr = t->addr;
        e->peer = s;
        s->refs++;
        e->peercred = s->cred;
        e->have_peercred = true;
        e->ino = sock_ino_alloc();
        s->peer = e;
        s->state = U_CONNECTED;
        s->peercred = t->cred;
        s->have_peercred = true;
        if (t->acc_tail)
            t->acc_tail->acc_next = e;
        else
            t->acc_head = e;
        t->acc_tail = e;
        t->acc_len++;
        list_add_locked(e);
        e = NULL;
        break;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    uwait_done(&uw);
    waitqueue_wake_all(&unix_wq);
    vnode_put(node);
    kfree(e);
    gc_free(&g);
    return err;
}

int unix_accept(struct unix_sock *s, bool nonblock, bool new_nonblock, struct file **out,
                struct sock_addr *peer)
{
    struct file *f = file_for(new_nonblock);
    if (!f)
        return -ENOMEM;
    struct unix_sock *e = NULL;
    int err = 0;
    struct uwait uw;
    uwait_init(&uw, s->rcvtimeo);
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    while (!err) {
        if (s->state != U_LISTEN)
            err = -EINVAL;
        else if (s->acc_head)
            break;
        else if (nonblock)
            err = -EAGAIN;
        else
            err = uwait_locked(&uw, &fl);
    }
    if (!err) {
        e = s->acc_head;
        s->acc_head = e->acc_next;
        if (!s->acc_head)
            s->acc_tail = NULL;
        s->acc_len--;
        e->acc_next = NULL;             /* the queue's reference is now the file's */
        if (peer)
            *peer = e->peer ? e->peer->addr : (struct sock_addr){ 0 };
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    uwait_done(&uw);
    if (err) {
        f->ops = NULL;
        file_put(f);
        return err;
    }
    waitqueue_wake_all(&unix_wq);       /* connectors waiting for queue room */
    e->file = f;
    f->priv = e;
    ksnprintf(f->path, 32, "socket:[%lu]", (unsigned long)e->ino);
    *out = f;
    return 0;
}

static void enqueue_locked(struct unix_sock *t, struct umsg *m)
{
    m->next = NULL;
    if (t->rq_tail)
        t->rq_tail->next = m;
    else
        t->rq = m;
    t->rq_tail = m;
    t->rq_bytes += m->len;
}

/* The receiver of a send now, or an error. */
static int target_locked(struct unix_sock *s, struct vnode *node, const struct sock_addr *dst,
                         struct unix_sock **t)
{
    if (s->type != SOCK_DGRAM) {
        if (s->state != U_CONNECTED)
            return -ENOTCONN;
        if (s->snd_shut)
            return -EPIPE;
        *t = s->peer;
        return 0;
    }
    if (s->snd_shut)
        return -EPIPE;
    if (dst) {
        *t = find_locked(node, dst);
        if (!*t)
            return -ECONNREFUSED;
        if ((*t)->type != SOCK_DGRAM)
            return -EPROTOTYPE;
        return 0;
    }
    if (!s->peer)
        return -ENOTCONN;
    *t = s->peer;
    return s->peer->closed ? -ECONNREFUSED : 0;
}

ssize_t unix_send(struct unix_sock *s, const void *buf, size_t n, int flags, bool nonblock,
                  const struct sock_addr *dst, struct scm_k *scm)
{
    struct ucred_k cred = scm && scm->cred_given ? scm->cred : cred_now();
    if (s->type != SOCK_STREAM && n > DGRAM_MAX)
        return -EMSGSIZE;
    if (s->type != SOCK_DGRAM)
        dst = NULL;                     /* Linux ignores it on a connected socket */
    struct vnode *node = NULL;
    if (dst) {
        int err = resolve(dst, &node);
        if (err)
            return err;
    }
    size_t done = 0;
    ssize_t err = 0;
    if (s->type == SOCK_STREAM && n == 0) {     /* no empty record: it would read as EOF */
        struct unix_sock *t;
        unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
        err = target_locked(s, NULL, NULL, &t);
        spin_unlock_irqrestore(&unix_wq.lock, fl);
    }
    struct uwait uw;
    uwait_init(&uw, s->sndtimeo);
    bool record = s->type != SOCK_STREAM;      /* exactly one pass, even when empty */
    while (!err && (done < n || record)) {
        record = false;
        size_t want = n - done;
        struct umsg *m = kmalloc(sizeof(*m) + (want ? want : 1));
        if (!m) {
            err = -ENOMEM;
            break;
        }
        unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
        struct unix_sock *t = NULL;
        size_t put = 0;
        for (;;) {
            if ((err = target_locked(s, node, dst, &t)) < 0)
                break;
            size_t space = t->rq_bytes < RQ_LIMIT ? RQ_LIMIT - t->rq_bytes : 0;
            if (s->type == SOCK_STREAM ? space > 0 : space >= want || !t->rq) {
                put = s->type == SOCK_STREAM ? MIN(want, space) : want;
                break;
            }
            if (nonblock) {
                err = -EAGAIN;
                break;
            }
            if ((err = uwait_locked(&uw, &fl)) < 0)
                break;
        }
        if (!err) {
            memcpy(m->data, (const uint8_t *)buf + done, put);
            m->len = put;
            m->off = 0;
            m->from = s->addr;
            m->cred = cred;
            m->fds = NULL;
            if (scm && scm->fds) {      /* the files go with the first part */
                m->fds = scm->fds;
                scm->fds = NULL;
                unix_inflight_locked(m->fds, 1);
            }
            enqueue_locked(t, m);
            m = NULL;
            done += put;
        }
        spin_unlock_irqrestore(&unix_wq.lock, fl);
        kfree(m);
        if (!err)
            waitqueue_wake_all(&unix_wq);
    }
    uwait_done(&uw);
    vnode_put(node);
    if (done)
        return (ssize_t)done;
    if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
        signal_send_current(SIGPIPE);   /* after the unlock: `signal` ranks below */
    return err;
}

/* The files a received message carries: the caller's (scm; for MSG_PEEK another
 * reference each, into the set peek_set the caller made), or dropped (no scm). */
static void take_fds_locked(struct umsg *m, int flags, struct scm_k *scm,
                            struct scm_fds **peek_set, struct gc *g)
{
    if (!m->fds)
        return;
    if (flags & MSG_PEEK) {
        struct scm_fds *c = *peek_set;
        if (!scm || !c)
            return;
        for (unsigned i = 0; i < m->fds->n; i++) {
            file_get(m->fds->f[i]);
            c->f[i] = m->fds->f[i];
        }
        c->n = m->fds->n;
        scm->fds = c;
        *peek_set = NULL;
        return;
    }
    unix_inflight_locked(m->fds, -1);
    if (scm) {
        scm->fds = m->fds;
    } else {
        m->fds->next = g->fds;
        g->fds = m->fds;
    }
    m->fds = NULL;
}

ssize_t unix_recv(struct unix_sock *s, void *buf, size_t n, int flags, bool nonblock,
                  struct sock_addr *from, size_t *full, struct scm_k *scm)
{
    /* A MSG_WAITALL receive that already got files stops there, as Linux's. */
    if (scm && scm->fds)
        return 0;
    struct scm_fds *peek_set = scm && (flags & MSG_PEEK) ? scm_fds_alloc(SCM_MAX_FD) : NULL;
    struct gc g = { 0 };
    ssize_t r = 0;
    struct uwait uw;
    uwait_init(&uw, s->rcvtimeo);
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    for (;;) {
        if (s->state == U_LISTEN) {
            r = -EINVAL;
            break;
        }
        if (s->type != SOCK_DGRAM && s->state != U_CONNECTED) {
            r = s->type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
            break;
        }
        if (s->rq || s->rcv_shut || (s->type == SOCK_STREAM && n == 0))
            break;
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        if ((r = uwait_locked(&uw, &fl)) < 0)
            break;
    }
    if (r == 0 && s->rq) {
        struct umsg *m = s->rq;
        if (from)
            *from = m->from;
        if (scm) {
            scm->want_cred = s->passcred;
            scm->cred = m->cred;
        }
        if (s->type == SOCK_STREAM) {
            /* Files end the read: they come with the first read that reaches
             * their part of the stream. */
            size_t got = 0;
            for (struct umsg *q = m; q && got < n; q = q->next) {
                /* With SO_PASSCRED, one read never joins two senders' data. */
                if (s->passcred && q != m && (q->cred.pid != m->cred.pid ||
                                              q->cred.uid != m->cred.uid ||
                                              q->cred.gid != m->cred.gid))
                    break;
                size_t off = q->off, k = MIN(n - got, q->len - off);
                memcpy((uint8_t *)buf + got, q->data + off, k);
                got += k;
                if (q->fds) {
                    take_fds_locked(q, flags, scm, &peek_set, &g);
                    break;
                }
            }
            if (!(flags & MSG_PEEK)) {
                size_t left = got;
                while (left) {
                    struct umsg *q = s->rq;
                    size_t k = MIN(left, q->len - q->off);
                    q->off += k;
                    left -= k;
                    if (q->off == q->len) {
                        s->rq = q->next;
                        if (!s->rq)
                            s->rq_tail = NULL;
                        q->next = g.msgs;
                        g.msgs = q;
                    }
                }
                s->rq_bytes -= got;
            }
            r = (ssize_t)got;
        } else {
            r = (ssize_t)MIN(n, m->len);
            memcpy(buf, m->data, (size_t)r);
            if (full)
                *full = m->len;
            take_fds_locked(m, flags, scm, &peek_set, &g);
            if (!(flags & MSG_PEEK)) {
                s->rq = m->next;
                if (!s->rq)
                    s->rq_tail = NULL;
                s->rq_bytes -= m->len;
                m->next = g.msgs;
                g.msgs = m;
            }
        }
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    uwait_done(&uw);
    if (r > 0 && !(flags & MSG_PEEK))
        waitqueue_wake_all(&unix_wq);   /* senders waiting for room */
    gc_free(&g);
    kfree(peek_set);
    return r;
}

static ssize_t unix_read(struct file *f, void *buf, size_t n)
{
    return unix_recv(f->priv, buf, n, 0, f->flags & O_NONBLOCK, NULL, NULL, NULL);
}

static ssize_t unix_write(struct file *f, const void *buf, size_t n)
{
    return unix_send(f->priv, buf, n, 0, f->flags & O_NONBLOCK, NULL, NULL);
}

static struct waitqueue *unix_poll_wq(struct file *f)
{
    (void)f;
    return &unix_wq;
}

static void unix_release(struct file *f)
{
    struct unix_sock *s = f->priv;
    if (!s)
        return;
    struct gc g = { 0 };
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    s->closed = true;
    list_del_locked(s);
    for (struct unix_sock **pp = &bound_list; *pp; pp = &(*pp)->bound_next) {
        if (*pp == s) {
            *pp = s->bound_next;
            break;
        }
    }
    /* Connections never accepted: their clients see the end of the stream. */
    while (s->acc_head) {
        struct unix_sock *e = s->acc_head;
        s->acc_head = e->acc_next;
        e->closed = true;
        if (e->peer) {
            e->peer->rcv_shut = e->peer->snd_shut = true;
            put_locked(e->peer, &g);
            e->peer = NULL;
        }
        put_locked(e, &g);
    }
    s->acc_tail = NULL;
    s->acc_len = 0;
    if (s->peer) {
        struct unix_sock *p = s->peer;
        if (p->peer == s)
            p->rcv_shut = p->snd_shut = true;
        s->peer = NULL;
        put_locked(p, &g);
    }
    /* Unread data goes now; the struct stays while a peer still points here. */
    unix_queue_drop_locked(s, &g);
    struct vnode *node = s->node;
    s->node = NULL;
    put_locked(s, &g);
    unix_gc_locked(&g);
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    waitqueue_wake_all(&unix_wq);
    vnode_put(node);
    gc_free(&g);
}

#define SOCKFS_MAGIC 0x534F434Bu

static const struct file_ops unix_ops = {
    .read = unix_read, .write = unix_write, .rw_iov = sock_rw_iov, .ioctl = unix_ioctl, .poll = unix_poll, .poll_wq = unix_poll_wq,
    .release = unix_release, .statfs_magic = SOCKFS_MAGIC, .stat_mode = S_IFSOCK | 0777,
};
