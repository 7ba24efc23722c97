#!/usr/bin/env python3
"""Dynamically linked Debian programs (PT_INTERP) inside OSCortex: the host's own
/bin/echo, /bin/true, /usr/bin/env and /bin/ls run with the host's glibc loader and
libraries added to the image (tools/osc-run --add; nothing third-party in the repo,
nothing in the standard initramfs). Copies of /bin/true whose PT_INTERP names a
missing file, a text file, or a dynamic program must fail exec with the shell's
error while the system keeps running. One boot.

usage: dynexe.py   tests: dynexe_echo, dynexe_true, dynexe_env, dynexe_ls_dir, dynexe_aslr_pie_loader_vdso,
                          dynexe_ls_root, dynexe_ls_long, dynexe_missing_interp, dynexe_bad_interp,
                          dynexe_interp_with_interp, dynexe_script_runs_a_command_on_a_pty
                          (util-linux script), dynexe_system_survives"""

import os
import re
import subprocess
import tempfile

from common import ROOT, Reporter, host_libraries

OSC_RUN = os.path.join(ROOT, "tools", "osc-run")
PROGRAMS = {"echo": "/bin/echo", "true": "/bin/true", "env": "/usr/bin/env", "ls": "/bin/ls",
            "cat": "/bin/cat", "script": "/usr/bin/script"}
INTERP = b"/lib64/ld-linux-x86-64.so.2"
# Same-length replacement PT_INTERP strings (the file's layout stays as it is).
BAD = {"missing": b"/lib64/ld-absnt-x86-64.so.2",      # no such file
       "badinterp": b"/lib64/ld-txtfl-x86-64.so.2",    # a text file
       "recinterp": b"/lib64/ld-recur-x86-64.so.2"}    # a dynamic program itself

SCRIPT = """
/opt/dyn/echo hello-dyn
/opt/dyn/true; echo true=$?
/opt/dyn/env -i A=1 B=two /opt/dyn/env
echo ==ls-dir; /opt/dyn/ls -1 /opt/dyn
echo ==ls-root; /opt/dyn/ls -1 /; echo ==bb-root; ls -1 /
echo ==ls-long; /opt/dyn/ls -ld /opt/dyn/ls /tmp
echo ==maps1; /opt/dyn/cat /proc/self/maps
echo ==maps2; /opt/dyn/cat /proc/self/maps
echo ==script; /opt/dyn/script -qc "tty; stty size; echo in-script" /tmp/ts; echo script=$?; cat /tmp/ts
echo ==bad
/opt/dyn/missing; echo missing=$?
/opt/dyn/badinterp; echo badinterp=$?
/opt/dyn/recinterp; echo recinterp=$?
echo still-alive
"""


def make_bad(tmp):
    """The three broken programs plus the files their PT_INTERPs name."""
    data = open(PROGRAMS["true"], "rb").read()
    assert data.count(INTERP + b"\0") == 1, "unexpected /bin/true layout"
    adds = []
    for name, interp in BAD.items():
        assert len(interp) == len(INTERP)
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data.replace(INTERP + b"\0", interp + b"\0"))
        os.chmod(path, 0o755)
        adds.append("%s:/opt/dyn/%s" % (path, name))
    text = os.path.join(tmp, "text")
    with open(text, "w") as f:
        f.write("not an ELF file\n")
    adds.append("%s:%s" % (text, BAD["badinterp"].decode()))
    adds.append("%s:%s" % (PROGRAMS["true"], BAD["recinterp"].decode()))
    return adds


def section(out, start, end):
    """The lines between the marker lines start and end (end None: to the end)."""
    lines = out.splitlines()
    if start not in lines:
        return None
    rest = lines[lines.index(start) + 1:]
    return rest[:rest.index(end)] if end in rest else (rest if end is None else None)


def layout(maps):
    """(program base, loader base, vDSO base) from a dynamic program's own maps: the
    first mapping, the one right above [vdso] (the loader sits at the top of the
    mmap area, the vDSO below it), and [vdso]; None when not recognisable."""
    if not maps:
        return None
    starts = [int(l.split("-")[0], 16) for l in maps if re.match(r"^[0-9a-f]+-", l)]
    vdso = [i for i, l in enumerate(maps) if l.endswith("[vdso]")]
    if not starts or len(vdso) != 1 or vdso[0] + 1 >= len(maps):
        return None
    return (starts[0], int(maps[vdso[0] + 1].split("-")[0], 16), starts[vdso[0]])


