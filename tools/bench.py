#!/usr/bin/env python3
"""`make bench`: the same static benchmark (user/bench/bench.c) in OSCortex and in
Debian's Linux kernel, booted the same way (GRUB from an ISO) on the same QEMU
machine, in alternating rounds (OSCortex, Linux, OSCortex, Linux, ...). Reports the
median and min-max of each figure per system and the ratio OSCortex / Linux
(every figure is "lower is better": a ratio above 1 means OSCortex is slower).

Outputs: a table on stdout, build/bench/results.json (every raw number), and
build/bench/ratios.png (gnuplot bar chart of the ratios; tools/setup.sh --bench).
The OSCortex image is the one tools/osc-run builds (its make_image(): the standard
initramfs plus /bin/bench and /bin/nop, kernel command line splash=0 osc.run=<hex>); the
Linux image is built here: Debian's linux-image-amd64 kernel (downloaded with
apt-get download, unpacked under build/bench/linux/, the host's /boot untouched)
and a busybox initramfs whose /init mounts proc, sys, devtmpfs and tmpfs, prints
"[init] bench init", runs the benchmark and powers off.

Boot time is QEMU start -> the first "[init] " line on the serial port, i.e. the
first line the init program prints, on both systems.

Storage: both machines get a virtio-blk disk, each boot its own fresh copy of one
ext2 image made here with Debian's mke2fs (256 MiB, 4 KiB blocks,
build/bench/storage.img); the benchmark's "storage" group mounts it read-write.
Debian's kernel has virtio-pci, virtio-blk and ext4 (which mounts ext2) as modules:
they and their dependencies (the .modinfo "depends=" of each) are unpacked from the
same linux-image package into build/bench/linux/modules-<version>/ and the Linux
init insmods them before the benchmark.

usage: tools/bench.py [--quick] [--rounds N] [--smp LIST] [--linux-only]
  --quick       one round, small counts: proves every figure is produced on both
                systems (make test's smoke test); never judges the numbers.
  --smp LIST    the CPU counts to run both kernels at, one table column group each
                (default "2,1"; "2" with --quick, to stay quick). Every round boots
                each system at each count, alternating.
  --only GROUPS run only these groups of user/bench/bench.c (e.g. "net": sockets
                and epoll, with "nic": TCP through a virtio-net NIC to a peer
                here); the table shows them and the boot time.
  --linux-only  measure only the Linux column (to check the harness); the table
                shows OSCortex as "not run" and no ratios are claimed.
Exit status: 0 when every figure was produced on every system run; 1 otherwise,
including when OSCortex cannot run the benchmark yet (no numbers are invented).
Python 3 standard library; gnuplot only for the chart.
"""

import argparse
import importlib.machinery
import importlib.util
import json
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402

BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
LINUX_DIR = os.path.join(OUT, "linux")
BENCH_BIN = os.path.join(BUILD, "user", "bench", "bench")
NOP_BIN = os.path.join(BUILD, "user", "bench", "nop")
OSC_RUN = os.path.join(ROOT, "tools", "osc-run")

