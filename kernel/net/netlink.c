/* AF_NETLINK sockets: datagrams between a process and the kernel in Linux's
 * netlink format. A request is answered while it is sent (rtnetlink.c builds
 * the replies); the replies wait on the socket's queue for recv. */

#define LOG_TAG "net"

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/net.h>
#include <osc/netlink.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/vfs.h>

#define SOCKFS_MAGIC    0x534F434Bu
#define DGRAM_MAX       4096u           /* one reply datagram, as Linux's dumps */
#define RCVBUF_DEFAULT  212992u         /* Linux's net.core.rmem_default */
#define NL_SOCKS_MAX    256

struct nl_dgram {
    struct nl_dgram *next;
    size_t len;
    uint8_t data[];
};

struct netlink_sock {
    struct waitqueue wq;                /* its lock guards everything below */
    struct nl_dgram *head, *tail;
    size_t queued;                      /* bytes waiting */
    uint32_t rcvbuf, sndbuf;
    uint32_t portid;                    /* 0: not bound yet */
    uint32_t groups;
    int type;
};

/* Bound ports, so two sockets never share one (Linux: EADDRINUSE). */
static spinlock_t ports_lock = SPINLOCK_INIT("netlink_ports", 71);
static struct netlink_sock *ports[NL_SOCKS_MAX];
static uint32_t next_auto = 0x80000000u;

static const struct file_ops netlink_ops;

struct netlink_sock *netlink_of(struct file *f)
{
    return f && f->ops == &netlink_ops ? f->priv : NULL;
}

int netlink_create(int type, int protocol, bool nonblock, struct file **out)
{
    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != NETLINK_ROUTE)
        return -EPROTONOSUPPORT;
    struct netlink_sock *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    waitqueue_init(&s->wq);
    s->type = type;
    s->rcvbuf = s->sndbuf = RCVBUF_DEFAULT;
    struct file *f = file_alloc(NULL, &netlink_ops, O_RDWR | (nonblock ? O_NONBLOCK : 0));
    if (!f) {
        kfree(s);
        return -ENOMEM;
    }
    f->priv = s;
    *out = f;
    return 0;
}

static bool port_taken(uint32_t port)
{
    for (size_t i = 0; i < NL_SOCKS_MAX; i++)
        if (ports[i] && ports[i]->portid == port)
            return true;
    return false;
}

/* Gives s port (0: the caller's process id if free, else a number of our own,
 * as Linux's autobind). 0, -EADDRINUSE, -ENOBUFS (too many bound), -EINVAL when
 * s already has another one. */
static int bind_port(struct netlink_sock *s, uint32_t port)
{
    unsigned long fl = spin_lock_irqsave(&ports_lock);
    int err = 0;
    if (s->portid) {
        err = port && port != s->portid ? -EINVAL : 0;
        goto out;
    }
    if (!port) {
        struct process *p = proc_current();
        port = p && !port_taken((uint32_t)p->pid) ? (uint32_t)p->pid : 0;
        while (!port || port_taken(port))
            port = next_auto--;
    } else if (port_taken(port)) {
        err = -EADDRINUSE;
        goto out;
    }
    size_t i = 0;
    while (i < NL_SOCKS_MAX && ports[i])
        i++;
    if (i == NL_SOCKS_MAX) {
        err = -ENOBUFS;
        goto out;
    }
    ports[i] = s;
    s->portid = port;
out:
    spin_unlock_irqrestore(&ports_lock, fl);
    return err;
}

/* A caller's sockaddr_nl: 0, or -EINVAL when short or of another family. */
static int nl_addr(const struct sock_addr *a, struct sockaddr_nl_k *nl)
{
    if (a->len < sizeof(*nl))
        return -EINVAL;
    memcpy(nl, &a->a, sizeof(*nl));
    return nl->nl_family == AF_NETLINK ? 0 : -EINVAL;
}

static int nl_bind(void *sp, const struct sock_addr *a)
{
    struct sockaddr_nl_k nl;
    int err = nl_addr(a, &nl);
    if (err)
        return err;
    struct netlink_sock *s = sp;
    err = bind_port(s, nl.nl_pid);
    if (!err)
        __atomic_store_n(&s->groups, nl.nl_groups, __ATOMIC_RELAXED);
    return err;
}

/* Only the kernel (port 0) answers: messages between processes are not done. */
static int check_peer(const struct sock_addr *a)
{
    struct sockaddr_nl_k nl;
    int err = nl_addr(a, &nl);
    return err ? err : nl.nl_pid == 0 ? 0 : -ECONNREFUSED;
}

