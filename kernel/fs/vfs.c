/* VFS core: mounts, the path walk, the namespace operations and opening by path.
 * Pure logic over struct vnode_ops (host-tested with tmpfs in
 * tests/host/test_vfs.c); the locks and vnode references are in vfs_vnode.c,
 * vnode attributes in vfs_attr.c, mounts in vfs_mount.c, paths of vnodes in
 * vfs_names.c, open files in file.c, descriptor tables in fdtable.c, the
 * kernel-only parts elsewhere. */

#define LOG_TAG "vfs"
#include <osc/block.h>
#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

/* What a walk under a shared `vfs` answers when it reaches a filesystem whose
 * lookups change state (procfs and sysfs make nodes): the caller starts again
 * with `vfs` exclusive. Never returned to a system call. */
#define EWALK_EXCL 4096

static bool walk_shared_ok(const struct vnode *v)
{
    return v->fs && v->fs->shared_walk;
}

static struct vfs_fs *root_fs;

struct vnode *vfs_root(void)
{
    if (!root_fs) {
        root_fs = tmpfs_create("tmpfs");
        if (!root_fs)
            return NULL;
    }
    return root_fs->root;
}

/* ---- path walk (all under `vfs`) ---- */

struct walk {
    const struct vfs_ctx *c;
    bool shared;                /* `vfs` is held shared: touch read-only filesystems only */
    int links;                  /* symlinks followed so far */
    bool want_file;             /* an open: magic links may lead to a file */
    struct file *file;          /* such a file (referenced), for vfs_open */
};

static bool is_dotdot(const char *n, size_t len) { return len == 2 && n[0] == '.' && n[1] == '.'; }
static bool is_dot(const char *n, size_t len) { return len == 1 && n[0] == '.'; }

static struct vnode *cross_mounts(struct vnode *v)
{
    if (IS_ERR(v))
        return NULL;                    /* a lookup that failed (a corrupt disk) */
    while (v && S_ISDIR(v->mode) && v->mounted)
        v = v->mounted->root;
    return v;
}

struct vnode *vnode_dotdot(struct vnode *dir, const struct vnode *root)
{
    if (dir == root)
        return dir;                     /* never above the caller's root */
    while (dir == dir->fs->root && dir->fs->mountpoint)
        dir = dir->fs->mountpoint;      /* leave the mounted fs through its mount point */
    if (dir == root)
        return dir;
    return dir->parent ? dir->parent : dir;
}

static struct vnode *step_dotdot(const struct walk *w, struct vnode *dir)
{
    return vnode_dotdot(dir, w->c->root);
}

static int walk_path(struct walk *w, struct vnode *start, const char *path, bool follow_last,
                     struct vnode **out);

/* Resolves symlink v found in dir. */
static int follow_link(struct walk *w, struct vnode *dir, struct vnode *v, struct vnode **out)
{
    if (++w->links > VFS_SYMLOOP_MAX)
        return -ELOOP;
    if (w->shared && (v->ops->magic_link || !walk_shared_ok(v)))
        return -EWALK_EXCL;
    if (v->ops->magic_link) {
        struct file *f = NULL;
        if (v->ops->magic_link(v, out, w->want_file ? &f : NULL) == 0) {
            if (f) {
                file_put(w->file);      /* only the final link's file counts */
                w->file = f;
            }
            return 0;
        }
    }
    const char *t;
    size_t tlen;
    int err = v->ops->readlink(v, &t, &tlen);
    if (err)
        return err;
    if (tlen == 0)
        return -ENOENT;
    /* Targets are stored NUL-terminated by tmpfs (tlen excludes it). */
    return walk_path(w, dir, t, true, out);
}

