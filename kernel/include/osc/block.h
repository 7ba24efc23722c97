/* The block layer: a registry of disks and their partitions, byte-granular reads
 * and writes on top of the drivers' sector transfers (read-modify-write of partial
 * sectors), and the block device files /dev/vda, /dev/vda1, ... Drivers register
 * a disk with blk_register_disk; the VFS opens device nodes through blk_open; the
 * disk list is built during boot (driver probes) and read-only afterwards. */
#pragma once

#include <osc/sched.h>
#include <osc/types.h>

#define BLK_SECTOR_SIZE     512
#define BLK_SECTOR_SHIFT    9
#define BLK_MAX_DEVS        64      /* disks and partitions */
#define BLK_MINORS          16      /* per disk: the disk and 15 partitions */
#define BLK_MAJOR_VIRTIO    254     /* Linux's virtblk major is dynamic: 254 on Debian */

/* Linux ioctls on a block device (include/uapi/linux/fs.h). */
#define BLKROGET        0x125e
#define BLKGETSIZE      0x1260      /* unsigned long: size in 512-byte sectors */
#define BLKFLSBUF       0x1261
#define BLKSSZGET       0x1268      /* int: logical sector size */
#define BLKBSZGET       0x80081270  /* int: soft block size */
#define BLKPBSZGET      0x127b      /* unsigned int: physical sector size */
#define BLKGETSIZE64    0x80081272  /* uint64_t: size in bytes */

struct blkdev;

struct blkdev_ops {
    /* Moves count 512-byte sectors at sector (from the disk's start) from or into
     * pages: page i holds bytes [i*4096, (i+1)*4096) of the transfer. count is at
     * most the disk's max_sectors. Sleeps until done: 0 or -EIO. Called by many
     * threads at once (each its own request in flight). */
    int (*rw)(struct blkdev *disk, bool write, uint64_t sector, uint32_t count,
              const paddr_t *pages);
    /* Makes completed writes durable (a volatile write cache flushed): 0 or -EIO. */
    int (*flush)(struct blkdev *disk);
};

struct blkdev {
    char name[16];                  /* "vda", "vda1" */
    uint32_t major, minor;
    uint64_t start;                 /* first sector on the disk (0 for a disk) */
    uint64_t sectors;
    bool ro;
    int partno;                     /* 0: the whole disk */
    struct blkdev *disk;            /* the whole disk (itself for a disk) */
    /* Disks only: */
    const struct blkdev_ops *ops;
    void *priv;                     /* the driver's */
    uint32_t max_sectors;           /* per rw call, a multiple of 8 (page) */
    uint32_t phys_block;            /* the device's physical block size in bytes */
    struct mutex rmw;               /* `blk_rmw` (rank 25): partial-sector writes */
};

/* Adds a disk (name, major, minor, sectors, ro, ops, priv, max_sectors filled by
 * the driver), reads its MBR and adds the partitions it finds. 0, -ENOSPC (the
 * registry is full) or -EINVAL. Boot only (driver probes). */
int blk_register_disk(struct blkdev *disk);
/* The next free minor block for a major (0, 16, 32, ...) and its letter index. */
int blk_alloc_disk_index(uint32_t major);
size_t blk_count(void);
struct blkdev *blk_at(size_t i);
struct blkdev *blk_find(uint32_t rdev);
static inline uint64_t blk_size_bytes(const struct blkdev *b)
{ return b->sectors << BLK_SECTOR_SHIFT; }

/* Byte-granular I/O clipped to the device's end: bytes moved (0 at or past the
 * end for a read), -ENOSPC for a write at or past the end, -EPERM writing a
 * read-only device (as Linux), -EIO, -ENOMEM. buf is a kernel buffer. */
ssize_t blk_read(struct blkdev *b, void *buf, size_t len, uint64_t off);
ssize_t blk_write(struct blkdev *b, const void *buf, size_t len, uint64_t off);
int blk_flush(struct blkdev *b);
/* Whole pages straight between b and page frames, no bounce copy: npages pages from
 * byte offset off (a multiple of 4096), in as few transfers as max_sectors allows
 * (the page cache's readahead and write-back). 0, -EIO (also a range past the
 * end), -EPERM (a read-only device). */
