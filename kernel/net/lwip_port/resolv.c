/* Name resolution: /etc/resolv.conf written from the DHCP-given DNS servers (for
 * musl's and glibc's resolvers), and the OSCortex call dns_resolve (0x4B8) answered
 * by lwIP's DNS client. The file is written by a kernel thread of its own: the
 * tcpip thread, which sees the lease, must never wait on the VFS (a process that
 * holds a VFS lock may be waiting for the tcpip thread). */

#define LOG_TAG "net"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/net_stack.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "lwip/api.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/tcpip.h"
#include "port.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define DNS_NAME_MAX 253        /* a DNS name's longest text form */

static sys_sem_t resolv_sem;    /* signalled for every lease bound */
static bool resolv_started;     /* resolv_sem and the thread exist (set once) */

/* The text of resolv.conf for the DNS servers lwIP holds now; its length (0: none). */
static size_t resolv_text(char *buf, size_t size)
{
    char addr[16];
    size_t n = 0;
    LOCK_TCPIP_CORE();
    for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
        const ip_addr_t *s = dns_getserver(i);
        if (ip_addr_isany(s))
            continue;
        ip4addr_ntoa_r(ip_2_ip4(s), addr, sizeof(addr));
        if (!n)
            n = (size_t)ksnprintf(buf, size, "# from the DHCP lease (OSCortex kernel)\n");
        n += (size_t)ksnprintf(buf + n, size - n, "nameserver %s\n", addr);
    }
    UNLOCK_TCPIP_CORE();
    return n < size ? n : 0;
}

static int write_resolv_conf(const char *text, size_t len)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };   /* the kernel itself */
    struct file *f;
    int err = vfs_open(&c, NULL, RESOLV_CONF, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (err)
        return err;
    ssize_t w = file_write(f, text, len);
    file_put(f);
    return w < 0 ? (int)w : (size_t)w == len ? 0 : -EIO;
}

static void resolv_thread(void *arg)
{
    (void)arg;
    for (;;) {
        sys_arch_sem_wait(&resolv_sem, 0);
        char text[160];
        size_t len = resolv_text(text, sizeof(text));
        if (!len)
            continue;
        int err = write_resolv_conf(text, len);
        if (err)
            log_warn("cannot write " RESOLV_CONF " (%d)", err);
    }
}

/* tcpip thread, when a lease is bound. The thread starts at the first lease. */
void net_resolv_lease_bound(void)
{
    if (!resolv_started) {
        if (sys_sem_new(&resolv_sem, 0) != ERR_OK)
            return;
        if (!thread_create("net-resolv", resolv_thread, NULL)) {
            sys_sem_free(&resolv_sem);
            log_warn("no thread to write " RESOLV_CONF);
            return;
        }
        resolv_started = true;
    }
    sys_sem_signal(&resolv_sem);
}

/* dns_resolve(name, &addr): the IPv4 address of name (in network byte order, as
 * in struct in_addr) from lwIP's DNS client, which asks the DHCP-given servers
 * (dotted-quad names are answered directly). Blocks until the answer or lwIP's
 * retries run out (a few seconds). 0, or -ENOENT when the name did not resolve
 * (no such name, or no answer), -ENETDOWN without a DNS server, -EINVAL for an
 * empty name, -ENAMETOOLONG, -EFAULT. */
SYSCALL(dns_resolve)
{
    char name[DNS_NAME_MAX + 2];
    long n = strncpy_from_user(name, (const char *)args->a[0], sizeof(name));
    if (n < 0)
        return n;
    if (n == 0)
        return -EINVAL;
    if (n > DNS_NAME_MAX)
        return -ENAMETOOLONG;
    uint32_t *out = (uint32_t *)args->a[1];
    uint32_t probe = 0;
    if (copy_to_user(out, &probe, sizeof(probe)))
        return -EFAULT;
    ip4_addr_t literal;
    ip_addr_t addr;
    if (ip4addr_aton(name, &literal)) {
        ip_addr_copy_from_ip4(addr, literal);
    } else {
        LOCK_TCPIP_CORE();
        bool have_server = false;
        for (u8_t i = 0; i < DNS_MAX_SERVERS; i++)
            have_server |= !ip_addr_isany(dns_getserver(i));
        UNLOCK_TCPIP_CORE();
        if (!have_server)
            return -ENETDOWN;
        if (netconn_gethostbyname(name, &addr) != ERR_OK)
            return -ENOENT;
    }
    uint32_t v = ip4_addr_get_u32(ip_2_ip4(&addr));
    return copy_to_user(out, &v, sizeof(v)) ? -EFAULT : 0;
}
