/* host-test: kernel/fs/ext2/ext2_format.c kernel/fs/ext2/ext2_read.c kernel/fs/ext2/ext2_write.c kernel/fs/ext2/ext2_dir.c */
/* host-test-setup: tests/host/setup_ext2.sh */
/* The ext2 write paths on copies of images Debian's mke2fs made (1 KiB and 4 KiB
 * blocks): directory records split and merged, files written through direct,
 * indirect and double indirect blocks, holes, truncates, many entries, deletes;
 * after each run Debian's e2fsck -fn must find the image clean, and every byte
 * must read back. Then the edges: ENOSPC, EFBIG, and bitmaps that lie. */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../kernel/fs/ext2/ext2_format.h"

struct wfs {
    uint8_t *img;
    size_t size;
    struct ext2_sb sb;
    struct ext2_group *groups;
    struct ext2_io io;
    struct ext2_vol v;
    int held;
};

struct handle { uint8_t *copy; uint32_t block; bool w; };

static int w_get2(struct wfs *f, uint32_t block, bool w, bool fresh, uint8_t **data, void **h)
{
    uint64_t off = (uint64_t)block * f->sb.block_size;
    if (off + f->sb.block_size > f->size)
        return -EIO;
    struct handle *hd = malloc(sizeof(*hd));
    hd->copy = malloc(f->sb.block_size);
    if (fresh)
        memset(hd->copy, 0, f->sb.block_size);
    else
        memcpy(hd->copy, f->img + off, f->sb.block_size);
    hd->block = block;
    hd->w = w;
    f->held++;
    *data = hd->copy;
    *h = hd;
    return 0;
}

static int w_get(void *ctx, uint32_t block, const uint8_t **data, void **h)
{
    return w_get2(ctx, block, false, false, (uint8_t **)data, h);
}

static int w_getw(void *ctx, uint32_t block, bool fresh, uint8_t **data, void **h)
{
    return w_get2(ctx, block, true, fresh, data, h);
}

static void w_put(void *ctx, void *handle)
{
    struct wfs *f = ctx;
    struct handle *hd = handle;
    if (hd->w)
        memcpy(f->img + (uint64_t)hd->block * f->sb.block_size, hd->copy, f->sb.block_size);
    free(hd->copy);
    free(hd);
    f->held--;
}

static uint8_t *load(const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("HOST_TEST_DATA"), name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    *size = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc(*size);
    if (fread(b, 1, *size, fp) != *size) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    return b;
}

static int w_mount(struct wfs *f, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->img = load(name, &f->size);
    if (!f->img)
        return -ENOENT;
    f->io = (struct ext2_io){ .ctx = f, .get = w_get, .put = w_put, .getw = w_getw };
    const char *why = NULL;
    int err = ext2_parse_super(f->img + EXT2_SUPER_OFFSET, f->size, &f->sb, &why);
    if (err)
        return err;
    f->groups = calloc(f->sb.groups, sizeof(*f->groups));
    f->v = (struct ext2_vol){ &f->sb, f->groups, &f->io };
    return ext2_load_groups(&f->sb, &f->io, f->groups);
}

static void w_umount(struct wfs *f)
{
    free(f->groups);
    free(f->img);
}

/* Writes the superblock, saves the image and runs e2fsck -fn on it: its status. */
static int fsck(struct wfs *f, const char *tag)
{
    CHECK_EQ(ext2_write_super(&f->v, EXT2_VALID_FS, 1700000000), 0);
    char path[512], cmd[1200];
    snprintf(path, sizeof(path), "%s/w-%s.img", getenv("HOST_TEST_DATA"), tag);
    FILE *fp = fopen(path, "wb");
    fwrite(f->img, 1, f->size, fp);
    fclose(fp);
    snprintf(cmd, sizeof(cmd), "PATH=$PATH:/sbin:/usr/sbin e2fsck -fn %s > %s.log 2>&1", path,
             path);
    int st = system(cmd);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    if (code != 0) {
        snprintf(cmd, sizeof(cmd), "cat %s.log >&2", path);
        (void)!system(cmd);
    }
    return code;
}