int blk_rw_pages(struct blkdev *b, bool write, uint64_t off, size_t npages,
                 const paddr_t *pages);

/* /proc/partitions in Linux's format. */
void blk_proc_partitions(void (*put)(void *ctx, const char *s, size_t n), void *ctx);

/* ---- block device files (blk_file.c) ---- */
struct file;
struct vnode;
/* Binds f, just opened on block node rdev, to its device: 0 or -ENXIO. */
int blk_open(struct file *f, uint32_t rdev, uint32_t open_flags);
/* Makes a node under /dev for every registered device (devfs at boot). */
int blk_devfs_populate(struct vnode *dev);

/* ---- the buffer cache (bcache.c) ---- */
/* One filesystem block of a device, held by whoever got it; data is size bytes
 * and stays while held. A filesystem changes it only under its own lock, then
 * marks it dirty (bcache_dirty). */
struct bbuf {
    struct blkdev *dev;
    uint64_t block;
    uint32_t size;
    int refs;                       /* under `bcache` */
    bool dirty;                     /* under `bcache`: newer than the disk */
    bool loading;                   /* atomic: its disk read is in flight */
    bool unhashed;                  /* under `bcache`: out of the cache (read failed) */
    int failed;                     /* its read's error, set before loading clears */
    struct mutex load;              /* `bbuf_load` (rank 28): held by the reader */
    uint8_t *data;
    paddr_t pa;                     /* data's frame (size 4096), else 0: kmalloc'ed */
    struct bbuf *hnext;             /* hash chain */
    struct bbuf *lprev, *lnext;     /* LRU list */
};
void bcache_init(void);             /* boot: the first disk registration calls it */
/* Block number block of size bytes (a power of two up to 4096) of dev, read from
 * the disk on a miss: a held buffer (bcache_put it) or ERR_PTR(-EIO, -ENOMEM,
 * -EINVAL). A block past the device's end is -EIO. */
struct bbuf *bcache_get(struct blkdev *dev, uint64_t block, uint32_t size);
/* A block about to be overwritten whole (just allocated): zero-filled without a
 * disk read, already dirty. */
struct bbuf *bcache_get_new(struct blkdev *dev, uint64_t block, uint32_t size);
void bcache_dirty(struct bbuf *b);
/* Copies block block of dev into dst (size bytes) when the cache holds it (a dirty
 * buffer is newer than the disk): true then, false when the disk has the block's
 * latest bytes. The page cache's direct reads ask this first. */
bool bcache_copy_cached(struct blkdev *dev, uint64_t block, uint32_t size, void *dst);
/* Block block of dev is about to be written to the disk with src's bytes (size)
 * bypassing the cache: an unheld buffer of it is dropped (its older bytes must not
 * reach the disk after), a held one gets src's bytes. */
void bcache_overwrite(struct blkdev *dev, uint64_t block, uint32_t size, const void *src);
/* Writes every dirty buffer of dev back, then flushes the disk's write cache:
 * 0 or the first error (buffers that failed stay dirty). */
int bcache_sync(struct blkdev *dev);
void bcache_put(struct bbuf *b);
/* Drops every unheld buffer of dev (at unmount; a dirty one is written first and
 * kept if that fails). */
void bcache_forget(struct blkdev *dev);
/* Drops every buffer, of any device, that is neither held nor dirty (the next
 * read goes to the disk): /proc/sys/vm/drop_caches. Returns the bytes freed. */
size_t bcache_drop_clean(void);
size_t bcache_bytes(void);

/* ---- partition tables (blk_part.c, pure: host-tested) ---- */
struct blk_part { int partno; uint64_t start, sectors; };
/* Parses an MBR (sector 0, 512 bytes) of a disk of disk_sectors: its primary
 * partitions (partno 1-4: the slot, as Linux numbers them) into out, at most max;
 * empty slots and extended containers are skipped, an entry past the disk's end is
 * clipped, one starting at or past it dropped. Returns the number found; 0 without
 * the 0x55AA signature or for a protective GPT MBR (type 0xEE). */
int blk_parse_mbr(const uint8_t *sector0, uint64_t disk_sectors, struct blk_part *out,
                  int max);
