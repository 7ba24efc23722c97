#!/usr/bin/env bash
# Checks the real initramfs image on the host Linux: unpacks build/initramfs.cpio
# into a scratch root and runs its /sbin/init there with chroot (no /proc inside,
# so init reads its mode from its arguments and environment, as it does when the
# kernel has no procfs). Proves the image is complete (busybox and its links, LIST,
# every test program) and init's test and osc.run modes, before any of it boots.
# Prints PASS/FAIL per check and "initramfs-host: N passed, N failed". Needs root
# (chroot); without it, says so and checks nothing.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cpio_file=build/initramfs.cpio
passed=0 failed=0
check() {   # check NAME OK [REASON]
    if [ "$2" = 1 ]; then echo "PASS $1"; passed=$((passed + 1));
    else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}
if [ "$(id -u)" != 0 ] || ! command -v chroot > /dev/null || ! command -v cpio > /dev/null; then
    echo "initramfs-host: skipped (needs root, chroot and cpio)"
    echo "initramfs-host: 0 passed, 0 failed"
    exit 0
fi
scratch=$(mktemp -d /tmp/initramfs-host.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && cpio -idm --quiet) < "$cpio_file" || { echo "FAIL unpack $cpio_file"; exit 1; }
chroot=$(command -v chroot) timeout=$(command -v timeout)
in_image() { env -i "$timeout" 120 "$chroot" "$scratch" "$@" 2>&1; }
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# Every program but those that read /proc (the chroot has none, on purpose: see
# above): procfs*, exec and ptimers (/proc/self/exe), fsinfo (statfs of /proc,
# /proc/self/fd), inotify (/proc/self/fd), sysv_* (/proc/sysvipc, waits on
# /proc/<pid>/stat), unix_sockets (/proc/self/fd), sysfs_pci (/sys), smp_procs
# (/proc/meminfo, /proc/self/exe), blockdev (/proc/partitions), aslr (re-execs
# /proc/self/exe), vdso (/proc/self/maps), mount (/proc/mounts), dac (copies
# /proc/self/exe to make a set-user-ID binary), mmap_ext2 (/proc/meminfo),
# drop_caches (/proc/sys), netif and proc_net_* (/proc/net), ping_socket
# (/proc/sys/net/ipv4/ping_group_range), and pty and libosc (/dev/ptmx,
# /dev/null: the chroot has no device nodes either). They are checked where /proc exists: the
# host run of user/tests and OSCortex.
selection=$(grep -vE '^(procfs|exec|fsinfo|inotify|ptimers|sysv_|sysfs|unix_sockets|smp_procs|blockdev|aslr|vdso|mount|pty|dac|mmap_ext2|drop_caches|netif|libosc|proc_net_|ping_socket)' \
                 "$scratch/usr/tests/LIST" |
            paste -sd, -)
ntests=$(echo "$selection" | tr ',' '\n' | grep -c .)
out=$(in_image /sbin/init "osctest=$selection"); status=$?
ok=0; [ $status = 0 ] && echo "$out" | grep -q "^\[init\] user tests: $ntests passed, 0 failed$" && ok=1
check initramfs_init_test_mode_runs_the_selected_programs $ok \
    "status $status; $(echo "$out" | grep -E '^\[init\] (FAIL|user tests)' | tr '\n' ' ')"

out=$(in_image /sbin/init osctest=nothing); status=$?
ok=0; [ $status = 1 ] && echo "$out" | grep -q "user tests: 0 passed, 0 failed" && ok=1
check initramfs_init_with_no_test_run_fails $ok "status $status"

out=$(env -i "osc.run=$(hex 'echo hello; ls /bin/sh; exit 3')" "$timeout" 60 "$chroot" "$scratch" /sbin/init 2>&1)
status=$?
want=$'[init] osc-run start\nhello\n/bin/sh\n[init] osc-run exit 3'
ok=0; [ $status = 3 ] && [ "$(echo "$out" | sed -n '/osc-run start/,$p')" = "$want" ] && ok=1
check initramfs_init_osc_run_reports_status $ok "status $status, output: $out"

out=$(env -i "osc.run=$(hex 'kill -SEGV $$')" "$timeout" 60 "$chroot" "$scratch" /sbin/init 2>&1)
status=$?
ok=0; [ $status = 139 ] && echo "$out" | grep -q '^\[init\] osc-run exit 139$' && ok=1
check initramfs_init_osc_run_killed_command_is_128_plus_signal $ok "status $status"

# tools/osc-run's fallback: the command in /etc/osc-run, nothing on the command line.
hex 'echo from-file; exit 4' > "$scratch/etc/osc-run"
out=$(in_image /sbin/init); status=$?
rm -f "$scratch/etc/osc-run"
ok=0; [ $status = 4 ] && echo "$out" | grep -qx 'from-file' && ok=1
check initramfs_init_osc_run_from_etc_file $ok "status $status, output: $out"

echo "initramfs-host: $passed passed, $failed failed"
[ "$failed" = 0 ]
