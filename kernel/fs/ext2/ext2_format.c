/* ext2 on-disk structures decoded and checked, one at a time (pure: host-tested and
 * fuzzed in tests/host/test_ext2.c). Layouts from e2fsprogs' ext2_fs.h; every
 * field is little-endian and read byte-wise, so no alignment is assumed. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/vfs.h>
#include "ext2_format.h"

static uint32_t div_up(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

static int bad(const char **why, const char *what, int err)
{
    if (why)
        *why = what;
    return err;
}

int ext2_parse_super(const uint8_t *raw, uint64_t dev_bytes, struct ext2_sb *sb,
                     const char **why)
{
    memset(sb, 0, sizeof(*sb));
    if (ext2_le16(raw + 56) != EXT2_MAGIC)
        return bad(why, "no ext2 magic", -EINVAL);
    sb->rev = ext2_le32(raw + 76);
    if (sb->rev > EXT2_DYNAMIC_REV)
        return bad(why, "unknown revision", -EINVAL);
    uint32_t log = ext2_le32(raw + 24);
    if (log > 2)
        return bad(why, "block size above 4 KiB", -EINVAL);
    sb->block_size = 1024u << log;
    sb->inodes_count = ext2_le32(raw + 0);
    sb->blocks_count = ext2_le32(raw + 4);
    sb->r_blocks_count = ext2_le32(raw + 8);
    sb->free_blocks = ext2_le32(raw + 12);
    sb->free_inodes = ext2_le32(raw + 16);
    sb->first_data_block = ext2_le32(raw + 20);
    sb->blocks_per_group = ext2_le32(raw + 32);
    sb->inodes_per_group = ext2_le32(raw + 40);
    if (sb->rev == EXT2_GOOD_OLD_REV) {
        sb->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        sb->first_ino = EXT2_GOOD_OLD_FIRST_INO;
    } else {
        sb->first_ino = ext2_le32(raw + 84);
        sb->inode_size = ext2_le16(raw + 88);
        sb->compat = ext2_le32(raw + 92);
        sb->incompat = ext2_le32(raw + 96);
        sb->ro_compat = ext2_le32(raw + 100);
        memcpy(sb->uuid, raw + 104, 16);
        memcpy(sb->volume, raw + 120, 16);
        if (sb->compat & 0x0010)        /* resize_inode */
            sb->reserved_gdt = ext2_le16(raw + 206);
    }
    if (sb->incompat & EXT2_FEATURE_INCOMPAT_EXTENTS)
        return bad(why, "extents (ext4) not supported", -EINVAL);
    if (sb->incompat & EXT2_FEATURE_INCOMPAT_64BIT)
        return bad(why, "64bit (ext4) not supported", -EINVAL);
    if (sb->incompat & ~EXT2_INCOMPAT_SUPP)
        return bad(why, "unsupported incompatible features", -EINVAL);
    uint32_t bs = sb->block_size;
    if (sb->first_data_block != (bs == 1024 ? 1u : 0u))
        return bad(why, "bad first data block", -EUCLEAN);
    if (sb->blocks_count <= sb->first_data_block + 1)
        return bad(why, "bad block count", -EUCLEAN);
    if ((uint64_t)sb->blocks_count * bs > dev_bytes)
        return bad(why, "block count exceeds the device", -EUCLEAN);
    if (sb->blocks_per_group == 0 || sb->blocks_per_group > 8 * bs)
        return bad(why, "bad blocks per group", -EUCLEAN);
    if (sb->inode_size < EXT2_GOOD_OLD_INODE_SIZE || sb->inode_size > bs ||
        (sb->inode_size & (sb->inode_size - 1)))
        return bad(why, "bad inode size", -EUCLEAN);
    if (sb->inodes_per_group == 0 || sb->inodes_per_group > 8 * bs ||
        (uint64_t)sb->inodes_per_group * sb->inode_size % bs)
        return bad(why, "bad inodes per group", -EUCLEAN);
    sb->groups = div_up(sb->blocks_count - sb->first_data_block, sb->blocks_per_group);
    if ((uint64_t)sb->groups * sb->inodes_per_group != sb->inodes_count)
        return bad(why, "inode count does not match the groups", -EUCLEAN);
    if (sb->first_ino < EXT2_GOOD_OLD_FIRST_INO || sb->first_ino > sb->inodes_count)
        return bad(why, "bad first inode", -EUCLEAN);
    if (sb->free_blocks > sb->blocks_count || sb->free_inodes > sb->inodes_count ||
        sb->r_blocks_count > sb->blocks_count)
        return bad(why, "free or reserved counts exceed the totals", -EUCLEAN);
    sb->inode_table_blocks = sb->inodes_per_group * sb->inode_size / bs;
    sb->desc_blocks = div_up(sb->groups, bs / EXT2_DESC_SIZE);
    if (sb->reserved_gdt > bs / 4)
        return bad(why, "bad reserved GDT block count", -EUCLEAN);
    if ((uint64_t)sb->first_data_block + 1 + sb->desc_blocks >= sb->blocks_count)
        return bad(why, "group descriptors past the end", -EUCLEAN);
    return 0;
}

