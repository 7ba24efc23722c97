#!/usr/bin/env python3
"""Builds a cpio "newc" (070701) initramfs from a manifest, without root and
reproducibly: entries sorted by path, uid/gid 0 unless given, one fixed mtime,
inode numbers assigned in order. Format as described in cpio(5).

Manifest, one entry per line (blank lines and '#' comments ignored; paths have no
blanks; MODE is octal permission bits; HOSTSRC is relative to the current directory):
    dir   PATH MODE
    file  PATH MODE HOSTSRC
    slink PATH MODE TARGET
    nod   PATH MODE c|b MAJOR MINOR
Any entry may end with an owner, UID:GID (numbers; default 0:0).
PATH is stored relative ("/bin/sh" -> "bin/sh", "/" -> "."). Every parent directory
must itself be listed (the root excepted).

usage: mkinitramfs.py [--mtime N] MANIFEST OUTPUT
       (--mtime defaults to $SOURCE_DATE_EPOCH, else 0)
"""
import argparse
import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


class ManifestError(Exception):
    pass


def norm_path(path, where):
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ManifestError(f"{where}: '..' in path {path!r}")
    return "/".join(parts) if parts else "."


def parse_mode(text, where):
    try:
        mode = int(text, 8)
    except ValueError:
        raise ManifestError(f"{where}: bad octal mode {text!r}") from None
    if not 0 <= mode <= 0o7777:
        raise ManifestError(f"{where}: mode {text!r} is not permission bits")
    return mode


def parse_num(text, where):
    try:
        n = int(text, 10)
    except ValueError:
        raise ManifestError(f"{where}: bad number {text!r}") from None
    if not 0 <= n <= 0xFFFFFFFF:
        raise ManifestError(f"{where}: {text!r} out of range")
    return n


def read_manifest(path):
    """Returns {name: entry dict} from the manifest file."""
    entries = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            where = f"{path}:{lineno}"
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            kind, args = words[0], words[1:]
            want = {"dir": 2, "file": 3, "slink": 3, "nod": 5}.get(kind)
            if want is None:
                raise ManifestError(f"{where}: unknown entry type {kind!r}")
            owner = (0, 0)
            if len(args) == want + 1 and ":" in args[-1]:
                u, g = args.pop().split(":", 1)
                owner = (parse_num(u, where), parse_num(g, where))
            if len(args) != want:
                raise ManifestError(f"{where}: '{kind}' takes {want} fields, got {len(args)}")
            name = norm_path(args[0], where)
            perm = parse_mode(args[1], where)
            e = {"name": name, "data": b"", "rdev": (0, 0), "where": where, "owner": owner}
            if kind == "dir":
                e["mode"] = stat.S_IFDIR | perm
            elif kind == "file":
                try:
                    with open(args[2], "rb") as src:
                        e["data"] = src.read()
                except OSError as err:
                    raise ManifestError(f"{where}: {err}") from None
                e["mode"] = stat.S_IFREG | perm
            elif kind == "slink":
                e["data"] = args[2].encode()
                e["mode"] = stat.S_IFLNK | perm
            else:
                if args[2] not in ("c", "b"):
                    raise ManifestError(f"{where}: device type must be c or b")
                e["mode"] = (stat.S_IFCHR if args[2] == "c" else stat.S_IFBLK) | perm
                e["rdev"] = (parse_num(args[3], where), parse_num(args[4], where))
            if name in entries:
                raise ManifestError(f"{where}: {name!r} already listed at {entries[name]['where']}")
            entries[name] = e
    return entries


def check_parents(entries):
    for name, e in entries.items():
        if name == "." or "/" not in name:
            continue
        parent = name.rsplit("/", 1)[0]
        p = entries.get(parent)
        if p is None or not stat.S_ISDIR(p["mode"]):
            raise ManifestError(f"{e['where']}: parent directory {parent!r} of {name!r} is not listed")


def header(ino, mode, nlink, mtime, size, rdev, namesize, owner=(0, 0)):
    fields = [ino, mode, owner[0], owner[1], nlink, mtime, size, 0, 0, rdev[0], rdev[1],
              namesize, 0]
    return MAGIC + b"".join(b"%08X" % v for v in fields)


def pad4(buf):
    buf.extend(b"\0" * (-len(buf) % 4))


def build(entries, mtime):
    # Sorting by component list puts every directory before its contents.
    order = sorted(entries, key=lambda n: [] if n == "." else n.split("/"))
    subdirs = {n: 0 for n in entries}
    for n in entries:
        if n != "." and stat.S_ISDIR(entries[n]["mode"]):
            parent = n.rsplit("/", 1)[0] if "/" in n else "."
            if parent in subdirs:
                subdirs[parent] += 1
    out = bytearray()
    for ino, name in enumerate(order, 1):
        e = entries[name]
        nlink = 2 + subdirs[name] if stat.S_ISDIR(e["mode"]) else 1
        bname = name.encode() + b"\0"
        out += header(ino, e["mode"], nlink, mtime, len(e["data"]), e["rdev"], len(bname),
                      e["owner"])
        out += bname
        pad4(out)
        out += e["data"]
        pad4(out)
    bname = TRAILER.encode() + b"\0"
    out += header(0, 0, 1, 0, 0, (0, 0), len(bname)) + bname
    pad4(out)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mtime", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    ap.add_argument("manifest")
    ap.add_argument("output")
    args = ap.parse_args()
    try:
        entries = read_manifest(args.manifest)
        check_parents(entries)
    except (ManifestError, OSError) as err:
        print(f"mkinitramfs: {err}", file=sys.stderr)
        return 1
    data = build(entries, args.mtime & 0xFFFFFFFF)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
