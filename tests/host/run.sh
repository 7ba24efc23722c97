#!/usr/bin/env bash
# Builds and runs every tests/host/test_*.c with ASan+UBSan. Each test file names the
# kernel sources (and extra flags) it needs on a line:  /* host-test: a.c b.c -DX */
# A test that needs generated inputs (binaries built with the host's compilers,
# archives made by host tools) names a setup script on a line
#   /* host-test-setup: tests/host/setup_x.sh */
# which runs as `bash SCRIPT DIR` before the test; the test finds DIR in the
# environment as HOST_TEST_DATA. A failing setup (say, a missing tool) fails the test.
# Prints "host: N passed, N failed" (counting individual tests) and exits non-zero
# on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=build/host-tests
mkdir -p "$out"
CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=all
        -Ikernel/include -Ikernel/arch/x86_64/include -Itests/host -DHOST_TEST)
passed=0 failed=0
for t in tests/host/test_*.c; do
    name=$(basename "$t" .c)
    extra=$(sed -n 's@.*host-test:\(.*\)\*/.*@\1@p' "$t" | head -1)
    if ! gcc "${CFLAGS[@]}" -o "$out/$name" "$t" $extra 2> "$out/$name.build.log"; then
        echo "$name: BUILD FAILED"; cat "$out/$name.build.log"
        failed=$((failed + 1)); continue
    fi
    setup=$(sed -n 's@.*host-test-setup:[[:space:]]*\([^[:space:]]*\).*\*/.*@\1@p' "$t" | head -1)
    data="$out/$name.data"
    if [ -n "$setup" ]; then
        rm -rf "$data"; mkdir -p "$data"
        if ! bash "$setup" "$data" > "$out/$name.setup.log" 2>&1; then
            tail -20 "$out/$name.setup.log"
            echo "$name: SETUP FAILED ($setup)"; failed=$((failed + 1)); continue
        fi
    fi
    result=$(HOST_TEST_DATA="$data" ASAN_OPTIONS=detect_leaks=1 "$out/$name" 2>&1)
    status=$?
    line=$(printf '%s\n' "$result" | grep -E '^test_.*: [0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$line" ]; then
        printf '%s\n' "$result" | tail -20
        echo "$name: crashed (status $status)"; failed=$((failed + 1)); continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$f" -ne 0 ] && printf '%s\n' "$result" | grep -v '^START' | tail -30
    echo "$line"
    passed=$((passed + p)); failed=$((failed + f))
done
echo "host: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
