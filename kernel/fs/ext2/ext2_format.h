/* ext2 on-disk format and the pure read logic over it (ext2_format.c, ext2_read.c):
 * superblock and group descriptor checks, inode decoding, the indirect block map,
 * directory entry walking. Blocks come through struct ext2_io, so the same code runs
 * in the kernel (on the buffer cache) and on the host (tests, fuzzing). Every value
 * read from disk is checked before use: corruption answers -EUCLEAN (or -EIO from
 * the device) with a reason in io->why, never a crash or an unbounded loop. */
#pragma once

#include <osc/errno.h>
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
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_FEATURE_RO_COMPAT_BTREE_DIR  0x0004
#define EXT2_FEATURE_RO_COMPAT_HUGE_FILE  0x0008
/* What this driver reads: the directory entry type byte. Anything else incompat
 * (extents, 64bit, flex_bg, meta_bg, journal recovery, inline data...) is refused. */
#define EXT2_INCOMPAT_SUPP EXT2_FEATURE_INCOMPAT_FILETYPE
/* What this driver writes correctly (Linux ext2's EXT2_FEATURE_RO_COMPAT_SUPP);
 * anything else read-only compatible (huge_file, gdt_csum, dir_nlink, metadata
 * checksums...) mounts only read-only. */
#define EXT2_RO_COMPAT_SUPP (EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | \
                             EXT2_FEATURE_RO_COMPAT_LARGE_FILE | EXT2_FEATURE_RO_COMPAT_BTREE_DIR)
#define EXT2_VALID_FS       0x0001      /* s_state: cleanly unmounted */
#define EXT2_ERROR_FS       0x0002
#define EXT2_INDEX_FL       0x00001000u /* i_flags: hashed directory (cleared on change) */

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
    uint32_t reserved_gdt;              /* s_reserved_gdt_blocks (resize_inode) */
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
    /* Directories, in memory only (never on disk): the block an entry was last
     * added to or removed from, where the next add starts looking for room, and
     * the name filter, when the directory has one (ext2_vfs.c owns it). */
    uint64_t add_from;
    struct ext2_dirfilter *filter;
};

/* A directory's name filter: a Bloom filter over every live entry's name, so the
 * lookup of a name that is not there (each create asks) skips the scan of a large
 * directory. complete: every entry is in it (a lookup's scan of the whole
 * directory put them there); names are only ever added, so a removed name is a
 * false "maybe", never a false "no". */
#define EXT2_DIRFILTER_BITS 8192
struct ext2_dirfilter {
    bool complete;
    uint64_t bits[EXT2_DIRFILTER_BITS / 64];
};
void ext2_dirfilter_add(struct ext2_dirfilter *f, const char *name, size_t len);
bool ext2_dirfilter_maybe(const struct ext2_dirfilter *f, const char *name, size_t len);

/* A directory entry, with its name copied out of the block. */
struct ext2_dirent {
    uint32_t ino;
    uint8_t type;                       /* EXT2_FT_* (0 without the filetype feature) */
    uint8_t name_len;
    char name[EXT2_NAME_LEN + 1];       /* NUL-terminated */
    uint64_t off;                       /* ext2_dir_next: the record's byte offset */
};

#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_DIR     2
#define EXT2_DIR_REC_LEN(n) ((8u + (uint32_t)(n) + 3u) & ~3u)

/* Block access. get fills *data with a block of sb->block_size bytes (valid until
 * put with the same handle): 0 or -EIO. why/why_arg record the first corruption
 * found during one operation, for the caller's log line. */
struct ext2_io {
    void *ctx;
    int (*get)(void *ctx, uint32_t block, const uint8_t **data, void **handle);
    void (*put)(void *ctx, void *handle);
    /* Writes (ext2_write.c, ext2_dir.c): a block to change, marked dirty; fresh:
     * a block just allocated, handed out zero-filled without reading it. NULL on
     * a read-only filesystem. */
    int (*getw)(void *ctx, uint32_t block, bool fresh, uint8_t **data, void **handle);
    const char *why;
    uint64_t why_arg;
};

/* Little-endian fields, read and written byte-wise (no alignment assumed). */
static inline uint16_t ext2_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ext2_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void ext2_put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void ext2_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Records the first corruption an operation meets (for its log line): -EUCLEAN. */
static inline int ext2_corrupt(struct ext2_io *io, const char *what, uint64_t arg)
{
    if (!io->why) {
        io->why = what;
        io->why_arg = arg;
    }
    return -EUCLEAN;
}

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
/* The next entry of a directory whose record starts at or after byte *pos
 * (entries with inode 0 are skipped; *pos need not be a record boundary): 1, with
 * out->off where its record starts and *pos past it, 0 at the end, or a negative
 * errno. A hole in a directory is corruption. */
int ext2_dir_next(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                  uint64_t *pos, struct ext2_dirent *out);
/* The inode number of name in dir: 0 and *ino, -ENOENT, or another error. */
int ext2_dir_lookup(const struct ext2_sb *sb, struct ext2_io *io, const struct ext2_inode *dir,
                    const char *name, size_t len, uint32_t *ino);
/* A symlink's target into buf (size > the target; NUL-terminated): its length or
 * a negative errno. Fast links come from i_block, slow ones from their block. */
ssize_t ext2_readlink(const struct ext2_sb *sb, struct ext2_io *io,
                      const struct ext2_inode *inode, char *buf, size_t size);

/* Whether group g holds a superblock backup (sparse_super: 0, 1, powers of 3, 5, 7). */
bool ext2_group_has_super(const struct ext2_sb *sb, uint32_t g);
/* Whether block b is group metadata (superblock, descriptors, bitmaps, inode
 * table) that no file may own. */
