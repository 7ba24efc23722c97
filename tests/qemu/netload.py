#!/usr/bin/env python3
"""Networking under load and bad input, one boot.

tools/osc-run --net --fwd PORT:8080 (FWDS host ports) boots the guest with its usual NIC (eth0,
QEMU user networking) plus a second virtio-net NIC (eth1) on a QEMU `stream`
netdev connected to a Unix socket this script listens on: every frame on that
wire is the script's (QEMU frames them as a 4-byte big-endian length and the
bytes). The guest gives eth1 10.9.0.2/24 with busybox ifconfig (checked with
ifconfig's and route -n's output: lo, eth0's lease, eth1, the default route) and
pings 127.0.0.1 and the gateway with busybox ping; the script plays 10.9.0.1.

The guest runs a shell script; it waits for the host between its steps by
polling a small HTTP server of the host's (10.0.2.2:CTRL/PATH says "yes" once
the host is done with that step).

1. Bad input: ARP and a ping over eth1 work, then BAD malformed frames (random
   bytes, bad Ethernet/IP lengths, IP header lengths and checksums, overlapping
   fragments, TCP segments with bogus options, flags and offsets, UDP and ICMP
   with bad lengths, truncated headers), then ARP, ping and a TCP handshake to
   httpd work again; lwIP's packet pools (/sys/kernel/net) are empty again and
   its heap back where it was within 25 s (no buffer leaked).
2. Load: tests/qemu/loadsrv.c (epoll, one process; busybox httpd forks per
   connection and listens with a backlog of 9: 213 of 1000 in 45 s) serves a page;
   the host opens CONNS sockets within a few seconds (selectors) spread over
   FWDS forwarded ports and keeps them open, then sends a request on each and
   checks every byte of every reply: all CONNS complete, none lost, and the
   guest's server served all of them.
3. A vanishing peer: the guest's busybox nc connects to 10.9.0.1 and sends; the
   script (speaking TCP itself) acknowledges some data, then answers with RST:
   nc fails with an error instead of hanging. Likewise for a reading nc.

NETLOAD_VERBOSE=1 shows the guest's lines; NETLOAD_PCAP=FILE records eth0's frames.

usage: netload.py     tests: netload_ifconfig_sets_eth1_and_lists_interfaces,
                             netload_busybox_ping_loopback_and_gateway,
                             netload_1000_connections_complete_and_exact,
                             netload_raw_wire_works_before,
                             netload_malformed_frames_leave_guest_answering,
                             netload_malformed_frames_leak_no_buffer,
                             netload_vanished_peer_fails_writer,
                             netload_vanished_peer_fails_reader
"""

import http.server
import os
import re
import resource
import selectors
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

from common import ROOT, Reporter
import netraw

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 100
WATCHDOG = 25               # seconds without a line from the guest
GUEST_PORT = 8080
CONNS = 1000
FWDS = 50                  # host ports forwarded to the guest's server
PACE = 0.003               # seconds between two connects (see connect_all)
BAD = 10000
BATCH = 250                 # garbage frames between two pings
SERVER = os.path.join(ROOT, "tests", "qemu", "loadsrv.c")
PAGE = b"".join(b"line %04d of the netload page\n" % i for i in range(64))

