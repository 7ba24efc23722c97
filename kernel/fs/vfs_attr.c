/* Attributes of vnodes: size, mode, owner and times as truncate, chmod, chown and
 * utimensat change them, and the Linux struct stat that reports them. Size and
 * times are under the vnode's lock; mode and owner are written under `vfs` too
 * (the path walk reads them there). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/filepages.h>
#include <osc/vfs.h>
#include "vfs_internal.h"
#ifndef HOST_TEST
#include <osc/time.h>
#endif

void vnode_touch(struct vnode *v, bool mtime)
{
    vnode_lock(v);
    vnode_touch_locked(v, mtime);
    vnode_unlock(v);
}

void vnode_touch_locked(struct vnode *v, bool mtime)
{
#ifndef HOST_TEST
    int64_t ns = time_realtime_ns();
    struct vfs_timespec t = { ns / 1000000000, ns % 1000000000 };
#else
    struct vfs_timespec t = { 0, 0 };
#endif
    v->ctime = t;
    if (mtime)
        v->mtime = t;
}

int vfs_truncate_vnode(struct vnode *v, int64_t size)
{
    if (size < 0)
        return -EINVAL;
    if (S_ISDIR(v->mode))
        return -EISDIR;
    if (!S_ISREG(v->mode))
        return -EINVAL;
    if (vnode_readonly(v))
        return -EROFS;
    vnode_lock(v);
    int err = v->ops->truncate(v, (uint64_t)size);
    if (!err)
        vnode_touch_locked(v, true);
    vnode_unlock(v);
    return err;
}

int vfs_chmod_vnode(struct vnode *v, uint32_t mode)
{
    if (vnode_readonly(v))
        return -EROFS;
    vfs_lock();
    vnode_lock(v);
    int err = 0;
    if ((v->seals & VFS_SEAL_EXEC) && ((v->mode ^ mode) & 0111)) {
        err = -EPERM;                   /* memfd F_SEAL_EXEC */
    } else {
        v->mode = (v->mode & S_IFMT) | (mode & 07777);
        vnode_touch_locked(v, false);
    }
    vnode_unlock(v);
    vfs_unlock();
    return err;
}

int vfs_utimes_vnode(struct vnode *v, const struct vfs_timespec *atime,
                     const struct vfs_timespec *mtime)
{
    if (vnode_readonly(v))
        return -EROFS;
    vnode_lock(v);
    if (atime)
        v->atime = *atime;
    if (mtime)
        v->mtime = *mtime;
    vnode_touch_locked(v, false);
    vnode_unlock(v);
    return 0;
}

int vfs_chown_vnode(struct vnode *v, uint32_t uid, uint32_t gid)
{
    if (vnode_readonly(v))
        return -EROFS;
    vfs_lock();
    vnode_lock(v);
    if (uid != (uint32_t)-1)
        v->uid = uid;
    if (gid != (uint32_t)-1)
        v->gid = gid;
    vnode_touch_locked(v, false);
    vnode_unlock(v);
    vfs_unlock();
    return 0;
}

void vfs_stat_vnode(struct vnode *v, struct linux_stat *st)
{
    memset(st, 0, sizeof(*st));
    vnode_lock(v);                      /* size and times as one snapshot */
    st->st_dev = v->fs ? v->fs->dev : 0;
    st->st_ino = v->ino;
    st->st_nlink = v->nlink;
    st->st_mode = v->mode;
    st->st_uid = v->uid;
    st->st_gid = v->gid;
    st->st_rdev = v->rdev;
    st->st_size = (int64_t)v->size;
    st->st_blksize = v->fs && v->fs->blksize ? v->fs->blksize : 4096;
    /* A file in memory holds the frames it has, not its size: holes cost none
     * (`du` and `cp --sparse` go by this). */
    struct filepages *fp = !v->has_disk_blocks && S_ISREG(v->mode) && v->ops->pages
                               ? v->ops->pages(v) : NULL;      /* (ext2's would be made) */
    if (v->has_disk_blocks)
        st->st_blocks = (int64_t)v->disk_blocks;
    else if (fp)
        st->st_blocks = (int64_t)(filepages_frames(fp) * (4096 / 512));
    else
        st->st_blocks = (int64_t)(ALIGN_UP(v->size, 4096) / 512);
    st->st_atime = (uint64_t)v->atime.sec;
    st->st_atime_nsec = (uint64_t)v->atime.nsec;
    st->st_mtime = (uint64_t)v->mtime.sec;
    st->st_mtime_nsec = (uint64_t)v->mtime.nsec;
    st->st_ctime = (uint64_t)v->ctime.sec;
    st->st_ctime_nsec = (uint64_t)v->ctime.nsec;
    vnode_unlock(v);
}
