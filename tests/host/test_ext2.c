/* host-test: kernel/fs/ext2/ext2_format.c kernel/fs/ext2/ext2_read.c */
/* host-test-setup: tests/host/setup_ext2.sh */
/* The ext2 reader against images Debian's mke2fs made from a known tree (1 KiB
 * and 4 KiB blocks, revision 0): every file's bytes, holes, links, modes, owners,
 * times and device numbers as the host sees the tree; then hostile images (bad
 * superblock fields, rec_len and name_len overruns, block and inode numbers out of
 * range) and a mutation loop that must never crash, leak or loop. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "check.h"
#include "ext2_mem.h"

#define VFS_MKDEV(ma, mi) ((((uint32_t)(ma) & 0xfff) << 8) | ((uint32_t)(mi) & 0xff) | \
                           (((uint32_t)(mi) & ~0xffu) << 12))   /* as <osc/vfs.h> */

static uint8_t *load(const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("HOST_TEST_DATA"), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*size);
    if (fread(b, 1, *size, f) != *size) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static int lookup_path(struct memfs *m, const char *path, struct ext2_inode *out)
{
    uint32_t ino = EXT2_ROOT_INO;
    int err = ext2_read_inode(&m->sb, m->groups, &m->io, ino, out);
    while (!err && *path) {
        const char *end = strchr(path, '/');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        err = ext2_dir_lookup(&m->sb, &m->io, out, path, len, &ino);
        if (!err)
            err = ext2_read_inode(&m->sb, m->groups, &m->io, ino, out);
        path += len + (end != NULL);
    }
    return err;
}

