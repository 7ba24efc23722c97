/* The TCP/IP stack's start and its Ethernet interfaces: lwIP's tcpip thread, the
 * loopback interface (127.0.0.1), and one lwIP netif per netdev. Received frames go
 * from the netdev hook (interrupt context) into pool buffers queued to the tcpip
 * thread; frames are sent with netdev_xmit. Addresses come from DHCP (or from
 * net.<dev>=A.B.C.D/PREFIX on the command line, for a wire without a server); the link
 * state is polled by a timer in the tcpip thread, so a link that comes up later
 * starts DHCP again. IPv6: lo has ::1 (lwIP's), each Ethernet interface a
 * link-local address and those SLAAC makes from router advertisements. */

#define LOG_TAG "net"
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/net_stack.h>
#include <osc/netdev.h>
#include <osc/sched.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "port.h"

#define LINK_POLL_MS    250
#define DHCP_WAIT_MS    10000   /* after this without an answer: logged offline */
#define TX_RETRY_NS     100000ull
#define TX_RETRIES      200     /* 20 ms for a TX buffer to come back */

static struct osc_netif ifs[NETDEV_MAX];
static size_t nifs;
static bool stack_up;

static void fill_from_pbuf(void *dst, size_t len, void *p)
{
    (void)pbuf_copy_partial(p, dst, (u16_t)len, 0);
}

static void fill_from_buf(void *dst, size_t len, void *buf)
{
    memcpy(dst, buf, len);
}

/* Sends a frame written by fill(dst, len, arg) straight into a TX buffer. */
static err_t xmit_frame(struct osc_netif *oif, size_t len, netdev_fill_fn fill, void *arg)
{
    int err, tries = 0;
    /* Every TX buffer with the device: the TX interrupt returns them shortly,
     * once the device has been told of the ones held back. */
    while ((err = netdev_xmit_fill(oif->nd, len, fill, arg)) == -EAGAIN && tries++ < TX_RETRIES) {
        __atomic_add_fetch(&oif->tx_busy, 1, __ATOMIC_RELAXED);
        netdev_xmit_flush(oif->nd);
        oif->tx_held = false;
        thread_sleep_ns(TX_RETRY_NS);
    }
    oif->tx_held |= err == 0;
    if (err) {
        netdev_count_add(&oif->nd->stats.tx_dropped, 1);
        return err == -EAGAIN ? ERR_BUF : ERR_IF;
    }
    return ERR_OK;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame's TCP header when it is a pure ACK: IPv4, unfragmented, no data,
 * no flag but ACK. NULL otherwise. */
static const uint8_t *pure_ack(const uint8_t *f, size_t len)
{
    if (len < ETH_HLEN + 40 || len > OSC_ACK_HOLD_MAX || f[12] != 0x08 || f[13] != 0x00)
        return NULL;
    const uint8_t *ip = f + ETH_HLEN;
    size_t ihl = (ip[0] & 15u) * 4;
    if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != IP_PROTO_TCP || ((ip[6] & 0x3f) | ip[7]) ||
        ETH_HLEN + ihl + 20 > len)
        return NULL;
    const uint8_t *tcp = ip + ihl;
    size_t tot = (size_t)(ip[2] << 8 | ip[3]), doff = (tcp[12] >> 4) * 4u;
    return tot == ihl + doff && tcp[13] == 0x10 ? tcp : NULL;
}

/* Sends the held ACK, if any. */
static void ack_flush(struct osc_netif *oif)
{
    if (oif->held_len)
        (void)xmit_frame(oif, oif->held_len, fill_from_buf, oif->held);
    oif->held_len = 0;
}

/* During a batch: holds a pure ACK in place of an earlier one of its connection
 * (true), or says to send it now (false; anything held went first). An ACK that
 * does not move the acknowledged number on (a duplicate, which asks for a
 * retransmission) is never held back. */
