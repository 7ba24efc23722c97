/* lwIP's configuration for OSCortex: the threaded stack (NO_SYS=0, a tcpip thread
 * behind one core lock), IPv4 with ARP, ICMP, raw, UDP, TCP, DHCP, DNS servers and
 * the loopback interface, and IPv6 beside it (ND, SLAAC, MLD); netconn API for
 * the kernel (no lwIP sockets: the kernel's socket layer is its own). Memory is lwIP's own static pools and heap. */
#pragma once

#define NO_SYS                          0
#define SYS_LIGHTWEIGHT_PROT            1
#define LWIP_TCPIP_CORE_LOCKING         1
#define LWIP_TCPIP_CORE_LOCKING_INPUT   0   /* received frames go through the mailbox */
void lwip_port_assert_core_locked(void);
#define LWIP_ASSERT_CORE_LOCKED()       lwip_port_assert_core_locked()

#define MEM_ALIGNMENT                   8
#define MEM_SIZE                        (2048 * 1024)
#define MEMP_NUM_PBUF                   128
#define MEMP_NUM_RAW_PCB                16
#define MEMP_NUM_UDP_PCB                32
/* Connections: 1000 from the host at once (tests/qemu/netload.py) and their
 * TIME_WAITs. With too few PCBs lwIP frees one by aborting (RST) the oldest live
 * connection of the lowest priority, or drops the SYN: connections get lost. */
#define MEMP_NUM_TCP_PCB                1100
#define MEMP_NUM_TCP_PCB_LISTEN         16
#define MEMP_NUM_TCP_SEG                2048
#define MEMP_NUM_REASSDATA              8
#define IP_REASS_MAX_PBUFS              32
#define MEMP_NUM_FRAG_PBUF              32
#define MEMP_NUM_ARP_QUEUE              32
#define MEMP_NUM_NETBUF                 128
#define MEMP_NUM_NETCONN                1100
#define MEMP_NUM_TCPIP_MSG_API          64
#define MEMP_NUM_TCPIP_MSG_INPKT        1024
#define MEMP_NUM_SYS_TIMEOUT            (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
/* Room for a burst of received frames waiting for the tcpip thread (the RX
 * interrupt takes one pool buffer per frame). */
#define PBUF_POOL_SIZE                  1280
#define PBUF_POOL_BUFSIZE               1536

#define LWIP_IPV4                       1
/* Dual stack: an AF_INET6 socket's PCB is of IPADDR_TYPE_ANY, so one bound to ::
 * also takes IPv4 peers (inet_addr.c maps them to ::ffff:a.b.c.d). Link-local and
 * SLAAC addresses on Ethernet (QEMU's user network advertises fec0::/64). No
 * DHCPv6: RAs' prefixes only. */
#define LWIP_IPV6                       1
#define LWIP_IPV6_AUTOCONFIG            1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   1
#define LWIP_IPV6_MLD                   1
#define LWIP_IPV6_DHCP6                 0
#define LWIP_IPV6_NUM_ADDRESSES         3   /* link-local and two from prefixes */
#define MEMP_NUM_MLD6_GROUP             8   /* all-nodes and solicited-node, per netif */
#define MEMP_NUM_ND6_QUEUE              32  /* packets waiting for neighbour discovery */
#define LWIP_ND6_NUM_NEIGHBORS          16
#define LWIP_ND6_NUM_DESTINATIONS       16
#define LWIP_ND6_QUEUEING               1
#define IPV6_FRAG_COPYHEADER            1   /* 64-bit pointers outgrow the header */
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define LWIP_ICMP                       1
#define LWIP_RAW                        1
#define LWIP_UDP                        1
#define LWIP_TCP                        1
#define LWIP_IGMP                       1
#define LWIP_MULTICAST_TX_OPTIONS       1
#define MEMP_NUM_IGMP_GROUP             32
/* A multicast or broadcast datagram goes to every socket bound to its port
 * with SO_REUSEADDR, as Linux's do (not only the first). */
