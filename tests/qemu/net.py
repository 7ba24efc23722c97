#!/usr/bin/env python3
"""virtio-net and the TCP/IP stack (lwIP) end to end.

One boot with QEMU user networking (-netdev user + virtio-net-pci with a known
MAC) and netdev.selftest=PORT on the kernel command line: DHCP configures eth0
at boot; the kernel's test thread (kernel/net/lwip_port/lwip_tests.c) runs TCP
over 127.0.0.1, pings the gateway 10.0.2.2 through lwIP's raw API (once, then a
burst of 300 echo requests: more than the TX and RX rings hold) and connects
through the gateway to this script's TCP echo server on the host's 127.0.0.1:PORT,
and logs each result. Inside OSCortex a script waits for those lines, cats
/sys/class/net/eth0's files with busybox and sends a line to the same server
with busybox nc (a user program's AF_INET socket through the NIC). Then the host turns the link off and
on (QMP set_link), which the guest sees in operstate through the config
interrupt, and DHCP binds the lease again. A second boot without a NIC shows an
empty /sys/class/net, no driver line, "[net] offline" and a working loopback.

usage: net.py    tests: net_boot_log, net_dhcp_configures_eth0,
                        net_tcp_over_loopback, net_gateway_arp_and_ping,
                        net_ping_burst_past_both_rings,
                        net_tcp_through_gateway_to_host,
                        net_user_socket_through_nic_to_host, net_sysfs_address,
                        net_sysfs_operstate_and_mtu, net_sysfs_counters_grew,
                        net_link_change_reaches_operstate,
                        net_dhcp_again_after_link_change,
                        net_no_nic_boot_offline_with_loopback
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading

from common import ROOT, Reporter, qemu_run

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 150
MAC = "52:54:00:12:34:56"
GW_MAC = "52:55:0a:00:02:02"        # QEMU slirp's gateway
SCRIPT = r"""
i=0
while ! grep -qE "eth0 test: (TCP|FAILED)" /sys/kernel/log && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "dir: $(ls /sys/class/net)"
cd /sys/class/net/eth0 || exit 1
for f in address mtu operstate carrier type statistics/rx_packets statistics/tx_packets \
         statistics/rx_bytes statistics/tx_bytes statistics/rx_errors; do
    echo "$f=$(cat $f)"
