/* Virtual filesystem: the interface the rest of the kernel uses. The VFS owns
 * struct fdtable and struct vnode and fills a process's files, cwd and root through
 * the hooks below, which the process core calls. kernel/fs: vfs.c (vnodes, mounts,
 * path walk, open files, fd tables), vfs_mount.c (mounts), tmpfs.c, initramfs.c,
 * devfs.c, pipe.c, tty.c, fs_syscalls.c, flock.c (file locks), statfs.c, memfd.c,
 * inotify.c, mount.c (mount(2), umount2(2)), ext2/ (read-only ext2). Locking
 * (docs/locking.md): the mutex `vfs` (rank 20) guards the namespace; each vnode's
 * mutex (`vnode`, rank 25) its data, size, times, seals and the offsets of regular
 * files open on it; each fd table its own spinlock (`fdtable`, rank 73); pipes and
 * the tty have their own spinlock + waitqueue and never block holding `vfs`. */
#pragma once

#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/types.h>

struct process;

/* Unpacks the initramfs module into the root filesystem and mounts /dev, /tmp,
 * /proc, /sys; logs [vfs]. */
void vfs_init(void);

/* Reads a whole regular file (after path resolution from the root, following
 * symlinks) into a kmalloc'd buffer the caller kfree()s. 0 or a negative errno. */
struct filepages;
int vfs_read_file(const char *path, void **data, size_t *len);
/* The same, and when pages is not NULL also the file's page store in *pages (a
 * reference the caller drops with filepages_put), or NULL when its filesystem keeps
 * none: exec maps program segments from it copy-on-write. */
int vfs_read_file_pages(const char *path, void **data, size_t *len, struct filepages **pages);
/* What execve opens: path resolved in c (the calling process's root and cwd, so
 * "./prog" is relative to its working directory), which must be a regular file with
 * at least one execute bit (else -EACCES, as Linux answers even root); read as
 * vfs_read_file_pages does; *st gets its attributes and *nosuid whether its mount
 * ignores set-user-ID bits (both may be NULL). */
struct vfs_ctx;
struct linux_stat;
int vfs_read_exec_file(const struct vfs_ctx *c, const char *path, void **data, size_t *len,
                       struct filepages **pages, struct linux_stat *st, bool *nosuid);

/* Process hooks. fork: the child gets a copy of the parent's descriptor table
 * (sharing open files) and its cwd/root. exec: descriptors marked close-on-exec are
 * closed. exit: everything is released. console: fds 0, 1, 2 on /dev/console for
 * the first process. Each returns 0 or a negative errno where it can fail. */
int vfs_proc_fork(struct process *child, const struct process *parent);
/* clone(CLONE_FILES) of a new process: the child shares the parent's descriptor
 * table (one table, refcounted) and its cwd/root. 0 or a negative errno. */
int vfs_proc_share_files(struct process *child, const struct process *parent);
void vfs_proc_exec(struct process *p);
void vfs_proc_exit(struct process *p);
int vfs_proc_init_console(struct process *p);

/* ---- Linux constants (x86_64 values) ---- */
#define VFS_PATH_MAX   4096     /* bytes including the NUL */
#define VFS_NAME_MAX   255
#define VFS_SYMLOOP_MAX 40
#define VFS_FD_MAX     1024     /* descriptors per process (RLIMIT_NOFILE-like) */

#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISUID  04000
#define S_ISGID  02000
#define S_ISVTX  01000
#define S_IXGRP  00010

#define O_ACCMODE   03
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_CLOEXEC   02000000
#define O_PATH      010000000
#define O_LARGEFILE 0100000

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_EACCESS          0x200
#define AT_EMPTY_PATH       0x1000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* Device numbers as Linux's new_encode_dev (st_rdev). */
#define VFS_MKDEV(ma, mi) ((((uint32_t)(ma) & 0xfff) << 8) | ((uint32_t)(mi) & 0xff) | \
                           (((uint32_t)(mi) & ~0xffu) << 12))
#define VFS_MAJOR(d) (((d) >> 8) & 0xfff)
#define VFS_MINOR(d) (((d) & 0xff) | (((d) >> 12) & 0xfff00))

/* ---- vnodes ---- */
struct vnode;
struct file;
struct vfs_fs;
struct filepages;
struct file_locks;
struct inotify_watch;

