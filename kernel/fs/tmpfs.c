/* tmpfs: the in-memory filesystem behind /, /tmp and /dev. Directories are lists of
 * entries; a regular file's data is a filepages store of physical frames (a hole
 * reads as zeros), which MAP_SHARED mappings map directly. All operations run with
 * `vfs` held (the VFS core takes it). */

#define LOG_TAG "vfs"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>

struct tmpfs_dirent {
    struct tmpfs_dirent *next;
    uint64_t pos;                       /* readdir position: rising along the list */
    struct vnode *v;
    size_t len;
    char name[];                        /* NUL-terminated */
};

struct tmpfs_node {
    struct vnode v;
    struct tmpfs_node *fs_next, **fs_pprev;     /* every node of the fs, for statfs */
    union {
        struct {
            struct tmpfs_dirent *entries;   /* directories, in creation order */
            uint64_t next_pos;              /* the next entry's readdir position */
        };
        struct filepages *data;         /* regular files */
        struct { char *target; size_t len; } link;
    };
};

static struct tmpfs_node *TN(struct vnode *v) { return container_of(v, struct tmpfs_node, v); }

/* One tmpfs instance: the generic part and the list of its nodes (under `vfs`). */
struct tmpfs_sb {
    struct vfs_fs fs;
    struct tmpfs_node *nodes;
    uint64_t nnodes;
};

static struct tmpfs_sb *SB(struct vfs_fs *fs) { return container_of(fs, struct tmpfs_sb, fs); }

static const struct vnode_ops tmpfs_ops;
static uint32_t tmpfs_next_dev = 1;

static struct vnode *node_alloc(struct vfs_fs *fs, uint32_t mode)
{
    struct tmpfs_node *n = kzalloc(sizeof(*n));
    if (!n)
        return NULL;
    n->v.mode = mode;
    n->v.ops = &tmpfs_ops;
    n->v.fs = fs;
    vnode_init_lock(&n->v);
    if (S_ISREG(mode) && !(n->data = filepages_create())) {
        kfree(n);
        return NULL;
    }
    n->v.ino = ++fs->next_ino;
    struct tmpfs_sb *sb = SB(fs);
    n->fs_next = sb->nodes;
    if (sb->nodes)
        sb->nodes->fs_pprev = &n->fs_next;
    n->fs_pprev = &sb->nodes;
    sb->nodes = n;
    sb->nnodes++;
    return &n->v;
}

static void node_unlist(struct tmpfs_node *n)
{
    *n->fs_pprev = n->fs_next;
    if (n->fs_next)
        n->fs_next->fs_pprev = n->fs_pprev;
    SB(n->v.fs)->nnodes--;
}

/* statfs: a tmpfs may grow to half of RAM (Linux's default size=50%) and as many
 * inodes as that has pages; used blocks are the frames its files really hold. */
static void tmpfs_statfs(struct vfs_fs *fs, struct vfs_statfs *st)
{
    uint64_t used = 0;
    for (struct tmpfs_node *n = SB(fs)->nodes; n; n = n->fs_next)
        if (S_ISREG(n->v.mode))
            used += filepages_frames(n->data);
#ifndef HOST_TEST
    st->blocks = pmm_total_count() / 2;
#else
    st->blocks = 1024;
#endif
    st->bfree = st->blocks > used ? st->blocks - used : 0;
    st->files = st->blocks;
    st->ffree = st->files > SB(fs)->nnodes ? st->files - SB(fs)->nnodes : 0;
}

/* An unnamed regular file on fs (memfd_create): nlink 0, so it goes with its last
 * reference. Caller holds `vfs`. */
struct vnode *tmpfs_create_unlinked(struct vfs_fs *fs, uint32_t mode)
{
    struct vnode *v = node_alloc(fs, S_IFREG | (mode & 07777));
    return v ? v : ERR_PTR(-ENOMEM);
}

struct vfs_fs *tmpfs_create(const char *type)
{
    struct tmpfs_sb *sb = kzalloc(sizeof(*sb));
    if (!sb)
        return NULL;
    struct vfs_fs *fs = &sb->fs;
    fs->type = type;
    fs->magic = VFS_TMPFS_MAGIC;
    fs->statfs = tmpfs_statfs;
    fs->shared_walk = true;             /* lookup, readlink, readdir only read */
    fs->dev = tmpfs_next_dev++;
    fs->root = node_alloc(fs, S_IFDIR | 0755);
    if (!fs->root) {
        kfree(sb);
        return NULL;
    }
    fs->root->nlink = 2;
    fs->root->refcount = 1;             /* the filesystem's own reference */
    return fs;
}