done
echo "stats: $(ls statistics | tr '\n' ' ')"
# A user program's AF_INET socket through the NIC: busybox nc to the host's server.
echo "nc: $(echo 'from busybox nc' | nc -w 5 10.0.2.2 @PORT@)"
# The host turns the link off on this line, and on again once the guest saw it.
echo link-wait
i=0; while [ "$(cat operstate)" = up ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "link-off: $(cat operstate) $(cat carrier)"
i=0; while [ "$(cat operstate)" != up ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "link-on: $(cat operstate) $(cat carrier)"
i=0; while [ "$(grep -c 'DHCP: 10.0.2.15' /sys/kernel/log)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "dhcp-leases: $(grep -c 'DHCP: 10.0.2.15' /sys/kernel/log)"
"""


class EchoServer:
    """A TCP server on the host's 127.0.0.1 (the guest's 10.0.2.2): answers each
    connection's first line with "echo: " and the line; records the lines."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(1.0)
        self.port = self.sock.getsockname()[1]
        self.lines, self.stop = [], False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(10)
                data = b""
                try:
                    while not data.endswith(b"\n"):
                        chunk = conn.recv(256)
                        if not chunk:
                            break
                        data += chunk
                    self.lines.append(data.decode("utf-8", "replace"))
                    conn.sendall(b"echo: " + data)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()



def set_link(qmp, up):
    # Qmp.command's own first parameter is called name, as is set_link's argument.
    msg = {"execute": "set_link", "arguments": {"name": "n0", "up": up}}
    qmp.sock.sendall(json.dumps(msg).encode() + b"\n")
    while True:
        reply = qmp._recv()
        if "error" in reply:
            raise RuntimeError("QMP set_link: %s" % reply["error"].get("desc"))
        if "return" in reply:
            return


def run_with_link_toggle(args, qmp_path):
    """Runs osc-run, answering the guest script's link-wait line with QMP set_link
    off, and its link-off line with set_link on. (status, output, serial log)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, qmp = [], None
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            out.append(line)
            try:
                if line.startswith("link-wait"):
                    qmp = qemu_run.Qmp(qmp_path, 10)
                    set_link(qmp, False)
                elif line.startswith("link-off:") and qmp:
                    set_link(qmp, True)
            except (OSError, RuntimeError, ValueError) as e:
                out.append("net.py: QMP failed: %s\n" % e)
        proc.wait(timeout=TIMEOUT + 120)
    finally:
        if qmp:
            qmp.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
        if os.path.exists(LAST_LOG) else ""
    return proc.returncode, "".join(out), log


def run(args):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=TIMEOUT + 120)
    out = r.stdout.decode("utf-8", "replace")
    log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
        if os.path.exists(LAST_LOG) else ""
    return r.returncode, out, log


def main():
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-net-")
    server = EchoServer()
    try:
        script = os.path.join(tmp, "net.sh")
        with open(script, "w") as f:
            f.write(SCRIPT.replace("@PORT@", str(server.port)))
        # osc-run's machine has -nic none (no default NIC); this pair adds ours.
        qmp_path = os.path.join(tmp, "qmp.sock")
        status, out, log = run_with_link_toggle([
            OSC_RUN, "--timeout", str(TIMEOUT), "--append", "netdev.selftest=%d" % server.port,
            "--add", script + ":/root/net.sh",
            "--qemu=-netdev", "--qemu=user,id=n0",
            "--qemu=-device", "--qemu=virtio-net-pci,netdev=n0,mac=" + MAC,
            "--qemu=-qmp", "--qemu=unix:%s,server=on,wait=off" % qmp_path,
            "--", "sh /root/net.sh"], qmp_path)
        tail = (out + "\n" + log)[-2500:]
        vals = dict(re.findall(r"^([a-z_/]+)=(.*)$", out, re.M))
        rep.check("net_boot_log", "[virtio-net] eth0: MAC=%s, link up" % MAC in log,
                  "no [virtio-net] eth0 line (status %d)" % status, tail)
        rep.check("net_dhcp_configures_eth0",
                  "[net] DHCP: 10.0.2.15 netmask 255.255.255.0 gateway 10.0.2.2 DNS 10.0.2.3 "
                  "(eth0)" in log, "no [net] DHCP line with QEMU's lease", tail)
        rep.check("net_tcp_over_loopback",
                  "[net] loopback test: TCP over 127.0.0.1: 20000 bytes each way" in log,
                  "no loopback TCP result line", tail)
        m = re.search(r"\[net\] eth0 test: ARP reply from 10\.0\.2\.2 is at ([0-9a-f:]+); "
                      r"ping reply in (\d+) us", log)
        rep.check("net_gateway_arp_and_ping", m is not None and m.group(1) == GW_MAC,
                  "no ARP + ping result line with %s" % GW_MAC, tail)
        m = re.search(r"\[net\] eth0 test: burst: (\d+) of (\d+) echo replies", log)
        rep.check("net_ping_burst_past_both_rings", m is not None and m.group(1) == m.group(2),
                  "not every echo request of the burst was answered", tail)
        rep.check("net_tcp_through_gateway_to_host",
                  re.search(r"\[net\] eth0 test: TCP to 10\.0\.2\.2:%d: sent 30 bytes, got "
                            r"the host's 36-byte answer" % server.port, log) is not None
                  and "hello from OSCortex over lwIP\n" in server.lines,
                  "no TCP result line, or the host server got %r" % server.lines, tail)
        rep.check("net_user_socket_through_nic_to_host",
                  "nc: echo: from busybox nc" in out and "from busybox nc\n" in server.lines,
                  "busybox nc got no answer (server got %r)" % server.lines, tail)
        rep.check("net_sysfs_address", vals.get("address") == MAC and "dir: eth0" in out,
                  "address %r" % vals.get("address"), tail)
        rep.check("net_sysfs_operstate_and_mtu",
                  vals.get("operstate") == "up" and vals.get("mtu") == "1500"
                  and vals.get("carrier") == "1" and vals.get("type") == "1",
                  "operstate %r mtu %r carrier %r type %r" % (
                      vals.get("operstate"), vals.get("mtu"), vals.get("carrier"),
                      vals.get("type")), tail)

        def num(k):
            v = vals.get("statistics/" + k, "")
            return int(v) if v.isdigit() else -1
        # At least the ARP request and the 301 echo requests went out (60 + 74
        # bytes each), and their answers came in.
        rep.check("net_sysfs_counters_grew",
                  num("tx_packets") >= 302 and num("tx_bytes") >= 60 + 301 * 74
                  and num("rx_packets") >= 302 and num("rx_bytes") >= 42 + 301 * 74
                  and num("rx_errors") == 0 and status == 0,
                  "counters %s (status %d)" % ({k: v for k, v in vals.items()
                                                if k.startswith("statistics")}, status), tail)
        # QMP set_link: the device's config interrupt carries the change.
        rep.check("net_link_change_reaches_operstate",
                  "link-off: down 0" in out and "link-on: up 1" in out
                  and "[net] eth0: link down" in log and "[net] eth0: link up" in log,
                  "the guest did not see the link go down and up", tail)
        rep.check("net_dhcp_again_after_link_change", "dhcp-leases: 2" in out,
                  "DHCP did not bind again after the link came back", tail)

        status, out, log = run([OSC_RUN, "--timeout", str(TIMEOUT), "--append", "netdev.selftest",
                                "--", "i=0; while ! grep -q 'loopback test' /sys/kernel/log "
                                "&& [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
                                "echo \"net:[$(ls /sys/class/net)]\""])
        rep.check("net_no_nic_boot_offline_with_loopback",
                  status == 0 and "net:[]" in out and "[virtio-net]" not in log
                  and "[net] offline: no network device" in log
                  and "[net] loopback test: TCP over 127.0.0.1: 20000 bytes each way" in log,
                  "status %d" % status, (out + "\n" + log)[-1500:])
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


if __name__ == "__main__":
    main()
