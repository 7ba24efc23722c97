/* host-test: kernel/drivers/block/bcache.c */
/* The buffer cache over a fake disk: a block is read once while cached, held
 * buffers stay put, the cache stays within its bound by evicting the least
 * recently used unheld buffers, failed reads are not cached, bcache_forget drops
 * a device's buffers; dirty buffers reach the disk on bcache_sync and before
 * eviction, and one whose write fails stays cached and dirty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/mm.h>
#include "check.h"

#define BOUND (4u << 20)                /* BCACHE_MAX_BYTES */

/* Kernel services bcache.c uses, for one thread. */
void mutex_init(struct mutex *m, const char *name, uint16_t rank) { (void)m, (void)name, (void)rank; }
void mutex_lock(struct mutex *m) { (void)m; }
void mutex_unlock(struct mutex *m) { (void)m; }
void *kmalloc(size_t size) { return malloc(size); }
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }
/* 4 KiB buffers are frames: host pages seen through a fake direct map. */
paddr_t pmm_alloc_page(void)
{
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (!p)
        return 0;
    memset(p, 0, PAGE_SIZE);
    return (paddr_t)((uintptr_t)p - DIRECT_MAP_BASE);
}
void pmm_free_page(paddr_t p) { free(phys_to_virt(p)); }

static long reads;
static uint64_t fail_off = UINT64_MAX;

ssize_t blk_read(struct blkdev *b, void *buf, size_t len, uint64_t off)
{
    reads++;
    if (off == fail_off)
        return -EIO;
    uint64_t size = b->sectors * 512;
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)((off + i) / 1024 * 7 + b->minor);
    return (ssize_t)len;
}

static long writes, flushes;
static uint64_t fail_write_off = UINT64_MAX;
static uint8_t last_written;

ssize_t blk_write(struct blkdev *b, const void *buf, size_t len, uint64_t off)
{
    (void)b;
    if (off == fail_write_off)
        return -EIO;
    writes++;
    last_written = ((const uint8_t *)buf)[0];
    return (ssize_t)len;
}

/* Multi-page requests (bcache_sync's runs): counted apart, first bytes kept. */
static long runs, run_pages;
static uint64_t run_off;
static uint8_t run_first[8];

int blk_rw_pages(struct blkdev *b, bool write, uint64_t off, size_t npages,
                 const paddr_t *pages)
{
    (void)b;
    if (!write || off % PAGE_SIZE)
        return -EIO;
    runs++;
    run_pages += (long)npages;
    run_off = off;
    for (size_t i = 0; i < npages && i < 8; i++)
        run_first[i] = *(const uint8_t *)phys_to_virt(pages[i]);
    return 0;
}

int blk_flush(struct blkdev *b)
{
    (void)b;
    flushes++;
    return 0;
}

static struct blkdev disk_a = { .name = "a", .minor = 0, .sectors = 1 << 16 };   /* 32 MiB */
static struct blkdev disk_b = { .name = "b", .minor = 16, .sectors = 1 << 16 };

TEST(a_cached_block_is_read_once_and_holds_its_bytes)
{
    bcache_init();
    long r0 = reads;
    struct bbuf *x = bcache_get(&disk_a, 5, 1024);
    CHECK(!IS_ERR(x));
    struct bbuf *y = bcache_get(&disk_a, 5, 1024);
    CHECK(x == y);
    CHECK_EQ(reads - r0, 1);
    CHECK_EQ(x->data[0], (uint8_t)(5 * 7));
    CHECK_EQ(x->refs, 2);
    struct bbuf *z = bcache_get(&disk_b, 5, 1024);      /* another device: its own */
    CHECK(z != x && z->data[0] == (uint8_t)(5 * 7 + 16));
    struct bbuf *w = bcache_get(&disk_a, 5, 4096);      /* another size: its own */
    CHECK(w != x);
    bcache_put(x); bcache_put(y); bcache_put(z); bcache_put(w);
    bcache_forget(&disk_a);
    bcache_forget(&disk_b);
    CHECK_EQ(bcache_bytes(), 0);
}

