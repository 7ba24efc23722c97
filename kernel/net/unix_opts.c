/* AF_UNIX: shutdown, names, socket options, FIONREAD and poll's answer. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net_stack.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "unix_internal.h"

int unix_shutdown(struct unix_sock *s, int how)
{
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    bool rd = how != SHUT_WR, wr = how != SHUT_RD;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    s->rcv_shut |= rd;                  /* Linux allows it unconnected too */
    s->snd_shut |= wr;
    if (s->type != SOCK_DGRAM && s->peer && s->state == U_CONNECTED) {
        s->peer->snd_shut |= rd;
        s->peer->rcv_shut |= wr;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    waitqueue_wake_all(&unix_wq);
    return 0;
}

int unix_name(struct unix_sock *s, bool peer, struct sock_addr *out)
{
    int err = 0;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    if (peer && (!s->peer || s->state != U_CONNECTED))
        err = -ENOTCONN;
    else
        *out = peer ? s->peer->addr : s->addr;
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    if (!err && out->len == 0) {        /* unnamed: just the family */
        out->len = SUN_HDR;
        out->a.family = AF_UNIX;
    }
    return err;
}

int unix_getsockopt(struct unix_sock *s, int opt, void *val, uint32_t *len)
{
    int v;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    switch (opt) {
    case SO_TYPE: v = s->type; break;
    case SO_ERROR: v = s->so_error; s->so_error = 0; break;
    case SO_REUSEADDR: v = s->reuseaddr; break;
    case SO_PASSCRED: v = s->passcred; break;
    case SO_SNDBUF: v = s->sndbuf; break;
    case SO_RCVBUF: v = s->rcvbuf; break;
    case SO_ACCEPTCONN: v = s->state == U_LISTEN; break;
    case SO_DOMAIN: v = AF_UNIX; break;
    case SO_PROTOCOL: v = 0; break;
    case SO_RCVTIMEO: case SO_SNDTIMEO: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_NEW: {
        uint64_t ns = opt == SO_RCVTIMEO || opt == SO_RCVTIMEO_NEW ? s->rcvtimeo : s->sndtimeo;
        spin_unlock_irqrestore(&unix_wq.lock, fl);
        int64_t tv[2] = { (int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000u) };
        memcpy(val, tv, sizeof(tv));    /* struct timeval (x86_64: two longs) */
        *len = sizeof(tv);
        return 0;
    }
    case SO_PEERCRED: {
        struct ucred_k c = { 0, (uint32_t)-1, (uint32_t)-1 };
        if (s->have_peercred)
            c = s->peercred;
        spin_unlock_irqrestore(&unix_wq.lock, fl);
        memcpy(val, &c, sizeof(c));
        *len = sizeof(c);
        return 0;
    }
    default:
        spin_unlock_irqrestore(&unix_wq.lock, fl);
        return -ENOPROTOOPT;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

int unix_setsockopt(struct unix_sock *s, int opt, const void *buf, uint32_t len)
{
    bool timeo = opt == SO_RCVTIMEO || opt == SO_SNDTIMEO || opt == SO_RCVTIMEO_NEW ||
                 opt == SO_SNDTIMEO_NEW;
    if (len < (timeo ? 16u : sizeof(int)))
        return -EINVAL;
    int val;
    memcpy(&val, buf, sizeof(val));
    uint64_t ns = 0;
    if (timeo) {
        int64_t tv[2];
        memcpy(tv, buf, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        /* Negative: Linux's "do not wait"; 0 0: forever. */
        ns = tv[0] < 0 ? 1 : tv[0] > 1000000000 ? 1000000000ull * 1000000000u
                                                 : (uint64_t)tv[0] * 1000000000u + (uint64_t)tv[1] * 1000u;
    }
    /* Linux doubles the buffer sizes it is given (room for its bookkeeping). */
    int dbl = val > 0x3fffffff ? 0x7fffffff : val * 2;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    int err = 0;
    switch (opt) {
    case SO_REUSEADDR: s->reuseaddr = val != 0; break;
    case SO_PASSCRED: s->passcred = val != 0; break;
    case SO_SNDBUF: s->sndbuf = dbl < 4608 ? 4608 : dbl; break;
    case SO_RCVBUF: s->rcvbuf = dbl < 2304 ? 2304 : dbl; break;
    case SO_RCVTIMEO: case SO_RCVTIMEO_NEW: s->rcvtimeo = ns; break;
    case SO_SNDTIMEO: case SO_SNDTIMEO_NEW: s->sndtimeo = ns; break;
    default: err = -ENOPROTOOPT; break;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    return err;
}

/* FIONREAD (SIOCINQ): bytes a stream holds, the next record's size otherwise. */
long unix_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    if (cmd != 0x541b)
        return net_if_ioctl(cmd, arg);  /* glibc's if_nametoindex asks an AF_UNIX socket */
    struct unix_sock *s = f->priv;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    int n = s->state == U_LISTEN ? -1 : s->type == SOCK_STREAM ? (int)s->rq_bytes
            : s->rq ? (int)s->rq->len : 0;
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    if (n < 0)
        return -EINVAL;
    return copy_to_user((void *)arg, &n, sizeof(n));
}

int unix_poll(struct file *f)
{
    struct unix_sock *s = f->priv;
    int r = 0;
    unsigned long fl = spin_lock_irqsave(&unix_wq.lock);
    if (s->state == U_LISTEN) {
        r = s->acc_head ? POLLIN : 0;
    } else {
        if (s->rq || s->rcv_shut)
            r |= POLLIN;
        if (s->rcv_shut)
            r |= POLLRDHUP;             /* the peer shut down or closed (Linux) */
        if ((s->rcv_shut && s->snd_shut) || (s->type != SOCK_DGRAM && s->state != U_CONNECTED))
            r |= POLLHUP;
        struct unix_sock *t = s->state == U_CONNECTED ? s->peer : NULL;
        if (!t || s->snd_shut || t->rq_bytes < RQ_LIMIT)
            r |= POLLOUT;
        if (s->so_error)
            r |= POLLERR;
    }
    spin_unlock_irqrestore(&unix_wq.lock, fl);
    return r;
}
