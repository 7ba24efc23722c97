/* ext2 as a VFS filesystem: mount and unmount, the inode cache (one vnode per
 * inode met, kept until unmount), lookups and readdir through the buffer cache by
 * the pure code in ext2_read.c, and sync (file data: ext2_pages.c); the changing operations are in
 * ext2_vnops.c. Corruption answers EUCLEAN (device errors EIO) with an `[ext2]`
 * log line; a read-only mount's writes answer EROFS. */

#define LOG_TAG "ext2"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>
#include <osc/vfs.h>
#include "../vfs_internal.h"
#include "ext2.h"
#include "ext2_format.h"
#include "ext2_int.h"

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

static int io_getw(void *ctx, uint32_t block, bool fresh, uint8_t **data, void **handle)
{
    struct ext2_fs *fs = ctx;
    if (block < fs->sb.first_data_block || block >= fs->sb.blocks_count)
        return -EIO;
    struct bbuf *b = fresh ? bcache_get_new(fs->dev, block, fs->sb.block_size)
                           : bcache_get(fs->dev, block, fs->sb.block_size);
    if (IS_ERR(b))
        return (int)PTR_ERR(b);
    if (!fresh)
        bcache_dirty(b);
    fs->dirty = true;
    *data = b->data;
    *handle = b;
    return 0;
}

static void io_put(void *ctx, void *handle)
{
    (void)ctx;
    bcache_put(handle);
}

struct ext2_io ext2_io_for(struct ext2_fs *fs)
{
    return (struct ext2_io){ .ctx = fs, .get = io_get, .put = io_put,
                             .getw = fs->rw ? io_getw : NULL };
}

int ext2_report(struct ext2_fs *fs, const struct ext2_io *io, int err, const char *op)
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

void ext2_icache_add(struct ext2_fs *fs, struct ext2_vnode *e, struct vnode *parent)
{
    struct vnode *v = &e->v;
    v->mode = e->di.mode;
    v->uid = e->di.uid;
    v->gid = e->di.gid;
    v->nlink = e->di.links;
    v->rdev = e->di.rdev;
    v->ino = e->di.ino;
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
    mutex_init(&e->io, "ext2_io", 15);
    size_t h = e->di.ino % ICACHE_HASH;
    e->hnext = fs->icache[h];
    fs->icache[h] = e;
    fs->nvnodes++;
}

void ext2_icache_remove(struct ext2_fs *fs, struct ext2_vnode *e)
{
    for (struct ext2_vnode **pp = &fs->icache[e->di.ino % ICACHE_HASH]; *pp; pp = &(*pp)->hnext) {
        if (*pp == e) {
            *pp = e->hnext;
            fs->nvnodes--;
            return;
        }
    }
}

void ext2_di_from_vnode(struct ext2_vnode *e)
{
    struct vnode *v = &e->v;
    e->di.mode = (uint16_t)v->mode;
    e->di.uid = v->uid;
    e->di.gid = v->gid;
    e->di.links = (uint16_t)v->nlink;
    e->di.atime = (uint32_t)v->atime.sec;
    e->di.mtime = (uint32_t)v->mtime.sec;
    e->di.ctime = (uint32_t)v->ctime.sec;
}

static bool super_counts_moved(struct ext2_fs *fs)
{
    uint64_t fb = 0, fi = 0;
    for (uint32_t g = 0; g < fs->sb.groups; g++) {
        fb += fs->groups[g].free_blocks;
        fi += fs->groups[g].free_inodes;
    }
    return MIN(fb, fs->sb.blocks_count) != fs->sb_last[0] ||
           MIN(fi, fs->sb.inodes_count) != fs->sb_last[1] || fs->sb.ro_compat != fs->sb_last[2];
}

/* The data of every cached file (only, when not NULL: one file's), then every
 * changed inode, the superblock and the dirty buffers. Caller holds `ext2`. */
