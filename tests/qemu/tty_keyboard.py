#!/usr/bin/env python3
"""The busybox shell on the screen's text console (tty1), typed at through the PS/2
keyboard: keys go in through QMP send-key (QEMU's i8042, IRQ 1) and what the shell
shows is read off the screen (screendumps read back glyph by glyph, screen_text.py),
as a user at the machine would. Checks: the boot logs the keyboard; after the
splash's handover the prompt is on screen; a shifted command line
"echo Kbd$((6*7))" prints Kbd42; the terminal is the text console's own (the
serial line, another terminal, sees none of it; `stty size` gives the console's
size); ctrl+c interrupts "sleep 10"; printf's SGR reverse video and red show in
those colours; a cursor-position query (ESC [ 6 n) is answered as input; busybox
vi edits and writes a file, and leaving it restores the
shell's screen (the alternate screen); Shift+PgUp shows lines that scrolled off
and Shift+PgDn comes back.
Fails if no keyboard driver types into the terminal. Usage: tty_keyboard.py ISO."""
import os, subprocess, sys, tempfile, time

import screen_text
from common import RESULTS, Reporter, qemu_run, start_vm, stop_vm

HARD_TIMEOUT = 90       # the whole VM, seconds
WATCHDOG = 20           # longest serial silence while waiting for something

