/* Names of vnodes: the path of a directory from the caller's root (getcwd,
 * /proc links) and the canonical path of any file (realpath: /proc/<pid>/exe).
 * The tree has parent links for directories only, so a file's name is found in
 * its directory, after every symlink on the way has been followed. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

/* Finds the name of child in dir. */
static int name_in(struct vnode *dir, struct vnode *child, const char **name, size_t *len)
{
    struct vnode *v;
    for (uint64_t pos = 2; dir->ops->readdir(dir, &pos, name, len, &v) == 0; pos++)
        if (v == child)
            return 0;
    return -ENOENT;
}

int vfs_dir_path_locked(struct vnode *root, struct vnode *d, char *buf, size_t size)
{
    int err = 0;
    size_t pos = size;                  /* the path is built backwards from the end */
    if (pos == 0) {
        err = -ERANGE;
        goto out;
    }
    buf[--pos] = 0;
    if (d != root && d->nlink == 0) {
        err = -ENOENT;
        goto out;
    }
    while (d != root) {
        while (d == d->fs->root && d->fs->mountpoint)
            d = d->fs->mountpoint;
        if (d == root || !d->parent)
            break;
        const char *name;
        size_t len;
        err = name_in(d->parent, d, &name, &len);
        if (err)
            goto out;
        if (pos < len + 1) {
            err = -ERANGE;
            goto out;
        }
        pos -= len;
        memcpy(buf + pos, name, len);
        buf[--pos] = '/';
        d = d->parent;
    }
    if (buf[pos] == 0) {
        if (pos == 0) {
            err = -ERANGE;
            goto out;
        }
        buf[--pos] = '/';
    }
    err = (int)(size - pos);
    memmove(buf, buf + pos, (size_t)err);
out:
    return err;
}

int vfs_getcwd(const struct vfs_ctx *c, char *buf, size_t size)
{
    vfs_lock();
    int err = vfs_dir_path_locked(c->root, c->cwd, buf, size);
    vfs_unlock();
    return err;
}

/* Canonical path of the directory part of cur (its text up to the last '/'; "."
 * when there is none) into buf; its final name, if any, into name ("", "." and ".."
 * make the whole of cur the directory). Returns the length of buf's string. */
static int canonical_dir(const struct vfs_ctx *c, char *cur, char *buf, size_t size,
                         char *name)
{
    char *slash = strrchr(cur, '/');
    const char *last = slash ? slash + 1 : cur;
    name[0] = 0;
    if (strcmp(last, "") && strcmp(last, ".") && strcmp(last, "..")) {
        strlcpy(name, last, VFS_PATH_MAX);
        if (!slash)
            strlcpy(cur, ".", VFS_PATH_MAX);
        else
            slash[slash == cur] = 0;            /* "/x" keeps its "/" */
    }
    struct vnode *d;
    int err = vfs_lookup(c, NULL, cur, VFS_FOLLOW, &d);
    if (err)
        return err;
    if (!S_ISDIR(d->mode)) {
        vnode_put(d);
        return -ENOTDIR;
    }
    vfs_lock();
    err = vfs_dir_path_locked(c->root, d, buf, size);
    vfs_unlock();
    vnode_put(d);
    return err < 0 ? err : (int)strlen(buf);
}

int vfs_realpath(const struct vfs_ctx *c, const char *path, char *buf, size_t size)
{
    char *cur = kmalloc(VFS_PATH_MAX), *name = kmalloc(VFS_PATH_MAX);
    char *full = kmalloc(VFS_PATH_MAX);
    int err = !cur || !name || !full ? -ENOMEM : 0;
    if (!err && strlcpy(cur, path, VFS_PATH_MAX) >= VFS_PATH_MAX)
        err = -ENAMETOOLONG;
    /* Each round makes the directory part canonical (so a relative link target is
     * spliced onto where the link really is), then follows a final symlink. */
    for (int hops = 0; !err; hops++) {
        int dl = canonical_dir(c, cur, full, VFS_PATH_MAX, name);
        if (dl < 0) {
            err = dl;
            break;
        }
        if (name[0]) {
            size_t nl = strlen(name);
            bool at_root = dl == 1;
            if ((size_t)dl + !at_root + nl + 1 > VFS_PATH_MAX) {
                err = -ENAMETOOLONG;
                break;
            }
            if (!at_root)
                full[dl++] = '/';
            memcpy(full + dl, name, nl + 1);
            dl += (int)nl;
        }
        ssize_t n = name[0] ? vfs_readlink(c, NULL, full, cur, VFS_PATH_MAX - 1) : -EINVAL;
        if (n == -EINVAL) {                     /* not a symlink: full is the answer */
            if ((size_t)dl + 1 > size)
                err = -ERANGE;
            else
                memcpy(buf, full, (size_t)dl + 1);
            if (!err)
                err = dl + 1;
            break;
        }
        if (n < 0) {
            err = (int)n;
        } else if (hops >= VFS_SYMLOOP_MAX) {
            err = -ELOOP;
        } else {
            cur[n] = 0;
            if (cur[0] != '/') {                /* relative to the link's directory */
                char *slash = strrchr(full, '/');
                size_t keep = (size_t)(slash - full) + 1;
                if (keep + (size_t)n + 1 > VFS_PATH_MAX) {
                    err = -ENAMETOOLONG;
                } else {
                    memmove(full + keep, cur, (size_t)n + 1);
                    memcpy(cur, full, keep + (size_t)n + 1);
                }
            }
        }
    }
    kfree(cur);
    kfree(name);
    kfree(full);
    return err;
}
