#!/usr/bin/env python3
"""Boot timing: boots the ISO N times (default 3) under BIOS and under UEFI and prints
the median time from QEMU start to the first kernel log line and to the splash
marker, as seen on the serial line (same machine as the tests: tools/qemu_run.py).

usage: tools/boot-time.py [--runs N] [--splash MARKER] [--firmware bios|uefi|both] [--smp N] [ISO]"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def fmt(values):
    got = [v for v in values if v is not None]
    if len(got) < len(values):
        return "not reached (%d of %d runs)" % (len(got), len(values))
    return "%.2f s  (runs: %s)" % (statistics.median(got), ", ".join("%.2f" % v for v in got))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("iso", nargs="?", default=os.path.join(ROOT, "build", "oscortex.iso"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--splash", default="[fb] boot splash", help="serial marker of the splash")
    ap.add_argument("--firmware", choices=("bios", "uefi", "both"), default="both")
    ap.add_argument("--smp", type=int, default=1, help="virtual CPUs (default 1)")
    args = ap.parse_args()
    fws = ("bios", "uefi") if args.firmware == "both" else (args.firmware,)
    print("boot time: %s, median of %d, QEMU start -> serial marker (TCG, -smp %d)" % (
        args.iso, args.runs, args.smp))
    for fw in fws:
        first, splash = [], []
        for _ in range(args.runs):
            r = qemu_run.run(args.iso, fw, [qemu_run.FIRST_LINE, args.splash],
                             timeout=120, watchdog=20, stop_after_markers=True,
                             machine_args=qemu_run.smp_machine_args(args.smp))
            first.append(r.first_line_time)
            splash.append(r.marker_times.get(args.splash))
        print("  %-4s first kernel line: %s" % (fw.upper(), fmt(first)))
        print("  %-4s %-17s %s" % (fw.upper(), args.splash + ":", fmt(splash)))


if __name__ == "__main__":
    main()
