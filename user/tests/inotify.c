/* inotify: instances (inotify_init1 flags), watches (add, replace, IN_MASK_ADD,
 * IN_ONESHOT, IN_ONLYDIR, rm_watch), the events of namespace and file operations in
 * a watched directory and on a watched file, the record format read() returns, and
 * waiting for events (blocking read, poll, FIONREAD). */
#define _GNU_SOURCE
#include "../lib/testlib.h"
#include <poll.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct ev {
    int wd;
    uint32_t mask, cookie, len;
    char name[64];
};

static struct ev evs[64];
static char dir[64];

/* Reads every queued event (the fd must be non-blocking) into evs; their count. */
static int drain(int fd)
{
    static char buf[8192] __attribute__((aligned(8)));
    int n = 0;
    for (;;) {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got <= 0)
            break;
        for (ssize_t off = 0; off < got && n < 64;) {
            struct inotify_event *e = (struct inotify_event *)(buf + off);
            evs[n].wd = e->wd;
            evs[n].mask = e->mask;
            evs[n].cookie = e->cookie;
            evs[n].len = e->len;
            snprintf(evs[n].name, sizeof(evs[n].name), "%s", e->len ? e->name : "");
            n++;
            off += (ssize_t)sizeof(*e) + e->len;
        }
    }
    return n;
}

/* Event i is mask on wd, named name ("" for none). */
#define CHECK_EV(i, w, m, nm)                                                   \
    do {                                                                        \
        CHECK_EQ(evs[i].wd, w);                                                 \
        CHECK_EQ(evs[i].mask, m);                                               \
        CHECK_STR(evs[i].name, nm);                                             \
    } while (0)

static void dump(int n)
{
    for (int i = 0; i < n; i++)
        printf("  event %d: wd %d mask 0x%x cookie %u name '%s'\n", i, evs[i].wd,
               evs[i].mask, evs[i].cookie, evs[i].name);
}

static int new_dir(void)
{
    static int k;
    snprintf(dir, sizeof(dir), "/tmp/inotify.%d.%d", (int)getpid(), k++);
    return mkdir(dir, 0700);
}

static const char *in_dir(const char *name)
{
    static char p[2][128];
    static int which;
    which ^= 1;
    snprintf(p[which], sizeof(p[which]), "%s/%s", dir, name);
    return p[which];
}

TEST(init1_flags_and_empty_nonblocking_read)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    char buf[256];
    CHECK_ERR(read(fd, buf, sizeof(buf)), EAGAIN);
    char link[64], target[64] = "";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    CHECK(readlink(link, target, sizeof(target) - 1) > 0);
    CHECK_STR(target, "anon_inode:inotify");
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mode, 0600);                 /* an anonymous inode: no file type */
    close(fd);
    CHECK_ERR(inotify_init1(0x1), EINVAL);
    int old = (int)syscall(SYS_inotify_init);
    CHECK(old >= 0);
    CHECK_EQ(fcntl(old, F_GETFD), 0);
    CHECK_EQ(fcntl(old, F_GETFL) & O_NONBLOCK, 0);
    close(old);
}

