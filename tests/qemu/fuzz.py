#!/usr/bin/env python3
"""The system-call fuzzer in one OSCortex boot (issue 14): /bin/sysfuzz makes CALLS
random system calls from 4 worker processes (user/fuzz/sysfuzz.c), then the same
boot's shell runs a command. Checks:
  sysfuzz_pass      sysfuzz reported PASS: every call made, every worker killed and
                    reaped, MemFree back within its slack after the clean-up
  sysfuzz_no_panic  no kernel panic, no hang (osc-run's timeout)
  sysfuzz_shell     the shell still runs programs afterwards
The seed is random unless given; it is printed (note:) so a failure replays with
--seed, and one worker's sequence alone with `sysfuzz -r WORKER_SEED -n N -v`.
Serial log: build/test-results/sysfuzz.log.

usage: fuzz.py [--calls N] [--seed S] [--smp N] [--timeout S]"""

import argparse
import os
import random
import re
import shutil
import subprocess

from common import RESULTS, ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100000)
    ap.add_argument("--seed", default=None)
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=420)
    args = ap.parse_args()
    seed = args.seed or hex(random.getrandbits(48))
    rep = Reporter()
    print("note: sysfuzz seed %s, %d calls, -smp %d" % (seed, args.calls, args.smp), flush=True)
    cmd = "sysfuzz -n %d -s %s; echo SHELL_OK $(echo a b | wc -w)" % (args.calls, seed)
    try:
        r = subprocess.run([OSC_RUN, "--timeout", str(args.timeout), "--smp", str(args.smp),
                            "--", cmd], capture_output=True, text=True,
                           timeout=args.timeout + 120)
        out, err, status = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired:
        out, err, status = "", "osc-run did not end", 125
    log = os.path.join(ROOT, "build", "osc-run", "last.log")
    if os.path.exists(log):
        shutil.copy(log, os.path.join(RESULTS, "sysfuzz.log"))
    summary = [l for l in out.splitlines() if l.startswith("sysfuzz: ") and "generation" not in l]
    for l in summary[-2:]:
        print("note: " + l)
    tail = "\n".join(out.splitlines()[-15:] + err.splitlines()[-5:])
    panicked = "KERNEL PANIC" in out + err or status == 125
    rep.check("sysfuzz_no_panic", not panicked, "osc-run status %d" % status, tail if panicked else None)
    rep.check("sysfuzz_pass", any(l == "sysfuzz: PASS" for l in summary), "no PASS line",
              tail if "sysfuzz: PASS" not in out else None)
    rep.check("sysfuzz_shell", re.search(r"^SHELL_OK 2$", out, re.M) is not None,
              "the shell did not run afterwards")
    rep.exit()


if __name__ == "__main__":
    main()
