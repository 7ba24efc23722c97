/* /proc/net/tcp, udp (and the empty tcp6, udp6) in Linux's text, one line per
 * lwIP PCB, read under the tcpip core lock (busybox netstat, ss-like tools). */

#include <osc/lib.h>
#include <osc/net_stack.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

typedef void (*put_fn)(void *ctx, const char *s, size_t n);

#define TCP_WIDTH 149                   /* Linux pads each line to TMPSZ - 1 */
#define UDP_WIDTH 127
#define CLOCK_HZ  100                   /* USER_HZ: the timer columns' unit */

/* Linux's TCP_ESTABLISHED... numbering for lwIP's states (CLOSED: TCP_CLOSE). */
static unsigned linux_state(enum tcp_state st)
{
    static const unsigned map[] = {
        [CLOSED] = 7, [LISTEN] = 10, [SYN_SENT] = 2, [SYN_RCVD] = 3, [ESTABLISHED] = 1,
        [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8, [CLOSING] = 11,
        [LAST_ACK] = 9, [TIME_WAIT] = 6,
    };
    return (unsigned)st < ARRAY_SIZE(map) ? map[st] : 7;
}

unsigned inet_tcp_state_linux(enum tcp_state st) { return linux_state(st); }

/* One line padded with blanks to width, as Linux's seq_pad. */
static void put_line(put_fn put, void *ctx, int width, const char *fmt, ...) __printf(4, 5);
static void put_line(put_fn put, void *ctx, int width, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    n = MIN(n, (int)sizeof(line) - 2);
    while (n < width && n < (int)sizeof(line) - 2)
        line[n++] = ' ';
    line[n++] = '\n';
    put(ctx, line, (size_t)n);
}

/* An address as Linux prints a __be32 with %08X on x86 (127.0.0.1: 0100007F). */
static uint32_t hexaddr(const ip_addr_t *a)
{
    return ip4_addr_get_u32(ip_2_ip4(a));
}

static void sock_ids(struct netconn *conn, uint32_t *uid, unsigned long *ino)
{
    struct inet_sock *s = inet_sock_of_conn(conn);
    *uid = s ? s->uid : 0;
    *ino = s ? (unsigned long)s->ino : 0;
}

static void tcp_line(put_fn put, void *ctx, int sl, const struct tcp_pcb *p)
{
    uint32_t uid;
    unsigned long ino;
    sock_ids(p->callback_arg, &uid, &ino);
    u32_t txq = p->snd_lbb - p->lastack;
    tcpwnd_size_t wmax = TCP_WND_MAX(p);
    u32_t rxq = p->rcv_wnd < wmax ? wmax - p->rcv_wnd : 0;
    unsigned mss = p->mss ? p->mss : 536;
    long ssthresh = p->cwnd < p->ssthresh ? -1 : (long)(p->ssthresh / mss);
    put_line(put, ctx, TCP_WIDTH,
             "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
             "2 0000000000000000 %lu 4 0 %u %ld",
             sl, hexaddr(&p->local_ip), p->local_port, hexaddr(&p->remote_ip), p->remote_port,
             linux_state(p->state), txq, rxq, 0u, 0ul, (unsigned)p->nrtx, uid, 0, ino,
             (unsigned long)p->rto * TCP_SLOW_INTERVAL * CLOCK_HZ / 1000,
             (unsigned)(p->cwnd / mss), ssthresh);
}

static void tcp_tw_line(put_fn put, void *ctx, int sl, const struct tcp_pcb *p)
{
    u32_t age = (tcp_ticks - p->tmr) * TCP_SLOW_INTERVAL;
    u32_t left = age < 2 * TCP_MSL ? 2 * TCP_MSL - age : 0;
    put_line(put, ctx, TCP_WIDTH,
             "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d "
             "0000000000000000",
             sl, hexaddr(&p->local_ip), p->local_port, hexaddr(&p->remote_ip), p->remote_port,
             6u, 0u, 0u, 3u, (unsigned long)(left * CLOCK_HZ / 1000), 0u, 0, 0, 0, 3);
}

void net_proc_tcp(put_fn put, void *ctx)
{
    put_line(put, ctx, TCP_WIDTH, "  sl  local_address rem_address   st tx_queue rx_queue tr "
             "tm->when retrnsmt   uid  timeout inode");
    if (!net_stack_ready())
        return;
    int sl = 0;
    LOCK_TCPIP_CORE();
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        uint32_t uid;
        unsigned long ino;
        sock_ids(l->callback_arg, &uid, &ino);
        put_line(put, ctx, TCP_WIDTH,
                 "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
                 "2 0000000000000000 100 0 0 10 0",
                 sl++, hexaddr(&l->local_ip), l->local_port, 0u, 0u, 10u, 0u,
                 (unsigned)l->accepts_pending, 0u, 0ul, 0u, uid, 0, ino);
    }
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        tcp_line(put, ctx, sl++, p);
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        tcp_tw_line(put, ctx, sl++, p);
    UNLOCK_TCPIP_CORE();
}

/* Sockets' UDP PCBs only: lwIP's DHCP and DNS ones are the kernel's. A connected
 * one is TCP_ESTABLISHED (01), the rest TCP_CLOSE (07), as Linux. */
void net_proc_udp(put_fn put, void *ctx)
{
    put_line(put, ctx, UDP_WIDTH, "   sl  local_address rem_address   st tx_queue rx_queue tr "
             "tm->when retrnsmt   uid  timeout inode ref pointer drops");
    if (!net_stack_ready())
        return;
    int sl = 0;
    LOCK_TCPIP_CORE();
    for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
        if (!inet_is_netconn_udp(u))
            continue;
        struct netconn *conn = u->recv_arg;
        uint32_t uid;
        unsigned long ino;
        sock_ids(conn, &uid, &ino);
        struct inet_sock *s = inet_sock_of_conn(conn);
        int rxq = __atomic_load_n(&conn->recv_avail, __ATOMIC_RELAXED) +
                  (s ? (int)__atomic_load_n(&s->dgram_len, __ATOMIC_RELAXED) : 0);
        put_line(put, ctx, UDP_WIDTH,
                 "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
                 "2 0000000000000000 0",
                 sl++, hexaddr(&u->local_ip), u->local_port, hexaddr(&u->remote_ip),
                 u->remote_port, (u->flags & UDP_FLAGS_CONNECTED) ? 1u : 7u, 0u,
                 (unsigned)(rxq > 0 ? rxq : 0), 0u, 0ul, 0u, uid, 0, ino);
    }
    UNLOCK_TCPIP_CORE();
}

/* No IPv6: Linux's headers alone, so readers that open them find no sockets. */
void net_proc_tcp6(put_fn put, void *ctx)
{
    static const char h[] = "  sl  local_address                         remote_address"
        "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    put(ctx, h, sizeof(h) - 1);
}

void net_proc_udp6(put_fn put, void *ctx)
{
    static const char h[] = "  sl  local_address                         remote_address"
        "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
        " ref pointer drops\n";
    put(ctx, h, sizeof(h) - 1);
}
