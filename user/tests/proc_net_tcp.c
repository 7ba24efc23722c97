/* /proc/net/tcp and /proc/net/udp: Linux's header, one line per socket with its
 * addresses as little-endian hex, its state in Linux's numbering, the owner's uid
 * and the inode /proc/self/fd names (socket:[N]); tcp6/udp6 the same for AF_INET6
 * sockets (their IPv4 peers v4-mapped), each table its family's sockets only. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

struct row {
    unsigned laddr, lport, raddr, rport, st, uid;
    unsigned long ino;
};

/* The inode of fd's socket, from its /proc/self/fd link (0: none). */
static unsigned long sock_ino(int fd)
{
    char path[64], target[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0)
        return 0;
    target[n] = 0;
    unsigned long ino = 0;
    return sscanf(target, "socket:[%lu]", &ino) == 1 ? ino : 0;
}

/* Reads file; the rows (at most max) in r, the header in hdr. -1 on a bad line. */
static int read_rows(const char *file, char *hdr, size_t hlen, struct row *r, int max)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return -1;
    }
    snprintf(hdr, hlen, "%s", line);
    while (fgets(line, sizeof(line), f) && n < max) {
        struct row x;
        int sl;
        if (sscanf(line, "%d: %8X:%4X %8X:%4X %2X %*X:%*X %*X:%*X %*X %u %*d %lu", &sl,
                   &x.laddr, &x.lport, &x.raddr, &x.rport, &x.st, &x.uid, &x.ino) != 8) {
            fclose(f);
            return -1;
        }
        r[n++] = x;
    }
    fclose(f);
    return n;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct row *find(const struct row *r, int n, unsigned long ino)
{
    for (int i = 0; i < n; i++)
        if (r[i].ino == ino)
            return &r[i];
    return NULL;
}

#define LO_HEX 0x0100007Fu              /* 127.0.0.1 as Linux prints it on x86 */

static struct row rows[4096];
static char hdr[512];

TEST(tcp_listener_and_connected_pair_listed_with_ports_states_inodes)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    CHECK(l >= 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    CHECK_EQ(listen(l, 4), 0);
    CHECK_EQ(getsockname(l, (struct sockaddr *)&a, &len), 0);
    unsigned port = ntohs(a.sin_port);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0);
    struct sockaddr_in ca;
    len = sizeof(ca);
    CHECK_EQ(getsockname(c, (struct sockaddr *)&ca, &len), 0);
    unsigned cport = ntohs(ca.sin_port);
    unsigned long il = sock_ino(l), ic = sock_ino(c), is = sock_ino(s);
    CHECK(il != 0 && ic != 0 && is != 0);
    CHECK(il != ic && ic != is && il != is);

    int n = read_rows("/proc/net/tcp", hdr, sizeof(hdr), rows, 4096);
    CHECK(n >= 3);
    CHECK(starts(hdr, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                 "retrnsmt   uid  timeout inode"));
    const struct row *rl = find(rows, n, il), *rc = find(rows, n, ic), *rs = find(rows, n, is);
    CHECK(rl && rc && rs);
    if (rl && rc && rs) {
        CHECK_EQ(rl->st, 0x0Au);        /* TCP_LISTEN */
        CHECK_EQ(rl->laddr, LO_HEX);
        CHECK_EQ(rl->lport, port);
        CHECK_EQ(rl->raddr, 0u);
        CHECK_EQ(rl->rport, 0u);
        CHECK_EQ(rc->st, 0x01u);        /* TCP_ESTABLISHED */
        CHECK_EQ(rc->laddr, LO_HEX);
        CHECK_EQ(rc->lport, cport);
        CHECK_EQ(rc->raddr, LO_HEX);
        CHECK_EQ(rc->rport, port);
        CHECK_EQ(rs->st, 0x01u);
        CHECK_EQ(rs->lport, port);
        CHECK_EQ(rs->rport, cport);
        CHECK_EQ(rl->uid, (unsigned)geteuid());
        CHECK_EQ(rs->uid, (unsigned)geteuid());
    }
    /* The client closes first: its end waits in FIN-WAIT-2 (05), the server's in
     * CLOSE-WAIT (08) until it closes too. */
    close(c);
    bool fin_wait2 = false;
    const struct row *rs2 = NULL;
    for (int tries = 0; tries < 100 && !(fin_wait2 && rs2 && rs2->st == 0x08u); tries++) {
        usleep(20 * 1000);              /* the FIN crosses loopback (at most 2 s) */
        n = read_rows("/proc/net/tcp", hdr, sizeof(hdr), rows, 4096);
        rs2 = find(rows, n, is);
        fin_wait2 = false;
        for (int i = 0; i < n; i++)
            if (rows[i].lport == cport && rows[i].rport == port && rows[i].st == 0x05u &&
                rows[i].ino == 0)
                fin_wait2 = true;
    }
    CHECK(rs2 != NULL);
    if (rs2)
        CHECK_EQ(rs2->st, 0x08u);
    CHECK(find(rows, n, ic) == NULL);   /* its socket is gone: inode 0 from now on */
    CHECK(fin_wait2);
    close(s);
    close(l);
}

