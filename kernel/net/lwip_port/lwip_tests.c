/* Tests of the TCP/IP stack: TCP and UDP over 127.0.0.1 through the whole stack
 * (KTESTs), and on a NIC with QEMU user networking an ICMP echo of the gateway
 * 10.0.2.2 (lwIP's raw API; one, then a burst larger than both virtio rings) and a
 * TCP connection through the gateway to a server on the host. The NIC part runs as
 * a KTEST when there is one and, with netdev.selftest[=PORT] on the command line,
 * in a boot-time thread whose log lines tests/qemu/net.py checks (PORT: the host's
 * TCP echo server, reached as 10.0.2.2:PORT). */

#define LOG_TAG "net"
#include <osc/cmdline.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/net_stack.h>
#include <osc/sched.h>
#include <osc/time.h>

#include "lwip/api.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"
#include "port.h"

#define PING_ID         0x4f53
#define PING_PAYLOAD    32
#define BURST_FIRST     100
#define BURST           300     /* more than the TX and RX rings (128 each) hold */
#define WAIT_NS         3000000000ull
#define DHCP_WAIT_NS    20000000000ull
#define RECV_TIMEOUT_MS 5000
#define LOOP_BYTES      20000   /* several segments, less than one window */

/* ---- ping through lwIP's raw API ---- */
struct pinger {
    uint8_t seen[BURST_FIRST + BURST];      /* by sequence number; tcpip thread */
    unsigned nseen, bad;                    /* atomic */
    uint64_t first_at;                      /* time_ns() of the first reply */
};

static void fill_payload(uint8_t *p)
{
    for (int i = 0; i < PING_PAYLOAD; i++)
        p[i] = (uint8_t)('a' + i % 26);
}

