/* ext2, read-only, as a VFS filesystem: a mounted instance keeps the decoded
 * superblock and group descriptors, and one vnode per inode it has met (an inode
 * cache kept until unmount); data, directories and symlinks are read through the
 * buffer cache by the pure code in ext2_read.c. Corruption answers EUCLEAN (device
 * errors EIO) with an `[ext2]` log line; writes answer EROFS. */

#define LOG_TAG "ext2"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/vfs.h>
#include "../vfs_internal.h"
#include "ext2.h"
#include "ext2_format.h"

#define EXT2_SUPER_MAGIC 0xEF53u        /* statfs f_type (linux/magic.h) */
#define ICACHE_HASH      256
#define LOG_LIMIT        32             /* corruption lines per mount, then quiet */

struct ext2_vnode;

struct ext2_fs {
    struct vfs_fs vfs;
    struct blkdev *dev;
    struct ext2_sb sb;
    struct ext2_group *groups;
    /* Rank 26 (`ext2`, docs/locking.md): the inode cache, every directory's readdir
     * cursor and name scratch; held across the block reads a lookup or readdir
     * makes (takes `bcache`). Taken inside `vfs` (shared or exclusive). */
    struct mutex lock;
    struct ext2_vnode *icache[ICACHE_HASH];
    size_t nvnodes;
    int logged;                         /* corruption lines so far (atomic) */
    char source[24];                    /* "/dev/vda" */
};

struct ext2_vnode {
    struct vnode v;
    struct ext2_inode di;               /* fixed after load: a read-only filesystem */
    char *link;                         /* symlinks: the target, NUL-terminated */
    char *dname;                        /* directories: the name first found under parent */
    /* Directories, under the fs's `ext2`: readdir's cursor (entry pos starts at
     * byte off) and the name of the last non-directory entry it returned. */
    uint64_t cur_pos, cur_off;
    char scratch[EXT2_NAME_LEN + 1];
    struct ext2_vnode *hnext;
};

static const struct vnode_ops ext2_ops;

static struct ext2_fs *fs_of(struct vnode *v) { return container_of(v->fs, struct ext2_fs, vfs); }
static struct ext2_vnode *ev_of(struct vnode *v) { return container_of(v, struct ext2_vnode, v); }

static int io_get(void *ctx, uint32_t block, const uint8_t **data, void **handle)
{
    struct ext2_fs *fs = ctx;
    struct bbuf *b = bcache_get(fs->dev, block, fs->sb.block_size);
    if (IS_ERR(b))
        return (int)PTR_ERR(b);
    *data = b->data;
    *handle = b;
    return 0;
}

static void io_put(void *ctx, void *handle)
{
    (void)ctx;
    bcache_put(handle);
}

static struct ext2_io io_for(struct ext2_fs *fs)
{
    return (struct ext2_io){ .ctx = fs, .get = io_get, .put = io_put };
}

/* Logs what an operation that failed with err found wrong (bounded per mount). */
static int report(struct ext2_fs *fs, const struct ext2_io *io, int err, const char *op)
{
    if (err == -EUCLEAN || err == -EIO) {
        if (__atomic_fetch_add(&fs->logged, 1, __ATOMIC_RELAXED) < LOG_LIMIT)
            log_warn("%s: %s: %s (%llu)", fs->source, op,
                     io->why ? io->why : err == -EIO ? "I/O error" : "corrupt",
                     (unsigned long long)io->why_arg);
    }
    return err;
}

static struct vfs_timespec ts(uint32_t sec) { return (struct vfs_timespec){ sec, 0 }; }

/* The vnode of inode ino (made on first sight; parent: the directory it was found
 * in, kept for good, so parent links can never form a cycle). Caller holds
 * fs->lock. ERR_PTR on corruption or I/O errors. */
