/* AF_UNIX ancillary data: SCM_RIGHTS (one and several descriptors, stream and
 * datagram, to a forked child, a socket passed over a socket, MSG_CTRUNC with a
 * short control buffer, MSG_PEEK, MSG_CMSG_CLOEXEC, a bad descriptor, files in
 * flight released when the receiving socket closes) and SCM_CREDENTIALS with
 * SO_PASSCRED. Pipes make the checks observable: a pipe whose read end is only
 * in flight gives EPIPE to its writer once that copy is released. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* Sends len bytes of data with n descriptors (n may be 0) in one sendmsg. */
static ssize_t send_fds(int sock, const char *data, size_t len, const int *fds, int n)
{
    union { char buf[CMSG_SPACE(sizeof(int) * 8)]; struct cmsghdr align; } u;
    struct iovec iov = { (void *)data, len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (n) {
        memset(&u, 0, sizeof(u));
        m.msg_control = u.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return sendmsg(sock, &m, 0);
}

/* Receives into buf with a control buffer of ctl bytes; the descriptors that came
 * into fds (up to max), their count in *n, msg_flags in *mflags. */
static ssize_t recv_fds(int sock, char *buf, size_t len, size_t ctl, int flags, int *fds,
                        int max, int *n, int *mflags)
{
    union { char buf[CMSG_SPACE(sizeof(int) * 16)]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = { buf, len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl ? u.buf : NULL,
                        .msg_controllen = ctl };
    ssize_t r = recvmsg(sock, &m, flags);
    *n = 0;
    *mflags = m.msg_flags;
    if (r < 0)
        return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k && *n < max; i++)
            memcpy(&fds[(*n)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    return r;
}

/* A write to a pipe whose every read end is gone: EPIPE (SIGPIPE is ignored). */
static bool pipe_has_no_reader(int wfd)
{
    return write(wfd, "x", 1) < 0 && errno == EPIPE;
}

static bool same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_ino == y.st_ino &&
           x.st_dev == y.st_dev;
}

TEST(setup_ignores_sigpipe) { CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR); }

TEST(a_passed_pipe_end_works_after_the_sender_closes_it)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(send_fds(sv[0], "F", 1, &p[0], 1), 1);
    close(p[0]);                        /* only the copy in flight is left */
    CHECK_EQ(write(p[1], "hello", 5), 5);
    char b[8] = "";
    int fds[4], n, fl;
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK_EQ(b[0], 'F');
    CHECK_EQ(n, 1);
    CHECK_EQ(fl & MSG_CTRUNC, 0);
    if (n == 1) {
        CHECK_EQ(read(fds[0], b, sizeof(b)), 5);
        CHECK(memcmp(b, "hello", 5) == 0);
        CHECK_EQ(fcntl(fds[0], F_GETFD), 0);    /* no FD_CLOEXEC without MSG_CMSG_CLOEXEC */
        close(fds[0]);
        CHECK(pipe_has_no_reader(p[1]));
    }
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(several_descriptors_in_one_message_arrive_in_order)
{
    int sv[2], p[3][2], send[3];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    for (int i = 0; i < 3; i++) {
        REQUIRE(pipe(p[i]) == 0);
        send[i] = p[i][0];
    }
    CHECK_EQ(send_fds(sv[0], "abc", 3, send, 3), 3);
    char b[8];
    int fds[4], n, fl;
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int) * 3), 0, fds, 4, &n, &fl), 3);
    CHECK_EQ(n, 3);
    for (int i = 0; i < n && i < 3; i++) {
        CHECK(fds[i] != p[i][0]);
        CHECK(same_file(fds[i], p[i][0]));
        close(fds[i]);
    }
    for (int i = 0; i < 3; i++) {
        close(p[i][0]);
        CHECK(pipe_has_no_reader(p[i][1]));
        close(p[i][1]);
    }
    close(sv[0]);
    close(sv[1]);
}