static int sync_locked(struct ext2_fs *fs, uint16_t state, bool force, struct ext2_vnode *only)
{
    if (!fs->rw)
        return 0;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    int err = only ? ext2_writeback_locked(fs, only) : 0;
    for (size_t h = 0; h < ICACHE_HASH && !only; h++) {
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext) {
            int r = ext2_writeback_locked(fs, e);
            if (r < 0 && !err)
                err = r;
        }
    }
    for (size_t h = 0; h < ICACHE_HASH; h++) {
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext) {
            if (e->v.nlink == 0)
                continue;               /* deleted, still open: freed at its last close */
            ext2_di_from_vnode(e);
            int r = ext2_inode_changed(&vol, &e->di);
            if (r > 0)
                r = ext2_write_inode(&vol, &e->di);
            if (r < 0 && !err)
                err = r;
        }
    }
    if (!fs->dirty && !force) {
        if (fs->unflushed && !err && (err = blk_flush(fs->dev)) == 0)
            fs->unflushed = false;
        return err;
    }
    /* fsync writes the superblock only when its counts moved (e2fsck wants them
     * right after a crash); sync and umount always (state, write time). */
    int r = 0;
    if (!only || super_counts_moved(fs)) {
        r = ext2_write_super(&vol, state, (uint32_t)(time_realtime_ns() / 1000000000));
        fs->sb_last[0] = fs->sb.free_blocks;
        fs->sb_last[1] = fs->sb.free_inodes;
        fs->sb_last[2] = fs->sb.ro_compat;
    }
    if (r && !err)
        err = r;
    r = bcache_sync(fs->dev);
    if (r && !err)
        err = r;
    if (!err)
        fs->dirty = fs->unflushed = false;
    if (err)
        ext2_report(fs, &io, err, "sync");
    return err;
}

int ext2_sync_locked(struct ext2_fs *fs, uint16_t state, bool force)
{
    return sync_locked(fs, state, force, NULL);
}

int ext2_sync_file_locked(struct ext2_fs *fs, struct ext2_vnode *e)
{
    return sync_locked(fs, fs->mount_state & ~EXT2_VALID_FS, false, e);
}

int ext2_sync(struct vfs_fs *vfs)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    mutex_lock(&fs->lock);
    int err = ext2_sync_locked(fs, fs->mount_state & ~EXT2_VALID_FS, false);
    mutex_unlock(&fs->lock);
    return err;
}

/* The vnode of inode ino (made on first sight; parent: the directory it was found
 * in, kept for good, so parent links can never form a cycle). Caller holds
 * fs->lock. ERR_PTR on corruption or I/O errors. */
struct vnode *ext2_iget_locked(struct ext2_fs *fs, uint32_t ino, struct vnode *parent,
                                 const char *name, size_t len)
{
    size_t h = ino % ICACHE_HASH;
    for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
        if (e->di.ino == ino)
            return &e->v;
    struct ext2_io io = ext2_io_for(fs);
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
        ext2_report(fs, &io, err, "inode");
        kfree(e->link);
        kfree(e->dname);
        kfree(e);
        return ERR_PTR(err);
    }
    ext2_icache_add(fs, e, parent);
    return &e->v;
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
    struct ext2_io io = ext2_io_for(fs);
    mutex_lock(&fs->lock);
    struct ext2_inode *di = &ev_of(dir)->di;
    /* A directory of more than a couple of blocks gets a name filter (1 KiB),
     * made complete by the first lookup that reads it all; without memory it
     * just goes on scanning. */
    if (!di->filter && di->size >= 2ull * fs->sb.block_size)
        di->filter = kzalloc(sizeof(*di->filter));
    uint32_t ino;
    int err = ext2_dir_lookup(&fs->sb, &io, di, name, len, &ino);
    struct vnode *v = NULL;
    if (err == 0)
        err = check_loop(&io, dir, ino, 0);
    if (err == 0)
        v = ext2_iget_locked(fs, ino, dir, name, len);
    else if (err != -ENOENT)
        v = ERR_PTR(ext2_report(fs, &io, err, "lookup"));
    mutex_unlock(&fs->lock);
    return v;
}

static bool dot_or_dotdot(const struct ext2_dirent *d)
{
    return d->name[0] == '.' && (d->name_len == 1 || (d->name_len == 2 && d->name[1] == '.'));
}

/* Positions are an entry's byte offset in the directory plus 2 (0 and 1 are the
 * VFS's "." and ".."), as Linux's ext2 hands out offsets: a record keeps its
 * offset while others are added (split from a record's slack) or removed (merged
 * into the previous record), so a directory emptied while it is listed is listed
 * whole, and a telldir value leads back to its entry. A position inside a record
 * (a seek to a made-up value) leads to the next record. */
