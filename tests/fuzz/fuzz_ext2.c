/* libFuzzer target for the ext2 reader and writer (kernel/fs/ext2/; tests/fuzz/run.sh):
 * any image mounts or is refused with -EINVAL/-EUCLEAN/-EIO, a whole-tree walk
 * over it (tests/host/ext2_mem.h: every inode, directory, file start and end,
 * link) never reads outside a block, leaks one or loops; then, on a writable copy,
 * files are created, written, truncated and deleted in the root and the root's
 * existing files appended to and cut: every call answers 0 or an errno, never a
 * crash, a touch outside a block or a block left held. */
#include <stdint.h>
#include <stdlib.h>
#include "../host/ext2_mem.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* A writable image behind ext2_io: blocks copied out and, when written, back. */
struct wimg { uint8_t *img; size_t size; uint32_t bs; int held; };
struct wh { uint8_t *copy; uint32_t block; bool w; };

static int w_get2(struct wimg *f, uint32_t block, bool w, bool fresh, uint8_t **data, void **h)
{
    uint64_t off = (uint64_t)block * f->bs;
    if (off + f->bs > f->size)
        return -EIO;
    struct wh *hd = malloc(sizeof(*hd));
    hd->copy = malloc(f->bs);
    if (fresh)
        memset(hd->copy, 0, f->bs);
    else
        memcpy(hd->copy, f->img + off, f->bs);
    hd->block = block;
    hd->w = w;
    f->held++;
    *data = hd->copy;
    *h = hd;
    return 0;
}
static int w_get(void *c, uint32_t b, const uint8_t **d, void **h)
{
    return w_get2(c, b, false, false, (uint8_t **)d, h);
}
static int w_getw(void *c, uint32_t b, bool fresh, uint8_t **d, void **h)
{
    return w_get2(c, b, true, fresh, d, h);
}
static void w_put(void *c, void *h)
{
    struct wimg *f = c;
    struct wh *hd = h;
    if (hd->w)
        memcpy(f->img + (uint64_t)hd->block * f->bs, hd->copy, f->bs);
    free(hd->copy);
    free(hd);
    f->held--;
}

static bool ok_err(long r)
{
    return r >= 0 || r == -EUCLEAN || r == -EIO || r == -ENOSPC || r == -EFBIG || r == -ENOENT;
}

static void write_workload(struct memfs *m, const uint8_t *data, size_t size)
{
    struct wimg w = { malloc(size), size, m->sb.block_size, 0 };
    memcpy(w.img, data, size);
    struct ext2_io io = { .ctx = &w, .get = w_get, .put = w_put, .getw = w_getw };
    struct ext2_sb sb = m->sb;
    struct ext2_group *groups = malloc(sizeof(*groups) * sb.groups);
    memcpy(groups, m->groups, sizeof(*groups) * sb.groups);
    struct ext2_vol v = { &sb, groups, &io };
    static uint8_t buf[30000];
    memset(buf, 'x', sizeof(buf));
    struct ext2_inode root, in;
    if (ext2_read_inode(&sb, groups, &io, EXT2_ROOT_INO, &root) == 0 && S_ISDIR(root.mode)) {
        uint64_t pos = 0;
        struct ext2_dirent d;
        for (int n = 0; n < 6 && ext2_dir_next(&sb, &io, &root, &pos, &d) == 1; n++) {
            if (ext2_read_inode(&sb, groups, &io, d.ino, &in) || !S_ISREG(in.mode))
                continue;
            REQUIRE(ok_err(ext2_file_write(&v, &in, buf, 5000, in.size)));
            REQUIRE(ok_err(ext2_truncate(&v, &in, in.size / 3)));
            REQUIRE(ok_err(ext2_write_inode(&v, &in)));
        }
        uint32_t ino;
        long r = ext2_alloc_inode(&v, EXT2_ROOT_INO, false, &ino);
        REQUIRE(ok_err(r));
        if (r == 0) {
            memset(&in, 0, sizeof(in));
            in.ino = ino;
            in.mode = S_IFREG | 0644;
            in.links = 1;
            REQUIRE(ok_err(ext2_file_write(&v, &in, buf, sizeof(buf), 0)));
            REQUIRE(ok_err(ext2_file_write(&v, &in, buf, 100, 300000)));
            REQUIRE(ok_err(ext2_dir_add(&v, &root, "fuzzfile", 8, ino, 1)));
            REQUIRE(ok_err(ext2_truncate(&v, &in, 7)));
            uint32_t got;
            REQUIRE(ok_err(ext2_dir_remove(&v, &root, "fuzzfile", 8, &got)));
            REQUIRE(ok_err(ext2_release_blocks(&v, &in)));
            REQUIRE(ok_err(ext2_free_inode(&v, ino, false)));
        }
        REQUIRE(ok_err(ext2_dir_is_empty(&v, &root)));
        REQUIRE(ok_err(ext2_write_super(&v, EXT2_VALID_FS, 0)));
    }
    REQUIRE(w.held == 0);
    free(groups);
    free(w.img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memfs m;
    int r = mem_mount(&m, data, size);
    REQUIRE(r == 0 || r == -EINVAL || r == -EUCLEAN || r == -EIO);
    REQUIRE(m.held == 0);
    if (r == 0) {
        REQUIRE(m.sb.block_size >= 1024 && m.sb.block_size <= 4096);
        REQUIRE((uint64_t)m.sb.blocks_count * m.sb.block_size <= size);
        mem_walk(&m, EXT2_ROOT_INO, 0);
        REQUIRE(m.held == 0);
        write_workload(&m, data, size);
    }
    mem_umount(&m);
    return 0;
}