static struct tmpfs_dirent *find(struct vnode *dir, const char *name, size_t len,
                                 struct tmpfs_dirent ***link)
{
    struct tmpfs_dirent **pp = &TN(dir)->entries;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0) {
            if (link)
                *link = pp;
            return *pp;
        }
    }
    return NULL;
}

static struct vnode *tmpfs_lookup(struct vnode *dir, const char *name, size_t len)
{
    struct tmpfs_dirent *d = find(dir, name, len, NULL);
    return d ? d->v : NULL;
}

static int add_entry(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
    struct tmpfs_dirent *d = kmalloc(sizeof(*d) + len + 1);
    if (!d)
        return -ENOMEM;
    memcpy(d->name, name, len);
    d->name[len] = 0;
    d->len = len;
    d->v = v;
    d->next = NULL;
    struct tmpfs_dirent **pp = &TN(dir)->entries;
    while (*pp)
        pp = &(*pp)->next;
    /* Positions are never reused while the directory has entries, so deleting
     * entries during a listing does not move the ones not yet listed. */
    d->pos = TN(dir)->entries ? TN(dir)->next_pos++ : (TN(dir)->next_pos = 3, 2);
    *pp = d;
    dir->size++;
    return 0;
}

static struct vnode *tmpfs_create_node(struct vnode *dir, const char *name, size_t len,
                                       uint32_t mode, uint32_t rdev, const char *target,
                                       size_t tlen)
{
    struct vnode *v = node_alloc(dir->fs, mode);
    if (!v)
        return ERR_PTR(-ENOMEM);
    if (S_ISLNK(mode)) {
        char *t = kmalloc(tlen + 1);
        if (!t) {
            kfree(TN(v));
            return ERR_PTR(-ENOMEM);
        }
        memcpy(t, target, tlen);
        t[tlen] = 0;
        TN(v)->link.target = t;
        TN(v)->link.len = tlen;
        v->size = tlen;
    }
    v->rdev = rdev;
    int err = add_entry(dir, name, len, v);
    if (err) {
        if (S_ISLNK(mode))
            kfree(TN(v)->link.target);
        if (S_ISREG(mode))
            filepages_put(TN(v)->data);
        kfree(TN(v));
        return ERR_PTR(err);
    }
    if (S_ISDIR(mode)) {
        v->nlink = 2;
        v->parent = dir;
        dir->nlink++;
    } else {
        v->nlink = 1;
    }
    return v;
}

static int tmpfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
    int err = add_entry(dir, name, len, v);
    if (!err)
        v->nlink++;
    return err;
}

static int tmpfs_unlink(struct vnode *dir, const char *name, size_t len)
{
    struct tmpfs_dirent **pp;
    struct tmpfs_dirent *d = find(dir, name, len, &pp);
    if (!d)
        return -ENOENT;
    *pp = d->next;
    dir->size--;
    struct vnode *v = d->v;
    kfree(d);
    if (S_ISDIR(v->mode)) {
        v->nlink = 0;
        dir->nlink--;
    } else {
        v->nlink--;
    }
    return 0;
}

static int tmpfs_rename(struct vnode *odir, const char *oname, size_t olen,
                        struct vnode *ndir, const char *nname, size_t nlen)
{
    struct tmpfs_dirent *d = find(odir, oname, olen, NULL);
    if (!d)
        return -ENOENT;
    struct vnode *v = d->v;
    struct tmpfs_dirent *t = find(ndir, nname, nlen, NULL);
    if (t) {
        /* Replace the target's vnode in place: no allocation can fail. */
        struct vnode *old = t->v;
        t->v = v;
        if (S_ISDIR(old->mode)) {
            old->nlink = 0;
            ndir->nlink--;
        } else {
            old->nlink--;
        }
    } else {
        int err = add_entry(ndir, nname, nlen, v);
        if (err)
            return err;
    }
    /* Remove the old entry (look again: add_entry may share the list). */
    struct tmpfs_dirent **pp;
    d = find(odir, oname, olen, &pp);
    *pp = d->next;
    odir->size--;
    kfree(d);
    if (S_ISDIR(v->mode) && odir != ndir) {
        odir->nlink--;
        ndir->nlink++;
        v->parent = ndir;
    }
    return 0;
}

