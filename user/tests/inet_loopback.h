/* Helpers of the AF_INET tests over 127.0.0.1: a listener at a free port, an
 * int socket option read or set. Header-only (static), for user/tests/inet_*.c. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A listening TCP socket on 127.0.0.1 at a free port; the port in *port (host order). */
static inline int listener(unsigned short *port)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 8) ||
        getsockname(l, (struct sockaddr *)&a, &len)) {
        close(l);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return l;
}

/* An int option's value, or -12345 when the call fails or gives another size. */
static inline int get_int(int fd, int level, int opt)
{
    int v = -12345;
    socklen_t len = sizeof(v);
    return getsockopt(fd, level, opt, &v, &len) == 0 && len == sizeof(v) ? v : -12345;
}

static inline int set_int(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof(v));
}
