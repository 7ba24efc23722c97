/* AF_INET and AF_INET6 socket options: get/setsockopt for SOL_SOCKET, IPPROTO_IP,
 * IPPROTO_IPV6 (AF_INET6's) and IPPROTO_TCP on lwIP netconns (Linux's values and
 * limits, TCP_INFO from lwIP's PCB), and the queue-size ioctls. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net.h>
#include <osc/net_stack.h>
#include <osc/proc.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "lwip/api.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "port.h"

#include "inet_internal.h"

#define TCP_MSS_DEFAULT 536         /* Linux's answer before a connection */
#define TCP_MIN_MSS     88
#define TCP_MAX_USER_MSS 32767
#define INET_ECN_MASK   3
#define TCPI_OPT_WSCALE 4
#define TCPI_SIZE       232         /* Linux 6.1's struct tcp_info */

/* struct tcp_info up to tcpi_total_retrans (Linux's layout); the rest of what
 * Linux returns (rates, byte counts) is zero here. Times in microseconds. */
struct tcp_info_k {
    uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
    uint32_t rto, ato, snd_mss, rcv_mss;
    uint32_t unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space, total_retrans;
};
_Static_assert(sizeof(struct tcp_info_k) == 104, "struct tcp_info's first 104 bytes");

/* lwIP measures in its slow timer's ticks (500 ms): coarse, but Linux's units. */
static uint32_t slow_ticks_us(long ticks)
{
    return ticks > 0 ? (uint32_t)ticks * TCP_SLOW_INTERVAL * 1000u : 0;
}

