/* The msghdr socket calls: sendmsg/recvmsg and their batch forms sendmmsg/recvmmsg
 * (Linux x86_64 layouts), over socket.c's send/receive of iovecs. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>

#include "socket_internal.h"

#define MSG_WAITFORONE 0x10000

/* struct msghdr, x86_64 layout. */
struct kmsghdr {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags;
    uint32_t pad1;
};

/* struct mmsghdr: a msghdr and the count its call moved. */
struct kmmsghdr {
    struct kmsghdr hdr;
    uint32_t len, pad;
};

static long msg_in(uint64_t umsg, struct kmsghdr *m, struct file_iovec **iov)
{
    if (copy_from_user(m, (const void *)umsg, sizeof(*m)))
        return -EFAULT;
    if (m->iovlen > UIO_MAXIOV)
        return -EMSGSIZE;
    *iov = kmalloc(sizeof(**iov) * (m->iovlen ? m->iovlen : 1));
    if (!*iov)
        return -ENOMEM;
    if (copy_from_user(*iov, (const void *)m->iov, sizeof(**iov) * m->iovlen)) {
        kfree(*iov);
        return -EFAULT;
    }
    return 0;
}

static long sendmsg_one(int fd, uint64_t umsg, int flags)
{
    struct kmsghdr m;
    struct file_iovec *iov;
    long err = msg_in(umsg, &m, &iov);
    if (err)
        return err;
    struct sock_addr dst;
    if (m.name)
        err = addr_in(m.name, m.namelen, &dst);
    struct file *f;
    struct sock s;
    if (!err)
        err = sock_get(fd, &f, &s);
    if (err) {
        kfree(iov);
        return err;
    }
    struct scm_k scm;
    err = scm_parse(m.control, m.controllen, unix_of(f) != NULL, &scm);
    if (!err) {
        err = send_iov(f, s, iov, m.iovlen, flags, m.name ? &dst : NULL, &scm);
        scm_fds_put(scm.fds);           /* not sent: released */
    }
    file_put(f);
    kfree(iov);
    return err;
}

static long recvmsg_one(int fd, uint64_t umsg, int flags)
{
    struct kmsghdr m;
    struct file_iovec *iov;
    long r = msg_in(umsg, &m, &iov);
    if (r)
        return r;
    struct sock_addr from;
    int mflags = 0;
    struct file *f;
    struct sock s;
    struct scm_k scm = { 0 };
    r = sock_get(fd, &f, &s);
    if (!r) {
        r = recv_iov(f, s, iov, m.iovlen, flags, &from, &mflags, &scm);
        file_put(f);
    }
    kfree(iov);
    uint64_t used = 0;
    long err = r < 0 ? 0 : scm_deliver(&scm, m.control, m.controllen, flags, &used, &mflags);
    scm_fds_put(scm.fds);
    if (r < 0)
        return r;
    if (err)
        return err;
    struct kmsghdr *um = (struct kmsghdr *)umsg;
    uint32_t nl = 0;
    if (m.name) {
        nl = from.len;
        if (nl && copy_to_user((void *)m.name, &from.a, MIN(nl, m.namelen)))
            return -EFAULT;
    }
    if (copy_to_user(&um->namelen, &nl, sizeof(nl)) ||
        copy_to_user(&um->controllen, &used, sizeof(used)) ||
        copy_to_user(&um->flags, &mflags, sizeof(mflags)))
        return -EFAULT;
    return r;
}

SYSCALL(sendmsg) { return sendmsg_one((int)args->a[0], args->a[1], (int)args->a[2]); }

SYSCALL(recvmsg) { return recvmsg_one((int)args->a[0], args->a[1], (int)args->a[2]); }

/* As Linux: the messages are sent in order; an error after the first is not
 * reported (the count so far is). */
SYSCALL(sendmmsg)
{
    struct kmmsghdr *vec = (struct kmmsghdr *)args->a[1];
    unsigned vlen = (unsigned)MIN(args->a[2], (uint64_t)UIO_MAXIOV);
    unsigned i;
    for (i = 0; i < vlen; i++) {
        long r = sendmsg_one((int)args->a[0], (uint64_t)&vec[i].hdr, (int)args->a[3]);
        if (r < 0)
            return i ? (long)i : r;
        uint32_t n = (uint32_t)r;
        if (copy_to_user(&vec[i].len, &n, sizeof(n)))
            return i ? (long)i : -EFAULT;
    }
    return i;
}

/* MSG_WAITFORONE: only the first receive may wait. The timeout, as Linux's, is
 * looked at between messages only. */
SYSCALL(recvmmsg)
{
    struct kmmsghdr *vec = (struct kmmsghdr *)args->a[1];
    unsigned vlen = (unsigned)MIN(args->a[2], (uint64_t)UIO_MAXIOV);
    int flags = (int)args->a[3];
    uint64_t deadline = 0;
    if (args->a[4]) {
        int64_t ts[2];
        if (copy_from_user(ts, (const void *)args->a[4], sizeof(ts)))
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        deadline = time_ns() + (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
    }
    unsigned i;
    for (i = 0; i < vlen; i++) {
        long r = recvmsg_one((int)args->a[0], (uint64_t)&vec[i].hdr, flags & ~MSG_WAITFORONE);
        if (r < 0)
            return i ? (long)i : r;
        uint32_t n = (uint32_t)r;
        if (copy_to_user(&vec[i].len, &n, sizeof(n)))
            return i ? (long)i : -EFAULT;
        if (flags & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (deadline && time_ns() >= deadline) {
            i++;
            break;
        }
    }
    return i;
}
