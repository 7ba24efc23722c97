/* mount(2) and umount2(2): a block device's filesystem (ext2) on a
 * directory, and off again; MS_MOVE moves a mount (switch_root); MS_REMOUNT
 * changes a mount's flags (ext2: read-only <-> read-write too). Bind mounts and
 * propagation flags are not supported (-EINVAL); the kernel's own mounts (/dev,
 * /proc, ...) cannot be unmounted. */

#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "ext2/ext2.h"

/* linux/mount.h MS_* flags. */
#define MS_RDONLY      0x1u
#define MS_NOSUID      0x2u
#define MS_NODEV       0x4u
#define MS_NOEXEC      0x8u
#define MS_SYNCHRONOUS 0x10u
#define MS_REMOUNT     0x20u
#define MS_MANDLOCK    0x40u
#define MS_DIRSYNC     0x80u
#define MS_NOATIME     0x400u
#define MS_NODIRATIME  0x800u
#define MS_BIND        0x1000u
#define MS_MOVE        0x2000u
#define MS_REC         0x4000u
#define MS_SILENT      0x8000u
#define MS_UNBINDABLE  (1u << 17)
#define MS_PRIVATE     (1u << 18)
#define MS_SLAVE       (1u << 19)
#define MS_SHARED      (1u << 20)
#define MS_RELATIME    (1u << 21)
#define MS_STRICTATIME (1u << 24)
#define MS_MGC_MSK     0xffff0000u      /* the old magic 0xC0ED in the top half */
#define MS_MGC_VAL     0xC0ED0000u

#define MNT_FORCE       1               /* umount2 flags */
#define MNT_DETACH      2
#define MNT_EXPIRE      4
#define UMOUNT_NOFOLLOW 8

#define MOUNT_TYPE_MAX 32

/* A string argument into a kmalloc'd buffer: 0, -EFAULT, -ENAMETOOLONG, -ENOMEM. */
static long fetch(uint64_t uptr, size_t max, char **out)
{
    char *s = kmalloc(max);
    if (!s)
        return -ENOMEM;
    long n = strncpy_from_user(s, (const char *)uptr, max);
    if (n < 0) {
        kfree(s);
        return n;
    }
    if ((size_t)n >= max) {
        kfree(s);
        return -ENAMETOOLONG;
    }
    *out = s;
    return 0;
}

/* The block device a path names: -ENOTBLK for anything else, -ENXIO with no
 * driver behind the node. */
static long find_blkdev(const struct vfs_ctx *c, const char *path, struct blkdev **out)
{
    struct vnode *v;
    long err = *path ? vfs_lookup(c, NULL, path, VFS_FOLLOW, &v) : -ENOENT;
    if (err)
        return err;
    err = S_ISBLK(v->mode) ? 0 : -ENOTBLK;
    struct blkdev *b = err ? NULL : blk_find(v->rdev);
    vnode_put(v);
    if (!err && !b)
        err = -ENXIO;
    *out = b;
    return err;
}

/* The statfs ST_* flags of MS_* mount flags. */
static uint32_t st_of(uint32_t flags)
{
    uint32_t st = (flags & MS_RDONLY) ? VFS_ST_RDONLY : 0;
    if (flags & MS_NOSUID)
        st |= VFS_ST_NOSUID;
    if (flags & MS_NODEV)
        st |= VFS_ST_NODEV;
    if (flags & MS_NOEXEC)
        st |= VFS_ST_NOEXEC;
    if (flags & MS_NOATIME)
        st |= VFS_ST_NOATIME;
    else if (!(flags & MS_STRICTATIME))
        st |= VFS_ST_RELATIME;          /* Linux's default */
    return st;
}

static long do_mount(const struct vfs_ctx *c, const char *source, const char *target,
                     const char *type, uint32_t flags)
{
    struct vnode *t;
    long err = vfs_lookup(c, NULL, target, VFS_FOLLOW, &t);
    if (err)
        return err;
    err = S_ISDIR(t->mode) ? 0 : -ENOTDIR;
    vnode_put(t);
    if (err)
        return err;
    if (strcmp(type, "ext2") != 0)
        return -ENODEV;                 /* no such filesystem type */
    struct blkdev *b;
    err = find_blkdev(c, source, &b);
    if (err)
        return err;
    struct vfs_fs *fs;
    err = ext2_mount(b, st_of(flags), &fs);
    if (err)
        return err;
    err = vfs_mount_ctx(c, target, fs);
    if (err)
        ext2_discard(fs);
    return err;
}

/* mount(source, target, filesystemtype, mountflags, data): data (the options
 * string) carries nothing ext2 needs here and is not read. */
SYSCALL(mount)
{
    struct process *p = proc_current();
    struct vfs_ctx c = vfs_ctx_of(p);
    if (c.uid != 0)
        return -EPERM;
    uint32_t flags = (uint32_t)args->a[3];
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~MS_MGC_MSK;
    if (flags & (MS_BIND | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
        return -EINVAL;
    char *source = NULL, *target = NULL, *type = NULL;
    long err = fetch(args->a[1], VFS_PATH_MAX, &target);
    if (flags & MS_REMOUNT) {           /* source, type and data are ignored, as on Linux */
        if (!err)
            err = vfs_remount(&c, target, st_of(flags),
                              !(flags & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)));
        kfree(target);
        return err;
    }
    if (flags & MS_MOVE) {              /* type and data are ignored, as on Linux */
        if (!err)
            err = args->a[0] ? fetch(args->a[0], VFS_PATH_MAX, &source) : -EFAULT;
        if (!err)
            err = vfs_mount_move(&c, source, target);
        kfree(source);
        kfree(target);
        return err;
    }
    if (!err)
        err = args->a[2] ? fetch(args->a[2], MOUNT_TYPE_MAX, &type) : -EINVAL;
    if (err == -ENAMETOOLONG && target)
        err = -ENODEV;                  /* an over-long type names no filesystem */
    if (!err)
        err = args->a[0] ? fetch(args->a[0], VFS_PATH_MAX, &source) : -EINVAL;
    if (!err)
        err = do_mount(&c, source, target, type, flags);
    kfree(source);
    kfree(target);
    kfree(type);
    return err;
}

SYSCALL(umount2)
{
    struct process *p = proc_current();
    struct vfs_ctx c = vfs_ctx_of(p);
    int flags = (int)args->a[1];
    if (c.uid != 0)
        return -EPERM;
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return -EINVAL;
    if (flags & (MNT_DETACH | MNT_EXPIRE))
        return -EINVAL;                 /* lazy and expiring unmounts: not yet */
    char *target;
    long err = fetch(args->a[0], VFS_PATH_MAX, &target);
    if (err)
        return err;
    err = vfs_umount(&c, target, (flags & UMOUNT_NOFOLLOW) ? 0 : VFS_FOLLOW);
    kfree(target);
    return err;
}
