#!/usr/bin/env python3
"""PCI enumeration checked against QEMU's own view of the same machine.

Boots an osc-run image (tools/osc-run's make_image) on the test machine plus a
PCI-to-PCI bridge with a virtio-blk disk and a second bridge behind it, and a
virtio-rng behind that one (bridge walking over three buses; a 64-bit prefetchable
BAR, an I/O BAR), prints every /sys/bus/pci/devices entry's uevent (what
busybox lspci parses: Debian's busybox-static is built without lspci) and resource
file, and compares with QMP `query-pci` of the same VM (`info pci` through
human-monitor-command for the vendor:device list). Twice: with ECAM (the MCFG) and
with the legacy ports (pci=nommconf).

usage: pci.py       tests: pci_summary_<m>, pci_devices_match_qemu_<m>,
                           pci_classes_match_qemu_<m>, pci_bars_match_qemu_<m>,
                           pci_info_pci_ids_match_<m> (m = ecam, ports)
"""

import importlib.machinery
import importlib.util
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import ROOT, Reporter

sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402

_loader = importlib.machinery.SourceFileLoader("osc_run", os.path.join(ROOT, "tools", "osc-run"))
_spec = importlib.util.spec_from_loader("osc_run", _loader)
osc_run = importlib.util.module_from_spec(_spec)
_loader.exec_module(osc_run)

COMMAND = ('for d in /sys/bus/pci/devices/*; do echo "== ${d##*/}"; cat $d/uevent; '
           'echo "RESOURCE"; cat $d/resource; done')
SUMMARY_RE = re.compile(r"\[pci\] (\d+) devices? on (\d+) bus(?:es)? \(([^)]*)\)")
IORESOURCE_IO, IORESOURCE_MEM = 0x100, 0x200
IORESOURCE_PREFETCH, IORESOURCE_MEM_64 = 0x2000, 0x100000
TIMEOUT = 200


def extra_args(tmp):
    disk = os.path.join(tmp, "scratch.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    return ["-drive", "if=none,id=d0,format=raw,file=" + disk,
            "-device", "pci-bridge,id=br1,chassis_nr=1,bus=pcie.0,addr=0x5",
            "-device", "virtio-blk-pci,drive=d0,bus=br1,addr=0x3",
            # A bridge behind the bridge, with a device: three buses to walk.
            "-device", "pci-bridge,id=br2,chassis_nr=2,bus=br1,addr=0x4",
            "-device", "virtio-rng-pci,bus=br2,addr=0x1"]


def boot(iso, tmp):
    """Runs the VM; returns (serial text, query-pci result, info pci text, problem)."""
    qmp_path = os.path.join(tmp, "qmp.sock")
    cmd = qemu_run.base_command(iso) + [
        "-display", "none", "-chardev", "stdio,id=s0,signal=off", "-serial", "chardev:s0",
        "-qmp", "unix:%s,server=on,wait=off" % qmp_path] + extra_args(tmp)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=qemu_run.die_with_parent)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    cleaner = qemu_run._Cleaner()
    text, query, info, problem = "", None, None, None
    start = time.monotonic()
    try:
        while not osc_run.EXIT_RE.search(text):
            if time.monotonic() - start > TIMEOUT:
                problem = "timeout"
                break
            if qemu_run.PANIC in text:
                problem = "kernel panic"
                break
            # The firmware has assigned buses and BARs once the kernel enumerated.
            if query is None and SUMMARY_RE.search(text):
                qmp = qemu_run.Qmp(qmp_path, 5)
                query = qmp.command("query-pci")
                info = qmp.command("human-monitor-command", **{"command-line": "info pci"})
                qmp.close()
            if not sel.select(timeout=0.5):
                continue
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                problem = "QEMU exited: " + proc.stderr.read().decode("utf-8", "replace")[-300:]
                break
            text += cleaner.feed(data)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        sel.close()
        proc.stdout.close()
        proc.stderr.close()
    return text, query, info, problem


def qemu_devices(query):
    """{"0000:bb:dd.f": device dict} from query-pci, bridges' buses included."""
    out = {}

    def walk(devs):
        for d in devs:
            out["0000:%02x:%02x.%x" % (d["bus"], d["slot"], d["function"])] = d
            walk(d.get("pci_bridge", {}).get("devices", []))
    for bus in query:
        walk(bus["devices"])
    return out


def guest_devices(text):
    """{"0000:bb:dd.f": {"uevent": {...}, "resource": [(start, end, flags)]}}."""
    out, cur, in_res = {}, None, False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("== "):
            cur = out.setdefault(line[3:], {"uevent": {}, "resource": []})
            in_res = False
        elif cur is None:
            continue
        elif line == "RESOURCE":
            in_res = True
        elif in_res and line.startswith("0x"):
            cur["resource"].append(tuple(int(x, 16) for x in line.split()))
        elif "=" in line:
            k, v = line.split("=", 1)
            cur["uevent"][k] = v
    return out


