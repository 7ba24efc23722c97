#!/usr/bin/env python3
"""NVMe end to end, data checked on the host. One boot at -smp 2 (an I/O queue pair
per CPU), three QEMU nvme controllers:

nvme0n1: an 8 MiB raw image with an MBR partition (sectors 2048..6143), a block of
known bytes at 4 MiB and a 1 MiB pattern at 5 MiB. Inside OSCortex
user/tests/blockdev runs on it (its disk tests: the image carries their marker),
busybox blockdev reads BLKGETSIZE64, dd/md5sum read the host's bytes (the 1 MiB
in 64 KiB requests: PRP lists) and copy them elsewhere; after poweroff the host
finds the copies and the test program's fsync'd record in the image.
nvme1n1: a 1 MiB image behind QEMU's blkdebug, which fails reads of one sector:
the controller answers with an error status, the guest's read fails with EIO.
nvme2n1: QEMU's null-co answering after 4 s, under nvme_core.io_timeout=1: the
boot's partition-scan read times out, the watchdog disables the controller (a
log line), the boot goes on, a later read gets EIO at once.

usage: nvme.py   tests: nvme_boot_log, nvme_blockdev_tests_musl, nvme_proc_partitions,
                        nvme_partition_node, nvme_getsize64, nvme_host_data_read,
                        nvme_partition_reads_from_its_start, nvme_guest_writes_in_image,
                        nvme_error_status_is_eio, nvme_dead_controller_times_out_with_eio
"""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from common import ROOT, Reporter
from disk_images import (ERR_SECTOR, HOST_AT, PERSIST_AT, PERSIST_LEN, failing_disk,
                         persisted_bytes, test_disk)

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 200
SIZE = 8 << 20
BIG_AT, BIG_LEN = 5 << 20, 1 << 20
COPY_AT, BIG_COPY_AT = 10000 * 512, (13 << 19)      # 6.5 MiB


def make_image(tmp):
    img, host = test_disk(SIZE)
    big = bytes((i * 7 + (i >> 12) * 3 + 1) & 0xff for i in range(BIG_LEN))
    img[BIG_AT:BIG_AT + BIG_LEN] = big
    path = os.path.join(tmp, "nvme.img")
    with open(path, "wb") as f:
        f.write(img)
    return path, host, big


