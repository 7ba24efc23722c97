/* Shared between the lwIP port's files (kernel/net/lwip_port/): one interface over
 * a netdev, and the test hook. */
#pragma once

#include <osc/netdev.h>
#include <osc/sched.h>

#include "lwip/netif.h"

#define OSC_RXQ_SIZE    512         /* frames waiting (lwIP's pool holds 1280) */
#define OSC_ACK_HOLD_MAX 80         /* a pure ACK: Ethernet, IP and TCP headers */
#define OSC_ACK_STRIDE  (16 * 1024)

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
    bool tx_held;                   /* frames sent the device was not told of (core lock) */
    /* Frames the receive interrupt took, for the tcpip thread to hand to lwIP in
     * batches: one mailbox message (rx_msg) per batch, not one per frame. rxq_lock
     * (rank 87, docs/locking.md `lwip_rxq`) guards the ring and rx_posted. */
    spinlock_t rxq_lock;
    struct pbuf *rxq[OSC_RXQ_SIZE];
    unsigned rxq_head, rxq_count;
    bool rx_posted;                 /* rx_msg is in the tcpip thread's mailbox */
    struct tcpip_callback_msg *rx_msg;
    /* tcpip thread only: while a batch is handed up (draining), a pure ACK is
     * held and replaced by the next one of its connection, so a batch is
     * answered by one ACK (and one per OSC_ACK_STRIDE bytes acknowledged), as
     * Linux's GRO does. held_len 0: none held. */
    bool draining;
    uint16_t held_len;
    uint32_t held_base;             /* the ack number the held run started at */
    uint8_t held[OSC_ACK_HOLD_MAX];
};

/* The i-th Ethernet interface, NULL past the last. */
struct osc_netif *net_stack_netif(size_t i);
/* With netdev.selftest on the command line: the boot-time network test thread
 * (lwip_tests.c, tests/qemu/net.py). */
void net_selftest_start(void);
/* resolv.c: a DHCP lease was bound (tcpip thread); /etc/resolv.conf gets its DNS
 * servers, written by another thread. */
void net_resolv_lease_bound(void);
/* What the core lock's holder owes before letting it go (sys_mutex_unlock calls
 * it): every packet it looped back is handed to the stack, and every device it
 * sent frames to is told of them. */
void lwip_port_core_release(void);
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
