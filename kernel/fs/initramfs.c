/* Unpacks the cpio newc initramfs into a directory: the archive comes from outside
 * the kernel, so every name is checked (cpio_name_is_safe) and a bad entry is
 * logged and skipped, never trusted. */

#define LOG_TAG "vfs"
#include <osc/cpio.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>

struct unpack {
    struct vfs_ctx c;
    struct initramfs_stats *st;
};

static int unpack_entry(const struct cpio_entry *e, void *ctx)
{
    struct unpack *u = ctx;
    const char *name = e->name;
    if (!cpio_name_is_safe(name)) {
        log_warn("initramfs: unsafe name '%.64s' skipped", name);
        u->st->rejected++;
        return 0;
    }
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    if (strcmp(name, ".") == 0 || name[0] == 0)
        return 0;                       /* the root itself */
    uint32_t perm = e->mode & 07777, type = e->mode & S_IFMT;
    u->c.uid = e->uid;                  /* what is created is the archive's owner's */
    u->c.gid = e->gid;
    int err;
    struct vnode *v = NULL;
    switch (type) {
    case S_IFDIR:
        err = vfs_mkdir(&u->c, NULL, name, perm);
        if (err == -EEXIST && vfs_lookup(&u->c, NULL, name, 0, &v) == 0) {
            err = S_ISDIR(v->mode) ? vfs_chmod_vnode(v, perm) : -EEXIST;
            if (!err)
                err = vfs_chown_vnode(v, e->uid, e->gid);
            vnode_put(v);
        }
        if (!err)
            u->st->dirs++;
        break;
    case S_IFREG: {
        struct file *f;
        err = vfs_open(&u->c, NULL, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, perm, &f);
        if (err)
            break;
        ssize_t w = e->size ? file_write(f, e->data, e->size) : 0;
        if (w >= 0 && (size_t)w != e->size)
            w = -ENOSPC;
        err = w < 0 ? (int)w : vfs_chmod_vnode(f->vnode, perm);
        file_put(f);
        if (!err) {
            u->st->files++;
            u->st->bytes += e->size;
        }
        break;
    }
    case S_IFLNK: {
        char *t = kmalloc(e->size + 1);
        if (!t) {
            err = -ENOMEM;
            break;
        }
        memcpy(t, e->data, e->size);
        t[e->size] = 0;
        err = (e->size == 0 || strlen(t) != e->size) ? -EINVAL : vfs_symlink(&u->c, t, NULL, name);
        kfree(t);
        if (!err)
            u->st->others++;
        break;
    }
    case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
        err = vfs_mknod(&u->c, NULL, name, type | perm, VFS_MKDEV(e->rdev_major, e->rdev_minor));
        if (!err)
            u->st->others++;
        break;
    default:
        err = -EINVAL;
    }
    if (err) {
        log_warn("initramfs: '%.64s' (mode %o) not created: %d", name, e->mode, err);
        u->st->rejected++;
    }
    return 0;
}

int initramfs_unpack(struct vnode *dir, const void *buf, size_t len, struct initramfs_stats *st)
{
    /* umask 0: the archive's permission bits are taken as they are. */
    struct unpack u = { { .root = dir, .cwd = dir }, st };
    memset(st, 0, sizeof(*st));
    int err = cpio_iterate(buf, len, unpack_entry, &u);
    if (err)
        log_warn("initramfs: malformed archive (%d), unpacked what came before", err);
    return err;
}
