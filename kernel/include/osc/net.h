/* Sockets: the interface between the socket system calls (kernel/net/socket.c) and
 * the protocol families (kernel/net/unix.c: AF_UNIX; later lwIP's AF_INET). Linux
 * x86_64 constants. Locking (docs/locking.md): AF_UNIX state is guarded by one
 * wait queue lock `unix` (rank 70); `vfs` is never held with it. */
#pragma once

#include <osc/types.h>

#define AF_UNSPEC 0
#define AF_UNIX   1
#define AF_INET   2
#define AF_INET6  10

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  04000
#define SOCK_CLOEXEC   02000000

#define MSG_OOB       0x1
#define MSG_PEEK      0x2
#define MSG_CTRUNC    0x8
#define MSG_TRUNC     0x20
#define MSG_DONTWAIT  0x40
#define MSG_EOR       0x80
#define MSG_WAITALL   0x100
#define MSG_NOSIGNAL  0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

#define SOL_SOCKET    1
#define SO_REUSEADDR  2
#define SO_TYPE       3
#define SO_ERROR      4
#define SO_SNDBUF     7
#define SO_RCVBUF     8
#define SO_PASSCRED   16
#define SO_PEERCRED   17
#define SO_RCVTIMEO   20
#define SO_SNDTIMEO   21
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#define SO_PROTOCOL   38
#define SO_DOMAIN     39
#define SO_ACCEPTCONN 30

#define UNIX_PATH_MAX 108
struct sockaddr_un_k {
    uint16_t family;
    char path[UNIX_PATH_MAX];
};
#define SUN_HDR 2               /* offsetof(struct sockaddr_un, sun_path) */

struct ucred_k { int32_t pid; uint32_t uid, gid; };

/* Ancillary data of one AF_UNIX message (kernel/net/scm.c, socket_msg.c, unix.c). */
#define SCM_RIGHTS      1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD      253     /* Linux's limit of files in one message */
struct file;
struct scm_fds {                /* files in flight: a reference to each */
    struct scm_fds *next;       /* unix.c's list of sets to drop after its lock */
    unsigned n;
    struct file *f[];
};
struct scm_k {
    /* send: given to the first message the send queues (then NULL); receive: the
     * files that came with the data (the caller owns them). */
    struct scm_fds *fds;
    bool cred_given;            /* send: SCM_CREDENTIALS was given (cred) */
    bool want_cred;             /* receive: the receiver has SO_PASSCRED (cred is set) */
    struct ucred_k cred;
    /* AF_INET's IP_PKTINFO (struct in_pktinfo, addresses in network order):
     * receive: the socket asked for it (want_pktinfo) and it is filled; send:
     * given (pktinfo_given), the source address and interface to use. */
    bool want_pktinfo, pktinfo_given;
    struct in_pktinfo_k { int32_t ifindex; uint32_t spec_dst, addr; } pktinfo;
    /* AF_INET6's IPV6_PKTINFO (struct in6_pktinfo), the same way. */
    bool want_pktinfo6, pktinfo6_given;
    struct in6_pktinfo_k { uint8_t addr[16]; int32_t ifindex; } pktinfo6;
};
#define IP_PKTINFO 8
#define IPV6_PKTINFO 50
/* A set for n files (not yet filled), NULL when memory is short. */
struct scm_fds *scm_fds_alloc(unsigned n);
/* Drops each file's reference and frees the set (and its ->next chain); NULL is
 * fine. Never under the `unix` lock (a file's release may take it). */
void scm_fds_put(struct scm_fds *fds);

struct file;
struct unix_sock;

/* Where received data came from / a datagram goes (kernel copy; len 0: none). */
struct sock_addr { uint32_t len; struct sockaddr_un_k a; };

/* AF_UNIX (unix.c). Every call returns 0 / a count or a negative Linux errno. */
int unix_create(int type, bool nonblock, struct file **out);
/* /proc/net/unix's text, Linux's format (unix_proc.c). */
void unix_proc_net(void (*put)(void *ctx, const char *s, size_t n), void *ctx);
/* socket.c: the next socket inode number (socket:[N] in /proc/<pid>/fd, the inode
 * column of /proc/net/tcp), one series for every family, as Linux's sockfs. */
