#!/usr/bin/env python3
"""tools/osc-run end to end: a command runs inside OSCortex, its output comes back
and its exit status becomes osc-run's. Two boots (~2 s each).

usage: oscrun.py           tests: oscrun_echo, oscrun_status"""

import os
import subprocess

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")


def osc_run(*words, timeout=60):
    r = subprocess.run([OSC_RUN, "--timeout", str(timeout), "--"] + list(words),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 60)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def main():
    rep = Reporter()
    status, out, err = osc_run("echo", "hello")
    rep.check("oscrun_echo", status == 0 and out == "hello\n",
              "status %d, stdout %r" % (status, out), err if status else None)
    status, out, err = osc_run("false; exit 3")
    rep.check("oscrun_status", status == 3 and out == "",
              "status %d (want 3), stdout %r" % (status, out), err if status != 3 else None)
    rep.exit()


if __name__ == "__main__":
    main()
