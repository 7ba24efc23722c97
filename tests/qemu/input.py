#!/usr/bin/env python3
"""Input events end to end: QEMU's i8042 keyboard and PS/2 mouse through the input
layer to /dev/input/eventN. One boot (tools/osc-run) runs tests/qemu/evread.c
(static musl, built here) in the guest; once it has opened both devices (found by
EVIOCGNAME) and says READY, the host presses and releases "a" (QMP send-key), moves
the mouse right 10 and up 5, clicks the left button and turns the wheel up one notch
(QMP input-send-event), and checks what the guest read:

  input_devices_found         both devices found by name, the mouse an IntelliMouse
                              Explorer (ImExPS/2)
  input_key_a_press_release   KEY_A (30) value 1 then 0, with a SYN_REPORT and a
                              real-time timestamp
  input_rel_motion_signs      REL_X +10 and REL_Y -5 in total (Linux's Y is down)
  input_btn_left_click        BTN_LEFT 1 then 0
  input_rel_wheel_up          REL_WHEEL +1
  input_rel_hwheel_right_left REL_HWHEEL +1, +1, -1 (QMP wheel-right twice, wheel-left:
                              the PS/2 mouse is an IntelliMouse Explorer)
  input_compositor_wheel_axes a demo window (osc-demo-window) under the pointer printed
                              wheel events code 1 (horizontal) +1 +1 -1, then code 0 +1
  input_debian_evtest_sees_key_a  Debian's evtest, run beside evread on the keyboard,
                              names it and prints KEY_A value 1 and 0
usage: input.py"""

import os
import re
import selectors
import subprocess
import sys
import tempfile
import time

from common import ROOT, Reporter, host_libraries, qemu_run

OUT = os.path.join(ROOT, "build", "input")
SOURCE = os.path.join(ROOT, "tests", "qemu", "evread.c")
MUSL_CC = os.environ.get("MUSL_CC", "musl-gcc")
TIMEOUT = 180
EV_RE = re.compile(r"^EV (kbd|mouse) (\d+) (\d+) (-?\d+) (\d+)$")


def send_input(qmp):
    """Key a, motion, a left click, two notches right and one left on the horizontal
    wheel, a wheel notch up. The guest may finish (and the
    VM end) as soon as the wheel turns, before its release is sent: a closed QMP
    socket after that point is fine."""
    qmp.command("send-key", keys=[{"type": "qcode", "data": "a"}])
    time.sleep(0.3)
    qmp.command("input-send-event", events=[
        {"type": "rel", "data": {"axis": "x", "value": 10}},
        {"type": "rel", "data": {"axis": "y", "value": -5}}])
    time.sleep(0.2)
    for down in (True, False):
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "left"}}])
        time.sleep(0.2)
    for button in ("wheel-right", "wheel-right", "wheel-left"):     # the Explorer's
        for down in (True, False):
            qmp.command("input-send-event", events=[
                {"type": "btn", "data": {"down": down, "button": button}}])
            time.sleep(0.2)
    qmp.command("input-send-event", events=[
        {"type": "btn", "data": {"down": True, "button": "wheel-up"}}])
    try:
        time.sleep(0.2)
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": False, "button": "wheel-up"}}])
    except (OSError, ConnectionError):
        pass


def libosc_flags():
    """Compiler arguments that build a guest with libosc (user/lib/libosc): its
    header's directory and its sources, compiled along."""
    d = os.path.join(ROOT, "user", "lib", "libosc")
    return ["-I" + d] + sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".c"))


def build_guest(source, name, libosc=False):
    """Builds a guest program (static musl) into build/input/NAME, with libosc
    when asked; its path."""
    os.makedirs(OUT, exist_ok=True)
    binary = os.path.join(OUT, name)
    subprocess.run([MUSL_CC, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary,
                    source] + (libosc_flags() if libosc else []), check=True)
    return binary


def run_with_qmp(binary, send, qemu_args=(), timeout=TIMEOUT, command=None, name=None,
                 append=None, watchdog=None, adds=(), end_marker="DONE"):
    """Boots OSCortex (tools/osc-run) running BINARY as /bin/NAME (or, with no
    binary, the shell COMMAND) with a QMP socket and QEMU_ARGS added; once the guest
    prints READY, calls send(qmp). SEND may also be a list of (MARKER, fn): each fn
    runs, in order, once the guest has printed its marker (a string, or a compiled
    regular expression that must match the output so far) (a fn taking two
    arguments gets the output so far as the second). APPEND adds kernel
    command line words; ADDS more HOST:GUEST files (osc-run --add). WATCHDOG: seconds without output after which the VM is
    stopped (a hung guest costs that, not the whole timeout). Returns the guest's output (also kept in
    build/input/NAME.log) once it prints DONE (or END_MARKER) or ends."""
    name = name or os.path.basename(binary)
    steps = send if isinstance(send, list) else [("READY", send)]
    tmp = tempfile.mkdtemp(prefix="oscortex-input-")
    qmp_path = os.path.join(tmp, "qmp.sock")
    cmd = [os.path.join(ROOT, "tools", "osc-run"), "--timeout", str(timeout), "--qemu=-qmp",
           "--qemu=unix:%s,server=on,wait=off" % qmp_path]
    if binary:
        cmd += ["--add", binary + ":/bin/" + name]
    if append:
        cmd += ["--append", append]
    for a in adds:
        cmd += ["--add", a]
    cmd += ["--qemu=" + a for a in qemu_args] + ["--", command or "/bin/" + name]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    text, done, qmp = "", 0, None
    start = last_output = time.monotonic()
    try:
        while end_marker not in text and time.monotonic() - start < timeout + 20:
            if watchdog and time.monotonic() - last_output > watchdog:
                text += "\n(no output for %d s: stopped)\n" % watchdog
                os.killpg(proc.pid, 9)
                break
            if sel.select(1):
                data = os.read(proc.stdout.fileno(), 4096)
                if not data:
                    break
                text += data.decode(errors="replace")
                last_output = time.monotonic()
            while done < len(steps) and (steps[done][0].search(text) if hasattr(steps[done][0], "search")
                                         else steps[done][0] in text):
                try:
                    qmp = qmp or qemu_run.Qmp(qmp_path, 5)
                    fn = steps[done][1]
                    # A step taking two arguments also gets the guest's output so far.
                    fn(qmp, text) if fn.__code__.co_argcount == 2 else fn(qmp)
                except OSError as e:
                    # QEMU went away under us: keep what the guest said so the
                    # failure can be read, instead of losing the log to a traceback.
                    text += "\n[test] QMP step %d (%s) failed: %r (QEMU exit %s)\n" % (
                        done, steps[done][0], e, proc.poll())
                    done = len(steps)   # the rest of the output is still read
                    break
                done += 1
    finally:
        if qmp:
            qmp.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with open(os.path.join(OUT, name + ".log"), "w") as f:
        f.write(text)
    return text


