/* ext2 allocation and file data over struct ext2_io (pure: host-tested): block
 * and inode bitmaps with their group's free counts, the block map grown on write
 * and cut on truncate (indirect blocks included), inode slots and the primary
 * superblock. A bitmap that contradicts its count, a pointer into metadata or a
 * block freed twice is corruption (-EUCLEAN), never followed. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/vfs.h>
#include "ext2_format.h"

static int getw(struct ext2_vol *v, uint32_t b, bool fresh, uint8_t **d, void **h)
{
    return v->io->getw ? v->io->getw(v->io->ctx, b, fresh, d, h) : -EROFS;
}

static void put(struct ext2_vol *v, void *h) { v->io->put(v->io->ctx, h); }

uint64_t ext2_max_size(const struct ext2_sb *sb)
{
    uint64_t bs = sb->block_size, p = bs / 4;
    uint64_t blocks = EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
    uint64_t max = blocks * bs;
    uint64_t cap = ((1ull << 32) - 1) * 512 - 4 * bs * (p + 1);   /* i_blocks is 32-bit */
    if (max > cap)
        max = cap & ~(bs - 1);
    if (sb->rev == EXT2_GOOD_OLD_REV && max > 0x7fffffffu)
        max = 0x7fffffffu;              /* no large_file without revision 1 */
    return max;
}

/* Writes group g's counts into its descriptor. */
static int write_group(struct ext2_vol *v, uint32_t g)
{
    uint32_t per = v->sb->block_size / EXT2_DESC_SIZE;
    uint8_t *d;
    void *h;
    int err = getw(v, v->sb->first_data_block + 1 + g / per, false, &d, &h);
    if (err)
        return err;
    uint8_t *raw = d + (g % per) * EXT2_DESC_SIZE;
    ext2_put16(raw + 12, v->groups[g].free_blocks);
    ext2_put16(raw + 14, v->groups[g].free_inodes);
    ext2_put16(raw + 16, v->groups[g].used_dirs);
    put(v, h);
    return 0;
}

static uint32_t group_blocks(const struct ext2_sb *sb, uint32_t g)
{
    uint32_t left = sb->blocks_count - sb->first_data_block - g * sb->blocks_per_group;
    return MIN(left, sb->blocks_per_group);
}

/* The first clear bit in [from, nbits) of map, or -1. */
static int64_t first_clear(const uint8_t *map, uint32_t from, uint32_t nbits)
{
    for (uint32_t i = from; i < nbits; i++) {
        if (i % 8 == 0 && map[i / 8] == 0xff && i + 8 <= nbits) {
            i += 7;
            continue;
        }
        if (!(map[i / 8] & (1u << (i % 8))))
            return i;
    }
    return -1;
}

/* Takes the first free block of group g at or after bit from: 0 and *out, 1 when
 * there is none there, or an error. */
static int take_block(struct ext2_vol *v, uint32_t g, uint32_t from, uint32_t *out)
{
    struct ext2_sb *sb = v->sb;
    uint8_t *map;
    void *h;
    int err = getw(v, v->groups[g].block_bitmap, false, &map, &h);
    if (err)
        return err;
    int64_t bit = first_clear(map, from, group_blocks(sb, g));
    if (bit < 0 && from > 0) {
        put(v, h);
        return 1;
    }
    uint32_t b = sb->first_data_block + g * sb->blocks_per_group + (uint32_t)bit;
    if (bit < 0 || ext2_block_is_meta(sb, v->groups, b)) {
        put(v, h);
        return ext2_corrupt(v->io, "block bitmap disagrees with the group", g);
    }
    map[bit / 8] |= (uint8_t)(1u << (bit % 8));
    put(v, h);
    v->groups[g].free_blocks--;
    if (sb->free_blocks)
        sb->free_blocks--;
    *out = b;
    return write_group(v, g);
}

int ext2_alloc_block(struct ext2_vol *v, uint32_t goal, uint32_t *out)
{
    struct ext2_sb *sb = v->sb;
    for (uint32_t i = 0; i < sb->groups; i++) {
        uint32_t g = (goal + i) % sb->groups;
        if (v->groups[g].free_blocks)
            return take_block(v, g, 0, out);
    }
    return -ENOSPC;
}

