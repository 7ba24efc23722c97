/* Character devices behind /dev: null, zero, full, random/urandom, and the
 * terminals (ttyS0 = console, tty1 = tty0 the text console, tty the caller's own,
 * ptmx and the pty slaves pts/N). /dev itself is a tmpfs holding device nodes; opening
 * a node dispatches on its rdev here (Linux's numbers, so stat(1) agrees). */

#define LOG_TAG "vfs"
#include <osc/arch.h>
#include <osc/block.h>
#include <osc/compositor.h>
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/vfs.h>

static ssize_t null_read(struct file *f, void *buf, size_t n) { (void)f; (void)buf; (void)n; return 0; }
static ssize_t null_write(struct file *f, const void *buf, size_t n) { (void)f; (void)buf; return (ssize_t)n; }
static ssize_t zero_read(struct file *f, void *buf, size_t n) { (void)f; memset(buf, 0, n); return (ssize_t)n; }
static ssize_t full_write(struct file *f, const void *buf, size_t n) { (void)f; (void)buf; (void)n; return -ENOSPC; }
static int always_ready(struct file *f) { (void)f; return POLLIN | POLLOUT; }

/* urandom: xorshift-multiply stream (splitmix64) seeded from RDRAND when present,
 * else the TSC, and re-stirred with the TSC on every read. Not a vetted CSPRNG:
 * good enough for hash seeds and temp names, not for keys. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t read_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static bool cpu_has_rdrand(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return c & (1u << 30);
}

static ssize_t random_read(struct file *f, void *buf, size_t n)
{
    (void)f;
    rng_state ^= read_tsc();
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = rng_next();
        memcpy(p + i, &r, MIN(8, n - i));
    }
    return (ssize_t)n;
}

static const struct file_ops null_ops = { .read = null_read, .write = null_write, .poll = always_ready, .seekable = true };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write, .poll = always_ready, .seekable = true };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write, .poll = always_ready, .seekable = true };
static const struct file_ops random_ops = { .read = random_read, .write = null_write, .poll = always_ready, .seekable = true };

static const struct file_ops compositor_ops = { .open = comp_dev_open };
static const struct file_ops fbdev_ops = { .open = comp_fbdev_open };

struct devnode { const char *name; uint32_t major, minor; uint32_t mode; const struct file_ops *ops; };
static const struct devnode devices[] = {
    { "null", 1, 3, 0666, &null_ops },
    { "zero", 1, 5, 0666, &zero_ops },
    { "full", 1, 7, 0666, &full_ops },
    { "random", 1, 8, 0666, &random_ops },
    { "urandom", 1, 9, 0666, &random_ops },
    { "tty", 5, 0, 0666, &tty_console_ops },
    { "console", 5, 1, 0600, &tty_console_ops },
    { "ttyS0", 4, 64, 0660, &tty_console_ops },
    { "tty0", 4, 0, 0620, &tty_console_ops },
    { "tty1", 4, 1, 0620, &tty_console_ops },
    { "ptmx", 5, 2, 0666, &pty_master_ops },
    { "compositor", OSC_COMP_DEV_MAJOR, OSC_COMP_DEV_MINOR, 0666, &compositor_ops },
    { "fb0", FBDEV_MAJOR, 0, 0666, &fbdev_ops },
};

int devfs_open(struct file *f, uint32_t rdev, uint32_t open_flags)
{
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
        if (VFS_MKDEV(devices[i].major, devices[i].minor) == rdev) {
            f->ops = devices[i].ops;
            return f->ops->open ? f->ops->open(f, rdev, open_flags) : 0;
        }
    }
    if (VFS_MAJOR(rdev) >= 136 && VFS_MAJOR(rdev) < 144) {     /* /dev/pts/N */
        f->ops = &tty_console_ops;
        return tty_console_ops.open(f, rdev, open_flags);
    }
    if (VFS_MAJOR(rdev) == 13)          /* input: /dev/input/eventN */
        return evdev_open(f, rdev, open_flags);
    return -ENXIO;
}

const char *devfs_name(uint32_t rdev)
{
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
        if (VFS_MKDEV(devices[i].major, devices[i].minor) == rdev)
            return devices[i].name;
    return NULL;
}

int devfs_populate(struct vnode *dev)
{
    uint64_t seed = read_tsc();
    uint64_t r;
    uint8_t ok = 0;
    if (cpu_has_rdrand()) {
        __asm__ volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
        if (ok)
            seed ^= r;
    }
    rng_state = seed;
    struct vfs_ctx c = { .root = dev, .cwd = dev };
    for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
        int err = vfs_mknod(&c, NULL, devices[i].name, S_IFCHR | devices[i].mode,
                           VFS_MKDEV(devices[i].major, devices[i].minor));
        if (err)
            return err;
    }
    int err = blk_devfs_populate(dev);
    if (err)
        log_warn("block device nodes: %d", err);
    vfs_mkdir(&c, NULL, "pts", 0755);
    pty_set_dev_dir(dev);
    vfs_mkdir(&c, NULL, "shm", 01777);
    vfs_symlink(&c, "/proc/self/fd", NULL, "fd");
    vfs_symlink(&c, "/proc/self/fd/0", NULL, "stdin");
    vfs_symlink(&c, "/proc/self/fd/1", NULL, "stdout");
    vfs_symlink(&c, "/proc/self/fd/2", NULL, "stderr");
    return 0;
}
