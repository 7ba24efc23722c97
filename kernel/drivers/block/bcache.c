/* The buffer cache: whole filesystem blocks of a block device kept in memory,
 * keyed by (device, block number, block size), bounded by BCACHE_MAX_BYTES and
 * evicted least-recently-used among the buffers nobody holds. ext2 reads and
 * writes every block through it; a page cache can later sit on top. A writer
 * changes a held buffer's bytes under its filesystem's lock and marks it dirty;
 * dirty buffers go to the disk on bcache_sync (sync, fsync, umount) or when they
 * are evicted, never dropped unwritten. A 4 KiB buffer's bytes are a page frame, so
 * sync writes a run of consecutive dirty blocks in one request. The page cache
 * reads and writes file data straight between its pages and the disk: it asks
 * bcache_copy_cached before reading and calls bcache_overwrite before writing. */

#define LOG_TAG "bcache"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>

#define BCACHE_MAX_BYTES (4u << 20)     /* 1024 blocks of 4 KiB, 4096 of 1 KiB */
#define BCACHE_HASH      512

/* Rank 27 (`bcache`, docs/locking.md): the hash chains, the LRU list, every
 * buffer's refs, failed and unhashed, and the byte total. Not held across the disk
 * read that fills a missing buffer: the buffer is in the cache meanwhile, loading,
 * with its `bbuf_load` (rank 28) held by the reader, so a block is read once and
 * other misses go on; held across write-back. Taken inside `vfs`, `vnode` and
 * `ext2`. */
static struct mutex bcache_lock;
static bool bcache_ready;
static struct bbuf *hash[BCACHE_HASH];
static struct bbuf lru = { .lprev = &lru, .lnext = &lru };  /* head: most recent */
static size_t bytes;

void bcache_init(void)
{
    if (!bcache_ready) {                /* at boot, from the first disk's registration */
        mutex_init(&bcache_lock, "bcache", 27);
        bcache_ready = true;
    }
}

static size_t slot(const struct blkdev *dev, uint64_t block)
{
    return (size_t)(((uintptr_t)dev >> 4) * 31 + block) % BCACHE_HASH;
}

static void lru_unlink(struct bbuf *b)
{
    b->lprev->lnext = b->lnext;
    b->lnext->lprev = b->lprev;
}

static void lru_push(struct bbuf *b)
{
    b->lnext = lru.lnext;
    b->lprev = &lru;
    lru.lnext->lprev = b;
    lru.lnext = b;
}

/* Writes a dirty buffer back (caller holds `bcache`): 0 or -EIO, the buffer
 * staying dirty then. */
static int writeback(struct bbuf *b)
{
    if (!b->dirty)
        return 0;
    ssize_t r = blk_write(b->dev, b->data, b->size, b->block * b->size);
    if (r != (ssize_t)b->size)
        return r < 0 ? (int)r : -EIO;
    b->dirty = false;
    return 0;
}

static uint8_t *data_alloc(uint32_t size, paddr_t *pa)
{
    *pa = 0;
    if (size != PAGE_SIZE)
        return kmalloc(size);
    *pa = pmm_alloc_page();             /* a frame: runs of them go out in one request */
    return *pa ? phys_to_virt(*pa) : NULL;
}

static void data_free(uint8_t *data, paddr_t pa)
{
    if (pa)
        pmm_free_page(pa);
    else
        kfree(data);
}

static void drop(struct bbuf *b)
{
    struct bbuf **pp = &hash[slot(b->dev, b->block)];
    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
    lru_unlink(b);
    bytes -= b->size;
    data_free(b->data, b->pa);
    kfree(b);
}

/* Frees unheld buffers from the cold end until want more bytes fit. */
static void evict(size_t want)
{
    for (struct bbuf *b = lru.lprev; b != &lru && bytes + want > BCACHE_MAX_BYTES;) {
        struct bbuf *prev = b->lprev;
        if (b->refs == 0 && writeback(b) == 0)
            drop(b);
        b = prev;
    }
}

/* The buffer of (dev, block, size) or NULL; caller holds `bcache`. */
static struct bbuf *lookup(struct blkdev *dev, uint64_t block, uint32_t size)
{
    struct bbuf *b;
    for (b = hash[slot(dev, block)]; b; b = b->hnext)
        if (b->dev == dev && b->block == block && b->size == size)
            break;
    return b;
}

/* A buffer taken out of the hash after its read failed goes when its last holder
 * lets go. Caller holds `bcache`. */
static void put_failed(struct bbuf *b)
{
    if (--b->refs == 0 && b->unhashed) {
        data_free(b->data, b->pa);
        kfree(b);
    }
}

