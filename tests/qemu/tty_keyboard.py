#!/usr/bin/env python3
"""The busybox shell typed at through the PS/2 keyboard: once the prompt is on the
serial line, keys go in through QMP send-key (QEMU's i8042, IRQ 1) and what the shell
echoes and prints comes back on the serial line (the tty echoes to COM1 and the
framebuffer console alike). Checks: the boot logs the keyboard, a shifted command
line "echo Kbd$((6*7))" runs (prints Kbd42), ctrl+c interrupts "sleep 10", and
after the splash's handover the screen itself (a screendump read back glyph by
glyph) shows the typed commands and their output: what a user at the machine sees.
Fails if no keyboard driver types into the terminal. Usage: tty_keyboard.py ISO."""
import os, subprocess, sys, tempfile, time

import screen_text
from common import RESULTS, Reporter, qemu_run

HARD_TIMEOUT = 60       # the whole VM, seconds
WATCHDOG = 20           # longest serial silence while waiting for something

iso = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="oscortex-kbd-")
qmp_path = os.path.join(tmp, "qmp.sock")
cmd = ["timeout", "-s", "KILL", str(HARD_TIMEOUT)] + qemu_run.base_command(iso) + [
    "-display", "none", "-serial", "stdio",
    "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)
os.set_blocking(q.stdout.fileno(), False)
rep = Reporter()
buf = b""
last_output = time.monotonic()


def expect(pat, t=30):
    """Waits for pat on the serial line (anywhere since boot); False on timeout, on
    WATCHDOG seconds without output, or when QEMU is gone."""
    global buf, last_output
    end = time.monotonic() + t
    while time.monotonic() < end:
        if pat in buf:
            return True
        try:
            data = q.stdout.read(4096)
        except BlockingIOError:
            data = None
        if data:
            buf += data
            last_output = time.monotonic()
        elif data == b"" or time.monotonic() - last_output > WATCHDOG:
            return pat in buf
        else:
            time.sleep(0.05)
    return pat in buf


def tail():
    return "\n".join(buf.decode("latin-1").replace("\r", "").splitlines()[-12:])


# QEMU key names (qapi QKeyCode) for what the test types; "shift-x" holds shift.
KEYS = {" ": "spc", "$": "shift-4", "(": "shift-9", ")": "shift-0", "*": "shift-8",
        "+": "shift-equal", "K": "shift-k"}


def type_text(qmp, text):
    for ch in text:
        names = KEYS.get(ch, ch).split("-") if ch != "-" else ["minus"]
        keys = [{"type": "qcode", "data": n} for n in names]
        qmp.command("send-key", keys=keys)
        time.sleep(0.05)    # send-key holds keys 100 ms itself; keep presses apart


qmp = None
try:
    prompt = expect(b"# ", 45)
    rep.check("kbd_boot_logs_ps2_keyboard", b"[ps2] keyboard" in buf,
              "no '[ps2] keyboard' line before the prompt", tail())
    rep.check("kbd_shell_prompt", prompt, "no shell prompt", tail())
    if prompt:
        qmp = qemu_run.Qmp(qmp_path, 5)
        mark = len(buf)
        type_text(qmp, "echo Kbd$((6*7))")
        qmp.command("send-key", keys=[{"type": "qcode", "data": "ret"}])
        ok = expect(b"\r\nKbd42\r\n", 20)
        rep.check("kbd_typed_shifted_command_runs", ok and b"Kbd42" in buf[mark:],
                  "typed 'echo Kbd$((6*7))' + Enter, no 'Kbd42' line", tail())
        type_text(qmp, "sleep 10")
        qmp.command("send-key", keys=[{"type": "qcode", "data": "ret"}])
        time.sleep(1.5)
        qmp.command("send-key", keys=[{"type": "qcode", "data": "ctrl"},
                                      {"type": "qcode", "data": "c"}])
        type_text(qmp, "echo z$((1+1))")
        qmp.command("send-key", keys=[{"type": "qcode", "data": "ret"}])
        # Well under the 10 s sleep: only a working ctrl+c lets the echo run this soon.
        rep.check("kbd_ctrl_c_interrupts_foreground_job", expect(b"\r\nz2\r\n", 6),
                  "ctrl+c did not end 'sleep 10' in time", tail())
        lines, why = [], "no '[fb] text console' handover line"
        if expect(b"[fb] text console", 20):
            time.sleep(0.5)
            ppm = os.path.join(tmp, "screen.ppm")
            qmp.command("screendump", filename=ppm)
            image = qemu_run.read_ppm(ppm)
            os.makedirs(RESULTS, exist_ok=True)
            image.write_png(os.path.join(RESULTS, "keyboard-console.png"))
            lines = screen_text.screen_lines(image)
            want = ["/ # echo Kbd$((6*7))", "Kbd42", "/ # echo z$((1+1))", "z2"]
            found = [l for l in lines if l in want]
            why = "" if found == want else "screen reads %r" % [l for l in lines if l][-8:]
        rep.check("kbd_typed_lines_on_text_console", not why, why)
finally:
    if qmp:
        qmp.close()
    q.kill()
    q.wait()
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
rep.exit()