#define SO_REUSE_RXTOALL                1
#define LWIP_DHCP                       1
#define DHCP_DOES_ARP_CHECK             0   /* no second of ARP probing before bound */
#define LWIP_DNS                        1   /* only to keep the DHCP-given servers */
#define DNS_MAX_SERVERS                 2
#define LWIP_NETIF_HOSTNAME             1
#define LWIP_NETIF_STATUS_CALLBACK      0
#define LWIP_NETIF_LINK_CALLBACK        1
#define LWIP_HAVE_LOOPIF                1
/* The Internet checksum 32 bits a step (chksum.c). */
unsigned short lwip_port_chksum(const void *data, int len);
#define LWIP_CHKSUM                     lwip_port_chksum
/* Checksums per interface: the loopback one skips TCP's and UDP's (netif.c). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF    1
#define LWIP_NETIF_LOOPBACK             1
/* Looped-back packets are delivered by the thread that sent them, before it lets
 * go of the core lock (netif.c, lwip_port_loop_deliver), not by a message to the
 * tcpip thread: a loopback exchange then costs no switch to that thread. */
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0
struct pbuf;
struct netif;
/* lwIP's netif.c names tcpip_input for the loopback interface but includes its
 * declaration only with the option above on (err_t is a signed char). */
signed char tcpip_input(struct pbuf *p, struct netif *inp);
#define LWIP_LOOPBACK_MAX_PBUFS         256
#define LWIP_SINGLE_NETIF               0

/* TCP_MSS caps every interface's segments; Ethernet's are cut to its MTU (1460)
 * and the loopback interface (no MTU) sends 8 KiB ones: 5.6x fewer segments, each
 * a trip through the stack and the tcpip thread. The windows are in bytes, scaled
 * (a 23 KiB window stopped senders that could go on). */
#define TCP_MSS                         8192
#define ETH_MSS                         1460
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   2
#define TCP_WND                         (128 * 1024)
#define TCP_SND_BUF                     (64 * 1024)
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / ETH_MSS)
#define TCP_SNDLOWAT                    (TCP_SND_BUF / 4)
#define TCP_LISTEN_BACKLOG              1
#define TCP_QUEUE_OOSEQ                 1
#define LWIP_TCP_KEEPALIVE              1
#define SO_REUSE                        1

#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     0
#define LWIP_COMPAT_SOCKETS             0
#define LWIP_POSIX_SOCKETS_IO_NAMES     0
#define LWIP_NETIF_API                  0
#define LWIP_SO_RCVTIMEO                1
#define LWIP_SO_SNDTIMEO                1
#define LWIP_SO_RCVBUF                  1
#define LWIP_NETBUF_RECVINFO            1   /* a datagram's destination: IP_PKTINFO */
#define LWIP_SO_LINGER                  1
#define IP_DEFAULT_TTL                  64  /* Linux's */

#define TCPIP_THREAD_NAME               "tcpip"
#define TCPIP_MBOX_SIZE                 1024
#define DEFAULT_RAW_RECVMBOX_SIZE       64
#define DEFAULT_UDP_RECVMBOX_SIZE       64
#define DEFAULT_TCP_RECVMBOX_SIZE       256 /* a window of small segments */
#define DEFAULT_ACCEPTMBOX_SIZE         256 /* > the largest backlog (255) */

/* Pool, heap and protocol counters for /sys/kernel/net (stats.c). */
#define LWIP_STATS                      1
#define LWIP_STATS_LARGE                1
#define LINK_STATS                      1
#define ETHARP_STATS                    1
#define IP_STATS                        1
#define IPFRAG_STATS                    1
#define ICMP_STATS                      1
#define UDP_STATS                       1
#define TCP_STATS                       1
#define MEM_STATS                       1
#define MEMP_STATS                      1
#define SYS_STATS                       0
#define LWIP_TIMEVAL_PRIVATE            0

/* stats.c: counts SYNs reaching listeners, the ones a full backlog drops and
 * those for existing connections (/sys/kernel/net's tcp_syn line). */
struct tcp_pcb;
struct tcp_hdr;
signed char lwip_port_tcp_inpkt(struct tcp_pcb *pcb, struct tcp_hdr *hdr);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
    lwip_port_tcp_inpkt((pcb), (hdr))

/* tcp_timewait.c: a SYN for a connection in TIME-WAIT reopens it as Linux does
 * (lwIP would answer with an ACK and drop it). Nonzero: the packet was eaten. */
struct pbuf;
struct netif;
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) lwip_port_ip4_input((p), (inp))
/* The ISN: RFC 6528's clock plus a keyed hash of the addresses and ports. */
unsigned int lwip_port_tcp_isn(const void *local, unsigned short lport, const void *remote,
                               unsigned short rport);
#define LWIP_HOOK_TCP_ISN(l, lp, r, rp) lwip_port_tcp_isn((l), (lp), (r), (rp))
