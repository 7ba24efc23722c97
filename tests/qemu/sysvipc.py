#!/usr/bin/env python3
"""SysV IPC seen by the standard tools inside OSCortex: util-linux's ipcmk creates a
message queue, a shared memory segment and a semaphore set, ipcs lists them (it
reads /proc/sysvipc), ipcrm removes them. Debian's busybox-static has no ipcs or
ipcrm applets, so the host's dynamically linked util-linux programs are added to
the image with the glibc loader (tools/osc-run --add; nothing in the standard
initramfs), as tests/qemu/dynexe.py does. One boot.

usage: sysvipc.py   tests: sysvipc_ipcmk_creates, sysvipc_ipcs_lists_queue,
                           sysvipc_ipcs_lists_segment, sysvipc_ipcs_lists_semaphores,
                           sysvipc_ipcrm_removes_all"""

import os
import re
import subprocess

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
PROGRAMS = ["/usr/bin/ipcmk", "/usr/bin/ipcs", "/usr/bin/ipcrm"]
INTERP = "/lib64/ld-linux-x86-64.so.2"

SCRIPT = """
q=$(ipcmk -Q -p 0640 | sed "s/.*: //"); m=$(ipcmk -M 8192 | sed "s/.*: //")
s=$(ipcmk -S 3 | sed "s/.*: //"); echo ids $q $m $s
echo ==ipcs; ipcs
echo ==rm; ipcrm -q $q -m $m -s $s; echo rm=$?
echo ==after; ipcs
"""


def libraries():
    """HOST:GUEST pairs for the programs and every library they need (ldd)."""
    adds = {}
    for prog in PROGRAMS:
        adds[prog] = prog
        out = subprocess.run(["ldd", prog], stdout=subprocess.PIPE, check=True).stdout.decode()
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m:
                adds[os.path.realpath(m.group(2))] = m.group(2)
    adds[os.path.realpath(INTERP)] = INTERP
    return ["%s:%s" % kv for kv in adds.items()]


def section(lines, start, end):
    if start not in lines:
        return []
    rest = lines[lines.index(start) + 1:]
    return rest[:rest.index(end)] if end in rest else rest


def rows(lines, title):
    """The object rows (key, id, owner, perms, ...) under ipcs's heading title."""
    out, inside = [], False
    for line in lines:
        if line.startswith("------"):
            inside = title in line
        elif inside and line.startswith("0x"):
            out.append(line.split())
    return out


def main():
    rep = Reporter()
    missing = [p for p in PROGRAMS if not os.path.exists(p)]
    if missing:
        for name in ("sysvipc_ipcmk_creates", "sysvipc_ipcs_lists_queue",
                     "sysvipc_ipcs_lists_segment", "sysvipc_ipcs_lists_semaphores",
                     "sysvipc_ipcrm_removes_all"):
            rep.check(name, False, "util-linux not installed on the host: %s" % missing, "")
        rep.exit()
    cmd = [OSC_RUN, "--timeout", "150"]
    for a in libraries():
        cmd += ["--add", a]
    cmd += ["--", "sh -c '%s' 2>&1" % SCRIPT.strip().replace("\n", "; ")]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    lines = out.splitlines()
    detail = out + ("\n" + err if r.returncode else "")
    ids = next((l.split()[1:] for l in lines if l.startswith("ids ")), [])
    ok_ids = len(ids) == 3 and all(i.isdigit() for i in ids)
    rep.check("sysvipc_ipcmk_creates", ok_ids, "ipcmk printed three ids: %r" % ids, detail)
    q, m, s = ids if ok_ids else ("?", "?", "?")
    listing = section(lines, "==ipcs", "==rm")
    got = rows(listing, "Message Queues")
    rep.check("sysvipc_ipcs_lists_queue",
              any(row[1] == q and row[3] == "640" for row in got),
              "queue %s with perms 640 in %r" % (q, got), detail)
    got = rows(listing, "Shared Memory")
    rep.check("sysvipc_ipcs_lists_segment",
              any(row[1] == m and row[4] == "8192" and row[5] == "0" for row in got),
              "segment %s of 8192 bytes, nattch 0 in %r" % (m, got), detail)
    got = rows(listing, "Semaphore Arrays")
    rep.check("sysvipc_ipcs_lists_semaphores",
              any(row[1] == s and row[4] == "3" for row in got),
              "set %s of 3 semaphores in %r" % (s, got), detail)
    after = section(lines, "==after", None)
    left = [l for l in after if l.startswith("0x")]
    rep.check("sysvipc_ipcrm_removes_all",
              "rm=0" in lines and not left and any("Message Queues" in l for l in after),
              "ipcrm exit 0 and ipcs empty afterwards (left: %r)" % left, detail)
    rep.exit()


if __name__ == "__main__":
    main()