iso = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="oscortex-kbd-")
qmp_path = os.path.join(tmp, "qmp.sock")
cmd = ["timeout", "-s", "KILL", str(HARD_TIMEOUT)] + qemu_run.base_command(iso) + [
    "-display", "none", "-serial", "stdio",
    "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
q = start_vm(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
os.set_blocking(q.stdout.fileno(), False)
rep = Reporter()
buf = b""
last_output = time.monotonic()
font = screen_text.load_font()


def pump():
    global buf, last_output
    try:
        data = q.stdout.read(4096)
    except BlockingIOError:
        data = None
    if data:
        buf += data
        last_output = time.monotonic()
    return data


def expect(pat, t=30):
    """Waits for pat on the serial line (anywhere since boot); False on timeout, on
    WATCHDOG seconds without output, or when QEMU is gone."""
    end = time.monotonic() + t
    while time.monotonic() < end:
        if pat in buf:
            return True
        data = pump()
        if data == b"" or (data is None and time.monotonic() - last_output > WATCHDOG):
            return pat in buf
        if not data:
            time.sleep(0.05)
    return pat in buf


shot = 0
last_size = [0, 0]      # the last screendump's pixels
last_image = [None]


def screen(qmp):
    """The text console's lines now (the PNG of the last one is kept in RESULTS)."""
    global shot
    shot += 1
    ppm = os.path.join(tmp, "screen.ppm")
    qmp.command("screendump", filename=ppm)
    image = qemu_run.read_ppm(ppm)
    last_size[:] = [image.width, image.height]
    last_image[:] = [image]
    os.makedirs(RESULTS, exist_ok=True)
    image.write_png(os.path.join(RESULTS, "keyboard-console.png"))
    return screen_text.screen_lines(image, font)


def wait_screen(qmp, pred, t=20):
    """Polls the screen until pred(lines) holds; returns (ok, lines)."""
    end = time.monotonic() + t
    lines = []
    while time.monotonic() < end and q.poll() is None:
        pump()
        lines = screen(qmp)
        if pred(lines):
            return True, lines
        time.sleep(0.3)
    return False, lines


def shown(lines):
    return "screen reads %r" % [l for l in lines if l][-10:]


def tail():
    return "\n".join(buf.decode("latin-1").replace("\r", "").splitlines()[-12:])


# QEMU key names (qapi QKeyCode) for what the test types; "shift-x" holds shift.
KEYS = {" ": "spc", "$": "shift-4", "(": "shift-9", ")": "shift-0", "*": "shift-8",
        "+": "shift-equal", "/": "slash", ".": "dot", ":": "shift-semicolon", ";": "semicolon",
        "'": "apostrophe", "\\": "backslash", "[": "bracket_left", "]": "bracket_right",
        '"': "shift-apostrophe", "{": "shift-bracket_left", "}": "shift-bracket_right",
        "#": "shift-3", "?": "shift-slash", "\n": "ret", "\x1b": "esc"}


def type_text(qmp, text):
    for ch in text:
        key = KEYS.get(ch, "shift-" + ch.lower() if ch.isupper() else ch)
        names = key.split("-") if ch != "-" else ["minus"]
        keys = [{"type": "qcode", "data": n} for n in names]
        qmp.command("send-key", keys=keys)
        time.sleep(0.05)    # send-key holds keys 100 ms itself; keep presses apart


def prompt_last(lines):
    filled = [l for l in lines if l]
    return bool(filled) and filled[-1] == "/ #"


qmp = None
try:
    handover = expect(b"[fb] text console", 60)
    rep.check("kbd_boot_logs_ps2_keyboard", b"[ps2] keyboard" in buf,
              "no '[ps2] keyboard' line in the boot log", tail())
    qmp = qemu_run.Qmp(qmp_path, 5)
    ok, lines = wait_screen(qmp, prompt_last) if handover else (False, [])
    rep.check("kbd_console_prompt", ok, "no '/ #' prompt on the text console; " + shown(lines))
    if ok:
        mark = len(buf)
        type_text(qmp, "echo Kbd$((6*7))\n")
        ok, lines = wait_screen(qmp, lambda ls: "Kbd42" in ls and prompt_last(ls))
        rep.check("kbd_typed_shifted_command_runs", ok,
                  "typed 'echo Kbd$((6*7))' + Enter, no 'Kbd42' line; " + shown(lines))
        type_text(qmp, "stty size\n")
        want = "%d %d" % tuple(reversed(screen_text.grid_size(last_size[0], last_size[1], font)))
        ok, lines = wait_screen(qmp, lambda ls: want in ls and prompt_last(ls))
        rep.check("kbd_console_has_its_own_terminal", ok and b"Kbd42" not in buf[mark:],
                  "stty size on the console: no %r line (%s), or the serial line saw Kbd42 (%s)"
                  % (want, shown(lines), b"Kbd42" in buf[mark:]))
        type_text(qmp, "sleep 10\n")
        time.sleep(1.5)
        qmp.command("send-key", keys=[{"type": "qcode", "data": "ctrl"},
                                      {"type": "qcode", "data": "c"}])
        t0 = time.monotonic()
        type_text(qmp, "echo z$((1+1))\n")
        # Well under the 10 s sleep: only a working ctrl+c lets the echo run this soon.
        ok, lines = wait_screen(qmp, lambda ls: "z2" in ls, 6)
        rep.check("kbd_ctrl_c_interrupts_foreground_job", ok,
                  "ctrl+c did not end 'sleep 10' within %.0f s; %s" % (time.monotonic() - t0, shown(lines)))
        # SGR: reverse video and a colour, as ls --color or top would use them.
        type_text(qmp, "printf '\\033[7mREV\\033[0m \\033[31mRED\\033[0m\\n'\n")
        ok, lines = wait_screen(qmp, lambda ls: "REV RED" in ls and prompt_last(ls))
        why = "no 'REV RED' line; " + shown(lines)
        if ok:
            row = screen_text.screen_cells(last_image[0], font)[lines.index("REV RED")]
            text, red = bytes.fromhex("c9d1d9"), bytes.fromhex("cd3131")
            why = "" if all(c[2] == text for c in row[:3]) and all(c[1] == red for c in row[4:7]) \
                else "colours read %r" % [(c[0], c[1] and c[1].hex(), c[2].hex()) for c in row[:7]]
        rep.check("kbd_console_shows_reverse_video_and_colours", not why, why)
        # A cursor-position query is answered as input, as a terminal does.
        type_text(qmp, "stty -icanon -echo; printf '\\033[6n'; read -d R x; stty icanon echo; "
                       "echo \"got[${x#??}]\"\n")
        ok, lines = wait_screen(qmp, lambda ls: any(l.startswith("got[") for l in ls) and prompt_last(ls))
        got = [(i, l) for i, l in enumerate(lines) if l.startswith("got[")]
        rep.check("kbd_console_answers_cursor_position_query",
                  ok and got and got[-1][1] == "got[%d;1]" % (got[-1][0] + 1),
                  "want got[ROW;1] on that row; " + shown(lines))
        type_text(qmp, "vi /tmp/k.txt\n")
        ok, lines = wait_screen(qmp, lambda ls: sum(l == "~" for l in ls) >= 10)
        if ok:
            type_text(qmp, "ihello kbd\x1b")
            time.sleep(0.5)     # vi tells a lone ESC from an escape sequence by a pause
            type_text(qmp, ":wq\n")
            type_text(qmp, "cat /tmp/k.txt\n")
            ok, lines = wait_screen(qmp, lambda ls: "hello kbd" in ls and prompt_last(ls))
        rep.check("kbd_vi_on_console_writes_file", ok,
                  "vi on the console: no '~' screen or 'hello kbd' not written; " + shown(lines))
        # vi drew on the alternate screen: leaving it brings the shell's lines back.
        rep.check("kbd_vi_leaves_the_alternate_screen",
                  ok and "/ # vi /tmp/k.txt" in lines and "~" not in lines,
                  "after vi: " + shown(lines))
        # Shift+PgUp pages back through what scrolled off the top; Shift+PgDn returns.
        type_text(qmp, "seq 1 120\n")
        ok, lines = wait_screen(qmp, lambda ls: "120" in ls and prompt_last(ls))
        if ok:
            qmp.command("send-key", keys=[{"type": "qcode", "data": "shift"},
                                          {"type": "qcode", "data": "pgup"}])
            ok, lines = wait_screen(qmp, lambda ls: "60" in ls and "120" not in ls, 10)
        back = ok
        if ok:
            qmp.command("send-key", keys=[{"type": "qcode", "data": "shift"},
                                          {"type": "qcode", "data": "pgdn"}])
            ok, lines = wait_screen(qmp, lambda ls: "120" in ls and prompt_last(ls), 10)
        rep.check("kbd_shift_page_up_shows_scrollback", ok,
                  "%s; %s" % ("did not return to the live screen" if back else
                              "Shift+PgUp did not show lines 52-98", shown(lines)))
finally:
    if qmp:
        qmp.close()
    stop_vm(q)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
rep.exit()
