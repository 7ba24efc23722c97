/* ext2 on-disk format and the pure read logic over it (ext2_format.c, ext2_read.c):
 * superblock and group descriptor checks, inode decoding, the indirect block map,
 * directory entry walking. Blocks come through struct ext2_io, so the same code runs
 * in the kernel (on the buffer cache) and on the host (tests, fuzzing). Every value
 * read from disk is checked before use: corruption answers -EUCLEAN (or -EIO from
 * the device) with a reason in io->why, never a crash or an unbounded loop. */
#pragma once

#include <osc/types.h>

#define EXT2_SUPER_OFFSET   1024        /* bytes from the partition's start */
#define EXT2_SUPER_SIZE     1024
#define EXT2_MAGIC          0xEF53
#define EXT2_ROOT_INO       2
#define EXT2_GOOD_OLD_REV   0
#define EXT2_DYNAMIC_REV    1
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO  11
#define EXT2_NDIR_BLOCKS    12
#define EXT2_IND_BLOCK      12
#define EXT2_DIND_BLOCK     13
#define EXT2_TIND_BLOCK     14
#define EXT2_N_BLOCKS       15
#define EXT2_DESC_SIZE      32          /* without the 64bit feature */
#define EXT2_NAME_LEN       255
#define EXT2_FAST_LINK_MAX  60          /* a fast symlink's target lives in i_block */

/* Feature bits (e2fsprogs lib/ext2fs/ext2_fs.h). */
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002
#define EXT2_FEATURE_INCOMPAT_EXTENTS  0x0040
#define EXT2_FEATURE_INCOMPAT_64BIT    0x0080
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_FEATURE_RO_COMPAT_HUGE_FILE  0x0008
/* What this driver reads: the directory entry type byte. Anything else incompat
 * (extents, 64bit, flex_bg, meta_bg, journal recovery, inline data...) is refused. */
#define EXT2_INCOMPAT_SUPP EXT2_FEATURE_INCOMPAT_FILETYPE

#define EXT2_EXTENTS_FL     0x00080000u /* i_flags: ext4 extent tree in i_block */
#define EXT2_INLINE_DATA_FL 0x10000000u

/* The superblock, decoded and checked. */
struct ext2_sb {
    uint32_t inodes_count, blocks_count, r_blocks_count;
    uint32_t free_blocks, free_inodes;
    uint32_t first_data_block;
    uint32_t block_size;                /* 1024, 2048 or 4096 */
    uint32_t blocks_per_group, inodes_per_group;
    uint32_t groups;
    uint32_t rev, inode_size, first_ino;
    uint32_t compat, incompat, ro_compat;
    uint32_t inode_table_blocks;        /* per group */
    uint32_t desc_blocks;
    uint8_t uuid[16];
    char volume[17];
};

struct ext2_group {
    uint32_t block_bitmap, inode_bitmap, inode_table;
    uint32_t free_blocks, free_inodes, used_dirs;
};

/* An inode, decoded. */
struct ext2_inode {
    uint32_t ino;
    uint16_t mode;
    uint32_t uid, gid;
    uint16_t links;
    uint64_t size;
    uint64_t blocks512;                 /* i_blocks in 512-byte units */
    uint32_t atime, ctime, mtime, dtime;
    uint32_t flags;
    uint32_t file_acl;
    uint32_t block[EXT2_N_BLOCKS];
    uint32_t rdev;                      /* device nodes: VFS_MKDEV */
};

/* A directory entry, with its name copied out of the block. */
struct ext2_dirent {
    uint32_t ino;
    uint8_t type;                       /* EXT2_FT_* (0 without the filetype feature) */
    uint8_t name_len;
    char name[EXT2_NAME_LEN + 1];       /* NUL-terminated */
};

#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_DIR     2

/* Block access. get fills *data with a block of sb->block_size bytes (valid until
 * put with the same handle): 0 or -EIO. why/why_arg record the first corruption
 * found during one operation, for the caller's log line. */
struct ext2_io {
    void *ctx;
    int (*get)(void *ctx, uint32_t block, const uint8_t **data, void **handle);
    void (*put)(void *ctx, void *handle);
    const char *why;
    uint64_t why_arg;
};

