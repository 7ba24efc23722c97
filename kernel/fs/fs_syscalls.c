/* File system calls (Linux x86_64 ABI): I/O, the namespace, stat (the descriptor
 * calls are in fd_syscalls.c).
 * Every user pointer goes through <osc/uaccess.h>; data moves through a kernel
 * bounce buffer in 4 KiB chunks. */

#define LOG_TAG "vfs"
#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <osc/vfs.h>
#include "vfs_internal.h"

#define CHUNK 4096
/* Transfers up to this size (eventfd counters, small pipe and tty messages) go
 * through the stack: a CHUNK buffer is a page from the allocator, microseconds
 * under emulation on every such call. */
#define SMALL_RW 128

static struct process *cur(void) { return proc_current(); }

struct vfs_ctx vfs_ctx_of(struct process *p)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = p && p->root ? p->root : r, .cwd = p && p->cwd ? p->cwd : r,
                         .umask = p ? p->umask : 022 };
    if (p) {
        c.uid = p->fsuid;
        c.gid = p->fsgid;
        c.checked = true;
        c.caps = p->cap_eff;
        c.ngroups = p->ngroups;
        c.groups = p->groups;
    }
    return c;
}

void vfs_write_kill_suid(struct vnode *v)
{
    if (!(v->mode & (S_ISUID | S_ISGID)))
        return;
    struct vfs_ctx c = vfs_ctx_of(cur());
    vfs_kill_suid(&c, v);
}

struct file *vfs_get_fd(int fd)
{
    struct process *p = cur();
    return p ? fdtable_get(p->files, fd) : NULL;
}

static struct file *get_fd(int fd) { return vfs_get_fd(fd); }

/* Copies a user path into a kmalloc'd PATH_MAX buffer. */
static long get_path(uint64_t uptr, char **out)
{
    char *k = kmalloc(VFS_PATH_MAX);
    if (!k)
        return -ENOMEM;
    long n = strncpy_from_user(k, (const char *)uptr, VFS_PATH_MAX);
    if (n < 0) {
        kfree(k);
        return n;
    }
    *out = k;
    return 0;
}

/* The directory a *at() call starts from: NULL for AT_FDCWD (the cwd), else the
 * referenced vnode of dirfd (put with vnode_put). */
static long at_dir(int dirfd, const char *path, struct vnode **out)
{
    *out = NULL;
    if (dirfd == AT_FDCWD || path[0] == '/')
        return 0;
    struct file *f = get_fd(dirfd);
    if (!f)
        return -EBADF;
    long err = 0;
    if (!f->vnode || !S_ISDIR(f->vnode->mode))
        err = -ENOTDIR;
    else {
        vnode_get(f->vnode);
        *out = f->vnode;
    }
    file_put(f);
    return err;
}

/* Moves n bytes between a user buffer and f through a CHUNK-sized kernel buffer;
 * pos: at offset off (pread/pwrite), else at the file offset. Returns the bytes
 * moved, or an error when none were. */
static ssize_t do_rw(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos, uint64_t off)
{
    /* The whole buffer first, as Linux does: nothing is consumed from a pipe or a
     * terminal for a buffer that cannot hold it. */
    if (!user_range_ok(ubuf, n))
        return -EFAULT;
    if (write && f->vnode && S_ISREG(f->vnode->mode)) {
        uint64_t at = pos ? off : (f->flags & O_APPEND) ? f->vnode->size : f->off;
        long err = proc_fsize_check(at, &n);            /* RLIMIT_FSIZE */
        if (err)
            return err;
    }
    ssize_t direct = file_rw_user(f, ubuf, n, write, pos, off);
    if (direct != -ENOSYS)
        return direct;
    char small[SMALL_RW];
    char *k = n <= sizeof(small) ? small : kmalloc(CHUNK);
    if (!k)
        return -ENOMEM;
    ssize_t total = 0;
    while ((size_t)total < n) {
        size_t want = MIN(n - (size_t)total, CHUNK);
        void *u = (void *)(ubuf + (uint64_t)total);
        uint64_t at = off + (uint64_t)total;
        if (write && copy_from_user(k, u, want)) {
            total = total ? total : -EFAULT;
            break;
        }
        ssize_t r = write ? (pos ? file_pwrite(f, k, want, at) : file_write(f, k, want))
                          : (pos ? file_pread(f, k, want, at) : file_read(f, k, want));
        if (r < 0) {
            if (!total)
                total = r;
            break;
        }
        if (!write && r > 0 && copy_to_user(u, k, (size_t)r)) {
            total = total ? total : -EFAULT;
            break;
        }
        total += r;
        /* A short transfer ends the call; so does any read of a pipe or tty, which
         * returns what came rather than waiting for more. */
        if ((size_t)r < want || (!write && !f->ops->seekable))
            break;
    }
    if (k != small)
        kfree(k);
    return total;
}

