#!/usr/bin/env bash
# Manifest (tools/mkinitramfs.py) of the process-core test initramfs: the test
# programs built from tests/proc/*.c, Debian's static busybox, a "#!" script.
# Usage: manifest.sh BUILD_DIR > manifest
set -euo pipefail
build=$1
echo "dir /bin 755"
echo "dir /test 755"
echo "file /bin/busybox 755 ${BUSYBOX:-/bin/busybox}"
echo "slink /bin/echo 777 busybox"
for b in "$build"/proc-tests/*; do
    echo "file /test/$(basename "$b") 755 $b"
done
echo "file /test/script.sh 755 tests/proc/script.sh"
