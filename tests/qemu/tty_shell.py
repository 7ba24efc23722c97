#!/usr/bin/env python3
"""Interactive busybox sh over the serial line, as a user gets it from a normal boot
(/sbin/init starts /bin/sh on the console): the prompt appears, "echo hi" runs, a
line edited with backspace runs as edited, and ^C interrupts a foreground
"sleep 10" (SIGINT to the terminal's foreground process group) so that the next
command runs at once. Usage: tty_shell.py ISO."""
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
    check("tty_shell_prompt", s is not None and expect(b"# "))
    s.send(b"echo hi\r")
    check("tty_shell_echo_hi", expect(b"\r\nhi\r\n"))
    s.send(b"echo abX\x7fc\r")
    check("tty_shell_backspace_edits_line", expect(b"\r\nabc\r\n"))
    s.send(b"sleep 10\r")
    time.sleep(1.5)
    s.send(b"\x03")
    s.send(b"echo after\r")
    # Well under the 10 s sleep: only a working ^C lets "echo after" run this soon.
    check("tty_shell_ctrl_c_interrupts_foreground_job", expect(b"\r\nafter\r\n", 5))
finally:
    q.terminate()
    q.wait()
    if os.path.exists(sock):
        os.unlink(sock)
sys.exit(1 if failed else 0)
