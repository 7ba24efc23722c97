/* sysfs's network part (sysfs_net.c): /sys/class/net/<name>/ with Linux's
 * attribute files and statistics/ counters. Node numbers (pnode idx) from
 * SYSFS_NET_IDX up are network nodes. */
#pragma once

#include "pseudofs.h"

#define SYSFS_NET_IDX   200000

/* Makes the nodes for every registered device under net_dir (table row net_idx);
 * false when out of memory. */
bool sysfs_net_create(struct vfs_fs *fs, const struct vnode_ops *ops, int net_idx,
                      struct vnode *net_dir);
/* As sysfs_pci_lookup/readdir/gen, for network nodes; NULL, -ENOENT or -EISDIR
 * when dir_idx or n is not one of them. */
struct vnode *sysfs_net_lookup(int dir_idx, const char *name, size_t len);
int sysfs_net_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                      struct vnode **v);
int sysfs_net_gen(struct pnode *n, struct pbuf *b);
