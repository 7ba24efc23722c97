/* Virtual filesystem: the interface the rest of the kernel uses. The VFS owns
 * struct fdtable and struct vnode (opaque elsewhere) and fills a process's files,
 * cwd and root through the hooks below, which the process core calls.
 * (kernel/fs extends this header with its own API.) */
#pragma once

#include <osc/types.h>

struct process;

/* Unpacks the initramfs module into the root filesystem and mounts /dev, /tmp,
 * /proc, /sys; logs [vfs]. */
void vfs_init(void);

/* Reads a whole regular file (after path resolution from the root, following
 * symlinks) into a kmalloc'd buffer the caller kfree()s. 0 or a negative errno. */
int vfs_read_file(const char *path, void **data, size_t *len);

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
