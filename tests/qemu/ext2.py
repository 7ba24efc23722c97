#!/usr/bin/env python3
"""ext2, read-only, end to end: images Debian's mke2fs made on the host, mounted
and read in the guest, every answer checked against the host's tree. One boot.

tests/host/setup_ext2.sh builds the tree (files needing direct, single, double and
triple indirect blocks, sparse files, fast and slow symlinks, a hard link, device
nodes, a FIFO, nested directories, 300 entries in one directory) and the images.
vda (virtio-blk) holds the 1 KiB-block image, nvme0n1 the 4 KiB one; vdb a copy of
the 1 KiB image with impossible superblock counts; vdc a copy with a directory
block whose rec_len is bad, a file whose block lies past the end, a directory
entry looping back to the root and one naming an inode out of range.

In the guest: user/tests/mount.c with OSC_EXT2_DEV on both disks; busybox mount (a rw request retried read-only, and -o ro), stat of
every path, sha256sum of every file (ranges of the sparse ones), readlink, ls -l,
df, stat -f, /proc/mounts and /proc/self/mounts, '..' across the mount root, umount
while busy (EBUSY) and after, EROFS for writes; the damaged images fail with
"Structure needs cleaning" and an [ext2] log line while the guest goes on.

usage: ext2.py   tests: ext2_user_mount_tests, ext2_mount_logs_and_proc_mounts, ext2_stat_matches_host_1k,
                        ext2_stat_matches_host_4k, ext2_data_matches_host_1k,
                        ext2_data_matches_host_4k, ext2_sparse_ranges_and_blocks,
                        ext2_symlinks_and_hardlinks, ext2_exec_from_ext2, ext2_ls_and_df, ext2_dotdot_and_umount,
                        ext2_read_only, ext2_damaged_superblock_refused,
                        ext2_damaged_image_fails_cleanly
"""

import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile

from common import ROOT, Reporter

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
LAST_LOG = os.path.join(ROOT, "build", "osc-run", "last.log")
TIMEOUT = 200
WHOLE_MAX = 6 << 20             # files up to this are hashed whole
# Sparse files: (name, block size for dd, first block, count) ranges hashed in both.
RANGES = [("sparse80m", 1024, 81920, 4), ("sparse80m", 1024, 40000, 8),
          ("sparse5g", 4096, 1310720, 3)]
STAT_FMT = "%n|%f|%u|%g|%h|%s|%Y|%t|%T"


