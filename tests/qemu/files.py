#!/usr/bin/env python3
"""The Files app (/bin/files) end to end: one boot (usb-tablet, QMP) runs it as
the normal user (su user, uid 1000, as the desktop runs apps) on "/" while the
guest prints the contents of /tmp whenever they change (LS lines). Rows and
buttons are found through the semantics tree Files prints (SEM lines, then
SEM-END), never by hard-coded positions.

  files_lists_root       the first tree has the rows bin, etc and tmp
  files_opens_folder     a double-click on the row tmp opens /tmp (a text
                         file, a program, an image and a file in it)
  files_makes_folder     New Folder, then Create in its dialog: /tmp/New Folder
                         is made (the app's line, the row, ls); the screendump
                         then (build/files/created.png) is copied to
                         docs/screenshots/files.png by hand
  files_context_menu     a right click on the row "New Folder" opens its menu
                         (menuitems Open, Rename, Copy, Delete, Properties; the
                         screendump build/files/menu.png is
                         docs/screenshots/files-menu.png)
  files_renames_folder   Rename from that menu, typing "renamed", Enter: the row
                         and ls follow
  files_deletes_folder   Delete asks first ("Delete "renamed"?"); its Delete
                         button removes it (the row and ls)
  files_copy_paste       Copy from note.txt's context menu, Paste from the menu
                         of the list's empty space: "note copy.txt" (row, ls)
  files_text_viewer      Enter on it shows its text ("hello") in the viewer's
                         text area; "hi " typed and Save write it to the file
                         (the app's line; Properties then reads 9 bytes)
  files_properties       Properties: its mode, owner (the user: the copy is
                         theirs) and size; Escape closes it (else the Up click
                         after it would not reach the toolbar)
  files_shows_png        Enter on photo.png (an 8x8 PNG of one colour the guest
                         decodes with base64 -d) shows it: "8 x 8 pixels" and its
                         colour in the middle of the view (build/files/image.png)
  files_runs_program     Enter on the row tool (a script with its execute bit)
                         runs it through osc-launch: it prints TOOL-RAN
  files_icon_view        Up, then Icons: the folder as a grid of cells (bin, etc,
                         tmp; build/files/icons.png is docs/screenshots/
                         files-icons.png), then List again
  files_error_dialog     then New Folder in / as uid 1000: a dialog with
                         "Permission denied" and an OK button that closes it
  files_closes           the close box ends the app
usage: files.py"""

import base64
import os
import re
import struct
import time
import zlib

from common import ROOT, Reporter
from gui import abs_move, button, click_at, screendump, semantics
from input import run_with_qmp

OUT = os.path.join(ROOT, "build", "files")
PHOTO_RGB = (0xe0, 0x30, 0xa0)


