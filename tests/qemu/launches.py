#!/usr/bin/env python3
"""1000 app launches in one OSCortex boot (issue 9): a shell script inside the VM
launches tests/qemu/launchee.c (static musl, built here, added to a tools/osc-run
image as /bin/launchee) COUNT times, through `osc-launch PROG ARGS` (the launcher
that marks a process as an app, so the kernel gives it a home core). Every 10th
launch dies of SIGSEGV, every 10th other one exits 3 right after its first line,
the rest spin briefly and exit 0. Each launch prints its first line with its CPU
(getcpu) and /proc/self/status's Cpus_allowed_list and Home_core; the script
prints each exit status.

Checks, per CPU count (default: one boot at -smp 2, one at -smp 4):
  launches_smpN_first_output  every launch printed its first line (100%)
  launches_smpN_status        every launch ended as its mode says (0, 3, 139) and
                              the ones that run on printed their second line
  launches_smpN_home_core     every launch had a Home_core line, ran on it (first
                              and last sample), inside its Cpus_allowed_list, and
                              not on CPU 0 when there are >= 2 CPUs
  launches_smpN_spread        (N >= 3) then 5 batches of N - 1 launches started
                              together, each busy for 1 s: in every batch each runs
                              on its own home core (the least loaded application
                              core), none on CPU 0. Their output goes to files
                              (cat after): concurrent writes to the console from
                              several CPUs interleaved bytes (2026-12-04)
The counts are printed as note: lines. Serial log and the launch output:
build/launches/.

--launcher auto (default) uses osc-launch when the image has it (`command -v`),
else launches plainly and fails launches_smpN_home_core saying so; `none` launches
plainly on purpose (the home-core check is then only reported, not judged);
`PATH` names the launcher inside the image.

Not in tests/run-all.sh yet (it passes only once the scheduler places apps).

usage: launches.py [--smp N]... [--count N] [--launcher auto|none|PATH] [--timeout S]
"""

import argparse
import os
import re
import subprocess
import sys
import time

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
OUT = os.path.join(ROOT, "build", "launches")
SOURCE = os.path.join(ROOT, "tests", "qemu", "launchee.c")
MUSL_CC = os.environ.get("MUSL_CC", "musl-gcc")

SCRIPT = r"""
n=%(count)d; L=%(launcher)s
if [ "$L" = auto ]; then L=$(command -v osc-launch); fi
[ "$L" = none ] && L=
echo "LAUNCHER ${L:-none} ONLINE $(cat /sys/devices/system/cpu/online)"
i=0
while [ $i -lt $n ]; do
  case $((i %% 10)) in 3) m=segv;; 7) m=exit;; *) m=ok;; esac
  $L /bin/launchee $i $m
  echo "END $i $?"
  i=$((i + 1))
done
echo "ALL DONE"
b=0
while [ $b -lt %(batches)d ]; do
  j=0
  while [ $j -lt %(together)d ]; do $L /bin/launchee B$b.$j hold > /tmp/B$b.$j & j=$((j + 1)); done
  wait
  cat /tmp/B$b.*
  b=$((b + 1))
done
echo "SPREAD DONE"
"""
BATCHES = 5

EXPECTED_STATUS = {"ok": 0, "exit": 3, "segv": 139}
LAUNCH_RE = re.compile(r"^LAUNCH (\d+) cpu=(-?\d+) allowed=(\S+) home=(\S+) mode=(\w+)$")
DONE_RE = re.compile(r"^DONE (\d+) cpu=(-?\d+)$")
HOLD_RE = re.compile(r"^LAUNCH B(\d+)\.(\d+) cpu=(-?\d+) allowed=\S+ home=(\S+) mode=hold$")
HOLD_DONE_RE = re.compile(r"^DONE B(\d+)\.(\d+) cpu=(-?\d+)$")
END_RE = re.compile(r"^END (\d+) (\d+)$")


def mode_of(i):
    return {3: "segv", 7: "exit"}.get(i % 10, "ok")


def cpu_list(text):
    """Linux's CPU list format ("0-1,3") to a set, or None."""
    cpus = set()
    try:
        for part in text.split(","):
            a, _, b = part.partition("-")
            cpus.update(range(int(a), int(b or a) + 1))
    except ValueError:
        return None
    return cpus


def build_launchee():
    os.makedirs(OUT, exist_ok=True)
    exe = os.path.join(OUT, "launchee")
    subprocess.run([MUSL_CC, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe, SOURCE],
                   check=True)
    return exe


