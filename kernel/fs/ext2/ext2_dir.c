/* ext2 directory changes, as Linux's ext2 makes them: an entry goes into the
 * first record with room (a free record, or a used one's slack split off), else
 * into a new block at the directory's end; a removed entry's record merges into
 * the one before it. Pure over struct ext2_io (host-tested); every record is
 * parsed with the reader's checks before it is trusted. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/vfs.h>
#include "ext2_format.h"

int ext2_dirent_fit(const struct ext2_sb *sb, const uint8_t *blk, size_t len, uint32_t *at)
{
    uint32_t need = EXT2_DIR_REC_LEN(len);
    struct ext2_dirent d;
    for (uint32_t off = 0; off < sb->block_size;) {
        int next = ext2_dirent_parse(sb, blk, off, &d, NULL);
        if (next < 0)
            return next;
        uint32_t rec = (uint32_t)next - off;
        uint32_t used = d.ino ? EXT2_DIR_REC_LEN(d.name_len) : 0;
        if (rec >= used + need) {
            *at = off;
            return 0;
        }
        off = (uint32_t)next;
    }
    return -ENOSPC;
}

static void write_entry(const struct ext2_sb *sb, uint8_t *p, uint32_t rec, const char *name,
                        size_t len, uint32_t ino, uint8_t type)
{
    ext2_put32(p, ino);
    ext2_put16(p + 4, rec);
    p[6] = (uint8_t)len;
    p[7] = (sb->incompat & EXT2_FEATURE_INCOMPAT_FILETYPE) ? type : 0;
    memcpy(p + 8, name, len);
    memset(p + 8 + len, 0, EXT2_DIR_REC_LEN(len) - 8 - len);
}

void ext2_dirent_insert(const struct ext2_sb *sb, uint8_t *blk, uint32_t at, const char *name,
                        size_t len, uint32_t ino, uint8_t type)
{
    struct ext2_dirent d;
    int next = ext2_dirent_parse(sb, blk, at, &d, NULL);   /* checked by ext2_dirent_fit */
    uint32_t rec = (uint32_t)next - at;
    if (d.ino) {
        uint32_t used = EXT2_DIR_REC_LEN(d.name_len);
        ext2_put16(blk + at + 4, used);
        at += used;
        rec -= used;
    }
    write_entry(sb, blk + at, rec, name, len, ino, type);
}

/* The record named name: its offset and the previous record's (UINT32_MAX: none). */
static int find(const struct ext2_sb *sb, const uint8_t *blk, const char *name, size_t len,
                uint32_t *at, uint32_t *prev)
{
    struct ext2_dirent d;
    *prev = UINT32_MAX;
    for (uint32_t off = 0; off < sb->block_size;) {
        int next = ext2_dirent_parse(sb, blk, off, &d, NULL);
        if (next < 0)
            return next;
        if (d.ino && d.name_len == len && memcmp(d.name, name, len) == 0) {
            *at = off;
            return 0;
        }
        *prev = off;
        off = (uint32_t)next;
    }
    return -ENOENT;
}

int ext2_dirent_remove(const struct ext2_sb *sb, uint8_t *blk, const char *name, size_t len,
                       uint32_t *ino)
{
    uint32_t at, prev;
    int err = find(sb, blk, name, len, &at, &prev);
    if (err)
        return err;
    *ino = blk[at] | (uint32_t)blk[at + 1] << 8 | (uint32_t)blk[at + 2] << 16 |
           (uint32_t)blk[at + 3] << 24;
    if (prev != UINT32_MAX)
        ext2_put16(blk + prev + 4, ext2_le16(blk + prev + 4) + ext2_le16(blk + at + 4));
    ext2_put32(blk + at, 0);
    return 0;
}

