#!/usr/bin/env python3
"""Self-checks of tools/osc-run that need no VM: the serial filter (output between
the osc-run markers, whole lines, kernel log lines dropped, any chunking) and the
manifest additions. Prints PASS/FAIL per check and "osc-run: N passed, N failed"."""

import importlib.machinery
import importlib.util
import io
import os
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
loader = importlib.machinery.SourceFileLoader("osc_run", os.path.join(ROOT, "tools", "osc-run"))
spec = importlib.util.spec_from_loader("osc_run", loader)
osc_run = importlib.util.module_from_spec(spec)
loader.exec_module(osc_run)

SERIAL = ("[kernel] OSCortex booting\n[vfs] root: tmpfs\n[process] PID 1: /sbin/init\n"
          "[init] PID 1, command line 'osc.run=6563686f'\n[init] osc-run start\n"
          "hello\n[vfs] a kernel line in between\n[not-kernel] user text\n"
          "no newline at end[init] osc-run exit 3\n[process] PID 1 exited\n")
WANT = "hello\n[not-kernel] user text\nno newline at end"

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS %s" % name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def filtered(chunks, raw=False):
    out = io.StringIO()
    f = osc_run.Filter(raw)
    for c in chunks:
        f.feed(c, out)
        if f.status is not None:
            break
    return out.getvalue(), f.status


out, status = filtered([SERIAL])
check("filter_whole_log", (out, status) == (WANT, 3), repr((out, status)))

bad = []
for size in (1, 2, 3, 7, 13):
    out, status = filtered([SERIAL[i:i + size] for i in range(0, len(SERIAL), size)])
    if (out, status) != (WANT, 3):
        bad.append((size, out, status))
check("filter_any_chunking", not bad, repr(bad[:1]))

out, status = filtered(["[init] osc-run start\npartial"])
check("filter_holds_partial_line_until_newline", (out, status) == ("", None), repr((out, status)))

out, status = filtered(["[kernel] x\n[init] osc-run exit 0\n"])
check("filter_ignores_exit_before_start", status is None, repr(status))

out, status = filtered([SERIAL], raw=True)
check("filter_raw_streams_everything", out.startswith("[kernel] OSCortex booting") and status == 3,
      repr(out[:40]))

with tempfile.TemporaryDirectory() as d:
    os.makedirs(os.path.join(d, "tree", "sub"))
    open(os.path.join(d, "tree", "sub", "f"), "w").close()
    open(os.path.join(d, "prog"), "w").close()
    os.chmod(os.path.join(d, "prog"), 0o755)
    try:
        lines = osc_run.build_manifest([d + "/tree:/opt/x/tree", d + "/prog:/bin/sh"])
        text = "\n".join(lines)
        ok = ("dir /opt 0755" in text and "dir /opt/x 0755" in text and
              "dir /opt/x/tree/sub" in text and "file /opt/x/tree/sub/f 0644" in text and
              "file /bin/sh 0755 %s/prog" % d in text and "slink /bin/sh " not in text)
        check("manifest_adds_parents_and_replaces_existing", ok, text[-300:])
    except SystemExit as e:
        check("manifest_adds_parents_and_replaces_existing", False, "exit %s" % e.code)

print("osc-run: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
