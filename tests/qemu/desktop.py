#!/usr/bin/env python3
"""The desktop shell (/bin/desktop) end to end: one boot (usb-tablet, QMP) with a
second bundle made at run time (Crasher: a script that crashes on its first run
and says REOPENED on its second). Tiles and buttons are found through the
semantics tree the shell prints (SEM lines), never by hard-coded positions.

  desktop_rendered          "[shell] desktop rendered" and a tile per bundle
  desktop_draws_tiles       the screendump (build/desktop/shot.png, copied to
                            docs/screenshots/desktop.png by hand) shows the tile's
                            accent inside the Greeter tile and the desktop behind
  desktop_tile_icons        the Greeter tile shows its bundle's icon (its tree line
                            says image=144x144; the white pixels in the tile's icon
                            place match tools/mkicons.py's drawing of it), and
                            Crasher's missing icon is logged and leaves its initial
  desktop_launches_app      a click on the Greeter tile launches /bin/ui-demo through
                            osc-launch; it draws its first frame (READY)
  desktop_app_exit_clean    its close box closes it: the shell saw a clean exit
  desktop_crash_notice      a click on Crasher's tile: it crashes (SIGSEGV) and the
                            shell's tree shows the notice "Crasher quit unexpectedly"
  desktop_reopen            the notice's Reopen button launches it again
usage: desktop.py"""

import os
import re
import sys
import time

from common import ROOT, Reporter
from gui import SCREEN_H, SCREEN_W, click_at, screendump, semantics
from input import run_with_qmp

sys.path.insert(0, os.path.join(ROOT, "tools"))
import mkicons  # noqa: E402

OUT = os.path.join(ROOT, "build", "desktop")
GREETER_X, GREETER_Y, GREETER_W = 200, 150, 420      # ui-demo's default place
GUEST = ("mkdir -p /Applications/Crasher.app; "
         "printf 'name=Crasher\\nexec=/bin/sh\\nargs=/tmp/crash.sh\\naccent=#e5534b\\nicon=missing.png\\n' "
         "> /Applications/Crasher.app/manifest; "
         "printf 'if [ -e /tmp/ran ]; then echo REOPENED; touch /tmp/reopened; "
         "else touch /tmp/ran; sleep 1; kill -SEGV $$; fi\\n' > /tmp/crash.sh; "
         "(OSC_SEMANTICS=1 desktop &); n=0; while [ ! -e /tmp/reopened ] && [ $n -lt 60 ]; do sleep 1; n=$((n+1)); done; "
         "sleep 1; echo DONE")
state = {}


def last_tree(text):
    """{(role, label): rect} from the last complete tree (ending SEM-END) in text."""
    blocks = text.split("SEM-END")
    if len(blocks) < 2:
        return {}
    return semantics(blocks[-2])


def click_widget(qmp, tree, key):
    r = tree.get(key)
    if r:
        click_at(qmp, r[0] + r[2] // 2, r[1] + min(r[3] // 2, 56))
    return r is not None


def open_greeter(qmp, text):
    state["tree"] = last_tree(text)
    state["desk"] = screendump(qmp, OUT, "desktop")
    click_widget(qmp, state["tree"], ("tile", "Greeter"))


def close_greeter(qmp):
    time.sleep(0.5)
    state["shot"] = screendump(qmp, OUT, "shot")
    click_at(qmp, GREETER_X + GREETER_W - 12, GREETER_Y - 12)


def open_crasher(qmp):
    time.sleep(0.3)
    click_widget(qmp, state.get("tree", {}), ("tile", "Crasher"))


def reopen(qmp, text):
    time.sleep(0.5)         # the shell prints the notice's tree before the crash line
    click_widget(qmp, state.setdefault("notice", last_tree(text)), ("button", "Reopen"))


def icon_mismatch(img, tile):
    """Why the tile's icon place does not show the Greeter icon, or ''. The tile
    draws its icon in the 72x72 square 20 pixels inside its 112x112 accent square
    (libui's draw_tile); the icon is 144x144, so each screen pixel is a 2x2 block of
    the drawing. Compared as masks (white enough / covered enough), by overlap."""
    alpha = mkicons.alpha(mkicons.ICONS["Greeter"])
    x0, y0 = tile[0] + (tile[2] - 112) // 2 + 20, tile[1] + 20
    both = either = 0
    for j in range(72):
        for i in range(72):
            cover = sum(alpha[2 * j + dj][2 * i + di] for dj in (0, 1) for di in (0, 1)) / 4
            white = min(img.pixel(x0 + i, y0 + j)) > 0xd0
            want = cover > 160
            both += white and want
            either += white or want
    overlap = both / either if either else 0
    return "" if overlap > 0.85 else "icon pixels overlap the drawing by %.2f" % overlap


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)
    text = run_with_qmp(None, [("SEM-END", open_greeter), ("READY", close_greeter),
                               ("Greeter exited", open_crasher), ("Crasher crashed", reopen)],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
                        timeout=100, command=GUEST, name="desktop", watchdog=40)
    tail = "\n".join(l for l in text.splitlines() if not l.startswith("SEM"))[-1500:]
    tree = state.get("tree", {})
    rep.check("desktop_rendered", "[shell] desktop rendered" in text and
              ("tile", "Greeter") in tree and ("tile", "Crasher") in tree,
              "tiles: %s" % [k for k in tree if k[0] == "tile"], tail)
    why = []
    img, r = state.get("desk"), tree.get(("tile", "Greeter"))
    if img is None or r is None:
        why.append("no screenshot or no tile")
    else:
        px = tuple(img.pixel(r[0] + r[2] // 2 - 40, r[1] + 20))
        if not (px[2] > 0xa0 and px[1] > 0x80):
            why.append("tile pixel %02x%02x%02x is not the cyan accent" % px)
        bg = tuple(img.pixel(SCREEN_W - 20, SCREEN_H // 2))
        if bg != (0x0f, 0x16, 0x29):
            why.append("desktop pixel %02x%02x%02x" % bg)
    rep.check("desktop_draws_tiles", not why, "; ".join(why), tail)
    why = []
    if not re.search(r'^SEM \d+ \d+ tile "Greeter" .* image=144x144$', text, re.M):
        why.append("the Greeter tile's tree line has no image=144x144")
    if re.search(r'^SEM \d+ \d+ tile "Crasher" .* image=', text, re.M):
        why.append("Crasher has an image")
    if "[shell] Crasher: icon /Applications/Crasher.app/missing.png: No such file or directory" not in text:
        why.append("no log line for Crasher's missing icon")
    if img is not None and r is not None:
        why.append(icon_mismatch(img, r))
    rep.check("desktop_tile_icons", not any(why), "; ".join(w for w in why if w), tail)
    rep.check("desktop_launches_app", re.search(r"launched Greeter", text) is not None and
              re.search(r"^READY$", text, re.M) is not None, "no launch or no first frame", tail)
    rep.check("desktop_app_exit_clean", "Greeter exited (status 0)" in text,
              "no clean exit line", tail)
    notice = state.get("notice", {})
    rep.check("desktop_crash_notice", "Crasher crashed (signal 11)" in text and
              ("label", "Crasher quit unexpectedly") in notice,
              "notice tree %s" % sorted(k for k in notice if k[0] in ("label", "button")), tail)
    rep.check("desktop_reopen", "REOPENED" in text and text.count("launched Crasher") == 2,
              "Crasher launched %d times" % text.count("launched Crasher"), tail)
    rep.exit()


if __name__ == "__main__":
    main()