static int tmpfs_readdir(struct vnode *dir, uint64_t *pos, const char **name, size_t *len,
                         struct vnode **v)
{
    if (*pos < 2)
        return -ENOENT;
    struct tmpfs_dirent *d = TN(dir)->entries;
    while (d && d->pos < *pos)
        d = d->next;
    if (!d)
        return -ENOENT;
    *pos = d->pos;
    *name = d->name;
    *len = d->len;
    *v = d->v;
    return 0;
}

static bool tmpfs_dir_empty(struct vnode *dir)
{
    return TN(dir)->entries == NULL;
}

/* Only regular files have pages; the VFS keeps other types away from these, and
 * a slip there gets an error, not a NULL dereference. */
static ssize_t tmpfs_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
    if (!S_ISREG(v->mode))
        return -EINVAL;
    return filepages_read(TN(v)->data, buf, n, off);
}

static ssize_t tmpfs_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
    /* memfd seals (memfd.c), as shmem_write_begin checks them */
    if (v->seals & (VFS_SEAL_WRITE | VFS_SEAL_FUTURE_WRITE))
        return -EPERM;
    if ((v->seals & VFS_SEAL_GROW) && off + n > v->size)
        return -EPERM;
    if (!S_ISREG(v->mode))
        return -EINVAL;
    ssize_t r = filepages_write(TN(v)->data, buf, n, off);
    v->size = filepages_size(TN(v)->data);
    return r;
}

static int tmpfs_truncate(struct vnode *v, uint64_t size)
{
    if (((v->seals & VFS_SEAL_SHRINK) && size < v->size) ||
        ((v->seals & VFS_SEAL_GROW) && size > v->size))
        return -EPERM;
    if (!S_ISREG(v->mode))
        return -EINVAL;
    int err = filepages_truncate(TN(v)->data, size);
    if (!err)
        v->size = size;
    return err;
}

static struct filepages *tmpfs_pages(struct vnode *v)
{
    return S_ISREG(v->mode) ? TN(v)->data : NULL;
}

static int tmpfs_readlink(struct vnode *v, const char **target, size_t *len)
{
    if (!S_ISLNK(v->mode))
        return -EINVAL;
    *target = TN(v)->link.target;
    *len = TN(v)->link.len;
    return 0;
}

static void tmpfs_destroy(struct vnode *v)
{
    struct tmpfs_node *tn = TN(v);
    node_unlist(tn);
    if (S_ISREG(v->mode)) {
        filepages_put(tn->data);        /* mappings may keep the pages a while */
    } else if (S_ISLNK(v->mode)) {
        kfree(tn->link.target);
    } else if (S_ISDIR(v->mode)) {
        /* Only empty directories are removed (rmdir checks), except a torn-down tree. */
        struct tmpfs_dirent *d = tn->entries;
        while (d) {
            struct tmpfs_dirent *next = d->next;
            kfree(d);
            d = next;
        }
    }
    kfree(tn);
}

/* Frees a whole tree (host tests, a failed mount): children first. */
void tmpfs_free_tree(struct vnode *dir);
void tmpfs_free_tree(struct vnode *dir)
{
    struct tmpfs_dirent *d = TN(dir)->entries;
    while (d) {
        struct tmpfs_dirent *next = d->next;
        struct vnode *v = d->v;
        if (S_ISDIR(v->mode)) {
            tmpfs_free_tree(v);
        } else if (--v->nlink == 0 && v->refcount == 0) {
            tmpfs_destroy(v);
        }
        kfree(d);
        d = next;
    }
    TN(dir)->entries = NULL;
    tmpfs_destroy(dir);
}

static const struct vnode_ops tmpfs_ops = {
    .lookup = tmpfs_lookup,
    .create = tmpfs_create_node,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rename = tmpfs_rename,
    .readdir = tmpfs_readdir,
    .dir_empty = tmpfs_dir_empty,
    .read = tmpfs_read,
    .write = tmpfs_write,
    .truncate = tmpfs_truncate,
    .readlink = tmpfs_readlink,
    .destroy = tmpfs_destroy,
    .pages = tmpfs_pages,
};
