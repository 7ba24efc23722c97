#!/usr/bin/env python3
"""The Terminal app end to end: one boot (usb-tablet and QMP) runs `terminal 100 80`
(/bin/terminal: a compositor window with a vt on a pty running busybox sh). The
terminal prints its grid geometry (GRID cols rows cellw cellh pad), READY after its
first frame, and the visible rows that changed ("ROW n text") once the screen has
been idle. Keys are typed with QMP send-key into the focused window:

  terminal_first_frame      GRID and READY printed, then the shell's prompt as a ROW
  terminal_echo_hello       `echo hello` typed: a row reads exactly "hello", right
                            below the row with the command
  terminal_sgr_red          `printf '\\033[1;31mR%sD\\033[0m\\n' E`: a row reads "RED",
                            and the screendump has bright red pixels in that row's
                            cells (the colour came through SGR and the palette)
  terminal_ctrl_c           `sleep 20` then Ctrl+C: the next command (`echo ok$((6*7))`)
                            prints ok42 well before the sleep would have ended
  terminal_select_copy_paste  a drag over `hello` copies it (COPIED hello); `echo `,
                            Ctrl+Shift+V and X typed: a row reads helloX
  terminal_title_follows_osc  OSC 0 sets the window title (TITLE MyXTerm printed)
  terminal_wheel_scrolls_back `seq 1 60`, then a wheel notch up (usb-tablet): the view
                            shows 3 rows of scrollback (57 on row 22)
  terminal_alternate_screen `printf '\\033[?1049h\\033[HALT'`, sleep, leave: row 0
                            reads ALT, then the main screen comes back
  terminal_vi_edits_a_file  busybox vi /tmp/t.txt shows its '~' rows; `ihi vi`, Esc,
                            `:wq`, then `cat /tmp/t.txt` prints hi vi
  terminal_exit             `exit`: the terminal prints EXIT 0 and exits
  terminal_corner_resize    a second terminal started after it: a drag of its bottom-right
                            corner 20 cells left and 6 rows up makes it 60x18 (GRID 60 18),
                            `echo S$(stty size)` prints S18 60 (TIOCSWINSZ reached the
                            shell), the screendump shows the background where the old
                            corner was (build/terminal/resized.png)
  terminal_close_box        then a click on its (moved) close box ends it (CLOSED; its
                            shell gets SIGHUP), then DONE
The screendump is kept as build/terminal/shot.png and docs/screenshots/terminal.png.
usage: terminal.py"""

import os
import re
import shutil
import time

from common import ROOT, Reporter
from gui import abs_move, click_at, screendump
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "terminal")
WIN_X, WIN_Y = 100, 80
ROW_RE = re.compile(r"^ROW (\d+) ?(.*?)\r?$", re.M)
GRID_RE = re.compile(r"^GRID (\d+) (\d+) (\d+) (\d+) (\d+)", re.M)
QCODE = {" ": "spc", "'": "apostrophe", "\\": "backslash", "[": "bracket_left", "]": "bracket_right", ";": "semicolon",
         "-": "minus", "=": "equal", ",": "comma", ".": "dot", "/": "slash", "\n": "ret"}
SHIFTED = {"%": "5", "$": "4", "(": "9", ")": "0", "*": "8", "_": "minus", "|": "backslash",
           "\"": "apostrophe", ":": "semicolon", "<": "comma", ">": "dot", "?": "slash"}
state = {"times": {}}


def type_text(qmp, text):
    for ch in text:
        if ch in SHIFTED:
            keys = ["shift", SHIFTED[ch]]
        elif ch.isupper():
            keys = ["shift", ch.lower()]
        else:
            keys = [QCODE.get(ch, ch)]
        qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in keys])
        time.sleep(0.08)


def screen(text):
    """The screen as the terminal last published it: {row: text}."""
    rows = {}
    for m in ROW_RE.finditer(text):
        rows[int(m.group(1))] = m.group(2)
    return rows


def commands(qmp):
    click_at(qmp, WIN_X + 600, WIN_Y + 380)     # focus the window (away from the text)
    type_text(qmp, "echo hello\n")
    time.sleep(1.5)
    type_text(qmp, "printf '\\033[1;31mR%sD\\033[0m\\n' E\n")
    time.sleep(1.5)
    type_text(qmp, "sleep 20\n")
    time.sleep(1.5)
    qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in ("ctrl", "c")])
    state["times"]["ctrl_c"] = time.monotonic()
    time.sleep(0.5)
    type_text(qmp, "echo ok$((6*7))\n")


def shoot(qmp, text):
    state["times"]["ok42"] = time.monotonic()
    state["screen"] = screen(text)
    time.sleep(0.5)
    state["shot"] = screendump(qmp, OUT, "shot")
    select_and_paste(qmp, text)
    type_text(qmp, "printf '\\033]0;My%sTerm\\007' X\n")
    time.sleep(0.5)
    type_text(qmp, "seq 1 60\n")


