# Counting helpers for tests/run-all.sh and tests/run-smp.sh (sourced): each adds
# to the caller's passed/failed totals.

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Runs a suite that ends with "LABEL: N passed, N failed" and adds its counts; a
# suite without that line counts as one failure.
summary_suite() {
    local label=$1 out line
    shift
    out=$("$@" 2>&1)
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E "^$label: [0-9]+ passed, [0-9]+ failed\$" | tail -1)
    if [ -n "$line" ]; then
        add "$(echo "$line" | awk '{print $2}')" "$(echo "$line" | awk '{print $4}')"
    else
        echo "FAIL $label: no summary line"; add 0 1
    fi
}

# Runs one QEMU test script and counts its PASS/FAIL lines; a script that dies
# without reporting counts as one failure.
qemu_test() {
    local t0 out status p f
    t0=$(date +%s)
    out=$(python3 "$@" 2>&1)
    status=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | grep -c '^PASS ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $1: exited with status $status without reporting"; f=1
    fi
    echo "   ($(( $(date +%s) - t0 ))s)"
    add "$p" "$f"
}
