#!/usr/bin/env bash
# Makes the archives test_cpio.c reads: gnu.cpio from GNU `cpio -o -H newc` over a
# small tree (dirs, files of every length mod 4, an empty file, a symlink, a char
# device), and ours.cpio from tools/mkinitramfs.py, which GNU cpio must then list
# and extract identically. Usage: setup_cpio.sh DIR
set -euo pipefail
dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v cpio >/dev/null || { echo "setup_cpio: missing cpio (install cpio: bash tools/setup.sh)"; exit 1; }
command -v python3 >/dev/null || { echo "setup_cpio: missing python3"; exit 1; }

tree=$dir/tree
mkdir -p "$tree/a/b"
printf 'hello\n' > "$tree/a/hello.txt"
: > "$tree/a/empty"
printf '1' > "$tree/a/b/one"; printf '12' > "$tree/a/b/two"
printf '123' > "$tree/a/b/three"; printf '1234' > "$tree/a/b/four"
ln -s hello.txt "$tree/a/link"
if [ "$(id -u)" = 0 ]; then
    mknod "$tree/a/null" c 1 3
else
    touch "$dir/no-device-node"     # the test then fails its device check: run as root
fi
chmod 0755 "$tree" "$tree/a" "$tree/a/b"
chmod 0644 "$tree"/a/hello.txt "$tree"/a/empty "$tree"/a/b/*
find "$tree" -exec touch -h -d @1700000000 {} +
(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$dir/gnu.cpio"

cat > "$dir/manifest" <<EOM
# test manifest: every entry type
dir   /         0755
dir   /bin      0755
file  /bin/hello 0755 $tree/a/hello.txt
file  /empty    0600 $tree/a/empty
slink /bin/sh   0777 busybox
dir   /dev      0755
nod   /dev/console 0600 c 5 1
nod   /dev/vda  0660 b 254 0
file  /bin/four 0644 $tree/a/b/four
file  /bin/three 0644 $tree/a/b/three
EOM
python3 "$root/tools/mkinitramfs.py" "$dir/manifest" "$dir/ours.cpio"
python3 "$root/tools/mkinitramfs.py" "$dir/manifest" "$dir/ours2.cpio"
cmp "$dir/ours.cpio" "$dir/ours2.cpio"     # reproducible byte for byte
cpio -it --quiet < "$dir/ours.cpio" > "$dir/ours.list"
# GNU cpio must extract what we wrote: contents and link target.
mkdir -p "$dir/extract"
(cd "$dir/extract" && cpio -idm --quiet --no-absolute-filenames < "$dir/ours.cpio")
cmp "$dir/extract/bin/hello" "$tree/a/hello.txt"
cmp "$dir/extract/bin/three" "$tree/a/b/three"
[ "$(readlink "$dir/extract/bin/sh")" = busybox ]
# A manifest error (missing parent directory) must fail the tool.
printf 'file /nodir/x 0644 %s\n' "$tree/a/empty" > "$dir/bad.manifest"
if python3 "$root/tools/mkinitramfs.py" "$dir/bad.manifest" "$dir/bad.cpio" 2>/dev/null; then
    echo "setup_cpio: mkinitramfs accepted a file whose parent is not listed"; exit 1
fi