/* Compares one image entry with the host's file; returns failures. */
static int compare(struct memfs *m, const char *tree, const char *rel, const struct ext2_inode *in,
                   uint8_t ftype)
{
    char hp[2048];
    snprintf(hp, sizeof(hp), "%s/%s", tree, rel);
    struct stat st;
    int bad = 0;
    if (lstat(hp, &st) != 0) {
        fprintf(stderr, "  %s: not on the host\n", rel);
        return 1;
    }
#define SAME(a, b) do { if ((long long)(a) != (long long)(b)) { \
        fprintf(stderr, "  %s: %s %lld != %lld\n", rel, #a, (long long)(a), (long long)(b)); bad++; } } while (0)
    SAME(in->mode, st.st_mode);
    SAME(in->uid, st.st_uid);
    SAME(in->gid, st.st_gid);
    SAME(in->mtime, st.st_mtime);
    if (!S_ISDIR(st.st_mode))
        SAME(in->links, st.st_nlink);
    if (ftype)
        SAME(ext2_ft_to_mode(ftype), st.st_mode & S_IFMT);
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
        SAME(in->size, st.st_size);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        SAME(in->rdev, VFS_MKDEV(major(st.st_rdev), minor(st.st_rdev)));
    if (S_ISLNK(st.st_mode)) {
        char want[4096], got[4097];
        ssize_t n = readlink(hp, want, sizeof(want) - 1);
        ssize_t r = ext2_readlink(&m->sb, &m->io, in, got, sizeof(got));
        if (n < 0 || r != n || memcmp(want, got, (size_t)n) != 0) {
            fprintf(stderr, "  %s: link target differs (%zd)\n", rel, r);
            bad++;
        }
    }
    if (S_ISREG(st.st_mode)) {
        /* Whole files up to 6 MiB; sparse ones around their data and in a hole. */
        int fd = open(hp, O_RDONLY);
        static uint8_t a[1 << 16], b[1 << 16];
        uint64_t size = (uint64_t)st.st_size;
        uint64_t offs[4] = { 0, size > 8192 ? size - 8192 : 0, size / 2, size > 70000 ? size - 70000 : 0 };
        int nofs = size <= (6u << 20) ? 0 : 4;
        uint64_t pos = 0;
        for (int k = 0; nofs == 0 ? pos < size || pos == 0 : k < nofs; k++) {
            uint64_t at = nofs ? offs[k] : pos;
            ssize_t want = pread(fd, a, sizeof(a), (off_t)at);
            ssize_t got = ext2_file_read(&m->sb, &m->io, in, b, sizeof(b), at);
            if (want != got || (want > 0 && memcmp(a, b, (size_t)want) != 0)) {
                fprintf(stderr, "  %s: data differs at %llu (%zd vs %zd)\n", rel,
                        (unsigned long long)at, got, want);
                bad++;
                break;
            }
            pos += sizeof(a);
            if (size == 0)
                break;
        }
        close(fd);
    }
    return bad;
}

/* Walks the image's tree and the host's in step: every entry on both, equal. */
static int compare_tree(struct memfs *m, const char *tree, const char *rel, uint32_t ino,
                        long *count)
{
    struct ext2_inode dir;
    if (ext2_read_inode(&m->sb, m->groups, &m->io, ino, &dir))
        return 1;
    int bad = 0;
    uint64_t pos = 0;
    struct ext2_dirent d;
    int r;
    long here = 0;
    while ((r = ext2_dir_next(&m->sb, &m->io, &dir, &pos, &d)) == 1) {
        /* off is where the record starts: a walk from there finds it again, and
         * one from a byte later (inside the record) finds the records after it
         * (readdir positions are these offsets). */
        struct ext2_dirent e;
        uint64_t again = d.off, inside = d.off + 1;
        if (ext2_dir_next(&m->sb, &m->io, &dir, &again, &e) != 1 || e.off != d.off ||
            again != pos || strcmp(e.name, d.name) != 0 ||
            (ext2_dir_next(&m->sb, &m->io, &dir, &inside, &e) == 1 && e.off < pos)) {
            fprintf(stderr, "  %s/%s: record offset %llu does not lead back to it\n", rel, d.name,
                    (unsigned long long)d.off);
            bad++;
        }
        if (!strcmp(d.name, ".") || !strcmp(d.name, "..") || !strcmp(d.name, "lost+found"))
            continue;
        here++;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", d.name);
        struct ext2_inode in;
        if (ext2_read_inode(&m->sb, m->groups, &m->io, d.ino, &in)) {
            fprintf(stderr, "  %s: inode %u unreadable\n", sub, d.ino);
            bad++;
            continue;
        }
        (*count)++;
        bad += compare(m, tree, sub, &in, d.type);
        if (S_ISDIR(in.mode))
            bad += compare_tree(m, tree, sub, d.ino, count);
    }
    if (r < 0)
        bad++;
    /* The host directory has exactly as many entries. */
    char hp[2048];
    snprintf(hp, sizeof(hp), "%s/%s", tree, rel);
    DIR *dh = opendir(hp);
    long host = 0;
    for (struct dirent *e; dh && (e = readdir(dh));)
        host += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (dh)
        closedir(dh);
    if (host != here) {
        fprintf(stderr, "  %s: %ld entries on the host, %ld in the image\n", rel, host, here);
        bad++;
    }
    return bad;
}

static void check_image(const char *img, const char *treename, uint32_t bs, uint32_t rev)
{
    size_t size;
    uint8_t *b = load(img, &size);
    CHECK(b != NULL);
    if (!b)
        return;
    struct memfs m;
    CHECK_EQ(mem_mount(&m, b, size), 0);
    CHECK_EQ(m.sb.block_size, bs);
    CHECK_EQ(m.sb.rev, rev);
    char tree[512];
    snprintf(tree, sizeof(tree), "%s/%s", getenv("HOST_TEST_DATA"), treename);
    long count = 0;
    CHECK_EQ(compare_tree(&m, tree, "", EXT2_ROOT_INO, &count), 0);
    CHECK(count > 300);
    CHECK_EQ(m.held, 0);
    /* Hard links share the inode; a path lookup through nested directories works. */
    struct ext2_inode a, h, deep;
    CHECK_EQ(lookup_path(&m, "small.txt", &a), 0);
    CHECK_EQ(lookup_path(&m, "a/hardlink", &h), 0);
    CHECK_EQ(a.ino, h.ino);
    CHECK_EQ(a.links, 2);
    CHECK_EQ(lookup_path(&m, "a/b/c/d/deep.txt", &deep), 0);
    CHECK_EQ(lookup_path(&m, "a/b/nothere", &deep), -ENOENT);
    CHECK_EQ(m.held, 0);
    mem_umount(&m);
    free(b);
}

TEST(reads_1k_image_like_the_host_tree) { check_image("1k.img", "tree", 1024, 1); }
TEST(reads_4k_image_like_the_host_tree) { check_image("4k.img", "tree", 4096, 1); }
TEST(reads_revision_0_image_like_the_host_tree) { check_image("rev0.img", "tree0", 1024, 0); }

TEST(device_nodes_were_made_as_root)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/no-device-node", getenv("HOST_TEST_DATA"));
    CHECK(access(p, F_OK) != 0);        /* run the host tests as root */
}