uint64_t sock_ino_alloc(void);
/* A socket's file with ops, its name buffer (SOCK_NAME_MAX bytes, empty) in
 * f->path: NULL when out of memory. sock_file_name writes "socket:[ino]" there,
 * what /proc/<pid>/fd shows. */
#define SOCK_NAME_MAX 32
struct file_ops;
struct file *sock_file_alloc(const struct file_ops *ops, bool nonblock);
void sock_file_name(struct file *f, uint64_t ino);
int unix_pair(int type, bool nonblock, struct file **a, struct file **b);
struct unix_sock *unix_of(struct file *f);      /* NULL: not an AF_UNIX socket */
int unix_bind(struct unix_sock *s, const struct sock_addr *addr);
int unix_listen(struct unix_sock *s, int backlog);
int unix_connect(struct unix_sock *s, const struct sock_addr *addr, bool nonblock);
/* The new connection's file, and its peer's address in *peer when not NULL. */
int unix_accept(struct unix_sock *s, bool nonblock, bool new_nonblock, struct file **out,
                struct sock_addr *peer);
/* n bytes from a kernel buffer; dst for an unconnected datagram socket. */
ssize_t unix_send(struct unix_sock *s, const void *buf, size_t n, int flags, bool nonblock,
                  const struct sock_addr *dst, struct scm_k *scm);
/* Up to n bytes into a kernel buffer; *from the sender (datagrams) or the peer;
 * *full the datagram's whole length (MSG_TRUNC). */
ssize_t unix_recv(struct unix_sock *s, void *buf, size_t n, int flags, bool nonblock,
                  struct sock_addr *from, size_t *full, struct scm_k *scm);
int unix_shutdown(struct unix_sock *s, int how);
int unix_name(struct unix_sock *s, bool peer, struct sock_addr *out);
int unix_getsockopt(struct unix_sock *s, int opt, void *val, uint32_t *len);
/* val: the caller's copy of the option (len bytes, at most 16). */
int unix_setsockopt(struct unix_sock *s, int opt, const void *val, uint32_t len);
size_t unix_max_send(struct unix_sock *s);      /* one send's largest atomic unit */
bool unix_is_stream(struct unix_sock *s);

/* A protocol family's socket operations, as socket.c calls them (s: the family's
 * socket, from its *_of). Same contracts as the unix_* calls above; get/setsockopt
 * also get the level (a family refuses the levels it does not know). */
struct sock_family {
    int (*bind)(void *s, const struct sock_addr *addr);
    int (*listen)(void *s, int backlog);
    int (*connect)(void *s, const struct sock_addr *addr, bool nonblock);
    int (*accept)(void *s, bool nonblock, bool new_nonblock, struct file **out,
                  struct sock_addr *peer);
    ssize_t (*send)(void *s, const void *buf, size_t n, int flags, bool nonblock,
                    const struct sock_addr *dst, struct scm_k *scm);
    ssize_t (*recv)(void *s, void *buf, size_t n, int flags, bool nonblock,
                    struct sock_addr *from, size_t *full, struct scm_k *scm);
    int (*shutdown)(void *s, int how);
    int (*name)(void *s, bool peer, struct sock_addr *out);
    int (*getsockopt)(void *s, int level, int opt, void *val, uint32_t *len);
    int (*setsockopt)(void *s, int level, int opt, const void *val, uint32_t len);
    size_t (*max_send)(void *s);
    bool (*is_stream)(void *s);
};

/* AF_INET and AF_INET6 over lwIP (kernel/net/lwip_port/inet_sock.c): SOCK_STREAM
 * (TCP) and SOCK_DGRAM (UDP); protocol 0 or the matching IPPROTO_*. */
#define IPPROTO_IP  0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
extern const struct sock_family inet_family;
int inet_create(int domain, int type, int protocol, bool nonblock, struct file **out);
void *inet_of(struct file *f);          /* NULL: not an AF_INET/AF_INET6 socket */

/* socket.c: read/write/readv/writev of any socket (file_ops.rw_iov). */
struct file_iovec;
ssize_t sock_rw_iov(struct file *f, const struct file_iovec *iov, size_t cnt, bool write);
