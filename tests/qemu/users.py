#!/usr/bin/env python3
"""Users and permissions end to end: the rootfs's owners and modes (/etc/shadow
0600, /tmp 1777, /home/user 1000's), busybox su between root and the normal user
(with the default passwords of docs/security.md checked against /etc/shadow), a
user refused root's files, and busybox login and passwd on the serial console.
su and passwd are called by path: busybox's shell runs an applet named without a
path from /proc/self/exe, the plain /bin/busybox, not the set-user-ID copy.
One tools/osc-run boot (~5 s) and one interactive boot of ISO (~10 s); with
DESKTOP_ISO (an image booted with `osc.desktop`), one more boot checks that init
starts the desktop session as the normal user: the shell's log line and the
desktop process's ids in /proc.

usage: users.py ISO [DESKTOP_ISO]     tests: users_rootfs_modes, users_su_root_to_user,
    users_user_cannot_read_shadow, users_user_cannot_write_etc,
    users_su_user_to_root_with_password, users_su_wrong_password_refused,
    users_login_on_serial_console, users_passwd_changes_password,
    users_desktop_session_is_the_user"""

import os
import socket
import subprocess
import sys
import time

from common import ROOT, Reporter, connect_serial, start_vm, stop_vm

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")

SCRIPT = r"""
stat -c 'MODE %a %u %g %n' / /tmp /etc/shadow /etc/passwd /home/user /root /bin/busybox-suid
echo "SU1 $(su user -c id)"
su user -c 'cat /etc/shadow' >/dev/null 2>&1; echo "SHADOW $?"
su user -c 'echo x >> /etc/passwd' 2>/dev/null; echo "ETC $? $(grep -c x$ /etc/passwd)"
echo "SU2 $(echo root | su user -c '/bin/su -c id root' 2>&1 | tr '\n' ' ')"
echo "SU3 $( (echo wrong | su user -c '/bin/su -c id root' 2>&1; echo status=$?) | tr '\n' ' ')"
"""


def osc_run(script, timeout=200):
    r = subprocess.run([OSC_RUN, "--timeout", str(timeout), "--", script],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 120)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def lines_with(out, tag):
    return [l[len(tag) + 1:] for l in out.splitlines() if l.startswith(tag + " ")]


class Serial:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.mark = 0

    def send(self, data):
        self.mark = len(self.buf)
        self.s.send(data)

    def expect(self, pat, t=20):
        end = time.time() + t
        self.s.settimeout(0.2)
        while time.time() < end:
            if pat in self.buf[self.mark:]:
                return True
            try:
                self.buf += self.s.recv(4096)
            except socket.timeout:
                pass
        return False


# 256 MiB although the test ISO's initramfs carries every test program (~125 MiB
# in tmpfs): the kernel frees the archive once unpacked (it held that much twice).
def boot(iso, mem="256"):
    sock = "/tmp/osc-users-%d.sock" % os.getpid()
    q = start_vm(["timeout", "-s", "KILL", "90", "qemu-system-x86_64", "-m", mem,
                  "-cdrom", iso, "-display", "none", "-no-reboot",
                  "-serial", "unix:%s,server,nowait" % sock])
    return q, sock, connect_serial(sock)


def finish(q, sock, s):
    if s:
        s.close()
    stop_vm(q)
    try:
        os.unlink(sock)
    except OSError:
        pass


def desktop_session(rep, iso):
    q, sock, s = boot(iso, "512")
    try:
        c = Serial(s)
        # The whole line, not just its head: serial delivers it in pieces.
        ok = s is not None and c.expect(b"[shell] desktop rendered", 60)
        ok = ok and c.expect(b"uid 1000)", 10)
        c.expect(b"# ", 10)
        c.send(b"grep -E '^(Uid|Gid):' /proc/$(pidof desktop)/status | tr '\\t' ' '\r")
        ok = ok and c.expect(b"Uid: 1000 1000 1000 1000") and c.expect(b"Gid: 1000 1000 1000 1000")
        rep.check("users_desktop_session_is_the_user", ok, "transcript %r" % c.buf[-500:])
    finally:
        finish(q, sock, s)


def console(rep, iso):
    q, sock, s = boot(iso)
    try:
        c = Serial(s)
        ok = s is not None and c.expect(b"# ", 60)
        c.send(b"login\r")
        ok = ok and c.expect(b"login: ")
        c.send(b"user\r")
        ok = ok and c.expect(b"Password: ")
        c.send(b"user\r")
        ok = ok and c.expect(b"$ ")
        c.send(b"id; pwd\r")
        ok = ok and c.expect(b"uid=1000(user) gid=1000(user)") and c.expect(b"/home/user")
        rep.check("users_login_on_serial_console", ok, "transcript %r" % c.buf[-400:])
        # passwd as the user: old password, the new one twice; then su with it.
        c.send(b"/usr/bin/passwd\r")
        ok = c.expect(b"Old password: ")
        c.send(b"user\r")
        ok = ok and c.expect(b"New password: ")
        c.send(b"n3w-Secret.9\r")
        ok = ok and c.expect(b"Retype password: ")
        c.send(b"n3w-Secret.9\r")
        ok = ok and c.expect(b"changed")
        c.send(b"echo n3w-Secret.9 | /bin/su -c 'echo via=$(whoami)' user\r")
        ok = ok and c.expect(b"via=user")
        rep.check("users_passwd_changes_password", ok, "transcript %r" % c.buf[-600:])
    finally:
        finish(q, sock, s)


def main():
    rep = Reporter()
    status, out, err = osc_run(SCRIPT)
    modes = sorted(lines_with(out, "MODE"))
    want = sorted(["755 0 0 /", "1777 0 0 /tmp", "600 0 0 /etc/shadow", "644 0 0 /etc/passwd",
                   "700 1000 1000 /home/user", "700 0 0 /root", "4755 0 0 /bin/busybox-suid"])
    rep.check("users_rootfs_modes", modes == want, "got %r" % modes, err if status else None)
    rep.check("users_su_root_to_user",
              lines_with(out, "SU1") == ["uid=1000(user) gid=1000(user) groups=1000(user)"],
              "got %r" % lines_with(out, "SU1"))
    rep.check("users_user_cannot_read_shadow", lines_with(out, "SHADOW") == ["1"],
              "got %r" % lines_with(out, "SHADOW"))
    rep.check("users_user_cannot_write_etc", lines_with(out, "ETC") == ["1 0"],
              "got %r" % lines_with(out, "ETC"))
    su2 = " ".join(lines_with(out, "SU2"))
    rep.check("users_su_user_to_root_with_password", "uid=0(root)" in su2, "got %r" % su2)
    su3 = " ".join(lines_with(out, "SU3"))
    rep.check("users_su_wrong_password_refused", "uid=0" not in su3 and "status=0" not in su3,
              "got %r" % su3)
    if len(sys.argv) > 1:
        console(rep, sys.argv[1])
    if len(sys.argv) > 2:
        desktop_session(rep, sys.argv[2])
    rep.exit()


if __name__ == "__main__":
    main()
