/* ext2 read paths over struct ext2_io: group descriptors, inodes, the indirect
 * block map, file data, directories and symlinks (pure: host-tested and fuzzed).
 * Each operation touches a bounded number of blocks (a block map lookup at most
 * four, a directory walk its own blocks once). */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/vfs.h>
#include "ext2_format.h"

int ext2_load_groups(const struct ext2_sb *sb, struct ext2_io *io, struct ext2_group *groups)
{
    uint32_t per = sb->block_size / EXT2_DESC_SIZE;
    for (uint32_t b = 0; b < sb->desc_blocks; b++) {
        const uint8_t *data;
        void *h;
        int err = io->get(io->ctx, sb->first_data_block + 1 + b, &data, &h);
        if (err)
            return err;
        for (uint32_t i = 0; i < per && b * per + i < sb->groups; i++) {
            const char *why = NULL;
            err = ext2_parse_group(sb, data + i * EXT2_DESC_SIZE, &groups[b * per + i], &why);
            if (err) {
                io->put(io->ctx, h);
                return ext2_corrupt(io, why, b * per + i);
            }
        }
        io->put(io->ctx, h);
    }
    return 0;
}

int ext2_read_inode(const struct ext2_sb *sb, const struct ext2_group *groups, struct ext2_io *io,
                    uint32_t ino, struct ext2_inode *out)
{
    uint32_t block, off;
    if (ext2_inode_location(sb, groups, ino, &block, &off))
        return ext2_corrupt(io, "inode number out of range", ino);
    const uint8_t *data;
    void *h;
    int err = io->get(io->ctx, block, &data, &h);
    if (err)
        return err;
    const char *why = NULL;
    err = ext2_parse_inode(sb, data + off, ino, out, &why);
    io->put(io->ctx, h);
    return err ? ext2_corrupt(io, why, ino) : 0;
}

int ext2_bmap(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *inode,
              uint64_t lblock, uint32_t *phys)
{
    uint32_t slot, idx[3];
    int depth = ext2_bmap_path(sb->block_size, lblock, &slot, idx);
    if (depth < 0)
        return depth;
    uint32_t b = inode->block[slot];
    for (int level = 0;; level++) {
        int ok = ext2_block_valid(sb, b);
        if (ok < 0)
            return ext2_corrupt(io, "block number past the end", b);
        if (ok == 0 || level == depth) {
            *phys = b;
            return 0;
        }
        const uint8_t *data;
        void *h;
        int err = io->get(io->ctx, b, &data, &h);
        if (err)
            return err;
        b = ext2_le32(data + 4 * idx[level]);
        io->put(io->ctx, h);
    }
}

ssize_t ext2_file_read(const struct ext2_sb *sb, struct ext2_io *io,
                       const struct ext2_inode *inode, void *buf, size_t n, uint64_t off)
{
    if (off >= inode->size)
        return 0;
    if (n > inode->size - off)
        n = (size_t)(inode->size - off);
    uint32_t bs = sb->block_size;
    size_t done = 0;
    while (done < n) {
        uint64_t pos = off + done;
        uint32_t in = (uint32_t)(pos % bs);
        size_t chunk = MIN((size_t)(bs - in), n - done);
        uint32_t phys;
        int err = ext2_bmap(sb, io, inode, pos / bs, &phys);
        if (!err && phys) {
            const uint8_t *data;
            void *h;
            err = io->get(io->ctx, phys, &data, &h);
            if (!err) {
                memcpy((uint8_t *)buf + done, data + in, chunk);
                io->put(io->ctx, h);
            }
        } else if (!err) {
            memset((uint8_t *)buf + done, 0, chunk);   /* a hole */
        }
        if (err)
            return done ? (ssize_t)done : err;
        done += chunk;
    }
    return (ssize_t)done;
}

/* Directory block lblock of dir, held (io->put releases it); a directory has no
 * holes, so one is corruption. */
