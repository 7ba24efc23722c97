#!/usr/bin/env python3
"""Deliberate kernel faults (`fault=KIND` on the command line, test-only): the kernel
must print KERNEL PANIC with a register dump and a symbolised backtrace, and exit
QEMU with status 37 (EXIT_PANIC) — not hang, not reboot.

usage: fault.py KIND [ISO]        test: fault_KIND"""

import os
import re
import sys

from common import ISO_DIR, RESULTS, Reporter, qemu_run, run_problem

# What the panic must name for each injected fault (case-insensitive regex).
KINDS = {
    "page": r"page fault|#PF",
    "df": r"double fault|#DF",
    "ud": r"invalid opcode|#UD",
    "gp": r"general protection|#GP",
    "de": r"divide error|#DE",
    "spin": r"spinlock at 0x[0-9a-f]+ \(rank 1\) still taken",
    "stack": r"stack protector: a kernel stack frame was overwritten \(thread 'kmain'\)",
    "kstack": r"kernel stack overflow in thread 'kstack-overflow' \(guard page",
}
# Exceptions print a register dump; a panic from C (the spinlock watchdog) does not.
REGISTERS = {"spin": (), "stack": ()}
DEFAULT_REGISTERS = ("RIP", "CR2")
# The spinlock watchdog fires after 20 s of silence by design.
WATCHDOG = {"spin": 45}
# A symbolised backtrace frame: "... at 0xffffffff80201234 kmain+0x1c"
FRAME = re.compile(r" at 0x[0-9a-fA-F]+ [A-Za-z_.$][\w.$]*\+0x[0-9a-fA-F]+")


def main():
    kind = sys.argv[1]
    iso = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ISO_DIR, "fault-%s.iso" % kind)
    rep = Reporter()
    r = qemu_run.run(iso, "bios", timeout=90, watchdog=WATCHDOG.get(kind, 20), stop_on_panic=True,
                     panic_quiet=3.0, log_path=os.path.join(RESULTS, "fault_%s.log" % kind))
    problems = []
    panic_at = r.log.find(qemu_run.PANIC)
    after = r.log[panic_at:] if panic_at >= 0 else ""
    if panic_at < 0:
        problems.append("no KERNEL PANIC")
    else:
        if not re.search(KINDS[kind], r.log, re.IGNORECASE):
            problems.append("panic does not name the fault (/%s/)" % KINDS[kind])
        missing = [reg for reg in REGISTERS.get(kind, DEFAULT_REGISTERS) if reg not in r.log]
        if missing:
            problems.append("no register dump (%s missing)" % ", ".join(missing))
        if not FRAME.search(after):
            problems.append("no symbolised backtrace line (' at 0x... name+0x...')")
    if run_problem(r):
        problems.append(run_problem(r))
    elif r.ended == "panic":
        problems.append("panicked but QEMU did not exit (want status %d)" % qemu_run.EXIT_PANIC)
    elif r.status != qemu_run.EXIT_PANIC:
        problems.append("QEMU status %s, want %d" % (r.status, qemu_run.EXIT_PANIC))
    rep.check("fault_%s" % kind, not problems, "; ".join(problems), r.tail(25) if problems else None)
    rep.exit()


if __name__ == "__main__":
    main()
