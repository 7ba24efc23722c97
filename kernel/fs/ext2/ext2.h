/* ext2 (kernel/fs/ext2/): the driver's entry points for mount(2). */
#pragma once

#include <osc/vfs.h>

struct blkdev;
/* Reads and checks dev's superblock, group descriptors and root inode: 0 and a
 * filesystem ready for vfs_mount (read-write unless st_flags has ST_RDONLY),
 * -EINVAL (not ext2, or features it does not read, or for read-write, keep),
 * -EROFS (read-write on a read-only device), -EUCLEAN, -EIO, -ENOMEM; logged. */
int ext2_mount(struct blkdev *dev, uint32_t st_flags, struct vfs_fs **out);
/* Frees a filesystem from ext2_mount that was never mounted (written back first). */
void ext2_discard(struct vfs_fs *fs);
