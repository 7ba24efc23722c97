/* File pages (<osc/filepages.h>): a growable array of frames per file, shared by
 * read/write and by MAP_SHARED mappings. Invariant: a frame exists only for pages
 * below the end of file; bytes of the last page past the end may hold stores made
 * through a mapping, so every size increase zeroes what it newly exposes. A store
 * with a backing (a disk file's page cache) reads a missing page from its disk,
 * keeps dirty flags per page and gives clean pages nobody maps back under memory
 * pressure (filepages_reclaim, from the page allocator). */

#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/spinlock.h>

#define FILEPAGES_MAX_SIZE (1ull << 36)         /* 64 GiB: bounds the frame array */
#define RANK_FILEPAGES 30                       /* docs/locking.md */

#define LOW_FREE_DIVISOR 32     /* below 1/32 of RAM free, a cache fill reclaims first */
#define RECLAIM_AHEAD    64     /* pages */
#define DIRTY_DIVISOR    5      /* a writer writes its file back above 1/5 of RAM dirty */

#define RA_FIRST 8       /* pages a sequential miss reads at first (32 KiB) */
#define RA_MAX   64      /* the window doubles up to 256 KiB */

#define PG_DIRTY  1u    /* newer than the disk (write(), truncate's zeroed tail) */
#define PG_MAPW   2u    /* in a writable shared mapping: may be stored to any time */

struct filepages {
    int refs;                   /* atomic */
    /* Rank 30 (docs/locking.md): frames, flags, nframes, size and gen. Taken inside
     * `vfs` (read/write/truncate), `mm_space` (page faults) and `ext2` (write-back);
     * takes heap, pmm. Never held across a backing's readpage (which takes `ext2`). */
    struct mutex lock;
    paddr_t *frames;            /* 0: a hole (a backed store: not cached) */
    uint8_t *flags;             /* PG_* per page (backed stores) */
    size_t nframes;             /* slots in frames and flags */
    uint64_t size;              /* bytes */
    int writable_maps;          /* atomic: VMA_MAYWRITE mappings */
    const struct filepages_backing *backing;    /* NULL: memory only (tmpfs) */
    void *ctx;
    uint64_t gen;               /* bumped whenever a frame leaves: a racing fill retries */
    int users;                  /* calls into the backing in flight (detach waits) */
    bool pinned;                /* detaching: reclaim must not take frames any more */
    size_t ra_next, ra_win;     /* readahead: where the next sequential miss falls, and
                                 * the window it gets (pages) */
    struct filepages *lnext, *lprev;    /* backed stores: the reclaim list */
};

/* Rank 82 (`pagecache_list`, docs/locking.md): the list of backed stores and the
 * cursor reclaim resumes from; a leaf (reclaim only trylocks stores' locks after
 * taking a reference and dropping it). */
static spinlock_t list_lock = SPINLOCK_INIT("pagecache_list", 82);
static struct filepages list_head = { .lnext = &list_head, .lprev = &list_head };
static uint64_t cached_pages, dirty_pages;      /* atomic: /proc/meminfo */

static void count_dirty(struct filepages *fp, size_t pg, uint8_t set, uint8_t clear)
{
    uint8_t old = fp->flags[pg], now = (uint8_t)((old | set) & ~clear);
    fp->flags[pg] = now;
    if (!old != !now)
        __atomic_add_fetch(&dirty_pages, now ? 1 : (uint64_t)-1, __ATOMIC_RELAXED);
}

bool filepages_too_dirty(void)
{
    return __atomic_load_n(&dirty_pages, __ATOMIC_RELAXED) >
           pmm_total_count() / DIRTY_DIVISOR;
}

void filepages_stats(uint64_t *cached, uint64_t *dirty)
{
    *cached = __atomic_load_n(&cached_pages, __ATOMIC_RELAXED);
    *dirty = __atomic_load_n(&dirty_pages, __ATOMIC_RELAXED);
}

struct filepages *filepages_create(void)
{
    struct filepages *fp = kzalloc(sizeof(*fp));
    if (!fp)
        return NULL;
    fp->refs = 1;
    mutex_init(&fp->lock, "filepages", RANK_FILEPAGES);
    return fp;
}

