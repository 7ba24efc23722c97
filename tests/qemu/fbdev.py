#!/usr/bin/env python3
"""/dev/fb0 as a window, end to end: one boot (tools/osc-run, QMP). Debian's
fbset (unmodified, dynamic glibc: the host's program, loader and libc added)
reads the mode; tests/qemu/fbfill.c (static musl) maps /dev/fb0 and paints its left
half red and its right half blue; the screendump shows a decorated window of that
size with both halves.

  fbdev_fbset_reads_the_mode        fbset prints mode "640x480" and
                                    geometry 640 480 640 480 32
  fbdev_program_draws_in_a_window   the screen holds a 320x480 red block and a
                                    320x480 blue block side by side (kept as
                                    build/fbdev/shot.png)
usage: fbdev.py"""

import os

from common import ROOT, Reporter, host_libraries
from gui import screendump
from input import build_guest, run_with_qmp

OUT = os.path.join(ROOT, "build", "fbdev")
FBSET = "/usr/bin/fbset"
COMMAND = "/opt/dyn/fbset -i; /bin/fbfill"


def blocks(img, rgb):
    """The bounding box (x0, y0, x1, y1) of the pixels exactly rgb, and their count."""
    xs, ys, n = [], [], 0
    data = img.rgb
    want = bytes(rgb)
    for y in range(img.height):
        row = data[y * img.width * 3:(y + 1) * img.width * 3]
        x = row.find(want)
        while x >= 0:
            if x % 3 == 0:
                xs.append(x // 3)
                ys.append(y)
                n += 1
            x = row.find(want, x + 3 - x % 3)
    if not n:
        return None, 0
    return (min(xs), min(ys), max(xs) + 1, max(ys) + 1), n


def main():
    rep = Reporter()
    shot = {}

    def take(qmp):
        shot["img"] = screendump(qmp, OUT, "shot")

    adds = host_libraries([FBSET]) + ["%s:/opt/dyn/fbset" % FBSET]
    text = run_with_qmp(build_guest(os.path.join(ROOT, "tests", "qemu", "fbfill.c"), "fbfill"),
                        [("READY", lambda q: __import__("time").sleep(0.5) or take(q))],
                        command=COMMAND, name="fbfill", adds=adds, timeout=90, watchdog=40)
    rep.check("fbdev_fbset_reads_the_mode",
              'mode "640x480"' in text and "geometry 640 480 640 480 32" in text,
              "fbset's output", text[-1500:])
    img = shot.get("img")
    red, nred = blocks(img, (255, 0, 0)) if img else (None, 0)
    blue, nblue = blocks(img, (0, 0, 255)) if img else (None, 0)
    full = 320 * 480 - 400              # the pointer may cover a corner of one
    ok = (red and blue and red[2] - red[0] == 320 and red[3] - red[1] == 480 and
          nred >= full and blue[2] - blue[0] == 320 and nblue >= full and
          blue[0] == red[2] and blue[1] == red[1])
    rep.check("fbdev_program_draws_in_a_window", ok,
              "red %r (%d px), blue %r (%d px)" % (red, nred, blue, nblue), text[-800:])
    rep.exit()


if __name__ == "__main__":
    main()
