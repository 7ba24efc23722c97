/* Block layer core: the registry of disks and partitions (filled by driver probes
 * during boot, read-only afterwards, so readers take no lock) and byte-granular
 * I/O over the drivers' sector transfers, in chunks of up to max_sectors through
 * bounce pages. Writes that start or end inside a sector read it first, under the
 * disk's blk_rmw mutex so two such writes cannot undo each other's bytes. */

#define LOG_TAG "block"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/vfs.h>

#define BLK_CHUNK_PAGES 16              /* at most 64 KiB a request */
#define BLK_PAGE_SECTORS (PAGE_SIZE / BLK_SECTOR_SIZE)

static struct blkdev *devs[BLK_MAX_DEVS];   /* written at boot only */
static size_t ndevs;

size_t blk_count(void) { return ndevs; }
struct blkdev *blk_at(size_t i) { return i < ndevs ? devs[i] : NULL; }

struct blkdev *blk_find(uint32_t rdev)
{
    for (size_t i = 0; i < ndevs; i++)
        if (VFS_MKDEV(devs[i]->major, devs[i]->minor) == rdev)
            return devs[i];
    return NULL;
}

int blk_alloc_disk_index(uint32_t major)
{
    int idx = 0;
    for (size_t i = 0; i < ndevs; i++)
        if (devs[i]->major == major && devs[i]->partno == 0)
            idx++;
    return idx;
}

/* One transfer of whole sectors [sector, sector+count) of b's disk, data in pages. */
static int xfer(struct blkdev *b, bool write, uint64_t sector, uint32_t count,
                const paddr_t *pages)
{
    struct blkdev *disk = b->disk;
    return disk->ops->rw(disk, write, b->start + sector, count, pages);
}

/* Copies between a flat buffer and the bounce pages at byte offset off. */
static void copy_pages(paddr_t *pages, size_t off, void *buf, size_t len, bool to_pages)
{
    uint8_t *p = buf;
    while (len) {
        size_t in = off % PAGE_SIZE, n = MIN(len, PAGE_SIZE - in);
        uint8_t *page = (uint8_t *)phys_to_virt(pages[off / PAGE_SIZE]) + in;
        if (to_pages)
            memcpy(page, p, n);
        else
            memcpy(p, page, n);
        p += n;
        off += n;
        len -= n;
    }
}

static void free_pages(paddr_t *pages, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pages[i])
            pmm_free_page(pages[i]);
}

static int alloc_pages(paddr_t *pages, size_t n)
{
    memset(pages, 0, n * sizeof(*pages));
    for (size_t i = 0; i < n; i++) {
        if (!(pages[i] = pmm_alloc_page())) {
            free_pages(pages, i);
            return -ENOMEM;
        }
    }
    return 0;
}

/* One chunk: bytes [off, off+len) inside one transfer of at most max_sectors. */
static int rw_chunk(struct blkdev *b, bool write, uint8_t *buf, size_t len, uint64_t off,
                    paddr_t *pages)
{
    uint64_t first = off >> BLK_SECTOR_SHIFT;
    uint64_t end = (off + len + BLK_SECTOR_SIZE - 1) >> BLK_SECTOR_SHIFT;
    uint32_t count = (uint32_t)(end - first);
    size_t skip = off - (first << BLK_SECTOR_SHIFT);
    int err;
    if (!write) {
        err = xfer(b, false, first, count, pages);
        if (!err)
            copy_pages(pages, skip, buf, len, false);
        return err;
    }
    /* A partial first or last sector: its other bytes come from the disk. */
    bool head = skip != 0, tail = ((off + len) & (BLK_SECTOR_SIZE - 1)) != 0;
    if (head) {
        if ((err = xfer(b, false, first, 1, pages)))
            return err;
    }
    if (tail && (!head || count > 1)) {
        size_t last = count - 1;
        paddr_t p = pages[last / BLK_PAGE_SECTORS];
        uint8_t *dst = (uint8_t *)phys_to_virt(p) + (last % BLK_PAGE_SECTORS) * BLK_SECTOR_SIZE;
        paddr_t one = pmm_alloc_page();
        if (!one)
            return -ENOMEM;
        err = xfer(b, false, first + last, 1, &one);
        if (!err)
            memcpy(dst, phys_to_virt(one), BLK_SECTOR_SIZE);
        pmm_free_page(one);
        if (err)
            return err;
    }
    copy_pages(pages, skip, buf, len, true);
    return xfer(b, true, first, count, pages);
}

