#!/usr/bin/env python3
"""USB input end to end: QEMU's qemu-xhci with usb-tablet, usb-kbd and usb-mouse,
through the xHCI driver and HID to /dev/input/eventN. One boot (input.py's
run_with_qmp) runs tests/qemu/usbread.c in the guest; once it has opened the three
devices and says READY, the host moves the tablet to (16384, 8192), clicks the
left button, types b and shift+c, holds x (QMP send-key goes to the USB keyboard, which
QEMU makes the active one) and moves the mouse. A second boot has the controller
and no device, then hot-plugs a keyboard. Checks:

  usb_boot_log_devices        one "[xhci] usb ..." line per device, with its name
  usb_devices_found           the three devices found by name in the guest
  usb_tablet_absinfo          EVIOCGABS: ABS_X and ABS_Y 0..32767; -EINVAL on the
                              keyboard (no axes)
  usb_tablet_abs_exact        ABS_X 16384 and ABS_Y 8192, exactly
  usb_btn_left_click          BTN_LEFT 1 then 0 on a USB pointer
  usb_keyboard_keys           KEY_B 1 then 0; KEY_LEFTSHIFT down before KEY_C
  usb_keyboard_autorepeat     x held 1 s: press, software repeats (2), release
  usb_mouse_motion            REL_X on the USB mouse
  usb_controller_no_devices   controller alone: boots, PS/2 devices only
  usb_hotplug_keyboard        QMP device_add usb-kbd: a new event2, its KEY_A read
  usb_keyboard_feeds_console  what is typed on it reaches the text console (tty1)
  usb_unplug_logged           QMP device_del: the disconnect is handled and logged
usage: usb.py"""

import os
import re
import time

from common import ROOT, Reporter
from input import build_guest, run_with_qmp

SOURCE = os.path.join(ROOT, "tests", "qemu", "usbread.c")
USB_ARGS = ["-device", "qemu-xhci", "-device", "usb-tablet", "-device", "usb-kbd",
            "-device", "usb-mouse"]
EV_RE = re.compile(r"^EV (tablet|kbd|mouse) (\d+) (\d+) (-?\d+)$")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")


def send_input(qmp):
    qmp.command("input-send-event", events=[
        {"type": "abs", "data": {"axis": "x", "value": 16384}},
        {"type": "abs", "data": {"axis": "y", "value": 8192}}])
    time.sleep(0.3)
    for down in (True, False):
        qmp.command("input-send-event", events=[
            {"type": "btn", "data": {"down": down, "button": "left"}}])
        time.sleep(0.3)
    qmp.command("send-key", keys=[{"type": "qcode", "data": "b"}])
    time.sleep(0.3)
    qmp.command("send-key", keys=[{"type": "qcode", "data": "shift"},
                                  {"type": "qcode", "data": "c"}])
    time.sleep(0.3)
    qmp.command("send-key", keys=[{"type": "qcode", "data": "x"}], **{"hold-time": 1000})
    time.sleep(1.3)
    try:
        qmp.command("input-send-event", events=[
            {"type": "rel", "data": {"axis": "x", "value": 7}},
            {"type": "rel", "data": {"axis": "y", "value": 3}}])
    except (OSError, ConnectionError):
        pass            # the guest may be done and the VM gone


# Guest side of the hot-plug boot: counts the input devices, waits (bounded) for
# the USB keyboard to appear, opens its node and says PLUGGED, reads one key
# event (hexdump: the 24-byte record's code field is bytes 18-19), reads the
# line the same keys made on the text console's terminal, lists the devices,
# waits for the unplug to be handled.
HOTPLUG_SH = (
    "echo BEFORE $(grep -c ^N: /proc/bus/input/devices); echo READY; i=0; "
    "while [ $i -lt 60 ] && ! grep -q 'USB Keyboard' /proc/bus/input/devices; do "
    "sleep 0.5; i=$((i+1)); done; ls /dev/input/; "
    "exec 3</dev/input/event2; echo PLUGGED; "
    "dd bs=24 count=1 <&3 2>/dev/null | od -An -tu2 -j18 -N2 | sed 's/^ */EVKEY /'; "
    "dd if=/dev/tty1 bs=16 count=1 2>/dev/null | od -An -c | sed 's/^/TTY /'; "
    "cat /proc/bus/input/devices; sleep 3; echo DONE")


def plug(qmp):
    qmp.command("device_add", driver="usb-kbd", id="k2")


def type_and_unplug(qmp):
    for key in ("a", "h", "i", "ret"):
        qmp.command("send-key", keys=[{"type": "qcode", "data": key}])
        time.sleep(0.3)
    time.sleep(1)
    qmp.command("device_del", id="k2")


