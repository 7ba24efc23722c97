#!/usr/bin/env python3
"""ext2 read-write end to end: writable images Debian's mke2fs made on the host
(1 KiB blocks on virtio-blk vda, 4 KiB blocks on NVMe, a 2 MiB one on vdb to
fill), mounted read-write in the guest, changed there, unmounted; then on the
host e2fsck -fn must find every image clean and debugfs must read back exactly
what the guest wrote. One boot.

In the guest, on each of vda and nvme0n1: user/tests/ext2_write.c and
user/tests/mmap_ext2.c in the mount (musl on one, glibc on the other; the
latter leaves /mmap-kept, stored through a shared mapping and never msync'ed,
which the host reads back from the image), then a busybox workload: cp -r of /bin, /sbin
and /etc, a tar of the copy unpacked beside it, 400 small files of which half are
deleted, a 9 MB file (double indirect blocks at both block sizes) and a truncated
copy of it, a hard link, fast and slow symlinks, a directory renamed, a file made
by mke2fs appended to, one renamed, one deleted, chmod; the guest's sha256sum of
every file is compared with debugfs rdump of the image. Also: umount of a busy
mount is EBUSY, a -o ro mount of a writable disk answers EROFS and leaves it
untouched, filling vdb answers ENOSPC and leaves it clean, and vdc, whose block
bitmap offers a block of the inode table, answers a write with EUCLEAN and an
[ext2] line instead of handing the block out; vdd, with the huge_file feature
(read-only compatible, not written by this driver), mounts only read-only: a
read-write mount is EINVAL with Linux's log line. Last, vdb is mounted again, one
file written and sync(1)ed, one written with dd conv=fsync, and the guest ends
with the mount still up (QEMU is killed): both files must be on the image and
e2fsck -fn clean.
Also: user/tests/readdir_pos.c and pagecache_runs.c (holes, tails and readahead
read back from the disk after drop_caches) on both rw mounts (a directory emptied while
listed, telldir/seekdir after deletions), and MS_REMOUNT on vdb (user/tests/
remount.c, busybox mount -o remount,ro and remount,rw) before it is filled.

usage: ext2_write.py   tests: ext2w_user_tests, ext2w_readdir_positions, ext2w_remount,
                        ext2w_mmap_page_cache, ext2w_pagecache_runs, ext2w_mount_rw_logs,
                        ext2w_fsck_clean_1k, ext2w_fsck_clean_4k, ext2w_contents_1k,
                        ext2w_contents_4k, ext2w_busy_umount, ext2w_ro_mount_untouched,
                        ext2w_enospc_clean, ext2w_lying_bitmap_euclean,
                        ext2w_synced_data_survives_a_kill, ext2w_unknown_ro_compat_ro_only
"""

import hashlib
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 240
SILENCE = 90                    # seconds without output: the guest is stuck
BIG = 9 * 1000 * 1000 + 7       # double indirect at 1 KiB and 4 KiB blocks
PATH = "/usr/sbin:/sbin:" + os.environ.get("PATH", "")


def sh(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, PATH=PATH)).stdout.decode()


def seed_tree(d):
    os.makedirs(os.path.join(d, "hostdir"))
    with open(os.path.join(d, "hostfile.txt"), "wb") as f:
        f.write(b"".join(b"host line %d\n" % i for i in range(300)))
    with open(os.path.join(d, "hostdir", "a.bin"), "wb") as f:
        f.write(bytes((i * 7) & 0xff for i in range(20000)))
    with open(os.path.join(d, "hostdel.txt"), "wb") as f:
        f.write(b"to be deleted\n")


def mmap_kept_bytes():
    """user/tests/mmap_ext2.c's OSC_MMAP_KEEP file: pages 0-2 written, page 1 and
    the grown page 3 stored through a shared mapping."""
    pg = 4096
    return bytes(((i ^ 0x3c) & 0xff) if (pg <= i < 2 * pg or i >= 3 * pg)
                 else ((i * 7 + 8 + (i >> 12)) & 0xff) for i in range(4 * pg - 10))