static ssize_t blk_rw(struct blkdev *b, bool write, uint8_t *buf, size_t len, uint64_t off)
{
    uint64_t size = blk_size_bytes(b);
    if (write && (b->ro || b->disk->ro))
        return -EPERM;
    if (off >= size)
        return write && len ? -ENOSPC : 0;
    if (len > size - off)
        len = (size_t)(size - off);
    if (len == 0)
        return 0;
    struct blkdev *disk = b->disk;
    uint32_t max_sectors = MIN(disk->max_sectors, BLK_CHUNK_PAGES * BLK_PAGE_SECTORS);
    paddr_t pages[BLK_CHUNK_PAGES];
    /* Bounce pages for the largest chunk this call makes, not more: a 4 KiB read
     * (what the syscall layer passes) needs one or two. */
    uint64_t span = ((off + len + BLK_SECTOR_SIZE - 1) >> BLK_SECTOR_SHIFT) - (off >> BLK_SECTOR_SHIFT);
    size_t npages = (MIN(span, (uint64_t)max_sectors) * BLK_SECTOR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
    int err = alloc_pages(pages, npages);
    if (err)
        return err;
    bool unaligned = ((off | len) & (BLK_SECTOR_SIZE - 1)) != 0;
    if (write && unaligned)
        mutex_lock(&disk->rmw);
    size_t done = 0;
    while (done < len) {
        uint64_t at = off + done;
        /* Chunks end on a max_sectors boundary of the device's sectors, so each one
         * with its partial head/tail fits a single transfer. */
        uint64_t chunk_end = ((at >> BLK_SECTOR_SHIFT) / max_sectors + 1) * max_sectors
                             << BLK_SECTOR_SHIFT;
        size_t n = (size_t)MIN((uint64_t)(len - done), chunk_end - at);
        err = rw_chunk(b, write, buf + done, n, at, pages);
        if (err)
            break;
        done += n;
    }
    if (write && unaligned)
        mutex_unlock(&disk->rmw);
    free_pages(pages, npages);
    return done ? (ssize_t)done : err;
}

ssize_t blk_read(struct blkdev *b, void *buf, size_t len, uint64_t off)
{
    return blk_rw(b, false, buf, len, off);
}

ssize_t blk_write(struct blkdev *b, const void *buf, size_t len, uint64_t off)
{
    return blk_rw(b, true, (uint8_t *)buf, len, off);
}

int blk_rw_pages(struct blkdev *b, bool write, uint64_t off, size_t npages,
                 const paddr_t *pages)
{
    if (write && (b->ro || b->disk->ro))
        return -EPERM;
    uint64_t size = blk_size_bytes(b);
    if (off % PAGE_SIZE || off > size || npages > (size - off) / PAGE_SIZE)
        return -EIO;
    size_t per = b->disk->max_sectors / BLK_PAGE_SECTORS;
    for (size_t i = 0; i < npages; i += per) {
        size_t n = MIN(npages - i, per);
        int err = xfer(b, write, (off >> BLK_SECTOR_SHIFT) + i * BLK_PAGE_SECTORS,
                       (uint32_t)(n * BLK_PAGE_SECTORS), pages + i);
        if (err)
            return err;
    }
    return 0;
}

int blk_flush(struct blkdev *b)
{
    struct blkdev *disk = b->disk;
    return disk->ops->flush ? disk->ops->flush(disk) : 0;
}

static int add_dev(struct blkdev *b)
{
    if (ndevs == BLK_MAX_DEVS) {
        log_warn("%s: more than %d block devices, ignored", b->name, BLK_MAX_DEVS);
        return -ENOSPC;
    }
    devs[ndevs++] = b;
    return 0;
}

static void scan_partitions(struct blkdev *disk)
{
    paddr_t page = pmm_alloc_page();
    if (!page)
        return;
    struct blk_part parts[4];
    int n = 0;
    if (disk->ops->rw(disk, false, 0, 1, &page) == 0)
        n = blk_parse_mbr(phys_to_virt(page), disk->sectors, parts, 4);
    pmm_free_page(page);
    for (int i = 0; i < n; i++) {
        struct blkdev *p = kzalloc(sizeof(*p));
        if (!p)
            return;
        /* As Linux's disk_name(): a "p" when the disk's name ends in a digit
         * (nvme0n1p1), none otherwise (vda1). */
        size_t len = strlen(disk->name);
        bool digit = len && disk->name[len - 1] >= '0' && disk->name[len - 1] <= '9';
        ksnprintf(p->name, sizeof(p->name), "%s%s%d", disk->name, digit ? "p" : "",
                  parts[i].partno);
        p->major = disk->major;
        p->minor = disk->minor + (uint32_t)parts[i].partno;
        p->start = parts[i].start;
        p->sectors = parts[i].sectors;
        p->ro = disk->ro;
        p->partno = parts[i].partno;
        p->disk = disk;
        if (add_dev(p)) {
            kfree(p);
            return;
        }
        log_debug("%s: sectors %llu+%llu", p->name, (unsigned long long)p->start,
                  (unsigned long long)p->sectors);
    }
}

int blk_register_disk(struct blkdev *disk)
{
    if (!disk->ops || !disk->ops->rw || disk->max_sectors < BLK_PAGE_SECTORS)
        return -EINVAL;
    disk->max_sectors &= ~(uint32_t)(BLK_PAGE_SECTORS - 1);
    disk->disk = disk;
    disk->partno = 0;
    disk->start = 0;
    mutex_init(&disk->rmw, "blk_rmw", 25);
    bcache_init();
    int err = add_dev(disk);
    if (err)
        return err;
    scan_partitions(disk);
    return 0;
}

void blk_proc_partitions(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    char line[96];
    int len = ksnprintf(line, sizeof(line), "major minor  #blocks  name\n\n");
    put(ctx, line, (size_t)len);
    for (size_t i = 0; i < ndevs; i++) {
        struct blkdev *b = devs[i];
        /* #blocks: 1 KiB blocks, as Linux's show_partition (sectors >> 1). */
        len = ksnprintf(line, sizeof(line), "%4u  %7u %10llu %s\n", b->major, b->minor,
                        (unsigned long long)(b->sectors >> 1), b->name);
        put(ctx, line, (size_t)MIN((size_t)len, sizeof(line) - 1));
    }
}
