#!/usr/bin/env bash
# Installs every Debian package that building, running and testing OSCortex needs.
# Idempotent: when everything is present it only runs dpkg-query (well under 1 s).
set -euo pipefail
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

PACKAGES=(
    gcc make binutils python3
    grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
    qemu-system-x86 ovmf
    console-setup-linux
    musl-tools busybox-static cpio
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    [ $quiet = 1 ] || echo "setup: all packages present"
    exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
