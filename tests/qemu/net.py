#!/usr/bin/env python3
"""virtio-net end to end, without a TCP/IP stack.

One boot with QEMU user networking (-netdev user + virtio-net-pci with a known
MAC) and netdev.selftest on the kernel command line: the kernel's test hook
(kernel/net/netdev_tests.c) sends a hand-built ARP request for the gateway
10.0.2.2 and an ICMP echo request to it, then a burst of 300 echo requests (more
than the TX and RX rings hold), and logs the answers. Inside OSCortex a
script waits for that line and cats /sys/class/net/eth0's files with busybox.
Then the host turns the link off and on (QMP set_link), which the guest sees in
operstate through the config interrupt. A second boot without a NIC shows an empty /sys/class/net and no driver line.

usage: net.py    tests: net_boot_log, net_gateway_arp_and_ping,
                        net_ping_burst_past_both_rings, net_sysfs_address,
                        net_sysfs_operstate_and_mtu, net_sysfs_counters_grew,
                        net_link_change_reaches_operstate,
                        net_no_nic_boot_unaffected
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

from common import ROOT, Reporter, qemu_run

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 150
MAC = "52:54:00:12:34:56"
GW_MAC = "52:55:0a:00:02:02"        # QEMU slirp's gateway
SCRIPT = r"""
i=0
while ! grep -qE "eth0 test: (burst|FAILED)" /sys/kernel/log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "dir: $(ls /sys/class/net)"
cd /sys/class/net/eth0 || exit 1
for f in address mtu operstate carrier type statistics/rx_packets statistics/tx_packets \
         statistics/rx_bytes statistics/tx_bytes statistics/rx_errors; do
    echo "$f=$(cat $f)"
done
echo "stats: $(ls statistics | tr '\n' ' ')"
# The host turns the link off on this line, and on again once the guest saw it.
echo link-wait
i=0; while [ "$(cat operstate)" = up ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "link-off: $(cat operstate) $(cat carrier)"
i=0; while [ "$(cat operstate)" != up ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "link-on: $(cat operstate) $(cat carrier)"
"""


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
    try:
        script = os.path.join(tmp, "net.sh")
        with open(script, "w") as f:
            f.write(SCRIPT)
        # osc-run's machine has -nic none (no default NIC); this pair adds ours.
        qmp_path = os.path.join(tmp, "qmp.sock")
        status, out, log = run_with_link_toggle([
            OSC_RUN, "--timeout", str(TIMEOUT), "--append", "netdev.selftest",
            "--add", script + ":/root/net.sh",
            "--qemu=-netdev", "--qemu=user,id=n0",
            "--qemu=-device", "--qemu=virtio-net-pci,netdev=n0,mac=" + MAC,
            "--qemu=-qmp", "--qemu=unix:%s,server=on,wait=off" % qmp_path,
            "--", "sh /root/net.sh"], qmp_path)
        tail = (out + "\n" + log)[-2500:]
        vals = dict(re.findall(r"^([a-z_/]+)=(.*)$", out, re.M))
        rep.check("net_boot_log", "[virtio-net] eth0: MAC=%s, link up" % MAC in log,
                  "no [virtio-net] eth0 line (status %d)" % status, tail)
        m = re.search(r"\[net\] eth0 test: ARP reply from 10\.0\.2\.2 is at ([0-9a-f:]+); "
                      r"ping reply in (\d+) us", log)
        rep.check("net_gateway_arp_and_ping", m is not None and m.group(1) == GW_MAC,
                  "no ARP + ping result line with %s" % GW_MAC, tail)
        m = re.search(r"\[net\] eth0 test: burst: (\d+) of (\d+) echo replies", log)
        rep.check("net_ping_burst_past_both_rings", m is not None and m.group(1) == m.group(2),
                  "not every echo request of the burst was answered", tail)
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

        status, out, log = run([OSC_RUN, "--timeout", str(TIMEOUT), "--",
                                "echo \"net:[$(ls /sys/class/net)]\""])
        rep.check("net_no_nic_boot_unaffected",
                  status == 0 and "net:[]" in out and "[virtio-net]" not in log,
                  "status %d" % status, (out + "\n" + log)[-1500:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


if __name__ == "__main__":
    main()
