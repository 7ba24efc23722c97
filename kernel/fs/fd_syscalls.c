/* Descriptor calls (Linux x86_64 ABI): dup, dup2, dup3, fcntl, flock, pipe and
 * ioctl, over the per-process descriptor table (fdtable.c). */

#define LOG_TAG "vfs"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

static struct process *cur(void) { return proc_current(); }
static struct file *get_fd(int fd) { return vfs_get_fd(fd); }

SYSCALL(dup)
{
    struct process *p = cur();
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long fd = fdtable_install(p->files, f, 0, false);
    file_put(f);
    return fd;
}

SYSCALL(dup2)
{
    struct process *p = cur();
    if (!p || !p->files)
        return -EBADF;
    int o = (int)args->a[0], n = (int)args->a[1];
    if (o == n) {
        struct file *f = get_fd(o);
        file_put(f);
        return f ? n : -EBADF;
    }
    return fdtable_dup2(p->files, o, n, false);
}

SYSCALL(dup3)
{
    struct process *p = cur();
    if (!p || !p->files)
        return -EBADF;
    int o = (int)args->a[0], n = (int)args->a[1];
    if (o == n || (args->a[2] & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    return fdtable_dup2(p->files, o, n, args->a[2] & O_CLOEXEC);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define F_GETLK 5               /* F_GETLK64 & co are the same numbers on x86_64 */
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034

SYSCALL(fcntl)
{
    struct process *p = cur();
    int fd = (int)args->a[0];
    struct file *f = get_fd(fd);
    if (!f)
        return -EBADF;
    long r;
    switch ((int)args->a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        r = (int64_t)args->a[2] < 0 || args->a[2] >= (uint64_t)fdtable_end(p->files) ? -EINVAL
            : fdtable_install(p->files, f, (int)args->a[2], (int)args->a[1] == F_DUPFD_CLOEXEC);
        break;
    case F_GETFD: r = fdtable_get_cloexec(p->files, fd); break;
    case F_SETFD: r = fdtable_set_cloexec(p->files, fd, args->a[2] & 1); break;
    case F_GETFL: r = f->flags; break;
    case F_SETFL:
        f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
                   ((uint32_t)args->a[2] & (O_APPEND | O_NONBLOCK));
        r = 0;
        break;
    case F_GETLK: case F_SETLK: case F_SETLKW:
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
        r = locks_fcntl(f, p->files, p->pid, (int)args->a[1], args->a[2]);
        break;
    case F_ADD_SEALS: r = memfd_add_seals(f, (uint32_t)args->a[2]); break;
    case F_GET_SEALS: r = memfd_get_seals(f); break;
    default: r = -EINVAL;
    }
    file_put(f);
    return r;
}

SYSCALL(flock)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long r = locks_flock(f, (int)args->a[1]);
    file_put(f);
    return r;
}

static long do_pipe(uint64_t ufds, uint64_t flags)
{
    struct process *p = cur();
    if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    if (!p || !p->files)
        return -EBADF;
    struct file *r, *w;
    long err = pipe_create(&r, &w, (uint32_t)flags);
    if (err)
        return err;
    int fds[2] = { fdtable_install(p->files, r, 0, flags & O_CLOEXEC), -1 };
    if (fds[0] >= 0)
        fds[1] = fdtable_install(p->files, w, 0, flags & O_CLOEXEC);
    err = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    if (!err && copy_to_user((void *)ufds, fds, sizeof(fds)))
        err = -EFAULT;
    if (err) {
        if (fds[0] >= 0)
            fdtable_close(p->files, fds[0]);
        if (fds[1] >= 0)
            fdtable_close(p->files, fds[1]);
    }
    file_put(r);
    file_put(w);
    return err;
}

SYSCALL(pipe) { return do_pipe(args->a[0], 0); }
SYSCALL(pipe2) { return do_pipe(args->a[0], args->a[1]); }

SYSCALL(ioctl)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long r = f->ops && f->ops->ioctl ? f->ops->ioctl(f, (unsigned int)args->a[1], args->a[2]) : -ENOTTY;
    file_put(f);
    return r;
}


/* fsync, fdatasync: the file's own write-back hook (block devices flush the disk);
 * a regular file of a page-cached filesystem writes back its own pages and inode
 * (vnode fsync), other disk files their whole filesystem; files of the memory
 * filesystems have nothing to write back, and files Linux
 * has no fsync for (pipes, sockets, terminals) answer -EINVAL. */
static long do_fsync(int fd)
{
    struct file *f = get_fd(fd);
    if (!f)
        return -EBADF;
    long r;
    if (f->flags & O_PATH)
        r = -EBADF;
    else if (f->ops && f->ops->fsync)
        r = f->ops->fsync(f);
    else if (f->vnode && S_ISREG(f->vnode->mode) && f->vnode->ops->fsync)
        r = f->vnode->ops->fsync(f->vnode);
    else if (f->vnode && (S_ISREG(f->vnode->mode) || S_ISDIR(f->vnode->mode) ||
                          S_ISLNK(f->vnode->mode)))
        r = f->vnode->fs && f->vnode->fs->sync ? f->vnode->fs->sync(f->vnode->fs) : 0;
    else
        r = -EINVAL;
    file_put(f);
    return r;
}

SYSCALL(fsync) { return do_fsync((int)args->a[0]); }
SYSCALL(fdatasync) { return do_fsync((int)args->a[0]); }

void vfs_sync_all(void)
{
    vfs_lock();
    for (struct vfs_fs *m = vfs_mounts_locked(); m; m = m->next)
        if (m->sync)
            m->sync(m);
    vfs_unlock();
}

/* Dirty buffers reach the disk within VFS_FLUSH_SECONDS even without sync(2)
 * (Linux's writeback runs every 5 s); a filesystem with nothing changed skips. */
static void flusher(void *arg)
{
    (void)arg;
    for (;;) {
        thread_sleep_ns(VFS_FLUSH_SECONDS * 1000000000ull);
        vfs_sync_all();
    }
}

void vfs_flusher_start(void)
{
    static int started;
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL) == 0 &&
        !thread_create("flush", flusher, NULL))
        __atomic_store_n(&started, 0, __ATOMIC_RELEASE);        /* a later mount retries */
}

/* sync: every mounted disk filesystem written back, then every disk's write
 * cache flushed. Errors are not reported, as Linux's sync(2). */
SYSCALL(sync)
{
    (void)args;
    vfs_sync_all();
    for (size_t i = 0; i < blk_count(); i++) {
        struct blkdev *b = blk_at(i);
        if (b->partno == 0)
            blk_flush(b);
    }
    return 0;
}

/* syncfs: the file's filesystem written back (the memory filesystems have
 * nothing to write back). */
SYSCALL(syncfs)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    struct vfs_fs *fs = f->vnode ? f->vnode->fs : NULL;
    long r = fs && fs->sync ? fs->sync(fs) : 0;
    file_put(f);
    return r;
}
