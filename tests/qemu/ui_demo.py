#!/usr/bin/env python3
"""A libui app on the compositor, driven like a person would: one boot (usb-tablet
and QMP) runs /bin/ui-demo at 200,150. Widgets are found through the semantics
tree the app prints (SEM lines: role, label, rectangle), never by hard-coded
positions. The test clicks the Name field, types "Ada" (QMP send-key, Shift for
the capital), clicks Greet, and checks:

  ui_demo_first_frame      READY after the first frame, with the tree listing the
                           text field and the button
  ui_demo_types_and_greets the app printed GREETED Ada (keys reached the focused
                           window, text came from the US layout, the click activated)
  ui_demo_semantics_update the tree printed after the greeting has the label
                           "Hello, Ada!" and the field's value "Ada"
  ui_demo_draws_on_screen  the screendump (build/ui_demo/shot.png) shows libui's
                           navy window background inside the window and light text
                           pixels inside the Name field
  ui_demo_semantics_in_sysfs the shell meanwhile polls /sys/compositor/windows/*/
                           semantics (what libui publishes after each presented
                           change) until it holds the greeting, and prints it (SYS
                           lines): the label and the field's value are there
  ui_demo_corner_resize    a drag of the window's bottom-right corner 100 px right and
                           60 down: the app printed RESIZED 520 440 and a tree whose
                           window is 520x440, and the screendump (build/ui_demo/resized.png)
                           shows the window's background out there
  ui_demo_live_resize      a screendump taken with the button still held at the end of
                           that drag (build/ui_demo/live.png) already shows the window's
                           background out there: the app got the size while dragging
  ui_demo_top_left_resize  then the top-left corner (the title bar's top band) dragged
                           40 left and 30 up: RESIZED 560 470, and the screendump
                           (build/ui_demo/grown_up.png) shows the window's background
                           at the new top-left and the old bottom-right corner
  ui_demo_close_box        a click on the title bar's (moved) close box: the app
                           printed CLOSED and exited
usage: ui_demo.py"""

import os
import re
import time

from common import ROOT, Reporter
from gui import abs_move, click_at, screendump, semantics as widgets
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "ui_demo")
WIN_X, WIN_Y, WIN_W, WIN_H = 200, 150, 420, 380
GROW_W, GROW_H = 100, 60
UP_W, UP_H = 40, 30             # the top-left corner's drag
WINDOW_BG = (0x0f, 0x16, 0x29)
state = {}
GUEST = ("ui-demo %d %d & P=$!; while kill -0 $P 2>/dev/null; do "
         "S=$(cat /sys/compositor/windows/*/semantics 2>/dev/null); "
         "case \"$S\" in *'Hello, Ada'*) echo \"$S\" | sed 's/^/SYS /'; break;; esac; sleep 0.3; done; "
         "wait $P; echo DONE")


def centre(w):
    x, y, ww, hh, _ = w
    return WIN_X + x + ww // 2, WIN_Y + y + hh // 2


def greet(qmp, text):
    found = widgets(text)
    state["first"] = found
    field, button = found.get(("text_field", "Name")), found.get(("button", "Greet"))
    if not field or not button:
        return
    click_at(qmp, *centre(field))
    for keys in (["shift", "a"], ["d"], ["a"]):
        qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in keys])
        time.sleep(0.3)
    click_at(qmp, *centre(button))


def button(qmp, down):
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": down, "button": "left"}}])
    time.sleep(0.3)


def shoot_and_resize(qmp, text):
    time.sleep(0.5)
    state["shot"] = screendump(qmp, OUT, "shot")
    x, y = WIN_X + WIN_W - 3, WIN_Y + WIN_H - 3        # inside the corner grip
    abs_move(qmp, x, y)
    time.sleep(0.3)
    button(qmp, True)
    abs_move(qmp, x + 50, y + 30)
    time.sleep(0.3)
    abs_move(qmp, x + GROW_W, y + GROW_H)
    time.sleep(0.8)
    state["live"] = screendump(qmp, OUT, "live")     # still held: live resize
    button(qmp, False)


