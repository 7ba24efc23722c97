/* Tests of the netdev layer. Without a TCP/IP stack, a real network is checked by
 * hand-built frames: an ARP request for QEMU user networking's gateway (10.0.2.2,
 * asked as 10.0.2.15) and an ICMP echo request to it, whose answers prove the
 * whole path (driver TX, the device, RX buffers, interrupts, the receive hook).
 * Runs as a KTEST when there is a device, and at boot with netdev.selftest on the
 * command line (tests/qemu/net.py). Test code only: no ARP or ICMP in the product. */

#define LOG_TAG "net"
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/netdev.h>
#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/time.h>

#define ETH_P_IP        0x0800
#define ETH_P_ARP       0x0806
#define ARP_REQUEST     1           /* RFC 826 */
#define ARP_REPLY       2
#define IPPROTO_ICMP    1
#define ICMP_ECHO_REPLY 0           /* RFC 792 */
#define ICMP_ECHO       8
#define ETH_ZLEN        60          /* shortest frame without FCS (802.3) */
#define PING_ID         0x4f53
#define PING_SEQ        1
#define PING_PAYLOAD    32
/* A burst of echo requests: more than either ring holds, so the TX ring fills
 * (sends wait for completions) and every RX buffer is used and re-posted. */
#define BURST_FIRST     100
#define BURST           300
#define WAIT_NS         2000000000ull   /* each answer: 2 s at most */
#define ARP_RETRY_NS    500000000ull

static const uint8_t our_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The Internet checksum (RFC 1071): ones' complement of the ones' complement sum. */
static uint16_t inet_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* What the receive hook saw; under lock (a test-only leaf, taken in the RX
 * interrupt and by the waiting thread). */
struct probe {
    spinlock_t lock;
    bool arp_seen, echo_seen, echo_bad;
    uint8_t gw_mac[ETH_ALEN];
    uint64_t echo_at;
    uint8_t payload[PING_PAYLOAD];
    uint8_t burst_seen[BURST];
    unsigned burst_count;
};

static void probe_rx(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    const uint8_t *f = frame;
    struct probe *pr = ctx;
    if (len < ETH_HLEN || memcmp(f, nd->mac, ETH_ALEN) != 0)
        return;
    const uint8_t *p = f + ETH_HLEN;
    size_t plen = len - ETH_HLEN;
    unsigned long flags = spin_lock_irqsave(&pr->lock);
    if (get16(f + 12) == ETH_P_ARP && plen >= 28 && get16(p + 6) == ARP_REPLY &&
        memcmp(p + 14, gw_ip, 4) == 0 && memcmp(p + 24, our_ip, 4) == 0 && !pr->arp_seen) {
        memcpy(pr->gw_mac, p + 8, ETH_ALEN);
        pr->arp_seen = true;
    } else if (get16(f + 12) == ETH_P_IP && plen >= 20 && (p[0] >> 4) == 4 &&
               p[9] == IPPROTO_ICMP && memcmp(p + 12, gw_ip, 4) == 0) {
        size_t ihl = (size_t)(p[0] & 0xf) * 4, tot = get16(p + 2);
        if (ihl < 20 || tot < ihl + 8 + PING_PAYLOAD || tot > plen) {
            pr->echo_bad = true;
        } else {
            const uint8_t *icmp = p + ihl;
            uint16_t seq = get16(icmp + 6);
            if (icmp[0] == ICMP_ECHO_REPLY && get16(icmp + 4) == PING_ID &&
                seq >= BURST_FIRST && seq < BURST_FIRST + BURST &&
                !pr->burst_seen[seq - BURST_FIRST]) {
                pr->burst_seen[seq - BURST_FIRST] = 1;
                pr->burst_count++;
            } else if (icmp[0] == ICMP_ECHO_REPLY && get16(icmp + 4) == PING_ID &&
                       seq == PING_SEQ && !pr->echo_seen) {
                /* Both checksums must verify (sum over the field itself is 0). */
                pr->echo_bad = inet_csum(p, ihl) != 0 || inet_csum(icmp, tot - ihl) != 0;
                memcpy(pr->payload, icmp + 8, PING_PAYLOAD);
                pr->echo_at = time_ns();
                pr->echo_seen = true;
            }
        }
    }
    spin_unlock_irqrestore(&pr->lock, flags);
}

static size_t build_arp(const struct netdev *nd, uint8_t *f)
{
    memset(f, 0, ETH_ZLEN);
    memset(f, 0xff, ETH_ALEN);                          /* broadcast */
    memcpy(f + 6, nd->mac, ETH_ALEN);
    put16(f + 12, ETH_P_ARP);
    uint8_t *a = f + ETH_HLEN;
    put16(a, 1);                                        /* hardware: Ethernet */
    put16(a + 2, ETH_P_IP);
    a[4] = ETH_ALEN;
    a[5] = 4;
    put16(a + 6, ARP_REQUEST);
    memcpy(a + 8, nd->mac, ETH_ALEN);
    memcpy(a + 14, our_ip, 4);
    memcpy(a + 24, gw_ip, 4);                           /* target MAC stays zero */
    return ETH_ZLEN;                                    /* 42 bytes, padded */
}

