"""Disk images shared by the block-device checks (blockdev.py for virtio-blk,
nvme.py for NVMe): the same test disk layout, the pattern user/tests/blockdev.c
writes, and a disk QEMU's blkdebug fails at one sector."""

import os
import struct

HOST_AT = 4 << 20                                   # a block the host fills
PERSIST_AT, PERSIST_LEN = (1 << 20) + 100, 5000     # user/tests/blockdev.c
ERR_SIZE, ERR_SECTOR = 1 << 20, 1000


def pattern(off, seed):
    """The byte user/tests/blockdev.c writes at off."""
    return (off * 31 + seed * 7 + (off >> 9)) & 0xff


def persisted_bytes():
    """What user/tests/blockdev.c leaves at PERSIST_AT."""
    return bytearray(pattern(PERSIST_AT + j, 99) for j in range(PERSIST_LEN))


def test_disk(size):
    """A writable test disk: a marker line, an MBR with partition 1 (Linux, sectors
    2048..6143), and a known 4 KiB block at HOST_AT. Returns (image, that block)."""
    img = bytearray(size)
    marker = b"OSCTESTDISK %d rw\n" % size
    img[:len(marker)] = marker
    img[446:462] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 4096)
    img[510:512] = b"\x55\xaa"
    host = bytes((i * 13 + 5) & 0xff for i in range(4096))
    img[HOST_AT:HOST_AT + 4096] = host
    return img, host


def failing_disk(tmp):
    """An ERR_SIZE image and a blkdebug config failing every read of ERR_SECTOR with
    EIO: (config path, image path), for -drive file=blkdebug:CONF:IMG."""
    conf, img = os.path.join(tmp, "blkdebug.conf"), os.path.join(tmp, "err.img")
    with open(conf, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\n'
                'once = "off"\n' % ERR_SECTOR)
    with open(img, "wb") as f:
        f.truncate(ERR_SIZE)
    return conf, img