def sh(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout.decode()


def tree_paths(tree):
    out = []
    for d, dirs, files in os.walk(tree):
        for n in sorted(dirs + files):
            out.append(os.path.relpath(os.path.join(d, n), tree))
    return sorted(out)


def host_stat_fields(tree, rel):
    """What the guest's `stat -c STAT_FMT` must print for rel, from the host's tree;
    a directory's size (block-rounded in ext2) is not compared, its link count is
    ext2's 2 + subdirectories (the host's own filesystem may count otherwise)."""
    hp = os.path.join(tree, rel)
    st = os.lstat(hp)
    dev = st.st_rdev if (st.st_mode & 0o170000) in (0o020000, 0o060000) else 0
    isdir = os.path.isdir(hp) and not os.path.islink(hp)
    nlink = st.st_nlink
    if isdir:
        nlink = 2 + sum(1 for e in os.scandir(hp) if e.is_dir(follow_symlinks=False))
    return ["%x" % st.st_mode, str(st.st_uid), str(st.st_gid), str(nlink),
            "*" if isdir else str(st.st_size), str(int(st.st_mtime)),
            "%x" % os.major(dev), "%x" % os.minor(dev)]


def guest_stat(text, mnt):
    got = {}
    for line in text.split("\n"):
        f = line.split("|")
        if len(f) == 9 and f[0].startswith(mnt + "/"):
            got[f[0][len(mnt) + 1:]] = f[1:]
    return got


def range_hash(path, bs, skip, count):
    with open(path, "rb") as f:
        f.seek(bs * skip)
        return hashlib.sha256(f.read(bs * count)).hexdigest()


def debugfs(img, req):
    return sh("debugfs", "-R", req, img)


def damage(src, dst, bad_sb):
    """Copies src to dst and damages it (see the module docstring)."""
    shutil.copy(src, dst)
    with open(dst, "r+b") as f:
        img = bytearray(f.read())
        bs = 1024
        blocks = struct.unpack_from("<I", img, 1024 + 4)[0]
        if bad_sb:
            struct.pack_into("<I", img, 1024 + 12, blocks + 1000)   # free > total
        else:
            # /many's first block: the "." record's rec_len made 3.
            many = int(debugfs(dst, "blocks /many").split()[0])
            struct.pack_into("<H", img, many * bs + 4, 3)
            # /small.txt's first block number past the end of the filesystem.
            m = re.search(r"located at block (\d+), offset (0x[0-9a-f]+)",
                          debugfs(dst, "imap /small.txt"))
            at = int(m.group(1)) * bs + int(m.group(2), 16)
            struct.pack_into("<I", img, at + 40, blocks + 100)
            # In /a/b/c: the entry "d" points at the root; in /a: "fifo" at a free
            # inode (the last one).
            inodes = struct.unpack_from("<I", img, 1024)[0]
            for d, name, ino in (("/a/b/c", b"d", 2), ("/a", b"fifo", inodes)):
                blk = int(debugfs(dst, "blocks " + d).split()[0]) * bs
                off = 0
                while off < bs:
                    rec = struct.unpack_from("<H", img, blk + off + 4)[0]
                    nlen = img[blk + off + 6]
                    if img[blk + off + 8:blk + off + 8 + nlen] == name:
                        struct.pack_into("<I", img, blk + off, ino)
                        break
                    off += rec
        f.seek(0)
        f.write(img)


def guest_script(tree, paths):
    lines = ["exec 2>&1", "mkdir -p /mnt/1k /mnt/4k /mnt/bad /mnt/badsb",
             # user/tests/mount.c's disk test, before the script mounts the disks.
             "OSC_EXT2_DEV=/dev/vda /usr/tests/mount.musl",
             "OSC_EXT2_DEV=/dev/nvme0n1 /usr/tests/mount.glibc",
             "mount -t ext2 /dev/vda /mnt/1k; echo mount-1k=$?",
             "mount -t ext2 -o ro /dev/nvme0n1 /mnt/4k; echo mount-4k=$?",
             "echo ==mounts; cat /proc/mounts; echo ==selfmounts; cat /proc/self/mounts"]
    files = [p for p in paths if os.path.isfile(os.path.join(tree, p))
             and not os.path.islink(os.path.join(tree, p))]
    whole = [p for p in files if os.path.getsize(os.path.join(tree, p)) <= WHOLE_MAX]
    for mnt in ("/mnt/1k", "/mnt/4k"):
        lines.append("echo ==stat %s" % mnt)
        # busybox stat takes many files at once; keep the lines short anyway.
        for i in range(0, len(paths), 60):
            lines.append("stat -c '%s' %s" % (STAT_FMT, " ".join(
                "%s/%s" % (mnt, p) for p in paths[i:i + 60])))
        lines.append("echo ==sha %s" % mnt)
        for i in range(0, len(whole), 60):
            lines.append("sha256sum %s" % " ".join("%s/%s" % (mnt, p) for p in whole[i:i + 60]))
        for name, bs, skip, count in RANGES:
            lines.append("echo range %s %s %d $(dd if=%s/%s bs=%d skip=%d count=%d 2>/dev/null"
                         " | sha256sum)" % (mnt, name, skip, mnt, name, bs, skip, count))
    lines += [
        "echo ==blocks; stat -c '%n %b %i %o' /mnt/1k/sparse80m /mnt/1k/small.txt /mnt/1k/a/hardlink",
        "echo blksize $(stat -c %o /mnt/4k/small.txt)",
        "for l in fastlink slowlink a/dangling; do echo link $l $(readlink /mnt/1k/$l); done",
        "echo slowdeep $(cat /mnt/1k/slowlink | md5sum)",
        "/mnt/1k/bin/busybox echo exec-from-ext2-$((6*7))",
        "/mnt/4k/bin/busybox sh -c 'echo exec-4k-$((6*8))'",
        "echo ==ls; ls -l /mnt/1k/a",
        "echo ==df; df /mnt/1k /mnt/4k",
        "echo statf $(stat -f -c '%b %f %a %c %d %S %t' /mnt/1k)",
        "echo ==dotdot; cd /mnt/1k/a/b && pwd -P && cd -P ../../.. && pwd -P && ls -1d 1k 4k",
        "echo inodes $(stat -c %i /mnt/1k/.. /mnt /mnt/1k/a/b/../../.. /mnt/1k)",
        "cd /mnt/1k/a; umount /mnt/1k; echo umount-busy=$?; cd /",
        "exec 3</mnt/4k/small.txt; umount /mnt/4k; echo umount-open=$?; exec 3<&-",
        "echo ==ro; touch /mnt/1k/new; echo touch=$?",
        "echo x >> /mnt/1k/small.txt; echo append=$?",
        "mkdir /mnt/1k/d; echo mkdir=$?; rm -f /mnt/1k/empty; echo rm=$?",
        "chmod 600 /mnt/1k/small.txt; echo chmod=$?",
        "umount /mnt/1k; echo umount-1k=$?; ls /mnt/1k | wc -l",
        "mount -t ext2 -o ro /dev/vda /mnt/1k; echo remount-1k=$?; ls /mnt/1k | wc -l",
        "mount -t ext2 -o ro /dev/vda /mnt/badsb; echo mount-same-dev=$?",
        "echo ==damaged",
        "mount -t ext2 -o ro /dev/vdb /mnt/badsb; echo mount-badsb=$?",
        "mount -t ext2 -o ro /dev/vdc /mnt/bad; echo mount-bad=$?",
        # busybox ls does not check readdir's errno: the listing is just empty.
        "echo ls-many=$(ls /mnt/bad/many | wc -l)",
        "cat /mnt/bad/many/entry-001-n; echo cat-many=$?",
        "cat /mnt/bad/small.txt; echo cat-small=$?",
        "ls /mnt/bad/a/b/c/d; echo ls-loop=$?",
        "stat /mnt/bad/a/fifo; echo stat-fifo=$?",
        "cat /mnt/bad/a/b/mid.bin | md5sum; echo cat-mid=$?",
        "ls /mnt/bad/a/b; echo ls-b=$?",
        "umount /mnt/bad; echo umount-bad=$?",
        "echo still-alive",
    ]
    return "\n".join(lines) + "\n"


def main():
    rep = Reporter()
    tmp = tempfile.mkdtemp(prefix="oscortex-ext2-")
    try:
        subprocess.run(["bash", os.path.join(ROOT, "tools", "setup.sh"), "--quiet"], check=True)
        subprocess.run(["bash", os.path.join(ROOT, "tests", "host", "setup_ext2.sh"), tmp],
                       check=True, stdout=subprocess.DEVNULL)
        tree = os.path.join(tmp, "tree")
        img1k, img4k = os.path.join(tmp, "1k.img"), os.path.join(tmp, "4k.img")
        badsb, bad = os.path.join(tmp, "badsb.img"), os.path.join(tmp, "bad.img")
        damage(img1k, badsb, True)
        damage(img1k, bad, False)
        paths = tree_paths(tree)
        script = os.path.join(tmp, "ext2.sh")
        with open(script, "w") as f:
            f.write(guest_script(tree, paths))
        qemu = ["-drive", "file=%s,if=virtio,format=raw,readonly=on" % img1k,
                "-drive", "file=%s,if=none,id=n0,format=raw,readonly=on" % img4k,
                "-device", "nvme,serial=ext2test,drive=n0",
                "-drive", "file=%s,if=virtio,format=raw,readonly=on" % badsb,
                "-drive", "file=%s,if=virtio,format=raw,readonly=on" % bad]
        args = [OSC_RUN, "--timeout", str(TIMEOUT), "--add", script + ":/root/ext2.sh"]
        args += ["--qemu=" + a for a in qemu]
        r = subprocess.run(args + ["--", "sh /root/ext2.sh"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT + 120)
        out = r.stdout.decode("utf-8", "replace")
        log = open(LAST_LOG, encoding="utf-8", errors="replace").read() \
            if os.path.exists(LAST_LOG) else ""
        tail = (out + "\n" + r.stderr.decode("utf-8", "replace"))[-3000:]
        checks(rep, out, log, tail, tree, paths, img1k)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rep.exit()


def section(out, name):
    m = re.search(r"^==%s\n(.*?)(?=^==|\Z)" % re.escape(name), out, re.M | re.S)
    return m.group(1) if m else ""


def checks(rep, out, log, tail, tree, paths, img1k):
    def has(s):
        return s in out
    rep.check("ext2_user_mount_tests",
              re.search(r"^mount\.musl: 8 passed, 0 failed$", out, re.M) is not None
              and re.search(r"^mount\.glibc: 8 passed, 0 failed$", out, re.M) is not None
              and "the ext2 mount test did not run" not in out,
              "user/tests/mount.c on /dev/vda (musl) and /dev/nvme0n1 (glibc)", tail)
    rep.check("ext2_mount_logs_and_proc_mounts",
              has("mount-1k=0") and has("mount-4k=0")
              and "[ext2] /dev/vda: ext2 rev 1, 1024-byte blocks" in log
              and "[ext2] /dev/nvme0n1: ext2 rev 1, 4096-byte blocks" in log
              and "/dev/vda /mnt/1k ext2 ro,relatime 0 0" in section(out, "mounts")
              and "/dev/nvme0n1 /mnt/4k ext2 ro,relatime 0 0" in section(out, "selfmounts"),
              "mounts or /proc/mounts lines missing", tail)
    for size, mnt in (("1k", "/mnt/1k"), ("4k", "/mnt/4k")):
        got = guest_stat(section(out, "stat " + mnt), mnt)
        bad = []
        for p in paths:
            want = host_stat_fields(tree, p)
            have = got.get(p)
            if have is None or any(w != "*" and w != h for w, h in zip(want, have)):
                bad.append((p, want, have))
        rep.check("ext2_stat_matches_host_" + size, len(paths) > 300 and not bad,
                  "%d of %d paths differ, e.g. %s" % (len(bad), len(paths), bad[:3]),
                  section(out, "stat " + mnt)[:1500])
        sha = section(out, "sha " + mnt)
        bad = []
        n = 0
        for p in paths:
            hp = os.path.join(tree, p)
            if os.path.islink(hp) or not os.path.isfile(hp) or os.path.getsize(hp) > WHOLE_MAX:
                continue
            n += 1
            h = hashlib.sha256(open(hp, "rb").read()).hexdigest()
            if "%s  %s/%s" % (h, mnt, p) not in sha:
                bad.append(p)
        for name, bs, skip, count in RANGES:
            h = range_hash(os.path.join(tree, name), bs, skip, count)
            if "range %s %s %d %s" % (mnt, name, skip, h) not in sha:
                bad.append("%s@%d" % (name, skip))
        rep.check("ext2_data_matches_host_" + size, n > 300 and not bad,
                  "%d files, wrong: %s" % (n, bad[:5]), sha[-1500:])
    blocks = re.search(r"Blockcount: (\d+)", debugfs(img1k, "stat /sparse80m"))
    ino = re.search(r"Inode: (\d+)", debugfs(img1k, "stat /small.txt"))
    sec = section(out, "blocks")
    rep.check("ext2_sparse_ranges_and_blocks",
              blocks and ino and "/mnt/1k/sparse80m %s " % blocks.group(1) in sec
              and "/mnt/1k/small.txt 2 %s 1024" % ino.group(1) in sec
              and "/mnt/1k/a/hardlink 2 %s 1024" % ino.group(1) in sec
              and "blksize 4096" in sec,
              "st_blocks / inode numbers differ from debugfs", sec)
    slow = os.readlink(os.path.join(tree, "slowlink"))
    deep = hashlib.md5(open(os.path.join(tree, "a/b/c/d/deep.txt"), "rb").read()).hexdigest()
    mid = hashlib.md5(open(os.path.join(tree, "a/b/mid.bin"), "rb").read()).hexdigest()
    rep.check("ext2_symlinks_and_hardlinks",
              has("link fastlink small.txt\n") and has("link slowlink %s\n" % slow)
              and has("link a/dangling /nonexistent/dangling\n")
              and has("slowdeep %s" % deep),
              "readlink or following the slow link failed", tail)
    rep.check("ext2_exec_from_ext2",
              has("exec-from-ext2-42\n") and has("exec-4k-48\n"),
              "a static busybox on ext2 did not run", tail)
    ls = section(out, "ls")
    df = section(out, "df")
    dump = sh("dumpe2fs", "-h", img1k)
    field = lambda k: int(re.search(r"^%s:\s+(\d+)" % k, dump, re.M).group(1))  # noqa: E731
    statf = re.search(r"^statf (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\w+)$", out, re.M)
    rep.check("ext2_ls_and_df",
              re.search(r"^crw-r--r--\s+1 root\s+root\s+1,\s+3 .* null$", ls, re.M) is not None
              and re.search(r"^brw-r-----\s+1 root\s+root\s+254,\s+25 .* vdb9$", ls, re.M) is not None
              and re.search(r"^prw-r--r--\s+1 root\s+root\s+0 .* fifo$", ls, re.M) is not None
              and re.search(r"^-rw-r--r--\s+2 root\s+root\s+13 .* hardlink$", ls, re.M) is not None
              and re.search(r"^/dev/vda\s+\d+\s+\d+\s+\d+\s+\d+% /mnt/1k$", df, re.M) is not None
              and re.search(r"^/dev/nvme0n1\s+\d+\s+\d+\s+\d+\s+\d+% /mnt/4k$", df, re.M) is not None
              and statf is not None
              and int(statf.group(2)) == field("Free blocks")
              and int(statf.group(3)) == field("Free blocks") - field("Reserved block count")
              and int(statf.group(4)) == field("Inode count")
              and int(statf.group(5)) == field("Free inodes")
              and int(statf.group(6)) == 1024 and statf.group(7) == "ef53"
              and field("Free blocks") < int(statf.group(1)) <= field("Block count"),
              "ls -l, df or statfs numbers off", ls + df + (statf.group(0) if statf else "no statf"))
    ino = re.search(r"^inodes (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    remount = re.search(r"^remount-1k=0\n(\d+)$", out, re.M)
    rep.check("ext2_dotdot_and_umount",
              has("/mnt/1k/a/b\n/mnt\n1k\n4k\n") and ino is not None
              and ino.group(1) == ino.group(2) == ino.group(3) and ino.group(4) == "2"
              and has("umount-busy=1") and has("umount-open=1") and has("umount-1k=0\n0\n")
              and remount is not None and int(remount.group(1)) > 10
              and re.search(r"^mount-same-dev=[1-9]", out, re.M) is not None
              and "Device or resource busy" in out,
              "'..' across the mount root, EBUSY or unmount wrong", tail)
    rep.check("ext2_read_only",
              has("touch=1") and has("append=1") and has("mkdir=1") and has("rm=1")
              and has("chmod=1") and out.count("Read-only file system") >= 5,
              "writes must fail with EROFS", section(out, "ro"))
    dmg = section(out, "damaged")
    rep.check("ext2_damaged_superblock_refused",
              re.search(r"^mount-badsb=[1-9]", dmg, re.M) is not None and "Structure needs cleaning" in dmg
              and "/dev/vdb: not mounted: free or reserved counts exceed the totals" in log,
              "the bad superblock must be refused with EUCLEAN and a log line",
              dmg + log[-1500:])
    rep.check("ext2_damaged_image_fails_cleanly",
              "mount-bad=0" in dmg and "ls-many=0" in dmg and "cat-many=1" in dmg and "cat-small=1" in dmg
              and "ls-loop=1" in dmg and "stat-fifo=1" in dmg
              and "%s  -\ncat-mid=0" % mid in dmg and "ls-b=0" in dmg
              and "umount-bad=0" in dmg and "still-alive" in dmg
              and "bad directory rec_len" in log and "block number past the end" in log
              and "directory loop" in log and "deleted inode" in log
              and "panic" not in log.lower(),
              "damage must give errors and [ext2] lines, the rest keep working", dmg + log[-2000:])


if __name__ == "__main__":
    main()