def move_to(qmp, x, y):
    abs_move(qmp, x, y)
    time.sleep(0.3)


def select_and_paste(qmp, text):
    """Drags over the `hello` row's five cells, then types `echo `, pastes with
    Ctrl+Shift+V and types X: the shell prints helloX."""
    g, rows = GRID_RE.search(text), state["screen"]
    hello = [r for r, t in rows.items() if t == "hello"]
    if not g or not hello:
        return
    _, _, cw, ch, pad = (int(v) for v in g.groups())
    y = WIN_Y + pad + hello[0] * ch + ch // 2
    move_to(qmp, WIN_X + pad + cw // 2, y)
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
    time.sleep(0.3)
    move_to(qmp, WIN_X + pad + 2 * cw + cw // 2, y)
    move_to(qmp, WIN_X + pad + 4 * cw + cw // 2, y)
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])
    time.sleep(0.5)
    type_text(qmp, "echo ")
    qmp.command("send-key", keys=[{"type": "qcode", "data": k} for k in ("ctrl", "shift", "v")])
    time.sleep(0.3)
    type_text(qmp, "X\n")
    time.sleep(1)


def wheel_up(qmp, text):
    state["before_wheel"] = len(text)
    for down in (True, False):
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "wheel-up"}}])
        time.sleep(0.1)


def alternate_screen(qmp, text):
    state["after_wheel"] = len(text)
    type_text(qmp, "printf '\\033[?1049h\\033[HA%sT' L; sleep 2; printf '\\033[?1049l'\n")


