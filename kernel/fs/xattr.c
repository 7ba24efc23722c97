/* Extended attributes, read side: no filesystem here stores any, so every lookup of
 * an attribute answers ENODATA and every list is empty, as on a Linux tmpfs with
 * none set. Enough for coreutils `ls -l`, which asks for SELinux labels and POSIX
 * ACLs and prints an error for ENOSYS. Setting attributes stays unimplemented. */

#define LOG_TAG "vfs"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>

/* Linux x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define __NR_getxattr    191
#define __NR_lgetxattr   192
#define __NR_fgetxattr   193
#define __NR_listxattr   194
#define __NR_llistxattr  195
#define __NR_flistxattr  196
#define XATTR_NAME_MAX   255            /* linux/limits.h */

/* The path must name something (ENOENT, ENOTDIR, ELOOP... as for stat). */
static long path_exists(uint64_t upath, bool follow)
{
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    long err = strncpy_from_user(path, (const char *)upath, VFS_PATH_MAX);
    if (err >= 0) {
        struct process *p = proc_current();
        struct vnode *v;
        struct vfs_ctx c = vfs_ctx_of(p);
        err = vfs_lookup(&c, NULL, path, follow ? VFS_FOLLOW : 0, &v);
        if (!err)
            vnode_put(v);
    }
    kfree(path);
    return err < 0 ? err : 0;
}

static long fd_exists(int fd)
{
    struct file *f = fdtable_get(proc_current()->files, fd);
    if (!f)
        return -EBADF;
    file_put(f);
    return 0;
}

/* A valid attribute name (1..255 bytes, else ERANGE) that is never set. */
static long no_such_attr(uint64_t uname)
{
    char name[XATTR_NAME_MAX + 1];
    long n = strncpy_from_user(name, (const char *)uname, sizeof(name));
    if (n == -ENAMETOOLONG || n == 0)
        return -ERANGE;
    return n < 0 ? n : -ENODATA;
}

SYSCALL(getxattr)
{
    long err = path_exists(args->a[0], true);
    return err ? err : no_such_attr(args->a[1]);
}

SYSCALL(lgetxattr)
{
    long err = path_exists(args->a[0], false);
    return err ? err : no_such_attr(args->a[1]);
}

SYSCALL(fgetxattr)
{
    long err = fd_exists((int)args->a[0]);
    return err ? err : no_such_attr(args->a[1]);
}

/* An empty list: 0 bytes, whatever the buffer size. */
SYSCALL(listxattr) { return path_exists(args->a[0], true); }
SYSCALL(llistxattr) { return path_exists(args->a[0], false); }
SYSCALL(flistxattr) { return fd_exists((int)args->a[0]); }
