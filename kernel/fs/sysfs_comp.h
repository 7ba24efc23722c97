/* sysfs's compositor part (sysfs_comp.c): /sys/compositor/windows/<id>/ with
 * title, geometry, pid, focused and semantics. Node numbers (pnode idx) from
 * SYSFS_COMP_IDX up are compositor nodes. */
#pragma once

#include "pseudofs.h"

#define SYSFS_COMP_IDX  300000

/* Makes a directory and its files for each of the compositor's window slots under
 * windows_dir (table row windows_idx); false when out of memory. */
bool sysfs_comp_create(struct vfs_fs *fs, const struct vnode_ops *ops, int windows_idx,
                       struct vnode *windows_dir);
/* As sysfs_net_lookup/readdir/gen, for compositor nodes. */
struct vnode *sysfs_comp_lookup(int dir_idx, const char *name, size_t len);
int sysfs_comp_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                       struct vnode **v);
int sysfs_comp_gen(struct pnode *n, struct pbuf *b);