struct vfs_timespec { int64_t sec; int64_t nsec; };

struct vnode_ops {
    /* Directory ops; dir is a directory, name is not "." or "..", len <= NAME_MAX. */
    struct vnode *(*lookup)(struct vnode *dir, const char *name, size_t len);
    /* Creates an entry of mode (type | permissions); rdev for device nodes, target
     * (len tlen) for symlinks. Returns the new vnode (no reference taken) or ERR_PTR. */
    struct vnode *(*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
                            uint32_t rdev, const char *target, size_t tlen);
    int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *v);
    /* Removes the entry (the caller checked type and emptiness). */
    int (*unlink)(struct vnode *dir, const char *name, size_t len);
    /* Moves odir/oname to ndir/nname, replacing what is there (checked by the VFS). */
    int (*rename)(struct vnode *odir, const char *oname, size_t olen,
                  struct vnode *ndir, const char *nname, size_t nlen);
    /* The first entry at position *pos or after (0, 1 are "." and ".."): 0 and
     * fills name/v, with *pos set to that entry's position when the filesystem's
     * positions are sparse (tmpfs: positions survive deletions, so a directory
     * being emptied while listed is listed whole); -ENOENT past the end, or
     * another error (a corrupt disk: getdents64 answers it). */
    int (*readdir)(struct vnode *dir, uint64_t *pos, const char **name, size_t *len,
                   struct vnode **v);
    bool (*dir_empty)(struct vnode *dir);
    /* Regular files (kernel buffers). */
    ssize_t (*read)(struct vnode *v, void *buf, size_t n, uint64_t off);
    ssize_t (*write)(struct vnode *v, const void *buf, size_t n, uint64_t off);
    int (*truncate)(struct vnode *v, uint64_t size);
    /* Symlinks: the target, not NUL-terminated, stable while `vfs` is held. */
    int (*readlink)(struct vnode *v, const char **target, size_t *len);
    /* Optional, symlinks: a "magic" link (procfs's /proc/<pid>/fd/N) that leads to
     * a vnode itself rather than to a path, so a deleted file or a memfd can be
     * opened again through it. 0 and *out (no reference; valid while `vfs` is
     * held), or an error to resolve the link by its text instead. A link to a
     * file without a vnode (a pipe) answers only an open, which passes reopen:
     * then *reopen (referenced; its ops have .reopen) and *out = v itself. */
    int (*magic_link)(struct vnode *v, struct vnode **out, struct file **reopen);
    void (*destroy)(struct vnode *v);   /* nlink and refcount reached zero */
    /* Optional, regular files: called by vfs_open without `vfs` held once f exists;
     * may replace f->ops/f->priv (procfs snapshots the text here). 0 or -errno. */
    int (*open)(struct vnode *v, struct file *f);
    /* Optional, regular files: the file's pages for MAP_SHARED (<osc/filepages.h>),
     * fixed for the vnode's life (read without `vfs`; no reference taken). NULL:
     * the filesystem cannot share its pages (a writable shared mmap is -ENODEV). */
    struct filepages *(*pages)(struct vnode *v);
    /* Optional, regular files of a page-cached filesystem: read/write (pos: at off,
     * else at the file offset, which it moves) between a user buffer and the file's
     * cache pages directly, taking `vnode` only around the cache steps so the user
     * copies may fault. Bytes moved, or -errno when none were. */
    ssize_t (*rw_user)(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos,
                       uint64_t off);
    /* Optional, regular files: fsync/fdatasync of this file alone (its dirty pages,
     * its inode and the metadata they need); without it the whole filesystem. */
    int (*fsync)(struct vnode *v);
};

