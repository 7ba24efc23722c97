#!/usr/bin/env python3
"""Boots an OSCortex ISO under QEMU with the machine every test uses, and watches it.

Serial output is streamed (to a log file, optionally to the terminal) and matched
against phase markers in order; a hard timeout and a no-output watchdog make sure a
run always ends; screendumps can be taken through QMP at a given moment (a marker
plus a delay) and are written as PNG. Records the time since QEMU start of the
first kernel line and of each marker, and QEMU's exit status.

Library:  from qemu_run import run, Shot;  r = run("build/oscortex.iso", markers=[...])
CLI:      tools/qemu_run.py ISO [--uefi] [--marker M ...] [--screendump MARKER:DELAY:OUT.png]
          tools/qemu_run.py --print-cmd ISO [--uefi --vars PATH]   (used by tools/run.sh)
Python 3 standard library only.
"""

import argparse
import codecs
import json
import os
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

QEMU = "qemu-system-x86_64"
# The machine: identical for tests, boot timing and `make run` (tools/run.sh).
# No NIC until the kernel has a network driver: q35's default e1000e makes OVMF load
# iPXE, ~0.7 s of every UEFI boot.
MACHINE_ARGS = ["-M", "q35", "-cpu", "max", "-m", "512M", "-smp", "1", "-no-reboot", "-nic", "none",
                "-vga", "std", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
FIRST_LINE = "[kernel] OSCortex booting"
PANIC = "KERNEL PANIC"

# isa-debug-exit: the kernel writes v, QEMU exits with (v << 1) | 1 (osc/arch.h).
EXIT_PASS, EXIT_FAIL, EXIT_PANIC = 33, 35, 37

OVMF_CODE_4M = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS_4M = "/usr/share/OVMF/OVMF_VARS_4M.fd"
OVMF_SINGLE = "/usr/share/ovmf/OVMF.fd"

# Terminal control sequences that firmware and GRUB put on the serial line (UEFI):
# CSI (ESC [ ... final byte), charset selection (ESC ( B), and two-byte escapes.
_ESC_RE = re.compile(r"\x1b\[[0-9;=?<>]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>78c]")
_ESC_INCOMPLETE_RE = re.compile(r"\x1b(\[[0-9;=?<>]*[ -/]*|[()])?$")


def die_with_parent():
    """preexec_fn for a QEMU started in a session of its own: the kernel sends it
    SIGKILL when the process that started it dies, so a harness killed by a
    watchdog (kill of its process group) does not leave QEMU running, orphaned,
    eating the CPU of every later test."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def smp_machine_args(cpus):
    """MACHINE_ARGS with `cpus` virtual CPUs instead of 1 (tests/qemu/smp.py, osc-run --smp)."""
    m = list(MACHINE_ARGS)
    m[m.index("-smp") + 1] = str(int(cpus))
    return m


def firmware_args(firmware, vars_path=None):
    """QEMU arguments selecting the firmware. For UEFI with the split 4M OVMF build
    the writable variable store must be a private copy (vars_path)."""
    if firmware == "bios":
        return []
    if firmware != "uefi":
        raise ValueError("firmware must be 'bios' or 'uefi', not %r" % firmware)
    if os.path.exists(OVMF_CODE_4M) and os.path.exists(OVMF_VARS_4M) and vars_path:
        return ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE_4M,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars_path]
    if os.path.exists(OVMF_SINGLE):
        return ["-bios", OVMF_SINGLE]
    raise FileNotFoundError("no OVMF firmware found (install the 'ovmf' package: tools/setup.sh)")


def make_vars_copy(directory):
    """Private copy of the OVMF variable store, or None if the split build is absent."""
    if not os.path.exists(OVMF_VARS_4M):
        return None
    path = os.path.join(directory, "OVMF_VARS_4M.fd")
    shutil.copyfile(OVMF_VARS_4M, path)
    return path


def base_command(iso, firmware="bios", vars_path=None, machine_args=None):
    """The QEMU command line without display, serial and monitor options.
    machine_args replaces MACHINE_ARGS (tools/bench.py: -smp 2 -m 1G for both kernels)."""
    machine = MACHINE_ARGS if machine_args is None else list(machine_args)
    return [QEMU] + machine + firmware_args(firmware, vars_path) + \
        ["-drive", "media=cdrom,if=ide,index=2,readonly=on,format=raw,file=" + os.path.abspath(iso)]


# ---------------------------------------------------------------------------------
# Images: PPM (what QEMU's screendump writes) in, PNG out.

class Image:
    """An RGB image: width, height, and rows of packed 8-bit RGB bytes."""

    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.rgb[i:i + 3])

    def write_png(self, path):
        write_png(path, self.width, self.height, self.rgb)


def read_ppm(path):
    """Reads a binary PPM (P6, maxval 255) as written by QEMU's screendump."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1    # exactly one whitespace byte before the raster
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError("%s: not a P6 PPM with maxval 255" % path)
    w, h = int(fields[1]), int(fields[2])
    rgb = data[pos:pos + w * h * 3]
    if len(rgb) != w * h * 3:
        raise ValueError("%s: truncated PPM raster" % path)
    return Image(w, h, rgb)


def write_png(path, width, height, rgb):
    """Minimal PNG encoder: 8-bit RGB, filter type 0 on every row, one IDAT."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + \
            struct.pack(">I", zlib.crc32(kind + payload) & 0xffffffff)
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    png = b"\x89PNG\r\n\x1a\n" + \
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


# ---------------------------------------------------------------------------------
# QMP: the JSON monitor, used for screendump.

class Qmp:
    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(5)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self._recv()                                  # greeting
        self.command("qmp_capabilities")

    def _recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._recv()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (name, reply["error"].get("desc")))
            return reply.get("return")

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------
# The run.

class Shot:
    """A screendump taken `delay` seconds after `after` (a marker substring; None
    means QEMU start) appears on the serial line, written to `path` (PNG)."""

    def __init__(self, after, delay, path):
        self.after, self.delay, self.path = after, delay, path
        self.due = None         # monotonic time at which to take it
        self.taken_at = None    # seconds since QEMU start
        self.image = None
        self.error = None


class Result:
    def __init__(self):
        self.status = None          # QEMU exit status; None if we stopped it
        self.ended = None           # "exit" | "timeout" | "watchdog" | "stopped" | "panic"
        self.reason = ""            # human-readable reason when not a clean exit
        self.log = ""               # serial output, escape sequences and CRs removed
        self.log_path = None
        self.first_line_time = None  # seconds from QEMU start to FIRST_LINE
        self.marker_times = {}      # marker -> seconds from QEMU start (in-order match)
        self.missing = []           # markers not seen (in order)
        self.shots = []
        self.duration = 0.0
        self.stderr = ""

    @property
    def all_markers(self):
        return not self.missing

    def last_line(self):
        lines = [l for l in self.log.splitlines() if l.strip()]
        return lines[-1].strip() if lines else "(no output)"

    def tail(self, n=15):
        return "\n".join(self.log.splitlines()[-n:])


class _Cleaner:
    """Turns the raw serial byte stream into text with terminal escapes and CRs
    removed, incrementally (a sequence may be split across reads)."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""

    def feed(self, data, final=False):
        text = self.pending + self.decoder.decode(data, final)
        self.pending = ""
        m = _ESC_INCOMPLETE_RE.search(text)
        if m and not final:
            self.pending, text = text[m.start():], text[:m.start()]
        return _ESC_RE.sub("", text).replace("\r", "")


def run(iso, firmware="bios", markers=(), timeout=60.0, watchdog=20.0,
        stop_after_markers=False, settle=0.0, stop_on_panic=True, panic_quiet=1.0,
        shots=(), log_path=None, echo=False, extra_args=(), first_line=FIRST_LINE,
        machine_args=None):
    """Boots `iso` and returns a Result.

    markers: substrings expected on the serial line in this order.
    stop_after_markers: stop QEMU once every marker was seen and every shot taken,
        after `settle` further seconds (to catch e.g. a panic right after).
    stop_on_panic: once KERNEL PANIC appears, stop when the output has been quiet
        for `panic_quiet` s (a non-test kernel halts after a panic; a test-mode one
        exits by itself first, and then its status is kept).
    timeout: hard limit on the whole run; watchdog: longest silence on the serial
        line while we still wait for something.
    machine_args: the machine instead of MACHINE_ARGS (see base_command).
    """
    res = Result()
    res.log_path = log_path
    shots = list(shots)
    res.shots = shots
    markers = list(markers)
    tmp = tempfile.mkdtemp(prefix="oscortex-qemu-")
    qmp_path = os.path.join(tmp, "qmp.sock")
    vars_path = make_vars_copy(tmp) if firmware == "uefi" else None
    cmd = base_command(iso, firmware, vars_path, machine_args) + [
        "-display", "none",
        "-chardev", "stdio,id=serial0,signal=off", "-serial", "chardev:serial0",
        "-qmp", "unix:%s,server=on,wait=off" % qmp_path,
    ] + list(extra_args)

    logf = open(log_path, "wb") if log_path else None
    stderr_path = os.path.join(tmp, "stderr")
    errf = open(stderr_path, "wb")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=errf, start_new_session=True, preexec_fn=die_with_parent)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    cleaner = _Cleaner()
    qmp = None
    text = ""
    cursor = 0              # where the next marker search starts in `text`
    next_marker = 0
    last_output = start
    panic_seen = False
    done_at = None          # monotonic time at which a successful stop is due
    eof = False

    def now():
        return time.monotonic() - start

    def check_text():
        nonlocal cursor, next_marker, panic_seen
        t = now()
        if res.first_line_time is None and first_line in text:
            res.first_line_time = t
        while next_marker < len(markers):
            pos = text.find(markers[next_marker], cursor)
            if pos < 0:
                break
            res.marker_times[markers[next_marker]] = t
            cursor = pos + len(markers[next_marker])
            next_marker += 1
        for s in shots:
            if s.due is None and s.after is not None and s.after in text:
                s.due = time.monotonic() + s.delay
        if PANIC in text:
            panic_seen = True

    for s in shots:
        if s.after is None:
            s.due = start + s.delay

    try:
        while True:
            mono = time.monotonic()
            # Screendumps that are due.
            for s in shots:
                if s.due is not None and s.taken_at is None and s.error is None and mono >= s.due:
                    try:
                        if qmp is None:
                            qmp = Qmp(qmp_path, 5)
                        ppm = os.path.join(tmp, "shot.ppm")
                        s.taken_at = now()
                        qmp.command("screendump", filename=ppm)
                        s.image = read_ppm(ppm)
                        if s.path:
                            os.makedirs(os.path.dirname(os.path.abspath(s.path)), exist_ok=True)
                            s.image.write_png(s.path)
                    except Exception as e:  # noqa: BLE001 - reported, not fatal
                        s.error = "screendump failed: %s" % e
            shots_done = all(s.taken_at is not None or s.error is not None for s in shots)
            if stop_after_markers and done_at is None and next_marker == len(markers) and shots_done:
                done_at = time.monotonic() + settle

            if eof:
                try:
                    res.status = proc.wait(timeout=max(0.1, timeout - now()))
                    res.ended = "exit"
                except subprocess.TimeoutExpired:
                    res.ended, res.reason = "timeout", "timeout: QEMU still running after %.0fs" % timeout
                break
            if now() >= timeout:
                res.ended = "timeout"
                res.reason = "timeout: run exceeded %.0fs, last line: %s" % (timeout, _last(text))
                break
            if done_at is not None and mono >= done_at:
                res.ended = "stopped"
                break
            # Screendumps already scheduled are still taken after a panic: the
            # screen says what the kernel got to draw.
            waiting_for_shot = any(s.due is not None and s.taken_at is None and s.error is None
                                   for s in shots)
            if panic_seen and stop_on_panic and mono - last_output >= panic_quiet \
                    and not waiting_for_shot:
                res.ended = "panic"
                res.reason = "kernel panic"
                break
            if mono - last_output >= watchdog and done_at is None and not waiting_for_shot:
                res.ended = "watchdog"
                res.reason = "watchdog: no output for %.0fs, last line: %s" % (watchdog, _last(text))
                break

            wake = [start + timeout, last_output + watchdog]
            if done_at is not None:
                wake.append(done_at)
            if panic_seen and stop_on_panic:
                wake.append(last_output + panic_quiet)
            wake += [s.due for s in shots if s.due is not None and s.taken_at is None and s.error is None]
            wait = max(0.0, min(wake) - time.monotonic())
            for _key, _ev in sel.select(timeout=min(wait, 1.0)):
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    eof = True
                    text += cleaner.feed(b"", final=True)
                    check_text()
                    break
                last_output = time.monotonic()
                if logf:
                    logf.write(data)
                    logf.flush()
                if echo:
                    sys.stdout.buffer.write(data)
                    sys.stdout.flush()
                text += cleaner.feed(data)
                check_text()
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if res.status is None and res.ended == "exit":
            res.status = proc.returncode
        if qmp:
            qmp.close()
        sel.close()
        proc.stdout.close()
        errf.close()
        if logf:
            logf.close()
        with open(stderr_path, "rb") as f:
            res.stderr = f.read().decode("utf-8", "replace")
        shutil.rmtree(tmp, ignore_errors=True)

    res.duration = now()
    res.log = text
    res.missing = markers[next_marker:]
    for s in shots:
        if s.taken_at is None and s.error is None:
            s.error = "screendump not taken (%s)" % (
                "marker %r never appeared" % s.after if s.due is None else "run ended first")
    if res.ended == "exit" and res.status not in (EXIT_PASS, EXIT_FAIL, EXIT_PANIC) and not res.reason:
        res.reason = "QEMU exited with status %s" % res.status
        if res.stderr.strip():
            res.reason += ": " + res.stderr.strip().splitlines()[-1]
    return res