static uint32_t lookup(struct wfs *f, uint32_t dir, const char *name)
{
    struct ext2_inode d;
    uint32_t ino = 0;
    if (ext2_read_inode(&f->sb, f->groups, &f->io, dir, &d) ||
        ext2_dir_lookup(&f->sb, &f->io, &d, name, strlen(name), &ino))
        return 0;
    return ino;
}

/* What the kernel's create does: a new inode of mode named name in dir. */
static int mk(struct wfs *f, uint32_t dir, const char *name, uint32_t mode, uint32_t *out)
{
    struct ext2_inode d, in;
    int err = ext2_read_inode(&f->sb, f->groups, &f->io, dir, &d);
    uint32_t ino;
    if (!err)
        err = ext2_alloc_inode(&f->v, dir, S_ISDIR(mode), &ino);
    if (err)
        return err;
    memset(&in, 0, sizeof(in));
    in.ino = ino;
    in.mode = (uint16_t)mode;
    in.links = S_ISDIR(mode) ? 2 : 1;
    in.atime = in.mtime = in.ctime = 1700000000;
    if (S_ISDIR(mode))
        err = ext2_dir_init(&f->v, &in, dir);
    if (!err)
        err = ext2_write_inode(&f->v, &in);
    if (!err)
        err = ext2_dir_add(&f->v, &d, name, strlen(name), ino, ext2_mode_to_ft(mode));
    if (err) {                                  /* give back what was taken */
        ext2_release_blocks(&f->v, &in);
        in.links = 0;
        in.dtime = 1700000001;
        ext2_write_inode(&f->v, &in);
        ext2_free_inode(&f->v, ino, S_ISDIR(mode));
        return err;
    }
    if (S_ISDIR(mode))
        d.links++;
    *out = ino;
    return ext2_write_inode(&f->v, &d);
}

/* What unlink/rmdir and the last close do together. */
static int rm(struct wfs *f, uint32_t dir, const char *name)
{
    struct ext2_inode d, in;
    uint32_t ino;
    int err = ext2_read_inode(&f->sb, f->groups, &f->io, dir, &d);
    if (!err)
        err = ext2_dir_remove(&f->v, &d, name, strlen(name), &ino);
    if (!err)
        err = ext2_read_inode(&f->sb, f->groups, &f->io, ino, &in);
    if (err)
        return err;
    if (S_ISDIR(in.mode)) {
        in.links = 0;
        d.links--;
    } else {
        in.links--;
    }
    if (in.links == 0) {
        if ((err = ext2_release_blocks(&f->v, &in)))
            return err;
        in.dtime = 1700000001;
        ext2_write_inode(&f->v, &in);
        err = ext2_free_inode(&f->v, ino, S_ISDIR(in.mode));
    } else {
        err = ext2_write_inode(&f->v, &in);
    }
    return err ? err : ext2_write_inode(&f->v, &d);
}

static uint8_t pattern(uint64_t i, int seed) { return (uint8_t)(i * 31 + seed + (i >> 11)); }

static ssize_t write_pattern(struct wfs *f, uint32_t ino, uint64_t off, size_t n, int seed)
{
    struct ext2_inode in;
    if (ext2_read_inode(&f->sb, f->groups, &f->io, ino, &in))
        return -EUCLEAN;
    uint8_t *buf = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(off + i, seed);
    ssize_t r = ext2_file_write(&f->v, &in, buf, n, off);
    free(buf);
    ext2_write_inode(&f->v, &in);
    return r;
}

/* Whether bytes [off, off+n) of ino hold the pattern (zero: a hole). */
static bool check_pattern(struct wfs *f, uint32_t ino, uint64_t off, size_t n, int seed, bool zero)
{
    struct ext2_inode in;
    if (ext2_read_inode(&f->sb, f->groups, &f->io, ino, &in))
        return false;
    uint8_t *buf = malloc(n ? n : 1);
    bool ok = ext2_file_read(&f->sb, &f->io, &in, buf, n, off) == (ssize_t)n;
    for (size_t i = 0; ok && i < n; i++)
        ok = buf[i] == (zero ? 0 : pattern(off + i, seed));
    free(buf);
    return ok;
}

