#!/usr/bin/env python3
"""The Canvas and System Monitor apps end to end in one boot (usb-tablet, QMP).
Widgets are found through the semantics tree each app prints (SEM lines) before
its "[app] ready" line; nothing is clicked at a hard-coded widget position.

Canvas (/bin/canvas /tmp/drawing.png at 100,60):
  canvas_ready            its tree has the tool, colour, Undo and Save buttons and
                          the Canvas panel
  canvas_draws_stroke     Red and Thick chosen, a QMP drag across the Canvas panel:
                          the app drew one stroke, and the screendump
                          (build/apps/canvas.png) is red along the dragged path
  canvas_png_has_stroke   Save: the PNG, copied to the host through the serial
                          console (base64, each line written whole by the shell's
                          echo and marked B64 so the app's own output cannot split
                          one) and decoded here with zlib, is red along
                          the path and white away from it
  canvas_undo             Ctrl+Z: UNDO 0, and the screendump is white along the path
  canvas_redo             the Redo button brings the stroke back (REDO 1)
  canvas_ellipse          Ellipse and Blue, a drag: a blue ellipse through the
                          drag box's left and right middles (build/apps/note.png)
  canvas_note             the Text tool, a click on the paper, "hi" and Enter: a
                          note (NOTE hi, three strokes in the tree) drawn in blue
                          where it was clicked
  canvas_open_error       /nope.png typed into the File field and Open: the error
                          is shown in the window (its status label in the tree)
  canvas_close            the close box ends it with status 0
System Monitor (/bin/monitor at 200,80), with `osc-launch sleep 1000` started
for the test:
  monitor_ready           its tree has the Filter field, the Kill button, the
                          process list and a load bar per CPU
  monitor_lists_process   the sleep's pid typed into Filter; the first row clicked:
                          the list's selected row is that pid and "sleep"
  monitor_home_cores      at -smp 2: a load bar per CPU, and the sleep (started
                          through osc-launch) shows its home core, not CPU 0
  monitor_refresh_partial the once-a-second refreshes while it sits still
                          repaint a part of the window (REFRESH rectangles
                          under half its area), not all of it
  monitor_kill            Kill: the sleep died of SIGTERM (the shell's wait: 143)
Screenshots: build/apps/note.png, monitor.png (copied to docs/screenshots/canvas.png
and monitor.png by hand).
usage: apps.py"""

import base64
import os
import re
import struct
import time
import zlib

from common import ROOT, Reporter
from gui import abs_move, button, click_at, screendump, semantics
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "apps")
CX, CY = 100, 60            # the canvas window's place
MX, MY = 200, 80            # the monitor's
CANVAS_W = 820
GUEST = ("osc-launch sleep 1000 & S=$!; echo SLEEPPID $S; "
         "OSC_SEMANTICS=1 canvas /tmp/drawing.png %d %d & C=$!; "
         "n=0; while [ ! -e /tmp/drawing.png ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n+1)); done; "
         "sleep 0.5; echo PNG-BEGIN; base64 /tmp/drawing.png | while read l; do echo \"B64 $l\"; done; "
         "echo PNG-END; "
         "wait $C; echo CANVAS-EXIT $?; "
         "OSC_SEMANTICS=1 monitor %d %d & M=$!; "
         "(sleep 25; kill -9 $S) 2>/dev/null & "
         "wait $S; echo SLEEP-EXIT $?; sleep 0.5; kill $M; wait $M; echo DONE") % (CX, CY, MX, MY)
state = {}
RED = (0xe1, 0x1d, 0x48)


def centre(w, ox, oy):
    return ox + w[0] + w[2] // 2, oy + w[1] + w[3] // 2


