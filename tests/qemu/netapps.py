#!/usr/bin/env python3
"""Network services end to end, with real clients and servers on both sides.

The test runs in a network and mount namespace of its own (it re-executes itself
under `unshare -nm`, or `-rnm` when not root), so nothing depends on the host's
network or on free ports: there it bind-mounts a resolv.conf saying
"nameserver 127.0.0.1" over /etc/resolv.conf, which QEMU's user network (slirp)
reads to forward the guest's DNS queries to 10.0.2.3, and runs a small DNS server
on 127.0.0.1:53 that knows www.oscortex.test (10.0.2.2, the host) and answers
NXDOMAIN for other names. It also runs an HTTP server (the host's 10.0.2.2:PORT).

One boot (tools/osc-run --net --fwd HOSTPORT:8080), a shell script in the guest:
/etc/resolv.conf was written from the DHCP lease; tests/qemu/resolve.c (static
musl and glibc) resolves the known and an unknown name through getaddrinfo and
the OSCortex call dns_resolve (0x4B8), and localhost (the image's /etc/hosts);
busybox nslookup asks too; busybox wget
fetches a 16 MiB file from the host's server by name (md5 compared); busybox httpd
serves a page and a 16 MiB file that the host's curl fetches through the forwarded
port, byte-exact (md5); busybox `ip addr` and `ip route` (rtnetlink) show the
lease's address and default route. IPv6: `ip -6 addr` shows ::1, eth0's link-local
address and the one SLAAC made from slirp's router advertisement (fec0::/64);
localhost is ::1 first, then 127.0.0.1 (musl and glibc); busybox wget reaches the
guest's httpd (a dual-stack AF_INET6 listener) through [::1], and the host's second
web server (its ::1, which slirp's fec0::2 stands for) over eth0's IPv6. The guest
then waits (polling the host's server) until the host is done.

usage: netapps.py    tests: netapps_resolv_conf_from_dhcp, netapps_musl_getaddrinfo,
                            netapps_glibc_getaddrinfo, netapps_localhost_from_etc_hosts,
                            netapps_dns_resolve_call,
                            netapps_busybox_nslookup, netapps_guest_wget_from_host,
                            netapps_host_curl_page_from_guest_httpd,
                            netapps_reconnect_from_same_port_over_time_wait,
                            netapps_host_curl_big_file_from_guest_httpd,
                            netapps_busybox_ip_addr_and_route, netapps_ipv6_slaac_addresses,
                            netapps_wget_over_ipv6_loopback, netapps_wget_host_over_ipv6
"""

import hashlib
import http.server
import os
import random
import re
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time

from common import ROOT, Reporter
from input import libosc_flags

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
# user/tests/inet_mcast.c, built by make for both libcs: run here where eth0 is up.
MCAST_TEST = os.path.join(ROOT, "build", "user", "%s", "tests", "inet_mcast")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
OUT = os.path.join(ROOT, "build", "netapps")
SOURCE = os.path.join(ROOT, "tests", "qemu", "resolve.c")
TIMEOUT = 90
NAME, NAME_ADDR = "www.oscortex.test", "10.0.2.2"
MISSING = "nosuch.oscortex.test"
GUEST_PORT = 8080
BIG = 16 * 1024 * 1024