def run_boot(smp, count, launcher, timeout, exe):
    script = os.path.join(OUT, "launches.sh")
    with open(script, "w") as f:
        f.write(SCRIPT % {"count": count, "launcher": launcher, "batches": BATCHES,
                          "together": max(smp - 1, 1)})
    t0 = time.monotonic()
    r = subprocess.run([OSC_RUN, "--smp", str(smp), "--timeout", str(timeout),
                        "--add", exe + ":/bin/launchee", "--add", script + ":/bin/launches.sh",
                        "--", "sh", "/bin/launches.sh"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 120)
    elapsed = time.monotonic() - t0
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    with open(os.path.join(OUT, "smp%d.out" % smp), "w") as f:
        f.write(out)
    log = os.path.join(ROOT, "build", "osc-run", "last.log")
    if os.path.exists(log):
        with open(log, "rb") as src, open(os.path.join(OUT, "smp%d.log" % smp), "wb") as dst:
            dst.write(src.read())
    return r.returncode, out, err, elapsed


def judge(rep, smp, count, launcher, status, out, err, elapsed):
    name = "launches_smp%d" % smp
    first, done, ends = {}, {}, {}
    used, online = "?", None
    for line in out.splitlines():
        line = line.strip()
        m = LAUNCH_RE.match(line)
        if m:
            first.setdefault(int(m.group(1)), m)
            continue
        m = DONE_RE.match(line)
        if m:
            done[int(m.group(1))] = int(m.group(2))
            continue
        m = END_RE.match(line)
        if m:
            ends[int(m.group(1))] = int(m.group(2))
            continue
        if line.startswith("LAUNCHER "):
            words = line.split()
            used = words[1]
            online = cpu_list(words[3]) if len(words) > 3 else None
    finished = "ALL DONE" in out
    ncpus = len(online) if online else 0
    tail = None
    if not finished:
        tail = "\n".join(("osc-run status %s" % status, err.strip()[-2000:]))

    n_first = sum(1 for i in range(count) if i in first)
    rep.check(name + "_first_output", finished and n_first == count,
              "%d of %d launches printed their first line%s" % (
                  n_first, count, "" if finished else " (the script did not finish)"), tail)

    bad_status = [i for i in range(count)
                  if ends.get(i) != EXPECTED_STATUS[mode_of(i)]
                  or (mode_of(i) == "ok" and i not in done)]
    rep.check(name + "_status", finished and not bad_status,
              "%d of %d ended wrongly, first: %s" % (
                  len(bad_status), count,
                  ", ".join("#%d %s -> %s" % (i, mode_of(i), ends.get(i)) for i in bad_status[:5])))

    on_home, have_home, off_cpu0, problems = 0, 0, 0, []
    per_home = {}
    for i in range(count):
        m = first.get(i)
        if not m:
            continue
        cpu, allowed, home = int(m.group(2)), cpu_list(m.group(3)), m.group(4)
        if cpu != 0:
            off_cpu0 += 1
        if not home.lstrip("-").isdigit():
            if len(problems) < 5:
                problems.append("#%d: no Home_core line" % i)
            continue
        have_home += 1
        h = int(home)
        per_home[h] = per_home.get(h, 0) + 1
        ok = cpu == h and done.get(i, h) == h and allowed is not None and h in allowed
        if ncpus >= 2 and h == 0:
            ok = False
        if ok:
            on_home += 1
        elif len(problems) < 5:
            problems.append("#%d: cpu %d, then %s, home %s, allowed %s" % (
                i, cpu, done.get(i, "-"), home, m.group(3)))
    print("note: smp %d, launcher %s, online %s: %d launches in %.0f s; first output %d, "
          "right status %d, Home_core line %d, on home core %d, off CPU 0 %d; home cores %s"
          % (smp, used, sorted(online) if online else "?", count, elapsed, n_first,
             count - len(bad_status), have_home, on_home, off_cpu0,
             ", ".join("%d: %d" % kv for kv in sorted(per_home.items())) or "none"))
    if launcher == "none":
        print("note: %s_home_core and _spread not judged (--launcher none)" % name)
        return
    reason = "%d of %d on their home core; %s" % (on_home, count, "; ".join(problems))
    if used == "none":
        reason = "no osc-launch in the image; " + reason
    rep.check(name + "_home_core", finished and used != "none" and on_home == count, reason)
    if smp >= 3:
        judge_spread(rep, name, smp, out)


def judge_spread(rep, name, smp, out):
    """Launches started together get distinct home cores, none the boot CPU."""
    together = smp - 1
    first, last = {}, {}
    for line in out.splitlines():
        m = HOLD_RE.match(line.strip())
        if m:
            first[(int(m.group(1)), int(m.group(2)))] = (int(m.group(3)), m.group(4))
        m = HOLD_DONE_RE.match(line.strip())
        if m:
            last[(int(m.group(1)), int(m.group(2)))] = int(m.group(3))
    good, problems = 0, []
    for b in range(BATCHES):
        keys = [(b, j) for j in range(together)]
        homes = [first[k][1] for k in keys if k in first]
        ok = (len(homes) == together and all(h.isdigit() and int(h) != 0 for h in homes)
              and len(set(homes)) == together
              and all(first[k][0] == int(first[k][1]) == last.get(k) for k in keys))
        good += ok
        if not ok and len(problems) < 3:
            problems.append("batch %d: %s" % (b, ", ".join(
                "cpu %s home %s then %s" % (first[k][0], first[k][1], last.get(k, "-"))
                if k in first else "no first line" for k in keys)))
    print("note: smp %d: %d of %d batches of %d launches started together on distinct home "
          "cores" % (smp, good, BATCHES, together))
    rep.check(name + "_spread", "SPREAD DONE" in out and good == BATCHES,
              "%d of %d batches spread; %s" % (good, BATCHES, "; ".join(problems)))


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("usage: ")[1])
    ap.add_argument("--smp", type=int, action="append")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--launcher", default="auto")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    rep = Reporter()
    exe = build_launchee()
    for smp in args.smp or [2, 4]:
        status, out, err, elapsed = run_boot(smp, args.count, args.launcher, args.timeout, exe)
        judge(rep, smp, args.count, args.launcher, status, out, err, elapsed)
    rep.exit()


if __name__ == "__main__":
    sys.exit(main())
