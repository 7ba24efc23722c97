#!/usr/bin/env python3
"""Interactive busybox sh over the serial line, as a user gets it from a normal boot
(/sbin/init starts /bin/sh on the console): the prompt appears, "echo hi" runs, a
line edited with backspace runs as edited, and ^C interrupts a foreground
"sleep 10" (SIGINT to the terminal's foreground process group) so that the next
command runs at once. Then busybox vi, full-screen in raw mode: it sizes its screen
from the window size set with stty (TIOCSWINSZ/TIOCGWINSZ), inserts text, takes ESC
and an arrow key's escape sequence intact, edits in command mode, writes the file
with :wq, and redraws at the new size when a background stty resizes the window
(SIGWINCH), which only a real change of size sends; raw reads honour VMIN and
VTIME (stty min/time under dd); less pages a file and quits; top's batch mode
lists the processes. Usage: tty_shell.py ISO."""
import os, re, socket, sys, time

from common import connect_serial, start_vm, stop_vm

iso = sys.argv[1]
sock = "/tmp/osc-tty-shell-%d.sock" % os.getpid()
# 256 MiB although the ISO's initramfs carries every test program (~125 MiB in
# tmpfs): the kernel frees the archive once unpacked (it held that much twice).
q = start_vm(["timeout", "-s", "KILL", "60", "qemu-system-x86_64", "-m", "256",
              "-cdrom", iso, "-display", "none", "-no-reboot",
              "-serial", "unix:%s,server,nowait" % sock])
s = connect_serial(sock)
buf = b""
mark = 0                        # expect looks only at what came after the last send
failed = 0


def send(data):
    global mark
    mark = len(buf)
    s.send(data)


def expect(pat, t=20):
    global buf
    end = time.time() + t
    s.settimeout(0.2)
    while time.time() < end:
        if pat in buf[mark:]:
            return True
        try:
            buf += s.recv(4096)
        except socket.timeout:
            pass
    return False


def settle(quiet=0.7, t=10):
    """Waits until the guest has said nothing for `quiet` seconds (vi has drawn its
    answer to the last keys), at most t seconds."""
    global buf
    end = time.time() + t
    s.settimeout(quiet)
    while time.time() < end:
        try:
            got = s.recv(4096)
        except socket.timeout:
            return
        buf += got


def check(name, ok):
    global failed
    print(("PASS " if ok else "FAIL ") + name)
    failed += not ok


