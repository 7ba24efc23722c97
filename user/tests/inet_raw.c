/* Raw ICMP sockets (SOCK_RAW, IPPROTO_ICMP) as busybox ping uses them, over
 * 127.0.0.1: root's only; an echo request sent as a bare ICMP message is
 * answered, and what is read is the whole IP packet, header first. Run as root
 * (the test suite is). */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

TEST(raw_icmp_echo_to_loopback_reads_the_whole_ip_reply)
{
    CHECK_EQ(getuid(), 0u);
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    CHECK(s >= 0);
    int v = 0;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
    CHECK_EQ(v, SOCK_RAW);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
    CHECK_EQ(v, IPPROTO_ICMP);
    struct timeval tv = { 2, 0 };
    CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);

    uint8_t msg[8 + 24];
    uint16_t id = (uint16_t)(getpid() ^ 0x5a5a);
    memset(msg, 0, sizeof(msg));
    msg[0] = ICMP_ECHO;
    memcpy(msg + 4, &id, 2);
    msg[7] = 7;                                     /* sequence 7 */
    memcpy(msg + 8, "oscortex raw icmp test!", 24);
    uint16_t c = csum(msg, sizeof(msg));
    memcpy(msg + 2, &c, 2);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_EQ(sendto(s, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)sizeof(msg));

    /* Every ICMP packet comes (the request itself too, on lo): find the reply. */
    int got = 0;
    for (int i = 0; i < 20 && !got; i++) {
        uint8_t buf[256];
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        CHECK(n > 0);
        CHECK_EQ(buf[0] >> 4, 4);                   /* the IP header first */
        size_t ihl = (size_t)(buf[0] & 15) * 4;
        CHECK(ihl >= 20 && (size_t)n >= ihl + 8);
        CHECK_EQ(buf[9], IPPROTO_ICMP);
        CHECK_EQ((size_t)(buf[2] << 8 | buf[3]), (size_t)n);   /* IP total length */
        const uint8_t *icmp = buf + ihl;
        if (icmp[0] != ICMP_ECHOREPLY || memcmp(icmp + 4, &id, 2))
            continue;
        got = 1;
        CHECK_EQ(from.sin_family, AF_INET);
        CHECK_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
        CHECK_EQ(from.sin_port, 0);
        CHECK_EQ(icmp[7], 7);
        CHECK_EQ((size_t)n - ihl, sizeof(msg));
        CHECK_EQ(memcmp(icmp + 8, msg + 8, 24), 0);
        CHECK_EQ(csum(icmp, (size_t)n - ihl), 0);
    }
    CHECK(got);
    close(s);
}

TEST(raw_socket_is_refused_to_an_unprivileged_user)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) || setuid(65534)))
            _exit(10);
        int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        _exit(s < 0 && errno == EPERM ? 0 : 11);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}
