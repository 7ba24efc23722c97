/* Guest side of tests/qemu/netapps.py: resolves each name on the command line with
 * the C library's getaddrinfo (AF_UNSPEC, then AF_INET) and with OSCortex's
 * dns_resolve call (0x4B8), printing one line per answer:
 *   gai NAME ADDR...   or   gai NAME error TEXT
 *   osc NAME ADDR      or   osc NAME errno N
 * Built static with musl and with glibc by the test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osc.h"     /* libosc: osc_dns_resolve */


static void by_getaddrinfo(const char *name)
{
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int err = getaddrinfo(name, NULL, &hints, &res);
    if (err) {
        printf("gai %s error %s\n", name,
               err == EAI_NONAME ? "EAI_NONAME" : err == EAI_AGAIN ? "EAI_AGAIN"
               : err == EAI_FAIL ? "EAI_FAIL" : gai_strerror(err));
        return;
    }
    printf("gai %s", name);
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        char text[64];
        const void *p = a->ai_family == AF_INET
            ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
            : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
        printf(" %s", inet_ntop(a->ai_family, p, text, sizeof(text)) ? text : "?");
    }
    printf("\n");
    freeaddrinfo(res);
}

static void by_oscortex_call(const char *name)
{
    struct in_addr addr;
    long r = osc_dns_resolve(name, &addr);
    if (r)
        printf("osc %s errno %d\n", name, errno);
    else
        printf("osc %s %s\n", name, inet_ntoa(addr));
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        by_getaddrinfo(argv[i]);
        by_oscortex_call(argv[i]);
        fflush(stdout);
    }
    return 0;
}