int ext2_parse_group(const struct ext2_sb *sb, const uint8_t *raw, struct ext2_group *g,
                     const char **why)
{
    g->block_bitmap = ext2_le32(raw + 0);
    g->inode_bitmap = ext2_le32(raw + 4);
    g->inode_table = ext2_le32(raw + 8);
    g->free_blocks = ext2_le16(raw + 12);
    g->free_inodes = ext2_le16(raw + 14);
    g->used_dirs = ext2_le16(raw + 16);
    uint32_t lo = sb->first_data_block, hi = sb->blocks_count;
    if (g->block_bitmap < lo || g->block_bitmap >= hi || g->inode_bitmap < lo ||
        g->inode_bitmap >= hi)
        return bad(why, "group bitmap past the end", -EUCLEAN);
    if (g->inode_table < lo || (uint64_t)g->inode_table + sb->inode_table_blocks > hi)
        return bad(why, "group inode table past the end", -EUCLEAN);
    return 0;
}

int ext2_inode_location(const struct ext2_sb *sb, const struct ext2_group *groups, uint32_t ino,
                        uint32_t *block, uint32_t *offset)
{
    if (ino == 0 || ino > sb->inodes_count)
        return -EUCLEAN;
    uint32_t g = (ino - 1) / sb->inodes_per_group;
    uint64_t byte = (uint64_t)((ino - 1) % sb->inodes_per_group) * sb->inode_size;
    *block = groups[g].inode_table + (uint32_t)(byte / sb->block_size);
    *offset = (uint32_t)(byte % sb->block_size);
    return 0;
}