static uint64_t file_blocks(struct wfs *f, uint32_t ino)
{
    struct ext2_inode in;
    return ext2_read_inode(&f->sb, f->groups, &f->io, ino, &in) ? 0 : in.blocks512;
}

TEST(directory_records_split_on_insert_and_merge_on_remove)
{
    struct ext2_sb sb = { .block_size = 1024, .inodes_count = 100,
                          .incompat = EXT2_FEATURE_INCOMPAT_FILETYPE };
    uint8_t blk[1024] = { 0 };
    blk[4] = 0x00; blk[5] = 0x04;                        /* one free record, rec 1024 */
    uint32_t at;
    CHECK_EQ(ext2_dirent_fit(&sb, blk, 5, &at), 0);
    CHECK_EQ(at, 0);
    ext2_dirent_insert(&sb, blk, at, "alpha", 5, 11, 1);
    CHECK_EQ(ext2_dirent_fit(&sb, blk, 4, &at), 0);
    CHECK_EQ(at, 0);                                     /* alpha's slack */
    ext2_dirent_insert(&sb, blk, at, "beta", 4, 12, 2);
    ext2_dirent_fit(&sb, blk, 5, &at);
    ext2_dirent_insert(&sb, blk, at, "gamma", 5, 13, 1);
    struct ext2_dirent d;
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 0, &d, NULL), 16);      /* alpha: 8 + 5 -> 16 */
    CHECK(d.ino == 11 && d.type == 1 && strcmp(d.name, "alpha") == 0);
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 16, &d, NULL), 28);     /* beta: 12 */
    CHECK(d.ino == 12 && d.type == 2);
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 28, &d, NULL), 1024);   /* gamma: the rest */
    uint32_t ino;
    CHECK_EQ(ext2_dirent_remove(&sb, blk, "beta", 4, &ino), 0);
    CHECK_EQ(ino, 12);
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 0, &d, NULL), 28);      /* alpha took beta's record */
    CHECK_EQ(ext2_dirent_remove(&sb, blk, "beta", 4, &ino), -ENOENT);
    CHECK_EQ(ext2_dirent_remove(&sb, blk, "alpha", 5, &ino), 0); /* first: freed in place */
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 0, &d, NULL), 28);
    CHECK_EQ(d.ino, 0);
    CHECK_EQ(ext2_dirent_retarget(&sb, blk, "gamma", 5, 42, 7), 0);
    CHECK_EQ(ext2_dirent_parse(&sb, blk, 28, &d, NULL), 1024);
    CHECK(d.ino == 42 && d.type == 7);
    char big[256];
    memset(big, 'x', 255);
    CHECK_EQ(ext2_dirent_fit(&sb, blk, 255, &at), 0);            /* gamma's slack */
    CHECK_EQ(at, 28);
    blk[28 + 4] = 40; blk[28 + 5] = 0;                           /* a broken rec_len */
    CHECK_EQ(ext2_dirent_fit(&sb, blk, 21, &at), -EUCLEAN);
}