TEST(add_watch_errors)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int f = open(in_dir("file"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    close(f);
    CHECK_ERR(inotify_add_watch(fd, in_dir("file"), IN_ONLYDIR | IN_MODIFY), ENOTDIR);
    CHECK_ERR(inotify_add_watch(fd, in_dir("missing"), IN_MODIFY), ENOENT);
    CHECK_ERR(inotify_add_watch(fd, dir, 0), EINVAL);
    CHECK_ERR(inotify_add_watch(-1, dir, IN_MODIFY), EBADF);
    CHECK_ERR(inotify_add_watch(1, dir, IN_MODIFY), EINVAL);       /* not an inotify fd */
    CHECK_ERR(inotify_add_watch(fd, (const char *)8, IN_MODIFY), EFAULT);
    CHECK_ERR(inotify_rm_watch(fd, 12345), EINVAL);
    int wd = inotify_add_watch(fd, dir, IN_CREATE);
    CHECK(wd > 0);
    CHECK_ERR(inotify_add_watch(fd, dir, IN_CREATE | 0x10000000 /* IN_MASK_CREATE */), EEXIST);
    unlink(in_dir("file"));
    rmdir(dir);
    close(fd);
}

TEST(file_lifecycle_in_watched_directory)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
    REQUIRE(wd > 0);
    int f = open(in_dir("a"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    CHECK_EQ(write(f, "xyz", 3), 3);
    close(f);
    f = open(in_dir("a"), O_RDONLY);
    REQUIRE(f >= 0);
    close(f);
    REQUIRE(unlink(in_dir("a")) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 7);
    if (n == 7) {
        CHECK_EV(0, wd, IN_CREATE, "a");
        CHECK_EV(1, wd, IN_OPEN, "a");
        CHECK_EV(2, wd, IN_MODIFY, "a");
        CHECK_EV(3, wd, IN_CLOSE_WRITE, "a");
        CHECK_EV(4, wd, IN_OPEN, "a");
        CHECK_EV(5, wd, IN_CLOSE_NOWRITE, "a");
        CHECK_EV(6, wd, IN_DELETE, "a");
    } else {
        dump(n);
    }
    rmdir(dir);
    close(fd);
}

TEST(records_pad_names_and_refuse_a_short_buffer)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_CREATE);
    REQUIRE(wd > 0);
    int f = open(in_dir("abcdefghijklmnopq"), O_CREAT | O_WRONLY, 0600);   /* 17 bytes */
    REQUIRE(f >= 0);
    close(f);
    int avail = -1;
    CHECK_EQ(ioctl(fd, FIONREAD, &avail), 0);
    CHECK_EQ(avail, (int)sizeof(struct inotify_event) + 32);
    char small[sizeof(struct inotify_event) + 8];
    CHECK_ERR(read(fd, small, sizeof(small)), EINVAL);
    char buf[256] __attribute__((aligned(8)));
    memset(buf, 0x55, sizeof(buf));
    CHECK_EQ(read(fd, buf, sizeof(buf)), (long)sizeof(struct inotify_event) + 32);
    struct inotify_event *e = (struct inotify_event *)buf;
    CHECK_EQ(e->wd, wd);
    CHECK_EQ(e->mask, IN_CREATE);
    CHECK_EQ(e->cookie, 0);
    CHECK_EQ(e->len, 32);                       /* 17 + NUL, rounded up to 16 */
    CHECK_STR(e->name, "abcdefghijklmnopq");
    int zeros = 1;
    for (int i = 17; i < 32; i++)
        zeros &= e->name[i] == 0;
    CHECK(zeros);
    CHECK_EQ(ioctl(fd, FIONREAD, &avail), 0);
    CHECK_EQ(avail, 0);
    unlink(in_dir("abcdefghijklmnopq"));
    rmdir(dir);
    close(fd);
}

