#!/usr/bin/env python3
"""busybox's own testsuite (Debian's `busybox` source package, unmodified) against
the busybox we ship (/bin/busybox, Debian's busybox-static), on the host Linux and
inside OSCortex, compared test by test.

tests/suites/busybox-fetch.sh fetches the source (apt-get source, into build/) and
stages testsuite/ with the .config of Debian's static build; tests/suites/run-suite.sh
runs `./runtest APPLET` per applet. The Linux side runs in a chroot of the standard
initramfs plus the suite (/proc, /dev and /sys mounted in a private mount namespace),
so both sides see the same files and only the kernel differs; without root it runs
on the host directly. Its results are cached in build/suites/busybox/ (keyed by the
busybox version and the driver), so a test run pays only for the OSCortex side.

Prints "PASS bbsuite APPLET/TEST" for each test that passes on Linux and in
OSCortex, "FAIL bbsuite APPLET/TEST: ..." for each that passes on Linux and not in
OSCortex; tests failing or skipped on Linux are listed as "note:" lines, uncounted.
Then the counts of both sides, the syscalls OSCortex reported unimplemented
(/sys/kernel/unimplemented after the run) and "bbsuite: N passed, N failed".
A source that cannot be fetched, or a run that ends early, is one FAIL line.

usage: busybox_suite.py [--full] [--guest-timeout S] [--host-only]
  default: every applet with tests but those of SKIP; --full: all of them."""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from common import RESULTS, ROOT

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
FETCH = os.path.join(ROOT, "tests", "suites", "busybox-fetch.sh")
DRIVER = os.path.join(ROOT, "tests", "suites", "run-suite.sh")
TOP = os.path.join(ROOT, "build", "suites", "busybox")
GUEST_DIR = "/usr/suites/busybox"
LINE = re.compile(r"^(PASS|FAIL|SKIPPED|UNTESTED): (.*)$")
APPLET = re.compile(r"^=== applet (\S+)$")
END = re.compile(r"^=== end (\S+) rc=(\d+) secs=(\d+)$")
# Applets the make-test step leaves out (--full runs them): bc's number-parsing
# and printing tests pipe a million lines through two bc processes, ~1 min on the
# host and ~10 min under TCG; they are pure user-space arithmetic.
SKIP = ["bc"]


def parse(text):
    """{"applet/test name": "PASS"|"FAIL"|"SKIPPED"|"UNTESTED"} in output order,
    the applets that ended ({name: (rc, secs)}) and whether the suite finished."""
    results, ended, applet, done = {}, {}, "?", False
    for line in text.splitlines():
        line = line.rstrip("\r")
        m = APPLET.match(line)
        if m:
            applet = m.group(1)
            continue
        m = END.match(line)
        if m:
            ended[m.group(1)] = (int(m.group(2)), int(m.group(3)))
            continue
        if line == "=== suite done":
            done = True
            continue
        m = LINE.match(line)
        if m:
            key = "%s/%s" % (applet, m.group(2).strip())
            n, base = 2, key
            while key in results:        # a name used twice in one applet
                key = "%s #%d" % (base, n)
                n += 1
            results[key] = m.group(1)
    return results, ended, done


def fetch():
    r = subprocess.run(["bash", FETCH], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=900)
    if r.returncode != 0:
        return None, r.stderr.decode("utf-8", "replace").strip() or "busybox-fetch.sh failed"
    return r.stdout.decode().strip(), None


def cache_key():
    h = hashlib.sha256()
    for path in (DRIVER, "/bin/busybox", os.path.join(TOP, "stage", ".config")):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(str(os.path.exists(os.path.join(ROOT, "build", "initramfs.cpio"))).encode())
    return h.hexdigest()[:16]


def run_host(stage):
    """The whole suite on the host Linux; (output text, how it ran). Cached."""
    key = cache_key()
    cache = os.path.join(TOP, "host-%s.txt" % key)
    if os.path.exists(cache):
        return open(cache).read(), "cached " + os.path.relpath(cache, ROOT)
    env = {"PATH": "/sbin:/bin:/usr/sbin:/usr/bin", "HOME": "/root", "TERM": "linux"}
    cpio = os.path.join(ROOT, "build", "initramfs.cpio")
    chroot_ok = (os.geteuid() == 0 and os.path.exists(cpio)
                 and all(shutil.which(p) for p in ("chroot", "unshare", "cpio", "mount")))
    scratch = tempfile.mkdtemp(prefix="bbsuite-host.")
    try:
        if chroot_ok:
            with open(cpio, "rb") as f:
                subprocess.run(["cpio", "-idm", "--quiet"], stdin=f, cwd=scratch, check=True)
            shutil.copytree(stage, os.path.join(scratch, GUEST_DIR.lstrip("/")), symlinks=True)
            script = ('mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && '
                      'mount --rbind /dev "$1/dev" && '
                      'exec chroot "$1" /bin/sh %s/run-suite.sh' % GUEST_DIR)
            cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                   "sh", scratch]
            how = "chroot of the initramfs"
        else:
            copy = os.path.join(scratch, "busybox")
            shutil.copytree(stage, copy, symlinks=True)
            cmd = ["/bin/sh", os.path.join(copy, "run-suite.sh")]
            how = "directly on the host (no root for a chroot)"
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=1800)
        text = r.stdout.decode("utf-8", "replace")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if "=== suite done" in text:
        with open(cache, "w") as f:
            f.write(text)
    return text, how


