/* SO_REUSEADDR and SO_REUSEPORT: which sockets may share a port. lwIP knows one
 * sharing flag (SOF_REUSEADDR on both PCBs); Linux's rule is finer: sockets share
 * when all set SO_REUSEADDR, or all set SO_REUSEPORT and belong to one user, and
 * only SO_REUSEPORT lets several TCP listeners share. The PCB's flag is set while
 * either option is, and the rest is checked here at bind and listen. */

#include <osc/errno.h>
#include <osc/lib.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

static bool may_share(const struct inet_sock *a, const struct inet_sock *b)
{
    return (a->reuseaddr && b->reuseaddr) || (a->reuseport && b->reuseport && a->uid == b->uid);
}

static bool overlap(const ip_addr_t *a, const ip_addr_t *b)
{
    return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_cmp(a, b);
}

/* The socket whose PCB this is (a connection not yet accepted: its listener's),
 * NULL for lwIP's own (DHCP, DNS) or one no socket holds any more. */
static struct inet_sock *sock_of(struct netconn *conn)
{
    return conn ? inet_sock_of_conn(conn) : NULL;
}

/* Whether a socket on one of lwIP's TCP lists refuses to share ip:port with s. */
static bool tcp_list_refuses(struct inet_sock *s, struct tcp_pcb *list, const ip_addr_t *ip,
                             u16_t port)
{
    for (struct tcp_pcb *p = list; p; p = p->next) {
        if (p == s->conn->pcb.tcp || p->local_port != port || !overlap(&p->local_ip, ip))
            continue;
        struct inet_sock *o = sock_of(p->callback_arg);
        if (o && o != s && !may_share(s, o))
            return true;
    }
    return false;
}

int inet_reuse_check(struct inet_sock *s, const ip_addr_t *ip, u16_t port)
{
    /* With neither option lwIP refuses every sharing itself. */
    if (!port || s->raw || !(s->reuseaddr || s->reuseport))
        return 0;
    bool refused = false;
    if (s->type == SOCK_DGRAM) {
        for (struct udp_pcb *p = udp_pcbs; p && !refused; p = p->next) {
            if (p == s->conn->pcb.udp || p->local_port != port || !overlap(&p->local_ip, ip) ||
                !inet_is_netconn_udp(p))
                continue;
            struct inet_sock *o = sock_of(p->recv_arg);
            refused = o && o != s && !may_share(s, o);
        }
    } else {
        refused = tcp_list_refuses(s, tcp_bound_pcbs, ip, port) ||
                  tcp_list_refuses(s, (struct tcp_pcb *)tcp_listen_pcbs.listen_pcbs, ip, port) ||
                  tcp_list_refuses(s, tcp_active_pcbs, ip, port);
    }
    return refused ? -EADDRINUSE : 0;
}

int inet_reuse_listen_begin(struct inet_sock *s, bool *restore)
{
    int err = 0;
    bool shared = false;
    *restore = false;
    LOCK_TCPIP_CORE();
    struct tcp_pcb *pcb = s->conn->pcb.tcp;
    if (pcb && pcb->local_port && s->reuseport) {
        for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l && !err; l = l->next) {
            if (l->local_port != pcb->local_port || !overlap(&l->local_ip, &pcb->local_ip))
                continue;
            struct inet_sock *o = sock_of(l->callback_arg);
            if (!o || !o->reuseport || o->uid != s->uid)
                err = -EADDRINUSE;
            shared = true;
        }
        /* lwIP allows one listener per address and port when the flag is set
         * (tcp_listen's check); the new listener goes first on its list and
         * takes the new connections until it closes. */
        if (!err && shared && ip_get_option(pcb, SOF_REUSEADDR)) {
            ip_reset_option(pcb, SOF_REUSEADDR);
            *restore = true;
        }
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

void inet_reuse_listen_end(struct inet_sock *s, bool restore)
{
    if (!restore)
        return;
    LOCK_TCPIP_CORE();
    if (s->conn->pcb.ip)
        ip_set_option(s->conn->pcb.ip, SOF_REUSEADDR);
    UNLOCK_TCPIP_CORE();
}

void inet_reuse_set(struct inet_sock *s, int opt, bool on)
{
    if (opt == SO_REUSEADDR)
        s->reuseaddr = on;
    else
        s->reuseport = on;
    struct ip_pcb *pcb = s->conn->pcb.ip;
    if (pcb && (s->reuseaddr || s->reuseport))
        ip_set_option(pcb, SOF_REUSEADDR);
    else if (pcb)
        ip_reset_option(pcb, SOF_REUSEADDR);
}
