#!/usr/bin/env bash
# Fetches the testsuite of the busybox we ship (Debian's busybox-static, /bin/busybox)
# from Debian's `busybox` source package and lays it out as a busybox build tree
# would: build/suites/busybox/stage/{busybox -> /bin/busybox, .config, testsuite/,
# run-suite.sh}. The .config is debian/config/pkg/static, the configuration the
# static binary was built with (runtest reads it to skip applets and features that
# are not built). Nothing is committed: the source stays under build/.
# Idempotent: a second run with the same version only checks the stamp.
# Enables deb-src (a `Types: deb-src` copy of the Debian entries) when no source
# index is configured; needs root (or sudo) only then. Prints the stage directory on
# success; on any failure one line "busybox-fetch: ..." on stderr and exit 1.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
top=${BUSYBOX_SUITE_DIR:-$root/build/suites/busybox}   # overridable for tests of this script
stage=$top/stage
die() { echo "busybox-fetch: $*" >&2; exit 1; }

pkg=busybox-static
ver=$(dpkg-query -W -f='${source:Version}' "$pkg" 2>/dev/null) || die "$pkg is not installed (tools/setup.sh)"
src_pkg=$(dpkg-query -W -f='${source:Package}' "$pkg")
stamp=$top/fetched-$src_pkg-${ver//:/_}
if [ -f "$stamp" ] && [ -x "$stage/testsuite/runtest" ]; then
    cp "$root/tests/suites/run-suite.sh" "$stage/run-suite.sh"
    echo "$stage"; exit 0
fi
command -v dpkg-source > /dev/null || die "dpkg-source missing (package dpkg-dev; tools/setup.sh installs it)"

mkdir -p "$top/dl" || die "cannot create $top"
. "$root/tools/debsrc.sh"
ensure_deb_src
want="$src_pkg=$ver"
cd "$top/dl" || die "cannot enter $top/dl"
if ! ls ./*.dsc > /dev/null 2>&1 || ! ls ./"${src_pkg}_${ver#*:}.dsc" > /dev/null 2>&1; then
    rm -f ./*
    # The source index may be missing or stale although deb-src is configured: update once.
    apt_quiet source --download-only "$want" || { apt_quiet update && apt_quiet source --download-only "$want"; } ||
        die "apt-get source $want failed (no network? see $top/apt.log)"
fi
# _apt cannot read root-only dirs; the download is done by then.
rm -rf "$top/src"
dpkg-source -x "${src_pkg}_${ver#*:}.dsc" "$top/src" > "$top/dpkg-source.log" 2>&1 ||
    die "dpkg-source -x failed (see $top/dpkg-source.log)"
[ -x "$top/src/testsuite/runtest" ] || die "no testsuite/runtest in the source"
[ -f "$top/src/debian/config/pkg/static" ] || die "no debian/config/pkg/static in the source"

rm -rf "$stage"
mkdir -p "$stage"
cp -a "$top/src/testsuite" "$stage/testsuite"
cp "$top/src/debian/config/pkg/static" "$stage/.config"
ln -s /bin/busybox "$stage/busybox"
cp "$root/tests/suites/run-suite.sh" "$stage/run-suite.sh"
touch "$stamp"
echo "$stage"