static void workload(const char *img, const char *tag)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, img), 0);
    uint32_t free_b = f.sb.free_blocks, free_i = f.sb.free_inodes;
    uint32_t dir, big, holes, sub;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "w", S_IFDIR | 0755, &dir), 0);
    char name[64];
    for (int i = 0; i < 200; i++) {             /* several directory blocks */
        uint32_t ino;
        snprintf(name, sizeof(name), "file-%03d-with-a-longer-name", i);
        CHECK_EQ(mk(&f, dir, name, S_IFREG | 0644, &ino), 0);
        CHECK_EQ(write_pattern(&f, ino, 0, (size_t)i * 37, i), (ssize_t)i * 37);
    }
    CHECK_EQ(mk(&f, dir, "big", S_IFREG | 0644, &big), 0);
    size_t bign = 4608 * 1024 + 123;            /* double indirect at 1 and 4 KiB */
    CHECK_EQ(write_pattern(&f, big, 0, bign, 7), (ssize_t)bign);
    CHECK(check_pattern(&f, big, 0, bign, 7, false));
    CHECK_EQ(mk(&f, dir, "holes", S_IFREG | 0600, &holes), 0);
    CHECK_EQ(write_pattern(&f, holes, 1 << 20, 5000, 3), 5000);
    CHECK(check_pattern(&f, holes, 0, 1 << 20, 0, true));
    CHECK(check_pattern(&f, holes, 1 << 20, 5000, 3, false));
    CHECK(file_blocks(&f, holes) <= 8 * f.sb.block_size / 512);
    CHECK_EQ(write_pattern(&f, holes, 4096, 10, 3), 10);        /* fill a hole */
    CHECK(check_pattern(&f, holes, 4096, 10, 3, false));
    CHECK(check_pattern(&f, holes, 0, 4096, 0, true));
    CHECK_EQ(mk(&f, dir, "sub", S_IFDIR | 0700, &sub), 0);
    uint32_t inner;
    CHECK_EQ(mk(&f, sub, "inner", S_IFREG | 0600, &inner), 0);
    CHECK_EQ(fsck(&f, tag), 0);

    struct ext2_inode in;                       /* shrink: double indirect blocks go */
    ext2_read_inode(&f.sb, f.groups, &f.io, big, &in);
    CHECK_EQ(ext2_truncate(&f.v, &in, 100001), 0);
    ext2_write_inode(&f.v, &in);
    uint64_t want = (100001 + f.sb.block_size - 1) / f.sb.block_size;
    want += want > 12;                          /* the single indirect block */
    CHECK_EQ(in.blocks512, want * (f.sb.block_size / 512));
    CHECK(check_pattern(&f, big, 0, 100001, 7, false));
    CHECK_EQ(ext2_truncate(&f.v, &in, 300000), 0);              /* grow: a hole */
    ext2_write_inode(&f.v, &in);
    CHECK(check_pattern(&f, big, 100001, 199999, 0, true));
    CHECK_EQ(in.blocks512, want * (f.sb.block_size / 512));
    for (int i = 0; i < 200; i += 2) {
        snprintf(name, sizeof(name), "file-%03d-with-a-longer-name", i);
        CHECK_EQ(rm(&f, dir, name), 0);
    }
    CHECK_EQ(lookup(&f, dir, "file-000-with-a-longer-name"), 0);
    CHECK(lookup(&f, dir, "file-001-with-a-longer-name") != 0);
    for (int i = 1; i < 200; i += 2) {
        snprintf(name, sizeof(name), "file-%03d-with-a-longer-name", i);
        CHECK(check_pattern(&f, lookup(&f, dir, name), 0, (size_t)i * 37, i, false));
    }
    struct ext2_inode subdir;
    ext2_read_inode(&f.sb, f.groups, &f.io, sub, &subdir);
    CHECK_EQ(ext2_dir_is_empty(&f.v, &subdir), 0);
    CHECK_EQ(fsck(&f, tag), 0);
    CHECK_EQ(rm(&f, sub, "inner"), 0);
    ext2_read_inode(&f.sb, f.groups, &f.io, sub, &subdir);
    CHECK_EQ(ext2_dir_is_empty(&f.v, &subdir), 1);
    CHECK_EQ(rm(&f, dir, "sub"), 0);
    CHECK_EQ(fsck(&f, tag), 0);
    for (int i = 1; i < 200; i += 2) {
        snprintf(name, sizeof(name), "file-%03d-with-a-longer-name", i);
        CHECK_EQ(rm(&f, dir, name), 0);
    }
    CHECK_EQ(rm(&f, dir, "big"), 0);
    CHECK_EQ(rm(&f, dir, "holes"), 0);
    CHECK_EQ(rm(&f, EXT2_ROOT_INO, "w"), 0);
    CHECK_EQ(fsck(&f, tag), 0);
    CHECK_EQ(f.sb.free_blocks, free_b);        /* everything came back */
    CHECK_EQ(f.sb.free_inodes, free_i);
    CHECK_EQ(f.held, 0);
    w_umount(&f);
}

