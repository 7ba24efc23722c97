/* Per-process descriptor tables: lowest free slot, dup2, close-on-exec bits, clone
 * for fork. Each table has its own spinlock (`fdtable`, rank 73, docs/locking.md);
 * no operation takes `vfs`. Pure logic (host-tested). */

#define LOG_TAG "vfs"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

#define RANK_FDTABLE 73

/* The table lock guards fd[], cloexec, count and limit. It is a leaf: only
 * file_get (an atomic) runs under it; a file's last reference is always dropped
 * after it is released, since the release may sleep or take `vfs`. The host tests
 * are single-threaded and cannot mask interrupts, so there it is a no-op. */
#ifndef HOST_TEST
unsigned long fdtable_lock(struct fdtable *t) { return spin_lock_irqsave(&t->lock); }
void fdtable_unlock(struct fdtable *t, unsigned long flags) { spin_unlock_irqrestore(&t->lock, flags); }
#else
unsigned long fdtable_lock(struct fdtable *t) { (void)t; return 0; }
void fdtable_unlock(struct fdtable *t, unsigned long flags) { (void)t; (void)flags; }
#endif

static bool fd_cloexec(struct fdtable *t, int fd) { return t->cloexec[fd / 64] >> (fd % 64) & 1; }
static void fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
    if (on)
        t->cloexec[fd / 64] |= 1ull << (fd % 64);
    else
        t->cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

int fdtable_end(const struct fdtable *t)
{
    int limit = __atomic_load_n(&t->limit, __ATOMIC_RELAXED);
    return limit > 0 && limit < VFS_FD_MAX ? limit : VFS_FD_MAX;
}

void fdtable_set_limit(struct fdtable *t, uint64_t soft)
{
    unsigned long fl = fdtable_lock(t);
    t->limit = soft < VFS_FD_MAX ? (int)soft : VFS_FD_MAX;
    fdtable_unlock(t, fl);
}

struct fdtable *fdtable_create(void)
{
    struct fdtable *t = kzalloc(sizeof(struct fdtable));
    if (t)
        spin_init(&t->lock, "fdtable", RANK_FDTABLE);
    return t;
}

struct fdtable *fdtable_clone(struct fdtable *t)
{
    struct fdtable *n = fdtable_create();
    if (!n)
        return NULL;
    unsigned long fl = fdtable_lock(t);
    for (int i = 0; i < VFS_FD_MAX; i++) {
        if (t->fd[i]) {
            file_get(t->fd[i]);
            n->fd[i] = t->fd[i];
        }
    }
    memcpy(n->cloexec, t->cloexec, sizeof(n->cloexec));
    n->count = t->count;
    n->limit = t->limit;
    fdtable_unlock(t, fl);
    return n;
}

/* The table is no process's any more (vfs_proc_exit detached it), so nothing else
 * can reach it. */
void fdtable_destroy(struct fdtable *t)
{
    if (!t)
        return;
    for (int i = 0; i < VFS_FD_MAX; i++) {
        if (t->fd[i]) {
            locks_close_posix_hook(t->fd[i], t);
            file_put(t->fd[i]);
        }
    }
    kfree(t);
}

int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
    if (min < 0 || min >= VFS_FD_MAX)
        return -EINVAL;
    unsigned long fl = fdtable_lock(t);
    for (int i = min; i < fdtable_end(t); i++) {
        if (!t->fd[i]) {
            file_get(f);
            t->fd[i] = f;
            t->count++;
            fd_set_cloexec(t, i, cloexec);
            fdtable_unlock(t, fl);
            return i;
        }
    }
    fdtable_unlock(t, fl);
    return -EMFILE;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
    if (!t || fd < 0 || fd >= VFS_FD_MAX)
        return NULL;
    unsigned long fl = fdtable_lock(t);
    struct file *f = t->fd[fd];
    if (f)
        file_get(f);
    fdtable_unlock(t, fl);
    return f;
}

bool fdtable_is_open(struct fdtable *t, int fd)
{
    if (!t || fd < 0 || fd >= VFS_FD_MAX)
        return false;
    return __atomic_load_n(&t->fd[fd], __ATOMIC_RELAXED) != NULL;
}

int fdtable_close(struct fdtable *t, int fd)
{
    if (fd < 0 || fd >= VFS_FD_MAX)
        return -EBADF;
    unsigned long fl = fdtable_lock(t);
    struct file *f = t->fd[fd];
    if (f) {
        t->fd[fd] = NULL;
        t->count--;
        fd_set_cloexec(t, fd, false);
    }
    fdtable_unlock(t, fl);
    if (!f)
        return -EBADF;
    locks_close_posix_hook(f, t);       /* POSIX: any close drops the process's locks */
    file_put(f);                        /* outside the table lock: release may sleep */
    return 0;
}

int fdtable_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
    if (oldfd < 0 || oldfd >= VFS_FD_MAX || newfd < 0 || newfd >= fdtable_end(t))
        return -EBADF;
    unsigned long fl = fdtable_lock(t);
    struct file *f = t->fd[oldfd], *old = NULL;
    if (!f) {
        fdtable_unlock(t, fl);
        return -EBADF;
    }
    if (oldfd != newfd) {
        old = t->fd[newfd];
        file_get(f);
        t->fd[newfd] = f;
        if (!old)
            t->count++;
    }
    fd_set_cloexec(t, newfd, cloexec);
    fdtable_unlock(t, fl);
    if (old)
        locks_close_posix_hook(old, t);
    file_put(old);
    return newfd;
}

int fdtable_get_cloexec(struct fdtable *t, int fd)
{
    if (fd < 0 || fd >= VFS_FD_MAX)
        return -EBADF;
    unsigned long fl = fdtable_lock(t);
    int r = t->fd[fd] ? fd_cloexec(t, fd) : -EBADF;
    fdtable_unlock(t, fl);
    return r;
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool on)
{
    if (fd < 0 || fd >= VFS_FD_MAX)
        return -EBADF;
    unsigned long fl = fdtable_lock(t);
    int r = t->fd[fd] ? 0 : -EBADF;
    if (!r)
        fd_set_cloexec(t, fd, on);
    fdtable_unlock(t, fl);
    return r;
}

void fdtable_close_on_exec(struct fdtable *t)
{
    for (int i = 0; i < VFS_FD_MAX; i++) {
        unsigned long fl = fdtable_lock(t);
        bool close = t->fd[i] && fd_cloexec(t, i);
        fdtable_unlock(t, fl);
        if (close)
            fdtable_close(t, i);
    }
}
