#!/usr/bin/env python3
"""The Settings app and the home disk, end to end: two boots (usb-tablet, QMP) with
the same fresh ext2 image (mke2fs -L osc-home, as `make run` makes it) on
virtio-blk. Widgets are found through the semantics trees the desktop ("SEM")
and Settings ("SETTINGS-SEM", window-local, placed by "SETTINGS-AT x y") print.

Boot 1: a damaged osc-home image first (vda: its block size says 512 KiB), the
good one second (vdb); the normal user's desktop (su user), a click on the
Settings tile, a click on the "Natural scrolling" toggle.
  settings_bad_disk_logged       init logged the damaged disk's failed mount and
                                 went on to the next
  settings_home_disk_mounted     init mounted the disk on /home/user, the user's
  settings_launch_overlay        the desktop's tree showed "Launching Settings"
                                 until the app's first window, then not
  settings_toggle_saved          Settings saved natural_scroll=1; the guest read
                                 it from ~/.config/oscortex/settings (uid 1000)
  settings_resolution_live       1280 x 800 chosen in the Resolution list and
                                 applied: the screen (screendump) and the desktop
                                 change at once, the file says so
  settings_disk_clean            e2fsck -fn of the image on the host: clean, and
                                 debugfs reads the file with natural_scroll=1
Boot 2: the same image; the desktop and Settings run as the user.
  settings_resolution_survives_reboot  the desktop set the saved 1280 x 800
  settings_survive_reboot        the toggle is on in Settings' tree
  settings_natural_wheel         a wheel notch up over the preview list shows
                                 later rows (natural), and after the toggle is
                                 clicked off the same notch shows earlier rows
  settings_tabs                  Settings' tabs (Mouse, Keyboard, Display, About):
                                 the Mouse page first (its toggle shown, no layout
                                 list); a click on the Keyboard tab selects it and
                                 shows its page instead (build/settings/keyboard.png)
  settings_layout_live           German (DE) chosen in the layout list: the Y key
                                 types "z" into the field at once
  settings_scale_saved           the Display tab's Scale list: 150% clicked is saved
                                 (display.scale=150 in the file debugfs reads)
  settings_disk_clean_again      e2fsck -fn clean after the second boot
The screendump after the toggle is build/settings/settings.png (copied to
docs/screenshots/settings.png by hand).
usage: settings.py"""

import os
import re
import subprocess
import tempfile
import time

from common import ROOT, Reporter
from gui import abs_move, click_at, screendump, semantics, set_screen
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "settings")
FILE = "/home/user/.config/oscortex/settings"
QEMU = ["-device", "qemu-xhci", "-device", "usb-tablet"]
WAIT = "n=0; while ! grep -q '%s' " + FILE + " 2>/dev/null && [ $n -lt 25 ]; do sleep 1; n=$((n+1)); done; "
GUEST1 = ("grep ' /home/user ext2 rw' /proc/mounts && ls -ldn /home/user | sed 's/^/HOMEDIR /'; "
          "(su user -c 'OSC_SEMANTICS=1 desktop' &); " + WAIT % "mouse.natural_scroll=1" +
          WAIT % "display.resolution=1280x800" +
          "sleep 1; ls -ln " + FILE + " | sed 's/^/FILE /'; sed 's/^/READ /' " + FILE + "; echo DONE")
# Boot 2 ends once the scale chosen last is saved.
GUEST2 = ("sed 's/^/BOOT2 /' " + FILE + "; "
          ": > /tmp/d.log; (su user -c desktop >> /tmp/d.log 2>&1 &); "
          "n=0; until grep -q 'screen 1280x800' /tmp/d.log || [ $n -ge 15 ]; do sleep 1; n=$((n+1)); done; "
          "sed 's/^/DESK /' /tmp/d.log; "
          ": > /tmp/s.log; (su user -c 'OSC_SEMANTICS=1 settings' >> /tmp/s.log 2>&1 &); "
          "(tail -f /tmp/s.log &); " + WAIT % "keyboard.layout=de" +
          # The scale is chosen after the z is typed (the tree with it printed by then).
          WAIT.replace("25", "8") % "scale=150" + "echo DONE")
state = {"wheels": []}