struct vnode {
    uint32_t mode;              /* S_IF* type | permission bits */
    uint32_t uid, gid;
    uint32_t nlink;             /* directory entries naming it (dirs: 2 + subdirs) */
    uint32_t rdev;              /* device nodes: VFS_MKDEV */
    uint64_t ino;
    /* Regular files: size, times, data and seals under `lock`; directories: size
     * (entry count) under `vfs`, times under `lock`. mode/uid/gid/nlink are written
     * under `vfs` (and `lock` for mode/uid/gid) and read by stat without it. */
    uint64_t size;
    struct vfs_timespec atime, mtime, ctime;
    /* Rank 25 (`vnode`, docs/locking.md): see above; also the offsets of the
     * regular files open on it. Taken inside `vfs`, never two at once; takes
     * `filepages`. Initialised by vnode_init_lock when the vnode is made. */
    struct mutex lock;
    int refcount;               /* open files, cwd/root, kernel holders (atomic) */
    const struct vnode_ops *ops;
    struct vfs_fs *fs;          /* the filesystem it belongs to */
    struct vnode *parent;       /* directories: the containing directory (NULL at fs root) */
    struct vfs_fs *mounted;     /* a filesystem mounted on this directory, or NULL */
    void *priv;                 /* special files: pipe state */
    /* Record and flock locks (flock.c): created on first use under `vfs`, then
     * fixed for the vnode's life; its own lock guards the lists. */
    struct file_locks *locks;
    struct inotify_watch *watches;  /* inotify watches on it (inotify.c), under `vfs` */
    uint32_t seals;             /* memfd F_SEAL_* bits (memfd.c), under `lock` */
    /* st_blocks as the filesystem counts them (ext2's i_blocks, sparse files);
     * without has_disk_blocks stat derives them from the size. */
    bool has_disk_blocks;
    uint64_t disk_blocks;
};

/* statfs(2) as a filesystem reports it (kernel/fs/statfs.c fills the rest). */
struct vfs_statfs {
    uint64_t blocks, bfree, files, ffree;       /* in bsize blocks; inodes */
    uint64_t bavail;            /* 0 with bsize 0: as bfree */
    uint32_t bsize;             /* 0: 4 KiB */
    uint64_t fsid;              /* 0: the device number */
};

#define VFS_TMPFS_MAGIC 0x01021994u /* linux/magic.h: tmpfs, devtmpfs, memfd */

/* statfs f_flags / mount options (linux/statfs.h ST_*). */
#define VFS_ST_RDONLY   0x0001u
#define VFS_ST_NOSUID   0x0002u
#define VFS_ST_NODEV    0x0004u
#define VFS_ST_NOEXEC   0x0008u
#define VFS_ST_NOATIME  0x0400u
#define VFS_ST_RELATIME 0x1000u

/* A filesystem instance; mounted at most once. */
struct vfs_fs {
    const char *type;
    uint32_t magic;             /* statfs f_type (Linux's *_MAGIC) */
    uint32_t st_flags;          /* statfs ST_* mount flags beyond ST_VALID */
    /* Its lookup, readlink and readdir change nothing (tmpfs): path walks may run
     * through it with `vfs` held shared. False: walks take `vfs` exclusive. */
    bool shared_walk;
    /* Optional: sizes for statfs; caller holds `vfs`. Without it all are 0. */
    void (*statfs)(struct vfs_fs *fs, struct vfs_statfs *st);
    /* Optional: umount2. Under `vfs` exclusive, after the VFS checked nothing is
     * mounted below it: -EBUSY while any of its vnodes is held (beyond the root's
     * own reference), else 0 and the filesystem is freed. Without it: -EBUSY. */
    int (*unmount)(struct vfs_fs *fs);
    /* Optional: writes everything dirty back to its disk (sync, syncfs, fsync);
     * called without `vfs` held or with it (sync walks the mounts under it). */
    int (*sync)(struct vfs_fs *fs);
    /* Optional: mount(MS_REMOUNT) with the new ST_* flags, under `vfs`
     * exclusive; 0 once st_flags are the new ones, or an error (-EBUSY: read-only
     * while writers is not 0). Without it only flags other than ST_RDONLY change. */
    int (*remount)(struct vfs_fs *fs, uint32_t st_flags);
    /* Regular files of it open for writing (atomic; struct file's writer). */
    int writers;
    const char *source;         /* /proc/mounts' first field (NULL: the type) */
    uint32_t blksize;           /* st_blksize of its files (0: 4096) */
    struct vnode *root;
    struct vnode *mountpoint;   /* NULL for the root filesystem */
    uint32_t dev;               /* st_dev */
    uint64_t next_ino;
    struct vfs_fs *next;
};

