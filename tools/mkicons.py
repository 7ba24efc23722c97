#!/usr/bin/env python3
"""The app bundles' icons, drawn at build time: white symbols on transparency
(the desktop draws them over each tile's accent gradient), 144x144 PNGs so the
72x72 place on a tile is an exact halving. Each symbol is a signed-distance
shape (negative inside, in pixels); coverage is the distance clamped to a
one-pixel ramp, which gives anti-aliased edges without supersampling.

usage: tools/mkicons.py OUTDIR      writes OUTDIR/<App>.png for every icon below
Python 3 standard library only (zlib for the PNG's IDAT)."""

import math
import os
import struct
import sys
import zlib

SIZE = 144


def circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


def rbox(x, y, cx, cy, hw, hh, r):
    """A rectangle of half-sizes hw, hh centred at (cx, cy), corners of radius r."""
    qx, qy = abs(x - cx) - hw + r, abs(y - cy) - hh + r
    return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - r


def capsule(x, y, ax, ay, bx, by, r):
    """A stroke of radius r from (ax, ay) to (bx, by), round ends."""
    px, py, dx, dy = x - ax, y - ay, bx - ax, by - ay
    t = max(0.0, min(1.0, (px * dx + py * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - dx * t, py - dy * t) - r


def terminal(x, y):
    frame = abs(rbox(x, y, 72, 72, 58, 48, 14)) - 5
    prompt = min(capsule(x, y, 42, 54, 62, 72, 6), capsule(x, y, 62, 72, 42, 90, 6))
    cursor = capsule(x, y, 72, 90, 100, 90, 6)
    return min(frame, prompt, cursor)


def files(x, y):
    tab = rbox(x, y, 46, 40, 28, 12, 7)
    body = rbox(x, y, 72, 80, 58, 40, 10)
    folder = min(tab, body)
    return max(folder, -capsule(x, y, 14, 58, 130, 58, 3))      # the front flap's edge


def canvas(x, y):
    palette = max(circle(x, y, 72, 72, 58), -circle(x, y, 108, 104, 18))
    for cx, cy in ((48, 50), (78, 38), (106, 60), (42, 82)):
        palette = max(palette, -circle(x, y, cx, cy, 10))
    return palette


def settings(x, y):
    # Eight teeth: the rim's radius swings between 40 and 54 with the angle.
    a = math.atan2(y - 72, x - 72)
    rim = 47 + 7 * max(-1.0, min(1.0, 3 * math.cos(8 * a)))
    gear = math.hypot(x - 72, y - 72) - rim
    return max(gear, -circle(x, y, 72, 72, 18))


def monitor(x, y):
    bars = min(rbox(x, y, cx, 112 - h / 2, 9, h / 2, 5)
               for cx, h in ((34, 40), (60, 72), (86, 52), (112, 88)))
    return min(bars, capsule(x, y, 18, 124, 128, 124, 3))


def greeter(x, y):
    bubble = min(rbox(x, y, 72, 62, 58, 40, 20), capsule(x, y, 56, 92, 38, 120, 9))
    for cx in (46, 72, 98):
        bubble = max(bubble, -circle(x, y, cx, 62, 9))
    return bubble


ICONS = {"Terminal": terminal, "Files": files, "Canvas": canvas, "Settings": settings,
         "Monitor": monitor, "Greeter": greeter}


def alpha(shape):
    """Coverage 0..255 per pixel, row by row, sampled at pixel centres."""
    rows = []
    for j in range(SIZE):
        row = bytearray(SIZE)
        for i in range(SIZE):
            d = shape(i + 0.5, j + 0.5)
            row[i] = int(round(255 * max(0.0, min(1.0, 0.5 - d))))
        rows.append(bytes(row))
    return rows


def png(rows):
    """White RGBA pixels with the given coverage as alpha (filter 0 rows)."""
    raw = b"".join(b"\0" + b"".join(b"\xff\xff\xff" + bytes([a]) for a in row) for row in rows)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, shape in ICONS.items():
        tmp = os.path.join(out, name + ".png.tmp")
        with open(tmp, "wb") as f:
            f.write(png(alpha(shape)))
        os.replace(tmp, os.path.join(out, name + ".png"))


if __name__ == "__main__":
    main()