/* read, write, pread64, pwrite64: fd, buffer, count, and the offset when pos. */
static long rw_call(const struct syscall_args *args, bool write, bool pos)
{
    if (pos && (int64_t)args->a[3] < 0)
        return -EINVAL;
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    struct file_iovec one = { args->a[1], args->a[2] };
    ssize_t r = f->ops->rw_iov && !pos ? f->ops->rw_iov(f, &one, 1, write)
                                       : do_rw(f, args->a[1], (size_t)args->a[2], write, pos, args->a[3]);
    file_put(f);
    return r;
}

SYSCALL(read) { return rw_call(args, false, false); }
SYSCALL(write) { return rw_call(args, true, false); }
SYSCALL(pread64) { return rw_call(args, false, true); }
SYSCALL(pwrite64) { return rw_call(args, true, true); }

struct linux_iovec { uint64_t base, len; };

static long do_rw_vec(const struct syscall_args *args, bool write)
{
    int cnt = (int)args->a[2];
    if (cnt < 0 || cnt > 1024)
        return -EINVAL;
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    if (f->ops->rw_iov) {
        struct file_iovec *iov = kmalloc(sizeof(*iov) * (size_t)(cnt ? cnt : 1));
        ssize_t r = iov ? 0 : -ENOMEM;
        if (iov && copy_from_user(iov, (const void *)args->a[1], sizeof(*iov) * (size_t)cnt))
            r = -EFAULT;
        if (!r)
            r = f->ops->rw_iov(f, iov, (size_t)cnt, write);
        kfree(iov);
        file_put(f);
        return r;
    }
    ssize_t total = 0;
    for (int i = 0; i < cnt; i++) {
        struct linux_iovec iov;
        if (copy_from_user(&iov, (const void *)(args->a[1] + (uint64_t)i * sizeof(iov)), sizeof(iov))) {
            total = total ? total : -EFAULT;
            break;
        }
        if (iov.len == 0)
            continue;
        ssize_t r = do_rw(f, iov.base, (size_t)iov.len, write, false, 0);
        if (r < 0) {
            total = total ? total : r;
            break;
        }
        total += r;
        if ((uint64_t)r < iov.len)
            break;
    }
    file_put(f);
    return total;
}

SYSCALL(readv) { return do_rw_vec(args, false); }
SYSCALL(writev) { return do_rw_vec(args, true); }

static long do_openat(int dirfd, uint64_t upath, int flags, uint32_t mode)
{
    struct process *p = cur();
    if (!p || !p->files)
        return -EBADF;
    char *path;
    long err = get_path(upath, &path);
    if (err)
        return err;
    struct vnode *at;
    err = at_dir(dirfd, path, &at);
    if (!err) {
        struct vfs_ctx c = vfs_ctx_of(p);
        struct file *f;
        err = vfs_open(&c, at, path, flags & ~VFS_O_EXEC, mode, &f);
        if (!err) {
            err = fdtable_install(p->files, f, 0, flags & O_CLOEXEC);
            file_put(f);
        }
        vnode_put(at);
    }
    kfree(path);
    return err;
}

SYSCALL(open) { return do_openat(AT_FDCWD, args->a[0], (int)args->a[1], (uint32_t)args->a[2]); }
SYSCALL(openat) { return do_openat((int)args->a[0], args->a[1], (int)args->a[2], (uint32_t)args->a[3]); }

SYSCALL(close)
{
    struct process *p = cur();
    return p && p->files ? fdtable_close(p->files, (int)args->a[0]) : -EBADF;
}