def trees(text, prefix):
    """Each complete tree a program printed (lines PREFIX ... up to PREFIX-END),
    as {(role, label): (x, y, w, h, value)} plus the raw state bits by key."""
    out, cur = [], []
    for line in text.splitlines():
        if line == prefix + "-END":
            block = "\n".join("SEM " + l[len(prefix) + 1:] for l in cur)
            out.append(semantics(block))
            cur = []
        elif line.startswith(prefix + " "):
            cur.append(line)
    return out


def states(text, prefix):
    """{label: state} for the last tree's widgets."""
    last = text.rsplit(prefix + "-END", 2)
    block = last[-2] if len(last) >= 2 else ""
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'^' + prefix + r' \d+ \d+ \w+ "((?:[^"\\]|\\.)*)".* state=(\d+)', block, re.M)}


def origin(text):
    m = re.search(r"^SETTINGS-AT (-?\d+) (-?\d+)", text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def centre(text, key):
    t = trees(text, "SETTINGS-SEM")
    r = t[-1].get(key) if t else None
    if not r:
        return None
    ox, oy = origin(text)
    return ox + r[0] + r[2] // 2, oy + r[1] + r[3] // 2


def wheel_up(qmp, text, key):
    p = centre(text, key)
    if p:
        abs_move(qmp, *p)
        time.sleep(0.3)
        for down in (True, False):
            qmp.command("input-send-event", events=[
                {"type": "btn", "data": {"down": down, "button": "wheel-up"}}])
            time.sleep(0.1)
    state["wheels"].append(p)


def click_tile(qmp, text):
    t = trees(text, "SEM")
    r = t[-1].get(("tile", "Settings")) if t else None
    if r:
        click_at(qmp, r[0] + r[2] // 2, r[1] + min(r[3] // 2, 56))


def click_toggle(qmp, text):
    time.sleep(0.3)
    p = centre(text, ("toggle", "Natural scrolling"))
    if p:
        click_at(qmp, *p)


def shoot(qmp, text):
    time.sleep(0.5)
    state["shot"] = screendump(qmp, OUT, "settings")
    p = centre(text, ("tab", "Display"))        # where the resolution is chosen
    if p:
        click_at(qmp, *p)


def pick_mode(qmp, text):
    # A click in the Resolution list, Home and four Downs (the fifth mode
    # listed, 1280 x 800), Apply.
    time.sleep(0.3)
    p = centre(text, ("list", "Resolution"))
    if p:
        click_at(qmp, *p)
        for key in ["home"] + ["down"] * 4:
            qmp.command("send-key", keys=[{"type": "qcode", "data": key}])
            time.sleep(0.15)
        time.sleep(0.5)
        state["mode_row"] = trees(text, "SETTINGS-SEM")[-1].get(("list", "Resolution"))
        b = centre(text, ("button", "Apply resolution"))
        if b:
            click_at(qmp, *b)


def shoot_mode(qmp, text):
    time.sleep(1.5)             # the desktop lays itself out again at the new size
    state["mode_shot"] = screendump(qmp, OUT, "resolution")
    set_screen(1280, 800)       # boot 2 starts there too


def boot2_first_tree(qmp, text):
    state["boot2_states"] = states(text, "SETTINGS-SEM")
    state["boot2_shot"] = screendump(qmp, OUT, "boot2")
    wheel_up(qmp, text, ("list", "Scroll preview"))


def boot2_toggle_off(qmp, text):
    time.sleep(0.5)
    click_toggle(qmp, text)


def boot2_wheel_again(qmp, text):
    time.sleep(0.5)
    wheel_up(qmp, text, ("list", "Scroll preview"))
    time.sleep(0.5)
    state["before_tab"] = trees(text, "SETTINGS-SEM")[-1]
    p = centre(text, ("tab", "Keyboard"))
    if p:
        click_at(qmp, *p)


def boot2_keyboard_tab(qmp, text):
    t = trees(text, "SETTINGS-SEM")
    state["keyboard_tab"] = t[-1] if t else {}
    tab = re.findall(r'^SETTINGS-SEM \d+ \d+ tab "Keyboard" .* state=(\d+)$', text, re.M)
    state["keyboard_tab_state"] = int(tab[-1]) if tab else 0
    time.sleep(0.3)
    screendump(qmp, OUT, "keyboard")
    r = t[-1].get(("list", "Keyboard layout")) if t else None
    if r:                       # its second row (of two): German
        ox, oy = origin(text)
        click_at(qmp, ox + r[0] + r[2] // 2, oy + r[1] + r[3] * 3 // 4)


def boot2_type(qmp, text):
    p = centre(text, ("text_field", "Try the layout"))
    if p:
        click_at(qmp, *p)
        qmp.command("send-key", keys=[{"type": "qcode", "data": "y"}])
        time.sleep(0.3)
    p = centre(text, ("tab", "Display"))
    if p:
        click_at(qmp, *p)


def boot2_display_tab(qmp, text):
    time.sleep(0.3)
    p = centre(text, ("row", "150%"))
    if p:
        click_at(qmp, *p)


def e2fsck(img):
    r = subprocess.run(["e2fsck", "-fn", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=60)
    return r.returncode, r.stdout


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="oscortex-settings-")
    img = os.path.join(tmp, "home.img")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-L", "osc-home",
                    "-E", "root_owner=1000:1000", img, "64M"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bad = os.path.join(tmp, "bad.img")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-L", "osc-home", bad, "2M"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(bad, "r+b") as f:     # s_log_block_size: 1024 << 9, no ext2 of ours
        f.seek(1024 + 24)
        f.write((9).to_bytes(4, "little"))
    drive = ["-drive", "file=%s,if=virtio,format=raw" % img]
    # The scripts go in as files: the kernel command line holds only ~500 bytes.
    scripts = []
    for i, body in enumerate((GUEST1, GUEST2), 1):
        path = os.path.join(tmp, "guest%d.sh" % i)
        with open(path, "w") as f:
            f.write(body + "\n")
        scripts.append("%s:/etc/settings-test%d.sh" % (path, i))
    try:
        text = run_with_qmp(None, [("SEM-END", click_tile),
                                   ("SETTINGS-SEM-END", click_toggle),
                                   ("SAVED natural_scroll=1", shoot),
                                   (re.compile(r'list "Resolution".*?^SETTINGS-SEM-END', re.S | re.M),
                                    pick_mode),
                                   ("[shell] screen 1280x800", shoot_mode)],
                            qemu_args=QEMU + ["-drive", "file=%s,if=virtio,format=raw" % bad] + drive,
                            timeout=60, command="sh /etc/settings-test1.sh", adds=scripts[:1],
                            name="settings1", watchdog=25)
        tail = "\n".join(l for l in text.splitlines() if "SEM" not in l)[-1500:]
        with open(os.path.join(ROOT, "build", "osc-run", "last.log"), errors="replace") as f:
            serial = f.read()
        init_lines = "\n".join(l for l in serial.splitlines() if l.startswith("[init]"))[-1000:]
        rep.check("settings_bad_disk_logged",
                  "[init] home disk /dev/vda: mount on /home/user failed" in serial and
                  "[init] home disk /dev/vdb mounted on /home/user" in serial,
                  "no log line for the bad disk, or the good one not mounted", init_lines)
        rep.check("settings_home_disk_mounted",
                  re.search(r"^HOMEDIR d\S+ +\d+ 1000 +1000 ", text, re.M) is not None,
                  "home not mounted or not the user's", tail)
        desk = trees(text, "SEM")
        shown = [i for i, t in enumerate(desk) if ("label", "Launching Settings") in t]
        rep.check("settings_launch_overlay",
                  bool(shown) and ("label", "Launching Settings") not in desk[-1] and
                  re.search(r"launch of pid \d+: first window", text) is not None,
                  "trees with the overlay %s of %d" % (shown, len(desk)), tail)
        rep.check("settings_toggle_saved",
                  "SAVED natural_scroll=1" in text and
                  re.search(r"^READ mouse.natural_scroll=1$", text, re.M) is not None and
                  re.search(r"^FILE -rw------- +1 1000 +1000 ", text, re.M) is not None,
                  "no save, or the file reads otherwise", tail)
        shot = state.get("mode_shot")
        rep.check("settings_resolution_live",
                  re.search(r"^RESOLUTION 1280x800$", text, re.M) is not None and
                  "[shell] screen 1280x800" in text and shot is not None and
                  (shot.width, shot.height) == (1280, 800) and
                  re.search(r"^READ display.resolution=1280x800$", text, re.M) is not None,
                  "list %s; screendump %s" % (state.get("mode_row"),
                                              (shot.width, shot.height) if shot else None), tail)
        code, out = e2fsck(img)
        dump = subprocess.run(["debugfs", "-R", "cat /.config/oscortex/settings", img],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True).stdout
        rep.check("settings_disk_clean", code == 0 and "mouse.natural_scroll=1\n" in dump,
                  "e2fsck exit %d; debugfs read %r" % (code, dump[:200]), out[-800:])

        text2 = run_with_qmp(None, [("SETTINGS-SEM-END", boot2_first_tree),
                                    ("Preview top row: 4", boot2_toggle_off),
                                    ("SAVED natural_scroll=0", boot2_wheel_again),
                                    (re.compile(r'list "Keyboard layout".*?^SETTINGS-SEM-END', re.S | re.M),
                                     boot2_keyboard_tab),
                                    ("layout=de", boot2_type),
                                    (re.compile(r'row "150%".*?^SETTINGS-SEM-END', re.S | re.M),
                                     boot2_display_tab)],
                             qemu_args=QEMU + drive, timeout=60, command="sh /etc/settings-test2.sh",
                             adds=scripts[1:], name="settings2", watchdog=25)
        tail2 = "\n".join(l for l in text2.splitlines() if "SEM" not in l)[-1500:]
        st = state.get("boot2_states", {})
        rep.check("settings_survive_reboot",
                  "BOOT2 mouse.natural_scroll=1" in text2 and
                  st.get("Natural scrolling", 0) & 16 != 0,
                  "toggle state %s" % st.get("Natural scrolling"), tail2)
        shot2 = state.get("boot2_shot")
        rep.check("settings_resolution_survives_reboot",
                  "DESK [shell] screen 1280x800" in text2 and shot2 is not None and
                  (shot2.width, shot2.height) == (1280, 800),
                  "screendump %s" % ((shot2.width, shot2.height) if shot2 else None,), tail2)
        tops = re.findall(r'"Preview top row: (\d+)"', text2)
        order = [t for i, t in enumerate(tops) if i == 0 or t != tops[i - 1]]
        rep.check("settings_natural_wheel", order[:3] == ["1", "4", "1"] and
                  None not in state["wheels"],
                  "top rows in order %s (speed 3: natural up 1->4, traditional 4->1)" % order,
                  tail2)
        before, after = state.get("before_tab", {}), state.get("keyboard_tab", {})
        tabs = {k[1] for k in after if k[0] == "tab"}
        rep.check("settings_tabs",
                  tabs == {"Mouse", "Keyboard", "Display", "About"} and
                  ("toggle", "Natural scrolling") in before and ("list", "Keyboard layout") not in before and
                  ("list", "Keyboard layout") in after and ("toggle", "Natural scrolling") not in after and
                  state.get("keyboard_tab_state", 0) & 16 != 0,
                  "tabs %s; before the click %s; after %s" % (sorted(tabs), sorted(before), sorted(after)),
                  tail2)
        rep.check("settings_layout_live", "layout=de" in text2 and
                  re.search(r'^SETTINGS-SEM \d+ \d+ text_field "Try the layout" value="z"', text2, re.M)
                  is not None, "the field never read z", tail2)
        code, out = e2fsck(img)
        dump = subprocess.run(["debugfs", "-R", "cat /.config/oscortex/settings", img],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True).stdout
        rep.check("settings_scale_saved", re.search(r"^SAVED .* scale=150$", text2, re.M) is not None and
                  "display.scale=150\n" in dump, "no save of scale 150; the file: %r" % dump[:200], tail2)
        rep.check("settings_disk_clean_again", code == 0, "e2fsck exit %d" % code, out[-800:])
    finally:
        subprocess.run(["rm", "-rf", tmp])
    rep.exit()


if __name__ == "__main__":
    main()