/* tcpip thread: the whole IP packet; eats our echo replies. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    (void)addr;
    struct pinger *pg = arg;
    uint8_t pkt[20 + 40 + 8 + PING_PAYLOAD];
    if (p->tot_len < 20 || p->tot_len > sizeof(pkt))
        return 0;
    pbuf_copy_partial(p, pkt, p->tot_len, 0);
    unsigned ihl = IPH_HL_BYTES((struct ip_hdr *)pkt);
    if (ihl < 20 || p->tot_len < ihl + 8)
        return 0;
    struct icmp_echo_hdr *h = (struct icmp_echo_hdr *)(pkt + ihl);
    if (h->type != ICMP_ER || lwip_ntohs(h->id) != PING_ID)
        return 0;
    uint8_t want[PING_PAYLOAD];
    fill_payload(want);
    unsigned seq = lwip_ntohs(h->seqno);
    if (p->tot_len != ihl + 8 + PING_PAYLOAD || inet_chksum(h, 8 + PING_PAYLOAD) != 0 ||
        memcmp(h + 1, want, PING_PAYLOAD) != 0 || seq >= ARRAY_SIZE(pg->seen)) {
        __atomic_add_fetch(&pg->bad, 1, __ATOMIC_RELAXED);
    } else if (!pg->seen[seq]) {
        pg->seen[seq] = 1;
        if (!pg->first_at)
            pg->first_at = time_ns();
        __atomic_add_fetch(&pg->nseen, 1, __ATOMIC_RELEASE);
    }
    pbuf_free(p);
    return 1;
}

static err_t send_echo(struct raw_pcb *pcb, const ip_addr_t *dst, u16_t seq)
{
    struct pbuf *p = pbuf_alloc(PBUF_IP, 8 + PING_PAYLOAD, PBUF_RAM);
    if (!p)
        return ERR_MEM;
    struct icmp_echo_hdr *h = p->payload;
    memset(h, 0, 8);
    ICMPH_TYPE_SET(h, ICMP_ECHO);
    h->id = lwip_htons(PING_ID);
    h->seqno = lwip_htons(seq);
    fill_payload((uint8_t *)(h + 1));
    h->chksum = inet_chksum(h, 8 + PING_PAYLOAD);
    LOCK_TCPIP_CORE();
    err_t err = raw_sendto(pcb, p, dst);
    UNLOCK_TCPIP_CORE();
    pbuf_free(p);
    return err;
}

static bool wait_replies(struct pinger *pg, unsigned n, uint64_t deadline)
{
    while (__atomic_load_n(&pg->nseen, __ATOMIC_ACQUIRE) < n && time_ns() < deadline)
        thread_sleep_ns(1000000);
    return __atomic_load_n(&pg->nseen, __ATOMIC_ACQUIRE) >= n;
}

/* One echo of the gateway, then the burst; logs the outcome. 0 or -1. */
static int ping_gateway(struct osc_netif *oif, const ip4_addr_t *gw4)
{
    static struct pinger pg;    /* tcpip thread may still look at it after removal */
    const char *name = oif->nd->name;
    memset(&pg, 0, sizeof(pg));
    ip_addr_t gw;
    ip_addr_copy_from_ip4(gw, *gw4);
    LOCK_TCPIP_CORE();
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    if (pcb)
        raw_recv(pcb, ping_recv, &pg);
    UNLOCK_TCPIP_CORE();
    if (!pcb) {
        log_error("%s test: FAILED: no raw PCB", name);
        return -1;
    }
    int ret = -1;
    uint64_t sent = time_ns();
    err_t err = send_echo(pcb, &gw, 1);
    if (err != ERR_OK || !wait_replies(&pg, 1, sent + WAIT_NS) || pg.bad) {
        log_error("%s test: FAILED: no good echo reply from 10.0.2.2 (send %d, bad %u)", name,
                  err, pg.bad);
        goto out;
    }
    struct eth_addr *mac = NULL;
    const ip4_addr_t *ip_ret;
    LOCK_TCPIP_CORE();
    ssize_t idx = etharp_find_addr(&oif->nif, gw4, &mac, &ip_ret);
    uint8_t m[ETH_ALEN] = { 0 };
    if (idx >= 0 && mac)
        memcpy(m, mac->addr, ETH_ALEN);
    UNLOCK_TCPIP_CORE();
    log_info("%s test: ARP reply from 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x; "
             "ping reply in %llu us", name, m[0], m[1], m[2], m[3], m[4], m[5],
             (unsigned long long)((pg.first_at - sent) / 1000));
    unsigned busy0 = __atomic_load_n(&oif->tx_busy, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < BURST && err == ERR_OK; i++)
        err = send_echo(pcb, &gw, (u16_t)(BURST_FIRST + i));
    bool all = err == ERR_OK && wait_replies(&pg, 1 + BURST, time_ns() + WAIT_NS);
    unsigned got = __atomic_load_n(&pg.nseen, __ATOMIC_ACQUIRE) - 1;
    unsigned busy = __atomic_load_n(&oif->tx_busy, __ATOMIC_RELAXED) - busy0;
    if (!all || pg.bad) {
        log_error("%s test: FAILED: burst of %d echo requests: %u replies (send %d, bad %u)",
                  name, BURST, got, err, pg.bad);
        goto out;
    }
    log_info("%s test: burst: %u of %d echo replies (the TX ring was full %u times)", name,
             got, BURST, busy);
    ret = 0;
out:
    LOCK_TCPIP_CORE();
    raw_remove(pcb);
    UNLOCK_TCPIP_CORE();
    return ret;
}

/* ---- TCP and UDP through netconns ---- */
/* Receives exactly len bytes (or fails on error/timeout); 0 or the lwIP error. */
static err_t recv_all(struct netconn *c, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pbuf *p;
        err_t err = netconn_recv_tcp_pbuf(c, &p);
        if (err != ERR_OK)
            return err;
        if (p->tot_len > len - got) {
            pbuf_free(p);
            return ERR_VAL;
        }
        got += pbuf_copy_partial(p, buf + got, p->tot_len, 0);
        pbuf_free(p);
    }
    return ERR_OK;
}

static void pattern(uint8_t *b, size_t len, unsigned salt)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * 7 + salt + (i >> 8));
}

/* A connection over 127.0.0.1: LOOP_BYTES each way, checked. 0, or the lwIP error
 * of the first step that failed (*step names it). */
