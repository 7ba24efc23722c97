/* ext2 (kernel/fs/ext2/): the read-only driver's entry points for mount(2). */
#pragma once

#include <osc/vfs.h>

struct blkdev;
/* Reads and checks dev's superblock, group descriptors and root inode: 0 and a
 * filesystem ready for vfs_mount (read-only: st_flags gains ST_RDONLY), -EINVAL
 * (not ext2, or features it does not read), -EUCLEAN, -EIO, -ENOMEM; logged. */
int ext2_mount(struct blkdev *dev, uint32_t st_flags, struct vfs_fs **out);
/* Frees a filesystem from ext2_mount that was never mounted. */
void ext2_discard(struct vfs_fs *fs);
