/* ext2's kernel side (ext2_vfs.c: mount, the inode cache, lookups and reads;
 * ext2_vnops.c: the operations that change the filesystem): what they share. */
#pragma once

#include <osc/block.h>
#include <osc/vfs.h>
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
    /* Rank 26 (`ext2`, docs/locking.md): the inode cache, every cached inode's
     * disk fields (di), the group descriptors, the superblock counts, every
     * directory's readdir name scratch, and the blocks of this
     * filesystem while they change; held across the block I/O an operation makes
     * (takes `bcache`). Taken inside `vfs` (shared or exclusive) and `vnode`. */
    struct mutex lock;
    struct ext2_vnode *icache[ICACHE_HASH];
    size_t nvnodes;
    int logged;                         /* corruption lines so far (atomic) */
    bool rw;                            /* mounted read-write */
    bool dirty;                         /* a block was changed since the last sync */
    bool unflushed;                     /* file data written past the buffer cache since
                                         * the disk's cache was last flushed */
    uint32_t sb_last[3];                /* free blocks, inodes, ro_compat last put in the
                                         * superblock (fsync writes it when they moved) */
    uint16_t mount_state;               /* s_state found at mount, restored at umount */
    char source[24];                    /* "/dev/vda" */
};

struct ext2_vnode {
    struct vnode v;
    /* The inode's disk fields, under `ext2`; mode, owner, link count and times
     * are the vnode's (the VFS changes them) and copied in before a write. */
    struct ext2_inode di;
    char *link;                         /* symlinks: the target, NUL-terminated */
    char *dname;                        /* directories: the name first found under parent */
    /* Directories, under the fs's `ext2`: the name of the last non-directory
     * entry readdir returned. */
    char scratch[EXT2_NAME_LEN + 1];
    struct ext2_vnode *hnext;
    /* Regular files: the page cache (ext2_pages.c), made on first use, fixed
     * after; and `ext2_io` (rank 15, docs/locking.md), which serialises the
     * read/write calls that copy between user memory and it (held across those
     * copies, so it ranks below `mm_space`; takes `vnode`, `ext2`, `filepages`). */
    struct filepages *pc;
    struct mutex io;
};

extern const struct vnode_ops ext2_ops;

static inline struct ext2_fs *fs_of(struct vnode *v)
{
    return container_of(v->fs, struct ext2_fs, vfs);
}
static inline struct ext2_vnode *ev_of(struct vnode *v)
{
    return container_of(v, struct ext2_vnode, v);
}

struct ext2_io ext2_io_for(struct ext2_fs *fs);
/* Logs what an operation that failed with err found wrong (bounded per mount). */
int ext2_report(struct ext2_fs *fs, const struct ext2_io *io, int err, const char *op);
/* The vnode of inode ino, read on first sight (ext2_vfs.c); caller holds `ext2`. */
struct vnode *ext2_iget_locked(struct ext2_fs *fs, uint32_t ino, struct vnode *parent,
                               const char *name, size_t len);
/* Makes e (its di filled) a vnode in the inode cache; caller holds `ext2`. */
void ext2_icache_add(struct ext2_fs *fs, struct ext2_vnode *e, struct vnode *parent);
void ext2_icache_remove(struct ext2_fs *fs, struct ext2_vnode *e);
/* Copies the VFS-kept fields of e's vnode into e->di. */
void ext2_di_from_vnode(struct ext2_vnode *e);
/* Writes every changed cached inode, then, if anything changed since the last
 * sync (or force), the superblock (state, counts, write time) and every dirty
 * block back to the disk; caller holds `ext2`. 0 or the first error. */
int ext2_sync_locked(struct ext2_fs *fs, uint16_t state, bool force);
/* vfs_fs.sync: the whole filesystem to the disk (sync, syncfs). */
int ext2_sync(struct vfs_fs *vfs);
/* fsync of e: its dirty pages, its inode and the changed metadata (every dirty
 * buffer), then the disk's cache; caller holds `ext2`. */
int ext2_sync_file_locked(struct ext2_fs *fs, struct ext2_vnode *e);

/* ext2_pages.c: the page cache of regular files. */
struct filepages *ext2_pages(struct vnode *v);
/* Writes e's dirty pages into their buffers (allocating blocks for stores made
 * through a mapping into holes); caller holds `ext2`. */
int ext2_writeback_locked(struct ext2_fs *fs, struct ext2_vnode *e);
int ext2_fsync(struct vnode *v);
ssize_t ext2_read(struct vnode *v, void *buf, size_t n, uint64_t off);
ssize_t ext2_rw_user(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos,
                     uint64_t off);

/* ext2_vnops.c */
struct vnode *ext2_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                          uint32_t rdev, const char *target, size_t tlen);
int ext2_link(struct vnode *dir, const char *name, size_t len, struct vnode *v);
int ext2_unlink(struct vnode *dir, const char *name, size_t len);
int ext2_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
                const char *nname, size_t nlen);
bool ext2_dir_empty(struct vnode *dir);
ssize_t ext2_write(struct vnode *v, const void *buf, size_t n, uint64_t off);
int ext2_truncate_op(struct vnode *v, uint64_t size);
void ext2_destroy(struct vnode *v);
