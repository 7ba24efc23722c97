#!/usr/bin/env python3
"""Self-tests: boots an ISO whose command line is `test`; the kernel runs every
KTEST ("[test] START name" before each, "[test] N passed, N failed" at the end),
then starts /sbin/init, which runs every user-space test program of /usr/tests
(musl and glibc builds; "[init] START name", "[init] PASS|FAIL name", "[init] user
tests: N passed, N failed"); PID 1's status becomes QEMU's (33 pass, 35 fail, 37
panic).

usage: selftest.py [ISO [LABEL]]   test: selftest (or selftest-LABEL)
LABEL names a build variant, e.g. "debug" for the lock-order-checking build."""

import os
import re
import sys

from common import ISO_DIR, RESULTS, Reporter, qemu_run, run_problem

SUMMARY = re.compile(r"\[test\] (\d+) passed, (\d+) failed")
USUMMARY = re.compile(r"\[init\] user tests: (\d+) passed, (\d+) failed")


def main():
    iso = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ISO_DIR, "test.iso")
    label = sys.argv[2] if len(sys.argv) > 2 else ""
    name = "selftest-" + label if label else "selftest"
    rep = Reporter()
    r = qemu_run.run(iso, "bios", timeout=300, watchdog=30, stop_on_panic=True,
                     panic_quiet=3.0, log_path=os.path.join(RESULTS, name + ".log"))
    m = SUMMARY.findall(r.log)
    problems = []
    # Each kernel test counts on its own in the make test summary.
    tag = "[%s]" % label if label else ""
    for verdict, test in re.findall(r"\[test\] (PASS|FAIL) (\S+)", r.log):
        print("%s ktest%s %s" % (verdict, tag, test))
    for verdict, test in re.findall(r"\[init\] (PASS|FAIL) (\S+)", r.log):
        print("%s usertest%s %s" % (verdict, tag, test))
    if not m:
        problems.append("no '[test] N passed, N failed' line")
    else:
        passed, failed = int(m[-1][0]), int(m[-1][1])
        if failed:
            names = re.findall(r"\[test\] FAIL (\S+)", r.log)
            problems.append("%d kernel test(s) failed: %s" % (failed, " ".join(names)))
        if passed == 0:
            problems.append("no kernel test passed")
        print("    kernel tests: %d passed, %d failed" % (passed, failed))
        u = USUMMARY.findall(r.log)
        if not u:
            if not failed:
                problems.append("no '[init] user tests: N passed, N failed' line")
        else:
            upassed, ufailed = int(u[-1][0]), int(u[-1][1])
            print("    user test programs: %d passed, %d failed" % (upassed, ufailed))
            # Reported, not judged: the tests call some numbers on purpose.
            for line in re.findall(r"\[init\] unimplemented: (.*)", r.log):
                print("    unimplemented after the user tests: %s" % line.strip())
            if ufailed or upassed == 0:
                problems.append("user tests: %d passed, %d failed" % (upassed, ufailed))
    if run_problem(r):
        started = re.findall(r"\[test\] START (\S+)", r.log)
        problems.append(run_problem(r) + (" (in test %s)" % started[-1] if started else ""))
    elif r.status != qemu_run.EXIT_PASS:
        what = {qemu_run.EXIT_FAIL: " (tests failed)", qemu_run.EXIT_PANIC: " (kernel panic)"}
        problems.append("QEMU status %s%s, want %d" % (
            r.status, what.get(r.status, ""), qemu_run.EXIT_PASS))
    rep.check(name, not problems, "; ".join(problems), r.tail(20) if problems else None)
    rep.exit()


if __name__ == "__main__":
    main()