def shoot_and_grow_up(qmp, text):
    """Shot of the corner resize, then the top-left corner (the title bar's top
    band) dragged up-left: the bottom-right corner stays."""
    time.sleep(0.5)
    state["resized"] = screendump(qmp, OUT, "resized")
    x, y = WIN_X + 3, WIN_Y - 24 + 2
    abs_move(qmp, x, y)
    time.sleep(0.3)
    button(qmp, True)
    abs_move(qmp, x - UP_W // 2, y - UP_H // 2)
    time.sleep(0.3)
    abs_move(qmp, x - UP_W, y - UP_H)
    time.sleep(0.3)
    button(qmp, False)


def shoot_and_close(qmp, text):
    time.sleep(0.5)
    state["grown_up"] = screendump(qmp, OUT, "grown_up")
    # The close box, 24x24 at the title bar's right end (the right edge stayed).
    click_at(qmp, WIN_X + WIN_W + GROW_W - 12, WIN_Y - UP_H - 12)


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)   # run_with_qmp's log
    text = run_with_qmp(None, [("READY", greet), ("GREETED", shoot_and_resize),
                                                      ("RESIZED %d %d" % (WIN_W + GROW_W, WIN_H + GROW_H), shoot_and_grow_up),
                                                      ("RESIZED %d %d" % (WIN_W + GROW_W + UP_W, WIN_H + GROW_H + UP_H),
                                                       shoot_and_close)],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
                        timeout=90, command=GUEST % (WIN_X, WIN_Y),
                        name="ui_demo", watchdog=40)
    tail = "\n".join(l for l in text.splitlines()[-15:] if not l.startswith("SEM"))
    first = state.get("first", {})
    rep.check("ui_demo_first_frame", ("text_field", "Name") in first and ("button", "Greet") in first,
              "widgets in the first tree: %s" % sorted(first), tail)
    rep.check("ui_demo_types_and_greets", re.search(r"^GREETED Ada$", text, re.M) is not None,
              "no 'GREETED Ada' line", tail)
    after = widgets(text.split("GREETED", 1)[1]) if "GREETED" in text else {}
    field = after.get(("text_field", "Name"))
    rep.check("ui_demo_semantics_update",
              ("label", "Hello, Ada!") in after and field is not None and field[4] == '"Ada"',
              "tree after greeting: %s" % sorted(after), tail)
    img, why = state.get("shot"), []
    if img is None:
        why.append("no screenshot")
    else:
        bg = tuple(img.pixel(WIN_X + 4, WIN_Y + 4))
        if bg != WINDOW_BG:
            why.append("window background %02x%02x%02x" % bg)
        f = first.get(("text_field", "Name"))
        if f:
            light = sum(1 for yy in range(f[1], f[1] + f[3]) for xx in range(f[0] + 8, f[0] + 60)
                        if min(img.pixel(WIN_X + xx, WIN_Y + yy)) > 0xb0)
            if light < 10:
                why.append("only %d light pixels in the Name field" % light)
    rep.check("ui_demo_draws_on_screen", not why, "; ".join(why), tail)
    sys = [l[4:] for l in text.splitlines() if l.startswith("SYS ")]
    published = widgets("\n".join("SEM " + l for l in sys))
    field = published.get(("text_field", "Name"))
    rep.check("ui_demo_semantics_in_sysfs",
              ("label", "Hello, Ada!") in published and field is not None and field[4] == '"Ada"',
              "published tree: %s" % sorted(published), tail)
    grown = "RESIZED %d %d" % (WIN_W + GROW_W, WIN_H + GROW_H)
    tree = widgets(text.split(grown, 1)[1].split("RESIZED", 1)[0]) if grown in text else {}
    win = tree.get(("window", ""))
    img, px = state.get("resized"), None
    if img is not None:
        px = tuple(img.pixel(WIN_X + WIN_W + GROW_W - 20, WIN_Y + WIN_H + GROW_H - 20))
    want = (WIN_W + GROW_W, WIN_H + GROW_H)
    img, px = state.get("live"), None
    if img is not None:
        px = tuple(img.pixel(WIN_X + WIN_W + GROW_W - 20, WIN_Y + WIN_H + GROW_H - 20))
    rep.check("ui_demo_live_resize", px == WINDOW_BG,
              "with the button still held, the pixel out there is %s" % (px,), tail)
    rep.check("ui_demo_corner_resize",
              re.search(r"^RESIZED %d %d$" % want, text, re.M) is not None
              and win is not None and win[2:4] == want and px == WINDOW_BG,
              "RESIZED line %s, window in the tree %s, pixel out there %s" % (
                  re.search(r"^RESIZED .*$", text, re.M), win, px), tail)
    want = (WIN_W + GROW_W + UP_W, WIN_H + GROW_H + UP_H)
    img, why = state.get("grown_up"), []
    if re.search(r"^RESIZED %d %d$" % want, text, re.M) is None:
        why.append("no RESIZED %d %d line" % want)
    if img is None:
        why.append("no screendump")
    else:
        # The new top-left corner is the window's; the bottom-right one stayed.
        for x, y in ((WIN_X - UP_W + 4, WIN_Y - UP_H + 4),
                     (WIN_X + WIN_W + GROW_W - 20, WIN_Y + WIN_H + GROW_H - 20)):
            if tuple(img.pixel(x, y)) != WINDOW_BG:
                why.append("(%d,%d) %02x%02x%02x" % ((x, y) + tuple(img.pixel(x, y))))
    rep.check("ui_demo_top_left_resize", not why, "; ".join(why), tail)
    rep.check("ui_demo_close_box", re.search(r"^CLOSED$", text, re.M) is not None and "DONE" in text,
              "no CLOSED line", tail)
    rep.exit()


if __name__ == "__main__":
    main()
