/* Shared by the socket system calls' files: socket.c (creation, names, options,
 * send/receive over iovecs) and socket_msg.c (the msghdr calls). */
#pragma once

#include <osc/net.h>
#include <osc/vfs.h>

#define UIO_MAXIOV 1024

/* A socket: its family's operations and its family's object. */
struct sock {
    const struct sock_family *fam;
    void *p;
};

/* The socket behind fd, its file referenced (file_put it). */
long sock_get(int fd, struct file **f, struct sock *s);
/* A user sockaddr of len bytes into *a. */
long addr_in(uint64_t uaddr, uint64_t len, struct sock_addr *a);
/* One send of the iovecs' bytes (dst: NULL or the address; scm: NULL or the
 * ancillary data, AF_UNIX only); the count or -errno. */
long send_iov(struct file *f, struct sock s, const struct file_iovec *iov, size_t cnt,
              int flags, const struct sock_addr *dst, struct scm_k *scm);
/* One receive into the iovecs; *from the sender, *mflags MSG_TRUNC when cut; scm
 * (NULL: files that came are dropped) gets the ancillary data. */
long recv_iov(struct file *f, struct sock s, const struct file_iovec *iov, size_t cnt,
              int flags, struct sock_addr *from, int *mflags, struct scm_k *scm);

/* scm.c. The control buffer of a sendmsg (len bytes at ucontrol) into *scm
 * (SCM_RIGHTS files referenced: scm_fds_put them); is_unix: the socket is AF_UNIX
 * (another family skips SCM_RIGHTS and SCM_CREDENTIALS and refuses other SOL_SOCKET
 * messages, -EINVAL, as Linux, and every other level, -EOPNOTSUPP: IP_PKTINFO
 * and the like are not done). 0 or -errno (then nothing is held). */
long scm_parse(uint64_t ucontrol, uint64_t len, bool is_unix, struct scm_k *scm);
/* A receive's ancillary data into the user's control buffer: SCM_CREDENTIALS when
 * scm->want_cred, then scm->fds installed in the caller's table (MSG_CMSG_CLOEXEC
 * in flags) as far as the buffer holds them (MSG_CTRUNC in *mflags otherwise; the
 * rest are closed). Consumes scm->fds; *used the bytes written. 0 or -EFAULT. */
long scm_deliver(struct scm_k *scm, uint64_t ucontrol, uint64_t len, int flags,
                 uint64_t *used, int *mflags);