SCRIPT = r"""
waitfor() { i=0; while [ "$(wget -q -O - http://10.0.2.2:@CTRL@/$1)" != yes ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; echo "waited $1 $i"; }
ifconfig eth1 10.9.0.2 netmask 255.255.255.0 up; echo "ifconfig-eth1-exit $?"
ifconfig | sed 's/^/ifc: /'
route -n | sed 's/^/rt: /'
for h in 127.0.0.1 10.0.2.2; do echo "ping-$h: $(ping -c 3 -i 0.2 $h 2>&1 | grep -E 'transmitted|ping:' | tr '\n' ' ')"; done
mkdir -p /www
cp /root/page.html /www/index.html
httpd -f -p @GPORT@ -h /www &
HP=$!
sleep 0.3
echo "net-before: $(cat /sys/kernel/net | tr '\n' ' ')"
echo READY-RAW
waitfor raw-done
i=0; while [ "$(wget -q -O - http://10.0.2.2:@CTRL@/settled)" != yes ] && [ $i -lt 25 ]; do echo "net-after: $(cat /sys/kernel/net | tr '\n' ' ')"; sleep 1; i=$((i+1)); done
kill $HP; wait $HP
/bin/loadsrv @GPORT@ /root/page.html @CONNS@ /tmp/loadsrv.ready &
LS=$!
i=0; while [ ! -e /tmp/loadsrv.ready ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo READY-LOAD
waitfor load-done
sleep 0.5; kill $LS 2>/dev/null; wait $LS
dd if=/dev/zero bs=1024 count=4096 2>/dev/null | timeout 15 nc 10.9.0.1 9000 > /dev/null 2>/tmp/nc1.err; echo "nc-write-exit $? $(cat /tmp/nc1.err)"
timeout 15 nc 10.9.0.1 9001 < /dev/null > /tmp/nc2.out 2>/tmp/nc2.err; echo "nc-read-exit $? $(wc -c < /tmp/nc2.out) $(cat /tmp/nc2.err)"
echo "net-end: $(cat /sys/kernel/net | tr '\n' ' ')"
echo DONE
"""


class Control:
    """The host's HTTP server for the guest's waits: GET /NAME is "yes" once
    set(NAME) was called."""

    def __init__(self):
        self.done = set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"yes" if self.path.strip("/") in outer.done else b"no"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        socketserver.TCPServer.allow_reuse_address = True
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def set(self, name):
        self.done.add(name)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n), hard))


def connect_all(ports, n, limit=30.0):
    """Opens n connections, all within about a second, spread over the forwarded
    host ports, and keeps them open. QEMU's user network (slirp) listens on a
    forwarded port with a backlog of 1: a SYN that finds two connections it has
    not accepted yet is dropped and sent again after 1, 2, 4, ... s (measured with
    the guest stopped: 100 back-to-back connects to one port took 35 s). So one
    connect every PACE seconds, round robin over the ports. Returns (sockets, failures by reason)."""
    sel = selectors.DefaultSelector()
    done, fails = [], {}
    start = time.monotonic()

    def settle(timeout):
        for key, _ in sel.select(timeout=timeout):
            s = key.fileobj
            sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                reason = "connect: %s" % os.strerror(err)
                fails[reason] = fails.get(reason, 0) + 1
                s.close()
            else:
                done.append(s)

    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # slirp gives the guest the host client's port as the source port: an
        # explicit bind keeps all of them distinct (connect alone may reuse one
        # for another forwarded port, two connections with one 4-tuple in the guest).
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", ports[i % len(ports)]))
        except BlockingIOError:
            pass
        sel.register(s, selectors.EVENT_WRITE)
        while (left := start + (i + 1) * PACE - time.monotonic()) > 0:
            settle(left)
    while sel.get_map() and time.monotonic() - start < limit:
        settle(1.0)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
        fails["connect: timeout"] = fails.get("connect: timeout", 0) + 1
    sel.close()
    return done, fails


def request_all(socks, fails, limit=30.0):
    """Sends a request on every socket at once and reads each reply to EOF.
    Returns the number complete and exact; adds failures by reason to fails."""
    sel = selectors.DefaultSelector()
    request = b"GET /index.html HTTP/1.0\r\nHost: oscortex\r\n\r\n"
    state = {}
    ok = 0
    start = time.monotonic()
    for s in socks:
        state[s] = [request, bytearray()]
        sel.register(s, selectors.EVENT_WRITE)

    def finish(s, reason):
        nonlocal ok
        sel.unregister(s)
        reply = bytes(state.pop(s)[1])
        s.close()
        if reason is None:
            head, _, body = reply.partition(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0] and body == PAGE:
                ok += 1
                return
            reason = "bad reply (%d bytes)" % len(reply)
        fails[reason] = fails.get(reason, 0) + 1

    while state and time.monotonic() - start < limit:
        for key, ev in sel.select(timeout=1.0):
            s = key.fileobj
            st = state[s]
            if ev & selectors.EVENT_WRITE:
                try:
                    sent = s.send(st[0])
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:
                    finish(s, "send: %s" % e.strerror)
                    continue
                st[0] = st[0][sent:]
                if not st[0]:
                    sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:
                    finish(s, "recv: %s" % e.strerror)
                    continue
                if data:
                    st[1] += data
                else:
                    finish(s, None)
    for s in list(state):
        finish(s, "no reply in %.0f s" % limit)
    sel.close()
    return ok


