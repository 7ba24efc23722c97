/* File locks: POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) between fork'd
 * processes — ranges, merging and splitting, release on any close and at exit,
 * blocking, EINTR, EDEADLK — open-file-description locks (F_OFD_*) and flock(2). */
#define _GNU_SOURCE
#include "../lib/testlib.h"
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>

static char path_buf[64];

/* A fresh /tmp file, open read-write (its name in path_buf; the test unlinks it). */
static int new_file(void)
{
    static int n;
    snprintf(path_buf, sizeof(path_buf), "/tmp/flocks.%d.%d", (int)getpid(), n++);
    return open(path_buf, O_RDWR | O_CREAT | O_TRUNC, 0600);
}

/* Another open file description of the current test file. */
static int reopen(int flags)
{
    return open(path_buf, flags);
}

static void done(int fd)
{
    close(fd);
    unlink(path_buf);
}

static int lk(int fd, int cmd, int type, int whence, off_t start, off_t len)
{
    struct flock f = { .l_type = (short)type, .l_whence = (short)whence,
                       .l_start = start, .l_len = len };
    return fcntl(fd, cmd, &f);
}

/* F_GETLK of a write lock on [start, start+len): the struct as the kernel left it. */
static struct flock getlk(int fd, int type, off_t start, off_t len)
{
    struct flock f = { .l_type = (short)type, .l_whence = SEEK_SET, .l_start = start,
                       .l_len = len, .l_pid = 12345 };
    if (fcntl(fd, F_GETLK, &f) != 0)
        f.l_type = -1;
    return f;
}

/* Runs fn(fd) in a child (its failed checks print there) and checks it passed. */
static void in_child(void (*fn)(int), int fd)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        tl_current_failed = 0;
        alarm(20);
        fn(fd);
        _exit(tl_current_failed ? 1 : 0);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static pid_t parent_pid;

static void child_sees_parent_write_lock(int fd)
{
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN);
    CHECK_ERR(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 9, 3), EAGAIN);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0);      /* just past it */
    struct flock f = getlk(fd, F_RDLCK, 0, 100);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_start, 0);
    CHECK_EQ(f.l_len, 10);
    CHECK_EQ(f.l_pid, parent_pid);
    CHECK_EQ(f.l_whence, SEEK_SET);
    f = getlk(fd, F_WRLCK, 50, 1);
    CHECK_EQ(f.l_type, F_UNLCK);                /* no conflict: only the type changes */
    CHECK_EQ(f.l_start, 50);
    CHECK_EQ(f.l_pid, 12345);
}

TEST(write_lock_excludes_other_process_and_getlk_names_it)
{
    parent_pid = getpid();
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0);
    in_child(child_sees_parent_write_lock, fd);
    /* The child's own lock on [10, 20) went with its exit. */
    CHECK_EQ(getlk(fd, F_WRLCK, 10, 10).l_type, F_UNLCK);
    done(fd);
}

static void child_shares_read_lock(int fd)
{
    CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), 0);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, 1), EAGAIN);
    struct flock f = getlk(fd, F_WRLCK, 1000, 1);
    CHECK_EQ(f.l_type, F_RDLCK);
    CHECK_EQ(f.l_len, 0);                       /* to the end of any file */
}

TEST(read_locks_are_shared_write_lock_is_not)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == 0);
    in_child(child_shares_read_lock, fd);
    done(fd);
}

static void child_sees_split_and_merge(int fd)
{
    /* The parent holds write locks [0,40) and [60,100) after unlocking the middle. */
    struct flock f = getlk(fd, F_WRLCK, 50, 1);
    CHECK_EQ(f.l_type, F_UNLCK);
    f = getlk(fd, F_WRLCK, 30, 1);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_start, 0);
    CHECK_EQ(f.l_len, 40);
    f = getlk(fd, F_WRLCK, 70, 1);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_start, 60);
    CHECK_EQ(f.l_len, 40);
    /* [200,210) and [210,220) were merged into one lock. */
    f = getlk(fd, F_WRLCK, 215, 1);
    CHECK_EQ(f.l_start, 200);
    CHECK_EQ(f.l_len, 20);
    /* [300,320) write, then [305,315) downgraded to read: three pieces. */
    f = getlk(fd, F_RDLCK, 307, 1);
    CHECK_EQ(f.l_type, F_UNLCK);                /* read beside read: fine */
    f = getlk(fd, F_WRLCK, 307, 1);
    CHECK_EQ(f.l_type, F_RDLCK);
    CHECK_EQ(f.l_start, 305);
    CHECK_EQ(f.l_len, 10);
    f = getlk(fd, F_RDLCK, 318, 1);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_start, 315);
    CHECK_EQ(f.l_len, 5);
}

TEST(own_ranges_split_merge_and_downgrade)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 200, 10), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 210, 10), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 300, 20), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 305, 10), 0);
    /* The owner itself never conflicts with its own locks. */
    CHECK_EQ(getlk(fd, F_WRLCK, 0, 0).l_type, F_UNLCK);
    in_child(child_sees_split_and_merge, fd);
    done(fd);
}