TEST(rename_pairs_moved_from_and_to_by_cookie)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    char other[80];
    snprintf(other, sizeof(other), "%s.b", dir);
    REQUIRE(mkdir(other, 0700) == 0);
    int f = open(in_dir("old"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    close(f);
    int wa = inotify_add_watch(fd, dir, IN_MOVE);
    int wb = inotify_add_watch(fd, other, IN_MOVE);
    int wf = inotify_add_watch(fd, in_dir("old"), IN_MOVE_SELF);
    REQUIRE(wa > 0 && wb > 0 && wf > 0);
    CHECK(wa != wb && wb != wf);
    char to[128];
    snprintf(to, sizeof(to), "%s/new", other);
    REQUIRE(rename(in_dir("old"), to) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK_EV(0, wa, IN_MOVED_FROM, "old");
        CHECK_EV(1, wb, IN_MOVED_TO, "new");
        CHECK_EV(2, wf, IN_MOVE_SELF, "");
        CHECK(evs[0].cookie != 0);
        CHECK_EQ(evs[0].cookie, evs[1].cookie);
    } else {
        dump(n);
    }
    /* A second rename gets a new cookie. */
    REQUIRE(rename(to, in_dir("back")) == 0);
    n = drain(fd);
    CHECK(n >= 2);
    if (n >= 2) {
        CHECK_EV(0, wb, IN_MOVED_FROM, "new");
        CHECK_EV(1, wa, IN_MOVED_TO, "back");
        CHECK_EQ(evs[0].cookie, evs[1].cookie);
    }
    unlink(in_dir("back"));
    rmdir(other);
    rmdir(dir);
    close(fd);
}

TEST(watched_file_sees_its_own_events_then_delete_self_and_ignored)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int f = open(in_dir("w"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    close(f);
    int wd = inotify_add_watch(fd, in_dir("w"), IN_ALL_EVENTS);
    REQUIRE(wd > 0);
    int wdir = inotify_add_watch(fd, dir, IN_DELETE);
    REQUIRE(wdir > 0);
    REQUIRE(chmod(in_dir("w"), 0644) == 0);
    f = open(in_dir("w"), O_WRONLY | O_APPEND);
    REQUIRE(f >= 0);
    CHECK_EQ(write(f, "1", 1), 1);
    close(f);
    REQUIRE(truncate(in_dir("w"), 0) == 0);
    REQUIRE(unlink(in_dir("w")) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 9);
    if (n == 9) {
        CHECK_EV(0, wd, IN_ATTRIB, "");
        CHECK_EV(1, wd, IN_OPEN, "");
        CHECK_EV(2, wd, IN_MODIFY, "");
        CHECK_EV(3, wd, IN_CLOSE_WRITE, "");
        CHECK_EV(4, wd, IN_MODIFY, "");             /* truncate */
        CHECK_EV(5, wd, IN_ATTRIB, "");             /* the link count */
        CHECK_EV(6, wd, IN_DELETE_SELF, "");
        CHECK_EV(7, wd, IN_IGNORED, "");
        CHECK_EV(8, wdir, IN_DELETE, "w");
    } else {
        dump(n);
    }
    CHECK_ERR(inotify_rm_watch(fd, wd), EINVAL);    /* already gone */
    rmdir(dir);
    close(fd);
}

TEST(attribute_and_size_changes_reach_the_directory_first)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int f = open(in_dir("c"), O_CREAT | O_RDWR, 0600);
    REQUIRE(f >= 0);
    int wd = inotify_add_watch(fd, dir, IN_ATTRIB | IN_MODIFY);
    int wf = inotify_add_watch(fd, in_dir("c"), IN_ATTRIB | IN_MODIFY);
    REQUIRE(wd > 0 && wf > 0);
    REQUIRE(chmod(in_dir("c"), 0640) == 0);
    REQUIRE(truncate(in_dir("c"), 10) == 0);
    struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
    REQUIRE(utimensat(AT_FDCWD, in_dir("c"), ts, 0) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 6);
    if (n == 6) {
        CHECK_EV(0, wd, IN_ATTRIB, "c");
        CHECK_EV(1, wf, IN_ATTRIB, "");
        CHECK_EV(2, wd, IN_MODIFY, "c");
        CHECK_EV(3, wf, IN_MODIFY, "");
        CHECK_EV(4, wd, IN_ATTRIB, "c");
        CHECK_EV(5, wf, IN_ATTRIB, "");
    } else {
        dump(n);
    }
    close(f);
    /* The same through a descriptor opened while the directory was watched. */
    f = open(in_dir("c"), O_RDWR);
    REQUIRE(f >= 0);
    drain(fd);
    REQUIRE(fchmod(f, 0600) == 0);
    REQUIRE(ftruncate(f, 0) == 0);
    n = drain(fd);
    CHECK_EQ(n, 4);
    if (n == 4) {
        CHECK_EV(0, wd, IN_ATTRIB, "c");
        CHECK_EV(1, wf, IN_ATTRIB, "");
        CHECK_EV(2, wd, IN_MODIFY, "c");
        CHECK_EV(3, wf, IN_MODIFY, "");
    } else {
        dump(n);
    }
    close(f);
    unlink(in_dir("c"));
    rmdir(dir);
    close(fd);
}

TEST(an_open_unlinked_file_ends_its_watch_at_the_last_close)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int f = open(in_dir("open"), O_CREAT | O_RDWR, 0600);
    REQUIRE(f >= 0);
    int wf = inotify_add_watch(fd, in_dir("open"), IN_ALL_EVENTS);
    REQUIRE(wf > 0);
    REQUIRE(unlink(in_dir("open")) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 1);
    if (n == 1)
        CHECK_EV(0, wf, IN_ATTRIB, "");
    CHECK_EQ(write(f, "still", 5), 5);
    close(f);
    n = drain(fd);
    CHECK_EQ(n, 4);
    if (n == 4) {
        CHECK_EV(0, wf, IN_MODIFY, "");
        CHECK_EV(1, wf, IN_CLOSE_WRITE, "");
        CHECK_EV(2, wf, IN_DELETE_SELF, "");
        CHECK_EV(3, wf, IN_IGNORED, "");
    } else {
        dump(n);
    }
    rmdir(dir);
    close(fd);
}

TEST(directories_carry_isdir_and_rmdir_ends_their_watch)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
    REQUIRE(wd > 0);
    REQUIRE(mkdir(in_dir("sub"), 0700) == 0);
    int ws = inotify_add_watch(fd, in_dir("sub"), IN_DELETE_SELF | IN_ONLYDIR);
    REQUIRE(ws > 0);
    REQUIRE(rmdir(in_dir("sub")) == 0);
    int n = drain(fd);
    CHECK_EQ(n, 4);
    if (n == 4) {
        CHECK_EV(0, wd, IN_CREATE | IN_ISDIR, "sub");
        CHECK_EV(1, ws, IN_DELETE_SELF, "");
        CHECK_EV(2, ws, IN_IGNORED, "");
        CHECK_EV(3, wd, IN_DELETE | IN_ISDIR, "sub");
    } else {
        dump(n);
    }
    rmdir(dir);
    close(fd);
}

