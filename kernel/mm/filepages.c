/* File pages (<osc/filepages.h>): a growable array of frames per file, shared by
 * read/write and by MAP_SHARED mappings. Invariant: a frame exists only for pages
 * below the end of file; bytes of the last page past the end may hold stores made
 * through a mapping, so every size increase zeroes what it newly exposes. */

#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/sched.h>

#define FILEPAGES_MAX_SIZE (1ull << 36)         /* 64 GiB: bounds the frame array */
#define RANK_FILEPAGES 30                       /* docs/locking.md */

struct filepages {
    int refs;                   /* atomic */
    /* Rank 30 (docs/locking.md): frames, nframes and size. Taken inside `vfs`
     * (read/write/truncate) and inside `mm_space` (page faults); takes heap, pmm. */
    struct mutex lock;
    paddr_t *frames;            /* 0: a hole */
    size_t nframes;             /* slots in frames */
    uint64_t size;              /* bytes */
    int writable_maps;          /* atomic: VMA_MAYWRITE mappings */
};

struct filepages *filepages_create(void)
{
    struct filepages *fp = kzalloc(sizeof(*fp));
    if (!fp)
        return NULL;
    fp->refs = 1;
    mutex_init(&fp->lock, "filepages", RANK_FILEPAGES);
    return fp;
}

void filepages_get(struct filepages *fp)
{
    __atomic_fetch_add(&fp->refs, 1, __ATOMIC_RELAXED);
}

/* Drops the store's reference on frames [from, nframes). Caller holds the lock. */
static void drop_frames(struct filepages *fp, size_t from)
{
    for (size_t i = from; i < fp->nframes; i++) {
        if (fp->frames[i])
            page_ref_put(fp->frames[i]);
        fp->frames[i] = 0;
    }
}

void filepages_put(struct filepages *fp)
{
    if (!fp || __atomic_sub_fetch(&fp->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    drop_frames(fp, 0);
    kfree(fp->frames);
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
    if (!a)
        return -ENOMEM;
    if (fp->nframes)
        memcpy(a, fp->frames, fp->nframes * sizeof(*a));
    kfree(fp->frames);
    fp->frames = a;
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

int filepages_populate(struct filepages *fp, paddr_t *out, size_t n)
{
    int err = 0;
    mutex_lock(&fp->lock);
    if (n > pages_for(fp->size)) {
        err = -EINVAL;
    } else {
        for (size_t pg = 0; pg < n && !err; pg++) {
            out[pg] = frame_at(fp, pg, true);
            if (!out[pg])
                err = -ENOMEM;
        }
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

size_t filepages_read(struct filepages *fp, void *buf, size_t n, uint64_t off)
{
    mutex_lock(&fp->lock);
    uint64_t avail = off < fp->size ? fp->size - off : 0;
    n = (size_t)MIN((uint64_t)n, avail);
    for (size_t done = 0; done < n;) {
        uint64_t pos = off + done;
        size_t pg = (size_t)(pos / PAGE_SIZE), in = (size_t)(pos % PAGE_SIZE);
        size_t chunk = MIN(n - done, PAGE_SIZE - in);
        paddr_t pa = frame_at(fp, pg, false);
        if (pa)
            memcpy((uint8_t *)buf + done, (uint8_t *)phys_to_virt(pa) + in, chunk);
        else
            memset((uint8_t *)buf + done, 0, chunk);
        done += chunk;
    }
    mutex_unlock(&fp->lock);
    return n;
}

ssize_t filepages_write(struct filepages *fp, const void *buf, size_t n, uint64_t off)
{
    if (n == 0)
        return 0;
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
    int err = 0;
    *copied = false;
    mutex_lock(&fp->lock);
    if (pg >= pages_for(fp->size)) {
        err = -EIO;
    } else {
        paddr_t pa = frame_at(fp, (size_t)pg, true);
        if (!pa) {
            err = -ENOMEM;
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
            *out = pa;
        }
    }
    mutex_unlock(&fp->lock);
    return err;
}