# The one machine both kernels run on: TCG (no -accel given, and no KVM here),
# 2 CPUs (or --smp's count, the same for both kernels), 1 GiB, BIOS (SeaBIOS) ->
# GRUB from the ISO.
MACHINE = ["-M", "q35", "-cpu", "max", "-smp", "2", "-m", "1G", "-no-reboot", "-nic", "none",
           "-vga", "std", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def machine(cpus):
    m = list(MACHINE)
    m[m.index("-smp") + 1] = str(int(cpus))
    return m + NIC_ARGS


# The "net" group's NIC: virtio-net on QEMU's user network for both kernels (the
# -nic shorthand gives OSCortex a device whose MSI-X allocation fails), the
# guest's port 5001 forwarded from a host port, and the host's peer for
# user/bench/bench_nic.c at 10.0.2.2:PORT. Set up by main() when the group runs.
NIC_ARGS = []
EXTRA_ARGS = []                   # bench.c arguments after the groups (--peer=PORT)


class NicPeer:
    """The host's end of bench_nic.c: one line per connection, "SINK" (read to
    the end, answer "OK <bytes>"), "SOURCE <n>" (send n bytes, close), "ACCEPTS
    <n>" (connect n times, one after the other, to the guest's forwarded port,
    each until the guest closes; then "DONE")."""

    def __init__(self):
        import socketserver
        import threading
        self.fwd = free_port()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                line = b""         # byte by byte: what follows is the guest's data
                while not line.endswith(b"\n") and len(line) < 100:
                    c = self.request.recv(1)
                    if not c:
                        return
                    line += c
                words = line.split()
                if words == [b"SINK"]:
                    n = 0
                    while True:
                        data = self.request.recv(1 << 16)
                        if not data:
                            break
                        n += len(data)
                    self.request.sendall(b"OK %d\n" % n)
                elif len(words) == 2 and words[0] == b"SOURCE":
                    left, chunk = int(words[1]), bytes(1 << 16)
                    while left > 0:
                        k = min(left, len(chunk))
                        self.request.sendall(chunk[:k])
                        left -= k
                elif len(words) == 2 and words[0] == b"ACCEPTS":
                    for _ in range(int(words[1])):
                        with socket.create_connection(("127.0.0.1", outer.fwd), timeout=30) as c:
                            while c.recv(64):
                                pass
                    self.request.sendall(b"DONE\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        socketserver.ThreadingTCPServer.daemon_threads = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
BOOT_MARKER = "[init] "          # the first line of either init program
END_MARKER = "BENCH_END"
LINUX_CMDLINE = "console=ttyS0 quiet panic=-1"
RUN_TIMEOUT = {"full": 900.0, "quick": 180.0}
BOOT_LIMIT = 60.0                 # QEMU start -> BENCH_START (OSCortex boots in ~1.5 s, Linux ~8 s)
FIGURE_LIMIT = {"full": 240.0, "quick": 60.0}   # longest time without a new BENCH line

# Figures in table order: (key, description, unit). boot_ms is measured here, the
# rest are the "BENCH key value unit" lines of user/bench/bench.c.
FIGURES = [
    ("boot_ms", "boot: QEMU start -> first init line", "ms"),
    ("getpid_ns", "getpid", "ns"),
    ("clock_gettime_ns", "clock_gettime(CLOCK_MONOTONIC) (libc: vDSO)", "ns"),
    ("yield_pingpong_ns", "sched_yield ping-pong, 2 threads (round trip)", "ns"),
    ("pipe_rtt_ns", "pipe round trip, 2 processes", "ns"),
    ("fork_exit_wait_us", "fork + exit + wait", "us"),
    ("fork_exec_wait_us", "fork + execve (static) + wait", "us"),
    ("mmap_touch_1mib_us", "mmap 1 MiB + touch pages + munmap", "us"),
    ("futex_wake_ns", "futex wake-to-run latency", "ns"),
    ("tmpfs_write_us_per_mib", "tmpfs sequential write, 64 MiB file (4 quick), per MiB", "us"),
    ("tmpfs_read_us_per_mib", "tmpfs sequential read, same file, per MiB", "us"),
    ("memcpy_frame_us", "memcpy 1024x768x4 frame", "us"),
    # The parallel figures: the same work by 1 worker and split over N = online CPUs;
    # _ratio is N-time / 1-time (1/N = perfect speed-up, 1 = none).
    ("par_procs_1_ms", "CPU-bound work, 1 process", "ms"),
    ("par_procs_n_ms", "same work split over N processes", "ms"),
    ("par_procs_ratio", "N processes / 1 process (time)", "x"),
    ("par_threads_1_ms", "CPU-bound work, 1 thread", "ms"),
    ("par_threads_n_ms", "same work split over N threads", "ms"),
    ("par_threads_ratio", "N threads / 1 thread (time)", "x"),
    ("files_par_1_us", "tmpfs open+read+close, 1 process, per op", "us"),
    ("files_par_n_us", "same ops split over N processes, own files, one dir, per op", "us"),
    ("files_par_ratio", "N processes / 1 process (time)", "x"),
    ("tcp_lo_rtt_ns", "TCP round trip over 127.0.0.1, 1 byte, 2 processes", "ns"),
    ("udp_lo_rtt_ns", "UDP round trip over 127.0.0.1, 1 byte, 2 processes", "ns"),
    ("tcp_lo_us_per_mib", "TCP over 127.0.0.1, 32 MiB stream (2 quick), per MiB", "us"),
    ("epoll_eventfd_rtt_ns", "eventfd ping-pong, 2 threads in epoll_wait (round trip)", "ns"),
    # The storage group: ext2 on a virtio-blk disk (user/bench/bench_storage.c).
    ("storage_seq_write_us_per_mib", "ext2 on virtio-blk: write 64 MiB (4 quick) + fsync, per MiB", "us"),
    ("storage_seq_read_us_per_mib", "ext2: read it back after drop_caches, per MiB", "us"),
    ("storage_rand_read_us", "ext2: random 4 KiB pread, 2000 (200 quick) after drop_caches", "us"),
    ("storage_create_us", "ext2: create + write 1 KiB + close, 1000 files (100 quick), per file", "us"),
    ("storage_unlink_us", "ext2: unlink those files, per file", "us"),
    ("storage_fsync_us", "ext2: append 4 KiB + fsync, median latency", "us"),
    # Through the NIC (virtio-net on QEMU's user network) to the host's peer (NicPeer).
    ("nic_tx_us_per_mib", "TCP guest -> host through virtio-net, 32 MiB (2 quick), per MiB", "us"),
    ("nic_rx_us_per_mib", "TCP host -> guest through virtio-net, 32 MiB (2 quick), per MiB", "us"),
    ("nic_accept_us", "connections from the host accepted, one at a time, per connection", "us"),
]
STORAGE_IMG = os.path.join(OUT, "storage.img")
STORAGE_MIB = 256
# Debian's kernel builds these as modules (linux_modules() adds what they depend
# on); ext4 mounts ext2 (CONFIG_EXT4_USE_FOR_EXT2) and wants a crc32c at mount;
# virtio_net is the "nic" group's NIC.
LINUX_MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4", "virtio_net"]
BENCH_LINE = re.compile(r"^BENCH (\S+) ([0-9.]+) (\S+)\s*$", re.M)
ERROR_LINE = re.compile(r"^BENCH_ERROR .*$", re.M)


class NotRunnable(Exception):
    """A system cannot run the benchmark (yet); the message says why."""


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def sh(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), r.stdout[-2000:]))
    return r.stdout


