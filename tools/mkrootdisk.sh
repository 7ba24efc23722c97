#!/usr/bin/env bash
# A root disk for root=/dev/vda: mkrootdisk.sh OUT.img [SIZE (default 128M)] makes an
# ext2 image holding the product initramfs's tree (build/initramfs-product.cpio,
# owners and modes as packed), labelled oscortex-root. Needs root (or fakeroot) so
# the files keep their owners.
set -euo pipefail
out=$1
size=${2:-128M}
root=$(cd "$(dirname "$0")/.." && pwd)
cpio_file=${ROOT_CPIO:-$root/build/initramfs-product.cpio}
[ -f "$cpio_file" ] || { echo "mkrootdisk: $cpio_file missing (make build/initramfs-product.cpio)" >&2; exit 1; }
run=()
if [ "$(id -u)" != 0 ]; then
    command -v fakeroot >/dev/null || { echo "mkrootdisk: needs root or fakeroot" >&2; exit 1; }
    run=(fakeroot)
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -f "$out"
mkdir -p "$stage/tree"
"${run[@]}" bash -c 'cd "$1" && cpio -idm --quiet --no-absolute-filenames < "$2" &&
    mke2fs -q -F -t ext2 -b 4096 -L oscortex-root -d "$1" "$3" "$4"' _ "$stage/tree" "$cpio_file" "$out" "$size"
