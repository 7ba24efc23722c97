#!/usr/bin/env python3
"""AP start-up: the normal ISO at -smp 2 and -smp 4 brings every CPU online
("[smp] N of N CPUs online", after [sched], every boot marker in order, no panic,
no AP set up unlike the boot CPU; -smp 2 under OVMF too), and the shell then sees them
(/sys/devices/system/cpu/online, /proc/cpuinfo); maxcpus=1 leaves the second CPU
offline ("1 of 2"); an AP that never answers (test hook smp.stall=2 at -smp 4)
costs about half a second and a warning, never a hang, and the next AP still
starts ("3 of 4"). The self-test ISO (build/test-iso/test.iso, kernel command line
`test`) at -smp 2 runs every KTEST with an AP online -- the IPI and cross-CPU call
tests of smp_call_tests.c among them -- and is stopped once init starts, before
the user-space suite (that is selftest.py --smp 2). Five BIOS boots of ~5 s, one
KTEST boot of ~15 s, one UEFI boot of ~10 s.

usage: smp.py [ISO [TEST_ISO]]
tests: smp2_boot, smp4_boot, smp2_boot_uefi, smp2_ktests, smp2_shell, smp_maxcpus1,
smp_ap_silent"""

import os
import re
import subprocess
import sys
import time

from common import ISO_DIR, RESULTS, ROOT, Reporter, markers, panic_excerpt, qemu_run, run_problem

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
SMP_LINE = re.compile(r"\[smp\] (\d+) of (\d+) CPUs online \(([\d.]+) ms")
SHELL_CMD = "cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo"


def smp_line(log):
    m = SMP_LINE.search(log)
    return (int(m.group(1)), int(m.group(2)), float(m.group(3))) if m else None


def boot_check(rep, iso, n, fw="bios"):
    name = "smp%d_boot" % n + ("_uefi" if fw == "uefi" else "")
    r = qemu_run.run(iso, fw, markers(), timeout=120 if fw == "uefi" else 60, watchdog=20,
                     stop_after_markers=True, settle=0.5, log_path=os.path.join(RESULTS, name + ".log"),
                     machine_args=qemu_run.smp_machine_args(n))
    problems = []
    if r.missing:
        problems.append("marker %r not seen (last line: %s)" % (r.missing[0], r.last_line()))
    got = smp_line(r.log)
    if not got or got[:2] != (n, n):
        problems.append("want '[smp] %d of %d CPUs online', got %s" % (n, n, got))
    if "set up unlike CPU 0" in r.log:
        problems.append("an AP's control registers differ from the boot CPU's")
    for p in (panic_excerpt(r.log), run_problem(r)):
        if p:
            problems.append(p)
    rep.check(name, not problems, "; ".join(problems), r.tail() if problems else None)
    if got:
        print("    AP start-up: %.3f ms for %d AP(s)" % (got[2], n - 1))


KTEST_SUMMARY = re.compile(r"\[test\] (\d+) passed, (\d+) failed")
# smp_call_tests.c: these must have run (and passed) with the AP online.
IPI_KTESTS = ("call_on_each_online_cpu_runs_there_with_interrupts_off",
              "ten_thousand_waited_calls_all_run_exactly_once",
              "a_call_that_calls_back_into_its_waiting_caller_completes",
              "reschedule_ipi_reaches_every_online_cpu",
              # tlb_tests.c: the shoot-down reaches (only) the CPUs with the mm loaded
              "a_remapped_page_is_read_afresh_by_the_cpu_that_cached_it",
              "a_remapped_range_larger_than_a_batch_is_read_afresh_everywhere",
              "only_cpus_with_the_address_space_loaded_are_interrupted",
              "a_remapped_kernel_page_is_read_afresh_on_every_cpu")