static int ext2_readdir(struct vnode *dir, uint64_t *posp, const char **name, size_t *len,
                        struct vnode **out)
{
    struct ext2_fs *fs = fs_of(dir);
    struct ext2_vnode *e = ev_of(dir);
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_dirent d;
    if (*posp < 2)
        return -ENOENT;                 /* the VFS answers 0 and 1 itself */
    mutex_lock(&fs->lock);
    uint64_t off = *posp - 2;
    int err;
    while ((err = ext2_dir_next(&fs->sb, &io, &e->di, &off, &d)) == 1 && dot_or_dotdot(&d))
        ;
    if (err == 1)
        *posp = d.off + 2;
    int r = err < 0 ? err : -ENOENT;
    if (err == 1)
        r = check_loop(&io, dir, d.ino, d.type);
    if (err == 1 && r == 0) {
        struct vnode *v = ext2_iget_locked(fs, d.ino, dir, d.name, d.name_len);
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
        ext2_report(fs, &io, r, "readdir");
    }
    mutex_unlock(&fs->lock);
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

const struct vnode_ops ext2_ops = {
    .lookup = ext2_lookup,
    .create = ext2_create,
    .link = ext2_link,
    .unlink = ext2_unlink,
    .rename = ext2_rename,
    .readdir = ext2_readdir,
    .dir_empty = ext2_dir_empty,
    .read = ext2_read,
    .write = ext2_write,
    .truncate = ext2_truncate_op,
    .destroy = ext2_destroy,
    .readlink = ext2_readlink_op,
    .pages = ext2_pages,
    .rw_user = ext2_rw_user,
    .fsync = ext2_fsync,
};

/* As Linux's ext2_statfs (bsddf): the metadata overhead is not counted in f_blocks;
 * free counts are the group descriptors' sums. Caller holds `vfs`. */
static void ext2_statfs(struct vfs_fs *vfs, struct vfs_statfs *st)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    const struct ext2_sb *sb = &fs->sb;
    uint64_t overhead = sb->first_data_block, bfree = 0, ffree = 0;
    for (uint32_t g = 0; g < sb->groups; g++) {
        if (ext2_group_has_super(sb, g))
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
            filepages_put(e->pc);
            kfree(e->link);
            kfree(e->dname);
            kfree(e->di.filter);
            kfree(e);
        }
    }
    bcache_forget(fs->dev);
    kfree(fs->groups);
    kfree(fs);
}

/* A read-write mount's end: everything written back and the superblock's state
 * as it was found (clean, when it was). */
static void close_rw(struct ext2_fs *fs)
{
    if (!fs->rw)
        return;
    mutex_lock(&fs->lock);
    ext2_sync_locked(fs, fs->mount_state, true);
    mutex_unlock(&fs->lock);
}

/* Makes the mount read-write: refused for a read-only device and for features
 * this driver cannot keep right (as Linux's ext2_fill_super); the superblock says
 * "not clean" and counts the mount until the unmount. */
static int open_rw(struct ext2_fs *fs)
{
    if (fs->dev->ro) {
        log_warn("%s: read-only device: mount it read-only", fs->source);
        return -EROFS;
    }
    uint32_t unknown = fs->sb.ro_compat & ~EXT2_RO_COMPAT_SUPP;
    if (unknown) {
        log_warn("%s: couldn't mount read-write because of unsupported optional features (%x)",
                 fs->source, unknown);
        return -EINVAL;
    }
    uint32_t bs = fs->sb.block_size;
    struct bbuf *b = bcache_get(fs->dev, EXT2_SUPER_OFFSET / bs, bs);
    if (IS_ERR(b))
        return (int)PTR_ERR(b);
    uint8_t *raw = b->data + EXT2_SUPER_OFFSET % bs;
    fs->mount_state = (uint16_t)(raw[58] | raw[59] << 8);
    if (!(fs->mount_state & EXT2_VALID_FS))
        log_warn("%s: warning: mounting unchecked fs, running e2fsck is recommended",
                 fs->source);
    else if (fs->mount_state & EXT2_ERROR_FS)
        log_warn("%s: warning: mounting fs with errors, running e2fsck is recommended",
                 fs->source);
    uint16_t count = (uint16_t)(raw[52] | raw[53] << 8) + 1;
    raw[52] = (uint8_t)count;
    raw[53] = (uint8_t)(count >> 8);
    uint32_t now = (uint32_t)(time_realtime_ns() / 1000000000);
    for (int i = 0; i < 4; i++)
        raw[44 + i] = (uint8_t)(now >> (8 * i));            /* s_mtime */
    bcache_dirty(b);
    bcache_put(b);
    fs->rw = true;
    mutex_lock(&fs->lock);
    int err = ext2_sync_locked(fs, fs->mount_state & ~EXT2_VALID_FS, true);
    mutex_unlock(&fs->lock);
    if (err)
        fs->rw = false;
    else
        vfs_flusher_start();
    return err;
}

