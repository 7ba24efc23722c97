/* ext2's changing vnode operations: create (files, directories, symlinks, device
 * nodes), link, unlink/rmdir, rename and the deletion of an inode nothing names
 * or holds (file data: ext2_pages.c). Each runs under the filesystem's `ext2` lock and
 * changes the disk through the buffer cache with the pure code in ext2_write.c
 * and ext2_dir.c; link counts are the vnode's (the VFS reads them), copied into
 * the inode as it is written. */

#define LOG_TAG "ext2"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>
#include <osc/vfs.h>
#include "ext2_int.h"

#define EXT2_LINK_MAX 32000             /* Linux's ext2 */

static uint32_t now_sec(void) { return (uint32_t)(time_realtime_ns() / 1000000000); }
static struct vfs_timespec now_ts(void) { return (struct vfs_timespec){ now_sec(), 0 }; }

/* Writes e's inode with the vnode's fields; the vnode learns size and blocks. */
static int put_inode(struct ext2_vol *vol, struct ext2_vnode *e)
{
    ext2_di_from_vnode(e);
    e->v.disk_blocks = e->di.blocks512;
    if (!S_ISDIR(e->v.mode))
        e->v.size = e->di.size;
    return ext2_write_inode(vol, &e->di);
}

static int done(struct ext2_fs *fs, struct ext2_io *io, int err, const char *op)
{
    mutex_unlock(&fs->lock);
    return ext2_report(fs, io, err, op);
}

struct vnode *ext2_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                          uint32_t rdev, const char *target, size_t tlen)
{
    struct ext2_fs *fs = fs_of(dir);
    if (!fs->rw)
        return ERR_PTR(-EROFS);
    uint32_t bs = fs->sb.block_size;
    if (dir->nlink == 0)
        return ERR_PTR(-ENOENT);        /* a removed directory (someone's cwd) */
    if (S_ISLNK(mode) && tlen >= bs)
        return ERR_PTR(-ENAMETOOLONG);
    if (S_ISDIR(mode) && dir->nlink >= EXT2_LINK_MAX)
        return ERR_PTR(-EMLINK);
    struct ext2_vnode *e = kzalloc(sizeof(*e));
    char *link = S_ISLNK(mode) ? kmalloc(tlen + 1) : NULL;
    char *dname = S_ISDIR(mode) ? kmalloc(len + 1) : NULL;
    if (!e || (S_ISLNK(mode) && !link) || (S_ISDIR(mode) && !dname)) {
        kfree(e);
        kfree(link);
        kfree(dname);
        return ERR_PTR(-ENOMEM);
    }
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    struct ext2_vnode *d = ev_of(dir);
    mutex_lock(&fs->lock);
    uint32_t ino;
    int err = ext2_alloc_inode(&vol, (uint32_t)dir->ino, S_ISDIR(mode), &ino);
    if (err)
        goto fail;
    struct ext2_inode *in = &e->di;
    in->ino = ino;
    in->mode = (uint16_t)mode;
    in->links = S_ISDIR(mode) ? 2 : 1;
    in->atime = in->mtime = in->ctime = now_sec();
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        uint32_t ma = VFS_MAJOR(rdev), mi = VFS_MINOR(rdev);
        if (ma < 256 && mi < 256)       /* Linux's old_encode_dev when it fits */
            in->block[0] = ma << 8 | mi;
        else
            in->block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
        in->rdev = rdev;
    }
    if (S_ISDIR(mode)) {
        err = ext2_dir_init(&vol, in, (uint32_t)dir->ino);
    } else if (S_ISLNK(mode) && tlen < EXT2_FAST_LINK_MAX) {
        for (size_t i = 0; i < tlen; i++)
            in->block[i / 4] |= (uint32_t)(uint8_t)target[i] << (8 * (i % 4));
        in->size = tlen;
    } else if (S_ISLNK(mode)) {
        ssize_t r = ext2_file_write(&vol, in, target, tlen, 0);
        err = r < 0 ? (int)r : (size_t)r != tlen ? -ENOSPC : 0;
    }
    if (!err)
        err = ext2_write_inode(&vol, in);
    if (!err)
        err = ext2_dir_add(&vol, &d->di, name, len, ino, ext2_mode_to_ft(mode));
    if (err) {                          /* give back what was taken */
        ext2_release_blocks(&vol, in);
        in->links = 0;
        in->dtime = now_sec();
        ext2_write_inode(&vol, in);
        ext2_free_inode(&vol, ino, S_ISDIR(mode));
        goto fail;
    }
    if (S_ISDIR(mode))
        dir->nlink++;
    err = put_inode(&vol, d);
    dir->size = d->di.size;
    if (link) {
        memcpy(link, target, tlen);
        link[tlen] = 0;
        e->link = link;
    }
    if (dname) {
        memcpy(dname, name, len);
        dname[len] = 0;
        e->dname = dname;
    }
    ext2_icache_add(fs, e, dir);
    done(fs, &io, err, "create");
    return &e->v;                       /* the entry exists even if dir's inode write failed */
