#!/usr/bin/env bash
# Fetches lwIP for the kernel's TCP/IP stack: Debian's `lwip` source package, only its
# pristine upstream tarball (Debian's patches add a Unix port that breaks a bare build),
# unpacked to build/third_party/lwip (lwip/src is what the Makefile compiles). Nothing
# of lwIP is committed. Idempotent: a second run only checks the stamp. Enables deb-src
# as tests/suites/busybox-fetch.sh does when no source index is configured (root or
# sudo needed only then). On failure one line "lwip-fetch: ..." on stderr and exit 1.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
top=${LWIP_DIR:-$root/build/third_party}
ver=2.1.3+dfsg1
orig=lwip_$ver.orig.tar.xz
sha256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
stamp=$top/lwip/.unpacked-$ver
die() { echo "lwip-fetch: $*" >&2; exit 1; }
[ -f "$stamp" ] && exit 0

mkdir -p "$top/dl" || die "cannot create $top"
. "$root/tools/debsrc.sh"
if ! echo "$sha256  $top/dl/$orig" | sha256sum -c --status 2>/dev/null; then
    ensure_deb_src
    cd "$top/dl" || die "cannot enter $top/dl"
    rm -f ./*
    # Any Debian revision of 2.1.3+dfsg1 carries the same orig tarball (checked below).
    apt_quiet source --download-only lwip || { apt_quiet update && apt_quiet source --download-only lwip; } ||
        die "apt-get source lwip failed (no network? see $top/apt.log)"
    echo "$sha256  $orig" | sha256sum -c --status || die "$orig missing or not the expected one"
fi
rm -rf "$top/lwip" "$top/lwip.tmp"
mkdir -p "$top/lwip.tmp" || die "cannot create $top/lwip.tmp"
tar -xJf "$top/dl/$orig" -C "$top/lwip.tmp" --strip-components=1 || die "cannot unpack $orig"
[ -f "$top/lwip.tmp/src/core/tcp.c" ] || die "no src/core/tcp.c in $orig"
mv "$top/lwip.tmp" "$top/lwip" && touch "$stamp"
