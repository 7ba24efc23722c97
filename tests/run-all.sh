#!/usr/bin/env bash
# Every test: build, host unit tests (ASan+UBSan), the user-space syscall tests on the
# host Linux (both libcs) and the initramfs's init in a chroot, harness self-checks,
# then the QEMU tests of the real ISO (BIOS and UEFI boot with splash screendumps,
# in-kernel self-tests, deliberate faults; user-space tests in OSCortex as XFAIL). One VM at a time, each with a hard timeout and a
# no-output watchdog. Artifacts (serial logs, PNGs) go to build/test-results/.
# Ends with exactly one line "N passed, N failed"; exits non-zero on any failure.
# Works without a terminal (CI: .ci/run).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results=build/test-results
isodir=build/test-iso
passed=0 failed=0
start=$(date +%s)

# add, summary_suite, qemu_test: counting helpers shared with tests/run-smp.sh.
. tests/lib.sh
finish() {
    echo "== done in $(( $(date +%s) - start ))s; artifacts in $results/"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

echo "== build"
if ! make --no-print-directory; then
    echo "FAIL build"
    add 0 1
    finish
fi
rm -rf "$results"
mkdir -p "$results" "$isodir"

echo "== host unit tests"
summary_suite host bash tests/host/run.sh

echo "== user-space tests on the host (user/tests/, musl and glibc builds)"
summary_suite user-host bash tests/user-host.sh

echo "== the initramfs on the host (chroot: init's test and osc.run modes)"
summary_suite initramfs-host bash tests/initramfs-host.sh

echo "== osc-run self-checks (serial filter, manifest additions)"
summary_suite osc-run python3 tests/osc_run_check.py

echo "== harness self-checks"
summary_suite harness python3 tests/qemu/test_harness.py

echo "== debug build (lock-order checking, LOCK_DEBUG)"
if make --no-print-directory -s BUILD=build/debug DEBUG=1 build/debug/kernel.elf &&
   KERNEL=build/debug/kernel.elf bash tools/mkiso.sh "$isodir/test-debug.iso" "test"; then
    debug_iso=yes
else
    echo "FAIL debug build"; add 0 1; debug_iso=
fi

echo "== variant ISOs"
for v in "test:test" "fault-page:fault=page" "fault-df:fault=df" "fault-spin:fault=spin" \
         "fault-stack:fault=stack" "fault-kstack:fault=kstack"; do
    name=${v%%:*} cmdline=${v#*:}
    if ! bash tools/mkiso.sh "$isodir/$name.iso" "$cmdline"; then
        echo "FAIL mkiso $name"; add 0 1
    fi
done

echo "== QEMU tests"
qemu_test tests/qemu/boot.py --firmware bios
qemu_test tests/qemu/boot.py --firmware uefi
qemu_test tests/qemu/selftest.py "$isodir/test.iso"
# The same suite with threads on two CPUs in the lock-order-checking build (make
# test-smp runs the normal build at -smp 2 and 4, and the longer suites).
[ -n "$debug_iso" ] && qemu_test tests/qemu/selftest.py --smp 2 "$isodir/test-debug.iso" debug-smp2
qemu_test tests/qemu/fault.py page "$isodir/fault-page.iso"
qemu_test tests/qemu/fault.py df "$isodir/fault-df.iso"
qemu_test tests/qemu/fault.py spin "$isodir/fault-spin.iso"
qemu_test tests/qemu/fault.py stack "$isodir/fault-stack.iso"
qemu_test tests/qemu/fault.py kstack "$isodir/fault-kstack.iso"
qemu_test tests/qemu/oscrun.py
qemu_test tests/qemu/pci.py
qemu_test tests/qemu/blockdev.py
qemu_test tests/qemu/net.py
qemu_test tests/qemu/netapps.py
qemu_test tests/qemu/netload.py
qemu_test tests/qemu/nvme.py
qemu_test tests/qemu/ext2.py
qemu_test tests/qemu/ext2_write.py
# root=/dev/vda: init switches to an ext2 disk (busybox switch_root), files persist.
qemu_test tests/qemu/rootdisk.py
qemu_test tests/qemu/busybox.py
qemu_test tests/qemu/dynexe.py
qemu_test tests/qemu/sysvipc.py
# busybox's own testsuite (Debian source, fetched into build/suites/) in OSCortex,
# compared test by test with the same suite on Linux (results cached).
qemu_test tests/qemu/busybox_suite.py
qemu_test tests/qemu/tty_shell.py build/oscortex.iso
# Users: rootfs owners, su/login/passwd (the login part on the serial console).
qemu_test tests/qemu/users.py build/oscortex.iso build/desktop.iso
qemu_test tests/qemu/tty_keyboard.py build/oscortex.iso
qemu_test tests/qemu/input.py
qemu_test tests/qemu/usb.py
qemu_test tests/qemu/beep.py
qemu_test tests/qemu/compositor.py
# /dev/fb0 as a window: Debian's fbset, a program painting through mmap.
qemu_test tests/qemu/fbdev.py
qemu_test tests/qemu/wm.py
qemu_test tests/qemu/ui_demo.py
qemu_test tests/qemu/terminal.py
qemu_test tests/qemu/desktop.py
# Settings and the home disk: two boots with one ext2 image (a setting survives the reboot).
qemu_test tests/qemu/settings.py
# Canvas and System Monitor: one boot (a stroke saved as PNG and read back, Kill).
qemu_test tests/qemu/apps.py
# Files: one boot (list /, make/rename/delete a folder, copy, viewers, an error dialog).
qemu_test tests/qemu/files.py
qemu_test tests/qemu/poweroff.py build/oscortex.iso
qemu_test tests/qemu/smp.py build/oscortex.iso
# 1000 app launches through osc-launch at -smp 2 and -smp 4: every one reaches its
# first output and runs on its home core (issue 9).
qemu_test tests/qemu/launches.py --smp 2 --smp 4
# The system-call fuzzer: 10^5 random calls from 4 processes at -smp 2, then the shell.
qemu_test tests/qemu/fuzz.py
# make bench's quick mode: every figure produced in OSCortex and in Linux (never the
# numbers; docs/performance.md). Downloads Debian's kernel once into build/bench/.
echo "== bench smoke (OSCortex and Linux, every figure produced)"
summary_suite bench python3 tools/bench.py --quick
finish
