#!/usr/bin/env python3
"""The compositor on screen: one boot (tools/osc-run, with qemu-xhci + usb-tablet and
QMP) runs two /bin/osc-demo-window clients, red (c03030) at 100,100 and blue
(3060c0) at 250,200, both 300x200, blue started second so it is on top where they
overlap. Screendumps (build/compositor/shotN.png) are read pixel by pixel:

  compositor_frame_1               "[compositor] frame 1" in the serial log, once
  compositor_two_clients_overlap   shot 1: red alone, blue alone, blue in the overlap,
                                   the navy background elsewhere; blue, shown last, has
                                   the focused title bar
  compositor_click_raises          a usb-tablet click (QMP input-send-event, absolute)
                                   on red's own part: shot 2 shows red in the overlap
  compositor_click_event           red printed its button press and release (BTN_LEFT,
                                   surface-local 50,50) and focus-in
  compositor_wheel_to_pointer_surface  then a wheel notch up (QMP wheel-up): red, under
                                   the pointer, printed one wheel event of +1
  compositor_title_drag_moves      blue dragged by its title bar (QMP abs motion with the
                                   button held): shot 3 shows it at 450,400 with a focused
                                   title, red whole, the old place background; blue got
                                   no button event (the title bar is the compositor's)
  compositor_ps2_motion_leaves      then PS/2 mouse motion (QMP rel y +250) takes the
                                   pointer off blue: blue printed leave at local 220,238
  compositor_key_to_focused        then QMP send-key a: red (focused) printed KEY_A
                                   press and release, blue no key at all
  compositor_key_text              the press was followed by its OSC_EV_TEXT "a"
                                   (U+0061, the US layout), the release by none
  compositor_close_box_closes      a click on blue's close box (title bar's right end):
                                   blue printed close-request and exited, shot 5 shows
                                   the background where it was
  compositor_killed_client_gone    red killed: shot 4 shows the background where red
                                   was alone and blue where they overlapped
usage: compositor.py"""

import os
import re
import time

from common import ROOT, Reporter
from gui import SCREEN_H, SCREEN_W, abs_move, screendump, tablet
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "compositor")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
RED, BLUE, BG = (0xc0, 0x30, 0x30), (0x30, 0x60, 0xc0), (0x0b, 0x0f, 0x17)
TITLE_IDLE, TITLE_FOCUSED = (0x1f, 0x2a, 0x3a), (0x2b, 0x4a, 0x7a)     # 24 px above each
CLOSE_BOX = (0xb0, 0x3a, 0x3a)          # the title bar's right 24x24
CLICK = (150, 150)          # red's own part; local 50,50
GUEST = ("osc-demo-window red c03030 100 100 300 200 & A=$!; sleep 1; "
         "osc-demo-window blue 3060c0 250 200 300 200 & B=$!; sleep 2; echo READY1; "
         "sleep 4; echo READY2; sleep 5; echo READY3; sleep 2; kill $A; sleep 2; echo READY4; "
         "sleep 3; echo READY5; sleep 1; kill $B 2>/dev/null; echo DONE")
# Points clear of the cursor (it sits at CLICK after the click).
RED_ONLY, OVERLAP, BLUE_ONLY = (380, 120), (320, 250), (500, 350)
BACKGROUND = [(40, 40), (700, 600), (1000, 700), (120, 350)]

shots = {}


def shot(n):
    def take(qmp):
        shots[n] = screendump(qmp, OUT, "shot%d" % n)
    return take


def click(qmp):
    shot(1)(qmp)
    qmp.command("input-send-event", events=[
        {"type": "abs", "data": {"axis": "x", "value": tablet(CLICK[0], SCREEN_W)}},
        {"type": "abs", "data": {"axis": "y", "value": tablet(CLICK[1], SCREEN_H)}}])
    time.sleep(0.3)
    for down in (True, False):
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "left"}}])
        time.sleep(0.3)
    qmp.command("send-key", keys=[{"type": "qcode", "data": "a"}])     # to the focused red
    time.sleep(0.3)
    for down in (True, False):          # a wheel notch up, to red under the pointer
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "wheel-up"}}])
        time.sleep(0.2)


def drag(qmp):
    """Shot 2, then blue dragged by its title bar's visible part from 470,188 to
    670,388: blue's client area ends up at 450,400."""
    shot(2)(qmp)
    abs_move(qmp, 470, 188)
    time.sleep(0.3)
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
    time.sleep(0.3)
    for x, y in ((520, 238), (570, 288), (670, 388)):
        abs_move(qmp, x, y)
        time.sleep(0.2)
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])
    time.sleep(0.3)
    # Relative motion goes to the PS/2 mouse (the tablet takes only absolute).
    qmp.command("input-send-event", events=[{"type": "rel", "data": {"axis": "y", "value": 250}}])


