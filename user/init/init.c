/* /sbin/init, PID 1: the first user process. Three modes, chosen by the kernel
 * command line (/proc/cmdline, else — Linux style — our argv and environment):
 *   normal     runs /etc/rc once, then keeps /bin/sh running on the serial line
 *              and on the screen's text console, each in its own session
 *              (restarted 1 s after it exits), and reaps every orphan; with
 *              `osc.desktop` also the desktop shell /bin/desktop (restarted too);
 *   test       (`test` or `osctest=NAMES` as a word) runs the test programs of
 *              /usr/tests/ one by one, prints "[init] user tests: N passed, N failed"
 *              and exits 0 if all passed, 1 otherwise (also when none ran);
 *   osc.run=HEX  runs `/bin/sh -c <decoded HEX>` between "[init] osc-run start" and
 *              "[init] osc-run exit N", then exits with N (128+signal if killed).
 *              tools/osc-run also puts HEX in /etc/osc-run of its image, used when
 *              the command line names no mode (a kernel that does not pass it on).
 * In normal mode SIGUSR2, SIGTERM and SIGUSR1 (what busybox poweroff, reboot and
 * halt send PID 1) shut the system down: every other process gets SIGTERM, then
 * SIGKILL after about a second, and init asks the kernel to power off, restart or
 * halt with reboot(2).
 * The kernel turns PID 1's exit into the emulator's exit status (docs/testing.md).
 * The kernel mounts /, /dev, /tmp, /proc, /sys; with root=DEV (and `ro`) on the
 * command line init first switches to that disk (root.c); it mounts the home disk
 * (an ext2 filesystem labelled "osc-home", as `make run` makes it) on /home/user
 * in normal and osc-run modes, and unmounts it before the system goes down.
 * Logs go to fd 1 (the console) with plain write(2), prefixed "[init]". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define CMDLINE_MAX   4096
#define TESTS_DIR     "/usr/tests"
#define TESTS_LIST    TESTS_DIR "/LIST"
#define MAX_TESTS     256
#define SHELL         "/bin/sh"
#define RC            "/etc/rc"
#define OSC_RUN_FILE  "/etc/osc-run"
#define PR_OSC_SET_ROLE  0x4f534301     /* kernel/include/osc/proc.h */
#define PROC_ROLE_SYSTEM 1

static char cmdline[CMDLINE_MAX];
static char *const default_env[] = { "HOME=/root", "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
                                     "TERM=linux", NULL };

void say(const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "[init] ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, n - off);
        if (w <= 0)
            return;
        off += w;
    }
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

/* The kernel command line: /proc/cmdline if readable, else our arguments and the
 * environment (Linux hands init the command-line words it does not know: plain
 * words as arguments, KEY=VALUE words as environment). Space-separated. */
static void read_cmdline(int argc, char **argv, char **envp)
{
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n, len = 0;
        while (len < CMDLINE_MAX - 1 && (n = read(fd, cmdline + len, CMDLINE_MAX - 1 - len)) > 0)
            len += n;
        close(fd);
        cmdline[len] = '\0';
        for (ssize_t i = 0; i < len; i++)
            if (cmdline[i] == '\n' || cmdline[i] == '\t')
                cmdline[i] = ' ';
        return;
    }
    size_t len = 0;
    for (int i = 1; i < argc; i++)
        len += snprintf(cmdline + len, len < CMDLINE_MAX ? CMDLINE_MAX - len : 0, "%s ", argv[i]);
    for (char **e = envp; e && *e; e++)
        if (len < CMDLINE_MAX)
            len += snprintf(cmdline + len, CMDLINE_MAX - len, "%s ", *e);
    if (len >= CMDLINE_MAX)
        cmdline[CMDLINE_MAX - 1] = '\0';
}

/* The value of word KEY=VALUE (copied into out), or NULL. A bare word KEY has the
 * value "". */
static const char *cmdline_get(const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) >= klen && !strncmp(p, key, klen) &&
            (p + klen == end || p[klen] == '=')) {
            const char *v = p + klen + (p + klen < end);
            size_t n = end - v;
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = end;
    }
    return NULL;
}