/* ---- open files ---- */
struct file_iovec { uint64_t base, len; };   /* struct iovec */
struct poll_table;
struct epitem;
struct file_ops {
    /* Optional, devices: binds a file just opened on node rdev (sets priv);
     * open_flags as open(2) got them (O_NOCTTY is not kept in f->flags). */
    int (*open)(struct file *f, uint32_t rdev, uint32_t open_flags);
    ssize_t (*read)(struct file *f, void *buf, size_t n);     /* kernel buffer */
    ssize_t (*write)(struct file *f, const void *buf, size_t n);
    long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);  /* arg: user value */
    int (*poll)(struct file *f);        /* POLLIN/POLLOUT/POLLHUP/POLLERR now ready */
    /* Optional: the wait queue woken (waitqueue_wake_*) whenever poll's answer may
     * have changed; poll and select sleep on it. Without one, poll's answer must
     * never change while the file is open (poll never waits on such a file). */
    struct waitqueue *(*poll_wq)(struct file *f);
    /* Optional, instead of poll_wq for waiting (epoll, timerfd): answers as poll does
     * and, while pt (may be NULL) is hooking, hooks the caller on every queue that
     * can change the answer itself (<osc/poll.h>). */
    int (*poll_pt)(struct file *f, struct poll_table *pt);
    void (*release)(struct file *f);    /* last reference gone */
    /* Optional: pread/pwrite-free positional read for files whose data lives in the
     * open file (procfs snapshots); called without `vfs`. */
    ssize_t (*pread)(struct file *f, void *buf, size_t n, uint64_t off);
    /* Optional: its pair for writes (block devices); called without `vfs`. */
    ssize_t (*pwrite)(struct file *f, const void *buf, size_t n, uint64_t off);
    /* Optional: fsync/fdatasync/syncfs write back to stable storage. Without it a
     * regular file, directory or symlink has nothing to write back (0) and any
     * other file answers -EINVAL, as Linux's files without f_op->fsync. */
    int (*fsync)(struct file *f);
    /* Optional: the size SEEK_END counts from, when it is not the vnode's (a block
     * device's capacity); called under `vfs`, must not take it. */
    uint64_t (*size)(struct file *f);
    /* Optional, files without a vnode: a new open file on the same object with
     * open(2)'s flags, for opens through /proc/<pid>/fd/N (a pipe gives another
     * read or write end). 0 and *out, or a negative errno. */
    int (*reopen)(struct file *f, uint32_t flags, struct file **out);
    /* Optional: read/write/readv/writev hand the user's iovecs (a kernel copy) here
     * whole, so a message-oriented file (a datagram socket) sees one record per
     * call instead of CHUNK-sized pieces. Bytes moved or -errno. */
    ssize_t (*rw_iov)(struct file *f, const struct file_iovec *iov, size_t cnt, bool write);
    /* Optional, files without a vnode: the page store mmap maps (MAP_SHARED shows
     * it as is), e.g. a compositor surface's pixels; a reference the caller drops. */
    struct filepages *(*pages)(struct file *f);
    uint32_t statfs_magic;      /* fstatfs f_type of a file without a vnode (0: pipefs) */
    uint32_t stat_mode;         /* fstat st_mode of a file without a vnode (0: a FIFO) */
    bool seekable;
    bool is_tty;
};

#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020
#define POLLRDHUP 0x2000        /* the peer shut down its writing side */

struct file {
    struct vnode *vnode;        /* reference held */
    const struct file_ops *ops;
    uint64_t off;               /* under the vnode's `lock` (directories: `vfs`) */
    uint32_t flags;             /* O_ access mode and status flags */
    int refcount;               /* fd slots + in-flight syscalls (atomic) */
    void *priv;
    char *path;                 /* regular files: absolute path at open (kmalloc'd, may
                                 * be NULL), for /proc/<pid>/fd; not canonicalised */
    /* Set at open while inotify watches exist: the directory and entry name it was
     * opened through (a reference; kmalloc'd), for events to the directory's watches. */
    struct vnode *notify_dir;
    char *notify_name;
    /* The epoll items watching this file (kernel/fs/epoll.c, under `epoll`); they
     * hold no reference: the last file_put removes them. */
    struct epitem *ep_links;
    /* Counted in its vnode's fs->writers (a regular file opened for writing);
     * the last file_put uncounts it. */
    bool writer;
};

