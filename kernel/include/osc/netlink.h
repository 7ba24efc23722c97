/* Netlink sockets (AF_NETLINK, kernel/net/netlink.c) with Linux's message format,
 * and the NETLINK_ROUTE requests they carry (kernel/net/lwip_port/rtnetlink.c:
 * links, IPv4 addresses and routes of the lwIP interfaces), so busybox `ip`,
 * musl's and glibc's getifaddrs and if_nameindex read the interfaces as on Linux.
 * Only requests to the kernel: no messages between user sockets and no
 * multicast notifications (groups are accepted and stay silent). */
#pragma once

#include <osc/types.h>

#define AF_NETLINK          16
#define NETLINK_ROUTE       0
#define SOL_NETLINK         270

struct sockaddr_nl_k {
    uint16_t nl_family;
    uint16_t nl_pad;
    uint32_t nl_pid;            /* the port: 0 is the kernel */
    uint32_t nl_groups;
};

struct nlmsghdr_k {
    uint32_t nlmsg_len;         /* header included */
    uint16_t nlmsg_type;
    uint16_t nlmsg_flags;
    uint32_t nlmsg_seq;
    uint32_t nlmsg_pid;
};
#define NLMSG_ALIGN(n)      (((n) + 3u) & ~3u)
#define NLMSG_HDRLEN        16u

#define NLMSG_NOOP          1
#define NLMSG_ERROR         2
#define NLMSG_DONE          3
#define NLM_F_REQUEST       0x1
#define NLM_F_MULTI         0x2
#define NLM_F_ACK           0x4
#define NLM_F_ROOT          0x100
#define NLM_F_MATCH         0x200
#define NLM_F_DUMP          (NLM_F_ROOT | NLM_F_MATCH)

/* A GET request with NLM_F_ROOT or NLM_F_MATCH (either, as Linux): the whole
 * table, parts flagged NLM_F_MULTI, ended by NLMSG_DONE. */
static inline bool nl_is_dump(const struct nlmsghdr_k *h)
{
    return (h->nlmsg_flags & NLM_F_DUMP) && h->nlmsg_type >= 16 && h->nlmsg_type % 4 == 2;
}

struct rtattr_k { uint16_t rta_len; uint16_t rta_type; };
#define RTA_ALIGN(n)        NLMSG_ALIGN(n)

struct file;
struct netlink_sock;
int netlink_create(int type, int protocol, bool nonblock, struct file **out);
struct netlink_sock *netlink_of(struct file *f);       /* NULL: not a netlink socket */
extern const struct sock_family netlink_family;

/* Replies being built for one request: messages packed into datagrams of up to a
 * page, queued on the socket when the request is done. */
struct nl_reply;
/* Starts a message of type (flags NLM_F_MULTI for a dump's parts) with a zeroed
 * fixed part of len bytes; a pointer to it, NULL when memory ran out (the request
 * then fails with -ENOMEM). */
void *nl_msg_start(struct nl_reply *r, uint16_t type, uint16_t flags, size_t len);
/* Appends an attribute to the message being built; -ENOMEM when it does not fit. */
int nl_attr(struct nl_reply *r, uint16_t type, const void *data, size_t len);
int nl_attr_u32(struct nl_reply *r, uint16_t type, uint32_t v);
int nl_attr_str(struct nl_reply *r, uint16_t type, const char *s);

/* NETLINK_ROUTE (rtnetlink.c): answers one request h (len bytes in all, read
 * from the user) into r. 0 when done (a dump then ends with NLMSG_DONE, another
 * request is acknowledged when it asked for it), or -errno for NLMSG_ERROR. */
int rtnl_request(const struct nlmsghdr_k *h, size_t len, struct nl_reply *r);
/* Looks an attribute up in the ones after a message's fixed part (fixed bytes):
 * its payload and length, or NULL. */
const void *nl_find_attr(const struct nlmsghdr_k *h, size_t fixed, uint16_t type, size_t *len);