static struct vnode *iget_locked(struct ext2_fs *fs, uint32_t ino, struct vnode *parent,
                                 const char *name, size_t len)
{
    size_t h = ino % ICACHE_HASH;
    for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
        if (e->di.ino == ino)
            return &e->v;
    struct ext2_io io = io_for(fs);
    struct ext2_vnode *e = kzalloc(sizeof(*e));
    if (!e)
        return ERR_PTR(-ENOMEM);
    int err = ext2_read_inode(&fs->sb, fs->groups, &io, ino, &e->di);
    if (!err && S_ISLNK(e->di.mode)) {
        e->link = kmalloc(fs->sb.block_size + 1);
        ssize_t r = e->link ? ext2_readlink(&fs->sb, &io, &e->di, e->link, fs->sb.block_size + 1)
                            : -ENOMEM;
        err = r < 0 ? (int)r : 0;
    }
    if (!err && S_ISDIR(e->di.mode) && name) {
        e->dname = kmalloc(len + 1);
        if (e->dname) {
            memcpy(e->dname, name, len);
            e->dname[len] = 0;
        } else {
            err = -ENOMEM;
        }
    }
    if (err) {
        report(fs, &io, err, "inode");
        kfree(e->link);
        kfree(e->dname);
        kfree(e);
        return ERR_PTR(err);
    }
    struct vnode *v = &e->v;
    v->mode = e->di.mode;
    v->uid = e->di.uid;
    v->gid = e->di.gid;
    v->nlink = e->di.links;
    v->rdev = e->di.rdev;
    v->ino = ino;
    v->size = e->di.size;
    v->disk_blocks = e->di.blocks512;
    v->has_disk_blocks = true;
    v->atime = ts(e->di.atime);
    v->mtime = ts(e->di.mtime);
    v->ctime = ts(e->di.ctime);
    v->ops = &ext2_ops;
    v->fs = &fs->vfs;
    v->parent = S_ISDIR(v->mode) ? parent : NULL;
    vnode_init_lock(v);
    e->cur_pos = 2;
    e->hnext = fs->icache[h];
    fs->icache[h] = e;
    fs->nvnodes++;
    return v;
}

/* An entry of dir naming dir itself or the root would let a walk (find, ls -R)
 * circle forever: corruption (noted in io for the caller's report). */
static int check_loop(struct ext2_io *io, struct vnode *dir, uint32_t ino, uint32_t type)
{
    if ((ino == dir->ino || ino == EXT2_ROOT_INO) && (type == EXT2_FT_DIR || type == 0)) {
        io->why = "directory loop";
        io->why_arg = dir->ino;
        return -EUCLEAN;
    }
    return 0;
}

static struct vnode *ext2_lookup(struct vnode *dir, const char *name, size_t len)
{
    struct ext2_fs *fs = fs_of(dir);
    struct ext2_io io = io_for(fs);
    mutex_lock(&fs->lock);
    uint32_t ino;
    int err = ext2_dir_lookup(&fs->sb, &io, &ev_of(dir)->di, name, len, &ino);
    struct vnode *v = NULL;
    if (err == 0)
        err = check_loop(&io, dir, ino, 0);
    if (err == 0)
        v = iget_locked(fs, ino, dir, name, len);
    else if (err != -ENOENT)
        v = ERR_PTR(report(fs, &io, err, "lookup"));
    mutex_unlock(&fs->lock);
    return v;
}

static bool dot_or_dotdot(const struct ext2_dirent *d)
{
    return d->name[0] == '.' && (d->name_len == 1 || (d->name_len == 2 && d->name[1] == '.'));
}

static int ext2_readdir(struct vnode *dir, uint64_t pos, const char **name, size_t *len,
                        struct vnode **out)
{
    struct ext2_fs *fs = fs_of(dir);
    struct ext2_vnode *e = ev_of(dir);
    struct ext2_io io = io_for(fs);
    struct ext2_dirent d;
    mutex_lock(&fs->lock);
    uint64_t at = 2, off = 0;
    if (pos >= e->cur_pos) {            /* go on from the last answer */
        at = e->cur_pos;
        off = e->cur_off;
    }
    int err;
    for (;;) {
        uint64_t before = off;
        err = ext2_dir_next(&fs->sb, &io, &e->di, &off, &d);
        if (err <= 0)
            break;
        if (dot_or_dotdot(&d))
            continue;
        if (at == pos) {
            e->cur_pos = at;
            e->cur_off = before;
            break;
        }
        at++;
    }
    int r = err < 0 ? err : -ENOENT;
    if (err == 1)
        r = check_loop(&io, dir, d.ino, d.type);
    if (err == 1 && r == 0) {
        struct vnode *v = iget_locked(fs, d.ino, dir, d.name, d.name_len);
        if (!IS_ERR(v)) {
            struct ext2_vnode *c = ev_of(v);
            if (S_ISDIR(v->mode) && c->dname && v->parent == dir &&
                strcmp(c->dname, d.name) == 0) {
                *name = c->dname;       /* fixed for the vnode's life */
            } else {
                memcpy(e->scratch, d.name, d.name_len + 1);
                *name = e->scratch;
            }
            *len = d.name_len;
            *out = v;
        } else {
            r = (int)PTR_ERR(v);        /* iget reported it */
        }
    } else if (r != -ENOENT) {
        report(fs, &io, r, "readdir");
    }
    mutex_unlock(&fs->lock);
    return r;
}