TEST(files_and_directories_written_and_deleted_leave_a_clean_1k_image)
{
    workload("1k.img", "1k");
}

TEST(files_and_directories_written_and_deleted_leave_a_clean_4k_image)
{
    workload("4k.img", "4k");
}

TEST(a_full_disk_answers_enospc_and_stays_clean)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    uint32_t free_b = f.sb.free_blocks, ino;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "fill", S_IFREG | 0644, &ino), 0);
    ssize_t r = write_pattern(&f, ino, 0, 32u << 20, 1);        /* more than the disk */
    CHECK(r > 0 && r < (32 << 20));
    CHECK_EQ(f.sb.free_blocks, 0);
    CHECK_EQ(write_pattern(&f, ino, (uint64_t)r, 1000, 1), -ENOSPC);
    uint32_t other;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "more", S_IFDIR | 0755, &other), -ENOSPC);
    CHECK_EQ(fsck(&f, "full"), 0);
    CHECK(check_pattern(&f, ino, 0, (size_t)r, 1, false));
    struct ext2_inode in;
    ext2_read_inode(&f.sb, f.groups, &f.io, ino, &in);
    CHECK_EQ(ext2_truncate(&f.v, &in, 0), 0);
    ext2_write_inode(&f.v, &in);
    CHECK_EQ(in.blocks512, 0);
    CHECK_EQ(f.sb.free_blocks, free_b);
    CHECK_EQ(fsck(&f, "full"), 0);
    CHECK_EQ(f.held, 0);
    w_umount(&f);
}

TEST(an_appended_block_goes_right_after_the_files_last_one_not_into_an_earlier_gap)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, "4k.img"), 0);
    uint32_t gap, x;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "gap", S_IFREG | 0644, &gap), 0);
    CHECK_EQ(write_pattern(&f, gap, 0, 4 * 4096, 3), 4 * 4096);
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "x", S_IFREG | 0644, &x), 0);
    CHECK_EQ(write_pattern(&f, x, 0, 4096, 4), 4096);
    CHECK_EQ(rm(&f, EXT2_ROOT_INO, "gap"), 0);          /* 4 free blocks before x's */
    CHECK_EQ(write_pattern(&f, x, 4096, 2 * 4096, 4), 2 * 4096);
    struct ext2_inode in;
    CHECK_EQ(ext2_read_inode(&f.sb, f.groups, &f.io, x, &in), 0);
    uint32_t p0 = 0, p1 = 0, p2 = 0;
    CHECK_EQ(ext2_bmap(&f.sb, &f.io, &in, 0, &p0), 0);
    CHECK_EQ(ext2_bmap(&f.sb, &f.io, &in, 1, &p1), 0);
    CHECK_EQ(ext2_bmap(&f.sb, &f.io, &in, 2, &p2), 0);
    CHECK(p0 != 0 && p1 == p0 + 1 && p2 == p0 + 2);
    CHECK(check_pattern(&f, x, 0, 3 * 4096, 4, false));
    CHECK_EQ(fsck(&f, "goal"), 0);
    CHECK_EQ(f.held, 0);
    w_umount(&f);
}

/* A file made in directory d, whose in-memory inode (its add_from and name
 * filter) lives on between calls as the kernel's vnode keeps it. */
static int mk_kept(struct wfs *f, struct ext2_inode *d, const char *name)
{
    uint32_t ino;
    int err = ext2_alloc_inode(&f->v, d->ino, false, &ino);
    if (err)
        return err;
    struct ext2_inode in = { .ino = ino, .mode = S_IFREG | 0644, .links = 1,
                             .atime = 1700000000, .mtime = 1700000000, .ctime = 1700000000 };
    if ((err = ext2_write_inode(&f->v, &in)) ||
        (err = ext2_dir_add(&f->v, d, name, strlen(name), ino, 1)))
        return err;
    return ext2_write_inode(&f->v, d);
}

