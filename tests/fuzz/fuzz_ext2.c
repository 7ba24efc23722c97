/* libFuzzer target for the ext2 reader (kernel/fs/ext2/ext2_format.c, ext2_read.c;
 * tests/fuzz/run.sh): any image mounts or is refused with -EINVAL/-EUCLEAN/-EIO,
 * and a whole-tree walk over it (tests/host/ext2_mem.h: every inode, directory,
 * file start and end, link) never reads outside a block, leaks one or loops. */
#include <stdint.h>
#include <stdlib.h>
#include "../host/ext2_mem.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memfs m;
    int r = mem_mount(&m, data, size);
    REQUIRE(r == 0 || r == -EINVAL || r == -EUCLEAN || r == -EIO);
    REQUIRE(m.held == 0);
    if (r == 0) {
        REQUIRE(m.sb.block_size >= 1024 && m.sb.block_size <= 4096);
        REQUIRE((uint64_t)m.sb.blocks_count * m.sb.block_size <= size);
        mem_walk(&m, EXT2_ROOT_INO, 0);
        REQUIRE(m.held == 0);
    }
    mem_umount(&m);
    return 0;
}