# ---------------------------------------------------------------------------------
# Linux image: Debian's kernel + busybox initramfs + GRUB ISO, cached in build/bench.

INIT_SCRIPT = """#!/bin/sh
# /init of the Linux side of make bench (tools/bench.py): the same figures as
# OSCortex's osc.run path, then power off.
echo "[init] bench init"
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in $(cat /etc/modules); do insmod /lib/modules/$m.ko || echo "[init] insmod $m failed"; done
/bin/bench $(cat /etc/bench.args)
echo "[init] bench exit $?"
poweroff -f
"""


def download_kernel_deb(tmp, pkg=None):
    """apt-get download of Debian's linux-image package (the current one of
    linux-image-amd64 unless pkg names it) into tmp; returns the .deb's name."""
    if pkg is None:
        deps = sh(["apt-cache", "depends", "linux-image-amd64"])
        m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)\s", deps)
        if not m:
            raise NotRunnable("apt-cache knows no linux-image-amd64 (run apt-get update)")
        pkg = m.group(1)
    # Kept once downloaded: the kernel and its modules are unpacked at different
    # times (the modules only when a group needs them), from the same package.
    cache = os.path.join(LINUX_DIR, "debs")
    os.makedirs(cache, exist_ok=True)
    hit = [f for f in os.listdir(cache) if f.startswith(pkg + "_") and f.endswith(".deb")]
    if hit:
        shutil.copy(os.path.join(cache, hit[0]), tmp)
        return hit[0]
    log("downloading %s (apt-get download; the host's /boot is left alone)" % pkg)
    sh(["apt-get", "download", pkg], cwd=tmp)
    deb = [f for f in os.listdir(tmp) if f.endswith(".deb")][0]
    shutil.copy(os.path.join(tmp, deb), cache)
    return deb


