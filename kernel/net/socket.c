/* The socket system calls (Linux x86_64 ABI): user memory, descriptors and flags
 * here, the protocol family's work behind <osc/net.h> (AF_UNIX: unix.c; AF_INET:
 * lwip_port/inet_sock.c; AF_NETLINK: netlink.c), reached through a struct
 * sock_family. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/net.h>
#include <osc/netlink.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "socket_internal.h"

#define CHUNK (64 * 1024)       /* a stream send/receive's bounce buffer */

static uint64_t sock_ino_next = 1;

/* Bounce buffers of sends and receives: one above the slab sizes is whole pages
 * from the frame allocator, zeroed, which cost more under TCG than the copy
 * through it (a tenth of a TCP stream's time); so a few CHUNK-sized ones are kept
 * for the next call. `sock_bounce` (rank 86): the kept list, a leaf. */
#define BOUNCE_SMALL    2048        /* up to here the slab heap is cheap */
#define BOUNCE_KEEP     4
static spinlock_t bounce_lock = SPINLOCK_INIT("sock_bounce", 86);
static void *bounce_kept[BOUNCE_KEEP];
static int bounce_nkept;

static void *bounce_get(size_t size)
{
    if (size <= BOUNCE_SMALL || size > CHUNK)
        return kmalloc(size ? size : 1);
    void *b = NULL;
    unsigned long f = spin_lock_irqsave(&bounce_lock);
    if (bounce_nkept)
        b = bounce_kept[--bounce_nkept];
    spin_unlock_irqrestore(&bounce_lock, f);
    return b ? b : kmalloc(CHUNK);
}

static void bounce_put(void *b, size_t size)
{
    if (b && size > BOUNCE_SMALL && size <= CHUNK) {
        unsigned long f = spin_lock_irqsave(&bounce_lock);
        if (bounce_nkept < BOUNCE_KEEP) {
            bounce_kept[bounce_nkept++] = b;
            b = NULL;
        }
        spin_unlock_irqrestore(&bounce_lock, f);
    }
    kfree(b);
}

uint64_t sock_ino_alloc(void)
{
    return __atomic_fetch_add(&sock_ino_next, 1, __ATOMIC_RELAXED);
}

struct file *sock_file_alloc(const struct file_ops *ops, bool nonblock)
{
    struct file *f = file_alloc(NULL, ops, O_RDWR | (nonblock ? O_NONBLOCK : 0));
    char *name = kzalloc(SOCK_NAME_MAX);
    if (!f || !name) {
        kfree(name);
        if (f)
            f->ops = NULL;              /* nothing of the family's to release */
        file_put(f);
        return NULL;
    }
    f->path = name;
    return f;
}

void sock_file_name(struct file *f, uint64_t ino)
{
    ksnprintf(f->path, SOCK_NAME_MAX, "socket:[%lu]", (unsigned long)ino);
}

static long install(struct file *f, bool cloexec)
{
    struct process *p = proc_current();
    long fd = p && p->files ? fdtable_install(p->files, f, 0, cloexec) : -EBADF;
    file_put(f);
    return fd;
}

/* AF_UNIX's calls as a sock_family. */
static int ux_bind(void *s, const struct sock_addr *a) { return unix_bind(s, a); }
static int ux_listen(void *s, int backlog) { return unix_listen(s, backlog); }
static int ux_connect(void *s, const struct sock_addr *a, bool nb)
{
    return unix_connect(s, a, nb);
}
static int ux_accept(void *s, bool nb, bool new_nb, struct file **out, struct sock_addr *peer)
{
    int err = unix_accept(s, nb, new_nb, out, peer);
    if (!err && peer->len == 0) {
        peer->len = SUN_HDR;
        peer->a.family = AF_UNIX;
    }
    return err;
}
static ssize_t ux_send(void *s, const void *buf, size_t n, int flags, bool nb,
                       const struct sock_addr *dst, struct scm_k *scm)
{
    return unix_send(s, buf, n, flags, nb, dst, scm);
}
static ssize_t ux_recv(void *s, void *buf, size_t n, int flags, bool nb, struct sock_addr *from,
                       size_t *full, struct scm_k *scm)
{
    return unix_recv(s, buf, n, flags, nb, from, full, scm);
}
static int ux_shutdown(void *s, int how) { return unix_shutdown(s, how); }
static int ux_name(void *s, bool peer, struct sock_addr *out) { return unix_name(s, peer, out); }
static int ux_getsockopt(void *s, int level, int opt, void *val, uint32_t *len)
{
    return level == SOL_SOCKET ? unix_getsockopt(s, opt, val, len) : -EOPNOTSUPP;
}
static int ux_setsockopt(void *s, int level, int opt, const void *val, uint32_t len)
{
    /* Linux's AF_UNIX has no other level. */
    return level == SOL_SOCKET ? unix_setsockopt(s, opt, val, len) : -EOPNOTSUPP;
}
static size_t ux_max_send(void *s) { return unix_max_send(s); }
static bool ux_is_stream(void *s) { return unix_is_stream(s); }

