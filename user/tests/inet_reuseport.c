/* SO_REUSEPORT over 127.0.0.1, as Linux: the option reads back; sockets that all
 * set it (same user) share a UDP or TCP port, several TCP listeners among them,
 * and what comes to the port reaches one of them; a socket without it, or of
 * another user, gets EADDRINUSE. Which socket gets what is not checked (Linux
 * spreads by a hash of the addresses). */
#define _GNU_SOURCE
#include "testlib.h"

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int sock_with(int type, int reuseport)
{
    int s = socket(AF_INET, type, 0);
    if (s >= 0 && reuseport && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &reuseport, sizeof(int)))
        return -1;
    return s;
}

/* Binds s to 127.0.0.1:*port (0: any; the port chosen goes back in *port). */
static int bind_lo(int s, unsigned short *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(*port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) || getsockname(s, (struct sockaddr *)&a, &len))
        return -1;
    *port = ntohs(a.sin_port);
    return 0;
}

/* Which of fds[0..n) is readable within 2 s: its index, or -1. */
static int readable_of(const int *fds, int n)
{
    struct pollfd p[8];
    for (int i = 0; i < n; i++)
        p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    if (poll(p, (nfds_t)n, 2000) <= 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (p[i].revents & POLLIN)
            return i;
    return -1;
}

TEST(so_reuseport_is_off_at_first_and_reads_back)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v, &len), 0);
    CHECK_EQ(v, 0);
    v = 1;
    CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v, &len), 0);
    CHECK_EQ(v, 1);
    /* It is not SO_REUSEADDR. */
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
    CHECK_EQ(v, 0);
    close(s);
}

TEST(udp_sockets_with_so_reuseport_share_a_port)
{
    int a = sock_with(SOCK_DGRAM, 1), b = sock_with(SOCK_DGRAM, 1), c = sock_with(SOCK_DGRAM, 0);
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(a >= 0 && b >= 0 && c >= 0 && t >= 0);
    unsigned short port = 0;
    REQUIRE(bind_lo(a, &port) == 0);
    CHECK_EQ(bind_lo(b, &port), 0);
    CHECK_ERR(bind_lo(c, &port), EADDRINUSE);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fds[2] = { a, b }, got = 0;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(sendto(t, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
        int k = readable_of(fds, 2);
        char ch;
        if (k >= 0 && recv(fds[k], &ch, 1, 0) == 1)
            got++;
    }
    CHECK_EQ(got, 4);
    close(a);
    close(b);
    close(c);
    close(t);
}

TEST(tcp_listeners_with_so_reuseport_share_a_port_and_take_every_connection)
{
    int l1 = sock_with(SOCK_STREAM, 1), l2 = sock_with(SOCK_STREAM, 1), x = sock_with(SOCK_STREAM, 0);
    REQUIRE(l1 >= 0 && l2 >= 0 && x >= 0);
    unsigned short port = 0;
    REQUIRE(bind_lo(l1, &port) == 0 && listen(l1, 8) == 0);
    CHECK_EQ(bind_lo(l2, &port), 0);
    CHECK_EQ(listen(l2, 8), 0);
    CHECK_ERR(bind_lo(x, &port), EADDRINUSE);
    int fds[2] = { l1, l2 }, accepted = 0;
    for (int i = 0; i < 4; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        CHECK_EQ(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
        int k = readable_of(fds, 2);
        int s = k >= 0 ? accept(fds[k], NULL, NULL) : -1;
        if (s >= 0) {
            accepted++;
            close(s);
        }
        close(c);
    }
    CHECK_EQ(accepted, 4);
    /* Once one closes, the other goes on taking them. */
    close(l2);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_EQ(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    int s = readable_of(&l1, 1) == 0 ? accept(l1, NULL, NULL) : -1;
    CHECK(s >= 0);
    close(s);
    close(c);
    close(l1);
    close(x);
}

TEST(another_users_socket_cannot_join_the_port)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    int a = sock_with(SOCK_DGRAM, 1);
    unsigned short port = 0;
    REQUIRE(a >= 0 && bind_lo(a, &port) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (setuid(65534))
            _exit(2);
        int b = sock_with(SOCK_DGRAM, 1);
        _exit(b >= 0 && bind_lo(b, &port) < 0 && errno == EADDRINUSE ? 0 : 1);
    }
    int st = -1;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(a);
}
