#!/usr/bin/env bash
# make test-smp: the multiprocessor runs that do not fit in make test's 30 minutes —
# the in-OS suite (every KTEST and user test program) at -smp 4, busybox's own
# testsuite at -smp 2. make test already runs the suite at -smp 1 (normal build)
# and -smp 2 (lock-checking build) and the 1000 launches at -smp 2 and 4. One VM
# at a time; ends with "N passed, N failed" like make test.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
isodir=build/test-iso
passed=0 failed=0
start=$(date +%s)
. tests/lib.sh         # add, qemu_test

echo "== build"
if ! make --no-print-directory || ! mkdir -p "$isodir" build/test-results ||
   ! bash tools/mkiso.sh "$isodir/test.iso" test; then
    echo "FAIL build"
    echo "0 passed, 1 failed"
    exit 1
fi

echo "== QEMU tests on several CPUs"
qemu_test tests/qemu/selftest.py --smp 2 "$isodir/test.iso"
qemu_test tests/qemu/selftest.py --smp 4 "$isodir/test.iso"
qemu_test tests/qemu/busybox_suite.py --smp 2
echo "== done in $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
