/* The TCP/IP stack's start and its Ethernet interfaces: lwIP's tcpip thread, the
 * loopback interface (127.0.0.1), and one lwIP netif per netdev. Received frames go
 * from the netdev hook (interrupt context) into pool buffers queued to the tcpip
 * thread; frames are sent with netdev_xmit. Addresses come from DHCP (or from
 * net.<dev>=A.B.C.D/PREFIX on the command line, for a wire without a server); the link
 * state is polled by a timer in the tcpip thread, so a link that comes up later
 * starts DHCP again. */

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

static err_t linkoutput(struct netif *nif, struct pbuf *p)
{
    struct osc_netif *oif = nif->state;
    uint8_t frame[ETH_FRAME_LEN];
    if (p->tot_len > sizeof(frame))
        return ERR_BUF;
    u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    int err, tries = 0;
    /* Every TX buffer with the device: the TX interrupt returns them shortly. */
    while ((err = netdev_xmit(oif->nd, frame, len)) == -EAGAIN && tries++ < TX_RETRIES) {
        __atomic_add_fetch(&oif->tx_busy, 1, __ATOMIC_RELAXED);
        thread_sleep_ns(TX_RETRY_NS);
    }
    if (err) {
        netdev_count_add(&oif->nd->stats.tx_dropped, 1);
        return err == -EAGAIN ? ERR_BUF : ERR_IF;
    }
    return ERR_OK;
}

/* Interrupt context: one pool buffer per frame, handed to the tcpip thread. */
static void rx_frame(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    struct osc_netif *oif = ctx;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) {
        netdev_count_add(&nd->stats.rx_dropped, 1);
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    if (oif->nif.input(p, &oif->nif) != ERR_OK) {
        pbuf_free(p);
        netdev_count_add(&nd->stats.rx_dropped, 1);
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
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
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
    if (!netif_add(&oif->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, oif,
                   eth_netif_init, tcpip_input)) {
        log_error("%s: lwIP refused the interface", nd->name);
        return;
    }
    nifs++;
    if (nifs == 1)
        netif_set_default(&oif->nif);
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

bool net_stack_ready(void) { return __atomic_load_n(&stack_up, __ATOMIC_ACQUIRE); }

struct osc_netif *net_stack_netif(size_t i) { return i < nifs ? &ifs[i] : NULL; }
