/* Per-process descriptor tables: lowest free slot, dup2, close-on-exec bits, clone
 * for fork. Every operation runs under `vfs`. Pure logic (host-tested). */

#define LOG_TAG "vfs"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

/* ---- descriptor tables (under `vfs`) ---- */

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
    return t->limit > 0 && t->limit < VFS_FD_MAX ? t->limit : VFS_FD_MAX;
}

void fdtable_set_limit(struct fdtable *t, uint64_t soft)
{
    t->limit = soft < VFS_FD_MAX ? (int)soft : VFS_FD_MAX;
}

struct fdtable *fdtable_create(void)
{
    return kzalloc(sizeof(struct fdtable));
}

struct fdtable *fdtable_clone(struct fdtable *t)
{
    struct fdtable *n = kzalloc(sizeof(*n));
    if (!n)
        return NULL;
    vfs_lock();
    for (int i = 0; i < VFS_FD_MAX; i++) {
        if (t->fd[i]) {
            file_get(t->fd[i]);
            n->fd[i] = t->fd[i];
        }
    }
    memcpy(n->cloexec, t->cloexec, sizeof(n->cloexec));
    n->count = t->count;
    n->limit = t->limit;
    vfs_unlock();
    return n;
}

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
    vfs_lock();
    for (int i = min; i < fdtable_end(t); i++) {
        if (!t->fd[i]) {
            file_get(f);
            t->fd[i] = f;
            t->count++;
            fd_set_cloexec(t, i, cloexec);
            vfs_unlock();
            return i;
        }
    }
    vfs_unlock();
    return -EMFILE;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
    if (!t || fd < 0 || fd >= VFS_FD_MAX)
        return NULL;
    vfs_lock();
    struct file *f = t->fd[fd];
    if (f)
        file_get(f);
    vfs_unlock();
    return f;
}

int fdtable_close(struct fdtable *t, int fd)
{
    if (fd < 0 || fd >= VFS_FD_MAX)
        return -EBADF;
    vfs_lock();
    struct file *f = t->fd[fd];
    if (f) {
        t->fd[fd] = NULL;
        t->count--;
        fd_set_cloexec(t, fd, false);
    }
    vfs_unlock();
    if (!f)
        return -EBADF;
    locks_close_posix_hook(f, t);       /* POSIX: any close drops the process's locks */
    file_put(f);                        /* outside `vfs`: release may take it */
    return 0;
}

int fdtable_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
    if (oldfd < 0 || oldfd >= VFS_FD_MAX || newfd < 0 || newfd >= fdtable_end(t))
        return -EBADF;
    vfs_lock();
    struct file *f = t->fd[oldfd], *old = NULL;
    if (!f) {
        vfs_unlock();
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
    vfs_unlock();
    if (old)
        locks_close_posix_hook(old, t);
    file_put(old);
    return newfd;
}

int fdtable_get_cloexec(struct fdtable *t, int fd)
{
    if (fd < 0 || fd >= VFS_FD_MAX || !t->fd[fd])
        return -EBADF;
    return fd_cloexec(t, fd);
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool on)
{
    if (fd < 0 || fd >= VFS_FD_MAX || !t->fd[fd])
        return -EBADF;
    vfs_lock();
    fd_set_cloexec(t, fd, on);
    vfs_unlock();
    return 0;
}

void fdtable_close_on_exec(struct fdtable *t)
{
    for (int i = 0; i < VFS_FD_MAX; i++)
        if (t->fd[i] && fd_cloexec(t, i))
            fdtable_close(t, i);
}
