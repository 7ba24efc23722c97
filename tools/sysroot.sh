#!/usr/bin/env bash
# Builds the graphics libraries apps link (zlib, libpng, FreeType, pixman) for musl
# from Debian's source packages into build/sysroot/musl/{include,lib}. Only the
# pristine upstream tarballs are used (no Debian patches are needed for a static
# build); nothing of them is committed. Idempotent: a second run only checks the
# stamp. On failure one line "sysroot: ..." on stderr and exit 1; the build logs
# stay in build/third_party/gfx/<package>.log.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
top=${SYSROOT_SRC:-$root/build/third_party/gfx}
prefix=${SYSROOT:-$root/build/sysroot/musl}
cc=${MUSL_CC:-musl-gcc}
stamp=$prefix/.built-v1
die() { echo "sysroot: $*" >&2; exit 1; }
[ -f "$stamp" ] && exit 0
command -v "$cc" >/dev/null || die "$cc not found (tools/setup.sh installs musl-tools)"

mkdir -p "$top/dl" "$prefix" || die "cannot create $top or $prefix"
. "$root/tools/debsrc.sh"

# The upstream tarball of source package $1 (its main one, not -component extras).
orig_of() { ls "$top/dl/$1"_*.orig.tar.* 2>/dev/null | grep -v -- '-[a-z0-9]*\.tar\.' | grep -v '\.asc$' | head -1; }

# Debian's mirrors sometimes lack a security update's .debian.tar; apt then stops
# before the orig tarball. Every listed version shares the orig, so try each.
fetch() {
    local pkg=$1 v
    [ -n "$(orig_of "$pkg")" ] && return 0
    ensure_deb_src
    (cd "$top/dl" && apt_quiet source --download-only "$pkg")
    [ -n "$(orig_of "$pkg")" ] && return 0
    for v in $(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p'); do
        (cd "$top/dl" && apt_quiet source --download-only "$pkg=$v")
        [ -n "$(orig_of "$pkg")" ] && return 0
    done
    die "apt-get source $pkg gave no upstream tarball (no network? see $top/apt.log)"
}

unpack() {
    local pkg=$1 dir=$top/$1
    rm -rf "$dir" && mkdir -p "$dir" || die "cannot create $dir"
    tar -xf "$(orig_of "$pkg")" -C "$dir" --strip-components=1 || die "cannot unpack $pkg"
}

# configure && make && make install for package $1 with configure arguments $2...
build() {
    local pkg=$1; shift
    local log=$top/$pkg.log
    echo "  SYSROOT $pkg" >&2
    (cd "$top/$pkg" &&
        CC=$cc CFLAGS="-O2 -fPIC" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib" \
            PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH="" \
            ./configure --prefix="$prefix" "$@" &&
        make -j"$(nproc)" && make install) > "$log" 2>&1 || die "building $pkg failed (see $log)"
}

for p in zlib libpng1.6 freetype pixman; do fetch "$p"; unpack "$p"; done

# zlib's configure is its own script: it takes --static, not autoconf's options.
build zlib --static
build libpng1.6 --disable-shared --enable-static
build freetype --disable-shared --enable-static --with-zlib=yes --with-png=yes \
    --without-bzip2 --without-harfbuzz --without-brotli
build pixman --disable-shared --enable-static --disable-gtk --disable-libpng --disable-openmp

for f in libz.a libpng16.a libfreetype.a libpixman-1.a; do
    [ -f "$prefix/lib/$f" ] || die "$f was not installed in $prefix/lib"
done
touch "$stamp"
