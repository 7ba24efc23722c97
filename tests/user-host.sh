#!/usr/bin/env bash
# Runs every user-space test program (user/tests/), both builds, on this host Linux:
# a syscall test must pass here before it means anything inside OSCortex. Each
# program prints "START name" per test and "<prog>: N passed, N failed"; its output
# goes to build/test-results/user-host/<libc>-<name>.log. Ends with
# "user-host: N passed, N failed" (tests, not programs); a program that crashes,
# times out or prints no summary counts as one failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs=build/test-results/user-host
mkdir -p "$logs"
passed=0 failed=0
for libc in musl glibc; do
    for bin in build/user/$libc/tests/*; do
        [ -x "$bin" ] || continue
        name=$(basename "$bin")
        log=$logs/$libc-$name.log
        # Run from a scratch cwd: nothing a test leaves behind lands in the tree.
        (cd /tmp && timeout 60 "$root/$bin") > "$log" 2>&1
        status=$?
        line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -1)
        if [ -n "$line" ]; then
            p=$(echo "$line" | awk '{print $2}') f=$(echo "$line" | awk '{print $4}')
        else
            p=0 f=0
        fi
        if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1     # died, hung or exited non-zero without a failed test
            echo "FAIL $libc/$name: status $status, last line: $(tail -1 "$log")"
        fi
        if [ "$f" -ne 0 ]; then
            echo "FAIL $libc/$name: $p passed, $f failed"
            grep -E '^(FAIL |  )' "$log" | sed 's/^/    | /'
        else
            echo "ok   $libc/$name: $p passed"
        fi
        passed=$((passed + p)) failed=$((failed + f))
    done
done
[ $((passed + failed)) -gt 0 ] || { echo "no user test programs in build/user/"; failed=1; }
echo "user-host: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