def main():
    rep = Reporter()
    # USB_TEST_APPEND=xhci.poll runs it all without interrupts (by hand).
    append = os.environ.get("USB_TEST_APPEND")
    text = run_with_qmp(build_guest(SOURCE, "usbread"), send_input, USB_ARGS, append=append)
    tail = "\n".join(text.splitlines()[-20:])
    try:
        with open(LAST_LOG, errors="replace") as f:
            serial = f.read()
    except OSError:
        serial = ""
    usb_lines = [l for l in serial.splitlines() if l.startswith("[xhci] usb ")]
    want = ["QEMU USB Tablet", "QEMU USB Keyboard", "QEMU USB Mouse"]
    rep.check("usb_boot_log_devices",
              all(any(w in l for l in usb_lines) for w in want) and len(usb_lines) == 3,
              "[xhci] usb lines: %s" % usb_lines, "\n".join(serial.splitlines()[-30:]))
    rep.check("usb_devices_found", "READY" in text,
              "usbread did not find the three devices", tail)
    absinfo = {int(m.group(1)): [int(x) for x in m.group(2).split()]
               for m in re.finditer(r"^ABSINFO (\d) (.*)$", text, re.M)}
    ok_abs = all(absinfo.get(a, [None])[0] == 0 and absinfo[a][2:4] == [0, 32767]
                 for a in (0, 1))
    rep.check("usb_tablet_absinfo", ok_abs and "KBDABS -1 22" in text,
              "ABSINFO %s, keyboard line %s" % (absinfo, re.findall(r"KBDABS.*", text)), tail)
    evs = [(d, int(t), int(c), int(v)) for d, t, c, v in
           (m.groups() for m in map(EV_RE.match, text.splitlines()) if m)]
    tab = [(t, c, v) for d, t, c, v in evs if d == "tablet"]
    xs = [v for t, c, v in tab if t == 3 and c == 0]
    ys = [v for t, c, v in tab if t == 3 and c == 1]
    rep.check("usb_tablet_abs_exact", 16384 in xs and 8192 in ys,
              "ABS_X %s, ABS_Y %s" % (xs, ys), tail)
    btn = [v for d, t, c, v in evs if d != "kbd" and t == 1 and c == 0x110]
    rep.check("usb_btn_left_click", btn[:2] == [1, 0], "BTN_LEFT values %s" % btn, tail)
    kbd = [(c, v) for d, t, c, v in evs if d == "kbd" and t == 1]
    b = [v for c, v in kbd if c == 48]
    shift_first = (42, 1) in kbd and (46, 1) in kbd and kbd.index((42, 1)) < kbd.index((46, 1))
    rep.check("usb_keyboard_keys", b[:2] == [1, 0] and shift_first,
              "KEY_B values %s, key events %s" % (b, kbd), tail)
    x = [v for c, v in kbd if c == 45]
    rep.check("usb_keyboard_autorepeat", len(x) >= 4 and x[0] == 1 and x[-1] == 0 and
              set(x[1:-1]) == {2},
              "KEY_X held 1 s: values %s (want 1, repeats of 2, 0)" % x, tail)
    rel = [v for d, t, c, v in evs if d == "mouse" and t == 2 and c == 0]
    rep.check("usb_mouse_motion", sum(rel) == 7, "REL_X values %s (want 7 in total)" % rel,
              tail)

    # The controller with nothing on it boots with the PS/2 devices only; then a
    # keyboard is plugged in (QMP device_add), enumerated as a new eventN, typed
    # on, and unplugged.
    text = run_with_qmp(None, [("READY", plug), ("PLUGGED", type_and_unplug)], ["-device", "qemu-xhci,id=xhci"], command=HOTPLUG_SH,
                        name="hotplug", append=append)
    try:
        with open(LAST_LOG, errors="replace") as f:
            serial = f.read()
    except OSError:
        serial = ""
    xhci = [l for l in serial.splitlines() if l.startswith("[xhci]")]
    rep.check("usb_controller_no_devices", "BEFORE 2" in text and any("xHCI" in l for l in xhci),
              "input devices before the plug: %s, [xhci] lines %s" %
              (re.findall(r"BEFORE \d+", text), xhci), text[-1500:])
    names = re.findall(r'^N: Name="(.*)"$', text, re.M)
    rep.check("usb_hotplug_keyboard",
              "QEMU QEMU USB Keyboard" in names and
              bool(re.search(r"\bevent2\b.*\nPLUGGED", text)) and
              "EVKEY 30" in text,
              "devices %s; event2 node and KEY_A read: %s" % (names, "EVKEY 30" in text),
              text[-1500:])
    rep.check("usb_keyboard_feeds_console", bool(re.search(r"^TTY\s+a\s+h\s+i\s+\\n", text, re.M)),
              "the text console's tty1 read %s (want a h i \\n)" % re.findall(r"TTY.*", text),
              text[-800:])
    rep.check("usb_unplug_logged", any("disconnected" in l for l in xhci) and
              any("gone" in l for l in xhci), "[xhci] lines %s" % xhci, "")
    rep.exit()


if __name__ == "__main__":
    main()