struct fdtable {
    spinlock_t lock;            /* rank 73 (fdtable.c): everything below */
    int count;                  /* slots in use */
    int limit;                  /* RLIMIT_NOFILE's soft limit (0: VFS_FD_MAX) */
    struct file *fd[VFS_FD_MAX];
    uint64_t cloexec[VFS_FD_MAX / 64];
};

/* Where a path starts: the caller's root and current directory. */
struct vfs_ctx {
    struct vnode *root;
    struct vnode *cwd;
    uint32_t umask;
    uint32_t uid, gid;          /* filesystem ids: checked, and own what is created */
    /* false (a zeroed context): the kernel itself, which no check refuses. */
    bool checked;
    uint64_t caps;              /* effective capabilities, CAP_BIT(CAP_*) */
    uint32_t ngroups;
    const uint32_t *groups;     /* supplementary groups (the process's array) */
};

/* Permission checks as Linux's generic_permission and friends (vfs_perm.c), from
 * a vnode's mode, uid and gid, so every filesystem gets them. */
#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4
/* 0, -EACCES, or -EROFS for a write to a file, directory or symlink of a
 * read-only filesystem (which Linux checks first). */
int vfs_permission(const struct vfs_ctx *c, const struct vnode *v, int mask);
bool vfs_capable(const struct vfs_ctx *c, int cap);
bool vfs_in_group(const struct vfs_ctx *c, uint32_t gid);
/* The caller owns v or has CAP_FOWNER (chmod, explicit utimes, sticky dirs). */
bool vfs_owner_or_capable(const struct vfs_ctx *c, const struct vnode *v);
/* Adding an entry to dir: write and search permission. */
int vfs_may_create(const struct vfs_ctx *c, const struct vnode *dir);
/* Removing (or renaming away) v's entry in dir: write and search on dir, and in a
 * sticky dir, ownership of v or dir (or CAP_FOWNER): -EPERM. */
int vfs_may_delete(const struct vfs_ctx *c, const struct vnode *dir, const struct vnode *v);
/* chmod, chown, utimensat with their permission rules; times[i] NULL leaves it. */
int vfs_chmod_checked(const struct vfs_ctx *c, struct vnode *v, uint32_t mode);
int vfs_chown_checked(const struct vfs_ctx *c, struct vnode *v, uint32_t uid, uint32_t gid);
int vfs_utimes_checked(const struct vfs_ctx *c, struct vnode *v, const struct vfs_timespec *atime,
                       const struct vfs_timespec *mtime, bool explicit_times);
/* A write or truncate by someone without CAP_FSETID drops the set-user-ID bit,
 * and set-group-ID when group-executable (Linux's file_remove_privs). */
void vfs_kill_suid(const struct vfs_ctx *c, struct vnode *v);
/* open(2)'s internal flag for exec: execute permission instead of read. */
#define VFS_O_EXEC 010000000000