TEST(sparse_file_needs_the_triple_indirect_block_at_1k)
{
    size_t size;
    uint8_t *b = load("1k.img", &size);
    struct memfs m;
    CHECK_EQ(mem_mount(&m, b, size), 0);
    struct ext2_inode in;
    CHECK_EQ(lookup_path(&m, "sparse80m", &in), 0);
    CHECK(in.block[EXT2_TIND_BLOCK] != 0);
    CHECK(in.blocks512 < 64);           /* a few data blocks and the map, not 80 MiB */
    uint8_t buf[4096];
    CHECK_EQ(ext2_file_read(&m.sb, &m.io, &in, buf, sizeof(buf), 40 << 20), (long long)sizeof(buf));
    int zero = 1;
    for (size_t i = 0; i < sizeof(buf); i++)
        zero &= buf[i] == 0;
    CHECK(zero);
    CHECK_EQ(lookup_path(&m, "sparse5g", &in), 0);
    CHECK(in.size > (5ull << 30));
    mem_umount(&m);
    free(b);
}

TEST(bmap_path_depths_at_the_boundaries)
{
    uint32_t slot, idx[3];
    CHECK_EQ(ext2_bmap_path(1024, 11, &slot, idx), 0);
    CHECK_EQ(slot, 11);
    CHECK_EQ(ext2_bmap_path(1024, 12, &slot, idx), 1);
    CHECK_EQ(idx[0], 0);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 255, &slot, idx), 1);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 256, &slot, idx), 2);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 256 + 65535, &slot, idx), 2);
    CHECK(idx[0] == 255 && idx[1] == 255);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 256 + 65536, &slot, idx), 3);
    CHECK(slot == EXT2_TIND_BLOCK && idx[0] == 0 && idx[1] == 0 && idx[2] == 0);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 256 + 65536 + 16777215ull, &slot, idx), 3);
    CHECK_EQ(ext2_bmap_path(1024, 12 + 256 + 65536 + 16777216ull, &slot, idx), -EFBIG);
    CHECK_EQ(ext2_bmap_path(4096, 12 + 1024 + 1048576ull, &slot, idx), 3);
}

/* A copy of the 1k image with a change, mounted: the mount's result. */
static int mount_changed(uint8_t *img, size_t size, struct memfs *m)
{
    int err = mem_mount(m, img, size);
    return err;
}