def close_blue(qmp):
    """Shot 4, then a click on blue's close box (its client area is at 450,400)."""
    shot(4)(qmp)
    abs_move(qmp, 737, 388)
    time.sleep(0.3)
    for down in (True, False):
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "left"}}])
        time.sleep(0.3)


def colours(img, points):
    return [tuple(img.pixel(x, y)) for x, y in points]


def expect(n, want):
    """'' when shot n has each point's colour, else what differs."""
    img = shots.get(n)
    if img is None:
        return "shot %d not taken" % n
    if (img.width, img.height) != (SCREEN_W, SCREEN_H):
        return "shot %d is %dx%d" % (n, img.width, img.height)
    bad = ["(%d,%d) %s, want %s" % (p[0], p[1], "%02x%02x%02x" % got, "%02x%02x%02x" % c)
           for (p, c), got in zip(want, colours(img, [p for p, _ in want])) if got != c]
    return "; ".join(bad)


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)   # run_with_qmp's log
    text = run_with_qmp(None, [("READY1", click), ("READY2", drag), ("READY3", shot(3)),
                               ("READY4", close_blue), ("READY5", shot(5))],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
                        timeout=90, command=GUEST, name="compositor", watchdog=40)
    tail = "\n".join(text.splitlines()[-15:])
    log = open(LAST_LOG, errors="replace").read() if os.path.exists(LAST_LOG) else ""
    rep.check("compositor_frame_1", log.count("[compositor] frame 1") == 1,
              "no single '[compositor] frame 1' in build/osc-run/last.log", tail)
    bg = [(p, BG) for p in BACKGROUND]
    why = expect(1, [(RED_ONLY, RED), (OVERLAP, BLUE), (BLUE_ONLY, BLUE), ((300, 90), TITLE_IDLE),
                     ((500, 180), TITLE_FOCUSED)] + bg)
    rep.check("compositor_two_clients_overlap", not why, why, tail)
    why = expect(2, [(RED_ONLY, RED), (OVERLAP, RED), (BLUE_ONLY, BLUE), ((300, 90), TITLE_FOCUSED),
                     ((500, 180), TITLE_IDLE)] + bg)
    rep.check("compositor_click_raises", not why, why, tail)
    press = re.search(r"^red button code=272 value=1 x=50 y=50", text, re.M)
    release = re.search(r"^red button code=272 value=0 x=50 y=50", text, re.M)
    focus = re.search(r"^red focus-in", text, re.M)
    rep.check("compositor_click_event", bool(press and release and focus),
              "press %s, release %s, focus-in %s" % (bool(press), bool(release), bool(focus)), tail)
    wheel = re.findall(r"^(red|blue) wheel code=0 value=(-?\d+)", text, re.M)
    rep.check("compositor_wheel_to_pointer_surface", wheel == [("red", "1")],
              "wheel lines %s" % wheel, tail)
    keys = re.findall(r"^(red|blue) key code=(\d+) value=(\d+)", text, re.M)
    rep.check("compositor_key_to_focused", keys == [("red", "30", "1"), ("red", "30", "0")],
              "key lines %s" % keys, tail)
    texts = re.findall(r"^(red|blue) (key|text) code=(\d+) value=(\d+).*?(?: text=(\S+))?$", text, re.M)
    rep.check("compositor_key_text", texts == [("red", "key", "30", "1", ""), ("red", "text", "97", "0", "a"),
                                              ("red", "key", "30", "0", "")],
              "key and text lines %s" % texts, tail)
    why = expect(3, [(RED_ONLY, RED), (OVERLAP, RED), ((500, 350), BG), ((550, 450), BLUE),
                     ((740, 590), BLUE), ((700, 380), TITLE_FOCUSED), ((300, 90), TITLE_IDLE),
                     ((727, 378), CLOSE_BOX)]
                 + [(p, BG) for p in BACKGROUND if p != (700, 600)])
    blue_button = re.search(r"^blue button", text, re.M)
    rep.check("compositor_title_drag_moves", not why and not blue_button,
              why or "blue got a button event for a title-bar drag", tail)
    leave = re.search(r"^blue leave code=0 value=0 x=220 y=238", text, re.M)
    rep.check("compositor_ps2_motion_leaves", bool(leave),
              "no 'blue leave ... x=220 y=238' (blue's lines: %s)"
              % re.findall(r"^blue (?:enter|leave).*$", text, re.M), tail)
    why = expect(4, [(RED_ONLY, BG), ((150, 250), BG), (OVERLAP, BG), ((380, 90), BG), ((550, 450), BLUE)]
                 + [(p, BG) for p in BACKGROUND if p != (700, 600)])
    rep.check("compositor_killed_client_gone", not why, why, tail)
    closed = re.search(r"^blue close-request", text, re.M)
    why = expect(5, [((550, 450), BG), ((700, 380), BG), (RED_ONLY, BG)])
    rep.check("compositor_close_box_closes", bool(closed) and not why,
              why or "blue printed no close-request", tail)
    rep.exit()


if __name__ == "__main__":
    main()
