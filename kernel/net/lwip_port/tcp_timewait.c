/* A new connection over the addresses and ports of one in TIME-WAIT, as Linux
 * accepts it: lwIP's IP input hook ends the TIME-WAIT before TCP sees the SYN. */

#include <osc/lib.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"

/* A peer that reconnects from the port its last connection used (QEMU's user
 * network hands the guest the host client's port, which the host reuses soon)
 * meets our TIME-WAIT PCB, kept 2 MSL (2 minutes) after we closed first. lwIP
 * answers such a SYN with an ACK (or a reset) and drops it, so the peer's connect
 * hangs until TIME-WAIT ends; Linux (RFC 1122 4.2.2.13) ends the TIME-WAIT and
 * lets the listener take the SYN when its sequence number lies past everything
 * the old connection received and a listener is there. lwIP's sequence numbers
 * only grow (tcp_next_iss), so the new connection's start past the old one's.
 * Called by ip4_input (tcpip thread, core lock) before it checks the header, so
 * everything is checked here; never eats the packet. */
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp)
{
    (void)inp;
    if (!tcp_tw_pcbs || p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    u16_t hlen = IPH_HL_BYTES(ip), len = lwip_ntohs(IPH_LEN(ip));
    if (IPH_PROTO(ip) != IP_PROTO_TCP || hlen < IP_HLEN || p->len < hlen + TCP_HLEN ||
        len < hlen + TCP_HLEN || len > p->tot_len ||
        (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
        return 0;
    const struct tcp_hdr *th = (const struct tcp_hdr *)((const u8_t *)p->payload + hlen);
    if ((TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return 0;
    ip_addr_t src, dst;
    ip_addr_copy_from_ip4(src, ip->src);
    ip_addr_copy_from_ip4(dst, ip->dest);
    u16_t sport = lwip_ntohs(th->src), dport = lwip_ntohs(th->dest);
    struct tcp_pcb *tw = tcp_tw_pcbs;
    while (tw && !(tw->remote_port == sport && tw->local_port == dport &&
                   ip_addr_cmp(&tw->remote_ip, &src) && ip_addr_cmp(&tw->local_ip, &dst)))
        tw = tw->next;
    if (!tw || !TCP_SEQ_GT(lwip_ntohl(th->seqno), tw->rcv_nxt))
        return 0;
    struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs;
    while (l && !(l->local_port == dport &&
                  (ip_addr_isany(&l->local_ip) || ip_addr_cmp(&l->local_ip, &dst))))
        l = l->next;
    if (!l)
        return 0;
    /* A damaged segment must not end the TIME-WAIT (TCP drops it afterwards). */
    pbuf_remove_header(p, hlen);
    u16_t sum = ip_chksum_pseudo_partial(p, IP_PROTO_TCP, (u16_t)(len - hlen),
                                         (u16_t)(len - hlen), &src, &dst);
    pbuf_add_header_force(p, hlen);
    if (sum != 0)
        return 0;
    tcp_abort(tw);                      /* a TIME-WAIT PCB is freed, nothing sent */
    return 0;
}