def ktest_check(rep, iso, n):
    """Every KTEST at -smp n; QEMU is stopped once init starts (after the KTESTs)."""
    name = "smp%d_ktests" % n
    if not os.path.exists(iso):
        rep.check(name, False, "%s missing (tools/mkiso.sh %s test)" % (iso, iso))
        return
    t0 = time.monotonic()
    r = qemu_run.run(iso, "bios", ["[test] START", "[init] PID 1"], timeout=180, watchdog=30,
                     stop_after_markers=True, settle=0.2,
                     log_path=os.path.join(RESULTS, name + ".log"),
                     machine_args=qemu_run.smp_machine_args(n))
    problems = []
    got = smp_line(r.log)
    if not got or got[:2] != (n, n):
        problems.append("want '[smp] %d of %d CPUs online', got %s" % (n, n, got))
    m = KTEST_SUMMARY.findall(r.log)
    if not m:
        problems.append("no '[test] N passed, N failed' line (last line: %s)" % r.last_line())
    elif int(m[-1][1]) or not int(m[-1][0]):
        problems.append("KTESTs: %s passed, %s failed: %s" % (
            m[-1][0], m[-1][1], " ".join(re.findall(r"\[test\] FAIL (\S+)", r.log))))
    for t in IPI_KTESTS:
        if "[test] PASS %s\n" % t not in r.log:
            problems.append("KTEST %s did not pass" % t)
    p = panic_excerpt(r.log) or run_problem(r)
    if p:
        problems.append(p)
    rep.check(name, not problems, "; ".join(problems), r.tail(20) if problems else None)
    for line in re.findall(r"\[test\] (\d+ (?:waited calls|mprotects with) .*)", r.log):
        print("    " + line)
    print("    (%.1f s)" % (time.monotonic() - t0))


def osc_run(smp, append, command, timeout=60):
    args = [OSC_RUN, "--timeout", str(timeout), "--smp", str(smp)]
    if append:
        args += ["--append", append]
    t0 = time.monotonic()
    r = subprocess.run(args + ["--", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout + 60)
    try:
        with open(LAST_LOG, "rb") as f:
            log = f.read().decode("utf-8", "replace")
    except OSError:
        log = ""
    return (r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace"),
            log, time.monotonic() - t0)


def shell_check(rep, name, smp, append, want_out, want_line, max_ms=None):
    status, out, err, log, _ = osc_run(smp, append, SHELL_CMD)
    problems = []
    if status != 0 or out != want_out:
        problems.append("status %d, output %r (want %r)" % (status, out, want_out))
    got = smp_line(log)
    if not got or got[:2] != want_line:
        problems.append("want '[smp] %d of %d CPUs online', got %s" % (want_line + (got,)))
    elif max_ms is not None and got[2] > max_ms:
        problems.append("AP start-up took %.0f ms (bound %d ms)" % (got[2], max_ms))
    rep.check(name, not problems, "; ".join(problems), (err or log[-1500:]) if problems else None)
    return log


def main():
    iso = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "oscortex.iso")
    test_iso = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ISO_DIR, "test.iso")
    rep = Reporter()
    boot_check(rep, iso, 2)
    boot_check(rep, iso, 4)
    ktest_check(rep, test_iso, 2)
    # OVMF leaves the boot CPU's CR4 unlike SeaBIOS (DE, MCE set): the APs must match.
    boot_check(rep, iso, 2, "uefi")
    shell_check(rep, "smp2_shell", 2, "", "0-1\n2\n", (2, 2))
    shell_check(rep, "smp_maxcpus1", 2, "maxcpus=1", "0\n1\n", (1, 2))
    # The second of three APs never answers: it is waited for 0.5 s by the clock (2 s
    # leaves room for TCG), the third still starts and takes the free id 2.
    log = shell_check(rep, "smp_ap_silent", 4, "smp.stall=2", "0-2\n3\n", (3, 4), max_ms=2000)
    if "did not answer" not in log:
        print("    (no 'did not answer' warning in the log)")
    rep.exit()


if __name__ == "__main__":
    main()
