#!/usr/bin/env python3
"""Interactive busybox sh over the serial line (kernel command line "tty.shell"):
the prompt appears, "echo hi" runs, a line edited with backspace runs as edited.
Usage: tty_shell.py ISO. ^C is not checked yet (it needs kill/getpgrp from the
signals and fork branches; see the tty merge notes)."""
import os, socket, subprocess, sys, time

iso = sys.argv[1]
sock = "/tmp/osc-tty-shell-%d.sock" % os.getpid()
q = subprocess.Popen(["timeout", "-s", "KILL", "60", "qemu-system-x86_64", "-m", "256",
                      "-cdrom", iso, "-display", "none", "-no-reboot",
                      "-serial", "unix:%s,server,nowait" % sock])
s = None
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        break
    except OSError:
        s = None
        time.sleep(0.1)
buf = b""
failed = 0


def expect(pat, t=20):
    global buf
    end = time.time() + t
    s.settimeout(0.2)
    while time.time() < end:
        if pat in buf:
            return True
        try:
            buf += s.recv(4096)
        except socket.timeout:
            pass
    return False


def check(name, ok):
    global failed
    print(("PASS " if ok else "FAIL ") + name)
    failed += not ok


try:
    check("tty_shell_prompt", s is not None and expect(b"osc# "))
    s.send(b"echo hi\r")
    check("tty_shell_echo_hi", expect(b"\r\nhi\r\n"))
    s.send(b"echo abX\x7fc\r")
    check("tty_shell_backspace_edits_line", expect(b"\r\nabc\r\n"))
finally:
    q.terminate()
    q.wait()
    if os.path.exists(sock):
        os.unlink(sock)
sys.exit(1 if failed else 0)
