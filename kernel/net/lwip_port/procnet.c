/* /proc/net/tcp, udp, tcp6 and udp6 in Linux's text, one line per lwIP PCB, and
 * /proc/net/arp from lwIP's ARP table, read under the tcpip core lock (busybox
 * netstat and arp, ss-like tools). A PCB is listed by
 * its socket's family (an AF_INET6 socket's IPv4 connection in tcp6, v4-mapped). */

#include <osc/lib.h>
#include <osc/net_stack.h>

#include "lwip/etharp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"
#include "port.h"

typedef void (*put_fn)(void *ctx, const char *s, size_t n);

#define TCP_WIDTH 149                   /* Linux pads each IPv4 line to TMPSZ - 1 */
#define UDP_WIDTH 127                   /* (and no IPv6 one) */
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

/* An address as Linux prints its __be32 words with %08X on x86 (127.0.0.1:
 * 0100007F; ::1: 00000000000000000000000001000000); an IPv4 one in an IPv6 table
 * v4-mapped. buf: 33 bytes. */
static const char *hexaddr(const ip_addr_t *a, bool v6, char *buf)
{
    uint32_t w[4] = { 0, 0, 0, 0 };
    if (IP_IS_V6_VAL(*a))
        memcpy(w, ip_2_ip6(a)->addr, sizeof(w));
    else if (IP_IS_V4_VAL(*a))
        w[3] = ip4_addr_get_u32(ip_2_ip4(a));
    if (!v6) {
        ksnprintf(buf, 33, "%08X", w[3]);
        return buf;
    }
    if (IP_IS_V4_VAL(*a))
        w[2] = PP_HTONL(0xffffu);
    ksnprintf(buf, 33, "%08X%08X%08X%08X", w[0], w[1], w[2], w[3]);
    return buf;
}

/* Whether a PCB belongs in the IPv6 tables: its netconn's family, else (TIME-WAIT,
 * no netconn any more) its address's. */
static bool pcb_v6(const struct netconn *conn, const ip_addr_t *local)
{
    return conn ? NETCONNTYPE_ISIPV6(netconn_type(conn)) != 0 : !IP_IS_V4_VAL(*local);
}

static void sock_ids(struct netconn *conn, uint32_t *uid, unsigned long *ino)
{
    struct inet_sock *s = inet_sock_of_conn(conn);
    *uid = s ? s->uid : 0;
    *ino = s ? (unsigned long)s->ino : 0;
}

static void tcp_line(put_fn put, void *ctx, int sl, const struct tcp_pcb *p, bool v6)
{
    char la[33], ra[33];
    uint32_t uid;
    unsigned long ino;
    sock_ids(p->callback_arg, &uid, &ino);
    u32_t txq = p->snd_lbb - p->lastack;
    tcpwnd_size_t wmax = TCP_WND_MAX(p);
    u32_t rxq = p->rcv_wnd < wmax ? wmax - p->rcv_wnd : 0;
    unsigned mss = p->mss ? p->mss : 536;
    long ssthresh = p->cwnd < p->ssthresh ? -1 : (long)(p->ssthresh / mss);
    put_line(put, ctx, v6 ? 0 : TCP_WIDTH,
             "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
             "2 0000000000000000 %lu 4 0 %u %ld",
             sl, hexaddr(&p->local_ip, v6, la), p->local_port, hexaddr(&p->remote_ip, v6, ra),
             p->remote_port,
             linux_state(p->state), txq, rxq, 0u, 0ul, (unsigned)p->nrtx, uid, 0, ino,
             (unsigned long)p->rto * TCP_SLOW_INTERVAL * CLOCK_HZ / 1000,
             (unsigned)(p->cwnd / mss), ssthresh);
}

static void tcp_tw_line(put_fn put, void *ctx, int sl, const struct tcp_pcb *p, bool v6)
{
    char la[33], ra[33];
    u32_t age = (tcp_ticks - p->tmr) * TCP_SLOW_INTERVAL;
    u32_t left = age < 2 * TCP_MSL ? 2 * TCP_MSL - age : 0;
    put_line(put, ctx, v6 ? 0 : TCP_WIDTH,
             "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d "
             "0000000000000000",
             sl, hexaddr(&p->local_ip, v6, la), p->local_port, hexaddr(&p->remote_ip, v6, ra),
             p->remote_port,
             6u, 0u, 0u, 3u, (unsigned long)(left * CLOCK_HZ / 1000), 0u, 0, 0, 0, 3);
}

