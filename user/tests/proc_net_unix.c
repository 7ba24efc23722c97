/* /proc/net/unix as Linux writes it: the header, and for each AF_UNIX socket
 * (found by its inode, the st_ino of its descriptor) the flags of a listener,
 * the type, the state (connected or not) and the name (a path, '@' for an
 * abstract one), an unnamed socket with none; a closed socket is gone. */
#define _GNU_SOURCE
#include "testlib.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct entry {
    unsigned refs, proto, flags, type, state;
    unsigned long ino;
    char path[120];
};

/* The line of the socket fd, or 0 when it is not listed. */
static int find(int fd, struct entry *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    FILE *f = fopen("/proc/net/unix", "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    if (!fgets(line, sizeof(line), f) ||
        strcmp(line, "Num       RefCount Protocol Flags    Type St Inode Path\n") != 0) {
        fclose(f);
        return 0;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        void *num;
        int off = 0;
        memset(e, 0, sizeof(*e));
        if (sscanf(line, "%p: %x %x %x %x %x %lu%n", &num, &e->refs, &e->proto, &e->flags,
                   &e->type, &e->state, &e->ino, &off) != 7 || e->ino != st.st_ino)
            continue;
        found = 1;
        if (line[off] == ' ')
            sscanf(line + off + 1, "%119s", e->path);
    }
    fclose(f);
    return found;
}

/* A name's address: a path with its NUL, or an abstract name after its
 * leading NUL; the length to pass. */
static socklen_t unix_addr(struct sockaddr_un *a, const char *name, int abstract)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path + (abstract ? 1 : 0), name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
}

static int listen_on(const char *name, int abstract)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, name, abstract);
    return s >= 0 && !bind(s, (struct sockaddr *)&a, len) && !listen(s, 4) ? s : -1;
}

static int connect_to(const char *name, int abstract)
{
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, name, abstract);
    return c >= 0 && connect(c, (struct sockaddr *)&a, len) == 0 ? c : -1;
}

TEST(a_listener_its_connection_and_an_abstract_name_are_listed)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/pnu-%d", (int)getpid());
    unlink(path);
    int l = listen_on(path, 0);
    REQUIRE(l >= 0);
    struct entry e;
    CHECK(find(l, &e));
    CHECK_EQ(e.flags, 0x10000);                 /* __SO_ACCEPTCON */
    CHECK_EQ(e.type, SOCK_STREAM);
    CHECK_EQ(e.state, 1);                       /* SS_UNCONNECTED */
    CHECK(strcmp(e.path, path) == 0);
    int c = connect_to(path, 0);
    REQUIRE(c >= 0);
    CHECK(find(c, &e));
    CHECK_EQ(e.flags, 0);
    CHECK_EQ(e.state, 3);                       /* SS_CONNECTED */
    CHECK_EQ(e.path[0], 0);                     /* the client has no name */
    int s = accept(l, NULL, NULL);
    REQUIRE(s >= 0);
    CHECK(find(s, &e));
    CHECK_EQ(e.state, 3);
    CHECK(strcmp(e.path, path) == 0);           /* the server end has the listener's */
    close(s);
    close(c);
    close(l);
    unlink(path);

    char name[64];
    snprintf(name, sizeof(name), "pnu-abstract-%d", (int)getpid());
    int a = listen_on(name, 1);
    REQUIRE(a >= 0);
    CHECK(find(a, &e));
    char want[80];
    snprintf(want, sizeof(want), "@%s", name);
    CHECK(strcmp(e.path, want) == 0);
    close(a);
}

TEST(a_socketpair_and_a_datagram_socket_are_listed_and_a_closed_one_is_gone)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    struct entry e;
    CHECK(find(sv[0], &e));
    CHECK_EQ(e.type, SOCK_SEQPACKET);
    CHECK_EQ(e.state, 3);
    CHECK_EQ(e.path[0], 0);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    REQUIRE(d >= 0);
    CHECK(find(d, &e));
    CHECK_EQ(e.type, SOCK_DGRAM);
    CHECK_EQ(e.state, 1);
    struct stat st;
    REQUIRE(fstat(sv[1], &st) == 0);
    close(sv[1]);
    /* Its inode is not listed any more (fstat of another fd cannot name it, so
     * look with a fresh socket's search over the whole table). */
    FILE *f = fopen("/proc/net/unix", "r");
    REQUIRE(f != NULL);
    char line[512];
    int seen = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long ino = 0;
        void *num;
        unsigned x;
        if (sscanf(line, "%p: %x %x %x %x %x %lu", &num, &x, &x, &x, &x, &x, &ino) == 7 &&
            ino == st.st_ino)
            seen = 1;
    }
    fclose(f);
    CHECK(!seen);
    close(sv[0]);
    close(d);
}