TEST(rm_watch_queues_ignored_and_masks_replace_or_add)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_CREATE);
    REQUIRE(wd > 0);
    CHECK_EQ(inotify_add_watch(fd, dir, IN_DELETE), wd);       /* replaces the mask */
    int f = open(in_dir("m"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    close(f);
    CHECK_EQ(drain(fd), 0);                      /* IN_CREATE is no longer watched */
    CHECK_EQ(inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD), wd);
    REQUIRE(unlink(in_dir("m")) == 0);
    f = open(in_dir("m"), O_CREAT | O_WRONLY, 0600);
    REQUIRE(f >= 0);
    close(f);
    int n = drain(fd);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EV(0, wd, IN_DELETE, "m");
        CHECK_EV(1, wd, IN_CREATE, "m");
    }
    CHECK_EQ(inotify_rm_watch(fd, wd), 0);
    n = drain(fd);
    CHECK_EQ(n, 1);
    if (n == 1)
        CHECK_EV(0, wd, IN_IGNORED, "");
    CHECK_ERR(inotify_rm_watch(fd, wd), EINVAL);
    unlink(in_dir("m"));
    CHECK_EQ(drain(fd), 0);                      /* nothing watched any more */
    rmdir(dir);
    close(fd);
}

TEST(oneshot_watch_reports_once_then_ignored)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_CREATE | IN_ONESHOT);
    REQUIRE(wd > 0);
    int f = open(in_dir("1"), O_CREAT | O_WRONLY, 0600);
    close(f);
    f = open(in_dir("2"), O_CREAT | O_WRONLY, 0600);
    close(f);
    int n = drain(fd);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EV(0, wd, IN_CREATE, "1");
        CHECK_EV(1, wd, IN_IGNORED, "");
    } else {
        dump(n);
    }
    unlink(in_dir("1"));
    unlink(in_dir("2"));
    rmdir(dir);
    close(fd);
}

/* A child makes a file in dir after a pause; the caller is waiting for it. */
static pid_t create_later(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(200000);
        int f = open(in_dir("late"), O_CREAT | O_WRONLY, 0600);
        _exit(f >= 0 ? 0 : 1);
    }
    return pid;
}

TEST(poll_and_blocking_read_wake_for_a_new_event)
{
    int fd = inotify_init1(IN_NONBLOCK);
    REQUIRE(fd >= 0);
    REQUIRE(new_dir() == 0);
    int wd = inotify_add_watch(fd, dir, IN_CREATE);
    REQUIRE(wd > 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);
    pid_t pid = create_later();
    REQUIRE(pid > 0);
    CHECK_EQ(poll(&p, 1, 10000), 1);
    CHECK(p.revents & POLLIN);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = { 0, 0 };
    CHECK_EQ(select(fd + 1, &rd, NULL, NULL, &tv), 1);  /* select agrees */
    CHECK(FD_ISSET(fd, &rd));
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(drain(fd), 1);
    unlink(in_dir("late"));
    drain(fd);

    int bfd = inotify_init1(0);                 /* blocking */
    REQUIRE(bfd >= 0);
    REQUIRE(inotify_add_watch(bfd, dir, IN_CREATE) > 0);
    pid = create_later();
    REQUIRE(pid > 0);
    alarm(20);
    char buf[256] __attribute__((aligned(8)));
    ssize_t got = read(bfd, buf, sizeof(buf));
    alarm(0);
    CHECK(got >= (ssize_t)sizeof(struct inotify_event));
    if (got > 0)
        CHECK_STR(((struct inotify_event *)buf)->name, "late");
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    unlink(in_dir("late"));
    rmdir(dir);
    close(bfd);
    close(fd);
}

TEST(closing_the_instance_drops_its_watches)
{
    REQUIRE(new_dir() == 0);
    for (int i = 0; i < 50; i++) {
        int fd = inotify_init1(IN_NONBLOCK);
        REQUIRE(fd >= 0);
        CHECK(inotify_add_watch(fd, dir, IN_ALL_EVENTS) > 0);
        int f = open(in_dir("x"), O_CREAT | O_WRONLY, 0600);  /* events left unread */
        close(f);
        unlink(in_dir("x"));
        close(fd);
    }
    /* The directory still works without any instance watching it. */
    int f = open(in_dir("y"), O_CREAT | O_WRONLY, 0600);
    CHECK(f >= 0);
    close(f);
    CHECK_EQ(unlink(in_dir("y")), 0);
    CHECK_EQ(rmdir(dir), 0);
}
