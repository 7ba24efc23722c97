/* The VFS's locks and vnode lifetimes: the namespace lock `vfs` (a reader-writer
 * lock, exclusive or shared), each vnode's mutex, and vnode references (a vnode
 * nothing names or holds is destroyed under `vfs`). */

#include <osc/vfs.h>
#include "vfs_internal.h"
#ifndef HOST_TEST
#include <osc/rwsem.h>
#endif

/* The VFS lock (rank 20, docs/locking.md), a reader-writer sleeping lock: the
 * namespace (mounts, directory entries, directory offsets), inotify watch lists.
 * vfs_lock() is exclusive; path walks that change nothing (vfs_lookup, vfs_open
 * without O_CREAT/O_TRUNC, through filesystems whose lookups are read-only) take
 * it shared. Never held while sleeping on a pipe or the tty. File data, sizes,
 * times and offsets are under each vnode's own mutex (rank 25), fd tables under
 * their spinlocks. */
#ifndef HOST_TEST
static struct rwsem vfs_rwsem;
static bool vfs_rwsem_ready;
static void vfs_lock_init(void)
{
    if (!vfs_rwsem_ready) {             /* first use is at boot, on one CPU */
        rwsem_init(&vfs_rwsem, "vfs", 20);
        vfs_rwsem_ready = true;
    }
}
void vfs_lock(void)
{
    vfs_lock_init();
    rwsem_down_write(&vfs_rwsem);
}
void vfs_unlock(void) { rwsem_up_write(&vfs_rwsem); }
void vfs_lock_shared(void)
{
    vfs_lock_init();
    rwsem_down_read(&vfs_rwsem);
}
void vfs_unlock_shared(void) { rwsem_up_read(&vfs_rwsem); }
#else
void vfs_lock(void) {}
void vfs_unlock(void) {}
void vfs_lock_shared(void) {}
void vfs_unlock_shared(void) {}
#endif

void vfs_lock_mode(bool shared)
{
    if (shared)
        vfs_lock_shared();
    else
        vfs_lock();
}

void vfs_unlock_mode(bool shared)
{
    if (shared)
        vfs_unlock_shared();
    else
        vfs_unlock();
}

#define RANK_VNODE 25

void vnode_init_lock(struct vnode *v) { mutex_init(&v->lock, "vnode", RANK_VNODE); }
void vnode_lock(struct vnode *v) { mutex_lock(&v->lock); }
void vnode_unlock(struct vnode *v) { mutex_unlock(&v->lock); }

void vnode_get(struct vnode *v)
{
    __atomic_add_fetch(&v->refcount, 1, __ATOMIC_RELAXED);
}

/* Frees v once nothing names it and nothing holds it. Call with `vfs` held or
 * from a single-threaded context. */
void vnode_maybe_destroy(struct vnode *v)
{
    if (v->refcount == 0 && v->nlink == 0 && v->ops && v->ops->destroy) {
        vnode_free_hook(v);
        v->ops->destroy(v);
    }
}

void vnode_put(struct vnode *v)
{
    if (!v)
        return;
    if (__atomic_sub_fetch(&v->refcount, 1, __ATOMIC_ACQ_REL) == 0 && v->nlink == 0) {
        vfs_lock();
        vnode_maybe_destroy(v);
        vfs_unlock();
    }
}