static ssize_t ext2_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
    struct ext2_fs *fs = fs_of(v);
    struct ext2_io io = io_for(fs);
    ssize_t r = ext2_file_read(&fs->sb, &io, &ev_of(v)->di, buf, n, off);
    if (r < 0)
        report(fs, &io, (int)r, "read");
    return r;
}

static int ext2_readlink_op(struct vnode *v, const char **target, size_t *len)
{
    struct ext2_vnode *e = ev_of(v);
    if (!e->link)
        return -EINVAL;
    *target = e->link;
    *len = (size_t)e->di.size;
    return 0;
}

static struct vnode *ext2_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                                 uint32_t rdev, const char *target, size_t tlen)
{
    (void)dir, (void)name, (void)len, (void)mode, (void)rdev, (void)target, (void)tlen;
    return ERR_PTR(-EROFS);
}

static int ext2_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
    (void)dir, (void)name, (void)len, (void)v;
    return -EROFS;
}

static int ext2_unlink(struct vnode *dir, const char *name, size_t len)
{
    (void)dir, (void)name, (void)len;
    return -EROFS;
}

static int ext2_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
                       const char *nname, size_t nlen)
{
    (void)odir, (void)oname, (void)olen, (void)ndir, (void)nname, (void)nlen;
    return -EROFS;
}

static bool ext2_dir_empty(struct vnode *dir)
{
    (void)dir;
    return false;                       /* nothing is removed on a read-only mount */
}

static ssize_t ext2_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
    (void)v, (void)buf, (void)n, (void)off;
    return -EROFS;
}

static int ext2_truncate(struct vnode *v, uint64_t size)
{
    (void)v, (void)size;
    return -EROFS;
}

static const struct vnode_ops ext2_ops = {
    .lookup = ext2_lookup,
    .create = ext2_create,
    .link = ext2_link,
    .unlink = ext2_unlink,
    .rename = ext2_rename,
    .readdir = ext2_readdir,
    .dir_empty = ext2_dir_empty,
    .read = ext2_read,
    .write = ext2_write,
    .truncate = ext2_truncate,
    .readlink = ext2_readlink_op,
};

/* Whether group g holds a superblock backup (sparse_super: 0, 1, powers of 3, 5, 7). */
static bool group_has_super(const struct ext2_sb *sb, uint32_t g)
{
    if (g <= 1 || !(sb->ro_compat & 0x0001))
        return true;
    for (uint32_t p = 3; p <= 7; p += 2) {
        uint64_t x = p;
        while (x < g)
            x *= p;
        if (x == g)
            return true;
    }
    return false;
}

/* As Linux's ext2_statfs (bsddf): the metadata overhead is not counted in f_blocks;
 * free counts are the group descriptors' sums. Caller holds `vfs`. */
static void ext2_statfs(struct vfs_fs *vfs, struct vfs_statfs *st)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    const struct ext2_sb *sb = &fs->sb;
    uint64_t overhead = sb->first_data_block, bfree = 0, ffree = 0;
    for (uint32_t g = 0; g < sb->groups; g++) {
        if (group_has_super(sb, g))
            overhead += 1 + sb->desc_blocks;
        overhead += 2 + sb->inode_table_blocks;
        bfree += fs->groups[g].free_blocks;
        ffree += fs->groups[g].free_inodes;
    }
    st->bsize = sb->block_size;
    st->blocks = sb->blocks_count > overhead ? sb->blocks_count - overhead : 0;
    st->bfree = bfree;
    st->bavail = bfree > sb->r_blocks_count ? bfree - sb->r_blocks_count : 0;
    st->files = sb->inodes_count;
    st->ffree = ffree;
    st->fsid = (uint64_t)sb->uuid[0] | (uint64_t)sb->uuid[1] << 8 | (uint64_t)sb->uuid[2] << 16 |
               (uint64_t)sb->uuid[3] << 24 | (uint64_t)sb->uuid[4] << 32 |
               (uint64_t)sb->uuid[5] << 40 | (uint64_t)sb->uuid[6] << 48 |
               (uint64_t)sb->uuid[7] << 56;
}