static bool ack_hold(struct osc_netif *oif, const uint8_t *frame, size_t len)
{
    const uint8_t *tcp = pure_ack(frame, len);
    if (!tcp) {
        ack_flush(oif);                 /* the order on the wire stays */
        return false;
    }
    uint32_t ack = get32(tcp + 8);
    size_t ihl = (frame[ETH_HLEN] & 15u) * 4;
    bool same = oif->held_len == len &&
                !memcmp(oif->held + ETH_HLEN + 12, frame + ETH_HLEN + 12, 8) &&
                !memcmp(oif->held + ETH_HLEN + ihl, tcp, 4);
    if (same && (int32_t)(ack - get32(oif->held + ETH_HLEN + ihl + 8)) <= 0) {
        ack_flush(oif);
        return false;
    }
    if (!same) {
        ack_flush(oif);
        oif->held_base = ack;
    }
    memcpy(oif->held, frame, len);
    oif->held_len = (uint16_t)len;
    if (ack - oif->held_base >= OSC_ACK_STRIDE) {
        ack_flush(oif);
        oif->held_base = ack;
    }
    return true;
}

static err_t linkoutput(struct netif *nif, struct pbuf *p)
{
    struct osc_netif *oif = nif->state;
    if (oif->draining && p->tot_len <= OSC_ACK_HOLD_MAX) {
        uint8_t frame[OSC_ACK_HOLD_MAX];
        u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
        if (ack_hold(oif, frame, len))
            return ERR_OK;
    } else if (oif->draining) {
        ack_flush(oif);                 /* the held ACK goes first */
    }
    return xmit_frame(oif, p->tot_len, fill_from_pbuf, p);
}

#define RX_BATCH        64          /* frames per turn before other messages go */

/* Interrupt context: one pool buffer per frame, queued for the tcpip thread,
 * which is sent one message when the queue stops being empty. Each message
 * through the mailbox (an allocation, a wake-up, the core lock) cost about as
 * much as lwIP's whole work on the frame. */
static void rx_frame(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    struct osc_netif *oif = ctx;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) {
        netdev_count_add(&nd->stats.rx_dropped, 1);
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    unsigned long f = spin_lock_irqsave(&oif->rxq_lock);
    bool queued = oif->rxq_count < OSC_RXQ_SIZE, post = queued && !oif->rx_posted;
    if (queued) {
        oif->rxq[(oif->rxq_head + oif->rxq_count++) % OSC_RXQ_SIZE] = p;
        oif->rx_posted = true;
    }
    spin_unlock_irqrestore(&oif->rxq_lock, f);
    if (!queued) {
        pbuf_free(p);
        netdev_count_add(&nd->stats.rx_dropped, 1);
    } else if (post && tcpip_callbackmsg_trycallback_fromisr(oif->rx_msg) != ERR_OK) {
        /* The mailbox is full (it holds 1024): the next frame tries again. */
        f = spin_lock_irqsave(&oif->rxq_lock);
        oif->rx_posted = false;
        spin_unlock_irqrestore(&oif->rxq_lock, f);
    }
}

/* tcpip thread (core lock): hands up to RX_BATCH queued frames to lwIP; posts
 * itself again when more are left, or marks the queue idle when it is empty. */
static void rx_drain(void *arg)
{
    struct osc_netif *oif = arg;
    struct pbuf *batch[RX_BATCH];
    unsigned n = 0;
    unsigned long f = spin_lock_irqsave(&oif->rxq_lock);
    while (n < RX_BATCH && oif->rxq_count) {
        batch[n++] = oif->rxq[oif->rxq_head];
        oif->rxq_head = (oif->rxq_head + 1) % OSC_RXQ_SIZE;
        oif->rxq_count--;
    }
    bool more = oif->rxq_count > 0;
    if (!more)
        oif->rx_posted = false;
    spin_unlock_irqrestore(&oif->rxq_lock, f);
    oif->draining = true;
    for (unsigned i = 0; i < n; i++) {
        if (ethernet_input(batch[i], &oif->nif) != ERR_OK) {
            pbuf_free(batch[i]);
            netdev_count_add(&oif->nd->stats.rx_dropped, 1);
        }
    }
    oif->draining = false;
    ack_flush(oif);
    if (more && tcpip_callbackmsg_trycallback(oif->rx_msg) != ERR_OK) {
        f = spin_lock_irqsave(&oif->rxq_lock);
        oif->rx_posted = false;         /* the next frame posts it */
        spin_unlock_irqrestore(&oif->rxq_lock, f);
    }
}

static err_t eth_netif_init(struct netif *nif)
{
    struct osc_netif *oif = nif->state;
    nif->name[0] = 'e';
    nif->name[1] = 't';
    nif->hwaddr_len = ETH_ALEN;
    memcpy(nif->hwaddr, oif->nd->mac, ETH_ALEN);
    nif->mtu = (u16_t)oif->nd->mtu;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                 NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = linkoutput;
    netif_set_hostname(nif, "oscortex");
    return ERR_OK;
}