TEST(the_cache_stays_bounded_and_evicts_least_recently_used)
{
    bcache_init();
    struct bbuf *hot = bcache_get(&disk_a, 0, 4096);
    bcache_put(hot);
    for (uint64_t blk = 1; blk < 3000; blk++) {         /* 12 MiB through a 4 MiB cache */
        struct bbuf *b = bcache_get(&disk_a, blk, 4096);
        CHECK(!IS_ERR(b));
        bcache_put(b);
        if (blk % 100 == 0) {                           /* keep block 0 recently used */
            struct bbuf *h = bcache_get(&disk_a, 0, 4096);
            bcache_put(h);
        }
        CHECK(bcache_bytes() <= BOUND);
    }
    long r0 = reads;
    struct bbuf *h = bcache_get(&disk_a, 0, 4096);      /* still cached */
    bcache_put(h);
    CHECK_EQ(reads - r0, 0);
    struct bbuf *cold = bcache_get(&disk_a, 1, 4096);   /* long evicted */
    bcache_put(cold);
    CHECK_EQ(reads - r0, 1);
    bcache_forget(&disk_a);
    CHECK_EQ(bcache_bytes(), 0);
}

TEST(held_buffers_are_never_evicted)
{
    bcache_init();
    struct bbuf *held = bcache_get(&disk_a, 7, 4096);
    uint8_t first = held->data[0];
    for (uint64_t blk = 100; blk < 2200; blk++)
        bcache_put(bcache_get(&disk_a, blk, 4096));
    CHECK_EQ(held->data[0], first);                     /* ASan: still allocated */
    long r0 = reads;
    struct bbuf *again = bcache_get(&disk_a, 7, 4096);
    CHECK(again == held && reads == r0);
    bcache_put(again);
    bcache_put(held);
    bcache_forget(&disk_a);
}

TEST(failed_and_short_reads_are_errors_and_not_cached)
{
    bcache_init();
    fail_off = 9 * 1024;
    struct bbuf *b = bcache_get(&disk_a, 9, 1024);
    CHECK(IS_ERR(b) && PTR_ERR(b) == -EIO);
    fail_off = UINT64_MAX;
    b = bcache_get(&disk_a, 9, 1024);                   /* read again, now fine */
    CHECK(!IS_ERR(b));
    bcache_put(b);
    b = bcache_get(&disk_a, (32u << 20) / 1024, 1024);  /* past the end */
    CHECK(IS_ERR(b) && PTR_ERR(b) == -EIO);
    b = bcache_get(&disk_a, 0, 8192);                   /* bigger than a page */
    CHECK(IS_ERR(b) && PTR_ERR(b) == -EINVAL);
    bcache_forget(&disk_a);
    CHECK_EQ(bcache_bytes(), 0);
}

TEST(dirty_buffers_are_written_on_sync_and_before_eviction_never_dropped)
{
    bcache_init();
    struct bbuf *b = bcache_get(&disk_a, 11, 4096);
    b->data[0] = 0xAB;
    bcache_dirty(b);
    bcache_put(b);
    long w0 = writes, f0 = flushes;
    CHECK_EQ(bcache_sync(&disk_a), 0);
    CHECK_EQ(writes - w0, 1);
    CHECK_EQ(last_written, 0xAB);
    CHECK_EQ(flushes - f0, 1);
    CHECK_EQ(bcache_sync(&disk_a), 0);                  /* clean now: nothing more */
    CHECK_EQ(writes - w0, 1);
    long r0 = reads;                                     /* a new block: no read */
    struct bbuf *n = bcache_get_new(&disk_a, 12, 4096);
    CHECK(!IS_ERR(n) && n->data[100] == 0 && n->dirty);
    CHECK_EQ(reads - r0, 0);
    n->data[0] = 0xCD;
    bcache_put(n);
    fail_write_off = 12 * 4096;                          /* its write-back fails */
    w0 = writes;
    for (uint64_t blk = 100; blk < 2200; blk++)
        bcache_put(bcache_get(&disk_a, blk, 4096));
    CHECK_EQ(writes - w0, 0);
    r0 = reads;
    n = bcache_get(&disk_a, 12, 4096);                   /* kept, with its bytes */
    CHECK(n->data[0] == 0xCD && reads == r0 && n->dirty);
    bcache_put(n);
    CHECK_EQ(bcache_sync(&disk_a), -EIO);
    fail_write_off = UINT64_MAX;
    for (uint64_t blk = 3000; blk < 5200; blk++)        /* now evicted: written first */
        bcache_put(bcache_get(&disk_a, blk, 4096));
    CHECK(writes - w0 == 1 && last_written == 0xCD);
    bcache_forget(&disk_a);
    CHECK_EQ(bcache_bytes(), 0);
}