def big_bytes():
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=-\n"
    return (line * (BIG // len(line) + 1))[:BIG]


def workload(mnt, prog):
    w = mnt + "/w"
    return [
        "echo ==work %s" % mnt,
        "OSC_FS_DIR=%s /usr/tests/%s | grep -v '^START\\|^PASS'" % (mnt, prog),
        # Directory positions that survive deletions (user/tests/readdir_pos.c).
        "OSC_FS_DIR=%s /usr/tests/readdir_pos.%s | grep -v '^START\\|^PASS'"
        % (mnt, prog.split(".")[-1]),
        "OSC_FS_DIR=%s OSC_MMAP_KEEP=mmap-kept /usr/tests/mmap_ext2.%s | grep -v '^START\\|^PASS'"
        % (mnt, prog.split(".")[1]),
        # Readahead and write-back runs against the disk (user/tests/pagecache_runs.c).
        "OSC_FS_DIR=%s /usr/tests/pagecache_runs.%s | grep -v '^START\\|^PASS'"
        % (mnt, prog.split(".")[1]),
        "mkdir %s" % w,
        "cp -r /bin /sbin /etc %s/ && echo cp=ok" % w,
        # Part of bin (the applet links a-c, busybox and one app) keeps the round
        # trip inside the 64 MiB images now that /bin holds the desktop's apps.
        "cd %s && tar cf t.tar bin/[a-c]* sbin etc && mkdir x && tar xf t.tar -C x && echo tar=ok; cd /"
        % w,
        "mkdir %s/small; i=0; while [ $i -lt 400 ]; do echo \"small file $i\" > %s/small/f$i;"
        " i=$((i+1)); done; echo small=ok" % (w, w),
        "i=0; while [ $i -lt 400 ]; do rm %s/small/f$i; i=$((i+2)); done; echo rmhalf=ok" % w,
        "yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=- | head -c %d > %s/big"
        % (BIG, w),
        "cp %s/big %s/big.cut && truncate -s 100000 %s/big.cut && echo trunc=ok" % (w, w, w),
        "ln %s/big %s/big.link && ln -s big %s/fast && ln -s %s %s/slow && echo links=ok"
        % (w, w, w, "/" + "d" * 100 + "/target", w),
        "mv %s/x %s/x2 && mv %s/hostdir %s/w/hostdir2 && rm %s/hostdel.txt && echo mv=ok"
        % (w, w, mnt, mnt, mnt),
        "echo appended-in-guest >> %s/hostfile.txt; chmod 600 %s/hostfile.txt" % (mnt, mnt),
        "echo ==sha %s" % mnt,
        "cd %s && find . -type f | sort | xargs sha256sum; cd /" % mnt,
        "echo ==links %s; readlink %s/fast; readlink %s/slow; stat -c '%%h %%s' %s/big"
        % (mnt, w, w, w),
        "echo ==endsha",
        "cd %s; umount %s; echo umount-busy=$?; cd /" % (w, mnt),
        "sync; umount %s; echo umount-%s=$?" % (mnt, mnt),
    ]


def guest_script():
    lines = ["exec 2>&1", "mkdir -p /mnt/a /mnt/b /mnt/f",
             "mount -t ext2 -o ro /dev/vda /mnt/a; echo ro-mount=$?",
             "touch /mnt/a/new; echo ro-touch=$?; umount /mnt/a; echo ro-umount=$?",
             "mount -t ext2 /dev/vda /mnt/a; echo mount-a=$?",
             "mount -t ext2 /dev/nvme0n1 /mnt/b; echo mount-b=$?",
             "echo ==mounts; grep ext2 /proc/mounts; echo ==endmounts"]
    lines += workload("/mnt/a", "ext2_write.musl")
    lines += workload("/mnt/b", "ext2_write.glibc")
    # MS_REMOUNT on vdb (user/tests/remount.c, then busybox mount -o remount);
    # the ENOSPC test below then fills the same disk and e2fsck checks it.
    lines += ["echo ==remount"]
    lines += ["OSC_EXT2_DEV=/dev/vdb /usr/tests/remount.%s | grep -v '^START\\|^PASS'" % lib
              for lib in ("musl", "glibc")]
    lines += ["mount -t ext2 /dev/vdb /mnt/f; echo hi > /mnt/f/r",
              "mount -o remount,ro /mnt/f; echo bb-remount-ro=$?",
              "touch /mnt/f/r2; echo bb-touch-ro=$?; grep /mnt/f /proc/mounts",
              "mount -o remount,rw,noexec /mnt/f; echo bb-remount-rw=$?; grep /mnt/f /proc/mounts",
              "rm /mnt/f/r; echo bb-rm-rw=$?; umount /mnt/f; echo bb-umount=$?"]
    lines += ["echo ==full", "mount -t ext2 /dev/vdb /mnt/f; echo mount-f=$?",
              "dd if=/dev/zero of=/mnt/f/fill bs=4096 count=4096; echo dd=$?",
              "echo small > /mnt/f/after; echo after=$?",
              "mkdir /mnt/f/d1 /mnt/f/d2 /mnt/f/d3; echo mkdirs=$?",
              "rm /mnt/f/fill; echo rm=$?; echo fits > /mnt/f/after2; echo after2=$?",
              "df /mnt/f", "umount /mnt/f; echo umount-f=$?",
              "echo ==liar", "mkdir -p /mnt/l; mount -t ext2 /dev/vdc /mnt/l; echo mount-l=$?",
              "echo data > /mnt/l/f; echo write-l=$?", "umount /mnt/l; echo umount-l=$?",
              "echo ==rocompat", "mkdir -p /mnt/h; mount -t ext2 /dev/vdd /mnt/h; echo mount-h-rw=$?",
              "mount -t ext2 -o ro /dev/vdd /mnt/h; echo mount-h-ro=$?; ls /mnt/h",
              "umount /mnt/h; echo umount-h=$?",
              "echo ==durable", "mount -t ext2 /dev/vdb /mnt/f; echo mount-d=$?",
              "echo synced-by-sync > /mnt/f/s1; sync; echo sync=$?",
              "yes fsync-data | head -c 70000 | dd of=/mnt/f/s2 bs=4096 conv=fsync; echo dd-fsync=$?",
              "echo ==done"]
    return "\n".join(lines) + "\n"


def lying_bitmap(img):
    """Clears the bit of group 0's first inode table block in its block bitmap."""
    dump = sh("dumpe2fs", img)
    bitmap = int(re.search(r"Block bitmap at (\d+)", dump).group(1))
    table = int(re.search(r"Inode table at (\d+)", dump).group(1))
    with open(img, "r+b") as f:
        bit = table - 1                 # 1 KiB blocks: the first data block is 1
        f.seek(bitmap * 1024 + bit // 8)
        byte = f.read(1)[0]
        f.seek(bitmap * 1024 + bit // 8)
        f.write(bytes([byte & ~(1 << (bit % 8))]))


def run_guest(args):
    """osc-run's output, killed after SILENCE seconds without a line (a hang)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    out, last, start = b"", time.time(), time.time()
    while True:
        if not sel.select(timeout=5):
            if time.time() - last > SILENCE or time.time() - start > TIMEOUT + 60:
                proc.kill()
                out += b"\n[ext2_write.py: no output for %d s, killed]\n" % SILENCE
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
        last = time.time()
    proc.wait()
    return out.decode("utf-8", "replace")


def section(out, name):
    m = re.search(r"^==%s\n(.*?)(?=^==|\Z)" % re.escape(name), out, re.M | re.S)
    return m.group(1) if m else ""


def fsck(img):
    r = subprocess.run(["e2fsck", "-fn", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=dict(os.environ, PATH=PATH))
    return r.returncode, r.stdout.decode("utf-8", "replace")


def contents_check(img, mnt, out, tmp):
    """The guest's sha256 of every file against debugfs rdump of the image: a list
    of differences (empty: all equal) and the number of files compared."""
    sha = section(out, "sha " + mnt)
    guest = {}
    for line in sha.splitlines():
        m = re.match(r"^([0-9a-f]{64})  \./(.*)$", line)
        if m:
            guest[m.group(2)] = m.group(1)
    dump = os.path.join(tmp, "dump" + mnt.replace("/", "_"))
    os.makedirs(dump)
    sh("debugfs", "-R", "rdump / %s" % dump, img)
    host = {}
    for d, _, files in os.walk(dump):
        for n in files:
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            rel = os.path.relpath(p, dump)
            if rel.startswith("lost+found"):
                continue
            host[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    bad = [k for k in set(guest) | set(host) if guest.get(k) != host.get(k)]
    w = os.path.join(dump, "w")
    want_big = hashlib.sha256(big_bytes()).hexdigest()
    want_cut = hashlib.sha256(big_bytes()[:100000]).hexdigest()
    if host.get("w/big") != want_big or host.get("w/big.link") != want_big:
        bad.append("w/big content")
    if host.get("w/big.cut") != want_cut:
        bad.append("w/big.cut content")
    hostfile = open(os.path.join(dump, "hostfile.txt"), "rb").read() \
        if os.path.exists(os.path.join(dump, "hostfile.txt")) else b""
    if not hostfile.endswith(b"host line 299\nappended-in-guest\n"):
        bad.append("hostfile.txt append")
    if os.path.exists(os.path.join(dump, "hostdel.txt")) or \
            not os.path.exists(os.path.join(w, "hostdir2", "a.bin")):
        bad.append("host file rename/delete")
    small = sorted(os.listdir(os.path.join(w, "small"))) if os.path.isdir(os.path.join(w, "small")) else []
    if small != sorted("f%d" % i for i in range(1, 400, 2)):
        bad.append("small files: %d left" % len(small))
    try:
        if os.readlink(os.path.join(w, "fast")) != "big" or \
                os.readlink(os.path.join(w, "slow")) != "/" + "d" * 100 + "/target":
            bad.append("symlink targets")
    except OSError:
        bad.append("symlinks missing")
    stat = sh("debugfs", "-R", "stat /hostfile.txt", img)
    if not re.search(r"Mode:\s+0600", stat):
        bad.append("chmod not stored")
    links = re.search(r"Links:\s+(\d+)", sh("debugfs", "-R", "stat /w/big", img))
    if not links or links.group(1) != "2":
        bad.append("hard link count")
    return bad, len(guest)


def main():
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-ext2w-")
    try:
        subprocess.run(["bash", os.path.join(ROOT, "tools", "setup.sh"), "--quiet"], check=True)
        seed = os.path.join(tmp, "seed")
        seed_tree(seed)
        img1k, img4k, full, liar, huge = (os.path.join(tmp, n) for n in
                                          ("w1k.img", "w4k.img", "full.img", "liar.img",
                                           "huge.img"))
        sh("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-d", seed, img1k, "64M")
        sh("mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", seed, img4k, "64M")
        sh("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", full, "2M")
        sh("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", liar, "2M")
        lying_bitmap(liar)
        sh("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-O", "huge_file", huge, "2M")
        script = os.path.join(tmp, "ext2w.sh")
        with open(script, "w") as f:
            f.write(guest_script())
        qemu = ["-drive", "file=%s,if=virtio,format=raw" % img1k,
                "-drive", "file=%s,if=none,id=n0,format=raw" % img4k,
                "-device", "nvme,serial=ext2wtest,drive=n0",
                "-drive", "file=%s,if=virtio,format=raw" % full,
                "-drive", "file=%s,if=virtio,format=raw" % liar,
                "-drive", "file=%s,if=virtio,format=raw" % huge]
        args = [OSC_RUN, "--timeout", str(TIMEOUT), "--add", script + ":/root/ext2w.sh"]
        args += ["--qemu=" + a for a in qemu]
        out = run_guest(args + ["--", "sh /root/ext2w.sh"])
        log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
            if os.path.exists(LAST_LOG) else ""
        tail = out[-3000:]
        checks(rep, out, log, tail, img1k, img4k, full, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


def checks(rep, out, log, tail, img1k, img4k, full, tmp):
    def has(s):
        return s in out
    works = section(out, "work /mnt/a") + section(out, "work /mnt/b")
    rep.check("ext2w_user_tests",
              re.search(r"^ext2_write\.musl: 14 passed, 0 failed$", works, re.M) is not None
              and re.search(r"^ext2_write\.glibc: 14 passed, 0 failed$", works, re.M) is not None,
              "user/tests/ext2_write.c on the rw mounts", works[-3000:])
    rep.check("ext2w_readdir_positions",
              re.search(r"^readdir_pos\.musl: 3 passed, 0 failed$", works, re.M) is not None
              and re.search(r"^readdir_pos\.glibc: 3 passed, 0 failed$", works, re.M) is not None,
              "user/tests/readdir_pos.c on the rw mounts", works[-3000:])
    rep.check("ext2w_pagecache_runs",
              re.search(r"^pagecache_runs\.musl: 3 passed, 0 failed$", works, re.M) is not None
              and re.search(r"^pagecache_runs\.glibc: 3 passed, 0 failed$", works, re.M) is not None,
              "user/tests/pagecache_runs.c on the rw mounts (1 KiB and 4 KiB blocks)",
              works[-3000:])
    rem = section(out, "remount")
    rep.check("ext2w_remount",
              re.search(r"^remount\.musl: 4 passed, 0 failed$", rem, re.M) is not None
              and re.search(r"^remount\.glibc: 4 passed, 0 failed$", rem, re.M) is not None
              and "bb-remount-ro=0" in rem and "bb-touch-ro=1" in rem
              and "/dev/vdb /mnt/f ext2 ro" in rem and "bb-remount-rw=0" in rem
              and "/dev/vdb /mnt/f ext2 rw,noexec" in rem
              and "bb-rm-rw=0" in rem and "bb-umount=0" in rem,
              "user/tests/remount.c and busybox mount -o remount,ro / rw on vdb", rem[-3000:])
    kept = []
    for img in (img1k, img4k):
        try:
            kept.append(subprocess.run(["debugfs", "-R", "cat /mmap-kept", img],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       env=dict(os.environ, PATH=PATH)).stdout)
        except OSError:
            kept.append(b"")
    want = mmap_kept_bytes()
    rep.check("ext2w_mmap_page_cache",
              re.search(r"^mmap_ext2\.musl: 11 passed, 0 failed$", works, re.M) is not None
              and re.search(r"^mmap_ext2\.glibc: 11 passed, 0 failed$", works, re.M) is not None
              and kept == [want, want],
              "user/tests/mmap_ext2.c on the rw mounts; /mmap-kept on the images: %s"
              % [len(k) if k != want else "ok" for k in kept], works[-3000:])
    mounts = section(out, "mounts")
    rep.check("ext2w_mount_rw_logs",
              has("mount-a=0") and has("mount-b=0")
              and "/dev/vda /mnt/a ext2 rw" in mounts and "/dev/nvme0n1 /mnt/b ext2 rw" in mounts
              and "[ext2] /dev/vda: ext2 rev 1, 1024-byte blocks" in log
              and "read-write" in log and "panic" not in log.lower()
              and all(has(s) for s in ("cp=ok", "tar=ok", "small=ok", "rmhalf=ok", "trunc=ok",
                                       "links=ok", "mv=ok", "==done")),
              "rw mounts, /proc/mounts or the workload steps", tail)
    for size, img, mnt in (("1k", img1k, "/mnt/a"), ("4k", img4k, "/mnt/b")):
        code, text = fsck(img)
        state = re.search(r"^Filesystem state:\s+(\S+)", sh("dumpe2fs", "-h", img), re.M)
        rep.check("ext2w_fsck_clean_" + size,
                  code == 0 and has("umount-%s=0" % mnt) and state and state.group(1) == "clean",
                  "e2fsck -fn exit %d, state %s" % (code, state.group(1) if state else "?"),
                  text[-2500:])
        bad, n = contents_check(img, mnt, out, tmp)
        rep.check("ext2w_contents_" + size, n > 200 and not bad,
                  "%d files in the guest's list; differences: %s" % (n, bad[:8]),
                  section(out, "sha " + mnt)[-1000:] + section(out, "links " + mnt))
    rep.check("ext2w_busy_umount",
              out.count("umount-busy=1") == 2 and "Device or resource busy" in out,
              "umount with a cwd inside must be EBUSY", tail)
    rep.check("ext2w_ro_mount_untouched",
              has("ro-mount=0") and has("ro-touch=1") and has("ro-umount=0")
              and "Read-only file system" in out,
              "-o ro must answer EROFS", tail)
    code, text = fsck(full)
    fullsec = section(out, "full")
    rep.check("ext2w_enospc_clean",
              "mount-f=0" in fullsec and re.search(r"^dd=[1-9]", fullsec, re.M) is not None
              and "No space left on device" in fullsec and "rm=0" in fullsec
              and "after2=0" in fullsec and "umount-f=0" in fullsec and code == 0,
              "ENOSPC, then room again; e2fsck exit %d" % code, fullsec + text[-1500:])
    dur = section(out, "durable")
    s1 = s2 = ""
    try:
        s1 = sh("debugfs", "-R", "cat /s1", full)
        s2 = sh("debugfs", "-R", "cat /s2", full)
    except subprocess.CalledProcessError:
        pass
    code, text = fsck(full)
    rep.check("ext2w_synced_data_survives_a_kill",
              "mount-d=0" in dur and "sync=0" in dur and "dd-fsync=0" in dur
              and s1 == "synced-by-sync\n" and s2 == ("fsync-data\n" * 7000)[:70000]
              and code == 0,
              "s1 %r, s2 %d bytes, e2fsck exit %d" % (s1[:40], len(s2), code), dur + text[-1500:])
    roc = section(out, "rocompat")
    rep.check("ext2w_unknown_ro_compat_ro_only",
              re.search(r"^mount-h-rw=[1-9]", roc, re.M) is not None and "Invalid argument" in roc
              and "mount-h-ro=0" in roc and "lost+found" in roc and "umount-h=0" in roc
              and "/dev/vdd: couldn't mount read-write because of unsupported optional"
                  " features (8)" in log,
              "huge_file must mount read-only only", roc + log[-1000:])
    liar = section(out, "liar")
    rep.check("ext2w_lying_bitmap_euclean",
              "mount-l=0" in liar and re.search(r"^write-l=[1-9]", liar, re.M) is not None
              and "Structure needs cleaning" in liar and "umount-l=0" in liar
              and "/dev/vdc: write: block bitmap disagrees with the group" in log
              and "panic" not in log.lower() and "==done" in out,
              "a write on a lying bitmap must be EUCLEAN with a log line", liar + log[-1500:])


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