SYSCALL(lseek)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long r = file_lseek(f, (int64_t)args->a[1], (int)args->a[2]);
    file_put(f);
    return r;
}

SYSCALL(getdents64)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    size_t n = MIN((size_t)args->a[2], (size_t)65536);
    char *k = kmalloc(n ? n : 1);
    long r = -ENOMEM;
    if (k) {
        r = file_getdents64(f, k, n);
        if (r > 0 && copy_to_user((void *)args->a[1], k, (size_t)r))
            r = -EFAULT;
        kfree(k);
    }
    file_put(f);
    return r;
}

/* What stat reports for a file without a vnode: a pipe end, or an anonymous
 * file that names its own mode (inotify: 0600 and no type, as Linux's anon inode).
 * A socket's inode number is the N of its name socket:[N], as Linux's sockfs
 * inode (what /proc/net/tcp and unix list: programs match sockets by it). */
static void stat_anon(const struct file *f, struct linux_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = f->ops && f->ops->stat_mode ? f->ops->stat_mode : S_IFIFO | 0600;
    st->st_blksize = 4096;
    static const char sock[] = "socket:[";
    if ((st->st_mode & S_IFMT) == S_IFSOCK && f->path && !strncmp(f->path, sock, sizeof(sock) - 1)) {
        for (const char *p = f->path + sizeof(sock) - 1; *p >= '0' && *p <= '9'; p++)
            st->st_ino = st->st_ino * 10 + (uint64_t)(*p - '0');
    }
}

/* stat family core: fills *st for path at dirfd. flags AT_SYMLINK_NOFOLLOW,
 * AT_EMPTY_PATH (an empty or NULL path names dirfd itself, as in Linux 6.11). */
static long stat_at(int dirfd, uint64_t upath, int flags, struct linux_stat *st)
{
    struct vnode *v = NULL;
    char *path;
    long err;
    if (!upath && (flags & AT_EMPTY_PATH)) {
        path = kmalloc(1);
        if (!path)
            return -ENOMEM;
        path[0] = 0;
    } else if ((err = get_path(upath, &path))) {
        return err;
    }
    if (path[0] == 0 && (flags & AT_EMPTY_PATH)) {
        kfree(path);
        if (dirfd == AT_FDCWD) {
            struct vfs_ctx c = vfs_ctx_of(cur());
            vfs_stat_vnode(c.cwd, st);
            return 0;
        }
        struct file *f = get_fd(dirfd);
        if (!f)
            return -EBADF;
        if (f->vnode)
            vfs_stat_vnode(f->vnode, st);
        else
            stat_anon(f, st);
        file_put(f);
        return 0;
    }
    if (path[0] == 0) {         /* Linux refuses "" before looking at dirfd */
        kfree(path);
        return -ENOENT;
    }
    struct vnode *at;
    err = at_dir(dirfd, path, &at);
    if (!err) {
        struct vfs_ctx c = vfs_ctx_of(cur());
        err = vfs_lookup(&c, at, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW, &v);
        vnode_put(at);
    }
    kfree(path);
    if (err)
        return err;
    vfs_stat_vnode(v, st);
    vnode_put(v);
    return 0;
}

static long do_fstatat(int dirfd, uint64_t upath, uint64_t ubuf, int flags)
{
    struct linux_stat st;
    long err = stat_at(dirfd, upath, flags, &st);
    return err ? err : copy_to_user((void *)ubuf, &st, sizeof(st));
}

SYSCALL(stat) { return do_fstatat(AT_FDCWD, args->a[0], args->a[1], 0); }
SYSCALL(lstat) { return do_fstatat(AT_FDCWD, args->a[0], args->a[1], AT_SYMLINK_NOFOLLOW); }
SYSCALL(newfstatat) { return do_fstatat((int)args->a[0], args->a[1], args->a[2], (int)args->a[3]); }
SYSCALL(fstat)
{
    struct linux_stat st;
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    if (f->vnode)
        vfs_stat_vnode(f->vnode, &st);
    else
        stat_anon(f, &st);
    file_put(f);
    return copy_to_user((void *)args->a[1], &st, sizeof(st));
}

/* statx: Linux's 256-byte struct statx (include/uapi/linux/stat.h). */
struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct linux_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align, stx_dio_offset_align;
    uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