/* b (held by the caller) once its read is over: `bcache` is dropped while its
 * loader holds `bbuf_load`, and retaken. Caller holds `bcache`. */
static void wait_loaded(struct bbuf *b)
{
    if (!__atomic_load_n(&b->loading, __ATOMIC_ACQUIRE))
        return;
    mutex_unlock(&bcache_lock);
    mutex_lock(&b->load);
    mutex_unlock(&b->load);
    mutex_lock(&bcache_lock);
}

static struct bbuf *get(struct blkdev *dev, uint64_t block, uint32_t size, bool fresh)
{
    if (!bcache_ready || size == 0 || size > PAGE_SIZE)
        return ERR_PTR(-EINVAL);
    mutex_lock(&bcache_lock);
    struct bbuf *b = lookup(dev, block, size);
    if (b) {
        b->refs++;
        wait_loaded(b);                 /* another thread's miss: its read */
        if (b->failed) {
            int err = b->failed;
            put_failed(b);
            mutex_unlock(&bcache_lock);
            return ERR_PTR(err);
        }
        if (fresh) {
            memset(b->data, 0, size);
            b->dirty = true;
        }
        lru_unlink(b);
        lru_push(b);
        mutex_unlock(&bcache_lock);
        return b;
    }
    evict(size);                        /* may stay above the bound if all are held */
    b = kzalloc(sizeof(*b));
    paddr_t pa = 0;
    uint8_t *data = b ? data_alloc(size, &pa) : NULL;
    if (!data) {
        kfree(b);
        mutex_unlock(&bcache_lock);
        return ERR_PTR(-ENOMEM);
    }
    b->pa = pa;
    b->dev = dev;
    b->block = block;
    b->size = size;
    b->data = data;
    b->refs = 1;
    b->dirty = fresh;
    size_t h = slot(dev, block);
    b->hnext = hash[h];
    hash[h] = b;
    lru_push(b);
    bytes += size;
    if (fresh) {                        /* data_alloc's frame is zeroed, kmalloc's not */
        memset(data, 0, size);
        mutex_unlock(&bcache_lock);
        return b;
    }
    /* A miss: the buffer is in the cache, loading, while the disk reads it without
     * `bcache` held; a second getter of the block waits on `bbuf_load`. */
    mutex_init(&b->load, "bbuf_load", 28);
    mutex_lock(&b->load);
    b->loading = true;
    mutex_unlock(&bcache_lock);
    ssize_t r = blk_read(dev, data, size, block * size);
    if (r != (ssize_t)size)
        b->failed = r < 0 ? (int)r : -EIO;
    __atomic_store_n(&b->loading, false, __ATOMIC_RELEASE);
    mutex_unlock(&b->load);
    if (!b->failed)
        return b;
    mutex_lock(&bcache_lock);           /* not cached: out of the hash, gone when let go */
    int err = b->failed;
    struct bbuf **pp = &hash[slot(b->dev, b->block)];
    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
    lru_unlink(b);
    bytes -= b->size;
    b->unhashed = true;
    put_failed(b);
    mutex_unlock(&bcache_lock);
    return ERR_PTR(err);
}

struct bbuf *bcache_get(struct blkdev *dev, uint64_t block, uint32_t size)
{
    return get(dev, block, size, false);
}

struct bbuf *bcache_get_new(struct blkdev *dev, uint64_t block, uint32_t size)
{
    if (block * size >= blk_size_bytes(dev))
        return ERR_PTR(-EIO);
    return get(dev, block, size, true);
}

void bcache_dirty(struct bbuf *b)
{
    mutex_lock(&bcache_lock);
    b->dirty = true;
    mutex_unlock(&bcache_lock);
}

bool bcache_copy_cached(struct blkdev *dev, uint64_t block, uint32_t size, void *dst)
{
    if (!bcache_ready)
        return false;
    mutex_lock(&bcache_lock);
    struct bbuf *b = lookup(dev, block, size);
    /* One being read in is clean: the disk has its bytes. */
    bool have = b && !__atomic_load_n(&b->loading, __ATOMIC_ACQUIRE) && !b->failed;
    if (have)
        memcpy(dst, b->data, size);
    mutex_unlock(&bcache_lock);
    return have;
}

void bcache_overwrite(struct blkdev *dev, uint64_t block, uint32_t size, const void *src)
{
    if (!bcache_ready)
        return;
    mutex_lock(&bcache_lock);
    struct bbuf *b = lookup(dev, block, size);
    if (b) {
        b->refs++;
        wait_loaded(b);                 /* its read must not land after src's bytes */
        if (b->failed) {
            put_failed(b);
        } else if (--b->refs == 0) {
            drop(b);
        } else {
            memcpy(b->data, src, size);
        }
    }
    mutex_unlock(&bcache_lock);
}