static bool kept_has(struct wfs *f, struct ext2_inode *d, const char *name)
{
    uint32_t ino = 0;
    return ext2_dir_lookup(&f->sb, &f->io, d, name, strlen(name), &ino) == 0 && ino != 0;
}

TEST(a_large_directory_kept_in_memory_answers_lookups_through_its_name_filter)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    uint32_t dino;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "big", S_IFDIR | 0755, &dino), 0);
    struct ext2_inode d;
    CHECK_EQ(ext2_read_inode(&f.sb, f.groups, &f.io, dino, &d), 0);
    struct ext2_dirfilter *filter = calloc(1, sizeof(*filter));
    if (!filter)
        abort();
    d.filter = filter;
    char name[64];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "entry-%04d-of-a-big-dir", i);
        CHECK_EQ(mk_kept(&f, &d, name), 0);
    }
    CHECK(d.size >= 8 * 1024);                          /* many blocks */
    CHECK(!filter->complete);
    CHECK(!kept_has(&f, &d, "not-there"));              /* reads it all: complete */
    CHECK(filter->complete);
    int missing = 0, wrong = 0;
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "entry-%04d-of-a-big-dir", i);
        missing += !kept_has(&f, &d, name);
        snprintf(name, sizeof(name), "absent-%04d", i);
        wrong += kept_has(&f, &d, name);
    }
    CHECK_EQ(missing, 0);
    CHECK_EQ(wrong, 0);
    /* Removals in early blocks: later adds go back there, and are found. */
    for (int i = 0; i < 300; i += 3) {
        snprintf(name, sizeof(name), "entry-%04d-of-a-big-dir", i);
        uint32_t gone;
        CHECK_EQ(ext2_dir_remove(&f.v, &d, name, strlen(name), &gone), 0);
        struct ext2_inode in;
        CHECK_EQ(ext2_read_inode(&f.sb, f.groups, &f.io, gone, &in), 0);
        in.links = 0;
        in.dtime = 1700000001;
        ext2_write_inode(&f.v, &in);
        CHECK_EQ(ext2_free_inode(&f.v, gone, false), 0);
    }
    uint64_t size_before = d.size;
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "late-%04d-in-a-gap-of-it", i);
        CHECK_EQ(mk_kept(&f, &d, name), 0);
    }
    CHECK_EQ(d.size, size_before);                      /* the gaps took them */
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "late-%04d-in-a-gap-of-it", i);
        CHECK(kept_has(&f, &d, name));
        snprintf(name, sizeof(name), "entry-%04d-of-a-big-dir", 3 * i);
        CHECK(!kept_has(&f, &d, name));
    }
    /* A fresh read of the directory (no filter) sees the same entries. */
    CHECK_EQ(lookup(&f, dino, "late-0042-in-a-gap-of-it") != 0, 1);
    CHECK_EQ(lookup(&f, dino, "entry-0001-of-a-big-dir") != 0, 1);
    CHECK_EQ(lookup(&f, dino, "entry-0003-of-a-big-dir"), 0);
    CHECK_EQ(fsck(&f, "filter"), 0);
    CHECK_EQ(f.held, 0);
    free(filter);
    w_umount(&f);
}

TEST(writes_past_the_largest_file_size_answer_efbig)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    uint32_t ino;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "f", S_IFREG | 0644, &ino), 0);
    uint64_t max = ext2_max_size(&f.sb);
    CHECK(max > (16ull << 30) - (1ull << 30) && max < (17ull << 30));   /* ~16 GiB at 1 KiB */
    CHECK_EQ(write_pattern(&f, ino, max, 10, 1), -EFBIG);
    CHECK_EQ(write_pattern(&f, ino, max - 5, 10, 1), 5);       /* clipped at the limit */
    CHECK(check_pattern(&f, ino, max - 5, 5, 1, false));
    CHECK_EQ(fsck(&f, "efbig"), 0);                             /* a triple indirect chain */
    CHECK_EQ(rm(&f, EXT2_ROOT_INO, "f"), 0);
    CHECK_EQ(fsck(&f, "efbig"), 0);
    w_umount(&f);
}