SCRIPT = r"""
i=0; while ! grep -q nameserver /etc/resolv.conf 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "resolv: $(grep nameserver /etc/resolv.conf | tr '\n' ' ')"
/bin/resolve.musl @NAME@ @MISSING@ localhost | sed 's/^/musl /'
/bin/resolve.glibc @NAME@ @MISSING@ localhost | sed 's/^/glibc /'
echo "nslookup: $(nslookup @NAME@ 2>&1 | tr '\n' ' ')"
echo "ip-addr: $(ip addr 2>/dev/null | tr '\n' ' ')"
echo "ip-route: $(ip route 2>&1 | tr '\n' ' ')"
echo "wget-md5: $(wget -q -O - http://@NAME@:@HPORT@/data | md5sum)"
echo "arp: $(arp -n 2>&1 | tr '\n' '|')"
for libc in musl glibc; do echo "mcast-$libc: $(OSC_MCAST_NIC=1 /bin/inet_mcast.$libc 2>&1 | tail -1)"; done
mkdir -p /www
echo "hello from busybox httpd in OSCortex" > /www/index.html
dd if=/dev/urandom of=/www/big bs=4096 count=4096 2>/dev/null
echo "big-md5: $(md5sum < /www/big)"
httpd -p @GPORT@ -h /www
i=0; while [ -z "$(awk '/^fec0/ && $5 == "00"' /proc/net/if_inet6)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo "ip6-addr: $(ip -6 addr 2>/dev/null | tr '\n' ' ')"
echo "wget6-lo: $(wget -q -O - http://[::1]:@GPORT@/index.html)"
echo "wget6-host: $(wget -q -O - http://[fec0::2]:@H6PORT@/hello)"
echo READY-HTTPD
i=0; while [ "$(wget -q -O - http://10.0.2.2:@HPORT@/done)" != yes ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i+1)); done
echo "host-done: $i"
"""


