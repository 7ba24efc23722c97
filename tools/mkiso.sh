#!/usr/bin/env bash
# Builds a hybrid BIOS+UEFI ISO with GRUB 2: mkiso.sh OUT.iso "KERNEL COMMAND LINE".
# Tests build variants with their own command line (test, fault=...) this way.
# The initramfs ($INITRAMFS, default build/initramfs.cpio) goes in as a multiboot2
# module when it exists.
set -euo pipefail
out=$1
cmdline=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${KERNEL:-$root/build/kernel.elf}
initramfs=${INITRAMFS:-$root/build/initramfs.cpio}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/kernel.elf"
module=""
if [ -f "$initramfs" ]; then
    cp "$initramfs" "$stage/boot/initramfs.cpio"
    module="module2 /boot/initramfs.cpio"
fi
cat > "$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
insmod all_video
menuentry "OSCortex" {
    multiboot2 /boot/kernel.elf $cmdline
    $module
    boot
}
CFG
grub-mkrescue -o "$out" "$stage" >/dev/null 2>&1 || { grub-mkrescue -o "$out" "$stage"; exit 1; }