/* A block at or after near (a block number; 0: none) in its group when one is
 * free there, so a file written in order gets consecutive blocks (one disk
 * request each run); else as ext2_alloc_block from group. */
static int alloc_block_near(struct ext2_vol *v, uint32_t group, uint32_t near, uint32_t *out)
{
    struct ext2_sb *sb = v->sb;
    if (near >= sb->first_data_block && near < sb->blocks_count) {
        uint32_t g = (near - sb->first_data_block) / sb->blocks_per_group;
        if (v->groups[g].free_blocks) {
            int r = take_block(v, g, (near - sb->first_data_block) % sb->blocks_per_group, out);
            if (r <= 0)
                return r;
        }
    }
    return ext2_alloc_block(v, group, out);
}

int ext2_free_block(struct ext2_vol *v, uint32_t b)
{
    struct ext2_sb *sb = v->sb;
    if (ext2_block_is_meta(sb, v->groups, b))
        return ext2_corrupt(v->io, "freeing a metadata block", b);
    uint32_t g = (b - sb->first_data_block) / sb->blocks_per_group;
    uint32_t bit = (b - sb->first_data_block) % sb->blocks_per_group;
    uint8_t *map;
    void *h;
    int err = getw(v, v->groups[g].block_bitmap, false, &map, &h);
    if (err)
        return err;
    if (!(map[bit / 8] & (1u << (bit % 8)))) {
        put(v, h);
        return ext2_corrupt(v->io, "freeing a free block", b);
    }
    map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
    put(v, h);
    v->groups[g].free_blocks++;
    sb->free_blocks++;
    return write_group(v, g);
}

/* A directory goes to a group with at least the average share of free inodes and
 * the most free blocks (Linux ext2's old find_group_dir); a file to its parent's
 * group, or the next one with a free inode. */
static uint32_t inode_goal(struct ext2_vol *v, uint32_t parent, bool dir)
{
    struct ext2_sb *sb = v->sb;
    uint32_t pg = parent ? (parent - 1) / sb->inodes_per_group : 0;
    if (!dir || sb->groups == 1)
        return pg;
    uint64_t total = 0;
    for (uint32_t g = 0; g < sb->groups; g++)
        total += v->groups[g].free_inodes;
    uint32_t avg = (uint32_t)(total / sb->groups), best = pg;
    for (uint32_t g = 0; g < sb->groups; g++) {
        const struct ext2_group *gd = &v->groups[g];
        if (gd->free_inodes && gd->free_inodes >= avg &&
            (v->groups[best].free_inodes == 0 || gd->free_blocks > v->groups[best].free_blocks))
            best = g;
    }
    return best;
}

int ext2_alloc_inode(struct ext2_vol *v, uint32_t parent, bool dir, uint32_t *ino)
{
    struct ext2_sb *sb = v->sb;
    uint32_t goal = inode_goal(v, parent, dir);
    for (uint32_t i = 0; i < sb->groups; i++) {
        uint32_t g = (goal + i) % sb->groups;
        if (v->groups[g].free_inodes == 0)
            continue;
        uint8_t *map;
        void *h;
        int err = getw(v, v->groups[g].inode_bitmap, false, &map, &h);
        if (err)
            return err;
        uint32_t from = g == 0 ? sb->first_ino - 1 : 0;
        int64_t bit = from < sb->inodes_per_group ? first_clear(map, from, sb->inodes_per_group)
                                                  : -1;
        if (bit < 0) {
            put(v, h);
            if (g == 0)                 /* only reserved inodes left here: go on */
                continue;
            return ext2_corrupt(v->io, "inode bitmap disagrees with the group", g);
        }
        map[bit / 8] |= (uint8_t)(1u << (bit % 8));
        put(v, h);
        uint32_t n = g * sb->inodes_per_group + (uint32_t)bit + 1;
        v->groups[g].free_inodes--;
        if (dir)
            v->groups[g].used_dirs++;
        if (sb->free_inodes)
            sb->free_inodes--;
        if ((err = write_group(v, g)))
            return err;
        uint32_t blk, off;
        ext2_inode_location(sb, v->groups, n, &blk, &off);
        uint8_t *d;
        if ((err = getw(v, blk, false, &d, &h)))
            return err;
        memset(d + off, 0, sb->inode_size);
        put(v, h);
        *ino = n;
        return 0;
    }
    return -ENOSPC;
}

