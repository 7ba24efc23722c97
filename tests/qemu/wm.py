#!/usr/bin/env python3
"""The window manager on screen: one boot (tools/osc-run, qemu-xhci + usb-tablet, QMP)
runs two /bin/osc-demo-window clients, red (c03030) 300x200 at 100,100
and blue (3060c0) 300x200 at 380,280 started second (on top of red's corner) with cursor shape 3 (forbidden).
Screendumps (build/wm/shotN.png) are read pixel by pixel:

  wm_new_window_is_focused     shot 1: blue (shown last) has the focused title bar, red not
  wm_cursor_shape_over_window  the pointer over blue at 650,400: shot 2 shows the forbidden
                               sign's white ring left of the hot spot (the arrow draws
                               nothing there); over red at 250,200, shot 3 shows the arrow
                               (black at the hot spot, red left of it) and blue whole
  wm_every_cursor_shape        keys 1..8 to blue (focused) pick shapes 0..7: 8 screendumps
                               (build/wm/shapeN.png) of the box around the pointer are all
                               different, each drawn black and white but hidden (blue only)
  wm_alt_tab_focuses_and_raises QMP send-key alt+tab: shot 4 shows red's title focused,
                               blue's idle, red raised over blue in the overlap; red printed a second focus-in, blue focus-out;
                               no client got Tab (KEY_TAB 15)
  wm_close_focused_refocuses   QMP send-key alt+f4: red (focused) printed close-request and
                               exited; blue printed its next focus-in; shot 5 shows the
                               background where red was and blue's title focused
  wm_resize_grab_survives_a_kill  over blue's bottom-right corner the pointer shows the
                               diagonal (shot 6: black up-left of the hot spot); pressed there and dragged
                               to 720,520, shot 7 shows the outline at the new right edge;
                               blue is killed (SIGKILL) with the button still held: shot 8
                               shows the background there and where blue was; after the
                               release a new client (green) gets a click (its button line)
  wm_resize_from_top_edge_and_corners  green's title bar top band dragged up 40 (shot 9:
                               the outline's top side at y 36), then its top-left corner
                               by -20,-20 and top-right corner (over the close box's top)
                               by +20,-10: green printed resize 300x240, 320x220,
                               320x210 and no close request
  wm_live_resize_events        during the top-edge drag green was already asked for the
                               halfway size (300x220) before the final 300x240: resize
                               events come while dragging (at most one a frame)
usage: wm.py"""

import os
import re
import time

from common import ROOT, Reporter
from gui import abs_move, screendump
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "wm")
RED, BLUE, BG = (0xc0, 0x30, 0x30), (0x30, 0x60, 0xc0), (0x0b, 0x0f, 0x17)
TITLE_IDLE, TITLE_FOCUSED = (0x1f, 0x2a, 0x3a), (0x2b, 0x4a, 0x7a)
WHITE, BLACK = (0xff, 0xff, 0xff), (0, 0, 0)
RED_TITLE, BLUE_TITLE = (300, 90), (600, 270)
OVERLAP = (390, 290)           # red's corner under blue's
ON_BLUE, ON_RED = (650, 400), (250, 200)
GUEST = ("osc-demo-window red c03030 100 100 300 200 & A=$!; sleep 1; "
         "osc-demo-window blue 3060c0 380 280 300 200 3 & B=$!; sleep 2; echo READY1; "
         "sleep 4; echo READY2; sleep 3; echo READY3; sleep 3; echo READY4; sleep 2; kill -9 $B; "
         "sleep 1; echo READY5; sleep 1; osc-demo-window green 30a030 100 100 300 200 & C=$!; sleep 2; "
         "echo READY6; sleep 7; kill $A $B $C 2>/dev/null; echo DONE")
CORNER = (677, 477)             # inside blue's bottom-right grip (blue: 380,280 300x200)
OUTLINE_AT = (722, 400)         # the outline's right side once dragged to 720,520
OUTLINE = (0x7a, 0xa2, 0xf7)
TOP_DRAG = [(250, 78), (250, 58), (250, 38)]    # green's top edge up 40: outline top at 36