struct filepages *filepages_create_backed(const struct filepages_backing *b, void *ctx,
                                          uint64_t size)
{
    if (page_ref_init())                /* reclaim tells mapped frames by their refs */
        return NULL;
    struct filepages *fp = filepages_create();
    if (!fp)
        return NULL;
    fp->backing = b;
    fp->ctx = ctx;
    fp->size = size;
    unsigned long f = spin_lock_irqsave(&list_lock);
    fp->lnext = &list_head;
    fp->lprev = list_head.lprev;
    list_head.lprev->lnext = fp;
    list_head.lprev = fp;
    spin_unlock_irqrestore(&list_lock, f);
    return fp;
}

void filepages_get(struct filepages *fp)
{
    __atomic_fetch_add(&fp->refs, 1, __ATOMIC_RELAXED);
}

int filepages_refs(struct filepages *fp)
{
    return __atomic_load_n(&fp->refs, __ATOMIC_ACQUIRE);
}

/* A reference unless the store is already on its way out (reclaim's list walk). */
static bool get_unless_zero(struct filepages *fp)
{
    int r = __atomic_load_n(&fp->refs, __ATOMIC_RELAXED);
    while (r > 0)
        if (__atomic_compare_exchange_n(&fp->refs, &r, r + 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

static void unlink_store(struct filepages *fp)
{
    /* Only detach and the last put take a store off (never at once); reclaim's
     * rotation keeps it on: a NULL read here is final (a memory store never was on). */
    if (!__atomic_load_n(&fp->lnext, __ATOMIC_RELAXED))
        return;
    unsigned long f = spin_lock_irqsave(&list_lock);
    if (fp->lnext) {
        fp->lnext->lprev = fp->lprev;
        fp->lprev->lnext = fp->lnext;
        fp->lnext = fp->lprev = NULL;
    }
    spin_unlock_irqrestore(&list_lock, f);
}

/* Frame pg leaves the store (its reference dropped). Caller holds the lock. */
static void drop_frame(struct filepages *fp, size_t pg)
{
    if (!fp->frames[pg])
        return;
    if (fp->flags) {
        count_dirty(fp, pg, 0, 0xff);
        __atomic_sub_fetch(&cached_pages, 1, __ATOMIC_RELAXED);
    }
    page_ref_put(fp->frames[pg]);
    fp->frames[pg] = 0;
    fp->gen++;
}

/* Drops the store's reference on frames [from, nframes). Caller holds the lock. */
static void drop_frames(struct filepages *fp, size_t from)
{
    for (size_t i = from; i < fp->nframes; i++)
        drop_frame(fp, i);
}

void filepages_put(struct filepages *fp)
{
    if (!fp || __atomic_sub_fetch(&fp->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    unlink_store(fp);
    drop_frames(fp, 0);
    kfree(fp->frames);
    kfree(fp->flags);
    kfree(fp);
}

uint64_t filepages_size(struct filepages *fp)
{
    mutex_lock(&fp->lock);
    uint64_t s = fp->size;
    mutex_unlock(&fp->lock);
    return s;
}

uint64_t filepages_frames(struct filepages *fp)
{
    mutex_lock(&fp->lock);
    uint64_t n = 0;
    for (size_t i = 0; i < fp->nframes; i++)
        n += fp->frames[i] != 0;
    mutex_unlock(&fp->lock);
    return n;
}

void filepages_writable_maps_add(struct filepages *fp, int delta)
{
    __atomic_add_fetch(&fp->writable_maps, delta, __ATOMIC_ACQ_REL);
}

int filepages_writable_maps(struct filepages *fp)
{
    return __atomic_load_n(&fp->writable_maps, __ATOMIC_ACQUIRE);
}

static size_t pages_for(uint64_t bytes)
{
    return (size_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

static int grow_array(struct filepages *fp, size_t n)
{
    if (n <= fp->nframes)
        return 0;
    size_t cap = MAX(n, fp->nframes * 2);
    paddr_t *a = kzalloc(cap * sizeof(*a));
    uint8_t *fl = fp->backing ? kzalloc(cap) : NULL;
    if (!a || (fp->backing && !fl)) {
        kfree(a);
        kfree(fl);
        return -ENOMEM;
    }
    if (fp->nframes) {
        memcpy(a, fp->frames, fp->nframes * sizeof(*a));
        if (fl)
            memcpy(fl, fp->flags, fp->nframes);
    }
    kfree(fp->frames);
    kfree(fp->flags);
    fp->frames = a;
    fp->flags = fl;
    fp->nframes = cap;
    return 0;
}

/* The frame of page pg, allocated (zeroed) when alloc; 0 for a hole or on OOM. */
static paddr_t frame_at(struct filepages *fp, size_t pg, bool alloc)
{
    if (pg < fp->nframes && fp->frames[pg])
        return fp->frames[pg];
    if (!alloc || grow_array(fp, pg + 1))
        return 0;
    fp->frames[pg] = pmm_alloc_page();
    return fp->frames[pg];
}

/* How many pages from pg a miss there reads in one go (caller holds the lock): a
 * miss at the start of the file or where the last read ended is sequential and
 * gets RA_FIRST pages, then double the last window up to RA_MAX; any other miss
 * gets just its page, so random reads cost what they did. Cut at the size and at
 * the first page already cached. */
static size_t ra_window(struct filepages *fp, size_t pg, bool any_pg)
{
    size_t end = pages_for(fp->size);
    if (!fp->backing->readpages || any_pg || pg >= end)
        return 1;
    size_t win = 1;
    if (pg == 0 || pg == fp->ra_next)
        win = pg && fp->ra_win >= RA_FIRST ? MIN(fp->ra_win * 2, (size_t)RA_MAX) : RA_FIRST;
    size_t n = 1;
    while (n < win && pg + n < end && !(pg + n < fp->nframes && fp->frames[pg + n]))
        n++;
    fp->ra_win = win;
    fp->ra_next = pg + n;
    return n;
}

/* The frame of page pg (below the size unless any_pg), read from the backing on a
 * miss together with the readahead window after it (ra_window): the lock is
 * dropped for the read and retaken, and a fill that raced with a frame leaving
 * (truncate, reclaim) starts over; pages another fill got first keep theirs.
 * Caller holds the lock. 0, -EIO (past the end; the disk's errors), -ENOMEM. */
static int fill_locked(struct filepages *fp, size_t pg, bool any_pg, paddr_t *out)
{
    for (;;) {
        if (!any_pg && pg >= pages_for(fp->size))
            return -EIO;
        paddr_t pa = pg < fp->nframes ? fp->frames[pg] : 0;
        if (pa) {
            *out = pa;
            return 0;
        }
        /* A memory store, or a page wholly past the end of a disk file (a write
         * about to extend it): nothing to read, zeros. */
        if (!fp->backing || (pg >= pages_for(fp->size) &&
                             pmm_free_count() >= pmm_total_count() / LOW_FREE_DIVISOR)) {
            if ((*out = frame_at(fp, pg, true)) != 0 && fp->backing) {
                fp->flags[pg] = 0;
                __atomic_add_fetch(&cached_pages, 1, __ATOMIC_RELAXED);
            }
            return *out ? 0 : -ENOMEM;
        }
        const struct filepages_backing *b = fp->backing;
        void *ctx = fp->ctx;
        uint64_t gen = fp->gen;
        size_t n = ra_window(fp, pg, any_pg);
        paddr_t one, *frames = n > 1 ? kmalloc(n * sizeof(*frames)) : &one;
        if (!frames) {
            frames = &one;
            n = 1;
        }
        fp->users++;
        mutex_unlock(&fp->lock);
        /* Keep some frames free for allocations that cannot reclaim (interrupt
         * handlers, the heap under its spinlock): the cache gives back first. */
        if (pmm_free_count() < pmm_total_count() / LOW_FREE_DIVISOR)
            filepages_reclaim(RECLAIM_AHEAD + n);
        size_t got = 0;
        while (got < n && (frames[got] = pmm_alloc_page()) != 0)
            got++;
        int err = !got ? -ENOMEM
                  : b->readpages ? b->readpages(ctx, pg, got, frames)
                                 : b->readpage(ctx, pg, phys_to_virt(frames[0]));
        mutex_lock(&fp->lock);
        fp->users--;
        if (!err)
            err = grow_array(fp, pg + got);
        bool keep = !err && fp->gen == gen && fp->backing == b;
        for (size_t i = 0; i < got; i++) {
            if (keep && !fp->frames[pg + i]) {
                fp->frames[pg + i] = frames[i];
                fp->flags[pg + i] = 0;
                __atomic_add_fetch(&cached_pages, 1, __ATOMIC_RELAXED);
            } else {
                pmm_free_page(frames[i]);
            }
        }
        if (frames != &one)
            kfree(frames);
        if (err)
            return err;
    }
}

int filepages_populate(struct filepages *fp, paddr_t *out, size_t n)
{
    int err = 0;
    mutex_lock(&fp->lock);
    if (n > pages_for(fp->size)) {
        err = -EINVAL;
    } else {
        for (size_t pg = 0; pg < n && !err; pg++)
            err = fill_locked(fp, pg, false, &out[pg]);
    }
    mutex_unlock(&fp->lock);
    return err;
}

/* Zeroes [from, to) where frames exist (bytes past the old end becoming visible). */
static void zero_range(struct filepages *fp, uint64_t from, uint64_t to)
{
    while (from < to) {
        size_t pg = (size_t)(from / PAGE_SIZE), in = (size_t)(from % PAGE_SIZE);
        size_t chunk = (size_t)MIN(to - from, (uint64_t)(PAGE_SIZE - in));
        paddr_t pa = frame_at(fp, pg, false);
        if (pa)
            memset((uint8_t *)phys_to_virt(pa) + in, 0, chunk);
        from += chunk;
    }
}

ssize_t filepages_read(struct filepages *fp, void *buf, size_t n, uint64_t off)
{
    mutex_lock(&fp->lock);
    uint64_t avail = off < fp->size ? fp->size - off : 0;
    n = (size_t)MIN((uint64_t)n, avail);
    size_t done = 0;
    int err = 0;
    while (done < n) {
        uint64_t pos = off + done;
        size_t pg = (size_t)(pos / PAGE_SIZE), in = (size_t)(pos % PAGE_SIZE);
        size_t chunk = MIN(n - done, PAGE_SIZE - in);
        paddr_t pa = 0;
        if (fp->backing && (err = fill_locked(fp, pg, false, &pa)) != 0)
            break;
        if (!fp->backing)
            pa = frame_at(fp, pg, false);
        if (pa)
            memcpy((uint8_t *)buf + done, (uint8_t *)phys_to_virt(pa) + in, chunk);
        else
            memset((uint8_t *)buf + done, 0, chunk);
        done += chunk;
    }
    mutex_unlock(&fp->lock);
    return done || !err ? (ssize_t)done : err;
}

ssize_t filepages_write(struct filepages *fp, const void *buf, size_t n, uint64_t off)
{
    if (n == 0)
        return 0;
    if (fp->backing)
        return -EINVAL;         /* a disk file writes through filepages_get_page */
    if (off >= FILEPAGES_MAX_SIZE || n > FILEPAGES_MAX_SIZE - off)
        return -EFBIG;
    mutex_lock(&fp->lock);
    /* A gap between the old end and off becomes part of the file: zeroes. */
    if (off > fp->size)
        zero_range(fp, fp->size, MIN(off, (uint64_t)pages_for(fp->size) * PAGE_SIZE));
    size_t done = 0;
    while (done < n) {
        uint64_t pos = off + done;
        size_t pg = (size_t)(pos / PAGE_SIZE), in = (size_t)(pos % PAGE_SIZE);
        size_t chunk = MIN(n - done, PAGE_SIZE - in);
        paddr_t pa = frame_at(fp, pg, true);
        if (!pa)
            break;
        memcpy((uint8_t *)phys_to_virt(pa) + in, (const uint8_t *)buf + done, chunk);
        done += chunk;
    }
    if (done && off + done > fp->size)
        fp->size = off + done;
    mutex_unlock(&fp->lock);
    return done ? (ssize_t)done : -ENOSPC;
}

int filepages_truncate(struct filepages *fp, uint64_t size)
{
    if (size > FILEPAGES_MAX_SIZE)
        return -EFBIG;
    mutex_lock(&fp->lock);
    if (size < fp->size) {
        drop_frames(fp, pages_for(size));
        zero_range(fp, size, (uint64_t)pages_for(size) * PAGE_SIZE);
    } else {
        zero_range(fp, fp->size, MIN(size, (uint64_t)pages_for(fp->size) * PAGE_SIZE));
    }
    fp->size = size;
    mutex_unlock(&fp->lock);
    return 0;
}

int filepages_get_page(struct filepages *fp, uint64_t pg, bool any_pg, paddr_t *out)
{
    mutex_lock(&fp->lock);
    int err = pg < FILEPAGES_MAX_SIZE / PAGE_SIZE ? fill_locked(fp, (size_t)pg, any_pg, out)
                                                 : -EFBIG;
    if (!err)
        page_ref_get(*out);
    mutex_unlock(&fp->lock);
    return err;
}

void filepages_mark_dirty(struct filepages *fp, uint64_t pg, paddr_t pa)
{
    mutex_lock(&fp->lock);
    if (fp->flags && pg < fp->nframes && fp->frames[pg] == pa)
        count_dirty(fp, (size_t)pg, PG_DIRTY, 0);
    mutex_unlock(&fp->lock);
}

int filepages_wb_next(struct filepages *fp, uint64_t *pg, paddr_t *pa, uint64_t *size)
{
    int err = -ENOENT;
    mutex_lock(&fp->lock);
    for (size_t i = (size_t)*pg; fp->flags && i < fp->nframes; i++) {
        paddr_t f = fp->frames[i];
        if (!f || !(fp->flags[i] & (PG_DIRTY | PG_MAPW)))
            continue;
        /* A page no mapping holds any more cannot be stored to again until a
         * fault maps it (which marks it anew): after this write it is clean. */
        count_dirty(fp, i, 0, PG_DIRTY | (page_ref_shared(f) ? 0 : PG_MAPW));
        page_ref_get(f);
        *pg = i;
        *pa = f;
        *size = fp->size;
        err = 0;
        break;
    }
    mutex_unlock(&fp->lock);
    return err;
}

void filepages_wb_done(struct filepages *fp, uint64_t pg, paddr_t pa, int err)
{
    if (err)
        filepages_mark_dirty(fp, pg, pa);
    page_ref_put(pa);
}

int filepages_sync(struct filepages *fp)
{
    mutex_lock(&fp->lock);
    const struct filepages_backing *b = fp->backing;
    void *ctx = fp->ctx;
    if (!b || !b->sync) {
        mutex_unlock(&fp->lock);
        return 0;
    }
    fp->users++;
    mutex_unlock(&fp->lock);
    int err = b->sync(ctx);
    mutex_lock(&fp->lock);
    fp->users--;
    mutex_unlock(&fp->lock);
    return err;
}

bool filepages_has_dirty(struct filepages *fp)
{
    bool any = false;
    mutex_lock(&fp->lock);
    for (size_t i = 0; fp->flags && i < fp->nframes && !any; i++)
        any = fp->frames[i] && (fp->flags[i] & (PG_DIRTY | PG_MAPW));
    mutex_unlock(&fp->lock);
    return any;
}

int filepages_detach(struct filepages *fp)
{
    int err = 0;
    mutex_lock(&fp->lock);
    if (fp->backing && filepages_refs(fp) > 1) {
        /* Still mapped: the mappings keep the data, so all of it comes in first.
         * Frames only leave through truncate (the file is going: none) and reclaim,
         * which skips a pinned store. */
        fp->pinned = true;
        unlink_store(fp);
        for (size_t pg = 0; pg < pages_for(fp->size) && !err; pg++) {
            paddr_t pa;
            err = fill_locked(fp, pg, false, &pa);
        }
    }
    if (fp->flags)
        for (size_t i = 0; i < fp->nframes; i++)
            if (fp->frames[i]) {
                count_dirty(fp, i, 0, 0xff);
                __atomic_sub_fetch(&cached_pages, 1, __ATOMIC_RELAXED);
            }
    fp->backing = NULL;                 /* a memory store from now on */
    kfree(fp->flags);
    fp->flags = NULL;
    while (fp->users) {                 /* a fault's read or an msync still in the file */
        mutex_unlock(&fp->lock);
        thread_sleep_ns(1000000);
        mutex_lock(&fp->lock);
    }
    mutex_unlock(&fp->lock);
    unlink_store(fp);
    return err;
}

/* Gives back the clean frames of fp that nothing but the store holds, up to want;
 * skips a store whose lock is taken (the caller may hold it: an allocation under
 * it). The count freed. */
static size_t evict_store(struct filepages *fp, size_t want)
{
    size_t freed = 0;
    if (!mutex_trylock(&fp->lock))
        return 0;
    for (size_t i = 0; fp->backing && !fp->pinned && i < fp->nframes && freed < want; i++) {
        paddr_t f = fp->frames[i];
        if (f && !fp->flags[i] && !page_ref_shared(f)) {
            drop_frame(fp, i);
            freed++;
        }
    }
    mutex_unlock(&fp->lock);
    return freed;
}

#define RECLAIM_BATCH 16

size_t filepages_reclaim(size_t want)
{
    /* Interrupts off: an interrupt handler or a spinlock holder (every spinlock
     * disables them), which may not take a store's mutex. */
    if (!irq_enabled())
        return 0;
    size_t freed = 0;
    for (int round = 0; round < 64 && freed < want; round++) {
        struct filepages *batch[RECLAIM_BATCH];
        size_t n = 0;
        unsigned long f = spin_lock_irqsave(&list_lock);
        for (struct filepages *fp = list_head.lnext; fp != &list_head && n < RECLAIM_BATCH;
             fp = fp->lnext)
            if (get_unless_zero(fp))
                batch[n++] = fp;
        /* The stores looked at go to the tail: the next call starts elsewhere. */
        for (size_t i = 0; i < n; i++) {
            struct filepages *fp = batch[i];
            if (fp->lnext) {
                fp->lnext->lprev = fp->lprev;
                fp->lprev->lnext = fp->lnext;
                fp->lnext = &list_head;
                fp->lprev = list_head.lprev;
                list_head.lprev->lnext = fp;
                list_head.lprev = fp;
            }
        }
        spin_unlock_irqrestore(&list_lock, f);
        if (n == 0)
            break;
        size_t got = 0;
        for (size_t i = 0; i < n; i++) {
            if (freed + got < want)
                got += evict_store(batch[i], want - freed - got);
            filepages_put(batch[i]);
        }
        freed += got;
        if (got == 0 && n < RECLAIM_BATCH)
            break;
    }
    return freed;
}

size_t filepages_reclaim_all(void)
{
    size_t total = 0, got;
    while ((got = filepages_reclaim(1024)) > 0)
        total += got;
    return total;
}

/* True when the bytes of page pg past the end of file are all zero (or pg is not the
 * last, partial page). Caller holds the lock; pa is pg's frame. */
static bool tail_clean(struct filepages *fp, size_t pg, paddr_t pa)
{
    uint64_t valid = fp->size - (uint64_t)pg * PAGE_SIZE;
    if (valid >= PAGE_SIZE)
        return true;
    const uint8_t *b = phys_to_virt(pa);
    for (size_t i = (size_t)valid; i < PAGE_SIZE; i++)
        if (b[i])
            return false;
    return true;
}

int filepages_map(struct filepages *fp, uint64_t pg, bool priv, paddr_t *out, bool *copied)
{
    return filepages_map_w(fp, pg, priv, false, out, copied);
}

int filepages_map_w(struct filepages *fp, uint64_t pg, bool priv, bool mapw, paddr_t *out,
                    bool *copied)
{
    int err = 0;
    *copied = false;
    mutex_lock(&fp->lock);
    paddr_t pa = 0;
    if (pg >= pages_for(fp->size)) {
        err = -EIO;
    } else if ((err = fill_locked(fp, (size_t)pg, false, &pa)) != 0) {
        ;
    } else if (priv && !tail_clean(fp, (size_t)pg, pa)) {
        /* Stores past EOF through a shared mapping: the private view gets
         * its own copy with zeroes there (ld.so relies on a zero .bss tail). */
        paddr_t cp = pmm_alloc_page();      /* zeroed */
        if (cp) {
            memcpy(phys_to_virt(cp), phys_to_virt(pa),
                   (size_t)(fp->size - pg * PAGE_SIZE));
            *out = cp;
            *copied = true;
        } else {
            err = -ENOMEM;
        }
    } else {
        page_ref_get(pa);   /* under the lock: truncate cannot free it first */
        if (mapw && !priv && fp->flags)
            count_dirty(fp, (size_t)pg, PG_MAPW, 0);
        *out = pa;
    }
    mutex_unlock(&fp->lock);
    return err;
}