def pools(line):
    """'pool NAME used U ... heap used U ...' -> {NAME: U, 'heap': U}."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"(?:pool )?(\S+) used (\d+)", line)}


PACKET_POOLS = ("PBUF_POOL", "PBUF_REF/ROM", "TCPIP_MSG_INPKT", "REASSDATA", "FRAG_PBUF",
                "ARP_QUEUE", "NETBUF", "TCP_SEG")


def leaks(before, after):
    """What still holds memory once the guest is idle: every pool that holds
    packets empty, the heap back where it was. {} when nothing leaked."""
    out = {name: after[name] for name in PACKET_POOLS if after.get(name, 0) != 0}
    if after.get("heap") is None or after["heap"] > before.get("heap", 0):
        out["heap"] = (before.get("heap"), after.get("heap"))
    return out


def raw_phase(wire, res):
    """ARP and ping, the garbage in batches (a ping after each: the guest kept up
    and answers), then ARP, ping and a TCP handshake to httpd again."""
    res["arp_before"] = wire.arp_ask()
    res["ping_before"] = wire.ping(0x4242, 1)
    frames = netraw.garbage(BAD)
    pings = 0
    t = time.monotonic()
    for i in range(0, len(frames), BATCH):
        for f in frames[i:i + BATCH]:
            wire.send(f)
        pings += wire.ping(0x4243, i // BATCH, timeout=8.0)
    res["garbage_secs"] = time.monotonic() - t
    res["batch_pings"] = (pings, (len(frames) + BATCH - 1) // BATCH)
    res["arp_after"] = wire.arp_ask()
    res["ping_after"] = wire.ping(0x4242, 2)
    res["tcp_after"] = wire.handshake(GUEST_PORT, 40000)


def main():
    rep = Reporter()
    raise_fd_limit(CONNS + 512)     # this script's sockets, and QEMU's (slirp) too
    tmp = tempfile.mkdtemp(prefix="oscortex-netload-")
    ctrl = Control()
    host_ports = sorted({free_port() for _ in range(FWDS)})
    page = os.path.join(tmp, "page.html")
    with open(page, "wb") as f:
        f.write(PAGE)
    script = os.path.join(tmp, "netload.sh")
    with open(script, "w") as f:
        f.write(SCRIPT.replace("@CTRL@", str(ctrl.port)).replace("@GPORT@", str(GUEST_PORT))
                .replace("@CONNS@", str(CONNS)))
    srv = os.path.join(tmp, "loadsrv")
    subprocess.run([os.environ.get("MUSL_CC", "musl-gcc"), "-static", "-O2", "-Wall", "-Wextra",
                    "-Werror", "-o", srv, SERVER], check=True)
    wire = netraw.Wire(os.path.join(tmp, "wire.sock"))
    pcap = (["--qemu=-object", "--qemu=filter-dump,id=fd0,netdev=osc-net0,file="
             + os.environ["NETLOAD_PCAP"]] if os.environ.get("NETLOAD_PCAP") else [])
    proc = subprocess.Popen([OSC_RUN, "--raw", "--timeout", str(TIMEOUT), "--net",
                             ] + sum((["--fwd", "%d:%d" % (p, GUEST_PORT)] for p in host_ports), []) + [
                             "--qemu=-netdev", "--qemu=stream,id=wire,server=off,addr.type=unix,"
                             "addr.path=" + wire.path,
                             "--qemu=-device", "--qemu=virtio-net-pci,netdev=wire,addr=0x9,mac="
                             + ":".join("%02x" % b for b in netraw.GUEST_MAC),
                             ] + pcap + [
                             "--add", script + ":/root/netload.sh",
                             "--add", page + ":/root/page.html",
                             "--add", srv + ":/bin/loadsrv",
                             "--", "sh /root/netload.sh"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = []
    result = {}
    last = [time.monotonic()]
    busy = [False]          # the host is at work (its own time limits), not the guest
    cond = threading.Condition()
    before = [None]
    settled = [None]

    def reader():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            if os.environ.get("NETLOAD_VERBOSE"):
                sys.stderr.write("  guest: " + line[:3000].rstrip() + "\n")
            with cond:
                last[0] = time.monotonic()
                out.append(line)
                if line.startswith("net-before: "):
                    before[0] = pools(line)
                elif line.startswith("net-after: "):
                    result["after"] = line
                    settled[0] = leaks(before[0] or {}, pools(line))
                    if not settled[0]:
                        ctrl.set("settled")
                cond.notify_all()
        with cond:
            out.append(None)
            cond.notify_all()

    def wait_line(prefix, limit=None):
        """True once the guest printed a line starting with prefix (False when
        its output ended, or after limit seconds; the watchdog bounds the wait)."""
        end = time.monotonic() + (limit or 1e9)
        with cond:
            while not any(l is not None and l.startswith(prefix) for l in out):
                if None in out or time.monotonic() > end:
                    return False
                cond.wait(1.0)
        return True

    def watchdog():
        while proc.poll() is None:
            if time.monotonic() - last[0] > WATCHDOG and not busy[0]:
                with cond:
                    out.insert(len(out) - (None in out), "netload: watchdog: no output for %d s\n" % WATCHDOG)
                proc.kill()
                return
            time.sleep(1)

    threading.Thread(target=watchdog, daemon=True).start()
    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=lambda: wire.accept(60), daemon=True).start()
    try:
        if wait_line("READY-RAW") and wire.sock is not None:
            busy[0] = True
            raw_phase(wire, result)
            last[0] = time.monotonic()
            busy[0] = False
        ctrl.set("raw-done")
        if wait_line("READY-LOAD"):
            busy[0] = True
            t = time.monotonic()
            socks, fails = connect_all(host_ports, CONNS)
            result["connect_secs"] = time.monotonic() - t
            result["all_open"] = wait_line("loadsrv: %d open" % CONNS, 8)
            t = time.monotonic()
            result["load"] = (request_all(socks, fails, 12), fails, time.monotonic() - t)
            last[0] = time.monotonic()
            busy[0] = False
        ctrl.set("load-done")
        wait_line("DONE")
        proc.wait(timeout=30)
    finally:
        ctrl.close()
        wire.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out = [l for l in out if l is not None]
    before, settled = before[0], settled[0]
    text = "".join(out)
    log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
        if os.path.exists(LAST_LOG) else ""
    tail = (text + "\n" + log)[-3000:]
    ok, fails, secs = result.get("load", (0, {"not run": CONNS}, 0))
    print("note: %d connections opened in %.1f s, all open in the guest at once: %s; "
          "%d requests answered complete and exact in %.1f s, failures: %s" % (
              CONNS, result.get("connect_secs", 0), result.get("all_open"), ok, secs,
              fails or "none"))
    m = re.search(r"^loadsrv: (\d+) served, (\d+) failed, (\d+) open at most", text, re.M)
    served, sfailed, most = (int(x) for x in m.groups()) if m else (-1, -1, -1)
    print("note: the guest's server: %d served, %d failed, %d connections open at once" % (
        served, sfailed, most))
    load_ok = ok == CONNS and not fails and served == CONNS and sfailed == 0
    r = result
    pings = r.get("batch_pings", (0, 0))
    print("note: %d malformed frames in %.1f s, %d of %d pings between batches answered; "
          "guest counters after: %s" % (BAD, r.get("garbage_secs", 0), pings[0], pings[1],
                                        r.get("after", "none").strip()))
    ifc = "".join(l[5:] for l in out if l.startswith("ifc: "))
    rt = [l[4:].split() for l in out if l.startswith("rt: ")]
    mac = ":".join("%02X" % b for b in netraw.GUEST_MAC)
    INET6 = r"(?:inet6 addr: \S+ Scope:\w+\s+)*"     # IPv6 addresses, if any
    rep.check("netload_ifconfig_sets_eth1_and_lists_interfaces",
              "ifconfig-eth1-exit 0" in text
              and re.search(r"^eth0 +Link encap:Ethernet +HWaddr 52:54:00:12:34:56\s+"
                            r"inet addr:10\.0\.2\.15 +Bcast:10\.0\.2\.255 +Mask:255\.255\.255\.0\s+"
                            + INET6 + r"UP BROADCAST RUNNING MULTICAST +MTU:1500 +Metric:1", ifc, re.M)
              and re.search(r"^eth1 +Link encap:Ethernet +HWaddr %s\s+"
                            r"inet addr:10\.9\.0\.2 +Bcast:10\.9\.0\.255 +Mask:255\.255\.255\.0\s+"
                            % mac + INET6 + r"UP BROADCAST RUNNING MULTICAST +MTU:1500", ifc, re.M)
              and re.search(r"^lo +Link encap:Local Loopback\s+inet addr:127\.0\.0\.1 +Mask:255\.0\.0\.0\s+"
                            + INET6 + r"UP LOOPBACK RUNNING +MTU:65536", ifc, re.M)
              and ["0.0.0.0", "10.0.2.2", "0.0.0.0", "UG", "0", "0", "0", "eth0"] in rt
              and ["10.0.2.0", "0.0.0.0", "255.255.255.0", "U", "0", "0", "0", "eth0"] in rt
              and ["10.9.0.0", "0.0.0.0", "255.255.255.0", "U", "0", "0", "0", "eth1"] in rt,
              "busybox ifconfig eth1 10.9.0.2 netmask 255.255.255.0 up, then ifconfig and "
              "route -n:\n%s%s" % (ifc, "".join(l for l in out if l.startswith("rt: "))), tail)
    pings_ok = [re.search(r"^ping-%s: 3 packets transmitted, 3 packets received, 0%% packet loss"
                          % re.escape(h), text, re.M) is not None for h in ("127.0.0.1", "10.0.2.2")]
    rep.check("netload_busybox_ping_loopback_and_gateway", all(pings_ok),
              "busybox ping -c 3 (a raw ICMP socket): %s" % " | ".join(
                  l.strip() for l in out if l.startswith("ping-")), tail)
    rep.check("netload_1000_connections_complete_and_exact", load_ok,
              "host: %d of %d replies complete and byte-exact (failures %s); guest: %d served, "
              "%d failed, %d open at once" % (ok, CONNS, fails or "none", served, sfailed, most),
              tail)
    rep.check("netload_raw_wire_works_before", r.get("arp_before") and r.get("ping_before"),
              "over eth1 before the garbage: ARP reply %s, echo reply %s" % (
                  r.get("arp_before"), r.get("ping_before")), tail)
    rep.check("netload_malformed_frames_leave_guest_answering",
              r.get("arp_after") and r.get("ping_after") and r.get("tcp_after")
              and pings[0] == pings[1] and pings[1] > 0 and "KERNEL PANIC" not in log,
              "after the garbage: ARP %s, ping %s, SYN-ACK %s, batch pings %s" % (
                  r.get("arp_after"), r.get("ping_after"), r.get("tcp_after"), pings), tail)
    rep.check("netload_malformed_frames_leak_no_buffer", before and settled == {},
              "lwIP pools in use before/after: %s" % (settled if before else "no counters"), tail)
    m = re.search(r"^nc-write-exit (\d+) (.*)$", text, re.M)
    rep.check("netload_vanished_peer_fails_writer",
              m is not None and (m.group(1) == "141" or (  # SIGPIPE: EPIPE
                  m.group(1) not in ("0", "124", "143")
                  and re.search(r"reset by peer|Broken pipe", m.group(2)) is not None)),
              "nc writing to a peer that reset: %s" % (m.group(0) if m else "no result"), tail)
    m = re.search(r"^nc-read-exit (\d+) (\d+) (.*)$", text, re.M)
    rep.check("netload_vanished_peer_fails_reader",
              m is not None and m.group(1) not in ("124", "143") and m.group(2) == "1000"
              and "DONE" in text,
              "nc reading from a peer that reset: %s" % (m.group(0) if m else "no result"), tail)
    m = re.search(r"^net-end: .*\b(tcp xmit .*)$", text, re.M)
    print("note: the guest's TCP counters at the end: %s" % (m.group(1).strip() if m else None))
    rep.exit()


if __name__ == "__main__":
    main()
