/* Tests of the netdev layer that need no network: the Internet checksum and an
 * echo request built by hand (as a reference for the stack's own), and the layer's
 * bookkeeping over a loopback device. The real network is tested through lwIP
 * (kernel/net/lwip_port/lwip_tests.c, tests/qemu/net.py). */

#define LOG_TAG "net"
#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/netdev.h>

#define ETH_P_IP        0x0800
#define IPPROTO_ICMP    1
#define ICMP_ECHO       8           /* RFC 792 */
#define PING_ID         0x4f53
#define PING_SEQ        1
#define PING_PAYLOAD    32

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
static int loop_xmit(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg, bool more)
{
    (void)more;
    static uint8_t frame[ETH_FRAME_LEN];    /* one test at a time */
    fill(frame, len, arg);
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
