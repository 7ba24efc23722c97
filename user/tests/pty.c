/* Pseudo-terminals: /dev/ptmx pairs, the slave's line discipline seen from the
 * master (output processing, echo, canonical lines, raw mode, ^C to the
 * foreground group), window size changes and hang-ups in both directions. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* A master, unlocked, and its slave opened without becoming our terminal. */
static int open_pair(int *slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) || unlockpt(m))
        return -1;
    *slave = open(ptsname(m), O_RDWR | O_NOCTTY);
    return *slave >= 0 ? m : -1;
}

/* Everything the master has to read within a short wait, NUL-terminated. */
static size_t drain(int m, char *buf, size_t size)
{
    size_t got = 0;
    struct pollfd p = { m, POLLIN, 0 };
    while (got + 1 < size && poll(&p, 1, 300) == 1 && (p.revents & POLLIN)) {
        ssize_t k = read(m, buf + got, size - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    buf[got] = 0;
    return got;
}

TEST(ptmx_makes_a_locked_pair_with_a_pts_node)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(m >= 0);
    CHECK(isatty(m));
    char *name = ptsname(m);
    CHECK(name && strncmp(name, "/dev/pts/", 9) == 0);
    struct stat st;
    CHECK_EQ(stat(name, &st), 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 136);
    CHECK_EQ(grantpt(m), 0);
    CHECK_ERR(open(name, O_RDWR | O_NOCTTY), EIO);     /* still locked */
    CHECK_EQ(unlockpt(m), 0);
    int s = open(name, O_RDWR | O_NOCTTY);
    CHECK(s >= 0);
    CHECK(isatty(s));
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", name);
    close(s);
    close(m);
    CHECK_ERR(stat(copy, &st), ENOENT);                /* gone with its master */
}

TEST(slave_output_reaches_the_master_with_newline_translation)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    CHECK_EQ(write(s, "hi\n", 3), 3);
    char buf[64];
    drain(m, buf, sizeof(buf));
    CHECK_STR(buf, "hi\r\n");
    close(s);
    close(m);
}

TEST(master_input_is_a_canonical_line_and_is_echoed)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    CHECK_EQ(write(m, "abd\x7f" "c\n", 6), 6);       /* with an erase */
    char buf[64];
    ssize_t k = read(s, buf, sizeof(buf) - 1);
    CHECK_EQ(k, 4);
    buf[k > 0 ? k : 0] = 0;
    CHECK_STR(buf, "abc\n");
    drain(m, buf, sizeof(buf));
    CHECK_STR(buf, "abd\b \bc\r\n");
    close(s);
    close(m);
}

TEST(raw_mode_passes_bytes_at_once_without_echo)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    struct termios t;
    CHECK_EQ(tcgetattr(s, &t), 0);
    cfmakeraw(&t);
    CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
    CHECK_EQ(write(m, "\x03q", 2), 2);
    char buf[8] = { 0 };
    CHECK_EQ(read(s, buf, sizeof(buf)), 2);
    CHECK_EQ(buf[0], 3);
    CHECK_EQ(buf[1], 'q');
    CHECK_EQ(drain(m, buf, sizeof(buf)), 0);
    /* Output processing is off too. */
    CHECK_EQ(write(s, "x\n", 2), 2);
    drain(m, buf, sizeof(buf));
    CHECK_STR(buf, "x\n");
    close(s);
    close(m);
}

TEST(a_new_pty_has_a_zero_window_until_one_is_set)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    struct winsize ws = { 1, 1, 1, 1 };
    CHECK_EQ(ioctl(s, TIOCGWINSZ, &ws), 0);
    CHECK_EQ(ws.ws_row, 0);
    CHECK_EQ(ws.ws_col, 0);
    struct winsize set = { 30, 100, 0, 0 };
    CHECK_EQ(ioctl(m, TIOCSWINSZ, &set), 0);
    CHECK_EQ(ioctl(s, TIOCGWINSZ, &ws), 0);
    CHECK_EQ(ws.ws_row, 30);
    CHECK_EQ(ws.ws_col, 100);
    close(s);
    close(m);
}

/* A child that makes the slave its controlling terminal in a new session and
 * then waits on it: the foreground group is its own. */