shots = {}
shapes = {}


def take(qmp, n):
    shots[n] = screendump(qmp, OUT, "shot%d" % n)


def patch(img, cx, cy):
    """The cursor's box around (cx, cy) as a tuple of pixels."""
    return tuple(tuple(img.pixel(x, y)) for y in range(cy - 10, cy + 20) for x in range(cx - 10, cx + 14))


def cursors(qmp):
    take(qmp, 1)
    abs_move(qmp, *ON_BLUE)
    time.sleep(0.6)
    take(qmp, 2)
    for shape in range(8):              # keys 1..8: blue picks shape 0..7
        qmp.command("send-key", keys=[{"type": "qcode", "data": str(shape + 1)}])
        time.sleep(0.5)
        img = screendump(qmp, OUT, "shape%d" % shape)
        shapes[shape] = patch(img, *ON_BLUE)
    abs_move(qmp, *ON_RED)
    time.sleep(0.6)
    take(qmp, 3)


def keys(names):
    def send(qmp):
        qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in names])
        time.sleep(0.8)
    return send


def alt_tab(qmp):
    keys(["alt", "tab"])(qmp)
    take(qmp, 4)


def alt_f4(qmp):
    keys(["alt", "f4"])(qmp)
    time.sleep(0.5)
    take(qmp, 5)


def button(qmp, down):
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": down, "button": "left"}}])
    time.sleep(0.3)


def grab_corner(qmp):
    abs_move(qmp, *CORNER)
    time.sleep(0.6)
    take(qmp, 6)
    button(qmp, True)
    abs_move(qmp, 700, 500)
    time.sleep(0.2)
    abs_move(qmp, 720, 520)
    time.sleep(0.6)
    take(qmp, 7)


def after_kill(qmp):
    time.sleep(0.3)
    take(qmp, 8)
    button(qmp, False)


def drag(qmp, path, shot=None):
    abs_move(qmp, *path[0])
    time.sleep(0.3)
    button(qmp, True)
    for p in path[1:]:
        abs_move(qmp, *p)
        time.sleep(0.2)
    if shot:
        time.sleep(0.4)
        take(qmp, shot)
    button(qmp, False)
    time.sleep(0.3)


def click_green(qmp):
    abs_move(qmp, 200, 200)
    time.sleep(0.3)
    button(qmp, True)
    button(qmp, False)
    time.sleep(0.5)
    # Green (100,100 300x200, title bar 76..99) from its top edge, top-left and
    # top-right corners (the last on the close box's top: the band wins).
    drag(qmp, TOP_DRAG, shot=9)
    drag(qmp, [(101, 77), (91, 67), (81, 57)])
    drag(qmp, [(398, 77), (418, 67)])


