/* TEMPORARY until the vfs branch merges (the lead deletes this file then): weak
 * stand-ins for the <osc/vfs.h> process hooks, and write/writev fallbacks that send
 * fds 1 and 2 to the serial console, so user programs run before the VFS exists.
 * vfs_read_file finds the path straight in the initramfs module (cpio newc). */

#include <osc/boot.h>
#include <osc/cpio.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/uart.h>
#include <osc/vfs.h>

#define SYMLINK_DEPTH 8

struct find_ctx {
    const char *path;           /* relative, no leading '/' */
    const struct cpio_entry *found;
    struct cpio_entry copy;
};

/* Archive names are "bin/sh" or "./bin/sh"; paths here are "bin/sh". */
static const char *strip_dot(const char *n)
{
    while (n[0] == '.' && n[1] == '/')
        n += 2;
    return n;
}

static int find_cb(const struct cpio_entry *e, void *ctx)
{
    struct find_ctx *f = ctx;
    if (strcmp(strip_dot(e->name), f->path) == 0) {
        f->copy = *e;
        f->found = &f->copy;
    }
    return 0;           /* later entries win, as when unpacking */
}

__attribute__((weak)) int vfs_read_file(const char *path, void **data, size_t *len)
{
    extern struct boot_info boot_info;
    if (boot_info.module_count == 0)
        return -ENOENT;
    const struct boot_module *m = &boot_info.modules[0];
    char cur[256];
    strlcpy(cur, path, sizeof(cur));
    for (int depth = 0; depth < SYMLINK_DEPTH; depth++) {
        struct find_ctx f = { .path = cur };
        while (*f.path == '/')
            f.path++;
        int r = cpio_iterate(phys_to_virt(m->start), m->end - m->start, find_cb, &f);
        if (r < 0 && !f.found)
            return -EIO;
        if (!f.found)
            return -ENOENT;
        uint32_t type = f.copy.mode & CPIO_S_IFMT;
        if (type == CPIO_S_IFLNK) {
            char target[256];
            size_t n = MIN(f.copy.size, sizeof(target) - 1);
            memcpy(target, f.copy.data, n);
            target[n] = 0;
            if (target[0] == '/') {
                strlcpy(cur, target, sizeof(cur));
            } else {
                /* Relative to the link's directory. */
                char *slash = NULL;
                for (char *c = cur; *c; c++)
                    if (*c == '/')
                        slash = c;
                size_t dir = slash ? (size_t)(slash - cur) + 1 : 0;
                if (dir + n + 1 > sizeof(cur))
                    return -ENAMETOOLONG;
                memcpy(cur + dir, target, n + 1);
            }
            continue;
        }
        if (type != CPIO_S_IFREG)
            return type == CPIO_S_IFDIR ? -EISDIR : -EACCES;
        void *buf = kmalloc(f.copy.size ? f.copy.size : 1);
        if (!buf)
            return -ENOMEM;
        memcpy(buf, f.copy.data, f.copy.size);
        *data = buf;
        *len = f.copy.size;
        return 0;
    }
    return -ELOOP;
}

__attribute__((weak)) int vfs_proc_fork(struct process *child, const struct process *parent)
{
    (void)child;
    (void)parent;
    return 0;
}

__attribute__((weak)) void vfs_proc_exec(struct process *p) { (void)p; }
__attribute__((weak)) void vfs_proc_exit(struct process *p) { (void)p; }

__attribute__((weak)) int vfs_proc_init_console(struct process *p)
{
    (void)p;
    return 0;
}

/* Copies n user bytes to the console in bounded chunks; bytes written or -EFAULT. */
static long console_write_user(const char *ubuf, size_t n)
{
    char chunk[256];
    size_t done = 0;
    while (done < n) {
        size_t k = MIN(n - done, sizeof(chunk));
        if (copy_from_user(chunk, ubuf + done, k))
            return done ? (long)done : -EFAULT;
        uart_write(chunk, k);
        struct process *p = proc_current();
        if (p)
            proc_console_record(p, chunk, k);
        done += k;
    }
    return (long)done;
}

SYSCALL_FALLBACK(write)
{
    if (args->a[0] != 1 && args->a[0] != 2)
        return -EBADF;
    if (!user_range_ok(args->a[1], args->a[2]))
        return -EFAULT;
    return console_write_user((const char *)args->a[1], args->a[2]);
}

#define IOV_MAX 1024

SYSCALL_FALLBACK(writev)
{
    if (args->a[0] != 1 && args->a[0] != 2)
        return -EBADF;
    size_t cnt = args->a[2];
    if (cnt > IOV_MAX)
        return -EINVAL;
    long total = 0;
    for (size_t i = 0; i < cnt; i++) {
        struct { uint64_t base, len; } iov;
        if (copy_from_user(&iov, (const char *)args->a[1] + i * sizeof(iov), sizeof(iov)))
            return total ? total : -EFAULT;
        if (!user_range_ok(iov.base, iov.len))
            return total ? total : -EFAULT;
        long r = console_write_user((const char *)iov.base, iov.len);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint64_t)r < iov.len)
            break;
    }
    return total;
}
