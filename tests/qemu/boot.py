#!/usr/bin/env python3
"""Boot test of the real ISO: every phase marker of markers.txt appears in order and
no KERNEL PANIC follows. The same boot also checks the screen by screendump: the
splash (logo near the centre; under BIOS also the spinner: two frames 0.6 s apart
differ in a small region only), and after the handover the text console with
busybox's banner and the shell prompt on it, read back glyph by glyph. One VM per
firmware covers all of it.

usage: boot.py [--firmware bios|uefi] [ISO]
tests: boot_FW, splash_FW, console_FW[, spinner_FW]"""

import argparse
import os

import screen_text

from common import (ISO_DIR, RESULTS, ROOT, SPLASH_MARKER, Reporter, check_logo,  # noqa: F401
                    check_spinner, markers, panic_excerpt, qemu_run, run_problem)

SPLASH_DELAY = 0.3      # s after the splash marker: the logo is drawn, spinner running
SPINNER_GAP = 0.6       # s between the two spinner frames; both well inside the
                        # splash's 2 s minimum (SPLASH_MIN_NS), so the handover can't race them
CONSOLE_MARKER = "[fb] text console"
CONSOLE_DELAY = 1.0     # s after the handover: the grid is drawn
SETTLE = 1.0            # s of running after the last marker, to catch a late panic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmware", choices=("bios", "uefi"), default="bios")
    ap.add_argument("iso", nargs="?", default=os.path.join(ROOT, "build", "oscortex.iso"))
    args = ap.parse_args()
    fw = args.firmware
    rep = Reporter()

    splash = os.path.join(RESULTS, "splash-%s.png" % fw)
    shots = [qemu_run.Shot(SPLASH_MARKER, SPLASH_DELAY, splash)]
    if fw == "bios":
        shots.append(qemu_run.Shot(SPLASH_MARKER, SPLASH_DELAY + SPINNER_GAP,
                                   os.path.join(RESULTS, "splash-%s-2.png" % fw)))
    console = qemu_run.Shot(CONSOLE_MARKER, CONSOLE_DELAY, os.path.join(RESULTS, "console-%s.png" % fw))
    shots.append(console)
    r = qemu_run.run(args.iso, fw, markers(), timeout=120 if fw == "uefi" else 60,
                     watchdog=20, stop_after_markers=True, settle=SETTLE, shots=shots,
                     log_path=os.path.join(RESULTS, "boot_%s.log" % fw))

    # boot_FW: markers in order, no panic, no abnormal end.
    problems = []
    if r.missing:
        problems.append("marker %r not seen (last line: %s)" % (r.missing[0], r.last_line()))
    p = panic_excerpt(r.log)
    if p:
        problems.append(p)
    if run_problem(r):
        problems.append(run_problem(r))
    elif r.ended == "exit" and not r.missing:
        problems.append("QEMU exited (status %s) instead of idling" % r.status)
    times = ", ".join("%s %.2fs" % (m, t) for m, t in r.marker_times.items())
    rep.check("boot_%s" % fw, not problems, "; ".join(problems),
              r.tail() if problems else None)
    if not problems:
        print("    markers at: %s" % times)

    # splash_FW: logo on screen.
    s = shots[0]
    why = s.error or check_logo(s.image)
    rep.check("splash_%s" % fw, not why, why + (" (%s)" % s.path if s.image else ""))

    if fw == "bios":
        a, b = shots[:2]
        why = a.error or b.error or check_spinner(a.image, b.image)
        rep.check("spinner_%s" % fw, not why, why)

    # console_FW: after the handover the screen reads as the shell's terminal.
    why = console.error or screen_text.check_shell_screen(screen_text.screen_lines(console.image))
    rep.check("console_%s" % fw, not why, why + (" (%s)" % console.path if console.image else ""))
    rep.exit()



if __name__ == "__main__":
    main()