static int nl_connect(void *sp, const struct sock_addr *a, bool nonblock)
{
    (void)nonblock;
    int err = check_peer(a);
    return err ? err : bind_port(sp, 0);
}

static int nl_listen(void *sp, int backlog) { (void)sp; (void)backlog; return -EOPNOTSUPP; }
static int nl_accept(void *sp, bool nb, bool new_nb, struct file **out, struct sock_addr *peer)
{
    (void)sp; (void)nb; (void)new_nb; (void)out; (void)peer;
    return -EOPNOTSUPP;
}
static int nl_shutdown(void *sp, int how) { (void)sp; (void)how; return 0; }

static int nl_name(void *sp, bool peer, struct sock_addr *out)
{
    struct netlink_sock *s = sp;
    struct sockaddr_nl_k nl = { .nl_family = AF_NETLINK };
    if (!peer) {
        nl.nl_pid = __atomic_load_n(&s->portid, __ATOMIC_RELAXED);
        nl.nl_groups = __atomic_load_n(&s->groups, __ATOMIC_RELAXED);
    }
    memset(out, 0, sizeof(*out));
    memcpy(&out->a, &nl, sizeof(nl));
    out->len = sizeof(nl);
    return 0;
}

/* ---- building replies ---- */

struct nl_reply {
    const struct nlmsghdr_k *req;
    uint32_t portid;
    struct nl_dgram *head, *tail;       /* finished datagrams */
    struct nl_dgram *cur;               /* the one being filled (len: bytes used) */
    struct nlmsghdr_k *msg;             /* the message being built in cur */
    bool failed;
};

static bool new_dgram(struct nl_reply *r)
{
    struct nl_dgram *d = kmalloc(sizeof(*d) + DGRAM_MAX);
    if (!d)
        return false;
    d->next = NULL;
    d->len = 0;
    if (r->cur) {
        if (r->tail)
            r->tail->next = r->cur;
        else
            r->head = r->cur;
        r->tail = r->cur;
    }
    r->cur = d;
    return true;
}

void *nl_msg_start(struct nl_reply *r, uint16_t type, uint16_t flags, size_t len)
{
    size_t need = NLMSG_HDRLEN + NLMSG_ALIGN(len);
    if (r->failed || need > DGRAM_MAX)
        goto fail;
    /* A message never spans datagrams; one that is being grown stays where it
     * started (nl_attr fails past the datagram's end instead). */
    if ((!r->cur || r->cur->len + need > DGRAM_MAX) && !new_dgram(r))
        goto fail;
    struct nlmsghdr_k *h = (struct nlmsghdr_k *)(r->cur->data + r->cur->len);
    memset(h, 0, need);
    h->nlmsg_len = (uint32_t)need;
    h->nlmsg_type = type;
    h->nlmsg_flags = flags;
    h->nlmsg_seq = r->req->nlmsg_seq;
    h->nlmsg_pid = r->portid;
    r->cur->len += need;
    r->msg = h;
    return (uint8_t *)h + NLMSG_HDRLEN;
fail:
    r->failed = true;
    return NULL;
}

int nl_attr(struct nl_reply *r, uint16_t type, const void *data, size_t len)
{
    size_t need = RTA_ALIGN(sizeof(struct rtattr_k) + len);
    if (r->failed || !r->msg || r->cur->len + need > DGRAM_MAX) {
        r->failed = true;
        return -ENOMEM;
    }
    struct rtattr_k *a = (struct rtattr_k *)(r->cur->data + r->cur->len);
    memset(a, 0, need);
    a->rta_len = (uint16_t)(sizeof(*a) + len);
    a->rta_type = type;
    memcpy(a + 1, data, len);
    r->cur->len += need;
    r->msg->nlmsg_len += (uint32_t)need;
    return 0;
}

int nl_attr_u32(struct nl_reply *r, uint16_t type, uint32_t v)
{
    return nl_attr(r, type, &v, sizeof(v));
}

int nl_attr_str(struct nl_reply *r, uint16_t type, const char *s)
{
    return nl_attr(r, type, s, strlen(s) + 1);
}

const void *nl_find_attr(const struct nlmsghdr_k *h, size_t fixed, uint16_t type, size_t *len)
{
    size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(fixed);
    while (at + sizeof(struct rtattr_k) <= h->nlmsg_len) {
        const struct rtattr_k *a = (const void *)((const uint8_t *)h + at);
        if (a->rta_len < sizeof(*a) || at + a->rta_len > h->nlmsg_len)
            return NULL;
        if (a->rta_type == type) {
            *len = a->rta_len - sizeof(*a);
            return a + 1;
        }
        at += RTA_ALIGN(a->rta_len);
    }
    return NULL;
}