TEST(a_short_control_buffer_gives_msg_ctrunc_and_closes_the_rest)
{
    int sv[2], p[3][2], send[3];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    for (int i = 0; i < 3; i++) {
        REQUIRE(pipe(p[i]) == 0);
        send[i] = p[i][0];
    }
    CHECK_EQ(send_fds(sv[0], "d", 1, send, 3), 1);
    for (int i = 0; i < 3; i++)
        close(p[i][0]);
    char b[4];
    int fds[4], n, fl;
    /* Room for one descriptor (CMSG_SPACE would pad it to room for two). */
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_LEN(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(fl & MSG_CTRUNC);
    CHECK_EQ(n, 1);
    CHECK_EQ(write(p[0][1], "y", 1), 1);        /* the one received still reads */
    CHECK(pipe_has_no_reader(p[1][1]));
    CHECK(pipe_has_no_reader(p[2][1]));
    if (n == 1)
        close(fds[0]);
    /* No control buffer at all: MSG_CTRUNC, every file closed. */
    int q[2];
    REQUIRE(pipe(q) == 0);
    CHECK_EQ(send_fds(sv[0], "e", 1, &q[0], 1), 1);
    close(q[0]);
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), 0, 0, fds, 4, &n, &fl), 1);
    CHECK(fl & MSG_CTRUNC);
    CHECK_EQ(n, 0);
    CHECK(pipe_has_no_reader(q[1]));
    close(q[1]);
    for (int i = 0; i < 3; i++)
        close(p[i][1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(files_in_flight_are_released_when_the_receiver_closes_unread)
{
    int sv[2], p[2], q[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    REQUIRE(pipe(q) == 0);
    int both[2] = { p[0], q[0] };
    CHECK_EQ(send_fds(sv[0], "z", 1, both, 2), 1);
    close(p[0]);
    close(q[0]);
    CHECK_EQ(write(p[1], "x", 1), 1);           /* still in flight: a reader exists */
    close(sv[1]);                               /* the receiver, never read */
    CHECK(pipe_has_no_reader(p[1]));
    CHECK(pipe_has_no_reader(q[1]));
    close(sv[0]);
    close(p[1]);
    close(q[1]);
}

TEST(datagrams_each_carry_their_own_descriptors)
{
    int sv[2], p[2], q[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    REQUIRE(pipe(q) == 0);
    CHECK_EQ(send_fds(sv[0], "1", 1, &p[0], 1), 1);
    CHECK_EQ(send_fds(sv[0], "2", 1, NULL, 0), 1);
    CHECK_EQ(send_fds(sv[0], "3", 1, &q[0], 1), 1);
    char b[4];
    int fds[4], n, fl;
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(b[0] == '1' && n == 1 && same_file(fds[0], p[0]));
    if (n)
        close(fds[0]);
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(b[0] == '2' && n == 0 && !(fl & MSG_CTRUNC));
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(b[0] == '3' && n == 1 && same_file(fds[0], q[0]));
    if (n)
        close(fds[0]);
    close(p[0]); close(p[1]); close(q[0]); close(q[1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(stream_descriptors_come_with_the_first_read_of_their_bytes)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(send_fds(sv[0], "ab", 2, &p[0], 1), 2);
    char b[4];
    int fds[4], n, fl;
    /* A peek sees them too, and leaves them queued. */
    CHECK_EQ(recv_fds(sv[1], b, 1, CMSG_SPACE(sizeof(int)), MSG_PEEK, fds, 4, &n, &fl), 1);
    CHECK_EQ(n, 1);
    if (n)
        close(fds[0]);
    CHECK_EQ(recv_fds(sv[1], b, 1, CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(b[0] == 'a' && n == 1);
    if (n)
        close(fds[0]);
    CHECK_EQ(recv_fds(sv[1], b, 1, CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    CHECK(b[0] == 'b' && n == 0);
    close(p[0]); close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(msg_cmsg_cloexec_sets_fd_cloexec_on_received_descriptors)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(send_fds(sv[0], "c", 1, &p[0], 1), 1);
    char b[4];
    int fds[4], n, fl;
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC, fds, 4,
                      &n, &fl), 1);
    CHECK_EQ(n, 1);
    if (n) {
        CHECK_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
        close(fds[0]);
    }
    close(p[0]); close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(a_bad_descriptor_fails_with_ebadf_and_sends_nothing)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    int fds[2] = { p[0], 999 };
    errno = 0;
    CHECK_ERR(send_fds(sv[0], "q", 1, fds, 2), EBADF);
    char b[4];
    CHECK_ERR(recv(sv[1], b, sizeof(b), MSG_DONTWAIT), EAGAIN);
    close(p[0]);
    CHECK(pipe_has_no_reader(p[1]));            /* the good one was not kept either */
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

TEST(a_socket_passed_over_a_socket_carries_its_connection)
{
    int sv[2], inner[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, inner) == 0);
    CHECK_EQ(send_fds(sv[0], "s", 1, &inner[1], 1), 1);
    close(inner[1]);
    char b[8];
    int fds[4], n, fl;
    CHECK_EQ(recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl), 1);
    REQUIRE(n == 1);
    CHECK_EQ(write(inner[0], "ping", 4), 4);
    CHECK_EQ(read(fds[0], b, sizeof(b)), 4);
    CHECK(memcmp(b, "ping", 4) == 0);
    close(fds[0]);
    CHECK_EQ(read(inner[0], b, sizeof(b)), 0);  /* the last copy is closed: end of stream */
    close(inner[0]);
    close(sv[0]);
    close(sv[1]);
}

TEST(a_forked_child_receives_a_descriptor_and_writes_through_it)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        close(p[1]);
        char b[4];
        int fds[4], n, fl;
        if (recv_fds(sv[1], b, sizeof(b), CMSG_SPACE(sizeof(int)), 0, fds, 4, &n, &fl) != 1 ||
            n != 1)
            _exit(2);
        _exit(write(fds[0], "from child", 10) == 10 ? 0 : 3);
    }
    CHECK_EQ(send_fds(sv[0], "w", 1, &p[1], 1), 1);
    close(p[1]);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char b[16] = "";
    CHECK_EQ(read(p[0], b, sizeof(b)), 10);
    CHECK(memcmp(b, "from child", 10) == 0);
    CHECK_EQ(read(p[0], b, sizeof(b)), 0);      /* every write end is gone */
    close(p[0]);
    close(sv[0]);
    close(sv[1]);
}

TEST(so_passcred_gives_the_senders_credentials)
{
    int sv[2], on = 1, v = -1;
    socklen_t len = sizeof(v);
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
    CHECK_EQ(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &len), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(send(sv[0], "k", 1, 0), 1);
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
    char b[4];
    struct iovec iov = { b, sizeof(b) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    REQUIRE(c != NULL);
    CHECK(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS);
    CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(struct ucred)));
    struct ucred cr;
    memcpy(&cr, CMSG_DATA(c), sizeof(cr));
    CHECK_EQ(cr.pid, getpid());
    CHECK_EQ(cr.uid, geteuid());
    CHECK_EQ(cr.gid, getegid());
    /* Sent explicitly, the sender's own credentials arrive as given. */
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } s;
    memset(&s, 0, sizeof(s));
    struct msghdr sm = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = s.buf,
                         .msg_controllen = sizeof(s.buf) };
    c = CMSG_FIRSTHDR(&sm);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred mine = { getpid(), getuid(), getgid() };
    memcpy(CMSG_DATA(c), &mine, sizeof(mine));
    CHECK_EQ(sendmsg(sv[0], &sm, 0), (ssize_t)sizeof(b));
    m.msg_controllen = sizeof(u.buf);
    CHECK_EQ(recvmsg(sv[1], &m, 0), (ssize_t)sizeof(b));
    c = CMSG_FIRSTHDR(&m);
    REQUIRE(c != NULL);
    memcpy(&cr, CMSG_DATA(c), sizeof(cr));
    CHECK(cr.pid == mine.pid && cr.uid == mine.uid && cr.gid == mine.gid);
    close(sv[0]);
    close(sv[1]);
}

/* Linux's __sock_cmsg_send skips SCM_RIGHTS on other families. */
TEST(scm_rights_on_an_inet_socket_is_ignored_and_holds_nothing)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    REQUIRE(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0);
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(send_fds(s, "i", 1, &p[0], 1), 1);
    close(p[0]);
    CHECK(pipe_has_no_reader(p[1]));
    close(p[1]);
    close(s);
}

/* A socket whose own descriptor waits in its own queue is unreachable once closed;
 * the kernel's in-flight collector frees it and what else its queue holds. Linux
 * 6.10 and later collect in the background, started by a unix socket's close and
 * skipped while a run is under way: the check closes a fresh pair while it waits. */
TEST(a_cycle_of_sockets_in_flight_is_collected_after_close)
{
    int sv[2], p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(send_fds(sv[0], "p", 1, &p[0], 1), 1);
    CHECK_EQ(send_fds(sv[0], "s", 1, &sv[1], 1), 1);   /* sv[1] into its own queue */
    close(p[0]);
    close(sv[0]);
    close(sv[1]);
    bool freed = false;
    for (int i = 0; i < 200 && !freed; i++) {
        freed = pipe_has_no_reader(p[1]);
        int t[2];
        if (!freed && socketpair(AF_UNIX, SOCK_STREAM, 0, t) == 0) {
            close(t[0]);
            close(t[1]);
            usleep(10000);
        }
    }
    CHECK(freed);
    close(p[1]);
}

/* Under SO_PASSCRED a stream read stops where another sender's data begins, so
 * each read's credentials are true for all its bytes. */
TEST(so_passcred_stream_reads_do_not_join_two_senders)
{
    int sv[2], on = 1;
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
    CHECK_EQ(write(sv[0], "a", 1), 1);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(write(sv[0], "b", 1) == 1 ? 0 : 1);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    pid_t want[2] = { getpid(), pid };
    const char *data = "ab";
    for (int i = 0; i < 2; i++) {
        union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
        char b[4] = "";
        struct iovec iov = { b, sizeof(b) };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                            .msg_controllen = sizeof(u.buf) };
        CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
        CHECK_EQ(b[0], data[i]);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        REQUIRE(c != NULL && c->cmsg_type == SCM_CREDENTIALS);
        struct ucred cr;
        memcpy(&cr, CMSG_DATA(c), sizeof(cr));
        CHECK_EQ(cr.pid, want[i]);
    }
    close(sv[0]);
    close(sv[1]);
}
