"""What the screen tests share (compositor.py, wm.py, ui_demo.py, terminal.py,
desktop.py): exact pointer moves and clicks through QMP on a usb-tablet, screen
dumps kept as PNG, and the semantics tree that libui apps print as SEM lines."""

import os
import re
import time

import qemu_run

SCREEN_W, SCREEN_H = 1024, 768
# The size the tablet's range spans now (a test that changes the resolution
# says so with set_screen).
screen = [SCREEN_W, SCREEN_H]


def set_screen(w, h):
    screen[:] = [w, h]
# One widget per line: depth id role "label" [value=...] rect=x,y,w,h state=bits
SEM_RE = re.compile(r'^SEM (\d+) (\d+) (\w+) "((?:[^"\\]|\\.)*)"(?: value=("(?:[^"\\]|\\.)*"|-?\d+))? '
                    r'rect=(-?\d+),(-?\d+),(\d+),(\d+) state=(\d+)', re.M)


def tablet(v, size):
    """The usb-tablet value (0..32767) that lands on the middle of pixel v."""
    return int(round((v + 0.5) * 32767 / (size - 1)))


def abs_move(qmp, x, y):
    qmp.command("input-send-event", events=[
        {"type": "abs", "data": {"axis": "x", "value": tablet(x, screen[0])}},
        {"type": "abs", "data": {"axis": "y", "value": tablet(y, screen[1])}}])


def button(qmp, down, which="left"):
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": down, "button": which}}])


def click_at(qmp, x, y, pause=0.3):
    """Moves to (x, y), then presses and releases the left button, pausing after each."""
    abs_move(qmp, x, y)
    time.sleep(pause)
    for down in (True, False):
        button(qmp, down)
        time.sleep(pause)


def screendump(qmp, out_dir, name):
    """The screen now, as an image; kept as out_dir/name.png (and .ppm)."""
    os.makedirs(out_dir, exist_ok=True)
    ppm = os.path.join(out_dir, name + ".ppm")
    qmp.command("screendump", filename=ppm)
    img = qemu_run.read_ppm(ppm)
    img.write_png(os.path.join(out_dir, name + ".png"))
    return img


def semantics(text):
    """{(role, label): (x, y, w, h, value)} from the SEM lines in text (later
    lines win, so the last tree printed counts)."""
    return {(m.group(3), m.group(4)): tuple(int(m.group(i)) for i in range(6, 10)) + (m.group(5),)
            for m in SEM_RE.finditer(text)}