bool ext2_block_is_meta(const struct ext2_sb *sb, const struct ext2_group *groups, uint32_t b);
/* A directory entry's file type for S_IF* mode bits. */
uint8_t ext2_mode_to_ft(uint32_t mode);
/* Encodes in's fields into its on-disk slot raw (the first 128 bytes; the rest,
 * and fields the driver does not keep, stay as they are). */
void ext2_encode_inode(const struct ext2_sb *sb, const struct ext2_inode *in, uint8_t *raw);

/* ---- ext2_dir.c: directory blocks (pure) and directories over struct ext2_io ---- */

/* The offset of a record in blk with room for a name of len bytes (a free record,
 * or a used one's slack): 0 and *at, -ENOSPC (no room in this block), -EUCLEAN. */
int ext2_dirent_fit(const struct ext2_sb *sb, const uint8_t *blk, size_t len, uint32_t *at);
/* Puts an entry into the record at at (splitting off its slack when it is used). */
void ext2_dirent_insert(const struct ext2_sb *sb, uint8_t *blk, uint32_t at, const char *name,
                        size_t len, uint32_t ino, uint8_t type);
/* Removes name from blk, merging its record into the previous one (the first
 * record of a block becomes free instead): 0 and *ino, -ENOENT, -EUCLEAN. */
int ext2_dirent_remove(const struct ext2_sb *sb, uint8_t *blk, const char *name, size_t len,
                       uint32_t *ino);
/* Points the entry name at ino (type): 0, -ENOENT, -EUCLEAN. */
int ext2_dirent_retarget(const struct ext2_sb *sb, uint8_t *blk, const char *name, size_t len,
                         uint32_t ino, uint8_t type);

/* A filesystem being changed: its superblock and group descriptors (kept in
 * memory, written through io->getw as they change) and the block access. */
struct ext2_vol {
    struct ext2_sb *sb;
    struct ext2_group *groups;
    struct ext2_io *io;
};

/* Adds name -> ino to directory dir, in the first block with room or a new block
 * at its end (dir's size, block map and i_blocks change: the caller writes dir's
 * inode). 0, -ENOSPC, -EUCLEAN, -EIO. */
int ext2_dir_add(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                 uint32_t ino, uint8_t type);
/* Removes name from dir: 0 and *ino, -ENOENT, -EUCLEAN, -EIO. */
int ext2_dir_remove(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                    uint32_t *ino);
/* Points dir's entry name at ino (rename over a target, a moved directory's ".."). */
int ext2_dir_retarget(struct ext2_vol *v, struct ext2_inode *dir, const char *name, size_t len,
                      uint32_t ino, uint8_t type);
/* 1 when dir holds nothing but "." and "..", 0 when it does, or -errno. */
int ext2_dir_is_empty(struct ext2_vol *v, const struct ext2_inode *dir);
/* A new directory's first block: "." (self) and ".." (parent); dir's size,
 * block map and i_blocks are set. */
int ext2_dir_init(struct ext2_vol *v, struct ext2_inode *dir, uint32_t parent);

/* ---- ext2_write.c: allocation, the block map and file data (over ext2_io) ---- */

/* The largest file size the block map and i_blocks allow (Linux's s_maxbytes). */
uint64_t ext2_max_size(const struct ext2_sb *sb);
/* Takes a free block, searching from group goal on: 0 and *out, -ENOSPC, -EUCLEAN
 * (a bitmap that disagrees with its group's count, or hands out metadata). */
int ext2_alloc_block(struct ext2_vol *v, uint32_t goal, uint32_t *out);
int ext2_free_block(struct ext2_vol *v, uint32_t b);
/* Takes a free inode (directories spread over groups, files near parent's group)
 * and zeroes its slot: 0 and *ino, -ENOSPC, -EUCLEAN. */
int ext2_alloc_inode(struct ext2_vol *v, uint32_t parent, bool dir, uint32_t *ino);
int ext2_free_inode(struct ext2_vol *v, uint32_t ino, bool dir);
/* Writes in to its slot on disk. */
int ext2_write_inode(struct ext2_vol *v, const struct ext2_inode *in);
/* Whether in differs from its slot on disk (1), 0, or -errno. */
int ext2_inode_changed(struct ext2_vol *v, const struct ext2_inode *in);
/* Logical block lblock of in, allocating the data block and the indirect blocks on
 * the way when missing (i_block and i_blocks change): 0 and *phys (*fresh: the
 * data block is new, its old bytes meaningless), -EFBIG, -ENOSPC, -EUCLEAN. */
int ext2_bmap_alloc(struct ext2_vol *v, struct ext2_inode *in, uint64_t lblock, uint32_t *phys,
                    bool *fresh);
/* Writes n bytes at off (holes filled, the size extended): bytes written, or
 * -EFBIG / -ENOSPC / -EUCLEAN / -EIO when none were. */
ssize_t ext2_file_write(struct ext2_vol *v, struct ext2_inode *in, const void *buf, size_t n,
                        uint64_t off);
/* Sets the size: shrinking frees the blocks past it (indirect blocks included)
 * and zeroes the tail of the last block; growing leaves a hole. */
int ext2_truncate(struct ext2_vol *v, struct ext2_inode *in, uint64_t size);
/* Frees everything an inode being deleted owns: its blocks (not a fast symlink's
 * or a device's i_block) and its share of an extended attribute block. */
int ext2_release_blocks(struct ext2_vol *v, struct ext2_inode *in);
/* The superblock's free counts as the group descriptors' sums, its feature words,
 * state and write time, into the primary superblock. */
int ext2_write_super(struct ext2_vol *v, uint16_t state, uint32_t wtime);
