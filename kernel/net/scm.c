/* Ancillary data of sendmsg/recvmsg (Linux's struct cmsghdr): the control buffer
 * read into a struct scm_k (SCM_RIGHTS files referenced, SCM_CREDENTIALS checked),
 * and written back on receive (files installed in the receiver's table). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/net.h>
#include <osc/proc.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#include "socket_internal.h"

#define CMSG_HDR      16u                       /* struct cmsghdr on x86_64 */
#define CMSG_ALIGN(n) (((n) + 7u) & ~(uint64_t)7)
#define CONTROL_MAX   (64 * 1024)               /* Linux: optmem_max, else ENOBUFS */

struct kcmsghdr { uint64_t len; int32_t level, type; };

struct scm_fds *scm_fds_alloc(unsigned n)
{
    struct scm_fds *s = kmalloc(sizeof(*s) + sizeof(s->f[0]) * (n ? n : 1));
    if (s) {
        s->next = NULL;
        s->n = 0;
    }
    return s;
}

void scm_fds_put(struct scm_fds *fds)
{
    while (fds) {
        struct scm_fds *next = fds->next;
        for (unsigned i = 0; i < fds->n; i++)
            file_put(fds->f[i]);
        kfree(fds);
        fds = next;
    }
}

/* SCM_RIGHTS: n descriptors at u, added to the set (made on first use). */
static long take_rights(const int32_t *u, unsigned n, struct scm_k *scm)
{
    struct process *p = proc_current();
    if (!scm->fds && !(scm->fds = scm_fds_alloc(SCM_MAX_FD)))
        return -ENOMEM;
    if (scm->fds->n + n > SCM_MAX_FD)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        int32_t fd;
        if (copy_from_user(&fd, u + i, sizeof(fd)))
            return -EFAULT;
        struct file *f = p && p->files ? fdtable_get(p->files, fd) : NULL;
        if (!f)
            return -EBADF;
        scm->fds->f[scm->fds->n++] = f;
    }
    return 0;
}

/* SCM_CREDENTIALS: as Linux, the sender may name itself only (its pid, and one of
 * its real/effective/saved ids), unless it is root (no capability model yet). */
static long take_cred(const void *u, struct scm_k *scm)
{
    struct ucred_k c;
    if (copy_from_user(&c, u, sizeof(c)))
        return -EFAULT;
    struct process *p = proc_current();
    if (p && p->euid != 0) {
        if (c.pid != p->pid)
            return -EPERM;
        if (c.uid != p->uid && c.uid != p->euid && c.uid != p->suid)
            return -EPERM;
        if (c.gid != p->gid && c.gid != p->egid && c.gid != p->sgid)
            return -EPERM;
    }
    scm->cred = c;
    scm->cred_given = true;
    return 0;
}

/* IP_PKTINFO's or IPV6_PKTINFO's struct into dst (n bytes) and *given. */
static long take_pktinfo(const void *data, uint64_t dlen, void *dst, size_t n, bool *given)
{
    if (dlen < n)
        return -EINVAL;
    if (copy_from_user(dst, data, n))
        return -EFAULT;
    *given = true;
    return 0;
}