def expect(n, want):
    img = shots.get(n)
    if img is None:
        return "shot %d not taken" % n
    bad = []
    for (x, y), c in want:
        got = tuple(img.pixel(x, y))
        if got != c:
            bad.append("(%d,%d) %02x%02x%02x, want %02x%02x%02x" % ((x, y) + got + c))
    return "; ".join(bad)


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)
    text = run_with_qmp(None, [("READY1", cursors), ("READY2", alt_tab), ("READY3", alt_f4),
                               ("READY4", grab_corner), ("READY5", after_kill), ("READY6", click_green)],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
                        timeout=90, command=GUEST, name="wm", watchdog=30)
    tail = "\n".join(text.splitlines()[-15:])
    why = expect(1, [(RED_TITLE, TITLE_IDLE), (BLUE_TITLE, TITLE_FOCUSED), ((200, 200), RED),
                     ((600, 450), BLUE), (OVERLAP, BLUE)])
    rep.check("wm_new_window_is_focused", not why, why, tail)
    bx, by = ON_BLUE
    rx, ry = ON_RED
    why = expect(2, [((bx - 7, by), WHITE), ((bx + 7, by), WHITE), ((bx - 12, by), BLUE)])
    why3 = expect(3, [((rx, ry), BLACK), ((rx - 7, ry), RED), ((bx - 7, by), BLUE), ((bx, by), BLUE)])
    rep.check("wm_cursor_shape_over_window", not why and not why3, "; ".join(w for w in (why, why3) if w), tail)
    why = []
    if len(shapes) != 8:
        why.append("%d shapes shot" % len(shapes))
    else:
        if len(set(shapes.values())) != 8:
            why.append("only %d distinct cursor images" % len(set(shapes.values())))
        for n, px in shapes.items():
            drawn = [p for p in px if p in (WHITE, BLACK)]
            if n == 7 and (drawn or set(px) != {BLUE}):
                why.append("hidden shape drew %d pixels" % len(drawn))
            if n != 7 and (WHITE not in drawn or BLACK not in drawn):
                why.append("shape %d not black and white" % n)
    rep.check("wm_every_cursor_shape", not why, "; ".join(why), tail)
    why = expect(4, [(RED_TITLE, TITLE_FOCUSED), (BLUE_TITLE, TITLE_IDLE), (OVERLAP, RED)])
    red_in = len(re.findall(r"^red focus-in", text, re.M))
    blue_out = len(re.findall(r"^blue focus-out", text, re.M))
    tab = re.findall(r"^\w+ key code=15 ", text, re.M)
    rep.check("wm_alt_tab_focuses_and_raises", not why and red_in >= 2 and blue_out >= 1 and not tab,
              why or "red focus-in %d, blue focus-out %d, Tab lines %s" % (red_in, blue_out, tab), tail)
    closed = re.search(r"^red close-request", text, re.M)
    blue_in = len(re.findall(r"^blue focus-in", text, re.M))
    why = expect(5, [((200, 200), BG), (RED_TITLE, BG), (BLUE_TITLE, TITLE_FOCUSED), ((600, 450), BLUE),
                     (OVERLAP, BLUE)])
    rep.check("wm_close_focused_refocuses", bool(closed) and blue_in >= 2 and not why,
              why or "red close-request %s, blue focus-in %d" % (bool(closed), blue_in), tail)
    # The diagonal's top-left corner is black up-left of the hot spot, where the
    # arrow (hot spot at its tip) draws nothing.
    why = [w for w in (expect(6, [((CORNER[0] - 6, CORNER[1] - 6), BLACK),
                                  ((CORNER[0] - 12, CORNER[1] - 12), BLUE)]),
                        expect(7, [(OUTLINE_AT, OUTLINE), ((600, 450), BLUE)]),
                        expect(8, [(OUTLINE_AT, BG), ((600, 450), BG), ((500, 350), BG)])) if w]
    green = re.search(r"^green button code=272 value=1", text, re.M)
    rep.check("wm_resize_grab_survives_a_kill", not why and green is not None,
              "; ".join(why) or "no 'green button' press line", tail)
    resizes = re.findall(r"^green resize code=0 value=0 x=(\d+) y=(\d+)", text, re.M)
    why = expect(9, [((200, 36), OUTLINE), ((200, 150), (0x30, 0xa0, 0x30))])
    closed = re.search(r"^green close-request", text, re.M)
    # Each drag's last size, in order (live resize sends sizes on the way too).
    finals, it = [("300", "240"), ("320", "220"), ("320", "210")], iter(resizes)
    in_order = all(f in it for f in finals)
    rep.check("wm_resize_from_top_edge_and_corners",
              in_order and resizes[-1:] == [("320", "210")] and not why and not closed,
              "resize lines %s; %s; close-request %s" % (resizes, why, bool(closed)), tail)
    # Live: the top edge held 20 px up (a frame or more) was asked for before the
    # drag went on to 40 px and was released; the release alone sends only the last.
    live = ("300", "220") in resizes and resizes.index(("300", "220")) < resizes.index(("300", "240")) \
        if ("300", "240") in resizes else False
    rep.check("wm_live_resize_events", live, "resize lines %s" % resizes, tail)
    rep.exit()


if __name__ == "__main__":
    main()