static size_t build_echo(const struct netdev *nd, const uint8_t *dst, uint16_t seq,
                         uint8_t *f)
{
    memcpy(f, dst, ETH_ALEN);
    memcpy(f + 6, nd->mac, ETH_ALEN);
    put16(f + 12, ETH_P_IP);
    uint8_t *ip = f + ETH_HLEN, *icmp = ip + 20;
    size_t tot = 20 + 8 + PING_PAYLOAD;
    memset(ip, 0, tot);
    ip[0] = 0x45;                                       /* IPv4, 20-byte header */
    put16(ip + 2, (uint16_t)tot);
    put16(ip + 4, 0x1234);                              /* identification */
    put16(ip + 6, 0x4000);                              /* don't fragment */
    ip[8] = 64;                                         /* TTL */
    ip[9] = IPPROTO_ICMP;
    memcpy(ip + 12, our_ip, 4);
    memcpy(ip + 16, gw_ip, 4);
    put16(ip + 10, inet_csum(ip, 20));
    icmp[0] = ICMP_ECHO;
    put16(icmp + 4, PING_ID);
    put16(icmp + 6, seq);
    for (int i = 0; i < PING_PAYLOAD; i++)
        icmp[8 + i] = (uint8_t)('a' + i % 26);
    put16(icmp + 2, inet_csum(icmp, 8 + PING_PAYLOAD));
    return ETH_HLEN + tot;
}

static bool probe_seen(struct probe *pr, bool echo)
{
    unsigned long flags = spin_lock_irqsave(&pr->lock);
    bool seen = echo ? pr->echo_seen : pr->arp_seen;
    spin_unlock_irqrestore(&pr->lock, flags);
    return seen;
}

/* Sends with retries while the TX ring is full; 0 or the error. */
static int send(struct netdev *nd, const uint8_t *f, size_t len, uint64_t deadline)
{
    int err;
    while ((err = netdev_xmit(nd, f, len)) == -EAGAIN && time_ns() < deadline)
        thread_sleep_ns(1000000);
    return err;
}

/* The ARP and ping exchange with the gateway; logs one line with the result.
 * 0, or -ETIMEDOUT / -EIO / a transmit error. */
static int gateway_exchange(struct netdev *nd)
{
    static struct probe pr;     /* the hook may still run briefly after removal */
    memset(&pr, 0, sizeof(pr));
    spin_init(&pr.lock, "netdev_probe", 89);
    static const struct netdev_rx_hook hook = { probe_rx, &pr };
    uint8_t frame[ETH_FRAME_LEN];
    int err = 0;
    netdev_set_rx(nd, &hook);
    uint64_t deadline = time_ns() + WAIT_NS, next = 0;
    while (!probe_seen(&pr, false) && time_ns() < deadline) {
        if (time_ns() >= next) {        /* the first request may race the link */
            err = send(nd, frame, build_arp(nd, frame), deadline);
            if (err)
                break;
            next = time_ns() + ARP_RETRY_NS;
        }
        thread_sleep_ns(1000000);
    }
    if (!err && !probe_seen(&pr, false))
        err = -ETIMEDOUT;
    if (err) {
        log_error("%s test: FAILED: no ARP reply from 10.0.2.2 within 2 s (%d)", nd->name, err);
        goto out;
    }
    uint64_t sent = time_ns();
    deadline = sent + WAIT_NS;
    err = send(nd, frame, build_echo(nd, pr.gw_mac, PING_SEQ, frame), deadline);
    while (!err && !probe_seen(&pr, true) && time_ns() < deadline)
        thread_sleep_ns(1000000);
    const uint8_t *m = pr.gw_mac;
    if (!err && !probe_seen(&pr, true))
        err = -ETIMEDOUT;
    build_echo(nd, pr.gw_mac, PING_SEQ, frame);
    if (!err && (pr.echo_bad || memcmp(pr.payload, frame + ETH_HLEN + 28, PING_PAYLOAD)))
        err = -EIO;
    if (err) {
        log_error("%s test: FAILED: ARP reply from 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x"
                  " but no good echo reply within 2 s (%d)", nd->name, m[0], m[1], m[2], m[3],
                  m[4], m[5], err);
        goto out;
    }
    log_info("%s test: ARP reply from 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x; "
             "ping reply in %llu us", nd->name, m[0], m[1], m[2], m[3], m[4], m[5],
             (unsigned long long)((pr.echo_at - sent) / 1000));
    unsigned full = 0, count = 0;
    deadline = time_ns() + WAIT_NS;
    for (uint16_t i = 0; i < BURST && !err; i++) {
        size_t len = build_echo(nd, pr.gw_mac, (uint16_t)(BURST_FIRST + i), frame);
        while ((err = netdev_xmit(nd, frame, len)) == -EAGAIN && time_ns() < deadline) {
            full++;
            thread_sleep_ns(1000000);
        }
    }
    while (!err && time_ns() < deadline) {
        unsigned long flags = spin_lock_irqsave(&pr.lock);
        count = pr.burst_count;
        spin_unlock_irqrestore(&pr.lock, flags);
        if (count == BURST)
            break;
        thread_sleep_ns(1000000);
    }
    if (err || count != BURST) {
        log_error("%s test: FAILED: burst of %d echo requests: %u replies (%d)", nd->name,
                  BURST, count, err);
        err = err ? err : -ETIMEDOUT;
        goto out;
    }
    log_info("%s test: burst: %u of %d echo replies (the TX ring was full %u times)",
             nd->name, count, BURST, full);
out:
    netdev_set_rx(nd, NULL);
    return err;
}