def main():
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-nvme-")
    try:
        img, host, big = make_image(tmp)
        conf, err_img = failing_disk(tmp)
        # CD first: SeaBIOS would otherwise boot the disk, whose MBR is bootable.
        qemu = ["-boot", "order=d",
                "-drive", "file=%s,if=none,id=n0,format=raw" % img,
                "-device", "nvme,serial=deadbeef,drive=n0",
                "-drive", "file=blkdebug:%s:%s,if=none,id=n1,format=raw" % (conf, err_img),
                "-device", "nvme,serial=badc0de,drive=n1",
                "-blockdev", "driver=null-co,node-name=n2,size=1048576,"
                             "latency-ns=4000000000,read-zeroes=on",
                "-device", "nvme,serial=5l0w,drive=n2"]
        command = ("OSC_BLOCKDEV=/dev/nvme0n1 /usr/tests/blockdev.musl"
                   " && ls -l /dev/nvme0n1p1"
                   " && echo size64=$(blockdev --getsize64 /dev/nvme0n1)"
                   " && dd if=/dev/nvme0n1 of=/tmp/h bs=4096 skip=%d count=1 2>/dev/null"
                   " && md5sum /tmp/h"
                   " && dd if=/dev/nvme0n1 of=/tmp/big bs=65536 skip=%d count=%d 2>/dev/null"
                   " && md5sum /tmp/big"
                   " && dd if=/dev/nvme0n1p1 of=/tmp/p bs=512 count=1 2>/dev/null && md5sum /tmp/p"
                   " && dd if=/tmp/h of=/dev/nvme0n1 bs=512 seek=%d conv=notrunc,fsync 2>/dev/null"
                   " && dd if=/tmp/big of=/dev/nvme0n1 bs=65536 seek=%d conv=notrunc,fsync"
                   " 2>/dev/null"
                   " && if dd if=/dev/nvme1n1 of=/dev/null bs=512 skip=%d count=16 2>/dev/null;"
                   " then echo bad-read-ok; else echo bad-read-failed; fi"
                   " && dd if=/dev/nvme1n1 of=/dev/null bs=512 count=16 2>/dev/null"
                   " && echo good-read-ok"
                   " && if dd if=/dev/nvme2n1 of=/dev/null bs=512 count=1 2>/dev/null;"
                   " then echo dead-read-ok; else echo dead-read-failed; fi"
                   " && sync && cat /proc/partitions"
                   % (HOST_AT // 4096, BIG_AT // 65536, BIG_LEN // 65536, COPY_AT // 512,
                      BIG_COPY_AT // 65536, ERR_SECTOR - 8))
        script = os.path.join(tmp, "nvme.sh")
        with open(script, "w") as f:
            f.write(command + "\n")
        args = [OSC_RUN, "--timeout", str(TIMEOUT), "--smp", "2", "--append", "nvme_core.io_timeout=1",
                "--add", script + ":/root/nvme.sh"]
        for a in qemu:
            args.append("--qemu=" + a)
        r = subprocess.run(args + ["--", "sh /root/nvme.sh"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT + 120)
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
            if os.path.exists(LAST_LOG) else ""
        tail = (out + "\n" + err)[-2500:]
        rep.check("nvme_boot_log",
                  "[nvme] nvme0n1: 8 MiB, write cache, 2 queues" in log
                  and "[nvme] nvme1n1: 1 MiB" in log,
                  "no [nvme] nvme0n1: 8 MiB (2 queues at -smp 2) / nvme1n1: 1 MiB lines",
                  log[-1500:])
        rep.check("nvme_blockdev_tests_musl",
                  "disk tests ran on /dev/nvme0n1 (%d bytes, rw)" % SIZE in out
                  and re.search(r"^blockdev\.musl: 11 passed, 0 failed$", out, re.M) is not None,
                  "status %d" % r.returncode, tail)
        parts = [l.split() for l in out.splitlines() if re.match(r"^\s*259\s", l)]
        want = [["259", "0", "8192", "nvme0n1"], ["259", "1", "2048", "nvme0n1p1"],
                ["259", "16", "1024", "nvme1n1"], ["259", "32", "1024", "nvme2n1"]]
        rep.check("nvme_proc_partitions",
                  parts == want and "major minor  #blocks  name" in out,
                  "got %s, want %s" % (parts, want), tail)
        rep.check("nvme_partition_node",
                  re.search(r"^b\S+\s+1 root\s+\S+\s+259,\s+1 .*/dev/nvme0n1p1$", out, re.M)
                  is not None, "no block node 259,1 for /dev/nvme0n1p1", tail)
        rep.check("nvme_getsize64", "size64=%d" % SIZE in out,
                  "blockdev --getsize64 did not print %d" % SIZE, tail)
        rep.check("nvme_host_data_read",
                  "%s  /tmp/h" % hashlib.md5(host).hexdigest() in out
                  and "%s  /tmp/big" % hashlib.md5(big).hexdigest() in out,
                  "md5 of the host's 4 KiB block or 1 MiB region not seen", tail)
        with open(img, "rb") as f:
            data = f.read()
        rep.check("nvme_partition_reads_from_its_start",
                  "%s  /tmp/p" % hashlib.md5(data[2048 * 512:2049 * 512]).hexdigest() in out,
                  "nvme0n1p1's first sector is not the disk's sector 2048", tail)
        persist = persisted_bytes()
        persist[:11] = b"OSC-PERSIST"
        rep.check("nvme_guest_writes_in_image",
                  data[PERSIST_AT:PERSIST_AT + PERSIST_LEN] == persist
                  and data[COPY_AT:COPY_AT + 4096] == host
                  and data[BIG_COPY_AT:BIG_COPY_AT + BIG_LEN] == big and len(data) == SIZE,
                  "the image lacks the guest's fsync'd record or its dd copies", tail)
        rep.check("nvme_error_status_is_eio",
                  "bad-read-failed" in out and "good-read-ok" in out
                  and "nvme1n1: read of 1 sectors at %d failed (status" % ERR_SECTOR in log,
                  "a read the controller fails must fail with EIO (and be logged); others work",
                  tail)
        rep.check("nvme_dead_controller_times_out_with_eio",
                  "nvme2: a request got no answer in time: controller disabled" in log
                  and "[nvme] nvme2n1: 1 MiB" in log and "dead-read-failed" in out,
                  "status %d" % r.returncode, (tail + "\n" + log)[-3000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


if __name__ == "__main__":
    main()