TEST(drop_clean_frees_clean_unheld_buffers_of_every_device_and_keeps_the_rest)
{
    bcache_init();
    bcache_put(bcache_get(&disk_a, 20, 4096));           /* clean, unheld: dropped */
    bcache_put(bcache_get(&disk_b, 21, 1024));           /* another device: too */
    struct bbuf *held = bcache_get(&disk_a, 22, 4096);   /* held: kept */
    struct bbuf *d = bcache_get(&disk_a, 23, 4096);      /* dirty: kept, not written */
    d->data[0] = 0x5A;
    bcache_dirty(d);
    bcache_put(d);
    long w0 = writes;
    CHECK_EQ(bcache_drop_clean(), 4096 + 1024);
    CHECK_EQ(writes - w0, 0);
    CHECK_EQ(bcache_bytes(), 2 * 4096);
    long r0 = reads;
    bcache_put(bcache_get(&disk_a, 20, 4096));           /* gone: read again */
    CHECK_EQ(reads - r0, 1);
    d = bcache_get(&disk_a, 23, 4096);                   /* still cached, still dirty */
    CHECK(reads - r0 == 1 && d->data[0] == 0x5A && d->dirty);
    bcache_put(d);
    bcache_put(held);
    bcache_forget(&disk_a);
    bcache_forget(&disk_b);
    CHECK_EQ(bcache_bytes(), 0);
}

TEST(sync_writes_consecutive_dirty_4k_blocks_in_one_request_and_copies_serve_the_page_cache)
{
    bcache_init();
    for (uint64_t blk = 42; blk >= 40; blk--) {         /* dirtied out of order */
        struct bbuf *b = bcache_get(&disk_a, blk, 4096);
        b->data[0] = (uint8_t)blk;
        bcache_dirty(b);
        bcache_put(b);
    }
    struct bbuf *lone = bcache_get(&disk_a, 50, 4096);
    lone->data[0] = 0x50;
    bcache_dirty(lone);
    bcache_put(lone);
    long w0 = writes, r0 = runs, p0 = run_pages;
    CHECK_EQ(bcache_sync(&disk_a), 0);
    CHECK_EQ(runs - r0, 1);                              /* 40-42 together */
    CHECK_EQ(run_pages - p0, 3);
    CHECK_EQ(run_off, 40 * 4096);
    CHECK(run_first[0] == 40 && run_first[1] == 41 && run_first[2] == 42);
    CHECK(writes - w0 == 1 && last_written == 0x50);    /* 50 alone */
    uint8_t page[4096];
    CHECK(bcache_copy_cached(&disk_a, 41, 4096, page) && page[0] == 41);
    CHECK(!bcache_copy_cached(&disk_a, 43, 4096, page));
    page[0] = 0x77;                                      /* written past the cache: */
    bcache_overwrite(&disk_a, 41, 4096, page);           /* its copy goes */
    CHECK(!bcache_copy_cached(&disk_a, 41, 4096, page));
    struct bbuf *h = bcache_get(&disk_a, 42, 4096);      /* a held one takes the bytes */
    bcache_overwrite(&disk_a, 42, 4096, page);
    CHECK_EQ(h->data[0], 0x77);
    bcache_put(h);
    for (uint64_t blk = 60; blk <= 66; blk++)           /* 61, 63-64 clean, 65 absent */
        if (blk != 65)
            bcache_put(bcache_get(&disk_a, blk, 4096));
    uint64_t dirty[] = { 60, 62, 66 };
    for (size_t i = 0; i < 3; i++) {
        struct bbuf *b = bcache_get(&disk_a, dirty[i], 4096);
        b->data[0] = (uint8_t)dirty[i];
        bcache_dirty(b);
        bcache_put(b);
    }
    w0 = writes, r0 = runs, p0 = run_pages;
    CHECK_EQ(bcache_sync(&disk_a), 0);
    CHECK_EQ(runs - r0, 1);                              /* 60-62, 61 taken along */
    CHECK(run_pages - p0 == 3 && run_off == 60 * 4096 && run_first[2] == 62);
    CHECK(writes - w0 == 1 && last_written == 66);      /* 65 not cached: 66 alone */
    bcache_forget(&disk_a);
    CHECK_EQ(bcache_bytes(), 0);
}
