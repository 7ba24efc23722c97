/* The TCP receive path of AF_INET sockets: chains taken from the netconn's
 * mailbox without waiting, copied out as much as fits in one call with one
 * window update for all, and MSG_PEEK's look-ahead across segments. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net.h>

#include "lwip/api.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "port.h"

#include "inet_internal.h"

/* Takes the next received chain into s->rx without waiting. lwIP is not told
 * (NETCONN_NOAUTORCVD): *taken grows, and the caller reopens the window once for
 * all it took. 0 (a chain, or the stream's end), or -EAGAIN / the error to report. */
static int tcp_take_mbox_locked(struct inet_sock *s, size_t *taken)
{
    const u8_t flags = NETCONN_DONTBLOCK | NETCONN_NOAUTORCVD | NETCONN_NOFIN;
    struct pbuf *pb = NULL;
    err_t e = netconn_recv_tcp_pbuf_flags(s->conn, &pb, flags);
    /* The tcpip thread queues the last data, then lets go of a TIME-WAIT PCB:
     * gone now may mean it all came after the look at the mailbox, so look
     * again before calling it the end (else the peer's last bytes were lost). */
    if (e == ERR_WOULDBLOCK && inet_tcp_gone(s))
        e = netconn_recv_tcp_pbuf_flags(s->conn, &pb, flags);
    /* lwIP shuts the receive side as it hands out the FIN (NOFIN holds it back
     * once): the window must first be reopened for what this read took, else a
     * shutdown(SHUT_WR) from another thread meanwhile finds "unread" data and
     * resets the connection (tcp_close_shutdown), and the peer loses its last
     * bytes. */
    if (e == ERR_WOULDBLOCK && netconn_is_flag_set(s->conn, NETCONN_FIN_RX_PENDING)) {
        if (*taken)
            netconn_tcp_recvd(s->conn, *taken);
        *taken = 0;
        e = netconn_recv_tcp_pbuf_flags(s->conn, &pb, flags);
    }
    if (e == ERR_CLSD) {
        s->eof = true;
        return 0;
    }
    if (e != ERR_OK) {
        /* After the reset or abort was reported once (lwIP clears it), or once a
         * closed connection is drained: the end, as Linux reads 0 then. */
        if ((e == ERR_CONN || e == ERR_WOULDBLOCK) && inet_tcp_gone(s)) {
            s->eof = true;
            return 0;
        }
        /* lwIP hands a reset both as a mailbox message and as the pending error:
         * Linux reports it once (the read takes sk_err, SO_ERROR is 0 after), then
         * reads 0. */
        if (e == ERR_RST || e == ERR_ABRT) {
            (void)netconn_err(s->conn);
            s->eof = true;
            if (e == ERR_RST && __atomic_load_n(&s->pcb_released, __ATOMIC_ACQUIRE))
                return 0;               /* the FIN, read after the PCB went */
        }
        return inet_errno(e);
    }
    s->rx = pb;
    s->rx_off = 0;
    *taken += pb->tot_len;
    return 0;
}

/* The next chain into s->rx: a peek's look-ahead first (and the error it met
 * behind it), then the mailbox. */
static int tcp_take_locked(struct inet_sock *s, size_t *taken)
{
    if (s->rx_ahead_n) {
        s->rx = s->rx_ahead[0];
        s->rx_off = 0;
        s->rx_ahead_n--;
        memmove(&s->rx_ahead[0], &s->rx_ahead[1], s->rx_ahead_n * sizeof(s->rx_ahead[0]));
        s->rx_ahead_bytes -= s->rx->tot_len;
        return 0;
    }
    if (s->rx_ahead_err) {
        int e = s->rx_ahead_err;
        s->rx_ahead_err = 0;
        return e;
    }
    return tcp_take_mbox_locked(s, taken);
}

/* MSG_PEEK under rx_lock: a copy of what has arrived from the read position on,
 * as Linux's, across segments: chains still in the mailbox are taken into the
 * look-ahead (up to INET_RX_AHEAD) and stay there for the reads after; an error
 * or the end met behind them waits there too. Nothing is consumed. */
static ssize_t tcp_peek_locked(struct inet_sock *s, void *buf, size_t n)
{
    size_t done = 0, taken = 0;
    int err = 0;
    if (!s->rx) {                       /* the look-ahead's first, or the mailbox's */
        if (!s->rx_ahead_n && !s->rx_ahead_err && (s->eof || s->rd_shut))
            return 0;
        err = tcp_take_locked(s, &taken);
    }
    if (s->rx) {
        done = MIN(n, (size_t)(s->rx->tot_len - s->rx_off));
        pbuf_copy_partial(s->rx, buf, (u16_t)done, s->rx_off);
    }
    for (u8_t i = 0; done < n; i++) {
        if (i == s->rx_ahead_n) {
            if (i == INET_RX_AHEAD || s->rx_ahead_err || s->eof || !s->rx ||
                lwip_port_mbox_count(s->conn->recvmbox) == 0)
                break;
            struct pbuf *cur = s->rx;
            u16_t off = s->rx_off;
            s->rx = NULL;
            int e = tcp_take_mbox_locked(s, &taken);
            struct pbuf *more = s->rx;
            s->rx = cur;
            s->rx_off = off;
            if (e && e != -EAGAIN)
                s->rx_ahead_err = e;
            if (!more)
                break;
            s->rx_ahead[s->rx_ahead_n++] = more;
            s->rx_ahead_bytes += more->tot_len;
        }
        struct pbuf *q = s->rx_ahead[i];
        size_t k = MIN(n - done, (size_t)q->tot_len);
        pbuf_copy_partial(q, (uint8_t *)buf + done, (u16_t)k, 0);
        done += k;
    }
    if (taken)
        netconn_tcp_recvd(s->conn, taken);
    return done ? (ssize_t)done : err;
}

/* One TCP receive under rx_lock: the leftover chain, then every chain already
 * queued, as much as fits (one segment per call made a read per 1460 bytes and
 * a window update per segment). 0 at the end of the stream, -EAGAIN when
 * nothing is there yet. An error met after some data is kept for the next call,
 * as Linux reports the data first. MSG_PEEK: tcp_peek_locked. */
ssize_t inet_tcp_recv_locked(struct inet_sock *s, void *buf, size_t n, int flags)
{
    if (!s->connected)
        return -ENOTCONN;
    if (s->rx_err) {
        int e = s->rx_err;
        s->rx_err = 0;
        return e;
    }
    if (flags & MSG_PEEK)
        return tcp_peek_locked(s, buf, n);
    size_t done = 0, taken = 0;
    int err = 0;
    while (done < n) {
        if (!s->rx) {
            bool ahead = s->rx_ahead_n || s->rx_ahead_err;
            if (!ahead && (s->eof || s->rd_shut))
                break;
            if (done && !ahead && lwip_port_mbox_count(s->conn->recvmbox) == 0)
                break;
            err = tcp_take_locked(s, &taken);
            if (err || !s->rx)
                break;
        }
        size_t k = MIN(n - done, (size_t)(s->rx->tot_len - s->rx_off));
        pbuf_copy_partial(s->rx, (uint8_t *)buf + done, (u16_t)k, s->rx_off);
        done += k;
        s->rx_off = (u16_t)(s->rx_off + k);
        if (s->rx_off == s->rx->tot_len) {
            pbuf_free(s->rx);
            s->rx = NULL;
        }
    }
    if (taken)
        netconn_tcp_recvd(s->conn, taken);     /* one window update for them all */
    if (!done)
        return err;
    if (err && err != -EAGAIN)
        s->rx_err = err;
    return (ssize_t)done;
}