int ext2_free_inode(struct ext2_vol *v, uint32_t ino, bool dir)
{
    struct ext2_sb *sb = v->sb;
    if (ino < sb->first_ino || ino > sb->inodes_count)
        return ext2_corrupt(v->io, "freeing a reserved inode", ino);
    uint32_t g = (ino - 1) / sb->inodes_per_group, bit = (ino - 1) % sb->inodes_per_group;
    uint8_t *map;
    void *h;
    int err = getw(v, v->groups[g].inode_bitmap, false, &map, &h);
    if (err)
        return err;
    if (!(map[bit / 8] & (1u << (bit % 8)))) {
        put(v, h);
        return ext2_corrupt(v->io, "freeing a free inode", ino);
    }
    map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
    put(v, h);
    v->groups[g].free_inodes++;
    if (dir && v->groups[g].used_dirs)
        v->groups[g].used_dirs--;
    sb->free_inodes++;
    return write_group(v, g);
}

int ext2_inode_changed(struct ext2_vol *v, const struct ext2_inode *in)
{
    uint32_t blk, off;
    if (ext2_inode_location(v->sb, v->groups, in->ino, &blk, &off))
        return ext2_corrupt(v->io, "inode number out of range", in->ino);
    const uint8_t *d;
    void *h;
    int err = v->io->get(v->io->ctx, blk, &d, &h);
    if (err)
        return err;
    uint8_t tmp[EXT2_GOOD_OLD_INODE_SIZE];
    memcpy(tmp, d + off, sizeof(tmp));
    ext2_encode_inode(v->sb, in, tmp);
    int changed = memcmp(tmp, d + off, sizeof(tmp)) != 0;
    put(v, h);
    return changed;
}

int ext2_write_inode(struct ext2_vol *v, const struct ext2_inode *in)
{
    uint32_t blk, off;
    if (ext2_inode_location(v->sb, v->groups, in->ino, &blk, &off))
        return ext2_corrupt(v->io, "inode number out of range", in->ino);
    uint8_t *d;
    void *h;
    int err = getw(v, blk, false, &d, &h);
    if (err)
        return err;
    ext2_encode_inode(v->sb, in, d + off);
    put(v, h);
    return 0;
}

static uint32_t inode_group(const struct ext2_vol *v, const struct ext2_inode *in)
{
    return (in->ino - 1) / v->sb->inodes_per_group;
}

/* A block number a file may own (not a hole, not metadata, inside the fs). */
static bool file_block_ok(const struct ext2_vol *v, uint32_t b)
{
    return !ext2_block_is_meta(v->sb, v->groups, b);
}

/* Allocates a block for in (i_blocks counts it), at or after near when it can;
 * zeroed on disk when zero. */
static int new_block(struct ext2_vol *v, struct ext2_inode *in, bool zero, uint32_t near,
                     uint32_t *out)
{
    int err = alloc_block_near(v, inode_group(v, in), near, out);
    if (err)
        return err;
    in->blocks512 += v->sb->block_size / 512;
    if (zero) {
        uint8_t *d;
        void *h;
        if ((err = getw(v, *out, true, &d, &h)))
            return err;
        put(v, h);
    }
    return 0;
}

int ext2_bmap_alloc(struct ext2_vol *v, struct ext2_inode *in, uint64_t lblock, uint32_t *phys,
                    bool *fresh)
{
    uint32_t slot, idx[3];
    int depth = ext2_bmap_path(v->sb->block_size, lblock, &slot, idx);
    if (depth < 0)
        return depth;
    *fresh = false;
    uint32_t b = in->block[slot];
    int err;
    /* New blocks go after the previous logical block's (0: no goal). */
    uint32_t near = 0;
    if (lblock > 0 && ext2_bmap(v->sb, v->io, in, lblock - 1, &near) == 0 && near)
        near++;
    if (b == 0) {
        if ((err = new_block(v, in, depth > 0, near, &b)))
            return err;
        near = near ? b + 1 : 0;
        in->block[slot] = b;
        *fresh = depth == 0;
    } else if (!file_block_ok(v, b)) {
        return ext2_corrupt(v->io, "block number past the end", b);
    }
    for (int level = 0; level < depth; level++) {
        uint8_t *d;
        void *h;
        if ((err = getw(v, b, false, &d, &h)))
            return err;
        uint32_t next = ext2_le32(d + 4 * idx[level]);
        if (next == 0) {
            if ((err = new_block(v, in, level + 1 < depth, near, &next))) {
                put(v, h);
                return err;
            }
            ext2_put32(d + 4 * idx[level], next);
            *fresh = level + 1 == depth;
            near = near ? next + 1 : 0;
        } else if (!file_block_ok(v, next)) {
            put(v, h);
            return ext2_corrupt(v->io, "block number past the end", next);
        }
        put(v, h);
        b = next;
    }
    *phys = b;
    return 0;
}