_Static_assert(__builtin_offsetof(struct linux_statx, stx_atime) == 0x40, "statx layout");
_Static_assert(__builtin_offsetof(struct linux_statx, stx_rdev_major) == 0x80, "statx layout");

#define STATX_BASIC_STATS  0x7ffu       /* type..blocks: everything but btime */
#define STATX__RESERVED    0x80000000u
#define AT_NO_AUTOMOUNT    0x800
#define AT_STATX_SYNC_TYPE 0x6000       /* FORCE_SYNC | DONT_SYNC; both is invalid */

/* glibc's gnu_dev_major/minor: the split of a Linux dev_t. */
static uint32_t dev_major(uint64_t d) { return (uint32_t)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull)); }
static uint32_t dev_minor(uint64_t d) { return (uint32_t)((d & 0xff) | ((d >> 12) & ~0xffull)); }

SYSCALL(statx)
{
    int flags = (int)args->a[2];
    uint32_t mask = (uint32_t)args->a[3];
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return -EINVAL;
    struct linux_stat st;
    long err = stat_at((int)args->a[0], args->a[1], flags, &st);
    if (err)
        return err;
    /* Like Linux, every basic field is filled whatever mask asked for. */
    struct linux_statx sx = {
        .stx_mask = STATX_BASIC_STATS, .stx_blksize = (uint32_t)st.st_blksize,
        .stx_nlink = (uint32_t)st.st_nlink, .stx_uid = st.st_uid, .stx_gid = st.st_gid,
        .stx_mode = (uint16_t)st.st_mode, .stx_ino = st.st_ino,
        .stx_size = (uint64_t)st.st_size, .stx_blocks = (uint64_t)st.st_blocks,
        .stx_atime = { (int64_t)st.st_atime, (uint32_t)st.st_atime_nsec, 0 },
        .stx_ctime = { (int64_t)st.st_ctime, (uint32_t)st.st_ctime_nsec, 0 },
        .stx_mtime = { (int64_t)st.st_mtime, (uint32_t)st.st_mtime_nsec, 0 },
        .stx_rdev_major = dev_major(st.st_rdev), .stx_rdev_minor = dev_minor(st.st_rdev),
        .stx_dev_major = dev_major(st.st_dev), .stx_dev_minor = dev_minor(st.st_dev),
    };
    return copy_to_user((void *)args->a[4], &sx, sizeof(sx));
}

#define AT_EACCESS 0x200

/* access/faccessat check with the real ids (AT_EACCESS: the effective ones); a
 * real uid 0 has its permitted capabilities, any other none (Linux's
 * access_override_creds). */
static long do_access(int dirfd, uint64_t upath, int mode, int flags)
{
    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    char *path;
    long err = get_path(upath, &path);
    if (err)
        return err;
    struct vnode *at, *v;
    err = at_dir(dirfd, path, &at);
    if (!err) {
        struct process *p = cur();
        struct vfs_ctx c = vfs_ctx_of(p);
        if (p && !(flags & AT_EACCESS)) {
            c.uid = p->uid;
            c.gid = p->gid;
            c.caps = p->uid == 0 ? p->cap_perm : 0;
        }
        err = vfs_lookup(&c, at, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW, &v);
        if (!err) {
            if (mode)
                err = vfs_permission(&c, v, mode);
            vnode_put(v);
        }
        vnode_put(at);
    }
    kfree(path);
    return err;
}

SYSCALL(access) { return do_access(AT_FDCWD, args->a[0], (int)args->a[1], 0); }
SYSCALL(faccessat) { return do_access((int)args->a[0], args->a[1], (int)args->a[2], 0); }
SYSCALL(faccessat2)
{
    return do_access((int)args->a[0], args->a[1], (int)args->a[2], (int)args->a[3]);
}

/* One-path namespace calls. */
enum path_op { OP_MKDIR, OP_MKNOD, OP_RMDIR, OP_UNLINK, OP_CHMOD, OP_CHOWN, OP_TRUNCATE, OP_CHDIR, OP_CHROOT };

/* mknod(2)'s types as Linux's vfs_mknod sorts them; dev is the syscall's 32-bit
 * new_encode_dev form, the same as VFS_MKDEV. */
