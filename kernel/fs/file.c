/* Open files: allocation and references, reads and writes of regular files at the
 * file offset (under the vnode's lock, so different files run in parallel; `vfs`
 * only to report inotify events), lseek and getdents64 (directories: `vfs`). Pure logic (host-tested with
 * tmpfs in tests/host/test_vfs.c); opening by path is in vfs.c. */

#define LOG_TAG "vfs"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

/* ---- open files ---- */

static ssize_t reg_read(struct file *f, void *buf, size_t n);
static ssize_t reg_write(struct file *f, const void *buf, size_t n);
const struct file_ops vfs_reg_ops = { .read = reg_read, .write = reg_write, .seekable = true };
const struct file_ops vfs_dir_ops = { .seekable = true };

struct file *file_alloc(struct vnode *v, const struct file_ops *ops, uint32_t flags)
{
    struct file *f = kzalloc(sizeof(*f));
    if (!f)
        return NULL;
    f->vnode = v;
    if (v)
        vnode_get(v);
    f->ops = ops;
    f->flags = flags;
    f->refcount = 1;
    return f;
}

void file_get(struct file *f)
{
    __atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

bool file_tryget(struct file *f)
{
    int n = __atomic_load_n(&f->refcount, __ATOMIC_RELAXED);
    while (n > 0)
        if (__atomic_compare_exchange_n(&f->refcount, &n, n + 1, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

void file_put(struct file *f)
{
    if (!f || __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Nobody can add f to a set now (that needs a reference), so the unlocked
     * look is safe; the sets drop it before release frees its wait queues. */
    if (f->ep_links)
        epoll_file_gone(f);
    if (f->vnode && !(f->flags & O_PATH) && notify_active()) {
        vfs_lock();
        notify_file_locked(f, (f->flags & O_ACCMODE) == O_RDONLY ? IN_CLOSE_NOWRITE
                                                                 : IN_CLOSE_WRITE);
        vfs_unlock();
    }
    locks_release_hook(f);
    if (f->writer)
        __atomic_sub_fetch(&f->vnode->fs->writers, 1, __ATOMIC_RELAXED);
    if (f->ops && f->ops->release)
        f->ops->release(f);
    vnode_put(f->notify_dir);
    kfree(f->notify_name);
    vnode_put(f->vnode);
    kfree(f->path);
    kfree(f);
}

/* inotify's watch lists are under `vfs`, which ranks before the vnode lock: the
 * event goes out after the data lock is dropped, and only while a watch exists. */
static void notify_file(struct file *f, uint32_t mask)
{
    if (!notify_active())
        return;
    vfs_lock();
    notify_file_locked(f, mask);
    vfs_unlock();
}

static ssize_t reg_read(struct file *f, void *buf, size_t n)
{
    vnode_lock(f->vnode);
    ssize_t r = f->vnode->ops->read(f->vnode, buf, n, f->off);
    if (r > 0)
        f->off += (uint64_t)r;
    vnode_unlock(f->vnode);
    if (r > 0)
        notify_file(f, IN_ACCESS);
    return r;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t n)
{
    vnode_lock(f->vnode);
    if (f->flags & O_APPEND)
        f->off = f->vnode->size;
    ssize_t r = f->vnode->ops->write(f->vnode, buf, n, f->off);
    if (r > 0) {
        f->off += (uint64_t)r;
        vnode_touch_locked(f->vnode, true);
    }
    vnode_unlock(f->vnode);
    if (r > 0)
        notify_file(f, IN_MODIFY);
    return r;
}

ssize_t file_read(struct file *f, void *buf, size_t n)
{
    if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
        return -EBADF;
    if (f->vnode && S_ISDIR(f->vnode->mode))
        return -EISDIR;
    if (!f->ops->read)
        return -EINVAL;
    return f->ops->read(f, buf, n);
}

ssize_t file_write(struct file *f, const void *buf, size_t n)
{
    if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops->write)
        return -EINVAL;
    if (f->vnode && S_ISREG(f->vnode->mode))
        vfs_write_kill_suid(f->vnode);
    return f->ops->write(f, buf, n);
}

ssize_t file_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
    if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if (S_ISDIR(f->vnode->mode))
        return -EISDIR;
    if (f->ops->pread)
        return f->ops->pread(f, buf, n, off);
    vnode_lock(f->vnode);
    ssize_t r = f->vnode->ops->read(f->vnode, buf, n, off);
    vnode_unlock(f->vnode);
    if (r > 0)
        notify_file(f, IN_ACCESS);
    return r;
}

ssize_t file_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
    if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if (f->vnode && S_ISREG(f->vnode->mode))
        vfs_write_kill_suid(f->vnode);
    if (f->ops->pwrite)
        return f->ops->pwrite(f, buf, n, off);
    vnode_lock(f->vnode);
    ssize_t r = f->vnode->ops->write(f->vnode, buf, n, off);
    if (r > 0)
        vnode_touch_locked(f->vnode, true);
    vnode_unlock(f->vnode);
    if (r > 0)
        notify_file(f, IN_MODIFY);
    return r;
}

ssize_t file_rw_user(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos,
                     uint64_t off)
{
    struct vnode *v = f->vnode;
    if (!v || !S_ISREG(v->mode) || !v->ops->rw_user || f->ops->pread || f->ops->pwrite)
        return -ENOSYS;
    uint32_t acc = f->flags & O_ACCMODE;
    if ((f->flags & O_PATH) || acc == (write ? O_RDONLY : O_WRONLY))
        return -EBADF;
    if (write)
        vfs_write_kill_suid(v);
    ssize_t r = v->ops->rw_user(f, ubuf, n, write, pos, off);
    if (r > 0)
        notify_file(f, write ? IN_MODIFY : IN_ACCESS);
    return r;
}

/* A directory's offset (and entry count) belong to the namespace (`vfs`, as in
 * getdents64); any other file's to its vnode's lock. Seekable files without a
 * vnode (/dev/null & co.) ignore their offset: a plain store is enough. */
static void pos_lock(struct file *f)
{
    if (!f->vnode)
        return;
    if (S_ISDIR(f->vnode->mode))
        vfs_lock();
    else
        vnode_lock(f->vnode);
}

static void pos_unlock(struct file *f)
{
    if (!f->vnode)
        return;
    if (S_ISDIR(f->vnode->mode))
        vfs_unlock();
    else
        vnode_unlock(f->vnode);
}

int64_t file_lseek(struct file *f, int64_t off, int whence)
{
    if (!f->ops->seekable)
        return -ESPIPE;
    if (whence == SEEK_END && !f->vnode)
        return -EINVAL;
    pos_lock(f);
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->off; break;
    case SEEK_END: base = (int64_t)(f->ops->size ? f->ops->size(f) : f->vnode->size); break;
    default: pos_unlock(f); return -EINVAL;
    }
    int64_t pos;
    if (__builtin_add_overflow(base, off, &pos) || pos < 0) {
        pos_unlock(f);
        return -EINVAL;
    }
    f->off = (uint64_t)pos;
    pos_unlock(f);
    return pos;
}

static uint8_t dt_type(uint32_t mode)
{
    return (uint8_t)((mode & S_IFMT) >> 12);   /* DT_* equal the S_IF* type bits >> 12 */
}

ssize_t file_getdents64(struct file *f, void *buf, size_t size)
{
    struct vnode *d = f->vnode;
    if (!d || !S_ISDIR(d->mode))
        return -ENOTDIR;
    vfs_lock();
    size_t used = 0;
    int err = 0;
    for (;;) {
        const char *name;
        size_t len;
        struct vnode *v;
        uint64_t pos = f->off;
        if (pos == 0) {
            name = ".";
            len = 1;
            v = d;
        } else if (pos == 1) {
            name = "..";
            len = 2;
            v = vnode_dotdot(d, NULL);
        } else if ((err = d->ops->readdir(d, &pos, &name, &len, &v)) != 0) {
            break;                      /* -ENOENT: the end; else (a corrupt disk) an error */
        }
        size_t reclen = ALIGN_UP(19 + len + 1, 8);
        if (used + reclen > size) {
            if (used == 0) {
                vfs_unlock();
                return -EINVAL;
            }
            break;
        }
        uint8_t *r = (uint8_t *)buf + used;
        uint64_t ino = v->ino, next = pos + 1;
        uint16_t rl = (uint16_t)reclen;
        memcpy(r, &ino, 8);
        memcpy(r + 8, &next, 8);
        memcpy(r + 16, &rl, 2);
        r[18] = dt_type(v->mode);
        memcpy(r + 19, name, len);
        memset(r + 19 + len, 0, reclen - 19 - len);
        used += reclen;
        f->off = pos + 1;
    }
    vfs_unlock();
    if (used == 0 && err && err != -ENOENT)
        return err;
    return (ssize_t)used;
}