def drag(qmp, x0, y0, x1, y1):
    abs_move(qmp, x0, y0)
    time.sleep(0.2)
    button(qmp, True)
    time.sleep(0.1)
    for i in range(1, 11):
        abs_move(qmp, x0 + (x1 - x0) * i // 10, y0 + (y1 - y0) * i // 10)
        time.sleep(0.05)
    time.sleep(0.1)
    button(qmp, False)
    time.sleep(0.4)


def draw(qmp, text):
    tree = semantics(text)
    state["canvas_tree"] = tree
    for key in (("button", "Red"), ("button", "Thick")):
        if key in tree:
            click_at(qmp, *centre(tree[key], CX, CY), pause=0.2)
    c = tree.get(("panel", "Canvas"))
    if not c:
        return
    # A horizontal drag across the middle third of the paper.
    y = CY + c[1] + c[3] // 2
    x0, x1 = CX + c[0] + c[2] // 4, CX + c[0] + 3 * c[2] // 4
    state["path"] = (x0, x1, y)
    drag(qmp, x0, y, x1, y)
    if ("button", "Save") in tree:
        click_at(qmp, *centre(tree[("button", "Save")], CX, CY), pause=0.2)


def undo_redo_close(qmp, text):
    state["canvas_shot"] = screendump(qmp, OUT, "canvas")
    qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in ("ctrl", "z")])
    time.sleep(0.8)
    state["undone_shot"] = screendump(qmp, OUT, "undone")
    tree = state.get("canvas_tree", {})
    if ("button", "Redo") in tree:
        click_at(qmp, *centre(tree[("button", "Redo")], CX, CY), pause=0.2)
    c = tree.get(("panel", "Canvas"))
    if ("button", "Ellipse") in tree and ("button", "Blue") in tree and c:
        click_at(qmp, *centre(tree[("button", "Ellipse")], CX, CY), pause=0.2)
        click_at(qmp, *centre(tree[("button", "Blue")], CX, CY), pause=0.2)
        box = (CX + c[0] + c[2] - 260, CY + c[1] + 40, CX + c[0] + c[2] - 40, CY + c[1] + 160)
        state["ellipse"] = box
        drag(qmp, box[0], box[1], box[2], box[3])
    if ("button", "Text") in tree and c:
        click_at(qmp, *centre(tree[("button", "Text")], CX, CY), pause=0.2)
        state["note_at"] = (CX + c[0] + 60, CY + c[1] + 50)
        click_at(qmp, *state["note_at"], pause=0.2)
        for k in ("h", "i", "ret"):
            qmp.command("send-key", keys=[{"type": "qcode", "data": k}])
            time.sleep(0.15)
        abs_move(qmp, CX + c[0] + c[2] - 10, CY + c[1] + c[3] - 10)    # the pointer out of the way
        time.sleep(0.5)
        state["note_shot"] = screendump(qmp, OUT, "note")
    f, o = tree.get(("text_field", "File")), tree.get(("button", "Open"))
    if f and o:
        click_at(qmp, *centre(f, CX, CY), pause=0.2)
        for keys in (["ctrl", "a"], ["slash"], ["n"], ["o"], ["p"], ["e"], ["dot"], ["p"], ["n"], ["g"]):
            qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in keys])
            time.sleep(0.12)
        click_at(qmp, *centre(o, CX, CY), pause=0.2)


def close_canvas(qmp):
    time.sleep(0.3)
    click_at(qmp, CX + CANVAS_W - 12, CY - 12)         # the close box


def pick_sleep(qmp, text):
    tree = semantics(text.split("CANVAS-EXIT", 1)[-1])
    state["monitor_tree"] = tree
    time.sleep(1.0)         # a second refresh: CPU shares and load bars filled in
    state["monitor_shot"] = screendump(qmp, OUT, "monitor")
    m = re.search(r"SLEEPPID (\d+)", text)
    f, lst = tree.get(("text_field", "Filter")), tree.get(("list", "Processes"))
    if not m or not f or not lst:
        return
    click_at(qmp, *centre(f, MX, MY), pause=0.2)
    for d in m.group(1):
        qmp.command("send-key", keys=[{"type": "qcode", "data": d}])
        time.sleep(0.15)
    time.sleep(0.4)
    click_at(qmp, MX + lst[0] + 60, MY + lst[1] + 10, pause=0.2)     # the first row