static long mknod_checked(const struct vfs_ctx *c, struct vnode *at, const char *path,
                          uint32_t mode, uint32_t dev)
{
    switch (mode & S_IFMT) {
    case 0: case S_IFREG: case S_IFIFO: case S_IFSOCK:
        dev = 0;
        break;
    case S_IFCHR: case S_IFBLK:
        break;
    case S_IFDIR:
        return -EPERM;
    default:
        return -EINVAL;
    }
    return vfs_mknod(c, at, path, mode, dev);
}

/* truncate(2): a directory is -EISDIR and anything else not regular -EINVAL
 * before write permission is asked (Linux's vfs_truncate order). */
static long truncate_checked(const struct vfs_ctx *c, struct vnode *v, int64_t len)
{
    long err = 0;
    if (S_ISREG(v->mode) && len >= 0)
        err = vfs_permission(c, v, MAY_WRITE);
    if (!err)
        err = proc_fsize_truncate_check(len);
    if (!err && S_ISREG(v->mode) && len >= 0)
        vfs_kill_suid(c, v);
    return err ?: vfs_truncate_vnode(v, len);
}

static long path_call(int dirfd, uint64_t upath, enum path_op op, uint64_t a, uint64_t b, int flags)
{
    char *path;
    long err = get_path(upath, &path);
    if (err)
        return err;
    struct vnode *at, *v;
    err = at_dir(dirfd, path, &at);
    if (err) {
        kfree(path);
        return err;
    }
    struct process *p = cur();
    struct vfs_ctx c = vfs_ctx_of(p);
    switch (op) {
    case OP_MKDIR: err = vfs_mkdir(&c, at, path, (uint32_t)a); break;
    case OP_MKNOD: err = mknod_checked(&c, at, path, (uint32_t)a, (uint32_t)b); break;
    case OP_RMDIR: err = vfs_rmdir(&c, at, path); break;
    case OP_UNLINK: err = vfs_unlink(&c, at, path); break;
    default:;
        struct vfs_entry e;
        err = vfs_lookup_entry(&c, at, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW,
                               &v, &e);
        if (err)
            break;
        if (op == OP_CHMOD)
            err = vfs_chmod_checked(&c, v, (uint32_t)a);
        else if (op == OP_CHOWN)
            err = vfs_chown_checked(&c, v, (uint32_t)a, (uint32_t)b);
        else if (op == OP_TRUNCATE)
            err = truncate_checked(&c, v, (int64_t)a);
        else if (S_ISDIR(v->mode))
            err = vfs_permission(&c, v, MAY_EXEC);     /* chdir, chroot: search */
        if (!err && op == OP_CHROOT && !vfs_capable(&c, CAP_SYS_CHROOT))
            err = -EPERM;
        if (!err && op != OP_CHDIR && op != OP_CHROOT)
            vfs_notify_change(v, &e, op == OP_TRUNCATE);
        vfs_entry_release(&e);
        if ((op == OP_CHDIR || op == OP_CHROOT) && !err) {
            /* chroot leaves the cwd alone, as Linux does (it may lie outside). */
            if (!S_ISDIR(v->mode))
                err = -ENOTDIR;
            else if (!p)
                err = -ESRCH;
            else {
                struct vnode **slot = op == OP_CHDIR ? &p->cwd : &p->root;
                vnode_get(v);
                struct vnode *old = *slot;
                *slot = v;
                vnode_put(old);
            }
        }
        vnode_put(v);
    }
    vnode_put(at);
    kfree(path);
    return err;
}

