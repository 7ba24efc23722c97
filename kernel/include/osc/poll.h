/* Waiting for files to become ready (kernel/fs/poll_table.c): the machinery poll,
 * select and epoll share. A poll table is one call's hooks on the files' wait
 * queues, each holding a reference to its file so the queue outlives the hook
 * (or, for an epoll item's file, removed by the item's removal: owned hooks). */
#pragma once

#include <osc/sched.h>
#include <osc/types.h>

struct file;
struct poll_chunk;

/* One hook. Hooks made for an epoll item (the table's `owner` set) hold no file
 * reference, so a watched file's last close is not held up by a sleeping
 * epoll_wait; they sit on the owner's list instead, under `epoll`, and the item's
 * removal takes them off their queues (poll_hooks_drop_owned) before the file goes. */
struct poll_hook {
    struct poll_entry entry;
    struct file *file;                  /* a reference; NULL for an owned hook */
    struct poll_hook *owner_next, **owner_pprev;        /* under `epoll` */
    bool owned, gone;                   /* gone: its owner removed it already */
};

/* Hooks a table holds in itself before it allocates: epoll_wait on a small set
 * (the set's queue and one or two items) and poll of a few fds allocate nothing. */
#define POLL_INLINE_HOOKS 4

struct poll_table {
    struct poll_waiter waiter;
    struct poll_hook first[POLL_INLINE_HOOKS];
    size_t nfirst;              /* of first[] in use */
    struct poll_chunk *chunks;  /* kmalloc'd hooks, made during hooking scans */
    bool hooking;               /* this scan hooks the caller on the files' queues */
    bool rehook;                /* set during a scan: drop and redo the hooks before the
                                 * next one (a set that can change: epoll's) */
    int err;                    /* -ENOMEM from a hook that could not be made */
    uint64_t wake_at;           /* earliest time a file's answer changes unwoken */
    struct poll_hook **owner;   /* set by epoll while it looks at an item: hooks
                                 * made now go on this list (caller holds `epoll`) */
};

/* may_sleep false: the call scans once and never hooks. */
void poll_table_init(struct poll_table *pt, bool may_sleep);
/* Removes and frees every hook, putting their files. No epoll lock may be held. */
void poll_table_release(struct poll_table *pt);
/* From a file's poll_pt: hooks the caller on wq while pt is hooking (takes a
 * reference to f unless it is already on its way out: then nothing). */
void poll_table_wait(struct poll_table *pt, struct file *f, struct waitqueue *wq);
/* Under `epoll`: takes every hook on the owner list *owner off its queue and
 * marks it gone (its table frees it later). */
void poll_hooks_drop_owned(struct poll_hook **owner);
/* kernel/fs/epoll.c: the `epoll` mutex, for poll_table_release. */
void epoll_lock(void);
void epoll_unlock(void);
/* From a file's poll_pt: its answer changes at time t (time_ns) with nobody
 * waking its queue (timers): the caller sleeps no longer than that. */
void poll_table_wake_at(struct poll_table *pt, uint64_t t);
/* What f is ready for now (POLL* bits, POLLRDNORM/POLLWRNORM filled in); while pt
 * (may be NULL) is hooking, the caller is hooked on f's queue first. A file
 * without a poll operation is always readable and writable. */
int file_poll(struct file *f, struct poll_table *pt);
/* Calls scan until it reports readiness (> 0) or an error (< 0), the deadline
 * (time_ns) passes -- 0 scans once -- or a signal arrives (-ERESTARTNOHAND).
 * Arming before each scan is what loses no wake-up between a scan and the sleep. */
long poll_table_run(struct poll_table *pt, long (*scan)(void *, struct poll_table *),
                    void *arg, uint64_t deadline);
