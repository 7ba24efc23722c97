#!/bin/sh
# Runs busybox's own testsuite (Debian's busybox source, unmodified) against
# /bin/busybox, one `./runtest APPLET` per applet that has tests, in the environment
# Debian's build runs it with (debian/rules TESTSUITE_ENV). Same script on the host
# Linux (chroot) and inside OSCortex; tests/qemu/busybox_suite.py reads its output:
#   === applet NAME            before each applet's runtest output
#   === end NAME rc=N secs=S   after it
#   === suite done
# usage: run-suite.sh [APPLET...]   (default: every applet of `busybox --list`
# with a testsuite/NAME dir or testsuite/NAME.tests, plus busybox itself)
# Environment: SUITE_SKIP="APPLET..." leaves those out; SUITE_APPLET_TIMEOUT
# (seconds, default 300) ends an applet's runtest and everything it started.
cd "$(dirname "$0")/testsuite" || exit 1
export SKIP_KNOWN_BUGS=y LANG=C.UTF-8 LC_ALL=C.UTF-8 SKIP_INTERNET_TESTS=y
export SHELL=/bin/sh ECHO=/bin/echo
limit=${SUITE_APPLET_TIMEOUT:-300}
if [ $# -eq 0 ]; then
    set -- busybox $(/bin/busybox --list | grep -vx busybox)
fi
for a in "$@"; do
    [ -d "$a" ] || [ -f "$a.tests" ] || continue
    case " $SUITE_SKIP " in *" $a "*) continue ;; esac
    echo "=== applet $a"
    t0=$(date +%s)
    # In a session of its own, so the time limit ends the test's children too (a
    # bare `timeout` would leave them running into the next applet's files).
    setsid ./runtest "$a" < /dev/null 2>&1 &
    pid=$!
    setsid sh -c "sleep $limit; echo '=== timeout $a'; kill -TERM -$pid; sleep 5; kill -KILL -$pid" &
    watch=$!
    wait $pid
    rc=$?
    kill -TERM -$watch 2> /dev/null
    wait $watch 2> /dev/null
    echo "=== end $a rc=$rc secs=$(( $(date +%s) - t0 ))"
done
echo "=== suite done"