static int tcp_info(struct inet_sock *s, void *val, uint32_t *len)
{
    uint8_t out[TCPI_SIZE] = { 0 };
    struct tcp_info_k ti = { .state = 7 /* TCP_CLOSE */ };
    LOCK_TCPIP_CORE();
    struct tcp_pcb *pcb = s->conn->pcb.tcp;
    if (pcb)
        ti.state = (uint8_t)inet_tcp_state_linux(pcb->state);
    if (pcb && pcb->state != LISTEN) {     /* a listener's PCB is the short kind */
        uint32_t mss = pcb->mss ? pcb->mss : TCP_MSS_DEFAULT;
        ti.retransmits = ti.total_retrans = pcb->nrtx;
        if (pcb->flags & TF_WND_SCALE) {
            ti.options |= TCPI_OPT_WSCALE;
            ti.wscale = (uint8_t)((pcb->snd_scale & 15) | (pcb->rcv_scale & 15) << 4);
        }
        ti.rto = slow_ticks_us(pcb->rto);
        ti.snd_mss = ti.rcv_mss = ti.advmss = mss;
        for (struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
            ti.unacked++;
        ti.pmtu = mss + 40;
        ti.rtt = slow_ticks_us(pcb->sa >> 3);
        ti.rttvar = slow_ticks_us(pcb->sv >> 2);
        ti.snd_ssthresh = pcb->ssthresh / mss;
        ti.snd_cwnd = pcb->cwnd / mss;
        ti.reordering = 3;
        ti.rcv_space = ti.rcv_ssthresh = pcb->rcv_wnd;
    }
    UNLOCK_TCPIP_CORE();
    memcpy(out, &ti, sizeof(ti));
    memcpy(val, out, sizeof(out));
    *len = sizeof(out);
    return 0;
}

int inet_getsockopt(void *p, int level, int opt, void *val, uint32_t *len)
{
    struct inet_sock *s = p;
    int v;
    bool stream = s->type == SOCK_STREAM && !s->raw;
    if (level == IPPROTO_IP && inet_mcast_opt(opt)) {
        return inet_mcast_getsockopt(s, opt, val, len);
    } else if (level == IPPROTO_TCP && opt == TCP_INFO && stream) {
        return tcp_info(s, val, len);
    } else if (level == IPPROTO_TCP && opt == TCP_MAXSEG && stream) {
        LOCK_TCPIP_CORE();
        struct tcp_pcb *pcb = s->conn->pcb.tcp;
        bool up = pcb && pcb->state != CLOSED && pcb->state != LISTEN && pcb->mss;
        v = up ? pcb->mss : s->user_mss ? s->user_mss : TCP_MSS_DEFAULT;
        UNLOCK_TCPIP_CORE();
    } else if (level == IPPROTO_TCP && opt == TCP_CORK && stream) {
        LOCK_TCPIP_CORE();
        v = s->cork;
        UNLOCK_TCPIP_CORE();
    } else if (level == IPPROTO_TCP && opt == TCP_QUICKACK && stream) {
        v = !__atomic_load_n(&s->quickack_off, __ATOMIC_RELAXED);
    } else if (level == IPPROTO_IP && opt == IP_TOS) {
        LOCK_TCPIP_CORE();
        v = s->conn->pcb.ip ? s->conn->pcb.ip->tos : 0;
        UNLOCK_TCPIP_CORE();
    } else if (level == IPPROTO_IP && opt == IP_MTU_DISCOVER) {
        v = __atomic_load_n(&s->pmtudisc, __ATOMIC_RELAXED);
    } else if (level == IPPROTO_IP && opt == IP_PKTINFO) {
        v = __atomic_load_n(&s->pktinfo, __ATOMIC_RELAXED);
    } else if (level == IPPROTO_IPV6 && s->v6 && opt == IPV6_RECVPKTINFO) {
        v = __atomic_load_n(&s->pktinfo6, __ATOMIC_RELAXED);
    } else if (level == SOL_SOCKET && opt == SO_PRIORITY) {
        v = __atomic_load_n(&s->priority, __ATOMIC_RELAXED);
    } else if (level == IPPROTO_TCP && opt == TCP_NODELAY && s->type == SOCK_STREAM) {
        LOCK_TCPIP_CORE();
        v = s->conn->pcb.tcp ? tcp_nagle_disabled(s->conn->pcb.tcp) != 0 : 0;
        UNLOCK_TCPIP_CORE();
    } else if (level == IPPROTO_TCP && s->type == SOCK_STREAM &&
               (opt == TCP_KEEPIDLE || opt == TCP_KEEPINTVL || opt == TCP_KEEPCNT)) {
        /* lwIP's keepalive timer: idle and interval in ms, as Linux's defaults. */
        LOCK_TCPIP_CORE();
        struct tcp_pcb *pcb = s->conn->pcb.tcp;
        v = !pcb ? 0 : opt == TCP_KEEPIDLE ? (int)(pcb->keep_idle / 1000)
                     : opt == TCP_KEEPINTVL ? (int)(pcb->keep_intvl / 1000) : (int)pcb->keep_cnt;
        UNLOCK_TCPIP_CORE();
    } else if (level == SOL_SOCKET && opt == SO_BROADCAST) {
        v = __atomic_load_n(&s->broadcast, __ATOMIC_RELAXED);
    } else if (level == IPPROTO_IPV6 && s->v6 && opt == IPV6_V6ONLY) {
        v = inet_v6only(s);
    } else if ((level == IPPROTO_IP && opt == IP_RECVERR) ||
               (level == IPPROTO_IPV6 && s->v6 && opt == IPV6_RECVERR)) {
        v = __atomic_load_n(&s->recverr, __ATOMIC_RELAXED);
    } else if ((level == IPPROTO_IP && opt == IP_TTL) ||
               (level == IPPROTO_IPV6 && s->v6 && opt == IPV6_UNICAST_HOPS)) {
        /* lwIP's one TTL is also the IPv6 hop limit. */
        LOCK_TCPIP_CORE();
        v = s->conn->pcb.ip ? s->conn->pcb.ip->ttl : IP_DEFAULT_TTL;
        UNLOCK_TCPIP_CORE();
    } else if (level != SOL_SOCKET) {
        return -ENOPROTOOPT;
    } else if (opt == SO_TYPE) {
        v = s->raw ? SOCK_RAW : s->type;
    } else if (opt == SO_DOMAIN) {
        v = s->v6 ? AF_INET6 : AF_INET;
    } else if (opt == SO_PROTOCOL) {
        v = s->raw || s->ping ? IPPROTO_ICMP_K : s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    } else if (opt == SO_ACCEPTCONN) {
        v = s->listening;
    } else if (opt == SO_ERROR) {
        v = -inet_errno(netconn_err(s->conn));
    } else if (opt == SO_REUSEADDR || opt == SO_REUSEPORT) {
        LOCK_TCPIP_CORE();
        v = opt == SO_REUSEADDR ? s->reuseaddr : s->reuseport;
        UNLOCK_TCPIP_CORE();
    } else if (opt == SO_KEEPALIVE) {
        LOCK_TCPIP_CORE();
        v = s->conn->pcb.ip ? ip_get_option(s->conn->pcb.ip, SOF_KEEPALIVE) != 0 : 0;
        UNLOCK_TCPIP_CORE();
    } else if (opt == SO_RCVBUF || opt == SO_SNDBUF) {
        /* Unset: what bounds the data lwIP holds (TCP: its fixed window and send
         * buffer; UDP: the receive queue's limit). */
        LOCK_TCPIP_CORE();
        v = opt == SO_RCVBUF ? s->rcvbuf : s->sndbuf;
        UNLOCK_TCPIP_CORE();
        if (!v)
            v = s->type == SOCK_DGRAM ? BUF_MAX : opt == SO_RCVBUF ? TCP_WND : TCP_SND_BUF;
    } else if (opt == SO_LINGER) {
        LOCK_TCPIP_CORE();
        int32_t l[2] = { s->linger_on, s->linger_secs };
        UNLOCK_TCPIP_CORE();
        memcpy(val, l, sizeof(l));      /* struct linger */
        *len = sizeof(l);
        return 0;
    } else if (opt == SO_RCVTIMEO || opt == SO_RCVTIMEO_NEW || opt == SO_SNDTIMEO ||
               opt == SO_SNDTIMEO_NEW) {
        uint64_t ns = __atomic_load_n(opt == SO_RCVTIMEO || opt == SO_RCVTIMEO_NEW ?
                                      &s->rcvtimeo : &s->sndtimeo, __ATOMIC_RELAXED);
        int64_t tv[2] = { (int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000u) };
        memcpy(val, tv, sizeof(tv));    /* struct timeval (x86_64: two longs) */
        *len = sizeof(tv);
        return 0;
    } else {
        return -ENOPROTOOPT;
    }
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

int inet_setsockopt(void *p, int level, int opt, const void *val, uint32_t len)
{
    struct inet_sock *s = p;
    int v;
    if (level == SOL_SOCKET && (opt == SO_RCVTIMEO || opt == SO_RCVTIMEO_NEW ||
                                opt == SO_SNDTIMEO || opt == SO_SNDTIMEO_NEW)) {
        int64_t tv[2];
        if (len < sizeof(tv))
            return -EINVAL;
        memcpy(tv, val, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        /* Negative: Linux's "do not wait"; 0 0: forever. */
        uint64_t ns = tv[0] < 0 ? 1 : tv[0] > 1000000000 ? 1000000000ull * 1000000000u
                      : (uint64_t)tv[0] * 1000000000u + (uint64_t)tv[1] * 1000u;
        if (opt == SO_RCVTIMEO || opt == SO_RCVTIMEO_NEW) {
            __atomic_store_n(&s->rcvtimeo, ns, __ATOMIC_RELAXED);
        } else {
            __atomic_store_n(&s->sndtimeo, ns, __ATOMIC_RELAXED);
        }
        return 0;
    }
    if (level == IPPROTO_IP && inet_mcast_opt(opt))
        return inet_mcast_setsockopt(s, opt, val, len);     /* some take one byte */
    if (len < sizeof(v))
        return -EINVAL;
    memcpy(&v, val, sizeof(v));
    /* glibc's resolver gives up on a socket that refuses IP_RECVERR. lwIP hands no
     * ICMP errors to a netconn, so there is never anything on the error queue. */
    bool ip6 = level == IPPROTO_IPV6 && s->v6;
    if ((level == IPPROTO_IP && opt == IP_RECVERR) || (ip6 && opt == IPV6_RECVERR)) {
        __atomic_store_n(&s->recverr, v != 0, __ATOMIC_RELAXED);
        return 0;
    }
    if (ip6 && opt == IPV6_V6ONLY)
        return inet_set_v6only(s, v != 0);
    if (level == IPPROTO_IP && opt == IP_TTL && v != -1 && (v < 1 || v > 255))
        return -EINVAL;
    if (ip6 && opt == IPV6_UNICAST_HOPS && (v < -1 || v > 255))
        return -EINVAL;
    if (level == SOL_SOCKET && opt == SO_PRIORITY) {
        if ((v < 0 || v > 6) && !proc_capable(proc_current(), CAP_NET_ADMIN))
            return -EPERM;
        __atomic_store_n(&s->priority, v, __ATOMIC_RELAXED);
        return 0;
    }
    if (level == IPPROTO_IP && opt == IP_PKTINFO) {
        __atomic_store_n(&s->pktinfo, v != 0, __ATOMIC_RELAXED);
        return 0;
    }
    if (ip6 && opt == IPV6_RECVPKTINFO) {
        __atomic_store_n(&s->pktinfo6, v != 0, __ATOMIC_RELAXED);
        return 0;
    }
    if (level == IPPROTO_IP && opt == IP_MTU_DISCOVER) {
        if (v < 0 || v > IP_PMTUDISC_OMIT)
            return -EINVAL;
        __atomic_store_n(&s->pmtudisc, v, __ATOMIC_RELAXED);
        return 0;
    }
    bool stream = s->type == SOCK_STREAM && !s->raw;
    if (level == IPPROTO_TCP && opt == TCP_QUICKACK && stream) {
        __atomic_store_n(&s->quickack_off, v == 0, __ATOMIC_RELAXED);
        return 0;
    }
    if (level == IPPROTO_TCP && opt == TCP_MAXSEG && v && (v < TCP_MIN_MSS || v > TCP_MAX_USER_MSS))
        return -EINVAL;
    if (level == SOL_SOCKET && opt == SO_BROADCAST) {
        __atomic_store_n(&s->broadcast, v != 0, __ATOMIC_RELAXED);
        return 0;
    }
    if (level == IPPROTO_TCP && (opt == TCP_KEEPIDLE || opt == TCP_KEEPINTVL) &&
        (v < 1 || v > 32767))
        return -EINVAL;
    if (level == IPPROTO_TCP && opt == TCP_KEEPCNT && (v < 1 || v > 127))
        return -EINVAL;
    if (level == SOL_SOCKET && opt == SO_LINGER && len < 2 * sizeof(int32_t))
        return -EINVAL;
    int32_t lg[2] = { 0, 0 };
    if (level == SOL_SOCKET && opt == SO_LINGER)
        memcpy(lg, val, sizeof(lg));
    /* As Linux: capped at rmem_max/wmem_max, doubled, at least the minimum. */
    int buf = v < 1 ? 1 : v > BUF_MAX ? BUF_MAX : v;
    buf *= 2;
    LOCK_TCPIP_CORE();
    int err = 0;
    if (level == SOL_SOCKET && (opt == SO_REUSEADDR || opt == SO_REUSEPORT)) {
        inet_reuse_set(s, opt, v != 0);
    } else if (level == SOL_SOCKET && opt == SO_KEEPALIVE && s->conn->pcb.ip) {
        if (v)
            ip_set_option(s->conn->pcb.ip, SOF_KEEPALIVE);
        else
            ip_reset_option(s->conn->pcb.ip, SOF_KEEPALIVE);
    } else if (level == SOL_SOCKET && opt == SO_RCVBUF) {
        s->rcvbuf = buf < RCVBUF_MIN ? RCVBUF_MIN : buf;
        if (s->type == SOCK_DGRAM)
            netconn_set_recvbufsize(s->conn, s->rcvbuf);
    } else if (level == SOL_SOCKET && opt == SO_SNDBUF) {
        s->sndbuf = buf < SNDBUF_MIN ? SNDBUF_MIN : buf;
    } else if (level == SOL_SOCKET && opt == SO_LINGER) {
        s->linger_on = lg[0] != 0;
        s->linger_secs = lg[1] < 0 ? 0 : lg[1] > 32767 ? 32767 : lg[1];
        /* lwIP's close waits up to this for unsent data (or aborts at 0). */
        s->conn->linger = s->linger_on ? (s16_t)s->linger_secs : -1;
    } else if (((level == IPPROTO_IP && opt == IP_TTL) || (ip6 && opt == IPV6_UNICAST_HOPS)) &&
               s->conn->pcb.ip) {
        s->conn->pcb.ip->ttl = (u8_t)(v == -1 ? IP_DEFAULT_TTL : v);
    } else if (level == IPPROTO_IP && opt == IP_TOS) {
        /* A stream's ECN bits are TCP's to set, as in Linux. */
        struct ip_pcb *ip = s->conn->pcb.ip;
        if (ip)
            ip->tos = (u8_t)(stream ? (v & ~INET_ECN_MASK) | (ip->tos & INET_ECN_MASK) : v);
    } else if (level == IPPROTO_TCP && opt == TCP_MAXSEG && stream) {
        s->user_mss = v;                /* reported; lwIP keeps its own MSS */
    } else if (level == IPPROTO_TCP && opt == TCP_CORK && stream) {
        /* lwIP sends as it is written (Nagle aside): uncorking pushes whatever
         * is still queued, which is what a corked writer waits for. */
        s->cork = v != 0;
        struct tcp_pcb *pcb = s->conn->pcb.tcp;
        if (!v && pcb && pcb->state != LISTEN && pcb->state != CLOSED)
            tcp_output(pcb);
    } else if (level == IPPROTO_TCP && s->type == SOCK_STREAM && s->conn->pcb.tcp &&
               (opt == TCP_KEEPIDLE || opt == TCP_KEEPINTVL || opt == TCP_KEEPCNT)) {
        struct tcp_pcb *pcb = s->conn->pcb.tcp;
        if (opt == TCP_KEEPIDLE)
            pcb->keep_idle = (u32_t)v * 1000;
        else if (opt == TCP_KEEPINTVL)
            pcb->keep_intvl = (u32_t)v * 1000;
        else
            pcb->keep_cnt = (u32_t)v;
    } else if (level == IPPROTO_TCP && opt == TCP_NODELAY && s->type == SOCK_STREAM &&
               s->conn->pcb.tcp) {
        if (v)
            tcp_nagle_disable(s->conn->pcb.tcp);
        else
            tcp_nagle_enable(s->conn->pcb.tcp);
    } else {
        err = -ENOPROTOOPT;
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

#define SIOCINQ  0x541B         /* FIONREAD */
#define SIOCOUTQ 0x5411         /* TIOCOUTQ */

/* SIOCINQ: a stream's bytes waiting to be read, the next datagram's size (0: none);
 * SIOCOUTQ: a stream's bytes sent but not yet acknowledged or not yet sent (UDP
 * holds none: lwIP sends at once). A listener: -EINVAL, as Linux. */
long inet_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct inet_sock *s = f->priv;
    if (cmd != SIOCINQ && cmd != SIOCOUTQ)
        return net_if_ioctl(cmd, arg);
    if (s->listening)
        return -EINVAL;
    int v = 0;
    if (cmd == SIOCOUTQ) {
        if (s->type == SOCK_STREAM) {
            LOCK_TCPIP_CORE();
            v = s->conn->pcb.tcp ? TCP_SND_BUF - tcp_sndbuf(s->conn->pcb.tcp) : 0;
            UNLOCK_TCPIP_CORE();
        }
    } else {
        mutex_lock(&s->rx_lock);
        if (s->type == SOCK_STREAM) {
            v = (s->rx ? s->rx->tot_len - s->rx_off : 0) + (int)s->rx_ahead_bytes;
            v += __atomic_load_n(&s->conn->recv_avail, __ATOMIC_ACQUIRE);
        } else if ((s->dgram || s->conn->pending_err == ERR_OK) &&
                   inet_udp_hold_locked(s) == 0) {
            /* (lwIP's receive would take a pending error, which is for the next
             * recv: glibc's resolver asks FIONREAD first.) */
            v = netbuf_len(s->dgram);
        }
        mutex_unlock(&s->rx_lock);
    }
    return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}