def bar_problems(name, qdev, gdev):
    res = gdev["resource"]
    if len(res) != 7:
        return ["%s: %d resource lines, want 7" % (name, len(res))]
    bad = []
    for r in qdev.get("regions", []):
        bar = r["bar"]
        start, end, flags = res[bar]
        size = end - start + 1 if flags else 0
        want_flag = IORESOURCE_IO if r["type"] == "io" else IORESOURCE_MEM
        # QEMU shows a disabled expansion ROM (BAR6) at address -1; its size still counts
        # (and Linux marks a ROM prefetchable, QEMU does not).
        addr = start if bar == 6 and r["address"] < 0 else r["address"]
        if (start, size) != (addr, r["size"]) or not flags & want_flag:
            bad.append("%s BAR%d: guest %#x size %#x flags %#x, QEMU %s %#x size %#x"
                       % (name, bar, start, size, flags, r["type"], r["address"], r["size"]))
        elif r["type"] == "memory" and bar < 6 and (bool(flags & IORESOURCE_PREFETCH) != r.get("prefetch")
                                        or bool(flags & IORESOURCE_MEM_64) != r.get("mem_type_64")):
            bad.append("%s BAR%d: flags %#x, QEMU prefetch=%s 64-bit=%s"
                       % (name, bar, flags, r.get("prefetch"), r.get("mem_type_64")))
    # A BAR the guest sized that QEMU does not list.
    listed = {r["bar"] for r in qdev.get("regions", [])}
    for bar in range(6):
        if res[bar][2] and bar not in listed:
            bad.append("%s BAR%d: guest has %s, QEMU lists none" % (name, bar, res[bar]))
    return bad


def info_pci_ids(info):
    """{"0000:bb:dd.f": "vvvv:dddd"} from the human monitor's `info pci`."""
    out = {}
    for m in re.finditer(r"Bus\s+(\d+), device\s+(\d+), function (\d+):\s*\n\s*[^\n]*?"
                         r"PCI device ([0-9a-f]{4}):([0-9a-f]{4})", info or ""):
        bus, dev, fn = (int(x) for x in m.group(1, 2, 3))
        out["0000:%02x:%02x.%x" % (bus, dev, fn)] = "%s:%s" % (m.group(4), m.group(5))
    return out


def run_mode(rep, mode, append, method_re):
    tmp = tempfile.mkdtemp(prefix="oscortex-pci-")
    try:
        iso = osc_run.make_image(tmp, [], COMMAND, append)
        text, query, info, problem = boot(iso, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tail = "\n".join(text.splitlines()[-15:])
    m = SUMMARY_RE.search(text)
    if problem or not query:
        rep.check("pci_boot_" + mode, False, problem or "no [pci] summary line", tail)
        return
    qdevs = qemu_devices(query)
    start = text.find(osc_run.START)
    gdevs = guest_devices(text[start:] if start >= 0 else "")
    nbuses = 1 + sum(1 for d in qdevs.values() if "pci_bridge" in d)
    rep.check("pci_summary_" + mode,
              m and int(m.group(1)) == len(qdevs) and int(m.group(2)) == nbuses
              and re.fullmatch(method_re, m.group(3)),
              "summary %r; QEMU has %d devices on %d buses" % (m and m.group(0), len(qdevs), nbuses))
    ids_q = {n: "%04x:%04x" % (d["id"]["vendor"], d["id"]["device"]) for n, d in qdevs.items()}
    ids_g = {n: g["uevent"].get("PCI_ID", "?").lower() for n, g in gdevs.items()}
    rep.check("pci_devices_match_qemu_" + mode, ids_q == ids_g and len(ids_q) >= 9,
              "QEMU %s\nguest %s" % (sorted(ids_q.items()), sorted(ids_g.items())))
    cls_q = {n: "%04x" % d["class_info"]["class"] for n, d in qdevs.items()}
    # busybox lspci prints PCI_CLASS >> 8 as %04x.
    cls_g = {n: "%04x" % (int(g["uevent"].get("PCI_CLASS", "0"), 16) >> 8)
             for n, g in gdevs.items()}
    slots_ok = all(g["uevent"].get("PCI_SLOT_NAME") == n for n, g in gdevs.items())
    rep.check("pci_classes_match_qemu_" + mode, cls_q == cls_g and slots_ok,
              "QEMU %s\nguest %s (slot names ok: %s)" % (sorted(cls_q.items()),
                                                         sorted(cls_g.items()), slots_ok))
    bad = []
    for n, d in qdevs.items():
        if n in gdevs:
            bad += bar_problems(n, d, gdevs[n])
    blk = [n for n, d in qdevs.items()
           if (d["id"]["vendor"], d["id"]["device"]) == (0x1af4, 0x1001) and d["bus"] > 0]
    kinds = {r["type"] + ("64" if r.get("mem_type_64") else "")
             for n in blk for r in qdevs[n].get("regions", [])}
    rep.check("pci_bars_match_qemu_" + mode,
              not bad and len(blk) == 1 and {"io", "memory", "memory64"} <= kinds,
              "; ".join(bad) or "virtio-blk behind the bridge: %s, BAR kinds %s" % (blk, kinds))
    info_ids = info_pci_ids(info)
    rep.check("pci_info_pci_ids_match_" + mode, info_ids == ids_g,
              "info pci %s\nguest %s" % (sorted(info_ids.items()), sorted(ids_g.items())))


def main():
    rep = Reporter()
    run_mode(rep, "ecam", "", r"ECAM at 0x[0-9a-f]+")
    run_mode(rep, "ports", "pci=nommconf", r"ports 0xcf8")
    rep.exit()


if __name__ == "__main__":
    main()