/* Busy while anything holds one of its vnodes (an open file, a cwd) beyond the
 * root's own reference; otherwise frees it. Caller holds `vfs` exclusive. */
static int ext2_unmount(struct vfs_fs *vfs)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    for (size_t h = 0; h < ICACHE_HASH; h++)
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
            if (e->v.refcount > (&e->v == vfs->root ? 1 : 0) ||
                (e->pc && filepages_refs(e->pc) > 1))      /* mapped */
                return -EBUSY;
    for (size_t h = 0; h < ICACHE_HASH; h++)        /* inotify watches, lock tables */
        for (struct ext2_vnode *e = fs->icache[h]; e; e = e->hnext)
            vnode_free_hook(&e->v);
    close_rw(fs);
    log_info("%s unmounted", fs->source);
    free_fs(fs);
    return 0;
}

/* mount -o remount (caller holds `vfs` exclusive, so no open counts a writer
 * meanwhile). Read-only, as Linux's: EBUSY while a file is open for writing or
 * a deleted file is still open (its blocks are freed at its last close); else
 * everything is written back and the superblock gets the state found at mount
 * (clean) before writes answer EROFS. Read-write: as at mount (open_rw). The
 * other flags change at once. */
static int ext2_remount(struct vfs_fs *vfs, uint32_t st_flags)
{
    struct ext2_fs *fs = container_of(vfs, struct ext2_fs, vfs);
    bool ro = st_flags & VFS_ST_RDONLY;
    int err = 0;
    if (ro && fs->rw) {
        if (__atomic_load_n(&vfs->writers, __ATOMIC_RELAXED) > 0)
            return -EBUSY;
        mutex_lock(&fs->lock);
        for (size_t h = 0; h < ICACHE_HASH && !err; h++)
            for (struct ext2_vnode *e = fs->icache[h]; e && !err; e = e->hnext)
                if (e->v.nlink == 0)
                    err = -EBUSY;
        if (!err)                       /* as close_rw, but rw drops under the lock */
            err = ext2_sync_locked(fs, fs->mount_state, true);
        if (!err)
            fs->rw = false;             /* the flusher's next sync writes nothing */
        mutex_unlock(&fs->lock);
    } else if (!ro && !fs->rw) {
        err = open_rw(fs);
    }
    if (err)
        return err;
    if (ro != !!(vfs->st_flags & VFS_ST_RDONLY))
        log_info("%s: remounted %s", fs->source, ro ? "read-only" : "read-write");
    vfs->st_flags = st_flags;
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
    struct ext2_io io = ext2_io_for(fs);
    fs->groups = kmalloc(sizeof(*fs->groups) * fs->sb.groups);
    err = fs->groups ? ext2_load_groups(&fs->sb, &io, fs->groups) : -ENOMEM;
    if (err) {
        ext2_report(fs, &io, err, "group descriptors");
        kfree(fs->groups);
        kfree(fs);
        return err;
    }
    fs->vfs.type = "ext2";
    fs->vfs.magic = EXT2_SUPER_MAGIC;
    fs->vfs.st_flags = st_flags;
    fs->vfs.shared_walk = true;         /* lookups fill the inode cache under `ext2` */
    fs->vfs.statfs = ext2_statfs;
    fs->vfs.unmount = ext2_unmount;
    fs->vfs.remount = ext2_remount;
    fs->vfs.sync = ext2_sync;
    fs->vfs.dev = VFS_MKDEV(dev->major, dev->minor);
    fs->vfs.source = fs->source;
    fs->vfs.blksize = fs->sb.block_size;         /* as Linux's ext2 */
    mutex_lock(&fs->lock);
    struct vnode *root = ext2_iget_locked(fs, EXT2_ROOT_INO, NULL, NULL, 0);
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
    if (!(st_flags & VFS_ST_RDONLY) && (err = open_rw(fs)) != 0) {
        free_fs(fs);
        return err;
    }
    log_info("%s: ext2 rev %u, %u-byte blocks, %u blocks, %u inodes, %u groups, %s",
             fs->source, fs->sb.rev, fs->sb.block_size, fs->sb.blocks_count,
             fs->sb.inodes_count, fs->sb.groups, fs->rw ? "read-write" : "read-only");
    *out = &fs->vfs;
    return 0;
}

void ext2_discard(struct vfs_fs *vfs)
{
    close_rw(container_of(vfs, struct ext2_fs, vfs));
    free_fs(container_of(vfs, struct ext2_fs, vfs));
}