/* "exit N" / "signal N": how a wait status reads in logs. */
static const char *describe(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "status 0x%x", status);
    return buf;
}

/* Starts argv[0] in a child with the standard descriptors we have; -1 on error. */
static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, default_env);
        say("cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid < 0)
        say("fork for %s failed: %s", argv[0], strerror(errno));
    return pid;
}

/* Waits for `pid`, reaping any other child (orphans re-parented to us) meanwhile.
 * Returns its wait status, or -1 if it cannot be waited for. */
static int wait_for(pid_t pid)
{
    for (;;) {
        int status;
        pid_t w = waitpid(-1, &status, 0);
        if (w == pid)
            return status;
        if (w < 0 && errno != EINTR) {
            say("wait for %d failed: %s", (int)pid, strerror(errno));
            return -1;
        }
    }
}

/* --- the home disk ------------------------------------------------------------- */

/* The user's files on a disk: the first whole disk or partition under /dev
 * (virtio-blk or NVMe) holding ext2 labelled HOME_LABEL is mounted on the user's
 * home. Without one the home stays in the initramfs's memory, as before. */
#define HOME_LABEL   "osc-home"
#define HOME_DIR     "/home/user"
#define HOME_ID      1000
static bool home_mounted;

/* An ext2 superblock (1024 bytes in: magic 0xEF53 at 56, the volume name's 16
 * bytes at 120) with our label. */
static bool is_home_disk(const char *dev)
{
    unsigned char sb[136];
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = pread(fd, sb, sizeof sb, 1024);
    close(fd);
    return n == (ssize_t)sizeof sb && sb[56] == 0x53 && sb[57] == 0xef &&
           !strncmp((const char *)sb + 120, HOME_LABEL, 16);
}

/* A directory of the user's, made if missing and given to them. */
static void user_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        say("home disk: mkdir %s: %s", path, strerror(errno));
        return;
    }
    if (stat(path, &st) == 0 && (st.st_uid != HOME_ID || st.st_gid != HOME_ID) &&
        chown(path, HOME_ID, HOME_ID) != 0)
        say("home disk: chown %s: %s", path, strerror(errno));
}

static int by_dev_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The first labelled disk (in name order) that mounts; a bad one (a damaged
 * filesystem, a device that fails) costs a log line, and the next is tried. */
static void mount_home(void)
{
    static char names[32][64];
    int n = 0;
    DIR *d = opendir("/dev");
    struct dirent *e;
    while (d && n < 32 && (e = readdir(d)) != NULL)
        if ((!strncmp(e->d_name, "vd", 2) || !strncmp(e->d_name, "nvme", 4)) &&
            strlen(e->d_name) < sizeof names[0])
            strcpy(names[n++], e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], by_dev_name);
    for (int i = 0; i < n && !home_mounted; i++) {
        char dev[80];
        snprintf(dev, sizeof dev, "/dev/%.63s", names[i]);
        if (!is_home_disk(dev))
            continue;
        if (mount(dev, HOME_DIR, "ext2", MS_NOATIME, NULL) != 0) {
            say("home disk %s: mount on %s failed: %s", dev, HOME_DIR, strerror(errno));
            continue;
        }
        home_mounted = true;
        user_dir(HOME_DIR);
        chmod(HOME_DIR, 0700);
        user_dir(HOME_DIR "/.config");
        user_dir(HOME_DIR "/.config/oscortex");
        say("home disk %s mounted on %s", dev, HOME_DIR);
    }
    if (!home_mounted)
        say("no home disk (ext2 labelled %s): %s stays in memory", HOME_LABEL, HOME_DIR);
}

/* Before power-off or restart (every process is gone by then): the disk left
 * clean for the next boot and for e2fsck. */
static void umount_home(void)
{
    if (!home_mounted)
        return;
    sync();
    if (umount(HOME_DIR) != 0)
        say("home disk: umount %s: %s", HOME_DIR, strerror(errno));
    else
        home_mounted = false;
}

