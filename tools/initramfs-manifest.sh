#!/usr/bin/env bash
# Prints the standard initramfs manifest (tools/mkinitramfs.py format) on stdout:
# the directory skeleton, /bin/busybox with a symlink per applet (`busybox
# --list-full`), /sbin/init, /etc from user/rootfs/etc, and /usr/tests with every
# test program in both builds (NAME.musl, NAME.glibc) plus /usr/tests/LIST, the
# order init runs them in (not with PRODUCT=1). Paths are relative to the repository root, where
# mkinitramfs.py must run. Environment: BUILD (build), BUSYBOX (/bin/busybox),
# PRODUCT (1: no test programs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
busybox=${BUSYBOX:-/bin/busybox}

for d in / /bin /sbin /lib /etc /usr /usr/bin /usr/lib /usr/sbin /usr/tests /dev /tmp /proc /sys \
         /root /home /var /var/tmp; do
    mode=0755
    case $d in /tmp|/var/tmp) mode=1777 ;; /root) mode=0700 ;; esac
    echo "dir $d $mode"
done
# The normal user (docs/security.md): uid/gid 1000, its home its own.
echo "dir /home/user 0700 1000:1000"

echo "file /bin/busybox 0755 $busybox"
# su and passwd change ids and /etc/shadow for a normal user: they run from a
# set-user-ID root copy (busybox keeps root only for the applets that need it);
# every other applet runs from the plain binary.
echo "file /bin/busybox-suid 4755 $busybox"
# Applets go where Debian's busybox puts them; ours: /sbin/init. linuxrc is
# an initrd convention we don't use.
"$busybox" --list-full | sort | while read -r path; do
    case $path in
        bin/busybox|sbin/init|linuxrc|"") continue ;;
        bin/su|usr/bin/passwd) echo "slink /$path 0777 /bin/busybox-suid"; continue ;;
    esac
    echo "slink /$path 0777 /bin/busybox"
done

echo "file /sbin/init 0755 $build/user/musl/init"
# busybox switch_root (init's root=DEV, user/init/root.c) insists on an /init.
echo "slink /init 0777 /sbin/init"
echo "file /bin/osc-launch 0755 $build/user/musl/osc-launch"
echo "file /bin/sysfuzz 0755 $build/user/musl/sysfuzz"
# The apps are dynamic musl programs: musl's libc.so is also its dynamic linker,
# found at the path musl-gcc writes into PT_INTERP; libui.so (with FreeType,
# libpng, zlib and pixman in it) in /usr/lib, on musl's default search path.
musl_libc=${MUSL_LIBC:-/usr/lib/x86_64-linux-musl/libc.so}
echo "file /lib/ld-musl-x86_64.so.1 0755 $musl_libc"
echo "file /usr/lib/libui.so 0755 $build/user/musl/libui.so"
echo "file /bin/ui-demo 0755 $build/user/musl/ui-demo"
echo "file /bin/desktop 0755 $build/user/musl/desktop"
echo "file /bin/terminal 0755 $build/user/musl/terminal"
echo "file /bin/settings 0755 $build/user/musl/settings"
echo "file /bin/canvas 0755 $build/user/musl/canvas"
echo "file /bin/monitor 0755 $build/user/musl/monitor"
echo "file /bin/files 0755 $build/user/musl/files"
# App bundles: /Applications/<Name>.app/ with its manifest (user/apps/shell/bundle.h).
echo "dir /Applications 0755"
for app in user/rootfs/Applications/*.app; do
    [ -d "$app" ] || continue
    echo "dir /Applications/$(basename "$app") 0755"
    for f in "$app"/*; do
        echo "file /Applications/$(basename "$app")/$(basename "$f") 0644 $f"
    done
    # Its icon, drawn at build time by tools/mkicons.py.
    icon=$build/icons/$(basename "$app" .app).png
    [ -f "$icon" ] && echo "file /Applications/$(basename "$app")/icon.png 0644 $icon"
done
echo "file /bin/osc-demo-window 0755 $build/user/musl/osc-demo-window"
for f in user/rootfs/etc/*; do
    [ -f "$f" ] || continue
    mode=0644
    [ -x "$f" ] && mode=0755
    echo "file /etc/$(basename "$f") $mode $f"
done
# Password hashes, made at build time (user/user.mk), readable by root only.
echo "file /etc/shadow 0600 $build/rootfs/shadow"

# The UI fonts (Debian's fonts-inter and fonts-dejavu-core, where Debian puts them):
# Inter for the interface, DejaVu Sans Mono for terminals, DejaVu Sans as fallback.
fonts=(/usr/share/fonts/opentype/inter/Inter-Regular.otf /usr/share/fonts/opentype/inter/Inter-Bold.otf
       /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
       /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf)
for d in /usr/share /usr/share/fonts /usr/share/fonts/opentype /usr/share/fonts/opentype/inter \
         /usr/share/fonts/truetype /usr/share/fonts/truetype/dejavu; do
    echo "dir $d 0755"
done
for f in "${fonts[@]}"; do
    [ -f "$f" ] || { echo "initramfs-manifest: $f missing (tools/setup.sh installs it)" >&2; exit 1; }
    echo "file $f 0644 $f"
done

# The product image (PRODUCT=1: make run's desktop) stops here: the test programs
# are three quarters of the archive, and GRUB reading them is most of the boot.
[ "${PRODUCT:-0}" = 1 ] && exit 0

# Each area's musl build, then its glibc build.
list=$build/user/tests.LIST
: > "$list"
for src in $(ls user/tests/*.c | sort); do
    name=$(basename "$src" .c)
    for libc in musl glibc; do
        echo "file /usr/tests/$name.$libc 0755 $build/user/$libc/tests/$name"
        echo "$name.$libc" >> "$list"
    done
done
echo "file /usr/tests/LIST 0644 $list"

# The process core's KTEST programs (tests/proc/, built by the top Makefile into
# $build/proc-tests/) at /test, where those KTESTs look for them.
if [ -d tests/proc ] && compgen -G "$build/proc-tests/*" > /dev/null; then
    echo "dir /test 0755"
    for b in "$build"/proc-tests/*; do
        echo "file /test/$(basename "$b") 0755 $b"
    done
    [ -f tests/proc/script.sh ] && echo "file /test/script.sh 0755 tests/proc/script.sh"
fi
