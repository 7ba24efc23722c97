#!/usr/bin/env bash
# Builds the real executables test_elf.c parses: musl and glibc static hellos, a
# glibc static-PIE, a musl "static-pie" (Debian's musl-gcc gives it a PT_INTERP), a
# dynamic glibc PIE, copies of Debian's busybox-static and of glibc's dynamic loader
# (the PT_INTERP the dynamic PIE names). Usage: setup_elf.sh DIR
set -euo pipefail
dir=$1
need() { command -v "$1" >/dev/null || { echo "setup_elf: missing $1 (install $2: bash tools/setup.sh)"; exit 1; }; }
need gcc gcc
need musl-gcc musl-tools
[ -x /bin/busybox ] || { echo "setup_elf: missing /bin/busybox (install busybox-static)"; exit 1; }
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$dir/hello.c"
musl-gcc -static -O1 -o "$dir/musl-static" "$dir/hello.c"
musl-gcc -static-pie -O1 -o "$dir/musl-static-pie" "$dir/hello.c"
gcc -static -O1 -o "$dir/glibc-static" "$dir/hello.c"
gcc -static-pie -O1 -o "$dir/glibc-static-pie" "$dir/hello.c"
gcc -O1 -o "$dir/glibc-dynamic" "$dir/hello.c"
cp /bin/busybox "$dir/busybox"
cp -L /lib64/ld-linux-x86-64.so.2 "$dir/ld-linux"