/* --- test mode ---------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Test program names, from /usr/tests/LIST (one per line, in order) or else every
 * file of /usr/tests in name order. Returns the count. */
static int list_tests(char **names)
{
    int n = 0;
    FILE *f = fopen(TESTS_LIST, "re");
    if (f) {
        char line[256];
        while (n < MAX_TESTS && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] && line[0] != '#')
                names[n++] = strdup(line);
        }
        fclose(f);
        return n;
    }
    DIR *d = opendir(TESTS_DIR);
    if (!d)
        return 0;
    struct dirent *e;
    while (n < MAX_TESTS && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "LIST") != 0)
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    return n;
}

/* osctest=NAMES: comma-separated program names ("time.musl") or areas ("time");
 * empty or "all" selects everything. */
static int selected(const char *name, const char *filter)
{
    if (!filter[0] || !strcmp(filter, "all"))
        return 1;
    size_t area = strcspn(name, ".");
    for (const char *p = filter; *p;) {
        size_t len = strcspn(p, ",");
        if ((len == strlen(name) && !strncmp(p, name, len)) ||
            (len == area && !strncmp(p, name, len)))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* What the programs asked for that the kernel does not have (number, name,
 * count per line): the test log shows it so a missing call is seen, not guessed. */
static void report_unimplemented(void)
{
    FILE *f = fopen("/sys/kernel/unimplemented", "r");
    char line[256];
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        say("unimplemented: %s", line);
        n++;
    }
    if (f)
        fclose(f);
    say("unimplemented system calls seen: %d", n);
}

static int run_tests(const char *filter)
{
    char *names[MAX_TESTS];
    int n = list_tests(names), passed = 0, failed = 0;
    say("test mode: %d program(s) in %s%s%s", n, TESTS_DIR, filter[0] ? ", filter " : "", filter);
    for (int i = 0; i < n; i++) {
        if (!selected(names[i], filter))
            continue;
        char path[512], how[32];
        snprintf(path, sizeof path, "%s/%s", TESTS_DIR, names[i]);
        say("START %s", names[i]);
        char *argv[] = { path, NULL };
        pid_t pid = spawn(argv);
        int status = pid < 0 ? -1 : wait_for(pid);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            say("PASS %s", names[i]);
            passed++;
        } else {
            say("FAIL %s (%s)", names[i], status == -1 ? "not run" : describe(status, how, sizeof how));
            failed++;
        }
    }
    report_unimplemented();
    say("user tests: %d passed, %d failed", passed, failed);
    if (passed + failed == 0)
        say("no test program ran: that is a failure");
    return failed || passed == 0 ? 1 : 0;
}

static void end_processes(void);

/* --- osc-run mode --------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int osc_run(const char *hex)
{
    static char command[CMDLINE_MAX / 2 + 1];
    size_t len = strlen(hex), n = 0;
    if (len % 2) {
        say("osc-run: odd-length hex command");
        say("osc-run exit 125");
        return 125;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            say("osc-run: bad hex command");
            say("osc-run exit 125");
            return 125;
        }
        command[n++] = (char)(hi << 4 | lo);
    }
    command[n] = '\0';
    say("osc-run start");
    char *argv[] = { SHELL, "-c", command, NULL };
    pid_t pid = spawn(argv);
    int status = pid < 0 ? -1 : wait_for(pid);
    int code = status == -1 ? 125
             : WIFEXITED(status) ? WEXITSTATUS(status)
             : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
    if (home_mounted) {         /* what the command left running may hold the disk */
        end_processes();
        umount_home();
    }
    say("osc-run exit %d", code);
    return code;
}

/* --- normal mode ---------------------------------------------------------------- */