/* ---- ext2_format.c: pure decoding of single structures ---- */

/* Decodes and checks the 1024-byte superblock of a device of dev_bytes. 0, -EINVAL
 * (not ext2, or a revision, block size or incompatible feature this driver does
 * not read), -EUCLEAN (inconsistent sizes or counts); *why says which. */
int ext2_parse_super(const uint8_t *raw, uint64_t dev_bytes, struct ext2_sb *sb,
                     const char **why);
/* Decodes group descriptor g from its 32 bytes and checks that its bitmaps and
 * inode table lie inside the filesystem: 0 or -EUCLEAN. */
int ext2_parse_group(const struct ext2_sb *sb, const uint8_t *raw, struct ext2_group *g,
                     const char **why);
/* Where inode ino lives: the block and byte offset in it. -EUCLEAN for an inode
 * number out of range (0, or past inodes_count). */
int ext2_inode_location(const struct ext2_sb *sb, const struct ext2_group *groups, uint32_t ino,
                        uint32_t *block, uint32_t *offset);
/* Decodes an inode from its sb->inode_size bytes and checks what later code relies
 * on (type, extents flag, sizes): 0 or -EUCLEAN. */
int ext2_parse_inode(const struct ext2_sb *sb, const uint8_t *raw, uint32_t ino,
                     struct ext2_inode *out, const char **why);
/* The path through the block map for logical block lblock: the i_block slot and up
 * to three indices into indirect blocks. Returns the depth (0 direct, 1-3) or
 * -EFBIG past the triple indirect range. */
int ext2_bmap_path(uint32_t block_size, uint64_t lblock, uint32_t *slot, uint32_t idx[3]);
/* Whether block number b may be read: 0 is a hole (returns 0), a number below the
 * first data block or past the end is corruption (-EUCLEAN); else 1. */
int ext2_block_valid(const struct ext2_sb *sb, uint32_t b);
/* Decodes the entry at off in a directory block: the offset of the next entry, or
 * -EUCLEAN for a record that is short, unaligned, runs past the block, has a name
 * longer than the record or an inode number out of range. */
int ext2_dirent_parse(const struct ext2_sb *sb, const uint8_t *blk, uint32_t off,
                      struct ext2_dirent *out, const char **why);
/* A directory entry's file type as S_IF* bits, or 0 when unknown. */
uint32_t ext2_ft_to_mode(uint8_t type);

/* ---- ext2_read.c: the read paths, over struct ext2_io ---- */

/* Reads the superblock's group descriptors into groups (sb->groups entries). */
int ext2_load_groups(const struct ext2_sb *sb, struct ext2_io *io, struct ext2_group *groups);
int ext2_read_inode(const struct ext2_sb *sb, const struct ext2_group *groups, struct ext2_io *io,
                    uint32_t ino, struct ext2_inode *out);
/* Logical block lblock of inode to a physical block (*phys = 0: a hole). */
int ext2_bmap(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *inode,
              uint64_t lblock, uint32_t *phys);
/* Reads up to n bytes at off, holes as zeros, clipped at the size: bytes read. */
ssize_t ext2_file_read(const struct ext2_sb *sb, struct ext2_io *io,
                       const struct ext2_inode *inode, void *buf, size_t n, uint64_t off);
/* The next entry of a directory at or after byte *pos (entries with inode 0 are
 * skipped): 1 and *pos past it, 0 at the end, or a negative errno. A hole in a
 * directory is corruption. */
int ext2_dir_next(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                  uint64_t *pos, struct ext2_dirent *out);
/* The inode number of name in dir: 0 and *ino, -ENOENT, or another error. */
int ext2_dir_lookup(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                    const char *name, size_t len, uint32_t *ino);
/* A symlink's target into buf (size > the target; NUL-terminated): its length or
 * a negative errno. Fast links come from i_block, slow ones from their block. */
ssize_t ext2_readlink(const struct ext2_sb *sb, struct ext2_io *io,
                      const struct ext2_inode *inode, char *buf, size_t size);
