#!/usr/bin/env python3
"""Debian's busybox-static, unmodified, running tests/busybox/script.sh (applets,
pipelines, redirection, $(...), background jobs, file round trips): once on the
host with busybox's own applets first on PATH, once inside OSCortex through
tools/osc-run; both outputs must equal tests/busybox/expected.txt.

usage: busybox.py          tests: busybox_script_host, busybox_script_oscortex"""

import difflib
import os
import subprocess
import tempfile

from common import ROOT, Reporter

SCRIPT = os.path.join(ROOT, "tests", "busybox", "script.sh")
EXPECTED = os.path.join(ROOT, "tests", "busybox", "expected.txt")
BUSYBOX = "/bin/busybox"


def diff(got, want):
    return "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                          "expected", "got", lineterm="", n=1))


def run_host():
    with tempfile.TemporaryDirectory() as bindir:
        applets = subprocess.run([BUSYBOX, "--list"], stdout=subprocess.PIPE,
                                 check=True).stdout.decode().split()
        for a in applets:
            os.symlink(BUSYBOX, os.path.join(bindir, a))
        r = subprocess.run([BUSYBOX, "sh", SCRIPT], cwd="/tmp", env={"PATH": bindir},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return r.returncode, r.stdout.decode("utf-8", "replace")


def run_oscortex():
    r = subprocess.run([os.path.join(ROOT, "tools", "osc-run"), "--timeout", "120",
                        "--add", SCRIPT + ":/root/script.sh", "--", "sh /root/script.sh 2>&1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def main():
    rep = Reporter()
    want = open(EXPECTED).read()
    status, out = run_host()
    rep.check("busybox_script_host", status == 0 and out == want,
              "status %d" % status, diff(out, want))
    status, out, err = run_oscortex()
    rep.check("busybox_script_oscortex", status == 0 and out == want,
              "status %d" % status, diff(out, want) + ("\n" + err if status else ""))
    rep.exit()


if __name__ == "__main__":
    main()