ssize_t ext2_file_write(struct ext2_vol *v, struct ext2_inode *in, const void *buf, size_t n,
                        uint64_t off)
{
    uint64_t max = ext2_max_size(v->sb);
    if (off >= max)
        return n ? -EFBIG : 0;
    if (n > max - off)
        n = (size_t)(max - off);
    uint32_t bs = v->sb->block_size;
    size_t done = 0;
    int err = 0;
    while (done < n) {
        uint64_t pos = off + done;
        uint32_t inb = (uint32_t)(pos % bs);
        size_t chunk = MIN((size_t)(bs - inb), n - done);
        uint32_t phys;
        bool fresh;
        if ((err = ext2_bmap_alloc(v, in, pos / bs, &phys, &fresh)))
            break;
        uint8_t *d;
        void *h;
        if ((err = getw(v, phys, fresh, &d, &h)))
            break;
        memcpy(d + inb, (const uint8_t *)buf + done, chunk);
        put(v, h);
        done += chunk;
        if (pos + chunk > in->size)
            in->size = pos + chunk;
    }
    if (in->size > 0x7fffffffu && !(v->sb->ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
        v->sb->ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;     /* written at sync */
    if (err && done == 0) {
        ext2_truncate(v, in, in->size);     /* blocks allocated past the size go back */
        return err;
    }
    return (ssize_t)done;
}

/* Frees the pointers of indirect block b (level 1: pointers to data) for logical
 * blocks from first on; base is b's first logical block. *empty: b points at
 * nothing any more (the caller frees it). */
static int free_tree(struct ext2_vol *v, struct ext2_inode *in, uint32_t b, int level,
                     uint64_t base, uint64_t first, bool *empty)
{
    uint32_t ptrs = v->sb->block_size / 4;
    uint64_t span = 1;
    for (int i = 1; i < level; i++)
        span *= ptrs;
    uint8_t *d;
    void *h;
    int err = getw(v, b, false, &d, &h);
    if (err)
        return err;
    *empty = true;
    for (uint32_t i = 0; i < ptrs && !err; i++) {
        uint32_t p = ext2_le32(d + 4 * i);
        uint64_t cbase = base + i * span;
        if (p == 0)
            continue;
        if (cbase + span <= first) {
            *empty = false;
            continue;
        }
        if (!file_block_ok(v, p)) {
            err = ext2_corrupt(v->io, "block number past the end", p);
            break;
        }
        bool gone = true;
        if (level > 1)
            err = free_tree(v, in, p, level - 1, cbase, first, &gone);
        if (!err && gone) {
            err = ext2_free_block(v, p);
            if (!err) {
                ext2_put32(d + 4 * i, 0);
                in->blocks512 -= MIN(in->blocks512, v->sb->block_size / 512);
            }
        } else if (!gone) {
            *empty = false;
        }
    }
    put(v, h);
    return err;
}

/* Frees every block of in from logical block first on. */
static int free_from(struct ext2_vol *v, struct ext2_inode *in, uint64_t first)
{
    uint32_t bs = v->sb->block_size, ptrs = bs / 4;
    int err = 0;
    for (uint64_t i = first; i < EXT2_NDIR_BLOCKS && !err; i++) {
        if (in->block[i]) {
            if ((err = ext2_free_block(v, in->block[i])))
                break;
            in->block[i] = 0;
            in->blocks512 -= MIN(in->blocks512, bs / 512);
        }
    }
    uint64_t base = EXT2_NDIR_BLOCKS, span = ptrs;
    for (int level = 1; level <= 3 && !err; level++) {
        uint32_t slot = EXT2_IND_BLOCK + (uint32_t)level - 1;
        uint32_t b = in->block[slot];
        if (b && base + span > first) {
            bool empty;
            if (!file_block_ok(v, b))
                return ext2_corrupt(v->io, "block number past the end", b);
            err = free_tree(v, in, b, level, base, first, &empty);
            if (!err && empty && (err = ext2_free_block(v, b)) == 0) {
                in->block[slot] = 0;
                in->blocks512 -= MIN(in->blocks512, bs / 512);
            }
        }
        base += span;
        span *= ptrs;
    }
    return err;
}

int ext2_truncate(struct ext2_vol *v, struct ext2_inode *in, uint64_t size)
{
    uint32_t bs = v->sb->block_size;
    if (size > ext2_max_size(v->sb))
        return -EFBIG;
    int err = 0;
    if (size < in->size && size % bs) {     /* the tail of the last block reads as zeros */
        uint32_t phys;
        err = ext2_bmap(v->sb, v->io, in, size / bs, &phys);
        if (!err && phys && !file_block_ok(v, phys))
            err = ext2_corrupt(v->io, "block number past the end", phys);
        if (!err && phys) {
            uint8_t *d;
            void *h;
            if ((err = getw(v, phys, false, &d, &h)) == 0) {
                memset(d + size % bs, 0, bs - size % bs);
                put(v, h);
            }
        }
    }
    if (!err)
        err = free_from(v, in, (size + bs - 1) / bs);
    if (!err)
        in->size = size;
    if (in->size > 0x7fffffffu && !(v->sb->ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
        v->sb->ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
    return err;
}

int ext2_release_blocks(struct ext2_vol *v, struct ext2_inode *in)
{
    uint32_t bs = v->sb->block_size;
    uint64_t acl = in->file_acl ? bs / 512 : 0;
    bool owns = S_ISREG(in->mode) || S_ISDIR(in->mode) ||
                (S_ISLNK(in->mode) && in->blocks512 > acl);
    int err = owns ? free_from(v, in, 0) : 0;
    if (!owns)
        memset(in->block, 0, sizeof(in->block));
    if (!err && in->file_acl) {         /* a shared xattr block: drop our reference */
        uint8_t *d;
        void *h;
        uint32_t b = in->file_acl;
        if (!file_block_ok(v, b))
            return ext2_corrupt(v->io, "bad xattr block", b);
        if ((err = getw(v, b, false, &d, &h)))
            return err;
        uint32_t refs = ext2_le32(d + 4);
        if (ext2_le32(d) != 0xEA020000u) {
            put(v, h);
            return ext2_corrupt(v->io, "bad xattr block", b);
        }
        ext2_put32(d + 4, refs > 0 ? refs - 1 : 0);
        put(v, h);
        if (refs <= 1)
            err = ext2_free_block(v, b);
        if (!err) {
            in->file_acl = 0;
            in->blocks512 -= MIN(in->blocks512, acl);
        }
    }
    in->size = 0;
    return err;
}

int ext2_write_super(struct ext2_vol *v, uint16_t state, uint32_t wtime)
{
    struct ext2_sb *sb = v->sb;
    uint32_t bs = sb->block_size;
    uint64_t fb = 0, fi = 0;
    for (uint32_t g = 0; g < sb->groups; g++) {
        fb += v->groups[g].free_blocks;
        fi += v->groups[g].free_inodes;
    }
    sb->free_blocks = (uint32_t)MIN(fb, sb->blocks_count);
    sb->free_inodes = (uint32_t)MIN(fi, sb->inodes_count);
    uint8_t *d;
    void *h;
    int err = getw(v, EXT2_SUPER_OFFSET / bs, false, &d, &h);
    if (err)
        return err;
    uint8_t *raw = d + EXT2_SUPER_OFFSET % bs;
    ext2_put32(raw + 12, sb->free_blocks);
    ext2_put32(raw + 16, sb->free_inodes);
    ext2_put32(raw + 48, wtime);
    ext2_put16(raw + 58, state);
    if (sb->rev >= EXT2_DYNAMIC_REV)
        ext2_put32(raw + 100, sb->ro_compat);
    put(v, h);
    return 0;
}
