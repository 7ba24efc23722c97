#!/usr/bin/env python3
"""Self-checks of the QEMU test harness that need no VM: serial-line cleaning (UEFI
escape sequences, split reads), PPM reading, the PNG encoder, and the splash and
spinner screen checks on synthetic images. Prints "harness: N passed, N failed"."""

import os
import struct
import sys
import tempfile
import traceback
import zlib

import screen_text
from common import check_logo, check_spinner, qemu_run

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def solid(w, h, colour):
    return qemu_run.Image(w, h, bytearray(bytes(colour) * (w * h)))


def fill(img, x0, y0, x1, y1, colour):
    for y in range(y0, y1):
        for x in range(x0, x1):
            i = (y * img.width + x) * 3
            img.rgb[i:i + 3] = bytes(colour)


@test
def cleaner_strips_uefi_escapes_even_split_across_reads():
    raw = (b"\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading\r\n"
           b"\x1b[0m\x1b[30m\x1b[47mWelcome to GRUB!\r\n\x1b[0m\x1b[37m\x1b[40m"
           b"  Booting `OSCortex'\r\n\r[kernel] OSCortex booting\r\n")
    want = "BdsDxe: loading\nWelcome to GRUB!\n  Booting `OSCortex'\n[kernel] OSCortex booting\n"
    assert qemu_run._Cleaner().feed(raw, final=True) == want
    for cut in range(1, len(raw)):
        c = qemu_run._Cleaner()
        got = c.feed(raw[:cut]) + c.feed(raw[cut:]) + c.feed(b"", final=True)
        assert got == want, (cut, got)


@test
def cleaner_keeps_plain_text_and_utf8():
    c = qemu_run._Cleaner()
    s = "[fb] 1024x768 – splash\n".encode()
    assert c.feed(s[:10]) + c.feed(s[10:]) == "[fb] 1024x768 – splash\n"


@test
def png_encoder_writes_valid_png():
    img = solid(7, 5, (10, 20, 30))
    fill(img, 2, 1, 4, 3, (255, 0, 128))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.png")
        img.write_png(path)
        data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, kinds = 8, b"", []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xffffffff, kind
        kinds.append(kind)
        if kind == b"IHDR":
            assert struct.unpack(">IIBBBBB", body) == (7, 5, 8, 2, 0, 0, 0)
        if kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    raw = zlib.decompress(idat)
    rows = [raw[y * 22:(y + 1) * 22] for y in range(5)]
    assert all(r[0] == 0 for r in rows)
    assert b"".join(r[1:] for r in rows) == bytes(img.rgb)


@test
def ppm_reader_handles_comments():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.ppm")
        with open(path, "wb") as f:
            f.write(b"P6\n# qemu\n2 1\n255\n" + bytes([1, 2, 3, 4, 5, 6]))
        img = qemu_run.read_ppm(path)
    assert (img.width, img.height) == (2, 1) and img.pixel(1, 0) == (4, 5, 6)


@test
def splash_check_rejects_blank_screen():
    assert "single colour" in check_logo(solid(64, 48, (0, 0, 0)))


@test
def splash_check_rejects_text_console_in_a_corner():
    img = solid(64, 48, (0, 0, 0))
    fill(img, 0, 0, 20, 2, (200, 200, 200))
    fill(img, 0, 3, 10, 5, (170, 170, 170))
    assert "no logo near the centre" in check_logo(img)


@test
def splash_check_accepts_centred_logo():
    img = solid(64, 48, (16, 16, 32))
    fill(img, 26, 18, 38, 28, (240, 120, 0))
    fill(img, 30, 32, 34, 34, (200, 200, 200))
    assert check_logo(img) == "", check_logo(img)


@test
def spinner_check_wants_a_small_change():
    a = solid(64, 48, (0, 0, 0))
    fill(a, 26, 18, 38, 28, (240, 120, 0))
    b = qemu_run.Image(64, 48, bytearray(a.rgb))
    assert "identical" in check_spinner(a, b)
    fill(b, 30, 32, 33, 35, (255, 255, 255))
    assert check_spinner(a, b) == ""
    c = solid(64, 48, (9, 9, 9))
    assert "covers" in check_spinner(a, c)


def console_image(lines, cursor=None, w=320, h=120, bg=(0x0b, 0x0f, 0x17), fg=(0xc9, 0xd1, 0xd9),
                  reverse=()):
    """A synthetic text console: lines drawn with the real font at fbcon's geometry,
    an underline cursor at cursor=(col, row), the cells (col, row) in reverse
    video."""
    width, height, glyphs = screen_text.load_font()
    img = solid(w, h, bg)
    cols = (w - 2 * screen_text.MARGIN) // width
    rows = (h - 2 * screen_text.MARGIN) // height
    ox, oy = (w - cols * width) // 2, (h - rows * height) // 2
    for r, text in enumerate(lines):
        for c, ch in enumerate(text):
            ink, paper = (bg, fg) if (c, r) in reverse else (fg, bg)
            fill(img, ox + c * width, oy + r * height, ox + (c + 1) * width, oy + (r + 1) * height, paper)
            for y, bits in enumerate(glyphs[ord(ch)]):
                for x in range(width):
                    if bits >> (width - 1 - x) & 1:
                        fill(img, ox + c * width + x, oy + r * height + y,
                             ox + c * width + x + 1, oy + r * height + y + 1, ink)
    if cursor:
        c, r = cursor
        fill(img, ox + c * width, oy + (r + 1) * height - screen_text.CURSOR_HEIGHT,
             ox + (c + 1) * width, oy + (r + 1) * height, fg)
    return img


@test
def screen_text_reads_back_console_with_cursor():
    want = ["BusyBox v1.35.0 (x)", "Enter 'help'", "", "/ # ls_gjpqy"]
    img = console_image(want, cursor=(12, 3))
    got = screen_text.screen_lines(img)
    assert got[:4] == want, got
    assert screen_text.check_shell_screen(got) == ""


@test
def screen_text_reads_reverse_video_with_its_colours():
    fg, bg = (0xc9, 0xd1, 0xd9), (0x0b, 0x0f, 0x17)
    img = console_image(["REV ok"], reverse={(0, 0), (1, 0), (2, 0), (3, 0)})
    cells = screen_text.screen_cells(img)[0]
    assert "".join(ch for ch, _, _ in cells[:6]) == "REV ok", cells[:6]
    assert all(c[2] == bytes(fg) for c in cells[:4]), cells[:4]      # light paper
    assert cells[0][1] == bytes(bg) and cells[4][2] == bytes(bg) and cells[4][1] == bytes(fg)


@test
def shell_screen_check_rejects_splash_and_missing_prompt():
    assert screen_text.check_shell_screen(screen_text.screen_lines(solid(320, 120, (9, 9, 9)))) != ""
    lines = screen_text.screen_lines(console_image(["BusyBox v1.35.0", "sh: not found"]))
    assert "prompt" in screen_text.check_shell_screen(lines)


@test
def markers_file_parses():
    ms = qemu_run.read_markers(os.path.join(os.path.dirname(__file__), "markers.txt"))
    assert ms and ms[0] == qemu_run.FIRST_LINE and not any(m.startswith("#") for m in ms)


def main():
    passed = failed = 0
    for t in TESTS:
        try:
            t()
            passed += 1
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL %s" % t.__name__)
            traceback.print_exc(file=sys.stdout)
    print("harness: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