class DnsServer:
    """UDP DNS on 127.0.0.1:53: A for NAME, no data for its other types, NXDOMAIN
    for every other name. Records (name, type) of each query."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.5)
        self.queries, self.stop = [], False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def parse_name(msg, off):
        labels = []
        while msg[off]:
            n = msg[off]
            labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
            off += 1 + n
        return ".".join(labels), off + 1

    def answer(self, msg):
        qid, flags, qd = struct.unpack(">HHH", msg[:6])
        if qd != 1:
            return None
        name, off = self.parse_name(msg, 12)
        qtype, qclass = struct.unpack(">HH", msg[off:off + 4])
        question = msg[12:off + 4]
        self.queries.append((name.lower(), qtype))
        known = name.lower() == NAME
        rcode = 0 if known else 3
        answers = b""
        if known and qtype == 1 and qclass == 1:
            answers = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(NAME_ADDR)
        head = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                           1 if answers else 0, 0, 0)
        return head + question + answers

    def serve(self):
        while not self.stop:
            try:
                msg, peer = self.sock.recvfrom(1500)
            except OSError:
                continue
            try:
                reply = self.answer(msg)
            except (IndexError, struct.error):
                reply = None
            if reply:
                self.sock.sendto(reply, peer)

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


class HttpServer:
    """The host's web server (127.0.0.1:port, the guest's 10.0.2.2; or ::1, the
    guest's fec0::2): /data is BIG random bytes, /done says whether the host has
    finished with the guest, /hello is a line."""

    def __init__(self, family=socket.AF_INET):
        self.data = random.Random(11).randbytes(BIG)
        self.done = False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = {"/data": outer.data, "/hello": b"hello from the host",
                        "/done": b"yes" if outer.done else b"no"}.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingTCPServer):
            address_family = family
            allow_reuse_address = True

        self.httpd = Server(("127.0.0.1" if family == socket.AF_INET else "::1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def build_resolvers():
    os.makedirs(OUT, exist_ok=True)
    out = {}
    for libc, cc in (("musl", os.environ.get("MUSL_CC", "musl-gcc")), ("glibc", "gcc")):
        binary = os.path.join(OUT, "resolve." + libc)
        # glibc's link warns that static getaddrinfo wants its NSS modules at run
        # time; since 2.34 "files" and "dns" are built in.
        subprocess.run([cc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary,
                        SOURCE] + libosc_flags(), check=True, stderr=subprocess.DEVNULL)
        out[libc] = binary
    return out


def curl(port, path):
    r = subprocess.run(["curl", "-s", "-f", "--max-time", "30",
                        "http://127.0.0.1:%d%s" % (port, path)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=40)
    return r.returncode, r.stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get_from_port(port, src, path):
    """One HTTP/1.0 GET from the host's port src (bound, SO_REUSEADDR): the body,
    or None when the guest did not answer and close within 8 s. httpd closes
    first, so the guest keeps the connection in TIME-WAIT: a second call from the
    same port reopens it (QEMU's user network gives the guest the host's port)."""
    c = None
    for _ in range(50):                 # the last connection's socket may linger briefly
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            c.bind(("127.0.0.1", src))
            c.connect(("127.0.0.1", port))
            break
        except OSError:
            c.close()
            c = None
            time.sleep(0.02)
    if c is None:
        return None
    data = b""
    try:
        c.settimeout(8)
        c.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
        while True:
            b = c.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        return None
    finally:
        c.close()
    return data.split(b"\r\n\r\n", 1)[-1]


def enter_namespace():
    """Re-executes this script in new network and mount namespaces (see above)."""
    flags = "-nm" if os.geteuid() == 0 else "-rnm"
    os.execvp("unshare", ["unshare", flags, "--propagation", "private",
                          sys.executable, os.path.abspath(__file__)] + sys.argv[1:])


def setup_namespace(tmp):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    conf = os.path.join(tmp, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", conf, "/etc/resolv.conf"], check=True)


def main():
    if os.environ.get("NETAPPS_IN_NS") != "1":
        os.environ["NETAPPS_IN_NS"] = "1"
        enter_namespace()
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-netapps-")
    setup_namespace(tmp)
    dns, web, web6 = DnsServer(), HttpServer(), HttpServer(socket.AF_INET6)
    host_port = 18080
    try:
        bins = build_resolvers()
        script = os.path.join(tmp, "netapps.sh")
        with open(script, "w") as f:
            f.write(SCRIPT.replace("@NAME@", NAME).replace("@MISSING@", MISSING)
                    .replace("@HPORT@", str(web.port)).replace("@GPORT@", str(GUEST_PORT))
                    .replace("@H6PORT@", str(web6.port)))
        proc = subprocess.Popen([OSC_RUN, "--timeout", str(TIMEOUT), "--net",
                                 "--fwd", "%d:%d" % (host_port, GUEST_PORT),
                                 "--add", script + ":/root/netapps.sh",
                                 "--add", bins["musl"] + ":/bin/resolve.musl",
                                 "--add", bins["glibc"] + ":/bin/resolve.glibc",
                                 "--add", MCAST_TEST % "musl" + ":/bin/inet_mcast.musl",
                                 "--add", MCAST_TEST % "glibc" + ":/bin/inet_mcast.glibc",
                                 "--", "sh /root/netapps.sh"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, page, big, same_port = [], None, None, None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            out.append(line)
            if line.startswith("READY-HTTPD"):
                page = curl(host_port, "/index.html")
                src = free_port()
                same_port = [get_from_port(host_port, src, "/index.html") for _ in range(2)]
                big = curl(host_port, "/big")
                web.done = True
        proc.wait(timeout=60)
        out = "".join(out)
        log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
            if os.path.exists(LAST_LOG) else ""
        tail = (out + "\n" + log)[-2500:]

        rep.check("netapps_resolv_conf_from_dhcp", "resolv: nameserver 10.0.2.3 " in out,
                  "no /etc/resolv.conf with slirp's DNS server", tail)
        for libc in ("musl", "glibc"):
            rep.check("netapps_%s_getaddrinfo" % libc,
                      "%s gai %s %s" % (libc, NAME, NAME_ADDR) in out
                      and "%s gai %s error EAI_NONAME" % (libc, MISSING) in out,
                      "%s's getaddrinfo did not give %s / EAI_NONAME" % (libc, NAME_ADDR), tail)
        # ::1 first: the C libraries' RFC 6724 sort (UDP connects of AF_INET6 sockets).
        rep.check("netapps_localhost_from_etc_hosts",
                  "musl gai localhost ::1 127.0.0.1\n" in out
                  and "glibc gai localhost ::1 127.0.0.1\n" in out
                  and ("localhost", 1) not in dns.queries,
                  "localhost did not come from the image's /etc/hosts", tail)
        rep.check("netapps_dns_resolve_call",
                  "musl osc %s %s" % (NAME, NAME_ADDR) in out
                  and "glibc osc %s %s" % (NAME, NAME_ADDR) in out
                  and "musl osc %s errno 2" % MISSING in out,
                  "dns_resolve (0x4B8) did not answer %s / ENOENT" % NAME_ADDR, tail)
        m = re.search(r"^nslookup: (.*)$", out, re.M)
        rep.check("netapps_busybox_nslookup",
                  m is not None and re.search(r"Name:\s*%s\s+Address:\s*%s" % (
                      re.escape(NAME), re.escape(NAME_ADDR)), m.group(1)) is not None,
                  "busybox nslookup: %r" % (m.group(1) if m else None), tail)
        rep.check("netapps_guest_wget_from_host",
                  "wget-md5: %s" % hashlib.md5(web.data).hexdigest() in out,
                  "the guest's wget of the host's 16 MiB file does not match", tail)
        rep.check("netapps_host_curl_page_from_guest_httpd",
                  page is not None and page[0] == 0
                  and page[1] == b"hello from busybox httpd in OSCortex\n",
                  "curl of the guest's page: %r" % (page,), tail)
        rep.check("netapps_reconnect_from_same_port_over_time_wait",
                  same_port == [b"hello from busybox httpd in OSCortex\n"] * 2,
                  "two GETs from one host port (the second meets the guest's TIME-WAIT): %r"
                  % (same_port,), tail)
        m = re.search(r"^big-md5: ([0-9a-f]{32})", out, re.M)
        rep.check("netapps_host_curl_big_file_from_guest_httpd",
                  m is not None and big is not None and big[0] == 0 and len(big[1]) == BIG
                  and hashlib.md5(big[1]).hexdigest() == m.group(1)
                  and "host-done:" in out and proc.returncode == 0,
                  "curl of the guest's 16 MiB file: status %s, %s bytes (exit %s)" % (
                      big and big[0], big and len(big[1]), proc.returncode), tail)
        rep.check("netapps_busybox_arp_lists_the_gateway",
                  re.search(r"^arp: .*\(10\.0\.2\.2\) at 52:55:0a:00:02:02 \[ether\] +on eth0",
                            out, re.M) is not None,
                  "busybox arp -n (/proc/net/arp) does not list the gateway's MAC", tail)
        rep.check("netapps_multicast_through_eth0",
                  all("mcast-%s: inet_mcast.%s: 3 passed, 0 failed" % (libc, libc) in out
                      for libc in ("musl", "glibc")),
                  "user/tests/inet_mcast.c with eth0 up (a group datagram looped back to two "
                  "sockets, none with the loop off) did not pass for both libcs", tail)
        a = re.search(r"^ip-addr: (.*)$", out, re.M)
        r = re.search(r"^ip-route: (.*)$", out, re.M)
        rep.check("netapps_busybox_ip_addr_and_route",
                  a is not None and r is not None
                  and re.search(r"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 .*"
                                r"inet 127\.0\.0\.1/8 scope host lo .*"
                                r"2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 .*"
                                r"link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff .*"
                                r"inet 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global dynamic eth0",
                                a.group(1)) is not None
                  and re.search(r"default via 10\.0\.2\.2 dev eth0 .*10\.0\.2\.0/24 dev eth0 scope link",
                                r.group(1)) is not None,
                  "ip addr: %r; ip route: %r" % (a and a.group(1), r and r.group(1)), tail)
        m = re.search(r"^ip6-addr: (.*)$", out, re.M)
        rep.check("netapps_ipv6_slaac_addresses",
                  m is not None
                  and re.search(r"1: lo: .* inet6 ::1/128 scope host .*2: eth0: .*"
                                r"inet6 fe80::5054:ff:fe12:3456/64 scope link .*"
                                r"inet6 fec0::5054:ff:fe12:3456/64 scope site dynamic",
                                m.group(1)) is not None,
                  "ip -6 addr: %r" % (m and m.group(1)), tail)
        rep.check("netapps_wget_over_ipv6_loopback",
                  "wget6-lo: hello from busybox httpd in OSCortex" in out,
                  "wget http://[::1]:%d/index.html from the guest's httpd" % GUEST_PORT, tail)
        rep.check("netapps_wget_host_over_ipv6",
                  "wget6-host: hello from the host" in out,
                  "wget http://[fec0::2]:%d/hello (the host's ::1)" % web6.port, tail)
    finally:
        dns.close()
        web.close()
        web6.close()
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


if __name__ == "__main__":
    main()