static int lookup_component(struct walk *w, struct vnode *dir, const char *name, size_t len,
                            struct vnode **out)
{
    if (!S_ISDIR(dir->mode))
        return -ENOTDIR;
    int err = vfs_permission(w->c, dir, MAY_EXEC);     /* search, even for . and .. */
    if (err)
        return err;
    if (len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    if (is_dot(name, len)) {
        *out = dir;
        return 0;
    }
    if (is_dotdot(name, len)) {
        *out = step_dotdot(w, dir);
        return 0;
    }
    if (w->shared && !walk_shared_ok(dir))
        return -EWALK_EXCL;
    struct vnode *v = dir->ops->lookup(dir, name, len);
    if (!v)
        return -ENOENT;
    if (IS_ERR(v))
        return (int)PTR_ERR(v);
    *out = cross_mounts(v);
    return 0;
}

/* Walks path from start (or the root for an absolute path). follow_last: resolve a
 * final symlink; a trailing slash forces it and requires a directory. */
static int walk_path(struct walk *w, struct vnode *start, const char *path, bool follow_last,
                     struct vnode **out)
{
    struct vnode *cur = start;
    const char *p = path;
    if (*p == '/') {
        cur = w->c->root;
        while (*p == '/')
            p++;
    }
    while (*p) {
        const char *name = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        bool slash = *p == '/';
        while (*p == '/')
            p++;
        bool last = *p == 0;
        struct vnode *next;
        int err = lookup_component(w, cur, name, len, &next);
        if (err)
            return err;
        if (S_ISLNK(next->mode) && (!last || follow_last || slash)) {
            err = follow_link(w, cur, next, &next);
            if (err)
                return err;
        }
        if (slash && !S_ISDIR(next->mode))
            return -ENOTDIR;
        cur = next;
    }
    *out = cur;
    return 0;
}

static int check_path(const char *path)
{
    if (strnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

static struct vnode *start_dir(const struct vfs_ctx *c, struct vnode *at)
{
    return at ? at : c->cwd;
}

static int lookup_mode(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                       struct vnode **out, bool shared)
{
    int err = check_path(path);
    if (err)
        return err;
    if (*path == 0)
        return -ENOENT;
    struct walk w = { .c = c, .shared = shared };
    return walk_path(&w, start_dir(c, at), path, flags & VFS_FOLLOW, out);
}

int vfs_lookup_locked(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                      struct vnode **out)
{
    return lookup_mode(c, at, path, flags, out, false);
}

int vfs_lookup(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
               struct vnode **out)
{
    for (bool shared = true;; shared = false) {
        vfs_lock_mode(shared);
        int err = lookup_mode(c, at, path, flags, out, shared);
        if (!err)
            vnode_get(*out);
        vfs_unlock_mode(shared);
        if (err != -EWALK_EXCL)
            return err;
    }
}

/* Splits path into its parent directory (walked) and last component. The last
 * component may be "." or ".." (callers reject those as they need). *trailing says
 * whether the path ended in '/'. */
static int walk_parent_mode(const struct vfs_ctx *c, struct vnode *at, const char *path,
                            struct vnode **dir, const char **name, size_t *len, bool *trailing,
                            bool shared)
{
    int err = check_path(path);
    if (err)
        return err;
    size_t n = strlen(path);
    if (n == 0)
        return -ENOENT;
    size_t end = n;
    while (end > 0 && path[end - 1] == '/')
        end--;
    *trailing = end < n;
    if (end == 0) {                     /* "/" or "///" */
        *dir = c->root;
        *name = ".";
        *len = 1;
        return 0;
    }
    size_t begin = end;
    while (begin > 0 && path[begin - 1] != '/')
        begin--;
    *name = path + begin;
    *len = end - begin;
    if (*len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct walk w = { .c = c, .shared = shared };
    struct vnode *d = start_dir(c, at);
    if (begin > 0) {
        /* Walk the prefix path[0, begin): copy-free by walking a bounded prefix. */
        char *prefix = kmalloc(begin + 1);
        if (!prefix)
            return -ENOMEM;
        memcpy(prefix, path, begin);
        prefix[begin] = 0;
        err = walk_path(&w, d, prefix, true, &d);
        kfree(prefix);
        if (err)
            return err;
    }
    if (!S_ISDIR(d->mode))
        return -ENOTDIR;
    *dir = d;
    return 0;
}

static int walk_parent(const struct vfs_ctx *c, struct vnode *at, const char *path,
                       struct vnode **dir, const char **name, size_t *len, bool *trailing)
{
    return walk_parent_mode(c, at, path, dir, name, len, trailing, false);
}

/* Creates name in dir (under `vfs`), failing with -EEXIST when present. */
static int create_locked(const struct vfs_ctx *c, struct vnode *at, const char *path,
                         uint32_t mode, uint32_t rdev, const char *target, struct vnode **out)
{
    struct vnode *dir;
    const char *name;
    size_t len;
    bool trailing;
    int err = walk_parent(c, at, path, &dir, &name, &len, &trailing);
    if (err)
        return err;
    if (is_dot(name, len) || is_dotdot(name, len))
        return -EEXIST;
    struct walk w = { .c = c };
    struct vnode *existing;
    if (lookup_component(&w, dir, name, len, &existing) == 0)
        return -EEXIST;
    if (trailing && !S_ISDIR(mode))
        return S_ISREG(mode) ? -EISDIR : -ENOENT;
    err = vfs_may_create(c, dir);
    if (err)
        return err;
    if ((S_ISCHR(mode) || S_ISBLK(mode)) && !vfs_capable(c, CAP_MKNOD))
        return -EPERM;
    /* A set-group-ID directory hands its group down (and the bit, to directories);
     * otherwise a set-group-ID bit needs the group (Linux's inode_init_owner). */
    uint32_t gid = c->gid;
    if (dir->mode & S_ISGID) {
        gid = dir->gid;
        if (S_ISDIR(mode))
            mode |= S_ISGID;
    }
    if (!S_ISDIR(mode) && (mode & S_ISGID) && (mode & S_IXGRP) && !vfs_in_group(c, gid) &&
        !vfs_capable(c, CAP_FSETID))
        mode &= ~(uint32_t)S_ISGID;
    struct vnode *v = dir->ops->create(dir, name, len, mode, rdev, target,
                                       target ? strlen(target) : 0);
    if (IS_ERR(v))
        return (int)PTR_ERR(v);
    v->uid = c->uid;
    v->gid = gid;
    vnode_lock(v);                      /* born now: all three times */
    vnode_touch_locked(v, true);
    v->atime = v->mtime;
    vnode_unlock(v);
    vnode_touch(dir, true);
    notify_dir_locked(dir, v, IN_CREATE, 0, name, len);
    if (out)
        *out = v;
    return 0;
}

int vfs_mknod(const struct vfs_ctx *c, struct vnode *at, const char *path, uint32_t mode,
              uint32_t rdev)
{
    uint32_t type = mode & S_IFMT;
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR || type == S_IFLNK)
        return -EINVAL;
    vfs_lock();
    int err = create_locked(c, at, path, type | (mode & 07777 & ~c->umask), rdev, NULL, NULL);
    vfs_unlock();
    return err;
}

int vfs_mkdir(const struct vfs_ctx *c, struct vnode *at, const char *path, uint32_t mode)
{
    vfs_lock();
    int err = create_locked(c, at, path, S_IFDIR | (mode & 07777 & ~c->umask), 0, NULL, NULL);
    vfs_unlock();
    return err;
}

int vfs_symlink(const struct vfs_ctx *c, const char *target, struct vnode *at, const char *path)
{
    if (*target == 0)
        return -ENOENT;
    if (strnlen(target, VFS_PATH_MAX) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    vfs_lock();
    int err = create_locked(c, at, path, S_IFLNK | 0777, 0, target, NULL);
    vfs_unlock();
    return err;
}

int vfs_link(const struct vfs_ctx *c, struct vnode *oat, const char *opath, struct vnode *nat,
             const char *npath, int flags)
{
    vfs_lock();
    struct vnode *v, *dir;
    const char *name;
    size_t len;
    bool trailing;
    int err = vfs_lookup_locked(c, oat, opath, (flags & AT_SYMLINK_FOLLOW) ? VFS_FOLLOW : 0, &v);
    if (err)
        goto out;
    err = -EPERM;
    if (S_ISDIR(v->mode))
        goto out;
    err = walk_parent(c, nat, npath, &dir, &name, &len, &trailing);
    if (err)
        goto out;
    err = -EEXIST;
    struct walk w = { .c = c };
    struct vnode *existing;
    if (is_dot(name, len) || is_dotdot(name, len) ||
        lookup_component(&w, dir, name, len, &existing) == 0)
        goto out;
    err = trailing ? -ENOENT : -EXDEV;
    if (trailing || dir->fs != v->fs)
        goto out;
    err = vfs_may_create(c, dir);
    if (err)
        goto out;
    err = dir->ops->link(dir, name, len, v);
    if (!err) {
        vnode_touch(v, false);
        vnode_touch(dir, true);
        notify_locked(v, IN_ATTRIB);
        notify_dir_locked(dir, v, IN_CREATE, 0, name, len);
    }
out:
    vfs_unlock();
    return err;
}

static int remove_locked(const struct vfs_ctx *c, struct vnode *at, const char *path, bool rmdir)
{
    struct vnode *dir, *v;
    const char *name;
    size_t len;
    bool trailing;
    int err = walk_parent(c, at, path, &dir, &name, &len, &trailing);
    if (err)
        return err;
    if (is_dot(name, len))
        return rmdir ? -EINVAL : -EISDIR;
    if (is_dotdot(name, len))
        return rmdir ? -ENOTEMPTY : -EISDIR;
    if (vnode_readonly(dir))
        return -EROFS;
    v = dir->ops->lookup(dir, name, len);
    if (!v)
        return -ENOENT;
    if (IS_ERR(v))
        return (int)PTR_ERR(v);
    err = vfs_may_delete(c, dir, v);
    if (err)
        return err;
    if (rmdir) {
        if (!S_ISDIR(v->mode))
            return -ENOTDIR;
        if (v->mounted || v == c->root || v == v->fs->root)
            return -EBUSY;
        if (!v->ops->dir_empty(v))
            return -ENOTEMPTY;
    } else {
        if (S_ISDIR(v->mode))
            return -EISDIR;
        if (trailing)
            return -ENOTDIR;
    }
    err = dir->ops->unlink(dir, name, len);
    if (err)
        return err;
    vnode_touch(dir, true);
    vnode_touch(v, false);
    /* Linux's order: the file's IN_ATTRIB, IN_DELETE_SELF and IN_IGNORED (its
     * watches end), then the directory's IN_DELETE. A file still open (or a
     * directory still someone's cwd) reports its end when the last holder goes
     * (vnode_free_hook). */
    if (!rmdir)
        notify_locked(v, IN_ATTRIB);
    if (v->nlink == 0 && v->refcount == 0)
        notify_gone_locked(v);
    notify_dir_locked(dir, v, IN_DELETE, 0, name, len);
    vnode_maybe_destroy(v);
    return 0;
}

int vfs_unlink(const struct vfs_ctx *c, struct vnode *at, const char *path)
{
    vfs_lock();
    int err = remove_locked(c, at, path, false);
    vfs_unlock();
    return err;
}

int vfs_rmdir(const struct vfs_ctx *c, struct vnode *at, const char *path)
{
    vfs_lock();
    int err = remove_locked(c, at, path, true);
    vfs_unlock();
    return err;
}

/* True when a is d or lies below it. */
static bool is_ancestor(struct vnode *d, struct vnode *a)
{
    for (; a; a = a->parent) {
        if (a == d)
            return true;
        if (!a->parent && a->fs->mountpoint)
            a = a->fs->mountpoint;
        if (a == d)
            return true;
    }
    return false;
}

static int rename_locked(const struct vfs_ctx *c, struct vnode *oat, const char *opath,
                         struct vnode *nat, const char *npath)
{
    struct vnode *odir, *ndir, *v, *target;
    const char *oname, *nname;
    size_t olen, nlen;
    bool otrail, ntrail;
    int err = walk_parent(c, oat, opath, &odir, &oname, &olen, &otrail);
    if (err)
        return err;
    err = walk_parent(c, nat, npath, &ndir, &nname, &nlen, &ntrail);
    if (err)
        return err;
    if (is_dot(oname, olen) || is_dotdot(oname, olen) || is_dot(nname, nlen) ||
        is_dotdot(nname, nlen))
        return -EBUSY;
    if (odir->fs == ndir->fs && vnode_readonly(odir))
        return -EROFS;
    v = odir->ops->lookup(odir, oname, olen);
    if (!v)
        return -ENOENT;
    if (IS_ERR(v))
        return (int)PTR_ERR(v);
    if ((otrail || ntrail) && !S_ISDIR(v->mode))
        return -ENOTDIR;
    if (odir->fs != ndir->fs)
        return -EXDEV;
    if (v->mounted || v == v->fs->root)
        return -EBUSY;
    target = ndir->ops->lookup(ndir, nname, nlen);
    if (IS_ERR(target))
        return (int)PTR_ERR(target);
    if (target == v)
        return 0;                       /* same file (or hard links to it): nothing */
    if (S_ISDIR(v->mode) && is_ancestor(v, ndir))
        return -EINVAL;                 /* a directory into its own subtree */
    err = vfs_may_delete(c, odir, v);
    if (!err)
        err = target ? vfs_may_delete(c, ndir, target) : vfs_may_create(c, ndir);
    if (!err && S_ISDIR(v->mode) && odir != ndir)
        err = vfs_permission(c, v, MAY_WRITE);      /* its ".." changes */
    if (err)
        return err;
    if (target) {
        if (S_ISDIR(v->mode) && !S_ISDIR(target->mode))
            return -ENOTDIR;
        if (!S_ISDIR(v->mode) && S_ISDIR(target->mode))
            return -EISDIR;
        if (S_ISDIR(target->mode)) {
            if (target->mounted)
                return -EBUSY;
            if (!target->ops->dir_empty(target))
                return -ENOTEMPTY;
        }
    }
    err = odir->ops->rename(odir, oname, olen, ndir, nname, nlen);
    if (err)
        return err;
    vnode_touch(odir, true);
    vnode_touch(ndir, true);
    vnode_touch(v, false);
    if (notify_active()) {
        uint32_t cookie = notify_cookie();
        notify_dir_locked(odir, v, IN_MOVED_FROM, cookie, oname, olen);
        notify_dir_locked(ndir, v, IN_MOVED_TO, cookie, nname, nlen);
        notify_locked(v, IN_MOVE_SELF);
        if (target && target->nlink == 0 && target->refcount == 0)
            notify_gone_locked(target);
    }
    if (target)
        vnode_maybe_destroy(target);
    return 0;
}

int vfs_rename(const struct vfs_ctx *c, struct vnode *oat, const char *opath, struct vnode *nat,
               const char *npath)
{
    vfs_lock();
    int err = rename_locked(c, oat, opath, nat, npath);
    vfs_unlock();
    return err;
}

ssize_t vfs_readlink(const struct vfs_ctx *c, struct vnode *at, const char *path, char *buf,
                     size_t size)
{
    vfs_lock();
    struct vnode *v;
    ssize_t err = vfs_lookup_locked(c, at, path, 0, &v);
    if (!err) {
        const char *t;
        size_t len;
        if (!S_ISLNK(v->mode) || v->ops->readlink(v, &t, &len)) {
            err = -EINVAL;
        } else {
            len = MIN(len, size);
            memcpy(buf, t, len);
            err = (ssize_t)len;
        }
    }
    vfs_unlock();
    return err;
}

int vfs_lookup_entry(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                     struct vnode **out, struct vfs_entry *e)
{
    *e = (struct vfs_entry){ NULL, NULL };
    vfs_lock();
    int err = vfs_lookup_locked(c, at, path, flags, out);
    if (!err)
        vnode_get(*out);
    struct vnode *dir;
    const char *name;
    size_t len;
    bool trailing;
    if (!err && notify_active() && walk_parent(c, at, path, &dir, &name, &len, &trailing) == 0 &&
        !is_dot(name, len) && !is_dotdot(name, len) &&
        cross_mounts(dir->ops->lookup(dir, name, len)) == *out &&
        (e->name = kmalloc(len + 1))) {
        memcpy(e->name, name, len);
        e->name[len] = 0;
        e->dir = dir;
        vnode_get(dir);
    }
    vfs_unlock();
    return err;
}

void vfs_entry_release(struct vfs_entry *e)
{
    vnode_put(e->dir);
    kfree(e->name);
    *e = (struct vfs_entry){ NULL, NULL };
}

void vfs_notify_change(struct vnode *v, const struct vfs_entry *e, bool data)
{
    if (!notify_active())
        return;
    uint32_t mask = data ? IN_MODIFY : IN_ATTRIB;
    vfs_lock();
    if (e && e->dir && e->name)         /* the directory's watches first, as Linux */
        notify_dir_locked(e->dir, v, mask, 0, e->name, strlen(e->name));
    notify_locked(v, mask);
    vfs_unlock();
}

/* The absolute form of an open path, for /proc/<pid>/fd links: a relative path is
 * joined to its start directory's path. NULL when memory or the path runs out. */
static char *open_path_locked(const struct vfs_ctx *c, struct vnode *at, const char *path)
{
    size_t plen = strlen(path);
    char *buf = kmalloc(VFS_PATH_MAX);
    if (!buf)
        return NULL;
    size_t n = 0;
    if (path[0] != '/') {
        int len = vfs_dir_path_locked(c->root, start_dir(c, at), buf, VFS_PATH_MAX);
        if (len < 0) {
            kfree(buf);
            return NULL;
        }
        n = (size_t)len - 1;
        if (n > 1 || buf[0] != '/')
            buf[n++] = '/';
        else
            n = 1;
    }
    if (n + plen + 1 > VFS_PATH_MAX) {
        kfree(buf);
        return NULL;
    }
    memcpy(buf + n, path, plen + 1);
    char *exact = kmalloc(n + plen + 1);       /* keep only what the path needs */
    if (exact)
        memcpy(exact, buf, n + plen + 1);
    kfree(buf);
    return exact;
}

/* An open that ended at /proc/<pid>/fd/N of a file with no vnode (a pipe): a new
 * open file on the same object, made outside `vfs` (a pipe end may wake).
 * Called with `vfs` held; drops it and the walk's file reference. */
static int open_reopened(struct walk *w, int err, int flags, struct file **out)
{
    vfs_unlock();
    if (!err)
        err = w->file->ops->reopen(w->file, (uint32_t)flags & ~(O_CREAT | O_EXCL | O_TRUNC),
                                   out);
    file_put(w->file);
    return err;
}

/* vfs_open with `vfs` shared (nothing to create: O_CREAT of an existing file and
 * O_TRUNC, which is the vnode's business, included) or exclusive; -EWALK_EXCL when
 * a shared attempt met something that needs it exclusive. */
static int open_mode(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                     uint32_t mode, struct file **out, bool shared)
{
    struct vnode *v;
    int err;
    /* The entry opened, for inotify events to its directory's watches. */
    struct vnode *ndir = NULL;
    const char *nname = NULL;
    size_t nlen = 0;
    bool created = false;               /* a new file: no permission check to open it */
    vfs_lock_mode(shared);
    err = -EWALK_EXCL;
    if (shared && notify_active())
        goto out;                       /* inotify's bookkeeping wants it exclusive */
    if (flags & O_CREAT) {
        struct vnode *dir;
        const char *name;
        size_t len;
        bool trailing;
        err = walk_parent_mode(c, at, path, &dir, &name, &len, &trailing, shared);
        if (err)
            goto out;
        ndir = dir;
        nname = name;
        nlen = len;
        struct walk w = { .c = c, .want_file = true, .shared = shared };
        err = lookup_component(&w, dir, name, len, &v);
        if (err == -ENOENT && shared)
            err = -EWALK_EXCL;              /* creating changes the namespace */
        if (err == -ENOENT) {
            err = trailing ? -EISDIR : 0;
            if (!err)
                err = create_locked(c, dir, name, S_IFREG | (mode & 07777 & ~c->umask), 0,
                                    NULL, &v);
            if (err)
                goto out;
            created = true;
        } else if (err) {
            goto out;
        } else {
            err = -EEXIST;
            if (flags & O_EXCL)
                goto out;
            if (S_ISLNK(v->mode)) {
                err = -ELOOP;
                if (flags & O_NOFOLLOW)
                    goto out;
                err = follow_link(&w, dir, v, &v);
                if (w.file)
                    return open_reopened(&w, err, flags, out);
                if (err == -ENOENT)
                    err = -ENOENT;  /* dangling: Linux creates the target; not yet */
                if (err)
                    goto out;
                ndir = NULL;        /* another entry: no directory events */
            }
            err = -EISDIR;
            if (S_ISDIR(v->mode))
                goto out;
        }
    } else {
        struct walk w = { .c = c, .want_file = true, .shared = shared };
        err = check_path(path);
        if (!err && *path == 0)
            err = -ENOENT;
        if (!err)
            err = walk_path(&w, start_dir(c, at), path, !(flags & O_NOFOLLOW), &v);
        if (w.file)
            return open_reopened(&w, err, flags, out);
        if (err)
            goto out;
        if (S_ISLNK(v->mode)) {
            err = (flags & O_PATH) ? 0 : -ELOOP;
            if (err)
                goto out;
        }
        bool trailing;
        if (notify_active() && walk_parent(c, at, path, &ndir, &nname, &nlen, &trailing) == 0 &&
            (is_dot(nname, nlen) || is_dotdot(nname, nlen) ||
             cross_mounts(ndir->ops->lookup(ndir, nname, nlen)) != v))
            ndir = NULL;                    /* reached through a symlink or a mount */
    }
    /* A FIFO's first open makes its pipe; a relative path's directory is named
     * for /proc/<pid>/fd through readdir, which procfs answers from scratch space. */
    err = -EWALK_EXCL;
    if (shared && ((S_ISFIFO(v->mode) && !(flags & O_PATH)) ||
                   (path[0] != '/' && !walk_shared_ok(start_dir(c, at)))))
        goto out;
    uint32_t acc = flags & O_ACCMODE;
    err = -ENOTDIR;
    if ((flags & O_DIRECTORY) && !S_ISDIR(v->mode))
        goto out;
    err = -EISDIR;
    if (S_ISDIR(v->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
        goto out;
    err = -EROFS;
    if (S_ISREG(v->mode) && (acc != O_RDONLY || (flags & O_TRUNC)) && vnode_readonly(v) &&
        !(flags & O_PATH))
        goto out;
    if (!created && !(flags & O_PATH)) {
        int mask = (flags & VFS_O_EXEC) ? MAY_EXEC
                 : acc == O_RDONLY ? MAY_READ : acc == O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
        if (flags & O_TRUNC)
            mask |= MAY_WRITE;
        err = (flags & VFS_O_EXEC) && !S_ISREG(v->mode) ? -EACCES : vfs_permission(c, v, mask);
        if (!err && (flags & VFS_O_EXEC) && v->fs && (v->fs->st_flags & VFS_ST_NOEXEC))
            err = -EACCES;              /* a noexec mount, as Linux's execve */
        if (err)
            goto out;
    }
    if (S_ISREG(v->mode) && (flags & O_TRUNC) && acc != O_RDONLY) {
        vfs_kill_suid(c, v);
        vnode_lock(v);
        err = v->ops->truncate(v, 0);
        if (!err)
            vnode_touch_locked(v, true);
        vnode_unlock(v);
        if (err)
            goto out;
        notify_locked(v, IN_MODIFY);        /* shared: no watch exists (checked) */
    }
    err = -ENOMEM;
    struct file *f = file_alloc(v, S_ISDIR(v->mode) ? &vfs_dir_ops : &vfs_reg_ops,
                                (uint32_t)flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC | VFS_O_EXEC));
    if (!f)
        goto out;
    if (S_ISREG(v->mode) && acc != O_RDONLY && !(flags & O_PATH) && v->fs) {
        f->writer = true;               /* a remount read-only waits for it */
        __atomic_add_fetch(&v->fs->writers, 1, __ATOMIC_RELAXED);
    }
    if (S_ISREG(v->mode))
        f->path = open_path_locked(c, at, path);
    if (ndir && notify_active() && (f->notify_name = kmalloc(nlen + 1))) {
        memcpy(f->notify_name, nname, nlen);
        f->notify_name[nlen] = 0;
        f->notify_dir = ndir;
        vnode_get(ndir);
    }
    bool fifo = S_ISFIFO(v->mode) && !(flags & O_PATH);
    err = 0;
    if (fifo) {
        f->ops = NULL;                  /* nothing to release if attaching fails */
        err = fifo_attach_locked(f, v, (uint32_t)flags);
    }
    vfs_unlock_mode(shared);
    if (fifo) {
        if (!err)
            err = fifo_wait_peer(f);
    } else if (S_ISCHR(v->mode) && !(flags & O_PATH)) {
        f->ops = NULL;
        err = devfs_open(f, v->rdev, (uint32_t)flags);
    } else if (S_ISBLK(v->mode) && !(flags & O_PATH)) {
        f->ops = NULL;
        err = blk_open(f, v->rdev, (uint32_t)flags);
    } else if (S_ISREG(v->mode) && v->ops->open && !(flags & O_PATH)) {
        err = v->ops->open(v, f);
    } else if (!S_ISREG(v->mode) && !S_ISDIR(v->mode)) {
        f->ops = &vfs_dir_ops;              /* sockets: not yet */
        if (!(flags & O_PATH))
            err = -ENXIO;
    }
    if (err) {
        f->flags |= O_PATH;                 /* never opened: no IN_CLOSE either */
        file_put(f);
        return err;
    }
    if (!(flags & O_PATH) && notify_active()) {
        vfs_lock();
        notify_file_locked(f, IN_OPEN);
        vfs_unlock();
    }
    *out = f;
    return 0;
out:
    vfs_unlock_mode(shared);
    return err;
}

int vfs_open(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
             uint32_t mode, struct file **out)
{
    bool shared = !(flags & O_EXCL);    /* O_EXCL: creating is what is expected */
    int err = open_mode(c, at, path, flags, mode, out, shared);
    if (err == -EWALK_EXCL)
        err = open_mode(c, at, path, flags, mode, out, false);
    return err;
}