/* Linux struct stat, x86_64 layout (144 bytes). */
struct linux_stat {
    uint64_t st_dev, st_ino, st_nlink;
    uint32_t st_mode, st_uid, st_gid, pad0;
    uint64_t st_rdev;
    int64_t st_size, st_blksize, st_blocks;
    uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
    int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86_64");

/* ---- core (vfs.c): every call below takes `vfs` itself unless named _locked ---- */
void vfs_lock(void);
void vfs_unlock(void);
/* Creates the root filesystem (a tmpfs) if there is none; returns its root. */
struct vnode *vfs_root(void);
void vnode_get(struct vnode *v);
void vnode_put(struct vnode *v);
/* The per-vnode mutex (rank 25): every filesystem calls vnode_init_lock on each
 * vnode it makes, before anyone else can see it. */
void vnode_init_lock(struct vnode *v);
void vnode_lock(struct vnode *v);
void vnode_unlock(struct vnode *v);
/* Mounts fs on the directory at path (relative to the kernel root). */
int vfs_mount(const char *path, struct vfs_fs *fs);
/* mount(2)'s part: fs on the directory path names in c (-ENOTDIR, -EBUSY when the
 * directory already has a mount or another mounted filesystem has fs->dev, a
 * block device's number). */
int vfs_mount_ctx(const struct vfs_ctx *c, const char *path, struct vfs_fs *fs);
/* umount2's part: the filesystem mounted at path (its root) comes off: -EINVAL
 * when path is no mount root, -EBUSY while a mount sits below it or it is in use
 * (or it is a kernel filesystem without an unmount hook). */
int vfs_umount(const struct vfs_ctx *c, const char *path, int flags);
/* mount(MS_REMOUNT): the filesystem mounted at path (its root, -EINVAL for any
 * other directory) gets the ST_* flags st_flags (fs->remount decides); with
 * keep_atime its atime flags (NOATIME, RELATIME) stay as they are, as Linux
 * keeps them when a remount names none. */
int vfs_remount(const struct vfs_ctx *c, const char *path, uint32_t st_flags, bool keep_atime);
/* mount(2) with MS_MOVE: the filesystem mounted at from moves, with what is
 * mounted inside it, onto the directory to (-EINVAL when from is no mount root,
 * -EBUSY when to has a mount, -ELOOP when to lies inside the moved tree).
 * switch_root moves a disk onto "/" this way, then chroots into it. */
int vfs_mount_move(const struct vfs_ctx *c, const char *from, const char *to);
/* Whether v's filesystem is mounted read-only (writes answer -EROFS). */
static inline bool vnode_readonly(const struct vnode *v)
{
    return v->fs && (v->fs->st_flags & VFS_ST_RDONLY);
}
/* Every mounted filesystem, newest first through ->next (the root fs is not in it).
 * Caller holds `vfs`. */
struct vfs_fs *vfs_mounts_locked(void);
/* Every mounted filesystem's sync hook (fd_syscalls.c: sync(2), the flusher). */
void vfs_sync_all(void);
/* Starts the flusher thread (once; a read-write disk mount asks): every
 * VFS_FLUSH_SECONDS it writes each mounted filesystem's changes back. */
#define VFS_FLUSH_SECONDS 5
void vfs_flusher_start(void);

/* Path walk. flags: VFS_FOLLOW follows a final symlink; a trailing '/' implies
 * following and a directory result. Returns 0 and a referenced vnode. */
#define VFS_FOLLOW 1
int vfs_lookup(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
               struct vnode **out);

/* The namespace operations (Linux semantics and errnos); at is the start of a
 * relative path (NULL: c->cwd). */
int vfs_open(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
             uint32_t mode, struct file **out);
int vfs_mknod(const struct vfs_ctx *c, struct vnode *at, const char *path, uint32_t mode,
              uint32_t rdev);
int vfs_mkdir(const struct vfs_ctx *c, struct vnode *at, const char *path, uint32_t mode);
int vfs_symlink(const struct vfs_ctx *c, const char *target, struct vnode *at, const char *path);
int vfs_link(const struct vfs_ctx *c, struct vnode *oat, const char *opath, struct vnode *nat,
             const char *npath, int flags);
int vfs_unlink(const struct vfs_ctx *c, struct vnode *at, const char *path);
int vfs_rmdir(const struct vfs_ctx *c, struct vnode *at, const char *path);
int vfs_rename(const struct vfs_ctx *c, struct vnode *oat, const char *opath, struct vnode *nat,
               const char *npath);
/* Copies the target (not NUL-terminated) into buf; returns its length (truncated to
 * size) or -EINVAL when path is not a symlink. */
ssize_t vfs_readlink(const struct vfs_ctx *c, struct vnode *at, const char *path, char *buf,
                     size_t size);
int vfs_truncate_vnode(struct vnode *v, int64_t size);
int vfs_chmod_vnode(struct vnode *v, uint32_t mode);
int vfs_chown_vnode(struct vnode *v, uint32_t uid, uint32_t gid);
/* Sets access and modification times; a NULL time is left as it is. ctime = now. */
int vfs_utimes_vnode(struct vnode *v, const struct vfs_timespec *atime,
                     const struct vfs_timespec *mtime);
void vfs_stat_vnode(struct vnode *v, struct linux_stat *st);
/* The directory entry a path names, for inotify: dir referenced, name kmalloc'd;
 * both NULL when no watch exists or the path does not end in a plain entry. */
struct vfs_entry { struct vnode *dir; char *name; };
/* vfs_lookup that also fills *e (release it with vfs_entry_release). */
int vfs_lookup_entry(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                     struct vnode **out, struct vfs_entry *e);
void vfs_entry_release(struct vfs_entry *e);
/* inotify after a chmod/chown/utimes (data false: IN_ATTRIB) or a truncate (data:
 * IN_MODIFY) of v, reached through e (may be NULL): e's directory, then v. */
void vfs_notify_change(struct vnode *v, const struct vfs_entry *e, bool data);
/* The absolute path of dir as seen from root into buf; its length with the NUL, or
 * -ERANGE / -ENOENT (unlinked). */
int vfs_getcwd(const struct vfs_ctx *c, char *buf, size_t size);
/* The canonical absolute path (below c->root) of what path names, every symlink
 * followed, final one included, "." and ".." gone: what Linux's /proc/<pid>/exe
 * shows. Returns its length with the NUL, or -ENOENT, -ELOOP, -ERANGE, -ENOMEM. */
int vfs_realpath(const struct vfs_ctx *c, const char *path, char *buf, size_t size);
/* The walk context of p (its root, cwd, umask, effective ids); the kernel's own
 * (root everywhere, uid 0) for NULL. */
struct vfs_ctx vfs_ctx_of(struct process *p);

/* Open files. */
struct file *file_alloc(struct vnode *v, const struct file_ops *ops, uint32_t flags);
void file_get(struct file *f);
/* A reference unless the last one is already gone (f is being closed): false. */
bool file_tryget(struct file *f);
void file_put(struct file *f);
/* kernel/fs/epoll.c: the last reference to f is going; takes f out of every epoll
 * set (file_put calls it only when f is in one). */
void epoll_file_gone(struct file *f);
ssize_t file_read(struct file *f, void *buf, size_t n);
ssize_t file_write(struct file *f, const void *buf, size_t n);
ssize_t file_pread(struct file *f, void *buf, size_t n, uint64_t off);
ssize_t file_pwrite(struct file *f, const void *buf, size_t n, uint64_t off);
/* read/write/pread/pwrite of a user buffer straight to the file's cache pages when
 * its vnode has rw_user (else -ENOSYS: the caller copies through a kernel buffer). */
ssize_t file_rw_user(struct file *f, uint64_t ubuf, size_t n, bool write, bool pos,
                     uint64_t off);
int64_t file_lseek(struct file *f, int64_t off, int whence);
/* Fills buf with linux_dirent64 records; bytes written, 0 at the end, -EINVAL if
 * even one does not fit. */
ssize_t file_getdents64(struct file *f, void *buf, size_t size);

/* Descriptor tables. */
struct fdtable *fdtable_create(void);
struct fdtable *fdtable_clone(struct fdtable *t);
void fdtable_destroy(struct fdtable *t);
/* Installs f (taking a new reference) at the lowest free fd >= min below the
 * table's limit; the fd or -EMFILE. */
int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* A referenced file (file_put it) or NULL for a bad fd. */
struct file *fdtable_get(struct fdtable *t, int fd);
/* Whether fd is open now (a snapshot, no reference). */
bool fdtable_is_open(struct fdtable *t, int fd);
/* The table's spinlock, for readers that must look at a slot's file without taking
 * a reference (procfs, under `vfs`): the file stays while the lock is held. */
unsigned long fdtable_lock(struct fdtable *t);
void fdtable_unlock(struct fdtable *t, unsigned long flags);
int fdtable_close(struct fdtable *t, int fd);
int fdtable_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec);
int fdtable_get_cloexec(struct fdtable *t, int fd);
int fdtable_set_cloexec(struct fdtable *t, int fd, bool on);
void fdtable_close_on_exec(struct fdtable *t);
/* The first fd the table may not use: RLIMIT_NOFILE, at most VFS_FD_MAX. */
int fdtable_end(const struct fdtable *t);
/* setrlimit(RLIMIT_NOFILE). Open fds above stay open (Linux). */
void fdtable_set_limit(struct fdtable *t, uint64_t soft);