static int dir_block_get(const struct ext2_sb *sb, struct ext2_io *io,
                         const struct ext2_inode *dir, uint64_t lblock,
                         const uint8_t **data, void **h)
{
    uint32_t phys;
    int err = ext2_bmap(sb, io, dir, lblock, &phys);
    if (err)
        return err;
    if (!phys)
        return ext2_corrupt(io, "hole in a directory", dir->ino);
    return io->get(io->ctx, phys, data, h);
}

int ext2_dir_next(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                  uint64_t *pos, struct ext2_dirent *out)
{
    uint32_t bs = sb->block_size;
    while (*pos < dir->size) {
        uint64_t lblock = *pos / bs;
        uint32_t off = (uint32_t)(*pos % bs);
        const uint8_t *data;
        void *h;
        int err = dir_block_get(sb, io, dir, lblock, &data, &h);
        if (err)
            return err;
        /* Walk from the block's start, skipping the entries before off, so an
         * offset taken from an earlier pass can never land inside a record. */
        for (uint32_t at = 0; at < bs;) {
            uint32_t start = at;
            const char *why = NULL;
            int next = ext2_dirent_parse(sb, data, at, out, &why);
            if (next < 0) {
                io->put(io->ctx, h);
                return ext2_corrupt(io, why, dir->ino);
            }
            at = (uint32_t)next;
            if (start >= off && out->ino) {
                io->put(io->ctx, h);
                out->off = lblock * bs + start;
                *pos = lblock * bs + at;
                return 1;
            }
        }
        io->put(io->ctx, h);
        *pos = (lblock + 1) * bs;
    }
    return 0;
}

int ext2_dir_lookup(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                    const char *name, size_t len, uint32_t *ino)
{
    uint32_t bs = sb->block_size;
    struct ext2_dirfilter *f = dir->filter;
    if (f && f->complete && !ext2_dirfilter_maybe(f, name, len))
        return -ENOENT;
    for (uint64_t lblock = 0; lblock < dir->size / bs; lblock++) {
        const uint8_t *data;
        void *h;
        int err = dir_block_get(sb, io, dir, lblock, &data, &h);
        if (err)
            return err;
        struct ext2_dirent d;
        for (uint32_t at = 0; at < bs;) {
            const char *why = NULL;
            int next = ext2_dirent_parse(sb, data, at, &d, &why);
            if (next < 0) {
                io->put(io->ctx, h);
                return ext2_corrupt(io, why, dir->ino);
            }
            at = (uint32_t)next;
            if (d.ino && d.name_len == len && memcmp(d.name, name, len) == 0) {
                io->put(io->ctx, h);
                *ino = d.ino;
                return 0;
            }
            if (d.ino && f)
                ext2_dirfilter_add(f, d.name, d.name_len);
        }
        io->put(io->ctx, h);
    }
    if (f)
        f->complete = true;             /* the whole directory went in */
    return -ENOENT;
}

ssize_t ext2_readlink(const struct ext2_sb *sb, struct ext2_io *io,
                      const struct ext2_inode *inode, char *buf, size_t size)
{
    uint64_t len = inode->size;
    if (len == 0 || len >= size || len >= sb->block_size)
        return ext2_corrupt(io, "bad symlink size", inode->ino);
    uint64_t acl = inode->file_acl ? sb->block_size / 512 : 0;
    if (inode->blocks512 <= acl) {      /* fast: the target is in i_block */
        if (len >= EXT2_FAST_LINK_MAX)
            return ext2_corrupt(io, "fast symlink too long", inode->ino);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(inode->block[i / 4] >> (8 * (i % 4)));
    } else {
        ssize_t r = ext2_file_read(sb, io, inode, buf, (size_t)len, 0);
        if (r < 0)
            return r;
        if ((uint64_t)r != len)
            return -EIO;
    }
    buf[len] = 0;
    return (ssize_t)len;
}