static pid_t session_child(int m, void (*body)(int s))
{
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int s = open(ptsname(m), O_RDWR);       /* no O_NOCTTY: our terminal now */
        if (s < 0)
            _exit(90);
        if (tcgetpgrp(s) != getpid())
            _exit(91);
        body(s);
        _exit(92);
    }
    return pid;
}

static void read_forever(int s)
{
    char c;
    write(s, "R", 1);                   /* ready */
    for (;;)
        if (read(s, &c, 1) <= 0)
            _exit(93);
}

TEST(ctrl_c_on_the_master_interrupts_the_foreground_group)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
    pid_t pid = session_child(m, read_forever);
    char buf[64];
    CHECK_EQ(read(m, buf, 1), 1);       /* the child has its terminal */
    CHECK_EQ(buf[0], 'R');
    CHECK_EQ(write(m, "\x03", 1), 1);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGINT);
    drain(m, buf, sizeof(buf));
    CHECK_STR(buf, "^C");
    close(m);
}

static volatile sig_atomic_t winched;
static void on_winch(int sig) { (void)sig; winched = 1; }

static void wait_for_winch(int s)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    write(s, "R", 1);                   /* ready */
    for (int i = 0; i < 500 && !winched; i++)
        usleep(10 * 1000);
    struct winsize ws;
    if (!winched || ioctl(s, TIOCGWINSZ, &ws) || ws.ws_row != 50 || ws.ws_col != 132)
        _exit(94);
    _exit(0);
}

TEST(a_window_size_change_sends_sigwinch_to_the_foreground)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
    pid_t pid = session_child(m, wait_for_winch);
    char c = 0;
    CHECK_EQ(read(m, &c, 1), 1);
    CHECK_EQ(c, 'R');
    struct winsize ws = { 50, 132, 0, 0 };
    CHECK_EQ(ioctl(m, TIOCSWINSZ, &ws), 0);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    close(m);
}

TEST(closing_the_master_hangs_up_the_slave)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    close(m);
    char c;
    CHECK_EQ(read(s, &c, 1), 0);
    CHECK_ERR(write(s, "x", 1), EIO);
    struct pollfd p = { s, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 1000), 1);
    CHECK(p.revents & POLLHUP);
    close(s);
}

TEST(closing_every_slave_gives_the_master_eio)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    CHECK_EQ(write(s, "z", 1), 1);
    close(s);
    char buf[8];
    CHECK_EQ(read(m, buf, sizeof(buf)), 1);       /* what was written stays readable */
    CHECK_ERR(read(m, buf, sizeof(buf)), EIO);
    struct pollfd p = { m, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 1000), 1);
    CHECK(p.revents & POLLHUP);
    close(m);
}

TEST(a_slave_writer_blocks_until_the_master_reads)
{
    int s, m = open_pair(&s);
    CHECK(m >= 0);
    struct termios t;
    tcgetattr(s, &t);
    cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
    pid_t pid = fork();
    if (pid == 0) {
        static char big[64 * 1024];
        memset(big, 'w', sizeof(big));
        size_t done = 0;
        while (done < sizeof(big)) {
            ssize_t k = write(s, big + done, sizeof(big) - done);
            if (k <= 0)
                _exit(95);
            done += (size_t)k;
        }
        _exit(0);
    }
    size_t total = 0;
    char buf[4096];
    while (total < 64 * 1024) {
        ssize_t k = read(m, buf, sizeof(buf));
        if (k <= 0)
            break;
        for (ssize_t i = 0; i < k; i++)
            if (buf[i] != 'w')
                k = -1;
        if (k < 0)
            break;
        total += (size_t)k;
    }
    CHECK_EQ(total, 64 * 1024);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(s);
    close(m);
}

/* Running out of pairs is an error for that open (ENOSPC, as at Linux's
 * kernel.pty.max; musl's posix_openpt reports it as POSIX's EAGAIN), and closing
 * them makes pairs available again. */
TEST(pty_exhaustion_fails_cleanly_and_closing_frees_pairs)
{
    int fds[100], opened = 0, other = 0;
    for (int i = 0; i < 100; i++) {
        fds[i] = posix_openpt(O_RDWR | O_NOCTTY);
        if (fds[i] >= 0)
            opened++;
        else if (errno != ENOSPC && errno != EAGAIN)
            other++;
    }
    CHECK(opened >= 32);
    CHECK_EQ(other, 0);
    for (int i = 0; i < 100; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(m >= 0);
    close(m);
}