static void tcp_table(put_fn put, void *ctx, bool v6)
{
    if (v6)
        put_line(put, ctx, 0, "  sl  local_address                         remote_address"
                 "                        st tx_queue rx_queue tr tm->when retrnsmt   uid"
                 "  timeout inode");
    else
        put_line(put, ctx, TCP_WIDTH, "  sl  local_address rem_address   st tx_queue rx_queue "
                 "tr tm->when retrnsmt   uid  timeout inode");
    if (!net_stack_ready())
        return;
    int sl = 0;
    char la[33];
    LOCK_TCPIP_CORE();
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        if (pcb_v6(l->callback_arg, &l->local_ip) != v6)
            continue;
        uint32_t uid;
        unsigned long ino;
        sock_ids(l->callback_arg, &uid, &ino);
        put_line(put, ctx, v6 ? 0 : TCP_WIDTH,
                 "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
                 "2 0000000000000000 100 0 0 10 0",
                 sl++, hexaddr(&l->local_ip, v6, la), l->local_port,
                 v6 ? "00000000000000000000000000000000" : "00000000", 0u, 10u, 0u,
                 (unsigned)l->accepts_pending, 0u, 0ul, 0u, uid, 0, ino);
    }
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (pcb_v6(p->callback_arg, &p->local_ip) == v6)
            tcp_line(put, ctx, sl++, p, v6);
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        if (pcb_v6(NULL, &p->local_ip) == v6)
            tcp_tw_line(put, ctx, sl++, p, v6);
    UNLOCK_TCPIP_CORE();
}

void net_proc_tcp(put_fn put, void *ctx) { tcp_table(put, ctx, false); }
void net_proc_tcp6(put_fn put, void *ctx) { tcp_table(put, ctx, true); }

/* Sockets' UDP PCBs only: lwIP's DHCP and DNS ones are the kernel's. A connected
 * one is TCP_ESTABLISHED (01), the rest TCP_CLOSE (07), as Linux. */
static void udp_table(put_fn put, void *ctx, bool v6)
{
    if (v6)
        put_line(put, ctx, 0, "  sl  local_address                         remote_address"
                 "                        st tx_queue rx_queue tr tm->when retrnsmt   uid"
                 "  timeout inode ref pointer drops");
    else
        put_line(put, ctx, UDP_WIDTH, "   sl  local_address rem_address   st tx_queue "
                 "rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops");
    if (!net_stack_ready())
        return;
    int sl = 0;
    char la[33], ra[33];
    LOCK_TCPIP_CORE();
    for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
        if (!inet_is_netconn_udp(u))
            continue;
        struct netconn *conn = u->recv_arg;
        if (pcb_v6(conn, &u->local_ip) != v6)
            continue;
        uint32_t uid;
        unsigned long ino;
        sock_ids(conn, &uid, &ino);
        struct inet_sock *s = inet_sock_of_conn(conn);
        int rxq = __atomic_load_n(&conn->recv_avail, __ATOMIC_RELAXED) +
                  (s ? (int)__atomic_load_n(&s->dgram_len, __ATOMIC_RELAXED) : 0);
        put_line(put, ctx, v6 ? 0 : UDP_WIDTH,
                 "%5d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu "
                 "2 0000000000000000 0",
                 sl++, hexaddr(&u->local_ip, v6, la), u->local_port,
                 hexaddr(&u->remote_ip, v6, ra), u->remote_port,
                 (u->flags & UDP_FLAGS_CONNECTED) ? 1u : 7u, 0u,
                 (unsigned)(rxq > 0 ? rxq : 0), 0u, 0ul, 0u, uid, 0, ino);
    }
    UNLOCK_TCPIP_CORE();
}

void net_proc_udp(put_fn put, void *ctx) { udp_table(put, ctx, false); }
void net_proc_udp6(put_fn put, void *ctx) { udp_table(put, ctx, true); }

/* /proc/net/arp: lwIP's complete ARP entries (busybox arp reads it), as Linux's
 * arp_seq_show: hardware type 1 (Ethernet), flags ATF_COM, no netmask. */
void net_proc_arp(put_fn put, void *ctx)
{
    static const char head[] =
        "IP address       HW type     Flags       HW address            Mask     Device\n";
    put(ctx, head, sizeof(head) - 1);
    if (!net_stack_ready())
        return;
    LOCK_TCPIP_CORE();
    for (size_t i = 0; i < ARP_TABLE_SIZE; i++) {
        ip4_addr_t *ip;
        struct netif *nif;
        struct eth_addr *mac;
        if (!etharp_get_entry(i, &ip, &nif, &mac) || !nif || !nif->state)
            continue;
        const struct netdev *nd = ((const struct osc_netif *)nif->state)->nd;
        char addr[16];
        const uint8_t *m = mac->addr, *a = (const uint8_t *)&ip->addr;
        ksnprintf(addr, sizeof(addr), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        put_line(put, ctx, 0, "%-16s 0x%-10x0x%-10x%02x:%02x:%02x:%02x:%02x:%02x     *        %s",
                 addr, 1u, 2u, m[0], m[1], m[2], m[3], m[4], m[5], nd->name);
    }
    UNLOCK_TCPIP_CORE();
}