def kill(qmp, text):
    time.sleep(0.5)
    state["selected_tree"] = semantics(text.split("SELECTED", 1)[-1])
    k = state.get("monitor_tree", {}).get(("button", "Kill"))
    if k:
        click_at(qmp, *centre(k, MX, MY), pause=0.2)


def read_png(data):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG, decoded here."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "PNG kind"
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def reddish(px):
    return px[0] > 0xb0 and px[1] < 0x60 and px[2] < 0x90


def white(px):
    return min(px) > 0xf0


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)
    text = run_with_qmp(None, [("[canvas] ready", draw), ("PNG-END", undo_redo_close),
                               ('label "Could not open', close_canvas),
                               ("[monitor] ready", pick_sleep), ("SELECTED", kill)],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet", "-smp", "2"],
                        timeout=70, command=GUEST, name="apps", watchdog=40)
    tail = "\n".join(l for l in text.splitlines() if not l.startswith(("SEM", "B64 ")))[-1500:]
    tree = state.get("canvas_tree", {})
    rep.check("canvas_ready", all(k in tree for k in (("button", "Pen"), ("button", "Red"),
                                                      ("button", "Undo"), ("button", "Save"),
                                                      ("panel", "Canvas"))),
              "canvas tree: %s" % sorted(tree), tail)
    x0, x1, y = state.get("path", (0, 0, 0))
    xs = [x0 + (x1 - x0) * i // 20 for i in range(1, 19)]     # the ends left out (the pointer)
    shot, why = state.get("canvas_shot"), []
    if shot is None or not x1:
        why.append("no screenshot or no drag")
    else:
        red = sum(reddish(tuple(shot.pixel(x, y))) for x in xs)
        if red < len(xs):
            why.append("%d of %d path pixels red" % (red, len(xs)))
        if not white(tuple(shot.pixel((x0 + x1) // 2, y + 40))):
            why.append("not white beside the stroke")
    rep.check("canvas_draws_stroke", re.search(r"^STROKE \d+ points, 1 strokes$", text, re.M)
              is not None and not why, "; ".join(why) or "no STROKE line", tail)
    why = []
    c = tree.get(("panel", "Canvas"))
    b64 = text.split("PNG-BEGIN", 1)[-1].split("PNG-END", 1)[0] if "PNG-END" in text else ""
    try:
        w, h, rows = read_png(base64.b64decode("".join(
            l[4:].strip() for l in b64.splitlines() if l.startswith("B64 "))))
        ox, oy = CX + c[0], CY + c[1]
        if (w, h) != (c[2], c[3]):
            why.append("PNG is %dx%d, the canvas %dx%d" % (w, h, c[2], c[3]))
        red = sum(reddish(rows[y - oy][x - ox]) for x in xs)
        if red < len(xs):
            why.append("%d of %d path pixels red in the PNG" % (red, len(xs)))
        if not white(rows[y - oy + 40][(x0 + x1) // 2 - ox]) or not white(rows[5][5]):
            why.append("PNG not white away from the stroke")
    except Exception as e:      # noqa: BLE001 - any decoding failure is the check's
        why.append("PNG: %r" % e)
    rep.check("canvas_png_has_stroke", "SAVED /tmp/drawing.png" in text and not why,
              "; ".join(why), tail)
    undone, why = state.get("undone_shot"), []
    if undone is None or not x1:
        why.append("no screenshot")
    else:
        left = sum(not white(tuple(undone.pixel(x, y))) for x in xs)
        if left:
            why.append("%d path pixels not white after undo" % left)
    rep.check("canvas_undo", re.search(r"^UNDO 0$", text, re.M) is not None and not why,
              "; ".join(why) or "no UNDO 0", tail)
    rep.check("canvas_redo", re.search(r"^REDO 1$", text, re.M) is not None, "no REDO 1", tail)
    after = text.split("OPEN-FAILED", 1)[-1].split("SEM-END", 1)[0] if "OPEN-FAILED" in text else ""
    err = [k[1] for k in semantics(after) if k[0] == "label"]
    note, at, why = state.get("note_shot"), state.get("note_at"), []
    panel = semantics(after).get(("panel", "Canvas"))
    if note is None or at is None:
        why.append("no screenshot")
    else:
        ink = sum(tuple(note.pixel(at[0] + dx, at[1] + dy))[2] > 0xb0 > tuple(note.pixel(at[0] + dx, at[1] + dy))[0]
                  for dx in range(40) for dy in range(30))
        if ink < 15:
            why.append("%d blue pixels where the note is" % ink)
    if panel is None or panel[4] != "3":
        why.append("Canvas panel %r" % (panel,))
    box, ewhy = state.get("ellipse"), []
    if note is None or box is None:
        ewhy.append("no screenshot or no drag")
    else:
        ym, xm = (box[1] + box[3]) // 2, (box[0] + box[2]) // 2
        for x, y in ((box[0], ym), (box[2], ym), (xm, box[1]), (xm, box[3])):
            px = tuple(note.pixel(x, y))
            if not (px[2] > 0xb0 and px[0] < 0x80):
                ewhy.append("%02x%02x%02x at %d,%d" % (px + (x, y)))
        if not white(tuple(note.pixel(xm, ym))):
            ewhy.append("not white inside")
    rep.check("canvas_ellipse", re.search(r"^STROKE 2 points, 2 strokes$", text, re.M) is not None
              and not ewhy, "; ".join(ewhy) or "no STROKE line for the ellipse", tail)
    rep.check("canvas_note", re.search(r"^NOTE hi$", text, re.M) is not None and not why,
              "; ".join(why) or "no NOTE hi", tail)
    rep.check("canvas_open_error", re.search(r"^OPEN-FAILED /nope.png: ", text, re.M) is not None and
              any(l.startswith("Could not open /nope.png: ") for l in err),
              "labels after Open: %s" % err, tail)
    rep.check("canvas_close", "CANVAS-EXIT 0" in text, "no clean exit", tail)
    mt = state.get("monitor_tree", {})
    bars = [k for k in mt if k[0] == "progress" and re.match(r"CPU\d+ load", k[1])]
    rep.check("monitor_ready", ("text_field", "Filter") in mt and ("button", "Kill") in mt and
              ("list", "Processes") in mt and len(bars) >= 1,
              "monitor tree: %s" % sorted(mt), tail)
    m = re.search(r"SLEEPPID (\d+)", text)
    sel = state.get("selected_tree", {}).get(("list", "Processes"))
    rep.check("monitor_lists_process", m is not None and sel is not None and
              re.match(r'^"\s*%s sleep ' % m.group(1), sel[4] or "") is not None,
              "selected row %r" % (sel[4] if sel else None), tail)
    rep.check("monitor_home_cores", len(bars) == 2 and sel is not None and
              re.search(r' [1-9]\d*"$', sel[4] or "") is not None,
              "bars %s, selected row %r" % (bars, sel[4] if sel else None), tail)
    areas = [int(w) * int(h) for w, h in re.findall(r"^REFRESH -?\d+,-?\d+,(\d+),(\d+)$", text, re.M)]
    rep.check("monitor_refresh_partial", len(areas) >= 2 and min(areas) < 640 * 600 // 2,
              "refresh areas %s" % areas, tail)
    rep.check("monitor_kill", "SLEEP-EXIT 143" in text and m is not None and
              ("KILLED %s" % m.group(1)) in text, "no SIGTERM death", tail)
    rep.exit()


if __name__ == "__main__":
    main()