static void free_dgrams(struct nl_dgram *d)
{
    while (d) {
        struct nl_dgram *next = d->next;
        kfree(d);
        d = next;
    }
}

/* An error or acknowledgement for the request: nlmsgerr with the request's header. */
static void put_error(struct nl_reply *r, int err)
{
    r->failed = false;
    struct { int32_t error; struct nlmsghdr_k msg; } *e =
        nl_msg_start(r, NLMSG_ERROR, 0, sizeof(*e));
    if (e) {
        e->error = err;
        e->msg = *r->req;
    }
}

/* Answers one message; its replies are appended to r. */
static void answer(struct nl_reply *r, const struct nlmsghdr_k *h, size_t len)
{
    r->req = h;
    r->failed = false;
    if (!(h->nlmsg_flags & NLM_F_REQUEST) || h->nlmsg_type < 16) {
        /* Control messages (NOOP, DONE, ...) ask for nothing but the ack. */
        if (h->nlmsg_flags & NLM_F_ACK)
            put_error(r, 0);
        return;
    }
    int err = rtnl_request(h, len, r);
    if (!err && r->failed)
        err = -ENOMEM;
    if (err) {
        put_error(r, err);
        return;
    }
    if (nl_is_dump(h)) {
        int32_t *done = nl_msg_start(r, NLMSG_DONE, NLM_F_MULTI, sizeof(int32_t));
        if (done)
            *done = 0;
    } else if (h->nlmsg_flags & NLM_F_ACK) {
        put_error(r, 0);
    }
}

static ssize_t nl_send(void *sp, const void *buf, size_t n, int flags, bool nonblock,
                       const struct sock_addr *dst, struct scm_k *scm)
{
    (void)flags; (void)nonblock; (void)scm;
    struct netlink_sock *s = sp;
    int err = dst && dst->len ? check_peer(dst) : 0;
    if (!err)
        err = bind_port(s, 0);
    if (err)
        return err;
    if (n > s->sndbuf)
        return -EMSGSIZE;
    struct nl_reply r = { .portid = s->portid };
    /* Every whole message in the datagram, as Linux's netlink_rcv_skb. */
    size_t at = 0;
    while (at + NLMSG_HDRLEN <= n) {
        const struct nlmsghdr_k *h = (const void *)((const uint8_t *)buf + at);
        if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > n - at)
            break;
        answer(&r, h, h->nlmsg_len);
        at += NLMSG_ALIGN(h->nlmsg_len);
    }
    if (r.cur && r.cur->len) {
        if (r.tail)
            r.tail->next = r.cur;
        else
            r.head = r.cur;
    } else {
        kfree(r.cur);
    }
    size_t bytes = 0;
    for (struct nl_dgram *d = r.head; d; d = d->next)
        bytes += d->len;
    if (!r.head)
        return (ssize_t)n;
    unsigned long fl = spin_lock_irqsave(&s->wq.lock);
    bool room = s->queued + bytes <= s->rcvbuf;
    if (room) {
        if (s->tail)
            s->tail->next = r.head;
        else
            s->head = r.head;
        for (s->tail = r.head; s->tail->next; s->tail = s->tail->next)
            ;
        s->queued += bytes;
        waitqueue_wake_locked(&s->wq, -1);
    }
    spin_unlock_irqrestore(&s->wq.lock, fl);
    if (!room) {
        /* Linux drops what does not fit and reports ENOBUFS to the reader; the
         * sender learns it here, which is where a request/reply user looks. */
        free_dgrams(r.head);
        log_warn("netlink: port %u: replies dropped (receive buffer full)", s->portid);
        return -ENOBUFS;
    }
    return (ssize_t)n;
}