def linux_kernel():
    """Path of the unpacked vmlinuz of Debian's current linux-image-amd64."""
    os.makedirs(LINUX_DIR, exist_ok=True)
    have = sorted(f for f in os.listdir(LINUX_DIR) if f.startswith("vmlinuz-"))
    if have:
        return os.path.join(LINUX_DIR, have[-1])
    tmp = tempfile.mkdtemp(prefix="bench-deb-", dir=OUT)
    try:
        deb = download_kernel_deb(tmp)
        # Only the kernel image here: of the modules (hundreds of MiB) the storage
        # group needs a few, which linux_modules() unpacks.
        sh(["sh", "-c", "dpkg-deb --fsys-tarfile %s | tar -x --wildcards './boot/vmlinuz-*'" % deb],
           cwd=tmp)
        name = [f for f in os.listdir(os.path.join(tmp, "boot")) if f.startswith("vmlinuz-")][0]
        shutil.move(os.path.join(tmp, "boot", name), os.path.join(LINUX_DIR, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return os.path.join(LINUX_DIR, name)


def linux_modules():
    """The modules of LINUX_MODULES and their dependencies, in load order (a
    module after what it depends on): [(name, path)], unpacked once from the
    package of linux_kernel()'s version into LINUX_DIR/modules-<version>/."""
    version = os.path.basename(linux_kernel())[len("vmlinuz-"):]
    mdir = os.path.join(LINUX_DIR, "modules-" + version)
    order_file = os.path.join(mdir, "order")
    if not os.path.exists(order_file):
        tmp = tempfile.mkdtemp(prefix="bench-deb-", dir=OUT)
        try:
            deb = download_kernel_deb(tmp, "linux-image-" + version)
            paths = {}          # module name -> its path in the package
            for line in sh(["dpkg-deb", "-c", os.path.join(tmp, deb)]).splitlines():
                path = line.split()[-1]
                if path.endswith(".ko"):
                    paths[os.path.basename(path)[:-3].replace("-", "_")] = path
            os.makedirs(mdir, exist_ok=True)
            order, want, deps = [], list(LINUX_MODULES), {}
            while want:             # unpack what is wanted, read its depends=, repeat
                missing = [n for n in want if n not in paths]
                if missing:
                    raise NotRunnable("the kernel package has no module %s" % ", ".join(missing))
                sh(["sh", "-c", "dpkg-deb --fsys-tarfile %s | tar -x %s" % (
                    deb, " ".join(paths[n] for n in want))], cwd=tmp)
                new = []
                for n in want:
                    with open(os.path.join(tmp, paths[n]), "rb") as f:
                        m = re.search(rb"\0depends=([^\0]*)\0", f.read())
                    deps[n] = [d.replace("-", "_") for d in
                               (m.group(1).decode().split(",") if m and m.group(1) else [])]
                    shutil.copy(os.path.join(tmp, paths[n]), os.path.join(mdir, n + ".ko"))
                    new += [d for d in deps[n] if d not in deps and d not in new]
                want = new
            def visit(n):
                if n not in order:
                    for d in deps[n]:
                        visit(d)
                    order.append(n)
            for n in LINUX_MODULES:
                visit(n)
            with open(order_file, "w") as f:
                f.write("\n".join(order) + "\n")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    with open(order_file) as f:
        return [(n, os.path.join(mdir, n + ".ko")) for n in f.read().split()]


def storage_image():
    """build/bench/storage.img: the one ext2 image every boot gets a copy of."""
    if os.path.exists(STORAGE_IMG):
        os.unlink(STORAGE_IMG)
    mke2fs = shutil.which("mke2fs") or "/usr/sbin/mke2fs"
    sh([mke2fs, "-q", "-F", "-t", "ext2", "-b", "4096", STORAGE_IMG, "%dM" % STORAGE_MIB])


def linux_iso(mode):
    """Builds build/bench/linux-MODE.iso (GRUB: linux + initrd, grub-mkrescue)."""
    kernel = linux_kernel()
    busybox = shutil.which("busybox") or "/bin/busybox"
    stage = tempfile.mkdtemp(prefix="bench-linux-", dir=OUT)
    try:
        with open(os.path.join(stage, "init"), "w") as f:
            f.write(INIT_SCRIPT)
        with open(os.path.join(stage, "bench.args"), "w") as f:
            f.write(("--quick " if mode == "quick" else "") + " ".join(ONLY + EXTRA_ARGS) + "\n")
        lines = ["dir %s 0755" % d for d in ("/", "/bin", "/sbin", "/etc", "/usr", "/usr/bin",
                                             "/usr/sbin", "/proc", "/sys", "/dev", "/root")]
        lines += ["dir /tmp 1777",
                  "nod /dev/console 0600 c 5 1",     # init's stdio before devtmpfs
                  "nod /dev/null 0666 c 1 3",
                  "file /init 0755 %s" % os.path.join(stage, "init"),
                  "file /etc/bench.args 0644 %s" % os.path.join(stage, "bench.args"),
                  "file /bin/busybox 0755 %s" % busybox,
                  "file /bin/bench 0755 %s" % BENCH_BIN,
                  "file /bin/nop 0755 %s" % NOP_BIN]
        modules = linux_modules()
        with open(os.path.join(stage, "modules"), "w") as f:
            f.write("\n".join(n for n, _p in modules) + "\n")
        lines += ["dir /lib 0755", "dir /lib/modules 0755",
                  "file /etc/modules 0644 %s" % os.path.join(stage, "modules")]
        lines += ["file /lib/modules/%s.ko 0644 %s" % (n, p) for n, p in modules]
        for path in sh([busybox, "--list-full"]).split():
            if path not in ("bin/busybox", "linuxrc"):
                lines.append("slink /%s 0777 /bin/busybox" % path)
        manifest = os.path.join(stage, "manifest")
        with open(manifest, "w") as f:
            f.write("\n".join(lines) + "\n")
        iso_root = os.path.join(stage, "iso")
        os.makedirs(os.path.join(iso_root, "boot", "grub"))
        sh([sys.executable, os.path.join(ROOT, "tools", "mkinitramfs.py"), manifest,
            os.path.join(iso_root, "boot", "initramfs.cpio")], cwd=ROOT)
        shutil.copy(kernel, os.path.join(iso_root, "boot", "vmlinuz"))
        # As tools/mkiso.sh does for OSCortex, with linux/initrd for multiboot2/module2.
        with open(os.path.join(iso_root, "boot", "grub", "grub.cfg"), "w") as f:
            f.write("set timeout=0\nset default=0\ninsmod all_video\n"
                    "menuentry \"Linux (bench)\" {\n"
                    "    linux /boot/vmlinuz %s\n"
                    "    initrd /boot/initramfs.cpio\n"
                    "    boot\n}\n" % LINUX_CMDLINE)
        iso = os.path.join(OUT, "linux-%s.iso" % mode)
        sh(["grub-mkrescue", "-o", iso, iso_root])
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return iso


# ---------------------------------------------------------------------------------
# OSCortex image: exactly what tools/osc-run boots, built by its own make_image().

def load_osc_run():
    if not os.path.exists(OSC_RUN):
        raise NotRunnable("tools/osc-run is not in this tree yet (user processes have not landed)")
    loader = importlib.machinery.SourceFileLoader("osc_run", OSC_RUN)
    spec = importlib.util.spec_from_loader("osc_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    if not hasattr(mod, "make_image"):
        raise NotRunnable("tools/osc-run has no make_image() to build the image with")
    return mod


def oscortex_iso(mode):
    osc_run = load_osc_run()
    command = " ".join(["/bin/bench"] + (["--quick"] if mode == "quick" else []) + ONLY + EXTRA_ARGS)
    tmp = tempfile.mkdtemp(prefix="bench-osc-", dir=OUT)
    try:
        try:
            iso = osc_run.make_image(tmp, ["%s:/bin/bench" % BENCH_BIN, "%s:/bin/nop" % NOP_BIN],
                                     command)
        except SystemExit:
            raise NotRunnable("tools/osc-run could not build the image (see above)")
        out = os.path.join(OUT, "oscortex-%s.iso" % mode)
        shutil.move(iso, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------
# One run: boot, wait for BENCH_END, parse.

def boot_and_watch(iso, mode, log_path, cpus, disk):
    """Boots `iso` on MACHINE and follows the serial line until the benchmark ends
    (BENCH_END), init reports the command's exit, the kernel panics, QEMU exits, or
    a limit passes: BOOT_LIMIT to reach BENCH_START, FIGURE_LIMIT between figures
    (from QEMU start until the first),
    RUN_TIMEOUT in all. Returns (text, seconds to BOOT_MARKER or None, why it ended)."""
    cmd = qemu_run.base_command(iso, machine_args=machine(cpus)) + [
        "-drive", "file=%s,if=none,id=benchdisk,format=raw" % disk,
        "-device", "virtio-blk-pci,drive=benchdisk",
        "-display", "none", "-chardev", "stdio,id=s0,signal=off", "-serial", "chardev:s0"]
    cleaner = qemu_run._Cleaner()
    text, boot, ended = "", None, None
    start = time.monotonic()
    progress = start            # last BENCH line (or start)
    seen = 0                    # BENCH lines so far
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        with open(log_path, "wb") as logf:
            while ended is None:
                now = time.monotonic()
                if now - start > RUN_TIMEOUT[mode]:
                    ended = "timeout after %.0fs" % RUN_TIMEOUT[mode]
                elif "BENCH_START" not in text and now - start > BOOT_LIMIT:
                    ended = "the benchmark did not start within %.0fs" % BOOT_LIMIT
                elif now - progress > FIGURE_LIMIT[mode]:
                    ended = "no new figure for %.0fs" % FIGURE_LIMIT[mode]
                if ended:
                    break
                if not sel.select(timeout=0.2):
                    continue
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    proc.wait()
                    ended = "QEMU exited (status %s)" % proc.returncode
                    break
                logf.write(data)
                text += cleaner.feed(data)
                if boot is None and BOOT_MARKER in text:
                    boot = time.monotonic() - start
                n = text.count("\nBENCH")
                if n != seen:
                    seen, progress = n, time.monotonic()
                if END_MARKER in text:
                    ended = "end"
                elif "[init] osc-run exit" in text or "[init] bench exit" in text:
                    ended = "the benchmark exited early"
                elif qemu_run.PANIC in text:
                    time.sleep(1.0)     # let the register dump through
                    ended = "kernel panic"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        sel.close()
        proc.stdout.close()
        proc.stderr.close()
    return text, boot, ended


def run_once(system, iso, mode, round_no, cpus):
    path = os.path.join(OUT, "%s-smp%d-round%d.log" % (system, cpus, round_no))
    disk = os.path.join(OUT, "disk-%s.img" % system)     # a fresh copy per boot
    sh(["cp", "--sparse=always", STORAGE_IMG, disk])
    try:
        text, boot, ended = boot_and_watch(iso, mode, path, cpus, disk)
    finally:
        os.unlink(disk)
    figures = {}
    for key, value, _unit in BENCH_LINE.findall(text):
        figures[key] = float(value)
    if boot is not None:
        figures["boot_ms"] = boot * 1000.0
    m = re.search(r"^BENCH_INFO cpus (-?\d+)", text, re.M)
    info = {"cpus": int(m.group(1)) if m else None, "smp": cpus}
    m = re.search(r"^BENCH_INFO online (-?\d+)", text, re.M)
    info["online"] = int(m.group(1)) if m else None
    if system == "oscortex":
        info["osc_run_started"] = "[init] osc-run start" in text
    errors = ERROR_LINE.findall(text)
    missing = [k for k, _d, _u in FIGURES if k not in figures]
    if ONLY and len(figures) > 1:      # --only: the other groups print nothing
        missing = []
    problem = None
    if missing:
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        problem = "%s -smp %d round %d: %s; missing %s; last line: %s (log %s)" % (
            system, cpus, round_no, ended, ", ".join(missing), lines[-1] if lines else "(no output)",
            os.path.relpath(path, ROOT))
        if errors:
            problem += "; " + "; ".join(errors)
    return figures, info, problem


def summarize(samples):
    if not samples:
        return None
    return {"samples": samples, "median": statistics.median(samples),
            "min": min(samples), "max": max(samples)}


def fmt_value(s):
    if s is None:
        return "not run"
    def f(v):
        return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v
    if len(s["samples"]) == 1:
        return f(s["median"])
    return "%s (%s-%s)" % (f(s["median"]), f(s["min"]), f(s["max"]))


def table(results):
    """One column group (OSCortex, Linux, ratio) per CPU count."""
    smps = results["smp"]
    head = ["benchmark"]
    for c in smps:
        head += ["OSCortex -smp %d" % c, "Linux -smp %d" % c, "ratio"]
    rows = [tuple(head)]
    for key, desc, unit in FIGURES:
        row = ["%s [%s]" % (desc, unit)]
        for c in smps:
            fig = results["figures"][key]["smp"][str(c)]
            ratio = fig["ratio"]
            row += [fmt_value(fig["oscortex"]), fmt_value(fig["linux"]),
                    "%.2f" % ratio if ratio is not None else "-"]
        rows.append(tuple(row))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for n, r in enumerate(rows):
        out.append("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def chart(results, path):
    """Bar chart of the ratios with gnuplot; returns a reason string if not drawn."""
    pts = [(k, results["figures"][k]["ratio"]) for k, _d, _u in FIGURES
           if results["figures"][k]["ratio"] is not None]
    if not pts:
        return "no ratios to draw"
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return "gnuplot not installed (tools/setup.sh --bench)"
    data = path + ".dat"
    with open(data, "w") as f:
        for i, (k, v) in enumerate(pts):
            f.write("%d %s %.4f\n" % (i, k, v))
    values = [v for _k, v in pts] + [1.0]
    # Bars grow from 1 (parity) up (OSCortex slower) or down (faster); value labels
    # above rising bars, below falling ones. gnuplot 5.4 crashes on a labels plot
    # whose points are all undefined, so only the needed label plots are added.
    plots = ["'%s' using 1:3:($1-0.35):($1+0.35):($3<1?$3:1):($3>1?$3:1):xtic(2) "
             "with boxxyerror lc rgb '#3b7dd8'" % data]
    if any(v >= 1 for _k, v in pts):
        plots.append("'' using 1:($3>=1?$3:NaN):(sprintf('%.2f', $3)) with labels offset 0,0.8")
    if any(v < 1 for _k, v in pts):
        plots.append("'' using 1:($3<1?$3:NaN):(sprintf('%.2f', $3)) with labels offset 0,-0.8")
    script = "\n".join([
        "set terminal pngcairo size 1100,560 font 'DejaVu Sans,10'",
        "set output '%s'" % path,
        "set title 'OSCortex / Linux, same QEMU machine at -smp %d for both (median of %d "
        "alternating rounds; above 1 = OSCortex slower)'" % (results["smp"][0], results["rounds"]),
        "set termoption noenhanced",
        "set style fill solid 0.8 border -1",
        "set logscale y 10",
        "set grid ytics",
        "set ylabel 'ratio (log scale)'",
        "set xtics rotate by -35 left",
        "set key off",
        "set yrange [%g:%g]" % (min(values) / 2, max(values) * 2),
        "set xrange [-0.6:%.1f]" % (len(pts) - 0.4),
        "set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb 'black'",
        "plot " + ", ".join(plots), ""])
    r = subprocess.run([gnuplot], input=script, text=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    os.unlink(data)
    if r.returncode != 0:
        return "gnuplot failed (status %d): %s" % (r.returncode, r.stdout.strip()[-300:])
    return None


ONLY = []      # --only: bench.c's figure groups to run (all when empty)


def main():
    ap = argparse.ArgumentParser(usage="tools/bench.py [--quick] [--rounds N] [--smp LIST] "
                                       "[--linux-only] [--only GROUPS]")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--smp", help="CPU counts, e.g. 2,1")
    ap.add_argument("--linux-only", action="store_true")
    ap.add_argument("--only", help="bench.c figure groups, e.g. net,pipe")
    args = ap.parse_args()
    if args.only:
        ONLY[:] = [g for g in args.only.split(",") if re.fullmatch(r"[a-z]+", g)]
        if "net" in ONLY and "nic" not in ONLY:
            ONLY.append("nic")          # the network group: loopback and the NIC
    mode = "quick" if args.quick else "full"
    rounds = args.rounds or (1 if args.quick else 3)
    try:
        smps = [int(c) for c in (args.smp or ("2" if args.quick else "2,1")).split(",")]
    except ValueError:
        ap.error("--smp takes CPU counts separated by commas")
    if not smps or min(smps) < 1:
        ap.error("--smp takes CPU counts of at least 1")
    os.makedirs(OUT, exist_ok=True)
    if not ONLY or "nic" in ONLY:
        peer = NicPeer()
        NIC_ARGS[:] = ["-netdev", "user,id=bn0,hostfwd=tcp:127.0.0.1:%d-:5001" % peer.fwd,
                       "-device", "virtio-net-pci,netdev=bn0"]
        EXTRA_ARGS[:] = ["--peer=%d" % peer.port]

    # Targets relative to the tree: the Makefile's rules are written that way.
    r = subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT,
                        os.path.relpath(BENCH_BIN, ROOT), os.path.relpath(NOP_BIN, ROOT)])
    if r.returncode != 0:
        log("building the benchmark failed")
        return 1
    systems = ["linux"] if args.linux_only else ["oscortex", "linux"]
    isos = {}
    storage_image()
    try:
        for s in systems:     # OSCortex first: fail fast when it cannot run yet
            isos[s] = oscortex_iso(mode) if s == "oscortex" else linux_iso(mode)
    except NotRunnable as e:
        log("OSCortex cannot run the benchmark: %s. No figures reported." % e)
        print("bench: 0 passed, %d failed" % (len(systems) * len(smps) * len(FIGURES)))
        return 1

    # samples[system][cpus][figure]: one value per round
    samples = {s: {c: {k: [] for k, _d, _u in FIGURES} for c in smps} for s in systems}
    runs = {s: [] for s in systems}      # per run: CPUs the benchmark saw, how it started
    problems = []
    t0 = time.monotonic()
    for n in range(1, rounds + 1):
        for c in smps:
            for s in systems:     # alternate A B A B: host noise hits both alike
                log("round %d/%d: %s -smp %d (%s)" % (n, rounds, s, c, mode))
                figures, info, problem = run_once(s, isos[s], mode, n, c)
                runs[s].append(info)
                for k, v in figures.items():
                    if k in samples[s][c]:
                        samples[s][c][k].append(v)
                if problem:
                    problems.append(problem)
                    log(problem)
        if problems and n == 1 and "oscortex" in systems and any(
                p.startswith("oscortex") for p in problems):
            break             # OSCortex did not get through: more rounds prove nothing

    if ONLY:          # the table: boot time and what the chosen groups print
        FIGURES[:] = [f for f in FIGURES if f[0] == "boot_ms" or any(
            samples[s][c][f[0]] for s in systems for c in smps)]
    results = {
        "mode": mode, "rounds": rounds,
        "machine": ["qemu-system-x86_64"] + MACHINE + ["(TCG)"],
        "smp": smps,
        "qemu": sh(["qemu-system-x86_64", "--version"]).splitlines()[0],
        "linux_kernel": os.path.basename(linux_kernel()) if "linux" in systems else None,
        "linux_cmdline": LINUX_CMDLINE,
        "host": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "seconds": round(time.monotonic() - t0, 1),
        "runs": runs,
        "problems": problems,
        "figures": {},
    }
    for key, desc, unit in FIGURES:
        per = {}
        for c in smps:
            o = summarize(samples["oscortex"][c][key]) if "oscortex" in samples else None
            lx = summarize(samples["linux"][c][key])
            per[str(c)] = {"oscortex": o, "linux": lx,
                           "ratio": o["median"] / lx["median"] if o and lx and lx["median"] > 0
                           else None}
        # The first CPU count's numbers also at the top level (the chart draws them).
        results["figures"][key] = dict(per[str(smps[0])], description=desc, unit=unit, smp=per)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    print("OSCortex vs Linux (%s), %s, -smp %s for both, %d round(s) alternating, median "
          "(min-max); ratio = OSCortex / Linux, lower is better" % (
              results["linux_kernel"], " ".join(MACHINE[:4] + MACHINE[6:8]),
              " and ".join(str(c) for c in smps), rounds))
    print(table(results))
    png = os.path.join(OUT, "ratios.png")
    why = chart(results, png)
    print("raw numbers: %s; chart: %s" % (os.path.relpath(os.path.join(OUT, "results.json"), ROOT),
                                          why or os.path.relpath(png, ROOT)))
    if args.linux_only:
        print("OSCortex: not run (--linux-only)")
    # One check per figure and system: produced in every round. tests/run-all.sh
    # counts this line (summary_suite bench ...).
    produced = sum(1 for s in systems for c in smps for k, _d, _u in FIGURES
                   if len(samples[s][c][k]) == rounds)
    if problems:
        print("INCOMPLETE: %d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
    else:
        print("all %d figures produced on %s at -smp %s" % (
            len(FIGURES), " and ".join(systems), ", ".join(str(c) for c in smps)))
    total = len(systems) * len(smps) * len(FIGURES)
    print("bench: %d passed, %d failed" % (produced, total - produced))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