static void selftest_thread(void *arg)
{
    gateway_exchange(arg);
}

void netdev_selftest_start(struct netdev *nd)
{
    struct thread *t = thread_create("netdev-selftest", selftest_thread, nd);
    if (!t || thread_detach(t))
        log_error("%s test: FAILED: cannot start the test thread", nd->name);
}

KTEST(netdev_inet_checksum_matches_rfc1071_example)
{
    /* RFC 1071 §3's example bytes sum to 0xddf2; the checksum is its complement. */
    static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    KT_ASSERT_EQ(inet_csum(b, sizeof(b)), (uint16_t)~0xddf2);
    uint8_t f[ETH_FRAME_LEN];
    static const uint8_t dst[ETH_ALEN] = { 0x52, 0x55, 10, 0, 2, 2 };
    struct netdev nd = { .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
    size_t len = build_echo(&nd, dst, PING_SEQ, f);
    KT_ASSERT_EQ(len, ETH_HLEN + 20 + 8 + PING_PAYLOAD);
    KT_ASSERT_EQ(inet_csum(f + ETH_HLEN, 20), 0);       /* a header with its checksum */
    KT_ASSERT_EQ(inet_csum(f + ETH_HLEN + 20, 8 + PING_PAYLOAD), 0);
}

/* A device that loops every frame back, to check the layer's bookkeeping. */
static int loop_xmit(struct netdev *nd, const void *frame, size_t len)
{
    netdev_rx(nd, frame, len);
    return 0;
}

static void count_rx(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    (void)nd;
    (void)frame;
    *(size_t *)ctx += len;
}

KTEST(netdev_xmit_counts_and_delivers_to_the_receive_hook)
{
    static const struct netdev_ops ops = { .xmit = loop_xmit };
    struct netdev nd = { .mtu = ETH_DATA_LEN, .ops = &ops, .link_up = true };
    size_t got = 0;
    const struct netdev_rx_hook hook = { count_rx, &got };
    uint8_t f[ETH_FRAME_LEN + 1] = { 0 };
    netdev_set_rx(&nd, &hook);
    KT_ASSERT_EQ(netdev_xmit(&nd, f, 60), 0);
    KT_ASSERT_EQ(netdev_xmit(&nd, f, ETH_FRAME_LEN), 0);
    KT_ASSERT_EQ(netdev_xmit(&nd, f, ETH_FRAME_LEN + 1), -EMSGSIZE);
    KT_ASSERT_EQ(netdev_xmit(&nd, f, ETH_HLEN - 1), -EMSGSIZE);
    netdev_set_rx(&nd, NULL);
    KT_ASSERT_EQ(netdev_xmit(&nd, f, 100), 0);          /* no consumer: counted only */
    KT_ASSERT_EQ(got, 60 + ETH_FRAME_LEN);
    KT_ASSERT_EQ(nd.stats.tx_packets, 3);
    KT_ASSERT_EQ(nd.stats.tx_bytes, 60 + ETH_FRAME_LEN + 100);
    KT_ASSERT_EQ(nd.stats.rx_packets, 3);
    KT_ASSERT_EQ(nd.stats.rx_bytes, 60 + ETH_FRAME_LEN + 100);
}

KTEST(netdev_gateway_answers_arp_and_ping)
{
    struct netdev *nd = netdev_at(0);
    if (!nd) {
        log_write(LOG_INFO, "test", "no network device: gateway exchange not tested here "
                  "(tests/qemu/net.py does)");
        return;
    }
    KT_ASSERT_EQ(gateway_exchange(nd), 0);
}