def png_base64(rgb, side=8):
    """A side x side PNG of one colour, in base64 for the guest's base64 -d
    (the command line is short)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + bytes(rgb) * side for _ in range(side))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


GUEST = ("cd /tmp; echo hello>note.txt; echo %s|base64 -d>photo.png; "
         "printf '#!/bin/sh\\necho TOOL-RAN\\n'>tool; chmod 755 tool; head -c 12288 /dev/zero>data; "
         "su user -c 'OSC_SEMANTICS=1 files /'& P=$!; old=; "
         "while kill -0 $P 2>/dev/null; do n=$(ls|tr '\\n' '|'); "
         "[ \"$n\" != \"$old\" ]&&echo \"LS $n\"; old=$n; sleep 0.5; done; echo DONE") % png_base64(PHOTO_RGB)
state = {}


def last_tree(text):
    """The last complete tree (ending SEM-END): {(role, label): (x, y, w, h, value)},
    and the part of it inside the open dialog."""
    blocks = text.split("SEM-END")
    if len(blocks) < 2:
        return {}, {}
    block = blocks[-2]
    at = re.search(r"^SEM 1 \d+ dialog ", block, re.M)
    return semantics(block), (semantics(block[at.start():]) if at else {})


def then_tree(marker):
    """A marker that waits for the marker and then a whole tree (SEM-END) after it."""
    return re.compile(re.escape(marker) + r".*?^SEM-END$", re.S | re.M)


def origin(text):
    m = re.search(r"\[files\] window (\d+),(\d+) (\d+)x(\d+)", text)
    return tuple(int(v) for v in m.groups()) if m else (0, 0, 0, 0)


def click(qmp, text, tree, key):
    r = tree.get(key)
    if r is None:
        state.setdefault("missing", []).append(key)
        return
    x, y, _, _ = origin(text)
    click_at(qmp, x + r[0] + r[2] // 2, y + r[1] + r[3] // 2, pause=0.1)


def keys(qmp, *names):
    for k in names:
        qmp.command("send-key", keys=[{"type": "qcode", "data": p} for p in k.split("+")])
        time.sleep(0.15)


def double_click(qmp, text, tree, key):
    r = tree.get(key)
    if r is None:
        state.setdefault("missing", []).append(key)
        return
    x, y, _, _ = origin(text)
    abs_move(qmp, x + r[0] + r[2] // 2, y + r[1] + r[3] // 2)
    time.sleep(0.2)
    for down in (True, False, True, False):
        button(qmp, down)
        time.sleep(0.05)


def at_root(qmp, text):
    state["root"], _ = last_tree(text)
    double_click(qmp, text, state["root"], ("row", "tmp"))


def in_tmp(qmp, text):
    state["tmp"], _ = last_tree(text)
    click(qmp, text, state["tmp"], ("button", "New Folder"))


def new_folder_dialog(qmp, text):
    _, state["new_dialog"] = last_tree(text)
    click(qmp, text, state["new_dialog"], ("button", "Create"))


def right_click(qmp, text, tree, key, dy=None):
    """A right click on the widget's centre (dy: that far from its top instead)."""
    r = tree.get(key)
    if r is None:
        state.setdefault("missing", []).append(key)
        return
    x, y, _, _ = origin(text)
    abs_move(qmp, x + r[0] + r[2] // 2, y + r[1] + (r[3] // 2 if dy is None else dy))
    time.sleep(0.2)
    for down in (True, False):
        button(qmp, down, "right")
        time.sleep(0.1)


def created(qmp, text):
    state["created"], _ = last_tree(text)
    time.sleep(0.3)
    screendump(qmp, OUT, "created")
    right_click(qmp, text, state["created"], ("row", "New Folder"))


def row_menu(qmp, text):
    state["row_menu"], _ = last_tree(text)
    time.sleep(0.3)
    screendump(qmp, OUT, "menu")
    click(qmp, text, state["row_menu"], ("menuitem", "Rename"))


def rename_dialog(qmp, text):
    _, state["rename_dialog"] = last_tree(text)
    keys(qmp, *"renamed", "ret")


def renamed(qmp, text):
    state["renamed"], _ = last_tree(text)
    click(qmp, text, state["renamed"], ("button", "Delete"))


def delete_dialog(qmp, text):
    _, state["delete_dialog"] = last_tree(text)
    click(qmp, text, state["delete_dialog"], ("button", "Delete"))


def deleted(qmp, text):
    state["deleted"], _ = last_tree(text)
    right_click(qmp, text, state["deleted"], ("row", "note.txt"))


def note_menu(qmp, text):
    state["note_menu"], _ = last_tree(text)
    click(qmp, text, state["note_menu"], ("menuitem", "Copy"))
    # Then the menu of the list's empty space, below its rows.
    r = state["deleted"].get(("list", "Entries"))
    right_click(qmp, text, state["deleted"], ("list", "Entries"), r[3] - 12 if r else None)


def folder_menu(qmp, text):
    state["folder_menu"], _ = last_tree(text)
    click(qmp, text, state["folder_menu"], ("menuitem", "Paste"))


def pasted(qmp, text):
    state["pasted"], _ = last_tree(text)
    click(qmp, text, state["pasted"], ("row", "note copy.txt"))
    keys(qmp, "ret")


def viewing(qmp, text):
    _, state["viewer"] = last_tree(text)
    keys(qmp, "h", "i", "spc")              # the text area has the focus, the cursor at 0
    click(qmp, text, state["viewer"], ("button", "Save"))


def saved(qmp, text):
    _, state["viewer_saved"] = last_tree(text)
    time.sleep(0.3)
    screendump(qmp, OUT, "viewer")
    click(qmp, text, state["viewer"], ("button", "Close"))
    click(qmp, text, state["pasted"], ("button", "Properties"))


def properties(qmp, text):
    _, state["props"] = last_tree(text)
    keys(qmp, "esc")                        # Escape closes a dialog
    click(qmp, text, state["pasted"], ("row", "photo.png"))
    keys(qmp, "ret")


def image(qmp, text):
    _, state["image"] = last_tree(text)
    time.sleep(0.3)
    state["image_shot"] = screendump(qmp, OUT, "image")
    keys(qmp, "esc")
    click(qmp, text, state["pasted"], ("row", "tool"))
    keys(qmp, "ret")                        # a program runs
    click(qmp, text, state["pasted"], ("button", "Up"))


def went_up(qmp, text):
    click(qmp, text, state["deleted"], ("button", "Icons"))


def icon_view(qmp, text):
    state["icons"], _ = last_tree(text)
    time.sleep(0.3)
    screendump(qmp, OUT, "icons")
    click(qmp, text, state["icons"], ("button", "List"))
    # The toolbar stays where it was; the dialog's field holds "New Folder"
    # and has the focus, so Enter creates (events arrive in order).
    click(qmp, text, state["deleted"], ("button", "New Folder"))
    keys(qmp, "ret")


def error_shown(qmp, text):
    state["error"], state["error_dialog"] = last_tree(text)
    time.sleep(0.3)
    screendump(qmp, OUT, "error")
    click(qmp, text, state["error_dialog"], ("button", "OK"))
    time.sleep(1)
    x, y, w, _ = origin(text)
    click_at(qmp, x + w - 12, y - 12)       # the title bar's close box


def rows(tree):
    return {k[1] for k in tree if k[0] == "row"}


def ls_lines(text):
    return [l[3:].split("|") for l in text.splitlines() if l.startswith("LS ")]


def main():
    rep = Reporter()
    os.makedirs(os.path.join(ROOT, "build", "input"), exist_ok=True)
    text = run_with_qmp(None, [
        ("[files] ready /", at_root),
        (then_tree("[files] open /tmp"), in_tmp),
        (then_tree('dialog "New folder"'), new_folder_dialog),
        (then_tree("[files] created /tmp/New Folder"), created),
        (then_tree("[files] menu row New Folder"), row_menu),
        (then_tree('dialog "Rename"'), rename_dialog),
        (then_tree("[files] renamed /tmp/New Folder -> /tmp/renamed"), renamed),
        (then_tree('Delete \\"renamed\\"?'), delete_dialog),
        (then_tree("[files] deleted /tmp/renamed"), deleted),
        (then_tree("[files] menu row note.txt"), note_menu),
        (then_tree("[files] menu folder /tmp"), folder_menu),
        (then_tree("[files] pasted /tmp/note.txt -> /tmp/note copy.txt"), pasted),
        (then_tree("[files] viewing /tmp/note copy.txt"), viewing),
        (then_tree("[files] saved /tmp/note copy.txt"), saved),
        (then_tree("[files] properties /tmp/note copy.txt"), properties),
        (then_tree("[files] image /tmp/photo.png"), image),
        ("[files] up from /tmp", went_up),
        (then_tree("[files] view icons"), icon_view),
        (then_tree('label "Permission denied"'), error_shown),
    ], qemu_args=["-device", "qemu-xhci", "-device", "usb-tablet"],
        timeout=60, command=GUEST, name="files", watchdog=20)
    tail = "\n".join(l for l in text.splitlines() if not l.startswith("SEM"))[-1500:]
    if state.get("missing"):
        tail = "widgets not found: %s\n%s" % (state["missing"], tail)
    root = rows(state.get("root", {}))
    rep.check("files_lists_root", {"bin", "etc", "tmp"} <= root, "rows of /: %s" % sorted(root), tail)
    tmp = rows(state.get("tmp", {}))
    rep.check("files_opens_folder", {"note.txt", "tool", "photo.png", "data"} <= tmp, "rows of /tmp: %s" % sorted(tmp), tail)
    ls = ls_lines(text)
    made = [i for i, l in enumerate(ls) if "New Folder" in l]
    named = [i for i, l in enumerate(ls) if "renamed" in l]
    sel = state.get("created", {}).get(("row", "New Folder"))
    rep.check("files_makes_folder", ("text_field", "Name") in state.get("new_dialog", {}) and
              made and "[files] created /tmp/New Folder" in text and sel is not None,
              "dialog %s, ls %s" % (sorted(state.get("new_dialog", {})), ls), tail)
    menu = state.get("row_menu", {})
    items = {k[1] for k in menu if k[0] == "menuitem"}
    rep.check("files_context_menu", {"Open", "Rename", "Copy", "Delete", "Properties"} <= items and
              ("menu", "") in menu and menu[("menuitem", "Rename")][4] == '"F2"',
              "menu items %s" % sorted(items), tail)
    after = rows(state.get("renamed", {}))
    rep.check("files_renames_folder", "renamed" in after and "New Folder" not in after and
              named and made and named[0] > made[0] and "New Folder" not in ls[named[0]],
              "rows %s, ls %s" % (sorted(after), ls), tail)
    gone = rows(state.get("deleted", {}))
    rep.check("files_deletes_folder", ("button", "Cancel") in state.get("delete_dialog", {}) and
              "renamed" not in gone and "note.txt" in gone and named and
              any("renamed" not in l for l in ls[named[-1] + 1:]),
              "dialog %s, rows %s, ls %s" % (sorted(state.get("delete_dialog", {})), sorted(gone), ls),
              tail)
    pasted_rows = rows(state.get("pasted", {}))
    fmenu = {k[1] for k in state.get("folder_menu", {}) if k[0] == "menuitem"}
    rep.check("files_copy_paste", "note copy.txt" in pasted_rows and "[files] copied /tmp/note.txt" in text and
              ("menuitem", "Copy") in state.get("note_menu", {}) and fmenu == {"New Folder", "Paste"} and
              any("note copy.txt" in l for l in ls),
              "rows %s, folder menu %s, ls %s" % (sorted(pasted_rows), sorted(fmenu), ls), tail)
    viewer = state.get("viewer", {})
    area = viewer.get(("text_area", "Text"))
    after = state.get("viewer_saved", {}).get(("text_area", "Text"))
    rep.check("files_text_viewer", area is not None and area[4] == '"hello\\x0a"' and
              ("dialog", "note copy.txt") in viewer and after is not None and
              after[4] == '"hi hello\\x0a"' and "[files] saved /tmp/note copy.txt (9 bytes)" in text,
              "viewer %s, after Save %s" % (area, after), tail)
    props = state.get("props", {})
    rep.check("files_properties", ("label", "Mode: -rw-r--r-- (0644)") in props and
              ("label", "Owner: user (1000), group user (1000)") in props and
              ("label", "Size: 9 B (9 bytes)") in props, "properties %s" % sorted(props), tail)
    why, img, r = [], state.get("image_shot"), state.get("image", {}).get(("image", "Image"))
    if img is None or r is None:
        why.append("no screendump or no Image widget: %s" % sorted(state.get("image", {})))
    else:
        x, y, _, _ = origin(text)
        px = tuple(img.pixel(x + r[0] + r[2] // 2, y + r[1] + r[3] // 2))
        if any(abs(a - b) > 8 for a, b in zip(px, PHOTO_RGB)):
            why.append("image centre %02x%02x%02x" % px)
    rep.check("files_shows_png", not why and ("label", "8 x 8 pixels") in state.get("image", {}),
              "; ".join(why), tail)
    rep.check("files_runs_program", "[files] launched /tmp/tool" in text and "TOOL-RAN" in text,
              "no launch line or no output", tail)
    icons = state.get("icons", {})
    cells = {k[1] for k in icons if k[0] == "cell"}
    rep.check("files_icon_view", {"bin", "etc", "tmp"} <= cells and ("grid", "Icons") in icons and
              not rows(icons) and "[files] view list" in text, "cells %s" % sorted(cells), tail)
    dlg = state.get("error_dialog", {})
    rep.check("files_error_dialog", "[files] error mkdir /New Folder: Permission denied" in text and
              ("label", "Permission denied") in dlg and ("button", "OK") in dlg,
              "dialog %s" % sorted(dlg), tail)
    rep.check("files_closes", "[files] closed" in text and "DONE" in text, "no close", tail)
    rep.exit()


if __name__ == "__main__":
    main()
