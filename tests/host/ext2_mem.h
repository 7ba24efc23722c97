/* An ext2 image in memory behind struct ext2_io, and a whole-tree walk over it,
 * for tests/host/test_ext2.c and tests/fuzz/fuzz_ext2.c. Every block handed out is
 * a malloc'd copy of exactly one block, so a read past a block's end is an ASan
 * error, and a block not given back is a leak. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../../kernel/fs/ext2/ext2_format.h"

#define MEM_TOUCHED_MAX 4096

struct memfs {
    const uint8_t *img;
    size_t size;
    struct ext2_sb sb;
    struct ext2_group *groups;
    struct ext2_io io;
    int held;                           /* blocks out, must be 0 after every call */
    uint32_t touched[MEM_TOUCHED_MAX];  /* distinct blocks read, when recording */
    size_t ntouched;
    bool record;
};

static int mem_get(void *ctx, uint32_t block, const uint8_t **data, void **handle)
{
    struct memfs *m = ctx;
    uint64_t off = (uint64_t)block * m->sb.block_size;
    if (off + m->sb.block_size > m->size)
        return -EIO;
    uint8_t *copy = malloc(m->sb.block_size);
    memcpy(copy, m->img + off, m->sb.block_size);
    *data = copy;
    *handle = copy;
    m->held++;
    if (m->record && m->ntouched < MEM_TOUCHED_MAX) {
        size_t i = 0;
        while (i < m->ntouched && m->touched[i] != block)
            i++;
        if (i == m->ntouched)
            m->touched[m->ntouched++] = block;
    }
    return 0;
}

static void mem_put(void *ctx, void *handle)
{
    struct memfs *m = ctx;
    m->held--;
    free(handle);
}

/* 0 or the error ext2_parse_super / ext2_load_groups gave. */
static int mem_mount(struct memfs *m, const uint8_t *img, size_t size)
{
    memset(m, 0, sizeof(*m));
    m->img = img;
    m->size = size;
    m->io = (struct ext2_io){ .ctx = m, .get = mem_get, .put = mem_put };
    if (size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE)
        return -EINVAL;
    const char *why = NULL;
    int err = ext2_parse_super(img + EXT2_SUPER_OFFSET, size, &m->sb, &why);
    if (err)
        return err;
    m->groups = calloc(m->sb.groups, sizeof(*m->groups));
    err = ext2_load_groups(&m->sb, &m->io, m->groups);
    if (err) {
        free(m->groups);
        m->groups = NULL;
    }
    return err;
}

static void mem_umount(struct memfs *m)
{
    free(m->groups);
    m->groups = NULL;
}

/* Walks the tree below directory inode ino as a hostile-image reader would: every
 * entry's inode read, files read at their start and end, links read; returns the
 * number of entries seen (errors end a branch, never the walk). Depth-bounded, so
 * a directory loop in the image cannot recurse forever. */
static long mem_walk(struct memfs *m, uint32_t ino, int depth)
{
    struct ext2_inode dir;
    if (depth > 12 || ext2_read_inode(&m->sb, m->groups, &m->io, ino, &dir) || !S_ISDIR(dir.mode))
        return 0;
    long n = 0;
    uint64_t pos = 0;
    struct ext2_dirent d;
    static uint8_t buf[8192];
    char link[4097];
    while (n < 100000 && ext2_dir_next(&m->sb, &m->io, &dir, &pos, &d) == 1) {
        n++;
        if (d.name[0] == '.' && (d.name_len == 1 || (d.name_len == 2 && d.name[1] == '.')))
            continue;
        struct ext2_inode in;
        if (ext2_read_inode(&m->sb, m->groups, &m->io, d.ino, &in))
            continue;
        if (S_ISDIR(in.mode) && d.ino != ino)
            n += mem_walk(m, d.ino, depth + 1);
        else if (S_ISREG(in.mode)) {
            ext2_file_read(&m->sb, &m->io, &in, buf, sizeof(buf), 0);
            if (in.size > sizeof(buf))
                ext2_file_read(&m->sb, &m->io, &in, buf, sizeof(buf), in.size - sizeof(buf));
        } else if (S_ISLNK(in.mode)) {
            ext2_readlink(&m->sb, &m->io, &in, link, sizeof(link));
        }
        uint32_t found;
        ext2_dir_lookup(&m->sb, &m->io, &dir, d.name, d.name_len, &found);
    }
    return n;
}
