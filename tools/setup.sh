#!/usr/bin/env bash
# Installs every Debian package that building, running and testing OSCortex needs.
# Idempotent: when everything is present it only runs dpkg-query (well under 1 s).
#   setup.sh [--quiet] [--gui] [--bench]
#     --gui adds QEMU's window front-ends (make run with a display);
#     --bench adds what `make bench` needs beyond the build (gnuplot for the chart).
set -euo pipefail
quiet=0 gui=0 bench=0
for a in "$@"; do
    case $a in
        --quiet) quiet=1 ;;
        --gui) gui=1 ;;
        --bench) bench=1 ;;
        *) echo "usage: setup.sh [--quiet] [--gui] [--bench]" >&2; exit 2 ;;
    esac
done

PACKAGES=(
    gcc make binutils python3                               # kernel, host tests (ASan/UBSan come with gcc)
    grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools   # the hybrid BIOS/UEFI ISO
    qemu-system-x86 ovmf                                    # boot tests, make run (SeaBIOS comes with qemu)
    console-setup-linux                                     # PSF console fonts
    musl-tools busybox-static cpio                          # userland: init, tests, initramfs
    e2fsprogs                                               # mke2fs/e2fsck: ext2 test images
    dpkg-dev                                                # dpkg-source: busybox's own testsuite (tests/suites/)
    fonts-inter fonts-dejavu-core                           # the UI and terminal fonts
    pkg-config libfreetype-dev libpixman-1-dev libpng-dev zlib1g-dev libbrotli-dev  # glibc builds of apps that draw
    curl iproute2 util-linux                                # tests/qemu/netapps.py: curl, ip, unshare
    evtest bsdutils fbset                                   # input.py, dynexe.py, fbdev.py: evtest, script, fbset
)
[ $gui = 1 ] && PACKAGES+=(qemu-system-gui)
# Debian's kernel for the Linux side is fetched by tools/bench.py with `apt-get
# download` (unpacked under build/, not installed), so it is not listed here.
[ $bench = 1 ] && PACKAGES+=(gnuplot-nox)

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
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