/* ---- file locks (flock.c) ---- */
/* fcntl F_GETLK/F_SETLK/F_SETLKW and the F_OFD_ ones on f: owner is the caller's
 * descriptor table (POSIX locks), pid the caller (l_pid); uarg its struct flock. */
long locks_fcntl(struct file *f, struct fdtable *owner, int pid, int cmd, uint64_t uarg);
long locks_flock(struct file *f, int op);               /* flock(2) */
/* A descriptor of f in owner was closed: every POSIX lock owner has on the file goes. */
void locks_close_posix(struct file *f, struct fdtable *owner);
void locks_release_file(struct file *f);    /* f's last reference: its OFD and flock locks */
void locks_vnode_free(struct vnode *v);     /* v is being destroyed */

/* ---- procfs, sysfs (procfs.c, sysfs.c, pseudofs.c) ---- */
struct vfs_fs *procfs_create(void);
struct vfs_fs *sysfs_create(void);
/* The name under /dev of character device rdev ("console"), or NULL. */
const char *devfs_name(uint32_t rdev);
/* The absolute path of directory d (under `vfs`, which the caller holds) into buf;
 * its length with the NUL, or -ERANGE / -ENOENT. */
int vfs_dir_path_locked(struct vnode *root, struct vnode *d, char *buf, size_t size);