static const struct sock_family unix_family = {
    .bind = ux_bind, .listen = ux_listen, .connect = ux_connect, .accept = ux_accept,
    .send = ux_send, .recv = ux_recv, .shutdown = ux_shutdown, .name = ux_name,
    .getsockopt = ux_getsockopt, .setsockopt = ux_setsockopt, .max_send = ux_max_send,
    .is_stream = ux_is_stream,
};

static bool sock_of(struct file *f, struct sock *s)
{
    if ((s->p = unix_of(f)))
        s->fam = &unix_family;
    else if ((s->p = inet_of(f)))
        s->fam = &inet_family;
    else if ((s->p = netlink_of(f)))
        s->fam = &netlink_family;
    return s->p != NULL;
}

/* The socket behind fd, its file referenced (file_put it). */
long sock_get(int fd, struct file **f, struct sock *s)
{
    struct process *p = proc_current();
    *f = p && p->files ? fdtable_get(p->files, fd) : NULL;
    if (!*f)
        return -EBADF;
    if (!sock_of(*f, s)) {
        file_put(*f);
        return -ENOTSOCK;
    }
    return 0;
}

long addr_in(uint64_t uaddr, uint64_t len, struct sock_addr *a)
{
    if ((int32_t)len < 0 || len > sizeof(a->a))
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    if (copy_from_user(&a->a, (const void *)uaddr, (size_t)len))
        return -EFAULT;
    a->len = (uint32_t)len;
    return 0;
}

/* Linux's move_addr_to_user: as much of a as *ulen allows; the full length back. */
static long addr_out(uint64_t uaddr, uint64_t ulen, const struct sock_addr *a)
{
    if (!uaddr || !ulen)
        return 0;
    int32_t len;
    if (copy_from_user(&len, (const void *)ulen, sizeof(len)))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    size_t n = MIN((size_t)len, (size_t)a->len);
    if (n && copy_to_user((void *)uaddr, &a->a, n))
        return -EFAULT;
    int32_t full = (int32_t)a->len;
    return copy_to_user((void *)ulen, &full, sizeof(full));
}

static long check_type(uint64_t type, int *base)
{
    if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    *base = (int)(type & SOCK_TYPE_MASK);
    if (*base == SOCK_STREAM || *base == SOCK_DGRAM || *base == SOCK_SEQPACKET)
        return 0;
    return *base > 10 || *base == 0 ? -EINVAL : -ESOCKTNOSUPPORT;
}

