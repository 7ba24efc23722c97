#!/usr/bin/env python3
"""virtio-blk and block device files end to end, data checked on the host.

One boot with two disks: vda, an 8 MiB raw image on a modern-only virtio-blk
(disable-legacy=on) with an MBR holding one partition and a block of known bytes
at 4 MiB; vdb, a 1 MiB image attached readonly=on. Inside OSCortex the
user/tests/blockdev program runs on each (musl on vda, glibc on vdb), dd copies the
host's block to another offset, md5sum reads it; after poweroff the host finds in
the image what the guest wrote (the test program's fsync'd record and the dd copy).
vdc is a 1 MiB image behind QEMU's blkdebug, which fails reads of one sector: the
guest's read of it fails (EIO), a read elsewhere works. A second boot gives the
guest a disk that never answers in time (see unanswered()).

usage: blockdev.py   tests: blockdev_boot_log, blockdev_device_error_is_eio, blockdev_tests_rw_musl,
                            blockdev_tests_ro_glibc, blockdev_proc_partitions,
                            blockdev_partition_node, blockdev_host_data_read,
                            blockdev_guest_writes_in_image,
                            blockdev_partition_reads_from_its_start, blockdev_ro_image_unchanged,
                            blockdev_unanswered_request_times_out_with_eio
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
RW_SIZE, RO_SIZE = 8 << 20, 1 << 20
COPY_AT = 10000 * 512


def make_images(tmp):
    rw, host = test_disk(RW_SIZE)
    ro = bytearray((i * 3) & 0xff for i in range(RO_SIZE))
    marker = b"OSCTESTDISK %d ro\n" % RO_SIZE
    ro[:len(marker)] = marker
    paths = os.path.join(tmp, "rw.img"), os.path.join(tmp, "ro.img")
    for p, data in zip(paths, (rw, ro)):
        with open(p, "wb") as f:
            f.write(data)
    return paths, host, bytes(ro)


def main():
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-blockdev-")
    try:
        (rw, ro), host, ro_data = make_images(tmp)
        conf, err_img = failing_disk(tmp)
        # CD first: SeaBIOS would otherwise boot the disk, whose MBR is bootable.
        qemu = ["-boot", "order=d",
                "-drive", "file=%s,if=none,id=d0,format=raw" % rw,
                "-device", "virtio-blk-pci,drive=d0,disable-legacy=on",
                "-drive", "file=%s,if=none,id=d1,format=raw,readonly=on" % ro,
                "-device", "virtio-blk-pci,drive=d1",
                # vdc: QEMU's blkdebug fails every read of sector ERR_SECTOR with EIO.
                "-drive", "file=blkdebug:%s:%s,if=none,id=d2,format=raw" % (conf, err_img),
                "-device", "virtio-blk-pci,drive=d2"]
        command = ("/usr/tests/blockdev.musl && OSC_BLOCKDEV=/dev/vdb /usr/tests/blockdev.glibc"
                   " && ls -l /dev/vda1"
                   " && dd if=/dev/vda of=/tmp/h bs=4096 skip=%d count=1 2>/dev/null"
                   " && md5sum /tmp/h"
                   " && dd if=/dev/vda1 of=/tmp/p bs=512 count=1 2>/dev/null && md5sum /tmp/p"
                   " && dd if=/tmp/h of=/dev/vda bs=512 seek=%d conv=notrunc,fsync 2>/dev/null"
                   " && if dd if=/dev/vdc of=/dev/null bs=512 skip=%d count=16 2>/dev/null;"
                   " then echo vdc-bad-read-ok; else echo vdc-bad-read-failed; fi"
                   " && dd if=/dev/vdc of=/dev/null bs=512 count=16 2>/dev/null && echo vdc-good-read-ok"
                   " && sync && cat /proc/partitions" % (HOST_AT // 4096, COPY_AT // 512, ERR_SECTOR - 8))
        script = os.path.join(tmp, "blockdev.sh")     # too long for the command line
        with open(script, "w") as f:
            f.write(command + "\n")
        args = [OSC_RUN, "--timeout", str(TIMEOUT), "--add", script + ":/root/blockdev.sh"]
        for a in qemu:
            args.append("--qemu=" + a)
        r = subprocess.run(args + ["--", "sh /root/blockdev.sh"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT + 120)
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
            if os.path.exists(LAST_LOG) else ""
        tail = (out + "\n" + err)[-2500:]
        rep.check("blockdev_boot_log",
                  "[virtio-blk] vda: 8 MiB" in log and "[virtio-blk] vdb: 1 MiB, read-only" in log
                  and "[virtio-blk] vdc: 1 MiB" in log,
                  "no [virtio-blk] vda/vdb lines", log[-1500:])
        rep.check("blockdev_tests_rw_musl",
                  "disk tests ran on /dev/vda (%d bytes, rw)" % RW_SIZE in out
                  and re.search(r"^blockdev\.musl: 11 passed, 0 failed$", out, re.M) is not None,
                  "status %d" % r.returncode, tail)
        rep.check("blockdev_tests_ro_glibc",
                  "read-only disk tests ran on /dev/vdb (%d bytes)" % RO_SIZE in out
                  and re.search(r"^blockdev\.glibc: 11 passed, 0 failed$", out, re.M) is not None,
                  "status %d" % r.returncode, tail)
        parts = [l.split() for l in out.splitlines() if re.match(r"^\s*254\s", l)]
        want = [["254", "0", "8192", "vda"], ["254", "1", "2048", "vda1"],
                ["254", "16", "1024", "vdb"], ["254", "32", "1024", "vdc"]]
        rep.check("blockdev_proc_partitions",
                  parts == want and "major minor  #blocks  name" in out,
                  "got %s, want %s" % (parts, want), tail)
        rep.check("blockdev_partition_node",
                  re.search(r"^b\S+\s+1 root\s+\S+\s+254,\s+1 .*/dev/vda1$", out, re.M) is not None,
                  "no block node 254,1 for /dev/vda1", tail)
        rep.check("blockdev_host_data_read",
                  "%s  /tmp/h" % hashlib.md5(host).hexdigest() in out,
                  "md5 of the host's block not seen", tail)
        rep.check("blockdev_device_error_is_eio",
                  "vdc-bad-read-failed" in out and "vdc-good-read-ok" in out
                  and "vdc: read of 1 sectors at %d failed" % ERR_SECTOR in log,
                  "a read the device fails must fail with EIO (and be logged); others work",
                  tail)
        with open(rw, "rb") as f:
            img = f.read()
        persist = persisted_bytes()
        persist[:11] = b"OSC-PERSIST"
        rep.check("blockdev_guest_writes_in_image",
                  img[PERSIST_AT:PERSIST_AT + PERSIST_LEN] == persist
                  and img[COPY_AT:COPY_AT + 4096] == host and len(img) == RW_SIZE,
                  "the image lacks the guest's fsync'd record or its dd copy", tail)
        rep.check("blockdev_partition_reads_from_its_start",
                  "%s  /tmp/p" % hashlib.md5(img[2048 * 512:2049 * 512]).hexdigest() in out,
                  "vda1's first sector is not the disk's sector 2048", tail)
        with open(ro, "rb") as f:
            rep.check("blockdev_ro_image_unchanged", f.read() == ro_data,
                      "the read-only image changed")
        unanswered(rep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


def unanswered(rep):
    """Second boot: a disk that answers nothing in time (QEMU's null-co with a 4 s
    latency) under virtio_blk.timeout=1. The partition scan's read at boot times
    out, the device is reset, the boot goes on; a later read fails with EIO."""
    args = [OSC_RUN, "--timeout", "90", "--append", "virtio_blk.timeout=1",
            "--qemu=-blockdev",
            "--qemu=driver=null-co,node-name=n0,size=1048576,latency-ns=4000000000,read-zeroes=on",
            "--qemu=-device", "--qemu=virtio-blk-pci,drive=n0",
            "--", "dd if=/dev/vda of=/dev/null bs=512 count=1"]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=200)
    out = r.stdout.decode("utf-8", "replace")
    log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
        if os.path.exists(LAST_LOG) else ""
    rep.check("blockdev_unanswered_request_times_out_with_eio",
              "vda: a request got no answer in 1 s: device reset" in log
              and "[virtio-blk] vda: 1 MiB" in log and "Input/output error" in out,
              "status %d" % r.returncode, (out + "\n" + log)[-2000:])


if __name__ == "__main__":
    main()