/* ---- tmpfs (tmpfs.c) ---- */
struct vfs_fs *tmpfs_create(const char *type);
/* An unnamed regular file (nlink 0) on tmpfs fs, or ERR_PTR. Caller holds `vfs`. */
struct vnode *tmpfs_create_unlinked(struct vfs_fs *fs, uint32_t mode);

/* ---- memfd (memfd.c): F_ADD_SEALS / F_GET_SEALS; seals live in vnode->seals ---- */
#define VFS_SEAL_SEAL         0x0001    /* linux/fcntl.h F_SEAL_* */
#define VFS_SEAL_SHRINK       0x0002
#define VFS_SEAL_GROW         0x0004
#define VFS_SEAL_WRITE        0x0008
#define VFS_SEAL_FUTURE_WRITE 0x0010
#define VFS_SEAL_EXEC         0x0020    /* the x bits may not change (chmod -EPERM) */
long memfd_add_seals(struct file *f, uint32_t seals);
long memfd_get_seals(struct file *f);

/* ---- initramfs (initramfs.c) ---- */
struct initramfs_stats { size_t files, dirs, others, bytes, rejected; };
/* Unpacks the newc archive into dir. Unsafe names and entries whose parent is
 * missing are logged and skipped; a malformed archive stops with -EINVAL after the
 * good entries. */
int initramfs_unpack(struct vnode *dir, const void *buf, size_t len, struct initramfs_stats *st);

/* ---- pipes (pipe.c) ---- */
#define PIPE_BUF_SIZE (64 * 1024)
struct pipe_ring { uint8_t *buf; uint32_t head, tail; };  /* byte counters, mod size */
size_t pipe_ring_put(struct pipe_ring *r, const void *src, size_t n);
size_t pipe_ring_get(struct pipe_ring *r, void *dst, size_t n);
static inline size_t pipe_ring_used(const struct pipe_ring *r) { return r->head - r->tail; }
/* Two files: fds[0] reads, fds[1] writes. flags: O_NONBLOCK. */
int pipe_create(struct file **rd, struct file **wr, uint32_t flags);
/* Named pipes: binds f (just opened on FIFO v, `vfs` held) to v's pipe, made on
 * the first open: 0, -ENXIO (O_WRONLY|O_NONBLOCK and no reader) or -ENOMEM. Then,
 * without `vfs`, fifo_wait_peer blocks a read-only or write-only open until the
 * other end is opened (not O_NONBLOCK, not O_RDWR): 0 or -ERESTARTSYS. */
int fifo_attach_locked(struct file *f, struct vnode *v, uint32_t flags);
int fifo_wait_peer(struct file *f);

/* ---- devices (devfs.c, tty.c) ---- */
/* Opens the character device rdev on f (sets f->ops, and priv through its open
 * hook); -ENXIO when there is none, or what the hook returns. */
int devfs_open(struct file *f, uint32_t rdev, uint32_t open_flags);
int devfs_populate(struct vnode *dev);
extern const struct file_ops tty_console_ops;
extern const struct file_ops pty_master_ops;    /* /dev/ptmx (kernel/fs/pty.c) */
/* Where pty slave nodes are made (pts/N under it): devfs's /dev, once at boot. */
void pty_set_dev_dir(struct vnode *dev);
