#!/usr/bin/env python3
"""Leaving OSCortex as a user does: `poweroff` typed in the serial shell makes init
announce the shutdown and the kernel power the machine off through ACPI S5, so QEMU
exits by itself with status 0; `reboot -f` makes the kernel reset the machine,
which with -no-reboot also ends QEMU. The two are told apart by the kernel's
"power off" / "restart" lines. Usage: poweroff.py [ISO] [--firmware bios|uefi]."""
import argparse, os, socket, subprocess, sys, tempfile, time

from common import ROOT, connect_serial, start_vm, stop_vm
import qemu_run

ap = argparse.ArgumentParser()
ap.add_argument("iso", nargs="?", default=os.path.join(ROOT, "build", "oscortex.iso"))
ap.add_argument("--firmware", default="bios", choices=["bios", "uefi"])
opts = ap.parse_args()
failed = 0
BOOT_TIMEOUT = 40       # to the shell prompt (TCG, UEFI is slower)
EXIT_TIMEOUT = 15       # from the command to QEMU gone


def check(name, ok, log=b""):
    global failed
    print(("PASS " if ok else "FAIL ") + name)
    if not ok:
        for line in log.decode("utf-8", "replace").splitlines()[-15:]:
            print("    " + line)
    failed += not ok


def boot_and_type(command):
    """Boots, waits for the shell and the text console, types command. Returns
    (QEMU's exit status or None if it had to be killed, serial output)."""
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "serial.sock")
        vars_path = qemu_run.make_vars_copy(tmp) if opts.firmware == "uefi" else None
        cmd = ["timeout", "-s", "KILL", str(BOOT_TIMEOUT + EXIT_TIMEOUT + 5)] + \
            qemu_run.base_command(opts.iso, opts.firmware, vars_path) + \
            ["-display", "none", "-serial", "unix:%s,server,nowait" % sock]
        q = start_vm(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        buf = b""
        try:
            s = connect_serial(sock)
            if s is None:
                return None, b"(no serial socket)"
            s.settimeout(0.2)
            end = time.time() + BOOT_TIMEOUT
            while time.time() < end and not (b"[fb] text console" in buf and b"# " in buf):
                try:
                    buf += s.recv(4096)
                except socket.timeout:
                    pass
            if b"# " not in buf:
                return None, buf
            time.sleep(0.3)     # the serial shell's prompt may precede its tty set-up
            s.send(command + b"\r")
            end = time.time() + EXIT_TIMEOUT
            while time.time() < end and q.poll() is None:
                try:
                    got = s.recv(4096)
                    if not got:
                        time.sleep(0.05)
                    buf += got
                except socket.timeout:
                    pass
                except OSError:
                    break
            try:
                q.wait(timeout=max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                pass
            return q.poll(), buf
        finally:
            stop_vm(q)


status, log = boot_and_type(b"poweroff")
check("poweroff_init_announces_shutdown",
      b"[init] the system is going down (power off)" in log, log)
check("poweroff_kernel_powers_off", b"[kernel] power off" in log, log)
check("poweroff_qemu_exits_with_status_0", status == 0, log + b"\n(QEMU status %r)" % status)

status, log = boot_and_type(b"reboot -f")
check("reboot_f_kernel_restarts", b"[kernel] restart" in log and b"[kernel] power off" not in log
      and b"going down" not in log, log)
check("reboot_f_qemu_exits_on_reset", status == 0, log + b"\n(QEMU status %r)" % status)
sys.exit(1 if failed else 0)