/* Logs the address, netmask, gateway and DNS server DHCP gave. */
static void log_lease(struct osc_netif *oif)
{
    struct netif *nif = &oif->nif;
    char ip[16], mask[16], gw[16], dns[16];
    ip4addr_ntoa_r(netif_ip4_addr(nif), ip, sizeof(ip));
    ip4addr_ntoa_r(netif_ip4_netmask(nif), mask, sizeof(mask));
    ip4addr_ntoa_r(netif_ip4_gw(nif), gw, sizeof(gw));
    ip4addr_ntoa_r(ip_2_ip4(dns_getserver(0)), dns, sizeof(dns));
    log_info("DHCP: %s netmask %s gateway %s DNS %s (%s)", ip, mask, gw, dns, oif->nd->name);
}

/* tcpip thread, every LINK_POLL_MS: follows each device's link (a link that comes
 * up makes DHCP ask again), logs each lease once it is bound (again after a link
 * change), and says once when DHCP has not answered for a while (it keeps asking). */
static void link_poll(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < nifs; i++) {
        struct osc_netif *oif = &ifs[i];
        uint32_t changes = netdev_link_changes(oif->nd);
        bool up = netdev_link_up(oif->nd);
        /* Down and up again since the last look: the network may be another one. */
        if (up && netif_is_link_up(&oif->nif) && changes != oif->link_changes) {
            netif_set_link_down(&oif->nif);
            oif->bound = false;
        }
        oif->link_changes = changes;
        if (up && !netif_is_link_up(&oif->nif)) {
            netif_set_link_up(&oif->nif);       /* DHCP: discover, or reboot a lease */
            oif->asking_since = sys_now();
            oif->said_offline = false;
        } else if (!up && netif_is_link_up(&oif->nif)) {
            netif_set_link_down(&oif->nif);
            oif->bound = false;
        }
        if (!up || oif->static_addr)
            continue;
        if (dhcp_supplied_address(&oif->nif)) {
            if (!oif->bound) {
                log_lease(oif);
                net_resolv_lease_bound();
            }
            oif->bound = true;
        } else {
            oif->bound = false;
            if (!oif->said_offline && sys_now() - oif->asking_since >= DHCP_WAIT_MS) {
                log_info("offline: no DHCP answer on %s in %u s (still asking)",
                         oif->nd->name, DHCP_WAIT_MS / 1000);
                oif->said_offline = true;
            }
        }
    }
    sys_timeout(LINK_POLL_MS, link_poll, NULL);
}

/* net.<dev>=A.B.C.D/PREFIX on the command line: a fixed address, no DHCP (a test
 * wire with nobody else on it, tests/qemu/netload.py). */
static bool static_address(struct osc_netif *oif)
{
    char key[24], addr[16];
    ksnprintf(key, sizeof(key), "net.%s", oif->nd->name);
    const char *v = cmdline_get(key);
    if (!v)
        return false;
    const char *slash = strchr(v, '/');
    size_t len = slash ? (size_t)(slash - v) : strlen(v);
    unsigned prefix = 0;
    bool ok = slash && slash[1] && len < sizeof(addr);
    for (const char *d = slash ? slash + 1 : ""; ok && *d; d++) {
        ok = *d >= '0' && *d <= '9' && prefix <= 32;
        prefix = prefix * 10 + (unsigned)(*d - '0');
    }
    ip4_addr_t ip, mask;
    if (ok) {
        memcpy(addr, v, len);
        addr[len] = 0;
        ok = prefix <= 32 && ip4addr_aton(addr, &ip);
    }
    if (!ok) {
        log_error("%s=%s: want A.B.C.D/PREFIX (DHCP instead)", key, v);
        return false;
    }
    ip4_addr_set_u32(&mask, prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0);
    netif_set_addr(&oif->nif, &ip, &mask, IP4_ADDR_ANY4);
    log_info("%s: static address %s/%u", oif->nd->name, addr, prefix);
    return true;
}

