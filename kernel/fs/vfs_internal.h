/* Shared between the VFS core files (vfs.c, file.c, fdtable.c); not an API for
 * the rest of the kernel. */
#pragma once

#include <osc/vfs.h>

/* `vfs` shared (path walks that change nothing; vfs_vnode.c) or, with the _mode
 * forms, shared or exclusive as asked. */
void vfs_lock_shared(void);
void vfs_unlock_shared(void);
void vfs_lock_mode(bool shared);
void vfs_unlock_mode(bool shared);
/* vfs_lookup with `vfs` already held (exclusive); no reference taken. */
int vfs_lookup_locked(const struct vfs_ctx *c, struct vnode *at, const char *path, int flags,
                      struct vnode **out);
/* Destroys v if nothing names or holds it; caller holds `vfs` exclusive (or runs
 * alone). */
void vnode_maybe_destroy(struct vnode *v);

/* Sets ctime (and mtime when asked) to now, under v's lock (vnode_touch takes it;
 * vnode_touch_locked's caller holds it). */
void vnode_touch(struct vnode *v, bool mtime);
void vnode_touch_locked(struct vnode *v, bool mtime);

/* The parent of directory dir as ".." sees it: across mount points, never above
 * root (NULL: the global root's own parent is itself). Caller holds `vfs`. */
struct vnode *vnode_dotdot(struct vnode *dir, const struct vnode *root);

/* Operations of files opened on regular files and on directories (vfs_open). */
extern const struct file_ops vfs_reg_ops;
extern const struct file_ops vfs_dir_ops;

/* inotify event bits (linux/inotify.h) the VFS reports. */
#define IN_ACCESS        0x00000001u
#define IN_MODIFY        0x00000002u
#define IN_ATTRIB        0x00000004u
#define IN_CLOSE_WRITE   0x00000008u
#define IN_CLOSE_NOWRITE 0x00000010u
#define IN_OPEN          0x00000020u
#define IN_MOVED_FROM    0x00000040u
#define IN_MOVED_TO      0x00000080u
#define IN_CREATE        0x00000100u
#define IN_DELETE        0x00000200u
#define IN_DELETE_SELF   0x00000400u
#define IN_MOVE_SELF     0x00000800u
#define IN_IGNORED       0x00008000u
#define IN_ISDIR         0x40000000u

/* Hooks into the lock, seal and inotify code, which the host tests do not build. */
#ifdef HOST_TEST
static inline bool notify_active(void) { return false; }
static inline uint32_t notify_cookie(void) { return 0; }
static inline void notify_locked(struct vnode *v, uint32_t mask) { (void)v; (void)mask; }
static inline void notify_dir_locked(struct vnode *dir, struct vnode *child, uint32_t mask,
                                     uint32_t cookie, const char *name, size_t len)
{
    (void)dir; (void)child; (void)mask; (void)cookie; (void)name; (void)len;
}
static inline void notify_file_locked(struct file *f, uint32_t mask) { (void)f; (void)mask; }
static inline void notify_gone_locked(struct vnode *v) { (void)v; }
static inline void locks_close_posix_hook(struct file *f, struct fdtable *t) { (void)f; (void)t; }
static inline void locks_release_hook(struct file *f) { (void)f; }
static inline void vnode_free_hook(struct vnode *v) { (void)v; }
static inline void vfs_write_kill_suid(struct vnode *v) { (void)v; }
#else
/* A write through an open file: vfs_kill_suid with the calling process's
 * credentials (fs_syscalls.c). */
void vfs_write_kill_suid(struct vnode *v);
static inline void locks_close_posix_hook(struct file *f, struct fdtable *t)
{
    if (f->vnode && f->vnode->locks)
        locks_close_posix(f, t);
}
static inline void locks_release_hook(struct file *f)
{
    if (f->vnode && f->vnode->locks)
        locks_release_file(f);
}
void vnode_free_hook(struct vnode *v);      /* locks, inotify watches */
/* inotify (inotify.c); every notify_*_locked runs with `vfs` held. */
bool notify_active(void);                   /* some watch exists somewhere */
uint32_t notify_cookie(void);               /* pairs IN_MOVED_FROM with IN_MOVED_TO */
/* An event on v itself (its own watches, no name). */
void notify_locked(struct vnode *v, uint32_t mask);
/* An event on dir's entry name for child (IN_CREATE, IN_DELETE, IN_MOVED_*). */
void notify_dir_locked(struct vnode *dir, struct vnode *child, uint32_t mask, uint32_t cookie,
                       const char *name, size_t len);
/* An event through open file f: its vnode's watches and its directory's (named). */
void notify_file_locked(struct file *f, uint32_t mask);
/* v lost its last name: IN_DELETE_SELF, then its watches end with IN_IGNORED. */
void notify_gone_locked(struct vnode *v);
void inotify_vnode_gone(struct vnode *v);
#endif

/* The calling process's open file for fd, with a reference (file_put it), or NULL
 * (fs_syscalls.c; the descriptor calls in fd_syscalls.c use it too). */
struct file *vfs_get_fd(int fd);