TEST(a_bitmap_that_offers_metadata_or_lies_is_corruption_not_followed)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    uint32_t itab = f.groups[0].inode_table;
    uint32_t bit = itab - f.sb.first_data_block;
    f.img[(uint64_t)f.groups[0].block_bitmap * 1024 + bit / 8] &= (uint8_t)~(1u << (bit % 8));
    uint32_t b = 0;
    f.groups[0].free_blocks = 1;                /* group 0 is searched */
    CHECK_EQ(ext2_alloc_block(&f.v, 0, &b), -EUCLEAN);
    CHECK_EQ(b, 0);
    CHECK_EQ(ext2_free_block(&f.v, itab), -EUCLEAN);             /* metadata is never freed */
    CHECK_EQ(f.held, 0);
    w_umount(&f);
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    uint32_t fb = f.groups[1].free_blocks;
    CHECK(fb > 0);
    memset(f.img + (uint64_t)f.groups[1].block_bitmap * 1024, 0xff, 1024);   /* full, says free */
    for (uint32_t g = 0; g < f.sb.groups; g++)
        if (g != 1)
            f.groups[g].free_blocks = 0;
    f.io.why = NULL;
    CHECK_EQ(ext2_alloc_block(&f.v, 0, &b), -EUCLEAN);
    CHECK(f.io.why != NULL);
    CHECK_EQ(f.groups[1].free_blocks, fb);
    uint32_t data_block = 0;                                     /* freeing twice */
    f.groups[0].free_blocks = 10;
    w_umount(&f);
    CHECK_EQ(w_mount(&f, "1k.img"), 0);
    CHECK_EQ(ext2_alloc_block(&f.v, 0, &data_block), 0);
    CHECK_EQ(ext2_free_block(&f.v, data_block), 0);
    CHECK_EQ(ext2_free_block(&f.v, data_block), -EUCLEAN);
    CHECK_EQ(ext2_free_inode(&f.v, 2, true), -EUCLEAN);          /* a reserved inode */
    CHECK_EQ(f.held, 0);
    w_umount(&f);
}

/* ---- random operations against a model ---- */

#define SLOTS   48
#define MAXSIZE (160 * 1024)

struct model { uint8_t *data; size_t size; bool exists; };

static uint64_t rng = 0x0ddc0ffee;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33) % n;
}

static void slot_name(char *buf, int i) { snprintf(buf, 40, "slot-%02d-%.*s", i, i % 23, "abcdefghijklmnopqrstuvw"); }

/* Whether every slot reads back as the model says. */
static bool model_matches(struct wfs *f, uint32_t dir, struct model *m)
{
    bool ok = true;
    static uint8_t buf[MAXSIZE + 1];
    for (int i = 0; i < SLOTS; i++) {
        char name[40];
        slot_name(name, i);
        uint32_t ino = lookup(f, dir, name);
        if (!m[i].exists) {
            ok = ok && ino == 0;
            continue;
        }
        struct ext2_inode in;
        if (!ino || ext2_read_inode(&f->sb, f->groups, &f->io, ino, &in) || in.size != m[i].size ||
            ext2_file_read(&f->sb, &f->io, &in, buf, sizeof(buf), 0) != (ssize_t)m[i].size ||
            memcmp(buf, m[i].data, m[i].size) != 0) {
            fprintf(stderr, "  slot %d differs from the model\n", i);
            ok = false;
        }
    }
    return ok;
}

