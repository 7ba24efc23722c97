/* ext2's page cache: a regular file's data lives in one page store per vnode
 * (<osc/filepages.h>), shared by read/write and mmap. A miss reads the page's
 * blocks through the buffer cache; write() copies into the pages (blocks are
 * allocated then, so ENOSPC comes from write) and marks them dirty; write-back
 * (sync, syncfs, the flusher, fsync and msync) writes runs of dirty pages whose
 * blocks are consecutive on the disk straight from the frames, one request each.
 * With 4 KiB blocks a miss reads a run the same way, readahead included; the
 * buffer cache is asked first (its dirty copy of a block is newer than the
 * disk's) and told before a direct write (its copy is dropped). Other block sizes
 * and a file's partial last page go through the buffer cache. */

#define LOG_TAG "ext2"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "../vfs_internal.h"
#include "ext2_int.h"

static int readpage(void *ctx, uint64_t pg, void *kaddr);
static int readpages(void *ctx, uint64_t pg, size_t n, const paddr_t *frames);
static int sync_file(void *ctx);

static const struct filepages_backing ext2_backing = {
    .readpage = readpage, .readpages = readpages, .sync = sync_file };

struct filepages *ext2_pages(struct vnode *v)
{
    struct ext2_vnode *e = ev_of(v);
    if (!S_ISREG(v->mode))
        return NULL;
    struct filepages *pc = __atomic_load_n(&e->pc, __ATOMIC_ACQUIRE);
    if (pc)
        return pc;
    /* Made on first use; every size change after goes through it too, so the size
     * read here (under `ext2`) is the file's. */
    struct ext2_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    uint64_t size = e->di.size;
    mutex_unlock(&fs->lock);
    pc = filepages_create_backed(&ext2_backing, e, size);
    if (!pc)
        return NULL;
    struct filepages *none = NULL;
    if (!__atomic_compare_exchange_n(&e->pc, &none, pc, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        filepages_put(pc);
        pc = none;
    }
    return pc;
}

/* A page's blocks below the end of file, copied in (kaddr is zeroed: holes and
 * the bytes past the end stay zero). */
static int readpage(void *ctx, uint64_t pg, void *kaddr)
{
    struct ext2_vnode *e = ctx;
    struct ext2_fs *fs = fs_of(&e->v);
    struct ext2_io io = ext2_io_for(fs);
    uint32_t bs = fs->sb.block_size;
    uint64_t start = pg * PAGE_SIZE;
    int err = 0;
    mutex_lock(&fs->lock);
    uint64_t size = e->di.size;
    for (uint32_t o = 0; o < PAGE_SIZE && start + o < size && !err; o += bs) {
        uint32_t phys;
        err = ext2_bmap(&fs->sb, &io, &e->di, (start + o) / bs, &phys);
        const uint8_t *data;
        void *h;
        if (!err && phys && (err = io.get(io.ctx, phys, &data, &h)) == 0) {
            memcpy((uint8_t *)kaddr + o, data, (size_t)MIN((uint64_t)bs, size - (start + o)));
            io.put(io.ctx, h);
        }
    }
    mutex_unlock(&fs->lock);
    return ext2_report(fs, &io, err, "read");
}

#define RUN_MAX 64      /* pages per disk request (256 KiB) */

/* Pages [pg, pg+n) into frames (zeroed), blocks of a page's size only: each run of
 * pages whose blocks follow each other on the disk in one request straight into
 * the frames. A block the buffer cache has is copied from there (a dirty one is
 * newer than the disk); holes and the bytes past the end of file stay zero. Under
 * `ext2`, so no block changes between that look and the read. */
static int readpages(void *ctx, uint64_t pg, size_t n, const paddr_t *frames)
{
    struct ext2_vnode *e = ctx;
    struct ext2_fs *fs = fs_of(&e->v);
    if (fs->sb.block_size != PAGE_SIZE) {
        int err = 0;
        for (size_t i = 0; i < n && !err; i++)
            err = readpage(ctx, pg + i, phys_to_virt(frames[i]));
        return err;
    }
    struct ext2_io io = ext2_io_for(fs);
    int err = 0;
    mutex_lock(&fs->lock);
    uint64_t size = e->di.size;
    uint64_t npg = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    size_t end = pg < npg ? (size_t)MIN((uint64_t)n, npg - pg) : 0;
    size_t rs = 0, rn = 0;              /* the run being gathered: frames[rs, rs+rn) */
    uint32_t rphys = 0;
    for (size_t i = 0; i <= end && !err; i++) {
        uint32_t phys = 0;
        if (i < end && (err = ext2_bmap(&fs->sb, &io, &e->di, pg + i, &phys)) != 0)
            break;
        bool cached = phys && bcache_copy_cached(fs->dev, phys, PAGE_SIZE,
                                                 phys_to_virt(frames[i]));
        if (rn && phys && !cached && phys == rphys + rn && rn < RUN_MAX) {
            rn++;
            continue;
        }
        if (rn)
            err = blk_rw_pages(fs->dev, false, (uint64_t)rphys * PAGE_SIZE, rn, frames + rs);
        rn = 0;
        if (phys && !cached) {
            rs = i;
            rn = 1;
            rphys = phys;
        }
    }
    if (!err && size < (pg + end) * PAGE_SIZE) {    /* the last page: its tail past EOF */
        size_t in = (size_t)(size % PAGE_SIZE);
        memset((uint8_t *)phys_to_virt(frames[end - 1]) + in, 0, PAGE_SIZE - in);
    }
    mutex_unlock(&fs->lock);
    return ext2_report(fs, &io, err, "read");
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Copies page pg (frame pa) into its blocks' buffers, the bytes past the end of
 * file as zeros. A hole gets a block only when a mapping stored something there.
 * Caller holds `ext2`. */
static int write_page_locked(struct ext2_vol *vol, struct ext2_vnode *e, uint64_t pg,
                             paddr_t pa)
{
    uint32_t bs = vol->sb->block_size;
    const uint8_t *src = phys_to_virt(pa);
    uint64_t start = pg * PAGE_SIZE, size = e->di.size;
    for (uint32_t o = 0; o < PAGE_SIZE && start + o < size; o += bs) {
        uint64_t lb = (start + o) / bs;
        size_t valid = (size_t)MIN((uint64_t)bs, size - (start + o));
        uint32_t phys;
        int err = ext2_bmap(vol->sb, vol->io, &e->di, lb, &phys);
        if (!err && phys && ext2_block_is_meta(vol->sb, vol->groups, phys))
            err = ext2_corrupt(vol->io, "block number past the end", phys);  /* never overwritten */
        if (!err && !phys) {
            if (all_zero(src + o, valid))
                continue;
            bool fresh;
            err = ext2_bmap_alloc(vol, &e->di, lb, &phys, &fresh);
        }
        uint8_t *d;
        void *h;
        if (!err)
            err = vol->io->getw(vol->io->ctx, phys, true, &d, &h);    /* zeroed, dirty */
        if (err)
            return err;
        memcpy(d, src + o, valid);
        vol->io->put(vol->io->ctx, h);
    }
    return 0;
}

/* Whole dirty pages whose blocks follow each other on the disk, gathered for one
 * request: pages [pg, pg+n) on blocks [phys, phys+n), frames in pa. */
struct wb_run {
    uint64_t pg;
    uint32_t phys;
    size_t n;
    paddr_t pa[RUN_MAX];
};

/* Page pg (of a file of size bytes) can go straight from its frame to the disk:
 * 4 KiB blocks, the page wholly below the end of file (the last page's tail must
 * reach the disk as zeros: write_page_locked), its block allocated; *phys then. */
static bool direct_ok(struct ext2_vol *vol, struct ext2_vnode *e, uint64_t pg, uint64_t size,
                      uint32_t *phys)
{
    return vol->sb->block_size == PAGE_SIZE && (pg + 1) * PAGE_SIZE <= size &&
           ext2_bmap(vol->sb, vol->io, &e->di, pg, phys) == 0 && *phys &&
           !ext2_block_is_meta(vol->sb, vol->groups, *phys);
}

/* Writes the run in one request (the buffer cache's copies of its blocks dropped
 * first: their older bytes must not reach the disk after), then settles its pages
 * (a failed one dirty again). Caller holds `ext2`. 0 or the error. */
static int flush_run(struct ext2_fs *fs, struct filepages *pc, struct wb_run *run)
{
    if (!run->n)
        return 0;
    for (size_t k = 0; k < run->n; k++)
        bcache_overwrite(fs->dev, run->phys + k, PAGE_SIZE, phys_to_virt(run->pa[k]));
    int err = blk_rw_pages(fs->dev, true, (uint64_t)run->phys * PAGE_SIZE, run->n, run->pa);
    for (size_t k = 0; k < run->n; k++)
        filepages_wb_done(pc, run->pg + k, run->pa[k], err);
    fs->unflushed = true;               /* the next sync flushes the disk's cache */
    run->n = 0;
    return err;
}

int ext2_writeback_locked(struct ext2_fs *fs, struct ext2_vnode *e)
{
    struct filepages *pc = __atomic_load_n(&e->pc, __ATOMIC_ACQUIRE);
    if (!pc || !fs->rw)
        return 0;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    struct wb_run *run = kmalloc(sizeof(*run));     /* NULL: page by page */
    int err = 0, r;
    uint64_t pg = 0, size;
    paddr_t pa;
    uint32_t blocks = e->di.blocks512, phys;
    if (run)
        run->n = 0;
    while (filepages_wb_next(pc, &pg, &pa, &size) == 0) {
        if (run && direct_ok(&vol, e, pg, size, &phys)) {
            if (run->n && (pg != run->pg + run->n || phys != run->phys + run->n ||
                           run->n == RUN_MAX) && (r = flush_run(fs, pc, run)) && !err)
                err = r;
            if (!run->n) {
                run->pg = pg;
                run->phys = phys;
            }
            run->pa[run->n++] = pa;
        } else {
            r = write_page_locked(&vol, e, pg, pa);
            filepages_wb_done(pc, pg, pa, r);
            if (r && !err)
                err = r;
        }
        pg++;
    }
    if (run && (r = flush_run(fs, pc, run)) && !err)
        err = r;
    kfree(run);
    if (e->di.blocks512 != blocks) {    /* holes filled: the inode changed */
        ext2_di_from_vnode(e);
        e->v.disk_blocks = e->di.blocks512;
        r = ext2_write_inode(&vol, &e->di);
        err = err ? err : r;
    }
    return ext2_report(fs, &io, err, "write-back");
}

int ext2_fsync(struct vnode *v)
{
    struct ext2_fs *fs = fs_of(v);
    if (!fs->rw)
        return 0;
    mutex_lock(&fs->lock);
    int err = ext2_sync_file_locked(fs, ev_of(v));
    mutex_unlock(&fs->lock);
    return err;
}

static int sync_file(void *ctx)
{
    return ext2_fsync(&((struct ext2_vnode *)ctx)->v);
}

ssize_t ext2_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
    struct filepages *pc = ext2_pages(v);
    if (!pc)
        return S_ISREG(v->mode) ? -ENOMEM : -EINVAL;
    return filepages_read(pc, buf, n, off);
}

/* Readies page pg for a write of *chunk bytes at pos (caller holds `vnode`): the
 * page read in (before any block is allocated: a fresh block's old bytes must not
 * be read), blocks allocated for the bytes, the size extended. 0 with the frame
 * (a reference) in *pa and *chunk possibly cut short by ENOSPC, or the error. */
static int prepare_write(struct vnode *v, struct filepages *pc, uint64_t pos, size_t *chunk,
                         paddr_t *pa)
{
    struct ext2_fs *fs = fs_of(v);
    struct ext2_vnode *e = ev_of(v);
    uint64_t max = ext2_max_size(&fs->sb);
    if (pos >= max)
        return -EFBIG;
    *chunk = (size_t)MIN((uint64_t)*chunk, max - pos);
    int err = filepages_get_page(pc, pos / PAGE_SIZE, true, pa);
    if (err)
        return err;
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    uint32_t bs = fs->sb.block_size;
    mutex_lock(&fs->lock);
    uint64_t end = pos + *chunk;
    for (uint64_t lb = pos / bs; lb * bs < end; lb++) {
        uint32_t phys;
        bool fresh;
        if ((err = ext2_bmap_alloc(&vol, &e->di, lb, &phys, &fresh)) != 0) {
            end = MAX(pos, lb * bs);
            break;
        }
    }
    if (end > e->di.size)
        e->di.size = end;
    if (e->di.size > 0x7fffffffu && !(fs->sb.ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
        fs->sb.ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;     /* written at sync */
    if (end == pos)                     /* nothing allocated: give back partial trees */
        ext2_truncate(&vol, &e->di, e->di.size);
    else
        err = 0;
    /* The inode reaches its slot at the next sync (every changed cached inode is
     * written then), not once per page. */
    e->v.disk_blocks = e->di.blocks512;
    uint64_t size = e->di.size;
    mutex_unlock(&fs->lock);
    ext2_report(fs, &io, err, "write");
    if (end == pos) {
        page_ref_put(*pa);
        return err;
    }
    *chunk = (size_t)(end - pos);
    if (size > filepages_size(pc))
        filepages_truncate(pc, size);   /* zeroes the old last page's tail */
    v->size = size;
    return 0;
}

/* Too much of RAM dirty: the writer writes its own file back now (dirty pages
 * are never reclaimed, so they must not crowd out everything else). */
static void throttle(struct vnode *v)
{
    if (!filepages_too_dirty())
        return;
    struct ext2_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    ext2_writeback_locked(fs, ev_of(v));
    mutex_unlock(&fs->lock);
}

ssize_t ext2_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
    struct ext2_fs *fs = fs_of(v);
    if (!fs->rw)
        return -EROFS;
    struct filepages *pc = ext2_pages(v);
    if (!pc)
        return S_ISREG(v->mode) ? -ENOMEM : -EINVAL;
    size_t done = 0;
    int err = 0;
    while (done < n) {
        uint64_t pos = off + done;
        size_t in = (size_t)(pos % PAGE_SIZE), want = MIN(n - done, PAGE_SIZE - in);
        size_t chunk = want;
        paddr_t pa;
        if ((err = prepare_write(v, pc, pos, &chunk, &pa)) != 0)
            break;
        memcpy((uint8_t *)phys_to_virt(pa) + in, (const uint8_t *)buf + done, chunk);
        filepages_mark_dirty(pc, pos / PAGE_SIZE, pa);
        page_ref_put(pa);
        done += chunk;
        throttle(v);
        if (chunk < want)
            break;                      /* ENOSPC part way */
    }
    return done ? (ssize_t)done : err;
}

/* A write whose user copy faulted after prepare_write grew the file to end: the
 * size goes back to what it was if nothing else grew it since (caller holds
 * `vnode`). */
static void undo_growth(struct vnode *v, struct filepages *pc, uint64_t old, uint64_t end)
{
    if (v->size != end || old >= end)
        return;
    struct ext2_fs *fs = fs_of(v);
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    filepages_truncate(pc, old);
    mutex_lock(&fs->lock);
    int err = ext2_truncate(&vol, &ev_of(v)->di, old);
    ext2_di_from_vnode(ev_of(v));
    v->disk_blocks = ev_of(v)->di.blocks512;
    int e2 = ext2_write_inode(&vol, &ev_of(v)->di);
    v->size = ev_of(v)->di.size;
    mutex_unlock(&fs->lock);
    ext2_report(fs, &io, err ? err : e2, "write");
}

/* read/write/pread/pwrite: page by page, the cache step under `vnode`, the user
 * copy with only the file's `ext2_io` held (it may fault, which takes `mm_space`
 * and maybe reads a page of this very file). */
ssize_t ext2_rw_user(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos,
                     uint64_t off)
{
    struct vnode *v = f->vnode;
    struct ext2_vnode *e = ev_of(v);
    if (write && !fs_of(v)->rw)
        return -EROFS;
    struct filepages *pc = ext2_pages(v);
    if (!pc)
        return -ENOMEM;
    mutex_lock(&e->io);
    vnode_lock(v);
    uint64_t at = pos ? off : (write && (f->flags & O_APPEND)) ? v->size : f->off;
    vnode_unlock(v);
    size_t done = 0;
    int err = 0;
    while (done < n) {
        uint64_t p = at + done, pg = p / PAGE_SIZE;
        size_t in = (size_t)(p % PAGE_SIZE), want = MIN(n - done, PAGE_SIZE - in), chunk = want;
        paddr_t pa;
        vnode_lock(v);
        uint64_t old = v->size;
        if (!write && p >= old) {
            vnode_unlock(v);
            break;
        }
        if (write) {
            err = prepare_write(v, pc, p, &chunk, &pa);
        } else {
            chunk = (size_t)MIN((uint64_t)chunk, old - p);
            err = filepages_get_page(pc, pg, false, &pa);
        }
        vnode_unlock(v);
        if (err)
            break;
        uint8_t *k = (uint8_t *)phys_to_virt(pa) + in;
        void *u = (void *)(ubuf + done);
        err = write ? copy_from_user(k, u, chunk) : copy_to_user(u, k, chunk);
        if (write)
            filepages_mark_dirty(pc, pg, pa);
        page_ref_put(pa);
        if (err) {
            if (write) {
                vnode_lock(v);
                undo_growth(v, pc, old, p + chunk);
                vnode_unlock(v);
            }
            break;
        }
        done += chunk;
        throttle(v);
        if (chunk < want)
            break;
    }
    vnode_lock(v);
    if (!pos && done)
        f->off = at + done;
    if (write && done)
        vnode_touch_locked(v, true);
    vnode_unlock(v);
    mutex_unlock(&e->io);
    return done ? (ssize_t)done : err;
}

int ext2_truncate_op(struct vnode *v, uint64_t size)
{
    struct ext2_fs *fs = fs_of(v);
    if (!fs->rw)
        return -EROFS;
    if (!S_ISREG(v->mode))
        return -EINVAL;
    if (size > ext2_max_size(&fs->sb))
        return -EFBIG;
    struct filepages *pc = ext2_pages(v);
    if (!pc)
        return -ENOMEM;
    /* The cache first: a page past the new end can no longer be read in from
     * blocks about to be freed; mapped ones live on in their mappings. */
    filepages_truncate(pc, size);
    struct ext2_io io = ext2_io_for(fs);
    struct ext2_vol vol = { &fs->sb, fs->groups, &io };
    mutex_lock(&fs->lock);
    int err = ext2_truncate(&vol, &ev_of(v)->di, size);
    ext2_di_from_vnode(ev_of(v));
    v->disk_blocks = ev_of(v)->di.blocks512;
    int e2 = ext2_write_inode(&vol, &ev_of(v)->di);
    v->size = ev_of(v)->di.size;
    mutex_unlock(&fs->lock);
    return ext2_report(fs, &io, err ? err : e2, "truncate");
}
