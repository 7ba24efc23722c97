/* statfs / fstatfs: Linux's struct statfs for the filesystem holding a path or an
 * open file. Each vfs_fs names its magic and mount flags; one that keeps data (tmpfs)
 * reports its sizes through fs->statfs. Files without a vnode are pipes (pipefs);
 * anonymous files (inotify) have their own magic. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define PIPEFS_MAGIC 0x50495045u        /* linux/magic.h */
#define ST_VALID     0x0020u            /* f_flags is meaningful (always, since 2.6.36) */

/* struct statfs, x86_64 layout (120 bytes). */
struct linux_statfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags;
    int64_t f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes on x86_64");

static void fill(struct vfs_fs *fs, uint32_t magic, struct linux_statfs *st)
{
    memset(st, 0, sizeof(*st));
    struct vfs_statfs s = { 0 };
    if (fs) {
        magic = fs->magic;
        if (fs->statfs) {
            vfs_lock();
            fs->statfs(fs, &s);
            vfs_unlock();
        }
        st->f_fsid[0] = (int32_t)fs->dev;
        if (s.fsid) {
            st->f_fsid[0] = (int32_t)(uint32_t)s.fsid;
            st->f_fsid[1] = (int32_t)(uint32_t)(s.fsid >> 32);
        }
        st->f_flags = ST_VALID | fs->st_flags;
    } else {
        st->f_flags = ST_VALID;
    }
    st->f_type = magic;
    st->f_bsize = s.bsize ? s.bsize : PAGE_SIZE;
    st->f_frsize = st->f_bsize;
    st->f_blocks = s.blocks;
    st->f_bfree = s.bfree;
    st->f_bavail = s.bsize ? s.bavail : s.bfree;  /* tmpfs keeps none for root */
    st->f_files = s.files;
    st->f_ffree = s.ffree;
    st->f_namelen = VFS_NAME_MAX;
}

static long put(uint64_t ubuf, const struct linux_statfs *st)
{
    return copy_to_user((void *)ubuf, st, sizeof(*st)) ? -EFAULT : 0;
}

SYSCALL(statfs)
{
    struct process *p = proc_current();
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    long err = strncpy_from_user(path, (const char *)args->a[0], VFS_PATH_MAX);
    struct vnode *v = NULL;
    if (err >= 0) {
        struct vfs_ctx c = vfs_ctx_of(p);
        err = vfs_lookup(&c, NULL, path, VFS_FOLLOW, &v);
    }
    kfree(path);
    if (err < 0)
        return err;
    struct linux_statfs st;
    fill(v->fs, 0, &st);
    vnode_put(v);
    return put(args->a[1], &st);
}

SYSCALL(fstatfs)
{
    struct process *p = proc_current();
    struct file *f = p ? fdtable_get(p->files, (int)args->a[0]) : NULL;
    if (!f)
        return -EBADF;
    struct linux_statfs st;
    fill(f->vnode ? f->vnode->fs : NULL, f->vnode ? 0 : f->ops->statfs_magic ?
         f->ops->statfs_magic : PIPEFS_MAGIC, &st);
    file_put(f);
    return put(args->a[1], &st);
}
