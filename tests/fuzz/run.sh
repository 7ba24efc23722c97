#!/usr/bin/env bash
# Fuzzes the ELF, cpio and ext2 parsers with libFuzzer (clang -fsanitize=fuzzer,address,
# undefined) for a bounded time each. Not part of `make test`; run by hand:
#     bash tests/fuzz/run.sh [SECONDS_PER_TARGET]      (default 20)
# Seeds come from the host-test setup scripts (real binaries, real archives); the
# corpus grows in build/fuzz/corpus-*/ across runs; a crash leaves its input in
# build/fuzz/crash-* and makes this script exit non-zero. Reproduce one with
#     build/fuzz/fuzz_elf build/fuzz/crash-XXXX
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
secs=${1:-20}
out=build/fuzz
mkdir -p "$out"
command -v clang >/dev/null || { echo "fuzz: FAIL: clang missing (apt-get install clang)"; exit 1; }
CFLAGS=(-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -Ikernel/include -Ikernel/arch/x86_64/include -DHOST_TEST)
clang "${CFLAGS[@]}" -o "$out/fuzz_elf" tests/fuzz/fuzz_elf.c kernel/sys/elf.c || exit 1
clang "${CFLAGS[@]}" -o "$out/fuzz_cpio" tests/fuzz/fuzz_cpio.c kernel/fs/cpio.c || exit 1
clang "${CFLAGS[@]}" -o "$out/fuzz_ext2" tests/fuzz/fuzz_ext2.c kernel/fs/ext2/ext2_format.c \
    kernel/fs/ext2/ext2_read.c kernel/fs/ext2/ext2_write.c kernel/fs/ext2/ext2_dir.c || exit 1

# Seeds: small real binaries whole, big ones cut to their first 64 KiB (the parser
# reads headers; whole multi-MiB inputs would only slow mutation down).
seeds=$out/seeds
rm -rf "$seeds"; mkdir -p "$seeds/elf" "$seeds/cpio"
bash tests/host/setup_elf.sh "$seeds/elf" >/dev/null || { echo "fuzz: FAIL: setup_elf.sh"; exit 1; }
bash tests/host/setup_cpio.sh "$seeds/cpio" >/dev/null || { echo "fuzz: FAIL: setup_cpio.sh"; exit 1; }
mkdir -p "$out/corpus-elf" "$out/corpus-cpio" "$out/corpus-ext2"
for f in musl-static glibc-dynamic musl-static-pie glibc-static glibc-static-pie busybox ld-linux; do
    head -c 65536 "$seeds/elf/$f" > "$out/corpus-elf/seed-$f"
done
printf '#!/bin/sh -x\n' > "$out/corpus-elf/seed-script"
cp "$seeds/cpio/gnu.cpio" "$out/corpus-cpio/seed-gnu"
cp "$seeds/cpio/ours.cpio" "$out/corpus-cpio/seed-ours"
# ext2: tiny images (a whole image is the input), 1 KiB blocks and revision 0, of a
# tree with a file past the direct blocks, a subdirectory and both symlink kinds.
command -v mke2fs >/dev/null || PATH=$PATH:/usr/sbin:/sbin
t=$seeds/ext2-tree; rm -rf "$t"; mkdir -p "$t/d/e"
head -c 20000 /dev/urandom > "$t/d/f"; echo hi > "$t/d/e/g"
ln -s d/e/g "$t/l"; ln -s "d/e/$(printf 'x%.0s' $(seq 70))/../g" "$t/slow"; ln "$t/d/e/g" "$t/h"
mke2fs -q -F -t ext2 -b 1024 -N 32 -d "$t" "$out/corpus-ext2/seed-1k" 128k >/dev/null 2>&1 ||
    { echo "fuzz: FAIL: mke2fs (e2fsprogs)"; exit 1; }
mke2fs -q -F -t ext2 -r 0 -b 1024 -N 32 -d "$t" "$out/corpus-ext2/seed-rev0" 128k >/dev/null 2>&1

status=0
for t in elf cpio ext2; do
    echo "fuzz: $t for ${secs}s"
    max=65536
    [ $t = ext2 ] && max=131072
    "$out/fuzz_$t" -max_total_time="$secs" -max_len=$max -print_final_stats=1 \
        -artifact_prefix="$out/" "$out/corpus-$t" > "$out/fuzz_$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz_$t.log")
    echo "fuzz: $t: exit $rc, ${execs:-?} executions, corpus $(ls "$out/corpus-$t" | wc -l) inputs"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|Test unit written' "$out/fuzz_$t.log" | head -5
        status=1
    fi
done
[ $status -eq 0 ] && echo "fuzz: no crashes" || echo "fuzz: FAIL"
exit $status