SYSCALL(mkdir) { return path_call(AT_FDCWD, args->a[0], OP_MKDIR, args->a[1], 0, 0); }
SYSCALL(mknod) { return path_call(AT_FDCWD, args->a[0], OP_MKNOD, args->a[1], args->a[2], 0); }
SYSCALL(mknodat) { return path_call((int)args->a[0], args->a[1], OP_MKNOD, args->a[2], args->a[3], 0); }
SYSCALL(mkdirat) { return path_call((int)args->a[0], args->a[1], OP_MKDIR, args->a[2], 0, 0); }
SYSCALL(rmdir) { return path_call(AT_FDCWD, args->a[0], OP_RMDIR, 0, 0, 0); }
SYSCALL(unlink) { return path_call(AT_FDCWD, args->a[0], OP_UNLINK, 0, 0, 0); }
SYSCALL(unlinkat)
{
    int flags = (int)args->a[2];
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return path_call((int)args->a[0], args->a[1], (flags & AT_REMOVEDIR) ? OP_RMDIR : OP_UNLINK, 0, 0, 0);
}
SYSCALL(chmod) { return path_call(AT_FDCWD, args->a[0], OP_CHMOD, args->a[1], 0, 0); }
SYSCALL(fchmodat) { return path_call((int)args->a[0], args->a[1], OP_CHMOD, args->a[2], 0, 0); }
SYSCALL(chown) { return path_call(AT_FDCWD, args->a[0], OP_CHOWN, args->a[1], args->a[2], 0); }
SYSCALL(lchown) { return path_call(AT_FDCWD, args->a[0], OP_CHOWN, args->a[1], args->a[2], AT_SYMLINK_NOFOLLOW); }
SYSCALL(fchownat) { return path_call((int)args->a[0], args->a[1], OP_CHOWN, args->a[2], args->a[3], (int)args->a[4]); }
SYSCALL(truncate) { return path_call(AT_FDCWD, args->a[0], OP_TRUNCATE, args->a[1], 0, 0); }
SYSCALL(chroot) { return path_call(AT_FDCWD, args->a[0], OP_CHROOT, 0, 0, 0); }
SYSCALL(chdir) { return path_call(AT_FDCWD, args->a[0], OP_CHDIR, 0, 0, 0); }

#define UTIME_NOW  ((1l << 30) - 1)     /* linux/stat.h */
#define UTIME_OMIT ((1l << 30) - 2)

/* One utimensat time: *set false for UTIME_OMIT, "now" for UTIME_NOW or no array. */
static long utime_of(const int64_t ts[2], bool given, struct vfs_timespec *out, bool *set)
{
    *set = true;
    if (!given || ts[1] == UTIME_NOW) {
        int64_t ns = time_realtime_ns();
        *out = (struct vfs_timespec){ ns / 1000000000, ns % 1000000000 };
        return 0;
    }
    if (ts[1] == UTIME_OMIT) {
        *set = false;
        return 0;
    }
    if (ts[1] < 0 || ts[1] > 999999999)
        return -EINVAL;
    *out = (struct vfs_timespec){ ts[0], ts[1] };
    return 0;
}

/* utimensat(dirfd, path, times[2], flags); a NULL path means dirfd itself
 * (futimens). */
SYSCALL(utimensat)
{
    int dirfd = (int)args->a[0], flags = (int)args->a[3];
    uint64_t upath = args->a[1], utimes = args->a[2];
    if (flags & ~AT_SYMLINK_NOFOLLOW)
        return -EINVAL;
    int64_t ts[2][2];
    if (utimes && copy_from_user(ts, (const void *)utimes, sizeof(ts)))
        return -EFAULT;
    struct vfs_timespec t[2];
    bool set[2], explicit_times = false;
    for (int i = 0; i < 2; i++) {
        long err = utime_of(ts[i], utimes != 0, &t[i], &set[i]);
        if (err)
            return err;
        /* A time of its own (not "now", not omitted) is for the owner only. */
        if (utimes && ts[i][1] != UTIME_NOW && ts[i][1] != UTIME_OMIT)
            explicit_times = true;
    }
    struct vnode *v = NULL;
    struct vfs_entry e = { NULL, NULL };
    long err;
    if (!upath) {
        struct file *f = get_fd(dirfd);
        if (!f)
            return -EBADF;
        if (f->vnode)
            vnode_get(f->vnode);
        v = f->vnode;
        if (f->notify_dir && f->notify_name && (e.name = kmalloc(strlen(f->notify_name) + 1))) {
            strlcpy(e.name, f->notify_name, strlen(f->notify_name) + 1);
            e.dir = f->notify_dir;
            vnode_get(e.dir);
        }
        file_put(f);
        err = v ? 0 : -EINVAL;
    } else {
        char *path;
        struct vnode *at;
        err = get_path(upath, &path);
        if (err)
            return err;
        err = at_dir(dirfd, path, &at);
        if (!err) {
            struct vfs_ctx c = vfs_ctx_of(cur());
            err = vfs_lookup_entry(&c, at, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW,
                                   &v, &e);
            vnode_put(at);
        }
        kfree(path);
    }
    if (!err && (set[0] || set[1])) {
        struct vfs_ctx c = vfs_ctx_of(cur());
        err = vfs_utimes_checked(&c, v, set[0] ? &t[0] : NULL, set[1] ? &t[1] : NULL,
                                 explicit_times);
    }
    if (!err)
        vfs_notify_change(v, &e, false);
    vfs_entry_release(&e);
    vnode_put(v);
    return err;
}

