#!/usr/bin/env bash
# Makes the ext2 images test_ext2.c (and tests/fuzz/fuzz_ext2.c, tests/qemu/ext2.py)
# read: a staging tree with every kind of file ext2 stores (files needing direct,
# single, double and triple indirect blocks, sparse holes, fast and slow symlinks,
# a hard link, device nodes, a FIFO, nested directories, a directory of 300
# entries), written by Debian's mke2fs -t ext2 -d at 1 KiB and 4 KiB blocks, and a
# revision 0 image. Usage: setup_ext2.sh DIR   (DIR/tree, DIR/{1k,4k,rev0}.img; DIR/tree0
# is tree without sparse5g, what rev0.img holds)
set -euo pipefail
dir=$(cd "$1" && pwd)
command -v mke2fs >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v mke2fs >/dev/null || { echo "setup_ext2: missing mke2fs (e2fsprogs: bash tools/setup.sh)"; exit 1; }
command -v python3 >/dev/null || { echo "setup_ext2: missing python3"; exit 1; }
tree=$dir/tree
rm -rf "$tree"; mkdir -p "$tree"
python3 - "$tree" <<'PY'
import os, sys
t = sys.argv[1]
def data(n, seed):
    return bytes((i * 131 + seed * 7 + (i >> 10)) & 0xff for i in range(n))
def write(path, n, seed, mode=0o644):
    p = os.path.join(t, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data(n, seed))
    os.chmod(p, mode)
write("empty", 0, 0)
write("small.txt", 13, 1)
write("direct12k", 12 * 1024, 2)              # exactly the direct blocks at 1 KiB
write("single300k", 300 * 1024 + 17, 3)       # single (and double at 1 KiB) indirect
write("double5m", 5 * 1024 * 1024 + 5, 4, 0o755)   # double indirect at 1 KiB and 4 KiB
# Sparse: a few blocks at 80 MiB need the triple indirect block with 1 KiB blocks;
# one at 5 GiB needs it with 4 KiB blocks. Holes everywhere else.
with open(os.path.join(t, "sparse80m"), "wb") as f:
    f.write(b"head")
    f.seek(80 * 1024 * 1024 + 1000)
    f.write(data(3000, 5))
with open(os.path.join(t, "sparse5g"), "wb") as f:
    f.seek(5 * 1024 * 1024 * 1024 + 4000)
    f.write(data(5000, 6))
os.makedirs(os.path.join(t, "a/b/c/d"))
write("a/b/c/d/deep.txt", 777, 7)
write("a/b/mid.bin", 4097, 8, 0o600)
os.symlink("small.txt", os.path.join(t, "fastlink"))
slow = "a/b/c/d/" + "./" * 40 + "deep.txt"       # > 60 bytes: a slow symlink
os.symlink(slow, os.path.join(t, "slowlink"))
os.symlink("/nonexistent/dangling", os.path.join(t, "a/dangling"))
os.link(os.path.join(t, "small.txt"), os.path.join(t, "a/hardlink"))
os.makedirs(os.path.join(t, "many"))
for i in range(300):
    write("many/entry-%03d-%s" % (i, "n" * (i % 40)), i, i)
os.mkfifo(os.path.join(t, "a/fifo"))
if os.getuid() == 0:
    os.mknod(os.path.join(t, "a/null"), 0o20666, os.makedev(1, 3))
    os.mknod(os.path.join(t, "a/vdb9"), 0o60640, os.makedev(254, 25))
    os.mknod(os.path.join(t, "a/bigdev"), 0o20600, os.makedev(300, 70000))   # new encoding
    os.chown(os.path.join(t, "a/b/mid.bin"), 1234, 5678)
    os.lchown(os.path.join(t, "fastlink"), 42, 43)
os.chmod(os.path.join(t, "a/b"), 0o750)
PY
# A static program to run from the filesystem (busybox-static, from tools/setup.sh).
mkdir -p "$tree/bin"; cp /bin/busybox "$tree/bin/busybox"; chmod 755 "$tree/bin/busybox"
[ "$(id -u)" = 0 ] || touch "$dir/no-device-node"   # the test then fails its device checks
find "$tree" -exec touch -h -d @1700000000 {} +
touch -h -d @1600000000 "$tree/a/b/mid.bin"
rm -f "$dir"/*.img
mke2fs -q -F -t ext2 -b 1024 -L osc1k -E root_owner=0:0 -d "$tree" "$dir/1k.img" 16M
mke2fs -q -F -t ext2 -b 4096 -L osc4k -E root_owner=0:0 -d "$tree" "$dir/4k.img" 16M
# Revision 0: 128-byte inodes, no features (no file type in directory entries); a
# file above 2 GiB would force large_file and revision 1, so without sparse5g.
rm -rf "$dir/tree0"; cp -a "$tree" "$dir/tree0"; rm "$dir/tree0/sparse5g"
mke2fs -q -F -t ext2 -r 0 -b 1024 -E root_owner=0:0 -d "$dir/tree0" "$dir/rev0.img" 16M
e2fsck -fn "$dir/1k.img" >/dev/null
e2fsck -fn "$dir/4k.img" >/dev/null
e2fsck -fn "$dir/rev0.img" >/dev/null