fail:
    done(fs, &io, err, "create");
    kfree(e);
    kfree(link);
    kfree(dname);
    return ERR_PTR(err);
}

int ext2_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
    struct ext2_fs *fs = fs_of(dir);
    if (!fs->rw)
        return -EROFS;
    if (v->nlink >= EXT2_LINK_MAX)
        return -EMLINK;
    if (dir->nlink == 0)
        return -ENOENT;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    mutex_lock(&fs->lock);
    int err = ext2_dir_add(&vol, &ev_of(dir)->di, name, len, (uint32_t)v->ino,
                           ext2_mode_to_ft(v->mode));
    if (!err) {
        v->nlink++;
        err = put_inode(&vol, ev_of(v));
        int e2 = put_inode(&vol, ev_of(dir));
        err = err ? err : e2;
        dir->size = ev_of(dir)->di.size;
    }
    return done(fs, &io, err, "link");
}

/* The cached vnode of dir's entry name (the VFS looked it up just before). */
static struct vnode *entry_vnode(struct ext2_fs *fs, struct ext2_io *io, struct vnode *dir,
                                 const char *name, size_t len)
{
    uint32_t ino;
    int err = ext2_dir_lookup(&fs->sb, io, &ev_of(dir)->di, name, len, &ino);
    return err ? ERR_PTR(err) : ext2_iget_locked(fs, ino, dir, name, len);
}

/* child lost the entry in dir that named it. */
static void drop_link(struct vnode *dir, struct vnode *child)
{
    if (S_ISDIR(child->mode)) {
        child->nlink = 0;               /* its own "." and dir's entry */
        if (dir->nlink > 2)
            dir->nlink--;               /* its ".." */
    } else if (child->nlink) {
        child->nlink--;
    }
}

int ext2_unlink(struct vnode *dir, const char *name, size_t len)
{
    struct ext2_fs *fs = fs_of(dir);
    if (!fs->rw)
        return -EROFS;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    mutex_lock(&fs->lock);
    struct vnode *child = entry_vnode(fs, &io, dir, name, len);
    if (IS_ERR(child))
        return done(fs, &io, (int)PTR_ERR(child), "unlink");
    uint32_t ino;
    int err = ext2_dir_remove(&vol, &ev_of(dir)->di, name, len, &ino);
    if (!err) {
        drop_link(dir, child);
        err = put_inode(&vol, ev_of(child));
        int e2 = put_inode(&vol, ev_of(dir));
        err = err ? err : e2;
    }
    return done(fs, &io, err, "unlink");
}

