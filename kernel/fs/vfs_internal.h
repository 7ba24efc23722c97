/* Shared between the VFS core files (vfs.c, file.c, fdtable.c); not an API for
 * the rest of the kernel. */
#pragma once

#include <osc/vfs.h>

/* Sets ctime (and mtime when asked) to now. Caller holds `vfs`. */
void vnode_touch(struct vnode *v, bool mtime);

/* The parent of directory dir as ".." sees it: across mount points, never above
 * root (NULL: the global root's own parent is itself). Caller holds `vfs`. */
struct vnode *vnode_dotdot(struct vnode *dir, const struct vnode *root);

/* Operations of files opened on regular files and on directories (vfs_open). */
extern const struct file_ops vfs_reg_ops;
extern const struct file_ops vfs_dir_ops;

/* Hooks into the lock, seal and inotify code, which the host tests do not build. */
#ifdef HOST_TEST
static inline void locks_close_posix_hook(struct file *f, struct fdtable *t) { (void)f; (void)t; }
static inline void locks_release_hook(struct file *f) { (void)f; }
static inline void vnode_free_hook(struct vnode *v) { (void)v; }
#else
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
#endif