static err_t tcp_loopback(const char **step)
{
    static uint8_t out[LOOP_BYTES], in[LOOP_BYTES];     /* one test at a time */
    struct netconn *l = netconn_new(NETCONN_TCP), *c = netconn_new(NETCONN_TCP), *a = NULL;
    ip_addr_t lo, addr;
    u16_t port = 0;
    err_t err = ERR_MEM;
    IP_ADDR4(&lo, 127, 0, 0, 1);
    *step = "netconn_new";
    if (!l || !c)
        goto out;
    netconn_set_recvtimeout(l, RECV_TIMEOUT_MS);
    netconn_set_recvtimeout(c, RECV_TIMEOUT_MS);
    *step = "bind";
    if ((err = netconn_bind(l, &lo, 0)) != ERR_OK)
        goto out;
    *step = "getaddr";
    if ((err = netconn_getaddr(l, &addr, &port, 1)) != ERR_OK || port == 0)
        goto out;
    *step = "listen";
    if ((err = netconn_listen(l)) != ERR_OK)
        goto out;
    *step = "connect";
    if ((err = netconn_connect(c, &lo, port)) != ERR_OK)
        goto out;
    *step = "accept";
    if ((err = netconn_accept(l, &a)) != ERR_OK)
        goto out;
    netconn_set_recvtimeout(a, RECV_TIMEOUT_MS);
    pattern(out, sizeof(out), 1);
    *step = "write to server";
    if ((err = netconn_write(c, out, sizeof(out), NETCONN_COPY)) != ERR_OK)
        goto out;
    memset(in, 0, sizeof(in));
    *step = "server receive";
    if ((err = recv_all(a, in, sizeof(in))) != ERR_OK)
        goto out;
    *step = "server data";
    err = ERR_VAL;
    if (memcmp(in, out, sizeof(in)) != 0)
        goto out;
    pattern(out, sizeof(out), 2);
    *step = "write to client";
    if ((err = netconn_write(a, out, sizeof(out), NETCONN_COPY)) != ERR_OK)
        goto out;
    *step = "client receive";
    if ((err = recv_all(c, in, sizeof(in))) != ERR_OK)
        goto out;
    *step = "client data";
    err = memcmp(in, out, sizeof(in)) == 0 ? ERR_OK : ERR_VAL;
out:
    if (a)
        netconn_delete(a);
    if (c)
        netconn_delete(c);
    if (l)
        netconn_delete(l);
    return err;
}

/* A datagram to itself over 127.0.0.1. 0 or an lwIP error. */
static err_t udp_loopback(void)
{
    struct netconn *u = netconn_new(NETCONN_UDP);
    if (!u)
        return ERR_MEM;
    ip_addr_t lo, addr;
    u16_t port = 0;
    IP_ADDR4(&lo, 127, 0, 0, 1);
    netconn_set_recvtimeout(u, RECV_TIMEOUT_MS);
    static const char msg[] = "datagram over the loopback interface";
    struct netbuf *nb = NULL, *rb = NULL;
    err_t err = netconn_bind(u, &lo, 0);
    if (err == ERR_OK)
        err = netconn_getaddr(u, &addr, &port, 1);
    if (err == ERR_OK) {
        nb = netbuf_new();
        err = nb ? netbuf_ref(nb, msg, sizeof(msg)) : ERR_MEM;
    }
    if (err == ERR_OK)
        err = netconn_sendto(u, nb, &lo, port);
    if (err == ERR_OK)
        err = netconn_recv(u, &rb);
    if (err == ERR_OK) {
        char got[sizeof(msg)];
        u16_t n = netbuf_copy(rb, got, sizeof(got));
        if (netbuf_len(rb) != sizeof(msg) || n != sizeof(msg) || memcmp(got, msg, n) != 0 ||
            netbuf_fromport(rb) != port)
            err = ERR_VAL;
    }
    if (nb)
        netbuf_delete(nb);
    if (rb)
        netbuf_delete(rb);
    netconn_delete(u);
    return err;
}

/* A connection to the host's echo server (tests/qemu/net.py) through the gateway:
 * sends a line, expects "echo: " and the line back. */
static int tcp_via_gateway(struct osc_netif *oif, const ip4_addr_t *gw4, u16_t port)
{
    static const char line[] = "hello from OSCortex over lwIP\n";
    char want[64], got[64];
    size_t wlen = (size_t)ksnprintf(want, sizeof(want), "echo: %s", line);
    ip_addr_t gw;
    ip_addr_copy_from_ip4(gw, *gw4);
    const char *step = "netconn_new";
    err_t err = ERR_MEM;
    struct netconn *c = netconn_new(NETCONN_TCP);
    if (c) {
        netconn_set_recvtimeout(c, RECV_TIMEOUT_MS);
        step = "connect";
        err = netconn_connect(c, &gw, port);
    }
    if (err == ERR_OK) {
        step = "write";
        err = netconn_write(c, line, sizeof(line) - 1, NETCONN_COPY);
    }
    if (err == ERR_OK) {
        step = "receive";
        memset(got, 0, sizeof(got));
        err = recv_all(c, (uint8_t *)got, wlen);
    }
    if (err == ERR_OK && memcmp(got, want, wlen) != 0) {
        step = "answer";
        err = ERR_VAL;
    }
    if (c)
        netconn_delete(c);
    if (err != ERR_OK) {
        log_error("%s test: FAILED: TCP to 10.0.2.2:%u: %s: lwIP error %d", oif->nd->name,
                  port, step, err);
        return -1;
    }
    log_info("%s test: TCP to 10.0.2.2:%u: sent %zu bytes, got the host's %zu-byte answer",
             oif->nd->name, port, sizeof(line) - 1, wlen);
    return 0;
}