static void add_netdev(struct netdev *nd)
{
    struct osc_netif *oif = &ifs[nifs];
    oif->nd = nd;
    spin_init(&oif->rxq_lock, "lwip_rxq", 87);
    oif->rx_msg = tcpip_callbackmsg_new(rx_drain, oif);
    if (!oif->rx_msg) {
        log_error("%s: no message for the receive queue", nd->name);
        return;
    }
    if (!netif_add(&oif->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, oif,
                   eth_netif_init, tcpip_input)) {
        log_error("%s: lwIP refused the interface", nd->name);
        return;
    }
    nifs++;
    if (nifs == 1)
        netif_set_default(&oif->nif);
    /* fe80::EUI-64 (tentative until duplicate detection passes), then addresses
     * from the prefixes routers advertise (virtio-net hands up every multicast
     * frame: no filter to program for ND's groups). */
    netif_create_ip6_linklocal_address(&oif->nif, 1);
    netif_set_ip6_autoconfig_enabled(&oif->nif, 1);
    netif_set_up(&oif->nif);
    oif->hook.fn = rx_frame;
    oif->hook.ctx = oif;
    netdev_set_rx(nd, &oif->hook);
    oif->asking_since = sys_now();
    oif->link_changes = netdev_link_changes(nd);
    if (netdev_link_up(nd))
        netif_set_link_up(&oif->nif);
    else
        log_info("offline: %s has no link (DHCP starts when it comes up)", nd->name);
    oif->static_addr = static_address(oif);
    if (oif->static_addr)
        return;
    err_t err = dhcp_start(&oif->nif);
    if (err != ERR_OK)
        log_error("%s: DHCP did not start (%d)", nd->name, err);
}

void net_stack_init(void)
{
    tcpip_init(NULL, NULL);     /* the loopback interface 127.0.0.1 comes with it */
    LOCK_TCPIP_CORE();
    /* Loopback: TCP and UDP checksums neither made nor checked, as Linux's lo
     * (nothing there corrupts a packet, and they were two passes over every
     * byte); the IP header's and ICMP's are made, as a raw socket sees them. */
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (nif->name[0] == 'l' && nif->name[1] == 'o')
            NETIF_SET_CHECKSUM_CTRL(nif, NETIF_CHECKSUM_GEN_IP | NETIF_CHECKSUM_GEN_ICMP);
    }
    inet_icmp_errors_init();
    for (size_t i = 0; i < netdev_count() && nifs < NETDEV_MAX; i++)
        add_netdev(netdev_at(i));
    sys_timeout(LINK_POLL_MS, link_poll, NULL);
    UNLOCK_TCPIP_CORE();
    __atomic_store_n(&stack_up, true, __ATOMIC_RELEASE);
    if (!nifs)
        log_info("offline: no network device");
    if (cmdline_has("netdev.selftest"))
        net_selftest_start();
}

/* Linux hands a packet sent over lo to the receiving socket in the sender's own
 * context (its softirq runs on the way out of the send); so does this: whoever
 * holds the core lock delivers what it looped back before letting go, so a
 * loopback round trip is two switches between the two programs, with no trip
 * through the tcpip thread (it was: sender, tcpip thread, receiver, each way,
 * and at -smp 2 often a wake-up across CPUs). Delivery may loop back more (an
 * ACK, an echo reply), on this interface or another: go on until all are
 * empty. Not reentrant: a callback that dropped and retook the lock would
 * find the flag set. */
static void loop_deliver(void)
{
    static bool delivering;     /* under the core lock */
    if (delivering)
        return;
    delivering = true;
    for (bool more = true; more;) {
        more = false;
        struct netif *nif;
        NETIF_FOREACH(nif) {
            if (__atomic_load_n(&nif->loop_first, __ATOMIC_RELAXED)) {
                netif_poll(nif);
                more = true;
            }
        }
    }
    delivering = false;
}

/* Frames go to the device with "more" (xmit_frame), so a burst (a window of
 * TCP segments, a batch's ACKs) costs one notification, sent here. */
void lwip_port_core_release(void)
{
    loop_deliver();
    for (size_t i = 0; i < nifs; i++) {
        if (ifs[i].tx_held) {
            ifs[i].tx_held = false;
            netdev_xmit_flush(ifs[i].nd);
        }
    }
}

bool net_stack_ready(void) { return __atomic_load_n(&stack_up, __ATOMIC_ACQUIRE); }

struct osc_netif *net_stack_netif(size_t i) { return i < nifs ? &ifs[i] : NULL; }