TEST(udp_sockets_listed_bound_and_connected)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    CHECK(u >= 0 && v >= 0);
    CHECK_EQ(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
    CHECK_EQ(getsockname(u, (struct sockaddr *)&a, &len), 0);
    unsigned port = ntohs(a.sin_port);
    CHECK_EQ(connect(v, (struct sockaddr *)&a, sizeof(a)), 0);
    struct sockaddr_in va;
    len = sizeof(va);
    CHECK_EQ(getsockname(v, (struct sockaddr *)&va, &len), 0);
    CHECK_EQ(send(v, "ping", 4, 0), 4);
    char b[8];
    CHECK_EQ(recv(u, b, sizeof(b), MSG_PEEK), 4);   /* arrived: stays queued */
    unsigned long iu = sock_ino(u), iv = sock_ino(v);
    CHECK(iu != 0 && iv != 0);

    int n = read_rows("/proc/net/udp", hdr, sizeof(hdr), rows, 4096);
    CHECK(n >= 2);
    CHECK(starts(hdr, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                 "retrnsmt   uid  timeout inode ref pointer drops"));
    const struct row *ru = find(rows, n, iu), *rv = find(rows, n, iv);
    CHECK(ru && rv);
    if (ru && rv) {
        CHECK_EQ(ru->st, 0x07u);        /* TCP_CLOSE: not connected */
        CHECK_EQ(ru->laddr, LO_HEX);
        CHECK_EQ(ru->lport, port);
        CHECK_EQ(ru->rport, 0u);
        CHECK_EQ(rv->st, 0x01u);        /* connected */
        CHECK_EQ(rv->lport, (unsigned)ntohs(va.sin_port));
        CHECK_EQ(rv->raddr, LO_HEX);
        CHECK_EQ(rv->rport, port);
        CHECK_EQ(ru->uid, (unsigned)geteuid());
    }
    /* The unread datagram is counted in the receiver's rx_queue (Linux counts its
     * buffer's truesize, so only "not empty" is compared). */
    FILE *f = fopen("/proc/net/udp", "r");
    char line[512];
    bool queued = false;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned rxq;
        unsigned long ino;
        if (sscanf(line, "%*d: %*X:%*X %*X:%*X %*X %*X:%X %*X:%*X %*X %*u %*d %lu",
                   &rxq, &ino) == 2 && ino == iu)
            queued = rxq > 0;
    }
    if (f)
        fclose(f);
    CHECK(queued);
    close(u);
    close(v);
}

TEST(ipv6_tables_start_with_linux_header)
{
    FILE *f = fopen("/proc/net/tcp6", "r");
    char line[512] = "";
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(line, sizeof(line), f) != NULL);
        fclose(f);
    }
    CHECK(starts(line, "  sl  local_address                         remote_address"
                 "                        st tx_queue rx_queue tr tm->when retrnsmt   uid"
                 "  timeout inode"));
    f = fopen("/proc/net/udp6", "r");
    line[0] = 0;
    CHECK(f != NULL);
    if (f) {
        CHECK(fgets(line, sizeof(line), f) != NULL);
        fclose(f);
    }
    CHECK(starts(line, "  sl  local_address                         remote_address"
                 "                        st tx_queue rx_queue tr tm->when retrnsmt   uid"
                 "  timeout inode ref pointer drops"));
}

struct row6 {
    char laddr[33], raddr[33];
    unsigned lport, rport, st;
    unsigned long ino;
};

static struct row6 rows6[1024];

