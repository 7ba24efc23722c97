/* sysfs's PCI part (sysfs_pci.c): /sys/bus/pci/devices/<addr> symlinks to
 * /sys/devices/pci0000:00/<addr>/ directories of attribute files, in Linux's formats.
 * Node numbers (pnode idx) from SYSFS_PCI_IDX up are PCI nodes. */
#pragma once

#include "pseudofs.h"

#define SYSFS_PCI_IDX   100000

/* Makes the nodes for every enumerated device; false when out of memory. */
bool sysfs_pci_create(struct vfs_fs *fs, const struct vnode_ops *ops, int devices_idx,
                      struct vnode *devices_dir, int root_idx, struct vnode *root_dir);
/* For directory node dir_idx (a table row or a PCI node): the child named, or NULL. */
struct vnode *sysfs_pci_lookup(int dir_idx, const char *name, size_t len);
/* The k-th PCI child of dir_idx; -ENOENT past the last. */
int sysfs_pci_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                      struct vnode **v);
int sysfs_pci_gen(struct pnode *n, struct pbuf *b);
int sysfs_pci_readlink(struct pnode *n, const char **target, size_t *len);
