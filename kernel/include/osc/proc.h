/* Processes: an address space, open files, credentials and one or more threads.
 * The process core (kernel/proc) owns the structure; the VFS owns `files`, `cwd`
 * and `root`, filled and released through the hooks in <osc/vfs.h>
 * (vfs_proc_fork / vfs_proc_exec / vfs_proc_exit). */
#pragma once

#include <osc/types.h>

struct mm_space;        /* kernel/proc: page tables + VMAs (refcounted) */
struct fdtable;         /* kernel/fs */
struct vnode;           /* kernel/fs */

struct process {
    int pid;
    int pgid, sid;
    struct process *parent;
    struct mm_space *mm;
    struct fdtable *files;
    struct vnode *cwd;
    struct vnode *root;
    uint32_t umask;
    uint32_t uid, gid, euid, egid;
    char comm[16];              /* executable name, as /proc/<pid>/comm */
    void *proc_data;            /* rest owned by kernel/proc */
};

struct process *proc_current(void);    /* NULL on a kernel thread */