try:
    check("tty_shell_prompt", s is not None and expect(b"# "))
    send(b"echo hi\r")
    check("tty_shell_echo_hi", expect(b"\r\nhi\r\n"))
    send(b"echo abX\x7fc\r")
    check("tty_shell_backspace_edits_line", expect(b"\r\nabc\r\n"))
    send(b"sleep 10\r")
    time.sleep(1.5)
    send(b"\x03")
    send(b"echo after\r")
    # Well under the 10 s sleep: only a working ^C lets "echo after" run this soon.
    check("tty_shell_ctrl_c_interrupts_foreground_job", expect(b"\r\nafter\r\n", 5))

    # vi. 20x60 is no default anywhere, so a screen of that size was asked for.
    send(b"stty rows 20 cols 60; stty size\r")
    check("tty_shell_stty_sets_window_size", expect(b"\r\n20 60\r\n"))
    send(b"vi /tmp/v.txt\r")
    ok = expect(b"\x1b[20;1H\x1b[K- /tmp/v.txt")    # status line on the last row
    settle()
    ok = ok and b"\x1b[19;1H~" in buf[mark:] and b"\x1b[20;1H~" not in buf[mark:]
    check("tty_vi_screen_uses_window_size", ok)
    send(b"i")
    check("tty_vi_insert_mode", expect(b"I /tmp/v.txt"))
    send(b"alpha\rbeta\rgamma")
    settle()
    send(b"\x1b")
    check("tty_vi_escape_leaves_insert_mode", expect(b"- /tmp/v.txt [Modified] 3/3"))
    send(b"\x1b[A")        # up arrow, as one burst: vi must see the whole sequence
    check("tty_vi_arrow_key_sequence", expect(b"- /tmp/v.txt [Modified] 2/3"))
    for keys in (b"dd", b"0x", b":1s/a/A/\r"):
        send(keys)
        settle()
    send(b":wq\r")
    check("tty_vi_writes_file", expect(b"'/tmp/v.txt' 2L, 11C") and expect(b"\x1b[?1049l"))
    expect(b"# ")
    send(b"cat /tmp/v.txt\r")
    check("tty_vi_file_has_edited_text", expect(b"\r\nAlpha\r\namma\r\n"))

    # Resizing under a running vi: a background stty waits until vi has written
    # /tmp/go, so the resize surely lands while vi owns the screen.
    send(b"(while [ ! -e /tmp/go ]; do sleep 0.2; done; stty rows 15 cols 50) & vi /tmp/go\r")
    ok = expect(b"\x1b[20;1H\x1b[K- /tmp/go")
    settle()
    send(b"ix\x1b")
    settle()
    send(b":w\r")
    check("tty_vi_redraws_on_sigwinch", ok and expect(b"\x1b[15;1H\x1b[K- /tmp/go"))
    settle()
    send(b":q\r")
    expect(b"# ")
    send(b"stty size\r")
    check("tty_shell_after_vi_sees_new_size", expect(b"\r\n15 50\r\n"))

    # Raw reads as Linux n_tty: VMIN=3 holds a read until the third byte; VMIN=0
    # VTIME=10 returns empty-handed after a second, not at once.
    send(b"stty -icanon -echo min 3 time 0; dd bs=10 count=1 2>/dev/null | tr a-z A-Z; stty sane\r")
    time.sleep(1.5)
    send(b"ab")
    early = expect(b"AB", 2)
    send(b"c")
    check("tty_raw_read_waits_for_vmin", not early and expect(b"ABC") and expect(b"# "))
    # /proc/uptime has centiseconds; "1" before the two-digit fraction keeps a
    # leading 0 from reading as octal.
    send(b"stty -icanon min 0 time 10; read a b < /proc/uptime; dd bs=10 count=1 2>/dev/null; "
         b"read c d < /proc/uptime; stty sane; "
         b"echo waited $(( (${c%.*} - ${a%.*}) * 100 + 1${c#*.} - 1${a#*.} ))x\r")
    m = None
    end = time.time() + 20
    while m is None and time.time() < end:
        settle(0.3, 1)          # reads on; the echoed command line has no digits before x
        m = re.search(rb"\nwaited (\d+)x", buf[mark:])
    if m:
        print("   VTIME=10 read took %s centiseconds" % m.group(1).decode())
    check("tty_raw_read_vtime_times_out", m is not None and 90 <= int(m.group(1)) <= 800)

    # SIGWINCH only for a real change (as Linux): a non-interactive sh shares its
    # process group, the foreground one, with the stty it runs. tr makes the
    # output differ from the echoed command line.
    send(b"sh -c 'trap \"echo winch\" 28; stty rows 15 cols 50; echo same; "
         b"stty rows 16 cols 50; echo changed' | tr a-z A-Z\r")
    ok = expect(b"CHANGED\r\n")
    out = buf[mark:]
    check("tty_winsize_signals_only_changes",
          ok and out.count(b"WINCH") == 1 and out.find(b"SAME") < out.find(b"WINCH"))

    # Other full-screen and screen-sized applets: less pages a file with its
    # reverse-video status line and quits on q; top's batch mode lists processes
    # (tr keeps the echoed command line from matching).
    send(b"stty rows 20 cols 70; less /etc/passwd\r")
    ok = expect(b"root:x:0:0:root:/root:/bin/sh") and expect(b"\x1b[7m/etc/passwd")
    send(b"q")
    check("tty_less_pages_a_file_and_quits", ok and expect(b"# "))
    send(b"top -b -n 1 | tr a-z A-Z\r")
    check("tty_top_batch_lists_processes", expect(b"LOAD AVERAGE:") and expect(b"/SBIN/INIT"))
finally:
    stop_vm(q)
    if os.path.exists(sock):
        os.unlink(sock)
sys.exit(1 if failed else 0)
