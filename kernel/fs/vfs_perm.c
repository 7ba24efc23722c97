/* Discretionary access control as Linux's VFS does it: mode bits against the
 * caller's filesystem ids and groups, the capabilities that override them, sticky
 * directories, and who may chmod, chown and set times. Works from any vnode's
 * mode/uid/gid, so every filesystem (tmpfs, ext2, devfs, procfs) gets it. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

bool vfs_capable(const struct vfs_ctx *c, int cap)
{
    return !c->checked || (c->caps & CAP_BIT(cap));
}

bool vfs_in_group(const struct vfs_ctx *c, uint32_t gid)
{
    return cred_in_groups(c->gid, c->groups, c->ngroups, gid);
}

bool vfs_owner_or_capable(const struct vfs_ctx *c, const struct vnode *v)
{
    return !c->checked || c->uid == v->uid || vfs_capable(c, CAP_FOWNER);
}

int vfs_permission(const struct vfs_ctx *c, const struct vnode *v, int mask)
{
    mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
    if ((mask & MAY_WRITE) && vnode_readonly(v) &&
        (S_ISREG(v->mode) || S_ISDIR(v->mode) || S_ISLNK(v->mode)))
        return -EROFS;
    if (!c->checked)
        return 0;
    uint32_t mode = v->mode;
    if (c->uid == v->uid)
        mode >>= 6;
    else if (vfs_in_group(c, v->gid))
        mode >>= 3;
    if ((mask & ~mode & 7) == 0)
        return 0;
    /* Linux's capability overrides: directories are searched and read with
     * CAP_DAC_READ_SEARCH; anything else needs one execute bit for CAP_DAC_OVERRIDE
     * to grant execution. */
    if (S_ISDIR(v->mode)) {
        if (!(mask & MAY_WRITE) && vfs_capable(c, CAP_DAC_READ_SEARCH))
            return 0;
        return vfs_capable(c, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
    }
    if (mask == MAY_READ && vfs_capable(c, CAP_DAC_READ_SEARCH))
        return 0;
    if ((!(mask & MAY_EXEC) || (v->mode & 0111)) && vfs_capable(c, CAP_DAC_OVERRIDE))
        return 0;
    return -EACCES;
}

int vfs_may_create(const struct vfs_ctx *c, const struct vnode *dir)
{
    if (dir->nlink == 0)
        return -ENOENT;                 /* removed, still open or someone's cwd */
    return vfs_permission(c, dir, MAY_WRITE | MAY_EXEC);
}

int vfs_may_delete(const struct vfs_ctx *c, const struct vnode *dir, const struct vnode *v)
{
    int err = vfs_permission(c, dir, MAY_WRITE | MAY_EXEC);
    if (err)
        return err;
    if ((dir->mode & S_ISVTX) && c->checked && c->uid != v->uid && c->uid != dir->uid &&
        !vfs_capable(c, CAP_FOWNER))
        return -EPERM;
    return 0;
}

int vfs_chmod_checked(const struct vfs_ctx *c, struct vnode *v, uint32_t mode)
{
    if (vnode_readonly(v))
        return -EROFS;
    if (!vfs_owner_or_capable(c, v))
        return -EPERM;
    if ((mode & S_ISGID) && !vfs_in_group(c, v->gid) && !vfs_capable(c, CAP_FSETID))
        mode &= ~(uint32_t)S_ISGID;
    return vfs_chmod_vnode(v, mode);
}

int vfs_chown_checked(const struct vfs_ctx *c, struct vnode *v, uint32_t uid, uint32_t gid)
{
    if (vnode_readonly(v))
        return -EROFS;
    bool chown_cap = vfs_capable(c, CAP_CHOWN);
    /* Only CAP_CHOWN gives a file away; its owner may pick one of its own groups. */
    if (uid != (uint32_t)-1 && !chown_cap && (c->uid != v->uid || uid != v->uid))
        return -EPERM;
    if (gid != (uint32_t)-1 && !chown_cap &&
        (c->uid != v->uid || (gid != v->gid && !vfs_in_group(c, gid))))
        return -EPERM;
    int err = vfs_chown_vnode(v, uid, gid);
    if (err || S_ISDIR(v->mode) || (uid == (uint32_t)-1 && gid == (uint32_t)-1))
        return err;
    /* A new owner does not inherit set-id powers (Linux, root included). */
    uint32_t kill = S_ISUID | ((v->mode & S_IXGRP) ? S_ISGID : 0);
    if (v->mode & kill)
        err = vfs_chmod_vnode(v, v->mode & 07777 & ~kill);
    return err;
}

int vfs_utimes_checked(const struct vfs_ctx *c, struct vnode *v, const struct vfs_timespec *atime,
                       const struct vfs_timespec *mtime, bool explicit_times)
{
    if (vnode_readonly(v))
        return -EROFS;
    if (!vfs_owner_or_capable(c, v)) {
        if (explicit_times)
            return -EPERM;
        int err = vfs_permission(c, v, MAY_WRITE);
        if (err)
            return err;
    }
    return vfs_utimes_vnode(v, atime, mtime);
}

void vfs_kill_suid(const struct vfs_ctx *c, struct vnode *v)
{
    uint32_t mode = v->mode;
    uint32_t kill = ((mode & S_ISUID) ? S_ISUID : 0) |
                    ((mode & S_ISGID) && (mode & S_IXGRP) ? S_ISGID : 0);
    if (!kill || !S_ISREG(mode) || vfs_capable(c, CAP_FSETID))
        return;
    /* Under v's lock only: callers may hold `vfs` (open's O_TRUNC); a walk that
     * reads the mode meanwhile sees it with or without the bits, both harmless. */
    vnode_lock(v);
    v->mode &= ~kill;
    vnode_touch_locked(v, false);
    vnode_unlock(v);
}