long scm_parse(uint64_t ucontrol, uint64_t len, bool is_unix, struct scm_k *scm)
{
    memset(scm, 0, sizeof(*scm));
    if (len > CONTROL_MAX)
        return -ENOBUFS;
    long err = 0;
    for (uint64_t off = 0; !err && off + CMSG_HDR <= len;) {
        struct kcmsghdr h;
        if (copy_from_user(&h, (const void *)(ucontrol + off), sizeof(h))) {
            err = -EFAULT;
            break;
        }
        if (h.len < CMSG_HDR || h.len > len - off) {
            err = -EINVAL;
            break;
        }
        const void *data = (const void *)(ucontrol + off + CMSG_HDR);
        uint64_t dlen = h.len - CMSG_HDR;
        if (h.level == SOL_SOCKET && !is_unix)  /* as Linux's __sock_cmsg_send */
            err = h.type == SCM_RIGHTS || h.type == SCM_CREDENTIALS ? 0 : -EINVAL;
        else if (!is_unix && h.level == IPPROTO_IP && h.type == IP_PKTINFO)
            err = take_pktinfo(data, dlen, &scm->pktinfo, sizeof(scm->pktinfo),
                               &scm->pktinfo_given);
        else if (!is_unix && h.level == IPPROTO_IPV6 && h.type == IPV6_PKTINFO)
            err = take_pktinfo(data, dlen, &scm->pktinfo6, sizeof(scm->pktinfo6),
                               &scm->pktinfo6_given);
        else if (!is_unix)
            err = -EOPNOTSUPP;                  /* IP_TTL, IP_TOS, ...: not done */
        else if (h.level != SOL_SOCKET)
            ;                                   /* AF_UNIX ignores other levels */
        else if (h.type == SCM_RIGHTS)
            err = dlen / 4 ? take_rights(data, (unsigned)MIN(dlen / 4, (uint64_t)SCM_MAX_FD + 1),
                                         scm) : 0;
        else if (h.type == SCM_CREDENTIALS)
            err = dlen == sizeof(struct ucred_k) ? take_cred(data, scm) : -EINVAL;
        else
            err = -EINVAL;
        off += CMSG_ALIGN(h.len);
    }
    if (err) {
        scm_fds_put(scm->fds);
        scm->fds = NULL;
    }
    return err;
}

/* Linux's put_cmsg: one message if the buffer holds its header (cut, and
 * MSG_CTRUNC, if not all of it). */
static long put_cmsg(uint64_t *ctl, uint64_t *left, int level, int type, const void *data,
                     uint32_t dlen, int *mflags)
{
    if (*left < CMSG_HDR) {
        *mflags |= MSG_CTRUNC;
        return 0;
    }
    uint64_t full = CMSG_HDR + dlen, n = full;
    if (*left < full) {
        *mflags |= MSG_CTRUNC;
        n = *left;
    }
    struct kcmsghdr h = { n, level, type };
    if (copy_to_user((void *)*ctl, &h, sizeof(h)) ||
        copy_to_user((void *)(*ctl + CMSG_HDR), data, n - CMSG_HDR))
        return -EFAULT;
    n = MIN(CMSG_ALIGN(full), *left);
    *ctl += n;
    *left -= n;
    return 0;
}

long scm_deliver(struct scm_k *scm, uint64_t ucontrol, uint64_t len, int flags,
                 uint64_t *used, int *mflags)
{
    uint64_t ctl = ucontrol, left = ucontrol ? len : 0;
    long err = 0;
    if (scm->want_cred)
        err = put_cmsg(&ctl, &left, SOL_SOCKET, SCM_CREDENTIALS, &scm->cred, sizeof(scm->cred),
                       mflags);
    if (scm->want_pktinfo && !err)
        err = put_cmsg(&ctl, &left, IPPROTO_IP, IP_PKTINFO, &scm->pktinfo, sizeof(scm->pktinfo),
                       mflags);
    if (scm->want_pktinfo6 && !err)
        err = put_cmsg(&ctl, &left, IPPROTO_IPV6, IPV6_PKTINFO, &scm->pktinfo6,
                       sizeof(scm->pktinfo6), mflags);
    struct scm_fds *fds = scm->fds;
    scm->fds = NULL;
    if (fds && fds->n && !err) {
        /* As many as the buffer holds; the rest are closed (MSG_CTRUNC). */
        unsigned room = left > CMSG_HDR ? (unsigned)MIN((left - CMSG_HDR) / 4, (uint64_t)SCM_MAX_FD)
                                        : 0;
        int32_t nums[SCM_MAX_FD];
        unsigned i = 0;
        struct process *p = proc_current();
        for (; i < fds->n && i < room && p && p->files; i++) {
            int fd = fdtable_install(p->files, fds->f[i], 0, flags & MSG_CMSG_CLOEXEC);
            if (fd < 0)
                break;
            nums[i] = fd;
        }
        if (i)
            err = put_cmsg(&ctl, &left, SOL_SOCKET, SCM_RIGHTS, nums, i * 4, mflags);
        if (i < fds->n)
            *mflags |= MSG_CTRUNC;
    }
    scm_fds_put(fds);
    *used = ctl - ucontrol;
    return err;
}