static void child_sees_relative_ranges(int fd)
{
    struct flock f = getlk(fd, F_WRLCK, 0, 0);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_start, 15);                    /* SEEK_CUR 10 + 5, len 5 */
    CHECK_EQ(f.l_len, 5);
    f = getlk(fd, F_WRLCK, 20, 100);
    CHECK_EQ(f.l_start, 40);                    /* l_start 50, l_len -10 */
    CHECK_EQ(f.l_len, 10);
    f = getlk(fd, F_WRLCK, 60, 0);
    CHECK_EQ(f.l_start, 1002);                  /* SEEK_END (1000) + 2, to infinity */
    CHECK_EQ(f.l_len, 0);
    f = getlk(fd, F_WRLCK, 1ll << 40, 1);
    CHECK_EQ(f.l_type, F_WRLCK);
}

TEST(ranges_follow_whence_negative_and_zero_length)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 1000) == 0);
    REQUIRE(lseek(fd, 10, SEEK_SET) == 10);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, 5, 5), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, -10), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 2, 0), 0);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -10), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, F_WRLCK, 7, 0, 1), EINVAL);
    CHECK_ERR(lk(fd, F_SETLK, 9, SEEK_SET, 0, 1), EINVAL);
    in_child(child_sees_relative_ranges, fd);
    done(fd);
}

TEST(lock_type_needs_matching_open_mode)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    int ro = reopen(O_RDONLY);
    REQUIRE(ro >= 0);
    CHECK_ERR(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
    CHECK_EQ(lk(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), 0);
    close(ro);
    done(fd);
}

static void child_finds_no_lock(int fd)
{
    CHECK_EQ(getlk(fd, F_WRLCK, 0, 0).l_type, F_UNLCK);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), 0);
}

TEST(closing_any_fd_of_the_file_drops_the_process_locks)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    int other = reopen(O_RDWR);                 /* a second description, same file */
    REQUIRE(other >= 0);
    int dup_fd = dup(fd);
    REQUIRE(dup_fd >= 0);
    CHECK_EQ(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
    CHECK_EQ(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10), 0);
    close(other);                               /* POSIX: this drops both locks */
    in_child(child_finds_no_lock, fd);
    CHECK_EQ(lk(dup_fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
    close(fd);                                  /* the dup'd descriptor: same rule */
    in_child(child_finds_no_lock, dup_fd);
    done(dup_fd);
}

static int pipe_fds[2];

static void child_waits_for_lock(int fd)
{
    CHECK_EQ(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0);
    CHECK_EQ(write(pipe_fds[1], "L", 1), 1);
}

TEST(setlkw_sleeps_until_the_conflicting_lock_goes)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(pipe(pipe_fds) == 0);
    REQUIRE(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        tl_current_failed = 0;
        alarm(20);
        child_waits_for_lock(fd);
        _exit(tl_current_failed ? 1 : 0);
    }
    struct pollfd pf = { pipe_fds[0], POLLIN, 0 };
    CHECK_EQ(poll(&pf, 1, 300), 0);             /* still blocked: nothing written */
    CHECK_EQ(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
    char c = 0;
    CHECK_EQ(read(pipe_fds[0], &c, 1), 1);
    CHECK_EQ(c, 'L');
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    done(fd);
}

static void on_alarm(int sig) { (void)sig; }

/* Arms SIGALRM in 200 ms with a handler that does not restart system calls. */
static void alarm_soon(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 200000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void child_setlkw_interrupted(int fd)
{
    alarm_soon();
    CHECK_ERR(lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 5, 1), EINTR);
    /* and flock's wait too */
    (void)fd;
    int own = reopen(O_RDONLY);
    CHECK(own >= 0);
    alarm_soon();
    CHECK_ERR(flock(own, LOCK_SH), EINTR);
    close(own);
}

TEST(setlkw_and_flock_waits_end_with_eintr_on_a_signal)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
    REQUIRE(flock(fd, LOCK_EX) == 0);
    in_child(child_setlkw_interrupted, fd);
    done(fd);
}

/* Parent holds byte 0, child byte 1; each then waits for the other's byte. The one
 * that would close the cycle gets EDEADLK (whichever comes second), gives up its
 * byte by exiting or unlocking, and the other gets its lock. */