int ext2_parse_inode(const struct ext2_sb *sb, const uint8_t *raw, uint32_t ino,
                     struct ext2_inode *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    out->ino = ino;
    out->mode = ext2_le16(raw + 0);
    out->uid = ext2_le16(raw + 2) | (uint32_t)ext2_le16(raw + 120) << 16;
    out->gid = ext2_le16(raw + 24) | (uint32_t)ext2_le16(raw + 122) << 16;
    out->size = ext2_le32(raw + 4);
    out->atime = ext2_le32(raw + 8);
    out->ctime = ext2_le32(raw + 12);
    out->mtime = ext2_le32(raw + 16);
    out->dtime = ext2_le32(raw + 20);
    out->links = ext2_le16(raw + 26);
    out->blocks512 = ext2_le32(raw + 28);
    out->flags = ext2_le32(raw + 32);
    for (int i = 0; i < EXT2_N_BLOCKS; i++)
        out->block[i] = ext2_le32(raw + 40 + 4 * i);
    out->file_acl = ext2_le32(raw + 104);
    uint32_t type = out->mode & S_IFMT;
    if (type == S_IFREG)                /* i_size_high (i_dir_acl for others) */
        out->size |= (uint64_t)ext2_le32(raw + 108) << 32;
    if ((sb->ro_compat & EXT2_FEATURE_RO_COMPAT_HUGE_FILE))
        out->blocks512 |= (uint64_t)ext2_le16(raw + 116) << 32;
    if (out->links == 0 || out->mode == 0)
        return bad(why, "deleted inode", -EUCLEAN);
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && type != S_IFCHR &&
        type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
        return bad(why, "bad inode type", -EUCLEAN);
    if (out->flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
        return bad(why, "extent or inline-data inode", -EUCLEAN);
    if (type == S_IFDIR && out->size % sb->block_size)
        return bad(why, "directory size not a block multiple", -EUCLEAN);
    if (type == S_IFLNK && (out->size == 0 || out->size >= sb->block_size))
        return bad(why, "bad symlink size", -EUCLEAN);
    if (type == S_IFCHR || type == S_IFBLK) {
        uint32_t old = out->block[0], neu = out->block[1];
        if (old)                        /* old 8:8 encoding */
            out->rdev = VFS_MKDEV((old >> 8) & 0xff, old & 0xff);
        else                            /* new 12:20 encoding (Linux new_encode_dev) */
            out->rdev = VFS_MKDEV((neu & 0xfff00) >> 8, (neu & 0xff) | ((neu >> 12) & 0xfff00));
    }
    return 0;
}

int ext2_bmap_path(uint32_t block_size, uint64_t lblock, uint32_t *slot, uint32_t idx[3])
{
    uint64_t ptrs = block_size / 4;
    if (lblock < EXT2_NDIR_BLOCKS) {
        *slot = (uint32_t)lblock;
        return 0;
    }
    lblock -= EXT2_NDIR_BLOCKS;
    if (lblock < ptrs) {
        *slot = EXT2_IND_BLOCK;
        idx[0] = (uint32_t)lblock;
        return 1;
    }
    lblock -= ptrs;
    if (lblock < ptrs * ptrs) {
        *slot = EXT2_DIND_BLOCK;
        idx[0] = (uint32_t)(lblock / ptrs);
        idx[1] = (uint32_t)(lblock % ptrs);
        return 2;
    }
    lblock -= ptrs * ptrs;
    if (lblock < ptrs * ptrs * ptrs) {
        *slot = EXT2_TIND_BLOCK;
        idx[0] = (uint32_t)(lblock / (ptrs * ptrs));
        idx[1] = (uint32_t)(lblock / ptrs % ptrs);
        idx[2] = (uint32_t)(lblock % ptrs);
        return 3;
    }
    return -EFBIG;
}

int ext2_block_valid(const struct ext2_sb *sb, uint32_t b)
{
    if (b == 0)
        return 0;
    if (b < sb->first_data_block || b >= sb->blocks_count)
        return -EUCLEAN;
    return 1;
}

int ext2_dirent_parse(const struct ext2_sb *sb, const uint8_t *blk, uint32_t off,
                      struct ext2_dirent *out, const char **why)
{
    uint32_t bs = sb->block_size;
    if (off > bs - 8 || off % 4)
        return bad(why, "directory entry header past the block", -EUCLEAN);
    uint32_t ino = ext2_le32(blk + off);
    uint32_t rec = ext2_le16(blk + off + 4);
    uint32_t nlen = blk[off + 6];
    uint8_t type = blk[off + 7];
    if (!(sb->incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)) {
        nlen |= (uint32_t)type << 8;    /* rev 0: a 16-bit name length */
        type = EXT2_FT_UNKNOWN;
    }
    if (rec < 8 || rec % 4 || rec > bs - off)
        return bad(why, "bad directory rec_len", -EUCLEAN);
    if (ino && (nlen == 0 || nlen > EXT2_NAME_LEN || 8 + nlen > rec))
        return bad(why, "directory name_len overruns its record", -EUCLEAN);
    if (ino > sb->inodes_count)
        return bad(why, "directory entry inode out of range", -EUCLEAN);
    out->ino = ino;
    out->type = type;
    out->name_len = ino ? (uint8_t)nlen : 0;
    memcpy(out->name, blk + off + 8, out->name_len);
    out->name[out->name_len] = 0;
    return (int)(off + rec);
}

bool ext2_group_has_super(const struct ext2_sb *sb, uint32_t g)
{
    if (g <= 1 || !(sb->ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
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

bool ext2_block_is_meta(const struct ext2_sb *sb, const struct ext2_group *groups, uint32_t b)
{
    if (b <= sb->first_data_block || b >= sb->blocks_count)
        return true;
    uint32_t g = (b - sb->first_data_block) / sb->blocks_per_group;
    const struct ext2_group *gd = &groups[g];
    if (b == gd->block_bitmap || b == gd->inode_bitmap ||
        (b >= gd->inode_table && b - gd->inode_table < sb->inode_table_blocks))
        return true;
    uint32_t start = sb->first_data_block + g * sb->blocks_per_group;
    return ext2_group_has_super(sb, g) &&
           b - start < 1 + sb->desc_blocks + sb->reserved_gdt;
}

uint8_t ext2_mode_to_ft(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return 1;
    case S_IFDIR: return 2;
    case S_IFCHR: return 3;
    case S_IFBLK: return 4;
    case S_IFIFO: return 5;
    case S_IFSOCK: return 6;
    case S_IFLNK: return 7;
    default: return 0;
    }
}

void ext2_encode_inode(const struct ext2_sb *sb, const struct ext2_inode *in, uint8_t *raw)
{
    (void)sb;
    ext2_put16(raw + 0, in->mode);
    ext2_put16(raw + 2, in->uid & 0xffff);
    ext2_put32(raw + 4, (uint32_t)in->size);
    ext2_put32(raw + 8, in->atime);
    ext2_put32(raw + 12, in->ctime);
    ext2_put32(raw + 16, in->mtime);
    ext2_put32(raw + 20, in->dtime);
    ext2_put16(raw + 24, in->gid & 0xffff);
    ext2_put16(raw + 26, in->links);
    ext2_put32(raw + 28, (uint32_t)in->blocks512);
    ext2_put32(raw + 32, in->flags);
    for (int i = 0; i < EXT2_N_BLOCKS; i++)
        ext2_put32(raw + 40 + 4 * i, in->block[i]);
    ext2_put32(raw + 104, in->file_acl);
    if (S_ISREG(in->mode))
        ext2_put32(raw + 108, (uint32_t)(in->size >> 32));
    ext2_put16(raw + 120, in->uid >> 16);
    ext2_put16(raw + 122, in->gid >> 16);
}

uint32_t ext2_ft_to_mode(uint8_t type)
{
    static const uint32_t modes[8] = { 0, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO,
                                       S_IFSOCK, S_IFLNK };
    return type < 8 ? modes[type] : 0;
}

/* FNV-1a, folded to three bit numbers of the filter. */
static void filter_bits(const char *name, size_t len, uint32_t out[3])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    for (int i = 0; i < 3; i++)
        out[i] = (uint32_t)(h >> (21 * i)) % EXT2_DIRFILTER_BITS;
}

void ext2_dirfilter_add(struct ext2_dirfilter *f, const char *name, size_t len)
{
    uint32_t b[3];
    filter_bits(name, len, b);
    for (int i = 0; i < 3; i++)
        f->bits[b[i] / 64] |= 1ull << (b[i] % 64);
}

bool ext2_dirfilter_maybe(const struct ext2_dirfilter *f, const char *name, size_t len)
{
    uint32_t b[3];
    filter_bits(name, len, b);
    for (int i = 0; i < 3; i++)
        if (!(f->bits[b[i] / 64] >> (b[i] % 64) & 1))
            return false;
    return true;
}
