#!/usr/bin/env python3
"""User-space tests inside OSCortex: boots an ISO whose command line is `test`.
The kernel runs its KTESTs ("[test] N passed, N failed"), then starts /sbin/init,
which runs every program of /usr/tests (user/tests/, musl and glibc builds), each
after "[init] START name", and prints "[init] user tests: N passed, N failed";
PID 1's exit status becomes QEMU's (0 -> 33 pass, else 35 fail).

usage: usertests.py [--xfail REASON] [ISO]           test: usertests
       usertests.py --osc-run [--xfail REASON]       test: usertests_osc_run
--osc-run: the same programs through `tools/osc-run -- /sbin/init osctest=all`
(init as a child of the osc-run shell; no KTESTs), which needs no kernel test-mode
support. --xfail: the feature is not there yet; the run still happens, but its
result is reported as "XFAIL name: ..." (or "XPASS ...") and counted neither way."""

import argparse
import os
import re
import subprocess
import sys

from common import ISO_DIR, RESULTS, ROOT, Reporter, qemu_run, run_problem

KSUMMARY = re.compile(r"\[test\] (\d+) passed, (\d+) failed")
USUMMARY = re.compile(r"\[init\] user tests: (\d+) passed, (\d+) failed")


def user_problems(log):
    problems = []
    u = USUMMARY.findall(log)
    if not u:
        problems.append("no '[init] user tests: N passed, N failed' line")
    else:
        passed, failed = int(u[-1][0]), int(u[-1][1])
        print("    user test programs: %d passed, %d failed" % (passed, failed))
        if failed:
            names = re.findall(r"\[init\] FAIL (\S+)", log)
            problems.append("%d user test program(s) failed: %s" % (failed, " ".join(names)))
        if passed == 0:
            problems.append("no user test program passed")
    return problems


def problems_of(r):
    problems = []
    k = KSUMMARY.findall(r.log)
    if not k:
        problems.append("no kernel '[test] N passed, N failed' line")
    elif int(k[-1][1]):
        problems.append("%s kernel test(s) failed" % k[-1][1])
    problems += user_problems(r.log)
    if run_problem(r):
        started = re.findall(r"(?:\[init\] |^)START (\S+)", r.log, re.M)
        problems.append(run_problem(r) + (" (in %s)" % started[-1] if started else ""))
    elif r.status != qemu_run.EXIT_PASS:
        problems.append("QEMU status %s, want %d" % (r.status, qemu_run.EXIT_PASS))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xfail", metavar="REASON")
    ap.add_argument("--osc-run", action="store_true")
    ap.add_argument("iso", nargs="?", default=os.path.join(ISO_DIR, "test.iso"))
    args = ap.parse_args()
    if args.osc_run:
        name = "usertests_osc_run"
        p = subprocess.run([os.path.join(ROOT, "tools", "osc-run"), "--timeout", "300", "--",
                            "/sbin/init", "osctest=all"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=400)
        log = p.stdout.decode("utf-8", "replace")
        with open(os.path.join(RESULTS, "usertests-osc-run.log"), "w") as f:
            f.write(log)
        problems = user_problems(log)
        if p.returncode not in (0, 1):
            problems.append("osc-run exited %d" % p.returncode)
        elif p.returncode == 1 and not problems:
            problems.append("init exited 1")
        tail = "\n".join(log.splitlines()[-25:])
    else:
        name = "usertests"
        r = qemu_run.run(args.iso, "bios", timeout=300, watchdog=60, stop_on_panic=True,
                         panic_quiet=3.0, log_path=os.path.join(RESULTS, "usertests.log"))
        problems = problems_of(r)
        tail = r.tail(25)
    if args.xfail:
        if problems:
            print("XFAIL %s: %s (expected: %s)" % (name, "; ".join(problems), args.xfail))
        else:
            print("XPASS %s: passes now; drop --xfail in tests/run-all.sh (%s)" % (name, args.xfail))
        sys.exit(0)
    rep = Reporter()
    rep.check(name, not problems, "; ".join(problems), tail if problems else None)
    rep.exit()


if __name__ == "__main__":
    main()