static void free_fs(struct ext2_fs *fs)
{
    for (size_t h = 0; h < ICACHE_HASH; h++) {
        for (struct ext2_vnode *e = fs->icache[h], *next; e; e = next) {
            next = e->hnext;
            kfree(e->link);
            kfree(e->dname);
            kfree(e);
        }
    }
    bcache_forget(fs->dev);
    kfree(fs->groups);
    kfree(fs);
}

/* Busy while anything holds one of its vnodes (an open file, a cwd) beyond the
 * root's own reference; otherwise frees it. Caller holds `vfs` exclusive. */
static int ext2_unmount(struct vfs_fs *vfs)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    for (size_t h = 0; h < ICACHE_HASH; h++)
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
            if (e->v.refcount > (&e->v == vfs->root ? 1 : 0))
                return -EBUSY;
    for (size_t h = 0; h < ICACHE_HASH; h++)        /* inotify watches, lock tables */
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
            vnode_free_hook(&e->v);
    log_info("%s unmounted", fs->source);
    free_fs(fs);
    return 0;
}

int ext2_mount(struct blkdev *dev, uint32_t st_flags, struct vfs_fs **out)
{
    struct ext2_fs *fs = kzalloc(sizeof(*fs));
    uint8_t *raw = kmalloc(EXT2_SUPER_SIZE);
    if (!fs || !raw) {
        kfree(fs);
        kfree(raw);
        return -ENOMEM;
    }
    fs->dev = dev;
    ksnprintf(fs->source, sizeof(fs->source), "/dev/%s", dev->name);
    mutex_init(&fs->lock, "ext2", 26);
    ssize_t r = blk_read(dev, raw, EXT2_SUPER_SIZE, EXT2_SUPER_OFFSET);
    const char *why = "superblock unreadable";
    int err = r == EXT2_SUPER_SIZE ? ext2_parse_super(raw, blk_size_bytes(dev), &fs->sb, &why)
                                   : -EIO;
    kfree(raw);
    if (err) {
        log_warn("%s: not mounted: %s", fs->source, why);
        kfree(fs);
        return err == -EINVAL || err == -EUCLEAN ? err : -EIO;
    }
    struct ext2_io io = io_for(fs);
    fs->groups = kmalloc(sizeof(*fs->groups) * fs->sb.groups);
    err = fs->groups ? ext2_load_groups(&fs->sb, &io, fs->groups) : -ENOMEM;
    if (err) {
        report(fs, &io, err, "group descriptors");
        kfree(fs->groups);
        kfree(fs);
        return err;
    }
    fs->vfs.type = "ext2";
    fs->vfs.magic = EXT2_SUPER_MAGIC;
    fs->vfs.st_flags = st_flags | VFS_ST_RDONLY;
    fs->vfs.shared_walk = true;         /* lookups fill the inode cache under `ext2` */
    fs->vfs.statfs = ext2_statfs;
    fs->vfs.unmount = ext2_unmount;
    fs->vfs.dev = VFS_MKDEV(dev->major, dev->minor);
    fs->vfs.source = fs->source;
    fs->vfs.blksize = fs->sb.block_size;         /* as Linux's ext2 */
    mutex_lock(&fs->lock);
    struct vnode *root = iget_locked(fs, EXT2_ROOT_INO, NULL, NULL, 0);
    mutex_unlock(&fs->lock);
    if (!IS_ERR(root) && !S_ISDIR(root->mode)) {
        log_warn("%s: not mounted: the root inode is no directory", fs->source);
        root = ERR_PTR(-EUCLEAN);
    }
    if (IS_ERR(root)) {
        free_fs(fs);
        return (int)PTR_ERR(root);
    }
    root->refcount = 1;                 /* the filesystem's own reference */
    fs->vfs.root = root;
    log_info("%s: ext2 rev %u, %u-byte blocks, %u blocks, %u inodes, %u groups, read-only",
             fs->source, fs->sb.rev, fs->sb.block_size, fs->sb.blocks_count,
             fs->sb.inodes_count, fs->sb.groups);
    *out = &fs->vfs;
    return 0;
}

void ext2_discard(struct vfs_fs *vfs)
{
    free_fs(container_of(vfs, struct ext2_fs, vfs));
}