/* sendfile(out_fd, in_fd, offset, count): a copy through a kernel buffer. With an
 * offset pointer, in_fd is read from *offset (its file offset stays) and *offset
 * advances. */
SYSCALL(sendfile)
{
    uint64_t uoff = args->a[2];
    size_t count = (size_t)args->a[3];
    int64_t off = 0;
    if (uoff && copy_from_user(&off, (const void *)uoff, sizeof(off)))
        return -EFAULT;
    if (off < 0)
        return -EINVAL;
    struct file *out = get_fd((int)args->a[0]);
    struct file *in = get_fd((int)args->a[1]);
    char *k = kmalloc(CHUNK);
    long total = 0;
    if (!out || !in)
        total = -EBADF;
    else if (!k)
        total = -ENOMEM;
    while (total >= 0 && (size_t)total < count) {
        size_t want = MIN(count - (size_t)total, CHUNK);
        ssize_t r = uoff ? file_pread(in, k, want, (uint64_t)off + (uint64_t)total) : file_read(in, k, want);
        if (r <= 0) {
            if (r < 0 && total == 0)
                total = r;
            break;
        }
        ssize_t w = file_write(out, k, (size_t)r);
        if (w < 0 && total == 0)
            total = w;
        if (w <= 0)
            break;
        total += w;
        if (w < r) {
            /* Short write: what was read but not written is read again next time. */
            if (!uoff && in->ops->seekable)
                file_lseek(in, -(int64_t)(r - w), SEEK_CUR);
            break;
        }
    }
    kfree(k);
    if (in)
        file_put(in);
    if (out)
        file_put(out);
    if (uoff && total > 0) {
        off += total;
        if (copy_to_user((void *)uoff, &off, sizeof(off)))
            return -EFAULT;
    }
    return total;
}

SYSCALL(fchmod)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    struct vfs_ctx c = vfs_ctx_of(cur());
    long err = f->vnode ? vfs_chmod_checked(&c, f->vnode, (uint32_t)args->a[1]) : -EINVAL;
    if (!err)
        vfs_notify_change(f->vnode, &(struct vfs_entry){ f->notify_dir, f->notify_name }, false);
    file_put(f);
    return err;
}

SYSCALL(fchown)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    struct vfs_ctx c = vfs_ctx_of(cur());
    long err = f->vnode ? vfs_chown_checked(&c, f->vnode, (uint32_t)args->a[1], (uint32_t)args->a[2])
                        : -EINVAL;
    file_put(f);
    return err;
}

SYSCALL(ftruncate)
{
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long err = (!f->vnode || (f->flags & O_ACCMODE) == O_RDONLY) ? -EINVAL
               : proc_fsize_truncate_check((int64_t)args->a[1]);
    if (!err) {
        if (S_ISREG(f->vnode->mode))
            vfs_write_kill_suid(f->vnode);
        err = vfs_truncate_vnode(f->vnode, (int64_t)args->a[1]);
    }
    if (!err)
        vfs_notify_change(f->vnode, &(struct vfs_entry){ f->notify_dir, f->notify_name }, true);
    file_put(f);
    return err;
}

SYSCALL(fchdir)
{
    struct process *p = cur();
    struct file *f = get_fd((int)args->a[0]);
    if (!f)
        return -EBADF;
    long err = -ENOTDIR;
    struct vfs_ctx c = vfs_ctx_of(p);
    if (p && f->vnode && S_ISDIR(f->vnode->mode) &&
        !(err = vfs_permission(&c, f->vnode, MAY_EXEC))) {
        vnode_get(f->vnode);
        struct vnode *old = p->cwd;
        p->cwd = f->vnode;
        vnode_put(old);
        err = 0;
    }
    file_put(f);
    return err;
}

