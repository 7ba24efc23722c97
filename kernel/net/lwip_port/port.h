/* Shared between the lwIP port's files (kernel/net/lwip_port/): one interface over
 * a netdev, and the test hook. */
#pragma once

#include <osc/netdev.h>
#include <osc/sched.h>

#include "lwip/netif.h"

struct osc_netif {
    struct netif nif;               /* lwIP's; nif.state points back here */
    struct netdev *nd;
    struct netdev_rx_hook hook;
    /* tcpip thread only (core lock): */
    bool bound;                     /* DHCP's lease is in use (and was logged) */
    bool said_offline;
    bool static_addr;               /* net.<dev>= on the command line: no DHCP */
    u32_t asking_since;             /* sys_now() when DHCP (re)started */
    uint32_t link_changes;          /* the netdev's count at the last look */
    unsigned tx_busy;               /* sends that found every TX buffer taken (atomic) */
};

/* The i-th Ethernet interface, NULL past the last. */
struct osc_netif *net_stack_netif(size_t i);
/* With netdev.selftest on the command line: the boot-time network test thread
 * (lwip_tests.c, tests/qemu/net.py). */
void net_selftest_start(void);
/* resolv.c: a DHCP lease was bound (tcpip thread); /etc/resolv.conf gets its DNS
 * servers, written by another thread. */
void net_resolv_lease_bound(void);
/* inet_sock.c: ICMP port unreachable to connected UDP sockets (core lock held). */
void inet_icmp_errors_init(void);

/* sys_arch.c: woken after every post to a netconn's mailbox (every mailbox but the
 * tcpip thread's), so AF_INET sockets can wait for data or connections
 * interruptibly; and a mailbox's message count (racy snapshot; 0 when invalid). */
extern struct waitqueue lwip_port_mbox_wq;
unsigned lwip_port_mbox_count(sys_mbox_t m);
/* A netconn mailbox's owner: the poll queue of the socket using it, woken after
 * each post (and by lwip_port_mbox_wake_owner), so poll and epoll wake for their
 * own socket only. Set and cleared under the tcpip core lock. */
void lwip_port_mbox_set_owner(sys_mbox_t m, struct waitqueue *wq);
void lwip_port_mbox_wake_owner(sys_mbox_t m);
struct waitqueue *lwip_port_mbox_owner(sys_mbox_t m);