TEST(setlkw_cycle_between_processes_fails_with_edeadlk)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    int ready[2], result[2];
    REQUIRE(pipe(ready) == 0 && pipe(result) == 0);
    REQUIRE(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        alarm(20);
        int r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1) == 0 ? 0 : -2;
        if (write(ready[1], "R", 1) != 1)
            _exit(3);
        if (r == 0)
            r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) == 0 ? 0 : errno;
        if (write(result[1], &r, sizeof(r)) != sizeof(r))
            _exit(3);
        _exit(0);
    }
    char c;
    CHECK_EQ(read(ready[0], &c, 1), 1);
    alarm(20);
    int mine = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1) == 0 ? 0 : errno;
    if (mine == EDEADLK)
        lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
    int theirs = -1;
    CHECK_EQ(read(result[0], &theirs, sizeof(theirs)), (long)sizeof(theirs));
    alarm(0);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK((mine == EDEADLK && theirs == 0) || (mine == 0 && theirs == EDEADLK));
    if (!((mine == EDEADLK && theirs == 0) || (mine == 0 && theirs == EDEADLK)))
        printf("  parent got %d, child got %d\n", mine, theirs);
    close(ready[0]); close(ready[1]); close(result[0]); close(result[1]);
    done(fd);
}

static int ofd(int fd, int cmd, int type, off_t start, off_t len)
{
    struct flock f = { .l_type = (short)type, .l_whence = SEEK_SET, .l_start = start,
                       .l_len = len, .l_pid = 0 };
    return fcntl(fd, cmd, &f);
}

TEST(ofd_locks_belong_to_the_open_file_description)
{
    int a = new_file();
    REQUIRE(a >= 0);
    int b = reopen(O_RDWR);
    REQUIRE(b >= 0);
    CHECK_EQ(ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
    /* Same process, another description: a conflict, unlike POSIX locks. */
    CHECK_ERR(ofd(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
    CHECK_ERR(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 5, 1), EAGAIN);    /* POSIX vs OFD */
    struct flock f = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    CHECK_EQ(fcntl(b, F_OFD_GETLK, &f), 0);
    CHECK_EQ(f.l_type, F_WRLCK);
    CHECK_EQ(f.l_pid, -1);
    CHECK_EQ(f.l_len, 10);
    f = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 1 };
    CHECK_ERR(fcntl(b, F_OFD_SETLK, &f), EINVAL);                  /* l_pid must be 0 */
    CHECK_EQ(getlk(b, F_WRLCK, 0, 1).l_pid, -1);                   /* POSIX GETLK too */
    /* Closing a dup of the description keeps the lock (unlike POSIX locks)... */
    int d = dup(a);
    REQUIRE(d >= 0);
    close(d);
    CHECK_ERR(ofd(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
    /* ...the last descriptor of the description drops it. */
    close(a);
    CHECK_EQ(ofd(b, F_OFD_SETLK, F_WRLCK, 5, 1), 0);
    done(b);
}

TEST(flock_excludes_other_descriptions_and_converts)
{
    int a = new_file();
    REQUIRE(a >= 0);
    int b = reopen(O_RDONLY);
    REQUIRE(b >= 0);
    CHECK_EQ(flock(a, LOCK_EX), 0);
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_EQ(flock(a, LOCK_SH), 0);             /* downgrade */
    CHECK_EQ(flock(b, LOCK_SH | LOCK_NB), 0);
    CHECK_ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);           /* b shares it */
    CHECK_EQ(flock(b, LOCK_UN), 0);
    CHECK_EQ(flock(a, LOCK_EX | LOCK_NB), 0);   /* upgrade now that b let go */
    CHECK_ERR(flock(a, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERR(flock(a, 0), EINVAL);
    /* Independent of POSIX locks, as on Linux. */
    CHECK_EQ(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), 0);
    /* The description's last close drops its flock. */
    close(a);
    CHECK_EQ(flock(b, LOCK_EX | LOCK_NB), 0);
    done(b);
}

static void child_flock_waits(int fd)
{
    (void)fd;
    int own = reopen(O_RDONLY);
    CHECK(own >= 0);
    CHECK_ERR(flock(own, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_EQ(flock(own, LOCK_EX), 0);           /* sleeps until the parent unlocks */
    CHECK_EQ(write(pipe_fds[1], "F", 1), 1);
}

TEST(blocking_flock_waits_for_the_holder)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    REQUIRE(pipe(pipe_fds) == 0);
    REQUIRE(flock(fd, LOCK_SH) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        tl_current_failed = 0;
        alarm(20);
        child_flock_waits(fd);
        _exit(tl_current_failed ? 1 : 0);
    }
    struct pollfd pf = { pipe_fds[0], POLLIN, 0 };
    CHECK_EQ(poll(&pf, 1, 300), 0);
    CHECK_EQ(flock(fd, LOCK_UN), 0);
    char c = 0;
    CHECK_EQ(read(pipe_fds[0], &c, 1), 1);
    CHECK_EQ(c, 'F');
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    done(fd);
}

TEST(flock_is_shared_with_a_forked_child_through_the_description)
{
    int fd = new_file();
    REQUIRE(fd >= 0);
    int other = reopen(O_RDONLY);
    REQUIRE(other >= 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        _exit(flock(fd, LOCK_EX) == 0 ? 0 : 1);  /* the child's fd: same description */
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The child exited, but the parent still holds the description: locked. */
    CHECK_ERR(flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    close(fd);
    CHECK_EQ(flock(other, LOCK_SH | LOCK_NB), 0);
    done(other);
}