TEST(hostile_superblocks_are_refused)
{
    size_t size;
    uint8_t *orig = load("1k.img", &size);
    uint8_t *b = malloc(size);
    struct memfs m;
    struct { size_t off; int width; uint32_t val; int err; } cases[] = {
        { 1024 + 56, 2, 0x1234, -EINVAL },          /* magic */
        { 1024 + 24, 4, 3, -EINVAL },               /* 8 KiB blocks */
        { 1024 + 76, 4, 7, -EINVAL },               /* revision */
        { 1024 + 4, 4, 40000, -EUCLEAN },           /* blocks past the device */
        { 1024 + 0, 4, 12345, -EUCLEAN },           /* inodes vs groups */
        { 1024 + 12, 4, 0xffffff, -EUCLEAN },       /* free blocks > blocks */
        { 1024 + 16, 4, 0xffffff, -EUCLEAN },       /* free inodes > inodes */
        { 1024 + 32, 4, 0, -EUCLEAN },              /* blocks per group */
        { 1024 + 40, 4, 0, -EUCLEAN },              /* inodes per group */
        { 1024 + 88, 2, 100, -EUCLEAN },            /* inode size */
        { 1024 + 20, 4, 0, -EUCLEAN },              /* first data block */
        { 1024 + 96, 4, 0x42, -EINVAL },            /* incompat: extents */
        { 1024 + 96, 4, 0x82, -EINVAL },            /* incompat: 64bit */
        { 1024 + 96, 4, 0x206, -EINVAL },           /* incompat: recover, flex_bg */
        { 2048 + 8, 4, 999999, -EUCLEAN },          /* group 0's inode table */
        { 2048 + 0, 4, 0, -EUCLEAN },               /* group 0's block bitmap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(b, orig, size);
        if (cases[i].width == 2)
            put_le16(b + cases[i].off, (uint16_t)cases[i].val);
        else
            put_le32(b + cases[i].off, cases[i].val);
        int err = mount_changed(b, size, &m);
        if (err != cases[i].err)
            fprintf(stderr, "  case %zu: %d, want %d\n", i, err, cases[i].err);
        CHECK_EQ(err, cases[i].err);
        CHECK_EQ(m.held, 0);
        mem_umount(&m);
    }
    free(b);
    free(orig);
}

/* The block holding inode ino's bytes in img, and the offset there. */
static uint8_t *inode_bytes(struct memfs *m, uint8_t *img, uint32_t ino)
{
    uint32_t block, off;
    if (ext2_inode_location(&m->sb, m->groups, ino, &block, &off))
        return NULL;
    return img + (size_t)block * m->sb.block_size + off;
}

TEST(hostile_directories_and_inodes_fail_with_euclean)
{
    size_t size;
    uint8_t *b = load("1k.img", &size);
    struct memfs m;
    CHECK_EQ(mem_mount(&m, b, size), 0);
    struct ext2_inode root, in;
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, EXT2_ROOT_INO, &root), 0);
    uint8_t *dirblk = b + (size_t)root.block[0] * 1024;
    uint8_t saved[1024];
    memcpy(saved, dirblk, 1024);
    uint32_t ino;
    /* rec_len of "." made 3, then past the block, then name_len past its record. */
    put_le16(dirblk + 4, 3);
    m.io.why = NULL;
    CHECK_EQ(ext2_dir_lookup(&m.sb, &m.io, &root, "small.txt", 9, &ino), -EUCLEAN);
    CHECK(m.io.why != NULL);
    put_le16(dirblk + 4, 2000);
    CHECK_EQ(ext2_dir_lookup(&m.sb, &m.io, &root, "small.txt", 9, &ino), -EUCLEAN);
    memcpy(dirblk, saved, 1024);
    dirblk[6] = 200;                    /* "." with a 200-byte name in a 12-byte record */
    uint64_t pos = 0;
    struct ext2_dirent d;
    CHECK_EQ(ext2_dir_next(&m.sb, &m.io, &root, &pos, &d), -EUCLEAN);
    memcpy(dirblk, saved, 1024);
    put_le32(dirblk, m.sb.inodes_count + 1);     /* an inode number out of range */
    pos = 0;
    CHECK_EQ(ext2_dir_next(&m.sb, &m.io, &root, &pos, &d), -EUCLEAN);
    memcpy(dirblk, saved, 1024);
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, m.sb.inodes_count + 1, &in), -EUCLEAN);
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, 0, &in), -EUCLEAN);
    /* A file whose first block lies past the end; an indirect block pointing there. */
    CHECK_EQ(lookup_path(&m, "small.txt", &in), 0);
    uint8_t *raw = inode_bytes(&m, b, in.ino);
    uint32_t old = in.block[0];
    put_le32(raw + 40, m.sb.blocks_count + 5);
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, in.ino, &in), 0);
    uint8_t buf[64];
    m.io.why = NULL;
    CHECK_EQ(ext2_file_read(&m.sb, &m.io, &in, buf, sizeof(buf), 0), -EUCLEAN);
    CHECK(m.io.why && strstr(m.io.why, "past the end"));
    put_le32(raw + 40, old);
    CHECK_EQ(lookup_path(&m, "single300k", &in), 0);
    uint8_t *ind = b + (size_t)in.block[EXT2_IND_BLOCK] * 1024;
    put_le32(ind + 8, 0xfffffff0);
    CHECK_EQ(ext2_file_read(&m.sb, &m.io, &in, buf, sizeof(buf), (12 + 2) * 1024), -EUCLEAN);
    /* A bad type, an extent-mapped inode. */
    raw = inode_bytes(&m, b, in.ino);
    put_le16(raw, 0xf1ed);
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, in.ino, &in), -EUCLEAN);
    put_le16(raw, 0x81a4);
    put_le32(raw + 32, EXT2_EXTENTS_FL);
    CHECK_EQ(ext2_read_inode(&m.sb, m.groups, &m.io, in.ino, &in), -EUCLEAN);
    CHECK_EQ(m.held, 0);
    mem_umount(&m);
    free(b);
}

