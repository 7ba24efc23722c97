"""Shared helpers for the QEMU tests: paths, markers, result lines, screen checks.

Every test prints exactly one line per check: "PASS name" or "FAIL name: reason"
(followed, on failure, by the tail of the serial log, indented). tests/run-all.sh
counts those lines."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import qemu_run  # noqa: E402  (tools/ is not a package)

RESULTS = os.path.join(ROOT, "build", "test-results")
MARKERS_FILE = os.path.join(ROOT, "tests", "qemu", "markers.txt")
# The serial marker after which the boot splash is on screen (console branch).
SPLASH_MARKER = "[fb] boot splash"
# Test-only kernel command-line variants, built by tests/run-all.sh with tools/mkiso.sh.
ISO_DIR = os.path.join(ROOT, "build", "test-iso")

os.makedirs(RESULTS, exist_ok=True)


def start_vm(cmd, **popen_args):
    """Starts a VM command (often `timeout ... qemu-system-x86_64 ...`) in a
    session of its own, so stop_vm can kill QEMU itself: killing only a `timeout`
    wrapper with SIGKILL leaves QEMU running, orphaned, eating the CPU of every
    later test."""
    return subprocess.Popen(cmd, start_new_session=True, **popen_args)


def connect_serial(path, tries=100):
    """Connects to QEMU's `-serial unix:PATH,server,nowait` socket, retrying while
    QEMU starts (0.1 s apart); the socket, or None."""
    for _ in range(tries):
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    return None


def stop_vm(proc):
    """Kills the VM's whole process group and reaps the direct child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class Reporter:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, reason="", log_tail=None):
        if ok:
            print("PASS %s" % name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, reason))
            if log_tail:
                for line in log_tail.splitlines():
                    print("    | " + line)
        sys.stdout.flush()

    def exit(self):
        sys.exit(1 if self.failed else 0)


def host_libraries(programs, interp="/lib64/ld-linux-x86-64.so.2"):
    """osc-run --add HOST:GUEST pairs for the loader and every library the host's
    dynamic PROGRAMS need (ldd), as real files where the programs look for them."""
    adds = {}
    for prog in programs:
        out = subprocess.run(["ldd", prog], stdout=subprocess.PIPE, check=True).stdout.decode()
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m:
                adds[os.path.realpath(m.group(2))] = m.group(2)
    adds[os.path.realpath(interp)] = interp
    return ["%s:%s" % kv for kv in adds.items()]


def markers():
    return qemu_run.read_markers(MARKERS_FILE)


def panic_excerpt(log):
    """The KERNEL PANIC line, if any."""
    for line in log.splitlines():
        if qemu_run.PANIC in line:
            return line.strip()
    return None


def run_problem(r):
    """Why a run ended abnormally (timeout, watchdog, QEMU error), or ''."""
    if r.ended in ("timeout", "watchdog"):
        return r.reason
    if r.ended == "exit" and r.status not in (qemu_run.EXIT_PASS, qemu_run.EXIT_FAIL,
                                              qemu_run.EXIT_PANIC):
        return r.reason or "QEMU exited with status %s" % r.status
    return ""


# --- screen checks -----------------------------------------------------------------

MIN_COLOURS = 3          # background, logo, and at least one more (spinner / shading)
CENTRE_MIN_FILL = 0.01   # share of the central box that must differ from the background
SPINNER_MAX_AREA = 0.10  # the region that changes between frames: at most this share


def background(img):
    """The most common colour (sampled on a 4x4 grid)."""
    c = Counter()
    rgb, w = bytes(img.rgb), img.width
    for y in range(0, img.height, 4):
        row = y * w * 3
        for x in range(0, w, 4):
            i = row + x * 3
            c[rgb[i:i + 3]] += 1
    return c.most_common(1)[0][0]


def check_logo(img):
    """Returns '' if img looks like the splash (logo near the centre), else why not."""
    w, h, rgb = img.width, img.height, bytes(img.rgb)
    colours = {rgb[i:i + 3] for i in range(0, len(rgb), 3)}
    if len(colours) == 1:
        return "screen is a single colour %s" % rgb[0:3].hex()
    if len(colours) < MIN_COLOURS:
        return "only %d distinct colours (want >= %d)" % (len(colours), MIN_COLOURS)
    bg = background(img)
    x0, x1, y0, y1 = w // 3, 2 * w // 3, h // 3, 2 * h // 3
    fill = 0
    for y in range(y0, y1):
        row = y * w * 3
        for x in range(x0, x1):
            i = row + x * 3
            if rgb[i:i + 3] != bg:
                fill += 1
    share = fill / float((x1 - x0) * (y1 - y0))
    if share < CENTRE_MIN_FILL:
        return "no logo near the centre: %.2f%% of the central box differs from the " \
               "background %s (want >= %.0f%%)" % (100 * share, bg.hex(), 100 * CENTRE_MIN_FILL)
    return ""


def diff_box(a, b):
    """Bounding box (x0, y0, x1, y1) and count of pixels that differ, or (None, 0)."""
    if (a.width, a.height) != (b.width, b.height):
        return (0, 0, a.width, a.height), a.width * a.height
    w = a.width
    stride = w * 3
    box, count = None, 0
    for y in range(a.height):
        ra, rb = bytes(a.rgb[y * stride:(y + 1) * stride]), bytes(b.rgb[y * stride:(y + 1) * stride])
        if ra == rb:
            continue
        for x in range(w):
            if ra[x * 3:x * 3 + 3] != rb[x * 3:x * 3 + 3]:
                count += 1
                if box is None:
                    box = [x, y, x, y]
                else:
                    box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
    return (tuple(box) if box else None), count


def check_spinner(a, b):
    """Two frames ~0.6 s apart must differ, and only in a small region."""
    box, count = diff_box(a, b)
    if box is None:
        return "the two screendumps are identical (no spinner animation)"
    area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    share = area / float(a.width * a.height)
    if share > SPINNER_MAX_AREA:
        return "changed region %s covers %.0f%% of the screen (want <= %.0f%%)" % (
            box, 100 * share, 100 * SPINNER_MAX_AREA)
    return ""