#define SYNC_RUN    64  /* buffers per request: 256 KiB of 4 KiB blocks */
#define SYNC_BRIDGE 2   /* cached clean blocks a run takes along to reach the next
                         * dirty one (an inode bitmap between a block bitmap and
                         * the inode table): rewriting them costs less than a
                         * request */

/* Writes v[0..n) (dirty, sorted by block) back, each run of consecutive page-frame
 * buffers in one request. Caller holds `bcache`. 0 or the first error. */
static int write_runs(struct blkdev *dev, struct bbuf **v, size_t n)
{
    int err = 0;
    struct bbuf *run[SYNC_RUN];
    paddr_t pages[SYNC_RUN];
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        run[k++] = v[i++];
        while (i < n && run[0]->pa && v[i]->pa) {
            struct bbuf *last = run[k - 1];
            uint64_t gap = v[i]->block - last->block - 1;   /* sorted: huge if equal */
            if (gap > SYNC_BRIDGE || k + gap + 1 > SYNC_RUN)
                break;
            size_t k0 = k;
            for (uint64_t g = 1; g <= gap && k; g++) {
                struct bbuf *c = lookup(dev, last->block + g, PAGE_SIZE);
                if (c && c->pa && !__atomic_load_n(&c->loading, __ATOMIC_ACQUIRE) && !c->failed)
                    run[k++] = c;
                else
                    k = 0;
            }
            if (!k) {
                k = k0;
                break;
            }
            run[k++] = v[i++];
        }
        int e;
        if (k == 1) {
            e = writeback(run[0]);
        } else {
            for (size_t j = 0; j < k; j++)
                pages[j] = run[j]->pa;
            e = blk_rw_pages(dev, true, run[0]->block * PAGE_SIZE, k, pages);
            for (size_t j = 0; j < k && !e; j++)
                run[j]->dirty = false;
        }
        if (e && !err)
            err = e;
    }
    return err;
}

int bcache_sync(struct blkdev *dev)
{
    if (!bcache_ready)
        return 0;
    int err = 0;
    mutex_lock(&bcache_lock);
    size_t n = 0;
    for (struct bbuf *b = lru.lnext; b != &lru; b = b->lnext)
        n += b->dev == dev && b->dirty;
    struct bbuf **v = n > 1 ? kmalloc(n * sizeof(*v)) : NULL;
    if (v) {
        size_t k = 0;
        for (struct bbuf *b = lru.lnext; b != &lru; b = b->lnext)
            if (b->dev == dev && b->dirty)
                v[k++] = b;
        for (size_t gap = n / 2; gap; gap /= 2)     /* shell sort by block number */
            for (size_t i = gap; i < n; i++)
                for (size_t j = i; j >= gap && v[j - gap]->block > v[j]->block; j -= gap) {
                    struct bbuf *t = v[j];
                    v[j] = v[j - gap];
                    v[j - gap] = t;
                }
        err = write_runs(dev, v, n);
        kfree(v);
    } else {                            /* one buffer, or no memory for the list */
        for (struct bbuf *b = lru.lprev; b != &lru; b = b->lprev) {
            if (b->dev == dev) {
                int e = writeback(b);
                if (e && !err)
                    err = e;
            }
        }
    }
    mutex_unlock(&bcache_lock);
    int f = blk_flush(dev);
    return err ? err : f;
}

void bcache_put(struct bbuf *b)
{
    if (!b)
        return;
    mutex_lock(&bcache_lock);
    b->refs--;
    if (bytes > BCACHE_MAX_BYTES)
        evict(0);
    mutex_unlock(&bcache_lock);
}

void bcache_forget(struct blkdev *dev)
{
    if (!bcache_ready)
        return;
    mutex_lock(&bcache_lock);
    for (struct bbuf *b = lru.lprev; b != &lru;) {
        struct bbuf *prev = b->lprev;
        if (b->dev == dev && b->refs == 0 && writeback(b) == 0)
            drop(b);
        b = prev;
    }
    mutex_unlock(&bcache_lock);
}

size_t bcache_drop_clean(void)
{
    if (!bcache_ready)
        return 0;
    size_t freed = 0;
    mutex_lock(&bcache_lock);
    for (struct bbuf *b = lru.lprev; b != &lru;) {
        struct bbuf *prev = b->lprev;
        if (b->refs == 0 && !b->dirty) {
            freed += b->size;
            drop(b);
        }
        b = prev;
    }
    mutex_unlock(&bcache_lock);
    return freed;
}

size_t bcache_bytes(void)
{
    return bytes;
}