static void run_rc(void)
{
    if (access(RC, F_OK) != 0)
        return;
    char how[32];
    char *argv[] = { SHELL, RC, NULL };
    pid_t pid = spawn(argv);
    if (pid < 0)
        return;
    int status = wait_for(pid);
    if (status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        say("%s failed (%s)", RC, describe(status, how, sizeof how));
}

/* The terminals that get a login-free shell: the serial line and the screen's
 * text console (with the keyboard). Each shell leads its own session with its
 * terminal as controlling terminal, so job control and window sizes are per
 * terminal, as on a Linux console. */
static const char *const shell_ttys[] = { "/dev/ttyS0", "/dev/tty1" };
#define NTTYS (sizeof shell_ttys / sizeof shell_ttys[0])

/* A system process (OSCortex, kernel/proc/home_core.c) runs on the boot CPU; what
 * it starts runs anywhere. Linux answers EINVAL: nothing to do there. */
static void mark_system(void)
{
    prctl(PR_OSC_SET_ROLE, PROC_ROLE_SYSTEM, 0, 0, 0);
}

/* Starts SHELL as a session leader on tty; its pid, or -1. */
static pid_t spawn_on(const char *tty)
{
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int fd = open(tty, O_RDWR);     /* a session leader's first terminal: its own */
        if (fd < 0)
            _exit(126);
        for (int i = 0; i < 3; i++)
            dup2(fd, i);
        if (fd > 2)
            close(fd);
        mark_system();                  /* the shell stays on the boot CPU */
        char *argv[] = { SHELL, NULL };
        execve(SHELL, argv, default_env);
        _exit(127);
    }
    if (pid < 0)
        say("fork for %s on %s failed: %s", SHELL, tty, strerror(errno));
    return pid;
}

/* --- shutdown -------------------------------------------------------------------- */

#define SHUTDOWN_GRACE_MS 1000      /* SIGTERM to SIGKILL; interactive shells ignore TERM */
#define SHUTDOWN_POLL_MS  20

static volatile sig_atomic_t shutdown_signal;

static void on_shutdown_signal(int sig)
{
    shutdown_signal = sig;
}

