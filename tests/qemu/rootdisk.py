#!/usr/bin/env python3
"""root=/dev/vda: the system runs from an ext2 disk made by tools/mkrootdisk.sh
from the product initramfs, switched to by init and Debian's busybox switch_root.
Three boots of the same disk (tools/osc-run, virtio-blk):

  rootdisk_switches_to_the_disk    boot 1: init logs the switch; / is /dev/vda ext2
                                   first in /proc/mounts, the initramfs is not
                                   listed; /dev, /proc, /sys and /tmp moved along
  rootdisk_keeps_files_across_boots  boot 1 writes /root/persist.txt and syncs;
                                   boot 2 (root=/dev/vda ro) reads it back, and
                                   writing there is refused (read-only file system)
  rootdisk_image_stays_clean       e2fsck -fn on the host after both boots
  rootdisk_missing_device_keeps_the_initramfs  boot 3: root=/dev/vdz (no such disk)
                                   logs why and runs the command on the initramfs
usage: rootdisk.py"""

import os
import subprocess
import tempfile

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")

BOOT1 = ("cat /proc/mounts; echo ==; ls /dev/vda; cat /proc/uptime >/dev/null && echo proc-ok; "
         "ls /sys/bus >/dev/null && echo sys-ok; stat -f -c 'tmp %T' /tmp; "
         "echo written-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo boot1) > /root/persist.txt; "
         "sync; echo wrote; cat /root/persist.txt")
BOOT2 = "cat /root/persist.txt; echo x > /root/other.txt; echo write=$?; head -1 /proc/mounts"
BOOT3 = "echo on-initramfs; head -1 /proc/mounts"


def boot(disk, append, command):
    r = subprocess.run([OSC_RUN, "--timeout", "60", "--append", append,
                        "--qemu=-drive", "--qemu=file=%s,if=virtio,format=raw" % disk,
                        "--", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=150)
    out = r.stdout.decode("utf-8", "replace")
    log = open(os.path.join(ROOT, "build", "osc-run", "last.log"), errors="replace").read()
    return r.returncode, out, log


def main():
    rep = Reporter()
    subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, "build/initramfs-product.cpio"],
                   check=True)
    with tempfile.TemporaryDirectory(prefix="osc-rootdisk-") as tmp:
        disk = os.path.join(tmp, "root.img")
        subprocess.run(["bash", os.path.join(ROOT, "tools", "mkrootdisk.sh"), disk, "64M"],
                       check=True, stdout=subprocess.DEVNULL)
        rc, out, log = boot(disk, "root=/dev/vda", BOOT1)
        lines = out.splitlines()
        mounts = lines[:lines.index("==")] if "==" in lines else []
        rep.check("rootdisk_switches_to_the_disk",
                  rc == 0 and "[init] root: /dev/vda (ext2) becomes /" in log and
                  mounts[:1] == ["/dev/vda / ext2 rw,relatime 0 0"] and
                  not any(" / tmpfs " in m for m in mounts) and
                  all(any(m.split()[1:2] == [d] for m in mounts) for d in ("/dev", "/proc", "/sys", "/tmp"))
                  and "/dev/vda" in lines and "proc-ok" in lines and "sys-ok" in lines
                  and "tmp tmpfs" in lines,
                  "status %d, mounts %r" % (rc, mounts), out + log[-1500:])
        written = [l for l in lines if l.startswith("written-")]
        rc2, out2, log2 = boot(disk, "root=/dev/vda ro", BOOT2)
        rep.check("rootdisk_keeps_files_across_boots",
                  rc2 == 0 and "wrote" in lines and len(written) == 1 and
                  out2.splitlines()[:1] == written and "Read-only file system" in out2 and
                  "write=1" in out2 and "/dev/vda / ext2 ro,relatime 0 0" in out2 and
                  "[init] root: /dev/vda (ext2, read-only) becomes /" in log2,
                  "boot 1 wrote %r; boot 2 said %r" % (written, out2), out2 + log2[-1500:])
        fsck = subprocess.run(["e2fsck", "-fn", disk], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        rep.check("rootdisk_image_stays_clean", fsck.returncode == 0,
                  "e2fsck -fn exit %d" % fsck.returncode, fsck.stdout.decode(errors="replace"))
        rc3, out3, log3 = boot(disk, "root=/dev/vdz", BOOT3)
        rep.check("rootdisk_missing_device_keeps_the_initramfs",
                  rc3 == 0 and "on-initramfs" in out3 and "tmpfs / tmpfs rw 0 0" in out3 and
                  "[init] root: /dev/vdz is no block device; staying on the initramfs" in log3,
                  "status %d" % rc3, out3 + log3[-1500:])
    rep.exit()


if __name__ == "__main__":
    main()
