#!/usr/bin/env bash
# Makes the initramfs test_vfs.c unpacks, with tools/mkinitramfs.py: dirs, files, a
# symlink and a device node. Usage: setup_vfs.sh DIR
set -euo pipefail
dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
printf 'hello from initramfs\n' > "$dir/hello"
head -c 10000 /dev/zero | tr '\0' 'x' > "$dir/big"
cat > "$dir/manifest" <<EOM
dir   /         0755
dir   /bin      0755
dir   /etc      0755
file  /bin/busybox 0755 $dir/big
slink /bin/sh   0777 busybox
file  /etc/motd 0644 $dir/hello
dir   /dev      0755
nod   /dev/console 0600 c 5 1
EOM
python3 "$root/tools/mkinitramfs.py" "$dir/manifest" "$dir/initramfs.cpio"