/* No SA_RESTART: the supervisor's blocking waitpid returns EINTR and sees the flag. */
static void catch_shutdown_signals(void)
{
    struct sigaction sa = { .sa_handler = on_shutdown_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* Reaps children for up to ms milliseconds; returns early once none is left. */
static void reap_for(long ms)
{
    for (long waited = 0;; waited += SHUTDOWN_POLL_MS) {
        pid_t w;
        while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (w < 0 && errno == ECHILD)
            return;
        if (waited >= ms)
            return;
        sleep_ms(SHUTDOWN_POLL_MS);
    }
}

/* Every other process: SIGTERM, then SIGKILL for what is left a second later. */
static void end_processes(void)
{
    kill(-1, SIGTERM);
    reap_for(SHUTDOWN_GRACE_MS);
    kill(-1, SIGKILL);
    reap_for(SHUTDOWN_GRACE_MS);
}

/* SIGUSR2 powers off, SIGTERM restarts, SIGUSR1 halts (busybox's convention).
 * Returns only if the kernel refused. */
static void shut_down(int sig)
{
    const char *what = sig == SIGUSR2 ? "power off" : sig == SIGTERM ? "reboot" : "halt";
    int cmd = sig == SIGUSR2 ? RB_POWER_OFF : sig == SIGTERM ? RB_AUTOBOOT : RB_HALT_SYSTEM;
    say("the system is going down (%s)", what);
    end_processes();
    sync();
    umount_home();
    reboot(cmd);
    say("reboot(2) for %s failed: %s", what, strerror(errno));
}

/* Never returns: keeps a shell on each terminal and reaps everything else. */
/* With `osc.desktop` on the command line, the desktop shell runs too, restarted
 * when it exits. The desktop session is the normal user's (uid/gid 1000, as
 * /etc/passwd has it), not root's: apps it launches cannot touch what is not
 * theirs. */
#define DESKTOP "/bin/desktop"
#define DESKTOP_UID 1000
#define DESKTOP_HOME "/home/user"
static bool want_desktop;

static pid_t spawn_desktop(void)
{
    static char *const env[] = { "HOME=" DESKTOP_HOME, "USER=user", "LOGNAME=user",
                                 "PATH=/bin:/usr/bin", "TERM=xterm-256color", NULL };
    char *argv[] = { DESKTOP, NULL };
    pid_t pid = fork();
    if (pid == 0) {
        gid_t gid = DESKTOP_UID;
        if (setgroups(1, &gid) || setresgid(gid, gid, gid) ||
            setresuid(DESKTOP_UID, DESKTOP_UID, DESKTOP_UID)) {
            say("cannot become uid %d for %s: %s", DESKTOP_UID, DESKTOP, strerror(errno));
            _exit(126);
        }
        if (chdir(DESKTOP_HOME) != 0)
            chdir("/");
        execve(DESKTOP, argv, env);
        say("cannot run %s: %s", DESKTOP, strerror(errno));
        _exit(127);
    }
    if (pid < 0)
        say("fork for %s failed: %s", DESKTOP, strerror(errno));
    return pid;
}

static void supervise(void)
{
    pid_t shell[NTTYS] = { 0 }, desktop = 0;
    bool present[NTTYS];
    for (size_t i = 0; i < NTTYS; i++) {
        int fd = open(shell_ttys[i], O_RDWR | O_NOCTTY | O_CLOEXEC);
        present[i] = fd >= 0;
        if (fd >= 0)
            close(fd);
        else
            say("no %s (%s): no shell there", shell_ttys[i], strerror(errno));
    }
    for (;;) {
        if (shutdown_signal) {
            int sig = shutdown_signal;
            shutdown_signal = 0;
            shut_down(sig);
            for (size_t i = 0; i < NTTYS; i++)
                shell[i] = 0;           /* killed: start them again */
            desktop = 0;
        }
        if (want_desktop && desktop <= 0 && (desktop = spawn_desktop()) > 0)
            say("started %s as uid %d (pid %d)", DESKTOP, DESKTOP_UID, (int)desktop);
        for (size_t i = 0; i < NTTYS; i++) {
            if (present[i] && shell[i] <= 0 && (shell[i] = spawn_on(shell_ttys[i])) > 0)
                say("started %s on %s (pid %d)", SHELL, shell_ttys[i], (int)shell[i]);
        }
        int status;
        pid_t w = waitpid(-1, &status, 0);
        if (w < 0) {
            if (errno != EINTR)
                sleep_ms(1000);         /* no children at all: every spawn failed */
            continue;
        }
        if (w == desktop) {
            char how[32];
            say("%s exited (%s), restarting in 1 s", DESKTOP, describe(status, how, sizeof how));
            desktop = 0;
            sleep_ms(1000);
        }
        for (size_t i = 0; i < NTTYS; i++) {
            if (w != shell[i])
                continue;
            char how[32];
            say("%s on %s exited (%s), restarting in 1 s", SHELL, shell_ttys[i],
                describe(status, how, sizeof how));
            shell[i] = 0;
            sleep_ms(1000);
        }
    }
}

int main(int argc, char **argv, char **envp)
{
    char value[CMDLINE_MAX];
    read_cmdline(argc, argv, envp);
    if (cmdline_get("root", value, sizeof value) && value[0])
        init_switch_root(value, cmdline_get("ro", (char[2]){ 0 }, 2) != NULL);
    mark_system();
    say("PID %d, command line '%s'", (int)getpid(), cmdline);

    bool test_mode = cmdline_get("osctest", value, sizeof value) ||
                     cmdline_get("test", value, sizeof value);
    if (!test_mode)
        mount_home();
    if (cmdline_get("osc.run", value, sizeof value))
        return osc_run(value);
    if (cmdline_get("osctest", value, sizeof value))
        return run_tests(value);
    if (cmdline_get("test", value, sizeof value))
        return run_tests("");
    int fd = open(OSC_RUN_FILE, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, value, sizeof value - 1);
        close(fd);
        value[n > 0 ? n : 0] = '\0';
        value[strcspn(value, " \n")] = '\0';
        say("osc.run from %s (not on the command line init got)", OSC_RUN_FILE);
        return osc_run(value);
    }

    want_desktop = cmdline_get("osc.desktop", value, sizeof value) != NULL;
    catch_shutdown_signals();
    run_rc();
    supervise();
}