static ssize_t nl_recv(void *sp, void *buf, size_t n, int flags, bool nonblock,
                       struct sock_addr *from, size_t *full, struct scm_k *scm)
{
    (void)scm;
    struct netlink_sock *s = sp;
    unsigned long fl = spin_lock_irqsave(&s->wq.lock);
    while (!s->head) {
        if (nonblock) {
            spin_unlock_irqrestore(&s->wq.lock, fl);
            return -EAGAIN;
        }
        if (waitqueue_sleep_interruptible_locked(&s->wq, &fl)) {
            spin_unlock_irqrestore(&s->wq.lock, fl);
            return -EINTR;
        }
    }
    struct nl_dgram *d = s->head;
    if (!(flags & MSG_PEEK)) {
        s->head = d->next;
        if (!s->head)
            s->tail = NULL;
        s->queued -= d->len;
    }
    /* Copying under the lock is safe: buf is a kernel buffer. */
    size_t got = MIN(n, d->len);
    memcpy(buf, d->data, got);
    *full = d->len;
    spin_unlock_irqrestore(&s->wq.lock, fl);
    if (!(flags & MSG_PEEK))
        kfree(d);
    struct sockaddr_nl_k kernel = { .nl_family = AF_NETLINK };
    memset(from, 0, sizeof(*from));
    memcpy(&from->a, &kernel, sizeof(kernel));
    from->len = sizeof(kernel);
    return (ssize_t)got;
}

static int nl_getsockopt(void *sp, int level, int opt, void *val, uint32_t *len)
{
    struct netlink_sock *s = sp;
    int v;
    if (level == SOL_NETLINK) {
        v = 0;
    } else if (level != SOL_SOCKET) {
        return -ENOPROTOOPT;
    } else {
        switch (opt) {
        case SO_TYPE: v = s->type; break;
        case SO_DOMAIN: v = AF_NETLINK; break;
        case SO_PROTOCOL: v = NETLINK_ROUTE; break;
        case SO_RCVBUF: v = (int)s->rcvbuf; break;
        case SO_SNDBUF: v = (int)s->sndbuf; break;
        case SO_ERROR: v = 0; break;
        default: return -ENOPROTOOPT;
        }
    }
    memcpy(val, &v, sizeof(v));      /* socket.c cuts it to the caller's length */
    *len = sizeof(v);
    return 0;
}

static int nl_setsockopt(void *sp, int level, int opt, const void *val, uint32_t len)
{
    struct netlink_sock *s = sp;
    int v = 0;
    if (len < sizeof(v))
        return -EINVAL;
    memcpy(&v, val, sizeof(v));
    if (level == SOL_NETLINK)
        return 0;       /* PKTINFO, EXT_ACK, CAP_ACK, memberships: accepted, no effect */
    if (level != SOL_SOCKET)
        return -ENOPROTOOPT;
    /* Doubled and bounded as Linux (bookkeeping overhead; 2304 the floor). */
    uint32_t b = v < 1152 ? 2304u : v > (1 << 24) ? 1u << 25 : (uint32_t)v * 2;
    switch (opt) {
    case SO_RCVBUF: __atomic_store_n(&s->rcvbuf, b, __ATOMIC_RELAXED); return 0;
    case SO_SNDBUF: __atomic_store_n(&s->sndbuf, b, __ATOMIC_RELAXED); return 0;
    case SO_PASSCRED: case SO_REUSEADDR: return 0;
    default: return -ENOPROTOOPT;
    }
}

static size_t nl_max_send(void *sp) { return ((struct netlink_sock *)sp)->sndbuf; }
static bool nl_is_stream(void *sp) { (void)sp; return false; }

const struct sock_family netlink_family = {
    .bind = nl_bind, .listen = nl_listen, .connect = nl_connect, .accept = nl_accept,
    .send = nl_send, .recv = nl_recv, .shutdown = nl_shutdown, .name = nl_name,
    .getsockopt = nl_getsockopt, .setsockopt = nl_setsockopt, .max_send = nl_max_send,
    .is_stream = nl_is_stream,
};

static int netlink_poll(struct file *f)
{
    struct netlink_sock *s = f->priv;
    unsigned long fl = spin_lock_irqsave(&s->wq.lock);
    int m = POLLOUT | (s->head ? POLLIN : 0);
    spin_unlock_irqrestore(&s->wq.lock, fl);
    return m;
}

static struct waitqueue *netlink_poll_wq(struct file *f)
{
    return &((struct netlink_sock *)f->priv)->wq;
}

static void netlink_release(struct file *f)
{
    struct netlink_sock *s = f->priv;
    if (!s)
        return;
    unsigned long fl = spin_lock_irqsave(&ports_lock);
    for (size_t i = 0; i < NL_SOCKS_MAX; i++)
        if (ports[i] == s)
            ports[i] = NULL;
    spin_unlock_irqrestore(&ports_lock, fl);
    free_dgrams(s->head);
    kfree(s);
}

static const struct file_ops netlink_ops = {
    .rw_iov = sock_rw_iov, .poll = netlink_poll, .poll_wq = netlink_poll_wq,
    .release = netlink_release, .statfs_magic = SOCKFS_MAGIC, .stat_mode = S_IFSOCK | 0777,
};
