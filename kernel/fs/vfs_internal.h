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
