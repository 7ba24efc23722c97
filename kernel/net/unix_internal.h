/* AF_UNIX internals shared by unix.c (sockets, connections, data) and
 * unix_opts.c (shutdown, names, options, ioctl, poll). */
#pragma once

#include <osc/net.h>
#include <osc/sched.h>

#define RQ_LIMIT  (256 * 1024)  /* bytes queued for one receiver before senders wait */
#define DGRAM_MAX (64 * 1024)   /* largest datagram / seqpacket record */
#define BUF_DEFAULT 212992      /* Linux's default SO_SNDBUF/SO_RCVBUF */

/* One write's data (stream) or one record (datagram, seqpacket). */
struct umsg {
    struct umsg *next;
    size_t len, off;            /* off: bytes a stream reader already took */
    struct sock_addr from;
    struct ucred_k cred;        /* the sender's, or what it gave as SCM_CREDENTIALS */
    struct scm_fds *fds;        /* SCM_RIGHTS files in flight with it (NULL: none) */
    uint8_t data[];
};

enum { U_UNCONN, U_LISTEN, U_CONNECTED };

struct unix_sock {
    int type, state;
    int refs;                   /* its file, a peer's pointer, a listener's queue */
    bool closed;                /* its file is gone */
    uint64_t ino;
    struct unix_sock *peer;     /* a reference */
    struct sock_addr addr;      /* len 0: unbound */
    struct vnode *node;         /* filesystem name: a reference, dropped at close */
    struct unix_sock *bound_next;
    struct umsg *rq, *rq_tail;
    size_t rq_bytes;
    bool rcv_shut, snd_shut;
    struct unix_sock *acc_head, *acc_tail, *acc_next;   /* listener's queue */
    int acc_len, backlog;
    struct ucred_k cred;        /* ours: at creation, at listen */
    struct ucred_k peercred;
    bool have_peercred;
    int so_error, sndbuf, rcvbuf;
    uint64_t rcvtimeo, sndtimeo;        /* ns; 0: wait forever */
    bool reuseaddr;
    bool passcred;              /* SO_PASSCRED: receives carry SCM_CREDENTIALS */
    struct unix_sock *gc_next;
    /* Files in flight (unix_gc.c): */
    struct file *file;          /* ours (no reference), set once it has one */
    unsigned inflight;          /* times our file sits in SCM_RIGHTS messages queued */
    struct unix_sock *inflight_next;    /* the list of sockets with inflight > 0 */
    unsigned gc_tmp;            /* the collector's scratch */
    bool gc_cand, gc_reach;
    struct unix_sock *gc_victim;
    /* On the list /proc/net/unix shows (unix.c): from its file (or, for a
     * connection's server end, its listener's queue) until release or free. */
    struct unix_sock *all_next, *all_prev;
    bool listed;
};

/* One socket as /proc/net/unix shows it (unix_proc.c), copied under `unix`. */
struct unix_info {
    int refs, type, state;
    bool listening, embryo;
    uint64_t ino;
    struct sock_addr addr;
};
/* Copies up to cap sockets' records to out under `unix` (nothing allocated
 * there); returns how many there are (more than cap: call again, larger). */
size_t unix_snapshot(struct unix_info *out, size_t cap);

/* Objects freed under `unix` go here and are kfree'd once it is dropped (`heap`
 * ranks below it); so are in-flight files dropped (a file's release may take
 * `unix` itself: a socket sent over a socket). */
struct gc { struct unix_sock *socks; struct umsg *msgs; struct scm_fds *fds; };

/* unix_gc.c, all under `unix`. Counts fds's AF_UNIX sockets as (delta +1) queued
 * in a message or (-1) taken out of one. */
void unix_inflight_locked(const struct scm_fds *fds, int delta);
/* Moves s's whole receive queue to g (its files counted out of flight). */
void unix_queue_drop_locked(struct unix_sock *s, struct gc *g);
/* With files in flight: empties the queues of the sockets only messages in such
 * queues refer to (Linux's unix_gc), into g. */
void unix_gc_locked(struct gc *g);

/* The `unix` lock and the queue every socket sleeper and poller waits on. */
extern struct waitqueue unix_wq;

int unix_poll(struct file *f);
long unix_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