static void random_ops(const char *img, const char *tag)
{
    struct wfs f;
    CHECK_EQ(w_mount(&f, img), 0);
    uint32_t dir;
    CHECK_EQ(mk(&f, EXT2_ROOT_INO, "rand", S_IFDIR | 0755, &dir), 0);
    struct model m[SLOTS];
    memset(m, 0, sizeof(m));
    for (int i = 0; i < SLOTS; i++)
        m[i].data = calloc(1, MAXSIZE);
    static uint8_t buf[MAXSIZE];
    int counts[5] = { 0 };
    for (int op = 0; op < 1500; op++) {
        int i = (int)rnd(SLOTS), kind = (int)rnd(5);
        char name[40];
        slot_name(name, i);
        uint32_t ino = m[i].exists ? lookup(&f, dir, name) : 0;
        struct ext2_inode in;
        if (!m[i].exists) {                     /* create, with some data */
            CHECK_EQ(mk(&f, dir, name, S_IFREG | 0644, &ino), 0);
            m[i].exists = true;
            m[i].size = 0;
            kind = 1;
        }
        if (ext2_read_inode(&f.sb, f.groups, &f.io, ino, &in)) {
            CHECK(false);
            break;
        }
        counts[kind]++;
        if (kind <= 1) {                        /* write somewhere, maybe past the end */
            uint32_t off = rnd(MAXSIZE), n = rnd(MAXSIZE - off + 1);
            if (n > 40000)
                n = rnd(40000);
            for (uint32_t k = 0; k < n; k++)
                buf[k] = (uint8_t)rnd(256);
            ssize_t r = ext2_file_write(&f.v, &in, buf, n, off);
            CHECK(r == (ssize_t)n);
            if (r > 0) {
                if (off > m[i].size)            /* the hole reads as zeros */
                    memset(m[i].data + m[i].size, 0, off - m[i].size);
                memcpy(m[i].data + off, buf, (size_t)r);
                if (off + (size_t)r > m[i].size)
                    m[i].size = off + (size_t)r;
            }
            ext2_write_inode(&f.v, &in);
        } else if (kind == 2) {                 /* truncate down or up */
            uint32_t size = rnd(MAXSIZE);
            CHECK_EQ(ext2_truncate(&f.v, &in, size), 0);
            ext2_write_inode(&f.v, &in);
            if (size > m[i].size)
                memset(m[i].data + m[i].size, 0, size - m[i].size);
            m[i].size = size;
        } else if (kind == 3) {                 /* unlink */
            CHECK_EQ(rm(&f, dir, name), 0);
            m[i].exists = false;
        } else {                                /* rename, over the target if there */
            int j = (int)rnd(SLOTS);
            char to[40];
            slot_name(to, j);
            if (j == i)
                continue;
            struct ext2_inode d;
            ext2_read_inode(&f.sb, f.groups, &f.io, dir, &d);
            if (m[j].exists) {
                CHECK_EQ(rm(&f, dir, to), 0);   /* the target's inode goes */
                ext2_read_inode(&f.sb, f.groups, &f.io, dir, &d);
            }
            CHECK_EQ(ext2_dir_add(&f.v, &d, to, strlen(to), ino, 1), 0);
            uint32_t gone;
            CHECK_EQ(ext2_dir_remove(&f.v, &d, name, strlen(name), &gone), 0);
            CHECK_EQ(gone, ino);
            ext2_write_inode(&f.v, &d);
            uint8_t *t = m[j].data;
            m[j] = m[i];
            m[i].data = t;
            m[i].exists = false;
            m[i].size = 0;
        }
        if (op % 500 == 499) {
            CHECK(model_matches(&f, dir, m));
            CHECK_EQ(fsck(&f, tag), 0);
        }
    }
    CHECK(counts[0] + counts[1] > 100 && counts[2] > 100 && counts[3] > 100 && counts[4] > 100);
    CHECK(model_matches(&f, dir, m));
    CHECK_EQ(f.held, 0);
    for (int i = 0; i < SLOTS; i++)
        free(m[i].data);
    w_umount(&f);
}

TEST(random_operations_match_a_model_and_stay_clean_1k)
{
    rng = 1;
    random_ops("1k.img", "rand1k");
}

TEST(random_operations_match_a_model_and_stay_clean_4k)
{
    rng = 2;
    random_ops("4k.img", "rand4k");
}