def main():
    rep = Reporter()
    with tempfile.TemporaryDirectory() as tmp:
        adds = host_libraries(PROGRAMS.values(), INTERP.decode()) + make_bad(tmp)
        adds += ["%s:/opt/dyn/%s" % (host, name) for name, host in PROGRAMS.items()]
        cmd = [OSC_RUN, "--timeout", "150"]
        for a in adds:
            cmd += ["--add", a]
        # The script rides in the image: hex-encoded it would pass the command line's limit.
        script = os.path.join(tmp, "run.sh")
        with open(script, "w") as f:
            f.write(SCRIPT.lstrip())
        cmd += ["--add", script + ":/opt/run.sh", "--", "sh /opt/run.sh 2>&1"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    lines = out.splitlines()
    detail = out + ("\n" + err if r.returncode else "")
    rep.check("dynexe_echo", "hello-dyn" in lines, "hello-dyn printed", detail)
    rep.check("dynexe_true", "true=0" in lines, "/bin/true exits 0", detail)
    rep.check("dynexe_env", lines[2:4] == ["A=1", "B=two"] if len(lines) >= 4 else False,
              "env -i A=1 B=two env prints exactly A=1 B=two", detail)
    got = section(out, "==ls-dir", "==ls-root")
    want = sorted(list(PROGRAMS) + list(BAD))
    rep.check("dynexe_ls_dir", got == want, "ls /opt/dyn: %r" % got, detail)
    got, bb = section(out, "==ls-root", "==bb-root"), section(out, "==bb-root", "==ls-long")
    rep.check("dynexe_ls_root", bool(got) and got == bb and "opt" in got,
              "coreutils ls / equals busybox ls /", detail)
    got = section(out, "==ls-long", "==maps1") or []
    rep.check("dynexe_ls_long", len(got) == 2 and got[0].startswith("-rwxr-xr-x ") and
              got[0].endswith(" /opt/dyn/ls") and got[1].startswith("drwxrwxrwt ") and
              got[1].endswith(" /tmp"),
              "ls -ld (stat, getxattr for ACLs and SELinux labels): %r" % got, detail)
    m1, m2 = layout(section(out, "==maps1", "==maps2")), layout(section(out, "==maps2", "==script"))
    got = section(out, "==script", "==bad") or []
    rep.check("dynexe_script_runs_a_command_on_a_pty", len(got) > 4 and
              re.match(r"/dev/pts/\d+$", got[0]) and got[1:4] == ["24 80", "in-script", "script=0"] and
              any(l.startswith("Script started on ") for l in got[4:]) and
              got[4:].count("in-script") == 1 and any('COMMAND_EXIT_CODE="0"' in l for l in got),
              "util-linux script: the command on a pty, its typescript written: %r" % got, detail)
    rep.check("dynexe_aslr_pie_loader_vdso", m1 is not None and m2 is not None and
              all(a != b for a, b in zip(m1, m2)) and 0x555555554000 not in (m1[0], m2[0]),
              "two runs of a PIE: program, loader and vDSO bases all differ: %r %r" % (m1, m2),
              detail)
    rep.check("dynexe_missing_interp", "missing=127" in lines and
              any("/opt/dyn/missing" in l and "not found" in l for l in lines),
              "missing interpreter: exec fails with ENOENT (127, 'not found')", detail)
    rep.check("dynexe_bad_interp", "badinterp=126" in lines,
              "text-file interpreter: exec fails (ELIBBAD, 126)", detail)
    rep.check("dynexe_interp_with_interp", "recinterp=126" in lines,
              "interpreter with its own PT_INTERP: exec fails (126)", detail)
    rep.check("dynexe_system_survives", r.returncode == 0 and lines[-1:] == ["still-alive"],
              "status %d, last line %r" % (r.returncode, lines[-1:]), detail)
    rep.exit()


if __name__ == "__main__":
    main()
