/* The TCP/IP stack (lwIP, kernel/net/lwip_port/): started once at boot after the
 * network drivers registered their devices (pci_init). */
#pragma once

#include <osc/types.h>

/* Starts lwIP's tcpip thread, the loopback interface and one interface per netdev
 * with DHCP; never waits for the network ("[net] DHCP: ..." or "[net] offline: ..."
 * comes later in the log). */
void net_stack_init(void);
/* True once net_stack_init has run. */
bool net_stack_ready(void);
/* lwIP's pool, heap and protocol counters as text (/sys/kernel/net); returns the
 * length written (0 before the stack runs). */
size_t net_stack_stats(char *buf, size_t size);
/* The interface ioctls (SIOCGIF..., SIOCSIF..., SIOCGIFCONF, SIOCADDRT/SIOCDELRT) of
 * any socket; -ENOTTY for other commands. */
long net_if_ioctl(unsigned int cmd, uint64_t arg);
/* /proc/net/dev and /proc/net/route in Linux's formats, handed to put. */
void net_proc_dev(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
void net_proc_route(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
/* /proc/net/if_inet6: each interface's IPv6 addresses (busybox ifconfig). */
void net_proc_if_inet6(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
void net_proc_arp(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
/* /proc/net/tcp, udp, tcp6 and udp6 in Linux's formats. */
void net_proc_tcp(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
void net_proc_udp(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
void net_proc_tcp6(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
void net_proc_udp6(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
/* /proc/sys/net/ipv4/ping_group_range: the groups that may open ping sockets. */
void net_proc_ping_group_range(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