int ext2_dirent_retarget(const struct ext2_sb *sb, uint8_t *blk, const char *name, size_t len,
                         uint32_t ino, uint8_t type)
{
    uint32_t at, prev;
    int err = find(sb, blk, name, len, &at, &prev);
    if (err)
        return err;
    ext2_put32(blk + at, ino);
    if (sb->incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
        blk[at + 7] = type;
    return 0;
}

/* Directory block lblock's physical number; a hole is corruption. */
static int dir_block(struct ext2_vol *v, const struct ext2_inode *dir, uint64_t lblock,
                     uint32_t *phys)
{
    int err = ext2_bmap(v->sb, v->io, dir, lblock, phys);
    if (!err && (*phys == 0 || ext2_block_is_meta(v->sb, v->groups, *phys)))
        err = ext2_corrupt(v->io, "bad directory block", dir->ino);
    return err;
}

/* Runs op on each block of dir from block first on (writable) until it answers
 * other than -ENOENT/-ENOSPC (its "not here"); *at: the block that answered. */
static int each_block(struct ext2_vol *v, struct ext2_inode *dir, uint64_t first, int notfound,
                      int (*op)(const struct ext2_sb *sb, uint8_t *blk, void *arg), void *arg,
                      uint64_t *at)
{
    uint32_t bs = v->sb->block_size;
    for (uint64_t lb = first; lb < dir->size / bs; lb++) {
        *at = lb;
        uint32_t phys;
        int err = dir_block(v, dir, lb, &phys);
        if (err)
            return err;
        uint8_t *data;
        void *h;
        if ((err = v->io->getw(v->io->ctx, phys, false, &data, &h)))
            return err;
        err = op(v->sb, data, arg);
        v->io->put(v->io->ctx, h);
        if (err == -EUCLEAN)
            return ext2_corrupt(v->io, "bad directory entry", dir->ino);
        if (err != notfound)
            return err;
    }
    return notfound;
}

struct entry_arg { const char *name; size_t len; uint32_t ino; uint8_t type; };

static int add_op(const struct ext2_sb *sb, uint8_t *blk, void *arg)
{
    struct entry_arg *a = arg;
    uint32_t at;
    int err = ext2_dirent_fit(sb, blk, a->len, &at);
    if (!err)
        ext2_dirent_insert(sb, blk, at, a->name, a->len, a->ino, a->type);
    return err;
}

static int remove_op(const struct ext2_sb *sb, uint8_t *blk, void *arg)
{
    struct entry_arg *a = arg;
    return ext2_dirent_remove(sb, blk, a->name, a->len, &a->ino);
}

static int retarget_op(const struct ext2_sb *sb, uint8_t *blk, void *arg)
{
    struct entry_arg *a = arg;
    return ext2_dirent_retarget(sb, blk, a->name, a->len, a->ino, a->type);
}

int ext2_dir_add(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                 uint32_t ino, uint8_t type)
{
    /* A hashed directory's index would go stale: it becomes a plain one (ext3's
     * way); its index blocks already read as empty records. */
    dir->flags &= ~EXT2_INDEX_FL;
    struct entry_arg a = { name, len, ino, type };
    /* First fit from the block of the last change on: the blocks before it had
     * no room then (a removal moves the start back), so a directory filled in
     * order is not read from its start for every entry. */
    uint64_t at;
    int err = each_block(v, dir, dir->add_from, -ENOSPC, add_op, &a, &at);
    if (!err) {
        dir->add_from = at;
        if (dir->filter)
            ext2_dirfilter_add(dir->filter, name, len);
    }
    if (err != -ENOSPC)
        return err;
    uint32_t bs = v->sb->block_size, phys;
    bool fresh;
    err = ext2_bmap_alloc(v, dir, dir->size / bs, &phys, &fresh);
    if (err)
        return err;
    uint8_t *data;
    void *h;
    if ((err = v->io->getw(v->io->ctx, phys, true, &data, &h))) {
        ext2_truncate(v, dir, dir->size);               /* give the block back */
        return err;
    }
    write_entry(v->sb, data, bs, name, len, ino, type);
    v->io->put(v->io->ctx, h);
    dir->add_from = dir->size / bs;
    dir->size += bs;
    if (dir->filter)
        ext2_dirfilter_add(dir->filter, name, len);
    return 0;
}

int ext2_dir_remove(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                    uint32_t *ino)
{
    dir->flags &= ~EXT2_INDEX_FL;
    struct entry_arg a = { name, len, 0, 0 };
    uint64_t at;
    int err = each_block(v, dir, 0, -ENOENT, remove_op, &a, &at);
    if (!err) {
        *ino = a.ino;
        dir->add_from = MIN(dir->add_from, at);
    }
    return err;
}

int ext2_dir_retarget(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                      uint32_t ino, uint8_t type)
{
    dir->flags &= ~EXT2_INDEX_FL;
    struct entry_arg a = { name, len, ino, type };
    uint64_t at;
    return each_block(v, dir, 0, -ENOENT, retarget_op, &a, &at);
}

int ext2_dir_is_empty(struct ext2_vol *v, const struct ext2_inode *dir)
{
    uint64_t pos = 0;
    struct ext2_dirent d;
    int r;
    while ((r = ext2_dir_next(v->sb, v->io, dir, &pos, &d)) == 1)
        if (!(d.name[0] == '.' && (d.name_len == 1 || (d.name_len == 2 && d.name[1] == '.'))))
            return 0;
    return r < 0 ? r : 1;
}

int ext2_dir_init(struct ext2_vol *v, struct ext2_inode *dir, uint32_t parent)
{
    uint32_t bs = v->sb->block_size, phys;
    bool fresh;
    int err = ext2_bmap_alloc(v, dir, 0, &phys, &fresh);
    if (err)
        return err;
    uint8_t *data;
    void *h;
    if ((err = v->io->getw(v->io->ctx, phys, true, &data, &h)))
        return err;
    write_entry(v->sb, data, 12, ".", 1, dir->ino, EXT2_FT_DIR);
    write_entry(v->sb, data + 12, bs - 12, "..", 2, parent, EXT2_FT_DIR);
    v->io->put(v->io->ctx, h);
    dir->size = bs;
    return 0;
}
