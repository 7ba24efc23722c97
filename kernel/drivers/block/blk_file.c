/* Block device files: /dev/vda and its partitions opened as files. Reads and
 * writes at any offset and length go through blk_read/blk_write (no page cache
 * yet: every call reaches the disk), fsync flushes the disk's write cache, and
 * the BLK* ioctls answer as Linux's. The nodes themselves are made in devfs at
 * boot from the registry. */

#define LOG_TAG "block"
#include <osc/block.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/log.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

#define BLK_DISK_GID    6           /* Debian's "disk" group owns block nodes */

static struct blkdev *bdev(struct file *f) { return f->priv; }

/* The file offset lives under its vnode's lock (as lseek takes it, file.c); the
 * I/O itself runs outside it (it sleeps on the disk). */
static uint64_t off_get(struct file *f)
{
    if (!f->vnode)
        return __atomic_load_n(&f->off, __ATOMIC_RELAXED);
    vnode_lock(f->vnode);
    uint64_t off = f->off;
    vnode_unlock(f->vnode);
    return off;
}

static void off_set(struct file *f, uint64_t off)
{
    if (!f->vnode) {
        __atomic_store_n(&f->off, off, __ATOMIC_RELAXED);
        return;
    }
    vnode_lock(f->vnode);
    f->off = off;
    vnode_unlock(f->vnode);
}

static ssize_t bf_read(struct file *f, void *buf, size_t n)
{
    uint64_t off = off_get(f);
    ssize_t r = blk_read(bdev(f), buf, n, off);
    if (r > 0)
        off_set(f, off + (uint64_t)r);
    return r;
}

static ssize_t bf_write(struct file *f, const void *buf, size_t n)
{
    uint64_t off = off_get(f);
    ssize_t r = blk_write(bdev(f), buf, n, off);
    if (r > 0)
        off_set(f, off + (uint64_t)r);
    return r;
}

/* read, write, readv, writev whole (rw_iov): up to 64 KiB per disk request
 * rather than the syscall layer's 4 KiB pieces. */
#define BF_BUF_SIZE (64 * 1024)

static ssize_t bf_rw_iov(struct file *f, const struct file_iovec *iov, size_t cnt, bool write)
{
    uint32_t acc = f->flags & O_ACCMODE;
    if ((f->flags & O_PATH) || (write ? acc == O_RDONLY : acc == O_WRONLY))
        return -EBADF;
    for (size_t i = 0; i < cnt; i++)    /* every buffer first, as Linux checks them */
        if (!user_range_ok(iov[i].base, (size_t)iov[i].len))
            return -EFAULT;
    uint8_t *k = kmalloc(BF_BUF_SIZE);
    if (!k)
        return -ENOMEM;
    uint64_t off = off_get(f);
    ssize_t total = 0, err = 0;
    for (size_t i = 0; i < cnt && !err; i++) {
        for (uint64_t done = 0; done < iov[i].len;) {
            size_t n = (size_t)MIN(iov[i].len - done, (uint64_t)BF_BUF_SIZE);
            void *u = (void *)(iov[i].base + done);
            ssize_t r;
            if (write) {
                r = copy_from_user(k, u, n) ? -EFAULT : blk_write(bdev(f), k, n, off);
            } else {
                r = blk_read(bdev(f), k, n, off);
                if (r > 0 && copy_to_user(u, k, (size_t)r))
                    r = -EFAULT;
            }
            if (r < 0) {
                err = r;
                break;
            }
            total += r;
            off += (uint64_t)r;
            done += (uint64_t)r;
            if ((size_t)r < n) {        /* the end of the device */
                err = 1;
                break;
            }
        }
    }
    if (total > 0)
        off_set(f, off);
    kfree(k);
    return total ? total : err < 0 ? err : 0;
}

static ssize_t bf_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
    return blk_read(bdev(f), buf, n, off);
}

static ssize_t bf_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
    return blk_write(bdev(f), buf, n, off);
}

static int bf_fsync(struct file *f)
{
    return blk_flush(bdev(f));
}

static uint64_t bf_size(struct file *f)
{
    return blk_size_bytes(bdev(f));
}

static long put_u64(uint64_t arg, uint64_t v)
{
    return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long put_int(uint64_t arg, int v)
{
    return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long bf_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
    struct blkdev *b = bdev(f);
    switch (cmd) {
    case BLKGETSIZE64:
        return put_u64(arg, blk_size_bytes(b));
    case BLKGETSIZE:                    /* unsigned long on x86_64 */
        return put_u64(arg, b->sectors);
    case BLKSSZGET:
        return put_int(arg, BLK_SECTOR_SIZE);
    case BLKPBSZGET:
        return put_int(arg, (int)(b->disk->phys_block ? b->disk->phys_block : BLK_SECTOR_SIZE));
    case BLKBSZGET:
        /* Linux's initial soft block size: the largest power of two up to a page
         * that divides the device's size. */
        for (int bs = PAGE_SIZE; bs > BLK_SECTOR_SIZE; bs >>= 1)
            if (!(blk_size_bytes(b) & (uint64_t)(bs - 1)))
                return put_int(arg, bs);
        return put_int(arg, BLK_SECTOR_SIZE);
    case BLKROGET:
        return put_int(arg, b->ro || b->disk->ro);
    case BLKFLSBUF:                     /* no buffer cache to drop: flush only */
        return blk_flush(b);
    default:
        return -ENOTTY;
    }
}

static int bf_poll(struct file *f)
{
    (void)f;
    return POLLIN | POLLOUT;
}

static const struct file_ops blk_file_ops = {
    .read = bf_read, .write = bf_write, .pread = bf_pread, .pwrite = bf_pwrite,
    .rw_iov = bf_rw_iov, .ioctl = bf_ioctl, .fsync = bf_fsync, .size = bf_size,
    .poll = bf_poll,
    .seekable = true,
};

int blk_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    (void)open_flags;
    struct blkdev *b = blk_find(rdev);
    if (!b)
        return -ENXIO;
    f->ops = &blk_file_ops;
    f->priv = b;
    return 0;
}

int blk_devfs_populate(struct vnode *dev)
{
    struct vfs_ctx c = { .root = dev, .cwd = dev };
    for (size_t i = 0; i < blk_count(); i++) {
        struct blkdev *b = blk_at(i);
        int err = vfs_mknod(&c, NULL, b->name, S_IFBLK | 0660, VFS_MKDEV(b->major, b->minor));
        if (err)
            return err;
        struct vnode *v;
        if (vfs_lookup(&c, NULL, b->name, 0, &v) == 0) {
            vfs_chown_vnode(v, 0, BLK_DISK_GID);
            vnode_put(v);
        }
    }
    return 0;
}