def resize_second(qmp, text):
    """The second terminal: once it is up, its bottom-right corner dragged 20
    cells left and 6 rows up (the compositor's outline, then a resize event)."""
    g = GRID_RE.search(text)
    cols, rows, cw, ch, pad = (int(v) for v in g.groups())
    time.sleep(5)       # its READY comes after this step's snapshot of the output
    x, y = WIN_X + cols * cw + 2 * pad - 4, WIN_Y + rows * ch + 2 * pad - 4
    move_to(qmp, x, y)
    state["corner_shot"] = screendump(qmp, OUT, "corner")
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
    time.sleep(0.3)
    move_to(qmp, x - 10 * cw, y - 3 * ch)
    move_to(qmp, x - 20 * cw, y - 6 * ch)
    qmp.command("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])


def stty_size(qmp, text):
    state["resized"] = len(text)
    time.sleep(1)
    state["resized_shot"] = screendump(qmp, OUT, "resized")
    type_text(qmp, "echo S$(stty size)\n")


def close_second(qmp, text):
    """The resized second terminal: a click on its close box."""
    cols, rows, cw, ch, pad = (int(v) for v in GRID_RE.findall(text)[-1])     # the resized grid
    time.sleep(1)
    try:    # the VM may power off (DONE) before the button's release is sent
        click_at(qmp, WIN_X + cols * cw + 2 * pad - 12, WIN_Y - 12)   # 24x24, title bar's right
    except OSError:
        pass


def leave(qmp, text):
    state["alt"] = len(text)
    time.sleep(3)
    type_text(qmp, "vi /tmp/t.txt\n")
    time.sleep(3)
    type_text(qmp, "ihi vi")
    qmp.command("send-key", keys=[{"type": "qcode", "data": "esc"}])
    time.sleep(0.3)
    type_text(qmp, ":wq\n")
    time.sleep(2)
    type_text(qmp, "cat /tmp/t.txt\n")
    time.sleep(1.5)
    type_text(qmp, "exit\n")


def red_pixels(img, grid, row):
    cols, rows, cw, ch, pad = grid
    x0, y0 = WIN_X + pad, WIN_Y + pad + row * ch
    return sum(1 for y in range(y0, y0 + ch) for x in range(x0, x0 + 6 * cw)
               if x < img.width and y < img.height
               and img.pixel(x, y)[0] > 0xc0 and max(img.pixel(x, y)[1:]) < 0x90)


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)   # run_with_qmp's log
    start = time.monotonic()
    text = run_with_qmp(None, [("READY", lambda qmp: None), ("ROW ", commands),
                               ("ok42", shoot),
                               ("ROW 22 60", wheel_up), ("ROW 22 57", alternate_screen),
                               ("ROW 0 ALT", leave),
                               ("EXIT 0", resize_second), ("GRID 60 18", stty_size),
                               ("S18 60", close_second)],
                        qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
                        timeout=90, command="terminal %d %d; terminal %d %d; echo DONE" % (WIN_X, WIN_Y, WIN_X, WIN_Y),
                        name="terminal", watchdog=25)
    tail = "\n".join(text.splitlines()[-20:])
    g = GRID_RE.search(text)
    grid = tuple(int(v) for v in g.groups()) if g else None
    rep.check("terminal_first_frame", grid is not None and "READY" in text and ROW_RE.search(text),
              "GRID %s, READY %s, ROW lines %s" % (grid, "READY" in text, bool(ROW_RE.search(text))),
              tail)
    scr = state.get("screen", screen(text))
    rows = [scr.get(i, "") for i in range(max(scr) + 1)] if scr else []
    hello = [i for i, r in enumerate(rows) if r == "hello"]
    rep.check("terminal_echo_hello", any(i > 0 and rows[i - 1].endswith("echo hello") for i in hello),
              "screen rows: %r" % rows, tail)
    red = [i for i, r in enumerate(rows) if r == "RED"]
    img, count = state.get("shot"), 0
    if img is not None and red and grid:
        count = red_pixels(img, grid, red[0])
        shutil.copy(os.path.join(OUT, "shot.png"), os.path.join(ROOT, "docs", "screenshots",
                                                                "terminal.png"))
    rep.check("terminal_sgr_red", red and count >= 20,
              "RED rows %s, %d bright red pixels in its cells" % (red, count), tail)
    t = state["times"]
    fast = "ctrl_c" in t and "ok42" in t and t["ok42"] - t["ctrl_c"] < 15
    rep.check("terminal_ctrl_c", "ok42" in rows and fast,
              "ok42 row %s, %.1f s after Ctrl+C" % ("ok42" in rows, t.get("ok42", 0) - t.get("ctrl_c", 0)),
              tail)
    rep.check("terminal_select_copy_paste",
              re.search(r"^COPIED hello\r?$", text, re.M) is not None
              and re.search(r"^ROW \d+ helloX\r?$", text, re.M) is not None,
              "COPIED hello %s, a helloX row %s" % (
                  re.search(r"^COPIED hello\r?$", text, re.M) is not None,
                  re.search(r"^ROW \d+ helloX\r?$", text, re.M) is not None), tail)
    rep.check("terminal_title_follows_osc", re.search(r"^TITLE MyXTerm\r?$", text, re.M) is not None,
              "no 'TITLE MyXTerm' line", tail)
    # After `seq 1 60` (60 on row 22 above the prompt) a wheel notch up shows 3 rows
    # of scrollback: 57 on row 22 and 36 on row 1.
    wheel = screen(text[state.get("before_wheel", len(text)):state.get("after_wheel", len(text))])
    rep.check("terminal_wheel_scrolls_back", wheel.get(22) == "57" and wheel.get(1) == "36",
              "rows after the wheel: %r" % wheel, tail)
    alt = text[state.get("alt", len(text)):]
    restored = screen(alt)
    rep.check("terminal_alternate_screen", "alt" in state and restored.get(0) not in (None, "ALT"),
              "after ALT the rows became %r" % restored, tail)
    vi = text[state.get("alt", len(text)):]
    tildes = len(re.findall(r"^ROW \d+ ~\r?$", vi, re.M))
    rep.check("terminal_vi_edits_a_file", tildes >= 10
              and re.search(r"cat /tmp/t.txt\r?\nROW \d+ hi vi\r?$", vi, re.M) is not None,
              "%d '~' rows from vi; cat's output row 'hi vi' %s" % (
                  tildes, re.search(r"^ROW \d+ hi vi\r?$", vi, re.M) is not None), tail)
    rep.check("terminal_exit", re.search(r"^EXIT 0\r?$", text, re.M) is not None,
              "no 'EXIT 0'", tail)
    resized = text[state.get("resized", len(text)):]
    old_corner = (WIN_X + 80 * grid[2] + 2 * grid[4] - 10, WIN_Y + 24 * grid[3] + 2 * grid[4] - 10) if grid else None
    shot = state.get("resized_shot")
    px = shot.pixel(*old_corner) if shot is not None and old_corner else None
    rep.check("terminal_corner_resize", re.search(r"^ROW \d+ S18 60\r?$", resized, re.M) is not None
              and px == (0x0b, 0x0f, 0x17),
              "GRID 60 18 %s, a row 'S18 60' %s, old corner pixel %s (want the background)" % (
                  "resized" in state, re.search(r"^ROW \d+ S18 60\r?$", resized, re.M) is not None, px),
              tail)
    rep.check("terminal_close_box", re.search(r"^EXIT 0\r?$(.|\n)*^CLOSED\r?$", text, re.M) is not None
              and "DONE" in text, "no CLOSED (then DONE) from the second terminal", tail)
    print("terminal.py: %.0f s" % (time.monotonic() - start))
    rep.exit()


if __name__ == "__main__":
    main()
