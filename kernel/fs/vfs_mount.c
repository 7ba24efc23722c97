/* Mounts: the list of mounted filesystems and their mount points (under `vfs`),
 * mounting a filesystem on a directory and taking it off again (mount(2) and
 * umount2(2) in mount.c; path walks cross mount points in vfs.c). */

#include <osc/errno.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

static struct vfs_fs *mount_list;       /* newest first, through ->next; under `vfs` */

struct vfs_fs *vfs_mounts_locked(void) { return mount_list; }

int vfs_mount(const char *path, struct vfs_fs *fs)
{
    struct vnode *root = vfs_root();
    if (!root)
        return -ENOMEM;
    struct vfs_ctx c = { .root = root, .cwd = root };
    return vfs_mount_ctx(&c, path, fs);
}

int vfs_mount_ctx(const struct vfs_ctx *c, const char *path, struct vfs_fs *fs)
{
    vfs_lock();
    struct vnode *d;
    int err = vfs_lookup_locked(c, NULL, path, VFS_FOLLOW, &d);
    if (!err && !S_ISDIR(d->mode))
        err = -ENOTDIR;
    if (!err && d->mounted)
        err = -EBUSY;
    for (struct vfs_fs *m = mount_list; !err && m; m = m->next)
        if (VFS_MAJOR(fs->dev) && m->dev == fs->dev)
            err = -EBUSY;               /* one block device, one mount */
    if (!err) {
        vnode_get(d);
        fs->mountpoint = d;
        d->mounted = fs;
        fs->next = mount_list;
        mount_list = fs;
    }
    vfs_unlock();
    return err;
}

int vfs_umount(const struct vfs_ctx *c, const char *path, int flags)
{
    vfs_lock();
    struct vnode *v;
    int err = vfs_lookup_locked(c, NULL, path, flags & VFS_FOLLOW, &v);
    struct vfs_fs *fs = err ? NULL : v->fs;
    if (!err && (v != fs->root || !fs->mountpoint))
        err = -EINVAL;                  /* not a mount point */
    for (struct vfs_fs *m = mount_list; !err && m; m = m->next)
        if (m->mountpoint->fs == fs)
            err = -EBUSY;               /* something is mounted inside it */
    if (!err && c->root->fs == fs)
        err = -EBUSY;                   /* the caller's root (chroot) */
    struct vnode *mp = err ? NULL : fs->mountpoint;
    struct vfs_fs *next = err ? NULL : fs->next;
    if (!err)
        err = fs->unmount ? fs->unmount(fs) : -EBUSY;
    if (!err) {                         /* fs is freed: only its address is used */
        mp->mounted = NULL;
        for (struct vfs_fs **pp = &mount_list; *pp; pp = &(*pp)->next) {
            if (*pp == fs) {
                *pp = next;
                break;
            }
        }
    }
    vfs_unlock();
    if (!err)
        vnode_put(mp);                  /* vfs_mount's reference */
    return err;
}

int vfs_remount(const struct vfs_ctx *c, const char *path, uint32_t st_flags, bool keep_atime)
{
    vfs_lock();                         /* exclusive: no open counts a writer meanwhile */
    struct vnode *v;
    int err = vfs_lookup_locked(c, NULL, path, VFS_FOLLOW, &v);
    struct vfs_fs *fs = err ? NULL : v->fs;
    if (!err && v != fs->root)
        err = -EINVAL;                  /* not a mount point */
    uint32_t atime = VFS_ST_NOATIME | VFS_ST_RELATIME;
    if (!err && keep_atime)
        st_flags = (st_flags & ~atime) | (fs->st_flags & atime);
    if (!err && fs->remount)
        err = fs->remount(fs, st_flags);
    else if (!err && ((fs->st_flags ^ st_flags) & VFS_ST_RDONLY))
        err = -EINVAL;                  /* the kernel's own mounts stay as they are */
    else if (!err)
        fs->st_flags = st_flags;
    vfs_unlock();
    return err;
}

int vfs_mount_move(const struct vfs_ctx *c, const char *from, const char *to)
{
    vfs_lock();
    struct vnode *src, *d = NULL;
    int err = vfs_lookup_locked(c, NULL, from, VFS_FOLLOW, &src);
    struct vfs_fs *fs = err ? NULL : src->fs;
    if (!err && (src != fs->root || !fs->mountpoint))
        err = -EINVAL;                  /* not a mount point */
    if (!err)
        err = vfs_lookup_locked(c, NULL, to, VFS_FOLLOW, &d);
    if (!err && !S_ISDIR(d->mode))
        err = -ENOTDIR;
    if (!err && d->mounted)
        err = -EBUSY;
    /* Not onto a directory of its own tree (it would hang from itself). */
    for (struct vnode *x = d; !err && x; x = x->fs->mountpoint)
        if (x->fs == fs)
            err = -ELOOP;
    struct vnode *old = err ? NULL : fs->mountpoint;
    if (!err) {
        old->mounted = NULL;
        vnode_get(d);
        d->mounted = fs;
        fs->mountpoint = d;
    }
    vfs_unlock();
    if (old)
        vnode_put(old);                 /* the old mount point's reference */
    return err;
}
