"""Reads the text console back out of a screendump: the same grid geometry as
kernel/gfx/fbcon.c and the same PSF font (build/fonts/console.psf), each cell
matched against the glyphs of printable ASCII. Tests then check what a user would
read on the screen, not just that pixels changed.

usage as a tool: screen_text.py SHOT.png|.ppm  (prints the screen's text)"""

import os
import struct
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONT = os.path.join(ROOT, "build", "fonts", "console.psf")
MARGIN, MAX_COLS, MAX_ROWS = 8, 256, 128    # FBCON_MARGIN, FBCON_MAX_COLS/ROWS
CURSOR_HEIGHT = 2                           # the underline cursor's rows


def _psf1_table(data, pos, count, seq):
    table = {}
    for glyph in range(count):
        in_seq = False
        while pos + 2 <= len(data):
            (v,) = struct.unpack_from("<H", data, pos)
            pos += 2
            if v == 0xFFFF:
                break
            if v == 0xFFFE and seq:
                in_seq = True
            elif not in_seq:
                table.setdefault(v, glyph)
    return table


def _psf2_table(data, pos, count):
    table = {}
    for glyph in range(count):
        end = data.find(b"\xff", pos)
        if end < 0:
            break
        entry = data[pos:end].split(b"\xfe")[0]     # sequences are not single code points
        for ch in entry.decode("utf-8", "replace"):
            table.setdefault(ord(ch), glyph)
        pos = end + 1
    return table


def load_font(path=FONT):
    """Returns (width, height, {code point: tuple of glyph rows as ints})."""
    data = open(path, "rb").read()
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        width, count, hdr, row_bytes = 8, 512 if mode & 1 else 256, 4, 1
        table = _psf1_table(data, hdr + count * height, count, mode & 4) if mode & 6 else {}
    elif data[:4] == b"\x72\xb5\x4a\x86":
        _, _, hdr, flags, count, charsize, height, width = struct.unpack_from("<4s7I", data, 0)
        row_bytes = (width + 7) // 8
        table = _psf2_table(data, hdr + count * charsize, count) if flags & 1 else {}
    else:
        raise ValueError("%s: not a PSF font" % path)
    size = row_bytes * height
    glyphs = {}
    for cp in range(32, 127):
        g = table.get(cp, cp) if table else cp
        if g >= count:
            continue
        raw = data[hdr + g * size:hdr + (g + 1) * size]
        glyphs[cp] = tuple(int.from_bytes(raw[r * row_bytes:(r + 1) * row_bytes], "big")
                           >> (row_bytes * 8 - width) for r in range(height))
    return width, height, glyphs


def grid_size(width_px, height_px, font=None):
    """(cols, rows) of the console on a screen of that size, as fbcon sizes it."""
    width, height, _ = font or load_font()
    return (min((width_px - 2 * MARGIN) // width, MAX_COLS),
            min((height_px - 2 * MARGIN) // height, MAX_ROWS))


def screen_cells(img, font=None):
    """The console's cells, row by row: (char, fg, bg) with the colours as 3-byte
    RGB strings. A cell's background is its most common colour (a glyph covers
    less than half its cell), so reverse video and coloured backgrounds read
    back too; a cell that matches no glyph reads as '?'."""
    width, height, glyphs = font or load_font()
    by_rows = {rows: chr(cp) for cp, rows in glyphs.items()}
    cursorless = {rows[:height - CURSOR_HEIGHT]: chr(cp) for cp, rows in sorted(glyphs.items(), reverse=True)}
    w, h, rgb = img.width, img.height, bytes(img.rgb)
    cols, nrows = grid_size(w, h, (width, height, glyphs))
    ox, oy = (w - cols * width) // 2, (h - nrows * height) // 2
    screen_bg = rgb[0:3]                # the margin is always background
    blank_row = screen_bg * width
    out = []
    for r in range(nrows):
        row_cells = []
        for c in range(cols):
            starts = [((oy + r * height + y) * w + ox + c * width) * 3 for y in range(height)]
            rows_px = [rgb[i:i + 3 * width] for i in starts]
            if all(px == blank_row for px in rows_px):
                row_cells.append((" ", None, screen_bg))
                continue
            counts = Counter(px[k:k + 3] for px in rows_px for k in range(0, 3 * width, 3))
            bg = counts.most_common(1)[0][0]
            fg = next((col for col, _ in counts.most_common() if col != bg), None)
            bits_rows = []
            for px in rows_px:
                bits = 0
                for k in range(0, 3 * width, 3):
                    bits = bits << 1 | (px[k:k + 3] != bg)
                bits_rows.append(bits)
            bits_rows = tuple(bits_rows)
            ch = by_rows.get(bits_rows) or cursorless.get(bits_rows[:height - CURSOR_HEIGHT], "?")
            row_cells.append((ch, fg, bg))
        out.append(row_cells)
    return out


def screen_lines(img, font=None):
    """The console's text, one string per row (trailing blanks stripped)."""
    return ["".join(ch for ch, _, _ in row).rstrip() for row in screen_cells(img, font)]


def check_shell_screen(lines):
    """'' if the screen shows busybox's banner and, below it, the shell prompt."""
    shown = [l for l in lines if l][:8]
    banner = next((i for i, l in enumerate(lines) if l.startswith("BusyBox v")), None)
    if banner is None:
        return "no 'BusyBox v' banner on screen; it reads: %r" % shown
    if not any(l.startswith("/ #") for l in lines[banner + 1:]):
        return "no '/ #' prompt below the banner; it reads: %r" % shown
    return ""


def main():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import qemu_run
    path = sys.argv[1]
    if path.endswith(".png"):
        sys.exit("give the .ppm (QEMU's screendump) or use a Shot's image")
    for line in screen_lines(qemu_run.read_ppm(path)):
        print(line)


if __name__ == "__main__":
    main()