def _last(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no output)"


def read_markers(path):
    """Phase markers file: one marker per line; blank lines and '#' comments ignored."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                out.append(line.strip())
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("iso")
    ap.add_argument("--uefi", action="store_true", help="boot with OVMF instead of SeaBIOS")
    ap.add_argument("--print-cmd", action="store_true",
                    help="print the base QEMU command (one argument per line) and exit")
    ap.add_argument("--vars", help="with --print-cmd --uefi: path of a writable OVMF_VARS copy")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--watchdog", type=float, default=20)
    ap.add_argument("--marker", action="append", default=[], help="expected marker (repeatable, in order)")
    ap.add_argument("--markers-file", help="file of markers, one per line")
    ap.add_argument("--stop-after-markers", action="store_true",
                    help="stop QEMU once all markers are seen (and screendumps taken)")
    ap.add_argument("--settle", type=float, default=0.0)
    ap.add_argument("--screendump", action="append", default=[], metavar="MARKER:DELAY:OUT.png",
                    help="screendump DELAY s after MARKER (empty MARKER: after QEMU start)")
    ap.add_argument("--log", help="write the raw serial output here")
    ap.add_argument("--no-stop-on-panic", action="store_true",
                    help="keep running after KERNEL PANIC (until exit, timeout or watchdog)")
    ap.add_argument("--quiet", action="store_true", help="do not echo serial output")
    ap.add_argument("--smp", type=int, default=1, help="virtual CPUs (default 1)")
    args = ap.parse_args(argv)
    firmware = "uefi" if args.uefi else "bios"

    if args.print_cmd:
        for a in base_command(args.iso, firmware, args.vars):
            print(a)
        return 0

    markers = list(args.marker)
    if args.markers_file:
        markers += read_markers(args.markers_file)
    shots = []
    for spec in args.screendump:
        marker, delay, path = spec.rsplit(":", 2)
        shots.append(Shot(marker or None, float(delay), path))
    r = run(args.iso, firmware, markers, timeout=args.timeout, watchdog=args.watchdog,
            stop_after_markers=args.stop_after_markers, settle=args.settle,
            shots=shots, log_path=args.log, echo=not args.quiet,
            stop_on_panic=not args.no_stop_on_panic, machine_args=smp_machine_args(args.smp))
    print("\n--- qemu_run: %s after %.2fs, status %s%s" % (
        r.ended, r.duration, r.status, (" (" + r.reason + ")") if r.reason else ""))
    if r.first_line_time is not None:
        print("first kernel line at %.3fs" % r.first_line_time)
    for m in markers:
        if m in r.marker_times:
            print("marker %-30r at %.3fs" % (m, r.marker_times[m]))
        else:
            print("marker %-30r MISSING" % m)
    for s in shots:
        print("screendump %s: %s" % (s.path, s.error or "taken at %.2fs (%dx%d)" % (
            s.taken_at, s.image.width, s.image.height)))
    if r.ended == "exit":
        return r.status
    return {"timeout": 124, "watchdog": 125, "panic": 126}.get(r.ended, 0 if r.all_markers else 1)


if __name__ == "__main__":
    sys.exit(main())