TAG = "bbsuite"     # check-name prefix; bbsuite[smpN] with --smp N


def run_guest(stage, skip, timeout, applet_limit, smp=1):
    """The suite inside OSCortex; (output, osc-run's stderr, its status, seconds)."""
    cmd = ("SUITE_SKIP='%s' SUITE_APPLET_TIMEOUT=%d sh %s/run-suite.sh; "
           "echo '=== unimplemented'; cat /sys/kernel/unimplemented" % (
               " ".join(skip), applet_limit, GUEST_DIR))
    if len(cmd) > 480:
        raise SystemExit("busybox_suite.py: applet list too long for the osc-run command line")
    t0 = time.time()
    r = subprocess.run([OSC_RUN, "--timeout", str(timeout), "--smp", str(smp),
                        "--add", "%s:%s" % (stage, GUEST_DIR),
                        "--", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout + 300)
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    return out, err, r.returncode, time.time() - t0


def counts(results):
    c = {"PASS": 0, "FAIL": 0, "SKIPPED": 0, "UNTESTED": 0}
    for v in results.values():
        c[v] += 1
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--host-only", action="store_true")
    ap.add_argument("--guest-timeout", type=int, default=0)
    ap.add_argument("--smp", type=int, default=1, help="virtual CPUs for OSCortex (make test-smp)")
    args = ap.parse_args()
    global TAG
    TAG = "bbsuite" if args.smp == 1 else "bbsuite[smp%d]" % args.smp

    stage, why = fetch()
    if stage is None:
        print("FAIL bbsuite_fetch: %s" % why)
        print("bbsuite: 0 passed, 1 failed")
        sys.exit(1)
    host_text, how = run_host(stage)
    with open(os.path.join(RESULTS, "bbsuite-linux.txt"), "w") as f:
        f.write(host_text)
    host, host_ended, host_done = parse(host_text)
    if not host_done:
        print("FAIL bbsuite_linux: the suite did not finish on Linux (%s)" % how)
        print("bbsuite: 0 passed, 1 failed")
        sys.exit(1)
    skip = [] if args.full else SKIP
    host = {k: v for k, v in host.items() if k.split("/", 1)[0] not in skip}
    hc = counts(host)
    print("note: Linux (%s): %d passed, %d failed, %d skipped" % (
        how, hc["PASS"], hc["FAIL"], hc["SKIPPED"] + hc["UNTESTED"]))
    if args.host_only:
        for k, v in host.items():
            print("%s %s" % (v, k))
        sys.exit(0)

    timeout = args.guest_timeout or (2400 if args.full else 600)
    out, err, status, secs = run_guest(stage, skip, timeout, 1200 if args.full else 180, args.smp)
    with open(os.path.join(RESULTS, "bbsuite-oscortex.txt"), "w") as f:
        f.write(out + ("\n--- osc-run stderr ---\n" + err if err else ""))
    guest, guest_ended, guest_done = parse(out.split("=== unimplemented")[0])
    unimpl = []     # /sys/kernel/unimplemented: "NUMBER NAME COUNT" per line
    for line in out.split("=== unimplemented", 1)[1].splitlines() if "=== unimplemented" in out else []:
        f = line.split()
        if len(f) == 3:
            unimpl.append("%s(%s x%s)" % (f[1], f[0], f[2]))

    passed = failed = 0
    differ = []
    for k, v in host.items():
        g = guest.get(k, "missing")
        if v != "PASS":
            print("note: bbsuite %s: %s on Linux, %s in OSCortex (not counted)" % (k, v, g))
            continue
        if g == "PASS":
            print("PASS %s %s" % (TAG, k))
            passed += 1
        else:
            applet = k.split("/", 1)[0]
            rc = guest_ended.get(applet)
            why = ("%s in OSCortex" % g if g != "missing" else
                   "no result in OSCortex (applet %s %s)" % (
                       applet, "ended rc=%d" % rc[0] if rc else "never ended"))
            print("FAIL %s %s: %s" % (TAG, k, why))
            differ.append(k)
            failed += 1
    for k in guest:
        if k not in host:
            print("note: bbsuite %s: %s in OSCortex, not seen on Linux" % (k, guest[k]))
    if not guest_done:
        print("FAIL bbsuite_finished: the OSCortex run ended early (osc-run status %d): %s" % (
            status, err.strip().splitlines()[-1] if err.strip() else "no message"))
        failed += 1
    gc = counts(guest)
    print("note: busybox testsuite: Linux %d passed %d failed; OSCortex %d passed %d failed; "
          "%d tests that pass on Linux fail in OSCortex%s" % (
              hc["PASS"], hc["FAIL"], gc["PASS"], gc["FAIL"], len(differ),
              (": " + ", ".join(differ)) if differ else ""))
    print("note: OSCortex run %.0f s; unimplemented syscalls seen: %s" % (
        secs, " ".join(unimpl) if unimpl else "none"))
    print("bbsuite: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