# Debian's evtest (dynamic, glibc: the host's program, loader and libc added) reads
# the keyboard beside evread; its "Event:" lines are printed after evread's DONE.
EVTEST = "/usr/bin/evtest"
GUEST_COMMAND = ("osc-demo-window demo 3060c0 312 234 400 300 & D=$!; "
                 "/opt/dyn/evtest /dev/input/event0 > /tmp/evtest.log 2>&1 & E=$!; sleep 1; "
                 "/bin/evread; kill -TERM $E; wait $E; echo EVTEST-STATUS=$?; kill $D; "
                 "grep -E '^(Input device name|Event:.*EV_KEY)' /tmp/evtest.log; echo EVTEST-END")


def main():
    rep = Reporter()
    adds = host_libraries([EVTEST]) + ["%s:/opt/dyn/evtest" % EVTEST]
    text = run_with_qmp(build_guest(SOURCE, "evread"), send_input, command=GUEST_COMMAND,
                        adds=adds, end_marker="EVTEST-END")
    tail = "\n".join(text.splitlines()[-15:])

    events = [m.groups() for m in map(EV_RE.match, text.splitlines()) if m]
    evs = [(d, int(t), int(c), int(v), int(s)) for d, t, c, v, s in events]
    mouse_names = [line for line in text.splitlines() if line.startswith("DEV ") and "Mouse" in line]
    rep.check("input_devices_found", "READY" in text and any("ImExPS/2" in n for n in mouse_names),
              "evread did not find both devices (or the mouse is not an IntelliMouse Explorer)", tail)
    kbd = [(t, c, v, s) for d, t, c, v, s in evs if d == "kbd"]
    a = [v for t, c, v, s in kbd if t == 1 and c == 30]
    syn = any(t == 0 and c == 0 for t, c, v, s in kbd)
    stamped = all(s > 1600000000 for t, c, v, s in kbd)
    rep.check("input_key_a_press_release", a[:2] == [1, 0] and syn and stamped,
              "KEY_A values %s, SYN_REPORT %s, real-time stamps %s" % (a, syn, stamped), tail)
    mouse = [(t, c, v) for d, t, c, v, s in evs if d == "mouse"]
    dx = sum(v for t, c, v in mouse if t == 2 and c == 0)
    dy = sum(v for t, c, v in mouse if t == 2 and c == 1)
    rep.check("input_rel_motion_signs", dx == 10 and dy == -5,
              "REL_X total %d (want 10), REL_Y total %d (want -5)" % (dx, dy), tail)
    btn = [v for t, c, v in mouse if t == 1 and c == 0x110]
    rep.check("input_btn_left_click", btn == [1, 0], "BTN_LEFT values %s" % btn, tail)
    wheel = [v for t, c, v in mouse if t == 2 and c == 8]
    rep.check("input_rel_wheel_up", sum(wheel) == 1 and all(w > 0 for w in wheel),
              "REL_WHEEL values %s" % wheel, tail)
    hwheel = [v for t, c, v in mouse if t == 2 and c == 6]
    rep.check("input_rel_hwheel_right_left", hwheel == [1, 1, -1],
              "REL_HWHEEL values %s" % hwheel, tail)
    # The compositor's view: the demo window under the pointer (the screen's
    # centre, moved 10 right and 5 up) got each notch with its axis.
    wheels = re.findall(r"^demo wheel code=(\d) value=(-?\d+)", text, re.M)
    rep.check("input_compositor_wheel_axes", wheels == [("1", "1"), ("1", "1"), ("1", "-1"), ("0", "1")],
              "demo wheel lines %s" % wheels, tail)
    ev = text[text.find("EVTEST-STATUS"):]
    rep.check("input_debian_evtest_sees_key_a",
              'Input device name: "AT Translated Set 2 keyboard"' in ev and
              re.search(r"type 1 \(EV_KEY\), code 30 \(KEY_A\), value 1", ev) and
              re.search(r"type 1 \(EV_KEY\), code 30 \(KEY_A\), value 0", ev),
              "evtest (unmodified, dynamic) names the keyboard and prints KEY_A down and up", ev[-800:])
    rep.exit()


if __name__ == "__main__":
    main()
