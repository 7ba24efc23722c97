/* memfd_create: anonymous regular files on an internal (never mounted) tmpfs, so
 * read/write, ftruncate and MAP_SHARED work as on any tmpfs file; plus file seals
 * (F_ADD_SEALS / F_GET_SEALS), kept in vnode->seals under the vnode's lock and enforced by
 * tmpfs (write, truncate) and mmap (no writable shared mapping once write-sealed). */

#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

#define MFD_CLOEXEC       0x0001u       /* linux/memfd.h */
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_HUGETLB       0x0004u
#define MFD_NOEXEC_SEAL   0x0008u
#define MFD_EXEC          0x0010u
#define MFD_NAME_MAX      (VFS_NAME_MAX - 6)    /* the dentry is "memfd:" + name */

#define SEALS_ALL (VFS_SEAL_SEAL | VFS_SEAL_SHRINK | VFS_SEAL_GROW | VFS_SEAL_WRITE | \
                   VFS_SEAL_FUTURE_WRITE | VFS_SEAL_EXEC)

static struct vfs_fs *memfd_fs;         /* created on first use under `vfs` */

static bool is_memfd(const struct file *f)
{
    return f->vnode && memfd_fs && f->vnode->fs == memfd_fs;
}

/* Any other tmpfs regular file: Linux's shmem files carry F_SEAL_SEAL from birth. */
static bool is_tmpfs_file(const struct file *f)
{
    return f->vnode && S_ISREG(f->vnode->mode) && f->vnode->fs &&
           f->vnode->fs->magic == VFS_TMPFS_MAGIC;
}

SYSCALL(memfd_create)
{
    uint32_t flags = (uint32_t)args->a[1];
    if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC))
        return -EINVAL;                 /* MFD_HUGETLB among them: no huge pages */
    if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC))
        return -EINVAL;
    struct process *p = proc_current();
    if (!p || !p->files)
        return -EBADF;
    char *name = kmalloc(MFD_NAME_MAX + 1);
    char *path = kmalloc(VFS_NAME_MAX + 16);
    long err = name && path ? 0 : -ENOMEM;
    if (!err) {
        err = strncpy_from_user(name, (const char *)args->a[0], MFD_NAME_MAX + 1);
        if (err == -ENAMETOOLONG)
            err = -EINVAL;
    }
    if (err < 0) {
        kfree(name);
        kfree(path);
        return err;
    }
    /* What /proc/<pid>/fd/N shows, as Linux's d_path of an unlinked shmem file. */
    ksnprintf(path, VFS_NAME_MAX + 16, "/memfd:%s (deleted)", name);
    kfree(name);
    vfs_lock();
    if (!memfd_fs)
        memfd_fs = tmpfs_create("memfd");
    struct vnode *v = memfd_fs ? tmpfs_create_unlinked(memfd_fs, 0777) : ERR_PTR(-ENOMEM);
    struct file *f = NULL;
    if (!IS_ERR(v)) {
        v->uid = p->euid;
        v->gid = p->egid;
        v->seals = (flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) ? 0 : VFS_SEAL_SEAL;
        /* MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC, so chmod cannot add x back. */
        if (flags & MFD_NOEXEC_SEAL) {
            v->mode &= ~0111u;
            v->seals |= VFS_SEAL_EXEC;
        }
        f = file_alloc(v, &vfs_reg_ops, O_RDWR | O_LARGEFILE);
    }
    vfs_unlock();
    if (IS_ERR(v)) {
        kfree(path);
        return PTR_ERR(v);
    }
    if (!f) {
        vnode_get(v);                   /* frees the unnamed vnode */
        vnode_put(v);
        kfree(path);
        return -ENOMEM;
    }
    f->path = path;
    err = fdtable_install(p->files, f, 0, flags & MFD_CLOEXEC);
    file_put(f);
    return err;
}

long memfd_add_seals(struct file *f, uint32_t seals)
{
    if (!is_memfd(f))
        return is_tmpfs_file(f) ? -EPERM : -EINVAL;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EPERM;                  /* Linux: the file must be open for writing */
    if (seals & ~SEALS_ALL)
        return -EINVAL;
    struct vnode *v = f->vnode;
    long err = 0;
    vnode_lock(v);
    if (v->seals & VFS_SEAL_SEAL)
        err = -EPERM;
    else if ((seals & VFS_SEAL_WRITE) && !(v->seals & VFS_SEAL_WRITE) &&
             filepages_writable_maps(v->ops->pages(v)) > 0)
        err = -EBUSY;                   /* a writable shared mapping could still store */
    else
        v->seals |= seals;
    vnode_unlock(v);
    return err;
}

long memfd_get_seals(struct file *f)
{
    if (!is_memfd(f))
        return is_tmpfs_file(f) ? VFS_SEAL_SEAL : -EINVAL;
    vnode_lock(f->vnode);
    long s = f->vnode->seals;
    vnode_unlock(f->vnode);
    return s;
}
