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
/* One send of the iovecs' bytes (dst: NULL or the address); the count or -errno. */
long send_iov(struct file *f, struct sock s, const struct file_iovec *iov, size_t cnt,
              int flags, const struct sock_addr *dst);
/* One receive into the iovecs; *from the sender, *mflags MSG_TRUNC when cut. */
long recv_iov(struct file *f, struct sock s, const struct file_iovec *iov, size_t cnt,
              int flags, struct sock_addr *from, int *mflags);