SYSCALL(getcwd)
{
    size_t size = MIN((size_t)args->a[1], (size_t)VFS_PATH_MAX);
    char *k = kmalloc(size ? size : 1);
    if (!k)
        return -ENOMEM;
    struct vfs_ctx c = vfs_ctx_of(cur());
    long n = vfs_getcwd(&c, k, size);
    if (n > 0 && copy_to_user((void *)args->a[0], k, (size_t)n))
        n = -EFAULT;
    kfree(k);
    return n;
}

/* umask is kernel/proc/sys_misc.c's (it owns the credentials); it sets p->umask,
 * which the namespace calls apply. */

/* Two-path calls. */
static long two_paths(int ofd, uint64_t uo, int nfd, uint64_t un, int op, int flags)
{
    char *o = NULL, *n = NULL;
    struct vnode *oat = NULL, *nat = NULL;
    long err = get_path(un, &n);
    if (err)
        return err;
    if (op == 2) {                      /* symlink: the first is a target, not a path */
        err = get_path(uo, &o);
        if (!err)
            err = at_dir(nfd, n, &nat);
        if (!err) {
            struct vfs_ctx c = vfs_ctx_of(cur());
            err = vfs_symlink(&c, o, nat, n);
        }
        goto out;
    }
    err = get_path(uo, &o);
    if (!err)
        err = at_dir(ofd, o, &oat);
    if (!err)
        err = at_dir(nfd, n, &nat);
    if (!err) {
        struct vfs_ctx c = vfs_ctx_of(cur());
        err = op == 0 ? vfs_rename(&c, oat, o, nat, n) : vfs_link(&c, oat, o, nat, n, flags);
    }
out:
    vnode_put(oat);
    vnode_put(nat);
    kfree(o);
    kfree(n);
    return err;
}

SYSCALL(rename) { return two_paths(AT_FDCWD, args->a[0], AT_FDCWD, args->a[1], 0, 0); }
SYSCALL(renameat) { return two_paths((int)args->a[0], args->a[1], (int)args->a[2], args->a[3], 0, 0); }
SYSCALL(renameat2)
{
    if (args->a[4])
        return -EINVAL;                 /* RENAME_NOREPLACE/EXCHANGE/WHITEOUT: not yet */
    return two_paths((int)args->a[0], args->a[1], (int)args->a[2], args->a[3], 0, 0);
}
SYSCALL(link) { return two_paths(AT_FDCWD, args->a[0], AT_FDCWD, args->a[1], 1, 0); }
SYSCALL(linkat) { return two_paths((int)args->a[0], args->a[1], (int)args->a[2], args->a[3], 1, (int)args->a[4]); }
SYSCALL(symlink) { return two_paths(AT_FDCWD, args->a[0], AT_FDCWD, args->a[1], 2, 0); }
SYSCALL(symlinkat) { return two_paths(AT_FDCWD, args->a[0], (int)args->a[1], args->a[2], 2, 0); }

static long do_readlink(int dirfd, uint64_t upath, uint64_t ubuf, int64_t size)
{
    if (size <= 0)
        return -EINVAL;
    char *path;
    long err = get_path(upath, &path);
    if (err)
        return err;
    struct vnode *at;
    err = at_dir(dirfd, path, &at);
    char *k = kmalloc(VFS_PATH_MAX);
    if (!err && !k)
        err = -ENOMEM;
    if (!err) {
        struct vfs_ctx c = vfs_ctx_of(cur());
        err = vfs_readlink(&c, at, path, k, MIN((size_t)size, (size_t)VFS_PATH_MAX));
        if (err > 0 && copy_to_user((void *)ubuf, k, (size_t)err))
            err = -EFAULT;
    }
    vnode_put(at);
    kfree(k);
    kfree(path);
    return err;
}

SYSCALL(readlink) { return do_readlink(AT_FDCWD, args->a[0], args->a[1], (int64_t)args->a[2]); }
SYSCALL(readlinkat) { return do_readlink((int)args->a[0], args->a[1], args->a[2], (int64_t)args->a[3]); }