SYSCALL(socket)
{
    int domain = (int)args->a[0], type;
    if (domain == AF_NETLINK) {
        if (args->a[1] & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
            return -EINVAL;
        struct file *f;
        long err = netlink_create((int)(args->a[1] & SOCK_TYPE_MASK), (int)args->a[2],
                                  args->a[1] & SOCK_NONBLOCK, &f);
        return err ? err : install(f, args->a[1] & SOCK_CLOEXEC);
    }
    if (domain != AF_UNIX && domain != AF_INET && domain != AF_INET6)
        return -EAFNOSUPPORT;
    long err = check_type(args->a[1], &type);
    if (err == -ESOCKTNOSUPPORT && domain == AF_INET && type == SOCK_RAW)
        err = 0;                        /* raw ICMP (lwip_port/inet_sock.c) */
    if (err)
        return err;
    struct file *f;
    if (domain == AF_INET || domain == AF_INET6) {
        if (args->a[2] > 255)
            return -EINVAL;
        err = inet_create(domain, type, (int)args->a[2], args->a[1] & SOCK_NONBLOCK, &f);
        return err ? err : install(f, args->a[1] & SOCK_CLOEXEC);
    }
    if (args->a[2] != 0 && args->a[2] != AF_UNIX)
        return -EPROTONOSUPPORT;
    err = unix_create(type, args->a[1] & SOCK_NONBLOCK, &f);
    return err ? err : install(f, args->a[1] & SOCK_CLOEXEC);
}

SYSCALL(socketpair)
{
    int type;
    if (args->a[0] != AF_UNIX)
        return -EAFNOSUPPORT;
    long err = check_type(args->a[1], &type);
    if (err)
        return err;
    if (args->a[2] != 0 && args->a[2] != AF_UNIX)
        return -EPROTONOSUPPORT;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    struct file *a, *b;
    err = unix_pair(type, args->a[1] & SOCK_NONBLOCK, &a, &b);
    if (err)
        return err;
    bool cloexec = args->a[1] & SOCK_CLOEXEC;
    int fds[2] = { fdtable_install(p->files, a, 0, cloexec), -1 };
    if (fds[0] >= 0)
        fds[1] = fdtable_install(p->files, b, 0, cloexec);
    err = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    if (!err && copy_to_user((void *)args->a[3], fds, sizeof(fds)))
        err = -EFAULT;
    if (err) {
        if (fds[0] >= 0)
            fdtable_close(p->files, fds[0]);
        if (fds[1] >= 0)
            fdtable_close(p->files, fds[1]);
    }
    file_put(a);
    file_put(b);
    return err;
}

SYSCALL(bind)
{
    struct file *f;
    struct sock s;
    struct sock_addr a;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = addr_in(args->a[1], args->a[2], &a);
    if (!err)
        err = s.fam->bind(s.p, &a);
    file_put(f);
    return err;
}

SYSCALL(listen)
{
    struct file *f;
    struct sock s;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = s.fam->listen(s.p, (int)args->a[1]);
    file_put(f);
    return err;
}

SYSCALL(connect)
{
    struct file *f;
    struct sock s;
    struct sock_addr a;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = addr_in(args->a[1], args->a[2], &a);
    if (!err)
        err = s.fam->connect(s.p, &a, f->flags & O_NONBLOCK);
    file_put(f);
    return err;
}

static long do_accept(const struct syscall_args *args, uint64_t flags)
{
    if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    struct file *f, *nf;
    struct sock s;
    struct sock_addr peer;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = s.fam->accept(s.p, f->flags & O_NONBLOCK, flags & SOCK_NONBLOCK, &nf, &peer);
    file_put(f);
    if (err)
        return err;
    long fd = install(nf, flags & SOCK_CLOEXEC);
    if (fd >= 0 && (err = addr_out(args->a[1], args->a[2], &peer)) < 0) {
        fdtable_close(proc_current()->files, (int)fd);
        return err;
    }
    return fd;
}

SYSCALL(accept) { return do_accept(args, 0); }
SYSCALL(accept4) { return do_accept(args, args->a[3]); }

static long name_call(const struct syscall_args *args, bool peer)
{
    struct file *f;
    struct sock s;
    struct sock_addr a;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = s.fam->name(s.p, peer, &a);
    file_put(f);
    return err ? err : addr_out(args->a[1], args->a[2], &a);
}

SYSCALL(getsockname) { return name_call(args, false); }
SYSCALL(getpeername) { return name_call(args, true); }

SYSCALL(shutdown)
{
    struct file *f;
    struct sock s;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    err = s.fam->shutdown(s.p, (int)args->a[1]);
    file_put(f);
    return err;
}

SYSCALL(getsockopt)
{
    struct file *f;
    struct sock s;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    int32_t ulen;
    uint8_t val[256];                   /* the largest option: TCP_INFO's 232 bytes */
    uint32_t len = 0;
    if (copy_from_user(&ulen, (const void *)args->a[4], sizeof(ulen)))
        err = -EFAULT;
    else if (ulen < 0)
        err = -EINVAL;
    else
        err = s.fam->getsockopt(s.p, (int)args->a[1], (int)args->a[2], val, &len);
    file_put(f);
    if (err)
        return err;
    len = MIN(len, (uint32_t)ulen);
    if (copy_to_user((void *)args->a[3], val, len))
        return -EFAULT;
    ulen = (int32_t)len;
    return copy_to_user((void *)args->a[4], &ulen, sizeof(ulen));
}

SYSCALL(setsockopt)
{
    struct file *f;
    struct sock s;
    long err = sock_get((int)args->a[0], &f, &s);
    if (err)
        return err;
    uint8_t val[16] = { 0 };
    int32_t len = (int32_t)args->a[4];
    if (len < 0)
        err = -EINVAL;
    else if (copy_from_user(val, (const void *)args->a[3], MIN((size_t)len, sizeof(val))))
        err = -EFAULT;
    else
        err = s.fam->setsockopt(s.p, (int)args->a[1], (int)args->a[2], val, (uint32_t)len);
    file_put(f);
    return err;
}

/* ---- data: sendto/recvfrom/sendmsg/recvmsg over a kernel copy of the iovecs ---- */

/* Copies n bytes between kbuf and the iovecs starting off bytes in. */
static long iov_copy(const struct file_iovec *iov, size_t cnt, size_t off, void *kbuf, size_t n,
                     bool to_user)
{
    size_t done = 0;
    for (size_t i = 0; i < cnt && done < n; i++) {
        if (off >= iov[i].len) {
            off -= iov[i].len;
            continue;
        }
        size_t k = MIN(n - done, iov[i].len - off);
        void *u = (void *)(iov[i].base + off);
        int err = to_user ? copy_to_user(u, (uint8_t *)kbuf + done, k)
                          : copy_from_user((uint8_t *)kbuf + done, u, k);
        if (err)
            return -EFAULT;
        done += k;
        off = 0;
    }
    return 0;
}

/* Whether the first n bytes the iovecs cover can be written, checked before a
 * receive dequeues anything (Linux leaves the data queued on -EFAULT): each page
 * touched gets one of its own bytes written back. */
static long iov_writable(const struct file_iovec *iov, size_t cnt, size_t off, size_t n)
{
    for (size_t i = 0; i < cnt && n; i++) {
        if (off >= iov[i].len) {
            off -= iov[i].len;
            continue;
        }
        uint64_t base = iov[i].base + off;
        size_t len = MIN(n, iov[i].len - off);
        off = 0;
        n -= len;
        for (uint64_t a = base; a < base + len; a = (a | 4095) + 1) {
            uint8_t b;
            if (copy_from_user(&b, (const void *)a, 1) || copy_to_user((void *)a, &b, 1))
                return -EFAULT;
        }
    }
    return 0;
}

static long iov_total(const struct file_iovec *iov, size_t cnt, size_t *total)
{
    *total = 0;
    for (size_t i = 0; i < cnt; i++) {
        if ((int64_t)iov[i].len < 0 || !user_range_ok(iov[i].base, iov[i].len))
            return iov[i].len ? -EFAULT : 0;
        *total += iov[i].len;
        if (*total > 0x7ffff000)
            return -EINVAL;
    }
    return 0;
}

long send_iov(struct file *f, struct sock s, const struct file_iovec *iov,
                     size_t cnt, int flags, const struct sock_addr *dst, struct scm_k *scm)
{
    size_t total;
    long err;
    bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    if ((err = iov_total(iov, cnt, &total)) < 0)
        goto out;
    if (!s.fam->is_stream(s.p) && total > s.fam->max_send(s.p)) {
        err = -EMSGSIZE;
        goto out;
    }
    size_t step = s.fam->is_stream(s.p) ? MIN(total, (size_t)CHUNK) : total;
    uint8_t *k = bounce_get(step);
    if (!k) {
        err = -ENOMEM;
        goto out;
    }
    size_t done = 0;
    do {
        size_t want = MIN(step, total - done);
        ssize_t r = iov_copy(iov, cnt, done, k, want, false);
        if (!r)
            r = s.fam->send(s.p, k, want, flags, nonblock, dst, scm);
        if (r < 0) {
            err = done ? 0 : r;
            break;
        }
        done += (size_t)r;
        if ((size_t)r < want)
            break;
    } while (done < total);
    bounce_put(k, step);
    if (!err)
        err = (long)done;
out:
    return err;
}

static long do_send(int fd, const struct file_iovec *iov, size_t cnt, int flags,
                    const struct sock_addr *dst)
{
    struct file *f;
    struct sock s;
    long err = sock_get(fd, &f, &s);
    if (err)
        return err;
    err = send_iov(f, s, iov, cnt, flags, dst, NULL);
    file_put(f);
    return err;
}

/* One receive into the iovecs; *from the sender, *mflags MSG_TRUNC when cut. */
long recv_iov(struct file *f, struct sock s, const struct file_iovec *iov,
                     size_t cnt, int flags, struct sock_addr *from, int *mflags,
                     struct scm_k *scm)
{
    size_t total;
    long err;
    bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    if ((err = iov_total(iov, cnt, &total)) < 0)
        goto out;
    size_t cap = MIN(total, (size_t)CHUNK);
    uint8_t *k = bounce_get(cap);
    if (!k) {
        err = -ENOMEM;
        goto out;
    }
    /* MSG_WAITALL on a stream: receive again until the buffer is full, the
     * stream ends, or an error or signal comes (then what arrived counts). */
    bool waitall = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && s.fam->is_stream(s.p);
    size_t full = 0, got = 0;
    ssize_t r;
    from->len = 0;
    do {
        size_t want = MIN(cap, total - got);
        r = iov_writable(iov, cnt, got, want);
        if (!r)
            r = s.fam->recv(s.p, k, want, flags, nonblock, from, &full, scm);
        if (r > 0 && iov_copy(iov, cnt, got, k, (size_t)r, true))
            r = -EFAULT;
        if (r > 0)
            got += (size_t)r;
    } while (waitall && r > 0 && got < total);
    bounce_put(k, cap);
    if (got)
        r = (ssize_t)got;
    *mflags = 0;
    if (r >= 0 && full > (size_t)r) {
        *mflags = MSG_TRUNC;
        if (flags & MSG_TRUNC)
            r = (ssize_t)full;          /* the datagram's real length */
    }
    err = r;
out:
    return err;
}

static long do_recv(int fd, const struct file_iovec *iov, size_t cnt, int flags,
                    struct sock_addr *from, int *mflags)
{
    struct file *f;
    struct sock s;
    long err = sock_get(fd, &f, &s);
    if (err)
        return err;
    err = recv_iov(f, s, iov, cnt, flags, from, mflags, NULL);
    file_put(f);
    return err;
}

/* read/write/readv/writev on a socket: recv/send without flags or addresses. */
ssize_t sock_rw_iov(struct file *f, const struct file_iovec *iov, size_t cnt, bool write)
{
    struct sock s;
    if (!sock_of(f, &s))
        return -ENOTSOCK;
    if (write)
        return send_iov(f, s, iov, cnt, 0, NULL, NULL);
    struct sock_addr from;
    int mflags;
    return recv_iov(f, s, iov, cnt, 0, &from, &mflags, NULL);
}

SYSCALL(sendto)
{
    struct file_iovec iov = { args->a[1], args->a[2] };
    struct sock_addr dst;
    if (args->a[4]) {
        long err = addr_in(args->a[4], args->a[5], &dst);
        if (err)
            return err;
    }
    return do_send((int)args->a[0], &iov, 1, (int)args->a[3], args->a[4] ? &dst : NULL);
}

SYSCALL(recvfrom)
{
    struct file_iovec iov = { args->a[1], args->a[2] };
    struct sock_addr from;
    int mflags;
    long r = do_recv((int)args->a[0], &iov, 1, (int)args->a[3], &from, &mflags);
    if (r >= 0 && args->a[4]) {
        long err = addr_out(args->a[4], args->a[5], &from);
        if (err)
            return err;
    }
    return r;
}
