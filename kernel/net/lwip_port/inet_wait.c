/* Waiting on AF_INET sockets: the conditions a blocking call sleeps for
 * (readable, writable, connected), looked at under lwip_port_mbox_wq's lock,
 * and the interruptible sleep with SO_RCVTIMEO/SO_SNDTIMEO deadlines. */

#include <osc/errno.h>
#include <osc/poll.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/time.h>

#include "lwip/api.h"
#include "lwip/tcp.h"
#include "port.h"

#include "inet_internal.h"
/* A TCP connection lwIP has let go of (reset, aborted, or closed both ways): its
 * netconn has no PCB any more (a racy look; only ever goes from set to NULL). */
bool inet_tcp_gone(struct inet_sock *s)
{
    return s->type == SOCK_STREAM && s->connected &&
           __atomic_load_n(&s->conn->pcb.tcp, __ATOMIC_ACQUIRE) == NULL &&
           s->conn->state != NETCONN_CONNECT;
}

bool inet_readable(struct inet_sock *s)
{
    if (s->listening)
        return lwip_port_mbox_count(s->conn->acceptmbox) > 0;
    return s->rx || s->rx_ahead_n || s->rx_ahead_err || s->dgram || s->eof || s->rd_shut ||
           s->rx_err ||
           lwip_port_mbox_count(s->conn->recvmbox) > 0 ||
           (s->type == SOCK_DGRAM && s->conn->pending_err != ERR_OK) ||
           inet_tcp_gone(s);
}

/* Room to send again: lwIP's own low-water marks (its SENDPLUS event), or the
 * connection is gone (the send finds out). A racy look at the PCB, which lives in
 * a static pool. */
bool inet_writable(struct inet_sock *s)
{
    struct tcp_pcb *pcb = __atomic_load_n(&s->conn->pcb.tcp, __ATOMIC_ACQUIRE);
    if (!pcb || s->conn->state == NETCONN_CONNECT)
        return pcb == NULL;
    return tcp_sndbuf(pcb) > TCP_SNDLOWAT && tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT;
}

/* A TCP connect under way has ended (lwIP changes the state before its event). */
bool inet_connect_done(struct inet_sock *s)
{
    return __atomic_load_n(&s->conn->state, __ATOMIC_ACQUIRE) != NETCONN_CONNECT;
}

bool inet_cond_now(struct inet_sock *s, bool (*cond)(struct inet_sock *))
{
    unsigned long f = spin_lock_irqsave(&lwip_port_mbox_wq.lock);
    bool r = cond(s);
    spin_unlock_irqrestore(&lwip_port_mbox_wq.lock, f);
    return r;
}

/* Sleeps until cond(s) (0), a signal (-EINTR) or the deadline (time_ns(); 0:
 * none) passes (-EAGAIN, as Linux's SO_RCVTIMEO). */
int inet_wait_for(struct inet_sock *s, bool (*cond)(struct inet_sock *), uint64_t deadline)
{
    int err = 0;
    if (!deadline) {
        unsigned long f = spin_lock_irqsave(&lwip_port_mbox_wq.lock);
        while (!err && !cond(s))
            err = waitqueue_sleep_interruptible_locked(&lwip_port_mbox_wq, &f);
        spin_unlock_irqrestore(&lwip_port_mbox_wq.lock, f);
        return err;
    }
    struct poll_waiter w;
    struct poll_entry e;
    poll_waiter_init(&w);
    poll_waiter_add(&w, &e, &lwip_port_mbox_wq);
    for (;;) {
        poll_waiter_arm(&w);
        if (inet_cond_now(s, cond))
            break;
        if (signal_pending_current()) {
            err = -EINTR;
            break;
        }
        if (time_ns() >= deadline) {
            err = -EAGAIN;
            break;
        }
        poll_waiter_sleep(&w, deadline);
    }
    poll_waiter_remove(&e);
    return err;
}

uint64_t inet_deadline_of(const uint64_t *timeo)
{
    uint64_t t = __atomic_load_n(timeo, __ATOMIC_RELAXED);
    return t ? time_ns() + t : 0;
}