int ext2_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
                const char *nname, size_t nlen)
{
    struct ext2_fs *fs = fs_of(odir);
    if (!fs->rw)
        return -EROFS;
    if (ndir->nlink == 0)
        return -ENOENT;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    mutex_lock(&fs->lock);
    struct vnode *s = entry_vnode(fs, &io, odir, oname, olen);
    if (IS_ERR(s))
        return done(fs, &io, (int)PTR_ERR(s), "rename");
    struct vnode *t = entry_vnode(fs, &io, ndir, nname, nlen);
    if (IS_ERR(t) && PTR_ERR(t) != -ENOENT)
        return done(fs, &io, (int)PTR_ERR(t), "rename");
    if (IS_ERR(t))
        t = NULL;
    if (t == s)                         /* two names of one inode: nothing to do */
        return done(fs, &io, 0, "rename");
    uint8_t ft = ext2_mode_to_ft(s->mode);
    int err = t ? ext2_dir_retarget(&vol, &ev_of(ndir)->di, nname, nlen, (uint32_t)s->ino, ft)
                : ext2_dir_add(&vol, &ev_of(ndir)->di, nname, nlen, (uint32_t)s->ino, ft);
    if (err)
        return done(fs, &io, err, "rename");
    uint32_t ino;
    err = ext2_dir_remove(&vol, &ev_of(odir)->di, oname, olen, &ino);
    if (t) {
        drop_link(ndir, t);
        int e2 = put_inode(&vol, ev_of(t));
        err = err ? err : e2;
    }
    if (S_ISDIR(s->mode) && odir != ndir) {
        int e2 = ext2_dir_retarget(&vol, &ev_of(s)->di, "..", 2, (uint32_t)ndir->ino,
                                   EXT2_FT_DIR);
        err = err ? err : e2;
        odir->nlink--;
        ndir->nlink++;
        s->parent = ndir;
    }
    s->ctime = now_ts();
    int e2 = put_inode(&vol, ev_of(s));
    err = err ? err : e2;
    e2 = put_inode(&vol, ev_of(odir));
    err = err ? err : e2;
    odir->size = ev_of(odir)->di.size;
    if (ndir != odir) {
        e2 = put_inode(&vol, ev_of(ndir));
        err = err ? err : e2;
        ndir->size = ev_of(ndir)->di.size;
    }
    return done(fs, &io, err, "rename");
}

bool ext2_dir_empty(struct vnode *dir)
{
    struct ext2_fs *fs = fs_of(dir);
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    mutex_lock(&fs->lock);
    int r = ext2_dir_is_empty(&vol, &ev_of(dir)->di);
    done(fs, &io, r < 0 ? r : 0, "rmdir");
    return r == 1;                      /* a corrupt directory is never "empty" */
}

/* Nothing names v and nothing holds it: its blocks and inode go back (under
 * `vfs` exclusive, from the VFS). */
void ext2_destroy(struct vnode *v)
{
    struct ext2_fs *fs = fs_of(v);
    struct ext2_vnode *e = ev_of(v);
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    if (e->pc) {
        /* Before the blocks go: a mapping that outlives the file keeps its data. */
        if (filepages_detach(e->pc))
            log_warn("%s: inode %u: a mapping of the deleted file lost data", fs->source,
                     e->di.ino);
        filepages_put(e->pc);
        e->pc = NULL;
    }
    mutex_lock(&fs->lock);
    if (fs->rw) {
        ext2_di_from_vnode(e);
        int err = ext2_release_blocks(&vol, &e->di);
        e->di.links = 0;
        e->di.dtime = now_sec();
        int e2 = ext2_write_inode(&vol, &e->di);
        err = err ? err : e2;
        e2 = ext2_free_inode(&vol, e->di.ino, S_ISDIR(e->di.mode));
        err = err ? err : e2;
        ext2_report(fs, &io, err, "delete");
    }
    ext2_icache_remove(fs, e);
    mutex_unlock(&fs->lock);
    kfree(e->link);
    kfree(e->dname);
    kfree(e);
}