/* Waits for DHCP on oif; the gateway it gave, or false. */
static bool wait_dhcp(struct osc_netif *oif, ip4_addr_t *gw, uint64_t ns)
{
    uint64_t deadline = time_ns() + ns;
    for (;;) {
        LOCK_TCPIP_CORE();
        bool bound = oif->bound;
        ip4_addr_copy(*gw, *netif_ip4_gw(&oif->nif));
        UNLOCK_TCPIP_CORE();
        if (bound && !ip4_addr_isany(gw))
            return true;
        if (time_ns() >= deadline)
            return false;
        thread_sleep_ns(10000000);
    }
}

static void selftest_thread(void *arg)
{
    (void)arg;
    const char *step;
    err_t err = tcp_loopback(&step);
    if (err == ERR_OK)
        log_info("loopback test: TCP over 127.0.0.1: %u bytes each way", LOOP_BYTES);
    else
        log_error("loopback test: FAILED: TCP over 127.0.0.1: %s: lwIP error %d", step, err);
    const char *p = cmdline_get("netdev.selftest");
    unsigned port = 0;
    while (p && *p >= '0' && *p <= '9' && port < 65536)
        port = port * 10 + (unsigned)(*p++ - '0');
    for (size_t i = 0; net_stack_netif(i); i++) {
        struct osc_netif *oif = net_stack_netif(i);
        ip4_addr_t gw;
        if (!wait_dhcp(oif, &gw, DHCP_WAIT_NS)) {
            log_error("%s test: FAILED: no DHCP address in %llu s", oif->nd->name,
                      DHCP_WAIT_NS / 1000000000ull);
            continue;
        }
        if (ping_gateway(oif, &gw) == 0 && port > 0 && port < 65536)
            tcp_via_gateway(oif, &gw, (u16_t)port);
    }
}

void net_selftest_start(void)
{
    struct thread *t = thread_create("net-selftest", selftest_thread, NULL);
    if (!t || thread_detach(t))
        log_error("test: FAILED: cannot start the network test thread");
}

KTEST(lwip_tcp_over_loopback_carries_data_both_ways)
{
    const char *step = "";
    err_t err = tcp_loopback(&step);
    if (err != ERR_OK)
        log_write(LOG_ERROR, "test", "TCP loopback failed at %s (%d)", step, err);
    KT_ASSERT_EQ(err, ERR_OK);
}

KTEST(lwip_udp_over_loopback_delivers_the_datagram)
{
    KT_ASSERT_EQ(udp_loopback(), ERR_OK);
}

KTEST(lwip_pings_the_gateway_when_there_is_a_nic)
{
    struct osc_netif *oif = net_stack_netif(0);
    ip4_addr_t gw;
    if (!oif || !wait_dhcp(oif, &gw, 10000000000ull)) {
        log_write(LOG_INFO, "test", "no NIC with a DHCP address: gateway ping not tested "
                  "here (tests/qemu/net.py does)");
        return;
    }
    KT_ASSERT_EQ(ping_gateway(oif, &gw), 0);
}

/* RFC 6528: connections between other addresses and ports start at unrelated
 * numbers (lwIP's own counter gave them all neighbouring ones), and one pair's
 * numbers move forward with the clock. */
KTEST(tcp_initial_sequence_numbers_are_keyed_per_connection)
{
    ip_addr_t local = IPADDR4_INIT_BYTES(10, 0, 2, 15), remote = IPADDR4_INIT_BYTES(10, 0, 2, 2);
    LOCK_TCPIP_CORE();
    u32_t first = lwip_port_tcp_isn(&local, 80, &remote, 40000);
    int near = 0;
    for (u16_t port = 40001; port < 40008; port++) {
        u32_t other = lwip_port_tcp_isn(&local, 80, &remote, port);
        if (other - first < 65536 || first - other < 65536)
            near++;
    }
    u32_t again = lwip_port_tcp_isn(&local, 80, &remote, 40000);
    UNLOCK_TCPIP_CORE();
    KT_ASSERT(near < 7);
    KT_ASSERT(again - first < 250000);      /* a clock step, not a new hash: < 1 s */
}