/* Flips random bytes in the blocks a clean walk reads (and the superblock and
 * descriptors), walks the whole tree, restores them: thousands of damaged images,
 * none may crash (ASan/UBSan), leak a block or hang. EXT2_FUZZ_ITERS overrides. */
static void fuzz(const char *img, long iters)
{
    size_t size;
    uint8_t *b = load(img, &size);
    struct memfs m;
    CHECK_EQ(mem_mount(&m, b, size), 0);
    m.record = true;
    long clean = mem_walk(&m, EXT2_ROOT_INO, 0);
    CHECK(clean > 300);
    size_t nt = m.ntouched;
    uint32_t touched[MEM_TOUCHED_MAX], bs = m.sb.block_size;
    memcpy(touched, m.touched, sizeof(touched));
    mem_umount(&m);
    srand(12345);
    long mounted = 0;
    for (long it = 0; it < iters; it++) {
        size_t offs[8];
        uint8_t olds[8];
        int k = 1 + rand() % 8;
        for (int j = 0; j < k; j++) {
            size_t off = rand() % 4 == 0 ? 1024 + (size_t)rand() % 2048
                         : (size_t)touched[rand() % nt] * bs + (size_t)rand() % bs;
            offs[j] = off;
            olds[j] = b[off];
            int how = rand() % 4;
            b[off] = how == 0 ? 0 : how == 1 ? 0xff : how == 2 ? (uint8_t)(b[off] ^ (1u << (rand() % 8)))
                                                                : (uint8_t)rand();
        }
        if (mem_mount(&m, b, size) == 0) {
            mounted++;
            mem_walk(&m, EXT2_ROOT_INO, 0);
        }
        CHECK_EQ(m.held, 0);
        mem_umount(&m);
        for (int j = k - 1; j >= 0; j--)
            b[offs[j]] = olds[j];
    }
    CHECK(mounted > iters / 4);         /* most damage is past the superblock */
    free(b);
}

static long iters(void)
{
    const char *e = getenv("EXT2_FUZZ_ITERS");
    return e ? atol(e) : 600;
}

TEST(mutated_1k_images_never_crash) { fuzz("1k.img", iters()); }
TEST(mutated_4k_images_never_crash) { fuzz("4k.img", iters() / 3); }
TEST(mutated_rev0_images_never_crash) { fuzz("rev0.img", iters() / 3); }