/* /proc/net/tcp6 or udp6's rows (at most max); -1 on a bad line. */
static int read_rows6(const char *file, struct row6 *r, int max)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof(line), f) && n < max) {
        struct row6 x;
        int sl;
        if (sscanf(line, "%d: %32[0-9A-F]:%4X %32[0-9A-F]:%4X %2X %*X:%*X %*X:%*X %*X %*u %*d %lu",
                   &sl, x.laddr, &x.lport, x.raddr, &x.rport, &x.st, &x.ino) != 7) {
            fclose(f);
            return -1;
        }
        r[n++] = x;
    }
    fclose(f);
    return n;
}

static const struct row6 *find6(const struct row6 *r, int n, unsigned long ino)
{
    for (int i = 0; i < n; i++)
        if (r[i].ino == ino)
            return &r[i];
    return NULL;
}

#define LO6_HEX    "00000000000000000000000001000000"  /* ::1 */
#define ANY6_HEX   "00000000000000000000000000000000"  /* :: */
#define MAPPED_LO  "0000000000000000FFFF00000100007F"  /* ::ffff:127.0.0.1 */

TEST(ipv6_sockets_listed_in_tcp6_and_udp6_only)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = { .sin6_family = AF_INET6 };     /* [::]: dual stack */
    socklen_t len = sizeof(a);
    REQUIRE(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0 &&
            getsockname(l, (struct sockaddr *)&a, &len) == 0);
    unsigned port = ntohs(a.sin6_port);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = a.sin6_port,
                                .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    REQUIRE(c6 >= 0 && connect(c6, (struct sockaddr *)&to6, sizeof(to6)) == 0);
    int a6 = accept(l, NULL, NULL);
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = a.sin6_port,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    REQUIRE(a6 >= 0 && c4 >= 0 && connect(c4, (struct sockaddr *)&to4, sizeof(to4)) == 0);
    int a4 = accept(l, NULL, NULL);
    REQUIRE(a4 >= 0);
    int n6 = read_rows6("/proc/net/tcp6", rows6, 1024);
    REQUIRE(n6 >= 4);
    const struct row6 *r = find6(rows6, n6, sock_ino(l));
    CHECK(r && !strcmp(r->laddr, ANY6_HEX) && r->lport == port && r->st == 0x0A);
    r = find6(rows6, n6, sock_ino(c6));
    CHECK(r && !strcmp(r->laddr, LO6_HEX) && !strcmp(r->raddr, LO6_HEX) && r->rport == port &&
          r->st == 0x01);
    r = find6(rows6, n6, sock_ino(a4));
    CHECK(r && !strcmp(r->laddr, MAPPED_LO) && r->lport == port && !strcmp(r->raddr, MAPPED_LO) &&
          r->st == 0x01);
    CHECK(find6(rows6, n6, sock_ino(c4)) == NULL);
    /* The AF_INET client is in tcp, the AF_INET6 sockets are not. */
    int n = read_rows("/proc/net/tcp", hdr, sizeof(hdr), rows, 4096);
    REQUIRE(n >= 1);
    const struct row *r4 = find(rows, n, sock_ino(c4));
    CHECK(r4 && r4->laddr == LO_HEX && r4->rport == port && r4->st == 0x01);
    CHECK(find(rows, n, sock_ino(l)) == NULL && find(rows, n, sock_ino(a4)) == NULL);
    /* UDP: a bound AF_INET6 socket in udp6, not in udp. */
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 ua = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    len = sizeof(ua);
    REQUIRE(u >= 0 && bind(u, (struct sockaddr *)&ua, sizeof(ua)) == 0 &&
            getsockname(u, (struct sockaddr *)&ua, &len) == 0);
    n6 = read_rows6("/proc/net/udp6", rows6, 1024);
    REQUIRE(n6 >= 1);
    r = find6(rows6, n6, sock_ino(u));
    CHECK(r && !strcmp(r->laddr, LO6_HEX) && r->lport == ntohs(ua.sin6_port) && r->st == 0x07);
    n = read_rows("/proc/net/udp", hdr, sizeof(hdr), rows, 4096);
    CHECK(n >= 0 && find(rows, n, sock_ino(u)) == NULL);
    close(u);
    close(a4);
    close(c4);
    close(a6);
    close(c6);
    close(l);
}
